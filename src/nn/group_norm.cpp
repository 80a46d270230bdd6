// GroupNorm and get_channel_index (jx/nn/normalization.h), with Haiku's semantics.
#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/normalization.h"
#include "jx/numpy.h"

namespace jx::nn {

namespace jnp = jx::numpy;

int get_channel_index(std::string_view data_format) {
  if (data_format == "channels_first") return 1;
  if (data_format == "channels_last") return -1;
  // Haiku's patterns: spatial formats start with N and put C second or last; sequential ones start with
  // BT or TB and end with D.
  static const std::regex spatial_channels_first("NC[^C]*");
  static const std::regex spatial_channels_last("N[^C]*C");
  static const std::regex sequential("((BT)|(TB))[^D]*D");
  const std::string format(data_format);
  if (std::regex_match(format, spatial_channels_first)) return 1;
  if (std::regex_match(format, spatial_channels_last) || std::regex_match(format, sequential)) return -1;
  throw ValueError(
      "get_channel_index",
      fmt::format("cannot tell the channel axis of data format \"{}\": use \"channels_first\", "
                  "\"channels_last\", a spatial format (\"NCHW\", \"NHWC\") or a sequential one (\"BTHWD\")",
                  data_format));
}

GroupNorm::GroupNorm(std::int64_t groups, GroupNormOptions options)
    : Module("group_norm", options.name),
      groups_(groups),
      options_(std::move(options)),
      channel_index_(get_channel_index(options_.data_format)) {
  if (groups_ <= 0) throw ValueError("GroupNorm", fmt::format("groups must be positive, got {}", groups_));
  if (!options_.create_scale && options_.scale_init)
    throw ValueError("GroupNorm", "cannot take a scale_init without create_scale");
  if (!options_.create_offset && options_.offset_init)
    throw ValueError("GroupNorm", "cannot take an offset_init without create_offset");
}

Array GroupNorm::operator()(const Array& x, const std::optional<Array>& scale, const std::optional<Array>& offset,
                            std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    if (options_.create_scale && scale)
      throw ValueError("GroupNorm", "cannot take a scale at the call: it creates its own");
    if (options_.create_offset && offset)
      throw ValueError("GroupNorm", "cannot take an offset at the call: it creates its own");
    const int ndim = x.ndim();
    if (ndim < 2) {
      throw ShapeError("GroupNorm", fmt::format("needs inputs with a batch and a channel axis ({}), got {}",
                                                options_.data_format, x.type().to_string()));
    }
    const int channel_axis = channel_index_ == 1 ? 1 : ndim - 1;
    const std::int64_t channels = x.shape()[channel_axis];
    if (channels % groups_ != 0) {
      throw ShapeError("GroupNorm", fmt::format("the {} channels of {} do not split into {} groups of equal size",
                                                channels, x.type().to_string(), groups_));
    }
    // The channel axis becomes (groups, channels per group); the statistics never span the groups axis,
    // so a requested channel axis means the channels within a group.
    std::vector<int> axes;
    if (options_.axis) {
      for (int a : *options_.axis) {
        const int d = a < 0 ? a + ndim : a;
        if (d < 0 || d >= ndim)
          throw ShapeError("GroupNorm", fmt::format("axis {} is out of range for {}", a, x.type().to_string()));
        axes.push_back(d < channel_axis ? d : d + 1);
      }
    } else {
      for (int d = 1; d < ndim; ++d) axes.push_back(d < channel_axis ? d : d + 1);
    }
    std::sort(axes.begin(), axes.end());
    axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
    Shape grouped;
    for (int d = 0; d < ndim; ++d) {
      if (d == channel_axis) {
        grouped.push_back(groups_);
        grouped.push_back(channels / groups_);
      } else {
        grouped.push_back(x.shape()[d]);
      }
    }
    const Array xg = jnp::reshape(x, grouped);
    const Axes reduce_axes{std::span<const int>(axes)};
    const Array mean = jnp::mean(xg, {.axis = reduce_axes, .keepdims = true});
    const Array variance = jnp::var(xg, {.axis = reduce_axes, .keepdims = true});
    Array out = jnp::reshape((xg - mean) * lax::rsqrt(variance + options_.eps), x.shape());
    // One parameter per channel, shaped to broadcast against the channel axis.
    Shape param_shape{channels};
    if (channel_index_ == 1) {
      for (int d = 2; d < ndim; ++d) param_shape.push_back(1);
    }
    if (options_.create_scale) {
      out = out * get_parameter("scale", param_shape, x.dtype(), options_.scale_init.value_or(initializers::ones()));
    } else if (scale) {
      out = out * *scale;
    }
    if (options_.create_offset) {
      out = out + get_parameter("offset", param_shape, x.dtype(), options_.offset_init.value_or(initializers::zeros()));
    } else if (offset) {
      out = out + *offset;
    }
    return out;
  });
}

}  // namespace jx::nn
