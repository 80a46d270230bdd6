// jx::lax::reduce (jx/lax/reductions.h): a user's computation folded along the reduced axes by
// pairwise halving of slices, then combined once with the init values.
#include <fmt/format.h>

#include <algorithm>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/reductions.h"
#include "ops/promotion.h"

namespace jx::lax {
namespace {

using Leaves = std::vector<Array>;

Leaves slice_each(const Leaves& leaves, std::int64_t start, std::int64_t stop, int axis) {
  Leaves out;
  out.reserve(leaves.size());
  for (const Array& leaf : leaves) out.push_back(slice_in_dim(leaf, start, stop, 1, axis));
  return out;
}

// computation(a, b), checked: as many leaves as the operands, each of the shape of its arguments (the
// computation works elementwise), so that the halving stays consistent.
Leaves combine_checked(const detail::ReduceLeaves& combine, const Leaves& a, const Leaves& b) {
  Leaves c = combine(a, b);
  if (c.size() != a.size()) {
    throw TypeError("reduce", fmt::format("the computation must return the structure of its arguments: {} leaves, "
                                          "got {}",
                                          a.size(), c.size()));
  }
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (!c[i].valid() || c[i].shape() != a[i].shape()) {
      throw ShapeError("reduce", fmt::format("the computation must work elementwise: on arguments of shape {} "
                                             "its result {} has shape {}",
                                             a[i].shape().to_string(), i,
                                             c[i].valid() ? c[i].shape().to_string() : std::string("(none)")));
    }
  }
  return c;
}

// The leaves halved along `axis` until it has length 1: element i combined with element i + n/2,
// and an odd last element carried along unpaired.
Leaves halve_to_one(const detail::ReduceLeaves& combine, Leaves leaves, int axis) {
  std::int64_t n = leaves[0].shape()[axis];
  while (n > 1) {
    const std::int64_t half = n / 2;
    Leaves combined =
        combine_checked(combine, slice_each(leaves, 0, half, axis), slice_each(leaves, half, 2 * half, axis));
    if (n % 2 == 1) {
      for (std::size_t i = 0; i < combined.size(); ++i) {
        combined[i] = concatenate({combined[i], slice_in_dim(leaves[i], n - 1, n, 1, axis)}, axis);
      }
    }
    leaves = std::move(combined);
    n = half + n % 2;
  }
  return leaves;
}

}  // namespace
}  // namespace jx::lax

namespace jx::detail {

std::vector<Array> reduce_leaves(const ReduceLeaves& combine, std::vector<Array> operands,
                                 std::vector<Array> init_values, const std::vector<int>& dimensions) {
  if (operands.empty()) return operands;
  const Shape shape = operands[0].shape();
  for (std::size_t i = 0; i < operands.size(); ++i) {
    if (operands[i].shape() != shape) {
      throw ShapeError("reduce", fmt::format("operands must share one shape: operand 0 has shape {}, operand {} {}",
                                             shape.to_string(), i, operands[i].shape().to_string()));
    }
    Array& init = init_values[i];
    if (init.ndim() != 0) {
      throw ShapeError("reduce",
                       fmt::format("init value {} must be a scalar, got shape {}", i, init.shape().to_string()));
    }
    if (init.dtype() != operands[i].dtype()) {
      // A weakly typed init value (a C++ number) takes its operand's dtype, as elsewhere in jx::lax.
      if (!init.weak_type()) {
        throw DTypeError("reduce", fmt::format("init value {} has dtype {}, but its operand has dtype {}", i,
                                               dtype_name(init.dtype()), dtype_name(operands[i].dtype())));
      }
      init = lax::convert_element_type(init, operands[i].dtype());
    }
  }
  const int ndim = operands[0].ndim();
  std::vector<int> axes;
  for (const int d : dimensions) {
    const int axis = ops::normalize_axis("reduce", d, ndim);
    if (std::find(axes.begin(), axes.end(), axis) != axes.end()) {
      throw ShapeError("reduce", fmt::format("dimension {} is listed twice", axis));
    }
    axes.push_back(axis);
  }
  std::sort(axes.begin(), axes.end());
  Shape out_shape;
  bool empty = false;
  for (int axis = 0; axis < ndim; ++axis) {
    if (std::find(axes.begin(), axes.end(), axis) == axes.end()) {
      out_shape.push_back(shape[axis]);
    } else if (shape[axis] == 0) {
      empty = true;
    }
  }
  std::vector<Array> inits;
  for (const Array& init : init_values) inits.push_back(lax::broadcast_in_dim(init, out_shape, {}));
  // Nothing to reduce along an empty axis: the result is the init values, as in XLA.
  if (empty) return inits;
  std::vector<Array> reduced = std::move(operands);
  for (const int axis : axes) reduced = lax::halve_to_one(combine, std::move(reduced), axis);
  if (!axes.empty()) {
    for (Array& leaf : reduced) leaf = lax::reshape(leaf, out_shape);
  }
  // The init values enter once (the computation's identity, as XLA assumes), so a non-identity init
  // value still shows in the result, as it does in JAX's.
  std::vector<Array> result = combine(inits, reduced);
  if (result.size() != reduced.size()) {
    throw TypeError("reduce", fmt::format("the computation must return the structure of its arguments: {} leaves, "
                                          "got {}",
                                          reduced.size(), result.size()));
  }
  return result;
}

}  // namespace jx::detail
