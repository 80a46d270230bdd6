// MobileNetV1 (jx/nn/nets.h), as haiku/_src/nets/mobilenetv1.py builds it: its layers are made as it
// runs (the depthwise convolution needs the input's channels), so they are named without "~".
#include <fmt/format.h>

#include <utility>

#include "jx/core/error.h"
#include "jx/nn.h"
#include "jx/nn/nets.h"
#include "jx/numpy.h"

namespace jx::nn::nets {

namespace jnp = jx::numpy;

namespace {

// Haiku's MobileNetV1Block: a 3x3 depthwise convolution (one filter per channel, explicit padding 1)
// and a 1x1 convolution to `channels`, each followed by BatchNorm and relu.
class MobileNetV1Block : public Module {
 public:
  MobileNetV1Block(std::int64_t channels, std::int64_t stride, bool use_bn)
      : Module("mobile_net_v1_block", std::nullopt), channels_(channels), stride_(stride), use_bn_(use_bn) {}

  Array operator()(const Array& inputs, bool is_training) const {
    return scoped([&] {
      const std::int64_t in_channels = inputs.shape()[3];
      // Haiku's DepthwiseConv2D with channel_multiplier 1 is a convolution with one group per channel:
      // the same weights [3, 3, 1, C] and fan-in 9.
      const Conv2D depthwise(in_channels, 3,
                             {.stride = {stride_, stride_},
                              .padding = lax::Padding{{1, 1}, {1, 1}},
                              .with_bias = !use_bn_,
                              .feature_group_count = in_channels,
                              .name = "depthwise_conv"});
      const Conv2D pointwise(channels_, 1, {.padding = "VALID", .with_bias = !use_bn_, .name = "pointwise_conv"});
      Array out = depthwise(inputs);
      if (use_bn_) out = BatchNorm(true, true, 0.999f)(out, is_training);
      out = pointwise(relu(out));
      if (use_bn_) out = BatchNorm(true, true, 0.999f)(out, is_training);
      return relu(out);
    });
  }

 private:
  std::int64_t channels_, stride_;
  bool use_bn_;
};

}  // namespace

MobileNetV1::MobileNetV1(MobileNetV1Options options)
    : Module("mobile_net_v1", options.name), options_(std::move(options)) {
  if (options_.strides.size() != options_.channels.size()) {
    throw ValueError("MobileNetV1", fmt::format("`strides` and `channels` must have the same length, got {} and {}",
                                                options_.strides.size(), options_.channels.size()));
  }
  if (options_.num_classes <= 0) {
    throw ValueError("MobileNetV1", fmt::format("num_classes must be positive, got {}", options_.num_classes));
  }
}

Array MobileNetV1::operator()(const Array& inputs, bool is_training, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    if (inputs.ndim() != 4) {
      throw ShapeError("MobileNetV1", fmt::format("needs NHWC images (4-d inputs), got {}", inputs.type().to_string()));
    }
    const bool with_bias = !options_.use_bn;
    Array out = Conv2D(32, 3, {.stride = {2, 2}, .padding = "VALID", .with_bias = with_bias})(inputs);
    if (options_.use_bn) out = BatchNorm(true, true, 0.999f)(out, is_training);
    out = relu(out);
    for (std::size_t i = 0; i < options_.strides.size(); ++i) {
      out = MobileNetV1Block(options_.channels[i], options_.strides[i], options_.use_bn)(out, is_training);
    }
    // The mean leaves [N, C], which Haiku's Flatten keeps as it is.
    out = jnp::mean(out, {1, 2});
    return Linear(options_.num_classes, {.name = "logits"})(out);
  });
}

}  // namespace jx::nn::nets
