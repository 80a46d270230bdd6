// DepthwiseConv1D/2D/3D and SeparableDepthwiseConv2D (jx/nn/convolution.h): grouped convolutions with
// one group per input channel.
#include <fmt/format.h>

#include <utility>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/convolution.h"
#include "nn/conv_common.h"

namespace jx::nn {

namespace {

template <std::size_t SpatialDims>
BasicDepthwiseConvOptions<0> general(BasicDepthwiseConvOptions<SpatialDims> options) {
  return {.stride = std::move(options.stride),
          .rate = std::move(options.rate),
          .padding = std::move(options.padding),
          .with_bias = options.with_bias,
          .w_init = std::move(options.w_init),
          .b_init = std::move(options.b_init),
          .data_format = std::move(options.data_format),
          .name = std::move(options.name)};
}

}  // namespace

DepthwiseConvND::DepthwiseConvND(std::string_view kind, std::string op_name, std::int64_t num_spatial_dims,
                                 std::int64_t channel_multiplier, std::vector<std::int64_t> kernel_shape,
                                 BasicDepthwiseConvOptions<0> options)
    : Module(kind, options.name),
      op_name_(std::move(op_name)),
      num_spatial_dims_(num_spatial_dims),
      channel_multiplier_(channel_multiplier),
      options_(std::move(options)) {
  conv_detail::check_counts(num_spatial_dims_, channel_multiplier_, op_name_, "channel_multiplier");
  kernel_shape_ = conv_detail::per_axis(kernel_shape, num_spatial_dims_, op_name_, "kernel_shape");
  options_.stride = conv_detail::per_axis(options_.stride, num_spatial_dims_, op_name_, "stride");
  options_.rate = conv_detail::per_axis(options_.rate, num_spatial_dims_, op_name_, "rate");
  options_.padding = conv_detail::normalized_padding(options_.padding, num_spatial_dims_, op_name_);
  channels_last_ = conv_detail::channels_last(options_.data_format, num_spatial_dims_, op_name_);
}

Array DepthwiseConvND::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const std::int64_t channels =
        conv_detail::input_channels(x, num_spatial_dims_, channels_last_, options_.data_format, op_name_);
    if (channels == 0) throw ShapeError(op_name_, fmt::format("needs input channels, got {}", x.type().to_string()));
    const std::int64_t outputs = channels * channel_multiplier_;
    const Shape w_shape = conv_detail::weight_shape(kernel_shape_, 1, outputs);
    const Initializer w_init =
        options_.w_init.value_or(conv_detail::default_weight_init(conv_detail::product(kernel_shape_)));
    const Array w = get_parameter("w", w_shape, x.dtype(), w_init);
    Array out = lax::conv_general_dilated(
        x, w, options_.stride, options_.padding,
        {.rhs_dilation = options_.rate,
         .dimension_numbers = conv_detail::dimension_numbers(num_spatial_dims_, channels_last_, false),
         .feature_group_count = channels});
    if (options_.with_bias)
      out = conv_detail::add_bias(out, outputs, x.dtype(), options_.b_init, channels_last_, num_spatial_dims_);
    return out;
  });
}

DepthwiseConv1D::DepthwiseConv1D(std::int64_t channel_multiplier, std::vector<std::int64_t> kernel_shape,
                                 DepthwiseConv1DOptions options)
    : DepthwiseConvND("depthwise_conv1_d", "DepthwiseConv1D", 1, channel_multiplier, std::move(kernel_shape),
                      general(std::move(options))) {}

DepthwiseConv2D::DepthwiseConv2D(std::int64_t channel_multiplier, std::vector<std::int64_t> kernel_shape,
                                 DepthwiseConv2DOptions options)
    : DepthwiseConvND("depthwise_conv2_d", "DepthwiseConv2D", 2, channel_multiplier, std::move(kernel_shape),
                      general(std::move(options))) {}

DepthwiseConv3D::DepthwiseConv3D(std::int64_t channel_multiplier, std::vector<std::int64_t> kernel_shape,
                                 DepthwiseConv3DOptions options)
    : DepthwiseConvND("depthwise_conv3_d", "DepthwiseConv3D", 3, channel_multiplier, std::move(kernel_shape),
                      general(std::move(options))) {}

SeparableDepthwiseConv2D::SeparableDepthwiseConv2D(std::int64_t channel_multiplier,
                                                   std::vector<std::int64_t> kernel_shape,
                                                   SeparableDepthwiseConv2DOptions options)
    : Module("separable_depthwise_conv2_d", options.name),
      channel_multiplier_(channel_multiplier),
      options_(std::move(options)) {
  const std::string op = "SeparableDepthwiseConv2D";
  conv_detail::check_counts(2, channel_multiplier_, op, "channel_multiplier");
  kernel_shape_ = conv_detail::per_axis(kernel_shape, 2, op, "kernel_shape");
  options_.stride = conv_detail::per_axis(options_.stride, 2, op, "stride");
  options_.padding = conv_detail::normalized_padding(options_.padding, 2, op);
  (void)conv_detail::channels_last(options_.data_format, 2, op);
}

Array SeparableDepthwiseConv2D::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    // Made here, inside this module's scope, so that their parameters live under its name (Haiku makes
    // them in its constructor, where its name scope is already open).
    const DepthwiseConv2D vertical(channel_multiplier_, {kernel_shape_[0], 1},
                                   {.stride = options_.stride,
                                    .padding = options_.padding,
                                    .with_bias = false,
                                    .w_init = options_.w_init,
                                    .b_init = options_.b_init,
                                    .data_format = options_.data_format});
    const DepthwiseConv2D horizontal(1, {1, kernel_shape_[1]},
                                     {.stride = {1, 1},
                                      .padding = options_.padding,
                                      .with_bias = options_.with_bias,
                                      .w_init = options_.w_init,
                                      .b_init = options_.b_init,
                                      .data_format = options_.data_format});
    return horizontal(vertical(x));
  });
}

}  // namespace jx::nn
