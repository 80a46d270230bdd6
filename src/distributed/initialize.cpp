// jx::distributed::initialize and shutdown (jx/distributed.h).
#include <fmt/format.h>
#include <mpi.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "core/process_group.h"
#include "distributed/mpi_process_group.h"
#include "jx/core/device.h"
#include "jx/distributed.h"

namespace jx::distributed {
namespace {

std::mutex state_mutex;
std::shared_ptr<MpiProcessGroup> current_group;

std::chrono::milliseconds default_timeout() {
  const char* text = std::getenv("JX_DISTRIBUTED_TIMEOUT");
  if (text == nullptr || *text == '\0') return std::chrono::seconds(60);
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  if (*end != '\0' || !(seconds > 0)) {
    throw ValueError("distributed::initialize",
                     fmt::format("JX_DISTRIBUTED_TIMEOUT is '{}'; it must be a positive number of seconds", text));
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

void shutdown_at_exit() { shutdown(); }

}  // namespace

void initialize(InitializeOptions options) {
  const std::lock_guard lock(state_mutex);
  constexpr const char* op = "distributed::initialize";
  if (current_group) throw ValueError(op, "jx::distributed is already initialized (call shutdown() first)");
  const std::chrono::milliseconds timeout = options.timeout.value_or(default_timeout());
  if (timeout.count() <= 0)
    throw ValueError(op, fmt::format("the timeout must be positive, not {} ms", timeout.count()));
  const int local_devices = options.local_device_count.value_or(jx::local_device_count());
  if (local_devices < 1)
    throw ValueError(op, fmt::format("local_device_count must be at least 1, not {}", local_devices));

  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
      throw DistributedError(op, "MPI could not start (was the program launched with mpirun?)");
    }
    if (provided < MPI_THREAD_SERIALIZED) {
      throw DistributedError(op, "this MPI library cannot be called from the thread that runs a program");
    }
  }
  // Errors come back as codes (and DistributedError) instead of aborting every process.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (options.num_processes && *options.num_processes != size) {
    throw ValueError(op,
                     fmt::format("num_processes is {}, but mpirun started {} processes", *options.num_processes, size));
  }
  if (options.process_id && *options.process_id != rank) {
    throw ValueError(op,
                     fmt::format("process_id is {}, but mpirun made this process rank {}", *options.process_id, rank));
  }

  auto group = std::make_shared<MpiProcessGroup>(rank, size, local_devices, timeout);
  // Every process must bring as many devices: a global device's number says which process holds it.
  std::vector<std::int32_t> counts(static_cast<std::size_t>(size));
  const std::int32_t mine = local_devices;
  group->all_gather(&mine, counts.data(), sizeof mine, "distributed::initialize");
  for (int process = 0; process < size; ++process) {
    if (counts[static_cast<std::size_t>(process)] != local_devices) {
      throw ValueError(op, fmt::format("process {} has {} local devices but process {} has {}; every process needs "
                                       "the same number (JX_NUM_CPU_DEVICES)",
                                       rank, local_devices, process, counts[static_cast<std::size_t>(process)]));
    }
  }
  current_group = group;
  detail::set_process_group(group);
  static std::once_flag at_exit;
  std::call_once(at_exit, [] { std::atexit(shutdown_at_exit); });
}

void shutdown() {
  const std::lock_guard lock(state_mutex);
  if (!current_group) return;
  detail::set_process_group(nullptr);
  const bool broken = current_group->broken();
  current_group.reset();
  int finalized = 0;
  MPI_Finalized(&finalized);
  // After a failed collective MPI_Finalize would wait for the process that never answered.
  if (!finalized && !broken) MPI_Finalize();
}

bool is_initialized() {
  const std::lock_guard lock(state_mutex);
  return current_group != nullptr;
}

}  // namespace jx::distributed
