// What the convolution modules of jx/nn/convolution.h share: Haiku's argument conventions (utils.replicate,
// get_channel_index, to_dimension_numbers) and the checks every one of them makes.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/initializers.h"
#include "jx/nn/transform.h"

namespace jx::nn::conv_detail {

// One value per spatial axis from one for all of them or one per axis (Haiku's utils.replicate), each positive.
inline std::vector<std::int64_t> per_axis(const std::vector<std::int64_t>& values, std::int64_t spatial_dims,
                                          const std::string& op, std::string_view what) {
  const auto count = static_cast<std::int64_t>(values.size());
  if (count != 1 && count != spatial_dims) {
    throw ValueError(op, fmt::format("{} must have 1 or {} entries (one per spatial axis), got [{}]", what,
                                     spatial_dims, fmt::join(values, ", ")));
  }
  for (const std::int64_t value : values) {
    if (value <= 0) throw ValueError(op, fmt::format("{} must be positive, got [{}]", what, fmt::join(values, ", ")));
  }
  return count == 1 ? std::vector<std::int64_t>(static_cast<std::size_t>(spatial_dims), values[0]) : values;
}

inline void check_counts(std::int64_t spatial_dims, std::int64_t channels, const std::string& op,
                         std::string_view channels_name) {
  if (spatial_dims <= 0) {
    throw ValueError(op, fmt::format("num_spatial_dims must be positive, got {}", spatial_dims));
  }
  if (channels <= 0) throw ValueError(op, fmt::format("{} must be positive, got {}", channels_name, channels));
}

// Whether data_format puts the channels last (Haiku's get_channel_index). Only the layout of the
// module's own rank is accepted, so that a misspelled one ("NWHC") is an error, not a silent layout.
inline bool channels_last(const std::string& data_format, std::int64_t spatial_dims, const std::string& op) {
  if (data_format == "channels_last" || data_format == "N...C") return true;
  if (data_format == "channels_first" || data_format == "NC...") return false;
  static constexpr std::string_view kLast[] = {"NWC", "NHWC", "NDHWC"};
  static constexpr std::string_view kFirst[] = {"NCW", "NCHW", "NCDHW"};
  if (spatial_dims >= 1 && spatial_dims <= 3) {
    const auto rank = static_cast<std::size_t>(spatial_dims - 1);
    if (data_format == kLast[rank]) return true;
    if (data_format == kFirst[rank]) return false;
    throw ValueError(op, fmt::format("data_format must be \"{}\" or \"{}\" (or \"channels_last\"/\"channels_first\"), "
                                     "got \"{}\"",
                                     kLast[rank], kFirst[rank], data_format));
  }
  throw ValueError(op, fmt::format("data_format must be \"channels_last\", \"N...C\", \"channels_first\" or \"NC...\", "
                                   "got \"{}\"",
                                   data_format));
}

// Named paddings in capitals (Haiku upper-cases them); explicit pairs, one per spatial axis.
inline lax::Padding normalized_padding(const lax::Padding& padding, std::int64_t spatial_dims, const std::string& op) {
  if (padding.is_named()) {
    std::string name = padding.type();
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
    return lax::Padding(name);
  }
  if (static_cast<std::int64_t>(padding.pairs().size()) != spatial_dims) {
    throw ValueError(op, fmt::format("padding must be \"SAME\", \"VALID\" or {} (low, high) pairs, got {} pairs",
                                     spatial_dims, padding.pairs().size()));
  }
  return padding;
}

// Haiku's to_dimension_numbers: the input (and output) batch first and channels last or second; the
// kernel's spatial axes first, then (in, out), or (out, in) for the transposed convolutions.
inline lax::ConvDimensionNumbers dimension_numbers(std::int64_t spatial_dims, bool last, bool transpose) {
  const int rank = static_cast<int>(spatial_dims) + 2;
  std::vector<int> image{0, last ? rank - 1 : 1},
      kernel{transpose ? rank - 2 : rank - 1, transpose ? rank - 1 : rank - 2};
  for (int d = 0; d < rank - 2; ++d) {
    image.push_back(last ? d + 1 : d + 2);
    kernel.push_back(d);
  }
  return lax::ConvDimensionNumbers::from_specs(image, kernel, image);
}

// The channel count of a batched input of this rank.
inline std::int64_t input_channels(const Array& x, std::int64_t spatial_dims, bool last, const std::string& format,
                                   const std::string& op) {
  if (x.ndim() != spatial_dims + 2) {
    throw ShapeError(
        op, fmt::format("needs {}-d inputs ({}, batched), got {}", spatial_dims + 2, format, x.type().to_string()));
  }
  return x.shape()[last ? x.ndim() - 1 : 1];
}

inline std::int64_t product(const std::vector<std::int64_t>& values) {
  std::int64_t result = 1;
  for (const std::int64_t value : values) result *= value;
  return result;
}

inline Shape weight_shape(const std::vector<std::int64_t>& kernel_shape, std::int64_t second_last, std::int64_t last) {
  Shape shape(kernel_shape.begin(), kernel_shape.end());
  shape.push_back(second_last);
  shape.push_back(last);
  return shape;
}

// Haiku's default for every convolution: TruncatedNormal(1 / sqrt(fan_in)).
inline Initializer default_weight_init(std::int64_t fan_in) {
  return initializers::truncated_normal(1.0 / std::sqrt(static_cast<double>(std::max<std::int64_t>(fan_in, 1))));
}

// w * mask; the mask in w's dtype, so that it cannot widen the parameters (a float64 mask under x64).
inline Array masked(const Array& w, const std::optional<Array>& mask, const std::string& op) {
  if (!mask) return w;
  if (!(mask->shape() == w.shape())) {
    throw ShapeError(op, fmt::format("mask must have the weights' shape {}, got {}", w.shape().to_string(),
                                     mask->shape().to_string()));
  }
  return w * mask->astype(w.dtype());
}

// out + b for the module's bias parameter "b" of shape [channels] and the input's dtype (Haiku's, zeros
// unless b_init says otherwise), whichever axis holds the channels.
inline Array add_bias(const Array& out, std::int64_t channels, DType dtype, const std::optional<Initializer>& b_init,
                      bool last, std::int64_t spatial_dims) {
  const Array b = get_parameter("b", Shape{channels}, dtype, b_init.value_or(initializers::zeros()));
  if (last) return out + b;
  Shape shape{channels};
  for (std::int64_t d = 0; d < spatial_dims; ++d) shape.push_back(1);
  return out + b.reshape(shape);
}

}  // namespace jx::nn::conv_detail
