// bench/random_bench.cpp — jx::random's samplers against libtorch's, measured in the same run.
//
// 16M float32 normals and uniforms per second on one thread (the target: normal at least 2x
// torch::randn in the default partitionable mode), then the legacy mode, every thread, and the bare
// threefry hash; then the rejection samplers on 1M draws (gamma, poisson, binomial) against
// libtorch's (torch::_standard_gamma, torch::poisson, torch::binomial), on every thread. Each jx figure is timed in
// alternation with its libtorch baseline, call for call, so that both see the same machine: on a shared 2-core VM the
// absolute rates drift by tens of percent within seconds, their ratio much less. libtorch (Debian's libtorch-dev) is
// optional: without it the bench still runs and prints jx's figures alone.
//
//   cmake --build build/default --target bench_random && ./build/default/bench/bench_random
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "harness.h"
#include "jx/core/config.h"
#include "jx/random.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace {

constexpr std::int64_t kSamples = std::int64_t{1} << 24;  // 16M
constexpr int kRounds = 21;                               // alternating calls of each side

struct Rates {
  double jx = 0, baseline = 0;  // G samples/s, medians over the rounds
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds(const std::function<void()>& body) {
  const auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Rates of `candidate` and `baseline` (each one call drawing kSamples), called in alternation; an
// empty baseline is skipped. Two warm-up calls each fill the allocator's caches first.
Rates paired(const std::function<void()>& candidate, const std::function<void()>& baseline,
             std::int64_t samples = kSamples) {
  for (int i = 0; i < 2; ++i) {
    candidate();
    if (baseline) baseline();
  }
  std::vector<double> jx_times, baseline_times;
  for (int round = 0; round < kRounds; ++round) {
    if (baseline && round % 2 == 0) baseline_times.push_back(seconds(baseline));
    jx_times.push_back(seconds(candidate));
    if (baseline && round % 2 == 1) baseline_times.push_back(seconds(baseline));
  }
  const auto n = static_cast<double>(samples);
  return {n / median(jx_times) / 1e9, baseline ? n / median(baseline_times) / 1e9 : 0};
}

struct Torch {
  std::function<void()> randn, rand;
  std::string randn_name = "(no libtorch)", rand_name = "(no libtorch)";
};

Torch torch_samplers(int threads) {
  Torch t;
#if defined(JX_BENCH_TORCH)
  torch::set_num_threads(threads);
  torch::manual_seed(0);
  t.randn = [] { jx::bench::do_not_optimize(torch::randn({kSamples}).data_ptr<float>()); };
  t.rand = [] { jx::bench::do_not_optimize(torch::rand({kSamples}).data_ptr<float>()); };
  t.randn_name = "torch::randn";
  t.rand_name = "torch::rand";
#else
  (void)threads;
#endif
  return t;
}

void run(int threads, bool partitionable, jx::bench::Table& table, bool with_target) {
  jx::cpu::set_num_threads(threads);
  const Torch torch = torch_samplers(threads);
  auto mode = jx::config::scoped({.threefry_partitionable = partitionable});
  const jx::Key key = jx::random::PRNGKey(0);
  const std::string suffix = std::string(partitionable ? "" : " legacy") + ", " + std::to_string(threads) + " thr";
  const Rates normal = paired([&] { jx::bench::do_not_optimize(jx::random::normal(key, {kSamples})); }, torch.randn);
  const Rates uniform = paired([&] { jx::bench::do_not_optimize(jx::random::uniform(key, {kSamples})); }, torch.rand);
  const bool has_torch = static_cast<bool>(torch.randn);
  table.row({.name = "normal f32 16M" + suffix,
             .value = normal.jx,
             .unit = "G/s",
             .baseline_name = torch.randn_name,
             .baseline = normal.baseline,
             .target = with_target ? (has_torch ? ">= 2.00x" : ">= 2.00x (no baseline)") : "",
             .met = with_target && has_torch ? std::optional<bool>(normal.jx >= 2 * normal.baseline) : std::nullopt});
  table.row({.name = "uniform f32 16M" + suffix,
             .value = uniform.jx,
             .unit = "G/s",
             .baseline_name = torch.rand_name,
             .baseline = uniform.baseline,
             .target = "",
             .met = std::nullopt});
}

// The samplers that loop until every element is accepted: 1M draws each.
void rejection_samplers(jx::bench::Table& table) {
  constexpr std::int64_t kDraws = std::int64_t{1} << 20;
  const int threads = jx::cpu::num_threads();
  const jx::Key key = jx::random::PRNGKey(0);
  std::function<void()> torch_gamma, torch_poisson_small, torch_poisson_large, torch_binomial;
  std::string gamma_name = "(no libtorch)", poisson_name = "(no libtorch)", binomial_name = "(no libtorch)";
#if defined(JX_BENCH_TORCH)
  torch::set_num_threads(threads);
  const torch::Tensor alpha = torch::full({kDraws}, 2.5f), small_rate = torch::full({kDraws}, 3.5f),
                      large_rate = torch::full({kDraws}, 40.0f), count = torch::full({kDraws}, 200.0f),
                      prob = torch::full({kDraws}, 0.4f);
  torch_gamma = [alpha] { jx::bench::do_not_optimize(at::_standard_gamma(alpha).data_ptr<float>()); };
  torch_poisson_small = [small_rate] { jx::bench::do_not_optimize(torch::poisson(small_rate).data_ptr<float>()); };
  torch_poisson_large = [large_rate] { jx::bench::do_not_optimize(torch::poisson(large_rate).data_ptr<float>()); };
  torch_binomial = [count, prob] { jx::bench::do_not_optimize(torch::binomial(count, prob).data_ptr<float>()); };
  gamma_name = "at::_standard_gamma";
  poisson_name = "torch::poisson";
  binomial_name = "torch::binomial";
#endif
  const std::string suffix = " 1M, " + std::to_string(threads) + " thr";
  const jx::Array a = jx::numpy::full({kDraws}, 2.5f);
  const Rates gamma = paired([&] { jx::bench::do_not_optimize(jx::random::gamma(key, a)); }, torch_gamma, kDraws);
  table.row({.name = "gamma(2.5) f32" + suffix,
             .value = gamma.jx,
             .unit = "G/s",
             .baseline_name = gamma_name,
             .baseline = gamma.baseline});
  const Rates small =
      paired([&] { jx::bench::do_not_optimize(jx::random::poisson(key, jx::Array(3.5f), jx::Shape{kDraws})); },
             torch_poisson_small, kDraws);
  table.row({.name = "poisson(3.5)" + suffix,
             .value = small.jx,
             .unit = "G/s",
             .baseline_name = poisson_name,
             .baseline = small.baseline});
  const Rates large =
      paired([&] { jx::bench::do_not_optimize(jx::random::poisson(key, jx::Array(40.0f), jx::Shape{kDraws})); },
             torch_poisson_large, kDraws);
  table.row({.name = "poisson(40)" + suffix,
             .value = large.jx,
             .unit = "G/s",
             .baseline_name = poisson_name,
             .baseline = large.baseline});
  const Rates binomial = paired(
      [&] {
        jx::bench::do_not_optimize(jx::random::binomial(key, jx::Array(200.0f), jx::Array(0.4f), jx::Shape{kDraws}));
      },
      torch_binomial, kDraws);
  table.row({.name = "binomial(200, 0.4) f32" + suffix,
             .value = binomial.jx,
             .unit = "G/s",
             .baseline_name = binomial_name,
             .baseline = binomial.baseline});
}

}  // namespace

int main() {
#if !defined(JX_BENCH_TORCH)
  std::printf("libtorch was not found when configuring (Debian: libtorch-dev), so there are no baselines.\n");
#endif
  const int all_threads = jx::cpu::num_threads();
  jx::bench::Table table("jx::random vs libtorch: 16M float32 samples (G samples/s, higher is better)");
  run(1, true, table, true);
  run(1, false, table, false);
  if (all_threads > 1) run(all_threads, true, table, false);
  // The hash alone: 16M 32-bit words, one threefry block each in partitionable mode.
  jx::cpu::set_num_threads(1);
  const jx::Key key = jx::random::PRNGKey(0);
  const Rates words = paired([&] { jx::bench::do_not_optimize(jx::random::bits(key, {kSamples})); }, {});
  table.row({.name = "bits u32 16M, 1 thr", .value = words.jx, .unit = "G/s", .baseline_name = "(none)"});
  jx::cpu::set_num_threads(all_threads);
  rejection_samplers(table);
  return table.missed() == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
