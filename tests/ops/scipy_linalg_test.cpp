// jax.scipy.linalg: the matrix functions against closed forms (expm of a rotation generator, of a
// nilpotent and a diagonal matrix; sqrtm squared; the polar factors' properties), the factor-and-solve
// pairs by substitution, derivatives by finite differences, and the errors. SciPy's values on more
// inputs are in tests/ops/linalg_oracle_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
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
namespace sla = jx::scipy::linalg;
using jx::Array;

void expect_close(const Array& got, const Array& want, double tolerance) {
  EXPECT_TRUE(jx::testing::all_close(got, want, tolerance, tolerance));
}

Array adjoint(const Array& x) { return jnp::conj(jnp::swapaxes(x, -1, -2)); }

Array complex_normal(int seed, const jx::Shape& shape) {
  return jx::lax::complex(jx::random::normal(jx::random::PRNGKey(seed), shape, jx::float64),
                          jx::random::normal(jx::random::PRNGKey(seed + 100), shape, jx::float64));
}

TEST(ScipyLinalg, ExpmMatchesClosedForms) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  // exp([[0, -t], [t, 0]]) is the rotation by t, for norms that need no squaring up to many.
  for (double t : {0.01, 0.5, 3.0, 40.0}) {
    SCOPED_TRACE(t);
    const Array generator = jnp::array({{0.0, -t}, {t, 0.0}});
    const Array rotation = jnp::array({{std::cos(t), -std::sin(t)}, {std::sin(t), std::cos(t)}});
    expect_close(sla::expm(generator), rotation, 1e-12);
    expect_close(sla::expm(jnp::astype(generator, jx::float32)), jnp::astype(rotation, jx::float32), 2e-5);
  }
  // Nilpotent: exp(N) = I + N + N^2 / 2.
  const Array n = jnp::array({{0.0, 1.0, 2.0}, {0.0, 0.0, 3.0}, {0.0, 0.0, 0.0}});
  expect_close(sla::expm(n), jnp::array({{1.0, 1.0, 3.5}, {0.0, 1.0, 3.0}, {0.0, 0.0, 1.0}}), 1e-14);
  // A stack, each matrix with its own degree and scaling; the same values as one at a time.
  const Array d = jnp::array({{2.0, 0.0, 0.0}, {0.0, -1.0, 0.0}, {0.0, 0.0, 30.0}});
  const Array stacked = sla::expm(jnp::stack({d, n}));
  expect_close(jx::lax::slice_in_dim(stacked, 0, 1, 1, 0),
               jnp::expand_dims(
                   jnp::array({{std::exp(2.0), 0.0, 0.0}, {0.0, std::exp(-1.0), 0.0}, {0.0, 0.0, std::exp(30.0)}}), 0),
               1e-10);  // exp(30) after 3 squarings: a relative error of a few 1e-11
  expect_close(jx::lax::slice_in_dim(stacked, 1, 2, 1, 0), jnp::expand_dims(sla::expm(n), 0), 1e-14);
  // Under jit, the same.
  expect_close(jx::jit([](const Array& x) { return sla::expm(x); })(d), sla::expm(d), 1e-14);
}

TEST(ScipyLinalg, ExpmDerivativeMatchesFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = jx::random::normal(jx::random::PRNGKey(1), {3, 3}, jx::float64);
  jx::test::check_grads([](const Array& x) { return sla::expm(x); }, {a}, 1);
  jx::test::check_grads([](const Array& x) { return sla::expm(jnp::multiply(x, jnp::array(8.0))); }, {a}, 1,
                        jx::test::Modes::both, 1e-4, 1e-4);
}

TEST(ScipyLinalg, SqrtmAndPolarSatisfyTheirDefinitions) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array m = jx::random::normal(jx::random::PRNGKey(2), {4, 4}, jx::float64);
  const Array spd = jnp::add(jnp::matmul(m, jnp::swapaxes(m, 0, 1)), jnp::eye(4, std::nullopt, 0, jx::float64));
  const Array root = sla::sqrtm(spd);
  EXPECT_EQ(root.dtype(), jx::complex128);  // the complex Schur method, as JAX
  expect_close(jnp::matmul(root, root), jnp::astype(spd, jx::complex128), 1e-10);
  // The principal root of an SPD matrix is SPD: real, symmetric.
  EXPECT_LT(jnp::max(jnp::abs(jnp::imag(root))).item<double>(), 1e-10);
  const Array tall = jx::random::normal(jx::random::PRNGKey(3), {5, 3}, jx::float64);
  const auto [u, p] = sla::polar(tall);
  expect_close(jnp::matmul(u, p), tall, 1e-12);
  expect_close(jnp::matmul(jnp::swapaxes(u, 0, 1), u), jnp::eye(3, std::nullopt, 0, jx::float64), 1e-12);
  expect_close(p, jnp::swapaxes(p, 0, 1), 1e-12);
  EXPECT_GT(jnp::min(jnp::linalg::eigvalsh(p)).item<double>(), 0.0);
  const auto [u_left, p_left] = sla::polar(tall, "left");
  expect_close(jnp::matmul(p_left, u_left), tall, 1e-12);
}

TEST(ScipyLinalg, FactorAndSolvePairsSubstituteBack) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array m = complex_normal(4, {3, 4, 4});
  const Array a = jnp::add(m, jnp::multiply(jnp::eye(4, std::nullopt, 0, jx::complex128), jnp::array(4.0)));
  const Array b = complex_normal(5, {3, 4, 2});
  const auto factors = sla::lu_factor(a);
  expect_close(jnp::matmul(a, sla::lu_solve(factors, b)), b, 1e-12);
  expect_close(jnp::matmul(jnp::swapaxes(a, -1, -2), sla::lu_solve(factors, b, 1)), b, 1e-12);
  expect_close(jnp::matmul(adjoint(a), sla::lu_solve(factors, b, 2)), b, 1e-12);
  const Array hpd = jnp::add(jnp::matmul(m, adjoint(m)), jnp::eye(4, std::nullopt, 0, jx::complex128));
  for (bool lower : {true, false}) {
    expect_close(jnp::matmul(hpd, sla::cho_solve(sla::cho_factor(hpd, {.lower = lower}), b)), b, 1e-12);
    expect_close(jnp::matmul(hpd, sla::solve(hpd, b, {.lower = lower, .assume_a = "pos"})), b, 1e-12);
  }
  const Array upper = sla::cholesky(hpd);
  expect_close(jnp::matmul(adjoint(upper), upper), hpd, 1e-12);
  const auto [p, l, u] = sla::lu(a);
  const auto permuted = sla::lu(a, {.permute_l = true});
  EXPECT_FALSE(permuted.P.valid());
  expect_close(permuted.L, jnp::matmul(p, l), 0);
  jx::test::check_grads([](const Array& x, const Array& y) { return sla::lu_solve(sla::lu_factor(x), y, 2); }, {a, b},
                        1);
}

// As SciPy and JAX: cholesky reads only the named triangle (no symmetrization), and a 1-D b is one
// right-hand side for every matrix of a stack.
TEST(ScipyLinalg, CholeskyReadsOneTriangle) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array spd = jnp::array({{4.0, 2.0, 0.4}, {2.0, 3.0, 0.5}, {0.4, 0.5, 2.0}});
  const Array garbage_above = jnp::add(jnp::tril(spd), jnp::triu(jnp::full_like(spd, 7.0), 1));
  const Array garbage_below = jnp::add(jnp::triu(spd), jnp::tril(jnp::full_like(spd, -7.0), -1));
  const Array l = sla::cholesky(garbage_above, {.lower = true});
  expect_close(jnp::matmul(l, jnp::swapaxes(l, 0, 1)), spd, 1e-12);
  const Array u = sla::cholesky(garbage_below);
  expect_close(jnp::matmul(jnp::swapaxes(u, 0, 1), u), spd, 1e-12);
  const Array stack = jnp::stack({spd, jnp::multiply(spd, jnp::array(2.0))});
  const Array b = jnp::array({1.0, -1.0, 0.5});
  const Array x = sla::cho_solve(sla::cho_factor(stack, {.lower = true}), b);
  EXPECT_EQ(x.shape(), (jx::Shape{2, 3}));
  expect_close(jnp::matmul(stack, jnp::expand_dims(x, -1)), jnp::broadcast_to(jnp::expand_dims(b, -1), {2, 3, 1}),
               1e-12);
}

TEST(ScipyLinalg, BlockDiagAndToeplitz) {
  const Array blocks = sla::block_diag({jnp::array({{1.0f, 2.0f}}), jnp::array(3.0f), jnp::array({{4.0f}, {5.0f}})});
  EXPECT_EQ(blocks.shape(), (jx::Shape{4, 4}));
  EXPECT_EQ(blocks.to_vector<float>(), (std::vector<float>{1, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4, 0, 0, 0, 5}));
  const Array t = sla::toeplitz(jnp::array({1.0f, 2.0f, 3.0f}), jnp::array({1.0f, 4.0f}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 4, 2, 1, 3, 2}));
  const Array hermitian = sla::toeplitz(jnp::array({std::complex<float>(1, 0), std::complex<float>(2, 1)}));
  EXPECT_EQ(hermitian.to_vector<std::complex<float>>()[1], std::complex<float>(2, -1));  // r = conj(c)
  EXPECT_THROW(sla::block_diag({jnp::ones({2, 2, 2})}), jx::ShapeError);
  EXPECT_EQ(sla::toeplitz(jnp::ones({3}), jnp::zeros({0})).shape(), (jx::Shape{3, 0}));
}

TEST(ScipyLinalg, BadInputRaisesNamedErrors) {
  const Array a = jnp::ones({3, 3});
  EXPECT_THROW(sla::expm(jnp::ones({2, 3})), jx::ShapeError);
  EXPECT_THROW(sla::solve(a, jnp::ones({3}), {.assume_a = "banded"}), jx::ValueError);
  EXPECT_THROW(sla::lu_solve(sla::lu_factor(a), jnp::ones({3}), 3), jx::ValueError);
  EXPECT_THROW(sla::solve_triangular(a, jnp::ones({4})), jx::ShapeError);
  EXPECT_THROW(sla::qr(a, "reduced"), jx::ValueError);
  EXPECT_THROW(sla::polar(a, "up"), jx::ValueError);
  EXPECT_THROW(sla::schur(a, "quaternion"), jx::ValueError);
}

// scipy.linalg.eigh returns (w, v), eigenvalues first; scipy.linalg.svd (U, s, Vh). Checked by
// reconstruction, as the eigenvectors' and singular vectors' signs are free.
TEST(ScipyLinalg, EighAndSvdReconstructTheMatrix) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array m = jx::random::normal(jx::random::PRNGKey(21), {4, 4}, jx::float64);
  const Array symmetric = jnp::add(m, jnp::swapaxes(m, 0, 1));
  const auto [w, v] = sla::eigh(symmetric);
  const Array rebuilt = jnp::matmul(jnp::multiply(v, jnp::expand_dims(w, 0)), jnp::swapaxes(v, 0, 1));
  const auto want = symmetric.to_vector<double>(), got = rebuilt.to_vector<double>();
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12);
  const auto values = w.to_vector<double>();
  EXPECT_TRUE(std::is_sorted(values.begin(), values.end()));
  EXPECT_EQ(sla::eigh(symmetric, {.eigvals_only = true}).first.to_vector<double>(), values);

  const Array tall = jx::random::normal(jx::random::PRNGKey(22), {5, 3}, jx::float64);
  const auto [u, s, vh] = sla::svd(tall, {.full_matrices = false});
  EXPECT_EQ(u.shape(), (jx::Shape{5, 3}));
  const Array product = jnp::matmul(jnp::multiply(u, jnp::expand_dims(s, 0)), vh);
  const auto t = tall.to_vector<double>(), p = product.to_vector<double>();
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(p[i], t[i], 1e-12);
  EXPECT_EQ(sla::svd(tall).U.shape(), (jx::Shape{5, 5}));
}

}  // namespace
