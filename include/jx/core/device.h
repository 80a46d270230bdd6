// jx/core/device.h — the devices an array can live on, as JAX's jax.Device and jax.devices().
//
// jx computes on the host's CPU, which is one device, "cpu:0", in one process, or N devices with
// JX_NUM_CPU_DEVICES=N (XLA's --xla_force_host_platform_device_count), for pmap and shard_map
// (jx/transforms/pmap.h, jx/sharding.h). The devices of a process share its memory and thread pool.
// The functions and array methods that ask where data lives (x.devices(), x.device(), jx::devices())
// answer as JAX does on a CPU machine, so JAX code that asks them ports unchanged:
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

// JAX's jax.config.update("jax_num_cpu_devices", n): this process's CPU devices from now on, in place of
// JX_NUM_CPU_DEVICES. Arrays are unaffected (the devices share memory); pmap and make_mesh see the new
// count.
void set_num_cpu_devices(int count);
int process_count();

}  // namespace jx
