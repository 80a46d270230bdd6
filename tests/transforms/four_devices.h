// tests/transforms/four_devices.h — what the pmap and shard_map tests share: a fixture giving the
// process 4 CPU devices for each test (JAX's jax_num_cpu_devices), and an elementwise comparison.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/device.h"

namespace jx_test {

class FourCpuDevices : public ::testing::Test {
 protected:
  void SetUp() override { jx::set_num_cpu_devices(4); }
  void TearDown() override { jx::set_num_cpu_devices(1); }
};

// |got - want| <= tol (1 + |want|) elementwise, shapes equal.
inline void expect_near_all(const jx::Array& got, const jx::Array& want, double tol) {
  ASSERT_EQ(got.shape(), want.shape());
  const std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], w[i], tol * (1 + std::abs(w[i]))) << "element " << i;
}

}  // namespace jx_test
