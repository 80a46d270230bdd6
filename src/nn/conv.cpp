// ConvND and Conv1D/2D/3D (jx/nn/convolution.h), on lax::conv_general_dilated.
#include <fmt/format.h>

#include <utility>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/convolution.h"
#include "jx/nn/mixed_precision.h"
#include "nn/conv_common.h"

namespace jx::nn {

namespace {

template <std::size_t SpatialDims>
ConvNDOptions general(BasicConvOptions<SpatialDims> options) {
  return {.stride = std::move(options.stride),
          .rate = std::move(options.rate),
          .padding = std::move(options.padding),
          .with_bias = options.with_bias,
          .w_init = std::move(options.w_init),
          .b_init = std::move(options.b_init),
          .data_format = std::move(options.data_format),
          .mask = std::move(options.mask),
          .feature_group_count = options.feature_group_count,
          .name = std::move(options.name)};
}

}  // namespace

ConvND::ConvND(std::int64_t num_spatial_dims, std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
               ConvNDOptions options)
    : ConvND("conv_nd", "ConvND", num_spatial_dims, output_channels, std::move(kernel_shape), std::move(options)) {}

ConvND::ConvND(std::string_view kind, std::string op_name, std::int64_t num_spatial_dims, std::int64_t output_channels,
               std::vector<std::int64_t> kernel_shape, ConvNDOptions options)
    : Module(kind, options.name),
      op_name_(std::move(op_name)),
      num_spatial_dims_(num_spatial_dims),
      output_channels_(output_channels),
      options_(std::move(options)) {
  conv_detail::check_counts(num_spatial_dims_, output_channels_, op_name_, "output_channels");
  kernel_shape_ = conv_detail::per_axis(kernel_shape, num_spatial_dims_, op_name_, "kernel_shape");
  options_.stride = conv_detail::per_axis(options_.stride, num_spatial_dims_, op_name_, "stride");
  options_.rate = conv_detail::per_axis(options_.rate, num_spatial_dims_, op_name_, "rate");
  options_.padding = conv_detail::normalized_padding(options_.padding, num_spatial_dims_, op_name_);
  channels_last_ = conv_detail::channels_last(options_.data_format, num_spatial_dims_, op_name_);
  const std::int64_t groups = options_.feature_group_count;
  if (groups <= 0 || output_channels_ % groups != 0) {
    throw ValueError(op_name_, fmt::format("feature_group_count {} must be positive and divide the output channels {}",
                                           groups, output_channels_));
  }
}

Array ConvND::operator()(const Array& input, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const Array x = mixed_precision::cast_input(input);
    const std::int64_t in_channels =
        conv_detail::input_channels(x, num_spatial_dims_, channels_last_, options_.data_format, op_name_);
    const std::int64_t groups = options_.feature_group_count;
    if (in_channels % groups != 0) {
      throw ShapeError(op_name_, fmt::format("feature_group_count {} must divide the input channels {} (input {})",
                                             groups, in_channels, x.type().to_string()));
    }
    const Shape w_shape = conv_detail::weight_shape(kernel_shape_, in_channels / groups, output_channels_);
    const Initializer w_init = options_.w_init.value_or(
        conv_detail::default_weight_init(conv_detail::product(kernel_shape_) * (in_channels / groups)));
    const Array w = conv_detail::masked(get_parameter("w", w_shape, x.dtype(), w_init), options_.mask, op_name_);
    Array out = lax::conv_general_dilated(
        x, w, options_.stride, options_.padding,
        {.rhs_dilation = options_.rate,
         .dimension_numbers = conv_detail::dimension_numbers(num_spatial_dims_, channels_last_, false),
         .feature_group_count = groups});
    if (options_.with_bias)
      out = conv_detail::add_bias(out, output_channels_, x.dtype(), options_.b_init, channels_last_, num_spatial_dims_);
    return mixed_precision::cast_output(out);
  });
}

Conv1D::Conv1D(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, Conv1DOptions options)
    : ConvND("conv1_d", "Conv1D", 1, output_channels, std::move(kernel_shape), general(std::move(options))) {}

Conv2D::Conv2D(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, Conv2DOptions options)
    : ConvND("conv2_d", "Conv2D", 2, output_channels, std::move(kernel_shape), general(std::move(options))) {}

Conv3D::Conv3D(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, Conv3DOptions options)
    : ConvND("conv3_d", "Conv3D", 3, output_channels, std::move(kernel_shape), general(std::move(options))) {}

}  // namespace jx::nn
