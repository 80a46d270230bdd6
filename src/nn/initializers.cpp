#include "jx/nn/initializers.h"

#include <cmath>

#include "jx/numpy.h"

namespace jx::nn::initializers {
namespace {

namespace jnp = jx::numpy;

// The standard deviation of a standard normal truncated to [-2, 2].
constexpr double kTruncatedStddev = 0.87962566103423978;

std::pair<double, double> fans(const Shape& shape) {
  const int n = shape.ndim();
  if (n < 1) return {1.0, 1.0};
  if (n == 1) return {static_cast<double>(shape[0]), static_cast<double>(shape[0])};
  double receptive = 1;
  for (int d = 0; d < n - 2; ++d) receptive *= static_cast<double>(shape[d]);
  return {static_cast<double>(shape[n - 2]) * receptive, static_cast<double>(shape[n - 1]) * receptive};
}

}  // namespace

Initializer zeros() {
  return [](const Key&, const Shape& shape, DType dtype) { return jnp::zeros(shape, dtype); };
}

Initializer ones() {
  return [](const Key&, const Shape& shape, DType dtype) { return jnp::ones(shape, dtype); };
}

Initializer constant(double value) {
  return [value](const Key&, const Shape& shape, DType dtype) { return jnp::full(shape, Array(value), dtype); };
}

Initializer truncated_normal(double stddev, double mean) {
  return [stddev, mean](const Key& key, const Shape& shape, DType dtype) {
    const Array unit = random::truncated_normal(key, -2.0, 2.0, shape, dtype);
    return unit * Array(stddev) + Array(mean);
  };
}

Initializer random_normal(double stddev, double mean) {
  return [stddev, mean](const Key& key, const Shape& shape, DType dtype) {
    return random::normal(key, shape, dtype) * Array(stddev) + Array(mean);
  };
}

Initializer random_uniform(double minval, double maxval) {
  return [minval, maxval](const Key& key, const Shape& shape, DType dtype) {
    return random::uniform(key, shape, dtype, Array(minval), Array(maxval));
  };
}

Initializer variance_scaling(double scale, FanMode mode, Distribution distribution) {
  return [scale, mode, distribution](const Key& key, const Shape& shape, DType dtype) {
    const auto [fan_in, fan_out] = fans(shape);
    const double fan = mode == FanMode::fan_in ? fan_in : mode == FanMode::fan_out ? fan_out : (fan_in + fan_out) / 2;
    const double variance = scale / std::max(1.0, fan);
    switch (distribution) {
      case Distribution::truncated_normal:
        return random::truncated_normal(key, -2.0, 2.0, shape, dtype) * Array(std::sqrt(variance) / kTruncatedStddev);
      case Distribution::normal:
        return random::normal(key, shape, dtype) * Array(std::sqrt(variance));
      case Distribution::uniform:
        break;
    }
    const double limit = std::sqrt(3.0 * variance);
    return random::uniform(key, shape, dtype, Array(-limit), Array(limit));
  };
}

Initializer lecun_normal() { return variance_scaling(1.0, FanMode::fan_in, Distribution::truncated_normal); }
Initializer glorot_uniform() { return variance_scaling(1.0, FanMode::fan_avg, Distribution::uniform); }
Initializer glorot_normal() { return variance_scaling(1.0, FanMode::fan_avg, Distribution::truncated_normal); }
Initializer he_normal() { return variance_scaling(2.0, FanMode::fan_in, Distribution::truncated_normal); }
Initializer he_uniform() { return variance_scaling(2.0, FanMode::fan_in, Distribution::uniform); }

}  // namespace jx::nn::initializers
