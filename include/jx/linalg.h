// jx/linalg.h — linear algebra as JAX has it: jax.lax.linalg (the decompositions as primitives),
// jax.numpy.linalg and jax.scipy.linalg, on LAPACK.
//
// Every function takes stacks of matrices (..., m, n) of float32, float64, complex64 or complex128
// (jx::numpy::linalg promotes integers to the default float type), works under jit and vmap, and is
// differentiable where JAX's is. Results JAX returns as named tuples are structs with JAX's field
// names, usable with structured bindings; JAX's keyword arguments are designated initializers.
// A failed factorization (a matrix that is not positive definite, a singular solve) gives NaNs or
// infinities in the result, as in JAX on CPU, never an exception.
//
//   namespace jnp = jx::numpy;
//   auto a = jnp::array({{4.0f, 2.0f}, {2.0f, 3.0f}});
//   auto x = jnp::linalg::solve(a, jnp::array({1.0f, 2.0f}));
//   auto [sign, logabsdet] = jnp::linalg::slogdet(a);
//   auto [U, S, Vh] = jnp::linalg::svd(a, {.full_matrices = false});
//   auto [w, v] = jnp::linalg::eigh(a);
//   auto n = jnp::linalg::norm(a, {.ord = "fro"});
//   auto e = jx::scipy::linalg::expm(a);
#pragma once

#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx {

namespace lax::linalg {

using Loc = std::source_location;

struct CholeskyOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool symmetrize_input = true;  // factor (x + x^H) / 2; else read only x's lower triangle
};
// The lower factor L of x = L L^H.
inline constexpr struct cholesky_function {
  Array operator()(const Array& x, CholeskyOptions options = {}, Loc loc = Loc::current()) const;
} cholesky{};

// JAX's keyword defaults: solve x op(a) = b with a upper triangular.
struct TriangularSolveOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool left_side = false;      // solve op(a) x = b instead
  bool lower = false;          // a is lower triangular (only that triangle is read)
  bool transpose_a = false;    // op(a) = a^T
  bool conjugate_a = false;    // op(a) = conj(a) (a^H together with transpose_a)
  bool unit_diagonal = false;  // take a's diagonal to be ones
};
// x with op(a) x = b or x op(a) = b; a is (..., k, k), b (..., m, n) with the same batch dimensions.
inline constexpr struct triangular_solve_function {
  Array operator()(const Array& a, const Array& b, TriangularSolveOptions options = {}, Loc loc = Loc::current()) const;
} triangular_solve{};

// P x = L U with partial pivoting (lax.linalg.lu): lu packs L (unit diagonal, below) and U (on and
// above the diagonal); pivots (int32, min(m, n)) are LAPACK's row swaps, 0-based; permutation (int32,
// m) is the row order, x[permutation] = L U.
struct LuResult {
  Array lu, pivots, permutation;
};
inline constexpr struct lu_function { LuResult operator()(const Array& x, Loc loc = Loc::current()) const; } lu{};
inline constexpr struct lu_pivots_to_permutation_function {
  Array operator()(const Array& pivots, std::int64_t permutation_size, Loc loc = Loc::current()) const;
} lu_pivots_to_permutation{};

struct QrOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool full_matrices = true;  // q is m x m and r m x n; else q m x k and r k x n, k = min(m, n)
};
// x = q r (lax.linalg.qr): a pair (q, r).
inline constexpr struct qr_function {
  std::pair<Array, Array> operator()(const Array& x, QrOptions options = {}, Loc loc = Loc::current()) const;
} qr{};
// LAPACK's geqrf (lax.linalg.geqrf): the Householder reflectors packed below R, and their scales.
inline constexpr struct geqrf_function {
  std::pair<Array, Array> operator()(const Array& x, Loc loc = Loc::current()) const;
} geqrf{};
// The first n columns of the product of the reflectors a (m x n) with scales taus (orgqr/ungqr).
inline constexpr struct householder_product_function {
  Array operator()(const Array& a, const Array& taus, Loc loc = Loc::current()) const;
} householder_product{};

struct EighOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool lower = true;             // read the lower triangle (else the upper)
  bool symmetrize_input = true;  // decompose (x + x^H) / 2
};
// The Hermitian eigendecomposition (lax.linalg.eigh): a pair (v, w) with x v = v diag(w), w real and
// ascending, v's columns orthonormal.
inline constexpr struct eigh_function {
  std::pair<Array, Array> operator()(const Array& x, EighOptions options = {}, Loc loc = Loc::current()) const;
} eigh{};

struct SvdOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool full_matrices = true;
  bool compute_uv = true;
};
// x = u diag(s) vh (lax.linalg.svd), s real and descending. Without compute_uv, u and vh are empty.
struct SvdResult {
  Array u, s, vh;
};
inline constexpr struct svd_function {
  SvdResult operator()(const Array& x, SvdOptions options = {}, Loc loc = Loc::current()) const;
} svd{};

struct EigOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool compute_left_eigenvectors = true;
  bool compute_right_eigenvectors = true;
};
// The eigendecomposition of a general square matrix (lax.linalg.eig): eigenvalues w and left and
// right eigenvectors (columns of unit norm), all complex; those not computed are empty. Only the
// eigenvalues are differentiable (with no eigenvectors requested), as in JAX.
struct EigResult {
  Array w, vl, vr;
};
inline constexpr struct eig_function {
  EigResult operator()(const Array& x, EigOptions options = {}, Loc loc = Loc::current()) const;
} eig{};

// The Schur form x = z t z^H (lax.linalg.schur): a pair (t, z); t is quasi-upper-triangular (2 x 2
// blocks for complex eigenvalue pairs) for real x.
inline constexpr struct schur_function {
  std::pair<Array, Array> operator()(const Array& x, Loc loc = Loc::current()) const;
} schur{};

// x with A x = b for the tridiagonal A with sub-, main and super-diagonals dl, d, du (each (..., m);
// dl[0] and du[m-1] are not read) and b (..., m, n).
inline constexpr struct tridiagonal_solve_function {
  Array operator()(const Array& dl, const Array& d, const Array& du, const Array& b, Loc loc = Loc::current()) const;
} tridiagonal_solve{};

}  // namespace lax::linalg

namespace numpy::linalg {

using Loc = std::source_location;

// The `ord` of a norm: a number (inf and -inf included) or "fro" / "nuc".
class NormOrder {
 public:
  NormOrder(double value) : value_(value) {}    // NOLINT(google-explicit-constructor): .ord = 2
  NormOrder(int value) : value_(value) {}       // NOLINT(google-explicit-constructor)
  NormOrder(const char* name) : name_(name) {}  // NOLINT(google-explicit-constructor): .ord = "fro"
  bool is_named() const { return !name_.empty(); }
  double value() const { return value_; }
  const std::string& name() const { return name_; }
  std::string to_string() const;

 private:
  double value_ = 0;
  std::string name_;
};

struct NormOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<NormOrder> ord = std::nullopt;  // 2-norm of vectors, Frobenius of matrices
  std::optional<Axes> axis = std::nullopt;      // one axis (vector norm), two (matrix norm), or all
  bool keepdims = false;
};
// jnp.linalg.norm: vector norms for one axis (or a 1-D input with no axis), matrix norms for two
// (or a 2-D input), the 2-norm of the flattened input for no ord and no axis.
inline constexpr struct norm_function {
  Array operator()(const Array& x, NormOptions options = {}, Loc loc = Loc::current()) const;
} norm{};
// jnp.linalg.vector_norm: ord 2 by default, over all axes when none are given.
inline constexpr struct vector_norm_function {
  Array operator()(const Array& x, NormOptions options = {}, Loc loc = Loc::current()) const;
} vector_norm{};
// jnp.linalg.matrix_norm: ord "fro" by default, over the last two axes.
inline constexpr struct matrix_norm_function {
  Array operator()(const Array& x, NormOptions options = {}, Loc loc = Loc::current()) const;
} matrix_norm{};

struct CholeskyOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool upper = false;            // return the upper factor U = L^H
  bool symmetrize_input = true;  // factor (a + a^H) / 2; else read only a's lower triangle
};
inline constexpr struct cholesky_function {
  Array operator()(const Array& a, CholeskyOptions options = {}, Loc loc = Loc::current()) const;
} cholesky{};

inline constexpr struct det_function { Array operator()(const Array& a, Loc loc = Loc::current()) const; } det{};
struct SlogdetResult {
  Array sign, logabsdet;
};
// sign (of modulus 1, or 0 for a singular matrix) and log|det|, so that det = sign * exp(logabsdet).
inline constexpr struct slogdet_function {
  SlogdetResult operator()(const Array& a, Loc loc = Loc::current()) const;
} slogdet{};
// x with a x = b: b is a stack of vectors when b.ndim == 1 (or b has a's batch shape with one axis
// fewer, as JAX reads it), else of matrices (..., n, k).
inline constexpr struct solve_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} solve{};
inline constexpr struct inv_function { Array operator()(const Array& a, Loc loc = Loc::current()) const; } inv{};

struct PinvOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<double> rtol = std::nullopt;  // singular values below rtol * max(s) count as zero
  bool hermitian = false;
};
inline constexpr struct pinv_function {
  Array operator()(const Array& a, PinvOptions options = {}, Loc loc = Loc::current()) const;
} pinv{};

struct SVDResult {
  Array U, S, Vh;
};
struct SvdOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool full_matrices = true;
  bool compute_uv = true;  // else U and Vh are empty
  bool hermitian = false;  // a is Hermitian: computed by eigh
};
inline constexpr struct svd_function {
  SVDResult operator()(const Array& a, SvdOptions options = {}, Loc loc = Loc::current()) const;
} svd{};
inline constexpr struct svdvals_function {
  Array operator()(const Array& a, Loc loc = Loc::current()) const;
} svdvals{};

struct EighResult {
  Array eigenvalues, eigenvectors;
};
struct EighOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::string_view UPLO = "L";  // NOLINT(readability-identifier-naming): JAX's keyword
  bool symmetrize_input = true;
};
inline constexpr struct eigh_function {
  EighResult operator()(const Array& a, EighOptions options = {}, Loc loc = Loc::current()) const;
} eigh{};
inline constexpr struct eigvalsh_function {
  Array operator()(const Array& a, EighOptions options = {}, Loc loc = Loc::current()) const;
} eigvalsh{};

struct EigResult {
  Array eigenvalues, eigenvectors;
};
inline constexpr struct eig_function { EigResult operator()(const Array& a, Loc loc = Loc::current()) const; } eig{};
inline constexpr struct eigvals_function {
  Array operator()(const Array& a, Loc loc = Loc::current()) const;
} eigvals{};

// mode "reduced" (Q m x k, R k x n), "complete" (Q m x m, R m x n), "r" (R only; Q empty) or "raw"
// (Q holds LAPACK's packed reflectors transposed, (..., n, m), and R their scales taus), as NumPy.
struct QRResult {
  Array Q, R;
};
inline constexpr struct qr_function {
  QRResult operator()(const Array& a, std::string_view mode = "reduced", Loc loc = Loc::current()) const;
} qr{};

struct LstsqOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<double> rcond = std::nullopt;  // JAX's default: eps * max(m, n)
};
// The least-squares solution x of a x = b, the squared residual norms (empty unless m > n and a has
// full rank), a's rank (int32) and its singular values.
struct LstsqResult {
  Array x, residuals, rank, s;
};
inline constexpr struct lstsq_function {
  LstsqResult operator()(const Array& a, const Array& b, LstsqOptions options = {}, Loc loc = Loc::current()) const;
} lstsq{};

struct MatrixRankOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<double> rtol = std::nullopt;  // JAX's default: eps * max(m, n), relative to max(s)
  std::optional<double> tol = std::nullopt;   // an absolute threshold instead
};
inline constexpr struct matrix_rank_function {
  Array operator()(const Array& a, MatrixRankOptions options = {}, Loc loc = Loc::current()) const;
} matrix_rank{};
// a @ a @ ... (n times) by repeated squaring; n = 0 gives the identity, n < 0 powers of inv(a).
inline constexpr struct matrix_power_function {
  Array operator()(const Array& a, int n, Loc loc = Loc::current()) const;
} matrix_power{};
// The condition number in the norm p (2 by default: the ratio of extreme singular values).
inline constexpr struct cond_function {
  Array operator()(const Array& x, std::optional<NormOrder> p = std::nullopt, Loc loc = Loc::current()) const;
} cond{};
// The product of the arrays in the order of fewest multiplications; the first and last may be 1-D.
inline constexpr struct multi_dot_function {
  Array operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} multi_dot{};
inline constexpr struct tensorinv_function {
  Array operator()(const Array& a, int ind = 2, Loc loc = Loc::current()) const;
} tensorinv{};
inline constexpr struct tensorsolve_function {
  Array operator()(const Array& a, const Array& b, std::optional<std::vector<int>> axes = std::nullopt,
                   Loc loc = Loc::current()) const;
} tensorsolve{};

// The array-API spellings of jnp.linalg, over the last axes.
inline constexpr struct cross_function {
  Array operator()(const Array& x1, const Array& x2, int axis = -1, Loc loc = Loc::current()) const;
} cross{};
inline constexpr struct outer_function {
  Array operator()(const Array& x1, const Array& x2, Loc loc = Loc::current()) const;
} outer{};
inline constexpr struct trace_function {
  Array operator()(const Array& x, int offset = 0, Loc loc = Loc::current()) const;
} trace{};
inline constexpr struct diagonal_function {
  Array operator()(const Array& x, int offset = 0, Loc loc = Loc::current()) const;
} diagonal{};
inline constexpr struct matmul_function {
  Array operator()(const Array& x1, const Array& x2, Loc loc = Loc::current()) const;
} matmul{};
inline constexpr struct matrix_transpose_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} matrix_transpose{};
inline constexpr struct vecdot_function {
  Array operator()(const Array& x1, const Array& x2, int axis = -1, Loc loc = Loc::current()) const;
} vecdot{};
inline constexpr struct tensordot_function {
  Array operator()(const Array& x1, const Array& x2, int axes = 2, Loc loc = Loc::current()) const;
} tensordot{};

}  // namespace numpy::linalg

namespace scipy::linalg {

using Loc = std::source_location;

// P L U with x = P L U (scipy.linalg.lu); with permute_l, P is empty and L holds P L.
struct LuResult {
  Array P, L, U;
};
struct LuOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool permute_l = false;
};
inline constexpr struct lu_function {
  LuResult operator()(const Array& a, LuOptions options = {}, Loc loc = Loc::current()) const;
} lu{};
// (lu, piv): the packed factors and LAPACK's 0-based pivots (scipy.linalg.lu_factor).
inline constexpr struct lu_factor_function {
  std::pair<Array, Array> operator()(const Array& a, Loc loc = Loc::current()) const;
} lu_factor{};
// Solves op(a) x = b from lu_factor's result: trans 0 (a), 1 (a^T) or 2 (a^H).
inline constexpr struct lu_solve_function {
  Array operator()(const std::pair<Array, Array>& lu_and_piv, const Array& b, int trans = 0,
                   Loc loc = Loc::current()) const;
} lu_solve{};

struct ChoFactor {
  Array c;
  bool lower = false;
};
struct ChoFactorOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool lower = false;
};
inline constexpr struct cho_factor_function {
  ChoFactor operator()(const Array& a, ChoFactorOptions options = {}, Loc loc = Loc::current()) const;
} cho_factor{};
inline constexpr struct cho_solve_function {
  Array operator()(const ChoFactor& c_and_lower, const Array& b, Loc loc = Loc::current()) const;
} cho_solve{};
struct CholeskyOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool lower = false;  // SciPy's default is the upper factor
};
inline constexpr struct cholesky_function {
  Array operator()(const Array& a, CholeskyOptions options = {}, Loc loc = Loc::current()) const;
} cholesky{};

struct SolveTriangularOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  int trans = 0;  // 0: a x = b, 1: a^T x = b, 2: a^H x = b
  bool lower = false;
  bool unit_diagonal = false;
};
// b may be a vector (..., n) or matrices (..., n, k).
inline constexpr struct solve_triangular_function {
  Array operator()(const Array& a, const Array& b, SolveTriangularOptions options = {}, Loc loc = Loc::current()) const;
} solve_triangular{};

// mode "full" (Q m x m), "economic" (Q m x k) or "r" (R only, Q empty).
inline constexpr struct qr_function {
  std::pair<Array, Array> operator()(const Array& a, std::string_view mode = "full", Loc loc = Loc::current()) const;
} qr{};
struct SvdOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool full_matrices = true;
  bool compute_uv = true;
};
inline constexpr struct svd_function {
  numpy::linalg::SVDResult operator()(const Array& a, SvdOptions options = {}, Loc loc = Loc::current()) const;
} svd{};
struct EighOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool lower = true;
  bool eigvals_only = false;  // the eigenvectors are empty
};
// (w, v): SciPy's order, eigenvalues first.
inline constexpr struct eigh_function {
  std::pair<Array, Array> operator()(const Array& a, EighOptions options = {}, Loc loc = Loc::current()) const;
} eigh{};
// (T, Z) with a = Z T Z^H; output "real" (quasi-triangular T for real a) or "complex".
inline constexpr struct schur_function {
  std::pair<Array, Array> operator()(const Array& a, std::string_view output = "real", Loc loc = Loc::current()) const;
} schur{};

// The matrix exponential: scaling and squaring with a Padé approximant of degree 3 to 13 (Higham 2005,
// as JAX and SciPy), differentiable.
inline constexpr struct expm_function { Array operator()(const Array& a, Loc loc = Loc::current()) const; } expm{};
// The principal square root by the Schur method (complex result, as jax.scipy.linalg.sqrtm).
inline constexpr struct sqrtm_function { Array operator()(const Array& a, Loc loc = Loc::current()) const; } sqrtm{};
// (u, p) with a = u p (side "right") or a = p u ("left"), u unitary and p Hermitian positive
// semidefinite, from the SVD.
inline constexpr struct polar_function {
  std::pair<Array, Array> operator()(const Array& a, std::string_view side = "right", Loc loc = Loc::current()) const;
} polar{};
inline constexpr struct block_diag_function {
  Array operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} block_diag{};
// The Toeplitz matrix with first column c and first row r (r = conj(c) when absent).
inline constexpr struct toeplitz_function {
  Array operator()(const Array& c, std::optional<Array> r = std::nullopt, Loc loc = Loc::current()) const;
} toeplitz{};
inline constexpr struct det_function { Array operator()(const Array& a, Loc loc = Loc::current()) const; } det{};
inline constexpr struct inv_function { Array operator()(const Array& a, Loc loc = Loc::current()) const; } inv{};
struct SolveOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool lower = false;
  std::string_view assume_a = "gen";  // "gen", "sym", "her" or "pos" (Cholesky)
};
inline constexpr struct solve_function {
  Array operator()(const Array& a, const Array& b, SolveOptions options = {}, Loc loc = Loc::current()) const;
} solve{};

}  // namespace scipy::linalg

}  // namespace jx
