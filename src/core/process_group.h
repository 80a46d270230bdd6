// src/core/process_group.h — the processes one jx program spans, as the core sees them.
//
// jx::distributed::initialize (jx/distributed.h, the jx::distributed library) installs a ProcessGroup
// carried by MPI; without it a program is one process and this header's group is null. The core
// never links MPI: device numbering (jx::devices()) and the collectives that cross processes (psum
// over a pmap axis that spans them) call through this interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "jx/core/dtype.h"

namespace jx::detail {

enum class ProcessReduction { sum, max, min };
inline const char* reduction_name(ProcessReduction reduction) {
  return reduction == ProcessReduction::sum ? "sum" : reduction == ProcessReduction::max ? "max" : "min";
}

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every process's local device count (equal on all processes; initialize checks it).
  virtual int local_devices() const = 0;
  // out[i] = the reduction over processes of in[i], for `count` elements of `dtype`; `in` may be `out`.
  // `collective` names the call for errors ("psum of float32[1024]"): every process must make the same
  // calls in the same order, and a process that does not is reported, as is one that does not answer.
  virtual void all_reduce(const void* in, void* out, std::int64_t count, DType dtype, ProcessReduction reduction,
                          const std::string& collective) = 0;
  // out = the `bytes` bytes of `in` of every process, in process order.
  virtual void all_gather(const void* in, void* out, std::int64_t bytes, const std::string& collective) = 0;
};

// Installed by jx::distributed::initialize, removed by shutdown.
void set_process_group(std::shared_ptr<ProcessGroup> group);
// The group, or null when this program is one process.
std::shared_ptr<ProcessGroup> process_group();

}  // namespace jx::detail
