// jx::random::multivariate_normal: JAX's recorded values, a million draws against the exact moments
// and distributions (each coordinate normal, the squared Mahalanobis distance chi-square with three
// degrees of freedom), batching and shapes, jit, vmap, gradients, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "ir/primitives/random.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/test_util.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"
#include "random/statistics.h"

namespace jnp = jx::numpy;
namespace jr = jx::random;

namespace {

constexpr std::int64_t kDraws = 1'000'000;

using jx_test::ks_statistic;
using jx_test::normal_cdf;
// The chi-square CDF with three degrees of freedom.
double chi2_3_cdf(double x) {
  if (x <= 0) return 0;
  return std::erf(std::sqrt(x / 2)) - std::sqrt(2 * x / std::numbers::pi) * std::exp(-x / 2);
}

// JAX's testRandomDistributionValues case for multivariate_normal (legacy threefry, seed
// adler32("multivariate_normal" "threefry2x32"), mean ones((1, 3)), cov eye(3), shape (2,)).
TEST(MultivariateNormal, MatchesJaxRecordedValues) {
  auto legacy = jx::config::scoped({.threefry_partitionable = false});
  const jx::Array x = jr::multivariate_normal(jr::PRNGKey(3497659512LL), jnp::ones({1, 3}), jnp::eye(3), jx::Shape{2});
  EXPECT_EQ(x.dtype(), jx::float32);
  ASSERT_EQ(x.shape(), (jx::Shape{2, 3}));
  const std::vector<float> expected = {1.067826f, 1.215599f, 0.234166f, -0.237534f, 1.32591f, 1.413987f};
  const auto got = x.to_vector<float>();
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5f * std::abs(expected[i]));
}

class MultivariateNormalModes : public ::testing::TestWithParam<bool> {
 protected:
  jx::config::ScopedFlags mode_{{.threefry_partitionable = GetParam()}};
};
INSTANTIATE_TEST_SUITE_P(Random, MultivariateNormalModes, ::testing::Values(true, false),
                         [](const auto& test) { return test.param ? "partitionable" : "legacy"; });

TEST_P(MultivariateNormalModes, MillionDrawsHaveTheExactDistribution) {
  // cov = L L^T for a chosen L, so the whitening L^-1 (x - mean) is known exactly.
  const double l[3][3] = {{1.5, 0, 0}, {-0.8, 0.6, 0}, {0.3, 1.2, 0.5}};
  const double mean[3] = {1.0, -2.0, 0.5};
  double cov[3][3];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) cov[i][j] = l[i][0] * l[j][0] + l[i][1] * l[j][1] + l[i][2] * l[j][2];
  std::vector<float> cov_flat;
  for (auto& row : cov)
    for (double v : row) cov_flat.push_back(static_cast<float>(v));
  const jx::Array x = jr::multivariate_normal(jr::PRNGKey(101), jnp::array({1.0f, -2.0f, 0.5f}),
                                              jnp::array(cov_flat).reshape({3, 3}), jx::Shape{kDraws});
  ASSERT_EQ(x.shape(), (jx::Shape{kDraws, 3}));
  const auto v = x.to_vector<double>();
  const auto n = static_cast<double>(kDraws);

  std::array<std::vector<double>, 3> coordinates;
  std::vector<double> mahalanobis;
  double sum[3] = {}, products[3][3] = {};
  for (std::int64_t s = 0; s < kDraws; ++s) {
    double d[3], z[3];
    for (int i = 0; i < 3; ++i) {
      d[i] = v[static_cast<std::size_t>(3 * s + i)] - mean[i];
      sum[i] += d[i];
      coordinates[static_cast<std::size_t>(i)].push_back(d[i] / std::sqrt(cov[i][i]));
      for (int j = 0; j <= i; ++j) products[i][j] += d[i] * d[j];
    }
    // z = L^-1 d by forward substitution.
    for (int i = 0; i < 3; ++i) {
      double r = d[i];
      for (int k = 0; k < i; ++k) r -= l[i][k] * z[k];
      z[i] = r / l[i][i];
    }
    mahalanobis.push_back(z[0] * z[0] + z[1] * z[1] + z[2] * z[2]);
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(sum[i] / n, 0.0, 5 * std::sqrt(cov[i][i] / n)) << "mean " << i;
    for (int j = 0; j <= i; ++j) {
      // The sample covariance of a normal pair has variance (cov_ii cov_jj + cov_ij^2) / n.
      const double se = std::sqrt((cov[i][i] * cov[j][j] + cov[i][j] * cov[i][j]) / n);
      EXPECT_NEAR(products[i][j] / n, cov[i][j], 5 * se) << "cov " << i << "," << j;
    }
    EXPECT_LT(ks_statistic(coordinates[static_cast<std::size_t>(i)], normal_cdf), 2.5) << "coordinate " << i;
  }
  EXPECT_LT(ks_statistic(mahalanobis, chi2_3_cdf), 2.5);
}

TEST(MultivariateNormal, ShapesBroadcastAndDtypesFollowJax) {
  const jx::Key key = jr::PRNGKey(7);
  // Batch shapes of mean and cov broadcast: (2, 3) means against one (3, 3) covariance.
  const jx::Array means = jnp::array({{0.0f, 0.0f, 0.0f}, {100.0f, 100.0f, 100.0f}});
  const jx::Array x = jr::multivariate_normal(key, means, jnp::eye(3));
  EXPECT_EQ(x.shape(), (jx::Shape{2, 3}));
  const auto v = x.to_vector<float>();
  for (int i = 0; i < 3; ++i) {
    EXPECT_LT(std::abs(v[static_cast<std::size_t>(i)]), 10.0f);
    EXPECT_GT(v[static_cast<std::size_t>(3 + i)], 90.0f);
  }
  // An explicit shape must contain the broadcast batch shape.
  EXPECT_EQ(jr::multivariate_normal(key, means, jnp::eye(3), jx::Shape{4, 2}).shape(), (jx::Shape{4, 2, 3}));
  EXPECT_THROW(jr::multivariate_normal(key, means, jnp::eye(3), jx::Shape{3}), jx::ValueError);
  // One batch of covariances (2, 2, 2) with a single mean.
  const jx::Array covs = jnp::stack({jnp::eye(2), jnp::eye(2) * 4.0f});
  EXPECT_EQ(jr::multivariate_normal(key, jnp::zeros({2}), covs).shape(), (jx::Shape{2, 2}));
  // z is the normal draw of shape + (n,): with cov = s^2 I the result is mean + s * normal.
  const jx::Array scaled = jr::multivariate_normal(key, jnp::zeros({5}), jnp::eye(5) * 9.0f, jx::Shape{2});
  const jx::Array z = jr::normal(key, {2, 5});
  const auto a = scaled.to_vector<float>(), b = z.to_vector<float>();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i], 3.0f * b[i]);
  // Integer parameters promote to the default float type; x64 gives float64.
  EXPECT_EQ(jr::multivariate_normal(key, jnp::zeros({2}, jx::int32), jnp::eye(2, std::nullopt, 0, jx::int32)).dtype(),
            jx::float32);
  EXPECT_EQ(jr::multivariate_normal(key, jnp::zeros({2}), jnp::eye(2), std::nullopt, jx::float16).dtype(), jx::float32);
  auto x64 = jx::config::scoped({.enable_x64 = true});
  EXPECT_EQ(jr::multivariate_normal(key, jnp::zeros({2}), jnp::eye(2)).dtype(), jx::float64);
}

TEST(MultivariateNormal, NotPositiveDefiniteGivesNaN) {
  const jx::Array x =
      jr::multivariate_normal(jr::PRNGKey(8), jnp::zeros({2}), jnp::array({{1.0f, 2.0f}, {2.0f, 1.0f}}));
  for (float v : x.to_vector<float>()) EXPECT_TRUE(std::isnan(v));
}

TEST(MultivariateNormal, SameEagerJittedAndVmapped) {
  const jx::Array mean = jnp::array({0.5f, -1.0f});
  const jx::Array cov = jnp::array({{2.0f, 0.3f}, {0.3f, 1.0f}});
  auto draw = [](const jx::Key& k, const jx::Array& m, const jx::Array& c) {
    return jr::multivariate_normal(k, m, c, jx::Shape{3});
  };
  const jx::Key key = jr::PRNGKey(9);
  const jx::Array eager = draw(key, mean, cov);
  EXPECT_EQ(jx::repr(jx::jit(draw)(key, mean, cov)), jx::repr(eager));
  const jx::Key keys = jr::split(key, 4);
  const jx::Array batched = jx::vmap(draw, {.in_axes = {0, std::nullopt, std::nullopt}})(keys, mean, cov);
  ASSERT_EQ(batched.shape(), (jx::Shape{4, 3, 2}));
  for (int i = 0; i < 4; ++i) {
    const auto one = draw(keys[i], mean, cov).to_vector<float>();
    const auto row = batched[i].to_vector<float>();
    for (std::size_t j = 0; j < one.size(); ++j) EXPECT_NEAR(row[j], one[j], 1e-6f * (1 + std::abs(one[j])));
  }
}

TEST(MultivariateNormal, DifferentiableInMeanAndCovariance) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Key key = jr::PRNGKey(10);
  const jx::Array mean = jnp::array({0.5, -1.0, 2.0});
  const jx::Array cov = jnp::array({{2.0, 0.3, 0.1}, {0.3, 1.0, -0.2}, {0.1, -0.2, 1.5}});
  jx::test::check_grads(
      [&](const jx::Array& m, const jx::Array& c) { return jr::multivariate_normal(key, m, c, jx::Shape{4}); },
      {mean, cov}, 2);
}

TEST(MultivariateNormal, ErrorsNameTheOpAndShapes) {
  const jx::Key key = jr::PRNGKey(11);
  int line = 0;
  try {
    line = __LINE__ + 1;
    jr::multivariate_normal(key, jnp::zeros({3}), jnp::eye(2));
    FAIL() << "no error";
  } catch (const jx::ShapeError& e) {
    EXPECT_EQ(e.op(), "multivariate_normal");
    EXPECT_NE(std::string(e.what()).find("f32[2,2]"), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), "multivariate_normal_test.cpp:" + std::to_string(line));
  }
  EXPECT_THROW(jr::multivariate_normal(key, jnp::array(0.0f), jnp::eye(1)), jx::ShapeError);
  EXPECT_THROW(jr::multivariate_normal(key, jnp::zeros({2}), jnp::zeros({2})), jx::ShapeError);
  EXPECT_THROW(jr::multivariate_normal(key, jnp::zeros({2}), jnp::eye(2), std::nullopt, jx::int32), jx::ValueError);
  EXPECT_THROW(jr::multivariate_normal(jr::split(key, 2), jnp::zeros({2}), jnp::eye(2)), jx::ValueError);
}

TEST(MultivariateNormal, KeyReuseIsReportedUnderItsName) {
  jx::primitives::reset_key_reuse_tracking();
  auto checking = jx::config::scoped({.debug_key_reuse = true});
  const jx::Key key = jr::split(jr::PRNGKey(12))[0];
  const int line = __LINE__ + 1;
  jr::multivariate_normal(key, jnp::zeros({2}), jnp::eye(2));
  try {
    jr::normal(key, {2});
    FAIL() << "no error";
  } catch (const jx::KeyReuseError& e) {
    EXPECT_NE(std::string(e.what()).find("multivariate_normal at multivariate_normal_test.cpp:" + std::to_string(line)),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
