// jx::lax::ragged_dot and ragged_dot_general (jx/lax/ragged.h): every group's product, masked to the
// rows of its group and summed over groups.
#include <fmt/format.h>

#include <algorithm>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/ragged.h"
#include "jx/numpy.h"
#include "ops/promotion.h"

namespace jx::lax {
namespace {

bool contains(const std::vector<int>& axes, int axis, int ndim) {
  return std::any_of(axes.begin(), axes.end(),
                     [&](int a) { return ops::normalize_axis("ragged_dot_general", a, ndim) == axis; });
}

// The position of `axis` among the axes of an operand of rank `ndim` that are neither contracted nor
// batched (dot_general's free axes, in order).
int free_position(int axis, int ndim, const std::vector<int>& contracting, const std::vector<int>& batch) {
  int position = 0;
  for (int a = 0; a < axis; ++a) {
    if (!contains(contracting, a, ndim) && !contains(batch, a, ndim)) ++position;
  }
  return position;
}

}  // namespace

Array ragged_dot_general_function::operator()(const Array& lhs, const Array& rhs, const Array& group_sizes,
                                              const RaggedDotDimensionNumbers& ragged_dot_dimension_numbers,
                                              const RaggedDotOptions& options, Loc loc) const {
  CallSite site(loc);
  const char* op = "ragged_dot_general";
  const DotDimensionNumbers& dims = ragged_dot_dimension_numbers.dot_dimension_numbers;
  if (group_sizes.ndim() != 1 || !is_integer(group_sizes.dtype())) {
    throw TypeError(op, fmt::format("group_sizes must be a vector of integers, got {}{}",
                                    dtype_name(group_sizes.dtype()), group_sizes.shape().to_string()));
  }
  if (ragged_dot_dimension_numbers.lhs_ragged_dimensions.size() != 1) {
    throw ValueError(op, fmt::format("needs exactly one lhs ragged dimension, got {}",
                                     ragged_dot_dimension_numbers.lhs_ragged_dimensions.size()));
  }
  const int ragged = ops::normalize_axis(op, ragged_dot_dimension_numbers.lhs_ragged_dimensions[0], lhs.ndim());
  if (contains(dims.lhs_contracting, ragged, lhs.ndim()) || contains(dims.lhs_batch, ragged, lhs.ndim())) {
    throw ValueError(op,
                     "a ragged contracting or batch dimension is not supported by jx (only JAX's ragged "
                     "non-contracting mode, the one ragged_dot uses)");
  }
  if (ragged_dot_dimension_numbers.rhs_group_dimensions.size() != 1) {
    throw ValueError(op, fmt::format("the ragged non-contracting mode needs exactly one rhs group dimension, got {}",
                                     ragged_dot_dimension_numbers.rhs_group_dimensions.size()));
  }
  const int group = ops::normalize_axis(op, ragged_dot_dimension_numbers.rhs_group_dimensions[0], rhs.ndim());
  if (contains(dims.rhs_contracting, group, rhs.ndim()) || contains(dims.rhs_batch, group, rhs.ndim())) {
    throw ValueError(op, "the rhs group dimension must be neither contracted nor batched");
  }
  const std::int64_t groups = rhs.shape()[group];
  if (group_sizes.shape()[0] != groups) {
    throw ShapeError(op, fmt::format("group_sizes has {} entries, but rhs has {} groups (axis {} of shape {})",
                                     group_sizes.shape()[0], groups, group, rhs.shape().to_string()));
  }
  // Every group's product: dot_general lays out batch axes, lhs free axes, then rhs free axes.
  const Array product = dot_general(lhs, rhs, dims);
  const int batch = static_cast<int>(dims.lhs_batch.size());
  const int lhs_free = lhs.ndim() - batch - static_cast<int>(dims.lhs_contracting.size());
  const int ragged_position = batch + free_position(ragged, lhs.ndim(), dims.lhs_contracting, dims.lhs_batch);
  const int group_position = batch + lhs_free + free_position(group, rhs.ndim(), dims.rhs_contracting, dims.rhs_batch);
  // Row i belongs to group j when ends[j] - sizes[j] <= i < ends[j]; rows past the last end to none.
  const std::int64_t rows = lhs.shape()[ragged];
  const Array sizes = convert_element_type(group_sizes, DType::int32);
  const Array ends = cumsum(sizes, 0);
  const Array starts = sub(ends, sizes);
  const Shape mask_shape{rows, groups};
  const Array row = broadcasted_iota(DType::int32, mask_shape, 0);
  const Array in_group =
      bitwise_and(ge(row, broadcast_in_dim(starts, mask_shape, {1})), lt(row, broadcast_in_dim(ends, mask_shape, {1})));
  // select, not a product with the mask, so that an inf or NaN in another group's product stays out.
  const Array mask = broadcast_in_dim(in_group, product.shape(), {ragged_position, group_position});
  const Array masked = select(mask, product, numpy::zeros_like(product));
  Array result = reduce_sum(masked, {group_position});
  if (options.preferred_element_type) result = convert_element_type(result, *options.preferred_element_type);
  return result;
}

Array ragged_dot_function::operator()(const Array& lhs, const Array& rhs, const Array& group_sizes,
                                      const RaggedDotOptions& options, Loc loc) const {
  CallSite site(loc);
  if (lhs.ndim() != 2 || rhs.ndim() != 3) {
    throw ShapeError("ragged_dot", fmt::format("needs lhs (m, k) and rhs (g, k, n), got shapes {} and {}",
                                               lhs.shape().to_string(), rhs.shape().to_string()));
  }
  const RaggedDotDimensionNumbers numbers{DotDimensionNumbers{{1}, {1}, {}, {}}, {0}, {0}};
  return ragged_dot_general(lhs, rhs, group_sizes, numbers, options, loc);
}

}  // namespace jx::lax
