// jx/nn.h — jx::nn: activation functions and friends (jax.nn), and the module library (Haiku's model):
// transform/transform_with_state, modules, initializers, summary (jx/nn/*.h).
//
//   auto probs = jx::nn::softmax(logits);           // over the last axis
//   auto h = jx::nn::relu(jnp::matmul(x, w) + b);
//   auto labels = jx::nn::one_hot(y, 10);          // float32 (..., 10)
#pragma once

#include <optional>
#include <source_location>

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

}  // namespace jx::nn

#include "jx/nn/initializers.h"
#include "jx/nn/modules.h"
#include "jx/nn/pooling.h"
#include "jx/nn/summary.h"
#include "jx/nn/transform.h"
