#include "jx/nn/initializers.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
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
Initializer lecun_uniform() { return variance_scaling(1.0, FanMode::fan_in, Distribution::uniform); }
Initializer kaiming_normal() { return he_normal(); }
Initializer kaiming_uniform() { return he_uniform(); }
Initializer xavier_normal() { return glorot_normal(); }
Initializer xavier_uniform() { return glorot_uniform(); }

Initializer normal(double stddev) { return random_normal(stddev, 0.0); }
Initializer uniform(double scale) { return random_uniform(0.0, scale); }

Initializer uniform_scaling(double scale) {
  return [scale](const Key& key, const Shape& shape, DType dtype) {
    double input_size = 1;
    for (int d = 0; d + 1 < shape.ndim(); ++d) input_size *= static_cast<double>(shape[d]);
    // An empty shape draws nothing, whatever the bound; this keeps it finite.
    const double limit = scale * std::sqrt(3.0 / std::max(input_size, 1.0));
    return random::uniform(key, shape, dtype, Array(-limit), Array(limit));
  };
}

Initializer identity(double gain) {
  return [gain](const Key&, const Shape& shape, DType dtype) {
    const int n = shape.ndim();
    if (n < 2) {
      throw ShapeError("identity", fmt::format("needs a shape of at least 2 dimensions, got {}", shape.to_string()));
    }
    const Array eye = jnp::eye(shape[n - 2], shape[n - 1], 0, dtype);
    return jnp::multiply(lax::convert_element_type(Array(gain), dtype), jnp::broadcast_to(eye, shape));
  };
}

Initializer orthogonal(double scale, int column_axis) {
  return [scale, column_axis](const Key& key, const Shape& shape, DType dtype) {
    if (shape.ndim() < 2) {
      throw ShapeError("orthogonal", fmt::format("needs a shape of at least 2 dimensions, got {}", shape.to_string()));
    }
    const int axis = column_axis < 0 ? column_axis + shape.ndim() : column_axis;
    if (axis < 0 || axis >= shape.ndim()) {
      throw ShapeError("orthogonal",
                       fmt::format("column_axis {} is out of range for {}", column_axis, shape.to_string()));
    }
    const std::int64_t cols = shape[axis], rows = shape.num_elements() / std::max<std::int64_t>(cols, 1);
    // The QR factor of a normal matrix with R's diagonal made positive is Haar-distributed.
    const bool wide = rows < cols;
    const Array a = random::normal(key, wide ? Shape{cols, rows} : Shape{rows, cols}, dtype);
    const auto [q, r] = numpy::linalg::qr(a);
    Array matrix = numpy::multiply(q, numpy::expand_dims(numpy::sign(numpy::diagonal(r)), 0));
    if (wide) matrix = numpy::swapaxes(matrix, 0, 1);
    Shape moved;
    for (int d = 0; d < shape.ndim(); ++d) {
      if (d != axis) moved.push_back(shape[d]);
    }
    moved.push_back(cols);
    return numpy::multiply(numpy::moveaxis(numpy::reshape(matrix, moved), -1, axis), Array(scale));
  };
}

Initializer delta_orthogonal(double scale, int column_axis) {
  return [scale, column_axis](const Key& key, const Shape& shape, DType dtype) {
    const int n = shape.ndim();
    if (n < 3 || n > 5) {
      throw ShapeError("delta_orthogonal",
                       fmt::format("needs a 3-, 4- or 5-dimensional shape, got {}", shape.to_string()));
    }
    if (shape[n - 1] < shape[n - 2]) {
      throw ShapeError("delta_orthogonal", fmt::format("fan_in must be at most fan_out, got {} (in {}, out {})",
                                                       shape.to_string(), shape[n - 2], shape[n - 1]));
    }
    const Array matrix = orthogonal(scale, column_axis)(key, Shape{shape[n - 2], shape[n - 1]}, dtype);
    Shape centre_shape;
    for (int d = 0; d < n - 2; ++d) centre_shape.push_back(1);
    centre_shape.push_back(shape[n - 2]);
    centre_shape.push_back(shape[n - 1]);
    std::vector<Array> start;
    for (int d = 0; d < n; ++d)
      start.push_back(jnp::array(static_cast<std::int32_t>(d < n - 2 ? (shape[d] - 1) / 2 : 0)));
    return lax::dynamic_update_slice(jnp::zeros(shape, dtype), jnp::reshape(matrix, centre_shape), start);
  };
}

}  // namespace jx::nn::initializers
