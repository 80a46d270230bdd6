// jx/scipy/special_integrals.h (src/ops/scipy_special_integrals.cpp, scipy_special_hypergeometric.cpp)
// against SciPy (tests/data/scipy_oracle.json, family "special_integrals"), eagerly, under jit and under
// vmap; derivatives against closed forms and finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/scipy/special_integrals.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
namespace special = jx::scipy::special;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::binary;
using jx::testing::json;
using jx::testing::unary;

template <class F>
jx::testing::OracleOp pair(F f) {
  return {[f](const Arrays& a, const json&) {
    const auto [first, second] = f(a.at(0));
    return Arrays{first, second};
  }};
}

bool close(const Array& actual, const Array& expected, double rtol, double atol = 0) {
  return jnp::allclose(actual, expected, {.rtol = rtol, .atol = atol}).item<bool>();
}

TEST(ScipySpecialIntegrals, MatchScipy) {
  const jx::testing::OracleOps ops = {
      {"dawsn", unary(special::dawsn)},
      {"expn", binary(special::expn)},
      {"exp1", unary(special::exp1)},
      {"expi", unary(special::expi)},
      {"sici", pair(special::sici)},
      {"fresnel", pair(special::fresnel)},
      {"spence", unary(special::spence)},
      {"owens_t", binary(special::owens_t)},
      {"bessel_jn", {[](const Arrays& a, const json& p) {
         return Arrays{special::bessel_jn(a.at(0), p.at("v").get<int>(), p.value("n_iter", 50))};
       }}},
      {"hyp1f1", {[](const Arrays& a, const json&) { return Arrays{special::hyp1f1(a.at(0), a.at(1), a.at(2))}; }}},
  };
  jx::testing::replay_family("scipy_oracle.json", "special_integrals", ops);
}

TEST(ScipySpecialIntegrals, DerivativesMatchClosedForms) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  auto slope = [](auto f, const Array& at) { return jx::grad([f](const Array& t) { return jnp::sum(f(t)); })(at); };
  const Array x = jnp::array({-3.0, -0.4, 0.7, 2.0, 5.5, 9.0}, jx::float64);
  // JAX's rules: dawsn' = 1 - 2 x dawsn, Si' = sin(x) / x, Ci' = cos(x) / x.
  EXPECT_TRUE(close(slope(special::dawsn, x), 1.0 - 2.0 * x * special::dawsn(x), 1e-13));
  EXPECT_TRUE(close(slope([](const Array& t) { return special::sici(t).first; }, x), jnp::sin(x) / x, 1e-13));
  EXPECT_TRUE(close(slope([](const Array& t) { return special::sici(t).second; }, x), jnp::cos(x) / x, 1e-13));
  // The Fresnel integrands.
  EXPECT_TRUE(close(slope([](const Array& t) { return special::fresnel(t).first; }, x),
                    jnp::sin(x * x * (std::numbers::pi / 2)), 1e-13, 1e-15));
  EXPECT_TRUE(close(slope([](const Array& t) { return special::fresnel(t).second; }, x),
                    jnp::cos(x * x * (std::numbers::pi / 2)), 1e-13, 1e-15));
  // Ei' = e^x / x; E_1' = -e^-x / x; E_n' = -E_(n-1).
  EXPECT_TRUE(close(slope(special::expi, x), jnp::exp(x) / x, 1e-13));
  const Array positive = jnp::array({0.1, 1.0, 2.5, 7.0}, jx::float64);
  EXPECT_TRUE(close(slope(special::exp1, positive), -jnp::exp(-positive) / positive, 1e-13));
  const Array three = jnp::full_like(positive, 3.0);
  EXPECT_TRUE(close(slope([&](const Array& t) { return special::expn(three, t); }, positive),
                    -special::expn(three - 1.0, positive), 1e-13));
  // spence' = log(x) / (1 - x), -1 at x = 1.
  const Array s = jnp::array({0.2, 0.9, 1.0, 1.3, 4.0}, jx::float64);
  const Array spence_slope = jnp::where(s == 1.0, -1.0, jnp::log(s) / (1.0 - jnp::where(s == 1.0, 0.0, s)));
  EXPECT_TRUE(close(slope(special::spence, s), spence_slope, 1e-12));
  // J_0' = -J_1, through the recurrence.
  const Array z = jnp::array({-7.0, 0.3, 2.0, 11.0}, jx::float64);
  const Array j0_slope = slope([](const Array& t) { return special::bessel_jn(t, 1)[0]; }, z);
  EXPECT_TRUE(close(j0_slope, -special::bessel_jn(z, 1)[1], 1e-10, 1e-12));
  // d/dx 1F1(a; b; x) = a / b 1F1(a + 1; b + 1; x), through the series, Kummer's transformation and the
  // asymptotic expansion.
  const Array hx = jnp::array({-8.0, -0.5, 0.5, 6.0, 80.0}, jx::float64);
  const Array da = slope([](const Array& t) { return special::hyp1f1(Array(1.5), Array(2.5), t); }, hx);
  EXPECT_TRUE(close(da, 0.6 * special::hyp1f1(Array(2.5), Array(3.5), hx), 1e-10));
}

TEST(ScipySpecialIntegrals, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  jx::test::check_grads([](const Array& h, const Array& a) { return special::owens_t(h, a); },
                        {jnp::array({0.3, 1.5, -2.0}, jx::float64), jnp::array({0.5, 2.0, -0.7}, jx::float64)}, 1);
  jx::test::check_grads([](const Array& a, const Array& b) { return special::hyp1f1(a, b, Array(1.5)); },
                        {jnp::array({0.5, 2.0}, jx::float64), jnp::array({1.5, 3.0}, jx::float64)}, 1);
  jx::test::check_grads([](const Array& t) { return special::bessel_jn(t, 3); },
                        {jnp::array({0.5, 4.0, -9.0}, jx::float64)}, 1);
}

TEST(ScipySpecialIntegrals, RejectsComplexAndBadOrders) {
  const Array c = jnp::array({1.0, 2.0}) * jx::lax::complex(Array(1.0f), Array(1.0f));
  EXPECT_THROW(special::dawsn(c), jx::DTypeError);
  EXPECT_THROW(special::sici(c), jx::DTypeError);
  EXPECT_THROW(special::owens_t(c, Array(1.0)), jx::DTypeError);
  EXPECT_THROW(special::bessel_jn(Array(1.0), -1), jx::ValueError);
  EXPECT_THROW(special::bessel_jn(Array(1.0), 60, 50), jx::ValueError);
}

TEST(ScipySpecialIntegrals, KeepsFloat32) {
  const Array x = jnp::array({0.5f, 2.0f});
  EXPECT_EQ(special::dawsn(x).dtype(), jx::float32);
  EXPECT_EQ(special::expi(x).dtype(), jx::float32);
  EXPECT_EQ(special::sici(x).second.dtype(), jx::float32);
  EXPECT_EQ(special::hyp1f1(Array(1.0), Array(2.0), x).dtype(), jx::float32);
  EXPECT_EQ(special::bessel_jn(x, 2).shape(), (jx::Shape{3, 2}));
}

}  // namespace
