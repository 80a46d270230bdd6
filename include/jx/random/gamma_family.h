// jx/random/gamma_family.h — jax.random's Gamma sampler and the distributions JAX builds on it: gamma,
// loggamma, beta, dirichlet, chisquare, t, f, generalized_normal and ball. Included by jx/random.h.
//
// gamma draws each element with its own key (split from the one given) by Marsaglia and Tsang's
// rejection method, as JAX's exact method does, and differentiates with respect to the shape `a` by
// implicit differentiation of the CDF (d sample / d a = -(dF/da) / (dF/dx), lax::random_gamma_grad),
// so grad flows through samples into the parameters of a variational model, as in JAX.
//
//   namespace random = jx::random;
//   auto g = random::gamma(key, 2.5f, jx::Shape{1000});       // mean 2.5
//   auto w = random::dirichlet(key, jnp::ones({3}), jx::Shape{10});  // rows on the simplex
//   auto dg = jx::grad([&](const jx::Array& a) { return jnp::mean(random::gamma(key, a, jx::Shape{64})); })(2.0f);
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>

#include "jx/core/array.h"
#include "jx/random.h"

namespace jx::random {

// Gamma(a, 1): density x^(a-1) e^(-x) / Gamma(a) on x > 0. The shape broadcasts a (a's shape by default).
inline constexpr struct gamma_function {
  Array operator()(const Key& prng_key, const Array& a, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} gamma{};
// log of a Gamma(a, 1) sample, drawn in log space so that the tiny samples of a << 1 keep their
// precision (exp(loggamma(key, a)) equals gamma(key, a) where the latter does not underflow).
inline constexpr struct loggamma_function {
  Array operator()(const Key& prng_key, const Array& a, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} loggamma{};
// Beta(a, b), as G_a / (G_a + G_b) from two log-gamma draws (computed without overflow).
inline constexpr struct beta_function {
  Array operator()(const Key& prng_key, const Array& a, const Array& b, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} beta{};
// Dirichlet(alpha) over alpha's last axis; `shape` is the batch shape (alpha.shape[:-1] by default) and
// the result has shape shape + (alpha.shape[-1],).
inline constexpr struct dirichlet_function {
  Array operator()(const Key& prng_key, const Array& alpha, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} dirichlet{};
// Chi-square with df degrees of freedom: 2 Gamma(df / 2).
inline constexpr struct chisquare_function {
  Array operator()(const Key& prng_key, const Array& df, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} chisquare{};
// Student's t with df degrees of freedom: n sqrt((df / 2) / Gamma(df / 2)) for a standard normal n.
inline constexpr struct t_function {
  Array operator()(const Key& prng_key, const Array& df, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} t{};
// Snedecor's F(dfnum, dfden): the ratio of two chi-squares, each over its degrees of freedom.
inline constexpr struct f_function {
  Array operator()(const Key& prng_key, const Array& dfnum, const Array& dfden,
                   std::optional<Shape> shape = std::nullopt, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} f{};
// The generalized normal with shape p: density p / (2 Gamma(1/p)) exp(-|x|^p) (p = 2: normal with
// variance 1/2; p = 1: Laplace).
inline constexpr struct generalized_normal_function {
  Array operator()(const Key& prng_key, double p, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} generalized_normal{};
// Uniform in the d-dimensional unit ball of the p-norm (Barthe, Guedon, Mendelson and Naor's method):
// shape shape + (d,).
inline constexpr struct ball_function {
  Array operator()(const Key& prng_key, std::int64_t d, double p = 2.0, const Shape& shape = {},
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} ball{};

}  // namespace jx::random
