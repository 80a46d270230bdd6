#include "ops/linalg_common.h"

#include <fmt/format.h>

#include <limits>

#include "jx/core/error.h"
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

}  // namespace jx::ops
