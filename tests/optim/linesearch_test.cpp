// value_and_grad_from_state (jx/optim/lbfgs.h): it evaluates the objective (closed-form value and
// gradient) while the state's stored value is infinite, returns what the line search stored otherwise
// (without calling the objective eagerly; through a lax::cond under jit), passes extra arguments on,
// rebuilds the caller's parameter tree, and names what is wrong with states that store nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/lbfgs.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

std::vector<float> values(const Array& x) { return x.to_vector<float>(); }

TEST(OptimValueAndGradFromState, EvaluatesTheObjectiveWhileNothingIsStored) {
  // sum(x^2) at (1, -2): 5, gradient 2x.
  const auto objective = [](const Array& p) { return jnp::sum(p * p); };
  const Array x = jnp::array({1.0f, -2.0f});
  const optim::OptState state = optim::lbfgs().init(x);  // the line search's value is infinite
  const auto value_and_grad = optim::value_and_grad_from_state(objective);
  const auto [value, grad] = value_and_grad(x, state);
  EXPECT_EQ(value.item<float>(), 5.0f);
  EXPECT_EQ(values(grad), (std::vector<float>{2.0f, -4.0f}));
  const auto [value_jit, grad_jit] =
      jx::jit([value_and_grad](const Array& p, const optim::OptState& s) { return value_and_grad(p, s); })(x, state);
  EXPECT_EQ(value_jit.item<float>(), 5.0f);
  EXPECT_EQ(values(grad_jit), (std::vector<float>{2.0f, -4.0f}));
}

TEST(OptimValueAndGradFromState, ReusesWhatTheLineSearchStored) {
  int calls = 0;
  const auto objective = [&calls](const Array& p) {
    ++calls;
    return jnp::sum(p * p);
  };
  const Array x = jnp::array({1.0f, -2.0f});
  optim::OptState state = optim::lbfgs().init(x);
  // Values no evaluation at x would give: only the state can have returned them.
  state[2]["value"] = jnp::array(7.0f);
  state[2]["grad"] = jnp::array({0.5f, 0.25f});
  const auto value_and_grad = optim::value_and_grad_from_state(objective);
  const auto [value, grad] = value_and_grad(x, state);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(value.item<float>(), 7.0f);
  EXPECT_EQ(values(grad), (std::vector<float>{0.5f, 0.25f}));
  const auto [value_jit, grad_jit] =
      jx::jit([value_and_grad](const Array& p, const optim::OptState& s) { return value_and_grad(p, s); })(x, state);
  EXPECT_EQ(value_jit.item<float>(), 7.0f);
  EXPECT_EQ(values(grad_jit), (std::vector<float>{0.5f, 0.25f}));
}

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

TEST(OptimValueAndGradFromState, AfterAStepItIsTheObjectiveAtTheNewParameters) {
  // 0.5 |w|^2 + b^2: L-BFGS's first step along -g / |g| with the zoom line search; what is stored is
  // the value and gradient (w, 2b) at the parameters the step reaches.
  const auto objective = [](const Params& p) { return 0.5f * jnp::sum(p.w * p.w) + jnp::sum(p.b * p.b); };
  const optim::GradientTransformation solver = optim::lbfgs();
  Params params{jnp::array({1.0f, 2.0f}), jnp::array({-1.0f})};
  optim::OptState state = solver.init(params);
  const auto value_and_grad = optim::value_and_grad_from_state(objective);
  auto [value, grad] = value_and_grad(params, state);
  auto [updates, next] = solver.update(grad, state, params, {.value = value, .grad = grad, .value_fn = objective});
  params = optim::apply_updates(params, updates);
  const auto [stored_value, stored_grad] = value_and_grad(params, next);
  const std::vector<float> w = values(params.w), b = values(params.b);
  EXPECT_NEAR(stored_value.item<float>(), 0.5 * (w[0] * w[0] + w[1] * w[1]) + b[0] * b[0], 1e-5);
  EXPECT_NEAR(values(stored_grad.w)[0], w[0], 1e-5);
  EXPECT_NEAR(values(stored_grad.w)[1], w[1], 1e-5);
  EXPECT_NEAR(values(stored_grad.b)[0], 2.0 * b[0], 1e-5);
  EXPECT_LT(stored_value.item<float>(), value.item<float>());
}

TEST(OptimValueAndGradFromState, PassesExtraArgumentsToTheObjective) {
  const auto objective = [](const Array& p, const Array& scale) { return scale * jnp::sum(p * p); };
  const Array x = jnp::array({1.0f, -2.0f});
  const auto [value, grad] = optim::value_and_grad_from_state(objective)(x, optim::lbfgs().init(x), jnp::array(3.0f));
  EXPECT_EQ(value.item<float>(), 15.0f);
  EXPECT_EQ(values(grad), (std::vector<float>{6.0f, -12.0f}));
}

template <class F>
std::string value_error_of(const F& f) {
  try {
    f();
  } catch (const jx::ValueError& e) {
    return e.what();
  }
  return "no ValueError";
}

TEST(OptimValueAndGradFromState, StatesThatStoreNothingAreErrors) {
  const auto objective = [](const Array& p) { return jnp::sum(p * p); };
  const auto value_and_grad = optim::value_and_grad_from_state(objective);
  const Array x = jnp::array({1.0f, -2.0f});
  EXPECT_NE(value_error_of([&] { value_and_grad(x, optim::adam(0.1).init(x)); }).find("found 0"), std::string::npos);
  EXPECT_NE(
      value_error_of([&] { value_and_grad(x, optim::scale_by_backtracking_linesearch(5).init(x)); }).find("store_grad"),
      std::string::npos);
  const optim::GradientTransformation two = optim::chain(
      optim::scale_by_zoom_linesearch(5), optim::scale_by_backtracking_linesearch(5, {.store_grad = true}));
  EXPECT_NE(value_error_of([&] { value_and_grad(x, two.init(x)); }).find("found 2"), std::string::npos);
  // With store_grad the backtracking search's state is usable.
  EXPECT_EQ(
      value_and_grad(x, optim::scale_by_backtracking_linesearch(5, {.store_grad = true}).init(x)).first.item<float>(),
      5.0f);
}

}  // namespace
