// jx/nn/multinomial.h — hk.multinomial: samples of categories from unnormalized log-probabilities.
//
//   jx::Array draws = jx::nn::multinomial(key, logits, 16);   // logits [batch, K] -> int32 [batch, 16]
#pragma once

#include <cstdint>
#include <source_location>

#include "jx/core/array.h"
#include "jx/random.h"

namespace jx::nn {

// num_samples draws from softmax(logits) over logits' last axis, each independent (with
// replacement): int32 of shape logits.shape[:-1] + (num_samples,). As Haiku, one call of
// jx::random::categorical (so the draws are those categorical gives for this key). logits of rank 0
// are a ShapeError, a negative num_samples a ValueError.
Array multinomial(const Key& rng, const Array& logits, std::int64_t num_samples,
                  std::source_location loc = std::source_location::current());

}  // namespace jx::nn
