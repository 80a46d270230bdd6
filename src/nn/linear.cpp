// Linear, MLP and Sequential (jx/nn/modules.h).
#include <fmt/format.h>

#include <cmath>

#include "jx/core/error.h"
#include "jx/nn.h"
#include "jx/nn/mixed_precision.h"
#include "jx/nn/modules.h"
#include "jx/numpy.h"

namespace jx::nn {

namespace jnp = jx::numpy;

Linear::Linear(std::int64_t output_size, LinearOptions options)
    : Module("linear", options.name), output_size_(output_size), options_(std::move(options)) {
  if (output_size <= 0) throw ValueError("Linear", fmt::format("output_size must be positive, got {}", output_size));
}

Array Linear::operator()(const Array& input, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const Array x = mixed_precision::cast_input(input);
    if (x.ndim() == 0) throw ShapeError("Linear", "needs inputs with at least one axis (the features), got a scalar");
    const std::int64_t input_size = x.shape()[x.ndim() - 1];
    const Initializer w_init = options_.w_init.value_or(
        initializers::truncated_normal(1.0 / std::sqrt(static_cast<double>(std::max<std::int64_t>(input_size, 1)))));
    const Array w = get_parameter("w", Shape{input_size, output_size_}, x.dtype(), w_init);
    Array out = jnp::matmul(x, w);
    if (options_.with_bias) {
      const Array b =
          get_parameter("b", Shape{output_size_}, x.dtype(), options_.b_init.value_or(initializers::zeros()));
      out = out + b;
    }
    return mixed_precision::cast_output(out);
  });
}

MLP::MLP(std::vector<std::int64_t> output_sizes, MLPOptions options)
    : Module("mlp", options.name), output_sizes_(std::move(output_sizes)), options_(std::move(options)) {
  if (output_sizes_.empty()) throw ValueError("MLP", "needs at least one layer size");
}

Array MLP::operator()(const Array& x, std::optional<float> dropout_rate, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    Array out = mixed_precision::cast_input(x);
    const std::size_t layers = output_sizes_.size();
    for (std::size_t i = 0; i < layers; ++i) {
      out = Linear(output_sizes_[i], {.with_bias = options_.with_bias,
                                      .w_init = options_.w_init,
                                      .b_init = options_.b_init,
                                      .name = fmt::format("linear_{}", i)})(out);
      if (i + 1 < layers || options_.activate_final) {
        if (dropout_rate) out = dropout(next_rng_key(), *dropout_rate, out);
        out = options_.activation ? options_.activation(out) : relu(out);
      }
    }
    return mixed_precision::cast_output(out);
  });
}

Sequential::Sequential(std::vector<std::function<Array(const Array&)>> layers, const std::optional<std::string>& name)
    : Module("sequential", name), layers_(std::move(layers)) {}

Array Sequential::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    Array out = mixed_precision::cast_input(x);
    for (const auto& layer : layers_) out = layer(out);
    return mixed_precision::cast_output(out);
  });
}

}  // namespace jx::nn
