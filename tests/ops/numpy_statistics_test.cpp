// jx/numpy/statistics.h's order statistics, averages, covariance and NaN-ignoring reductions
// (src/ops/numpy_statistics.cpp) against NumPy (tests/data/numpy_api_oracle.json, family "statistics"),
// eagerly, under jit and under vmap; derivatives by finite differences; bad arguments.
#include <gtest/gtest.h>

#include <optional>
#include <string>
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
using jx::testing::OracleOp;

std::optional<jx::Axes> axes_of(const json& p) {
  if (!p.contains("axis") || p.at("axis").is_null()) return std::nullopt;
  if (p.at("axis").is_number()) return jx::Axes(p.at("axis").get<int>());
  const auto axes = p.at("axis").get<std::vector<int>>();
  return jx::Axes(std::span<const int>(axes));
}
std::optional<int> axis_of(const json& p) {
  if (!p.contains("axis") || p.at("axis").is_null()) return std::nullopt;
  return p.at("axis").get<int>();
}
jnp::ReduceOptions reduce_of(const json& p) {
  return {.axis = axes_of(p), .keepdims = p.value("keepdims", false), .ddof = p.value("ddof", 0)};
}

template <class F>
OracleOp quantile_op(F f) {
  return {[f](const Arrays& a, const json& p) {
    const std::string method = p.at("method");
    return Arrays{f(a.at(0), a.at(1), {.axis = axes_of(p), .method = method, .keepdims = p.value("keepdims", false)})};
  }};
}
template <class F>
OracleOp median_op(F f) {
  return {[f](const Arrays& a, const json& p) {
    return Arrays{f(a.at(0), {.axis = axes_of(p), .keepdims = p.value("keepdims", false)})};
  }};
}
template <class F>
OracleOp reduce_op(F f) {
  return {[f](const Arrays& a, const json& p) { return Arrays{f(a.at(0), reduce_of(p))}; }};
}

const jx::testing::OracleOps& statistics_ops() {
  static const jx::testing::OracleOps ops = {
      {"quantile", quantile_op(jnp::quantile)},
      {"percentile", quantile_op(jnp::percentile)},
      {"nanquantile", quantile_op(jnp::nanquantile)},
      {"nanpercentile", quantile_op(jnp::nanpercentile)},
      {"median", median_op(jnp::median)},
      {"nanmedian", median_op(jnp::nanmedian)},
      {"average", {[](const Arrays& a, const json& p) {
         std::optional<Array> weights;
         if (a.size() > 1) weights = a[1];
         return Arrays{jnp::average(a.at(0), {.axis = axes_of(p), .weights = weights})};
       }}},
      {"ptp", reduce_op(jnp::ptp)},
      {"count_nonzero", reduce_op(jnp::count_nonzero)},
      {"cov", {[](const Arrays& a, const json& p) {
         jnp::CovOptions options{.rowvar = p.value("rowvar", true), .bias = p.value("bias", false)};
         if (p.contains("ddof")) options.ddof = p.at("ddof").get<int>();
         if (p.contains("y")) options.y = a.at(1);
         if (p.contains("weights")) {
           options.fweights = a.at(1);
           options.aweights = a.at(2);
         }
         return Arrays{jnp::cov(a.at(0), options)};
       }}},
      {"corrcoef", {[](const Arrays& a, const json& p) {
         std::optional<Array> y;
         if (p.contains("y")) y = a.at(1);
         return Arrays{jnp::corrcoef(a.at(0), y, p.value("rowvar", true))};
       }}},
      {"nansum", reduce_op(jnp::nansum)},
      {"nanprod", reduce_op(jnp::nanprod)},
      {"nanmax", reduce_op(jnp::nanmax)},
      {"nanmin", reduce_op(jnp::nanmin)},
      {"nanmean", reduce_op(jnp::nanmean)},
      {"nanvar", reduce_op(jnp::nanvar)},
      {"nanstd", reduce_op(jnp::nanstd)},
      {"nanargmax",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::nanargmax(a.at(0), {.axis = axis_of(p)})}; }}},
      {"nanargmin",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::nanargmin(a.at(0), {.axis = axis_of(p)})}; }}},
      {"nancumsum",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::nancumsum(a.at(0), {.axis = axis_of(p)})}; }}},
      {"nancumprod",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::nancumprod(a.at(0), {.axis = axis_of(p)})}; }}},
      {"cumulative_sum", {[](const Arrays& a, const json& p) {
         return Arrays{
             jnp::cumulative_sum(a.at(0), {.axis = axis_of(p), .include_initial = p.value("include_initial", false)})};
       }}},
      {"cumulative_prod", {[](const Arrays& a, const json& p) {
         std::optional<jx::DType> dtype;
         if (p.contains("dtype")) dtype = jx::testing::case_dtype(p.at("dtype"));
         return Arrays{jnp::cumulative_prod(
             a.at(0), {.axis = axis_of(p), .dtype = dtype, .include_initial = p.value("include_initial", false)})};
       }}},
  };
  return ops;
}

TEST(NumpyStatistics, MatchesNumpy) { jx::testing::replay_family("statistics", statistics_ops()); }

Array f64(const std::vector<double>& values, const jx::Shape& shape) { return jnp::array(values, shape, jx::float64); }

TEST(NumpyStatistics, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array x = f64({0.3, -1.2, 2.5, 0.7, 1.9, -0.4}, {2, 3});
  jx::test::check_grads([](const Array& v) { return jnp::median(v, {.axis = 1}); }, {x}, 1);
  jx::test::check_grads([](const Array& v) { return jnp::quantile(v, Array(0.3)); }, {x}, 1);
  jx::test::check_grads([](const Array& v) { return jnp::nanvar(v, {.axis = 0}); }, {x}, 2);
  jx::test::check_grads([](const Array& v) { return jnp::cov(v); }, {x}, 2);
  jx::test::check_grads([](const Array& v) { return jnp::corrcoef(v); }, {x}, 1);
  // The gradient of nansum skips the NaN entries.
  const Array with_nan = f64({1.0, NAN, 3.0}, {3});
  EXPECT_EQ(jx::grad([](const Array& v) { return jnp::nansum(v); })(with_nan).to_vector<double>(),
            (std::vector<double>{1.0, 0.0, 1.0}));
}

TEST(NumpyStatistics, RejectsBadArguments) {
  const Array x = jnp::zeros({2, 3});
  EXPECT_THROW(jnp::quantile(x, Array(0.5f), {.method = "cubic"}), jx::ValueError);
  EXPECT_THROW(jnp::quantile(x, Array(0.5f), {.axis = 2}), jx::ShapeError);
  EXPECT_THROW(jnp::median(jnp::zeros({0})), jx::ValueError);
  EXPECT_THROW(jnp::average(x, {.axis = 0, .weights = jnp::ones({3})}), jx::ShapeError);
  EXPECT_THROW(jnp::cov(jnp::zeros({2, 2, 2})), jx::ShapeError);
  EXPECT_THROW(jnp::cumulative_sum(x), jx::ValueError);
  EXPECT_THROW(jnp::cumulative_sum(Array(1.0f)), jx::ShapeError);
}

}  // namespace
