// ResNet V1 and V2 and the named ResNet18 ... ResNet200 (jx/nn/nets.h), as haiku/_src/nets/resnet.py
// builds them. Every sublayer is made in its parent's constructor, in the parent's scope and under
// the name "~/child", which is how Haiku's modules made in __init__ are named.
#include <fmt/format.h>

#include <map>
#include <utility>

#include "jx/core/error.h"
#include "jx/nn.h"
#include "jx/nn/nets.h"
#include "jx/nn/pooling.h"
#include "jx/numpy.h"

namespace jx::nn::nets {

namespace jnp = jx::numpy;

namespace {

std::string under_tilde(const std::string& name) { return "~/" + name; }

BatchNorm make_batchnorm(const ResNetBatchNormConfig& config, const std::string& name,
                         std::optional<Initializer> scale_init = std::nullopt) {
  return BatchNorm(config.create_scale, config.create_offset, config.decay_rate,
                   {.eps = config.eps, .scale_init = std::move(scale_init), .name = under_tilde(name)});
}

Conv2D make_conv(std::int64_t channels, std::int64_t kernel, std::int64_t stride, const std::string& name) {
  return Conv2D(channels, kernel,
                {.stride = {stride, stride}, .padding = "SAME", .with_bias = false, .name = under_tilde(name)});
}

// Haiku's BlockV1 (post-activation) and BlockV2 (pre-activation), with or without a bottleneck.
class ResNetBlock : public Module {
 public:
  ResNetBlock(const std::string& name, std::int64_t channels, std::int64_t stride, bool use_projection,
              const ResNetBatchNormConfig& bn_config, bool bottleneck, bool resnet_v2)
      : Module("block", under_tilde(name)), resnet_v2_(resnet_v2) {
    if (module_name().empty()) return;
    scoped([&] {
      if (use_projection) {
        projection_conv_.emplace(make_conv(channels, 1, stride, "shortcut_conv"));
        // V2 adds the projected pre-activation without normalizing it again.
        if (!resnet_v2) projection_batchnorm_.emplace(make_batchnorm(bn_config, "shortcut_batchnorm"));
      }
      const std::int64_t inner = bottleneck ? channels / 4 : channels;
      // The stride goes to the 3x3 convolution: conv_0 in a basic block, conv_1 in a bottleneck.
      layers_.emplace_back(make_conv(inner, bottleneck ? 1 : 3, bottleneck ? 1 : stride, "conv_0"),
                           make_batchnorm(bn_config, "batchnorm_0"));
      layers_.emplace_back(make_conv(inner, 3, bottleneck ? stride : 1, "conv_1"),
                           make_batchnorm(bn_config, "batchnorm_1"));
      if (bottleneck) {
        // V1 starts each residual branch at zero (Goyal et al. 2017), so the block starts as the identity.
        std::optional<Initializer> scale_init;
        if (!resnet_v2) scale_init = initializers::zeros();
        layers_.emplace_back(make_conv(channels, 1, 1, "conv_2"),
                             make_batchnorm(bn_config, "batchnorm_2", std::move(scale_init)));
      }
    });
  }

  Array operator()(const Array& inputs, bool is_training, bool test_local_stats) const {
    return scoped([&] {
      Array out = inputs, shortcut = inputs;
      if (resnet_v2_) {
        for (std::size_t i = 0; i < layers_.size(); ++i) {
          out = relu(layers_[i].second(out, is_training, test_local_stats));
          if (i == 0 && projection_conv_) shortcut = (*projection_conv_)(out);
          out = layers_[i].first(out);
        }
        return out + shortcut;
      }
      if (projection_conv_)
        shortcut = (*projection_batchnorm_)((*projection_conv_)(shortcut), is_training, test_local_stats);
      for (std::size_t i = 0; i < layers_.size(); ++i) {
        out = layers_[i].second(layers_[i].first(out), is_training, test_local_stats);
        if (i + 1 < layers_.size()) out = relu(out);
      }
      return relu(out + shortcut);
    });
  }

 private:
  bool resnet_v2_;
  std::optional<Conv2D> projection_conv_;
  std::optional<BatchNorm> projection_batchnorm_;
  std::vector<std::pair<Conv2D, BatchNorm>> layers_;
};

// Haiku's BlockGroup: blocks block_0, block_1, ...; only the first strides and projects.
class ResNetBlockGroup : public Module {
 public:
  ResNetBlockGroup(const std::string& name, std::int64_t channels, std::int64_t num_blocks, std::int64_t stride,
                   const ResNetBatchNormConfig& bn_config, bool resnet_v2, bool bottleneck, bool use_projection)
      : Module("block_group", under_tilde(name)) {
    if (module_name().empty()) return;
    scoped([&] {
      for (std::int64_t i = 0; i < num_blocks; ++i) {
        blocks_.emplace_back(fmt::format("block_{}", i), channels, i == 0 ? stride : 1, i == 0 && use_projection,
                             bn_config, bottleneck, resnet_v2);
      }
    });
  }

  Array operator()(const Array& inputs, bool is_training, bool test_local_stats) const {
    return scoped([&] {
      Array out = inputs;
      for (const ResNetBlock& block : blocks_) out = block(out, is_training, test_local_stats);
      return out;
    });
  }

 private:
  std::vector<ResNetBlock> blocks_;
};

}  // namespace

struct ResNet::Layers {
  std::optional<Conv2D> initial_conv;
  std::optional<BatchNorm> initial_batchnorm;  // V1
  std::vector<ResNetBlockGroup> block_groups;
  std::optional<BatchNorm> final_batchnorm;  // V2
  std::optional<Linear> logits;
};

namespace {

template <class T>
void check_length(const std::vector<T>& values, const char* name) {
  if (values.size() != 4)
    throw ValueError("ResNet", fmt::format("`{}` must be of length 4 not {}", name, values.size()));
}

}  // namespace

ResNet::ResNet(std::vector<std::int64_t> blocks_per_group, std::int64_t num_classes, ResNetOptions options)
    : ResNet("res_net", std::move(blocks_per_group), num_classes, std::move(options)) {}

ResNet::ResNet(std::string_view kind, int depth, std::int64_t num_classes, ResNetPresetOptions options)
    : ResNet(kind, config(depth).blocks_per_group, num_classes,
             ResNetOptions{.bn_config = options.bn_config,
                           .resnet_v2 = options.resnet_v2,
                           .bottleneck = config(depth).bottleneck,
                           .channels_per_group = config(depth).channels_per_group,
                           .use_projection = config(depth).use_projection,
                           .logits_config = std::move(options.logits_config),
                           .initial_conv_config = std::move(options.initial_conv_config),
                           .strides = std::move(options.strides),
                           .name = std::move(options.name)}) {}

ResNet::ResNet(std::string_view kind, std::vector<std::int64_t> blocks_per_group, std::int64_t num_classes,
               ResNetOptions options)
    : Module(kind, options.name), resnet_v2_(options.resnet_v2) {
  check_length(blocks_per_group, "blocks_per_group");
  check_length(options.channels_per_group, "channels_per_group");
  check_length(options.strides, "strides");
  check_length(options.use_projection, "use_projection");
  if (num_classes <= 0) throw ValueError("ResNet", fmt::format("num_classes must be positive, got {}", num_classes));
  if (module_name().empty()) return;  // made outside a transformed function: calling it says so
  auto layers = std::make_shared<Layers>();
  scoped([&] {
    const ResNetInitialConvConfig& conv = options.initial_conv_config;
    layers->initial_conv.emplace(conv.output_channels, conv.kernel_shape,
                                 Conv2DOptions{.stride = conv.stride,
                                               .rate = conv.rate,
                                               .padding = conv.padding,
                                               .with_bias = conv.with_bias,
                                               .w_init = conv.w_init,
                                               .b_init = conv.b_init,
                                               .name = under_tilde(conv.name)});
    if (!options.resnet_v2) layers->initial_batchnorm.emplace(make_batchnorm(options.bn_config, "initial_batchnorm"));
    for (std::size_t i = 0; i < 4; ++i) {
      layers->block_groups.emplace_back(fmt::format("block_group_{}", i), options.channels_per_group[i],
                                        blocks_per_group[i], options.strides[i], options.bn_config, options.resnet_v2,
                                        options.bottleneck, options.use_projection[i]);
    }
    if (options.resnet_v2) layers->final_batchnorm.emplace(make_batchnorm(options.bn_config, "final_batchnorm"));
    const ResNetLogitsConfig& logits = options.logits_config;
    layers->logits.emplace(num_classes, LinearOptions{.with_bias = logits.with_bias,
                                                      .w_init = logits.w_init,
                                                      .b_init = logits.b_init,
                                                      .name = under_tilde(logits.name)});
  });
  layers_ = std::move(layers);
}

Array ResNet::operator()(const Array& inputs, bool is_training, bool test_local_stats, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    if (inputs.ndim() != 4) {
      throw ShapeError("ResNet", fmt::format("needs NHWC images (4-d inputs), got {}", inputs.type().to_string()));
    }
    const Layers& layers = *layers_;
    Array out = (*layers.initial_conv)(inputs);
    if (!resnet_v2_) out = relu((*layers.initial_batchnorm)(out, is_training, test_local_stats));
    out = max_pool(out, {3, 3}, {.strides = {2, 2}, .padding = "SAME"});
    for (const ResNetBlockGroup& group : layers.block_groups) out = group(out, is_training, test_local_stats);
    if (resnet_v2_) out = relu((*layers.final_batchnorm)(out, is_training, test_local_stats));
    return (*layers.logits)(jnp::mean(out, {1, 2}));
  });
}

const ResNetConfig& ResNet::config(int depth) {
  static const std::map<int, ResNetConfig> configs = {
      {18, {{2, 2, 2, 2}, false, {64, 128, 256, 512}, {false, true, true, true}}},
      {34, {{3, 4, 6, 3}, false, {64, 128, 256, 512}, {false, true, true, true}}},
      {50, {{3, 4, 6, 3}, true, {256, 512, 1024, 2048}, {true, true, true, true}}},
      {101, {{3, 4, 23, 3}, true, {256, 512, 1024, 2048}, {true, true, true, true}}},
      {152, {{3, 8, 36, 3}, true, {256, 512, 1024, 2048}, {true, true, true, true}}},
      {200, {{3, 24, 36, 3}, true, {256, 512, 1024, 2048}, {true, true, true, true}}},
  };
  const auto it = configs.find(depth);
  if (it == configs.end()) {
    throw ValueError("ResNet::config",
                     fmt::format("no configuration for depth {} (18, 34, 50, 101, 152 or 200)", depth));
  }
  return it->second;
}

ResNet18::ResNet18(std::int64_t num_classes, ResNetPresetOptions options)
    : ResNet("res_net18", 18, num_classes, std::move(options)) {}
ResNet34::ResNet34(std::int64_t num_classes, ResNetPresetOptions options)
    : ResNet("res_net34", 34, num_classes, std::move(options)) {}
ResNet50::ResNet50(std::int64_t num_classes, ResNetPresetOptions options)
    : ResNet("res_net50", 50, num_classes, std::move(options)) {}
ResNet101::ResNet101(std::int64_t num_classes, ResNetPresetOptions options)
    : ResNet("res_net101", 101, num_classes, std::move(options)) {}
ResNet152::ResNet152(std::int64_t num_classes, ResNetPresetOptions options)
    : ResNet("res_net152", 152, num_classes, std::move(options)) {}
ResNet200::ResNet200(std::int64_t num_classes, ResNetPresetOptions options)
    : ResNet("res_net200", 200, num_classes, std::move(options)) {}

}  // namespace jx::nn::nets
