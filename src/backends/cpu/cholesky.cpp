// Cholesky factorization and triangular solves on the CPU.
//
// The factorization is the row-oriented (Cholesky–Banachiewicz) loop: entry (i, j) of the factor is a
// dot product of rows i and j, both contiguous in row-major storage. Sums run in double for float32
// input, so the factor of a float32 matrix is as accurate as its rounding allows; for the sizes a
// covariance matrix has (tens to a few thousands) this is within a small factor of LAPACK's blocked
// potrf. Triangular solves are BLAS's trsm, which OpenBLAS blocks and vectorizes.
#include "backends/cpu/cholesky.h"

#include <cblas.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace jx::cpu {
namespace {

// Factors one n x n matrix into `l`; false when it is not (numerically) positive definite.
template <class T>
bool factor(std::int64_t n, const T* a, T* l) {
  for (std::int64_t i = 0; i < n; ++i) {
    T* row_i = l + i * n;
    for (std::int64_t j = 0; j <= i; ++j) {
      const T* row_j = l + j * n;
      double sum = static_cast<double>(a[i * n + j]);
      for (std::int64_t k = 0; k < j; ++k) sum -= static_cast<double>(row_i[k]) * static_cast<double>(row_j[k]);
      if (i == j) {
        if (!(sum > 0)) return false;  // also catches NaN
        row_i[i] = static_cast<T>(std::sqrt(sum));
      } else {
        row_i[j] = static_cast<T>(sum / static_cast<double>(row_j[j]));
      }
    }
    for (std::int64_t j = i + 1; j < n; ++j) row_i[j] = T(0);
  }
  return true;
}

template <class T>
void cholesky_batch(std::int64_t batch, std::int64_t n, const T* in, T* out) {
  const std::int64_t size = n * n;
  for (std::int64_t b = 0; b < batch; ++b) {
    T* l = out + b * size;
    if (!factor(n, in + b * size, l)) {
      for (std::int64_t e = 0; e < size; ++e) l[e] = std::numeric_limits<T>::quiet_NaN();
    }
  }
}

}  // namespace

void cholesky(DType dtype, std::int64_t batch, std::int64_t n, const void* in, void* out) {
  if (dtype == DType::float32) {
    cholesky_batch(batch, n, static_cast<const float*>(in), static_cast<float*>(out));
  } else if (dtype == DType::float64) {
    cholesky_batch(batch, n, static_cast<const double*>(in), static_cast<double*>(out));
  } else {
    throw std::logic_error("jx::cpu::cholesky: float32 or float64 only (the primitive's shape rule checks)");
  }
}

void triangular_solve(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* a, void* b,
                      const TriangularSolveSpec& spec) {
  if (m == 0 || n == 0) return;
  const std::int64_t k = spec.left_side ? m : n;  // a is k x k
  const auto side = spec.left_side ? CblasLeft : CblasRight;
  const auto uplo = spec.lower ? CblasLower : CblasUpper;
  const auto trans = spec.transpose_a ? CblasTrans : CblasNoTrans;
  const auto diag = spec.unit_diagonal ? CblasUnit : CblasNonUnit;
  const int rows = static_cast<int>(m), cols = static_cast<int>(n), order = static_cast<int>(k);
  for (std::int64_t i = 0; i < batch; ++i) {
    if (dtype == DType::float32) {
      cblas_strsm(CblasRowMajor, side, uplo, trans, diag, rows, cols, 1.0f, static_cast<const float*>(a) + i * k * k,
                  order, static_cast<float*>(b) + i * m * n, cols);
    } else if (dtype == DType::float64) {
      cblas_dtrsm(CblasRowMajor, side, uplo, trans, diag, rows, cols, 1.0, static_cast<const double*>(a) + i * k * k,
                  order, static_cast<double*>(b) + i * m * n, cols);
    } else {
      throw std::logic_error("jx::cpu::triangular_solve: float32 or float64 only (the primitive's shape rule checks)");
    }
  }
}

}  // namespace jx::cpu
