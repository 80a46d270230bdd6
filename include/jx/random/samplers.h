// jx/random/samplers.h — more of jax.random's samplers, each JAX's transformation of its uniform or
// normal draws (jax/_src/random/core.py), so that a key gives the values JAX gives: cauchy, pareto,
// rayleigh, weibull_min, lognormal, maxwell, double_sided_maxwell, geometric, triangular and wald.
// Included by jx/random.h.
//
//   namespace random = jx::random;
//   auto heavy = random::cauchy(key, {1000});
//   auto waits = random::geometric(key, 0.25f, {100});       // int32 counts >= 1
//   auto t = random::triangular(key, 0.0f, 0.3f, 1.0f, {64});
#pragma once

#include <optional>
#include <source_location>

#include "jx/core/array.h"
#include "jx/random.h"

namespace jx::random {

// Standard Cauchy: tan(pi (u - 1/2)) with u uniform on [eps, 1).
inline constexpr struct cauchy_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} cauchy{};
// Pareto with shape b: exp(e / b) for a standard exponential e (support [1, inf)).
inline constexpr struct pareto_function {
  Array operator()(const Key& prng_key, const Array& b, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} pareto{};
// Rayleigh with the given scale: scale sqrt(-2 log u).
inline constexpr struct rayleigh_function {
  Array operator()(const Key& prng_key, const Array& scale = 1.0, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} rayleigh{};
// Weibull (minimum) with scale and concentration: scale (-log(1 - u))^(1 / concentration).
inline constexpr struct weibull_min_function {
  Array operator()(const Key& prng_key, const Array& scale, const Array& concentration, const Shape& shape = {},
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} weibull_min{};
// exp(sigma n) for a standard normal n.
inline constexpr struct lognormal_function {
  Array operator()(const Key& prng_key, const Array& sigma = 1.0, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} lognormal{};
// The norm of a 3-D standard normal vector (the Maxwell distribution); double_sided_maxwell gives it a
// random sign, then scales and shifts it (two keys split from the one given, as JAX does).
inline constexpr struct maxwell_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} maxwell{};
inline constexpr struct double_sided_maxwell_function {
  Array operator()(const Key& prng_key, const Array& location, const Array& scale, const Shape& shape = {},
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} double_sided_maxwell{};
// The number of Bernoulli(p) trials up to the first success (>= 1), as integers (int32 by default).
inline constexpr struct geometric_function {
  Array operator()(const Key& prng_key, const Array& p, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} geometric{};
// Triangular on [left, right] with its peak at mode, by inverting the CDF.
inline constexpr struct triangular_function {
  Array operator()(const Key& prng_key, const Array& left, const Array& mode, const Array& right,
                   std::optional<Shape> shape = std::nullopt, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} triangular{};
// Wald (inverse Gaussian) with the given mean and unit shape, by Michael, Schucany and Haas's method.
inline constexpr struct wald_function {
  Array operator()(const Key& prng_key, const Array& mean, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} wald{};

}  // namespace jx::random
