// bench/distributed_bench.cpp — psum across processes (jx::distributed on Open MPI) against a bare
// MPI_Allreduce of the same buffer, from 1 KB to 64 MB per process. Run it under mpirun:
//
//   cmake --build build/default --target bench_distributed
//   mpirun -np 2 --oversubscribe --allow-run-as-root -x JX_NUM_THREADS=1 ./build/default/bench/bench_distributed
//
// Each process holds n float32 values on one device; the pmap'd psum leaves every process the sum. The
// baseline is what an MPI program would write: MPI_Allreduce from one buffer into another. Both run the
// same fixed number of calls on every process (the processes must make the same calls), in alternating
// rounds; the figure is the median per-call time's bandwidth (bytes reduced per second) and the ratio
// jx time / MPI time. Targets (issue 22): at least 0.9x MPI's bandwidth from 1 MB, at most 1.2x its
// latency at 1 KB.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "fma_peak.h"
#include "harness.h"
#include "jx/core/device.h"
#include "jx/distributed.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Seconds per call of `body` over `calls` calls, every process starting together.
template <class Body>
double time_calls(int calls, const Body& body) {
  MPI_Barrier(MPI_COMM_WORLD);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) body();
  const double local = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls;
  double slowest = 0;  // a collective is as fast as its slowest process
  MPI_Allreduce(&local, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest;
}

}  // namespace

int main() {
  jx::distributed::initialize();
  const bool printing = jx::process_index() == 0;
  jx::bench::Table* table = nullptr;
  if (printing) {
    std::printf("CPU: %s; %d processes on this machine (shared memory)\n", jx::bench::cpu_name().c_str(),
                jx::process_count());
    table = new jx::bench::Table("psum across processes (pmap over every process's device)");
  }
  auto all_reduce = jx::pmap([](const jx::Array& x) { return lax::psum(x, "i"); }, {.axis_name = "i"});
  for (const std::int64_t n : {256L, 16384L, 262144L, 1048576L, 4194304L, 16777216L}) {
    const jx::Array x = jnp::ones({1, n}, jx::DType::float32);
    std::vector<float> in(static_cast<std::size_t>(n), 1.0f), out(in.size());
    const double bytes = 4.0 * static_cast<double>(n);
    const int calls = static_cast<int>(std::clamp(256e6 / bytes, 4.0, 2000.0));
    for (int i = 0; i < 3; ++i) all_reduce(x).block_until_ready();  // compiles, then warms the buffers
    std::vector<double> jx_times, mpi_times, ratios;
    for (int round = 0; round < 7; ++round) {
      const double t_jx = time_calls(calls, [&] { all_reduce(x).block_until_ready(); });
      const double t_mpi = time_calls(calls, [&] {
        MPI_Allreduce(in.data(), out.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      });
      jx_times.push_back(t_jx);
      mpi_times.push_back(t_mpi);
      ratios.push_back(t_jx / t_mpi);
    }
    if (printing) {
      const double ratio = median(ratios);
      const bool small = bytes <= 1024;
      const bool large = bytes >= (1 << 20);
      std::string name = "psum " + (bytes < (1 << 20) ? std::to_string(static_cast<int>(bytes / 1024)) + " KB"
                                                      : std::to_string(static_cast<int>(bytes / (1 << 20))) + " MB");
      table->row(jx::bench::Row{.name = small ? name + " (latency, us)" : name,
                                .value = small ? median(jx_times) * 1e6 : bytes / median(jx_times) / 1e9,
                                .unit = small ? "us" : "GB/s",
                                .baseline_name = "MPI_Allreduce",
                                .baseline = small ? median(mpi_times) * 1e6 : bytes / median(mpi_times) / 1e9,
                                .target = small   ? "time <= 1.2x"
                                          : large ? "bandwidth >= 0.9x"
                                                  : "",
                                .met = small   ? std::optional<bool>(ratio <= 1.2)
                                       : large ? std::optional<bool>(1 / ratio >= 0.9)
                                               : std::nullopt,
                                .ratio = ratio});
    }
  }
  if (printing) std::printf("(ratio: jx time / MPI time, median of 7 alternating rounds)\n");
  delete table;
  jx::distributed::shutdown();
  return 0;
}
