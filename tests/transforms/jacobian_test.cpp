// jacfwd, jacrev and hessian over pytrees: closed forms, agreement of the two modes with each other
// and with central differences, argnums, has_aux, jit and vmap, and the dtype errors JAX raises.
#include "jx/transforms/jacobian.h"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <utility>
#include <vector>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;

namespace jacobian_test {
struct Point {
  jx::Array w, b;
};
JX_PYTREE(Point, w, b);
}  // namespace jacobian_test

namespace {

using jacobian_test::Point;

std::vector<float> values(const jx::Array& x) { return x.to_vector<float>(); }

void expect_near(const jx::Array& actual, const std::vector<float>& expected, float tolerance = 1e-5f) {
  const std::vector<float> got = values(actual);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tolerance) << "element " << i;
}

void expect_close(const jx::Array& a, const jx::Array& b, float tolerance) {
  ASSERT_EQ(a.shape(), b.shape());
  expect_near(a, values(b), tolerance);
}

// A scalar function of a struct: sum(w² b) + sin(w₀ b₁). Its gradient and Hessian in closed form below.
jx::Array scalar_of_point(const Point& p) { return jnp::sum(p.w * p.w * p.b) + jnp::sin(p.w[0] * p.b[1]); }

TEST(Jacobian, ScalarOutputIsShapedLikeTheInput) {
  const Point p{jnp::array({0.5f, -1.0f}), jnp::array({2.0f, 3.0f})};
  const float c = std::cos(0.5f * 3.0f);
  // d/dw = 2 w b + [b₁ cos, 0];  d/db = w² + [0, w₀ cos].
  const std::vector<float> dw{2 * 0.5f * 2 + 3 * c, 2 * -1.0f * 3};
  const std::vector<float> db{0.25f, 1.0f + 0.5f * c};
  for (const Point& j : {jx::jacrev(scalar_of_point)(p), jx::jacfwd(scalar_of_point)(p)}) {
    expect_near(j.w, dw);
    expect_near(j.b, db);
  }
}

TEST(Jacobian, ArrayInputIsShapedLikeTheOutput) {
  // f(x) = (sin x, Σ x², x ⊗ x): blocks diag(cos x), 2x, and d(xᵢxⱼ)/dxₖ = δᵢₖxⱼ + xᵢδⱼₖ.
  auto f = [](const jx::Array& x) { return std::make_tuple(jnp::sin(x), jnp::sum(x * x), jnp::outer(x, x)); };
  const jx::Array x = jnp::array({0.3f, -0.7f});
  for (const auto& [d_sin, d_sum, d_outer] : {jx::jacrev(f)(x), jx::jacfwd(f)(x)}) {
    expect_near(d_sin, {std::cos(0.3f), 0, 0, std::cos(-0.7f)});
    expect_near(d_sum, {0.6f, -1.4f});
    EXPECT_EQ(d_outer.shape(), jx::Shape({2, 2, 2}));
    // [i][j][k]
    expect_near(d_outer, {2 * 0.3f, 0, -0.7f, 0.3f, -0.7f, 0.3f, 0, 2 * -0.7f});
  }
}

TEST(Jacobian, ArgnumsGiveOneBlockPerArgument) {
  auto f = [](const jx::Array& a, const jx::Array& b) { return a * jnp::exp(b); };
  const jx::Array a = jnp::array({1.0f, 2.0f});
  const jx::Array b = jnp::array({0.5f, -0.5f});
  const float e0 = std::exp(0.5f), e1 = std::exp(-0.5f);
  for (const auto& [da, db] : {jx::jacrev(f, jx::argnums<0, 1>)(a, b), jx::jacfwd(f, jx::argnums<0, 1>)(a, b)}) {
    expect_near(da, {e0, 0, 0, e1});
    expect_near(db, {e0, 0, 0, 2 * e1});
  }
  // Only the second argument; the first may then be anything, here a number.
  expect_near(jx::jacobian(f, jx::argnums<1>)(a, b), {e0, 0, 0, 2 * e1});
}

TEST(Jacobian, TreesOnBothSidesGiveADynamicTreeOutputOutside) {
  // Output (w * b, Σ w): block [0]["b"] = diag(w), [1]["w"] = ones, [1]["b"] = zeros.
  auto f = [](const Point& p) { return std::make_tuple(p.w * p.b, jnp::sum(p.w)); };
  const Point p{jnp::array({1.0f, 2.0f}), jnp::array({3.0f, 4.0f})};
  for (const jx::tree::Tree& j : {jx::jacrev(f)(p), jx::jacfwd(f)(p)}) {
    ASSERT_TRUE(j.is_list());
    ASSERT_EQ(j.size(), 2u);
    expect_near(j[0]["w"].array(), {3, 0, 0, 4});
    expect_near(j[0]["b"].array(), {1, 0, 0, 2});
    expect_near(j[1]["w"].array(), {1, 1});
    expect_near(j[1]["b"].array(), {0, 0});
  }
}

TEST(Jacobian, HasAuxReturnsTheAuxiliaryValueUndifferentiated) {
  auto f = [](const jx::Array& x) { return std::make_pair(x * x, Point{x + 1.0f, jnp::sum(x)}); };
  const jx::Array x = jnp::array({1.0f, -2.0f});
  for (const auto& [jacobian, aux] : {jx::jacrev(f, jx::has_aux)(x), jx::jacfwd(f, jx::has_aux)(x)}) {
    expect_near(jacobian, {2, 0, 0, -4});
    expect_near(aux.w, {2, -1});
    expect_near(aux.b, {-1});
  }
}

TEST(Jacobian, HessianOfAStructMatchesTheClosedForm) {
  const Point p{jnp::array({0.5f, -1.0f}), jnp::array({2.0f, 3.0f})};
  const jx::tree::Tree h = jx::hessian(scalar_of_point)(p);
  const float s = std::sin(1.5f), c = std::cos(1.5f);
  // f = Σ wᵢ² bᵢ + sin(w₀ b₁).
  expect_near(h["w"]["w"].array(), {4 - 9 * s, 0, 0, 6});
  expect_near(h["w"]["b"].array(), {1, c - 1.5f * s, 0, -2});
  expect_near(h["b"]["w"].array(), {1, 0, c - 1.5f * s, -2});
  expect_near(h["b"]["b"].array(), {0, 0, 0, -0.25f * s});
  // With two array arguments: a list of lists.
  auto g = [](const jx::Array& a, const jx::Array& b) { return jnp::sum(a * a * b); };
  const jx::tree::Tree h2 = jx::hessian(g, jx::argnums<0, 1>)(jnp::array({1.0f}), jnp::array({2.0f}));
  expect_near(h2[0][0].array(), {4});
  expect_near(h2[0][1].array(), {2});
  expect_near(h2[1][0].array(), {2});
  expect_near(h2[1][1].array(), {0});
}

TEST(Jacobian, BothModesAgreeWithCentralDifferences) {
  auto f = [](const Point& p) { return std::make_tuple(jnp::tanh(jnp::outer(p.w, p.b)), jnp::prod(p.w)); };
  const jx::config::ScopedFlags x64({.enable_x64 = true});
  const Point p{jnp::array({0.3, -0.8, 1.1}), jnp::array({0.7, 0.2})};
  const jx::tree::Tree reverse = jx::jacrev(f)(p);
  const jx::tree::Tree forward = jx::jacfwd(f)(p);
  const double h = 1e-6;
  for (const char* name : {"w", "b"}) {
    const jx::Array leaf = name[0] == 'w' ? p.w : p.b;
    const std::vector<double> x = leaf.to_vector<double>();
    for (std::size_t k = 0; k < x.size(); ++k) {
      auto shifted = [&](double delta) {
        std::vector<double> moved = x;
        moved[k] += delta;
        const jx::Array value = jnp::array(moved);
        return f(name[0] == 'w' ? Point{value, p.b} : Point{p.w, value});
      };
      const auto [plus0, plus1] = shifted(h);
      const auto [minus0, minus1] = shifted(-h);
      const std::vector<double> d0 = ((plus0 - minus0) / (2 * h)).to_vector<double>();
      const double d1 = ((plus1 - minus1) / (2 * h)).item<double>();
      for (const jx::tree::Tree* j : {&reverse, &forward}) {
        // Block [0][name] has shape (3, 2, n): element k of the input is the last axis.
        const std::vector<double> block = (*j)[0][name].array().to_vector<double>();
        for (std::size_t i = 0; i < d0.size(); ++i) EXPECT_NEAR(block[i * x.size() + k], d0[i], 1e-7);
        EXPECT_NEAR((*j)[1][name].array().to_vector<double>()[k], d1, 1e-7);
      }
    }
  }
}

TEST(Jacobian, UnderJitAndVmap) {
  auto f = [](const jx::Array& x) { return jnp::sin(x) * x[0]; };
  const jx::Array x = jnp::array({0.4f, 1.3f, -0.6f});
  const jx::Array eager = jx::jacrev(f)(x);
  expect_close(jx::jit(jx::jacrev(f))(x), eager, 1e-6f);
  expect_close(jx::jit(jx::jacfwd(f))(x), eager, 1e-6f);
  // Per-example Jacobians of a batch.
  const jx::Array batch = jnp::stack({x, 2.0f * x});
  const jx::Array batched = jx::vmap(jx::jacfwd(f))(batch);
  EXPECT_EQ(batched.shape(), jx::Shape({2, 3, 3}));
  expect_close(batched[0], eager, 1e-6f);
  expect_close(batched[1], jx::jacrev(f)(2.0f * x), 1e-6f);
  // jacrev of jit, and a number traced as a 0-d input.
  expect_close(jx::jacrev(jx::jit(f))(x), eager, 1e-6f);
  EXPECT_NEAR(jx::jacfwd([](const jx::Array& t) { return jnp::exp(t); })(1.0).item<float>(), std::exp(1.0f), 1e-5);
}

TEST(Jacobian, DtypesAsJaxChecksThem) {
  const jx::Array x = jnp::array({1.0f, 2.0f});
  auto to_int = [](const jx::Array& v) { return jnp::floor(v).astype(jx::int32); };
  EXPECT_THROW(jx::jacrev(to_int)(x), jx::TypeError);
  auto of_int = [](const jx::Array& v) { return v.astype(jx::float32) * 2.0f; };
  EXPECT_THROW(jx::jacfwd(of_int)(jnp::array({1, 2})), jx::TypeError);
  EXPECT_THROW(jx::jacrev(of_int)(jnp::array({1, 2})), jx::TypeError);
  // With allow_int, jacrev gives a float0 block for the integer input.
  const jx::Array block = jx::jacrev(of_int, jx::allow_int)(jnp::array({1, 2}));
  EXPECT_EQ(block.dtype(), jx::float0);
  EXPECT_EQ(block.shape(), jx::Shape({2, 2}));
}

TEST(Jacobian, EmptyInputsAndOutputsGiveEmptyBlocks) {
  auto f = [](const jx::Array& x) { return jnp::concatenate({x, x}); };
  const jx::Array empty = jnp::zeros({0});
  EXPECT_EQ(jx::jacrev(f)(empty).shape(), jx::Shape({0, 0}));
  EXPECT_EQ(jx::jacfwd(f)(empty).shape(), jx::Shape({0, 0}));
  // A function of nothing differentiable-sized: the Jacobian of Σ over an empty input is (0,).
  EXPECT_EQ(jx::jacrev([](const jx::Array& v) { return jnp::sum(v); })(empty).shape(), jx::Shape({0}));
}

}  // namespace
