#include "ops/linalg_common.h"

#include <fmt/format.h>

#include <limits>

#include "jx/core/error.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "ops/promotion.h"

namespace jx::ops {

void check_matrix(std::string_view op, const Array& a, bool square) {
  if (!a.valid()) throw ValueError(std::string(op), "the matrix is an empty jx::Array handle");
  if (!is_numeric(a.dtype())) {
    throw DTypeError(std::string(op), fmt::format("expects a numeric matrix, got {}", a.type().to_string()));
  }
  if (a.ndim() < 2) {
    throw ShapeError(std::string(op),
                     fmt::format("expects an array of shape (..., m, n), got {}", a.type().to_string()));
  }
  if (square && a.shape()[a.ndim() - 1] != a.shape()[a.ndim() - 2]) {
    throw ShapeError(std::string(op),
                     fmt::format("expects square matrices of shape (..., n, n), got {}", a.type().to_string()));
  }
}

std::pair<Array, Array> promote_inexact(const Array& a, const Array& b) {
  const Array both[] = {a, b};
  const PromotionType type = inexact_type(result_type(both));
  return {convert_to(a, type), convert_to(b, type)};
}

Array with_batch(const Array& x, const Shape& batch) {
  Shape target = batch;
  target.push_back(x.shape()[x.ndim() - 2]);
  target.push_back(x.shape()[x.ndim() - 1]);
  return broadcast_to_shape(x, target);
}

double epsilon(DType dtype) {
  switch (real_dtype(dtype)) {
    case DType::float64:
      return std::numeric_limits<double>::epsilon();
    case DType::float16:
      return 0.0009765625;
    case DType::bfloat16:
      return 0.0078125;
    default:
      return std::numeric_limits<float>::epsilon();
  }
}

Array adjoint(const Array& x) { return numpy::conj(numpy::swapaxes(x, -1, -2)); }

Array lu_solve(const Array& lu, const Array& permutation, const Array& b, int trans) {
  // x[order] along the row axis, for each column.
  const auto rows_in = [](const Array& x, const Array& order) {
    return numpy::take_along_axis(x, numpy::broadcast_to(numpy::expand_dims(order, -1), x.shape()), -2);
  };
  if (trans == 0) {  // a[permutation] = L U: x = U^-1 L^-1 b[permutation]
    const Array y = lax::linalg::triangular_solve(lu, rows_in(b, permutation),
                                                  {.left_side = true, .lower = true, .unit_diagonal = true});
    return lax::linalg::triangular_solve(lu, y, {.left_side = true, .lower = false});
  }
  // op(a) = U^T L^T P (or with ^H): x = P^T L^-T U^-T b, P^T being the inverse row order.
  const bool conjugate = trans == 2;
  const Array y = lax::linalg::triangular_solve(
      lu, b, {.left_side = true, .lower = false, .transpose_a = true, .conjugate_a = conjugate});
  const Array z = lax::linalg::triangular_solve(
      lu, y, {.left_side = true, .lower = true, .transpose_a = true, .conjugate_a = conjugate, .unit_diagonal = true});
  return rows_in(z, numpy::argsort(permutation, -1));
}

}  // namespace jx::ops
