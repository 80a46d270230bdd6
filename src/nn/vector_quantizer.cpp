// VectorQuantizer and VectorQuantizerEMA (jx/nn/nets.h), with the formulas of
// haiku/_src/nets/vqvae.py.
#include <fmt/format.h>

#include <utility>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/nn/nets.h"
#include "jx/numpy.h"

namespace jx::nn::nets {

namespace jnp = jx::numpy;

namespace {

// Haiku's VarianceScaling(distribution="uniform"): scale 1, fan_in (the embedding dimension).
Initializer codebook_init() {
  return initializers::variance_scaling(1.0, initializers::FanMode::fan_in, initializers::Distribution::uniform);
}

void check_inputs(const char* op, const Array& inputs, std::int64_t embedding_dim) {
  if (inputs.ndim() == 0 || inputs.shape()[inputs.ndim() - 1] != embedding_dim) {
    throw ShapeError(op, fmt::format("needs inputs whose last axis is embedding_dim = {}, got {}", embedding_dim,
                                     inputs.type().to_string()));
  }
}

void check_sizes(const char* op, std::int64_t embedding_dim, std::int64_t num_embeddings) {
  if (embedding_dim <= 0 || num_embeddings <= 0) {
    throw ValueError(op, fmt::format("needs a positive embedding_dim and num_embeddings, got {} and {}", embedding_dim,
                                     num_embeddings));
  }
}

Array lookup(const Array& embeddings, const Array& encoding_indices) {
  return jnp::take(jnp::swapaxes(embeddings, 1, 0), encoding_indices, 0);
}

// What both quantizers compute before they differ: the nearest code of every input vector.
struct Nearest {
  Array flat_inputs;  // [M, D]
  Array distances, encodings, encoding_indices, quantized;
};

Nearest nearest_codes(const Array& inputs, const Array& embeddings, std::int64_t embedding_dim,
                      std::int64_t num_embeddings) {
  Nearest result;
  result.flat_inputs = inputs.reshape({-1, embedding_dim});
  // |x - e|^2 = |x|^2 - 2 x.e + |e|^2, for every input row and every code column.
  result.distances = jnp::sum(jnp::square(result.flat_inputs), {.axis = 1, .keepdims = true}) -
                     2 * jnp::matmul(result.flat_inputs, embeddings) +
                     jnp::sum(jnp::square(embeddings), {.axis = 0, .keepdims = true});
  const Array indices = jnp::argmax(-result.distances, 1);
  result.encodings = one_hot(indices, num_embeddings, result.distances.dtype());
  Shape leading = inputs.shape();
  leading.erase(leading.ndim() - 1);
  result.encoding_indices = indices.reshape(leading);
  result.quantized = lookup(embeddings, result.encoding_indices);
  return result;
}

// exp of the entropy of the codes' frequencies: the number of codes in use, softly counted.
Array perplexity_of(const Array& encodings) {
  const Array average_probabilities = jnp::mean(encodings, 0);
  return jnp::exp(-jnp::sum(average_probabilities * jnp::log(average_probabilities + 1e-10)));
}

// The commitment term, which pulls the inputs (the encoder) towards their codes.
Array commitment_loss(const Array& quantized, const Array& inputs) {
  return jnp::mean(jnp::square(lax::stop_gradient(quantized) - inputs));
}

// The quantized values forward, the identity backward: the decoder's gradient reaches the encoder.
Array straight_through(const Array& quantized, const Array& inputs) {
  return inputs + lax::stop_gradient(quantized - inputs);
}

}  // namespace

VectorQuantizer::VectorQuantizer(std::int64_t embedding_dim, std::int64_t num_embeddings, float commitment_cost,
                                 VectorQuantizerOptions options)
    : Module("vector_quantizer", options.name),
      embedding_dim_(embedding_dim),
      num_embeddings_(num_embeddings),
      commitment_cost_(commitment_cost),
      options_(std::move(options)) {
  check_sizes("VectorQuantizer", embedding_dim, num_embeddings);
}

Array VectorQuantizer::embeddings() const {
  return scoped([&] {
    return get_parameter("embeddings", Shape{embedding_dim_, num_embeddings_}, options_.dtype, codebook_init());
  });
}

Array VectorQuantizer::quantize(const Array& encoding_indices, std::source_location loc) const {
  CallSite site(loc);
  return lookup(embeddings(), encoding_indices);
}

VectorQuantizerOutput VectorQuantizer::operator()(const Array& inputs, bool /*is_training*/,
                                                  std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    check_inputs("VectorQuantizer", inputs, embedding_dim_);
    const Nearest codes = nearest_codes(inputs, embeddings(), embedding_dim_, num_embeddings_);
    // The codebook term moves the codes towards the inputs; the commitment term the reverse.
    const Array codebook_loss = jnp::mean(jnp::square(codes.quantized - lax::stop_gradient(inputs)));
    const Array loss = codebook_loss + commitment_cost_ * commitment_loss(codes.quantized, inputs);
    return VectorQuantizerOutput{straight_through(codes.quantized, inputs),
                                 loss,
                                 perplexity_of(codes.encodings),
                                 codes.encodings,
                                 codes.encoding_indices,
                                 codes.distances};
  });
}

VectorQuantizerEMA::VectorQuantizerEMA(std::int64_t embedding_dim, std::int64_t num_embeddings, float commitment_cost,
                                       float decay, VectorQuantizerEMAOptions options)
    : Module("vector_quantizer_ema", options.name),
      embedding_dim_(embedding_dim),
      num_embeddings_(num_embeddings),
      commitment_cost_(commitment_cost),
      decay_(decay),
      options_(std::move(options)) {
  check_sizes("VectorQuantizerEMA", embedding_dim, num_embeddings);
  if (!(decay >= 0 && decay <= 1))
    throw ValueError("VectorQuantizerEMA", fmt::format("decay must be in range [0, 1], got {}", decay));
  if (module_name().empty()) return;  // made outside a transformed function: calling it says so
  // Made here, as Haiku makes them in __init__: "vector_quantizer_ema/~/ema_dw".
  scoped([&] {
    ema_cluster_size_.emplace(decay, ExponentialMovingAverageOptions{.name = "~/ema_cluster_size"});
    ema_dw_.emplace(decay, ExponentialMovingAverageOptions{.name = "~/ema_dw"});
  });
}

Array VectorQuantizerEMA::embeddings() const {
  return scoped([&] {
    return get_state("embeddings", Shape{embedding_dim_, num_embeddings_}, options_.dtype, codebook_init());
  });
}

Array VectorQuantizerEMA::quantize(const Array& encoding_indices, std::source_location loc) const {
  CallSite site(loc);
  return lookup(embeddings(), encoding_indices);
}

VectorQuantizerOutput VectorQuantizerEMA::operator()(const Array& inputs, bool is_training,
                                                     std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    check_inputs("VectorQuantizerEMA", inputs, embedding_dim_);
    const Nearest codes = nearest_codes(inputs, embeddings(), embedding_dim_, num_embeddings_);
    if (is_training) {
      Array cluster_size = (*ema_cluster_size_)(jnp::sum(codes.encodings, 0));
      const Array dw = (*ema_dw_)(jnp::matmul(codes.flat_inputs.transpose(), codes.encodings));
      // Laplace smoothing keeps unused codes from dividing by zero while preserving the total n.
      const Array n = jnp::sum(cluster_size);
      cluster_size =
          (cluster_size + options_.epsilon) / (n + static_cast<double>(num_embeddings_) * options_.epsilon) * n;
      set_state("embeddings", dw / cluster_size.reshape({1, -1}));
    } else if (running_init()) {
      // The averages exist from init on whatever the mode, so that a model made for inference can train.
      ema_cluster_size_->average(Shape{num_embeddings_}, options_.dtype);
      ema_dw_->average(Shape{embedding_dim_, num_embeddings_}, options_.dtype);
    }
    return VectorQuantizerOutput{straight_through(codes.quantized, inputs),
                                 commitment_cost_ * commitment_loss(codes.quantized, inputs),
                                 perplexity_of(codes.encodings),
                                 codes.encodings,
                                 codes.encoding_indices,
                                 codes.distances};
  });
}

}  // namespace jx::nn::nets
