// Embed and dropout (jx/nn/modules.h).
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/nn/modules.h"
#include "jx/numpy.h"

namespace jx::nn {

namespace jnp = jx::numpy;

Embed::Embed(std::int64_t vocab_size, std::int64_t embed_dim, EmbedOptions options)
    : Module("embed", options.name), vocab_size_(vocab_size), embed_dim_(embed_dim), options_(std::move(options)) {
  if (vocab_size <= 0 || embed_dim <= 0) {
    throw ValueError("Embed",
                     fmt::format("vocab_size and embed_dim must be positive, got {} and {}", vocab_size, embed_dim));
  }
}

Array Embed::operator()(const Array& ids, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    if (!is_integer(ids.dtype())) {
      throw DTypeError("Embed", fmt::format("ids must be integers, got {}", dtype_name(ids.dtype())));
    }
    const Array embeddings = get_parameter("embeddings", Shape{vocab_size_, embed_dim_}, DType::float32,
                                           options_.w_init.value_or(initializers::truncated_normal()));
    return jnp::take(embeddings, ids, 0, {.mode = "promise_in_bounds"});  // as embeddings[ids]: clamped
  });
}

Array dropout(const Key& key, float rate, const Array& x, std::source_location loc) {
  CallSite site(loc);
  if (rate < 0 || rate >= 1) throw ValueError("dropout", fmt::format("rate must be in [0, 1), got {}", rate));
  if (rate == 0) return x;
  const double keep_rate = 1.0 - static_cast<double>(rate);
  const Array keep = random::bernoulli(key, Array(keep_rate), x.shape());
  return jnp::where(keep, x / Array(keep_rate), jnp::zeros({}, x.dtype()));
}

Array Dropout::operator()(const Array& x, bool is_training, std::source_location loc) const {
  CallSite site(loc);
  if (!is_training || rate_ == 0) return x;
  return dropout(next_rng_key(), rate_, x);
}

}  // namespace jx::nn
