// jx::lax's shape conveniences (jx/lax/shaping.h): compositions of broadcast_in_dim, reshape, slice,
// concatenate and the dynamic slices, with JAX's argument checks.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/shaping.h"
#include "ops/promotion.h"

namespace jx::lax {
namespace {

namespace jnp = jx::numpy;

std::size_t at(int axis) { return static_cast<std::size_t>(axis); }

// An integer scalar start index, checked as lax.dynamic_slice checks it.
void check_index(std::string_view op, const Array& index) {
  if (index.ndim() != 0 || !is_integer(index.dtype())) {
    throw DTypeError(std::string(op),
                     fmt::format("the index must be an integer scalar, got {}", index.type().to_string()));
  }
}

// JAX's _dynamic_slice_indices for one axis: a negative signed index counts from the end.
Array wrap_negative(const Array& index, std::int64_t axis_size, bool allow_negative) {
  if (!allow_negative || !is_signed_integer(index.dtype())) return index;
  return lax::select(lax::lt(index, Array(0)), lax::add(index, Array(axis_size)), index);
}

// Start indices that are zero on every axis but `axis`.
std::vector<Array> starts_on_axis(const Array& start, int axis, int ndim) {
  std::vector<Array> starts(at(ndim), jnp::zeros({}, start.dtype()));
  starts[at(axis)] = start;
  return starts;
}

}  // namespace

Array broadcast_function::operator()(const Array& x, const Shape& sizes, Loc loc) const {
  CallSite site(loc);
  if (sizes.empty()) return x;
  Shape shape = sizes;
  for (std::int64_t d : x.shape()) shape.push_back(d);
  std::vector<int> dims(at(x.ndim()));
  std::iota(dims.begin(), dims.end(), sizes.ndim());
  return broadcast_in_dim(x, shape, dims);
}

Array broadcast_like_function::operator()(const Array& x, const Array& like, Loc loc) const {
  CallSite site(loc);
  return jnp::broadcast_to(x, like.shape());
}

Array broadcast_to_rank_function::operator()(const Array& x, int rank, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() >= rank) return x;  // as JAX: (1,) * (rank - ndim) adds nothing then
  Shape ones;
  for (int i = x.ndim(); i < rank; ++i) ones.push_back(1);
  return broadcast(x, ones);
}

Shape broadcast_shapes_function::operator()(const std::vector<Shape>& shapes, Loc loc) const {
  CallSite site(loc);
  if (shapes.empty()) return Shape{};
  Shape result = shapes[0];
  for (std::size_t i = 1; i < shapes.size(); ++i) result = ops::broadcast_shapes("broadcast_shapes", result, shapes[i]);
  return result;
}

Array collapse_function::operator()(const Array& x, int start_dimension, std::optional<int> stop_dimension,
                                    Loc loc) const {
  CallSite site(loc);
  const int ndim = x.ndim();
  // Python's slice(start, stop).indices(ndim): negative bounds from the end, then clamped.
  auto bound = [ndim](int d) { return std::clamp(d < 0 ? d + ndim : d, 0, ndim); };
  const int low = bound(start_dimension);
  const int high = stop_dimension ? bound(*stop_dimension) : ndim;
  if (high < low) {
    throw ValueError("collapse",
                     fmt::format("invalid dimension range [{}:{}] for an array of shape {}", start_dimension,
                                 stop_dimension ? std::to_string(*stop_dimension) : "", x.shape().to_string()));
  }
  Shape shape;
  std::int64_t merged = 1;
  for (int d = 0; d < ndim; ++d) {
    if (d >= low && d < high) {
      merged *= x.shape()[d];
      if (d == high - 1) shape.push_back(merged);
    } else {
      if (d == low && low == high) shape.push_back(1);  // an empty range inserts an axis of length 1
      shape.push_back(x.shape()[d]);
    }
  }
  if (low == high && low == ndim) shape.push_back(1);
  return reshape(x, shape);
}

Array full_function::operator()(const Shape& shape, const Array& fill_value, std::optional<DType> dtype,
                                Loc loc) const {
  CallSite site(loc);
  if (fill_value.ndim() != 0) {
    throw TypeError("full", fmt::format("fill_value must be a scalar, got shape {}", fill_value.shape().to_string()));
  }
  const Array value = dtype ? convert_element_type(fill_value, *dtype) : fill_value;
  return broadcast_in_dim(value, shape, {});
}

Array full_like_function::operator()(const Array& x, const Array& fill_value, std::optional<DType> dtype,
                                     std::optional<Shape> shape, Loc loc) const {
  CallSite site(loc);
  if (fill_value.ndim() != 0) {
    throw TypeError("full_like",
                    fmt::format("fill_value must be a scalar, got shape {}", fill_value.shape().to_string()));
  }
  const PromotionType type{canonicalize_dtype(dtype.value_or(x.dtype())), !dtype && x.weak_type()};
  return broadcast_in_dim(ops::convert_to(fill_value, type), shape.value_or(x.shape()), {});
}

Array empty_function::operator()(const Shape& shape, DType dtype, Loc loc) const {
  CallSite site(loc);
  return jnp::zeros(shape, dtype);
}

Array tile_function::operator()(const Array& x, const std::vector<std::int64_t>& reps, Loc loc) const {
  CallSite site(loc);
  if (static_cast<int>(reps.size()) != x.ndim()) {
    throw ValueError("tile", fmt::format("needs one rep per axis: reps ({}) for an array of shape {}",
                                         fmt::join(reps, ", "), x.shape().to_string()));
  }
  // (r0, d0, r1, d1, ...) by broadcasting, then each pair merged: the copies lie outermost.
  Shape expanded, tiled;
  std::vector<int> dims;
  for (int d = 0; d < x.ndim(); ++d) {
    const std::int64_t rep = reps[at(d)];
    if (rep < 0) throw ValueError("tile", fmt::format("reps must be non-negative, got {}", rep));
    expanded.push_back(rep);
    expanded.push_back(x.shape()[d]);
    dims.push_back(2 * d + 1);
    tiled.push_back(rep * x.shape()[d]);
  }
  return reshape(broadcast_in_dim(x, expanded, dims), tiled);
}

Array stack_function::operator()(const std::vector<Array>& operands, int axis, Loc loc) const {
  CallSite site(loc);
  if (operands.empty()) throw ValueError("stack", "needs at least one array");
  const int a = ops::normalize_axis("stack", axis, operands[0].ndim() + 1);
  std::vector<Array> expanded;
  for (const Array& operand : operands) {
    if (operand.shape() != operands[0].shape()) {
      throw ShapeError("stack", fmt::format("all arrays must have one shape, got {} and {}",
                                            operands[0].shape().to_string(), operand.shape().to_string()));
    }
    expanded.push_back(expand_dims(operand, {a}));
  }
  return concatenate(expanded, a);
}

std::vector<Array> unstack_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("unstack", axis, x.ndim());
  std::vector<Array> pieces;
  for (std::int64_t i = 0; i < x.shape()[a]; ++i) pieces.push_back(squeeze(slice_in_dim(x, i, i + 1, 1, a), {a}));
  return pieces;
}

std::vector<Array> split_function::operator()(const Array& x, const std::vector<std::int64_t>& sizes, int axis,
                                              Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("split", axis, x.ndim());
  std::int64_t total = 0;
  for (std::int64_t size : sizes) {
    if (size < 0)
      throw ValueError("split", fmt::format("sizes must be non-negative, got ({})", fmt::join(sizes, ", ")));
    total += size;
  }
  if (total != x.shape()[a]) {
    throw ValueError("split", fmt::format("sizes ({}) add up to {}, but axis {} of {} has length {}",
                                          fmt::join(sizes, ", "), total, a, x.shape().to_string(), x.shape()[a]));
  }
  std::vector<Array> pieces;
  std::int64_t start = 0;
  for (std::int64_t size : sizes) {
    pieces.push_back(slice_in_dim(x, start, start + size, 1, a));
    start += size;
  }
  return pieces;
}

Array index_in_dim_function::operator()(const Array& x, std::int64_t index, int axis, bool keepdims, Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("index_in_dim", axis, x.ndim());
  const std::int64_t size = x.shape()[a];
  const std::int64_t wrapped = index < 0 ? index + size : index;
  if (wrapped < 0 || wrapped >= size) {
    throw IndexError("index_in_dim", fmt::format("index {} is out of bounds for axis {} with size {}", index, a, size));
  }
  const Array result = slice_in_dim(x, wrapped, wrapped + 1, 1, a);
  return keepdims ? result : squeeze(result, {a});
}

Array dynamic_slice_in_dim_function::operator()(const Array& x, const Array& start_index, std::int64_t slice_size,
                                                int axis, DynamicIndexOptions options, Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("dynamic_slice_in_dim", axis, x.ndim());
  check_index("dynamic_slice_in_dim", start_index);
  Shape sizes = x.shape();
  sizes[a] = slice_size;
  const Array start = wrap_negative(start_index, x.shape()[a], options.allow_negative_indices);
  return dynamic_slice(x, starts_on_axis(start, a, x.ndim()), sizes);
}

Array dynamic_index_in_dim_function::operator()(const Array& x, const Array& index, int axis, bool keepdims,
                                                DynamicIndexOptions options, Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("dynamic_index_in_dim", axis, x.ndim());
  const Array result = dynamic_slice_in_dim(x, index, 1, a, options);
  return keepdims ? result : squeeze(result, {a});
}

Array dynamic_update_slice_in_dim_function::operator()(const Array& x, const Array& update, const Array& start_index,
                                                       int axis, DynamicIndexOptions options, Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("dynamic_update_slice_in_dim", axis, x.ndim());
  check_index("dynamic_update_slice_in_dim", start_index);
  // A weakly typed update (a C++ number) takes x's dtype, as a Python scalar does in JAX.
  const Array values =
      update.weak_type() && update.dtype() != x.dtype() ? convert_element_type(update, x.dtype()) : update;
  const Array start = wrap_negative(start_index, x.shape()[a], options.allow_negative_indices);
  return dynamic_update_slice(x, values, starts_on_axis(start, a, x.ndim()));
}

Array dynamic_update_index_in_dim_function::operator()(const Array& x, const Array& update, const Array& index,
                                                       int axis, DynamicIndexOptions options, Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("dynamic_update_index_in_dim", axis, x.ndim());
  Array values = update;
  if (values.ndim() == x.ndim() - 1) {
    values = expand_dims(values, {a});
  } else if (values.ndim() != x.ndim()) {
    throw ShapeError("dynamic_update_index_in_dim",
                     fmt::format("update of shape {} for an operand of shape {}: its rank must be the operand's or "
                                 "one less",
                                 update.shape().to_string(), x.shape().to_string()));
  }
  return dynamic_update_slice_in_dim(x, values, index, a, options);
}

Array index_take_function::operator()(const Array& src, const std::vector<Array>& idxs, const std::vector<int>& axes,
                                      Loc loc) const {
  CallSite site(loc);
  if (idxs.size() != axes.size() || idxs.empty()) {
    throw ValueError("index_take", fmt::format("needs one index array per axis and at least one, got {} for axes ({})",
                                               idxs.size(), fmt::join(axes, ", ")));
  }
  std::vector<int> taken;
  for (int axis : axes) {
    const int a = ops::normalize_axis("index_take", axis, src.ndim());
    if (std::find(taken.begin(), taken.end(), a) != taken.end()) {
      throw ValueError("index_take", fmt::format("axes ({}) repeat an axis", fmt::join(axes, ", ")));
    }
    taken.push_back(a);
  }
  for (const Array& index : idxs) {
    if (!is_integer(index.dtype()) || index.shape() != idxs[0].shape()) {
      throw DTypeError("index_take", fmt::format("indices must be integer arrays of one shape, got {} and {}",
                                                 idxs[0].type().to_string(), index.type().to_string()));
    }
  }
  // The taken axes first, merged into one row-major axis that a single take reads.
  std::vector<int> order = taken;
  for (int d = 0; d < src.ndim(); ++d) {
    if (std::find(taken.begin(), taken.end(), d) == taken.end()) order.push_back(d);
  }
  Shape merged_shape{1};
  for (std::size_t k = taken.size(); k < order.size(); ++k) merged_shape.push_back(src.shape()[order[k]]);
  Array linear;
  for (std::size_t k = 0; k < taken.size(); ++k) {
    const std::int64_t size = src.shape()[taken[k]];
    merged_shape[0] *= size;
    const Array wrapped = jnp::remainder(idxs[k], Array(size));  // Python's %: never negative
    linear = k == 0 ? wrapped : jnp::add(jnp::multiply(linear, Array(size)), wrapped);
  }
  const Array merged = reshape(transpose(src, order), merged_shape);
  return jnp::take(merged, linear, 0, {.mode = "clip"});
}

}  // namespace jx::lax
