// jx/scipy/special_integrals.h: Dawson's integral, the exponential, sine/cosine and Fresnel integrals,
// Spence's function and Owen's T function. Each splits its domain where a power series stops being accurate
// and switches to a continued fraction (evaluated forwards by the modified Lentz method, as Numerical Recipes
// 6.3, 6.8 and 6.9 do for expint, cisi and frenel), an asymptotic expansion or a quadrature, all with a fixed
// number of steps per dtype; every branch sees safe arguments so that the ones not selected stay finite and
// keep NaN out of gradients. bessel_jn and hyp1f1 are in scipy_special_hypergeometric.cpp.
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/scipy/special_integrals.h"
#include "jx/transforms/custom_derivatives.h"
#include "ops/promotion.h"
#include "ops/scipy_special_common.h"

namespace jx::scipy::special {
namespace {

namespace jnp = jx::numpy;
using namespace special_detail;  // NOLINT(google-build-using-namespace)

constexpr double kPi = std::numbers::pi;
constexpr double kEuler = std::numbers::egamma;

// --- Dawson's integral ------------------------------------------------------------------------------------

// Rational approximations of the Cephes Math Library's dawsn.c (S. L. Moshier, after W. J. Cody, K. A.
// Paciorek and H. C. Thacher, Math. Comp. 24 (1970)), highest degree first: relative error about 1e-16.
// |x| < 3.25: x P(x^2) / Q(x^2).
constexpr std::array<double, 10> kDawsonSmallNumerator = {
    1.13681498971755972054e-11, 8.49262267667473811108e-10, 1.94434204175553054283e-8,  9.53151741254484363489e-7,
    3.07828309874913200438e-6,  3.52513368520288738649e-4,  -8.50149846724410912031e-4, 4.22618223005546594270e-2,
    -9.17480371773452345351e-2, 9.99999999999999994612e-1};
constexpr std::array<double, 11> kDawsonSmallDenominator = {
    2.40372073066762605484e-11, 1.48864681368493396752e-9, 5.21265281010541664570e-8, 1.27258478273186970203e-6,
    2.32490249820789513991e-5,  3.25524741826057911661e-4, 3.48805814657162590916e-3, 2.79448531198828973716e-2,
    1.58874241960120565368e-1,  5.74918629489320327824e-1, 1.00000000000000000539e0};
// 3.25 <= |x| < 6.25, with t = 1 / x^2: (1 / x + t P(t) / (x Q(t))) / 2.
constexpr std::array<double, 11> kDawsonMiddleNumerator = {
    5.08955156417900903354e-1, -2.44754418142697847934e-1, 9.41512335303534411857e-2, -2.18711255142039025206e-2,
    3.66207612329569181322e-3, -4.23209114460388756528e-4, 3.59641304793896631888e-5, -2.14640351719968974225e-6,
    9.10010780076391431042e-8, -2.40274520828250956942e-9, 3.59233385440928410398e-11};
constexpr std::array<double, 11> kDawsonMiddleDenominator = {
    1.00000000000000000000e0,  -6.31839869873368190192e-1, 2.36706788228248691528e-1, -5.31806367003223277662e-2,
    8.48041718586295374409e-3, -9.47996768486665330168e-4, 7.81025592944552338085e-5, -4.55875153252442634831e-6,
    1.89100358111421846170e-7, -4.91324691331920606875e-9, 7.18466403235734541950e-11};
// |x| >= 6.25, the same form.
constexpr std::array<double, 5> kDawsonLargeNumerator = {-5.90592860534773254987e-1, 6.29235242724368800674e-1,
                                                         -1.72858975380388136411e-1, 1.64837047825189632310e-2,
                                                         -4.86827613020462700845e-4};
constexpr std::array<double, 6> kDawsonLargeDenominator = {1.00000000000000000000e0,  -2.69820057197544900361e0,
                                                           1.73270799045947845857e0,  -3.93708582281939493482e-1,
                                                           3.44278924041233391079e-2, -9.73655226040941223894e-4};

Array dawson_value(const Array& x) {
  const Array ax = jnp::abs(x);
  const Array small = ax < 3.25, middle = ax < 6.25;
  // The small branch at |x| < 3.25 only, the tails at |x| >= 3.25 only (1 / x^2 of 0 would be inf).
  const Array small_x = jnp::where(small, ax, 1.0), tail_x = jnp::where(small, 3.25, ax);
  const Array small_x2 = small_x * small_x;
  const Array near = small_x * horner(small_x2, kDawsonSmallNumerator) / horner(small_x2, kDawsonSmallDenominator);
  const Array t = 1.0 / (tail_x * tail_x);
  const Array middle_part = t * horner(t, kDawsonMiddleNumerator) / horner(t, kDawsonMiddleDenominator);
  const Array large_part = t * horner(t, kDawsonLargeNumerator) / horner(t, kDawsonLargeDenominator);
  // At |x| = inf, 0.5 / x is the 0 it should be.
  const Array far = 0.5 / tail_x * (1.0 + jnp::where(middle, middle_part, large_part));
  return jnp::sign(x) * jnp::where(small, near, far);
}

// --- Exponential integrals --------------------------------------------------------------------------------

// E_n(x) for integer-valued n >= 0 and x >= 0 (other elements give unspecified values, replaced by the
// caller): Numerical Recipes' expint. x <= 2 (1.5 in float32, where the series' cancellation costs more of
// the fewer digits): the power series around 0, whose term for k = n - 1 carries log x and digamma(n);
// above: the continued fraction exp(-x) / (x + n - 1 n / (x + n + 2 - 2 (n + 1) / ...)), which converges in
// a few tens of steps there (from x = 1 it would need about 60 for float64).
Array expn_value(const Array& n, const Array& x) {
  const int series_steps = steps_for(x, 40, 20), fraction_steps = steps_for(x, 40, 25);
  const double kSplit = x.dtype() == DType::float64 ? 2.0 : 1.5;
  const Array near = x <= kSplit;
  const Array nm1 = n - 1.0;
  // Series: 1 / (n - 1) (or -log x - gamma for n = 1) - sum_k (-x)^k / (k! (k - n + 1)), with the k = n - 1
  // term (-x)^k / k! (-log x + digamma(n)).
  const Array series_x = jnp::where(near & (x > 0), x, 1.0);
  const Array log_x = jnp::log(series_x);
  const Array digamma_n = digamma(jnp::maximum(n, 1.0));
  const Array first_is_log = nm1 == 0;
  Array total = jnp::where(first_is_log, -log_x - kEuler, 1.0 / jnp::where(first_is_log, 1.0, nm1));
  Array power = jnp::ones_like(series_x);  // (-x)^k / k!
  for (int k = 1; k <= series_steps; ++k) {
    power = power * (-series_x / static_cast<double>(k));
    const Array is_log_term = nm1 == static_cast<double>(k);
    const Array plain = -power / jnp::where(is_log_term, 1.0, static_cast<double>(k) - nm1);
    total = total + jnp::where(is_log_term, power * (digamma_n - log_x), plain);
  }
  // Continued fraction, even form, by modified Lentz from b_0 = x + n.
  const Array fraction_x = jnp::where(near | ~jnp::isfinite(x), kSplit + 1, x);
  Array b = fraction_x + n;
  Array d = 1.0 / b, h = d, c = b;  // c starts where 1 / tiny + a_1 / (1 / tiny) would, at b_1 after one step
  for (int i = 1; i <= fraction_steps; ++i) {
    const Array an = -static_cast<double>(i) * (nm1 + static_cast<double>(i));
    b = b + 2.0;
    d = 1.0 / (an * d + b);
    c = i == 1 ? b : b + an / c;
    h = h * (c * d);
  }
  const Array fraction = h * jnp::exp(-fraction_x);
  return jnp::where(near, total, fraction);
}

// expn with its edge values: NaN for n < 0, x < 0 or NaN; E_n(0); E_n(inf) = 0; E_0(x) = exp(-x) / x.
Array expn_full(const Array& n_in, const Array& x) {
  const Array n = jnp::trunc(n_in);
  const Array safe_n = jnp::where(jnp::isfinite(n) & (n >= 0), n, 1.0);
  const Array safe_x = jnp::where(x > 0, x, 1.0);
  Array result = expn_value(safe_n, safe_x);
  result = jnp::where(n == 0, jnp::exp(-safe_x) / safe_x, result);
  result = jnp::where(x == 0, jnp::where(n <= 1, kInf, 1.0 / jnp::where(n <= 1, 1.0, n - 1.0)), result);
  result = jnp::where(jnp::isposinf(x), 0.0, result);
  const Array invalid = (n < 0) | (x < 0) | jnp::isnan(x) | ~jnp::isfinite(n);
  return jnp::where(invalid, kNan, result);
}

// Ei(x) for x > 0: gamma + log x + sum_k x^k / (k k!) below the split (all terms positive, so it loses
// nothing but the cancellation next to Ei's zero), and exp(x) / x sum_k k! / x^k, truncated before its terms
// grow, above it, where its smallest term sqrt(2 pi x) exp(-x) is below the dtype's epsilon.
Array expi_positive(const Array& x) {
  const double split = x.dtype() == DType::float64 ? 40.0 : 20.0;
  const int series_steps = steps_for(x, 120, 60), asymptotic_steps = static_cast<int>(split);
  const Array near = x <= split;
  const Array series_x = jnp::where(near, x, 1.0);
  Array power = jnp::ones_like(series_x), total = jnp::zeros_like(series_x);  // x^k / k!
  for (int k = 1; k <= series_steps; ++k) {
    power = power * (series_x / static_cast<double>(k));
    total = total + power / static_cast<double>(k);
  }
  const Array series = (jnp::log(series_x) + kEuler) + total;
  const Array far_x = jnp::where(near | jnp::isposinf(x), 2 * split, x);
  Array term = jnp::ones_like(far_x), sum = term;
  for (int k = 1; k < asymptotic_steps; ++k) {
    term = term * (static_cast<double>(k) / far_x);
    sum = sum + term;
  }
  // exp(x / 2)^2 keeps exp(x) / x finite up to where Ei itself overflows.
  const Array half = jnp::exp(far_x * 0.5);
  const Array asymptotic = half * (half / far_x * sum);
  return jnp::where(near, series, asymptotic);
}

Array expi_full(const Array& x) {
  const Array positive = x > 0;
  const Array pos = expi_positive(jnp::where(positive, x, 1.0));
  const Array neg = -expn_full(jnp::ones_like(x), jnp::where(positive, 1.0, -x));
  Array result = jnp::where(positive, pos, neg);
  result = jnp::where(x == 0, -kInf, result);
  result = jnp::where(jnp::isposinf(x), kInf, result);
  return jnp::where(jnp::isnan(x), kNan, result);
}

// --- Sine and cosine integrals ----------------------------------------------------------------------------

// (Si, Ci) of x >= 0: power series up to 4; Numerical Recipes' cisi continued fraction for E_1(i x) =
// -Ci(x) + i (Si(x) - pi / 2) above; above 1e8, the auxiliary functions' leading terms f = (1 - 2 / x^2) / x,
// g = (1 - 6 / x^2) / x^2 (Abramowitz and Stegun 5.2.34-35), whose next terms are below epsilon.
std::pair<Array, Array> sici_nonnegative(const Array& x) {
  constexpr double kSplit = 4.0, kFar = 1e8;
  const int series_steps = steps_for(x, 25, 14), fraction_steps = steps_for(x, 40, 20);
  const Array near = x <= kSplit;
  const Array series_x = jnp::where(near & (x > 0), x, 1.0);
  const Array x2 = series_x * series_x;
  Array power = jnp::ones_like(series_x);  // (-1)^k x^2k / (2k)!
  Array si = series_x, ci = jnp::log(series_x) + kEuler;
  for (int k = 1; k <= series_steps; ++k) {
    power = power * (-x2 / static_cast<double>((2 * k - 1) * (2 * k)));
    ci = ci + power / static_cast<double>(2 * k);
    si = si + power * series_x / static_cast<double>((2 * k + 1) * (2 * k + 1));
  }
  const Array middle = (x > kSplit) & (x <= kFar);
  const Array fraction_x = jnp::where(middle, x, kSplit + 1);
  Complex b{jnp::ones_like(fraction_x), fraction_x};
  Complex d = reciprocal(b), h = d, c = b;
  for (int i = 2; i <= fraction_steps + 1; ++i) {
    const double a = -static_cast<double>(i - 1) * static_cast<double>(i - 1);
    b.re = b.re + 2.0;
    d = reciprocal(add(scale(d, a), b));
    c = i == 2 ? b : add(b, scale(reciprocal(c), a));
    h = multiply(h, multiply(c, d));
  }
  h = multiply(Complex{jnp::cos(fraction_x), -jnp::sin(fraction_x)}, h);
  const Array far_x = jnp::where(x > kFar, x, 2 * kFar);
  const Array inverse = 1.0 / far_x, inverse2 = inverse * inverse;
  const Array f = inverse * (1.0 - 2.0 * inverse2), g = inverse2 * (1.0 - 6.0 * inverse2);
  const Array cos_far = jnp::cos(far_x), sin_far = jnp::sin(far_x);
  Array si_out = jnp::where(near, si, jnp::where(middle, kPi / 2 + h.im, kPi / 2 - f * cos_far - g * sin_far));
  Array ci_out = jnp::where(near, ci, jnp::where(middle, -h.re, f * sin_far - g * cos_far));
  si_out = jnp::where(x == 0, 0.0, jnp::where(jnp::isposinf(x), kPi / 2, si_out));
  ci_out = jnp::where(x == 0, -kInf, jnp::where(jnp::isposinf(x), 0.0, ci_out));
  return {si_out, ci_out};
}

std::pair<Array, Array> sici_value(const Array& x) {
  auto [si, ci] = sici_nonnegative(jnp::abs(x));
  si = jnp::where(x < 0, -si, si);
  ci = jnp::where(jnp::isneginf(x) | jnp::isnan(x), kNan, ci);
  return {jnp::where(jnp::isnan(x), kNan, si), ci};
}

// --- Fresnel integrals ------------------------------------------------------------------------------------

// (S, C) of x >= 0: power series in t = pi x^2 / 2 up to 1.5; above, Numerical Recipes' frenel: the
// continued fraction of erfc at (1 - i) sqrt(pi) x / 2, C + i S = (1 + i) / 2 (1 - exp(i t) (1 - i) x h);
// above 36974 the leading term of its asymptotic expansion, as Cephes' fresnl.
std::pair<Array, Array> fresnel_nonnegative(const Array& x) {
  constexpr double kSplit = 1.5, kFar = 36974.0;
  const int series_steps = steps_for(x, 20, 12), fraction_steps = steps_for(x, 40, 20);
  const Array near = x <= kSplit;
  const Array series_x = jnp::where(near, x, 1.0);
  const Array t = series_x * series_x * (kPi / 2);
  // C = sum (-1)^k t^2k x / ((2k)! (4k + 1)), S = sum (-1)^k t^(2k+1) x / ((2k + 1)! (4k + 3)).
  Array power = series_x;  // (-1)^k t^2k x / (2k)!
  Array c_series = series_x, s_series = series_x * t / 3.0;
  for (int k = 1; k <= series_steps; ++k) {
    power = power * (-t * t / static_cast<double>((2 * k - 1) * (2 * k)));
    c_series = c_series + power / static_cast<double>(4 * k + 1);
    s_series = s_series + power * t / static_cast<double>((2 * k + 1) * (4 * k + 3));
  }
  const Array middle = (x > kSplit) & (x <= kFar);
  const Array fraction_x = jnp::where(middle, x, kSplit + 1);
  const Array pix2 = kPi * fraction_x * fraction_x;
  Complex b{jnp::ones_like(fraction_x), -pix2};
  Complex d = reciprocal(b), h = d, c = b;
  for (int k = 1; k <= fraction_steps; ++k) {
    const double n = 2.0 * k - 1;
    const double a = -n * (n + 1);
    b.re = b.re + 4.0;
    d = reciprocal(add(scale(d, a), b));
    c = k == 1 ? b : add(b, scale(reciprocal(c), a));
    h = multiply(h, multiply(c, d));
  }
  h = multiply(Complex{fraction_x, -fraction_x}, h);
  const Complex phase{jnp::cos(pix2 * 0.5), jnp::sin(pix2 * 0.5)};
  const Complex inner = multiply(phase, h);
  const Complex one_minus{1.0 - inner.re, -inner.im};
  const Array c_middle = 0.5 * (one_minus.re - one_minus.im), s_middle = 0.5 * (one_minus.re + one_minus.im);
  // Far: C = 1/2 + sin(pi x^2 / 2) / (pi x), S = 1/2 - cos(pi x^2 / 2) / (pi x); 1/2 once x^2 overflows.
  const Array far_x = jnp::where(x > kFar, x, 2 * kFar);
  const Array far_t = far_x * far_x * (kPi / 2);
  const Array amplitude = jnp::where(jnp::isfinite(far_t), 1.0 / (kPi * far_x), 0.0);
  const Array safe_t = jnp::where(jnp::isfinite(far_t), far_t, 0.0);
  const Array c_far = 0.5 + amplitude * jnp::sin(safe_t), s_far = 0.5 - amplitude * jnp::cos(safe_t);
  return {jnp::where(near, s_series, jnp::where(middle, s_middle, s_far)),
          jnp::where(near, c_series, jnp::where(middle, c_middle, c_far))};
}

std::pair<Array, Array> fresnel_value(const Array& x) {
  const auto [s, c] = fresnel_nonnegative(jnp::where(jnp::isnan(x), 0.0, jnp::abs(x)));
  const Array negative = x < 0;
  return {jnp::where(jnp::isnan(x), kNan, jnp::where(negative, -s, s)),
          jnp::where(jnp::isnan(x), kNan, jnp::where(negative, -c, c))};
}

// --- Spence's function ------------------------------------------------------------------------------------

// B_2k / (2k + 1)! for k = 1 .. 9: Li2(z) = u - u^2 / 4 + sum_k B_2k u^(2k+1) / (2k + 1)! with u = -log(1 - z)
// (the generating function of the Bernoulli numbers), which for |u| <= log 2 needs 9 terms for float64.
constexpr std::array<double, 9> kBernoulliOverFactorial = {
    1.0 / 6 / 6,
    -1.0 / 30 / 120,
    1.0 / 42 / 5040,
    -1.0 / 30 / 362880,
    5.0 / 66 / 39916800,
    -691.0 / 2730 / 6227020800.0,
    7.0 / 6 / 1307674368000.0,
    -3617.0 / 510 / 355687428096000.0,
    43867.0 / 798 / 121645100408832000.0,
};

// Li2(z) for z in [-1, 1/2], where u = -log(1 - z) is in [-log 2, log 2].
Array dilogarithm_central(const Array& z) {
  const Array u = -jnp::log1p(-z);
  const Array u2 = u * u;
  const int terms = steps_for(z, 9, 4);
  Array sum = jnp::zeros_like(u);
  for (int k = terms; k >= 1; --k) sum = sum * u2 + kBernoulliOverFactorial[static_cast<std::size_t>(k - 1)];
  return u - u2 * 0.25 + u * u2 * sum;
}

// spence(x) = Li2(1 - x) for x >= 0, mapping 1 - x into [-1, 1/2] by Li2(z) = pi^2/6 - log z log(1 - z) -
// Li2(1 - z) (x < 1/2) and Li2(z) = -pi^2/6 - log^2(-z) / 2 - Li2(1 / z) (x > 2).
Array spence_value(const Array& x) {
  const Array small = x<0.5, large = x> 2.0;
  const Array safe_small = jnp::where(small & (x > 0), x, 0.25);
  const Array safe_large = jnp::where(large & jnp::isfinite(x), x, 4.0);
  const Array z = jnp::where(small, safe_small, jnp::where(large, 1.0 / (1.0 - safe_large), 1.0 - x));
  const Array central = dilogarithm_central(z);
  const double pi2_6 = kPi * kPi / 6;
  const Array from_small = pi2_6 - jnp::log1p(-safe_small) * jnp::log(safe_small) - central;
  const Array log_large = jnp::log(safe_large - 1.0);
  const Array from_large = -pi2_6 - 0.5 * log_large * log_large - central;
  Array result = jnp::where(small, from_small, jnp::where(large, from_large, central));
  result = jnp::where(x == 0, pi2_6, result);
  return jnp::where((x < 0) | jnp::isnan(x) | jnp::isposinf(x), kNan, result);
}

// d/dx spence(x) = log(x) / (1 - x), -1 at x = 1; near 1 as -log1p(t) / t with t = x - 1 exact there.
Array spence_slope(const Array& x) {
  const Array t = x - 1.0;
  const Array close = jnp::abs(t) < 0.5;
  const Array safe_t = jnp::where(close & (t != 0), t, 0.25);
  const Array safe_x = jnp::where(close, 2.0, x);
  return jnp::where(close, jnp::where(t == 0, -1.0, -jnp::log1p(safe_t) / safe_t), jnp::log(safe_x) / (1.0 - safe_x));
}

// --- Owen's T function ------------------------------------------------------------------------------------

// T(h, a) for h >= 0, 0 <= a <= 1 by Gauss-Legendre quadrature of its defining integral: for h <= 1 in t,
// where the integrand is analytic with poles at +-i (24 nodes reach float64); above, in s = h t, where
// T = exp(-h^2 / 2) / (2 pi) integral_0^(a h) exp(-s^2 / 2) h / (h^2 + s^2) ds has its poles at +-i h
// and stops mattering beyond s = 12, and the factor exp(-h^2 / 2) keeps the tiny values' relative accuracy.
Array owens_t_core(const Array& h, const Array& a) {
  const GaussLegendre& rule = gauss_legendre_24();
  const Array near = h <= 1.0;
  // Beyond h = 40, exp(-h^2 / 2) underflows in both dtypes; the clamp keeps h^2 + s^2 finite.
  const Array h_far = jnp::where(near, 2.0, jnp::minimum(h, 40.0));
  const Array upper = jnp::minimum(a * h_far, 12.0);
  const Array h2 = h * h;
  Array near_sum = jnp::zeros_like(h), far_sum = jnp::zeros_like(h);
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double unit = (rule.nodes[i] + 1) / 2, weight = rule.weights[i] / 2;  // on [0, 1]
    const Array t = a * unit;
    const Array one_t2 = 1.0 + t * t;
    near_sum = near_sum + weight * jnp::exp(-0.5 * h2 * one_t2) / one_t2;
    const Array s = upper * unit;
    far_sum = far_sum + weight * jnp::exp(-0.5 * s * s) * h_far / (h_far * h_far + s * s);
  }
  const Array near_value = a * near_sum / (2 * kPi);
  const Array far_value = jnp::exp(-0.5 * h_far * h_far) * upper * far_sum / (2 * kPi);
  return jnp::where(near, near_value, far_value);
}

Array owens_t_value(const Array& h_in, const Array& a_in) {
  const Array h = jnp::abs(h_in), abs_a = jnp::abs(a_in);
  const Array finite = jnp::isfinite(h) & jnp::isfinite(abs_a);
  const Array safe_h = jnp::where(finite, h, 1.0), safe_a = jnp::where(finite, abs_a, 0.5);
  // |a| > 1: T(h, a) = (1 - erf(h / sqrt 2) erf(a h / sqrt 2)) / 4 - T(a h, 1 / a) (Owen 1956), with the
  // bracket as erfc's, c + c' - c c', where both erf are near 1.
  const Array invert = safe_a > 1.0;
  const Array inner_a = jnp::where(invert, 1.0 / safe_a, safe_a);
  const Array inner_h = jnp::where(invert, safe_a * safe_h, safe_h);
  const Array core = owens_t_core(inner_h, inner_a);
  const double root_half = std::numbers::sqrt2 / 2;
  const Array erf_h = erf(safe_h * root_half), erf_ah = erf(safe_a * safe_h * root_half);
  const Array erfc_h = erfc(safe_h * root_half), erfc_ah = erfc(safe_a * safe_h * root_half);
  const Array bracket = jnp::where(safe_h < 1.0, 1.0 - erf_h * erf_ah, erfc_h + erfc_ah - erfc_h * erfc_ah);
  Array result = jnp::where(invert, 0.25 * bracket - core, core);
  // a = +-inf: T(h, inf) = erfc(|h| / sqrt 2) / 4; h = +-inf: 0.
  result = jnp::where(jnp::isinf(abs_a), 0.25 * erfc(jnp::where(jnp::isinf(h), 0.0, h) * root_half), result);
  result = jnp::where(jnp::isinf(h), 0.0, result);
  result = jnp::where(a_in < 0, -result, result);
  return jnp::where(jnp::isnan(h_in) | jnp::isnan(a_in), kNan, result);
}

}  // namespace

Array dawsn_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = real_argument("dawsn", x);
  static const auto with_jvp = custom_jvp([](const Array& t) {
                                 return dawson_value(t);
                               }).defjvps([](const Array& tangent, const Array& ans, const Array& t) {
    return tangent * (1.0 - 2.0 * t * ans);
  });
  return with_jvp(v);
}

Array expn_function::operator()(const Array& n, const Array& x, Loc loc) const {
  CallSite site(loc);
  const std::vector<Array> operands = real_arguments("expn", {n, x});
  // d/dx E_n(x) = -E_(n-1)(x), and d/dx E_0(x) = -exp(-x) (1 + x) / x^2; n is not differentiated.
  static const auto with_jvp =
      custom_jvp([](const Array& order, const Array& t) {
        return expn_full(order, t);
      }).defjvps(nullptr, [](const Array& tangent, const Array&, const Array& order, const Array& t) {
        const Array lower = expn_full(jnp::maximum(order - 1.0, 0.0), t);
        const Array zeroth = jnp::exp(-t) * (1.0 + t) / (t * t);
        return -tangent * jnp::where(jnp::trunc(order) == 0, zeroth, lower);
      });
  return with_jvp(operands[0], operands[1]);
}

Array exp1_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = real_argument("exp1", x);
  return expn(jnp::ones_like(v), v);
}

Array expi_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = real_argument("expi", x);
  static const auto with_jvp =
      custom_jvp([](const Array& t) {
        return expi_full(t);
      }).defjvps([](const Array& tangent, const Array&, const Array& t) { return tangent * jnp::exp(t) / t; });
  return with_jvp(v);
}

std::pair<Array, Array> sici_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = real_argument("sici", x);
  // d Si = sin(x) / x (1 at 0), d Ci = cos(x) / x.
  static const auto with_jvp = custom_jvp([](const Array& t) {
                                 return sici_value(t);
                               }).defjvps([](const Array& tangent, const std::pair<Array, Array>&, const Array& t) {
    const Array safe = jnp::where(t == 0, 1.0, t);
    const Array sinc = jnp::where(t == 0, 1.0, jnp::sin(safe) / safe);
    return std::pair<Array, Array>{tangent * sinc, tangent * jnp::cos(t) / t};
  });
  return with_jvp(v);
}

std::pair<Array, Array> fresnel_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = real_argument("fresnel", x);
  static const auto with_jvp = custom_jvp([](const Array& t) {
                                 return fresnel_value(t);
                               }).defjvps([](const Array& tangent, const std::pair<Array, Array>&, const Array& t) {
    const Array phase = t * t * (kPi / 2);
    return std::pair<Array, Array>{tangent * jnp::sin(phase), tangent * jnp::cos(phase)};
  });
  return with_jvp(v);
}

Array spence_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = real_argument("spence", x);
  static const auto with_jvp =
      custom_jvp([](const Array& t) {
        return spence_value(t);
      }).defjvps([](const Array& tangent, const Array&, const Array& t) { return tangent * spence_slope(t); });
  return with_jvp(v);
}

Array owens_t_function::operator()(const Array& h, const Array& a, Loc loc) const {
  CallSite site(loc);
  const std::vector<Array> operands = real_arguments("owens_t", {h, a});
  // dT/dh = -exp(-h^2 / 2) erf(a h / sqrt 2) / (2 sqrt(2 pi)), dT/da = exp(-(1 + a^2) h^2 / 2) / (2 pi (1 + a^2)).
  static const auto with_jvp = custom_jvp([](const Array& hh, const Array& aa) { return owens_t_value(hh, aa); })
                                   .defjvps(
                                       [](const Array& tangent, const Array&, const Array& hh, const Array& aa) {
                                         return -tangent * jnp::exp(-0.5 * hh * hh) *
                                                erf(aa * hh * (std::numbers::sqrt2 / 2)) / (2 * std::sqrt(2 * kPi));
                                       },
                                       [](const Array& tangent, const Array&, const Array& hh, const Array& aa) {
                                         const Array one_a2 = 1.0 + aa * aa;
                                         return tangent * jnp::exp(-0.5 * one_a2 * hh * hh) / (2 * kPi * one_a2);
                                       });
  return with_jvp(operands[0], operands[1]);
}

}  // namespace jx::scipy::special
