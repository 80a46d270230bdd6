// jx::random's scalar distributions: uniform, normal, randint, bernoulli, truncated_normal, gumbel,
// exponential, laplace, logistic and rademacher — each JAX's algorithm, step for step, so that the
// same key gives the same values (see shared/reference/prng.md).
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "random/internal.h"
#include "trace/trace.h"

namespace jx::random {
namespace jnp = jx::numpy;

namespace detail {
namespace {

int mantissa_bits(DType dtype) {
  switch (dtype) {
    case DType::float16:
      return 10;
    case DType::bfloat16:
      return 7;
    case DType::float64:
      return 52;
    default:
      return 23;
  }
}

// numpy.finfo(dtype).tiny: the smallest normal number.
double tiny(DType dtype) {
  switch (dtype) {
    case DType::float16:
      return 6.103515625e-05;
    case DType::float64:
      return std::numeric_limits<double>::min();
    default:
      return std::numeric_limits<float>::min();  // float32 and bfloat16 share the exponent range
  }
}

bool is_concrete_scalar_equal(const Array& x, double value) {
  return x.is_concrete() && x.ndim() == 0 && x.item<double>() == value;
}

// Uniform on [0, 1): bits with the mantissa trick. For float16 and bfloat16, bitcast(m | 1.0) - 1
// is exactly m * 2^-nmant, which is how it is composed here from random_bits.
Array uniform01(const Key& prng_key, const Shape& shape, DType dtype, const KeyUse& use) {
  if (dtype == DType::float32 || dtype == DType::float64) {
    return jx::bind1(primitives::RandomUniform(dtype, shape, config::threefry_partitionable(), use), {prng_key});
  }
  const int nmant = mantissa_bits(dtype);
  const int rng_bits = nmant < 8 ? 8 : 16;
  const Array b = lax::convert_element_type(random_bits(prng_key, rng_bits, shape, use), DType::uint16);
  const Array m = lax::shift_right_logical(b, constant(rng_bits - nmant, DType::uint16));
  return lax::mul(lax::convert_element_type(m, dtype), constant(std::ldexp(1.0, -nmant), dtype));
}

// Clips integer `value` into the range of `dtype` (in its own dtype), then converts: JAX's
// _convert_and_clip_integer.
std::int64_t min_of(DType dtype) {
  // -2^(bits-1) as the two's complement bit pattern (negating 2^63 would overflow int64).
  const auto bits = static_cast<int>(itemsize(dtype) * 8);
  return is_unsigned_integer(dtype) ? 0 : static_cast<std::int64_t>(~std::uint64_t{0} << (bits - 1));
}
std::uint64_t max_of(DType dtype) {
  const auto bits = static_cast<int>(itemsize(dtype) * 8);
  if (is_unsigned_integer(dtype)) return bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  return (std::uint64_t{1} << (bits - 1)) - 1;
}
Array convert_and_clip(const Array& value, DType dtype) {
  const DType from = value.dtype();
  const Array low = constant(std::max(min_of(dtype), min_of(from)), from);
  const Array high = constant(std::min(max_of(dtype), max_of(from)), from);
  return lax::convert_element_type(jnp::clip(value, low, high), dtype);
}

DType unsigned_of_width(std::size_t bytes) {
  switch (bytes) {
    case 1:
      return DType::uint8;
    case 2:
      return DType::uint16;
    case 4:
      return DType::uint32;
    default:
      return DType::uint64;
  }
}

}  // namespace

Array uniform_draw(const Key& prng_key, const Shape& shape, DType dtype, const Array& minval, const Array& maxval,
                   const KeyUse& use) {
  sample_shape("uniform", shape, {minval.shape(), maxval.shape()});
  const Array f = uniform01(prng_key, shape, dtype, use);
  // [0, 1) needs no scaling: f * 1 + 0 and max(0, .) are exact (checked before any conversion,
  // which jit would record rather than run).
  if (is_concrete_scalar_equal(minval, 0) && is_concrete_scalar_equal(maxval, 1)) return f;
  const Array low = lax::convert_element_type(minval, dtype);
  const Array high = lax::convert_element_type(maxval, dtype);
  return jnp::maximum(low, jnp::add(jnp::multiply(f, jnp::subtract(high, low)), low));
}

Array gumbel_draw(const Key& prng_key, const Shape& shape, DType dtype, GumbelMode mode, const KeyUse& use) {
  if (mode == GumbelMode::low) {
    const Array u = uniform_draw(prng_key, shape, dtype, constant(tiny(dtype), dtype), constant(1.0, dtype), use);
    return lax::neg(lax::log(lax::neg(lax::log(u))));
  }
  // "high": a second uniform fills the bits below the first one's resolution, so the largest
  // draw is about twice as far in the tail.
  Shape both = shape;
  both.insert(0, 2);
  const Array u = uniform_draw(prng_key, both, dtype, constant(0.0, dtype), constant(1.0, dtype), use);
  const Array high = u[0], low = u[1];
  const int nmant = mantissa_bits(dtype);
  const Array floor = constant(std::max(std::ldexp(1.0, -(2 * nmant + 1)), tiny(dtype)), dtype);
  const Array refined = lax::add(lax::add(high, lax::mul(constant(std::ldexp(1.0, -nmant), dtype), low)), floor);
  const Array x = jnp::where(lax::ge(high, constant(0.5, dtype)), high, refined);
  return lax::neg(lax::log(lax::neg(lax::log1p(lax::neg(x)))));
}

Array normal_draw(const Key& prng_key, const Shape& shape, DType dtype, const KeyUse& use) {
  if (dtype == DType::float32) {
    return jx::bind1(primitives::RandomNormal(shape, config::threefry_partitionable(), use), {prng_key});
  }
  // nextafter(-1, 0) = -1 + 2^-(nmant + 1), spelled out: lax.nextafter on float16 and bfloat16
  // runs in float32 in jx, which would round it back to -1.
  const Array low = constant(-1.0 + std::ldexp(1.0, -(mantissa_bits(dtype) + 1)), dtype);
  const Array u = uniform_draw(prng_key, shape, dtype, low, constant(1.0, dtype), use);
  return lax::mul(constant(std::numbers::sqrt2, dtype), lax::erf_inv(u));
}

Array randint_draw(const Key& prng_key, const Shape& shape, const Array& minval, const Array& maxval, DType dtype,
                   const KeyUse& use) {
  Array low = is_integer(minval.dtype()) ? minval : minval.astype(default_int_dtype());
  Array high = is_integer(maxval.dtype()) ? maxval : maxval.astype(default_int_dtype());
  // randint(key, shape, 0, 256, uint8)-like bounds: maxval just above the dtype's range widens the span.
  const Array out_of_range = lax::gt(high, convert_and_clip(constant(max_of(dtype), dtype), high.dtype()));
  low = convert_and_clip(low, dtype);
  high = convert_and_clip(high, dtype);
  sample_shape("randint", shape, {low.shape(), high.shape()});
  const auto nbits = static_cast<int>(itemsize(dtype) * 8);
  const Key keys = split_keys(prng_key, Shape{2}, use);
  const Array higher_bits = random_bits(keys[0], nbits, shape, use);
  const Array lower_bits = random_bits(keys[1], nbits, shape, use);

  const DType unsigned_dtype = unsigned_of_width(itemsize(dtype));
  auto full = [&](const Array& x) { return jnp::broadcast_to(x, shape); };
  Array span = full(lax::convert_element_type(jnp::subtract(high, low), unsigned_dtype));
  // maxval <= minval gives minval (span 1); a widened span that wraps to 0 makes rem the identity.
  span = jnp::where(full(jnp::less_equal(high, low)), constant(1, unsigned_dtype), span);
  span = jnp::where(full(jnp::logical_and(out_of_range, jnp::greater(high, low))),
                    lax::add(span, constant(1, unsigned_dtype)), span);
  // (hi * 2^nbits + lo) mod span without overflow: 2^nbits mod span = (2^(nbits/2) mod span)^2 mod span.
  Array multiplier = lax::rem(constant(std::uint64_t{1} << (nbits / 2), unsigned_dtype), span);
  multiplier = lax::rem(lax::mul(multiplier, multiplier), span);
  Array offset = lax::add(lax::mul(lax::rem(higher_bits, span), multiplier), lax::rem(lower_bits, span));
  offset = lax::rem(offset, span);
  return lax::add(full(low), lax::convert_element_type(offset, dtype));
}

}  // namespace detail

using detail::check_single_key;
using detail::constant;
using detail::key_use;

Array uniform_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype,
                                   const Array& minval, const Array& maxval, Loc loc) const {
  CallSite site(loc);
  check_single_key("uniform", prng_key);
  return detail::uniform_draw(prng_key, shape, detail::float_dtype("uniform", dtype), minval, maxval,
                              key_use("uniform", loc));
}

Array uniform_function::operator()(const Key& prng_key, const Shape& shape, const Array& minval, const Array& maxval,
                                   Loc loc) const {
  return uniform(prng_key, shape, std::nullopt, minval, maxval, loc);
}

Array normal_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("normal", prng_key);
  return detail::normal_draw(prng_key, shape, detail::float_dtype("normal", dtype), key_use("normal", loc));
}

Array randint_function::operator()(const Key& prng_key, const Shape& shape, const Array& minval, const Array& maxval,
                                   std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("randint", prng_key);
  const DType d = canonicalize_dtype(dtype.value_or(default_int_dtype()));
  if (!is_integer(d))
    throw TypeError("randint", fmt::format("randint only accepts integer dtypes, got {}", dtype_name(d)));
  const detail::KeyUse use = key_use("randint", loc);
  if (itemsize(d) < 4) {
    // 8- and 16-bit integers are drawn as int32 (far less modulo bias), then narrowed.
    const Array low = jnp::clip(jnp::asarray(minval).astype(DType::int32), constant(detail::min_of(d), DType::int32),
                                constant(static_cast<std::int64_t>(detail::max_of(d)), DType::int32));
    const Array high = jnp::clip(jnp::asarray(maxval).astype(DType::int32), constant(detail::min_of(d), DType::int32),
                                 constant(static_cast<std::int64_t>(detail::max_of(d)) + 1, DType::int32));
    return detail::randint_draw(prng_key, shape, low, high, DType::int32, use).astype(d);
  }
  return detail::randint_draw(prng_key, shape, minval, maxval, d, use);
}

Array bernoulli_function::operator()(const Key& prng_key, const Array& p, std::optional<Shape> shape,
                                     BernoulliMode mode, Loc loc) const {
  CallSite site(loc);
  check_single_key("bernoulli", prng_key);
  const DType d = p.dtype();
  if (!is_floating(d)) {
    throw TypeError("bernoulli", fmt::format("the probability p must have a floating dtype, got {}", dtype_name(d)));
  }
  const Array probability = lax::convert_element_type(p, d);
  const Shape s = detail::sample_shape("bernoulli", shape, {p.shape()});
  const detail::KeyUse use = key_use("bernoulli", loc);
  if (mode == BernoulliMode::low) {
    return jnp::less(detail::uniform_draw(prng_key, s, d, constant(0.0, d), constant(1.0, d), use), probability);
  }
  // Two uniforms u1, u2 on the 2^-nmant grid: u1 + u2 * 2^-nmant is uniform on a grid 2^nmant times
  // finer, and comparing u2 * 2^-nmant < p - u1 keeps the fine part exact.
  Shape both = s;
  both.insert(0, 2);
  const Array u = detail::uniform_draw(prng_key, both, d, constant(0.0, d), constant(1.0, d), use);
  const Array fine = lax::mul(u[1], constant(std::ldexp(1.0, -detail::mantissa_bits(d)), d));
  return jnp::less(fine, jnp::subtract(probability, u[0]));
}

Array bernoulli_function::operator()(const Key& prng_key, const Array& p, const Shape& shape, BernoulliMode mode,
                                     Loc loc) const {
  return bernoulli(prng_key, p, std::optional<Shape>(shape), mode, loc);
}

Array truncated_normal_function::operator()(const Key& prng_key, const Array& lower, const Array& upper,
                                            std::optional<Shape> shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("truncated_normal", prng_key);
  const DType d = detail::float_dtype("truncated_normal", dtype);
  const Shape s = detail::sample_shape("truncated_normal", shape, {lower.shape(), upper.shape()});
  const Array sqrt2 = constant(std::numbers::sqrt2, d);
  const Array lo = lax::convert_element_type(lower, d), hi = lax::convert_element_type(upper, d);
  const Array a = lax::erf(lax::div(lo, sqrt2)), b = lax::erf(lax::div(hi, sqrt2));
  const Array u = detail::uniform_draw(prng_key, s, d, a, b, key_use("truncated_normal", loc));
  const Array out = lax::mul(sqrt2, lax::erf_inv(u));
  // Rounding (or drawing a itself) could land on a bound: clamp into the open interval.
  const double inf = std::numeric_limits<double>::infinity();
  return jnp::clip(out, lax::nextafter(lax::stop_gradient(lo), constant(inf, d)),
                   lax::nextafter(lax::stop_gradient(hi), constant(-inf, d)));
}

Array truncated_normal_function::operator()(const Key& prng_key, const Array& lower, const Array& upper,
                                            const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  return truncated_normal(prng_key, lower, upper, std::optional<Shape>(shape), dtype, loc);
}

Array gumbel_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype, GumbelMode mode,
                                  Loc loc) const {
  CallSite site(loc);
  check_single_key("gumbel", prng_key);
  return detail::gumbel_draw(prng_key, shape, detail::float_dtype("gumbel", dtype), mode, key_use("gumbel", loc));
}

Array exponential_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype,
                                       Loc loc) const {
  CallSite site(loc);
  check_single_key("exponential", prng_key);
  const DType d = detail::float_dtype("exponential", dtype);
  const Array u =
      detail::uniform_draw(prng_key, shape, d, constant(0.0, d), constant(1.0, d), key_use("exponential", loc));
  return lax::neg(lax::log1p(lax::neg(u)));  // -log(1 - u): log's argument in (0, 1]
}

Array laplace_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("laplace", prng_key);
  const DType d = detail::float_dtype("laplace", dtype);
  const double epsneg = std::ldexp(1.0, -(detail::mantissa_bits(d) + 1));  // numpy.finfo(d).epsneg
  const Array u =
      detail::uniform_draw(prng_key, shape, d, constant(-1.0 + epsneg, d), constant(1.0, d), key_use("laplace", loc));
  return lax::mul(lax::sign(u), lax::log1p(lax::neg(lax::abs(u))));
}

Array logistic_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype,
                                    Loc loc) const {
  CallSite site(loc);
  check_single_key("logistic", prng_key);
  const DType d = detail::float_dtype("logistic", dtype);
  const Array x = detail::uniform_draw(prng_key, shape, d, constant(detail::tiny(d), d), constant(1.0, d),
                                       key_use("logistic", loc));
  return lax::sub(lax::log(x), lax::log1p(lax::neg(x)));
}

Array rademacher_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype,
                                      Loc loc) const {
  CallSite site(loc);
  check_single_key("rademacher", prng_key);
  const DType d = canonicalize_dtype(dtype.value_or(default_int_dtype()));
  const DType p = default_float_dtype();
  const Array u =
      detail::uniform_draw(prng_key, shape, p, constant(0.0, p), constant(1.0, p), key_use("rademacher", loc));
  const Array b = jnp::less(u, constant(0.5, p)).astype(d);
  return (2 * b - 1).astype(d);
}

}  // namespace jx::random
