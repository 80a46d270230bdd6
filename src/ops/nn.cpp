// jx::nn's activations and softmax family, composed from jx::numpy and jx::lax (relu, as jax.nn.relu,
// with a custom jvp).
#include "jx/nn.h"

#include <cmath>
#include <limits>
#include <numbers>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/transforms/custom_derivatives.h"
#include "ops/promotion.h"

namespace jx {
namespace jnp = jx::numpy;

namespace nn {

Array relu_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  // As jax.nn.relu: a custom jvp whose derivative is 1 where x > 0 and 0 elsewhere (0 at 0, where
  // max(x, 0)'s own rule would split the tie and give 1/2), and which costs one select.
  static const auto relu_with_jvp = custom_jvp([](const Array& v) { return jnp::maximum(v, 0); },
                                               [](const std::tuple<Array>& primals, const std::tuple<Array>& tangents) {
                                                 const Array& v = std::get<0>(primals);
                                                 const Array& t = std::get<0>(tangents);
                                                 return jnp::where(v > 0, t, jnp::zeros({}, t.dtype()));
                                               });
  return relu_with_jvp(x);
}

Array gelu_function::operator()(const Array& x, bool approximate, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  if (approximate) {
    const double c = std::sqrt(2.0 / std::numbers::pi);
    return v * 0.5 * (1.0 + jnp::tanh(c * (v + 0.044715 * (v * v * v))));
  }
  // x/2 erfc(-x/sqrt2), not x/2 (1 + erf(x/sqrt2)), which cancels for negative x.
  return v * 0.5 * lax::erfc(v * (-1.0 / std::numbers::sqrt2));
}

Array sigmoid_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::logistic(ops::to_inexact(x));
}

Array softplus_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return jnp::logaddexp(ops::to_inexact(x), 0);
}

Array silu_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return v * lax::logistic(v);
}

Array swish_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return silu(x);
}

Array log_sigmoid_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return -softplus(-ops::to_inexact(x));
}

namespace {
// logsumexp over `axes` with the maximum shifted out (stopped from the gradient, as JAX does):
// returns the result with the reduced axes kept as size 1.
Array logsumexp_keepdims(const Array& v, const std::vector<int>& axes) {
  const Axes reduced(std::span<const int>(axes.data(), axes.size()));
  bool empty = false;
  for (int axis : axes) empty |= v.shape()[axis] == 0;
  // Over a zero-size axis the maximum is -inf (JAX's max has initial=-inf here), so the shift is 0 and
  // the result -inf; jnp::max itself would reject the empty reduction.
  Array shift = empty ? jnp::zeros_like(jnp::sum(v, {.axis = reduced, .keepdims = true}))
                      : lax::stop_gradient(jnp::max(v, {.axis = reduced, .keepdims = true}));
  // An infinite maximum would give inf - inf = NaN; shift by zero there instead.
  shift = jnp::where(jnp::isfinite(shift), shift, 0);
  const Array summed = jnp::sum(jnp::exp(v - shift), {.axis = reduced, .keepdims = true});
  return jnp::log(summed) + shift;
}
}  // namespace

namespace {
Array normalized_exponentials(const Array& v, int axis) {
  const Array shifted = v - lax::stop_gradient(jnp::max(v, {.axis = axis, .keepdims = true}));
  const Array e = jnp::exp(shifted);
  return e / jnp::sum(e, {.axis = axis, .keepdims = true});
}
}  // namespace

Array softmax_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  const int d = ops::normalize_axis("softmax", axis, v.ndim());
  if (v.size() == 0) return v;  // nothing to normalize (and no maximum to shift by)
  if (!config::softmax_custom_jvp()) return normalized_exponentials(v, d);
  // config::softmax_custom_jvp: JAX's rule (jax-ml/jax#15677), dy = y (t - sum(y t)), which saves y
  // alone instead of the exponentials and their sum.
  const auto softmax_with_rule =
      custom_jvp([d](const Array& input) { return normalized_exponentials(input, d); },
                 [d](const std::tuple<Array>& primals, const std::tuple<Array>& tangents) {
                   const Array y = normalized_exponentials(std::get<0>(primals), d);
                   const Array& t = std::get<0>(tangents);
                   return std::pair{y, y * (t - jnp::sum(y * t, {.axis = d, .keepdims = true}))};
                 });
  return softmax_with_rule(v);
}

Array log_softmax_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  const int d = ops::normalize_axis("log_softmax", axis, v.ndim());
  if (v.size() == 0) return v;  // nothing to normalize (and no maximum to shift by)
  const Array shifted = v - lax::stop_gradient(jnp::max(v, {.axis = d, .keepdims = true}));
  return shifted - jnp::log(jnp::sum(jnp::exp(shifted), {.axis = d, .keepdims = true}));
}

Array logsumexp_function::operator()(const Array& x, numpy::ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  const std::vector<int> axes = ops::normalize_axes("logsumexp", options.axis, v.ndim());
  const Array result = logsumexp_keepdims(v, axes);
  if (options.keepdims) return result;
  return lax::squeeze(result, axes);
}

Array logsumexp_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  return logsumexp(x, numpy::ReduceOptions{.axis = axis});
}

Array one_hot_function::operator()(const Array& x, std::int64_t num_classes, std::optional<DType> dtype,
                                   Loc loc) const {
  CallSite site(loc);
  Shape shape = x.shape();
  shape.push_back(num_classes);
  const Array classes =
      lax::broadcasted_iota(x.dtype() == DType::bool_ ? default_int_dtype() : x.dtype(), shape, shape.ndim() - 1);
  const Array labels = lax::expand_dims(x, {x.ndim()});
  return jnp::astype(jnp::equal(labels, classes), dtype.value_or(default_float_dtype()));
}

}  // namespace nn

}  // namespace jx
