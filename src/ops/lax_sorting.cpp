// jx::lax's sorting, selection by rank and scatter variants (jx/lax/sorting.h), composed from lax::sort,
// jnp::top_k, gather and scatter.
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/sorting.h"
#include "ops/promotion.h"

namespace jx::lax {
namespace {

namespace jnp = jx::numpy;

// Moves `axis` last, applies a last-axis top-k, and moves the result's axis back.
template <class F>
std::pair<Array, Array> along_axis(std::string_view op, const Array& x, int axis, const F& last_axis_top_k) {
  if (x.ndim() == 0) throw ShapeError(std::string(op), "needs an operand of rank 1 or more");
  const int a = ops::normalize_axis(op, axis, x.ndim());
  const Array moved = jnp::moveaxis(x, a, -1);
  const auto [values, indices] = last_axis_top_k(moved);
  return {jnp::moveaxis(values, -1, a), jnp::moveaxis(indices, -1, a)};
}

void check_k(std::string_view op, const Array& x, int axis, std::int64_t k) {
  if (x.ndim() == 0) throw ShapeError(std::string(op), "needs an operand of rank 1 or more");
  const std::int64_t n = x.shape()[ops::normalize_axis(op, axis, x.ndim())];
  if (k < 0 || k > n) {
    throw ValueError(std::string(op), fmt::format("k = {} for an axis of length {}: needs 0 <= k <= {}", k, n, n));
  }
  if (is_complex(x.dtype())) throw DTypeError(std::string(op), "is not defined for complex operands");
}

std::pair<Array, Array> largest(const Array& moved, std::int64_t k) {
  const auto [values, indices] = jnp::top_k(moved, k);
  return {values, indices};
}

}  // namespace

std::pair<Array, Array> sort_key_val_function::operator()(const Array& keys, const Array& values, int dimension,
                                                          bool /*is_stable*/, Loc loc) const {
  CallSite site(loc);
  if (keys.shape() != values.shape()) {
    throw ShapeError("sort_key_val", fmt::format("keys and values must have one shape, got {} and {}",
                                                 keys.shape().to_string(), values.shape().to_string()));
  }
  if (keys.ndim() == 0) throw ShapeError("sort_key_val", "needs operands of rank 1 or more");
  const int axis = ops::normalize_axis("sort_key_val", dimension, keys.ndim());
  const std::vector<Array> sorted = sort({keys, values}, axis, 1);
  return {sorted[0], sorted[1]};
}

std::pair<Array, Array> top_k_function::operator()(const Array& operand, std::int64_t k, TopKOptions options,
                                                   Loc loc) const {
  CallSite site(loc);
  check_k("top_k", operand, options.axis, k);
  return along_axis("top_k", operand, options.axis, [k](const Array& moved) { return largest(moved, k); });
}

std::pair<Array, Array> approx_max_k_function::operator()(const Array& operand, std::int64_t k,
                                                          ApproxTopKOptions options, Loc loc) const {
  CallSite site(loc);
  check_k("approx_max_k", operand, options.reduction_dimension, k);
  return along_axis("approx_max_k", operand, options.reduction_dimension,
                    [k](const Array& moved) { return largest(moved, k); });
}

std::pair<Array, Array> approx_min_k_function::operator()(const Array& operand, std::int64_t k,
                                                          ApproxTopKOptions options, Loc loc) const {
  CallSite site(loc);
  check_k("approx_min_k", operand, options.reduction_dimension, k);
  return along_axis("approx_min_k", operand, options.reduction_dimension, [k](const Array& moved) {
    // A stable ascending sort carrying the positions: ties keep the lower index first.
    const int last = moved.ndim() - 1;
    const std::vector<Array> sorted = sort({moved, broadcasted_iota(DType::int32, moved.shape(), last)}, last, 1);
    const Array indices = slice_in_dim(sorted[1], 0, k, 1, last);
    // The values gathered from the operand (not taken from the sort), so that they are differentiable.
    return std::pair<Array, Array>{jnp::take_along_axis(moved, indices, last), indices};
  });
}

Array scatter_sub_function::operator()(const Array& x, const Array& indices, const Array& updates, int axis,
                                       Loc loc) const {
  CallSite site(loc);
  if (is_bool(x.dtype())) throw DTypeError("scatter_sub", "is not defined for bool operands");
  // Negation wraps for unsigned integers, so the modular sum is still the difference.
  const Array values = updates.dtype() == x.dtype() ? updates : convert_element_type(updates, x.dtype());
  return scatter(x, indices, neg(values), axis, ScatterMode::add);
}

Array scatter_apply_function::operator()(const Array& x, const Array& indices,
                                         const std::function<Array(const Array&)>& func, int axis, Loc loc) const {
  CallSite site(loc);
  const int a = ops::normalize_axis("scatter_apply", axis, x.ndim());
  // Each selected element replaced by func of itself: repeated indices write the same value, and
  // indices out of range are read clamped but their writes are dropped, as scatter's are.
  const Array selected = gather(x, indices, a);
  const Array applied = func(selected);
  if (applied.shape() != selected.shape()) {
    throw ShapeError("scatter_apply", fmt::format("func must keep the shape {} of the selected elements, gave {}",
                                                  selected.shape().to_string(), applied.shape().to_string()));
  }
  return scatter(x, indices, applied, a, ScatterMode::set);
}

}  // namespace jx::lax
