// MultiHeadAttention (jx/nn/attention.h), with hk.MultiHeadAttention's parameter names and arithmetic.
#include "jx/nn/attention.h"

#include <fmt/format.h>

#include <cmath>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/nn/modules.h"
#include "jx/numpy.h"

namespace jx::nn {
namespace {

namespace jnp = jx::numpy;

Initializer weight_initializer(const MultiHeadAttentionOptions& options) {
  if (options.w_init && options.w_init_scale) {
    throw ValueError("MultiHeadAttention", "give only w_init, not w_init_scale as well");
  }
  if (options.w_init) return *options.w_init;
  if (options.w_init_scale) {
    return initializers::variance_scaling(*options.w_init_scale, initializers::FanMode::fan_in,
                                          initializers::Distribution::truncated_normal);
  }
  // Haiku made w_init mandatory (w_init_scale being deprecated) rather than pick a default.
  throw ValueError("MultiHeadAttention",
                   "needs a weight initializer: pass .w_init (for instance initializers::variance_scaling(1.0, "
                   "FanMode::fan_in, Distribution::truncated_normal))");
}

std::int64_t positive_size(const char* what, std::optional<std::int64_t> size, std::int64_t fallback) {
  if (size && *size <= 0)
    throw ValueError("MultiHeadAttention", fmt::format("{} must be positive, got {}", what, *size));
  return size.value_or(fallback);
}

void check_sequence(const char* what, const Array& x) {
  if (x.ndim() < 2) {
    throw ShapeError("MultiHeadAttention",
                     fmt::format("the {} must be (..., sequence, features), got {}", what, x.type().to_string()));
  }
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(std::int64_t num_heads, std::int64_t key_size, MultiHeadAttentionOptions options)
    : Module("multi_head_attention", options.name), num_heads_(num_heads), key_size_(key_size) {
  if (num_heads <= 0 || key_size <= 0) {
    throw ValueError("MultiHeadAttention",
                     fmt::format("num_heads and key_size must be positive, got {} and {}", num_heads, key_size));
  }
  value_size_ = positive_size("value_size", options.value_size, key_size);
  model_size_ = positive_size("model_size", options.model_size, key_size * num_heads);
  w_init_ = weight_initializer(options);
  options_ = std::move(options);
}

// (..., T, D) -> (..., T, num_heads, head_size). Haiku's projection is transparent: its Linear is a
// child of this module, named by `name`.
Array MultiHeadAttention::project(const Array& x, std::int64_t head_size, const std::string& name) const {
  const Array y =
      Linear(num_heads_ * head_size,
             {.with_bias = options_.with_bias, .w_init = w_init_, .b_init = options_.b_init, .name = name})(x);
  Shape heads;
  for (int d = 0; d + 1 < x.ndim(); ++d) heads.push_back(x.shape()[d]);
  heads.push_back(num_heads_);
  heads.push_back(head_size);
  return y.reshape(heads);
}

Array MultiHeadAttention::operator()(const Array& query, const Array& key, const Array& value,
                                     const std::optional<Array>& mask, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    check_sequence("query", query);
    check_sequence("key", key);
    check_sequence("value", value);
    if (key.shape()[key.ndim() - 2] != value.shape()[value.ndim() - 2]) {
      throw ShapeError("MultiHeadAttention", fmt::format("key {} and value {} must have the same sequence length",
                                                         key.type().to_string(), value.type().to_string()));
    }
    const Array query_heads = project(query, key_size_, "query");    // (..., T', H, K)
    const Array key_heads = project(key, key_size_, "key");          // (..., T, H, K)
    const Array value_heads = project(value, value_size_, "value");  // (..., T, H, V)

    Array logits = jnp::einsum("...thd,...Thd->...htT", query_heads, key_heads);
    // Haiku divides by sqrt(key_size) as a scalar of the key's dtype (not a weakly typed one).
    logits = logits / lax::convert_element_type(Array(std::sqrt(static_cast<double>(key_size_))), key.dtype());
    if (mask) {
      if (mask->ndim() != logits.ndim()) {
        throw ValueError("MultiHeadAttention",
                         fmt::format("the mask {} must have as many dimensions as the logits {} (..., heads, T', T)",
                                     mask->type().to_string(), logits.type().to_string()));
      }
      logits = jnp::where(*mask, logits, Array(-1e30));
    }
    const Array weights = softmax(logits);  // (..., H, T', T)

    const Array attended = jnp::einsum("...htT,...Thd->...thd", weights, value_heads);  // (..., T', H, V)
    Shape flat(attended.shape());
    flat.erase(flat.ndim() - 1);
    flat[flat.ndim() - 1] = num_heads_ * value_size_;
    return Linear(model_size_, {.with_bias = options_.with_bias, .w_init = w_init_, .b_init = options_.b_init})(
        attended.reshape(flat));
  });
}

}  // namespace jx::nn
