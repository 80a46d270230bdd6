// jx/numpy/polynomials.h (src/ops/numpy_polynomials.cpp) against NumPy (tests/data/numpy_api_oracle.json,
// family "polynomials"), eagerly, under jit and under vmap; derivatives by finite differences.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/polynomials.h"
#include "jx/numpy/selection.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::binary;
using jx::testing::json;

const jx::testing::OracleOps& polynomial_ops() {
  static const jx::testing::OracleOps ops = {
      {"polyval", binary(jnp::polyval)},
      {"polyadd", binary(jnp::polyadd)},
      {"polysub", binary(jnp::polysub)},
      // Trimming reads the coefficients: eager only when asked for.
      {"polymul",
       {[](const Arrays& a, const json& p) {
          return Arrays{jnp::polymul(a.at(0), a.at(1), {.trim_leading_zeros = p.value("trim", false)})};
        },
        true}},
      {"polydiv", {[](const Arrays& a, const json& p) {
         auto [quotient, remainder] = jnp::polydiv(a.at(0), a.at(1), {.trim_leading_zeros = p.value("trim", false)});
         return Arrays{quotient, remainder};
       }}},
      {"polyder", {[](const Arrays& a, const json& p) { return Arrays{jnp::polyder(a.at(0), p.at("m").get<int>())}; }}},
      {"polyint", {[](const Arrays& a, const json& p) {
         std::optional<Array> k;
         if (p.contains("k")) k = a.at(1);
         return Arrays{jnp::polyint(a.at(0), p.at("m").get<int>(), k)};
       }}},
      {"polyfit", {[](const Arrays& a, const json& p) {
         std::optional<Array> w;
         if (p.contains("w")) w = a.at(2);
         return Arrays{jnp::polyfit(a.at(0), a.at(1), p.at("deg").get<int>(), {.w = w})};
       }}},
      {"poly", {[](const Arrays& a, const json&) { return Arrays{jnp::poly(a.at(0))}; }}},
      // Roots come in LAPACK's order: sorted here (by real part, then imaginary; NaNs last).
      {"roots",
       {[](const Arrays& a, const json& p) {
          return Arrays{jnp::sort_complex(jnp::roots(a.at(0), {.strip_zeros = p.value("strip_zeros", true)}))};
        },
        false}},
  };
  return ops;
}

TEST(NumpyPolynomials, MatchesNumpy) { jx::testing::replay_family("polynomials", polynomial_ops()); }

TEST(NumpyPolynomials, RootsWithoutStrippingTraceUnderJit) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array r = jx::jit([](const Array& p) { return jnp::roots(p, {.strip_zeros = false}); })(
      jnp::array({0.0, 1.0, -3.0, 2.0}, jx::float64));
  const auto values = r.to_vector<std::complex<double>>();
  ASSERT_EQ(values.size(), 3u);
  EXPECT_TRUE(std::isnan(values[2].real()));
  EXPECT_THROW(jx::jit([](const Array& p) { return jnp::roots(p); })(jnp::array({1.0, 2.0}, jx::float64)),
               jx::ConcretizationError);
}

TEST(NumpyPolynomials, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array p = jnp::array({2.0, -3.0, 0.5}, jx::float64);
  const Array x = jnp::array({0.3, -1.1, 2.0}, jx::float64);
  jx::test::check_grads([](const Array& c, const Array& t) { return jnp::polyval(c, t); }, {p, x}, 2);
  jx::test::check_grads(
      [&](const Array& c) {
        return jnp::polydiv(c, jnp::array({1.0, 2.0}, jx::float64)).quotient;
      },
      {p}, 2);
  // d/dx polyval(p, x) = polyval(polyder(p), x).
  const Array slope = jx::grad([&](const Array& t) { return jnp::sum(jnp::polyval(p, t)); })(x);
  EXPECT_TRUE(jnp::allclose(slope, jnp::polyval(jnp::polyder(p), x)).item<bool>());
}

TEST(NumpyPolynomials, RejectsBadArguments) {
  EXPECT_THROW(jnp::polyval(jnp::zeros({2, 2}), Array(1.0f)), jx::ShapeError);
  EXPECT_THROW(jnp::polyder(jnp::zeros({3}), -1), jx::ValueError);
  EXPECT_THROW(jnp::polyint(jnp::zeros({3}), 2, jnp::zeros({3})), jx::ValueError);
  EXPECT_THROW(jnp::polyfit(jnp::zeros({3}), jnp::zeros({4}), 1), jx::ShapeError);
  EXPECT_THROW(jnp::poly(jnp::zeros({2, 3})), jx::ShapeError);
}

}  // namespace
