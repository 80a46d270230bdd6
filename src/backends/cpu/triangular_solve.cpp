#include "backends/cpu/triangular_solve.h"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <complex>
#include <limits>
#include <stdexcept>

#include "jx/core/error.h"

namespace jx::cpu {
namespace {

template <class T>
void conjugate(T* values, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) values[i] = std::conj(values[i]);
}

}  // namespace

void triangular_solve(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* a, void* b,
                      const TriangularSolveSpec& spec) {
  if (m == 0 || n == 0) return;
  const std::int64_t k = spec.left_side ? m : n;  // a is k x k
  const auto side = spec.left_side ? CblasLeft : CblasRight;
  const auto uplo = spec.lower ? CblasLower : CblasUpper;
  const auto diag = spec.unit_diagonal ? CblasUnit : CblasNonUnit;
  if (std::max(m, n) > std::numeric_limits<int>::max()) {
    throw ValueError("triangular_solve", fmt::format("a dimension of {} x {} exceeds BLAS's 32-bit sizes", m, n));
  }
  const int rows = static_cast<int>(m), cols = static_cast<int>(n), order = static_cast<int>(k);
  const bool complex = dtype == DType::complex64 || dtype == DType::complex128;
  // BLAS has a conjugate transpose but no plain conjugate: conj(a) x = b is solved as a conj(x) = conj(b).
  const bool conjugate_b = complex && spec.conjugate_a && !spec.transpose_a;
  const auto trans = !spec.transpose_a ? CblasNoTrans : (complex && spec.conjugate_a) ? CblasConjTrans : CblasTrans;
  for (std::int64_t i = 0; i < batch; ++i) {
    switch (dtype) {
      case DType::float32:
        cblas_strsm(CblasRowMajor, side, uplo, trans, diag, rows, cols, 1.0f, static_cast<const float*>(a) + i * k * k,
                    order, static_cast<float*>(b) + i * m * n, cols);
        break;
      case DType::float64:
        cblas_dtrsm(CblasRowMajor, side, uplo, trans, diag, rows, cols, 1.0, static_cast<const double*>(a) + i * k * k,
                    order, static_cast<double*>(b) + i * m * n, cols);
        break;
      case DType::complex64: {
        auto* x = static_cast<std::complex<float>*>(b) + i * m * n;
        const std::complex<float> one(1);
        if (conjugate_b) conjugate(x, m * n);
        cblas_ctrsm(CblasRowMajor, side, uplo, trans, diag, rows, cols, &one,
                    static_cast<const std::complex<float>*>(a) + i * k * k, order, x, cols);
        if (conjugate_b) conjugate(x, m * n);
        break;
      }
      case DType::complex128: {
        auto* x = static_cast<std::complex<double>*>(b) + i * m * n;
        const std::complex<double> one(1);
        if (conjugate_b) conjugate(x, m * n);
        cblas_ztrsm(CblasRowMajor, side, uplo, trans, diag, rows, cols, &one,
                    static_cast<const std::complex<double>*>(a) + i * k * k, order, x, cols);
        if (conjugate_b) conjugate(x, m * n);
        break;
      }
      default:
        throw std::logic_error("jx::cpu::triangular_solve: float or complex only (the primitive's shape rule checks)");
    }
  }
}

}  // namespace jx::cpu
