// src/ir/primitives/decompositions.h — the matrix decompositions of jax.lax.linalg as primitives: LU,
// QR (and its Householder pieces), the Hermitian eigensolver, SVD, the general eigensolver, Schur, and
// tridiagonal solves. Each takes a stack of matrices (..., m, n) of float32, float64, complex64 or
// complex128, runs LAPACK on the CPU (backends/cpu/lapack.h), and batches by stacking. The derivative
// rules, JAX's, are in decomposition_derivatives.cpp; like JAX, eigenvectors of a general matrix,
// Schur and the Householder pieces have none, and the full SVD of a non-square matrix neither.
#pragma once

#include <tuple>

#include "jx/ir/primitive.h"

namespace jx::primitives {

// Shared by the decompositions' rules.
namespace matrix {
inline std::int64_t rows(const ArrayType& x) { return x.shape[x.ndim() - 2]; }
inline std::int64_t cols(const ArrayType& x) { return x.shape[x.ndim() - 1]; }
std::int64_t batch_count(const ArrayType& x);
// Throws unless x is a stack of float or complex matrices (..., m, n).
void check_inexact_matrices(std::string_view op, const ArrayType& x, std::string_view what);
// x's shape with its last two axes replaced by `tail`.
Shape batch_shape_with(const ArrayType& x, std::initializer_list<std::int64_t> tail);
}  // namespace matrix

// P a = L U: outputs lu (the factors packed), pivots (int32, k = min(m, n)) and permutation (int32, m),
// as lax.linalg.lu.
class Lu final : public PrimitiveBase<Lu> {
 public:
  std::string_view name() const override { return "lu"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple<>{}; }
};

// The permutation (int32, permutation_size) that LAPACK's sequence of row swaps applies.
class LuPivotsToPermutation final : public PrimitiveBase<LuPivotsToPermutation> {
 public:
  explicit LuPivotsToPermutation(std::int64_t permutation_size) : permutation_size_(permutation_size) {}
  std::string_view name() const override { return "lu_pivots_to_permutation"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"permutation_size", permutation_size_}}; }

 private:
  std::int64_t permutation_size_;
};

// The inverse of square matrices, by getrf and getri (NaN for a singular matrix). d(a^-1) = -a^-1 da
// a^-1, so it is differentiable to any order. (JAX composes inv from solve(a, I); one LAPACK call
// does less work and no layout changes.)
class Inverse final : public PrimitiveBase<Inverse> {
 public:
  std::string_view name() const override { return "inverse"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple<>{}; }
};

// x = a^-1 b for square matrices a (..., n, n) and right-hand sides b (..., n, k) with the same batch
// shape: getrf and getrs per matrix, with no layout changes (a singular a gives infinities or NaNs).
// Differentiated, it runs as the lu primitive and triangular solves instead (lu_derivatives.cpp), so
// that the tangent, and in reverse mode the cotangent, reuse the one factorization, as JAX's
// custom_linear_solve does.
class Solve final : public PrimitiveBase<Solve> {
 public:
  std::string_view name() const override { return "solve"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  bool jvp_computes_primals() const override { return true; }
  std::pair<ArrayList, ArrayList> jvp_with_primals(std::span<const Array> primals,
                                                   std::span<const Array> tangents) const override;
  // Linear in b (a rule's tangent may solve against a primal matrix): the cotangent is a^-T ct.
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple<>{}; }
};

// det(a) of square matrices, or with `log` (sign, log|det|): one getrf per matrix. Differentiated, it
// too runs from the lu primitive, with JAX's rules (lu_derivatives.cpp): d det = trace(adj(a) da),
// finite at singular matrices; d log|det| = re trace(a^-1 da).
class Determinant final : public PrimitiveBase<Determinant> {
 public:
  explicit Determinant(bool log) : log_(log) {}
  std::string_view name() const override { return log_ ? "slogdet" : "det"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  bool jvp_computes_primals() const override { return true; }
  std::pair<ArrayList, ArrayList> jvp_with_primals(std::span<const Array> primals,
                                                   std::span<const Array> tangents) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"log", log_}}; }

 private:
  bool log_;
};

// a = q r with q's columns orthonormal and r upper triangular: q (m x k, or m x m with full_matrices)
// and r (k x n, or m x n).
class Qr final : public PrimitiveBase<Qr> {
 public:
  explicit Qr(bool full_matrices) : full_matrices_(full_matrices) {}
  std::string_view name() const override { return "qr"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"full_matrices", full_matrices_}}; }

 private:
  bool full_matrices_;
};

// LAPACK's geqrf: the Householder reflectors packed below R, and their scales taus (k).
class Geqrf final : public PrimitiveBase<Geqrf> {
 public:
  std::string_view name() const override { return "geqrf"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple<>{}; }
};

// orgqr/ungqr: the m x n matrix of the product of the reflectors (a (m x n), taus (k)).
class HouseholderProduct final : public PrimitiveBase<HouseholderProduct> {
 public:
  std::string_view name() const override { return "householder_product"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple<>{}; }
};

// Hermitian eigendecomposition: outputs v (eigenvectors in columns) and w (real, ascending), as
// lax.linalg.eigh's primitive orders them. Reads the lower (or upper) triangle only.
class Eigh final : public PrimitiveBase<Eigh> {
 public:
  explicit Eigh(bool lower) : lower_(lower) {}
  std::string_view name() const override { return "eigh"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"lower", lower_}}; }

 private:
  bool lower_;
};

// a = u diag(s) vt: outputs s (real, descending) and, with compute_uv, u and vt.
class Svd final : public PrimitiveBase<Svd> {
 public:
  Svd(bool full_matrices, bool compute_uv) : full_matrices_(full_matrices), compute_uv_(compute_uv) {}
  std::string_view name() const override { return "svd"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"full_matrices", full_matrices_}, Param{"compute_uv", compute_uv_}}; }

 private:
  bool full_matrices_, compute_uv_;
};

// General eigendecomposition: outputs w (complex) and, where requested, the left and the right
// eigenvectors (complex, in columns).
class Eig final : public PrimitiveBase<Eig> {
 public:
  Eig(bool compute_left, bool compute_right) : compute_left_(compute_left), compute_right_(compute_right) {}
  std::string_view name() const override { return "eig"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const {
    return std::tuple{Param{"compute_left_eigenvectors", compute_left_},
                      Param{"compute_right_eigenvectors", compute_right_}};
  }

 private:
  bool compute_left_, compute_right_;
};

// The Schur form: outputs t (upper triangular; quasi-triangular for real input) and z (unitary).
class Schur final : public PrimitiveBase<Schur> {
 public:
  std::string_view name() const override { return "schur"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple<>{}; }
};

// x with A x = b for the tridiagonal A given by its diagonals dl (dl[0] unused), d and du (du[m-1]
// unused), each (..., m), and b (..., m, n). Linear in b.
class TridiagonalSolve final : public PrimitiveBase<TridiagonalSolve> {
 public:
  std::string_view name() const override { return "tridiagonal_solve"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple<>{}; }
};

}  // namespace jx::primitives
