// examples/char_lm_models.h — the character-level language models of examples/char_lm.cpp (also
// trained by bench/char_lm_bench.cpp): a decoder-only Transformer and an LSTM, both mapping int32
// byte ids [batch, time] to next-byte logits [batch, time, 256].
//
// Each is defined once by its forward pass and turned into init/apply by jx::nn::transform:
//
//   auto model = jx::nn::transform([config](const jx::Array& tokens) { return char_lm::transformer(tokens, config); });
//   jx::nn::Params params = model.init(key, tokens);
//   jx::Array logits = model.apply(params, std::nullopt, tokens);
#pragma once

#include <jx/jx.h>
#include <jx/nn/attention.h>
#include <jx/nn/recurrent.h>
#include <jx/optim.h>

#include <cmath>
#include <optional>
#include <string>

namespace char_lm {

inline constexpr std::int64_t kVocabulary = 256;  // bytes

struct ModelConfig {
  std::int64_t context = 128;     // characters a Transformer attends over (and the training window)
  std::int64_t model_size = 128;  // Transformer width
  std::int64_t num_heads = 4;
  std::int64_t num_layers = 5;
  std::int64_t lstm_size = 512;  // LSTM hidden units
  std::int64_t embed_size = 64;  // the LSTM's input embedding
};

// Everything that changes during training: one pytree, saved whole in each checkpoint.
struct TrainState {
  jx::nn::Params params;
  jx::optim::OptState opt_state;
  jx::Key key;     // batches are drawn with fold_in(key, step)
  jx::Array step;  // int32 scalar
};
JX_PYTREE(TrainState, params, opt_state, key, step);

// A pre-LayerNorm decoder block: causal self-attention and a GELU MLP, each added to the residual
// stream. The output projections start at a smaller scale (GPT-2's 1/sqrt(2 * layers)) so that the
// residual stream's variance does not grow with depth.
class DecoderBlock : public jx::nn::Module {
 public:
  explicit DecoderBlock(const ModelConfig& config) : Module("decoder_block", std::nullopt), config_(config) {}

  jx::Array operator()(const jx::Array& h, const jx::Array& causal_mask) const {
    return scoped([&] {
      namespace nn = jx::nn;
      const double residual_scale = 0.02 / std::sqrt(2.0 * static_cast<double>(config_.num_layers));
      const jx::Array normed = nn::LayerNorm(-1, true, true)(h);
      const jx::Array attended = nn::MultiHeadAttention(
          config_.num_heads, config_.model_size / config_.num_heads,
          {.w_init = nn::initializers::truncated_normal(0.02), .model_size = config_.model_size})(normed, normed,
                                                                                                  normed, causal_mask);
      const jx::Array mid = h + attended;
      jx::Array hidden = nn::Linear(4 * config_.model_size, {.w_init = nn::initializers::truncated_normal(0.02)})(
          nn::LayerNorm(-1, true, true)(mid));
      hidden = nn::Linear(config_.model_size,
                          {.w_init = nn::initializers::truncated_normal(residual_scale)})(nn::gelu(hidden));
      return mid + hidden;
    });
  }

 private:
  ModelConfig config_;
};

// Token and learned position embeddings, the decoder blocks, a final LayerNorm and a linear head.
inline jx::Array transformer(const jx::Array& tokens, const ModelConfig& config) {
  namespace nn = jx::nn;
  namespace jnp = jx::numpy;
  const std::int64_t length = tokens.shape()[1];
  jx::Array h = nn::Embed(kVocabulary, config.model_size, {.w_init = nn::initializers::truncated_normal(0.02)})(tokens);
  const jx::Array positions = nn::get_parameter("position_embeddings", {config.context, config.model_size},
                                                nn::initializers::truncated_normal(0.01));
  h = h + positions[jx::Slice{0, length}];
  // Position t attends to positions 0..t: a [1, 1, T, T] mask broadcast over batch and heads.
  const jx::Array causal_mask = jnp::tril(jnp::ones({length, length}, jx::bool_)).reshape({1, 1, length, length});
  for (std::int64_t layer = 0; layer < config.num_layers; ++layer) h = DecoderBlock(config)(h, causal_mask);
  return nn::Linear(kVocabulary)(nn::LayerNorm(-1, true, true)(h));
}

// Embedding, one LSTM unrolled over time (jx::nn::dynamic_unroll: a scan), and a linear head.
inline jx::Array lstm(const jx::Array& tokens, const ModelConfig& config) {
  namespace nn = jx::nn;
  const jx::Array embedded = nn::Embed(kVocabulary, config.embed_size)(tokens);
  const nn::LSTM core(config.lstm_size);
  auto [outputs, final_state] =
      nn::dynamic_unroll(core, embedded, core.initial_state(tokens.shape()[0]), {.time_major = false});
  return nn::Linear(kVocabulary)(outputs);
}

inline jx::Array logits(const std::string& model, const jx::Array& tokens, const ModelConfig& config) {
  return model == "lstm" ? lstm(tokens, config) : transformer(tokens, config);
}

}  // namespace char_lm
