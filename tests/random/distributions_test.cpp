// Statistical sanity of every jx::random distribution on a million draws: moments and
// Kolmogorov-Smirnov distances against the exact CDFs, frequencies of discrete draws, and randint's
// whole range. Thresholds are ones a correct sampler exceeds with probability below 1e-5
// (sqrt(n) * D > 2.5 for KS, 5 standard deviations for frequencies); the seeds are fixed, so a pass
// is deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numbers>
#include <set>
#include <vector>

#include "jx/core/config.h"
#include "jx/lax.h"
#include "jx/random.h"
#include "jx/transforms/vmap.h"
#include "random/statistics.h"

namespace jnp = jx::numpy;
namespace jr = jx::random;

namespace {

constexpr std::int64_t kDraws = 1'000'000;

using jx_test::normal_cdf;

// sqrt(n) times the Kolmogorov-Smirnov distance of the samples from `cdf`.
double ks_statistic(const jx::Array& samples, const std::function<double(double)>& cdf) {
  return jx_test::ks_statistic(samples.to_vector<double>(), cdf);
}

double mean(const jx::Array& x) { return jnp::mean(x.astype(jx::float32)).item<double>(); }
double variance(const jx::Array& x) { return jnp::var(x.astype(jx::float32)).item<double>(); }

// Mean and variance within 5 standard errors of the exact ones (fourth moment `m4` about the mean).
void expect_moments(const jx::Array& x, double m, double v, double m4) {
  const auto n = static_cast<double>(x.size());
  EXPECT_NEAR(mean(x), m, 5 * std::sqrt(v / n));
  EXPECT_NEAR(variance(x), v, 5 * std::sqrt((m4 - v * v) / n));
}

class BothModes : public ::testing::TestWithParam<bool> {
 protected:
  jx::config::ScopedFlags mode_{{.threefry_partitionable = GetParam()}};
};
INSTANTIATE_TEST_SUITE_P(Random, BothModes, ::testing::Values(true, false),
                         [](const auto& test) { return test.param ? "partitionable" : "legacy"; });

TEST_P(BothModes, Uniform) {
  const jx::Array u = jr::uniform(jr::PRNGKey(1), {kDraws});
  EXPECT_EQ(u.dtype(), jx::float32);
  EXPECT_GE(jnp::min(u).item<float>(), 0.0f);
  EXPECT_LT(jnp::max(u).item<float>(), 1.0f);
  expect_moments(u, 0.5, 1.0 / 12, 1.0 / 80);
  EXPECT_LT(ks_statistic(u, [](double x) { return std::clamp(x, 0.0, 1.0); }), 2.5);
  const jx::Array scaled = jr::uniform(jr::PRNGKey(2), {kDraws}, -3.0f, 5.0f);
  EXPECT_GE(jnp::min(scaled).item<float>(), -3.0f);
  EXPECT_LT(ks_statistic(scaled, [](double x) { return std::clamp((x + 3) / 8, 0.0, 1.0); }), 2.5);
}

TEST_P(BothModes, Normal) {
  const jx::Array z = jr::normal(jr::PRNGKey(3), {1000, 1000});
  EXPECT_EQ(z.shape(), (jx::Shape{1000, 1000}));
  expect_moments(z, 0, 1, 3);
  EXPECT_LT(ks_statistic(z, normal_cdf), 2.5);
}

// The fused normal kernel is exactly JAX's composition with jx's own lax.erf_inv, tails included.
TEST_P(BothModes, NormalIsSqrt2TimesErfInvOfAUniform) {
  const jx::Key key = jr::PRNGKey(77);
  const auto fused = jr::normal(key, {kDraws}).to_vector<float>();
  const jx::Array u = jr::uniform(key, {kDraws}, jx::float32, std::nextafter(-1.0f, 0.0f), 1.0f);
  const auto composed =
      jx::lax::mul(jnp::array(std::numbers::sqrt2, jx::float32), jx::lax::erf_inv(u)).to_vector<float>();
  ASSERT_EQ(fused.size(), composed.size());
  std::int64_t different = 0, tails = 0;
  for (std::size_t i = 0; i < fused.size(); ++i) {
    different += std::memcmp(&fused[i], &composed[i], sizeof(float)) != 0;
    tails += std::abs(fused[i]) > 2.9f;  // erf_inv's second polynomial
  }
  EXPECT_EQ(different, 0);
  EXPECT_GT(tails, 1000);
}

TEST_P(BothModes, BitsAreUniformPerBit) {
  const auto words = jr::bits(jr::PRNGKey(4), {kDraws}).to_vector<std::uint32_t>();
  for (int bit = 0; bit < 32; ++bit) {
    std::int64_t ones = 0;
    for (std::uint32_t w : words) ones += (w >> bit) & 1u;
    EXPECT_NEAR(static_cast<double>(ones) / kDraws, 0.5, 5 * 0.5 / std::sqrt(double(kDraws))) << "bit " << bit;
  }
}

TEST_P(BothModes, OtherFloatTypes) {
  // float16 uniforms lie on a grid of 2^-10 (JAX draws 16 bits), which bounds the KS distance below.
  const jx::Array h = jr::uniform(jr::PRNGKey(5), {kDraws}, jx::float16);
  EXPECT_EQ(h.dtype(), jx::float16);
  EXPECT_LT(ks_statistic(h, [](double x) { return std::clamp(x, 0.0, 1.0); }), 2.5 + std::sqrt(1e6) / 1024);
  // bfloat16 normals come from 8 random bits (128 values, JAX's choice): only roughly normal.
  const jx::Array b = jr::normal(jr::PRNGKey(6), {kDraws}, jx::bfloat16);
  EXPECT_EQ(b.dtype(), jx::bfloat16);
  EXPECT_NEAR(mean(b), 0, 0.05);
  EXPECT_NEAR(variance(b), 1, 0.05);
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Array d = jr::normal(jr::PRNGKey(7), {kDraws});
  EXPECT_EQ(d.dtype(), jx::float64);
  EXPECT_LT(ks_statistic(d, normal_cdf), 2.5);
}

TEST_P(BothModes, Exponential) {
  const jx::Array x = jr::exponential(jr::PRNGKey(8), {kDraws});
  EXPECT_GE(jnp::min(x).item<float>(), 0.0f);
  expect_moments(x, 1, 1, 9);
  EXPECT_LT(ks_statistic(x, [](double v) { return v < 0 ? 0 : -std::expm1(-v); }), 2.5);
}

TEST_P(BothModes, Laplace) {
  const jx::Array x = jr::laplace(jr::PRNGKey(9), {kDraws});
  expect_moments(x, 0, 2, 24);
  EXPECT_LT(ks_statistic(x, [](double v) { return v < 0 ? 0.5 * std::exp(v) : 1 - 0.5 * std::exp(-v); }), 2.5);
}

TEST_P(BothModes, Logistic) {
  const jx::Array x = jr::logistic(jr::PRNGKey(10), {kDraws});
  const double pi2 = M_PI * M_PI;
  expect_moments(x, 0, pi2 / 3, 7 * pi2 * pi2 / 15);
  EXPECT_LT(ks_statistic(x, [](double v) { return 1 / (1 + std::exp(-v)); }), 2.5);
}

TEST_P(BothModes, Gumbel) {
  const double euler = 0.5772156649015329, var = M_PI * M_PI / 6;
  auto cdf = [](double v) { return std::exp(-std::exp(-v)); };
  const jx::Array low = jr::gumbel(jr::PRNGKey(11), {kDraws});
  EXPECT_NEAR(mean(low), euler, 5 * std::sqrt(var / kDraws));
  EXPECT_LT(ks_statistic(low, cdf), 2.5);
  const jx::Array high = jr::gumbel(jr::PRNGKey(12), {kDraws}, std::nullopt, jr::GumbelMode::high);
  EXPECT_NEAR(mean(high), euler, 5 * std::sqrt(var / kDraws));
  EXPECT_LT(ks_statistic(high, cdf), 2.5);
}

TEST_P(BothModes, TruncatedNormal) {
  const double a = -0.5, b = 2.0;
  const jx::Array x = jr::truncated_normal(jr::PRNGKey(13), a, b, jx::Shape{kDraws});
  EXPECT_GT(jnp::min(x).item<float>(), -0.5f);
  EXPECT_LT(jnp::max(x).item<float>(), 2.0f);
  const double z = normal_cdf(b) - normal_cdf(a);
  EXPECT_LT(ks_statistic(x, [&](double v) { return std::clamp((normal_cdf(v) - normal_cdf(a)) / z, 0.0, 1.0); }), 2.5);
  // Bounds broadcast: one draw per (lower, upper) pair.
  const jx::Array pairs = jr::truncated_normal(jr::PRNGKey(14), jnp::array({0.0f, 5.0f}), jnp::array({1.0f, 6.0f}));
  EXPECT_EQ(pairs.shape(), (jx::Shape{2}));
  const auto v = pairs.to_vector<float>();
  EXPECT_TRUE(v[0] > 0 && v[0] < 1 && v[1] > 5 && v[1] < 6);
}

TEST_P(BothModes, Bernoulli) {
  const jx::Array x = jr::bernoulli(jr::PRNGKey(15), 0.3f, jx::Shape{kDraws});
  EXPECT_EQ(x.dtype(), jx::bool_);
  EXPECT_NEAR(mean(x), 0.3, 5 * std::sqrt(0.21 / kDraws));
  const jx::Array per_column = jr::bernoulli(jr::PRNGKey(16), jnp::array({0.1f, 0.9f}), jx::Shape{kDraws / 2, 2});
  const auto m = jnp::mean(per_column.astype(jx::float32), 0).to_vector<float>();
  EXPECT_NEAR(m[0], 0.1, 5 * std::sqrt(0.09 / (kDraws / 2)));
  EXPECT_NEAR(m[1], 0.9, 5 * std::sqrt(0.09 / (kDraws / 2)));
  EXPECT_EQ(jr::bernoulli(jr::PRNGKey(17)).shape(), jx::Shape{});  // shape defaults to p's
}

// mode "high": JAX's formula, u2 * 2^-23 < p - u1 on the two uniforms of a (2, n) draw, recomputed
// here in float32; and the frequencies of a million draws.
TEST_P(BothModes, BernoulliHighMode) {
  const jx::Key key = jr::PRNGKey(44);
  const jx::Array x = jr::bernoulli(key, 0.3f, {kDraws}, jr::BernoulliMode::high);
  EXPECT_EQ(x.dtype(), jx::bool_);
  const auto got = x.to_vector<bool>();
  const auto u = jr::uniform(key, {2, kDraws}).to_vector<float>();
  std::int64_t mismatches = 0, ones = 0;
  for (std::int64_t i = 0; i < kDraws; ++i) {
    const float fine = u[static_cast<std::size_t>(kDraws + i)] * 0x1p-23f;
    const float rest = 0.3f - u[static_cast<std::size_t>(i)];
    mismatches += got[static_cast<std::size_t>(i)] != (fine < rest);
    ones += got[static_cast<std::size_t>(i)];
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_NEAR(static_cast<double>(ones) / kDraws, 0.3, 5 * std::sqrt(0.21 / kDraws));
  // Per-element probabilities broadcast as in the low mode.
  const jx::Array columns =
      jr::bernoulli(jr::PRNGKey(45), jnp::array({0.0f, 1.0f}), {kDraws / 2, 2}, jr::BernoulliMode::high);
  const auto m = jnp::mean(columns.astype(jx::float32), 0).to_vector<float>();
  EXPECT_EQ(m[0], 0.0f);
  EXPECT_EQ(m[1], 1.0f);
}

TEST_P(BothModes, Rademacher) {
  const jx::Array x = jr::rademacher(jr::PRNGKey(18), {kDraws});
  EXPECT_EQ(x.dtype(), jx::int32);
  EXPECT_EQ(jnp::sum(jnp::abs(x)).item<std::int64_t>(), kDraws);
  EXPECT_NEAR(mean(x), 0, 5 / std::sqrt(double(kDraws)));
}

// Counts of each value of x in [low, low + bins), which must hold every draw.
std::vector<std::int64_t> histogram(const jx::Array& x, std::int64_t low, std::int64_t bins) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(bins), 0);
  for (std::int64_t v : x.astype(jx::int32).to_vector<std::int64_t>()) {
    EXPECT_TRUE(v >= low && v < low + bins) << v;
    if (v >= low && v < low + bins) ++counts[static_cast<std::size_t>(v - low)];
  }
  return counts;
}

// Every bin within 5 standard deviations of a uniform share, the first and last included.
void expect_uniform_counts(const std::vector<std::int64_t>& counts, std::int64_t n) {
  const double p = 1.0 / static_cast<double>(counts.size());
  const double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
  for (std::size_t i = 0; i < counts.size(); ++i)
    EXPECT_NEAR(static_cast<double>(counts[i]), static_cast<double>(n) * p, 5 * sd) << "value index " << i;
}

TEST_P(BothModes, RandintCoversItsRangeUniformly) {
  expect_uniform_counts(histogram(jr::randint(jr::PRNGKey(19), {kDraws}, 0, 7), 0, 7), kDraws);
  expect_uniform_counts(histogram(jr::randint(jr::PRNGKey(20), {kDraws}, -5, 5), -5, 10), kDraws);
  // 8-bit types: maxval one past the type's maximum reaches it.
  const jx::Array bytes = jr::randint(jr::PRNGKey(21), {kDraws}, 0, 256, jx::uint8);
  EXPECT_EQ(bytes.dtype(), jx::uint8);
  expect_uniform_counts(histogram(bytes, 0, 256), kDraws);
  expect_uniform_counts(histogram(jr::randint(jr::PRNGKey(22), {kDraws}, -128, 128, jx::int8), -128, 256), kDraws);
}

TEST_P(BothModes, RandintEdges) {
  // The whole int32 range: both extreme sixteenths as often as the middle ones.
  const auto full = jr::randint(jr::PRNGKey(23), {kDraws}, std::numeric_limits<std::int32_t>::min(),
                                std::numeric_limits<std::int32_t>::max())
                        .to_vector<std::int64_t>();
  std::vector<std::int64_t> sixteenths(16, 0);
  for (std::int64_t v : full) ++sixteenths[static_cast<std::size_t>((v + 2147483648LL) >> 28)];
  expect_uniform_counts(sixteenths, kDraws);
  {
    // With x64, maxval 2^31 (past the int32 range) makes the span all 2^32 values: the top value too.
    auto x64 = jx::config::scoped({.enable_x64 = true});
    const auto whole =
        jr::randint(jr::PRNGKey(43), {kDraws}, jnp::array(std::numeric_limits<std::int32_t>::min(), jx::int64),
                    jnp::array(std::int64_t{1} << 31, jx::int64), jx::int32)
            .to_vector<std::int64_t>();
    std::vector<std::int64_t> whole_sixteenths(16, 0);
    for (std::int64_t v : whole) ++whole_sixteenths[static_cast<std::size_t>((v + 2147483648LL) >> 28)];
    expect_uniform_counts(whole_sixteenths, kDraws);
  }
  // Spans up to 2^16 are unbiased: the first and last values as often as any (65521 is prime).
  const std::int64_t prime = 65521;
  const auto spread = jr::randint(jr::PRNGKey(24), {kDraws}, 0, static_cast<int>(prime)).to_vector<std::int64_t>();
  std::vector<std::int64_t> edges(3, 0);  // the lowest 100 values, the highest 100, the rest
  for (std::int64_t v : spread) {
    ASSERT_TRUE(v >= 0 && v < prime);
    ++edges[v < 100 ? 0 : (v >= prime - 100 ? 1 : 2)];
  }
  for (int side = 0; side < 2; ++side) {
    const double expected = kDraws * 100.0 / prime;
    EXPECT_NEAR(static_cast<double>(edges[static_cast<std::size_t>(side)]), expected, 5 * std::sqrt(expected));
  }
  // Larger spans that are not powers of two inherit JAX's bias: (hi % span) * (2^32 % span) wraps
  // in uint32, and for a span of 1.5e9 the top tenth of the range is drawn about 30% less often.
  // jx reproduces it bit for bit; the whole range is still reachable.
  const std::int64_t span = 1500000001;
  const auto wide = jr::randint(jr::PRNGKey(40), {kDraws}, 0, static_cast<int>(span)).to_vector<std::int64_t>();
  std::vector<std::int64_t> tenths(10, 0);
  for (std::int64_t v : wide) {
    ASSERT_TRUE(v >= 0 && v < span);
    ++tenths[static_cast<std::size_t>(v * 10 / span)];
  }
  EXPECT_NEAR(static_cast<double>(tenths[0]), 104'800, 5 * 310);
  EXPECT_NEAR(static_cast<double>(tenths[9]), 69'900, 5 * 260);
  // An empty range gives minval; bounds broadcast against the shape.
  EXPECT_EQ(jr::randint(jr::PRNGKey(25), {4}, 3, 3).to_vector<int>(), (std::vector<int>{3, 3, 3, 3}));
  EXPECT_EQ(jr::randint(jr::PRNGKey(25), {2}, 9, 2).to_vector<int>(), (std::vector<int>{9, 9}));
  const auto rows =
      jr::randint(jr::PRNGKey(26), {1000, 2}, jnp::array({0, 100}), jnp::array({10, 110})).to_vector<int>();
  for (std::size_t i = 0; i < rows.size(); i += 2) EXPECT_TRUE(rows[i] < 10 && rows[i + 1] >= 100 && rows[i + 1] < 110);
}

TEST_P(BothModes, CategoricalFollowsSoftmax) {
  const std::vector<float> p = {0.1f, 0.2f, 0.3f, 0.4f};
  std::vector<float> logits;
  for (float v : p) logits.push_back(std::log(v));
  const jx::Array draws = jr::categorical(jr::PRNGKey(27), jnp::array(logits), -1, jx::Shape{kDraws});
  const auto counts = histogram(draws, 0, 4);
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(static_cast<double>(counts[i]) / kDraws, p[i], 5 * std::sqrt(p[i] * (1 - p[i]) / kDraws));
  // A batch of distributions along axis 0: one draw per column.
  const jx::Array columns = jnp::array({{0.0f, -100.0f}, {-100.0f, 0.0f}});
  EXPECT_EQ(jr::categorical(jr::PRNGKey(28), columns, 0).to_vector<int>(), (std::vector<int>{0, 1}));
  // Without replacement: k distinct categories.
  const auto distinct =
      jr::categorical(jr::PRNGKey(29), jnp::zeros({10}), -1, jx::Shape{10}, {.replace = false}).to_vector<int>();
  EXPECT_EQ(std::set<int>(distinct.begin(), distinct.end()).size(), 10u);
}

TEST_P(BothModes, ChoiceWithAndWithoutReplacement) {
  const auto uniform = jr::choice(jr::PRNGKey(30), 5, {kDraws});
  expect_uniform_counts(histogram(uniform, 0, 5), kDraws);
  const std::vector<float> p = {0.5f, 0.0f, 0.25f, 0.25f};
  const auto weighted = histogram(jr::choice(jr::PRNGKey(31), 4, {kDraws}, {.p = jnp::array(p)}), 0, 4);
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(static_cast<double>(weighted[i]) / kDraws, p[i], 5 * std::sqrt(p[i] * (1 - p[i]) / kDraws + 1e-12));
  const auto once = jr::choice(jr::PRNGKey(32), 100, {100}, {.replace = false}).to_vector<int>();
  EXPECT_EQ(std::set<int>(once.begin(), once.end()).size(), 100u);
  const auto weighted_once =
      jr::choice(jr::PRNGKey(33), 4, {3}, {.replace = false, .p = jnp::array(p)}).to_vector<int>();
  EXPECT_EQ(std::set<int>(weighted_once.begin(), weighted_once.end()), (std::set<int>{0, 2, 3}));
  // Rows of a matrix.
  const jx::Array rows = jnp::arange(12).reshape({4, 3});
  const jx::Array picked = jr::choice(jr::PRNGKey(34), rows, {2}, {.replace = false});
  EXPECT_EQ(picked.shape(), (jx::Shape{2, 3}));
  const auto v = picked.to_vector<int>();
  EXPECT_EQ(v[0] % 3, 0);
  EXPECT_EQ(v[1], v[0] + 1);
}

TEST_P(BothModes, PermutationIsUniform) {
  const auto p = jr::permutation(jr::PRNGKey(35), 1000).to_vector<int>();
  std::vector<int> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(sorted[static_cast<std::size_t>(i)], i);
  // Each of the 6 orders of 3 elements equally often.
  std::vector<std::int64_t> orders(6, 0);
  const jx::Key keys = jr::split(jr::PRNGKey(36), 12000);
  for (int k = 0; k < 12000; ++k) {
    const auto q = jr::permutation(keys[k], 3).to_vector<int>();
    ++orders[static_cast<std::size_t>(q[0] * 2 + (q[1] > q[2] ? 1 : 0))];
  }
  expect_uniform_counts(orders, 12000);
  // Rows of a matrix move together; `independent` shuffles each row by itself.
  const jx::Array m = jnp::arange(20).reshape({4, 5});
  const auto rows = jr::permutation(jr::PRNGKey(37), m).to_vector<int>();
  for (int r = 0; r < 4; ++r) EXPECT_EQ(rows[r * 5 + 1], rows[r * 5] + 1);
  const auto cols = jr::permutation(jr::PRNGKey(38), m, 1, {.independent = true}).to_vector<int>();
  for (int r = 0; r < 4; ++r) {
    std::set<int> row(cols.begin() + r * 5, cols.begin() + r * 5 + 5);
    EXPECT_EQ(*row.begin(), r * 5);
    EXPECT_EQ(row.size(), 5u);
  }
}

// A million-element permutation (two rounds of sorting by random keys): a uniform permutation puts a
// uniformly random value at each position, so the first half of the positions, scaled to [0, 1), is
// a sample without replacement from a uniform grid, whose KS distance is at most that of sampling
// with replacement. And about one fixed point (Poisson(1)), and no correlation between position and
// value.
TEST_P(BothModes, MillionElementPermutationIsUniform) {
  const auto p = jr::permutation(jr::PRNGKey(41), kDraws).to_vector<std::int64_t>();
  std::vector<bool> seen(static_cast<std::size_t>(kDraws), false);
  std::int64_t fixed = 0;
  double correlation = 0;
  for (std::int64_t i = 0; i < kDraws; ++i) {
    const std::int64_t v = p[static_cast<std::size_t>(i)];
    ASSERT_TRUE(v >= 0 && v < kDraws && !seen[static_cast<std::size_t>(v)]);
    seen[static_cast<std::size_t>(v)] = true;
    fixed += v == i;
    correlation += (static_cast<double>(i) / kDraws - 0.5) * (static_cast<double>(v) / kDraws - 0.5);
  }
  EXPECT_LE(fixed, 9);  // P(Poisson(1) > 9) < 1.2e-7
  // Spearman's rho of a random permutation has standard deviation 1 / sqrt(n - 1).
  EXPECT_NEAR(correlation / kDraws * 12, 0, 5 / std::sqrt(double(kDraws)));
  const jx::Array first_half = jnp::array(std::vector<double>(p.begin(), p.begin() + kDraws / 2)) / double(kDraws);
  EXPECT_LT(ks_statistic(first_half, [](double x) { return std::clamp(x, 0.0, 1.0); }), 2.5);
}

// choice without replacement and with p (the Gumbel top-k trick): the first pick of each draw follows
// p (and the second the conditional law), over a million independent draws batched with split keys.
TEST_P(BothModes, WeightedChoiceWithoutReplacementFirstPicks) {
  const std::vector<float> p = {0.1f, 0.2f, 0.3f, 0.4f};
  const jx::Key keys = jr::split(jr::PRNGKey(42), kDraws);
  std::vector<std::int64_t> counts(4, 0), seconds(4, 0);
  auto pick = jx::vmap([&](const jx::Key& k) { return jr::choice(k, 4, {2}, {.replace = false, .p = jnp::array(p)}); });
  const auto picks = pick(keys).to_vector<int>();
  const std::int64_t n = kDraws;
  for (std::int64_t i = 0; i < n; ++i) {
    const int a = picks[static_cast<std::size_t>(2 * i)], b = picks[static_cast<std::size_t>(2 * i + 1)];
    ASSERT_NE(a, b);
    ++counts[static_cast<std::size_t>(a)];
    ++seconds[static_cast<std::size_t>(b)];
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(static_cast<double>(counts[i]) / n, p[i], 5 * std::sqrt(p[i] * (1 - p[i]) / n)) << i;
    // The second pick: P(b = i) = sum over j != i of p_j p_i / (1 - p_j).
    double second = 0;
    for (int j = 0; j < 4; ++j)
      if (j != i) second += p[j] * p[i] / (1 - p[j]);
    EXPECT_NEAR(static_cast<double>(seconds[i]) / n, second, 5 * std::sqrt(second * (1 - second) / n)) << i;
  }
}

}  // namespace
