// jx::lax's associative_scan (JAX's parallel prefix algorithm over flattened leaves) and cumlogsumexp
// (jx/lax/scans.h).
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/scans.h"
#include "ops/promotion.h"

namespace jx::lax {
namespace {

namespace jnp = jx::numpy;

using Leaves = std::vector<Array>;

Leaves slice_each(const Leaves& leaves, std::int64_t start, std::int64_t stop, std::int64_t stride, int axis) {
  Leaves out;
  for (const Array& leaf : leaves) out.push_back(slice_in_dim(leaf, start, stop, stride, axis));
  return out;
}

Leaves checked_scan_combine(const detail::CombineLeaves& combine, const Leaves& a, const Leaves& b) {
  Leaves c = combine(a, b);
  if (c.size() != a.size()) {
    throw TypeError("associative_scan", fmt::format("fn must return the structure of its arguments: {} leaves, got {}",
                                                    a.size(), c.size()));
  }
  return c;
}

// even[0], odd[0], even[1], odd[1], ... along axis, where even has as many entries as odd or one more:
// the pairs stacked on a new axis after `axis` and merged into it (exact, unlike padding and adding).
Array interleave(const Array& even, const Array& odd, int axis) {
  const std::int64_t pairs = odd.shape()[axis];
  const Array paired_even = slice_in_dim(even, 0, pairs, 1, axis);
  Array merged = jnp::stack({paired_even, odd}, axis + 1);
  Shape shape = even.shape();
  shape[axis] = 2 * pairs;
  merged = reshape(merged, shape);
  if (even.shape()[axis] > pairs) {
    merged = concatenate({merged, slice_in_dim(even, pairs, pairs + 1, 1, axis)}, axis);
  }
  return merged;
}

Leaves prefix_scan(const detail::CombineLeaves& combine, const Leaves& elems, int axis) {
  const std::int64_t n = elems[0].shape()[axis];
  if (n < 2) return elems;
  // Pairs combined: the prefix results at the odd positions are the scan of these.
  const Leaves reduced =
      checked_scan_combine(combine, slice_each(elems, 0, n - 1, 2, axis), slice_each(elems, 1, n, 2, axis));
  const Leaves odd = prefix_scan(combine, reduced, axis);
  // Each even position (past the first) is the odd result before it combined with its own element.
  Leaves even_tail;
  if (n % 2 == 0) {
    const std::int64_t m = odd[0].shape()[axis];
    even_tail = checked_scan_combine(combine, slice_each(odd, 0, m - 1, 1, axis), slice_each(elems, 2, n, 2, axis));
  } else {
    even_tail = checked_scan_combine(combine, odd, slice_each(elems, 2, n, 2, axis));
  }
  Leaves result;
  for (std::size_t i = 0; i < elems.size(); ++i) {
    const Array even = concatenate({slice_in_dim(elems[i], 0, 1, 1, axis), even_tail[i]}, axis);
    result.push_back(interleave(even, odd[i], axis));
  }
  return result;
}

}  // namespace

}  // namespace jx::lax

namespace jx::detail {

std::vector<Array> associative_scan_leaves(const CombineLeaves& combine, std::vector<Array> leaves, bool reverse,
                                           int axis) {
  if (leaves.empty()) return leaves;
  using namespace jx::lax;
  const int a = ops::normalize_axis("associative_scan", axis, leaves[0].ndim());
  for (const Array& leaf : leaves) {
    if (leaf.ndim() != leaves[0].ndim() || leaf.shape()[a] != leaves[0].shape()[a]) {
      throw ShapeError("associative_scan",
                       fmt::format("every leaf needs the scanned axis {} of length {}, got shape {}", a,
                                   leaves[0].shape()[a], leaf.shape().to_string()));
    }
  }
  if (reverse) {
    for (Array& leaf : leaves) leaf = lax::rev(leaf, {a});
  }
  Leaves scanned = lax::prefix_scan(combine, leaves, a);
  if (reverse) {
    for (Array& leaf : scanned) leaf = lax::rev(leaf, {a});
  }
  return scanned;
}

}  // namespace jx::detail

namespace jx::lax {

Array cumlogsumexp_function::operator()(const Array& x, int axis, bool reverse, Loc loc) const {
  CallSite site(loc);
  if (!is_floating(x.dtype())) {
    throw DTypeError("cumlogsumexp", fmt::format("needs a floating-point operand, got {}", dtype_name(x.dtype())));
  }
  if (x.ndim() == 0) throw ShapeError("cumlogsumexp", "needs an operand of rank 1 or more");
  return associative_scan([](const Array& a, const Array& b) { return jnp::logaddexp(a, b); }, x, reverse, axis);
}

}  // namespace jx::lax
