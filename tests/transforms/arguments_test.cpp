// The scalar boundary (jx/transforms/arguments.h): C++ numbers are traced where the function takes a
// jx::Array, exactly as JAX traces Python numbers, and stay static where it takes a C++ type. Expected
// values are JAX's (jax.grad(jnp.tanh)(2.0) == 0.0706508) or closed forms.
#include "jx/transforms/arguments.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "jx/debug.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/scipy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/custom_derivatives.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"
#include "jx/tree.h"

namespace jnp = jx::numpy;

namespace arguments_test {
struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);
struct Config {
  jx::Array scale;
  int layers;
};
JX_PYTREE(Config, scale, layers);
}  // namespace arguments_test

namespace {

using arguments_test::Config;
using arguments_test::Params;

float value_of(const jx::Array& x) { return x.item<float>(); }

const double kTanhSlopeAt2 = 1 - std::tanh(2.0) * std::tanh(2.0);  // 0.0706508...

jx::Array tanh_of(const jx::Array& x) { return jnp::tanh(x); }

TEST(ScalarBoundary, GradTracesANumberPassedForAnArray) {
  const jx::Array g = jx::grad([](const jx::Array& x) { return jnp::tanh(x); })(2.0);
  EXPECT_NEAR(value_of(g), kTanhSlopeAt2, 1e-7);
  EXPECT_NEAR(value_of(g), 0.0706508, 1e-7);  // JAX: jax.grad(jnp.tanh)(2.0)
  EXPECT_EQ(g.dtype(), jx::DType::float32);
  // A function pointer and jx's own function object, passed by name.
  EXPECT_NEAR(value_of(jx::grad(tanh_of)(2.0)), kTanhSlopeAt2, 1e-7);
  EXPECT_NEAR(value_of(jx::grad(jnp::tanh)(2.0)), kTanhSlopeAt2, 1e-7);
  EXPECT_NEAR(value_of(jx::grad(jnp::tanh)(2.0f)), kTanhSlopeAt2, 1e-7);
  // Second order: d/dx (1 - tanh^2) = -2 tanh (1 - tanh^2).
  EXPECT_NEAR(value_of(jx::grad(jx::grad(jnp::tanh))(2.0)), -2 * std::tanh(2.0) * kTanhSlopeAt2, 1e-6);
  auto [value, slope] = jx::value_and_grad(jnp::sin)(1.0);
  EXPECT_NEAR(value_of(value), std::sin(1.0), 1e-7);
  EXPECT_NEAR(value_of(slope), std::cos(1.0), 1e-7);
}

TEST(ScalarBoundary, GradOfSeveralNumbersAndOfAnIntegerNumber) {
  auto f = [](const jx::Array& x, const jx::Array& y) { return x * x * y; };
  auto [dx, dy] = jx::grad(f, jx::argnums<0, 1>)(3.0, 2.0);
  EXPECT_FLOAT_EQ(value_of(dx), 12.0f);
  EXPECT_FLOAT_EQ(value_of(dy), 9.0f);
  // An int is traced as a weakly typed int32, and grad of an integer input is JAX's TypeError.
  EXPECT_THROW(jx::grad(jnp::sin)(2), jx::TypeError);
}

TEST(ScalarBoundary, VjpJvpAndLinearizeTraceNumbers) {
  auto square = [](const jx::Array& x) { return x * x; };
  auto [out, pullback] = jx::vjp(square, 4.0);
  EXPECT_FLOAT_EQ(value_of(out), 16.0f);
  auto [ct] = pullback(jnp::array(1.0f));
  EXPECT_FLOAT_EQ(value_of(ct), 8.0f);  // 2x, not the 4 a static number would pull back
  auto [primal, tangent] = jx::jvp(jnp::sin, std::tuple{1.0}, std::tuple{1.0});
  EXPECT_NEAR(value_of(primal), std::sin(1.0), 1e-7);
  EXPECT_NEAR(value_of(tangent), std::cos(1.0), 1e-7);
  auto [y, f_jvp] = jx::linearize(square, 3.0);
  EXPECT_FLOAT_EQ(value_of(y), 9.0f);
  EXPECT_FLOAT_EQ(value_of(f_jvp(jnp::array(1.0f))), 6.0f);
}

// jax.vjp (and grad, value_and_grad through it) makes a Python scalar an array of the default dtype
// first (canonicalize_value): strongly typed. jvp, linearize and jit keep it weak. JAX's autodiff
// cookbook prints jit(f_vjp)(1.) for f = pi * x, vjp at 4., as (Array(3.1415927, dtype=float32),), and
// jax.jvp's docstring prints weak results for f(x) = 3 sin(x) + cos(x / 2) at 2.
TEST(ScalarBoundary, VjpAndGradMakeNumbersStrongJvpKeepsThemWeak) {
  const auto scaled = [](const jx::Array& x) { return jnp::pi * x; };
  auto [out, pullback] = jx::vjp(scaled, 4.0);
  EXPECT_FALSE(out.weak_type());
  const auto [ct] = jx::jit([&](const jx::Array& c) { return pullback(c); })(1.0);
  EXPECT_FALSE(ct.weak_type());
  EXPECT_FLOAT_EQ(value_of(ct), 3.1415927f);
  auto [value, slope] = jx::value_and_grad(scaled)(4.0);
  EXPECT_FALSE(value.weak_type());
  EXPECT_FALSE(slope.weak_type());
  const auto f = [](const jx::Array& x) { return 3.0 * jnp::sin(x) + jnp::cos(x / 2.0); };
  auto [primal, tangent] = jx::jvp(f, std::tuple{2.0}, std::tuple{3.0});
  EXPECT_TRUE(primal.weak_type());
  EXPECT_TRUE(tangent.weak_type());
  EXPECT_NEAR(value_of(primal), 3.2681944, 1e-6);
  EXPECT_NEAR(value_of(tangent), -5.007528, 1e-6);
}

TEST(ScalarBoundary, JitTracesANumberOnceForAllItsValues) {
  const auto f = jx::jit([](const jx::Array& k) { return k * 2 + 1; });
  for (int k = 0; k < 5; ++k) {
    const jx::Array y = f(k);
    EXPECT_EQ(y.item<int>(), 2 * k + 1);
    EXPECT_EQ(y.dtype(), jx::DType::int32);
  }
  EXPECT_EQ(f.trace_count(), 1u);  // JAX: one trace for k = 0..4
  // jx's own function objects too.
  const auto sine = jx::jit(jnp::sin);
  EXPECT_NEAR(value_of(sine(0.5)), std::sin(0.5), 1e-7);
  EXPECT_NEAR(value_of(sine(1.5)), std::sin(1.5), 1e-7);
  EXPECT_EQ(sine.trace_count(), 1u);
}

TEST(ScalarBoundary, CppParametersAndGenericLambdasKeepNumbersStatic) {
  const auto scaled = jx::jit([](const jx::Array& x, int n) { return x * n; });
  const jx::Array x = jnp::arange(3.0f);
  EXPECT_EQ(scaled(x, 3).to_vector<float>(), (std::vector<float>{0, 3, 6}));
  EXPECT_EQ(scaled(x, 4).to_vector<float>(), (std::vector<float>{0, 4, 8}));
  EXPECT_EQ(scaled.trace_count(), 2u);  // n is a C++ int: part of the signature
  const auto generic = jx::jit([](const jx::Array& v, auto n) { return v + n; });
  EXPECT_EQ(generic(x, 1).to_vector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(generic(x, 2).to_vector<float>(), (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(generic.trace_count(), 2u);  // `auto` is not known to be an array: static
}

TEST(ScalarBoundary, WhatTheRulesSeeOfEachKindOfFunction) {
  using jx::detail::array_parameter;
  auto takes_array = [](const jx::Array& x, int n) { return x * n; };
  using TakesArray = decltype(takes_array);
  static_assert(array_parameter<TakesArray, 0, double, int>());
  static_assert(!array_parameter<TakesArray, 1, double, int>());
  auto generic = [](auto x) { return x; };
  static_assert(!array_parameter<decltype(generic), 0, double>());
  static_assert(array_parameter<jnp::power_function, 1, jx::Array, int>());  // power(x, 2): 2 is traced
  static_assert(!array_parameter<jnp::sum_function, 1, jx::Array, int>());   // sum(x, 0): 0 is an axis
  static_assert(array_parameter<decltype(jx::jit(takes_array)), 0, double, int>());
  static_assert(!array_parameter<decltype(jx::jit(takes_array)), 1, double, int>());
  static_assert(array_parameter<decltype(jx::grad(jnp::tanh)), 0, double>());
  // static_argnums naming a jx::Array parameter does not compile (jit asserts this trait).
  static_assert(jx::detail::declares_array_parameter<TakesArray, 0>());
  static_assert(!jx::detail::declares_array_parameter<TakesArray, 1>());
  // grad with respect to an argument that cannot hold an array does not compile.
  static_assert(jx::tree::can_hold_arrays<Params>);
  static_assert(jx::tree::can_hold_arrays<std::vector<std::pair<int, jx::Array>>>);
  static_assert(!jx::tree::can_hold_arrays<std::pair<int, std::string>>);
  static_assert(!jx::tree::can_hold_arrays<std::array<jx::Array, 0>>);
  SUCCEED();
}

TEST(ScalarBoundary, TransformationsOfTransformationsTraceNumbers) {
  // grad of a jitted function, and jit of a gradient, called with a number.
  const auto jitted_tanh = jx::jit(jnp::tanh);
  EXPECT_NEAR(value_of(jx::grad(jitted_tanh)(2.0)), kTanhSlopeAt2, 1e-7);
  const auto jitted_grad = jx::jit(jx::grad(jnp::tanh));
  EXPECT_NEAR(value_of(jitted_grad(2.0)), kTanhSlopeAt2, 1e-7);
  EXPECT_NEAR(value_of(jitted_grad(0.0)), 1.0, 1e-7);
  EXPECT_EQ(jitted_grad.trace_count(), 1u);
  // A custom_jvp function takes arrays.
  const auto log1pexp = jx::custom_jvp([](const jx::Array& x) { return jnp::log1p(jnp::exp(x)); },
                                       [](const std::tuple<jx::Array>& p, const std::tuple<jx::Array>& t) {
                                         return jx::nn::sigmoid(std::get<0>(p)) * std::get<0>(t);
                                       });
  EXPECT_NEAR(value_of(jx::grad(log1pexp)(0.0)), 0.5, 1e-7);
  EXPECT_NEAR(value_of(jx::grad(log1pexp)(100.0)), 1.0, 1e-7);
}

TEST(ScalarBoundary, MakeJaxprOfANumberHasAnInput) {
  const jx::Program program = jx::make_jaxpr(jnp::log2)(3.0);
  EXPECT_EQ(program.inputs.size(), 1u);  // JAX: { lambda ; a:f32[]. let ... }
  EXPECT_NE(program.to_string().find("a:f32[]"), std::string::npos) << program;
}

TEST(ScalarBoundary, LoopCarriesGivenAsNumbersAreWeakArrays) {
  const jx::Array total = jx::lax::fori_loop(
      0, 10, [](const jx::Array& i, const jx::Array& acc) { return acc + i; }, 0);
  EXPECT_EQ(total.item<int>(), 45);
  EXPECT_EQ(total.dtype(), jx::DType::int32);
  // With static bounds JAX scans over (lower, init) with lower a Python int (fori_loop in
  // jax/_src/lax/control_flow/loops.py), so the index is weak too and the sum stays weak.
  EXPECT_TRUE(total.weak_type());
  const jx::Array halved = jx::lax::fori_loop(
      0, 3, [](const jx::Array&, const jx::Array& v) { return v / 2; }, 8.0);
  EXPECT_FLOAT_EQ(value_of(halved), 1.0f);
  const jx::Array doubled =
      jx::lax::while_loop([](const jx::Array& v) { return v < 100; }, [](const jx::Array& v) { return v * 2; }, 1);
  EXPECT_EQ(doubled.item<int>(), 128);
  auto [carry, ys] = jx::lax::scan(
      [](const jx::Array& c, const jx::Array& x) {
        return std::pair{c + x, c};
      },
      0.0f, jnp::arange(4.0f));
  EXPECT_FLOAT_EQ(value_of(carry), 6.0f);
  EXPECT_EQ(ys.to_vector<float>(), (std::vector<float>{0, 0, 1, 3}));
  const jx::Array chosen = jx::lax::cond(
      jnp::array(true), [](const jx::Array& v) { return v + 1; }, [](const jx::Array& v) { return v - 1; }, 5);
  EXPECT_EQ(chosen.item<int>(), 6);
  // And under jit with a traced bound, and differentiated through a static-bound loop.
  const auto powers = jx::jit([](const jx::Array& n) {
    return jx::lax::fori_loop(
        jnp::array(0), n, [](const jx::Array&, const jx::Array& v) { return v * 2; }, 1);
  });
  EXPECT_EQ(powers(5).item<int>(), 32);
  const auto cube = [](const jx::Array& x) {
    return jx::lax::fori_loop(
        0, 2, [&](const jx::Array&, const jx::Array& v) { return v * x; }, x);
  };
  EXPECT_FLOAT_EQ(value_of(jx::grad(cube)(2.0)), 12.0f);  // d/dx x^3 = 3x^2
}

TEST(ScalarBoundary, TreeMapTakesNumbersInContainers) {
  const std::vector<jx::Array> doubled =
      jx::tree::map([](const jx::Array& x) { return x * 2; }, std::vector<int>{1, 2, 3});
  ASSERT_EQ(doubled.size(), 3u);
  EXPECT_EQ(doubled[2].item<int>(), 6);
  EXPECT_TRUE(doubled[0].weak_type());
  const auto sums = jx::tree::map([](const jx::Array& a, const jx::Array& b) { return a + b; },
                                  std::pair{1.5, jnp::array(2.0f)}, std::pair{0.5, jnp::array(1.0f)});
  static_assert(std::is_same_v<decltype(sums), const std::pair<jx::Array, jx::Array>>);
  EXPECT_FLOAT_EQ(value_of(sums.first), 2.0f);
  EXPECT_FLOAT_EQ(value_of(sums.second), 3.0f);
  // A registered struct's number is a field of C++ type: it stays static.
  const Config scaled = jx::tree::map([](const jx::Array& x) { return x * 3; }, Config{jnp::array(2.0f), 4});
  EXPECT_FLOAT_EQ(value_of(scaled.scale), 6.0f);
  EXPECT_EQ(scaled.layers, 4);
  // Arrays only: the tree is returned with the same type, as before.
  const Params p{jnp::array(1.0f), jnp::array(2.0f)};
  const Params q = jx::tree::map([](const jx::Array& x) { return -x; }, p);
  EXPECT_FLOAT_EQ(value_of(q.bias), -2.0f);
}

TEST(ScalarBoundary, VmapAxesAsOneIntOrAsPytreePrefixes) {
  const jx::Array a = jnp::reshape(jnp::arange(6.0f), {2, 3});
  const jx::Array b = jnp::reshape(jnp::arange(6.0f, 12.0f), {2, 3});
  // One int for all arguments: columns of both.
  const jx::Array dots = jx::vmap(jnp::dot, {.in_axes = 1})(a, b);
  EXPECT_EQ(dots.to_vector<float>(), (std::vector<float>{0 * 6 + 3 * 9, 1 * 7 + 4 * 10, 2 * 8 + 5 * 11}));
  // A prefix for a pair argument: its first element mapped along 0, its second shared.
  const auto scale_rows = [](const std::pair<jx::Array, jx::Array>& p, const jx::Array& offset) {
    return p.first * p.second + offset;
  };
  const jx::Array rows =
      jx::vmap(scale_rows, {.in_axes = {{0, std::nullopt}, std::nullopt}})(std::pair{a, jnp::array(10.0f)}, 1.0f);
  EXPECT_EQ(rows.shape(), (jx::Shape{2, 3}));
  EXPECT_FLOAT_EQ(rows(1, 2).item<float>(), 51.0f);
  // Struct fields by name, and a number broadcast to every example.
  const Params batch{jnp::arange(3.0f), jnp::array(0.5f)};
  const jx::Array affine =
      jx::vmap([](const Params& p, const jx::Array& x) { return p.weight * x + p.bias; },
               {.in_axes = {jx::AxisSpec::fields({{"weight", 0}, {"bias", std::nullopt}}), std::nullopt}})(batch, 2.0);
  EXPECT_EQ(affine.to_vector<float>(), (std::vector<float>{0.5f, 2.5f, 4.5f}));
  // out_axes as a prefix of the output: the first output mapped along 1, the second unmapped.
  const auto both = jx::vmap(
      [](const jx::Array& row) {
        return std::pair{row * 2, jnp::array(7.0f)};
      },
      {.in_axes = 0, .out_axes = {1, std::nullopt}})(a);
  EXPECT_EQ(both.first.shape(), (jx::Shape{3, 2}));
  EXPECT_EQ(both.second.shape(), jx::Shape{});
  // A spec that is not a prefix of the tree says where.
  try {
    jx::vmap(scale_rows, {.in_axes = {{0, 0, 0}, 0}})(std::pair{a, b}, 1.0f);
    ADD_FAILURE() << "expected a ValueError";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(
        std::string(e.what()).find(
            "in_axes[0] (0, 0, 0) is not a prefix of the tree: the spec has 3 entries where the tree has a tuple of 2"),
        std::string::npos)
        << e.what();
  }
}

TEST(ScalarBoundary, JxFunctionsPassByName) {
  const jx::Array x = jnp::array({-1.0f, 0.5f, 2.0f});
  EXPECT_EQ(jx::jit(jx::nn::relu)(x).to_vector<float>(), (std::vector<float>{0.0f, 0.5f, 2.0f}));
  EXPECT_NEAR(jx::grad(jx::scipy::special::erf)(0.0).item<float>(), 2 / std::sqrt(M_PI), 1e-6);
  EXPECT_EQ(jx::vmap(jx::lax::neg)(x).to_vector<float>(), (std::vector<float>{1.0f, -0.5f, -2.0f}));
  // A key per example: vmap(random::normal) draws what each key draws alone.
  const jx::Key keys = jx::random::split(jx::random::PRNGKey(1), 3);
  const jx::Array draws = jx::vmap(jx::random::normal)(keys);
  EXPECT_EQ(draws(2).item<float>(), jx::random::normal(keys[2]).item<float>());
  EXPECT_EQ(jx::tree::map(jnp::negative, std::vector{x})[0].to_vector<float>(), (std::vector<float>{1, -0.5f, -2}));
}

TEST(ScalarBoundary, SplitIntoAStdArray) {
  const jx::Key key = jx::random::PRNGKey(0);
  auto [a, b, c] = jx::random::split<3>(key);
  const jx::Key keys = jx::random::split(key, 3);
  EXPECT_EQ(jx::random::key_data(a).to_vector<std::uint32_t>(),
            jx::random::key_data(keys[0]).to_vector<std::uint32_t>());
  EXPECT_EQ(jx::random::key_data(c).to_vector<std::uint32_t>(),
            jx::random::key_data(keys[2]).to_vector<std::uint32_t>());
  EXPECT_NE(jx::random::key_data(b).to_vector<std::uint32_t>(), jx::random::key_data(a).to_vector<std::uint32_t>());
}

}  // namespace
