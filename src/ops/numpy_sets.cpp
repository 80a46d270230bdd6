// jx/numpy/sets.h. Everything starts from a stable lexicographic sort of the rows (a row is one element,
// or one slice along the unique axis) and a mask of the rows that differ from their predecessor; the
// distinct rows are then compacted into a result of static length (src/ops/compaction.h).
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/selection.h"
#include "jx/numpy/sets.h"
#include "ops/compaction.h"
#include "ops/numpy_common.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

using internal::index_constant;

// a != b elementwise, with two NaNs equal when equal_nan.
Array differ(const Array& a, const Array& b, bool equal_nan) {
  const Array unequal = not_equal(a, b);
  if (!equal_nan || !is_inexact(a.dtype())) return unequal;
  return logical_and(unequal, logical_not(logical_and(isnan(a), isnan(b))));
}

struct SortedRows {
  Array rows;   // (n, m), sorted
  Array order;  // (n,): the permutation that sorted them
  Array first;  // (n,): true where a row differs from the one before it
};

SortedRows sort_rows(const Array& rows, bool equal_nan) {
  const std::int64_t n = rows.shape()[0], m = rows.shape()[1];
  // lexsort's last key is the primary one: the columns from the last to the first (complex ones as real
  // then imaginary part).
  std::vector<Array> keys;
  for (std::int64_t j = m; j-- > 0;) {
    const Array column = rows(Slice{}, j);
    if (is_complex(column.dtype())) {
      keys.push_back(imag(column));
      keys.push_back(real(column));
    } else {
      keys.push_back(column);
    }
  }
  const Array order = lexsort(keys);
  const Array sorted = take(rows, order, 0);
  Array first = ones({n}, DType::bool_);
  if (n > 1) {
    const Array later = sorted(Slice{1, std::nullopt}), earlier = sorted(Slice{std::nullopt, n - 1});
    first = concatenate({ones({1}, DType::bool_), any(differ(later, earlier, equal_nan), 1)}, 0);
  }
  return {sorted, order, first};
}

}  // namespace

UniqueResult unique_function::operator()(const Array& x, UniqueOptions options, Loc loc) const {
  CallSite site(loc);
  // Rows: the elements of the flattened array, or the slices along the axis.
  const int axis = options.axis ? ops::normalize_axis("unique", *options.axis, x.ndim()) : 0;
  const Array moved = options.axis ? moveaxis(x, axis, 0) : ravel(x);
  const std::int64_t n = moved.ndim() == 0 ? 1 : moved.shape()[0];
  const std::int64_t m = n == 0 ? 0 : moved.size() / n;
  if (n == 0 && options.size && *options.size > 0 && !options.fill_value) {
    throw ValueError("unique", "for an empty input with a non-zero size, fill_value must be given");
  }
  const Array rows = reshape(moved, {n, m});
  const SortedRows sorted = n == 0 ? SortedRows{rows, zeros({0}, default_int_dtype()), zeros({0}, DType::bool_)}
                                   : sort_rows(rows, options.equal_nan);
  const std::int64_t length = ops::result_length("unique", sorted.first, options.size);
  const Array positions = ops::compact(sorted.first, length, 0);
  const Array valid = ops::found(sorted.first, length);
  Array values = n == 0 ? zeros({length, m}, x.dtype()) : take(sorted.rows, positions, 0);
  if (options.fill_value) {
    values = where(expand_dims(valid, 1), values, astype(*options.fill_value, values.dtype()));
  }
  // Back to the slices' shape, the unique axis where it was.
  Shape slice_shape = moved.shape();
  if (moved.ndim() > 0) slice_shape[0] = length;
  values = reshape(values, options.axis ? slice_shape : Shape{length});
  if (options.axis) values = moveaxis(values, 0, axis);
  UniqueResult result{values, {}, {}, {}};
  if (options.return_index)
    result.indices = n == 0 ? zeros({length}, default_int_dtype()) : take(sorted.order, positions);
  if (options.return_inverse) {
    const Array group = subtract(cumsum(sorted.first, {.dtype = default_int_dtype()}), index_constant(1));
    Array inverse = zeros({n}, default_int_dtype()).at(sorted.order).set(group);
    result.inverse = options.axis ? inverse : reshape(inverse, x.shape());
  }
  if (options.return_counts) {
    const Array group = subtract(cumsum(sorted.first, {.dtype = default_int_dtype()}), index_constant(1));
    result.counts = zeros({length}, default_int_dtype()).at(group).add(index_constant(1), {.mode = "drop"});
  }
  return result;
}

UniqueAllResult unique_all_function::operator()(const Array& x, UniqueSizeOptions options, Loc loc) const {
  CallSite site(loc);
  const UniqueResult r = unique(x, {.return_index = true,
                                    .return_inverse = true,
                                    .return_counts = true,
                                    .size = options.size,
                                    .fill_value = options.fill_value});
  return {r.values, r.indices, r.inverse, r.counts};
}

UniqueCountsResult unique_counts_function::operator()(const Array& x, UniqueSizeOptions options, Loc loc) const {
  CallSite site(loc);
  const UniqueResult r = unique(x, {.return_counts = true, .size = options.size, .fill_value = options.fill_value});
  return {r.values, r.counts};
}

UniqueInverseResult unique_inverse_function::operator()(const Array& x, UniqueSizeOptions options, Loc loc) const {
  CallSite site(loc);
  const UniqueResult r = unique(x, {.return_inverse = true, .size = options.size, .fill_value = options.fill_value});
  return {r.values, r.inverse};
}

Array unique_values_function::operator()(const Array& x, UniqueSizeOptions options, Loc loc) const {
  CallSite site(loc);
  return unique(x, {.equal_nan = false, .size = options.size, .fill_value = options.fill_value}).values;
}

Array isin_function::operator()(const Array& element, const Array& test_elements, bool inverted, Loc loc) const {
  CallSite site(loc);
  // Every element against every test element: O(n m) work, no sorting, and exact under every transform.
  const Array tests = ravel(test_elements);
  const Array hit =
      tests.size() == 0 ? zeros(element.shape(), DType::bool_) : any(equal(expand_dims(element, -1), tests), -1);
  return inverted ? logical_not(hit) : hit;
}

namespace {

// The sorted distinct values of x (flattened), with a mask of the distinct ones: (values, first).
std::pair<Array, Array> distinct(const Array& x, bool assume_unique) {
  const Array flat = ravel(x);
  if (flat.size() == 0) return {flat, zeros({0}, DType::bool_)};
  const Array sorted = sort(flat);
  if (assume_unique) return {sorted, ones(flat.shape(), DType::bool_)};
  const SortedRows rows = sort_rows(reshape(flat, {flat.size(), 1}), true);
  return {ravel(rows.rows), rows.first};
}

// The values where keep is true, in order, as a result of the static length (or the concrete count).
Array kept_values(std::string_view op, const Array& values, const Array& keep, const SetOptions& options) {
  const std::int64_t length = ops::result_length(op, keep, options.size);
  if (values.size() == 0) {
    if (length > 0 && !options.fill_value) {
      throw ValueError(std::string(op), "for empty inputs with a non-zero size, fill_value must be given");
    }
    return length == 0 ? values : full({length}, astype(*options.fill_value, values.dtype()));
  }
  const Array taken = take(values, ops::compact(keep, length, 0));
  // Beyond the values found: fill_value, or the smallest value found (JAX's default).
  const Array fill = options.fill_value ? astype(*options.fill_value, values.dtype()) : taken(0);
  return length == 0 ? taken : where(ops::found(keep, length), taken, fill);
}

Array common_type(const Array& x, const Array& other) {
  const Array operands[] = {x, other};
  return ops::convert_to(x, {ops::result_type(operands).dtype, false});
}

}  // namespace

Array union1d_function::operator()(const Array& a, const Array& b, SetOptions options, Loc loc) const {
  CallSite site(loc);
  const Array joined = concatenate({ravel(common_type(a, b)), ravel(common_type(b, a))}, 0);
  return unique(joined, {.size = options.size, .fill_value = options.fill_value}).values;
}

Array intersect1d_function::operator()(const Array& a, const Array& b, SetOptions options, Loc loc) const {
  CallSite site(loc);
  auto [values, first] = distinct(common_type(a, b), options.assume_unique);
  const Array keep = logical_and(first, isin(values, common_type(b, a)));
  return kept_values("intersect1d", values, keep, options);
}

Array setdiff1d_function::operator()(const Array& a, const Array& b, SetOptions options, Loc loc) const {
  CallSite site(loc);
  if (options.assume_unique) {
    // NumPy keeps a's order when the values are known to be distinct.
    const Array flat = ravel(a);
    return kept_values("setdiff1d", flat, isin(flat, b, true), options);
  }
  auto [values, first] = distinct(a, false);
  const Array keep = logical_and(first, isin(values, b, true));
  return kept_values("setdiff1d", values, keep, options);
}

Array setxor1d_function::operator()(const Array& a, const Array& b, SetOptions options, Loc loc) const {
  CallSite site(loc);
  // The distinct values of each that the other lacks, merged in order.
  auto [values_a, first_a] = distinct(common_type(a, b), options.assume_unique);
  auto [values_b, first_b] = distinct(common_type(b, a), options.assume_unique);
  const Array keep_a = logical_and(first_a, isin(values_a, values_b, true));
  const Array keep_b = logical_and(first_b, isin(values_b, values_a, true));
  const Array values = concatenate({values_a, values_b}, 0);
  const Array keep = concatenate({keep_a, keep_b}, 0);
  if (values.size() == 0) return kept_values("setxor1d", values, keep, options);
  // Kept values first, in sorted order (an ascending sort of (not kept, value)).
  const std::vector<Array> merged = lax::sort({logical_not(keep), values}, 0, 2);
  return kept_values("setxor1d", merged[1], logical_not(merged[0]), options);
}

}  // namespace jx::numpy
