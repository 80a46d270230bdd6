// jx::random's discrete samplers over given values: permutation, choice and categorical, each as
// JAX does it (sorts by random keys, the Gumbel max and top-k tricks, inverse CDF by search).
#include <fmt/format.h>

#include <cmath>
#include <numeric>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "ops/promotion.h"
#include "random/internal.h"

namespace jx::random {
namespace jnp = jx::numpy;

namespace detail {

Array shuffle(const Key& prng_key, const Array& x, int axis, const KeyUse& use) {
  // Sorting by random 32-bit keys is a uniform permutation unless two keys collide; each further
  // round with fresh keys makes a collision that survives all rounds unlikely (tjablin's bound, as
  // JAX uses: rounds = ceil(3 ln n / ln(2^32 - 1))).
  const double n = static_cast<double>(std::max<std::int64_t>(1, x.size()));
  const auto rounds = static_cast<int>(std::ceil(3.0 * std::log(n) / std::log(4294967295.0)));
  Key current = prng_key;
  Array result = x;
  for (int round = 0; round < rounds; ++round) {
    const Key keys = split_keys(current, Shape{2}, use);
    current = keys[0];
    const Array sort_keys = random_bits(keys[1], 32, result.shape(), use);
    result = lax::sort({sort_keys, result}, axis, 1)[1];
  }
  return result;
}

}  // namespace detail

namespace {

using detail::check_single_key;
using detail::key_use;

using ops::normalize_axis;

// lax.top_k's indices along the last axis: the k largest, largest first, ties by lower index.
Array top_k_indices(const Array& x, std::int64_t k) {
  const int last = x.ndim() - 1;
  const Array order = lax::broadcasted_iota(DType::int32, x.shape(), last);
  const Array sorted = lax::sort({lax::neg(x), order}, last, 1)[1];  // a stable sort of -x: descending
  std::vector<std::int64_t> start(static_cast<std::size_t>(x.ndim()), 0);
  std::vector<std::int64_t> limit(x.shape().begin(), x.shape().end());
  limit.back() = k;
  return lax::slice(sorted, start, limit);
}

// numpy.searchsorted(sorted, values) (side "left"): how many entries lie below each value.
Array searchsorted(const Array& sorted, const Array& values) {
  const Array below = jnp::less(sorted, jnp::expand_dims(values, values.ndim()));
  return jnp::sum(below.astype(default_int_dtype()), -1);
}

Shape without_axis(const Shape& shape, int axis) {
  Shape result = shape;
  result.erase(axis);
  return result;
}

}  // namespace

Array permutation_function::operator()(const Key& prng_key, std::int64_t n, Loc loc) const {
  CallSite site(loc);
  check_single_key("permutation", prng_key);
  if (n < 0) throw ValueError("permutation", fmt::format("n must be non-negative, got {}", n));
  return detail::shuffle(prng_key, jnp::arange(n), 0, key_use("permutation", loc));
}

Array permutation_function::operator()(const Key& prng_key, const Array& x, int axis, PermutationOptions options,
                                       Loc loc) const {
  CallSite site(loc);
  check_single_key("permutation", prng_key);
  const detail::KeyUse use = key_use("permutation", loc);
  if (x.ndim() == 0) {
    if (!is_integer(x.dtype())) throw TypeError("permutation", "x must be an integer or at least 1-dimensional");
    normalize_axis("permutation", axis, 1);
    return detail::shuffle(prng_key, jnp::arange(x.item<std::int64_t>()), 0, use);
  }
  const int a = normalize_axis("permutation", axis, x.ndim());
  if (options.independent || x.ndim() == 1) return detail::shuffle(prng_key, x, a, use);
  const Array indices = detail::shuffle(prng_key, jnp::arange(x.shape()[a]), 0, use);
  return jnp::take(x, indices, a, {.mode = "promise_in_bounds"});
}

Array choice_function::operator()(const Key& prng_key, std::int64_t n, const Shape& shape, ChoiceOptions options,
                                  Loc loc) const {
  return choice(prng_key, jnp::array(n, default_int_dtype()), shape, std::move(options), loc);
}

Array choice_function::operator()(const Key& prng_key, const Array& a, const Shape& shape, ChoiceOptions options,
                                  Loc loc) const {
  CallSite site(loc);
  check_single_key("choice", prng_key);
  const detail::KeyUse use = key_use("choice", loc);
  int axis = 0;
  std::int64_t n_inputs = 0;
  if (a.ndim() == 0) {
    n_inputs = a.item<std::int64_t>();  // a traced `a` is a ConcretizationError, as in JAX
  } else {
    axis = normalize_axis("choice", options.axis, a.ndim());
    n_inputs = a.shape()[axis];
  }
  const std::int64_t n_draws = shape.num_elements();
  if (n_draws == 0) return jnp::zeros(shape, a.dtype());
  if (n_inputs <= 0) throw ValueError("choice", "a must be greater than 0 unless no samples are taken");
  if (!options.replace && n_draws > n_inputs) {
    throw ValueError("choice", fmt::format("cannot take a larger sample (size {}) than the population (size {}) "
                                           "when replace is false",
                                           n_draws, n_inputs));
  }
  Array result;
  if (!options.p) {
    if (options.replace) {
      const Array indices = detail::randint_draw(prng_key, shape, jnp::array(0),
                                                 jnp::array(n_inputs, default_int_dtype()), default_int_dtype(), use);
      result = a.ndim() == 0 ? indices : jnp::take(a, indices, axis, {.mode = "promise_in_bounds"});
    } else {
      const Array pool = a.ndim() == 0 ? jnp::arange(n_inputs) : a;
      const Array shuffled = a.ndim() <= 1 ? detail::shuffle(prng_key, pool, axis, use)
                                           : jnp::take(pool, detail::shuffle(prng_key, jnp::arange(n_inputs), 0, use),
                                                       axis, {.mode = "promise_in_bounds"});
      std::vector<Index> first(static_cast<std::size_t>(axis), Index(jx::Slice{}));
      first.emplace_back(jx::Slice{.stop = n_draws});
      result = shuffled.index_with(first);
    }
  } else {
    Array p = *options.p;
    if (!is_floating(p.dtype())) p = p.astype(default_float_dtype());
    if (!(p.shape() == Shape{n_inputs})) {
      throw ValueError("choice", fmt::format("p must be a 1-D vector with the size of a along the axis ({}); p has "
                                             "shape {}",
                                             n_inputs, p.shape().to_string()));
    }
    Array indices;
    if (options.replace) {
      const Array cumulative = jnp::cumsum(p);
      const DType d = cumulative.dtype();
      const Array u = detail::uniform_draw(prng_key, shape, d, detail::constant(0.0, d), detail::constant(1.0, d), use);
      const Array r = cumulative[-1] * (1 - u);
      indices = searchsorted(cumulative, r).astype(default_int_dtype());
    } else {
      // The Gumbel top-k trick: the k largest of log p + Gumbel noise are a sample without replacement.
      const Array g = detail::gumbel_draw(prng_key, Shape{n_inputs}, p.dtype(), options.mode, use) + jnp::log(p);
      indices = top_k_indices(g, n_draws);
    }
    result = a.ndim() == 0 ? indices : jnp::take(a, indices, axis, {.mode = "promise_in_bounds"});
  }
  Shape out_shape;
  if (a.ndim() == 0) {
    out_shape = shape;
  } else {
    for (int d = 0; d < axis; ++d) out_shape.push_back(a.shape()[d]);
    for (std::int64_t d : shape) out_shape.push_back(d);
    for (int d = axis + 1; d < a.ndim(); ++d) out_shape.push_back(a.shape()[d]);
  }
  return jnp::reshape(result, out_shape);
}

Array categorical_function::operator()(const Key& prng_key, const Array& logits, int axis, std::optional<Shape> shape,
                                       CategoricalOptions options, Loc loc) const {
  CallSite site(loc);
  check_single_key("categorical", prng_key);
  if (logits.ndim() == 0) throw ShapeError("categorical", "logits must have at least one axis");
  const detail::KeyUse use = key_use("categorical", loc);
  const int ndim = logits.ndim();
  const int a = normalize_axis("categorical", axis, ndim);
  const Shape batch_shape = without_axis(logits.shape(), a);
  const Shape s = detail::sample_shape("categorical", shape, {batch_shape});
  const int prefix = s.ndim() - batch_shape.ndim();
  const DType dtype = detail::float_dtype("categorical", logits.dtype());
  if (options.replace) {
    // The Gumbel max trick: argmax of logits + Gumbel noise, one draw per sample and category.
    Shape noise_shape;
    for (int d = 0; d < prefix; ++d) noise_shape.push_back(s[d]);
    for (int d = 0; d < ndim; ++d) noise_shape.push_back(d == a ? logits.shape()[a] : s[prefix + (d < a ? d : d - 1)]);
    std::vector<int> leading(static_cast<std::size_t>(prefix));
    std::iota(leading.begin(), leading.end(), 0);
    const Array noise = detail::gumbel_draw(prng_key, noise_shape, dtype, options.mode, use);
    const Array expanded = prefix ? lax::expand_dims(logits, leading) : logits;
    return jnp::argmax(noise + expanded, prefix + a);
  }
  const Array perturbed = logits + detail::gumbel_draw(prng_key, logits.shape(), dtype, options.mode, use);
  std::int64_t k = 1;
  for (int d = 0; d < prefix; ++d) k *= s[d];
  if (k > logits.shape()[a]) {
    throw ValueError("categorical", fmt::format("the number of samples without replacement ({}) cannot exceed the "
                                                "number of categories ({})",
                                                k, logits.shape()[a]));
  }
  // Indices of shape batch + (k,): the sample axis goes first, then the prefix shape unfolds.
  const Array indices = top_k_indices(jnp::moveaxis(perturbed, a, -1), k);
  return jnp::reshape(jnp::moveaxis(indices, -1, 0), s);
}

Array categorical_function::operator()(const Key& prng_key, const Array& logits, int axis, const Shape& shape,
                                       CategoricalOptions options, Loc loc) const {
  return categorical(prng_key, logits, axis, std::optional<Shape>(shape), options, loc);
}

}  // namespace jx::random
