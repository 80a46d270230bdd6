// The decomposition kernels of lapack.h. Each follows one pattern: query the workspace once per call,
// then for each matrix of the batch transpose it into a column-major buffer, call LAPACK, and transpose
// the factors back (or fill them with NaN where LAPACK reports failure).
#include "backends/cpu/lapack.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "backends/cpu/lapack_routines.h"
#include "backends/cpu/matrix_transpose.h"
#include "backends/cpu/scratch.h"
#include "jx/core/error.h"

namespace jx::cpu {
namespace {

using lapack::c128;
using lapack::c64;

template <class T>
struct RealOf {
  using type = T;
};
template <class T>
struct RealOf<std::complex<T>> {
  using type = T;
};
template <class T>
using Real = typename RealOf<T>::type;

template <class T>
inline constexpr bool kComplex = !std::is_same_v<T, Real<T>>;

template <class T>
void fill_nan(T* out, std::int64_t count) {
  std::fill(out, out + count, T(std::numeric_limits<Real<T>>::quiet_NaN()));
}

// LAPACK takes 32-bit sizes.
int as_int(std::int64_t n) {
  if (n > std::numeric_limits<int>::max()) {
    throw ValueError("lapack", fmt::format("a dimension or workspace of {} exceeds LAPACK's 32-bit sizes", n));
  }
  return static_cast<int>(n);
}

// A workspace size as LAPACK's query reports it, in the first element of `work` (a float for real
// routines: rounded up, as a float may not hold the exact integer).
template <class T>
int workspace_size(const T& reported) {
  return std::max(1, as_int(static_cast<std::int64_t>(std::ceil(static_cast<double>(std::real(reported))))));
}

// Calls f.template operator()<T>() with T the element type of a float or complex dtype.
template <class F>
void visit_inexact(DType dtype, const char* kernel, F&& f) {
  switch (dtype) {
    case DType::float32:
      return f.template operator()<float>();
    case DType::float64:
      return f.template operator()<double>();
    case DType::complex64:
      return f.template operator()<c64>();
    case DType::complex128:
      return f.template operator()<c128>();
    default:
      throw std::logic_error(std::string("jx::cpu::") + kernel + ": float or complex dtypes only (shape rules check)");
  }
}

// --- LU and QR ---------------------------------------------------------------------------------------

template <class T>
void lu_factor_typed(std::int64_t batch, std::int64_t m, std::int64_t n, const T* a, T* lu, std::int32_t* pivots) {
  const std::int64_t k = std::min(m, n);
  Scratch<T> work(m * n);
  Scratch<int> ipiv(std::max<std::int64_t>(k, 1));
  for (std::int64_t b = 0; b < batch; ++b) {
    transpose_matrix(a + b * m * n, m, n, work.data());
    int info = 0;
    if (k > 0)
      lapack::getrf(as_int(m), as_int(n), work.data(), as_int(std::max<std::int64_t>(m, 1)), ipiv.data(), &info);
    // info > 0 is an exactly singular U: still a valid factorization, as in JAX.
    transpose_matrix(work.data(), n, m, lu + b * m * n);
    for (std::int64_t i = 0; i < k; ++i) pivots[b * k + i] = ipiv[static_cast<std::size_t>(i)] - 1;
  }
}

template <class T>
void inverse_typed(std::int64_t batch, std::int64_t n, const T* a, T* out) {
  if (n == 0) return;
  std::copy(a, a + batch * n * n, out);
  Scratch<int> ipiv(n);
  int info = 0;
  T query{};
  lapack::getri(as_int(n), out, as_int(n), ipiv.data(), &query, -1, &info);
  Scratch<T> work(workspace_size(query));
  for (std::int64_t b = 0; b < batch; ++b) {
    T* matrix = out + b * n * n;
    lapack::getrf(as_int(n), as_int(n), matrix, as_int(n), ipiv.data(), &info);
    if (info == 0)
      lapack::getri(as_int(n), matrix, as_int(n), ipiv.data(), work.data(), as_int(std::ssize(work)), &info);
    if (info != 0) fill_nan(matrix, n * n);  // singular: getri computes nothing
  }
}

// A x = b without transposing a: the row-major buffer read column-major is a^T, whose factors P a^T =
// L U getrf computes in place; getrs with trans 'T' then solves (a^T)^T x = b. b and x are row-major
// n x nrhs, so only their column-major copies need moving (nothing for a single right-hand side).
template <class T>
void solve_typed(std::int64_t batch, std::int64_t n, std::int64_t nrhs, const T* a, const T* b, T* x) {
  if (n == 0 || nrhs == 0) return;
  Scratch<T> factors(n * n);
  Scratch<T> rhs(nrhs > 1 ? n * nrhs : 0);
  Scratch<int> ipiv(n);
  for (std::int64_t i = 0; i < batch; ++i) {
    std::copy(a + i * n * n, a + (i + 1) * n * n, factors.data());
    T* out = x + i * n * nrhs;
    T* columns = nrhs > 1 ? rhs.data() : out;
    if (nrhs > 1) {
      transpose_matrix(b + i * n * nrhs, n, nrhs, columns);
    } else {
      std::copy(b + i * n, b + (i + 1) * n, out);
    }
    int info = 0;
    lapack::getrf(as_int(n), as_int(n), factors.data(), as_int(n), ipiv.data(), &info);
    // A singular matrix (info > 0) still solves, to infinities and NaNs, as the triangular solves do.
    lapack::getrs('T', as_int(n), as_int(nrhs), factors.data(), as_int(n), ipiv.data(), columns, as_int(n), &info);
    if (nrhs > 1) transpose_matrix(columns, nrhs, n, out);
  }
}

// det(a) = det(a^T): the product of U's diagonal from getrf on the row-major buffer as it is, negated
// once per row swap. With `log`, the sign (phase) and log|det| instead, which do not overflow.
template <class T>
void determinant_typed(std::int64_t batch, std::int64_t n, const T* a, T* det_or_sign, Real<T>* logabsdet) {
  using R = Real<T>;
  Scratch<T> factors(n * n);
  Scratch<int> ipiv(n);
  for (std::int64_t i = 0; i < batch; ++i) {
    std::copy(a + i * n * n, a + (i + 1) * n * n, factors.data());
    int info = 0;
    if (n > 0) lapack::getrf(as_int(n), as_int(n), factors.data(), as_int(n), ipiv.data(), &info);
    bool odd = false;
    for (std::int64_t k = 0; k < n; ++k) odd = odd != (ipiv[static_cast<std::size_t>(k)] != k + 1);
    T value(odd ? R(-1) : R(1));
    if (logabsdet == nullptr) {
      for (std::int64_t k = 0; k < n; ++k) value *= factors[static_cast<std::size_t>(k * n + k)];
      det_or_sign[i] = value;
      continue;
    }
    R log_magnitude = 0;
    for (std::int64_t k = 0; k < n; ++k) {
      const T pivot = factors[static_cast<std::size_t>(k * n + k)];
      const R magnitude = std::abs(pivot);
      if (magnitude == 0) {
        value = T(0);
        log_magnitude = -std::numeric_limits<R>::infinity();
        break;
      }
      value *= pivot / magnitude;
      log_magnitude += std::log(magnitude);
    }
    det_or_sign[i] = value;
    logabsdet[i] = log_magnitude;
  }
}

template <class T>
void householder_qr_typed(std::int64_t batch, std::int64_t m, std::int64_t n, const T* a, T* reflectors, T* taus) {
  const std::int64_t k = std::min(m, n);
  if (k == 0) {
    std::copy(a, a + batch * m * n, reflectors);
    return;
  }
  Scratch<T> matrix(m * n);
  const int lda = as_int(m);
  int info = 0;
  T query{};
  lapack::geqrf(as_int(m), as_int(n), matrix.data(), lda, taus, &query, -1, &info);
  Scratch<T> work(workspace_size(query));
  for (std::int64_t b = 0; b < batch; ++b) {
    transpose_matrix(a + b * m * n, m, n, matrix.data());
    lapack::geqrf(as_int(m), as_int(n), matrix.data(), lda, taus + b * k, work.data(), as_int(std::ssize(work)), &info);
    transpose_matrix(matrix.data(), n, m, reflectors + b * m * n);
  }
}

template <class T>
void householder_product_typed(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t columns,
                               const T* reflectors, const T* taus, T* q) {
  if (m == 0 || columns == 0) return;
  // orgqr expands the reflectors in place: the buffer holds `columns` columns of the m x n input.
  Scratch<T> matrix(m * columns);
  const int lda = as_int(m);
  int info = 0;
  T query{};
  lapack::orgqr(as_int(m), as_int(columns), as_int(k), matrix.data(), lda, taus, &query, -1, &info);
  Scratch<T> work(workspace_size(query));
  for (std::int64_t b = 0; b < batch; ++b) {
    const T* in = reflectors + b * m * n;
    std::fill(matrix.begin(), matrix.end(), T(0));
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < std::min(n, columns); ++j)
        matrix[static_cast<std::size_t>(j * m + i)] = in[i * n + j];
    }
    lapack::orgqr(as_int(m), as_int(columns), as_int(k), matrix.data(), lda, taus + b * k, work.data(),
                  as_int(std::ssize(work)), &info);
    transpose_matrix(matrix.data(), columns, m, q + b * m * columns);
  }
}

template <class T>
void qr_typed(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t columns, const T* a, T* q, T* r) {
  const std::int64_t k = std::min(m, n);
  std::fill(r, r + batch * columns * n, T(0));
  if (m == 0) return;
  // One column-major buffer of max(n, columns) columns: A, then the reflectors, then Q.
  const std::int64_t width = std::max(n, columns);
  Scratch<T> matrix(m * width), taus(std::max<std::int64_t>(k, 1));
  const int lda = as_int(m);
  int info = 0;
  T factor_query{}, expand_query{};
  if (k > 0) lapack::geqrf(as_int(m), as_int(n), matrix.data(), lda, taus.data(), &factor_query, -1, &info);
  if (columns > 0)
    lapack::orgqr(as_int(m), as_int(columns), as_int(k), matrix.data(), lda, taus.data(), &expand_query, -1, &info);
  Scratch<T> work(std::max(workspace_size(factor_query), workspace_size(expand_query)));
  const int lwork = as_int(std::ssize(work));
  for (std::int64_t b = 0; b < batch; ++b) {
    transpose_matrix(a + b * m * n, m, n, matrix.data());
    if (k > 0) lapack::geqrf(as_int(m), as_int(n), matrix.data(), lda, taus.data(), work.data(), lwork, &info);
    // R: the upper triangle of the first min(columns, m) rows, read column-major.
    T* r_out = r + b * columns * n;
    for (std::int64_t j = 0; j < n; ++j) {
      for (std::int64_t i = 0; i <= std::min(j, columns - 1); ++i) {
        if (i < m) r_out[i * n + j] = matrix[static_cast<std::size_t>(j * m + i)];
      }
    }
    if (columns == 0) continue;
    std::fill(matrix.begin() + n * m, matrix.end(), T(0));  // columns past n start from the identity's
    lapack::orgqr(as_int(m), as_int(columns), as_int(k), matrix.data(), lda, taus.data(), work.data(), lwork, &info);
    transpose_matrix(matrix.data(), columns, m, q + b * m * columns);
  }
}

template <class T>
void cholesky_typed(std::int64_t batch, std::int64_t n, const T* in, T* out) {
  // The row-major buffer read column-major is B = A^T = conj(A), whose upper triangle is A's lower one.
  // potrf factors B = U^H U; with A = L L^H that makes U = L^T, so the factored buffer read row-major
  // again is L itself (its other triangle holds the untouched input, zeroed here).
  Scratch<T> matrix(n * n);
  for (std::int64_t b = 0; b < batch; ++b) {
    T* l = out + b * n * n;
    std::copy(in + b * n * n, in + (b + 1) * n * n, matrix.begin());
    int info = 0;
    if (n > 0) lapack::potrf('U', as_int(n), matrix.data(), as_int(n), &info);
    if (info != 0) {
      fill_nan(l, n * n);
      continue;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < n; ++j) l[i * n + j] = j <= i ? matrix[static_cast<std::size_t>(i * n + j)] : T(0);
    }
  }
}

// --- Eigenvalues and singular values ------------------------------------------------------------------

template <class T>
void eigh_typed(std::int64_t batch, std::int64_t n, bool lower, const T* a, T* v, Real<T>* w) {
  if (n == 0) return;
  using R = Real<T>;
  const char jobz = 'V', uplo = lower ? 'L' : 'U';
  const int order = as_int(n);
  Scratch<T> matrix(n * n);
  int info = 0;
  // syevd and heevd differ only in heevd's real workspace; lwork etc. -1 is the workspace query.
  auto decompose = [&](R* w_out, T* work, int lwork, R* rwork, int lrwork, int* iwork, int liwork) {
    if constexpr (std::is_same_v<T, float>) {
      lapack::ssyevd_(&jobz, &uplo, &order, matrix.data(), &order, w_out, work, &lwork, iwork, &liwork, &info, 1, 1);
    } else if constexpr (std::is_same_v<T, double>) {
      lapack::dsyevd_(&jobz, &uplo, &order, matrix.data(), &order, w_out, work, &lwork, iwork, &liwork, &info, 1, 1);
    } else if constexpr (std::is_same_v<T, c64>) {
      lapack::cheevd_(&jobz, &uplo, &order, matrix.data(), &order, w_out, work, &lwork, rwork, &lrwork, iwork, &liwork,
                      &info, 1, 1);
    } else {
      lapack::zheevd_(&jobz, &uplo, &order, matrix.data(), &order, w_out, work, &lwork, rwork, &lrwork, iwork, &liwork,
                      &info, 1, 1);
    }
  };
  T work_query{};
  R rwork_query{};
  int iwork_query = 0;
  decompose(w, &work_query, -1, &rwork_query, -1, &iwork_query, -1);
  Scratch<T> work(workspace_size(work_query));
  Scratch<R> rwork(kComplex<T> ? workspace_size(rwork_query) : 1);
  Scratch<int> iwork(std::max(1, iwork_query));
  for (std::int64_t b = 0; b < batch; ++b) {
    transpose_matrix(a + b * n * n, n, n, matrix.data());
    decompose(w + b * n, work.data(), as_int(std::ssize(work)), rwork.data(), as_int(std::ssize(rwork)), iwork.data(),
              as_int(std::ssize(iwork)));
    if (info != 0) {
      fill_nan(v + b * n * n, n * n);
      fill_nan(w + b * n, n);
    } else {
      transpose_matrix(matrix.data(), n, n, v + b * n * n);
    }
  }
}

template <class T>
void identity_matrix(T* out, std::int64_t n) {
  std::fill(out, out + n * n, T(0));
  for (std::int64_t i = 0; i < n; ++i) out[i * n + i] = T(1);
}

template <class T>
void svd_typed(std::int64_t batch, std::int64_t m, std::int64_t n, bool full_matrices, bool compute_uv, const T* a,
               Real<T>* s, T* u, T* vt) {
  using R = Real<T>;
  const std::int64_t k = std::min(m, n);
  const std::int64_t u_columns = full_matrices ? m : k, vt_rows = full_matrices ? n : k;
  if (k == 0) {  // no singular values; the full factors of an empty matrix are identities
    if (compute_uv && full_matrices) {
      for (std::int64_t b = 0; b < batch; ++b) {
        identity_matrix(u + b * m * m, m);
        identity_matrix(vt + b * n * n, n);
      }
    }
    return;
  }
  const char jobz = !compute_uv ? 'N' : full_matrices ? 'A' : 'S';
  const int rows = as_int(m), cols = as_int(n), ldu = as_int(m), ldvt = as_int(std::max<std::int64_t>(vt_rows, 1));
  Scratch<T> matrix(m * n);
  Scratch<T> u_work(compute_uv ? m * u_columns : 1);
  Scratch<T> vt_work(compute_uv ? vt_rows * n : 1);
  Scratch<int> iwork(8 * k);
  int info = 0;
  T work_query{};
  const int query = -1;
  // Complex gesdd's real workspace (LAPACK 3.11's documented bound).
  const std::int64_t big = std::max(m, n);
  const std::int64_t rwork_size = compute_uv ? std::max(5 * k * k + 5 * k, 2 * big * k + 2 * k * k + k) : 7 * k;
  Scratch<R> rwork(kComplex<T> ? rwork_size : 1);
  auto gesdd = [&](T* work, int lwork, R* s_out) {
    if constexpr (std::is_same_v<T, float>) {
      lapack::sgesdd_(&jobz, &rows, &cols, matrix.data(), &rows, s_out, u_work.data(), &ldu, vt_work.data(), &ldvt,
                      work, &lwork, iwork.data(), &info, 1);
    } else if constexpr (std::is_same_v<T, double>) {
      lapack::dgesdd_(&jobz, &rows, &cols, matrix.data(), &rows, s_out, u_work.data(), &ldu, vt_work.data(), &ldvt,
                      work, &lwork, iwork.data(), &info, 1);
    } else if constexpr (std::is_same_v<T, c64>) {
      lapack::cgesdd_(&jobz, &rows, &cols, matrix.data(), &rows, s_out, u_work.data(), &ldu, vt_work.data(), &ldvt,
                      work, &lwork, rwork.data(), iwork.data(), &info, 1);
    } else {
      lapack::zgesdd_(&jobz, &rows, &cols, matrix.data(), &rows, s_out, u_work.data(), &ldu, vt_work.data(), &ldvt,
                      work, &lwork, rwork.data(), iwork.data(), &info, 1);
    }
  };
  gesdd(&work_query, query, s);
  Scratch<T> work(workspace_size(work_query));
  for (std::int64_t b = 0; b < batch; ++b) {
    transpose_matrix(a + b * m * n, m, n, matrix.data());
    gesdd(work.data(), as_int(std::ssize(work)), s + b * k);
    if (info != 0) {
      fill_nan(s + b * k, k);
      if (compute_uv) {
        fill_nan(u + b * m * u_columns, m * u_columns);
        fill_nan(vt + b * vt_rows * n, vt_rows * n);
      }
      continue;
    }
    if (compute_uv) {
      transpose_matrix(u_work.data(), u_columns, m, u + b * m * u_columns);
      transpose_matrix(vt_work.data(), n, vt_rows, vt + b * vt_rows * n);
    }
  }
}

template <class T>
void eig_typed(std::int64_t batch, std::int64_t n, const T* a, std::complex<Real<T>>* w, std::complex<Real<T>>* left,
               std::complex<Real<T>>* right) {
  using R = Real<T>;
  using C = std::complex<R>;
  if (n == 0) return;
  const char jobvl = left ? 'V' : 'N', jobvr = right ? 'V' : 'N';
  const int order = as_int(n);
  Scratch<T> matrix(n * n);
  Scratch<T> vl(left ? n * n : 1), vr(right ? n * n : 1);
  const int ldvl = left ? order : 1, ldvr = right ? order : 1;
  Scratch<R> wr(n), wi(n), rwork(2 * n);
  Scratch<C> wc(n);
  int info = 0;
  auto geev = [&](T* work, int lwork) {
    if constexpr (std::is_same_v<T, float>) {
      lapack::sgeev_(&jobvl, &jobvr, &order, matrix.data(), &order, wr.data(), wi.data(), vl.data(), &ldvl, vr.data(),
                     &ldvr, work, &lwork, &info, 1, 1);
    } else if constexpr (std::is_same_v<T, double>) {
      lapack::dgeev_(&jobvl, &jobvr, &order, matrix.data(), &order, wr.data(), wi.data(), vl.data(), &ldvl, vr.data(),
                     &ldvr, work, &lwork, &info, 1, 1);
    } else if constexpr (std::is_same_v<T, c64>) {
      lapack::cgeev_(&jobvl, &jobvr, &order, matrix.data(), &order, wc.data(), vl.data(), &ldvl, vr.data(), &ldvr, work,
                     &lwork, rwork.data(), &info, 1, 1);
    } else {
      lapack::zgeev_(&jobvl, &jobvr, &order, matrix.data(), &order, wc.data(), vl.data(), &ldvl, vr.data(), &ldvr, work,
                     &lwork, rwork.data(), &info, 1, 1);
    }
  };
  T work_query{};
  geev(&work_query, -1);
  Scratch<T> work(workspace_size(work_query));
  // Eigenvectors come back column-major; a real geev stores a conjugate pair (w[j], w[j+1]) as the
  // real and imaginary parts in columns j and j + 1.
  auto unpack_vectors = [&](const Scratch<T>& packed, C* out) {
    for (std::int64_t j = 0; j < n; ++j) {
      for (std::int64_t i = 0; i < n; ++i) {
        if constexpr (kComplex<T>) {
          out[i * n + j] = packed[static_cast<std::size_t>(j * n + i)];
        } else {
          const auto at = [&](std::int64_t column) { return packed[static_cast<std::size_t>(column * n + i)]; };
          const R imag = wi[static_cast<std::size_t>(j)];
          if (imag == 0) {
            out[i * n + j] = C(at(j), 0);
          } else if (imag > 0) {
            out[i * n + j] = C(at(j), at(j + 1));
          } else {
            out[i * n + j] = C(at(j - 1), -at(j));
          }
        }
      }
    }
  };
  for (std::int64_t b = 0; b < batch; ++b) {
    transpose_matrix(a + b * n * n, n, n, matrix.data());
    geev(work.data(), as_int(std::ssize(work)));
    C* w_out = w + b * n;
    if (info != 0) {
      fill_nan(w_out, n);
      if (left) fill_nan(left + b * n * n, n * n);
      if (right) fill_nan(right + b * n * n, n * n);
      continue;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      if constexpr (kComplex<T>) {
        w_out[i] = wc[static_cast<std::size_t>(i)];
      } else {
        w_out[i] = C(wr[static_cast<std::size_t>(i)], wi[static_cast<std::size_t>(i)]);
      }
    }
    if (left) unpack_vectors(vl, left + b * n * n);
    if (right) unpack_vectors(vr, right + b * n * n);
  }
}

template <class T>
void schur_typed(std::int64_t batch, std::int64_t n, const T* a, T* t, T* z) {
  using R = Real<T>;
  if (n == 0) return;
  const char jobvs = 'V', sort = 'N';
  const int order = as_int(n);
  int sdim = 0, info = 0;
  Scratch<T> matrix(n * n), vs(n * n);
  // Eigenvalues as real and imaginary parts for real routines, complex for complex ones.
  Scratch<R> wr(kComplex<T> ? 0 : n), wi(kComplex<T> ? 0 : n), rwork(kComplex<T> ? n : 0);
  Scratch<T> wc(kComplex<T> ? n : 0);
  Scratch<int> bwork(n);
  auto gees = [&](T* work, int lwork) {
    if constexpr (std::is_same_v<T, float>) {
      lapack::sgees_(&jobvs, &sort, nullptr, &order, matrix.data(), &order, &sdim, wr.data(), wi.data(), vs.data(),
                     &order, work, &lwork, bwork.data(), &info, 1, 1);
    } else if constexpr (std::is_same_v<T, double>) {
      lapack::dgees_(&jobvs, &sort, nullptr, &order, matrix.data(), &order, &sdim, wr.data(), wi.data(), vs.data(),
                     &order, work, &lwork, bwork.data(), &info, 1, 1);
    } else if constexpr (std::is_same_v<T, c64>) {
      lapack::cgees_(&jobvs, &sort, nullptr, &order, matrix.data(), &order, &sdim, wc.data(), vs.data(), &order, work,
                     &lwork, rwork.data(), bwork.data(), &info, 1, 1);
    } else {
      lapack::zgees_(&jobvs, &sort, nullptr, &order, matrix.data(), &order, &sdim, wc.data(), vs.data(), &order, work,
                     &lwork, rwork.data(), bwork.data(), &info, 1, 1);
    }
  };
  T work_query{};
  gees(&work_query, -1);
  Scratch<T> work(workspace_size(work_query));
  for (std::int64_t b = 0; b < batch; ++b) {
    transpose_matrix(a + b * n * n, n, n, matrix.data());
    gees(work.data(), as_int(std::ssize(work)));
    if (info != 0) {
      fill_nan(t + b * n * n, n * n);
      fill_nan(z + b * n * n, n * n);
      continue;
    }
    transpose_matrix(matrix.data(), n, n, t + b * n * n);
    transpose_matrix(vs.data(), n, n, z + b * n * n);
  }
}

template <class T>
void tridiagonal_solve_typed(std::int64_t batch, std::int64_t m, std::int64_t n, const T* dl, const T* d, const T* du,
                             T* b) {
  if (m == 0 || n == 0) return;
  Scratch<T> lower(m), main(m), upper(m), rhs(m * n);
  for (std::int64_t i = 0; i < batch; ++i) {
    // jax.lax.linalg's dl[j] is A(j, j - 1) (dl[0] unused); LAPACK's DL(j) is A(j + 1, j).
    std::copy(dl + i * m + 1, dl + (i + 1) * m, lower.begin());
    std::copy(d + i * m, d + (i + 1) * m, main.begin());
    std::copy(du + i * m, du + (i + 1) * m - 1, upper.begin());
    T* x = b + i * m * n;
    transpose_matrix(x, m, n, rhs.data());
    int info = 0;
    lapack::gtsv(as_int(m), as_int(n), lower.data(), main.data(), upper.data(), rhs.data(), as_int(m), &info);
    if (info != 0) {
      fill_nan(x, m * n);
    } else {
      transpose_matrix(rhs.data(), n, m, x);
    }
  }
}

}  // namespace

void lu_factor(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* a, void* lu,
               std::int32_t* pivots) {
  visit_inexact(dtype, "lu_factor", [&]<class T>() {
    lu_factor_typed(batch, m, n, static_cast<const T*>(a), static_cast<T*>(lu), pivots);
  });
}

void inverse(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* out) {
  visit_inexact(dtype, "inverse",
                [&]<class T>() { inverse_typed(batch, n, static_cast<const T*>(a), static_cast<T*>(out)); });
}

void solve(DType dtype, std::int64_t batch, std::int64_t n, std::int64_t nrhs, const void* a, const void* b, void* x) {
  visit_inexact(dtype, "solve", [&]<class T>() {
    solve_typed(batch, n, nrhs, static_cast<const T*>(a), static_cast<const T*>(b), static_cast<T*>(x));
  });
}

void determinant(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* det) {
  visit_inexact(dtype, "determinant", [&]<class T>() {
    determinant_typed<T>(batch, n, static_cast<const T*>(a), static_cast<T*>(det), nullptr);
  });
}

void log_determinant(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* sign, void* logabsdet) {
  visit_inexact(dtype, "log_determinant", [&]<class T>() {
    determinant_typed<T>(batch, n, static_cast<const T*>(a), static_cast<T*>(sign), static_cast<Real<T>*>(logabsdet));
  });
}

void householder_qr(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* a, void* reflectors,
                    void* taus) {
  visit_inexact(dtype, "householder_qr", [&]<class T>() {
    householder_qr_typed(batch, m, n, static_cast<const T*>(a), static_cast<T*>(reflectors), static_cast<T*>(taus));
  });
}

void householder_product(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k,
                         std::int64_t columns, const void* reflectors, const void* taus, void* q) {
  visit_inexact(dtype, "householder_product", [&]<class T>() {
    householder_product_typed(batch, m, n, k, columns, static_cast<const T*>(reflectors), static_cast<const T*>(taus),
                              static_cast<T*>(q));
  });
}

void qr(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t columns, const void* a, void* q,
        void* r) {
  visit_inexact(dtype, "qr", [&]<class T>() {
    qr_typed(batch, m, n, columns, static_cast<const T*>(a), static_cast<T*>(q), static_cast<T*>(r));
  });
}

void cholesky(DType dtype, std::int64_t batch, std::int64_t n, const void* in, void* out) {
  visit_inexact(dtype, "cholesky",
                [&]<class T>() { cholesky_typed(batch, n, static_cast<const T*>(in), static_cast<T*>(out)); });
}

void eigh(DType dtype, std::int64_t batch, std::int64_t n, bool lower, const void* a, void* v, void* w) {
  visit_inexact(dtype, "eigh", [&]<class T>() {
    eigh_typed(batch, n, lower, static_cast<const T*>(a), static_cast<T*>(v), static_cast<Real<T>*>(w));
  });
}

void svd(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, bool full_matrices, bool compute_uv,
         const void* a, void* s, void* u, void* vt) {
  visit_inexact(dtype, "svd", [&]<class T>() {
    svd_typed(batch, m, n, full_matrices, compute_uv, static_cast<const T*>(a), static_cast<Real<T>*>(s),
              static_cast<T*>(u), static_cast<T*>(vt));
  });
}

void eig(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* w, void* left, void* right) {
  visit_inexact(dtype, "eig", [&]<class T>() {
    using C = std::complex<Real<T>>;
    eig_typed(batch, n, static_cast<const T*>(a), static_cast<C*>(w), static_cast<C*>(left), static_cast<C*>(right));
  });
}

void schur(DType dtype, std::int64_t batch, std::int64_t n, const void* a, void* t, void* z) {
  visit_inexact(dtype, "schur", [&]<class T>() {
    schur_typed(batch, n, static_cast<const T*>(a), static_cast<T*>(t), static_cast<T*>(z));
  });
}

void tridiagonal_solve(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* dl, const void* d,
                       const void* du, void* b) {
  visit_inexact(dtype, "tridiagonal_solve", [&]<class T>() {
    tridiagonal_solve_typed(batch, m, n, static_cast<const T*>(dl), static_cast<const T*>(d), static_cast<const T*>(du),
                            static_cast<T*>(b));
  });
}

}  // namespace jx::cpu
