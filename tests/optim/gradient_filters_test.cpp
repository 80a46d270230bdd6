// keep_params_nonnegative, zero_nans, apply_every, apply_if_finite, the
// should-skip tests and scale_gradient: against step-by-step expectations
// worked out here in plain C++, with NaN and infinite gradients, eagerly and
// with the state carried through jit (traced once).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/clipping.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;
using jx::tree::Tree;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<float> values(const Array& x) { return x.reshape({-1}).to_vector<float>(); }

// Runs the transformation over the gradients eagerly and with a jitted step,
// returning the updates of both runs (the states must agree too, leaf for leaf)
// and the final state.
std::tuple<std::vector<Params>, std::vector<Params>, optim::OptState> run_both(const optim::GradientTransformation& opt,
                                                                               const std::vector<Params>& grads,
                                                                               const Params& params) {
  auto step =
      jx::jit([opt](const Params& g, const optim::OptState& s, const Params& p) { return opt.update(g, s, p); });
  optim::OptState eager_state = opt.init(params), jit_state = eager_state;
  std::vector<Params> eager, jitted;
  for (const Params& g : grads) {
    auto [u, next] = opt.update(g, eager_state, params);
    eager.push_back(u);
    eager_state = next;
    auto [v, jit_next] = step(g, jit_state, params);
    jitted.push_back(v);
    jit_state = jit_next;
    const auto a = jx::tree::leaves(eager_state), b = jx::tree::leaves(jit_state);
    EXPECT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
      EXPECT_EQ(a[i].type(), b[i].type()) << "state leaf " << i;
      EXPECT_TRUE(jnp::array_equal(a[i], b[i], /*equal_nan=*/true).item<bool>()) << "state leaf " << i;
    }
  }
  EXPECT_EQ(step.trace_count(), 1u);
  return {eager, jitted, eager_state};
}

void expect_same(const std::vector<float>& actual, const std::vector<float>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (std::isnan(expected[i]))
      EXPECT_TRUE(std::isnan(actual[i])) << what << "[" << i << "] = " << actual[i];
    else if (std::isinf(expected[i]))
      EXPECT_EQ(actual[i], expected[i]) << what << "[" << i << "]";
    else
      EXPECT_NEAR(actual[i], expected[i], 1e-6f * std::max(1.0f, std::abs(expected[i]))) << what << "[" << i << "]";
  }
}

TEST(OptimGradientFilters, KeepParamsNonnegative) {
  const Params params{jnp::array({1.0f, 0.5f, 0.0f}), jnp::array({2.0f})};
  const Params grads{jnp::array({-0.5f, -2.0f, 1.0f}), jnp::array({-2.5f})};
  const auto opt = optim::keep_params_nonnegative();
  const auto [eager, jitted, state] = run_both(opt, {grads}, params);
  EXPECT_TRUE(state.is_none());
  // params + updates < 0 -> -params.
  for (const auto* u : {&eager[0], &jitted[0]}) {
    expect_same(values(u->w), {-0.5f, -0.5f, 1.0f}, "w");
    expect_same(values(u->b), {-2.0f}, "b");
  }
  EXPECT_THROW(opt.update(grads, opt.init(params)), jx::ValueError);
}

TEST(OptimGradientFilters, ZeroNansRecordsWhereItFoundThem) {
  const Params params{jnp::zeros({3}), jnp::zeros({2})};
  const std::vector<Params> grads = {{jnp::array({1.0f, kNaN, 3.0f}), jnp::array({kInf, 2.0f})},
                                     {jnp::array({1.0f, 2.0f, 3.0f}), jnp::array({kNaN, kNaN})}};
  const auto opt = optim::zero_nans();
  const optim::OptState initial = opt.init(params);
  EXPECT_FALSE(initial["found_nan"]["w"].array().item<bool>());
  EXPECT_EQ(initial["found_nan"]["b"].array().dtype(), jx::bool_);
  const auto [eager, jitted, state] = run_both(opt, grads, params);
  for (const auto* run : {&eager, &jitted}) {
    expect_same(values((*run)[0].w), {1.0f, 0.0f, 3.0f}, "w0");
    expect_same(values((*run)[0].b), {kInf, 2.0f},
                "b0");  // infinities are not NaNs
    expect_same(values((*run)[1].b), {0.0f, 0.0f}, "b1");
  }
  EXPECT_FALSE(state["found_nan"]["w"].array().item<bool>());
  EXPECT_TRUE(state["found_nan"]["b"].array().item<bool>());
  // After the first step only w had one.
  const optim::OptState first = opt.update(grads[0], initial).second;
  EXPECT_TRUE(first["found_nan"]["w"].array().item<bool>());
  EXPECT_FALSE(first["found_nan"]["b"].array().item<bool>());
}

TEST(OptimGradientFilters, ApplyEveryEmitsTheSumEveryKSteps) {
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  std::vector<Params> grads;
  for (int t = 1; t <= 7; ++t) grads.push_back({jnp::array({float(t), float(-t)}), jnp::array({float(t * t)})});
  const auto [eager, jitted, state] = run_both(optim::apply_every(3), grads, params);
  // Windows {1, 2, 3}, {4, 5, 6}, {7}: zeros, then the window's sum on its last
  // step.
  const std::vector<float> w0 = {0, 0, 6, 0, 0, 15, 0}, b = {0, 0, 14, 0, 0, 77, 0};
  for (std::size_t t = 0; t < grads.size(); ++t) {
    for (const auto* run : {&eager, &jitted}) {
      expect_same(values((*run)[t].w), {w0[t], -w0[t]}, "w at " + std::to_string(t));
      expect_same(values((*run)[t].b), {b[t]}, "b at " + std::to_string(t));
    }
  }
  EXPECT_EQ(state["count"].array().item<int>(), 7 % 3);
  expect_same(values(state["grad_acc"]["w"].array()), {7.0f, -7.0f}, "grad_acc");
  // k = 1 passes every gradient through; k < 1 is refused.
  const auto every = optim::apply_every();
  expect_same(values(every.update(grads[4], every.init(params)).first.b), {25.0f}, "k=1");
  EXPECT_THROW(optim::apply_every(0), jx::ValueError);
}

TEST(OptimGradientFilters, ApplyIfFiniteSkipsUntilTooManyInARow) {
  // Inner: momentum, trace = g + 0.5 trace (its state shows which updates it
  // saw).
  const auto opt = optim::apply_if_finite(optim::trace(0.5), /*max_consecutive_errors=*/2);
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  auto g = [](float w, float b) { return Params{jnp::array({w, 2 * w}), jnp::array({b})}; };
  const std::vector<Params> grads = {g(1, 1), g(kInf, 1), g(2, 2), g(1, kNaN), g(kNaN, 1), g(3, kNaN)};
  const optim::OptState initial = opt.init(params);
  EXPECT_TRUE(initial["last_finite"].array().item<bool>());
  EXPECT_EQ(initial["notfinite_count"].array().dtype(), jx::int32);
  const auto [eager, jitted, state] = run_both(opt, grads, params);
  // Steps: applied (trace 1); skipped; applied (trace 2 + 0.5 = 2.5); skipped
  // twice; the third non-finite update in a row exceeds 2 and is applied: w's
  // trace 3 + 0.5 * 2.5, b's NaN.
  const std::vector<float> w = {1, 0, 2.5f, 0, 0, 4.25f}, b = {1, 0, 2.5f, 0, 0, kNaN};
  for (std::size_t t = 0; t < grads.size(); ++t) {
    for (const auto* run : {&eager, &jitted}) {
      expect_same({values((*run)[t].w)[0]}, {w[t]}, "w at " + std::to_string(t));
      expect_same(values((*run)[t].b), {b[t]}, "b at " + std::to_string(t));
    }
  }
  expect_same(values(eager[5].w), {3.0f + 0.5f * 2.5f, 6.0f + 0.5f * 5.0f}, "w finite part");
  EXPECT_EQ(state["notfinite_count"].array().item<int>(), 3);
  EXPECT_EQ(state["total_notfinite"].array().item<int>(), 4);
  EXPECT_FALSE(state["last_finite"].array().item<bool>());
  EXPECT_TRUE(std::isnan(values(state["inner_state"]["trace"]["b"].array())[0]));
  // A finite update resets the consecutive count, not the total.
  const optim::OptState after = opt.update(g(1, 1), state, params).second;
  EXPECT_EQ(after["notfinite_count"].array().item<int>(), 0);
  EXPECT_EQ(after["total_notfinite"].array().item<int>(), 4);
  EXPECT_TRUE(after["last_finite"].array().item<bool>());
}

TEST(OptimGradientFilters, ApplyIfFiniteKeepsTheInnerStateWhenSkipping) {
  const auto opt = optim::apply_if_finite(optim::scale_by_adam(), 0);
  const Params params{jnp::ones({2}), jnp::ones({1})};
  const optim::OptState initial = opt.init(params);
  const auto [updates, state] = opt.update(Params{jnp::array({kNaN, 1.0f}), jnp::ones({1})}, initial, params);
  // max_consecutive_errors 0: the first non-finite update is already let
  // through.
  EXPECT_EQ(state["inner_state"]["count"].array().item<int>(), 1);
  const auto strict = optim::apply_if_finite(optim::scale_by_adam(), 1);
  const auto [skipped, kept] =
      strict.update(Params{jnp::array({kNaN, 1.0f}), jnp::ones({1})}, strict.init(params), params);
  EXPECT_EQ(kept["inner_state"]["count"].array().item<int>(), 0);
  expect_same(values(skipped.w), {0.0f, 0.0f}, "skipped");
  expect_same(values(kept["inner_state"]["mu"]["w"].array()), {0.0f, 0.0f}, "mu");
}

TEST(OptimGradientFilters, ShouldSkipTests) {
  const Params finite{jnp::array({3.0f, 4.0f}), jnp::array({12.0f})};
  const Params broken{jnp::array({kNaN, kInf}), jnp::array({-kInf})};
  auto [skip_finite, finite_info] = optim::skip_not_finite(finite, jnp::array(0));
  EXPECT_FALSE(skip_finite.item<bool>());
  EXPECT_EQ(finite_info["num_not_finite"].array().item<int>(), 0);
  auto [skip_broken, broken_info] = optim::skip_not_finite(broken, jnp::array(0), finite);
  EXPECT_TRUE(skip_broken.item<bool>());
  EXPECT_TRUE(broken_info["should_skip"].array().item<bool>());
  EXPECT_EQ(broken_info["num_not_finite"].array().item<int>(), 3);
  // |finite|^2 = 9 + 16 + 144 = 169.
  auto [skip_large, large_info] = optim::skip_large_updates(finite, jnp::array(0), finite, 169.0);
  EXPECT_TRUE(skip_large.item<bool>());  // not strictly below the bound
  EXPECT_FLOAT_EQ(large_info["norm_squared"].array().item<float>(), 169.0f);
  EXPECT_FALSE(optim::skip_large_updates(finite, jnp::array(0), finite, 170.0).first.item<bool>());
  EXPECT_TRUE(optim::skip_large_updates(broken, jnp::array(0), finite, 170.0).first.item<bool>());  // NaN norm
  // Under jit.
  auto jitted = jx::jit([](const Params& u) { return optim::skip_not_finite(u).first; });
  EXPECT_TRUE(jitted(broken).item<bool>());
  EXPECT_FALSE(jitted(finite).item<bool>());
}

TEST(OptimGradientFilters, ScaleGradientScalesOnlyTheBackwardPass) {
  const Array x = jnp::array({1.0f, -2.0f, 3.0f});
  for (const double scale : {0.25, 0.0, 1.0, -3.0}) {
    SCOPED_TRACE(scale);
    // f(x) = sum(s(x)^2): the value of sum(x^2), the gradient 2x * scale.
    auto f = [scale](const Array& v) { return jnp::sum(jnp::square(optim::scale_gradient(v, scale))); };
    EXPECT_FLOAT_EQ(f(x).item<float>(), 14.0f);
    std::vector<float> expected;
    for (float v : values(x)) expected.push_back(static_cast<float>(2 * v * scale));
    expect_same(values(jx::grad(f)(x)), expected, "grad");
    expect_same(values(jx::jit(jx::grad(f))(x)), expected, "jit(grad)");
    EXPECT_EQ(optim::scale_gradient(x, scale).to_vector<float>(), values(x));
  }
  // On a pytree, each leaf; the dtype is kept.
  const Params p{jnp::array({2.0f}), jnp::array({1.0f}, jx::bfloat16)};
  const Params g = jx::grad([](const Params& q) {
    const Params s = optim::scale_gradient(q, 0.5);
    return jnp::sum(s.w * s.w) + jnp::sum(s.b.astype(jx::float32));
  })(p);
  EXPECT_FLOAT_EQ(g.w.item<float>(), 2.0f);
  EXPECT_EQ(g.b.dtype(), jx::bfloat16);
  EXPECT_FLOAT_EQ(g.b.item<float>(), 0.5f);
}

}  // namespace
