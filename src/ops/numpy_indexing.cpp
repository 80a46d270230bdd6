// Indexing: x[i], x(i, jx::Slice{...}, jx::newaxis, ...), x.at(...).set(v), take, take_along_axis,
// sort and argsort — NumPy's indexing rules with JAX's semantics (array indices clamp on reads and
// drop on writes; static C++ integers out of range throw IndexError).
#include <fmt/format.h>

#include <limits>
#include <numeric>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "ir/primitives/structural.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "ops/promotion.h"
#include "trace/trace.h"

namespace jx {
namespace {

namespace jnp = jx::numpy;

// Indices normalized against the array's shape.
struct BasicAxis {
  std::int64_t start = 0, count = 0, step = 1;  // the elements start + k * step, k < count
  bool squeeze = false;                         // an integer index: the axis disappears
};

struct IndexPlan {
  std::vector<BasicAxis> basic;               // one per axis of x
  std::vector<int> new_axes;                  // result positions of newaxis, before advanced indexing
  std::vector<std::pair<int, Array>> arrays;  // (axis of x, integer index array)
  bool only_basic_unit_steps = true;          // every slice has step 1 and there are no arrays
};

std::int64_t static_index(std::int64_t i, std::int64_t size, int axis) {
  if (i < -size || i >= size) {
    throw IndexError("index", fmt::format("index {} is out of bounds for axis {} with size {}", i, axis, size));
  }
  return i < 0 ? i + size : i;
}

// Python's slice.indices(size): clamps start and stop and counts the elements.
BasicAxis normalize_slice(const jx::Slice& s, std::int64_t size) {
  const std::int64_t step = s.step.value_or(1);
  if (step == 0) throw ValueError("index", "slice step cannot be zero");
  auto clamp_bound = [&](std::optional<std::int64_t> bound, std::int64_t fallback) {
    if (!bound) return fallback;
    std::int64_t b = *bound < 0 ? *bound + size : *bound;
    if (step > 0) return std::clamp<std::int64_t>(b, 0, size);
    return std::clamp<std::int64_t>(b, -1, size - 1);
  };
  const std::int64_t start = clamp_bound(s.start, step > 0 ? 0 : size - 1);
  const std::int64_t stop = clamp_bound(s.stop, step > 0 ? size : -1);
  const std::int64_t count = step > 0 ? std::max<std::int64_t>(0, (stop - start + step - 1) / step)
                                      : std::max<std::int64_t>(0, (start - stop - step - 1) / (-step));
  return {start, count, step, false};
}

Array as_index_array(const std::shared_ptr<ArrayImpl>& impl) { return Array(impl); }

// The integer index arrays a boolean mask stands for (NumPy's nonzero); needs a concrete mask.
std::vector<Array> mask_to_indices(const Array& mask) {
  if (mask.is_tracer()) {
    throw ConcretizationError(
        "index", fmt::format("a boolean index of type {} must be concrete: its result's shape depends on its "
                             "values. Use jx::numpy::where to select elements under jit.",
                             mask.type().to_string()));
  }
  const std::vector<bool> flags = [&] {
    std::vector<bool> v;
    for (bool b : mask.to_vector<bool>()) v.push_back(b);
    return v;
  }();
  const Strides strides = row_major_strides(mask.shape());
  std::vector<std::vector<std::int32_t>> coordinates(static_cast<std::size_t>(mask.ndim()));
  for (std::size_t flat = 0; flat < flags.size(); ++flat) {
    if (!flags[flat]) continue;
    std::int64_t rest = static_cast<std::int64_t>(flat);
    for (int d = 0; d < mask.ndim(); ++d) {
      coordinates[static_cast<std::size_t>(d)].push_back(
          static_cast<std::int32_t>(rest / strides[static_cast<std::size_t>(d)]));
      rest %= strides[static_cast<std::size_t>(d)];
    }
  }
  std::vector<Array> result;
  for (const auto& c : coordinates) result.push_back(jnp::array(c));
  return result;
}

IndexPlan plan_indices(const Shape& shape, const std::vector<Index>& indices) {
  // Count the axes the indices consume, to expand the ellipsis.
  int consumed = 0, ellipses = 0;
  for (const Index& index : indices) {
    const auto& v = index.value();
    if (std::holds_alternative<Ellipsis>(v))
      ++ellipses;
    else if (std::holds_alternative<std::shared_ptr<ArrayImpl>>(v)) {
      const Array a = as_index_array(std::get<std::shared_ptr<ArrayImpl>>(v));
      consumed += a.dtype() == DType::bool_ ? std::max(a.ndim(), 1) : 1;
    } else if (!std::holds_alternative<NewAxis>(v))
      ++consumed;
  }
  if (ellipses > 1) throw IndexError("index", "an index can only have a single ellipsis");
  if (consumed > shape.ndim()) {
    throw IndexError("index", fmt::format("too many indices for array: array is {}-dimensional, but {} were indexed",
                                          shape.ndim(), consumed));
  }
  IndexPlan plan;
  plan.basic.resize(static_cast<std::size_t>(shape.ndim()));
  int axis = 0, result_axis = 0;
  auto full_axis = [&](int a) { plan.basic[static_cast<std::size_t>(a)] = {0, shape[a], 1, false}; };
  for (const Index& index : indices) {
    const auto& v = index.value();
    if (std::holds_alternative<Ellipsis>(v)) {
      for (int k = 0; k < shape.ndim() - consumed; ++k) {
        full_axis(axis++);
        ++result_axis;
      }
    } else if (std::holds_alternative<NewAxis>(v)) {
      plan.new_axes.push_back(result_axis++);
    } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
      plan.basic[static_cast<std::size_t>(axis)] = {static_index(*i, shape[axis], axis), 1, 1, true};
      ++axis;
    } else if (const auto* s = std::get_if<jx::Slice>(&v)) {
      const BasicAxis b = normalize_slice(*s, shape[axis]);
      plan.only_basic_unit_steps &= b.step == 1;
      plan.basic[static_cast<std::size_t>(axis++)] = b;
      ++result_axis;
    } else {
      const Array a = as_index_array(std::get<std::shared_ptr<ArrayImpl>>(v));
      plan.only_basic_unit_steps = false;
      if (a.dtype() == DType::bool_) {
        if (a.ndim() == 0) throw IndexError("index", "0-d boolean indices are not supported");
        for (const Array& coordinate : mask_to_indices(a)) {
          full_axis(axis);
          plan.arrays.emplace_back(axis++, coordinate);
        }
      } else if (is_integer(a.dtype())) {
        full_axis(axis);
        plan.arrays.emplace_back(axis++, a);
      } else {
        throw IndexError("index", fmt::format("arrays used as indices must be of integer or boolean type, got {}",
                                              dtype_name(a.dtype())));
      }
      ++result_axis;
    }
  }
  while (axis < shape.ndim()) full_axis(axis++);
  return plan;
}

// JAX's out-of-range modes (IndexingOptions in jx/core/array.h).
enum class OutOfRange { fill, clip, wrap, promise_in_bounds };

OutOfRange parse_mode(std::string_view op, std::string_view mode, OutOfRange fallback,
                      std::initializer_list<OutOfRange> allowed) {
  if (mode.empty()) return fallback;
  OutOfRange parsed;
  if (mode == "fill" || mode == "drop")
    parsed = OutOfRange::fill;
  else if (mode == "clip")
    parsed = OutOfRange::clip;
  else if (mode == "wrap")
    parsed = OutOfRange::wrap;
  else if (mode == "promise_in_bounds")
    parsed = OutOfRange::promise_in_bounds;
  else
    parsed = static_cast<OutOfRange>(-1);
  if (std::find(allowed.begin(), allowed.end(), parsed) == allowed.end()) {
    std::string names;
    for (OutOfRange m : allowed) {
      const char* name = m == OutOfRange::fill   ? "'fill'"
                         : m == OutOfRange::clip ? "'clip'"
                         : m == OutOfRange::wrap ? "'wrap'"
                                                 : "'promise_in_bounds'";
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    throw ValueError(std::string(op), fmt::format("invalid mode '{}'; expected one of {}", mode, names));
  }
  return parsed;
}

// What a read out of range gives in "fill" mode: the caller's fill_value, or JAX's default — NaN for
// inexact types, the lowest signed or highest unsigned integer, true for bool.
Array fill_value_for(const IndexingOptions& options, DType dtype) {
  if (options.fill_value) return lax::convert_element_type(*options.fill_value, dtype);
  switch (dtype) {
    case DType::bool_:
      return jnp::array(true);
    case DType::int8:
      return jnp::array(std::numeric_limits<std::int8_t>::min(), dtype);
    case DType::int16:
      return jnp::array(std::numeric_limits<std::int16_t>::min(), dtype);
    case DType::int32:
      return jnp::array(std::numeric_limits<std::int32_t>::min(), dtype);
    case DType::int64:
      return jnp::array(std::numeric_limits<std::int64_t>::min(), dtype);
    case DType::uint8:
      return jnp::array(std::numeric_limits<std::uint8_t>::max(), dtype);
    case DType::uint16:
      return jnp::array(std::numeric_limits<std::uint16_t>::max(), dtype);
    case DType::uint32:
      return jnp::array(std::numeric_limits<std::uint32_t>::max(), dtype);
    case DType::uint64:
      return jnp::array(std::numeric_limits<std::uint64_t>::max(), dtype);
    default:
      return jnp::array(std::numeric_limits<double>::quiet_NaN(), dtype);
  }
}

// A gathered `result` whose elements read in range where `in_range` (shaped as the index, which sits
// at `axis` of the result) is true and `fill` elsewhere. Costs what the result does, not a copy of
// the operand as padding it with a fill slot would.
Array filled_where_out_of_range(const Array& result, const Array& in_range, int axis, const Array& fill) {
  Shape mask_shape;
  for (int k = 0; k < axis; ++k) mask_shape.push_back(1);
  for (std::int64_t s : in_range.shape()) mask_shape.push_back(s);
  while (mask_shape.ndim() < result.ndim()) mask_shape.push_back(1);
  return jnp::where(lax::reshape(in_range, mask_shape), result, fill);
}

// Applies the basic (slice and integer) part of a plan; integer-indexed axes are kept with size 1.
Array apply_slices(const Array& x, const IndexPlan& plan) {
  Array y = x;
  std::vector<int> reversed;
  for (int d = 0; d < x.ndim(); ++d) {
    if (plan.basic[static_cast<std::size_t>(d)].step < 0) reversed.push_back(d);
  }
  y = lax::rev(y, reversed);
  std::vector<std::int64_t> start, limit, strides;
  bool trivial = true;
  for (int d = 0; d < x.ndim(); ++d) {
    const BasicAxis& b = plan.basic[static_cast<std::size_t>(d)];
    const std::int64_t size = x.shape()[d];
    const std::int64_t step = b.step < 0 ? -b.step : b.step;
    const std::int64_t first = b.step < 0 ? size - 1 - b.start : b.start;
    const std::int64_t begin = b.count ? first : 0;
    start.push_back(begin);
    limit.push_back(b.count ? begin + (b.count - 1) * step + 1 : 0);
    strides.push_back(step);
    trivial &= begin == 0 && limit.back() == size && step == 1;
  }
  return trivial ? y : lax::slice(y, start, limit, strides);
}

// x[plan]: slices, then advanced indices, then integer squeezes and new axes. Array indices out of
// range clamp, or, given a fill value, read it.
Array apply_plan(const Array& x, const IndexPlan& plan, const Array* fill = nullptr) {
  Array y = apply_slices(x, plan);
  // Advanced indexing, on the sliced array (integer-indexed axes still present with size 1).
  std::vector<int> squeezed;
  for (int d = 0; d < x.ndim(); ++d) {
    if (plan.basic[static_cast<std::size_t>(d)].squeeze) squeezed.push_back(d);
  }
  if (!plan.arrays.empty()) {
    std::vector<Array> index_arrays;
    std::vector<int> axes;
    for (const auto& [axis, a] : plan.arrays) {
      axes.push_back(axis);
      index_arrays.push_back(a);
    }
    index_arrays = jnp::broadcast_arrays(index_arrays);
    const bool adjacent = axes.back() - axes.front() + 1 == static_cast<int>(axes.size());
    // Move the indexed axes together (to the front when they are not adjacent, as NumPy does).
    std::vector<int> order;
    const int first = adjacent ? axes.front() : 0;
    for (int d = 0; d < y.ndim(); ++d) {
      if (std::find(axes.begin(), axes.end(), d) == axes.end()) order.push_back(d);
    }
    order.insert(order.begin() + first, axes.begin(), axes.end());
    y = lax::transpose(y, order);
    // Merge the indexed axes into one and combine the indices into a flat index into it.
    Shape merged;
    for (int d = 0; d < first; ++d) merged.push_back(y.shape()[d]);
    std::int64_t block = 1;
    for (std::size_t k = 0; k < axes.size(); ++k) block *= y.shape()[first + static_cast<int>(k)];
    merged.push_back(block);
    for (int d = first + static_cast<int>(axes.size()); d < y.ndim(); ++d) merged.push_back(y.shape()[d]);
    Array flat_index, in_range;
    std::int64_t stride = block;
    for (std::size_t k = 0; k < axes.size(); ++k) {
      const std::int64_t size = y.shape()[first + static_cast<int>(k)];
      stride /= std::max<std::int64_t>(size, 1);
      Array i = lax::convert_element_type(index_arrays[k], default_int_dtype());
      i = jnp::where(i < 0, i + size, i);  // negative indices count from the end
      if (fill) {
        const Array inside = (i >= 0) & (i < size);
        in_range = in_range.valid() ? in_range & inside : inside;
      }
      i = jnp::clip(i, 0, std::max<std::int64_t>(size - 1, 0));
      const Array term = i * stride;
      flat_index = flat_index.valid() ? flat_index + term : term;
    }
    y = jnp::take(lax::reshape(y, merged), flat_index, first, {.mode = "promise_in_bounds"});
    if (fill) y = filled_where_out_of_range(y, in_range, first, *fill);
    // Squeezed axes before the advanced block shift; after it, they move by the index rank.
    for (int& d : squeezed) {
      if (d >= first) d += index_arrays[0].ndim() - static_cast<int>(axes.size());
    }
  }
  y = lax::squeeze(y, squeezed);
  if (!plan.new_axes.empty()) y = lax::expand_dims(y, plan.new_axes);
  return y;
}

}  // namespace

Index::Index(const Array& indices) : value_(indices.impl_ptr()) {}

Array Array::operator[](Index index) const { return index_with({std::move(index)}); }

Array Array::index_with(const std::vector<Index>& indices) const {
  if (ndim() == 0 && !indices.empty()) {
    bool only_new_axes = true;
    for (const Index& i : indices)
      only_new_axes &= std::holds_alternative<NewAxis>(i.value()) || std::holds_alternative<Ellipsis>(i.value());
    if (!only_new_axes) throw IndexError("index", "too many indices for a 0-dimensional array");
  }
  return apply_plan(*this, plan_indices(shape(), indices));
}

// --- Functional updates ------------------------------------------------------------------------

namespace {

enum class UpdateKind { set, add, mul, min, max };

Array combine(UpdateKind kind, const Array& old, const Array& update) {
  switch (kind) {
    case UpdateKind::set:
      return update;
    case UpdateKind::add:
      return jnp::add(old, update);
    case UpdateKind::mul:
      return jnp::multiply(old, update);
    case UpdateKind::min:
      return jnp::minimum(old, update);
    case UpdateKind::max:
      return jnp::maximum(old, update);
  }
  return update;
}

// With a mode given explicitly, static integers out of range follow it as array indices do, as
// JAX's at[...] does: they are made arrays, in `storage`. Without one the indices are used as given,
// and a static integer out of range throws IndexError (static_index).
const std::vector<Index>& with_mode_for_integers(const std::vector<Index>& indices, const IndexingOptions& options,
                                                 std::vector<Index>& storage) {
  if (options.mode.empty()) return indices;
  for (const Index& index : indices) {
    if (const auto* i = std::get_if<std::int64_t>(&index.value()))
      storage.emplace_back(jnp::array(*i, *i == static_cast<std::int32_t>(*i) ? DType::int32 : DType::int64));
    else
      storage.push_back(index);
  }
  return storage;
}

Array update(const Array& target, const std::vector<Index>& given_indices, const Array& values, UpdateKind kind,
             const IndexingOptions& options) {
  std::vector<Index> storage;
  const std::vector<Index>& indices = with_mode_for_integers(given_indices, options, storage);
  // Out-of-range updates are dropped ("fill", "drop", "promise_in_bounds") or clamped into range ("clip").
  const bool clip = parse_mode("at", options.mode, OutOfRange::fill,
                               {OutOfRange::fill, OutOfRange::clip, OutOfRange::promise_in_bounds}) == OutOfRange::clip;
  const IndexPlan plan = plan_indices(target.shape(), indices);
  // Eager views are free; traced, this is dead code. Only the shape is kept: a view held past this
  // line would share the target's buffer and rule out the in-place update below.
  const Shape selected_shape = apply_plan(target, plan).shape();
  const Array converted = ops::convert_to(values, {target.dtype(), target.weak_type()});
  const Array updates =
      ops::broadcast_to_shape(converted, ops::broadcast_shapes("at", converted.shape(), selected_shape));
  if (updates.shape() != selected_shape) {
    throw ShapeError("at", fmt::format("cannot broadcast updates of shape {} to the indexed shape {}",
                                       values.shape().to_string(), selected_shape.to_string()));
  }
  if (plan.only_basic_unit_steps) {
    // A rectangular window: dynamic_update_slice, in place when the target's buffer is ours alone.
    Shape window;
    std::vector<Array> starts;
    for (const BasicAxis& b : plan.basic) {
      window.push_back(b.count);
      starts.push_back(Array(static_cast<std::int64_t>(b.start)));
    }
    Array new_values = lax::reshape(updates, window);
    if (kind != UpdateKind::set) new_values = combine(kind, lax::dynamic_slice(target, starts, window), new_values);
    if (!current_trace() && target.is_unique()) {
      std::vector<std::int64_t> offsets;
      for (const BasicAxis& b : plan.basic) offsets.push_back(b.start);
      return cpu::dynamic_update_slice(target, new_values, offsets, true);
    }
    return lax::dynamic_update_slice(target, new_values, starts);
  }
  // General indices: index an iota of flat positions the same way, then scatter into the flat array.
  // Gathers clamp out-of-range array indices but JAX's scatters drop them (FILL_OR_DROP; found by the
  // NumPy differential tests, where x.at(idx).set(v) wrote to the clamped position): each axis indexed
  // by an array gets one more slot holding the position target.size(), which the scatter drops, and
  // out-of-range indices are sent there.
  Array flat_iota = lax::reshape(lax::iota(default_int_dtype(), target.size()), target.shape());
  IndexPlan dropping = plan;
  if (!plan.arrays.empty()) {
    std::vector<lax::PadConfig> padding(static_cast<std::size_t>(target.ndim()));
    for (auto& [axis, index_array] : dropping.arrays) {
      const std::int64_t size = target.shape()[axis];
      padding[static_cast<std::size_t>(axis)].high = 1;
      dropping.basic[static_cast<std::size_t>(axis)] = {0, size + 1, 1, false};
      Array i = lax::convert_element_type(index_array, default_int_dtype());
      i = jnp::where(i < 0, i + size, i);
      index_array =
          clip ? jnp::clip(i, 0, std::max<std::int64_t>(size - 1, 0)) : jnp::where((i < 0) | (i >= size), size, i);
    }
    flat_iota = lax::pad(flat_iota, jnp::array(target.size(), default_int_dtype()), padding);
  }
  const Array positions = apply_plan(flat_iota, dropping);
  const Array flat_positions = lax::reshape(positions, Shape{positions.size()});
  const Array flat_updates = lax::reshape(updates, Shape{updates.size()});
  const Array flat_target = lax::reshape(target, Shape{target.size()});
  const lax::ScatterMode mode = kind == UpdateKind::set   ? lax::ScatterMode::set
                                : kind == UpdateKind::add ? lax::ScatterMode::add
                                : kind == UpdateKind::mul ? lax::ScatterMode::mul
                                : kind == UpdateKind::min ? lax::ScatterMode::min
                                                          : lax::ScatterMode::max;
  return lax::reshape(lax::scatter(flat_target, flat_positions, flat_updates, 0, mode), target.shape());
}

}  // namespace

Array IndexUpdate::get(IndexingOptions options, Loc loc) const {
  CallSite site(loc);
  const OutOfRange mode = parse_mode("at.get", options.mode, OutOfRange::promise_in_bounds,
                                     {OutOfRange::fill, OutOfRange::clip, OutOfRange::promise_in_bounds});
  std::vector<Index> storage;
  const std::vector<Index>& indices = with_mode_for_integers(indices_, options, storage);
  if (mode != OutOfRange::fill) return target_.index_with(indices);
  const Array fill = fill_value_for(options, target_.dtype());
  return apply_plan(target_, plan_indices(target_.shape(), indices), &fill);
}
Array IndexUpdate::set(const Array& values, IndexingOptions options, Loc loc) const {
  CallSite site(loc);
  return update(target_, indices_, values, UpdateKind::set, options);
}
Array IndexUpdate::add(const Array& values, IndexingOptions options, Loc loc) const {
  CallSite site(loc);
  return update(target_, indices_, values, UpdateKind::add, options);
}
Array IndexUpdate::multiply(const Array& values, IndexingOptions options, Loc loc) const {
  CallSite site(loc);
  return update(target_, indices_, values, UpdateKind::mul, options);
}
Array IndexUpdate::min(const Array& values, IndexingOptions options, Loc loc) const {
  CallSite site(loc);
  return update(target_, indices_, values, UpdateKind::min, options);
}
Array IndexUpdate::max(const Array& values, IndexingOptions options, Loc loc) const {
  CallSite site(loc);
  return update(target_, indices_, values, UpdateKind::max, options);
}

// --- take, take_along_axis, sort --------------------------------------------------------------

namespace numpy {

Array take_function::operator()(const Array& x, const Array& positions, std::optional<int> axis,
                                IndexingOptions options, Loc loc) const {
  CallSite site(loc);
  if (!is_integer(positions.dtype()))
    throw IndexError("take", fmt::format("positions must be integers, got {}", dtype_name(positions.dtype())));
  const OutOfRange mode =
      parse_mode("take", options.mode, OutOfRange::fill,
                 {OutOfRange::fill, OutOfRange::clip, OutOfRange::wrap, OutOfRange::promise_in_bounds});
  Array input = axis ? x : lax::reshape(x, Shape{x.size()});
  const int d = ops::normalize_axis("take", axis.value_or(0), input.ndim());
  const std::int64_t size = input.shape()[d];
  if (size == 0 && positions.size() != 0)
    throw IndexError("take", "cannot take a non-empty selection from an empty axis");
  Array i = lax::convert_element_type(positions, default_int_dtype());
  Array in_range;
  switch (mode) {
    case OutOfRange::wrap:
      i = jnp::remainder(i, std::max<std::int64_t>(size, 1));
      break;
    case OutOfRange::fill:
      // JAX wraps negative positions, then fills what is still out of range (read clamped, then replaced).
      i = where(i < 0, i + size, i);
      in_range = (i >= 0) & (i < size);
      break;
    case OutOfRange::clip:  // JAX clamps without wrapping negative positions first
      break;
    case OutOfRange::promise_in_bounds:
      i = where(i < 0, i + size, i);
      break;
  }
  // Shape the positions as (1, ..., n, ..., 1) and gather (which clamps); then unflatten the index axis.
  Shape index_shape, result;
  for (int k = 0; k < input.ndim(); ++k) index_shape.push_back(k == d ? i.size() : 1);
  for (int k = 0; k < d; ++k) result.push_back(input.shape()[k]);
  for (std::int64_t s : positions.shape()) result.push_back(s);
  for (int k = d + 1; k < input.ndim(); ++k) result.push_back(input.shape()[k]);
  Array gathered = lax::gather(input, lax::reshape(i, index_shape), d);
  if (in_range.valid()) {
    gathered = jnp::where(lax::reshape(in_range, index_shape), gathered, fill_value_for(options, input.dtype()));
  }
  return lax::reshape(gathered, result);
}

Array take_along_axis_function::operator()(const Array& x, const Array& positions, int axis, IndexingOptions options,
                                           Loc loc) const {
  CallSite site(loc);
  if (positions.ndim() != x.ndim()) {
    throw ShapeError("take_along_axis", fmt::format("positions {} and array {} must have the same rank",
                                                    positions.shape().to_string(), x.shape().to_string()));
  }
  const OutOfRange mode = parse_mode("take_along_axis", options.mode, OutOfRange::fill,
                                     {OutOfRange::fill, OutOfRange::clip, OutOfRange::promise_in_bounds});
  const int d = ops::normalize_axis("take_along_axis", axis, x.ndim());
  // Broadcast x against the positions on every axis but d.
  Shape x_shape = x.shape();
  for (int k = 0; k < x.ndim(); ++k) {
    if (k != d && x_shape[k] == 1) x_shape[k] = positions.shape()[k];
  }
  const std::int64_t size = x.shape()[d];
  Array input = ops::broadcast_to_shape(x, x_shape);
  Array i = lax::convert_element_type(positions, default_int_dtype());
  i = where(i < 0, i + size, i);  // JAX wraps negative positions in every mode but promise_in_bounds
  const Array gathered = lax::gather(input, i, d);
  if (mode != OutOfRange::fill) return gathered;
  return where((i >= 0) & (i < size), gathered, fill_value_for(options, x.dtype()));
}

Array sort_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() == 0) throw ShapeError("sort", "cannot sort a 0-dimensional array");
  return lax::sort(x, ops::normalize_axis("sort", axis, x.ndim()));
}

Array argsort_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() == 0) throw ShapeError("argsort", "cannot sort a 0-dimensional array");
  const int d = ops::normalize_axis("argsort", axis, x.ndim());
  const Array positions = lax::broadcasted_iota(default_int_dtype(), x.shape(), d);
  return lax::sort({x, positions}, d, 1)[1];
}

}  // namespace numpy
}  // namespace jx
