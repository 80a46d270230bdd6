// jx/nn.h — jx::nn: activation functions and friends (jax.nn), and the module library (Haiku's model,
// jx/nn/*.h): transform/transform_with_state (transform.h), multi_transform, lift and layer_stack;
// modules — Linear, MLP, convolutions of every kind (convolution.h), normalization (modules.h,
// normalization.h), MultiHeadAttention (attention.h), recurrent cores and unrolls (recurrent.h),
// reshaping, pooling, nets (ResNet, MobileNetV1, VectorQuantizer); RNG sequences (rng.h); control flow
// and transforms usable inside a transformed function (stateful.h); naming and interceptors
// (naming.h); data_structures; mixed precision policies; initializers; summary and to_dot.
//
//   auto probs = jx::nn::softmax(logits);           // over the last axis
//   auto h = jx::nn::relu(jnp::matmul(x, w) + b);
//   auto labels = jx::nn::one_hot(y, 10);          // float32 (..., 10)
#pragma once

#include <optional>
#include <source_location>
#include <string_view>
#include <utility>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::nn {

using Loc = std::source_location;

inline constexpr struct relu_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } relu{};
// approximate = true is JAX's default (the tanh form); false uses erf.
inline constexpr struct gelu_function {
  Array operator()(const Array& x, bool approximate = true, Loc loc = Loc::current()) const;
} gelu{};
inline constexpr struct sigmoid_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} sigmoid{};
inline constexpr struct softplus_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} softplus{};
inline constexpr struct silu_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } silu{};
inline constexpr struct swish_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } swish{};
inline constexpr struct log_sigmoid_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} log_sigmoid{};
inline constexpr struct softmax_function {
  Array operator()(const Array& x, int axis = -1, Loc loc = Loc::current()) const;
} softmax{};
inline constexpr struct log_softmax_function {
  Array operator()(const Array& x, int axis = -1, Loc loc = Loc::current()) const;
} log_softmax{};
inline constexpr struct logsumexp_function {
  Array operator()(const Array& x, numpy::ReduceOptions options = {}, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const;
} logsumexp{};
inline constexpr struct one_hot_function {
  Array operator()(const Array& x, std::int64_t num_classes, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} one_hot{};

// --- The rest of jax.nn's activations (src/ops/nn_activations.cpp), each as JAX defines it ----------
inline constexpr struct identity_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} identity{};
inline constexpr struct tanh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } tanh{};
// min(max(x, 0), 6); its derivative is 0 at 0 and at 6, as JAX's custom jvp has it.
inline constexpr struct relu6_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } relu6{};
inline constexpr struct leaky_relu_function {
  Array operator()(const Array& x, double negative_slope = 1e-2, Loc loc = Loc::current()) const;
} leaky_relu{};
inline constexpr struct elu_function {
  Array operator()(const Array& x, double alpha = 1.0, Loc loc = Loc::current()) const;
} elu{};
inline constexpr struct celu_function {
  Array operator()(const Array& x, double alpha = 1.0, Loc loc = Loc::current()) const;
} celu{};
inline constexpr struct selu_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } selu{};
inline constexpr struct hard_tanh_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} hard_tanh{};
inline constexpr struct hard_sigmoid_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} hard_sigmoid{};
inline constexpr struct hard_silu_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} hard_silu{};
inline constexpr hard_silu_function hard_swish{};
inline constexpr struct mish_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } mish{};
// (x + sqrt(x^2 + b)) / 2.
inline constexpr struct squareplus_function {
  Array operator()(const Array& x, double b = 4, Loc loc = Loc::current()) const;
} squareplus{};
inline constexpr struct sparse_plus_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} sparse_plus{};
inline constexpr struct sparse_sigmoid_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} sparse_sigmoid{};
inline constexpr struct soft_sign_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} soft_sign{};
// log(1 - exp(-x)) for x > 0, accurate at both ends (Maechler's split at log 2).
inline constexpr struct log1mexp_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} log1mexp{};
// The gated linear unit: x's halves a, b along `axis` (of even size) give a * sigmoid(b).
inline constexpr struct glu_function {
  Array operator()(const Array& x, int axis = -1, Loc loc = Loc::current()) const;
} glu{};
// logsumexp(x) - log(n): the log of the mean of exp(x), over options.axis (all axes by default).
inline constexpr struct logmeanexp_function {
  Array operator()(const Array& x, numpy::ReduceOptions options = {}, Loc loc = Loc::current()) const;
} logmeanexp{};

struct StandardizeOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<Axes> axis = -1;                 // all axes when empty
  std::optional<Array> mean = std::nullopt;      // x.mean(axis) when absent
  std::optional<Array> variance = std::nullopt;  // x.var(axis) when absent, by `algorithm`
  double epsilon = 1e-5;
  std::string_view algorithm = "fast";  // "fast": mean(x^2) - mean(x)^2 clipped at 0; "stable": two passes
};
// (x - mean) / sqrt(variance + epsilon).
inline constexpr struct standardize_function {
  Array operator()(const Array& x, StandardizeOptions options = {}, Loc loc = Loc::current()) const;
} standardize{};

struct DotProductAttentionOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<Array> bias = std::nullopt;                   // added to the logits; (B|1, N|1, T, S) or 3-D without B
  std::optional<Array> mask = std::nullopt;                   // bool, same shapes as bias: false drops a key
  std::optional<double> scale = std::nullopt;                 // 1 / sqrt(H) when absent
  bool is_causal = false;                                     // query t sees keys s <= t
  std::optional<Array> query_seq_lengths = std::nullopt;      // int32 (B): query rows past the length are zero
  std::optional<Array> key_value_seq_lengths = std::nullopt;  // int32 (B): keys past the length are dropped
  std::optional<std::pair<int, int>> local_window_size = std::nullopt;  // (left, right): keys within the window only
};
// softmax(q k^T scale + bias) v per head (jax.nn.dot_product_attention, its "xla" implementation):
// query (B, T, N, H), key and value (B, S, K, H), with N a multiple of K (grouped-query attention:
// each group of N / K query heads shares a key/value head); 3-D inputs drop B. The logits and the
// softmax are computed in float32 (or wider), the result in the inputs' dtype.
inline constexpr struct dot_product_attention_function {
  Array operator()(const Array& query, const Array& key, const Array& value, DotProductAttentionOptions options = {},
                   Loc loc = Loc::current()) const;
} dot_product_attention{};

}  // namespace jx::nn

#include "jx/nn/attention.h"
#include "jx/nn/convolution.h"
#include "jx/nn/data_structures.h"
#include "jx/nn/initializers.h"
#include "jx/nn/layer_stack.h"
#include "jx/nn/lift.h"
#include "jx/nn/mixed_precision.h"
#include "jx/nn/modules.h"
#include "jx/nn/multi_transform.h"
#include "jx/nn/multinomial.h"
#include "jx/nn/naming.h"
#include "jx/nn/nets.h"
#include "jx/nn/normalization.h"
#include "jx/nn/pooling.h"
#include "jx/nn/recurrent.h"
#include "jx/nn/reshaping.h"
#include "jx/nn/rng.h"
#include "jx/nn/stateful.h"
#include "jx/nn/summary.h"
#include "jx/nn/to_dot.h"
#include "jx/nn/transform.h"
