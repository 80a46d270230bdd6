// RMSNorm (jx/nn/normalization.h), with Haiku's semantics.
#include <fmt/format.h>

#include <algorithm>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/normalization.h"
#include "jx/numpy.h"

namespace jx::nn {

namespace jnp = jx::numpy;

namespace {

std::vector<int> absolute_axes(const std::vector<int>& axes, const Array& x, const char* what) {
  const int ndim = x.ndim();
  std::vector<int> result;
  for (int a : axes) {
    const int d = a < 0 ? a + ndim : a;
    if (d < 0 || d >= ndim)
      throw ShapeError("RMSNorm", fmt::format("{} {} is out of range for {}", what, a, x.type().to_string()));
    result.push_back(d);
  }
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

}  // namespace

RMSNorm::RMSNorm(std::vector<int> axis, RMSNormOptions options)
    : Module("rms_norm", options.name), axis_(std::move(axis)), options_(std::move(options)) {
  if (!options_.create_scale && options_.scale_init)
    throw ValueError("RMSNorm", "cannot take a scale_init without create_scale");
  if (!options_.create_offset && options_.offset_init)
    throw ValueError("RMSNorm", "cannot take an offset_init without create_offset");
}

Array RMSNorm::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const int ndim = x.ndim();
    const std::vector<int> axes = absolute_axes(axis_, x, "axis");
    const std::vector<int> param_axes =
        absolute_axes(options_.param_axis.value_or(std::vector<int>{-1}), x, "param_axis");
    // The last axis alone keeps the short shape (C), as Haiku stores it for older checkpoints.
    Shape param_shape;
    if (param_axes.size() == 1 && param_axes.front() == ndim - 1) {
      param_shape.push_back(x.shape()[ndim - 1]);
    } else {
      for (int d = 0; d < ndim; ++d) {
        param_shape.push_back(std::binary_search(param_axes.begin(), param_axes.end(), d) ? x.shape()[d] : 1);
      }
    }
    const Axes reduce_axes{std::span<const int>(axes)};
    const Array mean_squared = jnp::mean(jnp::square(x), {.axis = reduce_axes, .keepdims = true});
    Array out = x;
    if (options_.create_scale) {
      out = out * get_parameter("scale", param_shape, x.dtype(), options_.scale_init.value_or(initializers::ones()));
    }
    out = out * lax::rsqrt(mean_squared + options_.eps);
    if (options_.create_offset) {
      out = out + get_parameter("offset", param_shape, x.dtype(), options_.offset_init.value_or(initializers::zeros()));
    }
    return out;
  });
}

}  // namespace jx::nn
