// jx/numpy/statistics.h's differences, integrals and interpolation (src/ops/numpy_differences.cpp)
// against NumPy (tests/data/numpy_api_oracle.json, family "differences"), eagerly, under jit and under
// vmap; derivatives by finite differences.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/statistics.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;

const jx::testing::OracleOps& difference_ops() {
  static const jx::testing::OracleOps ops = {
      {"diff", {[](const Arrays& a, const json& p) {
         jnp::DiffOptions options{.axis = p.at("axis").get<int>()};
         if (p.contains("prepend")) options.prepend = a.at(1);
         if (p.contains("append")) options.append = a.at(2);
         return Arrays{jnp::diff(a.at(0), p.at("n").get<int>(), options)};
       }}},
      {"ediff1d", {[](const Arrays& a, const json& p) {
         if (p.contains("to_end")) return Arrays{jnp::ediff1d(a.at(0), a.at(1), a.at(2))};
         return Arrays{jnp::ediff1d(a.at(0))};
       }}},
      {"gradient", {[](const Arrays& a, const json& p) {
         jnp::GradientOptions options;
         for (int i = 0; i < p.value("spacing", 0); ++i)
           options.spacing.push_back(a.at(static_cast<std::size_t>(i) + 1));
         if (p.contains("axis")) options.axis = jx::Axes(p.at("axis").get<int>());
         return jnp::gradient(a.at(0), options);
       }}},
      {"trapezoid", {[](const Arrays& a, const json& p) {
         std::optional<Array> x;
         if (p.contains("x")) x = a.at(1);
         return Arrays{jnp::trapezoid(a.at(0), x, p.value("dx", 1.0), p.value("axis", -1))};
       }}},
      {"interp", {[](const Arrays& a, const json& p) {
         jnp::InterpOptions options;
         if (p.contains("left")) options.left = a.at(3);
         if (p.contains("right")) options.right = a.at(4);
         if (p.contains("period")) options.period = p.at("period").get<double>();
         return Arrays{jnp::interp(a.at(0), a.at(1), a.at(2), options)};
       }}},
      {"unwrap", {[](const Arrays& a, const json& p) {
         jnp::UnwrapOptions options{.axis = p.value("axis", -1), .period = p.value("period", 6.283185307179586)};
         if (p.contains("discont")) options.discont = p.at("discont").get<double>();
         return Arrays{jnp::unwrap(a.at(0), options)};
       }}},
  };
  return ops;
}

TEST(NumpyDifferences, MatchesNumpy) { jx::testing::replay_family("differences", difference_ops()); }

TEST(NumpyDifferences, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array y = jnp::array({0.5, 1.5, -0.25, 2.0}, jx::float64);
  const Array x = jnp::array({0.0, 0.3, 1.0, 1.2}, jx::float64);
  jx::test::check_grads([&](const Array& v) { return jnp::trapezoid(v, x); }, {y}, 2);
  jx::test::check_grads([&](const Array& v) { return jnp::gradient(v, {.spacing = {x}})[0]; }, {y}, 2);
  jx::test::check_grads(
      [&](const Array& fp) {
        return jnp::interp(jnp::array({0.1, 0.9}, jx::float64), x, fp);
      },
      {y}, 2);
}

TEST(NumpyDifferences, RejectsBadArguments) {
  EXPECT_THROW(jnp::diff(jnp::zeros({3}), -1), jx::ValueError);
  EXPECT_THROW(jnp::diff(Array(1.0f)), jx::ShapeError);
  EXPECT_THROW(jnp::gradient(jnp::zeros({1})), jx::ValueError);
  EXPECT_THROW(jnp::gradient(jnp::zeros({3}), {.spacing = {jnp::zeros({2})}}), jx::ShapeError);
  EXPECT_THROW(jnp::interp(jnp::zeros({2}), jnp::zeros({3}), jnp::zeros({2})), jx::ShapeError);
  EXPECT_THROW(jnp::trapezoid(jnp::zeros({3}), jnp::zeros({2})), jx::ShapeError);
}

}  // namespace
