// scale_by_backtracking_linesearch (jx/optim/lbfgs.h): its steps against the backtracking sequence
// computed here in double (start at min(increase_factor * last, max_learning_rate), shrink by
// decrease_factor until Armijo's sufficient decrease holds), the criterion checked on the function
// itself, the stored value and gradient against closed forms, Optax's documented SGD example (each step
// multiplies sum(x^2) by (1 - 2 * 0.8)^2 = 0.36), the step of 0 when no trial is finite, jit, and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "array_close.h"
#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/lbfgs.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

// f(x) = 0.5 (10 x0^2 + x1^2), its gradient (10 x0, x1).
const std::vector<double> kCurvatures = {10.0, 1.0};

double f_direct(const std::vector<double>& x) {
  double total = 0;
  for (std::size_t i = 0; i < x.size(); ++i) total += 0.5 * kCurvatures[i] * x[i] * x[i];
  return total;
}

Array f(const Array& x) { return 0.5f * jnp::sum(jnp::array({10.0f, 1.0f}) * x * x); }

using jx::testing::values;

// The learning rate the backtracking search accepts, and the trials it makes, computed directly.
std::pair<double, int> expected_backtracking(const std::vector<double>& w, const std::vector<double>& u,
                                             double last_learning_rate) {
  double slope = 0;
  for (std::size_t i = 0; i < w.size(); ++i) slope += kCurvatures[i] * w[i] * u[i];
  double learning_rate = std::min(1.5 * last_learning_rate, 1.0);
  int trials = 1;
  auto at = [&](double eta) {
    std::vector<double> x(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) x[i] = w[i] + eta * u[i];
    return f_direct(x);
  };
  while (at(learning_rate) > f_direct(w) + 1e-4 * learning_rate * slope) {
    learning_rate *= 0.8;
    ++trials;
  }
  return {learning_rate, trials};
}

TEST(OptimBacktrackingLinesearch, AcceptsTheFirstStepOfTheSequenceWithSufficientDecrease) {
  const optim::GradientTransformation search = optim::scale_by_backtracking_linesearch(15, {.store_grad = true});
  Array x = jnp::array({1.0f, 1.0f});
  optim::OptState state = search.init(x);
  const std::function<Array(const Array&)> objective = f;
  for (int step = 0; step < 4; ++step) {
    const std::vector<double> w = values(x);
    const std::vector<double> g = {10.0 * w[0], w[1]};
    const Array grad = jnp::array({static_cast<float>(g[0]), static_cast<float>(g[1])});
    const Array direction = -grad;
    const auto [expected_rate, expected_trials] =
        expected_backtracking(w, {-g[0], -g[1]}, state["learning_rate"].array().item<float>());
    auto [updates, next] = search.update(direction, state, x, {.value = f(x), .grad = grad, .value_fn = objective});
    const double rate = next["learning_rate"].array().item<float>();
    EXPECT_NEAR(rate, expected_rate, 1e-5 * expected_rate) << step;
    EXPECT_EQ(next["info"]["num_linesearch_steps"].array().item<int>(), expected_trials) << step;
    EXPECT_EQ(next["info"]["decrease_error"].array().item<float>(), 0.0f) << step;
    // The updates are the direction scaled by the rate, and Armijo's criterion holds there.
    const std::vector<double> u = values(updates);
    EXPECT_NEAR(u[0], -rate * g[0], 1e-5) << step;
    EXPECT_NEAR(u[1], -rate * g[1], 1e-5) << step;
    const std::vector<double> moved = {w[0] + u[0], w[1] + u[1]};
    EXPECT_LE(f_direct(moved), f_direct(w) + 1e-4 * rate * -(g[0] * g[0] + g[1] * g[1]) + 1e-6) << step;
    // The value and (store_grad) gradient at the accepted step.
    EXPECT_NEAR(next["value"].array().item<float>(), f_direct(moved), 1e-5 * (1 + f_direct(moved))) << step;
    const std::vector<double> stored_grad = values(next["grad"].array());
    EXPECT_NEAR(stored_grad[0], 10.0 * moved[0], 1e-4) << step;
    EXPECT_NEAR(stored_grad[1], moved[1], 1e-4) << step;
    x = optim::apply_updates(x, updates);
    state = next;
  }
}

TEST(OptimBacktrackingLinesearch, OptaxSgdExampleEagerAndJitted) {
  // Optax's docstring example: sgd(1) then the search on sum(x^2) from (1, 2, 3). The first trial
  // (x - 2x) keeps the value; 0.8 gives (1 - 1.6)^2 = 0.36 of it, so the values are 14 * 0.36^k.
  const optim::GradientTransformation solver =
      optim::chain(optim::scale(-1.0), optim::scale_by_backtracking_linesearch(15, {.store_grad = true}));
  const auto objective = [](const Array& p) { return jnp::sum(p * p); };
  const auto step = [solver, objective](const Array& x, const optim::OptState& state) {
    auto [value, grad] = optim::value_and_grad_from_state(objective)(x, state);
    auto [updates, next] = solver.update(grad, state, x, {.value = value, .grad = grad, .value_fn = objective});
    return std::pair{optim::apply_updates(x, updates), next};
  };
  auto jitted = jx::jit(step);
  Array x = jnp::array({1.0f, 2.0f, 3.0f}), x_jit = x;
  optim::OptState state = solver.init(x), state_jit = state;
  double expected = 14.0;
  for (int k = 0; k < 5; ++k) {
    std::tie(x, state) = step(x, state);
    std::tie(x_jit, state_jit) = jitted(x_jit, state_jit);
    expected *= 0.36;
    EXPECT_NEAR(objective(x).item<float>(), expected, 1e-5 * expected) << k;
    EXPECT_NEAR(objective(x_jit).item<float>(), expected, 1e-5 * expected) << k;
    EXPECT_NEAR(state[1]["learning_rate"].array().item<float>(), 0.8f, 1e-6f) << k;
  }
  EXPECT_EQ(jitted.trace_count(), 1u);
}

TEST(OptimBacktrackingLinesearch, NoFiniteTrialMeansNoStep) {
  // log(x0 - 0.9) is NaN at every trial 1, 0.8, 0.64 along -12 x0: the search takes a step of 0.
  const std::function<Array(const Array&)> objective = [](const Array& p) {
    return jnp::sum(p * p) + jnp::log(p[0] - 0.9f);
  };
  const Array x = jnp::array({1.0f});
  const Array grad = jnp::array({12.0f});  // 2 x0 + 1 / (x0 - 0.9)
  const optim::GradientTransformation search = optim::scale_by_backtracking_linesearch(2);
  auto [updates, state] =
      search.update(-grad, search.init(x), x, {.value = objective(x), .grad = grad, .value_fn = objective});
  EXPECT_EQ(updates.to_vector<float>(), std::vector<float>{0.0f});
  EXPECT_EQ(state["learning_rate"].array().item<float>(), 0.0f);
  EXPECT_TRUE(std::isinf(state["info"]["decrease_error"].array().item<float>()));
  EXPECT_EQ(state["info"]["num_linesearch_steps"].array().item<int>(), 3);
  EXPECT_TRUE(state["grad"].is_none());  // no store_grad
}

TEST(OptimBacktrackingLinesearch, StateMirrorsOptax) {
  const Array x = jnp::zeros({3});
  const optim::OptState plain = optim::scale_by_backtracking_linesearch(5).init(x);
  EXPECT_EQ(plain["learning_rate"].array().item<float>(), 1.0f);
  EXPECT_TRUE(std::isinf(plain["value"].array().item<float>()));
  EXPECT_TRUE(plain["grad"].is_none());
  EXPECT_EQ(plain["info"]["num_linesearch_steps"].array().dtype(), jx::int32);
  const optim::OptState stored = optim::scale_by_backtracking_linesearch(5, {.store_grad = true}).init(x);
  EXPECT_EQ(stored["grad"].array().shape(), jx::Shape({3}));
}

TEST(OptimBacktrackingLinesearch, Errors) {
  EXPECT_THROW(optim::scale_by_backtracking_linesearch(-1), jx::ValueError);
  const optim::GradientTransformation search = optim::scale_by_backtracking_linesearch(5);
  const Array x = jnp::array({1.0f, 1.0f});
  const Array g = jnp::array({10.0f, 1.0f});
  const optim::OptState state = search.init(x);
  const std::function<Array(const Array&)> objective = f;
  EXPECT_THROW(search.update(-g, state, x), jx::ValueError);
  EXPECT_THROW(search.update(-g, state, x, {.grad = g, .value_fn = objective}), jx::ValueError);
  EXPECT_THROW(search.update(-g, state, x, {.value = f(x), .grad = g}), jx::ValueError);
  EXPECT_THROW(search.update(-g, state, x, {.value = jnp::ones({2}), .grad = g, .value_fn = objective}),
               jx::ShapeError);
}

}  // namespace
