// Optimistic Adam (jx/optim/step_size.h): optimistic_adam and optimistic_adam_v2 against Adam's step
// (with Nesterov's momentum, their default) made optimistic, written out in double precision below;
// their chains' states, a schedule, and jit.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "array_close.h"
#include "jx/jx.h"
#include "jx/optim/step_size.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

using jx::testing::values;

Array make(const std::vector<double>& v) { return jnp::array(std::vector<float>(v.begin(), v.end())); }

std::vector<double> gradient(int step) {
  return {std::sin(0.8 * step + 0.3), -0.5 + 0.25 * step, std::cos(1.7 * step) * 2.0};
}

// Adam's step r_t, with Nesterov's momentum when asked, and the optimistic combination
// (alpha + beta) r_t - beta r_{t-1} (r_0 = r_1).
struct Reference {
  double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  bool nesterov = true;
  std::vector<double> mu, nu, previous;
  int t = 0;
  explicit Reference(std::size_t n) : mu(n), nu(n), previous(n) {}
  std::vector<double> optimistic(const std::vector<double>& g, double alpha, double beta) {
    ++t;
    std::vector<double> result(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      mu[i] = b1 * mu[i] + (1 - b1) * g[i];
      nu[i] = b2 * nu[i] + (1 - b2) * g[i] * g[i];
      const double mu_hat = nesterov ? b1 * mu[i] / (1 - std::pow(b1, t + 1)) + (1 - b1) * g[i] / (1 - std::pow(b1, t))
                                     : mu[i] / (1 - std::pow(b1, t));
      const double nu_hat = nu[i] / (1 - std::pow(b2, t));
      const double r = mu_hat / (std::sqrt(nu_hat) + eps);
      const double before = t == 1 ? r : previous[i];
      result[i] = (alpha + beta) * r - beta * before;
      previous[i] = r;
    }
    return result;
  }
};

void expect_near(const std::vector<double>& actual, const std::vector<double>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-5 * std::abs(expected[i]) + 1e-6) << what << " at " << i;
}

TEST(OptimOptimisticAdam, OptimisticAdamV2MatchesItsRule) {
  const double lr = 0.1, alpha = 0.7, beta = 1.5;
  const auto opt = optim::optimistic_adam_v2(lr, {.alpha = alpha, .beta = beta});
  const Array p = jnp::zeros({3});
  optim::OptState state = opt.init(p);
  ASSERT_EQ(state.size(), 3u);  // scale_by_adam, scale_by_optimistic_gradient, scale_by_learning_rate
  EXPECT_TRUE(state[1]["is_initial_step"].array().item<bool>());
  Reference reference(3);
  for (int step = 0; step < 5; ++step) {
    auto [u, next] = opt.update(make(gradient(step)), state, p);
    state = next;
    std::vector<double> expected = reference.optimistic(gradient(step), alpha, beta);
    for (double& x : expected) x *= -lr;
    expect_near(values(u), expected, "step " + std::to_string(step));
  }
  EXPECT_FALSE(state[1]["is_initial_step"].array().item<bool>());
}

TEST(OptimOptimisticAdam, OptimisticAdamUsesTheLearningRateAsOptimism) {
  // Optax's first interface: alpha = learning_rate, beta = optimism (the learning rate by default),
  // then a sign flip: -(2 lr r_t - lr r_{t-1}).
  const double lr = 0.05;
  const auto opt = optim::optimistic_adam(lr);
  const auto explicit_optimism = optim::optimistic_adam(lr, {.optimism = 0.2, .nesterov = false});
  const Array p = jnp::zeros({3});
  optim::OptState state = opt.init(p), other_state = explicit_optimism.init(p);
  Reference reference(3), plain(3);
  plain.nesterov = false;
  for (int step = 0; step < 4; ++step) {
    auto [u, next] = opt.update(make(gradient(step)), state, p);
    state = next;
    std::vector<double> expected = reference.optimistic(gradient(step), lr, lr);
    for (double& x : expected) x = -x;
    expect_near(values(u), expected, "step " + std::to_string(step));
    auto [v, other_next] = explicit_optimism.update(make(gradient(step)), other_state, p);
    other_state = other_next;
    std::vector<double> other_expected = plain.optimistic(gradient(step), lr, 0.2);
    for (double& x : other_expected) x = -x;
    expect_near(values(v), other_expected, "optimism 0.2, step " + std::to_string(step));
  }
}

TEST(OptimOptimisticAdam, V2TakesASchedule) {
  // lr(count) = 0.1 / (1 + count): the last part of the chain counts the steps.
  const auto schedule = optim::Schedule([](const Array& count) { return 0.1f / (1.0f + count.astype(jx::float32)); });
  const auto opt = optim::optimistic_adam_v2(schedule);
  const Array p = jnp::zeros({3});
  optim::OptState state = opt.init(p);
  Reference reference(3);
  for (int step = 0; step < 3; ++step) {
    auto [u, next] = opt.update(make(gradient(step)), state, p);
    state = next;
    std::vector<double> expected = reference.optimistic(gradient(step), 1.0, 1.0);
    for (double& x : expected) x *= -0.1 / (1 + step);
    expect_near(values(u), expected, "step " + std::to_string(step));
  }
  EXPECT_EQ(state[2]["count"].array().item<int>(), 3);
}

TEST(OptimOptimisticAdam, JittedStepsTraceOnce) {
  const auto opt = optim::optimistic_adam_v2(0.1);
  auto step = jx::jit([opt](const Array& p, const optim::OptState& s, const Array& g) {
    auto [u, next] = opt.update(g, s, p);
    return std::pair{optim::apply_updates(p, u), next};
  });
  Array p = jnp::zeros({3});
  optim::OptState state = opt.init(p);
  Reference reference(3);
  std::vector<double> expected(3, 0.0);
  for (int i = 0; i < 4; ++i) {
    std::tie(p, state) = step(p, state, make(gradient(i)));
    const std::vector<double> u = reference.optimistic(gradient(i), 1.0, 1.0);
    for (std::size_t k = 0; k < 3; ++k) expected[k] -= 0.1 * u[k];
  }
  expect_near(values(p), expected, "parameters");
  EXPECT_EQ(step.trace_count(), 1u);
}

}  // namespace
