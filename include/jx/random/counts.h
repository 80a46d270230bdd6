// jx/random/counts.h — jax.random's samplers of counts: poisson, binomial and multinomial, with JAX's
// exact algorithms (Knuth's product of uniforms and Hormann's transformed rejection for Poisson;
// inversion by geometric sums and Hormann's BTRS for the binomial; a scan of binomials for the
// multinomial), so a key gives the counts JAX gives. Included by jx/random.h.
//
//   namespace random = jx::random;
//   auto arrivals = random::poisson(key, 3.5f, jx::Shape{100});              // int32
//   auto heads = random::binomial(key, 20.0f, 0.3f, jx::Shape{100});         // float32 counts
//   auto votes = random::multinomial(key, 100.0f, jnp::array({0.2f, 0.5f, 0.3f}));  // sums to 100
#pragma once

#include <optional>
#include <source_location>

#include "jx/core/array.h"
#include "jx/random.h"

namespace jx::random {

// Poisson(lam) counts as integers (the default int type); lam is computed in float32, as in JAX.
inline constexpr struct poisson_function {
  Array operator()(const Key& prng_key, const Array& lam, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} poisson{};
// Binomial(n, p) counts as floats (n is floored; NaN for n < 0, p outside [0, 1] or NaN; inf for n = inf).
inline constexpr struct binomial_function {
  Array operator()(const Key& prng_key, const Array& n, const Array& p, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} binomial{};
// Counts of n trials over the categories of p's last axis (float counts); `shape` is the full result
// shape, p's shape by default.
inline constexpr struct multinomial_function {
  Array operator()(const Key& prng_key, const Array& n, const Array& p, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} multinomial{};

}  // namespace jx::random
