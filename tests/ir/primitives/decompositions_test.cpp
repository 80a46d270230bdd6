// The decomposition primitives (lax.linalg.lu, qr, geqrf, householder_product, eigh, svd, eig, schur,
// tridiagonal_solve): each checked by reconstruction and orthogonality (their factors are unique only
// up to signs and phases, so values alone would not do), for float32, float64, complex64 and
// complex128, tall, wide and batched; their derivatives by finite differences (check_grads, to second
// order where JAX's rules allow); jit and vmap; and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "array_close.h"
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
namespace linalg = jx::lax::linalg;
using jx::Array;

// |got - want| <= tolerance * (1 + max |want|), over all elements (complex ones by magnitude).
void expect_close(const Array& got, const Array& want, double tolerance) {
  EXPECT_TRUE(jx::testing::all_close(got, want, tolerance * jx::testing::magnitude_scale(want)));
}

Array adjoint(const Array& x) { return jnp::conj(jnp::swapaxes(x, -1, -2)); }

// A random matrix stack of the dtype (complex ones have random imaginary parts too).
Array random_matrix(int seed, const jx::Shape& shape, jx::DType dtype) {
  const jx::DType real = jx::real_dtype(dtype);
  const Array re = jx::random::normal(jx::random::PRNGKey(seed), shape, real);
  if (!jx::is_complex(dtype)) return re;
  const Array im = jx::random::normal(jx::random::PRNGKey(seed + 1000), shape, real);
  return jx::lax::complex(re, im);
}

Array identity_like(std::int64_t n, jx::DType dtype) { return jnp::eye(n, std::nullopt, 0, dtype); }

struct DTypeCase {
  std::string name;
  double tolerance;
};

class Decompositions : public ::testing::TestWithParam<DTypeCase> {
 protected:
  jx::DType dtype() const {
    const std::string& n = GetParam().name;
    return n == "float32"     ? jx::float32
           : n == "float64"   ? jx::float64
           : n == "complex64" ? jx::complex64
                              : jx::complex128;
  }
  double tolerance() const { return GetParam().tolerance; }
};

TEST_P(Decompositions, LuReconstructs) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const jx::Shape& shape : {jx::Shape{4, 4}, jx::Shape{5, 3}, jx::Shape{3, 5}, jx::Shape{2, 3, 4, 4}}) {
    SCOPED_TRACE(shape.to_string());
    const Array a = random_matrix(1, shape, dtype());
    const auto [lu, pivots, permutation] = linalg::lu(a);
    EXPECT_EQ(pivots.dtype(), jx::int32);
    const auto [p, l, u] = jx::scipy::linalg::lu(a);
    expect_close(jnp::matmul(p, jnp::matmul(l, u)), a, tolerance());
    // permutation is the row order: a[permutation] = L U.
    const Array rows = jnp::broadcast_to(jnp::expand_dims(permutation, -1), a.shape());
    expect_close(jnp::take_along_axis(a, rows, -2), jnp::matmul(l, u), tolerance());
    // Partial pivoting keeps |L| <= 1; LAPACK pivots complex matrices on |re| + |im|, which allows
    // |L| up to sqrt(2).
    const double bound = jx::is_complex(dtype()) ? std::sqrt(2.0) : 1.0;
    EXPECT_LE(jnp::max(jnp::abs(l)).item<double>(), bound + tolerance());
  }
}

TEST_P(Decompositions, QrIsOrthogonalTimesUpperTriangular) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const jx::Shape& shape : {jx::Shape{4, 4}, jx::Shape{6, 3}, jx::Shape{3, 5}, jx::Shape{2, 5, 3}}) {
    for (bool full : {true, false}) {
      SCOPED_TRACE(shape.to_string() + (full ? " full" : " reduced"));
      const Array a = random_matrix(2, shape, dtype());
      const auto [q, r] = linalg::qr(a, {.full_matrices = full});
      const std::int64_t m = shape[shape.ndim() - 2], n = shape[shape.ndim() - 1];
      const std::int64_t k = full ? m : std::min(m, n);
      EXPECT_EQ(q.shape()[q.ndim() - 1], k);
      EXPECT_EQ(r.shape()[r.ndim() - 2], k);
      expect_close(jnp::matmul(q, r), a, tolerance());
      expect_close(jnp::matmul(adjoint(q), q),
                   jnp::broadcast_to(identity_like(k, dtype()), jnp::matmul(adjoint(q), q).shape()), tolerance());
      expect_close(jnp::tril(r, -1), jnp::zeros_like(r), 0);
    }
  }
}

TEST_P(Decompositions, HouseholderPiecesGiveQ) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = random_matrix(3, {2, 5, 3}, dtype());
  const auto [reflectors, taus] = linalg::geqrf(a);
  EXPECT_EQ(taus.shape(), (jx::Shape{2, 3}));
  const Array q = linalg::householder_product(reflectors, taus);
  const auto [q_reduced, r] = linalg::qr(a, {.full_matrices = false});
  expect_close(q, q_reduced, tolerance());
  expect_close(jnp::triu(jx::lax::slice_in_dim(reflectors, 0, 3, 1, 1)), r, tolerance());
  // NumPy's mode "raw": the reflectors transposed, and taus.
  const auto [h, tau] = jnp::linalg::qr(a, "raw");
  EXPECT_EQ(h.shape(), (jx::Shape{2, 3, 5}));
  expect_close(tau, taus, 0);
}

TEST_P(Decompositions, EighDiagonalizes) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array m = random_matrix(4, {3, 5, 5}, dtype());
  const Array a = jnp::add(m, adjoint(m));
  const auto [v, w] = linalg::eigh(a);
  EXPECT_EQ(w.dtype(), jx::real_dtype(dtype()));
  const Array reconstructed = jnp::matmul(jnp::multiply(v, jnp::expand_dims(jnp::astype(w, dtype()), -2)), adjoint(v));
  expect_close(reconstructed, a, tolerance());
  expect_close(jnp::matmul(adjoint(v), v), jnp::broadcast_to(identity_like(5, dtype()), a.shape()), tolerance());
  const auto values = w.to_vector<double>();
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    if ((i + 1) % 5 != 0) {
      EXPECT_LE(values[i], values[i + 1]);  // ascending per matrix
    }
  }
  // Only the named triangle is read (symmetrize_input = false): garbage above the diagonal is ignored.
  const Array garbage = jnp::add(jnp::tril(a), jnp::triu(jnp::full_like(a, 100.0), 1));
  const auto [v_lower, w_lower] = linalg::eigh(garbage, {.lower = true, .symmetrize_input = false});
  expect_close(w_lower, w, tolerance());
  const auto [eigenvalues, eigenvectors] = jnp::linalg::eigh(a);
  expect_close(eigenvalues, w, tolerance());
}

TEST_P(Decompositions, SvdReconstructs) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const jx::Shape& shape : {jx::Shape{4, 4}, jx::Shape{6, 3}, jx::Shape{3, 5}, jx::Shape{2, 4, 3}}) {
    for (bool full : {true, false}) {
      SCOPED_TRACE(shape.to_string() + (full ? " full" : " reduced"));
      const Array a = random_matrix(5, shape, dtype());
      const auto [u, s, vh] = linalg::svd(a, {.full_matrices = full});
      const std::int64_t m = shape[shape.ndim() - 2], n = shape[shape.ndim() - 1], k = std::min(m, n);
      EXPECT_EQ(s.dtype(), jx::real_dtype(dtype()));
      const Array u_k = jx::lax::slice_in_dim(u, 0, k, 1, u.ndim() - 1);
      const Array vh_k = jx::lax::slice_in_dim(vh, 0, k, 1, vh.ndim() - 2);
      expect_close(jnp::matmul(jnp::multiply(u_k, jnp::expand_dims(jnp::astype(s, dtype()), -2)), vh_k), a,
                   tolerance());
      const std::int64_t u_cols = full ? m : k;
      expect_close(jnp::matmul(adjoint(u), u),
                   jnp::broadcast_to(identity_like(u_cols, dtype()), jnp::matmul(adjoint(u), u).shape()), tolerance());
      const auto values = s.to_vector<double>();
      for (std::size_t i = 0; i + 1 < values.size(); ++i) {
        if ((i + 1) % static_cast<std::size_t>(k) != 0) {
          EXPECT_GE(values[i], values[i + 1]);
        }
      }
      expect_close(linalg::svd(a, {.compute_uv = false}).s, s, tolerance());
      EXPECT_FALSE(linalg::svd(a, {.compute_uv = false}).u.valid());
    }
  }
}

TEST_P(Decompositions, EigSatisfiesEigenEquations) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = random_matrix(6, {2, 5, 5}, dtype());
  const auto [w, vl, vr] = linalg::eig(a);
  const jx::DType complex = jx::complex_dtype(dtype());
  EXPECT_EQ(w.dtype(), complex);
  const Array ac = jnp::astype(a, complex);
  // a vr = vr diag(w) and vl^H a = diag(w) vl^H.
  expect_close(jnp::matmul(ac, vr), jnp::multiply(vr, jnp::expand_dims(w, -2)), tolerance());
  expect_close(jnp::matmul(adjoint(vl), ac), jnp::multiply(jnp::expand_dims(w, -1), adjoint(vl)), tolerance());
  // Unit-norm eigenvectors.
  expect_close(jnp::linalg::norm(vr, {.axis = -2}), jnp::ones({2, 5}, jx::real_dtype(complex)), tolerance());
  // The eigenvalues alone, and their sum is the trace.
  const Array values = jnp::linalg::eigvals(a);
  expect_close(jnp::sum(values, -1), jnp::astype(jnp::trace(a, {.axis1 = -2, .axis2 = -1}), complex), tolerance());
}

TEST_P(Decompositions, SchurIsUnitarySimilarity) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = random_matrix(7, {2, 4, 4}, dtype());
  const auto [t, z] = linalg::schur(a);
  expect_close(jnp::matmul(jnp::matmul(z, t), adjoint(z)), a, tolerance());
  expect_close(jnp::matmul(adjoint(z), z), jnp::broadcast_to(identity_like(4, dtype()), a.shape()), tolerance());
  // Complex Schur forms are triangular; real ones quasi-triangular (nothing below the subdiagonal).
  const int below = jx::is_complex(dtype()) ? -1 : -2;
  expect_close(jnp::tril(t, below), jnp::zeros_like(t), 0);
}

TEST_P(Decompositions, TridiagonalSolveSatisfiesTheSystem) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const std::int64_t m = 6;
  const Array dl = random_matrix(8, {3, m}, dtype()), du = random_matrix(9, {3, m}, dtype());
  const Array d = jnp::add(random_matrix(10, {3, m}, dtype()), jnp::array(4.0, jx::real_dtype(dtype())));
  const Array b = random_matrix(11, {3, m, 2}, dtype());
  const Array x = linalg::tridiagonal_solve(dl, d, du, b);
  // The dense matrix: d on the diagonal, dl[1:] below it, du[:-1] above it.
  const Array dense =
      jnp::add(jnp::add(jnp::multiply(jnp::eye(m, std::nullopt, 0, dtype()), jnp::expand_dims(d, -2)),
                        jnp::multiply(jnp::eye(m, std::nullopt, -1, dtype()), jnp::expand_dims(dl, -1))),
               jnp::multiply(jnp::eye(m, std::nullopt, 1, dtype()), jnp::expand_dims(du, -1)));
  expect_close(jnp::matmul(dense, x), b, tolerance());
}

INSTANTIATE_TEST_SUITE_P(AllDTypes, Decompositions,
                         ::testing::Values(DTypeCase{"float32", 2e-5}, DTypeCase{"float64", 1e-12},
                                           DTypeCase{"complex64", 2e-5}, DTypeCase{"complex128", 1e-12}),
                         [](const auto& test) { return test.param.name; });

// --- Derivatives --------------------------------------------------------------------------------------

// Real-valued functions of the factors that do not depend on their sign or phase freedom.
TEST(DecompositionDerivatives, LuQrEighSvdMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array square = jnp::add(random_matrix(20, {4, 4}, jx::float64),
                                jnp::multiply(jnp::eye(4, std::nullopt, 0, jx::float64), jnp::array(3.0)));
  const Array tall = random_matrix(21, {5, 3}, jx::float64);
  const Array wide = random_matrix(22, {3, 5}, jx::float64);
  jx::test::check_grads([](const Array& a) { return linalg::lu(a).lu; }, {square}, 2);
  jx::test::check_grads([](const Array& a) { return linalg::lu(a).lu; }, {tall}, 1);
  jx::test::check_grads([](const Array& a) { return linalg::lu(a).lu; }, {wide}, 1);
  for (const Array& a : {square, tall, wide}) {
    SCOPED_TRACE(a.shape().to_string());
    const bool square_or_tall = a.shape()[0] >= a.shape()[1];
    jx::test::check_grads([](const Array& x) { return linalg::qr(x, {.full_matrices = false}).second; }, {a}, 2);
    jx::test::check_grads([](const Array& x) { return linalg::qr(x, {.full_matrices = false}).first; }, {a},
                          square_or_tall ? 2 : 1);
    jx::test::check_grads([](const Array& x) { return linalg::svd(x, {.compute_uv = false}).s; }, {a}, 2);
    // U diag(s) Vh is a, and U U^T, Vh^T Vh are projections: free of the sign freedom.
    jx::test::check_grads(
        [](const Array& x) {
          const auto [u, s, vh] = linalg::svd(x, {.full_matrices = false});
          return jnp::add(jnp::sum(jnp::matmul(u, jnp::swapaxes(u, -1, -2))), jnp::sum(jnp::multiply(s, s)));
        },
        {a}, 1);
  }
  const Array symmetric = jnp::add(square, jnp::swapaxes(square, -1, -2));
  jx::test::check_grads([](const Array& x) { return linalg::eigh(x).second; }, {symmetric}, 2);
  jx::test::check_grads(
      [](const Array& x) {
        const auto [v, w] = linalg::eigh(x);
        return jnp::matmul(jnp::multiply(v, jnp::expand_dims(jnp::sin(w), -2)), jnp::swapaxes(v, -1, -2));
      },
      {symmetric}, 1);
}

TEST(DecompositionDerivatives, ComplexFactorizationsMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = jnp::add(random_matrix(30, {3, 3}, jx::complex128),
                           jnp::multiply(jnp::eye(3, std::nullopt, 0, jx::complex128), jnp::array(3.0)));
  jx::test::check_grads([](const Array& x) { return linalg::lu(x).lu; }, {a}, 1);
  jx::test::check_grads([](const Array& x) { return linalg::qr(x, {.full_matrices = false}).second; }, {a}, 1);
  jx::test::check_grads([](const Array& x) { return linalg::svd(x, {.compute_uv = false}).s; }, {a}, 1);
  const Array hermitian = jnp::add(a, adjoint(a));
  jx::test::check_grads([](const Array& x) { return linalg::eigh(x).second; }, {hermitian}, 1);
  const Array hpd = jnp::add(jnp::matmul(a, adjoint(a)), jnp::eye(3, std::nullopt, 0, jx::complex128));
  jx::test::check_grads([](const Array& x) { return linalg::cholesky(x); }, {hpd}, 1);
}

TEST(DecompositionDerivatives, EigenvaluesOfGeneralMatrices) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = random_matrix(40, {4, 4}, jx::float64);
  jx::test::check_grads([](const Array& x) { return jnp::linalg::eigvals(x); }, {a}, 1);
  EXPECT_THROW(jx::jvp([](const Array& x) { return linalg::eig(x).w; }, std::tuple{a}, std::tuple{a}), jx::ValueError);
}

TEST(DecompositionDerivatives, TridiagonalSolveInEveryArgument) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array dl = random_matrix(50, {5}, jx::float64), du = random_matrix(51, {5}, jx::float64);
  const Array d = jnp::add(random_matrix(52, {5}, jx::float64), jnp::array(4.0));
  const Array b = random_matrix(53, {5, 2}, jx::float64);
  jx::test::check_grads([](const Array& l, const Array& m, const Array& u,
                           const Array& r) { return linalg::tridiagonal_solve(l, m, u, r); },
                        {dl, d, du, b}, 2);
}

TEST(DecompositionDerivatives, CompleteQrOfTallMatrices) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (jx::DType dtype : {jx::float64, jx::complex128}) {
    const Array tall = random_matrix(61, {2, 5, 3}, dtype);
    jx::test::check_grads([](const Array& x) { return linalg::qr(x, {.full_matrices = true}).first; }, {tall}, 1);
    jx::test::check_grads([](const Array& x) { return linalg::qr(x, {.full_matrices = true}).second; }, {tall}, 1);
  }
}

TEST(DecompositionDerivatives, FullSvdOfNonSquareIsRejected) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array tall = random_matrix(60, {5, 3}, jx::float64);
  EXPECT_THROW(jx::jvp([](const Array& x) { return linalg::svd(x).u; }, std::tuple{tall}, std::tuple{tall}),
               jx::ValueError);
}

// --- jit, vmap, failures, errors ----------------------------------------------------------------------

TEST(Decompositions, JitAndVmapAgreeWithEager) {
  const Array a = random_matrix(70, {3, 4, 4}, jx::float32);
  const Array eager = linalg::svd(a, {.compute_uv = false}).s;
  expect_close(jx::jit([](const Array& x) { return linalg::svd(x, {.compute_uv = false}).s; })(a), eager, 1e-6);
  expect_close(jx::vmap([](const Array& x) { return linalg::svd(x, {.compute_uv = false}).s; })(a), eager, 1e-6);
  const Array moved = jnp::moveaxis(a, 0, 2);
  expect_close(jx::vmap([](const Array& x) { return jnp::linalg::det(x); }, {.in_axes = {2}})(moved),
               jnp::linalg::det(a), 1e-5);
  const Array lu_jit = jx::jit([](const Array& x) { return linalg::lu(x).lu; })(a);
  expect_close(lu_jit, linalg::lu(a).lu, 1e-6);
}

TEST(Decompositions, FailuresGiveNanNotExceptions) {
  // Not positive definite: Cholesky's factor is all NaN, for complex input too.
  const Array indefinite = jnp::array({{1.0f, 2.0f}, {2.0f, 1.0f}});
  EXPECT_TRUE(jnp::all(jnp::isnan(linalg::cholesky(indefinite))).item<bool>());
  EXPECT_TRUE(jnp::all(jnp::isnan(linalg::cholesky(jnp::astype(indefinite, jx::complex64)))).item<bool>());
  // A singular matrix factors (a zero pivot) and solves to non-finite values.
  const Array singular = jnp::array({{1.0f, 2.0f}, {2.0f, 4.0f}});
  EXPECT_EQ(jnp::linalg::det(singular).item<float>(), 0.0f);
  EXPECT_FALSE(jnp::all(jnp::isfinite(jnp::linalg::solve(singular, jnp::array({1.0f, 1.0f})))).item<bool>());
  EXPECT_TRUE(jnp::all(jnp::isnan(jnp::linalg::inv(singular))).item<bool>());
  // Empty stacks and empty matrices.
  EXPECT_EQ(linalg::svd(jnp::zeros({0, 3, 3}), {.compute_uv = false}).s.shape(), (jx::Shape{0, 3}));
  EXPECT_EQ(linalg::eigh(jnp::zeros({0, 2, 2})).second.shape(), (jx::Shape{0, 2}));
}

TEST(Decompositions, BadInputRaisesNamedErrors) {
  EXPECT_THROW(linalg::lu(jnp::ones({3})), jx::ShapeError);
  EXPECT_THROW(linalg::lu(jnp::ones({2, 2}, jx::int32)), jx::DTypeError);
  EXPECT_THROW(linalg::eigh(jnp::ones({2, 3})), jx::ShapeError);
  EXPECT_THROW(linalg::svd(jnp::ones({2, 2}, jx::float16)), jx::DTypeError);
  EXPECT_THROW(linalg::eig(jnp::ones({3, 2})), jx::ShapeError);
  EXPECT_THROW(linalg::householder_product(jnp::ones({2, 3}), jnp::ones({2})), jx::ShapeError);
  EXPECT_THROW(linalg::tridiagonal_solve(jnp::ones({3}), jnp::ones({4}), jnp::ones({3}), jnp::ones({3, 1})),
               jx::ShapeError);
  EXPECT_THROW(linalg::lu_pivots_to_permutation(jnp::zeros({4}, jx::int32), 2), jx::ShapeError);
  EXPECT_THROW(jnp::linalg::qr(jnp::ones({2, 2}), "economic"), jx::ValueError);
  try {
    linalg::eigh(jnp::ones({2, 3}));
    FAIL() << "expected ShapeError";
  } catch (const jx::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("f32[2,3]"), std::string::npos) << e.what();
  }
}

// As JAX's wrapper: b with one axis fewer than a is a stack of vectors.
TEST(Decompositions, TriangularSolveTakesVectors) {
  const Array a = jnp::array({{2.0f, 0.0f}, {1.0f, 4.0f}});
  const Array x = linalg::triangular_solve(a, jnp::array({2.0f, 9.0f}), {.left_side = true, .lower = true});
  expect_close(x, jnp::array({1.0f, 2.0f}), 1e-6);
  const Array row = linalg::triangular_solve(a, jnp::array({4.0f, 8.0f}), {.lower = true});  // x a = b
  expect_close(row, jnp::array({1.0f, 2.0f}), 1e-6);
}

TEST(Decompositions, LuPivotsToPermutationAppliesTheSwaps) {
  // Swap rows 0 and 2, then 1 and 2: [0 1 2] -> [2 1 0] -> [2 0 1].
  const Array pivots = jnp::array({2, 2}, jx::int32);
  EXPECT_EQ(linalg::lu_pivots_to_permutation(pivots, 3).to_vector<std::int32_t>(),
            (std::vector<std::int32_t>{2, 0, 1}));
}

}  // namespace
