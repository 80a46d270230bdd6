// jx/nn/attention.h — multi-head attention, as Haiku's hk.MultiHeadAttention.
//
//   auto model = jx::nn::transform([](const jx::Array& x, const jx::Array& mask) {
//     jx::nn::MultiHeadAttention attention(8, 64, {.w_init = jx::nn::initializers::variance_scaling(
//                                                        1.0, jx::nn::initializers::FanMode::fan_in,
//                                                        jx::nn::initializers::Distribution::truncated_normal)});
//     return attention(x, x, x, mask);         // x: (batch, T, D); mask: bool (batch, 1, T, T)
//   });
//   // params: multi_head_attention/query, /key, /value (w: D x 512) and /linear (w: 512 x 512).
//
// Queries, keys and values are Linear projections of their inputs into num_heads heads; each head's
// weights are softmax(q k^T / sqrt(key_size)) over the keys (masked-out keys get the logit -1e30),
// and the heads' weighted values, concatenated, go through one more Linear to model_size.
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <string>

#include "jx/nn/initializers.h"
#include "jx/nn/transform.h"

namespace jx::nn {

struct MultiHeadAttentionOptions {
  // The weights' initializer: w_init, or (deprecated in Haiku) w_init_scale, meaning
  // variance_scaling(w_init_scale, fan_in, truncated_normal). One of them is required.
  std::optional<double> w_init_scale = std::nullopt;
  std::optional<Initializer> w_init = std::nullopt;
  bool with_bias = true;
  std::optional<Initializer> b_init = std::nullopt;       // default: zeros
  std::optional<std::int64_t> value_size = std::nullopt;  // default: key_size
  std::optional<std::int64_t> model_size = std::nullopt;  // default: key_size * num_heads
  std::optional<std::string> name = std::nullopt;
};

class MultiHeadAttention : public Module {
 public:
  // Throws ValueError when neither w_init nor w_init_scale is given, or both are.
  MultiHeadAttention(std::int64_t num_heads, std::int64_t key_size, MultiHeadAttentionOptions options = {});

  // query (..., T', D_q), key (..., T, D_k), value (..., T, D_v) -> (..., T', model_size); the leading
  // dimensions broadcast. mask, when given, is bool with as many dimensions as the logits
  // (..., num_heads, T', T) and broadcasts to them (typically (..., 1, T', T)): false drops a key.
  Array operator()(const Array& query, const Array& key, const Array& value,
                   const std::optional<Array>& mask = std::nullopt,
                   std::source_location loc = std::source_location::current()) const;

 private:
  Array project(const Array& x, std::int64_t head_size, const std::string& name) const;

  std::int64_t num_heads_, key_size_, value_size_, model_size_;
  Initializer w_init_;
  MultiHeadAttentionOptions options_;
};

}  // namespace jx::nn
