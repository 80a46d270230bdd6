// jx/random/gamma_family.h: JAX's Gamma sampler (jax/_src/random/core.py: _gamma_one, _gamma_impl, its
// jvp) and the samplers JAX composes from it, over jx's keys, splits, uniforms and normals.
#include "jx/random/gamma_family.h"

#include <fmt/format.h>

#include <limits>
#include <tuple>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/custom_derivatives.h"
#include "jx/transforms/vmap.h"
#include "random/internal.h"

namespace jx::random {
namespace {

namespace jnp = jx::numpy;
using detail::check_single_key;
using detail::constant;
using detail::key_use;
using detail::KeyUse;

// One Gamma(alpha, 1) draw for one key (scalars), Marsaglia and Tsang's method as JAX's _gamma_one:
// alpha < 1 is boosted to alpha + 1 and the sample scaled by u^(1/alpha) after.
Array gamma_one(const Key& prng_key, const Array& alpha_in, bool log_space) {
  const DType d = alpha_in.dtype();
  const KeyUse use{};  // the keys here are fresh splits of the caller's key
  const Array zero = constant(0.0, d), one = constant(1.0, d);
  const Array boost_mask = alpha_in >= one;
  const Array alpha = jnp::where(boost_mask, alpha_in, alpha_in + one);
  const Array dd = alpha - constant(1.0 / 3.0, d);
  const Array c = constant(1.0 / 3.0, d) / jnp::sqrt(dd);
  const Key halves = detail::split_keys(prng_key, Shape{2}, use);
  const Key loop_key = halves[0], boost_key = halves[1];

  using State = std::tuple<Array, Array, Array, Array>;  // key, x^2, v^3, u
  const auto keep_going = [dd, d](const State& s) {
    const auto& [k, x_squared, v_cubed, u] = s;
    const Array squeeze = u >= constant(1.0, d) - constant(0.0331, d) * x_squared * x_squared;
    const Array log_test =
        jnp::log(u) >= x_squared * constant(0.5, d) + dd * (constant(1.0, d) - v_cubed + jnp::log(v_cubed));
    return jnp::logical_and(squeeze, log_test);
  };
  const auto propose = [c, d, use](const State& s) {
    const Key keys = detail::split_keys(Key(std::get<0>(s)), Shape{3}, use);
    // A normal x with v = 1 + c x > 0.
    using Proposal = std::tuple<Array, Array, Array>;  // key, x, v
    const auto [unused_key, x, v] =
        lax::while_loop([d](const Proposal& p) { return std::get<2>(p) <= constant(0.0, d); },
                        [c, d, use](const Proposal& p) {
                          const Key next = detail::split_keys(Key(std::get<0>(p)), Shape{2}, use);
                          const Array x_new = detail::normal_draw(next[1], Shape{}, d, use);
                          return Proposal{Array(next[0]), x_new, constant(1.0, d) + x_new * c};
                        },
                        Proposal{Array(keys[1]), constant(0.0, d), constant(-1.0, d)});
    const Array u = detail::uniform_draw(keys[2], Shape{}, d, constant(0.0, d), constant(1.0, d), use);
    return State{Array(keys[0]), x * x, v * v * v, u};
  };
  // The initial state (u = 2) fails the test, so the loop runs at least once.
  const State final_state = lax::while_loop(keep_going, propose, State{Array(loop_key), zero, one, constant(2.0, d)});
  const Array v_cubed = std::get<2>(final_state);
  const Array u = detail::uniform_draw(boost_key, Shape{}, d, zero, one, use);
  if (log_space) {
    const Array log_u = jnp::log1p(-u);  // -exponential
    const Array log_boost = jnp::where(jnp::logical_or(boost_mask, log_u == zero), zero, log_u / alpha_in);
    return jnp::log(dd) + jnp::log(v_cubed) + log_boost;
  }
  const Array boost = jnp::where(boost_mask, one, jnp::power(one - u, one / alpha_in));
  return dd * v_cubed * boost;
}

// d sample / d alpha; for log-space samples d log(sample) / d alpha.
Array gamma_sample_derivative(const Array& sample, const Array& alpha, bool log_space) {
  if (!log_space) return lax::random_gamma_grad(alpha, sample);
  const Array tiny = constant(std::numeric_limits<float>::min(), sample.dtype());
  Array x = jnp::exp(sample);
  x = jnp::where(x == 0.0, tiny, x);
  return lax::random_gamma_grad(alpha, x) / x;
}

Array gamma_draws(const Array& keys, const Array& alphas, bool log_space) {
  return vmap([log_space](const Array& k, const Array& a) { return gamma_one(Key(k), a, log_space); })(keys, alphas);
}

// One draw per element of `alphas` (already in the sample dtype and shape), each from its own key:
// split(key, n) as JAX's _gamma_impl. The key is not differentiated; alpha is, implicitly.
Array gamma_sample(const Key& prng_key, const Array& alphas, bool log_space, const KeyUse& use) {
  const std::int64_t n = alphas.size();
  if (n == 0) return jnp::zeros(alphas.shape(), alphas.dtype());
  const Key keys = detail::split_keys(prng_key, Shape{n}, use);
  // The keys are not differentiated (nondiff_argnums<0>): they have no tangent space.
  const auto draws_with_jvp = [](bool in_log_space) {
    return custom_jvp(
        [in_log_space](const Array& k, const Array& a) { return gamma_draws(k, a, in_log_space); },
        [in_log_space](const Array& k, const std::tuple<Array>& primals, const std::tuple<Array>& tangents) {
          const Array& a = std::get<0>(primals);
          const Array sample = gamma_draws(k, a, in_log_space);
          return std::pair{sample, std::get<0>(tangents) * gamma_sample_derivative(sample, a, in_log_space)};
        },
        nondiff_argnums<0>);
  };
  static const auto exact = draws_with_jvp(false);
  static const auto in_log_space = draws_with_jvp(true);
  const Array flat = jnp::reshape(alphas, Shape{n});
  const Array samples = log_space ? in_log_space(Array(keys), flat) : exact(Array(keys), flat);
  return jnp::reshape(samples, alphas.shape());
}

Array shaped_parameter(std::string_view op, const Array& value, DType dtype, const Shape& shape) {
  return jnp::broadcast_to(jnp::astype(detail::real_parameter(op, value), dtype), shape);
}

Array gamma_of(std::string_view op, const Key& prng_key, const Array& a, const std::optional<Shape>& shape,
               std::optional<DType> dtype, bool log_space, const KeyUse& use) {
  check_single_key(op, prng_key);
  const DType d = detail::float_dtype(op, dtype);
  const Shape s = detail::sample_shape(op, shape, {a.shape()});
  return gamma_sample(prng_key, shaped_parameter(op, a, d, s), log_space, use);
}

}  // namespace

Array gamma_function::operator()(const Key& prng_key, const Array& a, std::optional<Shape> shape,
                                 std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  return gamma_of("gamma", prng_key, a, shape, dtype, false, key_use("gamma", loc));
}

Array loggamma_function::operator()(const Key& prng_key, const Array& a, std::optional<Shape> shape,
                                    std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  return gamma_of("loggamma", prng_key, a, shape, dtype, true, key_use("loggamma", loc));
}

Array beta_function::operator()(const Key& prng_key, const Array& a, const Array& b, std::optional<Shape> shape,
                                std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("beta", prng_key);
  const KeyUse use = key_use("beta", loc);
  const DType d = detail::float_dtype("beta", dtype);
  const Shape s = detail::sample_shape("beta", shape, {a.shape(), b.shape()});
  const Key keys = detail::split_keys(prng_key, Shape{2}, use);
  const Array log_gamma_a = gamma_sample(keys[0], shaped_parameter("beta", a, d, s), true, use);
  const Array log_gamma_b = gamma_sample(keys[1], shaped_parameter("beta", b, d, s), true, use);
  // G_a / (G_a + G_b) with both scaled by the larger, so that neither overflows nor both underflow.
  const Array log_max = jnp::maximum(log_gamma_a, log_gamma_b);
  const Array scaled_a = jnp::exp(log_gamma_a - log_max);
  const Array scaled_b = jnp::exp(log_gamma_b - log_max);
  return scaled_a / (scaled_a + scaled_b);
}

Array dirichlet_function::operator()(const Key& prng_key, const Array& alpha, std::optional<Shape> shape,
                                     std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("dirichlet", prng_key);
  if (!alpha.valid() || alpha.ndim() < 1) {
    throw ValueError("dirichlet", "dirichlet requires alpha.ndim >= 1, got a scalar alpha");
  }
  const DType d = detail::float_dtype("dirichlet", dtype);
  const std::int64_t categories = alpha.shape()[alpha.ndim() - 1];
  const Shape batch(alpha.shape().begin(), alpha.shape().end() - 1);
  Shape full = detail::sample_shape("dirichlet", shape, {batch});
  full.push_back(categories);
  const Array log_gammas =
      gamma_sample(prng_key, shaped_parameter("dirichlet", alpha, d, full), true, key_use("dirichlet", loc));
  // The softmax of the log-gammas: each row divided by its sum, without overflow.
  const Array shifted = log_gammas - jnp::max(log_gammas, {.axis = -1, .keepdims = true});
  const Array e = jnp::exp(shifted);
  return e / jnp::sum(e, {.axis = -1, .keepdims = true});
}

Array chisquare_function::operator()(const Key& prng_key, const Array& df, std::optional<Shape> shape,
                                     std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("chisquare", prng_key);
  const DType d = detail::float_dtype("chisquare", dtype);
  const Shape s = detail::sample_shape("chisquare", shape, {df.shape()});
  const Array half_df = shaped_parameter("chisquare", df, d, s) / 2.0;
  return jnp::exp(gamma_sample(prng_key, half_df, true, key_use("chisquare", loc))) * 2.0;
}

Array t_function::operator()(const Key& prng_key, const Array& df, std::optional<Shape> shape,
                             std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("t", prng_key);
  const KeyUse use = key_use("t", loc);
  const DType d = detail::float_dtype("t", dtype);
  const Shape s = detail::sample_shape("t", shape, {df.shape()});
  const Key keys = detail::split_keys(prng_key, Shape{2}, use);
  const Array n = detail::normal_draw(keys[0], s, d, use);
  const Array half_df = shaped_parameter("t", df, d, s) / 2.0;
  const Array g = gamma_sample(keys[1], half_df, false, use);
  return n * jnp::sqrt(half_df / g);
}

Array f_function::operator()(const Key& prng_key, const Array& dfnum, const Array& dfden, std::optional<Shape> shape,
                             std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("f", prng_key);
  const KeyUse use = key_use("f", loc);
  const DType d = detail::float_dtype("f", dtype);
  const Shape s = detail::sample_shape("f", shape, {dfnum.shape(), dfden.shape()});
  const Array num_df = shaped_parameter("f", dfnum, d, s);
  const Array den_df = shaped_parameter("f", dfden, d, s);
  const Key keys = detail::split_keys(prng_key, Shape{2}, use);  // JAX's order: the denominator's key first
  const Array chi2_num = jnp::exp(gamma_sample(keys[1], num_df / 2.0, true, use)) * 2.0;
  const Array chi2_den = jnp::exp(gamma_sample(keys[0], den_df / 2.0, true, use)) * 2.0;
  return (chi2_num / num_df) / (chi2_den / den_df);
}

namespace {

Array generalized_normal_draw(const Key& prng_key, double p, const Shape& shape, DType d, const KeyUse& use) {
  const Key keys = detail::split_keys(prng_key, Shape{2}, use);
  const Array g = gamma_sample(keys[0], jnp::full(shape, 1.0 / p, d), false, use);
  return rademacher(keys[1], shape, d) * jnp::power(g, constant(1.0 / p, d));
}

void check_positive_p(std::string_view op, double p) {
  if (!(p > 0)) throw ValueError(std::string(op), fmt::format("p must be positive, got {}", p));
}

}  // namespace

Array generalized_normal_function::operator()(const Key& prng_key, double p, const Shape& shape,
                                              std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("generalized_normal", prng_key);
  check_positive_p("generalized_normal", p);
  const DType d = detail::float_dtype("generalized_normal", dtype);
  return generalized_normal_draw(prng_key, p, shape, d, key_use("generalized_normal", loc));
}

Array ball_function::operator()(const Key& prng_key, std::int64_t d, double p, const Shape& shape,
                                std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("ball", prng_key);
  check_positive_p("ball", p);
  if (d < 1) throw ValueError("ball", fmt::format("the dimension d must be at least 1, got {}", d));
  const KeyUse use = key_use("ball", loc);
  const DType sample_dtype = detail::float_dtype("ball", dtype);
  const Key keys = detail::split_keys(prng_key, Shape{2}, use);
  Shape with_dimension = shape;
  with_dimension.push_back(d);
  const Array g = generalized_normal_draw(keys[0], p, with_dimension, sample_dtype, use);
  const Array e = jnp::negative(jnp::log1p(-detail::uniform_draw(
      keys[1], shape, sample_dtype, constant(0.0, sample_dtype), constant(1.0, sample_dtype), use)));
  const Array norm =
      jnp::power(jnp::sum(jnp::power(jnp::abs(g), constant(p, sample_dtype)), -1) + e, constant(1.0 / p, sample_dtype));
  return g / jnp::expand_dims(norm, -1);
}

}  // namespace jx::random
