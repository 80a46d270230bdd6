// jx/numpy/selection.h. The functions with value-dependent lengths compact their masks with
// src/ops/compaction.h, as unique and the set functions do.
#include <fmt/format.h>

#include <numeric>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/selection.h"
#include "jx/numpy/shaping.h"
#include "jx/transforms/vmap.h"
#include "ops/compaction.h"
#include "ops/numpy_common.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

using internal::index_constant;

std::int64_t result_length(std::string_view op, const Array& flat_mask, const SizeOptions& options) {
  return ops::result_length(op, flat_mask, options.size);
}
using ops::compact;
using ops::found;

Array mask_of(const Array& x) { return ravel(not_equal(x, ops::convert_to(Array(0), {x.dtype(), true}))); }

}  // namespace

// --- Masks to indices -------------------------------------------------------------------------------

std::vector<Array> nonzero_function::operator()(const Array& x, SizeOptions options, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() == 0) throw ShapeError("nonzero", "is not defined for 0-d arrays; use atleast_1d(x) first");
  const Array mask = mask_of(x);
  const std::int64_t length = result_length("nonzero", mask, options);
  const Array fill = options.fill_value.value_or(Array(0));
  // Positions beyond the found ones are filled with an out-of-range flat index first, then with the fill.
  const Array flat = compact(mask, length, x.size());
  const Array valid = found(mask, length);
  std::vector<Array> positions = unravel_index(flat, x.shape());
  for (Array& index : positions) index = where(valid, index, astype(fill, index.dtype()));
  return positions;
}

Array argwhere_function::operator()(const Array& x, SizeOptions options, Loc loc) const {
  CallSite site(loc);
  const Array v = x.ndim() == 0 ? reshape(x, {1}) : x;
  const std::vector<Array> positions = nonzero(v, options);
  return stack(positions, 1);
}

Array flatnonzero_function::operator()(const Array& x, SizeOptions options, Loc loc) const {
  CallSite site(loc);
  return nonzero(ravel(x), options)[0];
}

Array extract_function::operator()(const Array& condition, const Array& arr, SizeOptions options, Loc loc) const {
  CallSite site(loc);
  const Array values = ravel(arr);
  const Array mask = mask_of(condition);
  if (mask.size() > values.size()) {
    throw ShapeError("extract", fmt::format("condition has {} elements, arr only {}", mask.size(), values.size()));
  }
  const std::int64_t length = result_length("extract", mask, options);
  const Array positions = compact(mask, length, 0);
  const Array fill = astype(options.fill_value.value_or(Array(0)), values.dtype());
  return where(found(mask, length), take(values, positions), fill);
}

Array compress_function::operator()(const Array& condition, const Array& x, std::optional<int> axis,
                                    SizeOptions options, Loc loc) const {
  CallSite site(loc);
  if (condition.ndim() != 1) {
    throw ShapeError("compress", fmt::format("condition must be 1-D, got {}", condition.shape().to_string()));
  }
  const Array target = axis ? x : ravel(x);
  const int a = axis ? ops::normalize_axis("compress", *axis, x.ndim()) : 0;
  const std::int64_t n = target.shape()[a];
  if (condition.size() > n) {
    throw ShapeError("compress", fmt::format("condition has {} entries for an axis of length {}", condition.size(), n));
  }
  const Array mask = mask_of(condition);
  const std::int64_t length = result_length("compress", mask, options);
  const Array positions = compact(mask, length, 0);
  const Array taken = take(target, positions, a);
  // Slices beyond the found ones hold the fill value.
  Shape along(std::vector<std::int64_t>(static_cast<std::size_t>(taken.ndim()), 1));
  along[a] = length;
  const Array valid = reshape(found(mask, length), along);
  return where(valid, taken, astype(options.fill_value.value_or(Array(0)), taken.dtype()));
}

// --- Selection among alternatives -------------------------------------------------------------------

Array select_function::operator()(const std::vector<Array>& condlist, const std::vector<Array>& choicelist,
                                  const Array& default_value, Loc loc) const {
  CallSite site(loc);
  if (condlist.size() != choicelist.size()) {
    throw ValueError("select", fmt::format("{} conditions for {} choices", condlist.size(), choicelist.size()));
  }
  for (const Array& c : condlist) {
    if (c.dtype() != DType::bool_)
      throw DTypeError("select", fmt::format("conditions must be bool, got {}", dtype_name(c.dtype())));
  }
  // From the last choice to the first, so that the first true condition wins.
  Array result = default_value;
  for (std::size_t i = condlist.size(); i-- > 0;) result = where(condlist[i], choicelist[i], result);
  if (condlist.empty()) return result;
  std::vector<Array> everything = condlist;
  everything.insert(everything.end(), choicelist.begin(), choicelist.end());
  everything.push_back(default_value);
  Shape shape = result.shape();
  for (const Array& a : everything) shape = ops::broadcast_shapes("select", shape, a.shape());
  return broadcast_to(result, shape);
}

Array choose_function::operator()(const Array& a, const std::vector<Array>& choices, std::string_view mode,
                                  Loc loc) const {
  CallSite site(loc);
  if (choices.empty()) throw ValueError("choose", "needs at least one choice");
  if (!is_integer(a.dtype()))
    throw DTypeError("choose", fmt::format("a must be integers, got {}", dtype_name(a.dtype())));
  const auto n = static_cast<std::int64_t>(choices.size());
  Array index = astype(a, default_int_dtype());
  if (mode == "wrap") {
    index = remainder(index, index_constant(n));
  } else if (mode == "clip") {
    index = clip(index, index_constant(0), index_constant(n - 1));
  } else if (mode == "raise") {
    if (a.is_tracer()) {
      throw ConcretizationError("choose",
                                "mode \"raise\" checks the indices, which are traced here; use mode \"wrap\" "
                                "or \"clip\" under jit");
    }
    if (a.size() > 0 && (min(index).item<std::int64_t>() < 0 || max(index).item<std::int64_t>() >= n)) {
      throw IndexError("choose", fmt::format("indices must be in [0, {}) with mode \"raise\"", n));
    }
  } else {
    throw ValueError("choose", fmt::format("mode must be \"raise\", \"wrap\" or \"clip\", got \"{}\"", mode));
  }
  std::vector<Array> operands = choices;
  operands.push_back(index);
  const std::vector<Array> broadcast = broadcast_arrays(operands);
  const Array stacked = stack(std::vector<Array>(broadcast.begin(), broadcast.end() - 1), 0);
  return squeeze(take_along_axis(stacked, expand_dims(broadcast.back(), 0), 0), 0);
}

Array piecewise_function::operator()(const Array& x, const std::vector<Array>& condlist,
                                     const std::vector<std::function<Array(const Array&)>>& functions, Loc loc) const {
  CallSite site(loc);
  const std::size_t conditions = condlist.size();
  if (functions.size() != conditions && functions.size() != conditions + 1) {
    throw ValueError("piecewise", fmt::format("{} functions for {} conditions (need as many, or one more)",
                                              functions.size(), conditions));
  }
  Array result =
      functions.size() > conditions ? astype(broadcast_to(functions.back()(x), x.shape()), x.dtype()) : zeros_like(x);
  // Later conditions override earlier ones, as in NumPy.
  for (std::size_t i = 0; i < conditions; ++i) {
    result = where(condlist[i], astype(functions[i](x), x.dtype()), result);
  }
  return result;
}

// --- Writes -----------------------------------------------------------------------------------------

Array place_function::operator()(const Array& arr, const Array& mask, const Array& vals, Loc loc) const {
  CallSite site(loc);
  if (mask.size() != arr.size()) {
    throw ShapeError("place", fmt::format("mask of shape {} for an array of shape {}", mask.shape().to_string(),
                                          arr.shape().to_string()));
  }
  const Array flat_mask = mask_of(mask);
  const Array values = ravel(vals);
  if (values.size() == 0) throw ValueError("place", "vals is empty");
  // The k-th true position takes vals[k % len(vals)].
  const Array rank = subtract(cumsum(flat_mask, {.dtype = default_int_dtype()}), index_constant(1));
  const Array chosen =
      take(astype(values, arr.dtype()), remainder(maximum(rank, index_constant(0)), index_constant(values.size())));
  return reshape(where(flat_mask, chosen, ravel(arr)), arr.shape());
}

Array put_function::operator()(const Array& a, const Array& positions, const Array& values, PutOptions options,
                               Loc loc) const {
  CallSite site(loc);
  const Array flat = ravel(a);
  Array index = ravel(positions);
  const Array v = ravel(values);
  if (flat.size() == 0 || index.size() == 0 || v.size() == 0) return a;
  const Array repeated = resize(astype(v, a.dtype()), {index.size()});
  if (options.mode) {
    if (*options.mode == "clip") {
      index = clip(index, index_constant(0), index_constant(flat.size() - 1));
    } else if (*options.mode == "wrap") {
      index = remainder(index, index_constant(flat.size()));
    } else {
      throw ValueError("put", fmt::format("mode must be \"clip\" or \"wrap\" (or absent), got \"{}\"", *options.mode));
    }
  }
  return reshape(flat.at(index).set(repeated, {.mode = "drop"}), a.shape());
}

Array put_along_axis_function::operator()(const Array& arr, const Array& positions, const Array& values,
                                          std::optional<int> axis, Loc loc) const {
  CallSite site(loc);
  if (!axis) return put_along_axis(ravel(arr), ravel(positions), values, 0);
  const int a = ops::normalize_axis("put_along_axis", *axis, arr.ndim());
  if (positions.ndim() != arr.ndim()) {
    throw ShapeError("put_along_axis",
                     fmt::format("indices of rank {} for an array of rank {}", positions.ndim(), arr.ndim()));
  }
  // Index arrays for every axis: the given ones along `axis`, the position itself along the others
  // (broadcast against the positions' shape), as take_along_axis reads them.
  Shape shape = positions.shape();
  for (int d = 0; d < arr.ndim(); ++d) {
    if (d != a && shape[d] != 1 && arr.shape()[d] != 1 && shape[d] != arr.shape()[d]) {
      throw ShapeError("put_along_axis", fmt::format("indices of shape {} do not fit an array of shape {}",
                                                     shape.to_string(), arr.shape().to_string()));
    }
    if (d != a) shape[d] = std::max(shape[d], arr.shape()[d]);
  }
  std::vector<Index> index;
  for (int d = 0; d < arr.ndim(); ++d) {
    if (d == a) {
      Array along = broadcast_to(positions, shape);
      along = where(less(along, Array(0)), add(along, Array(arr.shape()[a])), along);
      index.emplace_back(along);
    } else {
      index.emplace_back(lax::broadcasted_iota(default_int_dtype(), shape, d));
    }
  }
  return IndexUpdate(arr, index).set(broadcast_to(astype(values, arr.dtype()), shape), {.mode = "drop"});
}

// --- Flat and multi-dimensional indices -------------------------------------------------------------

std::vector<Array> unravel_index_function::operator()(const Array& flat_indices, const Shape& shape, Loc loc) const {
  CallSite site(loc);
  if (!is_integer(flat_indices.dtype())) {
    throw DTypeError("unravel_index",
                     fmt::format("indices must be integers, got {}", dtype_name(flat_indices.dtype())));
  }
  // Divide by the sizes from the last axis; what is left says whether the index was out of range.
  Array rest = flat_indices;
  std::vector<Array> out(static_cast<std::size_t>(shape.ndim()));
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    auto [quotient, remainder_value] = std::pair{floor_divide(rest, Array(shape[d])), remainder(rest, Array(shape[d]))};
    out[static_cast<std::size_t>(d)] = remainder_value;
    rest = quotient;
  }
  const Array too_large = greater(rest, Array(0));
  const Array too_small =
      is_unsigned_integer(flat_indices.dtype()) ? zeros_like(rest, DType::bool_) : less(rest, Array(-1));
  for (int d = 0; d < shape.ndim(); ++d) {
    Array& index = out[static_cast<std::size_t>(d)];
    index = where(too_large, astype(Array(shape[d] - 1), index.dtype()), where(too_small, zeros_like(index), index));
  }
  return out;
}

Array ravel_multi_index_function::operator()(const std::vector<Array>& multi_index, const Shape& dims,
                                             std::string_view mode, Loc loc) const {
  CallSite site(loc);
  if (static_cast<int>(multi_index.size()) != dims.ndim()) {
    throw ValueError("ravel_multi_index",
                     fmt::format("{} index arrays for {} dimensions", multi_index.size(), dims.ndim()));
  }
  if (mode != "raise" && mode != "wrap" && mode != "clip") {
    throw ValueError("ravel_multi_index",
                     fmt::format("mode must be \"raise\", \"wrap\" or \"clip\", got \"{}\"", mode));
  }
  Array flat = zeros({}, default_int_dtype());
  for (int d = 0; d < dims.ndim(); ++d) {
    Array index = astype(multi_index[static_cast<std::size_t>(d)], default_int_dtype());
    const std::int64_t n = dims[d];
    if (mode == "wrap") {
      index = remainder(index, index_constant(n));
    } else if (mode == "clip") {
      index = clip(index, index_constant(0), index_constant(n - 1));
    } else if (index.is_tracer()) {
      throw ConcretizationError("ravel_multi_index",
                                "mode \"raise\" checks the indices, which are traced here; use "
                                "mode \"wrap\" or \"clip\" under jit");
    } else if (index.size() > 0 && (min(index).item<std::int64_t>() < 0 || max(index).item<std::int64_t>() >= n)) {
      throw IndexError("ravel_multi_index", fmt::format("index out of range for dimension {} of size {}", d, n));
    }
    flat = add(multiply(flat, index_constant(n)), index);
  }
  return flat;
}

// --- Ordering ---------------------------------------------------------------------------------------

Array lexsort_function::operator()(const std::vector<Array>& keys, int axis, Loc loc) const {
  CallSite site(loc);
  if (keys.empty()) throw ValueError("lexsort", "needs at least one key");
  const Shape shape = keys[0].shape();
  if (shape.ndim() == 0) throw ShapeError("lexsort", "keys must have at least one axis");
  for (const Array& k : keys) {
    if (k.shape() != shape) throw ShapeError("lexsort", "all keys must have the same shape");
  }
  const int a = ops::normalize_axis("lexsort", axis, shape.ndim());
  // lax::sort compares its operands in order: the last key first, the position last (for stability).
  std::vector<Array> operands(keys.rbegin(), keys.rend());
  operands.push_back(lax::broadcasted_iota(default_int_dtype(), shape, a));
  return lax::sort(operands, a, static_cast<int>(operands.size())).back();
}

Array partition_function::operator()(const Array& x, std::int64_t kth, int axis, Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("partition", axis, x.ndim());
  const std::int64_t n = x.shape()[a];
  if (kth < -n || kth >= n)
    throw IndexError("partition", fmt::format("kth {} out of range for an axis of length {}", kth, n));
  return sort(x, a);
}

Array argpartition_function::operator()(const Array& x, std::int64_t kth, int axis, Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("argpartition", axis, x.ndim());
  const std::int64_t n = x.shape()[a];
  if (kth < -n || kth >= n)
    throw IndexError("argpartition", fmt::format("kth {} out of range for an axis of length {}", kth, n));
  return argsort(x, a);
}

Array sort_complex_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array as_inexact = ops::to_inexact(x);
  const DType complex_type = is_complex(as_inexact.dtype())         ? as_inexact.dtype()
                             : as_inexact.dtype() == DType::float64 ? DType::complex128
                                                                    : DType::complex64;
  const Array values = astype(as_inexact, complex_type);
  if (values.ndim() == 0) return values;
  const int axis = values.ndim() - 1;
  const std::vector<Array> sorted = lax::sort({real(values), imag(values)}, axis, 2);
  return lax::complex(sorted[0], sorted[1]);
}

TopKResult top_k_function::operator()(const Array& x, std::int64_t k, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() == 0) throw ShapeError("top_k", "needs an array of rank 1 or more");
  const int axis = x.ndim() - 1;
  const std::int64_t n = x.shape()[axis];
  if (k < 0 || k > n) throw ValueError("top_k", fmt::format("k = {} for a last axis of length {}", k, n));
  if (is_complex(x.dtype())) throw DTypeError("top_k", "is not defined for complex arrays");
  // An ascending sort of keys that order the values descending: NaN first, then -x (bitwise not for
  // integers, which reverses their order without overflow); the position breaks ties.
  std::vector<Array> operands;
  if (is_floating(x.dtype())) {
    operands.push_back(logical_not(isnan(x)));
    operands.push_back(negative(x));
  } else {
    operands.push_back(x.dtype() == DType::bool_ ? logical_not(x) : invert(x));
  }
  operands.push_back(lax::broadcasted_iota(default_int_dtype(), x.shape(), axis));
  const Array order = lax::sort(operands, axis, static_cast<int>(operands.size())).back();
  const Array chosen = lax::slice_in_dim(order, 0, k, 1, axis);
  return {take_along_axis(x, chosen, axis), astype(chosen, DType::int32)};
}

// --- Functions along and over axes ------------------------------------------------------------------

Array apply_along_axis_function::operator()(const std::function<Array(const Array&)>& f, int axis, const Array& x,
                                            Loc loc) const {
  CallSite site(loc);
  if (x.ndim() == 0) throw ShapeError("apply_along_axis", "needs an array of rank 1 or more");
  const int a = ops::normalize_axis("apply_along_axis", axis, x.ndim());
  // The axis last, then f vmapped once per other axis; f's result axes go where the axis was.
  const Array moved = moveaxis(x, a, -1);
  std::function<Array(const Array&)> batched = f;
  for (int d = 0; d < x.ndim() - 1; ++d) batched = vmap(batched);
  const Array result = batched(moved);
  const int result_axes = result.ndim() - (x.ndim() - 1);
  std::vector<int> order;
  for (int d = 0; d < a; ++d) order.push_back(d);
  for (int d = 0; d < result_axes; ++d) order.push_back(x.ndim() - 1 + d);
  for (int d = a; d < x.ndim() - 1; ++d) order.push_back(d);
  return transpose(result, order);
}

Array apply_over_axes_function::operator()(const std::function<Array(const Array&, int)>& f, const Array& x,
                                           const std::vector<int>& axes, Loc loc) const {
  CallSite site(loc);
  Array result = x;
  for (int axis : axes) {
    const int a = ops::normalize_axis("apply_over_axes", axis, result.ndim());
    Array applied = f(result, a);
    if (applied.ndim() == result.ndim() - 1) {
      applied = expand_dims(applied, a);
    } else if (applied.ndim() != result.ndim()) {
      throw ValueError("apply_over_axes", "the function must keep the rank or remove the one axis");
    }
    result = applied;
  }
  return result;
}

}  // namespace jx::numpy
