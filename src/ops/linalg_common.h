// src/ops/linalg_common.h — argument checks and promotions the jx::numpy::linalg and
// jx::scipy::linalg functions share.
#pragma once

#include <string_view>
#include <utility>

#include "jx/core/array.h"

namespace jx::ops {

// Throws unless `a` is a valid stack of matrices (..., m, n), square when asked, of a numeric dtype.
void check_matrix(std::string_view op, const Array& a, bool square);
// a and b promoted to their common type, made inexact (integers become the default float type).
std::pair<Array, Array> promote_inexact(const Array& a, const Array& b);
// The stack of matrices x (..., m, n) broadcast to the batch shape `batch` (batch..., m, n).
Array with_batch(const Array& x, const Shape& batch);
// The machine epsilon of a float or complex dtype's real part.
double epsilon(DType dtype);
// The conjugate transpose of the last two axes.
Array adjoint(const Array& x);
// x with op(a) x = b from a's packed LU factors (lax.linalg.lu) and row permutation: op(a) = a for
// trans 0, a^T for 1, a^H for 2; b is (..., n, k) with the factors' batch shape.
Array lu_solve(const Array& lu, const Array& permutation, const Array& b, int trans);

}  // namespace jx::ops
