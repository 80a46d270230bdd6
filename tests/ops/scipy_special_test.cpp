// jx::scipy::special (src/ops/scipy_special.cpp) against the C library in long double (erfc, lgamma,
// tgamma), closed forms (digamma at 1 and 1/2, its recurrence and reflection, factorials and
// binomials), and finite differences for the derivatives, including JAX's custom ones.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "jx/core/config.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"

namespace {

namespace jnp = jx::numpy;
namespace special = jx::scipy::special;
using jx::Array;

constexpr double kInf = std::numeric_limits<double>::infinity();

Array f64(const std::vector<double>& values) { return jnp::array(values, jx::float64); }

TEST(ScipySpecial, EntropyFunctionsFollowTheZeroLogZeroConvention) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  EXPECT_EQ(special::xlogy(f64({0.0, 0.0, 2.0}), f64({0.0, 3.0, 3.0})).to_vector<double>(),
            (std::vector<double>{0.0, 0.0, 2.0 * std::log(3.0)}));
  EXPECT_EQ(special::xlog1py(f64({0.0, 2.0}), f64({-1.0, 0.5})).to_vector<double>(),
            (std::vector<double>{0.0, 2.0 * std::log1p(0.5)}));
  EXPECT_EQ(special::entr(f64({-1.0, 0.0, 0.5})).to_vector<double>(),
            (std::vector<double>{-kInf, 0.0, -0.5 * std::log(0.5)}));
  const auto rel =
      special::rel_entr(f64({0.2, 0.0, 0.0, -1.0, 0.3}), f64({0.5, 0.4, -0.1, 0.5, 0.0})).to_vector<double>();
  EXPECT_NEAR(rel[0], 0.2 * std::log(0.2 / 0.5), 1e-16);
  EXPECT_EQ(rel[1], 0.0);
  EXPECT_EQ(rel[2], kInf);
  EXPECT_EQ(rel[3], kInf);
  EXPECT_EQ(rel[4], kInf);
  const auto kl = special::kl_div(f64({0.2, 0.0}), f64({0.5, 0.4})).to_vector<double>();
  EXPECT_NEAR(kl[0], 0.2 * std::log(0.2 / 0.5) - 0.2 + 0.5, 1e-16);
  EXPECT_EQ(kl[1], 0.4);
  // JAX's derivatives of xlogy: d/dx = log y, d/dy = x / y.
  jx::test::check_grads([](const Array& x, const Array& y) { return special::xlogy(x, y); },
                        {f64({0.5, 2.0}), f64({1.5, 0.25})}, 2);
  jx::test::check_grads([](const Array& x, const Array& y) { return special::xlog1py(x, y); },
                        {f64({0.5, 2.0}), f64({1.5, -0.25})}, 2);
  jx::test::check_grads([](const Array& p, const Array& q) { return special::kl_div(p, q); },
                        {f64({0.5, 2.0}), f64({1.5, 0.25})}, 1);
}

long double ndtr_reference(long double x) { return 0.5L * std::erfc(-x / std::sqrt(2.0L)); }
// log ndtr(x), through the upper tail's complement where ndtr is within an ulp of 1.
long double log_ndtr_reference(long double x) {
  return x > 0 ? std::log1p(-0.5L * std::erfc(x / std::sqrt(2.0L))) : std::log(ndtr_reference(x));
}

TEST(ScipySpecial, NormalCdfAndItsLogarithmInBothTails) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const std::vector<double> xs = {-37.0, -25.0, -20.5, -12.0, -3.0, -0.5, 0.0, 0.7, 4.0, 7.5, 9.0, 30.0};
  const auto cdf = special::ndtr(f64(xs)).to_vector<double>();
  const auto log_cdf = special::log_ndtr(f64(xs)).to_vector<double>();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const long double want = ndtr_reference(xs[i]);
    // erfc far in the tail is good to a few hundred ulps.
    EXPECT_NEAR(cdf[i], static_cast<double>(want), 1e-12 * static_cast<double>(want)) << xs[i];
    const double log_want = static_cast<double>(log_ndtr_reference(xs[i]));
    // The lower-tail series (below -20) has an error of order 105 / x^8 (its next term); between 0 and
    // 8, log(ndtr) of a number rounded near 1 is good to ~1e-16 absolutely, as in JAX.
    const double relative = xs[i] < -20 ? 105 / std::pow(xs[i], 8) + 1e-15 : 1e-12;
    const double absolute = xs[i] > 0 && xs[i] <= 8 ? 2e-16 : 0.0;
    EXPECT_NEAR(log_cdf[i], log_want, relative * std::fabs(log_want) + absolute) << xs[i];
  }
  // The derivative phi(x) / Phi(x), finite where Phi underflows in double (x = -40 gives ~40).
  const std::vector<double> points = {-40.0, -10.0, -1.0, 2.0};
  const auto slope =
      jx::grad([](const Array& v) { return jnp::sum(special::log_ndtr(v)); })(f64(points)).to_vector<double>();
  for (std::size_t i = 0; i < points.size(); ++i) {
    const long double x = points[i];
    const long double want = std::exp(-x * x / 2) / std::sqrt(2 * std::numbers::pi_v<long double>) / ndtr_reference(x);
    EXPECT_NEAR(slope[i], static_cast<double>(want), 1e-9 * static_cast<double>(want)) << points[i];
  }
  // float32 switches to the series at -10.
  EXPECT_NEAR(special::log_ndtr(jnp::array({-15.0f})).to_vector<float>()[0],
              static_cast<float>(std::log(ndtr_reference(-15.0L))), 1e-4f);
}

TEST(ScipySpecial, DigammaMatchesItsIdentities) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  constexpr double kEuler = 0.57721566490153286061;
  const auto at = [](double x) { return special::digamma(f64({x})).to_vector<double>()[0]; };
  EXPECT_NEAR(at(1.0), -kEuler, 1e-15);
  EXPECT_NEAR(at(0.5), -kEuler - 2 * std::log(2.0), 1e-15);
  // psi(x + 1) = psi(x) + 1 / x, across the reflection point and for negative x.
  for (double x : {-3.7, -1.5, -0.5, 0.2, 0.49, 0.51, 2.3, 11.0, 250.0}) {
    EXPECT_NEAR(at(x + 1), at(x) + 1 / x, 1e-12 * (1 + std::fabs(at(x)))) << x;
  }
  // psi = d/dx log Gamma, by central differences of the C library's lgamma.
  for (double x : {0.1, 0.8, 3.5, 40.0}) {
    const double h = 1e-5 * x;
    EXPECT_NEAR(at(x), (std::lgamma(x + h) - std::lgamma(x - h)) / (2 * h), 1e-8 * (1 + std::fabs(at(x)))) << x;
  }
  // And so it is lgamma's derivative: gammaln differentiates to second order.
  jx::test::check_grads([](const Array& v) { return special::gammaln(v); }, {f64({0.3, 2.5, 17.0, -1.5})}, 2);
  const auto poles = special::digamma(f64({0.0, -1.0, -4.0})).to_vector<double>();
  for (double p : poles) EXPECT_TRUE(std::isnan(p));
}

TEST(ScipySpecial, GammaBetaAndCombinatorics) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const std::vector<double> xs = {-2.5, -0.5, 0.3, 1.0, 4.5, 12.0};
  const auto g = special::gamma(f64(xs)).to_vector<double>();
  const auto sign = special::gammasgn(f64(xs)).to_vector<double>();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_NEAR(g[i], std::tgamma(xs[i]), 1e-13 * std::fabs(std::tgamma(xs[i]))) << xs[i];
    EXPECT_EQ(sign[i], std::tgamma(xs[i]) < 0 ? -1.0 : 1.0) << xs[i];
  }
  EXPECT_TRUE(std::isnan(special::gammasgn(f64({-3.0})).item<double>()));
  EXPECT_EQ(special::gammasgn(f64({-0.0})).item<double>(), -1.0);
  EXPECT_TRUE(std::isnan(special::loggamma(f64({-1.5})).item<double>()));
  EXPECT_NEAR(special::loggamma(f64({7.5})).item<double>(), std::lgamma(7.5), 1e-13);
  // betaln against log Gamma sums in long double, for small and for large arguments (where the direct
  // sum cancels in double).
  for (auto [a, b] :
       std::vector<std::pair<double, double>>{{0.5, 3.0}, {2.0, 7.5}, {3.0, 9.0}, {3.0, 1e6}, {1e5, 2e5}}) {
    const long double want = std::lgamma(static_cast<long double>(a)) + std::lgamma(static_cast<long double>(b)) -
                             std::lgamma(static_cast<long double>(a) + b);
    const double got = special::betaln(f64({a}), f64({b})).item<double>();
    EXPECT_NEAR(got, static_cast<double>(want), 1e-12 * std::fabs(static_cast<double>(want)) + 1e-13) << a << ", " << b;
    EXPECT_NEAR(special::betaln(f64({b}), f64({a})).item<double>(), got, 1e-15 * std::fabs(got));  // symmetric
  }
  EXPECT_NEAR(special::beta(f64({2.0}), f64({3.0})).item<double>(), 1.0 / 12, 1e-15);
  EXPECT_NEAR(special::factorial(f64({5.0})).item<double>(), 120.0, 1e-11);
  EXPECT_EQ(special::factorial(f64({-1.0})).item<double>(), 0.0);
  EXPECT_THROW(special::factorial(f64({3.0}), true), jx::ValueError);
  EXPECT_NEAR(special::comb(f64({10.0}), f64({3.0})).item<double>(), 120.0, 1e-10);
  EXPECT_EQ(special::comb(f64({5.0}), f64({7.0})).item<double>(), 0.0);
  EXPECT_NEAR(special::comb(f64({3.0}), f64({2.0}), {.repetition = true}).item<double>(), 6.0, 1e-12);
  EXPECT_NEAR(special::poch(f64({3.0}), f64({2.0})).item<double>(), 12.0, 1e-12);
  const double a = 4.2;
  EXPECT_NEAR(special::multigammaln(f64({a}), 3).item<double>(),
              std::lgamma(a) + std::lgamma(a - 0.5) + std::lgamma(a - 1) + 1.5 * std::log(std::numbers::pi), 1e-13);
  jx::test::check_grads([](const Array& p, const Array& q) { return special::betaln(p, q); },
                        {f64({0.7, 3.0}), f64({2.5, 20.0})}, 1);
}

TEST(ScipySpecial, BoxCoxAndSoftmax) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const auto box = special::boxcox(f64({2.0, 2.0}), f64({0.0, 0.5})).to_vector<double>();
  EXPECT_NEAR(box[0], std::log(2.0), 1e-16);
  EXPECT_NEAR(box[1], (std::sqrt(2.0) - 1) / 0.5, 1e-15);
  EXPECT_NEAR(special::boxcox1p(f64({1.0}), f64({2.0})).item<double>(), (4.0 - 1) / 2, 1e-15);
  // scipy.special.softmax normalizes over all axes unless told otherwise.
  const Array x = jnp::reshape(f64({1, 2, 3, 4, 5, 6}), {2, 3});
  EXPECT_NEAR(jnp::sum(special::softmax(x)).item<double>(), 1.0, 1e-15);
  const auto rows = special::softmax(x, {.axis = 1}).to_vector<double>();
  EXPECT_NEAR(rows[0] + rows[1] + rows[2], 1.0, 1e-15);
  EXPECT_NEAR(rows[2] / rows[1], std::exp(1.0), 1e-13);
  const auto logs = special::log_softmax(x).to_vector<double>();
  const auto plain = special::softmax(x).to_vector<double>();
  for (std::size_t i = 0; i < logs.size(); ++i) EXPECT_NEAR(logs[i], std::log(plain[i]), 1e-14);
}

}  // namespace
