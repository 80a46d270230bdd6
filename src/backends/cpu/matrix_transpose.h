// src/backends/cpu/matrix_transpose.h — out-of-place transposes of row-major matrices, the layout
// change between jx (row-major) and LAPACK (column-major).
//
//   jx::cpu::transpose_matrix(a, rows, cols, a_transposed);   // a_transposed is cols x rows
//
// Elements of 4, 8 and 16 bytes (float32, float64 and complex64, complex128) go through in-register
// tile transposes (8 x 8 for 4 and 8 bytes, 4 x 4 for 16) where the ISA has them; the rest element by
// element. At n = 64 a transpose is a tenth of an LU factorization's time, so it is worth doing well.
#pragma once

#include <cstddef>
#include <cstdint>

namespace jx::cpu {

// `in` (rows x cols, row-major) written transposed (cols x rows, row-major) to `out`; element_bytes
// 4, 8 or 16 (any other size is copied element by element). Large matrices use the thread pool.
void transpose_matrix(const void* in, std::int64_t rows, std::int64_t cols, void* out, std::size_t element_bytes);

template <class T>
void transpose_matrix(const T* in, std::int64_t rows, std::int64_t cols, T* out) {
  transpose_matrix(static_cast<const void*>(in), rows, cols, static_cast<void*>(out), sizeof(T));
}

}  // namespace jx::cpu
