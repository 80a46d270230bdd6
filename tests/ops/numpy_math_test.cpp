// jx/numpy/math.h (src/ops/numpy_math.cpp) against NumPy's values (tests/data/numpy_api_oracle.json,
// family "math"), eagerly, under jit and under vmap; derivatives by finite differences; bad dtypes.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/math.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::binary;
using jx::testing::json;
using jx::testing::unary;

const jx::testing::OracleOps& math_ops() {
  static const jx::testing::OracleOps ops = {
      {"acos", unary(jnp::acos)},
      {"acosh", unary(jnp::acosh)},
      {"asin", unary(jnp::asin)},
      {"asinh", unary(jnp::asinh)},
      {"atan", unary(jnp::atan)},
      {"atanh", unary(jnp::atanh)},
      {"atan2", binary(jnp::atan2)},
      {"pow", binary(jnp::pow)},
      {"bitwise_invert", unary(jnp::bitwise_invert)},
      {"bitwise_not", unary(jnp::bitwise_not)},
      {"bitwise_left_shift", binary(jnp::bitwise_left_shift)},
      {"bitwise_right_shift", binary(jnp::bitwise_right_shift)},
      {"concat", {[](const Arrays& a, const json& p) { return Arrays{jnp::concat(a, p.at("axis").get<int>())}; }}},
      {"permute_dims", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::permute_dims(a.at(0), p.at("axes").get<std::vector<int>>())};
       }}},
      {"around",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::around(a.at(0), p.at("decimals").get<int>())}; }}},
      {"degrees", unary(jnp::degrees)},
      {"rad2deg", unary(jnp::rad2deg)},
      {"radians", unary(jnp::radians)},
      {"deg2rad", unary(jnp::deg2rad)},
      {"fabs", unary(jnp::fabs)},
      {"rint", unary(jnp::rint)},
      {"trunc", unary(jnp::trunc)},
      {"signbit", unary(jnp::signbit)},
      {"isposinf", unary(jnp::isposinf)},
      {"isneginf", unary(jnp::isneginf)},
      {"copysign", binary(jnp::copysign)},
      {"nextafter", binary(jnp::nextafter)},
      {"spacing", unary(jnp::spacing)},
      {"frexp", {[](const Arrays& a, const json&) {
         auto [mantissa, exponent] = jnp::frexp(a.at(0));
         return Arrays{mantissa, exponent};
       }}},
      {"ldexp", binary(jnp::ldexp)},
      {"modf", {[](const Arrays& a, const json&) {
         auto [fractional, integral] = jnp::modf(a.at(0));
         return Arrays{fractional, integral};
       }}},
      {"divmod", {[](const Arrays& a, const json&) {
         auto [quotient, remainder] = jnp::divmod(a.at(0), a.at(1));
         return Arrays{quotient, remainder};
       }}},
      {"float_power", binary(jnp::float_power)},
      {"fmax", binary(jnp::fmax)},
      {"fmin", binary(jnp::fmin)},
      {"hypot", binary(jnp::hypot)},
      {"logaddexp2", binary(jnp::logaddexp2)},
      {"heaviside", binary(jnp::heaviside)},
      {"sinc", unary(jnp::sinc)},
      {"i0", unary(jnp::i0)},
      {"gcd", binary(jnp::gcd)},
      {"lcm", binary(jnp::lcm)},
      {"bitwise_count", unary(jnp::bitwise_count)},
      {"array_equiv", binary(jnp::array_equiv)},
      {"packbits", {[](const Arrays& a, const json& p) {
         std::optional<int> axis;
         if (!p.at("axis").is_null()) axis = p.at("axis").get<int>();
         const std::string order = p.at("bitorder");
         return Arrays{jnp::packbits(a.at(0), {.axis = axis, .bitorder = order})};
       }}},
      {"unpackbits", {[](const Arrays& a, const json& p) {
         std::optional<int> axis;
         if (!p.at("axis").is_null()) axis = p.at("axis").get<int>();
         std::optional<std::int64_t> count;
         if (!p.at("count").is_null()) count = p.at("count").get<std::int64_t>();
         const std::string order = p.at("bitorder");
         return Arrays{jnp::unpackbits(a.at(0), {.axis = axis, .count = count, .bitorder = order})};
       }}},
      {"nan_to_num", {[](const Arrays& a, const json& p) {
         if (!p.contains("nan")) return Arrays{jnp::nan_to_num(a.at(0))};
         return Arrays{jnp::nan_to_num(
             a.at(0),
             {.nan = p.at("nan"), .posinf = p.at("posinf").get<double>(), .neginf = p.at("neginf").get<double>()})};
       }}},
  };
  return ops;
}

TEST(NumpyMath, MatchesNumpy) { jx::testing::replay_family("math", math_ops()); }

Array f64(const std::vector<double>& values) { return jnp::array(values, jx::float64); }

TEST(NumpyMath, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  jx::test::check_grads([](const Array& x) { return jnp::sinc(x); }, {f64({-1.3, 0.4, 2.2})}, 2);
  jx::test::check_grads([](const Array& x) { return jnp::i0(x); }, {f64({-3.0, 0.5, 11.0, 25.0})}, 2);
  jx::test::check_grads([](const Array& x, const Array& y) { return jnp::hypot(x, y); },
                        {f64({3.0, -1.0}), f64({4.0, 0.5})}, 2);
  jx::test::check_grads([](const Array& x, const Array& y) { return jnp::logaddexp2(x, y); },
                        {f64({0.3, -2.0}), f64({1.0, 4.0})}, 2);
  // d/dx sinc at 0 is 0, and the second derivative is -pi^2 / 3.
  auto first = jx::grad([](const Array& x) { return jnp::sinc(x); });
  EXPECT_NEAR(first(Array(0.0)).item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(jx::grad(first)(Array(0.0)).item<double>(), -M_PI * M_PI / 3, 1e-9);
  // i0' = i1: i1(1) = 0.5651591039924851 (Abramowitz and Stegun, table 9.8).
  EXPECT_NEAR(jx::grad([](const Array& x) { return jnp::i0(x); })(Array(1.0)).item<double>(), 0.5651591039924851,
              1e-14);
}

TEST(NumpyMath, FrexpAndLdexpRoundTrip) {
  const Array x = jnp::array({3.0f, -0.15625f, 1e-30f, 6e37f});
  auto [mantissa, exponent] = jnp::frexp(x);
  EXPECT_EQ(jnp::ldexp(mantissa, exponent).to_vector<float>(), x.to_vector<float>());
  // 2^-100 * 2^227 is finite although 2^227 is not a float32.
  EXPECT_EQ(jnp::ldexp(jnp::array({0x1p-100f}), jnp::array({227})).item<float>(), 0x1p127f);
}

TEST(NumpyMath, RejectsWrongDtypes) {
  EXPECT_THROW(jnp::gcd(jnp::array({1.5f}), jnp::array({2.0f})), jx::DTypeError);
  EXPECT_THROW(jnp::ldexp(jnp::array({1.0f}), jnp::array({2.0f})), jx::DTypeError);
  EXPECT_THROW(jnp::copysign(jnp::array({std::complex<float>(1, 1)}), Array(1.0f)), jx::DTypeError);
  EXPECT_THROW(jnp::hypot(jnp::array({1.0f, 2.0f}), jnp::array({1.0f, 2.0f, 3.0f})), jx::ShapeError);
  EXPECT_TRUE(jnp::isscalar(Array(1.0f)));
  EXPECT_FALSE(jnp::isscalar(jnp::array({1.0f})));
}

}  // namespace
