// bench/optim_bench.cpp — one Adam step on a ~1M-parameter pytree, jitted, against a C++ loop.
//
// The parameters are an MLP's (784-1024-256-10: weights and biases, 1,068,810 float32s in six leaves).
// jx runs jx::optim::adam's update and apply_updates as one jitted step that takes the parameters and
// the optimizer state by rvalue (donated, so updated in place) and returns them. The baseline is the
// same arithmetic written by hand: one loop over a flat float array for each of params, mu and nu, with
// the bias corrections computed once per step — what a fused optimizer kernel would do. Both run on
// the same threads (jx's pool; the loop is split over it with parallel_for when it has two).
// Each step reads params, gradients, mu, nu and writes params, mu, nu: 28 bytes per parameter.
//
//   cmake --build build/default --target bench_optim && ./build/default/bench/bench_optim
#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "harness.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;

struct Layer {
  jx::Array w, b;
};
JX_PYTREE(Layer, w, b);
using Mlp = std::vector<Layer>;

constexpr int kSizes[] = {784, 1024, 256, 10};
constexpr double kLearningRate = 1e-3, kB1 = 0.9, kB2 = 0.999, kEps = 1e-8;

// Dense random arrays (not broadcast views), scaled like an initialisation or a gradient.
Mlp random_mlp(jx::Key key, float scale) {
  Mlp layers;
  for (int i = 0; i < 3; ++i) {
    const jx::Key keys = jx::random::split(key, 3);
    key = keys[0];
    const jx::Key w_key = keys[1], b_key = keys[2];
    layers.push_back({jx::random::normal(w_key, {kSizes[i], kSizes[i + 1]}) * scale,
                      jx::random::normal(b_key, {kSizes[i + 1]}) * scale});
  }
  return layers;
}

std::vector<float> flat(const Mlp& layers) {
  std::vector<float> values;
  for (const jx::Array& leaf : jx::tree::leaves(layers)) {
    const std::vector<float> part = leaf.to_vector<float>();
    values.insert(values.end(), part.begin(), part.end());
  }
  return values;
}

// Adam as one loop over flat arrays: the arithmetic of optim::adam, in the same order.
struct HandAdam {
  std::vector<float> params, mu, nu;
  int count = 0;

  explicit HandAdam(std::vector<float> initial)
      : params(std::move(initial)), mu(params.size(), 0.0f), nu(params.size(), 0.0f) {}

  void step(const std::vector<float>& grads) {
    ++count;
    const float correction1 = static_cast<float>(-std::expm1(count * std::log(kB1)));
    const float correction2 = static_cast<float>(-std::expm1(count * std::log(kB2)));
    const float b1 = kB1, b2 = kB2, one_minus_b1 = 1.0 - kB1, one_minus_b2 = 1.0 - kB2;
    const float eps = kEps, minus_lr = -kLearningRate;
    float* p = params.data();
    float* m = mu.data();
    float* v = nu.data();
    const float* g = grads.data();
    auto body = [=](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        const float mi = one_minus_b1 * g[i] + b1 * m[i];
        const float vi = one_minus_b2 * (g[i] * g[i]) + b2 * v[i];
        m[i] = mi;
        v[i] = vi;
        p[i] += minus_lr * ((mi / correction1) / (std::sqrt(vi / correction2) + eps));
      }
    };
    const auto n = static_cast<std::int64_t>(params.size());
    if (jx::cpu::num_threads() == 1)
      body(0, n);
    else
      jx::cpu::parallel_for(n, 1 << 15, body);
  }
};

void run(jx::bench::Table& table, int threads) {
  jx::cpu::set_num_threads(threads);
  const jx::Key key = jx::random::PRNGKey(0);
  Mlp params = random_mlp(jx::random::fold_in(key, 1), 0.05f);
  const Mlp grads = random_mlp(jx::random::fold_in(key, 2), 0.01f);
  const optim::GradientTransformation opt = optim::adam(kLearningRate, {.b1 = kB1, .b2 = kB2, .eps = kEps});
  optim::OptState state = opt.init(params);
  std::int64_t parameters = 0;
  for (const jx::Array& leaf : jx::tree::leaves(params)) parameters += leaf.size();

  auto step = jx::jit([opt](const Mlp& p, const optim::OptState& s, const Mlp& g) {
    auto [updates, next] = opt.update(g, s, p);
    return std::pair{optim::apply_updates(p, updates), next};
  });
  HandAdam hand(flat(params));

  // The two agree before they are timed (the same steps on the same data).
  for (int i = 0; i < 3; ++i) {
    std::tie(params, state) = step(std::move(params), std::move(state), grads);
    hand.step(flat(grads));
  }
  const std::vector<float> jx_values = flat(params);
  double largest_difference = 0;
  for (std::size_t i = 0; i < jx_values.size(); ++i)
    largest_difference = std::max(largest_difference, static_cast<double>(std::abs(jx_values[i] - hand.params[i])));

  const std::vector<float> flat_grads = flat(grads);
  const auto c = compare(
      [&] {
        std::tie(params, state) = step(std::move(params), std::move(state), grads);
        do_not_optimize(params);
      },
      [&] {
        hand.step(flat_grads);
        do_not_optimize(hand.params.data());
      },
      {.min_time = 1.0, .sample_time = 0.05});
  const double bytes = 28.0 * static_cast<double>(parameters);
  table.row(Row{.name = "adam step, jitted, " + std::to_string(threads) + " thread" + (threads > 1 ? "s" : ""),
                .value = c.candidate.median * 1e3,
                .unit = "ms",
                .baseline_name = "hand-written C++ loop",
                .baseline = c.baseline.median * 1e3,
                .target = "",
                .met = std::nullopt,
                .ratio = c.time_ratio});
  std::printf(
      "  (%lld parameters; jx %.1f GB/s, loop %.1f GB/s of params/grads/mu/nu traffic; traced %zu time%s; "
      "largest difference after 3 steps %.2g)\n",
      static_cast<long long>(parameters), bytes / c.candidate.median * 1e-9, bytes / c.baseline.median * 1e-9,
      step.trace_count(), step.trace_count() == 1 ? "" : "s", largest_difference);

  // For scale: the same update eagerly, one op at a time (no fusion, new buffers every op).
  Mlp eager_params = params;
  optim::OptState eager_state = state;
  const auto eager = jx::bench::measure(
      [&] {
        auto [updates, next] = opt.update(grads, eager_state, eager_params);
        eager_params = optim::apply_updates(eager_params, updates);
        eager_state = std::move(next);
      },
      {.min_time = 0.5, .sample_time = 0.05});
  table.row(Row{.name = "adam step, eager, " + std::to_string(threads) + " thread" + (threads > 1 ? "s" : ""),
                .value = eager.median * 1e3,
                .unit = "ms",
                .baseline_name = "hand-written C++ loop",
                .baseline = c.baseline.median * 1e3,
                .target = "",
                .met = std::nullopt,
                .ratio = std::nullopt});
}

}  // namespace

int main() {
  jx::bench::Table table("optim: Adam on a 1.07M-parameter MLP pytree (784-1024-256-10)");
  const int most = jx::cpu::num_threads();
  run(table, 1);
  if (most > 1) run(table, 2);
  return 0;
}
