// jx/scipy/special_integrals.h: the Faddeeva function, by Weideman's rational approximation (J. A. C.
// Weideman, "Computation of the complex error function", SIAM J. Numer. Anal. 31 (1994) 1497-1518),
// computed on real and imaginary parts as real arrays.
#include <array>
#include <cmath>
#include <numbers>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/scipy/special_integrals.h"
#include "jx/transforms/custom_derivatives.h"
#include "ops/promotion.h"
#include "ops/scipy_special_common.h"

namespace jx::scipy::special {
namespace {

namespace jnp = jx::numpy;
using special_detail::Complex;

// Weideman's coefficients a_N .. a_1 (highest power first) and L = sqrt(N / sqrt(2)), from his FFT of
// exp(-t^2) (L^2 + t^2) at t = L tan(theta / 2) (computed in float64 with NumPy, for N = 40 and N = 24).
constexpr double kScale40 = 5.3182958969449885;
constexpr std::array<double, 40> kCoefficients40 = {
    -1.847901941834717e-15, 1.2699634805462313e-15,  1.1425337155015013e-14,  -5.332389092620213e-15,
    -7.085129573559487e-14, 1.3708786548271085e-14,  4.53374876049246e-13,    1.2028277629232158e-13,
    -2.90789614609821e-12,  -2.7275959268990846e-12, 1.7714363309551116e-11,  3.4727509756748984e-11,
    -9.055103333821534e-11, -3.5632323758250094e-10, 2.1086008494819453e-10,  3.0177806031872478e-09,
    3.2497466051495393e-09, -1.8315616723274532e-08, -6.351773469692734e-08,  1.4198642558915786e-08,
    5.912136953820091e-07,  1.4835661133135585e-06,  -1.0660138984197208e-06, -1.800744714472496e-05,
    -5.591309264261925e-05, -3.939363145496554e-05,  0.00043980701598679274,  0.0027054056330735976,
    0.010048186242783353,   0.029202916471241763,    0.07182361779074327,     0.15504263802479482,
    0.2998943799615006,     0.5266528988277084,      0.8472174576593815,      1.256381567576513,
    1.7253830848179779,     2.201513794878312,       2.61605415276186,        2.899624509389705,
};
constexpr double kScale24 = 4.119534287814235;
constexpr std::array<double, 24> kCoefficients24 = {
    -1.513746165452782e-10,  4.9048204450498805e-09, 1.3310453392690463e-09, -3.008282345162242e-08,
    -1.9122258938858813e-08, 1.8738343450541828e-07, 2.568264133271445e-07,  -1.0856475796444251e-06,
    -3.0388931843520575e-06, 4.139461724326309e-06,  3.047106608301653e-05,  2.4331415462318416e-05,
    -0.0002074843151142234,  -0.0007816642995623841, -0.0004936426901286122, 0.006215006362949146,
    0.033723366855315955,    0.1083872348456672,     0.265496395988077,      0.5361139535729115,
    0.9257087138588673,      1.3948196733791187,     1.85628649920554,       2.1978589365315417,
};

// w(z) for Im z >= 0: with Z = (L + i z) / (L - i z),
// w(z) = 2 p(Z) / (L - i z)^2 + 1 / (sqrt(pi) (L - i z)).
template <std::size_t N>
Complex upper_half(const Array& x, const Array& y, double scale, const std::array<double, N>& coefficients) {
  const Complex inverse = special_detail::reciprocal({scale + y, -x});  // 1 / (L - i z), i z = -y + i x
  const Complex ratio = special_detail::multiply({scale - y, x}, inverse);
  Complex p{jnp::full_like(x, coefficients[0]), jnp::zeros_like(x)};
  for (std::size_t i = 1; i < N; ++i) {
    p = special_detail::multiply(p, ratio);
    p.re = p.re + coefficients[i];
  }
  const Complex inner = special_detail::multiply(special_detail::scale(p, 2.0), inverse);
  return special_detail::multiply({inner.re + 1.0 / std::sqrt(std::numbers::pi), inner.im}, inverse);
}

Array wofz_value(const Array& z) {
  const Array x = jnp::real(z), y = jnp::imag(z);
  const Array upper = y >= 0;
  // Below the real axis, w(z) = 2 exp(-z^2) - w(-z).
  const Array xu = jnp::where(upper, x, -x), yu = jnp::where(upper, y, -y);
  const Array finite_x = jnp::where(jnp::isinf(x), 0.0, xu);
  const Complex w = x.dtype() == DType::float64 ? upper_half(finite_x, yu, kScale40, kCoefficients40)
                                                : upper_half(finite_x, yu, kScale24, kCoefficients24);
  // exp(-z^2) = exp((y - x)(y + x)) (cos(2 x y) - i sin(2 x y)).
  const Array magnitude = jnp::exp((y - x) * (y + x)), phase = 2.0 * x * y;
  const Array re = jnp::where(upper, w.re, 2.0 * magnitude * jnp::cos(phase) - w.re);
  const Array im = jnp::where(upper, w.im, -2.0 * magnitude * jnp::sin(phase) - w.im);
  // |Re z| = inf with Im z finite: 0; Im z = inf: NaN (as SciPy).
  const Array vanishes = jnp::isinf(x) & jnp::isfinite(y);
  const Array undefined = jnp::isinf(y);
  return lax::complex(jnp::where(undefined, special_detail::kNan, jnp::where(vanishes, 0.0, re)),
                      jnp::where(undefined, special_detail::kNan, jnp::where(vanishes, 0.0, im)));
}

}  // namespace

Array wofz_function::operator()(const Array& z, Loc loc) const {
  CallSite site(loc);
  Array v = ops::to_inexact(z);
  if (!is_complex(v.dtype())) v = v.astype(complex_dtype(v.dtype()));
  // JAX's rule: w'(z) = -2 z w(z) + 2 i / sqrt(pi).
  static const auto with_jvp = custom_jvp([](const Array& t) {
                                 return wofz_value(t);
                               }).defjvps([](const Array& tangent, const Array& ans, const Array& t) {
    const Array i_term =
        lax::complex(jnp::zeros_like(jnp::real(t)), jnp::full_like(jnp::real(t), 2.0 / std::sqrt(std::numbers::pi)));
    return tangent * (i_term - 2.0 * t * ans);
  });
  return with_jvp(v);
}

}  // namespace jx::scipy::special
