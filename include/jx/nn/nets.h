// jx/nn/nets.h — Haiku's reference networks (haiku.nets): ResNet V1 and V2 with the ResNet18 ...
// ResNet200 configurations, MobileNetV1, and the VQ-VAE vector quantizers. Each is a jx::nn module
// with Haiku's semantics, defaults and parameter names, so parameter trees line up with Haiku's.
//
//   auto model = jx::nn::transform_with_state([](const jx::Array& images, bool is_training) {
//     return jx::nn::nets::ResNet50(1000)(images, is_training);     // images: NHWC
//   });
//   auto [params, state] = model.init(key, images, true);           // params["res_net50/~/initial_conv"]["w"]
//
//   auto vq = jx::nn::nets::VectorQuantizer(64, 512, 0.25f)(z, is_training);
//   auto loss = reconstruction_loss + vq.loss;                      // vq.quantize feeds the decoder
//
// Haiku's networks build their sublayers in __init__, which names them "parent/~/child"; the ResNets
// and VectorQuantizerEMA do the same here (and so share their sublayers between calls), while
// MobileNetV1 builds its layers as it runs, as Haiku's does. Running statistics are named by
// jx::nn::BatchNorm (".../batchnorm_0/mean_ema" where Haiku has ".../batchnorm_0/~/mean_ema").
// Not supported: Haiku's cross_replica_axis (BatchNorm statistics over a pmap axis), and data formats
// other than NHWC.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "jx/lax.h"
#include "jx/nn/initializers.h"
#include "jx/nn/modules.h"
#include "jx/nn/transform.h"
#include "jx/tree.h"

namespace jx::nn::nets {

// --- ResNet (haiku.nets.ResNet) -----------------------------------------------------------------------

// What every BatchNorm of a ResNet is made with (Haiku's bn_config and its defaults).
struct ResNetBatchNormConfig {
  float decay_rate = 0.9f;
  float eps = 1e-5f;
  bool create_scale = true;
  bool create_offset = true;
};

// The first convolution (Haiku's initial_conv_config, whose defaults these are).
struct ResNetInitialConvConfig {
  std::int64_t output_channels = 64;
  std::vector<std::int64_t> kernel_shape = {7, 7};
  std::vector<std::int64_t> stride = {2, 2};
  std::vector<std::int64_t> rate = {1, 1};
  lax::Padding padding = "SAME";
  bool with_bias = false;
  std::optional<Initializer> w_init = std::nullopt;  // Conv2D's default
  std::optional<Initializer> b_init = std::nullopt;
  std::string name = "initial_conv";
};

// The final Linear layer (Haiku's logits_config). Zero weights by default, as Haiku's; std::nullopt
// asks for Linear's own default (truncated normal, stddev 1/sqrt(fan_in)).
struct ResNetLogitsConfig {
  bool with_bias = true;
  std::optional<Initializer> w_init = initializers::zeros();
  std::optional<Initializer> b_init = std::nullopt;
  std::string name = "logits";
};

// One of Haiku's ResNet.CONFIGS.
struct ResNetConfig {
  std::vector<std::int64_t> blocks_per_group;
  bool bottleneck = true;
  std::vector<std::int64_t> channels_per_group;
  std::vector<bool> use_projection;
};

struct ResNetOptions {
  ResNetBatchNormConfig bn_config = {};
  bool resnet_v2 = false;  // pre-activation blocks (He et al. 2016b)
  bool bottleneck = true;  // 1x1, 3x3, 1x1 convolutions with channels / 4 inside, instead of two 3x3
  std::vector<std::int64_t> channels_per_group = {256, 512, 1024, 2048};
  std::vector<bool> use_projection = {true, true, true, true};  // a 1x1 convolution on the first shortcut
  ResNetLogitsConfig logits_config = {};
  ResNetInitialConvConfig initial_conv_config = {};
  std::vector<std::int64_t> strides = {1, 2, 2, 2};  // of each group's first block
  std::optional<std::string> name = std::nullopt;
};

// The options of ResNet18 ... ResNet200, whose depth fixes the rest.
struct ResNetPresetOptions {
  ResNetBatchNormConfig bn_config = {};
  bool resnet_v2 = false;
  ResNetLogitsConfig logits_config = {};
  ResNetInitialConvConfig initial_conv_config = {};
  std::vector<std::int64_t> strides = {1, 2, 2, 2};
  std::optional<std::string> name = std::nullopt;
};

// Haiku's ResNet: initial convolution (then BatchNorm and relu in V1), 3x3 max pooling with stride
// 2, four groups of residual blocks, (V2: BatchNorm and relu,) the mean over height and width, and
// the logits. Inputs are NHWC images; outputs [N, num_classes]. BatchNorm uses batch statistics when
// is_training or test_local_stats, and updates its running statistics when is_training.
class ResNet : public Module {
 public:
  // blocks_per_group, channels_per_group, use_projection and strides have one entry per group (4).
  ResNet(std::vector<std::int64_t> blocks_per_group, std::int64_t num_classes, ResNetOptions options = {});
  Array operator()(const Array& inputs, bool is_training, bool test_local_stats = false,
                   std::source_location loc = std::source_location::current()) const;

  // Haiku's ResNet.CONFIGS[depth], depth 18, 34, 50, 101, 152 or 200 (a ValueError otherwise).
  static const ResNetConfig& config(int depth);

 protected:
  // ResNet18 ... ResNet200: named by their class ("res_net50").
  ResNet(std::string_view kind, int depth, std::int64_t num_classes, ResNetPresetOptions options);

 private:
  struct Layers;  // src/nn/resnet.cpp
  ResNet(std::string_view kind, std::vector<std::int64_t> blocks_per_group, std::int64_t num_classes,
         ResNetOptions options);
  std::shared_ptr<const Layers> layers_;  // null for a module made outside a transformed function
  bool resnet_v2_;
};

// Haiku's named configurations: blocks per group (2,2,2,2) and (3,4,6,3) of basic blocks with 64 ...
// 512 channels for 18 and 34; bottleneck blocks with 256 ... 2048 channels and (3,4,6,3), (3,4,23,3),
// (3,8,36,3), (3,24,36,3) blocks for 50, 101, 152, 200.
class ResNet18 : public ResNet {
 public:
  explicit ResNet18(std::int64_t num_classes, ResNetPresetOptions options = {});
};
class ResNet34 : public ResNet {
 public:
  explicit ResNet34(std::int64_t num_classes, ResNetPresetOptions options = {});
};
class ResNet50 : public ResNet {
 public:
  explicit ResNet50(std::int64_t num_classes, ResNetPresetOptions options = {});
};
class ResNet101 : public ResNet {
 public:
  explicit ResNet101(std::int64_t num_classes, ResNetPresetOptions options = {});
};
class ResNet152 : public ResNet {
 public:
  explicit ResNet152(std::int64_t num_classes, ResNetPresetOptions options = {});
};
class ResNet200 : public ResNet {
 public:
  explicit ResNet200(std::int64_t num_classes, ResNetPresetOptions options = {});
};

// --- MobileNetV1 (haiku.nets.MobileNetV1) -------------------------------------------------------------

struct MobileNetV1Options {
  // The depthwise convolution's stride, and the pointwise convolution's channels, of each block.
  std::vector<std::int64_t> strides = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};
  std::vector<std::int64_t> channels = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
  std::int64_t num_classes = 1000;
  bool use_bn = true;  // BatchNorm (decay 0.999) after each convolution; without it, convolutions have biases
  std::optional<std::string> name = std::nullopt;
};

// Howard et al. 2017: a 3x3 convolution to 32 channels (stride 2, VALID), then blocks of a 3x3
// depthwise convolution (padding 1) and a 1x1 convolution, each followed by BatchNorm and relu; the
// mean over height and width; the logits. Inputs NHWC; outputs [N, num_classes].
class MobileNetV1 : public Module {
 public:
  explicit MobileNetV1(MobileNetV1Options options = {});
  Array operator()(const Array& inputs, bool is_training,
                   std::source_location loc = std::source_location::current()) const;

 private:
  MobileNetV1Options options_;
};

// --- VQ-VAE (haiku.nets.VectorQuantizer, VectorQuantizerEMA) -------------------------------------------

// What the quantizers return (Haiku's dict of the same keys): the inputs' shape for quantize, [M, K]
// for encodings and distances (M the number of input vectors, K the codebook size), the inputs'
// leading shape for encoding_indices (int32), scalars for loss and perplexity.
struct VectorQuantizerOutput {
  Array quantize;          // the nearest codes, with the straight-through gradient of the inputs
  Array loss;              // the codebook and commitment losses (VectorQuantizerEMA: commitment only)
  Array perplexity;        // exp of the entropy of the codes' frequencies in this batch
  Array encodings;         // one-hot codes
  Array encoding_indices;  // the codes' indices
  Array distances;         // squared distances from each input vector to each code
};
JX_PYTREE(VectorQuantizerOutput, quantize, loss, perplexity, encodings, encoding_indices, distances);

struct VectorQuantizerOptions {
  DType dtype = DType::float32;  // of the codebook
  std::optional<std::string> name = std::nullopt;
};

// van den Oord et al. 2017: the last axis of the inputs (of size embedding_dim) is replaced by the
// nearest of num_embeddings codes, the columns of the parameter "embeddings" [embedding_dim,
// num_embeddings] (lecun_uniform). loss = mean((codes - sg(inputs))^2) + commitment_cost *
// mean((sg(codes) - inputs)^2), with sg the stop_gradient.
class VectorQuantizer : public Module {
 public:
  VectorQuantizer(std::int64_t embedding_dim, std::int64_t num_embeddings, float commitment_cost,
                  VectorQuantizerOptions options = {});
  // is_training changes nothing here; it is Haiku's signature, shared with VectorQuantizerEMA.
  VectorQuantizerOutput operator()(const Array& inputs, bool is_training,
                                   std::source_location loc = std::source_location::current()) const;
  // The codes of these indices: [..., embedding_dim].
  Array quantize(const Array& encoding_indices, std::source_location loc = std::source_location::current()) const;
  Array embeddings() const;

 private:
  std::int64_t embedding_dim_, num_embeddings_;
  float commitment_cost_;
  VectorQuantizerOptions options_;
};

struct VectorQuantizerEMAOptions {
  float epsilon = 1e-5f;  // Laplace smoothing of the cluster sizes
  DType dtype = DType::float32;
  std::optional<std::string> name = std::nullopt;
};

// The codebook is state, not a parameter: in training it becomes the ratio of two zero-debiased
// moving averages (decay `decay`), ema_dw of inputs^T @ encodings over ema_cluster_size of the codes'
// counts, the latter Laplace-smoothed: (size + epsilon) / (n + K epsilon) * n with n its sum. The
// loss is the commitment term only.
class VectorQuantizerEMA : public Module {
 public:
  VectorQuantizerEMA(std::int64_t embedding_dim, std::int64_t num_embeddings, float commitment_cost, float decay,
                     VectorQuantizerEMAOptions options = {});
  VectorQuantizerOutput operator()(const Array& inputs, bool is_training,
                                   std::source_location loc = std::source_location::current()) const;
  Array quantize(const Array& encoding_indices, std::source_location loc = std::source_location::current()) const;
  Array embeddings() const;

 private:
  std::int64_t embedding_dim_, num_embeddings_;
  float commitment_cost_, decay_;
  VectorQuantizerEMAOptions options_;
  std::optional<ExponentialMovingAverage> ema_cluster_size_, ema_dw_;  // made in this module's scope
};

}  // namespace jx::nn::nets
