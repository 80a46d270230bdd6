// src/backends/cpu/lapack.h — the CPU kernels behind the matrix decompositions: LAPACK, as OpenBLAS
// ships it, on batches of row-major matrices of float32, float64, complex64 or complex128.
//
// Every kernel takes `batch` matrices stored one after another and writes fresh outputs. LAPACK is
// column-major, so each matrix is transposed into a column-major work buffer and its factors are
// transposed back: O(n^2) moves next to the O(n^3) factorization. A factorization LAPACK reports as
// failed (a matrix that is not positive definite, an SVD or eigensolver that did not converge)
// yields NaNs in that matrix's outputs, never an exception: JAX's CPU lowering does the same, so a
// failure inside jit is visible in the values rather than fatal.
#pragma once

#include <cstdint>

#include "jx/core/dtype.h"

namespace jx::cpu {

// P a = L U with partial pivoting; `lu` (m x n) holds L below the diagonal (unit diagonal implied)
// and U on and above it, `pivots` (k = min(m, n) per matrix) the 0-based row swapped with row i at
// step i. A singular matrix factors without error (a zero on U's diagonal), as LAPACK's getrf does.
void lu_factor(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* a, void* lu,
               std::int32_t* pivots);

// The inverses of n x n matrices (getrf then getri); a singular matrix gives all NaN. No transposes:
// the row-major buffer read column-major is a^T, and inv(a^T) = inv(a)^T is inv(a) read row-major.
void inverse(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* out);

// x = a^-1 b for n x n matrices a and n x nrhs right-hand sides b, by getrf and getrs on a as it is
// stored (no transposes of a; see lapack.cpp). A singular matrix gives infinities or NaNs.
void solve(DType dtype, std::int64_t batch, std::int64_t n, std::int64_t nrhs, const void* a, const void* b, void* x);

// The determinants of n x n matrices by getrf (det(a) = det(a^T), so again no transposes). The log
// form writes the sign (a unit-modulus phase for complex input; 0 for a singular matrix) in a's dtype
// and log|det| (-inf when singular) in its real dtype.
void determinant(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* det);
void log_determinant(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* sign, void* logabsdet);

// Householder QR as geqrf leaves it: `reflectors` (m x n) holds R on and above the diagonal and the
// reflectors' vectors below it, `taus` (k per matrix) their scales.
void householder_qr(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* a, void* reflectors,
                    void* taus);

// The first `columns` columns of the product of the k reflectors stored in `reflectors` (m x n, as
// householder_qr writes them) and `taus`: orgqr/ungqr. Writes q (m x columns); columns <= m, k <= n.
void householder_product(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k,
                         std::int64_t columns, const void* reflectors, const void* taus, void* q);

// q (m x columns) and r (columns x n) with a = q r, columns = m (full) or k: geqrf then orgqr/ungqr on
// one column-major buffer (what householder_qr and householder_product do in two steps, without
// writing the reflectors back in between).
void qr(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t columns, const void* a, void* q,
        void* r);

// The lower Cholesky factor (potrf) of each Hermitian positive definite n x n matrix, reading only its
// lower triangle; the factor's upper triangle is zero. Not positive definite: all NaN.
void cholesky(DType dtype, std::int64_t batch, std::int64_t n, const void* in, void* out);

// Eigenvalues `w` (ascending, real: n per matrix) and eigenvectors `v` (n x n, column j for w[j]) of
// Hermitian matrices, reading the lower or the upper triangle: syevd/heevd.
void eigh(DType dtype, std::int64_t batch, std::int64_t n, bool lower, const void* a, void* v, void* w);

// Singular values `s` (descending, real: k = min(m, n) per matrix) and, when compute_uv, u (m x m or
// m x k) and vt (n x n or k x n): gesdd.
void svd(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, bool full_matrices, bool compute_uv,
         const void* a, void* s, void* u, void* vt);

// Eigenvalues `w` and, where requested (non-null), left and right eigenvectors (columns, each of unit
// norm) of general n x n matrices: geev. w, vl and vr are complex (complex64 for float32 and complex64
// input, complex128 otherwise).
void eig(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* w, void* left, void* right);

// The Schur form a = z t z^H: t upper (quasi-, for real input) triangular, z unitary: gees.
void schur(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* t, void* z);

// Solves tridiagonal systems: for each matrix, the sub-, main and super-diagonals dl, d, du (m each;
// dl[0] and du[m-1] ignored) and right-hand sides b (m x n), overwritten with the solution. Gaussian
// elimination with partial pivoting (gtsv); a singular system gives infinities or NaNs.
void tridiagonal_solve(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* dl, const void* d,
                       const void* du, void* b);

}  // namespace jx::cpu
