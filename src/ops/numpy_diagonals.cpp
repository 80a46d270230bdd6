// jx::numpy's triangles and diagonals (tril, triu, diagonal, trace), matrix_transpose, vecdot and
// cross: shape manipulation and elementwise products, so every transformation sees through them.
#include <fmt/format.h>

#include <algorithm>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

// An (rows, cols) bool mask of the entries with col - row >= k (upper) or <= k (lower).
Array band_mask(std::int64_t rows, std::int64_t cols, int k, bool upper) {
  const Array row = lax::broadcasted_iota(DType::int64, Shape{rows, cols}, 0);
  const Array col = lax::broadcasted_iota(DType::int64, Shape{rows, cols}, 1);
  const Array offset = lax::sub(col, row);
  const Array bound = array(static_cast<std::int64_t>(k), DType::int64);
  return upper ? lax::ge(offset, bound) : lax::le(offset, bound);
}

Array triangle(std::string_view op, const Array& x, int k, bool upper) {
  if (!x.valid()) throw ValueError(std::string(op), "the operand is an empty jx::Array handle");
  if (x.ndim() < 2) {
    throw ShapeError(std::string(op),
                     fmt::format("expects an array of at least 2 dimensions, got {}", x.type().to_string()));
  }
  const Array mask = band_mask(x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1], k, upper);
  return where(mask, x, zeros_like(x));
}

}  // namespace

Array tril_function::operator()(const Array& x, int k, Loc loc) const {
  CallSite site(loc);
  return triangle("tril", x, k, false);
}

Array triu_function::operator()(const Array& x, int k, Loc loc) const {
  CallSite site(loc);
  return triangle("triu", x, k, true);
}

Array diagonal_function::operator()(const Array& x, DiagonalOptions options, Loc loc) const {
  CallSite site(loc);
  if (!x.valid()) throw ValueError("diagonal", "the operand is an empty jx::Array handle");
  if (x.ndim() < 2) {
    throw ShapeError("diagonal",
                     fmt::format("expects an array of at least 2 dimensions, got {}", x.type().to_string()));
  }
  const int axis1 = ops::normalize_axis("diagonal", options.axis1, x.ndim());
  const int axis2 = ops::normalize_axis("diagonal", options.axis2, x.ndim());
  if (axis1 == axis2) {
    throw ValueError("diagonal",
                     fmt::format("axis1 and axis2 must differ, both are {} for {}", axis1, x.type().to_string()));
  }
  // Move the plane to the end, cut the square block the diagonal runs through, flatten it and take
  // every (d + 1)-th element: reshapes and slices, which every transformation understands.
  std::vector<int> order;
  for (int d = 0; d < x.ndim(); ++d) {
    if (d != axis1 && d != axis2) order.push_back(d);
  }
  order.push_back(axis1);
  order.push_back(axis2);
  Array plane = lax::transpose(x, order);
  const int last = plane.ndim() - 1;
  const std::int64_t rows = plane.shape()[last - 1], cols = plane.shape()[last];
  const std::int64_t row0 = options.offset < 0 ? std::min<std::int64_t>(-options.offset, rows) : 0;
  const std::int64_t col0 = options.offset > 0 ? std::min<std::int64_t>(options.offset, cols) : 0;
  const std::int64_t length = std::max<std::int64_t>(0, std::min(rows - row0, cols - col0));
  plane = lax::slice_in_dim(plane, row0, row0 + length, 1, last - 1);
  plane = lax::slice_in_dim(plane, col0, col0 + length, 1, last);
  Shape flat(plane.shape().begin(), plane.shape().end() - 2);
  flat.push_back(length * length);
  plane = lax::reshape(plane, flat);
  return lax::slice_in_dim(plane, 0, length * length, length + 1, last - 1);
}

Array trace_function::operator()(const Array& x, DiagonalOptions options, Loc loc) const {
  CallSite site(loc);
  return sum(diagonal(x, options, loc), -1, loc);
}

Array matrix_transpose_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (!x.valid()) throw ValueError("matrix_transpose", "the operand is an empty jx::Array handle");
  if (x.ndim() < 2) {
    throw ShapeError("matrix_transpose",
                     fmt::format("expects an array of at least 2 dimensions, got {}", x.type().to_string()));
  }
  return swapaxes(x, -1, -2);
}

Array vecdot_function::operator()(const Array& x, const Array& y, int axis, Loc loc) const {
  CallSite site(loc);
  if (!x.valid() || !y.valid()) throw ValueError("vecdot", "an operand is an empty jx::Array handle");
  // As JAX: the axis is moved to the end of each operand, then the other axes broadcast.
  const Array a = moveaxis(x, ops::normalize_axis("vecdot", axis, x.ndim()), -1);
  const Array b = moveaxis(y, ops::normalize_axis("vecdot", axis, y.ndim()), -1);
  if (a.shape()[a.ndim() - 1] != b.shape()[b.ndim() - 1]) {
    throw ShapeError("vecdot", fmt::format("the contracted axes differ in length: {} and {} along axis {}",
                                           x.shape().to_string(), y.shape().to_string(), axis));
  }
  return sum(multiply(conj(a), b), -1, loc);
}

Array cross_function::operator()(const Array& a, const Array& b, int axis, Loc loc) const {
  CallSite site(loc);
  auto [x, y] = ops::promote_and_broadcast("cross", a, b);
  const int normalized = ops::normalize_axis("cross", axis, x.ndim());
  const std::int64_t length = x.shape()[normalized];
  if (length != 2 && length != 3) {
    throw ShapeError("cross", fmt::format("the vectors must have 2 or 3 components along axis {}, got {} and {}", axis,
                                          a.type().to_string(), b.type().to_string()));
  }
  auto component = [&](const Array& v, std::int64_t i) { return lax::slice_in_dim(v, i, i + 1, 1, normalized); };
  if (length == 2) {  // the z component of the 3-vectors with zero z
    return squeeze(subtract(multiply(component(x, 0), component(y, 1)), multiply(component(x, 1), component(y, 0))),
                   normalized);
  }
  const Array cx = subtract(multiply(component(x, 1), component(y, 2)), multiply(component(x, 2), component(y, 1)));
  const Array cy = subtract(multiply(component(x, 2), component(y, 0)), multiply(component(x, 0), component(y, 2)));
  const Array cz = subtract(multiply(component(x, 0), component(y, 1)), multiply(component(x, 1), component(y, 0)));
  return concatenate({cx, cy, cz}, normalized);
}

}  // namespace jx::numpy
