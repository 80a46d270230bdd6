// jx/nn/pooling.h — max and average pooling: the functions of flax.linen (max_pool, avg_pool) and the
// modules of Haiku (MaxPool, AvgPool).
//
// Inputs are (batch..., window axes..., features): NHWC images for a 2-d window_shape, with any
// number of leading batch axes (none included). The window slides over the axes window_shape covers;
// batch and feature axes are untouched.
//
//   auto pooled = jx::nn::max_pool(x, {2, 2}, {.strides = {2, 2}});                  // (N, H/2, W/2, C)
//   auto smooth = jx::nn::avg_pool(x, {3, 3}, {.padding = "SAME", .count_include_pad = false});
//
// Both are differentiable to any order and batch under vmap (through lax::reduce_window).
//
// The modules take Haiku's full-rank windows instead: an int covers every axis but the first and the
// channel axis; a list covers the trailing axes (leading ones are batch axes). AvgPool with "SAME"
// divides by the elements each window covers, padding excluded.
//
//   auto pooled = jx::nn::MaxPool(2, 2, "VALID")(x);                  // NHWC: (N, H/2, W/2, C)
//   auto smooth = jx::nn::AvgPool({3, 3, 1}, {1, 1, 1}, "SAME")(x);   // any number of batch axes
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "jx/core/array.h"
#include "jx/lax.h"
#include "jx/nn/transform.h"

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

// A window shape or strides as Haiku takes them: one int (every axis but the first and the channel
// axis; `MaxPool(2, ...)`) or a list of sizes for the trailing axes (`MaxPool({2, 2, 1}, ...)`).
class PoolSize {
 public:
  PoolSize(std::int64_t size) : sizes_{size}, uniform_(true) {}            // NOLINT(google-explicit-constructor)
  PoolSize(std::initializer_list<std::int64_t> sizes) : sizes_(sizes) {}   // NOLINT(google-explicit-constructor)
  PoolSize(std::vector<std::int64_t> sizes) : sizes_(std::move(sizes)) {}  // NOLINT(google-explicit-constructor)
  bool uniform() const { return uniform_; }
  const std::vector<std::int64_t>& sizes() const { return sizes_; }

 private:
  std::vector<std::int64_t> sizes_;
  bool uniform_ = false;
};

struct PoolModuleOptions {
  std::optional<int> channel_axis = -1;  // not pooled by a uniform size; std::nullopt: no channel axis
  std::optional<std::string> name = std::nullopt;
};

// hk.MaxPool: the maximum of each window; `padding` is "SAME" or "VALID".
class MaxPool : public Module {
 public:
  MaxPool(PoolSize window_shape, PoolSize strides, std::string padding, PoolModuleOptions options = {});
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 private:
  PoolSize window_shape_, strides_;
  std::string padding_;
  PoolModuleOptions options_;
};

// hk.AvgPool: the mean of each window: over the window size with "VALID", over the elements the window
// covers with "SAME".
class AvgPool : public Module {
 public:
  AvgPool(PoolSize window_shape, PoolSize strides, std::string padding, PoolModuleOptions options = {});
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 private:
  PoolSize window_shape_, strides_;
  std::string padding_;
  PoolModuleOptions options_;
};

}  // namespace jx::nn
