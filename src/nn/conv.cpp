// Conv2D (jx/nn/modules.h), on lax::conv_general_dilated.
#include <fmt/format.h>

#include <cmath>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/modules.h"

namespace jx::nn {

Conv2D::Conv2D(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, Conv2DOptions options)
    : Module("conv2_d", options.name),
      output_channels_(output_channels),
      kernel_shape_(std::move(kernel_shape)),
      options_(std::move(options)) {
  if (output_channels <= 0 || kernel_shape_.size() != 2) {
    throw ValueError("Conv2D", fmt::format("needs a positive number of output channels and a 2-d kernel shape, got {} "
                                           "and {} dimensions",
                                           output_channels, kernel_shape_.size()));
  }
  if (options_.data_format != "NHWC" && options_.data_format != "NCHW") {
    throw ValueError("Conv2D", "data_format must be \"NHWC\" or \"NCHW\", got \"" + options_.data_format + "\"");
  }
}

Array Conv2D::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const bool channels_last = options_.data_format == "NHWC";
    if (x.ndim() != 4)
      throw ShapeError("Conv2D",
                       fmt::format("needs 4-d inputs ({}), got {}", options_.data_format, x.type().to_string()));
    const std::int64_t in_channels = x.shape()[channels_last ? 3 : 1];
    const std::int64_t groups = options_.feature_group_count;
    if (groups <= 0 || in_channels % groups != 0 || output_channels_ % groups != 0) {
      throw ShapeError("Conv2D", fmt::format("feature_group_count {} must divide the input channels {} and the output "
                                             "channels {}",
                                             groups, in_channels, output_channels_));
    }
    const Shape w_shape{kernel_shape_[0], kernel_shape_[1], in_channels / groups, output_channels_};
    const double fan_in = static_cast<double>(kernel_shape_[0] * kernel_shape_[1] * (in_channels / groups));
    const Array w = get_parameter("w", w_shape, x.dtype(),
                                  options_.w_init.value_or(initializers::truncated_normal(1.0 / std::sqrt(fan_in))));
    const lax::ConvDimensionNumbers numbers = channels_last ? lax::ConvDimensionNumbers("NHWC", "HWIO", "NHWC")
                                                            : lax::ConvDimensionNumbers("NCHW", "HWIO", "NCHW");
    Array out = lax::conv_general_dilated(
        x, w, options_.stride, options_.padding,
        {.rhs_dilation = options_.rate, .dimension_numbers = numbers, .feature_group_count = groups});
    if (options_.with_bias) {
      const Array b =
          get_parameter("b", Shape{output_channels_}, x.dtype(), options_.b_init.value_or(initializers::zeros()));
      out = out + (channels_last ? b : b.reshape({output_channels_, 1, 1}));
    }
    return out;
  });
}

}  // namespace jx::nn
