// ExponentialMovingAverage, BatchNorm and LayerNorm, with Haiku's semantics (jx/nn/modules.h).
#include <fmt/format.h>

#include <algorithm>

#include "jx/core/error.h"
#include "jx/lax.h"
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

Array BatchNorm::operator()(const Array& x, bool is_training, bool test_local_stats, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
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
    return out;
  });
}

LayerNorm::LayerNorm(std::vector<int> axis, bool create_scale, bool create_offset, LayerNormOptions options)
    : Module("layer_norm", options.name),
      axis_(std::move(axis)),
      create_scale_(create_scale),
      create_offset_(create_offset),
      options_(std::move(options)) {}

Array LayerNorm::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const int ndim = x.ndim();
    std::vector<int> axes;
    for (int a : axis_) {
      const int d = a < 0 ? a + ndim : a;
      if (d < 0 || d >= ndim)
        throw ShapeError("LayerNorm", fmt::format("axis {} is out of range for {}", a, x.type().to_string()));
      axes.push_back(d);
    }
    std::sort(axes.begin(), axes.end());
    const Axes reduce_axes{std::span<const int>(axes)};
    const Array mean = jnp::mean(x, {.axis = reduce_axes, .keepdims = true});
    const Array variance = jnp::var(x, {.axis = reduce_axes, .keepdims = true});
    // Parameters have the normalized axes' shape, broadcast against the trailing axes of x.
    Shape param_shape;
    for (int d = axes.front(); d < ndim; ++d) {
      param_shape.push_back(std::find(axes.begin(), axes.end(), d) != axes.end() ? x.shape()[d] : 1);
    }
    Array inverse = lax::rsqrt(variance + options_.eps);
    if (create_scale_) {
      inverse =
          inverse * get_parameter("scale", param_shape, x.dtype(), options_.scale_init.value_or(initializers::ones()));
    }
    Array out = (x - mean) * inverse;
    if (create_offset_) {
      out = out + get_parameter("offset", param_shape, x.dtype(), options_.offset_init.value_or(initializers::zeros()));
    }
    return out;
  });
}

}  // namespace jx::nn
