// The failures jx::distributed must report rather than hang on, as a program for mpirun (tests/CMakeLists.txt
// runs it and matches what it prints):
//   failures_main mismatch — each of 2 processes calls psum on an array of another shape: both get a
//                            DistributedError naming what the other called, and exit 0 if it does;
//   failures_main timeout  — process 0 calls psum, the others never do: process 0 gets a DistributedError
//                            after JX_DISTRIBUTED_TIMEOUT seconds;
//   failures_main killed DIR — process 0 writes a checkpoint to DIR, then process 1 is killed (SIGKILL)
//                            and process 0's next psum gets a DistributedError; the checkpoint still
//                            loads. Run with mpirun --enable-recovery, which keeps the survivors running.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "jx/core/device.h"
#include "jx/distributed.h"
#include "jx/io.h"
#include "jx/lax/parallel.h"
#include "jx/numpy.h"
#include "jx/transforms/pmap.h"

namespace jnp = jx::numpy;

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  jx::distributed::initialize();
  const int rank = jx::process_index();
  auto total = jx::pmap([](const jx::Array& x) { return jx::lax::psum(x, "d"); }, {.axis_name = "d"});
  const auto start = std::chrono::steady_clock::now();
  try {
    if (mode == "mismatch") {
      total(jnp::ones({1, rank + 1})).block_until_ready();
    } else if (mode == "timeout") {
      if (rank == 0) {
        total(jnp::ones({1, 3})).block_until_ready();
      } else {
        std::this_thread::sleep_for(std::chrono::seconds(6));
        std::printf("process %d never joined\n", rank);
        return 0;
      }
    } else if (mode == "killed" && argc > 2) {
      total(jnp::ones({1, 3})).block_until_ready();  // both processes are up
      if (rank == 0) jx::io::save(std::filesystem::path(argv[2]) / "last.safetensors", jnp::arange(4.0f));
      total(jnp::ones({1, 2})).block_until_ready();  // after the checkpoint, on both
      if (rank == 1) std::raise(SIGKILL);
      total(jnp::ones({1, 3})).block_until_ready();
    } else {
      std::fprintf(stderr, "usage: failures_main mismatch|timeout|killed DIR\n");
      return 2;
    }
  } catch (const jx::DistributedError& e) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("process %d: DistributedError after %.1f s: %s\n", rank, seconds, e.what());
    std::fflush(stdout);
    if (mode == "mismatch") {
      // Every process names the other's call (per device: f32[k] for process k - 1); the exchange
      // completed, so the processes finish normally and mpirun's status is theirs.
      const int other = 1 - rank;
      const std::string named =
          "process " + std::to_string(other) + " called psum of f32[" + std::to_string(other + 1) + "]";
      jx::distributed::shutdown();
      return std::string(e.what()).find(named) != std::string::npos ? 0 : 1;
    }
    if (mode == "killed") {
      const jx::Array saved = jx::io::load<jx::Array>(std::filesystem::path(argv[2]) / "last.safetensors");
      std::printf("process %d: checkpoint %s\n", rank,
                  saved.to_vector<float>() == std::vector<float>{0, 1, 2, 3} ? "intact" : "damaged");
      std::fflush(stdout);
      std::_Exit(0);  // MPI cannot finish normally without the killed process
    }
    jx::distributed::shutdown();
    return 0;
  }
  std::printf("process %d: no error\n", rank);
  return 1;
}
