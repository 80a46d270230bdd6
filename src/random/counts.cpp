// jx/random/counts.h: JAX's exact Poisson, binomial and multinomial samplers (jax/_src/random/core.py:
// _poisson_knuth, _poisson_rejection, _binomial_inversion, _btrs, multinomial), over jx's keys and
// uniforms. Each runs one while_loop over the whole array that stops once every element is done.
#include "jx/random/counts.h"

#include <fmt/format.h>

#include <array>
#include <tuple>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/transforms/control_flow.h"
#include "random/internal.h"

namespace jx::random {
namespace {

namespace jnp = jx::numpy;
using detail::check_single_key;
using detail::constant;
using detail::key_use;
using detail::KeyUse;
using detail::real_parameter;

Array uniform_of(const Array& draw_key, const Shape& shape, DType d, const KeyUse& use) {
  return detail::uniform_draw(Key(draw_key), shape, d, constant(0.0, d), constant(1.0, d), use);
}

// Small means: count the uniforms whose running product stays above exp(-lam) (in log space).
Array poisson_knuth(const Key& prng_key, const Array& lam, const Shape& shape, const KeyUse& use) {
  using State = std::tuple<Array, Array, Array>;  // k, key, log of the product
  const Array neg_lam = -lam;
  const State end =
      lax::while_loop([neg_lam](const State& s) { return jnp::any(std::get<2>(s) > neg_lam); },
                      [neg_lam, shape, use](const State& s) {
                        const auto& [k, loop_key, log_product] = s;
                        const Key keys = detail::split_keys(Key(loop_key), Shape{2}, use);
                        const Array next_k = jnp::where(log_product > neg_lam, k + 1.0f, k);
                        const Array u = uniform_of(keys[1], shape, DType::float32, use);
                        return State{next_k, Array(keys[0]), log_product + jnp::log(u)};
                      },
                      State{jnp::zeros(shape, DType::float32), Array(prng_key), jnp::zeros(shape, DType::float32)});
  return std::get<0>(end) - 1.0f;
}

// Large means: Hormann's transformed rejection with squeeze (PTRS).
Array poisson_rejection(const Key& prng_key, const Array& lam, const Shape& shape, const KeyUse& use) {
  const Array log_lam = jnp::log(lam);
  const Array b = 0.931f + 2.53f * jnp::sqrt(lam);
  const Array a = -0.059f + 0.02483f * b;
  const Array inv_alpha = 1.1239f + 1.1328f / (b - 3.4f);
  const Array v_r = 0.9277f - 3.6224f / (b - 2.0f);
  using State = std::tuple<Array, Array, Array>;  // k, accepted, key
  const State end = lax::while_loop(
      [](const State& s) { return jnp::any(jnp::logical_not(std::get<1>(s))); },
      [=](const State& s) {
        const auto& [k_out, accepted, loop_key] = s;
        const Key keys = detail::split_keys(Key(loop_key), Shape{3}, use);
        const Array u = uniform_of(keys[1], shape, DType::float32, use) - 0.5f;
        const Array v = uniform_of(keys[2], shape, DType::float32, use);
        const Array u_shifted = 0.5f - jnp::abs(u);
        const Array k = jnp::floor((2.0f * a / u_shifted + b) * u + lam + 0.43f);
        const Array s_value = jnp::log(v * inv_alpha / (a / (u_shifted * u_shifted) + b));
        const Array t_value = -lam + k * log_lam - lax::lgamma(k + 1.0f);
        const Array accept1 = jnp::logical_and(u_shifted >= 0.07f, v <= v_r);
        const Array reject = jnp::logical_or(k < 0.0f, jnp::logical_and(u_shifted<0.013f, v> u_shifted));
        const Array accept = jnp::logical_or(accept1, jnp::logical_and(jnp::logical_not(reject), s_value <= t_value));
        return State{jnp::where(accept, k, k_out), jnp::logical_or(accepted, accept), Array(keys[0])};
      },
      State{jnp::full(shape, -1.0f, DType::float32), jnp::zeros(shape, DType::bool_), Array(prng_key)});
  return std::get<0>(end);
}

// A table of log(k!) - Stirling's approximation for k < 10, the series beyond (as JAX's
// _stirling_approx_tail).
Array stirling_tail(const Array& k) {
  const DType d = k.dtype();
  const Array table = jnp::astype(
      jnp::array(std::vector<double>{0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
                                     0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                                     0.00925546218271273, 0.00833056343336287}),
      d);
  const Array use_table = k <= 9.0;
  const Array clamped = jnp::clip(k, 0.0, 9.0);
  const Array kp1_squared = (clamped + 1.0) * (clamped + 1.0);
  const Array series = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1_squared) / kp1_squared) / (clamped + 1.0);
  const Array from_table = jnp::take(table, jnp::astype(jnp::floor(clamped), DType::int32));
  return jnp::where(use_table, from_table, series);
}

// Small n p: the number of geometric waiting times that fit in n trials.
Array binomial_inversion(const Key& prng_key, const Array& count, const Array& prob, const Shape& shape,
                         const KeyUse& use) {
  const Array log1m_prob = jnp::log1p(-prob);
  const DType d = prob.dtype();
  using State = std::tuple<Array, Array, Array>;  // number of geometrics, their sum, key
  const State end = lax::while_loop([count](const State& s) { return jnp::any(std::get<1>(s) <= count); },
                                    [=](const State& s) {
                                      const auto& [num_geom, geom_sum, loop_key] = s;
                                      const Key keys = detail::split_keys(Key(loop_key), Shape{2},
                                                                          use);  // JAX: subkey, key = split(key)
                                      const Array next_num = jnp::where(geom_sum <= count, num_geom + 1.0, num_geom);
                                      const Array u = uniform_of(keys[0], shape, d, use);
                                      const Array geom = jnp::ceil(jnp::log(u) / log1m_prob);
                                      return State{next_num, geom_sum + geom, Array(keys[1])};
                                    },
                                    State{jnp::zeros(shape, d), jnp::zeros(shape, d), Array(prng_key)});
  return std::get<0>(end) - 1.0;
}

// Large n p: Hormann's BTRS (transformed rejection with squeeze).
Array binomial_btrs(const Key& prng_key, const Array& count, const Array& prob, const Shape& shape, const KeyUse& use) {
  const DType d = prob.dtype();
  const Array stddev = jnp::sqrt(count * prob * (1.0 - prob));
  const Array b = 1.15 + 2.53 * stddev;
  const Array a = -0.0873 + 0.0248 * b + 0.01 * prob;
  const Array c = count * prob + 0.5;
  const Array v_r = 0.92 - 4.2 / b;
  const Array r = prob / (1.0 - prob);
  const Array alpha = (2.83 + 5.1 / b) * stddev;
  const Array m = jnp::floor((count + 1.0) * prob);
  using State = std::tuple<Array, Array, Array>;  // k, accepted, key
  const State end = lax::while_loop(
      [](const State& s) { return jnp::any(jnp::logical_not(std::get<1>(s))); },
      [=](const State& s) {
        const auto& [k_out, accepted, loop_key] = s;
        const Key keys = detail::split_keys(Key(loop_key), Shape{3}, use);
        const Array u = uniform_of(keys[1], shape, d, use) - 0.5;
        const Array v = uniform_of(keys[2], shape, d, use);
        const Array us = 0.5 - jnp::abs(u);
        const Array accept1 = jnp::logical_and(us >= 0.07, v <= v_r);
        const Array k = jnp::floor((2.0 * a / us + b) * u + c);
        const Array reject = jnp::logical_or(k<0.0, k> count);
        const Array log_v = jnp::log(v * alpha / (a / (us * us) + b));
        const Array bound = (m + 0.5) * jnp::log((m + 1.0) / (r * (count - m + 1.0))) +
                            (count + 1.0) * jnp::log((count - m + 1.0) / (count - k + 1.0)) +
                            (k + 0.5) * jnp::log(r * (count - k + 1.0) / (k + 1.0)) + stirling_tail(m) +
                            stirling_tail(count - m) - stirling_tail(k) - stirling_tail(count - k);
        const Array accept = jnp::logical_or(accept1, jnp::logical_and(jnp::logical_not(reject), log_v <= bound));
        return State{jnp::where(accept, k, k_out), jnp::logical_or(accepted, accept), Array(keys[0])};
      },
      State{jnp::full(shape, -1.0, d), jnp::zeros(shape, DType::bool_), Array(prng_key)});
  return std::get<0>(end);
}

Array binomial_draw(const Key& prng_key, const Array& n, const Array& p, const Shape& shape, DType d,
                    const KeyUse& use) {
  const Array prob = jnp::broadcast_to(jnp::astype(p, d), shape);
  Array count = jnp::broadcast_to(jnp::astype(n, d), shape);
  const Array p_below_half = prob < 0.5;
  Array q = jnp::where(p_below_half, prob, 1.0 - prob);
  const Array count_nan_or_negative = jnp::logical_or(jnp::isnan(count), count < 0.0);
  const Array count_infinite = jnp::isinf(count);
  const Array q_nan = jnp::isnan(q);
  const Array q_negative = q < 0.0;
  q = jnp::where(jnp::logical_or(q_nan, q_negative), constant(0.01, d), q);
  const Array use_inversion = jnp::logical_or(count_nan_or_negative, count * q <= 10.0);
  count = jnp::floor(count);
  const Array count_inversion = jnp::where(use_inversion, count, constant(0.0, d));
  const Array count_btrs = jnp::where(use_inversion, constant(1e4, d), count);
  const Array q_btrs = jnp::where(use_inversion, constant(0.5, d), q);
  // Both algorithms draw from the same key, as JAX's, so the keys they split from it are the same: the
  // reuse checker (config::debug_key_reuse) tracks the first only, which is the caller's one use.
  const Array by_inversion = binomial_inversion(prng_key, count_inversion, q, shape, use);
  const Array by_rejection = binomial_btrs(prng_key, count_btrs, q_btrs, shape, KeyUse{});
  Array samples = jnp::where(use_inversion, by_inversion, by_rejection);
  const Array invalid = jnp::logical_or(jnp::logical_or(q_negative, q_nan), count_nan_or_negative);
  samples = jnp::where(invalid, constant(std::numeric_limits<double>::quiet_NaN(), d), samples);
  samples = jnp::where(jnp::logical_and(count_infinite, jnp::logical_not(invalid)),
                       constant(std::numeric_limits<double>::infinity(), d), samples);
  // Drawn with q = min(p, 1 - p): the count of failures when p >= 1/2.
  const Array as_drawn =
      jnp::logical_or(jnp::logical_or(p_below_half, count_nan_or_negative), jnp::logical_or(q_nan, count_infinite));
  return jnp::where(as_drawn, samples, count - samples);
}

}  // namespace

Array poisson_function::operator()(const Key& prng_key, const Array& lam, std::optional<Shape> shape,
                                   std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("poisson", prng_key);
  const KeyUse use = key_use("poisson", loc);
  const DType d = canonicalize_dtype(dtype.value_or(default_int_dtype()));
  if (!is_integer(d)) {
    throw DTypeError("poisson",
                     fmt::format("dtype argument to `poisson` must be an integer dtype, got {}", dtype_name(d)));
  }
  const Shape s = shape.value_or(real_parameter("poisson", lam).shape());
  const Array rate = jnp::astype(jnp::broadcast_to(real_parameter("poisson", lam), s), DType::float32);
  const Array use_knuth = jnp::logical_or(jnp::isnan(rate), rate < 10.0f);
  const Array lam_knuth = jnp::where(use_knuth, rate, constant(0.0f, DType::float32));
  const Array lam_rejection = jnp::where(use_knuth, constant(1e5f, DType::float32), rate);
  // Both algorithms draw from the same key, as JAX's; the reuse checker tracks the first (see binomial_draw).
  const Array by_knuth = poisson_knuth(prng_key, lam_knuth, s, use);
  const Array by_rejection = poisson_rejection(prng_key, lam_rejection, s, KeyUse{});
  const Array counts = jnp::where(use_knuth, by_knuth, by_rejection);
  return jnp::astype(jnp::where(rate == 0.0f, constant(0.0f, DType::float32), counts), d);
}

Array binomial_function::operator()(const Key& prng_key, const Array& n, const Array& p, std::optional<Shape> shape,
                                    std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("binomial", prng_key);
  const DType d = detail::float_dtype("binomial", dtype);
  const Shape s = detail::sample_shape("binomial", shape,
                                       {real_parameter("binomial", n).shape(), real_parameter("binomial", p).shape()});
  return binomial_draw(prng_key, n, p, s, d, key_use("binomial", loc));
}

Array multinomial_function::operator()(const Key& prng_key, const Array& n, const Array& p, std::optional<Shape> shape,
                                       std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("multinomial", prng_key);
  const KeyUse use = key_use("multinomial", loc);
  const DType d = detail::float_dtype("multinomial", dtype);
  if (real_parameter("multinomial", p).ndim() < 1) {
    throw ValueError("multinomial", "p must have at least one axis (the categories)");
  }
  const Shape s = shape.value_or(p.shape());
  if (s.ndim() < 1) throw ValueError("multinomial", "the shape must include the categories' axis");
  const Shape batch(s.begin(), s.end() - 1);
  const std::int64_t categories = s[s.ndim() - 1];
  const Array trials = jnp::broadcast_to(jnp::astype(real_parameter("multinomial", n), d), batch);
  // Category by category: a binomial of what remains, with the category's share of the remaining mass.
  const Array probs = jnp::moveaxis(jnp::broadcast_to(jnp::astype(p, d), s), -1, 0);
  const Array remaining = jnp::flip(jnp::cumsum(jnp::flip(probs, 0), 0), 0);
  const Array ratios = probs / jnp::where(remaining == 0.0, constant(1.0, d), remaining);
  const Key keys = detail::split_keys(prng_key, Shape{categories}, use);
  const auto [left, counts] = lax::scan(
      [batch, d, use](const Array& remainder, const std::tuple<Array, Array>& ratio_key) {
        const auto& [ratio, category_key] = ratio_key;
        const Array count = binomial_draw(Key(category_key), remainder, jnp::clip(ratio, 0.0, 1.0), batch, d, use);
        return std::pair{remainder - count, count};
      },
      trials, std::tuple<Array, Array>{ratios, Array(keys)});
  (void)left;
  return jnp::moveaxis(counts, 0, -1);
}

}  // namespace jx::random
