// bench/collectives_bench.cpp — in-process collectives: psum over 4 CPU devices of one process
// (pmap, JX_NUM_CPU_DEVICES semantics), against the same all-reduce written as a C++ loop.
//
// Each of the 4 devices holds n float32 values; the all-reduce leaves every device the sum. The loop
// reads the 4 inputs once and writes the 4 results, which is what the pmap'd program must do too, so
// the ratio is jx's overhead over the memory traffic: from 1 KB per device (dispatch cost) to 64 MB
// (bandwidth). Across processes (MPI): bench/distributed_bench.cpp.
//
//   cmake --build build/default --target bench_collectives && ./build/default/bench/bench_collectives
#include <cstdio>
#include <vector>

#include "harness.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;

constexpr int kDevices = 4;

}  // namespace

int main() {
  jx::set_num_cpu_devices(kDevices);
  jx::bench::Table table("psum over 4 in-process devices");
  auto all_reduce = jx::pmap([](const jx::Array& x) { return lax::psum(x, "i"); }, {.axis_name = "i"});
  for (const std::int64_t n : {256L, 16384L, 262144L, 4194304L, 16777216L}) {
    const jx::Array x = jnp::ones({kDevices, n}, jx::DType::float32);
    std::vector<float> in(static_cast<std::size_t>(kDevices * n), 1.0f), out(in.size());
    const auto result = compare([&] { do_not_optimize(all_reduce(x)); },
                                [&] {
                                  const float* a = in.data();
                                  float* o = out.data();
                                  for (std::int64_t j = 0; j < n; ++j) {
                                    float s = 0;
                                    for (int d = 0; d < kDevices; ++d) s += a[d * n + j];
                                    for (int d = 0; d < kDevices; ++d) o[d * n + j] = s;
                                  }
                                  do_not_optimize(o);
                                });
    const double bytes = 2.0 * kDevices * static_cast<double>(n) * 4;  // read + write
    table.row(Row{.name = "psum " + std::to_string(n * 4 / 1024) + " KB per device",
                  .value = bytes / result.candidate.median / 1e9,
                  .unit = "GB/s",
                  .baseline_name = "hand-written loop",
                  .baseline = bytes / result.baseline.median / 1e9,
                  .target = "",
                  .met = std::nullopt,
                  .ratio = result.time_ratio});
  }
  return 0;
}
