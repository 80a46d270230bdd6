// Automatic differentiation: grad and friends against closed forms, composition with jit, the
// special cases JAX pins down (ties, abs/sqrt at 0, zero bases), and program-level residual checks.
#include "jx/transforms/autodiff.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "jx/core/config.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/custom_derivatives.h"
#include "jx/transforms/jacobian.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;

namespace autodiff_test {
struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);
}  // namespace autodiff_test

namespace {

using autodiff_test::Params;

jx::Array seed_loss(const Params& p, const jx::Array& x, const jx::Array& y) {
  const jx::Array prediction = p.weight * x + p.bias;
  return jnp::mean(jnp::power(prediction - y, 2));
}

std::vector<float> values(const jx::Array& x) { return x.to_vector<float>(); }

TEST(Grad, ElementaryFunctionsMatchClosedForms) {
  const jx::Array x = jnp::array({0.3f, 1.2f, -0.7f});
  auto g = jx::grad([](const jx::Array& v) { return jnp::sum(jnp::sin(v)); });
  const auto got = values(g(x));
  const auto cosines = values(jnp::cos(x));
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], cosines[i]);
  EXPECT_FLOAT_EQ(jx::grad([](const jx::Array& v) { return v * v * v; })(jnp::array(2.0f)).item<float>(), 12.0f);
}

TEST(Grad, SeedLossGradientHasTheParamsType) {
  const jx::Array x = jnp::array({1.0f, 2.0f, 3.0f}).reshape({3, 1});
  const jx::Array y = jnp::array({1.0f, 3.0f, 5.0f}).reshape({3, 1});
  const Params p{jnp::array(0.5f), jnp::array(0.25f)};
  const Params g = jx::grad(seed_loss)(p, x, y);
  // Closed form: d/dw = 2 mean((w x + b - y) x), d/db = 2 mean(w x + b - y).
  const jx::Array residual = p.weight * x + p.bias - y;
  EXPECT_NEAR(g.weight.item<float>(), jnp::mean(residual * x * 2).item<float>(), 1e-6);
  EXPECT_NEAR(g.bias.item<float>(), jnp::mean(residual * 2).item<float>(), 1e-6);
  EXPECT_EQ(g.weight.shape(), jx::Shape({}));
}

TEST(Grad, ArgnumsHasAuxAndValueAndGrad) {
  auto f = [](const jx::Array& a, const jx::Array& b, const jx::Array& c) { return jnp::sum(a * b + c * c); };
  const jx::Array a = jnp::array(2.0f), b = jnp::array(3.0f), c = jnp::array(4.0f);
  auto [ga, gc] = jx::grad(f, jx::argnums<0, 2>)(a, b, c);
  EXPECT_EQ(ga.item<float>(), 3.0f);
  EXPECT_EQ(gc.item<float>(), 8.0f);
  auto [value, gb] = jx::value_and_grad(f, jx::argnums<1>)(a, b, c);
  EXPECT_EQ(value.item<float>(), 22.0f);
  EXPECT_EQ(gb.item<float>(), 2.0f);
  auto with_aux = [](const jx::Array& x) { return std::pair{x * x, x + 1}; };
  auto [value_and_aux, g] = jx::value_and_grad(with_aux, jx::has_aux)(jnp::array(3.0f));
  auto [v, aux] = value_and_aux;
  EXPECT_EQ(v.item<float>(), 9.0f);
  EXPECT_EQ(aux.item<float>(), 4.0f);
  EXPECT_EQ(g.item<float>(), 6.0f);
  auto [g2, aux2] = jx::grad(with_aux, jx::has_aux)(jnp::array(3.0f));
  EXPECT_EQ(g2.item<float>(), 6.0f);
  EXPECT_EQ(aux2.item<float>(), 4.0f);
}

TEST(Grad, HigherOrderAndComposedWithJit) {
  auto f = [](const jx::Array& x) { return jnp::sin(x) * x; };
  auto df = jx::grad(f);
  auto ddf = jx::grad(df);
  const float x = 0.8f;
  EXPECT_NEAR(df(jnp::array(x)).item<float>(), std::cos(x) * x + std::sin(x), 1e-6);
  EXPECT_NEAR(ddf(jnp::array(x)).item<float>(), -std::sin(x) * x + 2 * std::cos(x), 1e-6);
  EXPECT_NEAR(jx::jit(ddf)(jnp::array(x)).item<float>(), -std::sin(x) * x + 2 * std::cos(x), 1e-6);
  EXPECT_NEAR(jx::grad(jx::jit(f))(jnp::array(x)).item<float>(), std::cos(x) * x + std::sin(x), 1e-6);
  EXPECT_NEAR(jx::grad(jx::grad(jx::grad(f)))(jnp::array(x)).item<float>(), -std::cos(x) * x - 3 * std::sin(x), 1e-5);
}

TEST(Grad, InsideJitClosingOverOuterTracers) {
  auto f = jx::jit([](const jx::Array& scale, const jx::Array& x) {
    // The inner function closes over `scale`, a tracer of the enclosing jit.
    return jx::grad([&](const jx::Array& v) { return jnp::sum(scale * v * v); })(x);
  });
  EXPECT_EQ(values(f(jnp::array(3.0f), jnp::array({1.0f, 2.0f}))), (std::vector<float>{6, 12}));
}

TEST(Grad, BroadcastingSumsOverBroadcastAxes) {
  auto f = [](const jx::Array& row, const jx::Array& matrix) { return jnp::sum(row * matrix); };
  const jx::Array row = jnp::array({1.0f, 2.0f, 3.0f});
  const jx::Array matrix = jnp::arange(6.0f).reshape({2, 3});
  const jx::Array g = jx::grad(f)(row, matrix);
  EXPECT_EQ(values(g), (std::vector<float>{3, 5, 7}));  // column sums of the matrix
  const jx::Array scalar_grad =
      jx::grad([](const jx::Array& s, const jx::Array& m) { return jnp::sum(s * m); })(jnp::array(2.0f), matrix);
  EXPECT_EQ(scalar_grad.item<float>(), 15.0f);
}

TEST(Grad, SpecialPointsFollowJax) {
  EXPECT_EQ(jx::grad([](const jx::Array& x) { return jnp::abs(x); })(jnp::array(0.0f)).item<float>(), 1.0f);
  EXPECT_TRUE(std::isinf(jx::grad([](const jx::Array& x) { return jnp::sqrt(x); })(jnp::array(0.0f)).item<float>()));
  // max/min ties split the gradient.
  auto [gx, gy] = jx::grad([](const jx::Array& x, const jx::Array& y) { return jnp::maximum(x, y); },
                           jx::argnums<0, 1>)(jnp::array(1.0f), jnp::array(1.0f));
  EXPECT_EQ(gx.item<float>(), 0.5f);
  EXPECT_EQ(gy.item<float>(), 0.5f);
  EXPECT_EQ(values(jx::grad([](const jx::Array& x) { return jnp::max(x); })(jnp::array({1.0f, 3.0f, 3.0f}))),
            (std::vector<float>{0, 0.5f, 0.5f}));
  // Zero base: d/dx x^2 at 0 is 0; d/dy 0^y is 0, not NaN.
  EXPECT_EQ(jx::grad([](const jx::Array& x) { return jnp::power(x, 2); })(jnp::array(0.0f)).item<float>(), 0.0f);
  EXPECT_EQ(
      jx::grad([](const jx::Array& y) { return jnp::power(jnp::array(0.0f), y); })(jnp::array(2.0f)).item<float>(),
      0.0f);
  EXPECT_EQ(
      jx::grad([](const jx::Array& x) { return jnp::power(x, jnp::array(0.0f)); })(jnp::array(0.0f)).item<float>(),
      0.0f);
  // where: the gradient flows only through the selected branch.
  const jx::Array g =
      jx::grad([](const jx::Array& x) { return jnp::sum(jnp::where(x > 0, x * x, -x)); })(jnp::array({-2.0f, 3.0f}));
  EXPECT_EQ(values(g), (std::vector<float>{-1, 6}));
}

// x.at(idx).mul/min/max: closed forms with repeated indices, a zero update and ties, eagerly and
// under jit.
TEST(Grad, ScatterMulMinMaxClosedForms) {
  const jx::Array index = jnp::array({0, 0, 1});
  const jx::Array weights = jnp::array({1.0f, 10.0f});
  auto expect_grads = [&](auto f, const jx::Array& x, const jx::Array& v, std::vector<float> gx,
                          std::vector<float> gv) {
    auto loss = [f, weights](const jx::Array& a, const jx::Array& b) { return jnp::sum(f(a, b) * weights); };
    for (bool jitted : {false, true}) {
      SCOPED_TRACE(jitted ? "jit" : "eager");
      auto [dx, dv] =
          jitted ? jx::jit(jx::grad(loss, jx::argnums<0, 1>))(x, v) : jx::grad(loss, jx::argnums<0, 1>)(x, v);
      for (auto [got, expected] : {std::pair{values(dx), gx}, std::pair{values(dv), gv}}) {
        ASSERT_EQ(got.size(), expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-6) << i;
      }
    }
  };
  auto mul = [index](const jx::Array& x, const jx::Array& v) { return x.at(index).mul(v); };
  // out = (x0 v0 v1, x1 v2): each factor's derivative is the product of the others.
  expect_grads(mul, jnp::array({2.0f, 3.0f}), jnp::array({4.0f, 5.0f, 6.0f}), {20, 60}, {10, 8, 30});
  // A zero update: its derivative is the product of the others; the others' derivatives are 0.
  expect_grads(mul, jnp::array({2.0f, 3.0f}), jnp::array({0.0f, 5.0f, 6.0f}), {0, 60}, {10, 0, 30});
  // max: x0 ties with v0 (v1 loses), x1 ties with v2 — each tie splits evenly, as jnp::maximum does.
  auto max = [index](const jx::Array& x, const jx::Array& v) { return x.at(index).max(v); };
  expect_grads(max, jnp::array({1.0f, 2.0f}), jnp::array({1.0f, 0.5f, 2.0f}), {0.5f, 5}, {0.5f, 0, 5});
  // Two updates tie above x0 and share its derivative; x1 loses to v2.
  expect_grads(max, jnp::array({1.0f, 2.0f}), jnp::array({3.0f, 3.0f, 4.0f}), {0, 0}, {0.5f, 0.5f, 10});
  // min: all three tie at element 0 (a third each); v2 beats x1.
  auto min = [index](const jx::Array& x, const jx::Array& v) { return x.at(index).min(v); };
  expect_grads(min, jnp::array({1.0f, 2.0f}), jnp::array({1.0f, 1.0f, -1.0f}), {1.0f / 3, 0}, {1.0f / 3, 1.0f / 3, 10});
}

// Integer intermediates of a differentiated function (an argmax, a cast to int32) carry no
// derivative: only the float paths contribute.
TEST(Grad, IntegerIntermediatesContributeZero) {
  auto f = [](const jx::Array& x) {
    const jx::Array best = jnp::argmax(x);                                       // int
    const jx::Array truncated = x.astype(jx::int32);                             // int, then back
    const jx::Array picked = x[best] * 3;                                        // indexes with it
    const jx::Array selected = jnp::where(jnp::arange(4) == best, x * x, 0.0f);  // selects with it
    return picked + jnp::sum(truncated.astype(x.dtype()) * x) + jnp::sum(selected) + best.astype(x.dtype()) * x[0];
  };
  // argmax 1; trunc(x) = (0, 2, -1, 1): d/dx = 3 e1 + trunc(x) + 2 x1 e1 + 1 e0.
  const jx::Array x = jnp::array({0.5f, 2.7f, -1.3f, 1.2f});
  const std::vector<float> expected = {1.0f, 3 + 2 + 2 * 2.7f, -1.0f, 1.0f};
  auto expect_near = [&](const jx::Array& g, const char* what) {
    SCOPED_TRACE(what);
    ASSERT_EQ(g.dtype(), jx::float32);
    const auto got = values(g);
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5) << i;
  };
  expect_near(jx::grad(f)(x), "eager");
  expect_near(jx::jit(jx::grad(f))(x), "jit(grad)");
  expect_near(jx::grad(jx::jit(f))(x), "grad(jit)");
  // Second order too: only the x1^2 term curves.
  const jx::Array hessian = jx::hessian(f)(x);
  EXPECT_EQ(values(hessian), (std::vector<float>{0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  jx::test::check_grads(f, {x}, 2);
  jx::test::check_grads(jx::jit(f), {x}, 2);
}

TEST(Grad, IntegerInputsAreAnErrorUnlessAllowed) {
  struct State {
    jx::Array x;
    jx::Array count;
    JX_PYTREE_FIELDS(x, count);
  };
  auto f = [](const State& s) { return jnp::sum(s.x * s.count); };
  const State s{jnp::array(2.0f), jnp::array(3)};
  try {
    jx::grad(f)(s);
    FAIL() << "expected TypeError";
  } catch (const jx::TypeError& e) {
    EXPECT_NE(std::string(e.what()).find(".count"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("int32"), std::string::npos) << e.what();
  }
  const State g = jx::grad(f, jx::allow_int)(s);
  EXPECT_EQ(g.x.item<float>(), 3.0f);
  EXPECT_EQ(g.count.dtype(), jx::float0);
}

TEST(Grad, NonScalarOutputIsAnError) {
  EXPECT_THROW(jx::grad([](const jx::Array& x) { return x * 2; })(jnp::ones({3})), jx::TypeError);
}

TEST(Grad, StopGradient) {
  auto f = [](const jx::Array& x) { return x * jx::lax::stop_gradient(x); };
  EXPECT_EQ(jx::grad(f)(jnp::array(3.0f)).item<float>(), 3.0f);
}

TEST(Autodiff, VjpJvpLinearize) {
  auto f = [](const jx::Array& x, const jx::Array& y) { return jnp::sin(x) * y; };
  const jx::Array x = jnp::array({0.5f, 1.0f}), y = jnp::array({2.0f, 3.0f});
  auto [out, pullback] = jx::vjp(f, x, y);
  auto [ct_x, ct_y] = pullback(jnp::ones({2}));
  EXPECT_NEAR(ct_x.to_vector<float>()[0], std::cos(0.5f) * 2, 1e-6);
  EXPECT_NEAR(ct_y.to_vector<float>()[1], std::sin(1.0f), 1e-6);
  auto [primal, tangent] = jx::jvp(f, std::tuple{x, y}, std::tuple{jnp::ones({2}), jnp::zeros({2})});
  EXPECT_NEAR(tangent.to_vector<float>()[1], std::cos(1.0f) * 3, 1e-6);
  auto [value, f_jvp] = jx::linearize(f, x, y);
  EXPECT_NEAR(f_jvp(jnp::zeros({2}), jnp::ones({2})).to_vector<float>()[0], std::sin(0.5f), 1e-6);
}

TEST(Autodiff, JacobiansAndHessian) {
  auto f = [](const jx::Array& x) {
    return jnp::array({1.0f, 0.0f}) * jnp::sum(x * x) + jnp::array({0.0f, 1.0f}) * x[0];
  };
  const jx::Array x = jnp::array({1.0f, 2.0f, 3.0f});
  const auto expected = std::vector<float>{2, 4, 6, 1, 0, 0};
  EXPECT_EQ(values(jx::jacrev(f)(x)), expected);
  EXPECT_EQ(values(jx::jacfwd(f)(x)), expected);
  EXPECT_EQ(jx::jacrev(f)(x).shape(), jx::Shape({2, 3}));
  auto g = [](const jx::Array& v) { return jnp::sum(v * v * v); };
  EXPECT_EQ(values(jx::hessian(g)(jnp::array({1.0f, 2.0f}))), (std::vector<float>{6, 0, 0, 12}));
}

TEST(Autodiff, JittedValueAndGradComputesTheForwardOnce) {
  auto step = jx::jit(
      [](const Params& p, const jx::Array& x, const jx::Array& y) { return jx::value_and_grad(seed_loss)(p, x, y); });
  const Params strong{jnp::array(1.0f, jx::float32), jnp::array(0.0f, jx::float32)};
  const jx::Program program = step.lower(strong, jnp::ones({128, 1}), jnp::ones({128, 1}));
  // The forward pass multiplies weight * x once; the backward pass multiplies the residual by x once.
  int mul_by_weight = 0;
  for (const jx::Equation& e : program.equations) {
    if (e.primitive->name() == "mul") {
      for (const jx::Atom& a : e.inputs) mul_by_weight += (!a.is_literal() && a.var == program.inputs[0]) ? 1 : 0;
    }
  }
  EXPECT_EQ(mul_by_weight, 1) << program;
  EXPECT_EQ(program.count("integer_pow"), 1) << program;
  EXPECT_LE(static_cast<int>(program.equations.size()), 12) << program;
  EXPECT_TRUE(program.consts.empty()) << program;  // no materialized broadcast constants
}

TEST(CheckGrads, Composites) {
  using jx::test::check_grads;
  check_grads([](const jx::Array& x) { return jx::nn::logsumexp(x); }, {jnp::array({0.5f, -1.0f, 2.0f})}, 2);
  check_grads([](const jx::Array& x) { return (x - jnp::mean(x)) / jnp::sqrt(jnp::var(x) + 1e-5f); },
              {jnp::array({0.5f, -1.0f, 2.0f, 0.25f})}, 2);
  check_grads(
      [](const jx::Array& w, const jx::Array& b) {
        const jx::Array x = jnp::array({{1.0f, 2.0f}, {0.5f, -1.0f}, {2.0f, 0.0f}});
        const jx::Array logits = jnp::matmul(x, w) + b;
        const jx::Array labels = jx::nn::one_hot(jnp::array({0, 2, 1}), 3);
        return -jnp::mean(jnp::sum(labels * jx::nn::log_softmax(logits), -1));
      },
      {jnp::array({{0.1f, 0.2f, -0.3f}, {0.4f, -0.5f, 0.6f}}), jnp::array({0.0f, 0.1f, -0.1f})}, 2);
  check_grads(
      [](const jx::Array& w, const jx::Array& b) {
        const jx::Array x = jnp::array({1.0f, 2.0f, 3.0f});
        const jx::Array y = jnp::array({1.5f, 3.5f, 5.0f});
        return jnp::mean(jnp::power(w * x + b - y, 2));
      },
      {jnp::array(0.5f), jnp::array(-0.5f)}, 2);
  // A two-layer MLP (tanh hidden layer) with a softmax cross-entropy loss, eagerly and jitted.
  auto mlp_loss = [](const jx::Array& w1, const jx::Array& b1, const jx::Array& w2, const jx::Array& b2) {
    const jx::Array x = jnp::array({{1.0f, 2.0f}, {0.5f, -1.0f}, {2.0f, 0.0f}, {-0.3f, 0.7f}});
    const jx::Array hidden = jnp::tanh(jnp::matmul(x, w1) + b1);
    const jx::Array logits = jnp::matmul(hidden, w2) + b2;
    const jx::Array labels = jx::nn::one_hot(jnp::array({0, 2, 1, 2}), 3);
    return -jnp::mean(jnp::sum(labels * jx::nn::log_softmax(logits), -1));
  };
  const std::vector<jx::Array> mlp_params = {
      jnp::array({{0.3f, -0.2f, 0.5f, 0.1f}, {-0.4f, 0.6f, 0.2f, -0.3f}}), jnp::array({0.1f, 0.0f, -0.1f, 0.2f}),
      jnp::array({{0.2f, -0.5f, 0.3f}, {0.4f, 0.1f, -0.2f}, {-0.3f, 0.2f, 0.6f}, {0.5f, -0.1f, 0.1f}}),
      jnp::array({0.0f, 0.1f, -0.1f})};
  check_grads(mlp_loss, mlp_params, 2);
  const auto jitted_loss = jx::jit(mlp_loss);
  check_grads([&](const jx::Array& w1, const jx::Array& b1, const jx::Array& w2,
                  const jx::Array& b2) { return jitted_loss(w1, b1, w2, b2); },
              mlp_params, 2);
}

TEST(CheckGrads, AWrongCustomRuleFails) {
  // sin with a backward pass that forgets the cosine: reverse mode disagrees with finite differences.
  auto with_rule = [](auto backward) {
    return jx::custom_vjp([](const jx::Array& x) { return jnp::sin(x); },
                          [](const jx::Array& x) {
                            return std::pair{jnp::sin(x), std::tuple<jx::Array>{x}};
                          },
                          backward);
  };
  auto wrong = with_rule([](const std::tuple<jx::Array>& residuals, const jx::Array& ct) {
    return std::tuple{ct * std::get<0>(residuals)};
  });
  auto right = with_rule([](const std::tuple<jx::Array>& residuals, const jx::Array& ct) {
    return std::tuple{ct * jnp::cos(std::get<0>(residuals))};
  });
  const jx::Array x = jnp::array({0.3f, -1.1f, 2.0f});
  EXPECT_NO_THROW(jx::test::check_grads(right, {x}, 1, jx::test::Modes::reverse));
  try {
    jx::test::check_grads(wrong, {x}, 1, jx::test::Modes::reverse);
    ADD_FAILURE() << "check_grads accepted a wrong vjp rule";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("reverse-mode derivative"), std::string::npos) << e.what();
  }
  // Through jit as well.
  EXPECT_THROW(jx::test::check_grads(jx::jit(wrong), {x}, 1, jx::test::Modes::reverse), jx::ValueError);
}

// JAX's documentation example: log(1 + exp(x)) with a stable derivative.
TEST(CustomDerivatives, CustomJvpGivesAStableLog1pexp) {
  auto naive = [](const jx::Array& x) { return jnp::log(1 + jnp::exp(x)); };
  auto log1pexp =
      jx::custom_jvp(naive, [](const std::tuple<jx::Array>& primals, const std::tuple<jx::Array>& tangents) {
        const auto& [x] = primals;
        const auto& [t] = tangents;
        return (1 - 1 / (1 + jnp::exp(x))) * t;
      });
  EXPECT_TRUE(std::isnan(jx::grad(naive)(jnp::array(100.0f)).item<float>()));
  EXPECT_EQ(jx::grad(log1pexp)(jnp::array(100.0f)).item<float>(), 1.0f);
  EXPECT_NEAR(jx::grad(log1pexp)(jnp::array(0.0f)).item<float>(), 0.5f, 1e-7);
  EXPECT_NEAR(log1pexp(jnp::array(0.0f)).item<float>(), std::log(2.0f), 1e-7);
  EXPECT_EQ(jx::jit(jx::grad(log1pexp))(jnp::array(100.0f)).item<float>(), 1.0f);
  auto [out, tangent] = jx::jvp(log1pexp, std::tuple{jnp::array(100.0f)}, std::tuple{jnp::array(2.0f)});
  EXPECT_EQ(tangent.item<float>(), 2.0f);
  // Second order through the rule: d2/dx2 log(1 + e^x) = sigmoid(x)(1 - sigmoid(x)).
  EXPECT_NEAR(jx::grad(jx::grad(log1pexp))(jnp::array(0.0f)).item<float>(), 0.25f, 1e-6);
}

TEST(CustomDerivatives, CustomVjpRunsTheUserBackward) {
  auto clip_gradient = jx::custom_vjp([](const jx::Array& x) { return x * 1.0f; },
                                      [](const jx::Array& x) {
                                        return std::pair{x * 1.0f, std::tuple<jx::Array>{x}};
                                      },
                                      [](const std::tuple<jx::Array>& residuals, const jx::Array& ct) {
                                        (void)residuals;
                                        return std::tuple{jnp::clip(ct, -1.0f, 1.0f)};
                                      });
  auto f = [&](const jx::Array& x) { return jnp::sum(clip_gradient(x) * 5.0f); };
  EXPECT_EQ(values(jx::grad(f)(jnp::array({1.0f, 2.0f}))), (std::vector<float>{1, 1}));
  EXPECT_EQ(values(jx::jit(jx::grad(f))(jnp::array({1.0f, 2.0f}))), (std::vector<float>{1, 1}));
  EXPECT_EQ(clip_gradient(jnp::array(3.0f)).item<float>(), 3.0f);
  EXPECT_THROW(jx::jvp(clip_gradient, std::tuple{jnp::array(1.0f)}, std::tuple{jnp::array(1.0f)}), jx::TypeError);
}

}  // namespace
