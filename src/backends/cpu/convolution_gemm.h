// src/backends/cpu/convolution_gemm.h — the matrix products of the convolution kernel, and the
// scratch memory and BLAS threading they run with.
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <type_traits>
#include <vector>

#include "backends/cpu/dispatch.h"

namespace jx::cpu::conv {

// A matrix in memory: element (r, c) at data[r * row_stride + c * col_stride].
template <class T>
struct Strided {
  T* data;
  std::int64_t row_stride, col_stride;
};

// c (m x n) = a (m x k) b (k x n), or c += a b. Each operand has one of its strides equal to 1.
template <class T>
void multiply(std::int64_t m, std::int64_t n, std::int64_t k, Strided<const T> a, Strided<const T> b, Strided<T> c,
              bool accumulate) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (c.col_stride != 1) {
      // Column-major c: compute its transpose, c^T = b^T a^T, which is row-major.
      multiply<T>(n, m, k, {b.data, b.col_stride, b.row_stride}, {a.data, a.col_stride, a.row_stride},
                  {c.data, c.col_stride, c.row_stride}, accumulate);
      return;
    }
    // Row-major operands pass as is; column-major ones as the transpose of a row-major matrix. A
    // leading dimension must cover a row even when a unit extent makes its stride meaningless.
    const bool a_rows = a.col_stride == 1 && (a.row_stride >= k || m == 1);
    const bool b_rows = b.col_stride == 1 && (b.row_stride >= n || k == 1);
    const auto lda =
        static_cast<int>(std::max<std::int64_t>(a_rows ? std::max(a.row_stride, k) : std::max(a.col_stride, m), 1));
    const auto ldb =
        static_cast<int>(std::max<std::int64_t>(b_rows ? std::max(b.row_stride, n) : std::max(b.col_stride, k), 1));
    const auto ldc = static_cast<int>(std::max<std::int64_t>(std::max(c.row_stride, n), 1));
    const auto ta = a_rows ? CblasNoTrans : CblasTrans;
    const auto tb = b_rows ? CblasNoTrans : CblasTrans;
    const T beta = accumulate ? T(1) : T(0);
    if constexpr (std::is_same_v<T, float>) {
      cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a.data,
                  lda, b.data, ldb, beta, c.data, ldc);
    } else {
      cblas_dgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a.data,
                  lda, b.data, ldb, beta, c.data, ldc);
    }
  } else {
    using U = wrapping_t<T>;
    for (std::int64_t r = 0; r < m; ++r) {
      for (std::int64_t col = 0; col < n; ++col) {
        U sum = accumulate ? static_cast<U>(c.data[r * c.row_stride + col * c.col_stride]) : U{0};
        for (std::int64_t j = 0; j < k; ++j) {
          sum = static_cast<U>(sum + static_cast<U>(a.data[r * a.row_stride + j * a.col_stride]) *
                                         static_cast<U>(b.data[j * b.row_stride + col * b.col_stride]));
        }
        c.data[r * c.row_stride + col * c.col_stride] = static_cast<T>(sum);
      }
    }
  }
}

// OpenBLAS runs each call on its own threads; here the calls are already spread over jx's pool, one
// tile per thread, and two layers of threads would fight for the cores. While any convolution runs,
// OpenBLAS is held to one thread (restored by the last one to finish).
class SingleThreadedBlas {
 public:
  SingleThreadedBlas() {
    std::lock_guard lock(mutex_);
    if (users_++ == 0) {
      saved_ = openblas_get_num_threads();
      if (saved_ != 1) openblas_set_num_threads(1);
    }
  }
  ~SingleThreadedBlas() {
    std::lock_guard lock(mutex_);
    if (--users_ == 0 && saved_ != 1) openblas_set_num_threads(saved_);
  }
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  static inline std::mutex mutex_;
  static inline int users_ = 0;
  static inline int saved_ = 1;
};

// Scratch memory reused across calls by each thread (the planned executor allocates nothing per call).
template <class T>
T* scratch(std::vector<std::byte>& buffer, std::int64_t count) {
  const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(T) + 64;
  if (buffer.size() < bytes) buffer.resize(bytes);
  auto address = reinterpret_cast<std::uintptr_t>(buffer.data());
  return reinterpret_cast<T*>((address + 63) & ~std::uintptr_t{63});
}

}  // namespace jx::cpu::conv
