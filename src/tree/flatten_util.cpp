// jx::flatten_util (jx/flatten_util.h): leaves concatenated into one vector, and split back.
#include "jx/flatten_util.h"

#include <fmt/format.h>

#include <algorithm>

#include "jx/core/error.h"
#include "jx/numpy.h"

namespace jx::flatten_util::detail {

std::pair<Array, RavelLayout> ravel_leaves(std::span<const Array> leaves) {
  RavelLayout layout;
  if (leaves.empty()) return {numpy::zeros({0}, DType::float32), layout};  // as JAX: an empty float32 vector
  PromotionType joined{leaves[0].dtype(), leaves[0].weak_type()};
  for (const Array& leaf : leaves) joined = promote_types(joined, {leaf.dtype(), leaf.weak_type()});
  layout.dtype = joined.dtype;
  std::vector<Array> pieces;
  pieces.reserve(leaves.size());
  for (const Array& leaf : leaves) {
    layout.leaves.push_back(leaf.type());
    layout.size += leaf.size();
    pieces.push_back(numpy::ravel(leaf).astype(layout.dtype));
  }
  return {numpy::concatenate(pieces, 0), std::move(layout)};
}

std::vector<Array> unravel_leaves(const RavelLayout& layout, const Array& flat, std::source_location where) {
  const CallSite call_site(where);
  if (flat.shape() != Shape{layout.size}) {
    throw ValueError("unravel_pytree", fmt::format("the unravel function expected an array of shape ({},), got "
                                                   "shape {}",
                                                   layout.size, flat.shape().to_string()));
  }
  // As JAX: when every leaf has the vector's dtype, unravel takes a vector of any dtype and keeps it
  // (a dtype-polymorphic unravel); with mixed leaves it must be the raveled dtype.
  const bool single_dtype = std::all_of(layout.leaves.begin(), layout.leaves.end(),
                                        [&](const ArrayType& leaf) { return leaf.dtype == layout.dtype; });
  if (!single_dtype && flat.dtype() != layout.dtype) {
    throw TypeError("unravel_pytree",
                    fmt::format("the unravel function was given an array of dtype {} but expected dtype {}, the "
                                "dtype of the raveled pytree",
                                dtype_name(flat.dtype()), dtype_name(layout.dtype)));
  }
  std::vector<Array> leaves;
  leaves.reserve(layout.leaves.size());
  std::int64_t offset = 0;
  for (const ArrayType& leaf : layout.leaves) {
    const std::int64_t size = leaf.num_elements();
    const Array piece = flat[Slice{offset, offset + size}].reshape(leaf.shape);
    leaves.push_back(single_dtype ? piece : piece.astype(leaf.dtype));
    offset += size;
  }
  return leaves;
}

}  // namespace jx::flatten_util::detail
