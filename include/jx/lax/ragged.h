// jx/lax/ragged.h — lax.ragged_dot and lax.ragged_dot_general: matrix products where consecutive
// groups of lhs rows meet different rhs matrices (mixture-of-experts layers).
//
//   namespace lax = jx::lax;
//   // rows 0-1 times rhs[0], rows 2-4 times rhs[1]; lhs (5, k), rhs (2, k, n), out (5, n):
//   auto out = lax::ragged_dot(lhs, rhs, jnp::array({2, 3}));
//
// Rows past the sum of group_sizes are zero in the result, as in JAX. jx computes every group's
// product for every row and masks (JAX's reference implementation does the same), which costs g
// times a plain product; in exchange it is made of dot_general and elementwise ops, so it runs under
// jit, vmap and grad (in lhs and rhs; group_sizes are integers), with traced group sizes.
#pragma once

#include <optional>
#include <source_location>
#include <vector>

#include "jx/core/array.h"
#include "jx/lax.h"
#include "jx/numpy.h"  // detail::KeywordsOnly

namespace jx::lax {

using Loc = std::source_location;

// Which axes of a ragged_dot_general are contracted and batched (dot_dimension_numbers), which lhs
// axis is split into groups (lhs_ragged_dimensions, one axis) and which rhs axis indexes the groups
// (rhs_group_dimensions). jx supports JAX's ragged non-contracting mode, the one ragged_dot uses: the
// ragged lhs axis is neither contracted nor batched, and rhs has one group axis, also neither; the
// result is dot_general's with the group axis summed out. The other two modes (a ragged contracting
// or batch axis, no rhs group axis) raise jx::ValueError.
struct RaggedDotDimensionNumbers {
  DotDimensionNumbers dot_dimension_numbers;
  std::vector<int> lhs_ragged_dimensions;
  std::vector<int> rhs_group_dimensions;
};

struct RaggedDotOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // The result's dtype (the product is computed in the operands' dtype, then converted).
  std::optional<DType> preferred_element_type = std::nullopt;
};

// lax.ragged_dot(lhs (m, k), rhs (g, k, n), group_sizes (g,) of integers): row i of the result is
// lhs[i] @ rhs[j] for the group j whose rows [sum(group_sizes[:j]), sum(group_sizes[:j+1])) hold i.
// lhs and rhs share one dtype. JAX's group_offset is not offered (its CPU implementation rejects it).
inline constexpr struct ragged_dot_function {
  Array operator()(const Array& lhs, const Array& rhs, const Array& group_sizes, const RaggedDotOptions& options = {},
                   Loc loc = Loc::current()) const;
} ragged_dot{};

inline constexpr struct ragged_dot_general_function {
  Array operator()(const Array& lhs, const Array& rhs, const Array& group_sizes,
                   const RaggedDotDimensionNumbers& ragged_dot_dimension_numbers, const RaggedDotOptions& options = {},
                   Loc loc = Loc::current()) const;
} ragged_dot_general{};

}  // namespace jx::lax
