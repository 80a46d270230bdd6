// jx/random/samplers.h (src/random/samplers.cpp): each sampler's draws against its distribution by a
// Kolmogorov-Smirnov test (20000 draws, critical value 1.95 / sqrt(n): a 0.1% level, fixed keys, so the
// test is deterministic), the CDFs being jx::scipy::stats's (checked against SciPy in
// tests/ops/scipy_stats_test.cpp) or closed forms; the geometric counts by a chi-square test; shapes,
// dtypes and the same values under jit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/scipy.h"
#include "jx/transforms/jit.h"
#include "random/distribution_checks.h"

namespace {

namespace jnp = jx::numpy;
namespace random = jx::random;
namespace stats = jx::scipy::stats;
using jx::Array;

constexpr std::int64_t kDraws = 20000;

using jx::testing::expect_distributed;

TEST(RandomSamplers, MatchTheirDistributions) {
  const jx::Key key = random::PRNGKey(20261207);
  auto keys = random::split<10>(key);
  expect_distributed(
      random::cauchy(keys[0], {kDraws}), [](const Array& x) { return stats::cauchy::cdf(x); }, "cauchy");
  expect_distributed(
      random::pareto(keys[1], Array(3.0f), jx::Shape{kDraws}),
      [](const Array& x) { return stats::pareto::cdf(x, Array(3.0)); }, "pareto");
  expect_distributed(
      random::rayleigh(keys[2], Array(2.0f), jx::Shape{kDraws}),
      [](const Array& x) { return -jnp::expm1(-x * x / 8.0); }, "rayleigh");  // 1 - exp(-x^2 / 2 sigma^2)
  expect_distributed(
      random::weibull_min(keys[3], Array(1.5f), Array(2.5f), {kDraws}),
      [](const Array& x) { return -jnp::expm1(-jnp::power(x / 1.5, 2.5)); }, "weibull_min");
  expect_distributed(
      random::lognormal(keys[4], Array(0.7f), jx::Shape{kDraws}),
      [](const Array& x) { return stats::norm::cdf(jnp::log(x) / 0.7); }, "lognormal");
  // Maxwell: erf(x / sqrt 2) - sqrt(2 / pi) x exp(-x^2 / 2).
  expect_distributed(
      random::maxwell(keys[5], {kDraws}),
      [](const Array& x) {
        return jx::scipy::special::erf(x / std::sqrt(2.0)) -
               std::sqrt(2 / std::numbers::pi) * x * jnp::exp(-x * x / 2.0);
      },
      "maxwell");
  expect_distributed(
      random::triangular(keys[6], Array(-1.0f), Array(0.5f), Array(2.0f), jx::Shape{kDraws}),
      [](const Array& x) {
        // (x - a)^2 / ((b - a)(c - a)) below the mode c, 1 - (b - x)^2 / ((b - a)(b - c)) above.
        return jnp::where(x < 0.5, (x + 1.0) * (x + 1.0) / 4.5, 1.0 - (2.0 - x) * (2.0 - x) / 4.5);
      },
      "triangular");
  // Wald (mean mu, shape 1): Phi(sqrt(1/x)(x/mu - 1)) + exp(2/mu) Phi(-sqrt(1/x)(x/mu + 1)).
  expect_distributed(
      random::wald(keys[7], Array(1.5f), jx::Shape{kDraws}),
      [](const Array& x) {
        const Array r = jnp::sqrt(1.0 / x);
        return stats::norm::cdf(r * (x / 1.5 - 1.0)) + std::exp(2 / 1.5) * stats::norm::cdf(-r * (x / 1.5 + 1.0));
      },
      "wald");
  // Double-sided Maxwell: symmetric about loc, |x - loc| / scale Maxwell-distributed.
  const Array two_sided = random::double_sided_maxwell(keys[8], Array(1.0f), Array(2.0f), {kDraws});
  expect_distributed(
      jnp::abs(two_sided - 1.0f) / 2.0f,
      [](const Array& x) {
        return jx::scipy::special::erf(x / std::sqrt(2.0)) -
               std::sqrt(2 / std::numbers::pi) * x * jnp::exp(-x * x / 2.0);
      },
      "double_sided_maxwell");
  const double positive = jnp::mean(jnp::astype(two_sided > 1.0f, jx::float32)).item<float>();
  EXPECT_NEAR(positive, 0.5, 0.015);
}

TEST(RandomSamplers, GeometricCountsFollowTheirProbabilities) {
  const double p = 0.3;
  const Array draws = random::geometric(random::PRNGKey(7), Array(0.3f), jx::Shape{kDraws});
  EXPECT_EQ(draws.dtype(), jx::int32);
  const auto values = draws.to_vector<int>();
  // Chi-square over k = 1..9 and the tail: 9 degrees of freedom, 27.9 at the 0.1% level.
  std::vector<double> counts(10, 0.0);
  for (int v : values) {
    ASSERT_GE(v, 1);
    counts[static_cast<std::size_t>(std::min(v, 10) - 1)] += 1;
  }
  double chi_square = 0;
  for (int k = 1; k <= 10; ++k) {
    const double probability = k < 10 ? std::pow(1 - p, k - 1) * p : std::pow(1 - p, 9);
    const double expected = probability * kDraws;
    chi_square += (counts[static_cast<std::size_t>(k - 1)] - expected) *
                  (counts[static_cast<std::size_t>(k - 1)] - expected) / expected;
  }
  EXPECT_LT(chi_square, 27.9);
}

TEST(RandomSamplers, ShapesDtypesAndJit) {
  const jx::Key key = random::PRNGKey(3);
  EXPECT_EQ(random::pareto(key, jnp::array({1.0f, 2.0f, 3.0f})).shape(), (jx::Shape{3}));
  EXPECT_EQ(random::cauchy(key, {2, 3}, jx::float64).dtype(), jx::canonicalize_dtype(jx::float64));
  // JAX appends the parameters' shape to the requested one.
  EXPECT_EQ(random::double_sided_maxwell(key, jnp::zeros({2}), Array(1.0f), {3}).shape(), (jx::Shape{3, 2}));
  const Array eager = random::wald(key, Array(2.0f), jx::Shape{5});
  const Array jitted =
      jx::jit([](const Array& m) { return random::wald(random::PRNGKey(3), m, jx::Shape{5}); })(Array(2.0f));
  EXPECT_EQ(eager.to_vector<float>(), jitted.to_vector<float>());
  EXPECT_THROW(random::geometric(key, Array(0.5f), jx::Shape{2}, jx::float32), jx::ValueError);
  EXPECT_THROW(random::cauchy(key, {2}, jx::int32), jx::ValueError);  // as JAX raises it
}

}  // namespace
