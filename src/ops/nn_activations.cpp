// The rest of jax.nn (jax/_src/nn/functions.py), composed from jx::numpy and jx::lax with JAX's
// formulas, so that values, and where JAX defines custom derivatives (relu6, log1mexp) the
// derivatives, agree with JAX's. dot_product_attention is JAX's "xla" implementation.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/transforms/custom_derivatives.h"
#include "ops/promotion.h"
#include "trace/trace.h"

namespace jx::nn {
namespace jnp = jx::numpy;

namespace {

// A scalar in x's dtype, so that the Python-float constants of JAX's formulas stay weak.
Array scalar(double value, const Array& like) { return jnp::array(value, like.dtype()); }

}  // namespace

Array identity_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (!x.valid()) throw ValueError("identity", "the operand is an empty jx::Array handle");
  return x;
}

Array tanh_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return jnp::tanh(x);
}

Array relu6_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  static const auto relu6_with_jvp =
      custom_jvp([](const Array& v) { return jnp::minimum(jnp::maximum(v, 0), 6); },
                 [](const std::tuple<Array>& primals, const std::tuple<Array>& tangents) {
                   const Array& v = std::get<0>(primals);
                   const Array& t = std::get<0>(tangents);
                   return jnp::where(jnp::logical_and(v > 0, v < 6), t, jnp::zeros({}, t.dtype()));
                 });
  return relu6_with_jvp(ops::to_inexact(x));
}

Array leaky_relu_function::operator()(const Array& x, double negative_slope, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return jnp::where(v >= 0, v, v * negative_slope);
}

Array elu_function::operator()(const Array& x, double alpha, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  // expm1 of min(x, 0) only: the untaken branch must not overflow (its gradient would be NaN).
  return jnp::where(v > 0, v, jnp::expm1(jnp::where(v > 0, jnp::zeros_like(v), v)) * alpha);
}

Array celu_function::operator()(const Array& x, double alpha, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return jnp::maximum(v, 0) + jnp::expm1(jnp::minimum(v, 0) / alpha) * alpha;
}

Array selu_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  // Klambauer et al. 2017's constants, as JAX writes them.
  constexpr double kAlpha = 1.6732632423543772848170429916717;
  constexpr double kScale = 1.0507009873554804934193349852946;
  return elu(x, kAlpha) * kScale;
}

Array hard_tanh_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return jnp::where(v > 1, scalar(1, v), jnp::where(v < -1, scalar(-1, v), v));
}

Array hard_sigmoid_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return relu6(ops::to_inexact(x) + 3.0) / 6.0;
}

Array hard_silu_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return v * hard_sigmoid(v);
}

Array mish_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return v * jnp::tanh(softplus(v));
}

Array squareplus_function::operator()(const Array& x, double b, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return (v + jnp::sqrt(jnp::square(v) + b)) / 2.0;
}

Array sparse_plus_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return jnp::where(v <= -1.0, jnp::zeros_like(v), jnp::where(v >= 1.0, v, jnp::square(v + 1.0) / 4.0));
}

Array sparse_sigmoid_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return jnp::clip(v + 1.0, scalar(0, v), scalar(2, v)) * 0.5;
}

Array soft_sign_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return v / (jnp::abs(v) + 1.0);
}

Array log1mexp_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  static const auto log1mexp_with_jvp = custom_jvp(
      [](const Array& v) {
        return jnp::where(v < std::log(2.0), jnp::log(-jnp::expm1(-v)), jnp::log1p(-jnp::exp(-v)));
      },
      [](const std::tuple<Array>& primals, const std::tuple<Array>& tangents) {
        return std::get<0>(tangents) / jnp::expm1(std::get<0>(primals));
      });
  return log1mexp_with_jvp(ops::to_inexact(x));
}

Array glu_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  const int d = ops::normalize_axis("glu", axis, v.ndim());
  const std::int64_t size = v.shape()[d];
  if (size % 2 != 0) {
    throw ShapeError("glu", fmt::format("axis {} of {} must have an even size", axis, v.type().to_string()));
  }
  const Array first = lax::slice_in_dim(v, 0, size / 2, 1, d), second = lax::slice_in_dim(v, size / 2, size, 1, d);
  return first * sigmoid(second);
}

Array logmeanexp_function::operator()(const Array& x, numpy::ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  const Array total = logsumexp(v, options);
  std::int64_t count = 1;
  for (int axis : ops::normalize_axes("logmeanexp", options.axis, v.ndim())) count *= v.shape()[axis];
  return total - std::log(static_cast<double>(count));
}

Array standardize_function::operator()(const Array& x, StandardizeOptions options, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  const numpy::ReduceOptions over{.axis = options.axis, .keepdims = true};
  const Array mean = options.mean ? *options.mean : jnp::mean(v, over);
  Array variance;
  if (options.variance) {
    variance = *options.variance;
  } else if (options.algorithm == "stable") {
    variance = jnp::mean(jnp::square(v - mean), over);
  } else if (options.algorithm == "fast") {
    // JAX's default: one pass, which can go slightly negative, so clipped at 0 before the rsqrt.
    const Array one_pass = jnp::mean(jnp::square(v), over) - jnp::square(mean);
    variance = jnp::clip(one_pass, scalar(0, one_pass), std::nullopt);
  } else {
    throw ValueError("standardize",
                     fmt::format("unknown algorithm \"{}\"; expected \"fast\" or \"stable\"", options.algorithm));
  }
  return (v - mean) * lax::rsqrt(variance + options.epsilon);
}

namespace {

// x with a leading batch axis of 1 when it is 3-D (JAX's _ensure_4d).
Array as_4d(const Array& x) { return x.ndim() == 3 ? jnp::expand_dims(x, 0) : x; }

void check_attention_shape(const Array& t, std::initializer_list<std::int64_t> shape, std::string_view name) {
  bool fits = t.ndim() == static_cast<int>(shape.size());
  int d = 0;
  for (std::int64_t want : shape) {
    fits = fits && (want < 0 || t.shape()[d] == want);  // -1: any size
    ++d;
  }
  if (!fits) {
    throw ShapeError(
        "dot_product_attention",
        fmt::format("{} has shape {}, which does not fit the key's (B, S, K, H) layout", name, t.shape().to_string()));
  }
}

// A bias or mask (B|1, N|1, T, S) arranged as the grouped logits (B, K, G, T, S).
Array grouped(const Array& t, std::int64_t k, std::int64_t g) {
  const Shape& s = t.shape();
  if (s[1] == 1) return jnp::reshape(t, {s[0], 1, 1, s[2], s[3]});
  if (s[1] != k * g) {
    throw ShapeError("dot_product_attention",
                     fmt::format("a bias or mask with {} heads for {} query heads", s[1], k * g));
  }
  return jnp::reshape(t, {s[0], k, g, s[2], s[3]});
}

}  // namespace

Array dot_product_attention_function::operator()(const Array& query, const Array& key, const Array& value,
                                                 DotProductAttentionOptions options, Loc loc) const {
  CallSite site(loc);
  const std::string_view op = "dot_product_attention";
  for (const Array* t : {&query, &key, &value}) {
    if (!t->valid()) throw ValueError(std::string(op), "an operand is an empty jx::Array handle");
    if (t->ndim() != 3 && t->ndim() != 4) {
      throw ShapeError(std::string(op), fmt::format("query, key and value must be (B, T, N, H) or (T, N, H), got {}",
                                                    t->type().to_string()));
    }
  }
  const bool unbatched = query.ndim() == 3;
  const Array q = as_4d(query), k = as_4d(key), v = as_4d(value);
  const Shape& key_shape = k.shape();
  const std::int64_t batch = key_shape[0], source = key_shape[1], heads_kv = key_shape[2], depth = key_shape[3];
  check_attention_shape(v, {batch, source, heads_kv, depth}, "value");
  check_attention_shape(q, {batch, -1, -1, depth}, "query");
  if (q.dtype() != k.dtype() || v.dtype() != k.dtype()) {
    throw DTypeError(std::string(op), fmt::format("query {}, key {} and value {} must have one dtype",
                                                  q.type().to_string(), k.type().to_string(), v.type().to_string()));
  }
  const std::int64_t target = q.shape()[1], heads = q.shape()[2];
  if (heads % heads_kv != 0) {
    throw ShapeError(std::string(op), fmt::format("the number of query heads ({}) must be a multiple of the key/value "
                                                  "heads ({})",
                                                  heads, heads_kv));
  }
  const std::int64_t groups = heads / heads_kv;
  const double scale = options.scale.value_or(1.0 / std::sqrt(static_cast<double>(depth)));
  const DType logits_dtype = promote_types(q.dtype(), DType::float32);

  // (B, T, K, G, H) x (B, S, K, H) -> (B, K, G, T, S).
  const Array grouped_query = jnp::reshape(q, {batch, target, heads_kv, groups, depth});
  Array logits =
      jnp::einsum("btkgh,bskh->bkgts", jnp::astype(grouped_query, logits_dtype), jnp::astype(k, logits_dtype));
  logits = logits * jnp::array(scale, logits_dtype);
  if (options.bias) logits = jnp::astype(logits + grouped(as_4d(*options.bias), heads_kv, groups), logits_dtype);

  // Every mask as a bool (.., T, S) that broadcasts against the logits.
  Array keep;
  const auto and_with = [&](const Array& m) { keep = keep.valid() ? jnp::logical_and(keep, m) : m; };
  if (options.mask) {
    if (options.mask->dtype() != DType::bool_) {
      throw DTypeError(std::string(op), fmt::format("mask must be bool, got {}", options.mask->type().to_string()));
    }
    and_with(grouped(as_4d(*options.mask), heads_kv, groups));
  }
  const Array query_position = lax::broadcasted_iota(DType::int32, Shape{target, source}, 0);
  const Array key_position = lax::broadcasted_iota(DType::int32, Shape{target, source}, 1);
  if (options.is_causal) and_with(query_position >= key_position);
  if (options.local_window_size) {
    const auto [left, right] = *options.local_window_size;
    and_with(jnp::logical_and(query_position <= key_position + left, query_position >= key_position - right));
  }
  const auto lengths = [&](const std::optional<Array>& t, std::string_view name) {
    if (t) check_attention_shape(*t, {batch}, name);
    return t ? jnp::reshape(*t, {batch, 1, 1, 1, 1}) : Array();
  };
  const Array query_lengths = lengths(options.query_seq_lengths, "query_seq_lengths");
  const Array key_lengths = lengths(options.key_value_seq_lengths, "key_value_seq_lengths");
  if (query_lengths.valid()) and_with(query_position < query_lengths);
  if (key_lengths.valid()) and_with(key_position < key_lengths);
  if (keep.valid()) {
    // JAX's large negative number (0.7 of float32's largest) rather than -inf, so that a fully
    // masked row stays finite.
    logits = jnp::where(keep, logits, jnp::array(-0.7 * std::numeric_limits<float>::max(), logits_dtype));
  }
  // As JAX, the softmax runs in float32 (even for float64 logits), the product in the inputs' dtype.
  const Array probabilities = jnp::astype(softmax(jnp::astype(logits, DType::float32)), k.dtype());
  // (B, K, G, T, S) x (B, S, K, H) -> (B, T, K, G, H) -> (B, T, N, H).
  Array encoded = jnp::reshape(jnp::einsum("bkgts,bskh->btkgh", probabilities, v), {batch, target, heads, depth});
  if (query_lengths.valid()) {
    const Array rows = lax::broadcasted_iota(DType::int32, Shape{1, target, 1, 1}, 1);
    encoded = encoded * jnp::astype(rows < jnp::reshape(query_lengths, {batch, 1, 1, 1}), encoded.dtype());
  }
  return unbatched ? jnp::squeeze(encoded, 0) : encoded;
}

}  // namespace jx::nn
