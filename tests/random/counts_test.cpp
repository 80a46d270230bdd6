// jx/random/counts.h (src/random/counts.cpp): Poisson and binomial counts against their CDFs (the
// largest gap between the empirical and the true CDF over the integers, below the Kolmogorov-Smirnov
// critical value 1.95 / sqrt(n): conservative for discrete laws; fixed keys), both algorithms of each
// (small and large means), the multinomial's totals and marginals, the special values, jit and vmap.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/scipy.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace {

namespace jnp = jx::numpy;
namespace random = jx::random;
namespace stats = jx::scipy::stats;
using jx::Array;

constexpr std::int64_t kDraws = 20000;

// max over k of |empirical P(X <= k) - cdf(k)|.
double discrete_ks(const Array& draws, const std::function<double(int)>& cdf) {
  std::vector<double> values = jnp::astype(jnp::ravel(draws), jx::float64).to_vector<double>();
  std::sort(values.begin(), values.end());
  double d = 0;
  const auto n = static_cast<double>(values.size());
  for (int k = static_cast<int>(values.front()) - 1; k <= static_cast<int>(values.back()); ++k) {
    const auto below = std::upper_bound(values.begin(), values.end(), static_cast<double>(k)) - values.begin();
    d = std::max(d, std::fabs(static_cast<double>(below) / n - cdf(k)));
  }
  return d;
}

double poisson_cdf(int k, double lam) {
  double term = std::exp(-lam), total = 0;
  for (int i = 0; i <= k; ++i) {
    total += term;
    term *= lam / (i + 1);
  }
  return total;
}

double binomial_cdf(int k, int n, double p) {
  double total = 0;
  for (int i = 0; i <= std::min(k, n); ++i) {
    total += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) + i * std::log(p) +
                      (n - i) * std::log1p(-p));
  }
  return total;
}

const double kCritical = 1.95 / std::sqrt(static_cast<double>(kDraws));

TEST(RandomCounts, PoissonBothAlgorithms) {
  auto keys = random::split<3>(random::PRNGKey(21));
  const Array small = random::poisson(keys[0], Array(3.5f), jx::Shape{kDraws});  // Knuth
  EXPECT_EQ(small.dtype(), jx::int32);
  EXPECT_LT(discrete_ks(small, [](int k) { return poisson_cdf(k, 3.5); }), kCritical);
  const Array large = random::poisson(keys[1], Array(40.0f), jx::Shape{kDraws});  // transformed rejection
  EXPECT_LT(discrete_ks(large, [](int k) { return poisson_cdf(k, 40.0); }), kCritical);
  // Mixed rates in one call, and a zero rate.
  const Array mixed = random::poisson(keys[2], jnp::array(std::vector<float>{0.0f, 2.0f, 100.0f}), jx::Shape{4000, 3});
  EXPECT_EQ(jnp::max(mixed(jx::Slice{}, 0)).item<int>(), 0);
  EXPECT_NEAR(jnp::mean(jnp::astype(mixed(jx::Slice{}, 2), jx::float32)).item<float>(), 100.0f, 1.0f);
}

TEST(RandomCounts, BinomialBothAlgorithmsAndBothHalves) {
  auto keys = random::split<4>(random::PRNGKey(8));
  const Array inversion = random::binomial(keys[0], Array(20.0f), Array(0.3f), jx::Shape{kDraws});  // n q = 6
  EXPECT_EQ(inversion.dtype(), jx::float32);
  EXPECT_LT(discrete_ks(inversion, [](int k) { return binomial_cdf(k, 20, 0.3); }), kCritical);
  const Array btrs = random::binomial(keys[1], Array(200.0f), Array(0.4f), jx::Shape{kDraws});
  EXPECT_LT(discrete_ks(btrs, [](int k) { return binomial_cdf(k, 200, 0.4); }), kCritical);
  // p > 1/2 draws the failures with 1 - p.
  const Array high = random::binomial(keys[2], Array(50.0f), Array(0.9f), jx::Shape{kDraws});
  EXPECT_LT(discrete_ks(high, [](int k) { return binomial_cdf(k, 50, 0.9); }), kCritical);
  // NaN for invalid parameters, inf for an infinite count, 0 and n at p = 0 and 1.
  const auto special = random::binomial(keys[3], jnp::array(std::vector<float>{-1, 5, INFINITY, 7, 7}),
                                        jnp::array(std::vector<float>{0.5f, NAN, 0.5f, 0.0f, 1.0f}))
                           .to_vector<float>();
  EXPECT_TRUE(std::isnan(special[0]));
  EXPECT_TRUE(std::isnan(special[1]));
  EXPECT_EQ(special[2], INFINITY);
  EXPECT_EQ(special[3], 0.0f);
  EXPECT_EQ(special[4], 7.0f);
}

TEST(RandomCounts, MultinomialTotalsAndMarginals) {
  const jx::Key key = random::PRNGKey(4);
  const Array p = jnp::array(std::vector<float>{0.2f, 0.5f, 0.3f});
  const Array counts = random::multinomial(key, Array(30.0f), p, jx::Shape{kDraws, 3});
  ASSERT_EQ(counts.shape(), jx::Shape({kDraws, 3}));
  EXPECT_EQ(jnp::min(jnp::sum(counts, 1)).item<float>(), 30.0f);
  EXPECT_EQ(jnp::max(jnp::sum(counts, 1)).item<float>(), 30.0f);
  // Each category's count is Binomial(n, p_i).
  EXPECT_LT(discrete_ks(counts(jx::Slice{}, 0), [](int k) { return binomial_cdf(k, 30, 0.2); }), kCritical);
  EXPECT_LT(discrete_ks(counts(jx::Slice{}, 2), [](int k) { return binomial_cdf(k, 30, 0.3); }), kCritical);
  EXPECT_EQ(random::multinomial(key, Array(5.0f), p).shape(), jx::Shape({3}));
}

// JAX's corner cases (its tests testPoissonCornerCases and testBinomialCornerCases): a negative or NaN
// rate gives -1; NaN for an invalid count or probability, inf for an infinite count.
TEST(RandomCounts, JaxCornerCases) {
  const jx::Key key = random::PRNGKey(0);
  EXPECT_EQ(random::poisson(key, jnp::array(std::vector<float>{-1, 0, NAN}), jx::Shape{3}).to_vector<int>(),
            (std::vector<int>{-1, 0, -1}));
  const auto by_count =
      random::binomial(key, jnp::array(std::vector<float>{-1, 0, NAN, INFINITY}), Array(0.5f), jx::Shape{4})
          .to_vector<float>();
  EXPECT_TRUE(std::isnan(by_count[0]));
  EXPECT_EQ(by_count[1], 0.0f);
  EXPECT_TRUE(std::isnan(by_count[2]));
  EXPECT_EQ(by_count[3], INFINITY);
  const auto by_probability =
      random::binomial(key, Array(5.0f), jnp::array(std::vector<float>{NAN, 0, -0.1f, 1.1f}), jx::Shape{4})
          .to_vector<float>();
  EXPECT_TRUE(std::isnan(by_probability[0]));
  EXPECT_EQ(by_probability[1], 0.0f);
  EXPECT_TRUE(std::isnan(by_probability[2]));
  EXPECT_TRUE(std::isnan(by_probability[3]));
}

TEST(RandomCounts, JitAndVmapGiveTheEagerDraws) {
  const jx::Key key = random::PRNGKey(9);
  const Array lam = jnp::array(std::vector<float>{1.0f, 15.0f});
  auto jitted = jx::jit([](const jx::Key& k, const Array& l) { return random::poisson(k, l); });
  EXPECT_EQ(jitted(key, lam).to_vector<int>(), random::poisson(key, lam).to_vector<int>());
  const jx::Key keys = random::split(key, 3);
  const Array rows = jx::vmap([](const jx::Key& k) { return random::binomial(k, Array(30.0f), Array(0.5f)); })(keys);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i].item<float>(), random::binomial(keys[i], Array(30.0f), Array(0.5f)).item<float>());
  }
}

// Under the key-reuse checker each sampler consumes its key once (poisson and binomial run two
// algorithms on one key, as JAX's do), eagerly and under jit, and a second use is still caught.
TEST(RandomCounts, OneKeyUseEachUnderTheReuseChecker) {
  auto checking = jx::config::scoped({.debug_key_reuse = true});
  auto keys = random::split<4>(random::PRNGKey(12));
  EXPECT_NO_THROW(random::poisson(keys[0], Array(3.0f), jx::Shape{3}));
  EXPECT_NO_THROW(random::binomial(keys[1], Array(10.0f), Array(0.5f), jx::Shape{3}));
  EXPECT_NO_THROW(random::multinomial(keys[2], Array(10.0f), jnp::array(std::vector<float>{0.5f, 0.5f})));
  auto jitted = jx::jit([](const jx::Key& k) { return random::poisson(k, Array(20.0f), jx::Shape{2}); });
  EXPECT_NO_THROW(jitted(keys[3]));
  EXPECT_THROW(random::poisson(keys[0], Array(3.0f), jx::Shape{3}), jx::KeyReuseError);
}

TEST(RandomCounts, BadArguments) {
  const jx::Key key = random::PRNGKey(0);
  EXPECT_THROW(random::poisson(key, Array(1.0f), std::nullopt, jx::float32), jx::DTypeError);
  EXPECT_THROW(random::binomial(key, jnp::ones({3}), jnp::ones({2})), jx::Error);
  EXPECT_THROW(random::multinomial(key, Array(3.0f), Array(0.5f)), jx::ValueError);
}

}  // namespace
