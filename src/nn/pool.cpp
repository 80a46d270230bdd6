// MaxPool and AvgPool (jx/nn/pooling.h): Haiku's pooling modules, on lax::reduce_window with full-rank
// windows (hk.max_pool, hk.avg_pool).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>

#include "jx/core/error.h"
#include "jx/nn/pooling.h"
#include "jx/numpy.h"

namespace jx::nn {
namespace {

void check_padding(const char* op, const std::string& padding) {
  if (padding != "SAME" && padding != "VALID")
    throw ValueError(op, fmt::format("padding must be \"SAME\" or \"VALID\", got \"{}\"", padding));
}

// One size per axis of x, as Haiku infers them: a uniform size covers every axis but the first and the
// channel axis; a shorter list is padded with leading ones (batch axes).
std::vector<std::int64_t> full_rank(const char* op, const char* what, const Array& x, const PoolSize& size,
                                    std::optional<int> channel_axis) {
  const int ndim = x.ndim();
  if (ndim == 0) throw ShapeError(op, "cannot pool a scalar");
  std::vector<std::int64_t> sizes;
  if (size.uniform()) {
    // Haiku reads channel_axis 0 as no channel axis (the first axis is never pooled anyway).
    int channel = -1;
    if (channel_axis && *channel_axis != 0) {
      if (std::abs(*channel_axis) >= ndim) {
        throw ShapeError(op,
                         fmt::format("channel_axis {} is out of range for {}", *channel_axis, x.type().to_string()));
      }
      channel = *channel_axis < 0 ? *channel_axis + ndim : *channel_axis;
    }
    sizes.push_back(1);
    for (int d = 1; d < ndim; ++d) sizes.push_back(d == channel ? 1 : size.sizes().front());
    return sizes;
  }
  const int given = static_cast<int>(size.sizes().size());
  if (given > ndim) {
    throw ShapeError(op, fmt::format("{} ({}) has more entries than {} has axes", what, fmt::join(size.sizes(), ", "),
                                     x.type().to_string()));
  }
  sizes.assign(static_cast<std::size_t>(ndim - given), 1);
  sizes.insert(sizes.end(), size.sizes().begin(), size.sizes().end());
  return sizes;
}

}  // namespace

MaxPool::MaxPool(PoolSize window_shape, PoolSize strides, std::string padding, PoolModuleOptions options)
    : Module("max_pool", options.name),
      window_shape_(std::move(window_shape)),
      strides_(std::move(strides)),
      padding_(std::move(padding)),
      options_(std::move(options)) {
  check_padding("MaxPool", padding_);
}

Array MaxPool::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const std::vector<std::int64_t> window =
        full_rank("MaxPool", "window_shape", x, window_shape_, options_.channel_axis);
    const std::vector<std::int64_t> strides = full_rank("MaxPool", "strides", x, strides_, options_.channel_axis);
    return lax::reduce_window_max(x, Shape(window.begin(), window.end()), strides, padding_);
  });
}

AvgPool::AvgPool(PoolSize window_shape, PoolSize strides, std::string padding, PoolModuleOptions options)
    : Module("avg_pool", options.name),
      window_shape_(std::move(window_shape)),
      strides_(std::move(strides)),
      padding_(std::move(padding)),
      options_(std::move(options)) {
  check_padding("AvgPool", padding_);
}

Array AvgPool::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const std::vector<std::int64_t> window =
        full_rank("AvgPool", "window_shape", x, window_shape_, options_.channel_axis);
    const std::vector<std::int64_t> strides = full_rank("AvgPool", "strides", x, strides_, options_.channel_axis);
    const Shape window_shape(window.begin(), window.end());
    const Array sums = lax::reduce_window_sum(x, window_shape, strides, padding_);
    if (padding_ == "VALID") return numpy::divide(sums, static_cast<double>(window_shape.num_elements()));
    // How many real elements each window covers: the same windows over ones, shaped like x except along
    // axes without a window, where the count does not vary.
    Shape ones_shape;
    for (int d = 0; d < x.ndim(); ++d) ones_shape.push_back(window_shape[d] != 1 ? x.shape()[d] : 1);
    const Array counts = lax::reduce_window_sum(numpy::ones(ones_shape, x.dtype()), window_shape, strides, padding_);
    return numpy::divide(sums, counts);
  });
}

}  // namespace jx::nn
