// jx/scipy/special_integrals.h — the integrals and series of jax.scipy.special beyond the distributions'
// needs: Dawson's integral, the exponential integrals (E1, Ei, E_n), the sine and cosine integrals, Spence's
// function, the Fresnel integrals, Owen's T function, Bessel functions of the first kind of integer order,
// Kummer's confluent and Gauss's hypergeometric functions, the spherical harmonics and the Faddeeva
// function. Included by jx/scipy.h.
//
//   namespace special = jx::scipy::special;
//   auto d = special::dawsn(x);                 // exp(-x^2) * integral_0^x exp(t^2) dt
//   auto [si, ci] = special::sici(x);           // sine and cosine integrals
//   auto j = special::bessel_jn(z, 3);          // J_0(z) .. J_3(z), stacked along a new first axis
//   auto m = special::hyp1f1(a, b, x);          // 1F1(a; b; x)
//   auto g = special::hyp2f1(a, b, c, x);       // 2F1(a, b; c; x)
//   auto y = special::sph_harm_y(n, m, theta, phi);  // Y_n^m, theta polar, phi azimuthal (complex)
//   auto w = special::wofz(z);                  // exp(-z^2) erfc(-i z), complex
//
// All take float32 or float64 (integers become the default float type; complex arguments are a DTypeError)
// and are compositions of jx::lax primitives with a fixed number of series or continued-fraction steps
// chosen for the dtype, so they run under jit and vmap. Where JAX gives a closed-form derivative (dawsn,
// the exponential integrals, sici, owens_t) jx uses the same rule, which is exact where differentiating the
// truncated series would not be; fresnel and spence have theirs too. bessel_jn and hyp1f1 differentiate
// through their series.
#pragma once

#include <optional>
#include <source_location>
#include <utility>

#include "jx/core/array.h"

namespace jx::scipy::special {

using Loc = std::source_location;

// Dawson's integral, odd, with d/dx dawsn(x) = 1 - 2 x dawsn(x).
inline constexpr struct dawsn_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } dawsn{};

// E_n(x) = integral_1^inf exp(-x t) / t^n dt for n >= 0 and x >= 0 (NaN for n < 0 or x < 0). As SciPy, n is
// truncated toward zero; E_n(0) is inf for n <= 1 and 1 / (n - 1) above. d/dx E_n(x) = -E_(n-1)(x); n is
// not differentiated.
inline constexpr struct expn_function {
  Array operator()(const Array& n, const Array& x, Loc loc = Loc::current()) const;
} expn{};
// E_1(x) = expn(1, x): NaN for x < 0, inf at 0.
inline constexpr struct exp1_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } exp1{};
// Ei(x) = principal value of integral_-inf^x exp(t) / t dt: -E_1(-x) for x < 0, -inf at 0. Relative
// accuracy degrades to absolute next to its zero x = 0.37250741...
inline constexpr struct expi_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } expi{};

// (Si(x), Ci(x)): integral_0^x sin t / t dt and gamma + log|x| + integral_0^x (cos t - 1) / t dt. Si is odd;
// for x < 0, Ci is Ci(|x|), the real part (as SciPy); Ci(-inf) is NaN.
inline constexpr struct sici_function {
  std::pair<Array, Array> operator()(const Array& x, Loc loc = Loc::current()) const;
} sici{};

// (S(x), C(x)): integral_0^x sin(pi t^2 / 2) dt and integral_0^x cos(pi t^2 / 2) dt, both odd. Beyond
// |x| = 36974 the leading asymptotic term, whose phase pi x^2 / 2 float64 no longer resolves (as SciPy).
inline constexpr struct fresnel_function {
  std::pair<Array, Array> operator()(const Array& x, Loc loc = Loc::current()) const;
} fresnel{};

// Spence's function, integral_1^x log t / (1 - t) dt = Li2(1 - x), for x >= 0 (NaN below, and at inf as
// SciPy).
inline constexpr struct spence_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } spence{};

// Owen's T function, (1 / 2 pi) integral_0^a exp(-h^2 (1 + t^2) / 2) / (1 + t^2) dt, even in h, odd in a.
inline constexpr struct owens_t_function {
  Array operator()(const Array& h, const Array& a, Loc loc = Loc::current()) const;
} owens_t{};

// J_0(z) .. J_v(z), stacked along a new first axis (shape (v + 1, *z.shape)), by Miller's backward
// recurrence from order n_iter (Zhang and Jin's BJNDD, as JAX). Accurate while n_iter comfortably exceeds
// |z| (the default 50: |z| up to about 25 in float64); v must be in [0, n_iter].
inline constexpr struct bessel_jn_function {
  Array operator()(const Array& z, int v, int n_iter = 50, Loc loc = Loc::current()) const;
} bessel_jn{};

// Kummer's confluent hypergeometric function 1F1(a; b; x) = sum_k (a)_k / (b)_k x^k / k!. inf where b is
// a non-positive integer, unless a is a non-positive integer with a >= b (a polynomial); 1F1(0; 0; x) = 1,
// JAX's convention (SciPy gives inf). Accurate for moderate a and b (up to a few tens) at any x.
inline constexpr struct hyp1f1_function {
  Array operator()(const Array& a, const Array& b, const Array& x, Loc loc = Loc::current()) const;
} hyp1f1{};

// Gauss's hypergeometric function 2F1(a, b; c; x) = sum_k (a)_k (b)_k / (c)_k x^k / k! for real x <= 1
// (JAX's domain): the power series, Euler's transformation (for c - a - b < 0), the 1 - x transformations
// near x = 1 (DLMF 15.8.4, and 15.8.10 where c - a - b is an integer) and Pfaff's for x < 0. A polynomial
// (a or b a non-positive integer, up to degree 400 in float64, 200 in float32) is summed as it is, at any
// x. Special cases as JAX: 1 at x = 0 and where a or b is 0 (c != 0); inf where c is a non-positive
// integer (unless a polynomial a or b >= c ends first, as SciPy) or c = 0, for x > 1 (not a polynomial),
// and at x = 1 unless c - a - b > 0 (then Gauss's Gamma(c) Gamma(c - a - b) / (Gamma(c - a) Gamma(c - b)));
// (1 - x)^-a where b = c, (1 - x)^-b where a = c. Accurate to about 1e-12 relative in float64 (1e-5 in
// float32) for moderate parameters (up to a few tens), less where the terms cancel: a polynomial near
// x = 1, and c - a - b within 0.05 of an integer but not on it. Derivatives as JAX's: d/dx = a b / c
// 2F1(a + 1, b + 1; c + 1; x); d/da, d/db, d/dc by their power series in x (meant for |x| < 1, slow as
// |x| approaches 1; divergent beyond).
inline constexpr struct hyp2f1_function {
  Array operator()(const Array& a, const Array& b, const Array& c, const Array& x, Loc loc = Loc::current()) const;
} hyp2f1{};

// The spherical harmonic of degree n and order m, Y_n^m(theta, phi) = N P_n^m(cos theta) exp(i m phi)
// (orthonormal on the sphere, with the Condon-Shortley phase): theta is the polar angle, phi the
// azimuthal one (SciPy's sph_harm_y; sph_harm_y(n, m, theta, phi) == sph_harm(m, n, phi, theta)). n and m
// are integer arrays (DTypeError otherwise), theta and phi real; all four broadcast, and the result is
// complex64 for float32 angles, complex128 for float64. As JAX: n_max is the largest degree, taken from n
// when absent (which needs a concrete n: under jit pass it, or get a ConcretizationError); degrees and
// orders beyond it are clipped to it; Y is 0 where |m| > n (JAX: undefined). diff_n must be 0 (JAX does
// not support derivatives in n; ValueError otherwise). Differentiable in theta and phi.
inline constexpr struct sph_harm_y_function {
  Array operator()(const Array& n, const Array& m, const Array& theta, const Array& phi, int diff_n = 0,
                   std::optional<int> n_max = std::nullopt, Loc loc = Loc::current()) const;
} sph_harm_y{};

// The Faddeeva function w(z) = exp(-z^2) erfc(-i z), for complex z (real z becomes complex: float32 ->
// complex64, float64 and integers -> complex128 with x64, else complex64). Weideman's rational
// approximation (1994) in the upper half plane, with N = 40 terms in complex128 and 24 in complex64, and
// w(z) = 2 exp(-z^2) - w(-z) below: about 2e-13 relative in complex128 (1e-6 in complex64) over the plane.
// w = 0 where Re z is infinite and Im z finite, NaN where Im z is infinite (as SciPy). d/dz w = -2 z w +
// 2 i / sqrt(pi), as JAX.
inline constexpr struct wofz_function { Array operator()(const Array& z, Loc loc = Loc::current()) const; } wofz{};

}  // namespace jx::scipy::special
