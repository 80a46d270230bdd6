// scale_by_zoom_linesearch (jx/optim/lbfgs.h): the accepted step satisfies the strong Wolfe
// conditions, checked here on the function evaluated directly in double, whether the search zooms
// into [0, 1] or grows the step first; the stored value and gradient are the closed forms at that
// step; Optax's documented SGD example (quadratic interpolation of sum(x^2) gives its minimizer, step
// 0.5, at once); the initial guesses, max_learning_rate, a masked search, jit, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/lbfgs.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;
using Vector = std::vector<double>;

// f(x) = sum(x^4 / 4 + x^2 / 2), gradient x^3 + x: steep enough that a step of 1 along -3 grad
// overshoots, flat enough that one along -0.001 grad is too short.
Array quartic(const Array& x) { return jnp::sum(x * x * x * x) / 4.0f + jnp::sum(x * x) / 2.0f; }
double quartic_direct(const Vector& x) {
  double total = 0;
  for (double v : x) total += v * v * v * v / 4 + v * v / 2;
  return total;
}
Vector quartic_grad(const Vector& x) {
  Vector g;
  for (double v : x) g.push_back(v * v * v + v);
  return g;
}

double dot(const Vector& a, const Vector& b) {
  double total = 0;
  for (std::size_t i = 0; i < a.size(); ++i) total += a[i] * b[i];
  return total;
}

Vector values(const Array& x) {
  const std::vector<float> v = x.to_vector<float>();
  return {v.begin(), v.end()};
}

Array array_of(const Vector& v) { return jnp::array(std::vector<float>(v.begin(), v.end())); }

Vector along(const Vector& w, double eta, const Vector& u) {
  Vector x(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) x[i] = w[i] + eta * u[i];
  return x;
}

// Armijo's and the strong curvature condition at w + eta u, on the function itself (float32 slack).
void expect_strong_wolfe(const Vector& w, const Vector& u, double eta, const std::string& what) {
  const double slope0 = dot(quartic_grad(w), u);
  const Vector moved = along(w, eta, u);
  EXPECT_LE(quartic_direct(moved), quartic_direct(w) + 1e-4 * eta * slope0 + 1e-5 * quartic_direct(w)) << what;
  EXPECT_LE(std::abs(dot(quartic_grad(moved), u)), 0.9 * std::abs(slope0) * (1 + 1e-5)) << what;
}

const std::function<Array(const Array&)> kQuartic = quartic;

TEST(OptimZoomLinesearch, AcceptedStepsSatisfyTheStrongWolfeConditions) {
  const Vector w = {2.0, -1.0};
  const Vector g = quartic_grad(w);  // (10, -2)
  // 3: the first trial overshoots and the search zooms into [0, 1]; 1: the same, once; 0.001: the step
  // must grow to find an interval.
  for (double scale : {3.0, 1.0, 0.001}) {
    const std::string what = "scale " + std::to_string(scale);
    const Vector u = {-scale * g[0], -scale * g[1]};
    const optim::GradientTransformation search = optim::scale_by_zoom_linesearch(30, {.approx_dec_rtol = std::nullopt});
    const Array x = array_of(w);
    auto [updates, state] =
        search.update(array_of(u), search.init(x), x, {.value = quartic(x), .grad = array_of(g), .value_fn = kQuartic});
    const double eta = state["learning_rate"].array().item<float>();
    expect_strong_wolfe(w, u, eta, what);
    EXPECT_EQ(state["info"]["decrease_error"].array().item<float>(), 0.0f) << what;
    EXPECT_EQ(state["info"]["curvature_error"].array().item<float>(), 0.0f) << what;
    const Vector scaled = values(updates);
    EXPECT_NEAR(scaled[0], eta * u[0], 1e-4 * std::abs(eta * u[0])) << what;
    EXPECT_NEAR(scaled[1], eta * u[1], 1e-4 * std::abs(eta * u[1])) << what;
    const Vector moved = along(w, eta, u);
    EXPECT_NEAR(state["value"].array().item<float>(), quartic_direct(moved), 1e-5 * (1 + quartic_direct(moved)))
        << what;
    const Vector stored = values(state["grad"].array()), expected = quartic_grad(moved);
    EXPECT_NEAR(stored[0], expected[0], 1e-4 * (1 + std::abs(expected[0]))) << what;
    EXPECT_NEAR(stored[1], expected[1], 1e-4 * (1 + std::abs(expected[1]))) << what;
    if (scale == 3.0) {
      EXPECT_LT(eta, 1.0) << what;
      EXPECT_GE(state["info"]["num_linesearch_steps"].array().item<int>(), 2) << what;
    }
    if (scale == 0.001) {
      EXPECT_GE(eta, 2.0) << what;
    }
  }
}

TEST(OptimZoomLinesearch, OptaxSgdExampleReachesTheMinimumAtOnce) {
  // Optax's docstring example: sgd(1) then the search on sum(x^2) from (1, 2, 3). The trial at 1 gives
  // -x (the same value); the quadratic through (0, 14) with slope -56 and (1, 14) has its minimum at
  // 0.5, which is x's minimizer 0.
  const optim::GradientTransformation solver = optim::chain(optim::scale(-1.0), optim::scale_by_zoom_linesearch(15));
  const auto objective = [](const Array& p) { return jnp::sum(p * p); };
  Array x = jnp::array({1.0f, 2.0f, 3.0f});
  optim::OptState state = solver.init(x);
  for (int k = 0; k < 3; ++k) {
    auto [value, grad] = optim::value_and_grad_from_state(objective)(x, state);
    auto [updates, next] = solver.update(grad, state, x, {.value = value, .grad = grad, .value_fn = objective});
    x = optim::apply_updates(x, updates);
    state = next;
    if (k == 0) {
      EXPECT_NEAR(state[1]["learning_rate"].array().item<float>(), 0.5f, 1e-6f);
    }
    for (double v : values(x)) EXPECT_NEAR(v, 0.0, 1e-6) << k;
    EXPECT_NEAR(state[1]["value"].array().item<float>(), 0.0f, 1e-10f) << k;
  }
}

TEST(OptimZoomLinesearch, InitialGuessIsOneOrTheLastStep) {
  // On 0.5 |x|^2 along -x, both 0.5 and 1 satisfy the conditions: the first trial is accepted.
  const std::function<Array(const Array&)> half_square = [](const Array& p) { return jnp::sum(p * p) / 2.0f; };
  const Array x = jnp::array({1.0f, 2.0f});
  for (auto [strategy, expected] :
       {std::pair{optim::InitialGuessStrategy::keep, 0.5f}, std::pair{optim::InitialGuessStrategy::one, 1.0f}}) {
    const optim::GradientTransformation search =
        optim::scale_by_zoom_linesearch(10, {.initial_guess_strategy = strategy});
    optim::OptState state = search.init(x);
    state["learning_rate"] = jnp::array(0.5f);
    auto [updates, next] = search.update(-x, state, x, {.value = half_square(x), .grad = x, .value_fn = half_square});
    EXPECT_EQ(next["learning_rate"].array().item<float>(), expected);
    EXPECT_EQ(next["info"]["num_linesearch_steps"].array().item<int>(), 1);
    EXPECT_EQ(values(updates), (Vector{-expected, -2.0 * expected}));
  }
}

TEST(OptimZoomLinesearch, MaxLearningRateEndsAGrowingSearch) {
  // Along -0.001 x the exact step is 1000; growing 1, 2, 4, 8 stops at the cap 10, which decreases the
  // value enough but leaves the curvature condition unmet.
  const std::function<Array(const Array&)> half_square = [](const Array& p) { return jnp::sum(p * p) / 2.0f; };
  const Array x = jnp::array({1.0f, 2.0f});
  const optim::GradientTransformation search = optim::scale_by_zoom_linesearch(20, {.max_learning_rate = 10.0});
  auto [updates, state] =
      search.update(-0.001f * x, search.init(x), x, {.value = half_square(x), .grad = x, .value_fn = half_square});
  EXPECT_EQ(state["learning_rate"].array().item<float>(), 10.0f);
  EXPECT_EQ(state["info"]["num_linesearch_steps"].array().item<int>(), 5);
  EXPECT_EQ(state["info"]["decrease_error"].array().item<float>(), 0.0f);
  EXPECT_GT(state["info"]["curvature_error"].array().item<float>(), 0.0f);
}

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

TEST(OptimZoomLinesearch, AMaskedSearchSeesHiddenLeavesAtTheirValues) {
  // Only w is searched; b's update passes through, and the objective sees b where it is.
  const std::function<Array(const Params&)> objective = [](const Params& p) {
    return quartic(p.w) + 3.0f * jnp::sum(p.b * p.b);
  };
  const Vector w = {2.0, -1.0};
  const Vector g = quartic_grad(w);
  const Vector u = {-3.0 * g[0], -3.0 * g[1]};
  const Params params{array_of(w), jnp::array({5.0f})};
  const Params grads{array_of(g), jnp::array({30.0f})};
  const optim::GradientTransformation search =
      optim::masked(optim::scale_by_zoom_linesearch(30, {.approx_dec_rtol = std::nullopt}), optim::not_named({"b"}));
  const optim::OptState state = search.init(params);
  EXPECT_TRUE(state["inner_state"]["grad"]["b"].is_none());
  auto [updates, next] = search.update(Params{array_of(u), jnp::array({7.0f})}, state, params,
                                       {.value = objective(params), .grad = grads, .value_fn = objective});
  EXPECT_EQ(updates.b.to_vector<float>(), std::vector<float>{7.0f});
  const double eta = next["inner_state"]["learning_rate"].array().item<float>();
  expect_strong_wolfe(w, u, eta, "masked");
  EXPECT_NEAR(values(updates.w)[0], eta * u[0], 1e-4 * std::abs(eta * u[0]));
}

TEST(OptimZoomLinesearch, JitAgreesWithEagerAndKeepsTheStateSignature) {
  const optim::GradientTransformation search = optim::scale_by_zoom_linesearch(30);
  const auto step = [search](const Array& x, const Array& direction, const Array& grad, const optim::OptState& s) {
    return search.update(direction, s, x, {.value = quartic(x), .grad = grad, .value_fn = kQuartic});
  };
  auto jitted = jx::jit(step);
  const Vector w = {2.0, -1.0};
  const Array x = array_of(w), grad = array_of(quartic_grad(w));
  const optim::OptState initial = search.init(x);
  const auto [updates, state] = step(x, -3.0f * grad, grad, initial);
  const auto [updates_jit, state_jit] = jitted(x, -3.0f * grad, grad, initial);
  EXPECT_NEAR(state_jit["learning_rate"].array().item<float>(), state["learning_rate"].array().item<float>(), 1e-5);
  EXPECT_NEAR(values(updates_jit)[0], values(updates)[0], 1e-4);
  // A second step from the new state reuses the trace.
  const auto second = jitted(x, -0.001f * grad, grad, state_jit);
  EXPECT_GT(second.second["learning_rate"].array().item<float>(), 1.0f);
  EXPECT_EQ(jitted.trace_count(), 1u);
  const auto [leaves, structure] = jx::tree::flatten(initial);
  const auto [next_leaves, next_structure] = jx::tree::flatten(state_jit);
  EXPECT_EQ(next_structure, structure);
  for (std::size_t i = 0; i < leaves.size(); ++i) EXPECT_EQ(next_leaves[i].type(), leaves[i].type()) << i;
  EXPECT_EQ(initial["info"]["num_linesearch_steps"].array().dtype(), jx::int32);
  EXPECT_TRUE(std::isinf(initial["value"].array().item<float>()));
}

TEST(OptimZoomLinesearch, Errors) {
  EXPECT_THROW(optim::scale_by_zoom_linesearch(-1), jx::ValueError);
  const optim::GradientTransformation search = optim::scale_by_zoom_linesearch(10);
  const Array x = jnp::array({2.0f, -1.0f});
  const Array g = jnp::array({10.0f, -2.0f});
  const optim::OptState state = search.init(x);
  EXPECT_THROW(search.update(-g, state, x), jx::ValueError);
  EXPECT_THROW(search.update(-g, state, x, {.grad = g, .value_fn = kQuartic}), jx::ValueError);
  EXPECT_THROW(search.update(-g, state, x, {.value = quartic(x), .grad = g}), jx::ValueError);
  // (Without .grad the updates given are taken for the gradient, as update's own gradients are.)
  // An objective that is not a scalar.
  const std::function<Array(const Array&)> vector_valued = [](const Array& p) { return p * p; };
  EXPECT_THROW(search.update(-g, state, x, {.value = quartic(x), .grad = g, .value_fn = vector_valued}),
               jx::ShapeError);
}

}  // namespace
