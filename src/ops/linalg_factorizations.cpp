// jx::lax::linalg::cholesky and triangular_solve, and jx::numpy::linalg::cholesky: argument checks
// and JAX's input conventions (symmetrization, promotion) around the primitives of
// ir/primitives/cholesky.h.
#include <fmt/format.h>

#include "ir/primitives/cholesky.h"
#include "jx/core/error.h"
#include "jx/linalg.h"
#include "ops/promotion.h"
#include "trace/trace.h"

namespace jx {

namespace lax::linalg {

Array cholesky_function::operator()(const Array& x, CholeskyOptions options, std::source_location loc) const {
  CallSite site(loc);
  if (!x.valid()) throw ValueError("cholesky", "the matrix is an empty jx::Array handle");
  if (!is_floating(x.dtype())) {
    throw DTypeError("cholesky", fmt::format("expects float32 or float64 matrices, got {} (jx::numpy::linalg::cholesky "
                                             "promotes integers)",
                                             x.type().to_string()));
  }
  Array input = x;
  if (options.symmetrize_input) {
    if (x.ndim() < 2 || x.shape()[x.ndim() - 1] != x.shape()[x.ndim() - 2]) {
      throw ShapeError("cholesky",
                       fmt::format("expects square matrices of shape (..., n, n), got {}", x.type().to_string()));
    }
    // (x + x^T) / 2, as JAX symmetrizes: a covariance estimate that is symmetric only up to rounding
    // factors as its symmetric part.
    input = numpy::divide(numpy::add(x, numpy::swapaxes(x, -1, -2)), numpy::array(2, x.dtype()));
  }
  return jx::bind1(primitives::Cholesky(), {input});
}

Array triangular_solve_function::operator()(const Array& a, const Array& b, TriangularSolveOptions options,
                                            std::source_location loc) const {
  CallSite site(loc);
  if (!a.valid() || !b.valid()) throw ValueError("triangular_solve", "an operand is an empty jx::Array handle");
  const cpu::TriangularSolveSpec spec{.left_side = options.left_side,
                                      .lower = options.lower,
                                      .transpose_a = options.transpose_a,
                                      .unit_diagonal = options.unit_diagonal};
  return jx::bind1(primitives::TriangularSolve(spec), {a, b});
}

}  // namespace lax::linalg

namespace numpy::linalg {

Array cholesky_function::operator()(const Array& a, std::source_location loc) const {
  CallSite site(loc);
  if (!a.valid()) throw ValueError("cholesky", "the matrix is an empty jx::Array handle");
  return lax::linalg::cholesky(ops::to_inexact(a), {}, loc);
}

}  // namespace numpy::linalg

}  // namespace jx
