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

Array relu(const Array& x, Loc loc = Loc::current());
// approximate = true is JAX's default (the tanh form); false uses erf.
Array gelu(const Array& x, bool approximate = true, Loc loc = Loc::current());
Array sigmoid(const Array& x, Loc loc = Loc::current());
Array softplus(const Array& x, Loc loc = Loc::current());
Array silu(const Array& x, Loc loc = Loc::current());
Array swish(const Array& x, Loc loc = Loc::current());
Array log_sigmoid(const Array& x, Loc loc = Loc::current());
Array softmax(const Array& x, int axis = -1, Loc loc = Loc::current());
Array log_softmax(const Array& x, int axis = -1, Loc loc = Loc::current());
Array logsumexp(const Array& x, numpy::ReduceOptions options = {}, Loc loc = Loc::current());
Array logsumexp(const Array& x, int axis, Loc loc = Loc::current());
Array one_hot(const Array& x, std::int64_t num_classes, std::optional<DType> dtype = std::nullopt,
              Loc loc = Loc::current());

}  // namespace jx::nn

#include "jx/nn/initializers.h"
#include "jx/nn/modules.h"
#include "jx/nn/pooling.h"
#include "jx/nn/summary.h"
#include "jx/nn/transform.h"
