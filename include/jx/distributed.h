// jx/distributed.h — one program over several processes, as JAX's jax.distributed, on Open MPI.
//
// Launched with `mpirun -np N program`, every process calls initialize() first. Each then contributes its
// local devices (one CPU device, or JX_NUM_CPU_DEVICES of them) to one global list, jx::devices(),
// numbered process by process, and a pmap'd function's collectives (lax::psum, pmean, all_gather, ...)
// run over the devices of every process: within a process as array operations, across processes
// through MPI. Each process passes pmap its own devices' slices; the same program runs unchanged on 1
// process or N. Link the CMake target jx::distributed (only programs that use it link MPI).
//
//   jx::distributed::initialize();
//   auto step = jx::pmap([](const jx::Array& g) { return jx::lax::pmean(g, "batch"); }, {.axis_name = "batch"});
//   jx::Array mean = step(local_gradients);   // [local devices, ...], the mean over every process's
//
// A collective that some process does not join within the timeout (60 s unless configured) throws
// DistributedError on the processes that did, and processes whose calls differ (another collective, shape
// or dtype) are told which process called what, never left waiting. A process that dies ends the job
// (mpirun stops the others).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "jx/core/error.h"
#include "jx/core/keywords_only.h"

namespace jx {

// A collective across processes that failed: a process that did not answer in time, processes whose
// programs differ, or MPI reporting an error.
class DistributedError : public Error {
 public:
  using Error::Error;
};

namespace distributed {

struct InitializeOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // JAX's arguments. mpirun starts the processes and tells each its rank, so these are checked against
  // what it says rather than used to connect: a mismatch is a ValueError. coordinator_address is
  // accepted and ignored (MPI's launcher is the coordinator).
  std::optional<std::string> coordinator_address = std::nullopt;
  std::optional<int> num_processes = std::nullopt;
  std::optional<int> process_id = std::nullopt;
  // This process's devices; by default JX_NUM_CPU_DEVICES, or 1. Every process must have as many.
  std::optional<int> local_device_count = std::nullopt;
  // How long a collective waits for the other processes before throwing DistributedError; by default
  // JX_DISTRIBUTED_TIMEOUT (seconds) or 60 s.
  std::optional<std::chrono::milliseconds> timeout = std::nullopt;
};

// Joins this process to the others mpirun started (a process started without mpirun is a group of one).
// Call once, before any pmap; a second call is a ValueError.
void initialize(InitializeOptions options = {});
// Leaves the group (MPI_Finalize); jx::devices() is this process's again. Also run at exit.
void shutdown();
bool is_initialized();

}  // namespace distributed
}  // namespace jx
