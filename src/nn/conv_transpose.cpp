// ConvNDTranspose and Conv1D/2D/3DTranspose (jx/nn/convolution.h), on lax::conv_transpose.
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/convolution.h"
#include "nn/conv_common.h"

namespace jx::nn {

namespace {

template <std::size_t SpatialDims>
ConvNDTransposeOptions general(BasicConvTransposeOptions<SpatialDims> options) {
  return {.stride = std::move(options.stride),
          .output_shape = std::move(options.output_shape),
          .padding = std::move(options.padding),
          .with_bias = options.with_bias,
          .w_init = std::move(options.w_init),
          .b_init = std::move(options.b_init),
          .data_format = std::move(options.data_format),
          .mask = std::move(options.mask),
          .name = std::move(options.name)};
}

std::int64_t floor_divide(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Haiku's compute_adjusted_padding: the (low, high) padding of the stride-dilated input that gives
// `output` elements from `input`, placed as "SAME" or "VALID" would place them. Only the sizes that
// padding maps to `output` are accepted as `input`.
std::pair<std::int64_t, std::int64_t> adjusted_padding(std::int64_t input, std::int64_t output, std::int64_t kernel,
                                                       std::int64_t stride, const std::string& padding,
                                                       const std::string& op) {
  const bool valid = padding == "VALID";
  const std::int64_t expected =
      valid ? floor_divide(output - kernel + stride, stride) : floor_divide(output + stride - 1, stride);
  if (input != expected) {
    throw ShapeError(op, fmt::format("output_shape {} with kernel {}, stride {} and {} padding needs {} input elements "
                                     "on that axis, got {}",
                                     output, kernel, stride, padding, expected, input));
  }
  const std::int64_t before =
      valid ? 0 : std::max<std::int64_t>(0, (input - 1) * stride + kernel - output) / 2;  // the forward conv's
  const std::int64_t low = kernel - 1 - before;
  const std::int64_t high = (output + kernel - 1) - ((input - 1) * stride + 1) - low;
  return {low, high};
}

}  // namespace

ConvNDTranspose::ConvNDTranspose(std::int64_t num_spatial_dims, std::int64_t output_channels,
                                 std::vector<std::int64_t> kernel_shape, ConvNDTransposeOptions options)
    : ConvNDTranspose("conv_nd_transpose", "ConvNDTranspose", num_spatial_dims, output_channels,
                      std::move(kernel_shape), std::move(options)) {}

ConvNDTranspose::ConvNDTranspose(std::string_view kind, std::string op_name, std::int64_t num_spatial_dims,
                                 std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
                                 ConvNDTransposeOptions options)
    : Module(kind, options.name),
      op_name_(std::move(op_name)),
      num_spatial_dims_(num_spatial_dims),
      output_channels_(output_channels),
      options_(std::move(options)) {
  conv_detail::check_counts(num_spatial_dims_, output_channels_, op_name_, "output_channels");
  kernel_shape_ = conv_detail::per_axis(kernel_shape, num_spatial_dims_, op_name_, "kernel_shape");
  options_.stride = conv_detail::per_axis(options_.stride, num_spatial_dims_, op_name_, "stride");
  options_.padding = conv_detail::normalized_padding(options_.padding, num_spatial_dims_, op_name_);
  channels_last_ = conv_detail::channels_last(options_.data_format, num_spatial_dims_, op_name_);
  if (options_.output_shape) {
    options_.output_shape = conv_detail::per_axis(*options_.output_shape, num_spatial_dims_, op_name_, "output_shape");
    const bool named = options_.padding.is_named();
    if (!named || (options_.padding.type() != "SAME" && options_.padding.type() != "VALID")) {
      throw ValueError(op_name_, fmt::format("with an output_shape, padding must be \"SAME\" or \"VALID\", got {}",
                                             named ? "\"" + options_.padding.type() + "\"" : "explicit pairs"));
    }
  }
}

Array ConvNDTranspose::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const std::int64_t in_channels =
        conv_detail::input_channels(x, num_spatial_dims_, channels_last_, options_.data_format, op_name_);
    const Shape w_shape = conv_detail::weight_shape(kernel_shape_, output_channels_, in_channels);
    const Initializer w_init =
        options_.w_init.value_or(conv_detail::default_weight_init(conv_detail::product(kernel_shape_) * in_channels));
    const Array w = conv_detail::masked(get_parameter("w", w_shape, x.dtype(), w_init), options_.mask, op_name_);
    lax::Padding padding = options_.padding;
    if (options_.output_shape) {
      lax::Padding::Pairs pairs;
      const int first_spatial = channels_last_ ? 1 : 2;
      for (std::size_t d = 0; d < kernel_shape_.size(); ++d) {
        pairs.push_back(adjusted_padding(x.shape()[first_spatial + static_cast<int>(d)], (*options_.output_shape)[d],
                                         kernel_shape_[d], options_.stride[d], options_.padding.type(), op_name_));
      }
      padding = lax::Padding(std::move(pairs));
    }
    Array out = lax::conv_transpose(
        x, w, options_.stride, padding,
        {.dimension_numbers = conv_detail::dimension_numbers(num_spatial_dims_, channels_last_, true)});
    if (options_.with_bias)
      out = conv_detail::add_bias(out, output_channels_, x.dtype(), options_.b_init, channels_last_, num_spatial_dims_);
    return out;
  });
}

Conv1DTranspose::Conv1DTranspose(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
                                 Conv1DTransposeOptions options)
    : ConvNDTranspose("conv1_d_transpose", "Conv1DTranspose", 1, output_channels, std::move(kernel_shape),
                      general(std::move(options))) {}

Conv2DTranspose::Conv2DTranspose(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
                                 Conv2DTransposeOptions options)
    : ConvNDTranspose("conv2_d_transpose", "Conv2DTranspose", 2, output_channels, std::move(kernel_shape),
                      general(std::move(options))) {}

Conv3DTranspose::Conv3DTranspose(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
                                 Conv3DTransposeOptions options)
    : ConvNDTranspose("conv3_d_transpose", "Conv3DTranspose", 3, output_channels, std::move(kernel_shape),
                      general(std::move(options))) {}

}  // namespace jx::nn
