// jx::nn pooling: the window shape and strides extended with ones over batch and feature axes, then
// lax::reduce_window (as flax.linen.pooling.pool does).
#include "jx/nn/pooling.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <optional>

#include "jx/core/error.h"
#include "jx/numpy.h"

namespace jx::nn {
namespace {

struct Windows {
  Shape dimensions;
  std::vector<std::int64_t> strides;
  lax::Padding padding = "VALID";
};

// The full-rank window of a pooling over the axes window_shape covers, just before the last axis.
Windows full_rank(std::string_view op, const Array& x, const Shape& window_shape, const PoolOptions& options) {
  const int spatial = window_shape.ndim();
  const int batch_axes = x.ndim() - spatial - 1;
  if (batch_axes < 0) {
    throw ShapeError(std::string(op),
                     fmt::format("a {}-d window needs inputs (batch..., {} window axes, features), got {}", spatial,
                                 spatial, x.type().to_string()));
  }
  if (!options.strides.empty() && static_cast<int>(options.strides.size()) != spatial) {
    throw ShapeError(std::string(op), fmt::format("strides ({}) need one entry per window axis of {}",
                                                  fmt::join(options.strides, ", "), window_shape.to_string()));
  }
  if (!options.padding.is_named() && static_cast<int>(options.padding.pairs().size()) != spatial) {
    throw ShapeError(std::string(op), fmt::format("padding needs one (low, high) pair per window axis of {}, got {}",
                                                  window_shape.to_string(), options.padding.pairs().size()));
  }
  Windows w;
  lax::Padding::Pairs pairs;
  for (int d = 0; d < x.ndim(); ++d) {
    const int s = d - batch_axes;
    const bool windowed = s >= 0 && s < spatial;
    w.dimensions.push_back(windowed ? window_shape[s] : 1);
    w.strides.push_back(windowed && !options.strides.empty() ? options.strides[static_cast<std::size_t>(s)] : 1);
    if (!options.padding.is_named()) {
      pairs.push_back(windowed ? options.padding.pairs()[static_cast<std::size_t>(s)]
                               : std::pair<std::int64_t, std::int64_t>{0, 0});
    }
  }
  w.padding = options.padding.is_named() ? options.padding : lax::Padding(pairs);
  return w;
}

}  // namespace

Array max_pool_function::operator()(const Array& x, const Shape& window_shape, const PoolOptions& options,
                                    std::source_location loc) const {
  CallSite site(loc);
  const Windows w = full_rank("max_pool", x, window_shape, options);
  return lax::reduce_window_max(x, w.dimensions, w.strides, w.padding, {}, loc);
}

Array avg_pool_function::operator()(const Array& x, const Shape& window_shape, const PoolOptions& options,
                                    std::source_location loc) const {
  CallSite site(loc);
  const Windows w = full_rank("avg_pool", x, window_shape, options);
  const Array sums = lax::reduce_window_sum(x, w.dimensions, w.strides, w.padding, {}, loc);
  if (options.count_include_pad) {
    return numpy::divide(sums, static_cast<double>(window_shape.num_elements()));
  }
  // Count the elements each window covers: the same windows over ones shaped like one example's
  // window axes (the counts do not depend on batch or feature position).
  Shape ones_shape;
  for (int d = 0; d < x.ndim(); ++d) {
    const bool untouched = w.dimensions[d] == 1 && w.strides[static_cast<std::size_t>(d)] == 1;
    ones_shape.push_back(untouched ? 1 : x.shape()[d]);
  }
  const std::optional<DType> count_dtype = is_floating(x.dtype()) ? std::optional<DType>(x.dtype()) : std::nullopt;
  const Array counts =
      lax::reduce_window_sum(numpy::ones(ones_shape, count_dtype), w.dimensions, w.strides, w.padding, {}, loc);
  return numpy::divide(sums, counts);
}

}  // namespace jx::nn
