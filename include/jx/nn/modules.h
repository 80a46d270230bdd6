// jx/nn/modules.h — the modules of jx::nn, with Haiku's semantics and defaults. Each is created and
// called inside a function transformed with jx::nn::transform or transform_with_state
// (jx/nn/transform.h); parameters take their shapes from the first inputs they see.
//
//   auto h = jx::nn::Linear(512)(x);                                   // params: linear/w, linear/b
//   h = jx::nn::BatchNorm(true, true, 0.9f)(h, is_training);           // state: running statistics
//   h = jx::nn::Dropout(0.1f)(jx::nn::relu(h), is_training);           // draws from next_rng_key()
//   auto logits = jx::nn::MLP({256, 10})(h);                           // mlp/linear_0, mlp/linear_1
#pragma once

#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "jx/lax.h"
#include "jx/nn/initializers.h"
#include "jx/nn/transform.h"

namespace jx::nn {

struct LinearOptions {
  bool with_bias = true;
  std::optional<Initializer> w_init = std::nullopt;  // default: truncated normal, stddev 1/sqrt(fan_in)
  std::optional<Initializer> b_init = std::nullopt;  // default: zeros
  std::optional<std::string> name = std::nullopt;
};

// y = x @ w + b over the last axis of x; w: [input size, output_size].
class Linear : public Module {
 public:
  explicit Linear(std::int64_t output_size, LinearOptions options = {});
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 private:
  std::int64_t output_size_;
  LinearOptions options_;
};

struct MLPOptions {
  std::function<Array(const Array&)> activation = nullptr;  // default: relu
  bool activate_final = false;
  bool with_bias = true;
  std::optional<Initializer> w_init = std::nullopt;
  std::optional<Initializer> b_init = std::nullopt;
  std::optional<std::string> name = std::nullopt;
};

// Linear layers of the given sizes (named linear_0, linear_1, ...) with the activation between them.
class MLP : public Module {
 public:
  explicit MLP(std::vector<std::int64_t> output_sizes, MLPOptions options = {});
  // Dropout between layers when `dropout_rate` is given (drawing from next_rng_key()).
  Array operator()(const Array& x, std::optional<float> dropout_rate = std::nullopt,
                   std::source_location loc = std::source_location::current()) const;

 private:
  std::vector<std::int64_t> output_sizes_;
  MLPOptions options_;
};

// Calls the layers in order.
class Sequential : public Module {
 public:
  explicit Sequential(std::vector<std::function<Array(const Array&)>> layers,
                      const std::optional<std::string>& name = std::nullopt);
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 private:
  std::vector<std::function<Array(const Array&)>> layers_;
};

struct ExponentialMovingAverageOptions {
  bool zero_debias = true;
  int warmup_length = 0;
  std::optional<std::string> name = std::nullopt;
};

// Haiku's ExponentialMovingAverage: state counter (int32), hidden, average. Each update
//   counter += 1; hidden = hidden * decay + value * (1 - decay); average = hidden / (1 - decay^counter)
// (the division being the zero-debiasing; decay is 0 while counter <= 0 during a warmup).
class ExponentialMovingAverage : public Module {
 public:
  explicit ExponentialMovingAverage(float decay, ExponentialMovingAverageOptions options = {});
  Array operator()(const Array& value, bool update_stats = true,
                   std::source_location loc = std::source_location::current()) const;
  // The average so far (zeros before the first update).
  Array average(const Shape& shape, DType dtype) const;

 private:
  float decay_;
  ExponentialMovingAverageOptions options_;
};

struct BatchNormOptions {
  float eps = 1e-5f;
  std::optional<Initializer> scale_init = std::nullopt;   // default: ones
  std::optional<Initializer> offset_init = std::nullopt;  // default: zeros
  std::optional<std::vector<int>> axis = std::nullopt;    // axes to reduce: default all but the last
  std::optional<std::string> name = std::nullopt;
};

// Haiku's BatchNorm. Training (or test_local_stats): the batch mean and the biased batch variance
// (E[x^2] - E[x]^2); in training the running statistics are updated (exponential moving averages
// named mean_ema and var_ema, zero-debiased). Inference: the running statistics. Then
// (x - mean) * scale / sqrt(var + eps) + offset, with scale and offset of the channels' shape.
class BatchNorm : public Module {
 public:
  BatchNorm(bool create_scale, bool create_offset, float decay_rate, BatchNormOptions options = {});
  Array operator()(const Array& x, bool is_training, bool test_local_stats = false,
                   std::source_location loc = std::source_location::current()) const;

 private:
  bool create_scale_, create_offset_;
  float decay_rate_;
  BatchNormOptions options_;
};

struct LayerNormOptions {
  float eps = 1e-5f;
  std::optional<Initializer> scale_init = std::nullopt;
  std::optional<Initializer> offset_init = std::nullopt;
  std::optional<std::string> name = std::nullopt;
};

// Normalizes over `axis` (negative counts from the end) with that example's mean and variance.
class LayerNorm : public Module {
 public:
  LayerNorm(std::vector<int> axis, bool create_scale, bool create_offset, LayerNormOptions options = {});
  LayerNorm(int axis, bool create_scale, bool create_offset, LayerNormOptions options = {})
      : LayerNorm(std::vector<int>{axis}, create_scale, create_offset, std::move(options)) {}
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 private:
  std::vector<int> axis_;
  bool create_scale_, create_offset_;
  LayerNormOptions options_;
};

struct EmbedOptions {
  std::optional<Initializer> w_init = std::nullopt;  // default: truncated normal, stddev 1
  std::optional<std::string> name = std::nullopt;
};

// Rows of an embedding matrix [vocab_size, embed_dim] looked up by integer ids.
class Embed : public Module {
 public:
  Embed(std::int64_t vocab_size, std::int64_t embed_dim, EmbedOptions options = {});
  Array operator()(const Array& ids, std::source_location loc = std::source_location::current()) const;

 private:
  std::int64_t vocab_size_, embed_dim_;
  EmbedOptions options_;
};

struct Conv2DOptions {
  std::vector<std::int64_t> stride = {1, 1};
  std::vector<std::int64_t> rate = {1, 1};  // dilation of the kernel (atrous convolution)
  lax::Padding padding = "SAME";
  bool with_bias = true;
  std::optional<Initializer> w_init = std::nullopt;  // default: truncated normal, stddev 1/sqrt(fan_in)
  std::optional<Initializer> b_init = std::nullopt;  // default: zeros
  std::string data_format = "NHWC";                  // or "NCHW"
  std::int64_t feature_group_count = 1;
  std::optional<std::string> name = std::nullopt;
};

// A 2-d convolution (hk.Conv2D): weights w [kh, kw, in / groups, output_channels] (HWIO), bias [C].
class Conv2D : public Module {
 public:
  Conv2D(std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, Conv2DOptions options = {});
  Conv2D(std::int64_t output_channels, std::int64_t kernel_size, Conv2DOptions options = {})
      : Conv2D(output_channels, {kernel_size, kernel_size}, std::move(options)) {}
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 private:
  std::int64_t output_channels_;
  std::vector<std::int64_t> kernel_shape_;
  Conv2DOptions options_;
};

// Zeroes each element with probability `rate` and scales the rest by 1 / (1 - rate) (hk.dropout).
Array dropout(const Key& key, float rate, const Array& x, std::source_location loc = std::source_location::current());

// dropout with a key from next_rng_key(), in training only.
class Dropout {
 public:
  explicit Dropout(float rate) : rate_(rate) {}
  Array operator()(const Array& x, bool is_training, std::source_location loc = std::source_location::current()) const;

 private:
  float rate_;
};

}  // namespace jx::nn
