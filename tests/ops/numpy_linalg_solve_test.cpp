// jnp.linalg's LU-based functions beyond their values (tests/ops/linalg_oracle_test.cpp has NumPy's):
// derivatives by finite differences, singular matrices, JAX's shape rules for solve, multi_dot's
// order, jit and vmap, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace {

namespace jnp = jx::numpy;
namespace la = jx::numpy::linalg;
using jx::Array;

Array well_conditioned(int seed, const jx::Shape& shape) {
  const std::int64_t n = shape[shape.ndim() - 1];
  return jnp::add(jx::random::normal(jx::random::PRNGKey(seed), shape, jx::float64),
                  jnp::multiply(jnp::eye(n, std::nullopt, 0, jx::float64), jnp::array(3.0)));
}

TEST(NumpyLinalgSolve, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = well_conditioned(1, {3, 3});
  const Array b = jx::random::normal(jx::random::PRNGKey(2), {3, 2}, jx::float64);
  jx::test::check_grads([](const Array& x) { return la::det(x); }, {a}, 2);
  jx::test::check_grads([](const Array& x) { return la::slogdet(x).logabsdet; }, {a}, 2);
  jx::test::check_grads([](const Array& x) { return la::inv(x); }, {a}, 2);
  jx::test::check_grads([](const Array& x, const Array& y) { return la::solve(x, y); }, {a, b}, 2);
  jx::test::check_grads([](const Array& x) { return la::matrix_power(x, -2); }, {a}, 1);
  // d log|det a| = trace(a^-1 da): the gradient is a^-T.
  const Array gradient = jx::grad([](const Array& x) { return la::slogdet(x).logabsdet; })(a);
  const auto g = gradient.to_vector<double>(), want = jnp::swapaxes(la::inv(a), 0, 1).to_vector<double>();
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], 1e-10);
}

// The gradient of det is the cofactor matrix, finite at singular matrices (JAX's rule): for rank n - 1
// it is nonzero, for lower rank zero. The cofactors are computed here from 3 x 3 minors.
TEST(NumpyLinalgSolve, DeterminantGradientIsTheCofactorMatrix) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  // Rank 3: the last row is the sum of the first two.
  const Array a =
      jnp::array({{1.0, 2.0, 0.5, -1.0}, {0.0, 1.0, 3.0, 2.0}, {2.0, -1.0, 1.0, 0.5}, {1.0, 3.0, 3.5, 1.0}});
  const Array gradient = jx::grad([](const Array& x) { return la::det(x); })(a);
  const auto g = gradient.to_vector<double>();
  const auto values = a.to_vector<double>();
  double largest = 0;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      std::vector<double> minor;
      for (int r = 0; r < 4; ++r) {
        for (int c = 0; c < 4; ++c) {
          if (r != i && c != j) minor.push_back(values[static_cast<std::size_t>(4 * r + c)]);
        }
      }
      const double m = minor[0] * (minor[4] * minor[8] - minor[5] * minor[7]) -
                       minor[1] * (minor[3] * minor[8] - minor[5] * minor[6]) +
                       minor[2] * (minor[3] * minor[7] - minor[4] * minor[6]);
      const double cofactor = ((i + j) % 2 == 0 ? 1 : -1) * m;
      largest = std::max(largest, std::abs(cofactor));
      EXPECT_NEAR(g[static_cast<std::size_t>(4 * i + j)], cofactor, 1e-10) << i << "," << j;
    }
  }
  EXPECT_GT(largest, 1.0);  // a rank-(n - 1) matrix has a nonzero adjugate
  // Rank 2: every 3 x 3 minor vanishes, and so does the gradient.
  const Array low =
      jnp::array({{1.0, 2.0, 3.0, 4.0}, {2.0, 4.0, 6.0, 8.0}, {0.0, 1.0, 1.0, 1.0}, {1.0, 3.0, 4.0, 5.0}});
  const auto zero = jx::grad([](const Array& x) { return la::det(x); })(low).to_vector<double>();
  for (double v : zero) EXPECT_EQ(v, 0.0);
  jx::test::check_grads([](const Array& x) { return la::det(x); }, {well_conditioned(9, {2, 5, 5})}, 2);
}

TEST(NumpyLinalgSolve, SingularMatricesGiveZeroDeterminantAndMinusInfinity) {
  const Array singular = jnp::array({{1.0f, 2.0f, 3.0f}, {2.0f, 4.0f, 6.0f}, {0.0f, 1.0f, 1.0f}});
  EXPECT_EQ(la::det(singular).item<float>(), 0.0f);
  const auto [sign, logabsdet] = la::slogdet(singular);
  EXPECT_EQ(sign.item<float>(), 0.0f);
  EXPECT_EQ(logabsdet.item<float>(), -std::numeric_limits<float>::infinity());
  // A permutation matrix has determinant -1 from the row swap alone.
  EXPECT_EQ(la::det(jnp::array({{0.0f, 1.0f}, {1.0f, 0.0f}})).item<float>(), -1.0f);
  // Integer input is promoted to the default float type, as in JAX.
  EXPECT_EQ(la::det(jnp::array({{2, 0}, {0, 3}})).dtype(), jx::float32);
}

TEST(NumpyLinalgSolve, SolveFollowsJaxShapeRules) {
  const Array a = jnp::array({{2.0f, 1.0f}, {1.0f, 3.0f}});
  const Array x = la::solve(a, jnp::array({3.0f, 5.0f}));  // vector b: x = [0.8, 1.4]
  EXPECT_NEAR(x.to_vector<float>()[0], 0.8f, 1e-6);
  EXPECT_NEAR(x.to_vector<float>()[1], 1.4f, 1e-6);
  // Matrix b broadcasts against a's batch dimensions.
  const Array batch = jnp::broadcast_to(a, {4, 2, 2});
  EXPECT_EQ(la::solve(batch, jnp::ones({2, 3})).shape(), (jx::Shape{4, 2, 3}));
  // (n, n) with (batch, n) would be a stack of vectors before JAX 0.5: refused with the fix.
  try {
    la::solve(jnp::broadcast_to(a, {3, 2, 2}), jnp::ones({3, 2}));
    FAIL() << "expected ShapeError";
  } catch (const jx::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("b[..., None]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(la::solve(a, jnp::ones({3})), jx::ShapeError);
  EXPECT_THROW(la::inv(jnp::ones({2, 3})), jx::ShapeError);
}

TEST(NumpyLinalgSolve, MultiDotPicksTheCheapOrderAndAgrees) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = jx::random::normal(jx::random::PRNGKey(3), {10, 100}, jx::float64);
  const Array b = jx::random::normal(jx::random::PRNGKey(4), {100, 5}, jx::float64);
  const Array c = jx::random::normal(jx::random::PRNGKey(5), {5, 50}, jx::float64);
  const Array v = jx::random::normal(jx::random::PRNGKey(6), {50}, jx::float64);
  const Array chained = jnp::matmul(jnp::matmul(jnp::matmul(a, b), c), v);
  const Array product = la::multi_dot({a, b, c, v});
  const auto p = product.to_vector<double>(), want = chained.to_vector<double>();
  ASSERT_EQ(product.shape(), (jx::Shape{10}));
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], want[i], 1e-9 * (1 + std::abs(want[i])));
  EXPECT_THROW(la::multi_dot({a}), jx::ValueError);
  // tensorsolve: a's leading axes must be b's shape, not just hold as many elements.
  EXPECT_THROW(la::tensorsolve(jnp::ones({2, 3, 6}), jnp::ones({3, 2})), jx::ShapeError);
}

TEST(NumpyLinalgSolve, JitAndVmapAgreeWithEager) {
  const Array a = jnp::astype(well_conditioned(7, {5, 3, 3}), jx::float32);
  const Array eager = la::inv(a);
  const Array jitted = jx::jit([](const Array& x) { return la::inv(x); })(a);
  const Array mapped = jx::vmap([](const Array& x) { return la::inv(x); })(a);
  const auto e = eager.to_vector<float>(), j = jitted.to_vector<float>(), m = mapped.to_vector<float>();
  for (std::size_t i = 0; i < e.size(); ++i) {
    EXPECT_NEAR(j[i], e[i], 1e-5);
    EXPECT_NEAR(m[i], e[i], 1e-5);
  }
}

// solve, det and slogdet run as one getrf each (no layout changes) and differentiate through the lu
// primitive: check both paths, for complex input, batched, under vmap with one argument unbatched,
// and under jit, against the defining identities and finite differences.
TEST(NumpyLinalgSolve, OneFactorizationPathsAgreeUnderEveryTransform) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array real = well_conditioned(11, {3, 5, 5});
  const Array imaginary = jx::random::normal(jx::random::PRNGKey(12), {3, 5, 5}, jx::float64);
  const Array a = jx::lax::complex(real, imaginary);
  const Array b = jx::lax::complex(jx::random::normal(jx::random::PRNGKey(13), {5, 2}, jx::float64),
                                   jx::random::normal(jx::random::PRNGKey(14), {5, 2}, jx::float64));
  // a x = b for each matrix of the stack (b broadcast against it).
  const Array x = la::solve(a, b);
  const auto residual = jnp::subtract(jnp::matmul(a, x), b).to_vector<std::complex<double>>();
  for (const auto& r : residual) EXPECT_LT(std::abs(r), 1e-12);
  // vmap over a only, and jit, give the eager values.
  const Array mapped = jx::vmap([&](const Array& m) { return la::solve(m, b); })(a);
  const Array jitted = jx::jit([](const Array& m, const Array& r) { return la::solve(m, r); })(a, b);
  const auto want = x.to_vector<std::complex<double>>();
  const auto from_vmap = mapped.to_vector<std::complex<double>>(), from_jit = jitted.to_vector<std::complex<double>>();
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_LT(std::abs(from_vmap[i] - want[i]), 1e-12);
    EXPECT_LT(std::abs(from_jit[i] - want[i]), 1e-12);
  }
  // det = sign * exp(logabsdet), and both agree with the product of eigenvalues.
  const Array det = la::det(a);
  const auto [sign, logabsdet] = la::slogdet(a);
  const Array eigen_product = jnp::prod(la::eigvals(a), -1);
  const auto d = det.to_vector<std::complex<double>>(), s = sign.to_vector<std::complex<double>>(),
             e = eigen_product.to_vector<std::complex<double>>();
  const auto l = logabsdet.to_vector<double>();
  for (std::size_t i = 0; i < d.size(); ++i) {
    EXPECT_LT(std::abs(d[i] - s[i] * std::exp(l[i])), 1e-9 * std::abs(d[i]));
    EXPECT_LT(std::abs(d[i] - e[i]), 1e-8 * std::abs(d[i]));
    EXPECT_NEAR(std::abs(s[i]), 1.0, 1e-12);
  }
  const Array det_jitted = jx::jit([](const Array& m) { return la::det(m); })(a);
  const auto dj = det_jitted.to_vector<std::complex<double>>();
  for (std::size_t i = 0; i < d.size(); ++i) EXPECT_LT(std::abs(dj[i] - d[i]), 1e-9 * std::abs(d[i]));
  // Derivatives: every argument, complex, to second order where the rules are smooth.
  const Array one = jnp::squeeze(jx::lax::slice_in_dim(a, 0, 1, 1, 0), 0);
  jx::test::check_grads([](const Array& m, const Array& r) { return la::solve(m, r); }, {one, b}, 2);
  jx::test::check_grads([](const Array& m) { return la::det(m); }, {one}, 2);
  jx::test::check_grads([](const Array& m) { return la::slogdet(m).logabsdet; }, {one}, 2);
  jx::test::check_grads([](const Array& m) { return la::slogdet(m).sign; }, {one}, 1);
  // The gradient of a solve inside another rule's tangent (eigvals' solve(v, da)) transposes solve.
  jx::test::check_grads([](const Array& m) { return jnp::real(jnp::sum(la::eigvals(m))); },
                        {well_conditioned(15, {4, 4})}, 1);
}

TEST(NumpyLinalgSolve, SingularSystemsGiveNonFiniteValuesNotErrors) {
  const Array singular =
      jnp::array({{1.0, 2.0, 3.0, 4.0}, {2.0, 4.0, 6.0, 8.0}, {0.0, 1.0, 1.0, 1.0}, {1.0, 0.0, 2.0, 5.0}});
  const auto x = la::solve(singular, jnp::ones({4})).to_vector<float>();
  EXPECT_TRUE(std::any_of(x.begin(), x.end(), [](float v) { return !std::isfinite(v); }));
  EXPECT_EQ(la::det(singular).item<float>(), 0.0f);
  EXPECT_EQ(la::slogdet(singular).logabsdet.item<float>(), -std::numeric_limits<float>::infinity());
}

// jnp.linalg's array-API aliases act on the last two axes (jnp.diagonal and jnp.trace default to the
// first two), and tensordot and matmul are the NumPy functions.
TEST(NumpyLinalgSolve, ArrayApiAliasesUseTheLastTwoAxes) {
  const Array x = jnp::reshape(jnp::arange(18, jx::float32), {2, 3, 3});
  EXPECT_EQ(la::diagonal(x).to_vector<float>(), (std::vector<float>{0, 4, 8, 9, 13, 17}));
  EXPECT_EQ(la::diagonal(x, 1).to_vector<float>(), (std::vector<float>{1, 5, 10, 14}));
  EXPECT_EQ(la::trace(x).to_vector<float>(), (std::vector<float>{12, 39}));
  const Array a = jnp::array({{1.0f, 2.0f}, {3.0f, 4.0f}}), b = jnp::array({{5.0f, 6.0f}, {7.0f, 8.0f}});
  EXPECT_EQ(la::matmul(a, b).to_vector<float>(), (std::vector<float>{19, 22, 43, 50}));
  EXPECT_EQ(la::tensordot(a, b).item<float>(), 70.0f);  // sum of a * b over both axes
  EXPECT_EQ(la::tensordot(a, b, 1).to_vector<float>(), (std::vector<float>{19, 22, 43, 50}));
}

}  // namespace
