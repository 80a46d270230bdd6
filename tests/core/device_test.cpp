// jx's devices (src/core/device.cpp): one CPU device in one process, printed as JAX prints it.
#include "jx/core/device.h"

#include <gtest/gtest.h>

#include <sstream>

namespace {

TEST(Devices, OneCpuDeviceInOneProcess) {
  const std::vector<jx::Device> all = jx::devices();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, 0);
  EXPECT_EQ(all[0].platform, "cpu");
  EXPECT_EQ(all[0].process_index, 0);
  EXPECT_EQ(jx::local_devices(), all);
  EXPECT_EQ(jx::device_count(), 1);
  EXPECT_EQ(jx::local_device_count(), 1);
  EXPECT_EQ(jx::process_index(), 0);
  EXPECT_EQ(jx::process_count(), 1);
}

TEST(Devices, PrintsAsJaxReprs) {
  std::ostringstream os;
  os << jx::devices()[0];
  EXPECT_EQ(os.str(), "CpuDevice(id=0)");
  EXPECT_EQ(jx::to_string(jx::Device{.id = 2}), "CpuDevice(id=2)");
  EXPECT_NE(jx::Device{.id = 1}, jx::devices()[0]);
}

}  // namespace
