// custom_jvp, custom_vjp and custom_gradient with pytrees in and out, nondiff_argnums and defjvps:
// the rules are the ones used (checked where they differ from the naive derivative), agree with
// autodiff of the plain function where they should, and compose with jit and vmap. Values marked
// "JAX docs" are what JAX's custom-derivatives tutorial and docstrings print.
#include "jx/transforms/custom_derivatives.h"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <utility>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;

namespace custom_derivatives_test {
struct Point {
  jx::Array w, b;
};
JX_PYTREE(Point, w, b);
}  // namespace custom_derivatives_test

namespace {

using custom_derivatives_test::Point;

float value_of(const jx::Array& x) { return x.item<float>(); }

// f(p) = (w * b, Σ w), with its JVP rule written out (in JAX's (primal, tangent) form).
auto product_and_sum() {
  return jx::custom_jvp([](const Point& p) { return std::make_tuple(p.w * p.b, jnp::sum(p.w)); },
                        [](const std::tuple<Point>& primals, const std::tuple<Point>& tangents) {
                          const auto& [p] = primals;
                          const auto& [t] = tangents;
                          return std::make_pair(std::make_tuple(p.w * p.b, jnp::sum(p.w)),
                                                std::make_tuple(t.w * p.b + p.w * t.b, jnp::sum(t.w)));
                        });
}

TEST(CustomJvp, PytreesInAndOutAgreeWithTheFunctionsDerivative) {
  const auto f = product_and_sum();
  auto loss = [&](const Point& p) {
    const auto [product, total] = f(p);
    return jnp::sum(product * product) + total * total;
  };
  auto plain = [](const Point& p) { return jnp::sum(p.w * p.b * p.w * p.b) + jnp::square(jnp::sum(p.w)); };
  const Point p{jnp::array({1.0f, -2.0f}), jnp::array({0.5f, 3.0f})};
  const Point g = jx::grad(loss)(p);
  const Point expected = jx::grad(plain)(p);
  EXPECT_EQ(g.w.to_vector<float>(), expected.w.to_vector<float>());
  EXPECT_EQ(g.b.to_vector<float>(), expected.b.to_vector<float>());
  const Point jitted = jx::jit(jx::grad(loss))(p);
  EXPECT_EQ(jitted.w.to_vector<float>(), expected.w.to_vector<float>());
  // Forward mode: the tangent of the tuple output.
  const auto [outputs, tangents] = jx::jvp(f, std::tuple{p}, std::tuple{Point{jnp::ones({2}), jnp::zeros({2})}});
  EXPECT_EQ(std::get<0>(tangents).to_vector<float>(), (std::vector<float>{0.5f, 3.0f}));
  EXPECT_EQ(value_of(std::get<1>(tangents)), 2.0f);
}

TEST(CustomJvp, DefjvpsSumsOneRulePerArgument) {
  // JAX docs: f(x, y) = sin(x) * y with defjvps; f(2., 3.) = 2.7278922, grad(f)(2., 3.) = -1.2484405.
  const auto f = jx::custom_jvp([](const jx::Array& x, const jx::Array& y) { return jnp::sin(x) * y; })
                     .defjvps([](const jx::Array& x_dot, const jx::Array& /*out*/, const jx::Array& x,
                                 const jx::Array& y) { return jnp::cos(x) * x_dot * y; },
                              [](const jx::Array& y_dot, const jx::Array& /*out*/, const jx::Array& x,
                                 const jx::Array&) { return jnp::sin(x) * y_dot; });
  EXPECT_NEAR(value_of(f(2.0f, 3.0f)), 2.7278922f, 1e-6);
  EXPECT_NEAR(value_of(jx::grad(f)(2.0f, 3.0f)), -1.2484405f, 1e-6);
  auto [dx, dy] = jx::grad(f, jx::argnums<0, 1>)(2.0f, 3.0f);
  EXPECT_NEAR(value_of(dy), std::sin(2.0f), 1e-6);
  // nullptr: the output does not depend on that argument (here, by decree).
  const auto only_x = jx::custom_jvp([](const jx::Array& x, const jx::Array& y) { return jnp::sin(x) * y; })
                          .defjvps([](const jx::Array& x_dot, const jx::Array&, const jx::Array& x,
                                      const jx::Array& y) { return jnp::cos(x) * x_dot * y; },
                                   nullptr);
  EXPECT_EQ(value_of(jx::grad(only_x, jx::argnums<1>)(2.0f, 3.0f)), 0.0f);
  EXPECT_NEAR(value_of(jx::jit(jx::grad(only_x))(2.0f, 3.0f)), -1.2484405f, 1e-6);
}

TEST(CustomJvp, NondiffArgumentsComeFirstAndGetNoTangent) {
  // power is an int (static); scale an array that is not differentiated.
  const auto f =
      jx::custom_jvp([](int power, const jx::Array& x, const jx::Array& scale) { return scale * jnp::power(x, power); },
                     [](int power, const jx::Array& scale, const std::tuple<jx::Array>& primals,
                        const std::tuple<jx::Array>& tangents) {
                       const auto& [x] = primals;
                       const auto& [t] = tangents;
                       return scale * static_cast<float>(power) * jnp::power(x, power - 1) * t;
                     },
                     jx::nondiff_argnums<0, 2>);
  const jx::Array scale = jnp::array(2.0f);
  EXPECT_EQ(value_of(f(3, jnp::array(2.0f), scale)), 16.0f);
  EXPECT_EQ(value_of(jx::grad(f, jx::argnums<1>)(3, jnp::array(2.0f), scale)), 24.0f);
  // The scale is an input of the call, so it may be traced (here by jit and vmap).
  auto batched = jx::vmap([&](const jx::Array& x, const jx::Array& s) { return jx::grad(f, jx::argnums<1>)(3, x, s); });
  EXPECT_EQ(batched(jnp::array({1.0f, 2.0f}), jnp::array({1.0f, 2.0f})).to_vector<float>(),
            (std::vector<float>{3.0f, 24.0f}));
}

TEST(CustomVjp, ClipGradientWithNondiffBounds) {
  // JAX docs' clip_gradient(lo, hi, x) with nondiff_argnums=(0, 1): the bounds are static floats here.
  const auto clip_gradient = jx::custom_vjp(
      [](float, float, const jx::Array& x) { return x; },
      [](float, float, const jx::Array& x) { return std::make_pair(x, std::tuple<>{}); },
      [](float lo, float hi, const std::tuple<>&, const jx::Array& g) { return std::tuple{jnp::clip(g, lo, hi)}; },
      jx::nondiff_argnums<0, 1>);
  // The docs' clip_sin: sin(clip_gradient(x)), whose gradient is cos(x) clipped to [-0.75, 0.75].
  auto clip_sin = [&](const jx::Array& x) { return jnp::sin(clip_gradient(-0.75f, 0.75f, x)); };
  EXPECT_NEAR(value_of(jx::grad(clip_sin)(0.0f)), 0.75f, 1e-7);
  EXPECT_NEAR(value_of(jx::grad(clip_sin)(1.2f)), std::cos(1.2f), 1e-6);
  EXPECT_NEAR(value_of(jx::jit(jx::grad(clip_sin))(3.0f)), -0.75f, 1e-7);
  // Bounds as arrays among the nondiff arguments: carried to bwd (through jit as well).
  const auto clip_by =
      jx::custom_vjp([](const jx::Array&, const jx::Array& x) { return x; },
                     [](const jx::Array&, const jx::Array& x) { return std::make_pair(x, std::tuple<>{}); },
                     [](const jx::Array& bound, const std::tuple<>&, const jx::Array& g) {
                       return std::tuple{jnp::clip(g, -bound, bound)};
                     },
                     jx::nondiff_argnums<0>);
  auto h = [&](const jx::Array& bound, const jx::Array& x) { return jnp::sum(5.0f * clip_by(bound, x)); };
  EXPECT_EQ(jx::jit(jx::grad(h, jx::argnums<1>))(jnp::array(2.0f), jnp::ones({3})).to_vector<float>(),
            (std::vector<float>{2.0f, 2.0f, 2.0f}));
}

TEST(CustomVjp, PytreesInAndOutWithResiduals) {
  // f(p) = (w * b, exp(w)); bwd from residuals (w, b, exp(w)).
  const auto f =
      jx::custom_vjp([](const Point& p) { return std::make_pair(p.w * p.b, jnp::exp(p.w)); },
                     [](const Point& p) {
                       const jx::Array e = jnp::exp(p.w);
                       return std::make_pair(std::make_pair(p.w * p.b, e), std::make_tuple(p, e));
                     },
                     [](const std::tuple<Point, jx::Array>& residuals, const std::pair<jx::Array, jx::Array>& ct) {
                       const auto& [p, e] = residuals;
                       return std::tuple{Point{ct.first * p.b + ct.second * e, ct.first * p.w}};
                     });
  auto loss = [&](const Point& p) {
    const auto [product, exponential] = f(p);
    return jnp::sum(product) + jnp::sum(exponential * 2.0f);
  };
  auto plain = [](const Point& p) { return jnp::sum(p.w * p.b) + jnp::sum(jnp::exp(p.w) * 2.0f); };
  const Point p{jnp::array({0.1f, -0.3f}), jnp::array({2.0f, 4.0f})};
  for (const Point& g : {jx::grad(loss)(p), jx::jit(jx::grad(loss))(p)}) {
    const Point expected = jx::grad(plain)(p);
    EXPECT_EQ(g.w.to_vector<float>(), expected.w.to_vector<float>());
    EXPECT_EQ(g.b.to_vector<float>(), expected.b.to_vector<float>());
  }
  // Per-example gradients.
  const jx::Array per_example = jx::vmap([&](const jx::Array& w) {
    return jx::grad(loss)(Point{w, p.b}).w;
  })(jnp::stack({p.w, 2.0f * p.w}));
  EXPECT_EQ(per_example.shape(), jx::Shape({2, 2}));
  EXPECT_NEAR(per_example.to_vector<float>()[2], 2.0f + 2 * std::exp(0.2f), 1e-6);
  // Forward mode is an error, as in JAX.
  EXPECT_THROW(jx::jvp(f, std::tuple{p}, std::tuple{p}), jx::TypeError);
}

TEST(CustomVjp, ACotangentOfTheWrongShapeOrStructureIsAnError) {
  const auto wrong_shape = jx::custom_vjp(
      [](const jx::Array& x) { return x; }, [](const jx::Array& x) { return std::make_pair(x, std::tuple<>{}); },
      [](const std::tuple<>&, const jx::Array& g) { return std::tuple{jnp::sum(g)}; });
  EXPECT_THROW(jx::grad([&](const jx::Array& x) { return jnp::sum(wrong_shape(x)); })(jnp::ones({3})), jx::ShapeError);
  const auto wrong_structure = jx::custom_vjp(
      [](const Point& p) { return p.w; }, [](const Point& p) { return std::make_pair(p.w, std::tuple<>{}); },
      [](const std::tuple<>&, const jx::Array& g) {
        return std::tuple<std::tuple<jx::Array, jx::Array, jx::Array>>(std::make_tuple(g, g, g));
      });
  EXPECT_THROW(
      jx::grad([&](const Point& p) { return jnp::sum(wrong_structure(p)); })(Point{jnp::ones({2}), jnp::ones({2})}),
      jx::ValueError);
}

TEST(CustomGradient, TheVjpFunctionIsUsedAndIsItselfDifferentiable) {
  // JAX's docstring: f(x) = x², with vjp g -> g * x: f(3.) = 9.0, grad(f)(3.) = 3.0.
  const auto f = jx::custom_gradient([](const jx::Array& x) {
    return std::make_pair(jnp::square(x), [x](const jx::Array& g) { return std::tuple{g * x}; });
  });
  EXPECT_EQ(value_of(f(3.0f)), 9.0f);
  EXPECT_EQ(value_of(jx::grad(f)(3.0f)), 3.0f);
  EXPECT_EQ(value_of(jx::jit(jx::grad(f))(3.0f)), 3.0f);
  // d/dx of the vjp (g * x at g = 1) is 1.
  EXPECT_EQ(value_of(jx::grad(jx::grad(f))(3.0f)), 1.0f);
  EXPECT_EQ(jx::vmap(jx::grad(f))(jnp::array({1.0f, 2.0f})).to_vector<float>(), (std::vector<float>{1.0f, 2.0f}));
}

TEST(CustomGradient, SeveralArgumentsAndAStructOutput) {
  // A numerically stable log-sum-exp pair with a hand-written gradient from what the forward computed.
  const auto f = jx::custom_gradient([](const jx::Array& a, const jx::Array& b) {
    const jx::Array m = jnp::maximum(a, b);
    const jx::Array ea = jnp::exp(a - m), eb = jnp::exp(b - m);
    const jx::Array out = m + jnp::log(ea + eb);
    return std::make_pair(Point{out, a - b}, [=](const Point& g) {
      const jx::Array s = ea + eb;
      return std::tuple{g.w * ea / s + g.b, g.w * eb / s - g.b};
    });
  });
  auto loss = [&](const jx::Array& a, const jx::Array& b) {
    const Point p = f(a, b);
    return jnp::sum(p.w) + 0.5f * jnp::sum(p.b);
  };
  const jx::Array a = jnp::array({1000.0f, 0.0f});
  const jx::Array b = jnp::array({1000.0f, 1.0f});
  auto [ga, gb] = jx::grad(loss, jx::argnums<0, 1>)(a, b);
  const float s = 1 + std::exp(1.0f);
  EXPECT_NEAR(ga.to_vector<float>()[0], 0.5f + 0.5f, 1e-6);
  EXPECT_NEAR(ga.to_vector<float>()[1], 1 / s + 0.5f, 1e-6);
  EXPECT_NEAR(gb.to_vector<float>()[1], std::exp(1.0f) / s - 0.5f, 1e-6);
}

}  // namespace

namespace {
TEST(CustomJvp, CallsDifferingInStaticArgumentsAreNotMerged) {
  // f(n, x) = x^n with n static: under jit the calls with n = 2 and n = 3 must stay two calls.
  const auto f = jx::custom_jvp([](int n, const jx::Array& x) { return jnp::power(x, n); },
                                [](int n, const std::tuple<jx::Array>& p, const std::tuple<jx::Array>& t) {
                                  return static_cast<float>(n) * jnp::power(std::get<0>(p), n - 1) * std::get<0>(t);
                                },
                                jx::nondiff_argnums<0>);
  auto both = jx::jit([&](const jx::Array& x) { return std::make_pair(f(2, x), f(3, x)); });
  const auto [square, cube] = both(jnp::array(2.0f));
  EXPECT_EQ(value_of(square), 4.0f);
  EXPECT_EQ(value_of(cube), 8.0f);
  // A rule whose tangent has another dtype than the output is an error, as in JAX.
  const auto wrong = jx::custom_jvp(
      [](const jx::Array& x) { return x * 2.0f; },
      [](const std::tuple<jx::Array>&, const std::tuple<jx::Array>& t) { return std::get<0>(t).astype(jx::bfloat16); });
  EXPECT_THROW(jx::grad(wrong)(1.0f), jx::TypeError);
}
}  // namespace
