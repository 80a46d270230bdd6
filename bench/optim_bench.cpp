// bench/optim_bench.cpp — one Adam step on a ~1M-parameter pytree, jitted, against a C++ loop; the other
// optimizers' steps against Adam's; a cross-entropy loss against a C++ loop.
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
#include <algorithm>
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

// Adam's relatives (jx/optim/adaptive.h) as jitted, donated steps on the same pytree, each against
// Adam's step measured alongside it: what the extra state and arithmetic cost on top of Adam's.
void other_optimizers(jx::bench::Table& table) {
  const jx::Key key = jx::random::PRNGKey(0);
  const Mlp grads = random_mlp(jx::random::fold_in(key, 2), 0.01f);
  auto jitted_step = [&](const optim::GradientTransformation& opt) {
    auto step = jx::jit([opt](const Mlp& p, const optim::OptState& s, const Mlp& g) {
      auto [updates, next] = opt.update(g, s, p);
      return std::pair{optim::apply_updates(p, updates), next};
    });
    Mlp params = random_mlp(jx::random::fold_in(key, 1), 0.05f);
    optim::OptState state = opt.init(params);
    return [step, params = std::move(params), state = std::move(state), &grads]() mutable {
      std::tie(params, state) = step(std::move(params), std::move(state), grads);
      do_not_optimize(params);
    };
  };
  const std::vector<std::pair<std::string, optim::GradientTransformation>> optimizers = {
      {"adamax", optim::adamax(kLearningRate)}, {"amsgrad", optim::amsgrad(kLearningRate)},
      {"radam", optim::radam(kLearningRate)},   {"adabelief", optim::adabelief(kLearningRate)},
      {"yogi", optim::yogi(kLearningRate)},     {"lamb", optim::lamb(kLearningRate)},
      {"lars", optim::lars(kLearningRate)},     {"novograd", optim::novograd(kLearningRate)},
      {"adan", optim::adan(kLearningRate)},     {"signum", optim::signum(kLearningRate)},
  };
  auto adam = jitted_step(optim::adam(kLearningRate));
  for (const auto& [name, opt] : optimizers) {
    auto candidate = jitted_step(opt);
    const auto c = compare(candidate, adam, {.min_time = 0.5, .sample_time = 0.05});
    table.row(Row{.name = name + " step, jitted",
                  .value = c.candidate.median * 1e3,
                  .unit = "ms",
                  .baseline_name = "adam step, jitted",
                  .baseline = c.baseline.median * 1e3,
                  .ratio = c.time_ratio});
  }
}

// softmax_cross_entropy_with_integer_labels (jx/optim/losses.h), jitted, on 4096 x 1000 float32
// logits, against one hand-written pass per row (max, sum of exponentials, log) on the same threads.
void cross_entropy(jx::bench::Table& table) {
  constexpr int kRows = 4096, kClasses = 1000;
  const jx::Key key = jx::random::PRNGKey(3);
  const jx::Array logits = jx::random::normal(key, {kRows, kClasses}) * 3.0f;
  const jx::Array labels = jx::random::randint(jx::random::fold_in(key, 1), {kRows}, 0, kClasses);
  const auto loss = jx::jit(
      [](const jx::Array& x, const jx::Array& y) { return optim::softmax_cross_entropy_with_integer_labels(x, y); });
  const std::vector<float> x = logits.to_vector<float>();
  const std::vector<int> y = labels.to_vector<int>();
  std::vector<float> hand(kRows);
  auto by_hand = [&] {
    jx::cpu::parallel_for(kRows, 64, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t r = begin; r < end; ++r) {
        const float* row = x.data() + r * kClasses;
        float largest = row[0];
        for (int k = 1; k < kClasses; ++k) largest = std::max(largest, row[k]);
        float total = 0;
        for (int k = 0; k < kClasses; ++k) total += std::exp(row[k] - largest);
        hand[static_cast<std::size_t>(r)] = std::log(total) + largest - row[y[static_cast<std::size_t>(r)]];
      }
    });
    do_not_optimize(hand.data());
  };
  const std::vector<float> jx_values = loss(logits, labels).to_vector<float>();
  by_hand();
  double largest_difference = 0;
  for (int r = 0; r < kRows; ++r)
    largest_difference = std::max(largest_difference, static_cast<double>(std::abs(jx_values[r] - hand[r])));
  const auto c = compare([&] { do_not_optimize(loss(logits, labels)); }, by_hand, {.min_time = 0.5});
  const double bytes = 4.0 * kRows * kClasses;
  table.row(Row{.name = "softmax_cross_entropy_with_integer_labels 4096x1000, jitted",
                .value = bytes / c.candidate.median * 1e-9,
                .unit = "GB/s",
                .baseline_name = "hand-written C++ loop",
                .baseline = bytes / c.baseline.median * 1e-9,
                .ratio = c.time_ratio});
  std::printf("  (largest difference from the loop %.2g)\n", largest_difference);
}

}  // namespace

int main() {
  jx::bench::Table table("optim: Adam on a 1.07M-parameter MLP pytree (784-1024-256-10)");
  const int most = jx::cpu::num_threads();
  run(table, 1);
  if (most > 1) run(table, 2);
  jx::bench::Table others("optim: other optimizers on the same pytree, against Adam (all threads)");
  other_optimizers(others);
  jx::bench::Table losses("optim: losses (all threads)");
  cross_entropy(losses);
  return 0;
}
