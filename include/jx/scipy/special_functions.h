// jx/scipy/special_functions.h — the rest of jax.scipy.special that the distributions need: the
// regularized incomplete gamma and beta functions, the inverse normal CDF, the modified Bessel functions
// of order 0 and 1 (plain and exponentially scaled), erfcx, the Hurwitz zeta function, polygamma and the
// Bernoulli numbers. Included by jx/scipy.h.
//
//   namespace special = jx::scipy::special;
//   auto p = special::gammainc(a, x);      // P(a, x) = gamma(a, x) / Gamma(a)
//   auto z = special::ndtri(p);            // Phi^-1(p), to double precision in both tails
//   auto t = special::zeta(s, q);          // sum over k of (k + q)^-s
//
// All are compositions of jx::lax primitives (series, continued fractions and Newton steps with a
// fixed number of terms, chosen for the dtype), so they run under jit and vmap, and grad differentiates
// them (through a converged Newton iteration, the derivative is the implicit one).
#pragma once

#include <cstdint>
#include <source_location>

#include "jx/core/array.h"

namespace jx::scipy::special {

using Loc = std::source_location;

// P(a, x) = gamma(a, x) / Gamma(a) and Q = 1 - P, for a > 0, x >= 0 (NaN elsewhere). Accurate while
// the series or continued fraction converges in its fixed number of steps: a up to about 500 in float64.
inline constexpr struct gammainc_function {
  Array operator()(const Array& a, const Array& x, Loc loc = Loc::current()) const;
} gammainc{};
inline constexpr struct gammaincc_function {
  Array operator()(const Array& a, const Array& x, Loc loc = Loc::current()) const;
} gammaincc{};
// I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1.
inline constexpr struct betainc_function {
  Array operator()(const Array& a, const Array& b, const Array& x, Loc loc = Loc::current()) const;
} betainc{};
// The inverse of ndtr: x with Phi(x) = p (-inf at 0, inf at 1, NaN outside [0, 1]).
inline constexpr struct ndtri_function { Array operator()(const Array& p, Loc loc = Loc::current()) const; } ndtri{};

// Modified Bessel functions of the first kind of orders 0 and 1, and the same times exp(-|x|).
inline constexpr struct i0_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } i0{};
inline constexpr struct i0e_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } i0e{};
inline constexpr struct i1_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } i1{};
inline constexpr struct i1e_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } i1e{};
// exp(x^2) erfc(x), without overflow or underflow for large x.
inline constexpr struct erfcx_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } erfcx{};

// The Hurwitz zeta function sum_k (k + q)^-s for s > 1, q > 0 (q = 1: Riemann's); inf at s = 1.
inline constexpr struct zeta_function {
  Array operator()(const Array& s, const Array& q, Loc loc = Loc::current()) const;
  Array operator()(const Array& s, Loc loc = Loc::current()) const;
} zeta{};
// The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x) for integers n >= 1, digamma for n = 0.
inline constexpr struct polygamma_function {
  Array operator()(const Array& n, const Array& x, Loc loc = Loc::current()) const;
} polygamma{};
// The Bernoulli numbers B_0 .. B_n (B_1 = -1/2), as scipy.special.bernoulli: a float array of n + 1.
inline constexpr struct bernoulli_function {
  Array operator()(std::int64_t n, Loc loc = Loc::current()) const;
} bernoulli{};

}  // namespace jx::scipy::special
