// jx/numpy/shaping.h: rearranging arrays with static slices, reversals and concatenations.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/shaping.h"
#include "ops/numpy_common.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

using ops::normalize_axis;

using internal::slice_axis;

// A C++ modulo that is never negative.
std::int64_t positive_modulo(std::int64_t a, std::int64_t n) { return n == 0 ? 0 : ((a % n) + n) % n; }

// The array and axis a function acts on: x flattened when the axis is absent.
std::pair<Array, int> array_and_axis(std::string_view op, const Array& x, std::optional<int> axis) {
  if (!axis) return {ravel(x), 0};
  return {x, normalize_axis(op, *axis, x.ndim())};
}

}  // namespace

// --- Rolls, rotations, flips ------------------------------------------------------------------------

Array roll_function::operator()(const Array& x, std::int64_t shift, std::optional<int> axis, Loc loc) const {
  CallSite site(loc);
  if (!axis) return reshape((*this)(ravel(x), {shift}, {0}), x.shape());
  return (*this)(x, std::vector<std::int64_t>{shift}, std::vector<int>{*axis});
}

Array roll_function::operator()(const Array& x, const std::vector<std::int64_t>& shifts, const std::vector<int>& axes,
                                Loc loc) const {
  CallSite site(loc);
  if (shifts.size() != axes.size()) {
    throw ValueError("roll", fmt::format("{} shifts for {} axes", shifts.size(), axes.size()));
  }
  Array result = x;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const int axis = normalize_axis("roll", axes[i], x.ndim());
    const std::int64_t n = x.shape()[axis];
    const std::int64_t shift = positive_modulo(shifts[i], n);
    if (shift == 0) continue;
    // The last `shift` elements come first.
    result = lax::concatenate({slice_axis(result, n - shift, n, axis), slice_axis(result, 0, n - shift, axis)}, axis);
  }
  return result;
}

Array rollaxis_function::operator()(const Array& x, int axis, int start, Loc loc) const {
  CallSite site(loc);
  const int ndim = x.ndim();
  const int from = normalize_axis("rollaxis", axis, ndim);
  if (start < 0) start += ndim;
  if (start < 0 || start > ndim) {
    throw ShapeError("rollaxis", fmt::format("start {} is out of range for an array of rank {}", start, ndim));
  }
  // NumPy: moving before a later position means landing one place earlier once the axis is removed.
  const int to = from < start ? start - 1 : start;
  return moveaxis(x, from, to);
}

Array rot90_function::operator()(const Array& x, int k, std::pair<int, int> axes, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() < 2)
    throw ShapeError("rot90", fmt::format("needs an array of rank 2 or more, got {}", x.shape().to_string()));
  const int first = normalize_axis("rot90", axes.first, x.ndim());
  const int second = normalize_axis("rot90", axes.second, x.ndim());
  if (first == second) throw ValueError("rot90", "the two axes must differ");
  switch (positive_modulo(k, 4)) {
    case 0:
      return x;
    case 1:  // flip the second axis, then swap the two
      return swapaxes(flip(x, second), first, second);
    case 2:
      return flip(flip(x, first), second);
    default:  // swap, then flip the second
      return flip(swapaxes(x, first, second), second);
  }
}

Array fliplr_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() < 2)
    throw ShapeError("fliplr", fmt::format("needs an array of rank 2 or more, got {}", x.shape().to_string()));
  return flip(x, 1);
}

Array flipud_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() < 1) throw ShapeError("flipud", "needs an array of rank 1 or more, got a scalar");
  return flip(x, 0);
}

// --- atleast_nd -------------------------------------------------------------------------------------

Array atleast_1d_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return x.ndim() >= 1 ? x : reshape(x, {1});
}
std::vector<Array> atleast_1d_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  std::vector<Array> out;
  for (const Array& a : arrays) out.push_back((*this)(a, loc));
  return out;
}

Array atleast_2d_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() >= 2) return x;
  return reshape(x, {1, x.size()});
}
std::vector<Array> atleast_2d_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  std::vector<Array> out;
  for (const Array& a : arrays) out.push_back((*this)(a, loc));
  return out;
}

Array atleast_3d_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() == 0) return reshape(x, {1, 1, 1});
  if (x.ndim() == 1) return reshape(x, {1, x.size(), 1});
  if (x.ndim() == 2) return expand_dims(x, 2);
  return x;
}
std::vector<Array> atleast_3d_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  std::vector<Array> out;
  for (const Array& a : arrays) out.push_back((*this)(a, loc));
  return out;
}

// --- Stacking ---------------------------------------------------------------------------------------

Array column_stack_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  CallSite site(loc);
  std::vector<Array> columns;
  for (const Array& a : arrays) columns.push_back(a.ndim() < 2 ? reshape(a, {a.size(), 1}) : a);
  return concatenate(columns, 1);
}

Array dstack_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  CallSite site(loc);
  return concatenate(atleast_3d(arrays), 2);
}

Array block_function::operator()(const std::vector<Array>& blocks, Loc loc) const {
  CallSite site(loc);
  if (blocks.empty()) throw ValueError("block", "needs at least one block");
  return concatenate(atleast_1d(blocks), -1);
}

Array block_function::operator()(const std::vector<std::vector<Array>>& rows, Loc loc) const {
  CallSite site(loc);
  if (rows.empty()) throw ValueError("block", "needs at least one row of blocks");
  // NumPy first brings every block to the depth of the nesting (2), then joins the innermost lists along
  // the last axis and the rows along the second-to-last.
  std::vector<Array> joined_rows;
  for (const auto& row : rows) {
    if (row.empty()) throw ValueError("block", "a row of blocks is empty");
    joined_rows.push_back(concatenate(atleast_2d(row), -1));
  }
  return concatenate(joined_rows, -2);
}

// --- Splitting --------------------------------------------------------------------------------------

std::vector<Array> array_split_function::operator()(const Array& x, std::int64_t sections, int axis, Loc loc) const {
  CallSite site(loc);
  if (sections <= 0)
    throw ValueError("array_split", fmt::format("number of sections must be positive, got {}", sections));
  const int a = normalize_axis("array_split", axis, x.ndim());
  const std::int64_t n = x.shape()[a];
  std::vector<std::int64_t> boundaries;
  std::int64_t position = 0;
  for (std::int64_t i = 0; i + 1 < sections; ++i) {
    position += n / sections + (i < n % sections ? 1 : 0);
    boundaries.push_back(position);
  }
  return (*this)(x, boundaries, a);
}

std::vector<Array> array_split_function::operator()(const Array& x, const std::vector<std::int64_t>& boundaries,
                                                    int axis, Loc loc) const {
  CallSite site(loc);
  const int a = normalize_axis("array_split", axis, x.ndim());
  const std::int64_t n = x.shape()[a];
  // NumPy clamps the boundaries into [0, n] and gives empty parts where they decrease.
  std::vector<Array> parts;
  std::int64_t start = 0;
  for (std::size_t i = 0; i <= boundaries.size(); ++i) {
    std::int64_t stop = i < boundaries.size() ? boundaries[i] : n;
    if (stop < 0) stop += n;
    stop = std::clamp<std::int64_t>(stop, 0, n);
    const std::int64_t begin = std::min(start, n);
    parts.push_back(slice_axis(x, begin, std::max(begin, stop), a));
    start = stop;
  }
  return parts;
}

namespace {
int hsplit_axis(const Array& x) { return x.ndim() == 1 ? 0 : 1; }
void require_rank(std::string_view op, const Array& x, int rank) {
  if (x.ndim() < rank) {
    throw ShapeError(std::string(op),
                     fmt::format("needs an array of rank {} or more, got {}", rank, x.shape().to_string()));
  }
}
}  // namespace

std::vector<Array> hsplit_function::operator()(const Array& x, std::int64_t sections, Loc loc) const {
  CallSite site(loc);
  require_rank("hsplit", x, 1);
  return split(x, sections, hsplit_axis(x));
}
std::vector<Array> hsplit_function::operator()(const Array& x, const std::vector<std::int64_t>& boundaries,
                                               Loc loc) const {
  CallSite site(loc);
  require_rank("hsplit", x, 1);
  return split(x, boundaries, hsplit_axis(x));
}
std::vector<Array> vsplit_function::operator()(const Array& x, std::int64_t sections, Loc loc) const {
  CallSite site(loc);
  require_rank("vsplit", x, 2);
  return split(x, sections, 0);
}
std::vector<Array> vsplit_function::operator()(const Array& x, const std::vector<std::int64_t>& boundaries,
                                               Loc loc) const {
  CallSite site(loc);
  require_rank("vsplit", x, 2);
  return split(x, boundaries, 0);
}
std::vector<Array> dsplit_function::operator()(const Array& x, std::int64_t sections, Loc loc) const {
  CallSite site(loc);
  require_rank("dsplit", x, 3);
  return split(x, sections, 2);
}
std::vector<Array> dsplit_function::operator()(const Array& x, const std::vector<std::int64_t>& boundaries,
                                               Loc loc) const {
  CallSite site(loc);
  require_rank("dsplit", x, 3);
  return split(x, boundaries, 2);
}

std::vector<Array> unstack_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() == 0) throw ShapeError("unstack", "needs an array of rank 1 or more, got a scalar");
  const int a = normalize_axis("unstack", axis, x.ndim());
  std::vector<Array> slices;
  for (std::int64_t i = 0; i < x.shape()[a]; ++i) slices.push_back(lax::squeeze(slice_axis(x, i, i + 1, a), {a}));
  return slices;
}

// --- append, delete, insert, resize -----------------------------------------------------------------

Array append_function::operator()(const Array& x, const Array& values, std::optional<int> axis, Loc loc) const {
  CallSite site(loc);
  if (!axis) return concatenate({ravel(x), ravel(values)}, 0);
  return concatenate({x, values}, *axis);
}

Array delete_function::operator()(const Array& x, std::int64_t index, std::optional<int> axis, Loc loc) const {
  CallSite site(loc);
  auto [target, a] = array_and_axis("delete", x, axis);
  const std::int64_t n = target.shape()[a];
  if (index < -n || index >= n) {
    throw IndexError("delete", fmt::format("index {} is out of bounds for axis {} with size {}", index, a, n));
  }
  return (*this)(x, std::vector<std::int64_t>{index}, axis);
}

Array delete_function::operator()(const Array& x, const std::vector<std::int64_t>& positions, std::optional<int> axis,
                                  Loc loc) const {
  CallSite site(loc);
  auto [target, a] = array_and_axis("delete", x, axis);
  const std::int64_t n = target.shape()[a];
  std::set<std::int64_t> removed;
  for (std::int64_t i : positions) {
    if (i < -n || i >= n)
      throw IndexError("delete", fmt::format("index {} is out of bounds for axis {} with size {}", i, a, n));
    removed.insert(i < 0 ? i + n : i);
  }
  // The kept runs between removed positions, joined.
  std::vector<Array> kept;
  std::int64_t start = 0;
  for (std::int64_t r : removed) {
    if (r > start) kept.push_back(slice_axis(target, start, r, a));
    start = r + 1;
  }
  if (start < n || kept.empty()) kept.push_back(slice_axis(target, std::min(start, n), n, a));
  return kept.size() == 1 ? kept[0] : concatenate(kept, a);
}

Array insert_function::operator()(const Array& x, std::int64_t index, const Array& values, std::optional<int> axis,
                                  Loc loc) const {
  CallSite site(loc);
  auto [target, a] = array_and_axis("insert", x, axis);
  const std::int64_t n = target.shape()[a];
  if (index < -n || index > n) {
    throw IndexError("insert", fmt::format("index {} is out of bounds for axis {} with size {}", index, a, n));
  }
  if (index < 0) index += n;
  // As NumPy: values gets at least the array's rank (leading axes of 1), its first axis is moved to
  // `axis`, and its length there is the number of slices inserted.
  Array inserted = ops::convert_to(values, target.type().promotion_type());
  if (inserted.ndim() < target.ndim()) {
    std::vector<std::int64_t> padded(static_cast<std::size_t>(target.ndim() - inserted.ndim()), 1);
    for (std::int64_t d : inserted.shape()) padded.push_back(d);
    inserted = reshape(inserted, Shape(padded));
  }
  inserted = moveaxis(inserted, 0, a);
  Shape slice_shape = target.shape();
  slice_shape[a] = inserted.shape()[a];
  inserted = broadcast_to(inserted, slice_shape);
  return concatenate({slice_axis(target, 0, index, a), inserted, slice_axis(target, index, n, a)}, a);
}

Array insert_function::operator()(const Array& x, const std::vector<std::int64_t>& positions, const Array& values,
                                  std::optional<int> axis, Loc loc) const {
  CallSite site(loc);
  auto [target, a] = array_and_axis("insert", x, axis);
  const std::int64_t n = target.shape()[a];
  // One slice per index, each value broadcast to it; the indices refer to the original positions and
  // equal ones keep their order (NumPy's stable sort of the indices).
  const Array converted = ops::convert_to(values, target.type().promotion_type());
  Shape slices_shape = target.shape();
  slices_shape[a] = static_cast<std::int64_t>(positions.size());
  const Array slices = broadcast_to(converted, slices_shape);
  std::vector<std::pair<std::int64_t, std::size_t>> order;
  for (std::size_t i = 0; i < positions.size(); ++i) {
    std::int64_t index = positions[i];
    if (index < -n || index > n) {
      throw IndexError("insert", fmt::format("index {} is out of bounds for axis {} with size {}", index, a, n));
    }
    order.emplace_back(index < 0 ? index + n : index, i);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& l, const auto& r) { return l.first < r.first; });
  std::vector<Array> pieces;
  std::int64_t start = 0;
  for (const auto& [position, which] : order) {
    if (position > start) pieces.push_back(slice_axis(target, start, position, a));
    const auto w = static_cast<std::int64_t>(which);
    pieces.push_back(slice_axis(slices, w, w + 1, a));
    start = position;
  }
  if (start < n) pieces.push_back(slice_axis(target, start, n, a));
  return pieces.empty() ? target : concatenate(pieces, a);
}

Array resize_function::operator()(const Array& x, const Shape& new_shape, Loc loc) const {
  CallSite site(loc);
  for (std::int64_t d : new_shape) {
    if (d < 0)
      throw ValueError("resize",
                       fmt::format("all elements of new_shape must be non-negative, got {}", new_shape.to_string()));
  }
  const std::int64_t total = new_shape.num_elements();
  const Array flat = ravel(x);
  if (total == 0) return reshape(slice_axis(flat, 0, 0, 0), new_shape);
  if (flat.size() == 0) throw ValueError("resize", "cannot resize an empty array to a non-empty shape");
  const std::int64_t repeats = (total + flat.size() - 1) / flat.size();
  return reshape(slice_axis(tile(flat, {repeats}), 0, total, 0), new_shape);
}

Array copy_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return x;
}

Array trim_zeros_function::operator()(const Array& x, std::string_view trim, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() != 1) throw ShapeError("trim_zeros", fmt::format("needs a 1-D array, got {}", x.shape().to_string()));
  if (x.is_tracer()) {
    throw ConcretizationError("trim_zeros",
                              "the length of the result depends on the values of a traced array; trim a concrete "
                              "array (outside jit), or use a mask of the same shape instead");
  }
  const std::vector<bool> is_nonzero = [&] {
    std::vector<bool> flags;
    for (auto v : lax::ne(x, ops::convert_to(Array(0), {x.dtype(), true})).to_vector<std::uint8_t>())
      flags.push_back(v != 0);
    return flags;
  }();
  const auto n = static_cast<std::int64_t>(is_nonzero.size());
  std::int64_t first = 0, last = n;
  const bool front = trim.find_first_of("fF") != std::string_view::npos;
  const bool back = trim.find_first_of("bB") != std::string_view::npos;
  if (front) {
    while (first < n && !is_nonzero[static_cast<std::size_t>(first)]) ++first;
  }
  if (back) {
    while (last > first && !is_nonzero[static_cast<std::size_t>(last - 1)]) --last;
  }
  return slice_axis(x, first, last, 0);
}

}  // namespace jx::numpy
