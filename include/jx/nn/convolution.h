// jx/nn/convolution.h — Haiku's convolution modules: ConvND with Conv1D, Conv2D and Conv3D; the
// transposed convolutions ConvNDTranspose, Conv1DTranspose, Conv2DTranspose and Conv3DTranspose; the
// depthwise DepthwiseConv1D, DepthwiseConv2D, DepthwiseConv3D and SeparableDepthwiseConv2D.
//
//   auto h = jx::nn::Conv2D(32, 3, {.stride = {2}})(images);             // NHWC; conv2_d/w [3, 3, C, 32], conv2_d/b
//   auto up = jx::nn::Conv2DTranspose(16, 4, {.stride = {2}})(h);        // doubles H and W ("SAME")
//   auto d = jx::nn::DepthwiseConv1D(2, 5, {.data_format = "NCW"})(s);  // 2 filters per channel, w [5, 1, 2C]
//
// As in Haiku, kernel shapes, strides, rates and output shapes take one value per spatial axis or one
// value for all of them; data_format is channels last by default ("NWC", "NHWC", "NDHWC", or
// "channels_last"/"N...C" for the N-d modules), "NCW", "NCHW", "NCDHW" (or "channels_first"/"NC...")
// for channels first, and the weights keep their layout (spatial axes, then in, then out) in both.
// Two differences from Haiku: inputs must be batched (rank num_spatial_dims + 2), and a bias is
// [output_channels] in both layouts (Haiku shapes a channels-first bias [C, 1, ..., 1]).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "jx/core/array.h"
#include "jx/lax.h"
#include "jx/nn/initializers.h"
#include "jx/nn/transform.h"

namespace jx::nn {

namespace detail {
// A module's default layout: channels last, spelled for its number of spatial axes (0 for the N-d ones).
constexpr const char* channels_last_format(std::size_t spatial_dims) {
  return spatial_dims == 1 ? "NWC" : spatial_dims == 2 ? "NHWC" : spatial_dims == 3 ? "NDHWC" : "channels_last";
}
constexpr std::size_t default_length(std::size_t spatial_dims) { return spatial_dims == 0 ? 1 : spatial_dims; }
}  // namespace detail

// --- Convolutions (src/nn/conv.cpp) ----------------------------------------------------------------

// The options of ConvND (SpatialDims 0) and Conv1D/2D/3D, in Haiku's order.
template <std::size_t SpatialDims>
struct BasicConvOptions {
  std::vector<std::int64_t> stride = std::vector<std::int64_t>(detail::default_length(SpatialDims), 1);
  std::vector<std::int64_t> rate = std::vector<std::int64_t>(detail::default_length(SpatialDims), 1);  // dilation
  lax::Padding padding = "SAME";  // "SAME", "VALID" or one (low, high) pair per spatial axis
  bool with_bias = true;
  std::optional<Initializer> w_init = std::nullopt;  // default: truncated normal, stddev 1/sqrt(fan_in)
  std::optional<Initializer> b_init = std::nullopt;  // default: zeros
  std::string data_format = detail::channels_last_format(SpatialDims);
  std::optional<Array> mask = std::nullopt;  // multiplied into w (of w's shape), e.g. for causal kernels
  std::int64_t feature_group_count = 1;      // must divide the input and the output channels
  std::optional<std::string> name = std::nullopt;
};
using ConvNDOptions = BasicConvOptions<0>;
using Conv1DOptions = BasicConvOptions<1>;
using Conv2DOptions = BasicConvOptions<2>;
using Conv3DOptions = BasicConvOptions<3>;

// An N-d convolution (hk.ConvND): w [kernel..., input_channels / feature_group_count, output_channels],
// b [output_channels].
class ConvND : public Module {
 public:
  ConvND(std::int64_t num_spatial_dims, std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
         ConvNDOptions options = {});
  ConvND(std::int64_t num_spatial_dims, std::int64_t output_channels, std::int64_t kernel_size,
         ConvNDOptions options = {})
      : ConvND(num_spatial_dims, output_channels, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 protected:
  // For the fixed-rank modules: their module name ("conv2_d") and the name their errors give ("Conv2D").
  ConvND(std::string_view kind, std::string op_name, std::int64_t num_spatial_dims, std::int64_t output_channels,
         std::vector<std::int64_t> kernel_shape, ConvNDOptions options);

 private:
  std::string op_name_;
  std::int64_t num_spatial_dims_, output_channels_;
  std::vector<std::int64_t> kernel_shape_;
  ConvNDOptions options_;  // stride and rate one per axis, named padding in capitals
  bool channels_last_;
};

class Conv1D : public ConvND {
 public:
  Conv1D(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, Conv1DOptions options = {});
  Conv1D(std::int64_t output_channels, std::int64_t kernel_size, Conv1DOptions options = {})
      : Conv1D(output_channels, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
};

// w [kh, kw, in / groups, output_channels] (HWIO) in both layouts.
class Conv2D : public ConvND {
 public:
  Conv2D(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, Conv2DOptions options = {});
  Conv2D(std::int64_t output_channels, std::int64_t kernel_size, Conv2DOptions options = {})
      : Conv2D(output_channels, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
};

class Conv3D : public ConvND {
 public:
  Conv3D(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, Conv3DOptions options = {});
  Conv3D(std::int64_t output_channels, std::int64_t kernel_size, Conv3DOptions options = {})
      : Conv3D(output_channels, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
};

// --- Transposed convolutions (src/nn/conv_transpose.cpp) -------------------------------------------

// The options of ConvNDTranspose (SpatialDims 0) and Conv1D/2D/3DTranspose, in Haiku's order.
template <std::size_t SpatialDims>
struct BasicConvTransposeOptions {
  std::vector<std::int64_t> stride = std::vector<std::int64_t>(detail::default_length(SpatialDims), 1);
  // The output's spatial sizes (one per axis, or one for all); then padding must be "SAME" or "VALID"
  // and the input's sizes those that padding gives from these.
  std::optional<std::vector<std::int64_t>> output_shape = std::nullopt;
  // "SAME": in * stride outputs; "VALID": (in - 1) * stride + max(kernel, stride); (low, high) pairs
  // pad the stride-dilated input, as lax::conv_transpose reads them.
  lax::Padding padding = "SAME";
  bool with_bias = true;
  std::optional<Initializer> w_init = std::nullopt;  // default: truncated normal, stddev 1/sqrt(kernel * in)
  std::optional<Initializer> b_init = std::nullopt;  // default: zeros
  std::string data_format = detail::channels_last_format(SpatialDims);
  std::optional<Array> mask = std::nullopt;  // multiplied into w (of w's shape)
  std::optional<std::string> name = std::nullopt;
};
using ConvNDTransposeOptions = BasicConvTransposeOptions<0>;
using Conv1DTransposeOptions = BasicConvTransposeOptions<1>;
using Conv2DTransposeOptions = BasicConvTransposeOptions<2>;
using Conv3DTransposeOptions = BasicConvTransposeOptions<3>;

// An N-d transposed convolution (hk.ConvNDTranspose): lax::conv_transpose of the input with
// w [kernel..., output_channels, input_channels], the kernel not flipped (so it is TensorFlow's
// conv_transpose of the spatially reversed kernel, the gradient of a forward convolution), b [output_channels].
class ConvNDTranspose : public Module {
 public:
  ConvNDTranspose(std::int64_t num_spatial_dims, std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
                  ConvNDTransposeOptions options = {});
  ConvNDTranspose(std::int64_t num_spatial_dims, std::int64_t output_channels, std::int64_t kernel_size,
                  ConvNDTransposeOptions options = {})
      : ConvNDTranspose(num_spatial_dims, output_channels, std::vector<std::int64_t>{kernel_size}, std::move(options)) {
  }
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 protected:
  ConvNDTranspose(std::string_view kind, std::string op_name, std::int64_t num_spatial_dims,
                  std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, ConvNDTransposeOptions options);

 private:
  std::string op_name_;
  std::int64_t num_spatial_dims_, output_channels_;
  std::vector<std::int64_t> kernel_shape_;
  ConvNDTransposeOptions options_;  // stride and output_shape one per axis, named padding in capitals
  bool channels_last_;
};

class Conv1DTranspose : public ConvNDTranspose {
 public:
  Conv1DTranspose(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
                  Conv1DTransposeOptions options = {});
  Conv1DTranspose(std::int64_t output_channels, std::int64_t kernel_size, Conv1DTransposeOptions options = {})
      : Conv1DTranspose(output_channels, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
};

class Conv2DTranspose : public ConvNDTranspose {
 public:
  Conv2DTranspose(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
                  Conv2DTransposeOptions options = {});
  Conv2DTranspose(std::int64_t output_channels, std::int64_t kernel_size, Conv2DTransposeOptions options = {})
      : Conv2DTranspose(output_channels, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
};

class Conv3DTranspose : public ConvNDTranspose {
 public:
  Conv3DTranspose(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape,
                  Conv3DTransposeOptions options = {});
  Conv3DTranspose(std::int64_t output_channels, std::int64_t kernel_size, Conv3DTransposeOptions options = {})
      : Conv3DTranspose(output_channels, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
};

// --- Depthwise convolutions (src/nn/depthwise_conv.cpp) --------------------------------------------

// The options of DepthwiseConv1D/2D/3D, in Haiku's order.
template <std::size_t SpatialDims>
struct BasicDepthwiseConvOptions {
  std::vector<std::int64_t> stride = std::vector<std::int64_t>(detail::default_length(SpatialDims), 1);
  std::vector<std::int64_t> rate = std::vector<std::int64_t>(detail::default_length(SpatialDims), 1);  // dilation
  lax::Padding padding = "SAME";  // "SAME", "VALID" or one (low, high) pair per spatial axis
  bool with_bias = true;
  std::optional<Initializer> w_init = std::nullopt;  // default: truncated normal, stddev 1/sqrt(kernel size)
  std::optional<Initializer> b_init = std::nullopt;  // default: zeros
  std::string data_format = detail::channels_last_format(SpatialDims);
  std::optional<std::string> name = std::nullopt;
};
using DepthwiseConv1DOptions = BasicDepthwiseConvOptions<1>;
using DepthwiseConv2DOptions = BasicDepthwiseConvOptions<2>;
using DepthwiseConv3DOptions = BasicDepthwiseConvOptions<3>;

// Each input channel convolved with its own channel_multiplier kernels (Haiku's DepthwiseConvND, a
// grouped convolution with one group per channel): w [kernel..., 1, C * channel_multiplier], output
// channel c * channel_multiplier + j from input channel c, b [C * channel_multiplier]. As in Haiku,
// only its 1-, 2- and 3-d forms are constructed.
class DepthwiseConvND : public Module {
 public:
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 protected:
  DepthwiseConvND(std::string_view kind, std::string op_name, std::int64_t num_spatial_dims,
                  std::int64_t channel_multiplier, std::vector<std::int64_t> kernel_shape,
                  BasicDepthwiseConvOptions<0> options);

 private:
  std::string op_name_;
  std::int64_t num_spatial_dims_, channel_multiplier_;
  std::vector<std::int64_t> kernel_shape_;
  BasicDepthwiseConvOptions<0> options_;  // stride and rate one per axis, named padding in capitals
  bool channels_last_;
};

class DepthwiseConv1D : public DepthwiseConvND {
 public:
  DepthwiseConv1D(std::int64_t channel_multiplier, std::vector<std::int64_t> kernel_shape,
                  DepthwiseConv1DOptions options = {});
  DepthwiseConv1D(std::int64_t channel_multiplier, std::int64_t kernel_size, DepthwiseConv1DOptions options = {})
      : DepthwiseConv1D(channel_multiplier, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
};

class DepthwiseConv2D : public DepthwiseConvND {
 public:
  DepthwiseConv2D(std::int64_t channel_multiplier, std::vector<std::int64_t> kernel_shape,
                  DepthwiseConv2DOptions options = {});
  DepthwiseConv2D(std::int64_t channel_multiplier, std::int64_t kernel_size, DepthwiseConv2DOptions options = {})
      : DepthwiseConv2D(channel_multiplier, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
};

class DepthwiseConv3D : public DepthwiseConvND {
 public:
  DepthwiseConv3D(std::int64_t channel_multiplier, std::vector<std::int64_t> kernel_shape,
                  DepthwiseConv3DOptions options = {});
  DepthwiseConv3D(std::int64_t channel_multiplier, std::int64_t kernel_size, DepthwiseConv3DOptions options = {})
      : DepthwiseConv3D(channel_multiplier, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
};

struct SeparableDepthwiseConv2DOptions {
  std::vector<std::int64_t> stride = {1, 1};  // of the first (vertical) convolution
  lax::Padding padding = "SAME";
  bool with_bias = true;                             // on the second convolution only
  std::optional<Initializer> w_init = std::nullopt;  // for both convolutions
  std::optional<Initializer> b_init = std::nullopt;
  std::string data_format = "NHWC";
  std::optional<std::string> name = std::nullopt;
};

// hk.SeparableDepthwiseConv2D: a spatially separable depthwise convolution, a DepthwiseConv2D with
// kernel [kh, 1] and the channel multiplier (and the stride, without bias), then a DepthwiseConv2D with
// kernel [1, kw] and multiplier 1 (and the bias). Its two modules are depthwise_conv2_d and
// depthwise_conv2_d_1 inside separable_depthwise_conv2_d.
class SeparableDepthwiseConv2D : public Module {
 public:
  SeparableDepthwiseConv2D(std::int64_t channel_multiplier, std::vector<std::int64_t> kernel_shape,
                           SeparableDepthwiseConv2DOptions options = {});
  SeparableDepthwiseConv2D(std::int64_t channel_multiplier, std::int64_t kernel_size,
                           SeparableDepthwiseConv2DOptions options = {})
      : SeparableDepthwiseConv2D(channel_multiplier, std::vector<std::int64_t>{kernel_size}, std::move(options)) {}
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 private:
  std::int64_t channel_multiplier_;
  std::vector<std::int64_t> kernel_shape_;
  SeparableDepthwiseConv2DOptions options_;
};

}  // namespace jx::nn
