// jx::random::orthogonal, multivariate_normal's "svd" and "eigh" methods and the orthogonal
// initializer: orthonormality, the Haar distribution (for n = 3 a column's first entry is uniform on
// [-1, 1], and det = +1 and -1 are equally likely), the moments of many multivariate draws, and
// positive semidefinite covariances that only the eigen-methods accept.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/linalg.h"
#include "jx/nn/initializers.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "random/statistics.h"

namespace {

namespace jnp = jx::numpy;
namespace jr = jx::random;
using jx_test::ks_statistic;

void expect_identity(const jx::Array& gram, double tolerance) {
  const std::int64_t n = gram.shape()[gram.ndim() - 1];
  const auto values = gram.to_vector<std::complex<double>>();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::int64_t row = static_cast<std::int64_t>(i) / n % n, col = static_cast<std::int64_t>(i) % n;
    EXPECT_NEAR(std::abs(values[i] - std::complex<double>(row == col ? 1 : 0)), 0.0, tolerance) << i;
  }
}

jx::Array gram(const jx::Array& q) { return jnp::matmul(jnp::conj(jnp::swapaxes(q, -1, -2)), q); }

TEST(Orthogonal, MatricesAreOrthogonalAndHaarDistributed) {
  const jx::Array q = jr::orthogonal(jr::PRNGKey(0), 3, {20000});
  ASSERT_EQ(q.shape(), (jx::Shape{20000, 3, 3}));
  expect_identity(gram(q), 1e-5);
  std::vector<double> first;
  const auto values = q.to_vector<double>();
  for (std::size_t i = 0; i < values.size(); i += 9) first.push_back(values[i]);
  EXPECT_LT(ks_statistic(first, [](double t) { return std::clamp((t + 1) / 2, 0.0, 1.0); }), 2.5);
  const auto dets = jnp::linalg::det(q).to_vector<float>();
  double positive = 0;
  for (float d : dets) {
    EXPECT_NEAR(std::abs(d), 1.0f, 1e-4f);
    positive += d > 0;
  }
  EXPECT_NEAR(positive / static_cast<double>(dets.size()), 0.5, 5 * 0.5 / std::sqrt(static_cast<double>(dets.size())));
}

TEST(Orthogonal, RectangularAndComplex) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Array tall = jr::orthogonal(jr::PRNGKey(1), 5, {}, jx::float64, 3);
  EXPECT_EQ(tall.shape(), (jx::Shape{5, 3}));
  expect_identity(gram(tall), 1e-12);
  // n < m: orthonormal rows, as JAX (the conjugate transpose of a tall draw).
  const jx::Array wide = jr::orthogonal(jr::PRNGKey(4), 3, {2}, jx::float64, 5);
  EXPECT_EQ(wide.shape(), (jx::Shape{2, 3, 5}));
  expect_identity(gram(jnp::swapaxes(wide, -1, -2)), 1e-12);
  const jx::Array unitary = jr::orthogonal(jr::PRNGKey(2), 4, {2}, jx::complex128);
  EXPECT_EQ(unitary.dtype(), jx::complex128);
  expect_identity(gram(unitary), 1e-12);
  EXPECT_THROW(jr::orthogonal(jr::PRNGKey(3), 3, {}, jx::int32), jx::ValueError);  // as every jx::random sampler
}

TEST(MultivariateNormalMethods, SvdAndEighDrawTheSameDistribution) {
  const double cov[2][2] = {{2.0, 0.6}, {0.6, 0.5}};
  const jx::Array covariance = jnp::array({{2.0f, 0.6f}, {0.6f, 0.5f}});
  constexpr std::int64_t kDraws = 200000;
  for (const char* method : {"svd", "eigh"}) {
    SCOPED_TRACE(method);
    const jx::Array x =
        jr::multivariate_normal(jr::PRNGKey(7), jnp::zeros({2}), covariance, jx::Shape{kDraws}, std::nullopt, method);
    const auto v = x.to_vector<double>();
    double products[2][2] = {};
    std::vector<double> mahalanobis;
    const double det = cov[0][0] * cov[1][1] - cov[0][1] * cov[0][1];
    for (std::size_t s = 0; s < v.size(); s += 2) {
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
          products[i][j] += v[s + static_cast<std::size_t>(i)] * v[s + static_cast<std::size_t>(j)];
      // d^T cov^-1 d with the 2 x 2 inverse written out.
      mahalanobis.push_back(
          (cov[1][1] * v[s] * v[s] - 2 * cov[0][1] * v[s] * v[s + 1] + cov[0][0] * v[s + 1] * v[s + 1]) / det);
    }
    const double n = static_cast<double>(kDraws);
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        const double se = std::sqrt((cov[i][i] * cov[j][j] + cov[i][j] * cov[i][j]) / n);
        EXPECT_NEAR(products[i][j] / n, cov[i][j], 5 * se) << i << "," << j;
      }
    }
    // Chi-square with 2 degrees of freedom: CDF 1 - exp(-x / 2).
    EXPECT_LT(ks_statistic(mahalanobis, [](double t) { return t <= 0 ? 0.0 : 1 - std::exp(-t / 2); }), 2.5);
  }
}

TEST(MultivariateNormalMethods, SemidefiniteCovarianceWorksWithTheSvd) {
  // Rank 1: every draw lies on the line x1 = 2 x0, and the draws spread along it (Cholesky gives NaN).
  // Off the line by sqrt(the float32 rounding of the zero singular value), as in JAX.
  const jx::Array covariance = jnp::array({{1.0f, 2.0f}, {2.0f, 4.0f}});
  const jx::Array x =
      jr::multivariate_normal(jr::PRNGKey(8), jnp::zeros({2}), covariance, jx::Shape{100}, std::nullopt, "svd");
  const auto v = x.to_vector<double>();
  double spread = 0;
  for (std::size_t s = 0; s < v.size(); s += 2) {
    EXPECT_NEAR(v[s + 1], 2 * v[s], 5e-3 * (1 + std::abs(v[s])));
    spread += v[s] * v[s];
  }
  EXPECT_GT(spread / 100, 0.5);
  EXPECT_TRUE(jnp::any(jnp::isnan(jr::multivariate_normal(jr::PRNGKey(8), jnp::zeros({2}), covariance))).item<bool>());
  EXPECT_THROW(jr::multivariate_normal(jr::PRNGKey(8), jnp::zeros({2}), covariance, std::nullopt, std::nullopt, "lu"),
               jx::ValueError);
}

TEST(OrthogonalInitializer, ColumnsOrRowsAreOrthonormal) {
  const auto init = jx::nn::initializers::orthogonal(2.0);
  const jx::Array w = init(jr::PRNGKey(9), {4, 3, 5}, jx::float32);
  EXPECT_EQ(w.shape(), (jx::Shape{4, 3, 5}));
  const jx::Array flat = jnp::reshape(w, {12, 5});
  expect_identity(jnp::divide(gram(flat), jnp::array(4.0f)), 1e-5);  // scale 2: Q^T Q = 4 I
  // Fewer rows than columns: the rows are orthonormal.
  const jx::Array wide = jx::nn::initializers::orthogonal()(jr::PRNGKey(10), {2, 6}, jx::float32);
  expect_identity(gram(jnp::swapaxes(wide, 0, 1)), 1e-5);
  // The column axis may be any axis.
  const jx::Array first = jx::nn::initializers::orthogonal(1.0, 0)(jr::PRNGKey(11), {3, 4}, jx::float32);
  expect_identity(gram(jnp::swapaxes(first, 0, 1)), 1e-5);
  EXPECT_THROW(jx::nn::initializers::orthogonal()(jr::PRNGKey(12), {3}, jx::float32), jx::ShapeError);
}

}  // namespace
