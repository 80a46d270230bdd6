// jnp.linalg's SVD-, eigen- and QR-based functions and norms beyond their values (NumPy's are in
// tests/ops/linalg_oracle_test.cpp): derivatives by finite differences, the hermitian SVD path, the
// result structs, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "array_close.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/test_util.h"
#include "jx/transforms/jit.h"

namespace {

namespace jnp = jx::numpy;
namespace la = jx::numpy::linalg;
using jx::Array;

void expect_close(const Array& got, const Array& want, double tolerance) {
  EXPECT_TRUE(jx::testing::all_close(got, want, tolerance, tolerance));
}

TEST(NumpyLinalgSpectral, NormDerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array x = jx::random::normal(jx::random::PRNGKey(1), {4, 3}, jx::float64);
  jx::test::check_grads([](const Array& a) { return la::norm(a); }, {x}, 2);
  jx::test::check_grads([](const Array& a) { return la::norm(a, {.ord = 3, .axis = 0}); }, {x}, 2);
  jx::test::check_grads([](const Array& a) { return la::norm(a, {.ord = "nuc"}); }, {x}, 1);
  jx::test::check_grads([](const Array& a) { return la::norm(a, {.ord = 2}); }, {x}, 1);
  jx::test::check_grads([](const Array& a) { return la::pinv(a); }, {x}, 1);
  jx::test::check_grads([](const Array& a) { return la::cond(a); }, {x}, 1);
}

// pinv's derivative holds at any rank (JAX's rule): a rank-deficient matrix, differentiated along
// directions that keep its rank (a smooth family), matches finite differences.
TEST(NumpyLinalgSpectral, PinvDerivativeAtLowRank) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array u = jx::random::normal(jx::random::PRNGKey(3), {5, 2}, jx::float64);
  const Array v = jx::random::normal(jx::random::PRNGKey(4), {2, 4}, jx::float64);
  // f(u) = pinv(u v): rank 2 for every u near this one.
  jx::test::check_grads([&v](const Array& w) { return la::pinv(jnp::matmul(w, v)); }, {u}, 1);
  // hermitian: the function and its rule both read the Hermitian part of a.
  const Array m = jx::random::normal(jx::random::PRNGKey(5), {4, 4}, jx::float64);
  jx::test::check_grads([](const Array& w) { return la::pinv(w, {.hermitian = true}); },
                        {jnp::add(m, jnp::swapaxes(m, 0, 1))}, 1);
  const Array z = jx::lax::complex(u, jnp::multiply(u, jnp::array(0.5)));
  jx::test::check_grads([](const Array& w) { return la::pinv(w); }, {z}, 1);
}

TEST(NumpyLinalgSpectral, HermitianSvdAgreesWithTheGeneralOne) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array m = jx::random::normal(jx::random::PRNGKey(2), {2, 4, 4}, jx::float64);
  const Array a = jnp::add(m, jnp::swapaxes(m, -1, -2));  // symmetric, indefinite
  const auto [u, s, vh] = la::svd(a, {.hermitian = true});
  expect_close(s, la::svdvals(a), 1e-12);
  expect_close(jnp::matmul(jnp::multiply(u, jnp::expand_dims(s, -2)), vh), a, 1e-12);
  expect_close(la::svd(a, {.compute_uv = false, .hermitian = true}).S, s, 1e-12);
  expect_close(la::pinv(a, {.hermitian = true}), la::pinv(a), 1e-10);
}

TEST(NumpyLinalgSpectral, ResultStructsCarryJaxFieldNames) {
  const Array a = jnp::array({{2.0f, 1.0f}, {1.0f, 2.0f}});
  const la::EighResult eigh = la::eigh(a);
  expect_close(eigh.eigenvalues, jnp::array({1.0f, 3.0f}), 1e-6);
  const la::SVDResult svd = la::svd(a, {.full_matrices = false});
  expect_close(svd.S, jnp::array({3.0f, 1.0f}), 1e-6);
  const la::QRResult qr = la::qr(a, "r");
  EXPECT_FALSE(qr.Q.valid());
  EXPECT_EQ(qr.R.shape(), (jx::Shape{2, 2}));
  const la::EigResult eig = la::eig(a);
  EXPECT_EQ(eig.eigenvalues.dtype(), jx::complex64);
  EXPECT_EQ(eig.eigenvectors.shape(), (jx::Shape{2, 2}));
  const auto [x, residuals, rank, s] =
      la::lstsq(jnp::array({{1.0f, 0.0f}, {0.0f, 1.0f}, {1.0f, 1.0f}}), jnp::array({1.0f, 2.0f, 4.0f}));
  // The normal equations give x = (4/3, 7/3) with residual |b - a x|^2 = 1/3.
  expect_close(x, jnp::array({4.0f / 3, 7.0f / 3}), 1e-5);
  expect_close(residuals, jnp::array({1.0f / 3}), 1e-5);
  EXPECT_EQ(rank.item<std::int32_t>(), 2);
  EXPECT_EQ(s.shape(), (jx::Shape{2}));
}

TEST(NumpyLinalgSpectral, RankAndConditionOfDeficientMatrices) {
  const Array deficient = jnp::array({{1.0f, 2.0f}, {2.0f, 4.0f}});
  EXPECT_EQ(la::matrix_rank(deficient).item<std::int32_t>(), 1);
  EXPECT_EQ(la::matrix_rank(jnp::array({0.0f, 1.0f})).item<std::int32_t>(), 1);
  EXPECT_TRUE(std::isinf(la::cond(deficient, 1).item<float>()));
  EXPECT_GT(la::cond(deficient).item<float>(), 1e6f);
}

TEST(NumpyLinalgSpectral, BadInputRaisesNamedErrors) {
  const Array x = jnp::ones({3, 3});
  EXPECT_THROW(la::norm(x, {.ord = "fro", .axis = 0}), jx::ValueError);
  EXPECT_THROW(la::norm(x, {.ord = 3}), jx::ValueError);
  EXPECT_THROW(la::norm(jnp::ones({2, 2, 2}), {.axis = jx::Axes{0, 1, 2}}), jx::ValueError);
  EXPECT_THROW(la::matrix_norm(jnp::ones({3})), jx::ShapeError);
  EXPECT_THROW(la::eigh(x, {.UPLO = "X"}), jx::ValueError);
  EXPECT_THROW(la::cond(jnp::ones({2, 3}), 1), jx::ShapeError);
  EXPECT_THROW(la::lstsq(jnp::ones({3, 2}), jnp::ones({2})), jx::ShapeError);
  EXPECT_THROW(la::matrix_rank(x, {.rtol = 0.1, .tol = 0.1}), jx::ValueError);
}

}  // namespace
