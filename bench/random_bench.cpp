// bench/random_bench.cpp — jx::random's samplers against libtorch's, measured in the same run.
//
// 16M float32 normals and uniforms per second on one thread (the target: normal at least 2x
// torch::randn in the default partitionable mode), then on every thread, the legacy mode, and the
// bare threefry hash. libtorch is optional: without it the baseline columns stay empty.
#include <cstdio>
#include <cstdlib>

#include "backends/cpu/thread_pool.h"
#include "harness.h"
#include "jx/core/config.h"
#include "jx/random.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace {

constexpr std::int64_t kSamples = std::int64_t{1} << 24;  // 16M

double samples_per_second(const jx::bench::Timing& t) { return static_cast<double>(kSamples) / t.median / 1e9; }

template <class Body>
double gsamples(Body body) {
  return samples_per_second(jx::bench::measure(body, {.min_time = 1.0}));
}

struct Baselines {
  double randn = 0, rand = 0;
  const char* randn_name = "(no libtorch)";
  const char* rand_name = "(no libtorch)";
};

Baselines torch_baselines(int threads) {
  Baselines b;
#if defined(JX_BENCH_TORCH)
  torch::set_num_threads(threads);
  torch::manual_seed(0);
  b.randn = gsamples([] { jx::bench::do_not_optimize(torch::randn({kSamples}).data_ptr<float>()); });
  b.rand = gsamples([] { jx::bench::do_not_optimize(torch::rand({kSamples}).data_ptr<float>()); });
  b.randn_name = "torch::randn";
  b.rand_name = "torch::rand";
#else
  (void)threads;
#endif
  return b;
}

void run(int threads, bool partitionable, const Baselines& torch, jx::bench::Table& table, bool with_target) {
  jx::cpu::set_num_threads(threads);
  auto mode = jx::config::scoped({.threefry_partitionable = partitionable});
  const jx::Key key = jx::random::PRNGKey(0);
  const std::string suffix = std::string(partitionable ? "" : " legacy") + ", " + std::to_string(threads) + " thr";
  const double normal = gsamples([&] { jx::bench::do_not_optimize(jx::random::normal(key, {kSamples})); });
  const double uniform = gsamples([&] { jx::bench::do_not_optimize(jx::random::uniform(key, {kSamples})); });
  const bool has_torch = torch.randn > 0;
  table.row({.name = "normal f32 16M" + suffix,
             .value = normal,
             .unit = "G/s",
             .baseline_name = torch.randn_name,
             .baseline = torch.randn,
             .target = with_target ? ">= 2.00x" : "",
             .met = with_target && has_torch ? std::optional<bool>(normal >= 2 * torch.randn) : std::nullopt});
  table.row({.name = "uniform f32 16M" + suffix,
             .value = uniform,
             .unit = "G/s",
             .baseline_name = torch.rand_name,
             .baseline = torch.rand});
}

}  // namespace

int main() {
  const int all_threads = jx::cpu::num_threads();
  jx::bench::Table table("jx::random vs libtorch: 16M float32 samples (G samples/s, higher is better)");
  const Baselines one = torch_baselines(1);
  run(1, true, one, table, true);
  run(1, false, one, table, false);
  if (all_threads > 1) {
    const Baselines all = torch_baselines(all_threads);
    run(all_threads, true, all, table, false);
  }
  // The hash alone: 16M 32-bit words (one block each in partitionable mode).
  jx::cpu::set_num_threads(1);
  const jx::Key key = jx::random::PRNGKey(0);
  const double words = gsamples([&] { jx::bench::do_not_optimize(jx::random::bits(key, {kSamples})); });
  table.row({.name = "bits u32 16M, 1 thr", .value = words, .unit = "G/s", .baseline_name = "(none)"});
  return table.missed() == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
