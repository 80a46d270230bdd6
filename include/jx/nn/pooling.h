// jx/nn/pooling.h — max and average pooling (flax.linen.max_pool / avg_pool).
//
// Inputs are (batch..., window axes..., features): NHWC images for a 2-d window_shape, with any
// number of leading batch axes (none included). The window slides over the axes window_shape covers;
// batch and feature axes are untouched.
//
//   auto pooled = jx::nn::max_pool(x, {2, 2}, {.strides = {2, 2}});                  // (N, H/2, W/2, C)
//   auto smooth = jx::nn::avg_pool(x, {3, 3}, {.padding = "SAME", .count_include_pad = false});
//
// Both are differentiable to any order and batch under vmap (through lax::reduce_window).
#pragma once

#include <cstdint>
#include <source_location>
#include <vector>

#include "jx/core/array.h"
#include "jx/lax.h"

namespace jx::nn {

struct PoolOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::vector<std::int64_t> strides = {};  // one per window axis; empty: ones
  lax::Padding padding = "VALID";          // "SAME", "SAME_LOWER", "VALID" or one (low, high) pair per window axis
  bool count_include_pad = true;           // avg_pool: divide by the window size, padding included
};

// The maximum of each window; padding never wins.
inline constexpr struct max_pool_function {
  Array operator()(const Array& x, const Shape& window_shape, const PoolOptions& options = {},
                   std::source_location loc = std::source_location::current()) const;
} max_pool{};
// The mean of each window: the sum over the window size, or over the elements the window really
// covers when count_include_pad is false. Integer inputs give floats.
inline constexpr struct avg_pool_function {
  Array operator()(const Array& x, const Shape& window_shape, const PoolOptions& options = {},
                   std::source_location loc = std::source_location::current()) const;
} avg_pool{};

}  // namespace jx::nn
