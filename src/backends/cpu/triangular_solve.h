// src/backends/cpu/triangular_solve.h — the CPU kernel behind the triangular_solve primitive: BLAS's
// trsm, which OpenBLAS blocks and vectorizes, on a batch of row-major matrices of float32, float64,
// complex64 or complex128, one after another in memory.
#pragma once

#include <cstdint>

#include "jx/core/dtype.h"

namespace jx::cpu {

struct TriangularSolveSpec {
  bool left_side = false;      // solve op(a) x = b (else x op(a) = b)
  bool lower = false;          // a is lower triangular (only that triangle is read)
  bool transpose_a = false;    // op(a) = a^T (a^H with conjugate_a)
  bool conjugate_a = false;    // op(a) = conj(a) (conj(a)^T = a^H with transpose_a)
  bool unit_diagonal = false;  // a's diagonal is taken to be ones
};

// Solves, for each of `batch` pairs, with a m x m (left side) or n x n (right side) and b m x n;
// `b` is overwritten with the solution.
void triangular_solve(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* a, void* b,
                      const TriangularSolveSpec& spec);

}  // namespace jx::cpu
