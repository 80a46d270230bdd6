// jx/random/samplers.h: JAX's formulas over jx's uniform and normal draws (jax/_src/random/core.py), so
// that the same key gives the same values as JAX.
#include "jx/random/samplers.h"

#include <fmt/format.h>

#include <limits>
#include <numbers>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "ops/float_info.h"
#include "random/internal.h"

namespace jx::random {
namespace {

namespace jnp = jx::numpy;
using detail::check_single_key;
using detail::constant;
using detail::key_use;

// A parameter in the sample dtype, broadcast to the sample shape.
Array parameter(const Array& value, DType dtype, const Shape& shape) {
  return jnp::broadcast_to(jnp::astype(value, dtype), shape);
}

}  // namespace

Array cauchy_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("cauchy", prng_key);
  const DType d = detail::float_dtype("cauchy", dtype);
  const double eps = ops::float_info(d).eps;
  const Array u = detail::uniform_draw(prng_key, shape, d, constant(eps, d), constant(1.0, d), key_use("cauchy", loc));
  return lax::tan(lax::mul(constant(std::numbers::pi, d), lax::sub(u, constant(0.5, d))));
}

Array pareto_function::operator()(const Key& prng_key, const Array& b, std::optional<Shape> shape,
                                  std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("pareto", prng_key);
  const DType d = detail::float_dtype("pareto", dtype);
  const Shape s = detail::sample_shape("pareto", shape, {b.shape()});
  const Array e = exponential(prng_key, s, d);
  return lax::exp(lax::div(e, parameter(b, d, s)));
}

Array rayleigh_function::operator()(const Key& prng_key, const Array& scale, std::optional<Shape> shape,
                                    std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("rayleigh", prng_key);
  const DType d = detail::float_dtype("rayleigh", dtype);
  const Shape s = detail::sample_shape("rayleigh", shape, {scale.shape()});
  const Array u = detail::uniform_draw(prng_key, s, d, constant(0.0, d), constant(1.0, d), key_use("rayleigh", loc));
  return lax::mul(parameter(scale, d, s), lax::sqrt(lax::mul(lax::log(u), constant(-2.0, d))));
}

Array weibull_min_function::operator()(const Key& prng_key, const Array& scale, const Array& concentration,
                                       const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("weibull_min", prng_key);
  const DType d = detail::float_dtype("weibull_min", dtype);
  const Array u =
      detail::uniform_draw(prng_key, shape, d, constant(0.0, d), constant(1.0, d), key_use("weibull_min", loc));
  // The inverse CDF.
  const Array exponent = jnp::divide(1.0, jnp::astype(concentration, d));
  return jnp::multiply(jnp::power(jnp::negative(jnp::log1p(jnp::negative(u))), exponent), jnp::astype(scale, d));
}

Array lognormal_function::operator()(const Key& prng_key, const Array& sigma, std::optional<Shape> shape,
                                     std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("lognormal", prng_key);
  const DType d = detail::float_dtype("lognormal", dtype);
  const Shape s = detail::sample_shape("lognormal", shape, {sigma.shape()});
  const Array n = detail::normal_draw(prng_key, s, d, key_use("lognormal", loc));
  return lax::exp(jnp::multiply(n, jnp::astype(sigma, d)));
}

Array maxwell_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("maxwell", prng_key);
  const DType d = detail::float_dtype("maxwell", dtype);
  Shape vectors = shape;
  vectors.push_back(3);
  const Array n = detail::normal_draw(prng_key, vectors, d, key_use("maxwell", loc));
  return jnp::sqrt(jnp::sum(jnp::square(n), -1));
}

Array double_sided_maxwell_function::operator()(const Key& prng_key, const Array& location, const Array& scale,
                                                const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("double_sided_maxwell", prng_key);
  const DType d = detail::float_dtype("double_sided_maxwell", dtype);
  // As JAX: the parameters' broadcast shape is appended to the requested shape (or is the shape).
  const Shape params = jnp::broadcast_shapes(location.shape(), scale.shape());
  Shape s = shape.ndim() == 0 ? params : shape;
  if (shape.ndim() != 0) {
    for (std::int64_t dim : params) s.push_back(dim);
  }
  auto [maxwell_key, rademacher_key] = split(prng_key);
  const Array magnitude = maxwell(maxwell_key, s, d);
  const Array sign = rademacher(rademacher_key, s, d);
  return jnp::add(jnp::multiply(jnp::multiply(sign, magnitude), jnp::astype(scale, d)), jnp::astype(location, d));
}

Array geometric_function::operator()(const Key& prng_key, const Array& p, std::optional<Shape> shape,
                                     std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("geometric", prng_key);
  const DType result = canonicalize_dtype(dtype.value_or(default_int_dtype()));
  if (!is_integer(result))
    throw ValueError("geometric", fmt::format("dtype must be an integer type, got {}", dtype_name(result)));
  const Array probability = jnp::astype(p, is_floating(p.dtype()) ? p.dtype() : default_float_dtype());
  const DType d = probability.dtype();
  const Shape s = detail::sample_shape("geometric", shape, {p.shape()});
  Array u = detail::uniform_draw(prng_key, s, d, constant(0.0, d), constant(1.0, d), key_use("geometric", loc));
  // JAX maps u = 0 to 1 so that log(u) stays finite.
  u = jnp::where(jnp::equal(u, 0.0), 1.0, u);
  const Array g =
      jnp::add(jnp::floor(jnp::divide(jnp::log(u), jnp::broadcast_to(jnp::log1p(jnp::negative(probability)), s))), 1.0);
  return jnp::astype(g, result);
}

Array triangular_function::operator()(const Key& prng_key, const Array& left, const Array& mode, const Array& right,
                                      std::optional<Shape> shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("triangular", prng_key);
  const DType d = detail::float_dtype("triangular", dtype);
  const Shape s = detail::sample_shape("triangular", shape, {left.shape(), mode.shape(), right.shape()});
  const Array a = parameter(left, d, s), c = parameter(mode, d, s), b = parameter(right, d, s);
  const Array peak = jnp::divide(jnp::subtract(c, a), jnp::subtract(b, a));
  const Array u = detail::uniform_draw(prng_key, s, d, constant(0.0, d), constant(1.0, d), key_use("triangular", loc));
  const Array below = jnp::add(a, jnp::sqrt(jnp::multiply(jnp::multiply(u, jnp::subtract(b, a)), jnp::subtract(c, a))));
  const Array above = jnp::subtract(
      b, jnp::sqrt(jnp::multiply(jnp::multiply(jnp::subtract(1.0, u), jnp::subtract(b, a)), jnp::subtract(b, c))));
  return jnp::where(jnp::less(u, peak), below, above);
}

Array wald_function::operator()(const Key& prng_key, const Array& mean, std::optional<Shape> shape,
                                std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  check_single_key("wald", prng_key);
  const DType d = detail::float_dtype("wald", dtype);
  const Shape s = detail::sample_shape("wald", shape, {mean.shape()});
  auto [k1, k2] = split(prng_key);
  const Array mu = parameter(mean, d, s);
  const Array v = normal(k1, s, d);
  const Array z = uniform(k2, s, d);
  const Array y = jnp::square(v);
  const Array mu_sq = jnp::square(mu);
  const Array root =
      jnp::sqrt(jnp::add(jnp::multiply(jnp::multiply(mu, 4.0), y), jnp::multiply(mu_sq, jnp::square(y))));
  const Array x =
      jnp::subtract(jnp::add(mu, jnp::divide(jnp::multiply(mu_sq, y), 2.0)), jnp::multiply(jnp::divide(mu, 2.0), root));
  return jnp::where(jnp::less_equal(z, jnp::divide(mu, jnp::add(mu, x))), x, jnp::divide(mu_sq, x));
}

}  // namespace jx::random
