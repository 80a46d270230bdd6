// ExponentialMovingAverage, BatchNorm and LayerNorm (jx/nn/modules.h), and InstanceNorm, the LayerNorm over
// spatial axes (jx/nn/normalization.h), with Haiku's semantics.
#include "jx/nn/normalization.h"

#include <fmt/format.h>

#include <algorithm>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/mixed_precision.h"
#include "jx/nn/modules.h"
#include "jx/numpy.h"

namespace jx::nn {

namespace jnp = jx::numpy;

ExponentialMovingAverage::ExponentialMovingAverage(float decay, ExponentialMovingAverageOptions options)
    : Module("exponential_moving_average", options.name), decay_(decay), options_(std::move(options)) {
  if (decay < 0 || decay > 1)
    throw ValueError("ExponentialMovingAverage", fmt::format("decay must be in [0, 1], got {}", decay));
}

Array ExponentialMovingAverage::operator()(const Array& value, bool update_stats, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const Shape& shape = value.shape();
    const DType dtype = value.dtype();
    const Array counter =
        get_state("counter", Shape{}, DType::int32, initializers::constant(-options_.warmup_length)) + 1;
    Array decay = lax::convert_element_type(Array(static_cast<double>(decay_)), dtype);
    if (options_.warmup_length > 0) decay = jnp::where(counter <= 0, jnp::zeros({}, dtype), decay);
    const Array one = jnp::ones({}, dtype);
    const Array hidden = get_state("hidden", shape, dtype, initializers::zeros()) * decay + value * (one - decay);
    Array average = hidden;
    if (options_.zero_debias) average = average / (one - jnp::power(decay, lax::convert_element_type(counter, dtype)));
    get_state("average", shape, dtype, initializers::zeros());
    if (update_stats) {
      set_state("counter", counter);
      set_state("hidden", hidden);
      set_state("average", average);
    }
    return average;
  });
}

Array ExponentialMovingAverage::average(const Shape& shape, DType dtype) const {
  return scoped([&] {
    // All three are created together, so that a model initialized for inference can later train.
    get_state("counter", Shape{}, DType::int32, initializers::constant(-options_.warmup_length));
    get_state("hidden", shape, dtype, initializers::zeros());
    return get_state("average", shape, dtype, initializers::zeros());
  });
}

BatchNorm::BatchNorm(bool create_scale, bool create_offset, float decay_rate, BatchNormOptions options)
    : Module("batch_norm", options.name),
      create_scale_(create_scale),
      create_offset_(create_offset),
      decay_rate_(decay_rate),
      options_(std::move(options)) {}

Array BatchNorm::operator()(const Array& input, bool is_training, bool test_local_stats,
                            std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const Array x = mixed_precision::cast_input(input);
    const int ndim = x.ndim();
    if (ndim == 0) throw ShapeError("BatchNorm", "needs inputs with a channel axis, got a scalar");
    std::vector<int> axes;
    if (options_.axis) {
      for (int a : *options_.axis) axes.push_back(a < 0 ? a + ndim : a);
    } else {
      for (int d = 0; d + 1 < ndim; ++d) axes.push_back(d);
    }
    for (int a : axes) {
      if (a < 0 || a >= ndim)
        throw ShapeError("BatchNorm", fmt::format("axis {} is out of range for {}", a, x.type().to_string()));
    }
    const Axes reduce_axes{std::span<const int>(axes)};
    // Statistics and parameters keep the reduced axes as 1s, as Haiku's do.
    Shape stats_shape = x.shape();
    for (int a : axes) stats_shape[a] = 1;
    ExponentialMovingAverage mean_ema(decay_rate_, {.name = "mean_ema"});
    ExponentialMovingAverage var_ema(decay_rate_, {.name = "var_ema"});
    Array mean, var;
    if (is_training || test_local_stats) {
      mean = jnp::mean(x, {.axis = reduce_axes, .keepdims = true});
      const Array mean_of_squares = jnp::mean(jnp::square(x), {.axis = reduce_axes, .keepdims = true});
      var = mean_of_squares - jnp::square(mean);
    } else {
      mean = mean_ema.average(stats_shape, x.dtype());
      var = var_ema.average(stats_shape, x.dtype());
    }
    if (is_training) {
      mean_ema(mean);
      var_ema(var);
    } else if (running_init()) {
      mean_ema.average(stats_shape, x.dtype());
      var_ema.average(stats_shape, x.dtype());
    }
    Array inverse = lax::rsqrt(var + options_.eps);
    if (create_scale_) {
      inverse =
          inverse * get_parameter("scale", stats_shape, x.dtype(), options_.scale_init.value_or(initializers::ones()));
    }
    Array out = (x - mean) * inverse;
    if (create_offset_) {
      out = out + get_parameter("offset", stats_shape, x.dtype(), options_.offset_init.value_or(initializers::zeros()));
    }
    return mixed_precision::cast_output(out);
  });
}

LayerNorm::LayerNorm(std::vector<int> axis, bool create_scale, bool create_offset, LayerNormOptions options)
    : LayerNorm("layer_norm", "LayerNorm", std::move(axis), create_scale, create_offset, std::move(options)) {}

LayerNorm::LayerNorm(std::string_view kind, std::string op_name, std::vector<int> axis, bool create_scale,
                     bool create_offset, LayerNormOptions options)
    : Module(kind, options.name),
      op_name_(std::move(op_name)),
      axis_(std::move(axis)),
      create_scale_(create_scale),
      create_offset_(create_offset),
      options_(std::move(options)) {
  if (!create_scale_ && options_.scale_init)
    throw ValueError(op_name_, "cannot take a scale_init without create_scale");
  if (!create_offset_ && options_.offset_init)
    throw ValueError(op_name_, "cannot take an offset_init without create_offset");
}

namespace {

// Sorted, distinct, non-negative axes; ShapeError naming `op` for one out of range.
std::vector<int> absolute_axes(const std::string& op, const std::vector<int>& axes, const Array& x, const char* what) {
  const int ndim = x.ndim();
  std::vector<int> result;
  for (int a : axes) {
    const int d = a < 0 ? a + ndim : a;
    if (d < 0 || d >= ndim)
      throw ShapeError(op, fmt::format("{} {} is out of range for {}", what, a, x.type().to_string()));
    result.push_back(d);
  }
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

}  // namespace

Array LayerNorm::operator()(const Array& x, const std::optional<Array>& scale, const std::optional<Array>& offset,
                            std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const Array input = mixed_precision::cast_input(x);
    return mixed_precision::cast_output(normalize(input, absolute_axes(op_name_, axis_, input, "axis"),
                                                  mixed_precision::cast_input(scale),
                                                  mixed_precision::cast_input(offset)));
  });
}

Array LayerNorm::normalize(const Array& x, const std::vector<int>& axes, const std::optional<Array>& scale,
                           const std::optional<Array>& offset) const {
  if (create_scale_ && scale) throw ValueError(op_name_, "cannot take a scale at the call: it creates its own");
  if (create_offset_ && offset) throw ValueError(op_name_, "cannot take an offset at the call: it creates its own");
  const int ndim = x.ndim();
  const Axes reduce_axes{std::span<const int>(axes)};
  const Array mean = jnp::mean(x, {.axis = reduce_axes, .keepdims = true});
  const Array variance = options_.use_fast_variance
                             ? jnp::mean(jnp::square(x), {.axis = reduce_axes, .keepdims = true}) - jnp::square(mean)
                             : jnp::var(x, {.axis = reduce_axes, .keepdims = true});
  const std::vector<int> param_axes =
      absolute_axes(op_name_, options_.param_axis.value_or(std::vector<int>{-1}), x, "param_axis");
  // The last axis alone keeps the short shape (C), which older checkpoints have.
  Shape param_shape;
  if (param_axes.size() == 1 && param_axes.front() == ndim - 1) {
    param_shape.push_back(x.shape()[ndim - 1]);
  } else {
    for (int d = 0; d < ndim; ++d) {
      param_shape.push_back(std::binary_search(param_axes.begin(), param_axes.end(), d) ? x.shape()[d] : 1);
    }
  }
  Array inverse = lax::rsqrt(variance + options_.eps);
  if (create_scale_) {
    inverse =
        get_parameter("scale", param_shape, x.dtype(), options_.scale_init.value_or(initializers::ones())) * inverse;
  } else if (scale) {
    inverse = *scale * inverse;
  }
  Array out = inverse * (x - mean);
  if (create_offset_) {
    out = out + get_parameter("offset", param_shape, x.dtype(), options_.offset_init.value_or(initializers::zeros()));
  } else if (offset) {
    out = out + *offset;
  }
  return out;
}

InstanceNorm::InstanceNorm(bool create_scale, bool create_offset, InstanceNormOptions options)
    : LayerNorm("instance_norm", "InstanceNorm", {}, create_scale, create_offset,
                LayerNormOptions{.eps = options.eps,
                                 .scale_init = options.scale_init,
                                 .offset_init = options.offset_init,
                                 .param_axis = std::vector<int>{get_channel_index(options.data_format)},
                                 .name = options.name}),
      channel_index_(get_channel_index(options.data_format)) {}

Array InstanceNorm::operator()(const Array& x, const std::optional<Array>& scale, const std::optional<Array>& offset,
                               std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const int ndim = x.ndim();
    if (ndim < 2) {
      throw ShapeError("InstanceNorm",
                       fmt::format("needs inputs with a batch and a channel axis, got {}", x.type().to_string()));
    }
    // The spatial axes: all but the batch axis and the channel axis.
    std::vector<int> axes;
    for (int d = channel_index_ == 1 ? 2 : 1; d < (channel_index_ == 1 ? ndim : ndim - 1); ++d) axes.push_back(d);
    return mixed_precision::cast_output(normalize(
        mixed_precision::cast_input(x), axes, mixed_precision::cast_input(scale), mixed_precision::cast_input(offset)));
  });
}

}  // namespace jx::nn
