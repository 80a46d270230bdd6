// jx/lax/sorting.h — jax.lax's sorting and selection by rank (sort_key_val, top_k, approx_max_k,
// approx_min_k) and the scatter variants beyond lax::scatter's modes (scatter_sub, scatter_apply).
//
//   namespace lax = jx::lax;
//   auto [keys, values] = lax::sort_key_val(k, v);         // v permuted as k is sorted, along the last axis
//   auto [best, where] = lax::top_k(scores, 3);            // the 3 largest, largest first, int32 indices
//   auto y = lax::scatter_sub(x, idx, u, 0);               // x[idx[i, j], j] -= u[i, j], duplicates summed
//   auto z = lax::scatter_apply(x, idx, [](const jx::Array& v) { return v * 2; }, 0);
//
// The scatters take jx's form of lax.scatter (jx/lax.h): indices and updates as take_along_axis reads
// them along one axis, out-of-range updates dropped. scatter_add, scatter_mul, scatter_min and
// scatter_max are lax::scatter with ScatterMode::add, mul, min and max.
#pragma once

#include <cstdint>
#include <functional>
#include <source_location>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"  // detail::KeywordsOnly

namespace jx::lax {

using Loc = std::source_location;

// keys sorted along `dimension` (stably: equal keys keep their order; NaNs last) and values permuted
// the same way; keys and values have one shape.
inline constexpr struct sort_key_val_function {
  std::pair<Array, Array> operator()(const Array& keys, const Array& values, int dimension = -1, bool is_stable = true,
                                     Loc loc = Loc::current()) const;
} sort_key_val{};

struct TopKOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  int axis = -1;
  bool is_stable = true;  // ties by the lower index (jx's top_k always is)
};
// The k largest entries along options.axis, largest first, and their int32 indices (ties: the lower
// index first; NaN counts as the largest). Differentiable in the values.
inline constexpr struct top_k_function {
  std::pair<Array, Array> operator()(const Array& operand, std::int64_t k, TopKOptions options = {},
                                     Loc loc = Loc::current()) const;
} top_k{};

struct ApproxTopKOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  int reduction_dimension = -1;
  double recall_target = 0.95;                      // a hint for TPUs: the CPU result is exact
  std::int64_t reduction_input_size_override = -1;  // a hint for sharded inputs; ignored on the CPU
  bool aggregate_to_topk = true;                    // the CPU result always has k entries
};
// The k largest (approx_max_k, largest first) or smallest (approx_min_k, smallest first) entries along
// reduction_dimension, and their int32 indices. On the CPU, as in JAX, these are exact: ties by the
// lower index; approx_min_k puts NaN last, as sort does.
inline constexpr struct approx_max_k_function {
  std::pair<Array, Array> operator()(const Array& operand, std::int64_t k, ApproxTopKOptions options = {},
                                     Loc loc = Loc::current()) const;
} approx_max_k{};
inline constexpr struct approx_min_k_function {
  std::pair<Array, Array> operator()(const Array& operand, std::int64_t k, ApproxTopKOptions options = {},
                                     Loc loc = Loc::current()) const;
} approx_min_k{};

// x with updates subtracted at indices along `axis` (duplicates all subtracted).
inline constexpr struct scatter_sub_function {
  Array operator()(const Array& x, const Array& indices, const Array& updates, int axis,
                   Loc loc = Loc::current()) const;
} scatter_sub{};
// x with func applied to the elements indices select along `axis` (once each, duplicates or not).
inline constexpr struct scatter_apply_function {
  Array operator()(const Array& x, const Array& indices, const std::function<Array(const Array&)>& func, int axis,
                   Loc loc = Loc::current()) const;
} scatter_apply{};

}  // namespace jx::lax
