// jx's devices: the host's CPU is one device, or JX_NUM_CPU_DEVICES of them, in a process of its own
// (jx/core/device.h).
#include "jx/core/device.h"

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <ostream>

#include "core/process_group.h"
#include "jx/core/error.h"

namespace jx {

std::string to_string(const Device& device) {
  // JAX's repr: CpuDevice(id=0); other platforms would print their own class name.
  return fmt::format("{}Device(id={})", device.platform == "cpu" ? "Cpu" : device.platform, device.id);
}

std::ostream& operator<<(std::ostream& os, const Device& device) { return os << to_string(device); }

namespace {

// JX_NUM_CPU_DEVICES=N splits the host's CPU into N devices (XLA's
// --xla_force_host_platform_device_count), read once; set_num_cpu_devices overrides it.
std::atomic<int> chosen_cpu_devices{0};  // set_num_cpu_devices's, or 0

int configured_cpu_devices() {
  if (const int chosen = chosen_cpu_devices.load(std::memory_order_relaxed); chosen > 0) return chosen;
  static const int count = [] {
    const char* text = std::getenv("JX_NUM_CPU_DEVICES");
    if (text == nullptr || *text == '\0') return 1;
    char* end = nullptr;
    const long n = std::strtol(text, &end, 10);
    if (*end != '\0' || n < 1 || n > 4096) {
      throw ValueError("devices",
                       fmt::format("JX_NUM_CPU_DEVICES is '{}'; it must be a number of devices from 1 to 4096", text));
    }
    return static_cast<int>(n);
  }();
  return count;
}

}  // namespace

void set_num_cpu_devices(int count) {
  if (count < 1 || count > 4096) {
    throw ValueError("set_num_cpu_devices", fmt::format("{} devices: the count must be from 1 to 4096", count));
  }
  chosen_cpu_devices.store(count, std::memory_order_relaxed);
}

// Devices are numbered process by process: process p's local devices are p * L ... p * L + L - 1, for L
// devices per process (jx::distributed::initialize checks that every process has the same count).
std::vector<Device> devices() {
  const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
  if (!group) return local_devices();
  const int per_process = group->local_devices();
  std::vector<Device> list;
  for (int process = 0; process < group->size(); ++process) {
    for (int i = 0; i < per_process; ++i)
      list.push_back(Device{.id = process * per_process + i, .process_index = process});
  }
  return list;
}
std::vector<Device> local_devices() {
  const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
  const int count = group ? group->local_devices() : configured_cpu_devices();
  const int process = group ? group->rank() : 0;
  std::vector<Device> list;
  for (int i = 0; i < count; ++i) list.push_back(Device{.id = process * count + i, .process_index = process});
  return list;
}
int device_count() { return static_cast<int>(devices().size()); }
int local_device_count() { return static_cast<int>(local_devices().size()); }
int process_index() {
  const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
  return group ? group->rank() : 0;
}
int process_count() {
  const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
  return group ? group->size() : 1;
}

}  // namespace jx
