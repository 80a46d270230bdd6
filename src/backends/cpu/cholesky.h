// src/backends/cpu/cholesky.h — the CPU kernels behind the cholesky and triangular_solve primitives.
//
// Both work on a batch of row-major matrices of float32 or float64, one after another in memory. A
// matrix that is not positive definite factors to all NaN, as JAX's CPU lowering reports a failed
// LAPACK potrf; triangular solves go to BLAS's trsm.
#pragma once

#include <cstdint>

#include "jx/core/dtype.h"

namespace jx::cpu {

// The lower Cholesky factors of `batch` n x n matrices, reading only their lower triangles; the
// factors' upper triangles are zero.
void cholesky(DType dtype, std::int64_t batch, std::int64_t n, const void* in, void* out);

struct TriangularSolveSpec {
  bool left_side = false;      // solve op(a) x = b (else x op(a) = b)
  bool lower = false;          // a is lower triangular (only that triangle is read)
  bool transpose_a = false;    // op(a) = a^T
  bool unit_diagonal = false;  // a's diagonal is taken to be ones
};

// Solves, for each of `batch` pairs, with a m x m (left side) or n x n (right side) and b m x n;
// `b` is overwritten with the solution.
void triangular_solve(DType dtype, std::int64_t batch, std::int64_t m, std::int64_t n, const void* a, void* b,
                      const TriangularSolveSpec& spec);

}  // namespace jx::cpu
