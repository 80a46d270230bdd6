// src/distributed/mpi_process_group.h — the process group of jx::distributed, on MPI.
#pragma once

#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/process_group.h"

namespace jx::distributed {

// MPI_COMM_WORLD as a ProcessGroup. Every call is non-blocking MPI polled until done or until the
// timeout, so that a process that never joins a collective becomes a DistributedError rather than a
// hang. The first call of each kind (collective, dtype, shape) first checks that every process makes
// the same one, and names the processes whose call differs.
class MpiProcessGroup final : public detail::ProcessGroup {
 public:
  MpiProcessGroup(int rank, int size, int local_devices, std::chrono::milliseconds timeout);

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_devices() const override { return local_devices_; }
  void all_reduce(const void* in, void* out, std::int64_t count, DType dtype, detail::ProcessReduction reduction,
                  const std::string& collective) override;
  void all_gather(const void* in, void* out, std::int64_t bytes, const std::string& collective) override;

  // A collective timed out or failed: MPI's state is unknown, so no further call (not even
  // MPI_Finalize, which would wait for the missing process) is made.
  bool broken() const;

 private:
  void check_same_call(const std::string& collective);
  // Sends `send_count` elements to process `to` while receiving `receive_count` from `from`.
  void exchange(const std::byte* send, int send_count, int to, std::byte* receive, int receive_count, int from,
                MPI_Datatype type, const std::string& collective);
  void throw_if_broken(const std::string& collective) const;

  int rank_, size_, local_devices_;
  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;  // MPI is initialized for one thread at a time (MPI_THREAD_SERIALIZED)
  std::unordered_set<std::string> checked_calls_;
  bool broken_ = false;
  std::vector<std::byte> scratch_;  // what a partner sent, before it is reduced into the result
};

}  // namespace jx::distributed
