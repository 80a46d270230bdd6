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
#include "jx/nn/convolution.h"  // Conv2D and the other convolutions
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
  std::optional<Initializer> scale_init = std::nullopt;   // default: ones (only with create_scale)
  std::optional<Initializer> offset_init = std::nullopt;  // default: zeros (only with create_offset)
  // mean(x^2) - mean(x)^2 in one pass instead of the two-pass variance: faster, less accurate when the
  // mean is large against the spread.
  bool use_fast_variance = false;
  // The axes the scale and offset span. Absent: the last axis, stored with shape (C); any other choice
  // stores the full rank with ones elsewhere ((1, C, 1, 1) for {1} on NCHW), as Haiku does.
  std::optional<std::vector<int>> param_axis = std::nullopt;
  std::optional<std::string> name = std::nullopt;
};

// hk.LayerNorm: normalizes over `axis` (negative counts from the end) with each example's mean and
// variance, then scales and offsets. Without create_scale / create_offset, a scale and offset may be
// given at the call instead (conditional normalization); they broadcast against x.
class LayerNorm : public Module {
 public:
  LayerNorm(std::vector<int> axis, bool create_scale, bool create_offset, LayerNormOptions options = {});
  LayerNorm(int axis, bool create_scale, bool create_offset, LayerNormOptions options = {})
      : LayerNorm(std::vector<int>{axis}, create_scale, create_offset, std::move(options)) {}
  Array operator()(const Array& x, const std::optional<Array>& scale = std::nullopt,
                   const std::optional<Array>& offset = std::nullopt,
                   std::source_location loc = std::source_location::current()) const;

 protected:
  // For modules that are layer norms over axes of their own choosing (InstanceNorm): `kind` names the
  // module and its errors ("instance_norm", "InstanceNorm").
  LayerNorm(std::string_view kind, std::string op_name, std::vector<int> axis, bool create_scale, bool create_offset,
            LayerNormOptions options);
  // The normalization over `axes` (non-negative, sorted), run inside this module's scope.
  Array normalize(const Array& x, const std::vector<int>& axes, const std::optional<Array>& scale,
                  const std::optional<Array>& offset) const;

 private:
  std::string op_name_;
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
