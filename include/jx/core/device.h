// jx/core/device.h — the devices an array can live on, as JAX's jax.Device and jax.devices().
//
// jx computes on the host's CPU, which is one device, "cpu:0", in one process. The functions and
// array methods that ask where data lives (x.devices(), x.device(), jx::devices()) answer as JAX does
// on a one-CPU machine, so JAX code that asks them ports unchanged:
//
//   for (const jx::Device& d : jx::devices()) std::cout << d << "\n";   // CpuDevice(id=0)
//   assert(x.device() == jx::devices()[0] && x.is_fully_addressable());
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace jx {

struct Device {
  int id = 0;
  std::string platform = "cpu";     // JAX's Device.platform
  std::string device_kind = "cpu";  // JAX's Device.device_kind
  int process_index = 0;            // the process that owns it
  bool operator==(const Device&) const = default;
};

// "CpuDevice(id=0)", as JAX's repr(device).
std::string to_string(const Device& device);
std::ostream& operator<<(std::ostream& os, const Device& device);

// Every device of every process (jax.devices()), and those of this process (jax.local_devices()).
std::vector<Device> devices();
std::vector<Device> local_devices();
int device_count();
int local_device_count();
int process_index();  // this process's index among process_count()
int process_count();

}  // namespace jx
