// jx's devices: the host's CPU is one device, in a process of its own (jx/core/device.h).
#include "jx/core/device.h"

#include <fmt/format.h>

#include <ostream>

namespace jx {

std::string to_string(const Device& device) {
  // JAX's repr: CpuDevice(id=0); other platforms would print their own class name.
  return fmt::format("{}Device(id={})", device.platform == "cpu" ? "Cpu" : device.platform, device.id);
}

std::ostream& operator<<(std::ostream& os, const Device& device) { return os << to_string(device); }

std::vector<Device> devices() { return local_devices(); }
std::vector<Device> local_devices() { return {Device{}}; }
int device_count() { return static_cast<int>(devices().size()); }
int local_device_count() { return static_cast<int>(local_devices().size()); }
int process_index() { return 0; }
int process_count() { return 1; }

}  // namespace jx
