// jx/scipy/special_functions.h. The incomplete gamma and beta functions follow the classic algorithms
// (Numerical Recipes 6.2 and 6.4: a power series, or a continued fraction evaluated by the modified Lentz
// method, whichever converges fast for the arguments), vectorized with a fixed number of steps per dtype
// and the two branches selected per element.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "ops/bessel.h"
#include "ops/promotion.h"
#include "ops/scipy_special_common.h"

namespace jx::scipy::special {
namespace {

namespace jnp = jx::numpy;

using special_detail::kInf;
using special_detail::kNan;
using special_detail::real_arguments;
using special_detail::steps_for;

using ops::constant_like;
using ops::filled_like;

// A number the Lentz method uses in place of zero (NR's FPMIN), for the dtype.
double tiny_for(const Array& x) { return x.dtype() == DType::float64 ? 1e-300 : 1e-30; }

Array replace_tiny(const Array& v, double tiny) {
  return lax::select(lax::lt(lax::abs(v), constant_like(v, tiny)), filled_like(v, tiny), v);
}

// P(a, x) by its series, for x < a + 1: x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a+1)...(a+n)).
Array lower_series(const Array& a, const Array& x) {
  Array term = filled_like(a, 1), total = term, denominator = a;
  for (int n = 0; n < steps_for(a, 300, 120); ++n) {
    denominator = lax::add(denominator, constant_like(a, 1));
    term = lax::mul(term, lax::div(x, denominator));
    total = lax::add(total, term);
  }
  const Array log_prefactor =
      lax::sub(lax::sub(lax::mul(a, lax::log(x)), x), lax::lgamma(lax::add(a, constant_like(a, 1))));
  return lax::mul(total, lax::exp(log_prefactor));
}

// Q(a, x) by its continued fraction, for x >= a + 1.
Array upper_fraction(const Array& a, const Array& x) {
  const double tiny = tiny_for(a);
  Array b = lax::add(lax::sub(x, a), constant_like(a, 1));
  Array c = filled_like(a, 1 / tiny);
  Array d = lax::div(constant_like(a, 1), b);
  Array h = d;
  for (int i = 1; i <= steps_for(a, 300, 120); ++i) {
    const Array an = lax::mul(constant_like(a, -i), lax::sub(constant_like(a, i), a));
    b = lax::add(b, constant_like(a, 2));
    d = replace_tiny(lax::add(lax::mul(an, d), b), tiny);
    c = replace_tiny(lax::add(b, lax::div(an, c)), tiny);
    d = lax::div(constant_like(a, 1), d);
    h = lax::mul(h, lax::mul(d, c));
  }
  const Array log_prefactor = lax::sub(lax::sub(lax::mul(a, lax::log(x)), x), lax::lgamma(a));
  return lax::mul(h, lax::exp(log_prefactor));
}

// P (lower = true) or Q, with the edge values: NaN for a <= 0 or x < 0, P(a, 0) = 0, P(a, inf) = 1.
Array incomplete_gamma(std::string_view op, const Array& a_in, const Array& x_in, bool lower) {
  const std::vector<Array> operands = real_arguments(op, {a_in, x_in});
  const Array &a = operands[0], &x = operands[1];
  const Array zero = constant_like(a, 0);
  // Each branch sees arguments that keep it finite; the other branch's elements are masked out.
  const Array use_series = lax::lt(x, lax::add(a, constant_like(a, 1)));
  const Array safe_x = lax::select(lax::gt(x, zero), x, filled_like(x, 1));
  const Array safe_a = lax::select(lax::gt(a, zero), a, filled_like(a, 1));
  const Array series_x = lax::select(use_series, safe_x, lax::min(safe_x, safe_a));
  const Array fraction_x = lax::select(use_series, lax::add(safe_a, constant_like(a, 1)), safe_x);
  const Array p = lower_series(safe_a, series_x);
  const Array q = upper_fraction(safe_a, fraction_x);
  const Array one = constant_like(a, 1);
  Array result = lower ? lax::select(use_series, p, lax::sub(one, q)) : lax::select(use_series, lax::sub(one, p), q);
  const Array finite_x = lax::is_finite(x);
  result = lax::select(lax::eq(x, zero), filled_like(x, lower ? 0 : 1), result);
  result = lax::select(lax::bitwise_and(lax::bitwise_not(finite_x), lax::gt(x, zero)), filled_like(x, lower ? 1 : 0),
                       result);
  const Array invalid = lax::bitwise_or(lax::bitwise_or(lax::le(a, zero), lax::lt(x, zero)),
                                        lax::bitwise_or(lax::ne(a, a), lax::ne(x, x)));
  return lax::select(invalid, filled_like(x, kNan), result);
}

// The continued fraction of I_x(a, b) (NR's betacf), for x < (a + 1) / (a + b + 2).
Array beta_fraction(const Array& a, const Array& b, const Array& x) {
  const double tiny = tiny_for(a);
  const Array one = constant_like(a, 1);
  const Array qab = lax::add(a, b), qap = lax::add(a, one), qam = lax::sub(a, one);
  Array c = filled_like(a, 1);
  Array d = lax::div(one, replace_tiny(lax::sub(one, lax::div(lax::mul(qab, x), qap)), tiny));
  Array h = d;
  for (int m = 1; m <= steps_for(a, 300, 120); ++m) {
    const Array m_value = constant_like(a, m), m2 = constant_like(a, 2.0 * m);
    // Even step.
    Array aa =
        lax::div(lax::mul(lax::mul(m_value, lax::sub(b, m_value)), x), lax::mul(lax::add(qam, m2), lax::add(a, m2)));
    d = lax::div(one, replace_tiny(lax::add(one, lax::mul(aa, d)), tiny));
    c = replace_tiny(lax::add(one, lax::div(aa, c)), tiny);
    h = lax::mul(h, lax::mul(d, c));
    // Odd step.
    aa = lax::div(lax::neg(lax::mul(lax::mul(lax::add(a, m_value), lax::add(qab, m_value)), x)),
                  lax::mul(lax::add(a, m2), lax::add(qap, m2)));
    d = lax::div(one, replace_tiny(lax::add(one, lax::mul(aa, d)), tiny));
    c = replace_tiny(lax::add(one, lax::div(aa, c)), tiny);
    h = lax::mul(h, lax::mul(d, c));
  }
  return h;
}

}  // namespace

Array gammainc_function::operator()(const Array& a, const Array& x, Loc loc) const {
  CallSite site(loc);
  return incomplete_gamma("gammainc", a, x, true);
}

Array gammaincc_function::operator()(const Array& a, const Array& x, Loc loc) const {
  CallSite site(loc);
  return incomplete_gamma("gammaincc", a, x, false);
}

Array betainc_function::operator()(const Array& a_in, const Array& b_in, const Array& x_in, Loc loc) const {
  CallSite site(loc);
  const std::vector<Array> operands = real_arguments("betainc", {a_in, b_in, x_in});
  const Array &a = operands[0], &b = operands[1], &x = operands[2];
  const Array zero = constant_like(a, 0), one = constant_like(a, 1);
  const Array safe_a = lax::select(lax::gt(a, zero), a, filled_like(a, 1));
  const Array safe_b = lax::select(lax::gt(b, zero), b, filled_like(b, 1));
  const Array inside = lax::bitwise_and(lax::gt(x, zero), lax::lt(x, one));
  const Array safe_x = lax::select(inside, x, filled_like(x, 0.5));
  // The fraction converges fast for x below the mean-ish point; above it, I_x(a, b) = 1 - I_(1-x)(b, a).
  const Array direct =
      lax::lt(safe_x, lax::div(lax::add(safe_a, one), lax::add(lax::add(safe_a, safe_b), constant_like(a, 2))));
  const Array first = lax::select(direct, safe_a, safe_b), second = lax::select(direct, safe_b, safe_a);
  const Array at = lax::select(direct, safe_x, lax::sub(one, safe_x));
  const Array log_front =
      lax::add(lax::sub(lax::sub(lax::lgamma(lax::add(first, second)), lax::lgamma(first)), lax::lgamma(second)),
               lax::add(lax::mul(first, lax::log(at)), lax::mul(second, lax::log1p(lax::neg(at)))));
  const Array part = lax::div(lax::mul(lax::exp(log_front), beta_fraction(first, second, at)), first);
  Array result = lax::select(direct, part, lax::sub(one, part));
  result = lax::select(lax::le(x, zero), filled_like(x, 0), result);
  result = lax::select(lax::ge(x, one), filled_like(x, 1), result);
  const Array invalid = lax::bitwise_or(lax::bitwise_or(lax::le(a, zero), lax::le(b, zero)),
                                        lax::bitwise_or(lax::lt(x, zero), lax::gt(x, one)));
  return lax::select(lax::bitwise_or(invalid, lax::ne(x, x)), filled_like(x, kNan), result);
}

Array ndtri_function::operator()(const Array& p_in, Loc loc) const {
  CallSite site(loc);
  const Array p = ops::to_inexact(p_in);
  if (is_complex(p.dtype())) throw DTypeError("ndtri", "is not defined for complex arguments");
  // By symmetry, solve for the lower tail q = min(p, 1 - p): x <= 0 with Phi(x) = q.
  const Array half = constant_like(p, 0.5);
  const Array upper = lax::gt(p, half);
  const Array q = lax::select(upper, lax::sub(constant_like(p, 1), p), p);
  const Array valid = lax::bitwise_and(lax::gt(q, constant_like(p, 0)), lax::le(q, half));
  const Array safe_q = lax::select(valid, q, filled_like(p, 0.25));
  // Start from Abramowitz and Stegun 26.2.23 (error below 4.5e-4), then Newton steps on
  // log Phi(x) = log q, which converge quadratically in both float types and stay finite far in the tail.
  const Array t = lax::sqrt(lax::mul(constant_like(p, -2), lax::log(safe_q)));
  const Array numerator =
      lax::add(constant_like(p, 2.515517),
               lax::mul(t, lax::add(constant_like(p, 0.802853), lax::mul(t, constant_like(p, 0.010328)))));
  const Array denominator = lax::add(
      constant_like(p, 1),
      lax::mul(t,
               lax::add(constant_like(p, 1.432788),
                        lax::mul(t, lax::add(constant_like(p, 0.189269), lax::mul(t, constant_like(p, 0.001308)))))));
  Array x = lax::neg(lax::sub(t, lax::div(numerator, denominator)));
  const Array log_target = lax::log(safe_q);
  const double log_root_two_pi = 0.5 * std::log(2 * std::numbers::pi);
  for (int step = 0; step < 4; ++step) {
    const Array log_cdf = log_ndtr(x);
    // d/dx log Phi(x) = phi(x) / Phi(x) = exp(log phi - log Phi).
    const Array log_pdf = lax::sub(lax::mul(lax::mul(x, x), constant_like(p, -0.5)), constant_like(p, log_root_two_pi));
    x = lax::sub(x, lax::div(lax::sub(log_cdf, log_target), lax::exp(lax::sub(log_pdf, log_cdf))));
  }
  x = lax::select(lax::eq(q, half), filled_like(p, 0), x);
  Array result = lax::select(upper, lax::neg(x), x);
  result = lax::select(lax::eq(p, constant_like(p, 0)), filled_like(p, -kInf), result);
  result = lax::select(lax::eq(p, constant_like(p, 1)), filled_like(p, kInf), result);
  const Array outside =
      lax::bitwise_or(lax::bitwise_or(lax::lt(p, constant_like(p, 0)), lax::gt(p, constant_like(p, 1))), lax::ne(p, p));
  return lax::select(outside, filled_like(p, kNan), result);
}

namespace {
Array bessel(std::string_view op, const Array& x, int order, bool scaled) {
  const Array v = ops::to_inexact(x);
  if (is_complex(v.dtype())) throw DTypeError(std::string(op), "is not defined for complex arguments");
  return ops::bessel_i(v, order, scaled);
}
}  // namespace

Array i0_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return bessel("i0", x, 0, false);
}
Array i0e_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return bessel("i0e", x, 0, true);
}
Array i1_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return bessel("i1", x, 1, false);
}
Array i1e_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return bessel("i1e", x, 1, true);
}

Array erfcx_function::operator()(const Array& x_in, Loc loc) const {
  CallSite site(loc);
  const Array x = ops::to_inexact(x_in);
  if (is_complex(x.dtype())) throw DTypeError("erfcx", "is not defined for complex arguments");
  // Below 2, exp(x^2) erfc(x) directly (overflowing to inf far below 0, as it should). Above, Laplace's
  // continued fraction erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))),
  // evaluated from the bottom, with the exponentials cancelled.
  const double crossover = 2.0;
  const Array direct_x = lax::min(x, constant_like(x, crossover));
  const Array direct = lax::mul(lax::exp(lax::mul(direct_x, direct_x)), lax::erfc(direct_x));
  const Array large = lax::max(x, constant_like(x, crossover));
  Array fraction = large;
  for (int k = steps_for(x, 60, 30); k >= 1; --k)
    fraction = lax::add(large, lax::div(constant_like(x, 0.5 * k), fraction));
  const Array tail = lax::div(constant_like(x, 1 / std::sqrt(std::numbers::pi)), fraction);
  return lax::select(lax::le(x, constant_like(x, crossover)), direct, tail);
}

namespace {
// B_2j / (2j)! for j = 1 .. 12 (the Bernoulli numbers B_2 = 1/6, B_4 = -1/30, ..., B_24 = -236364091/2730).
std::vector<double> bernoulli_over_factorial() {
  const double b[] = {1.0 / 6, -1.0 / 30,     1.0 / 42,      -1.0 / 30,       5.0 / 66,       -691.0 / 2730,
                      7.0 / 6, -3617.0 / 510, 43867.0 / 798, -174611.0 / 330, 854513.0 / 138, -236364091.0 / 2730};
  std::vector<double> out;
  double factorial = 1;
  for (int j = 1; j <= 12; ++j) {
    factorial *= (2.0 * j - 1) * (2.0 * j);
    out.push_back(b[j - 1] / factorial);
  }
  return out;
}
}  // namespace

Array zeta_function::operator()(const Array& s_in, const Array& q_in, Loc loc) const {
  CallSite site(loc);
  const std::vector<Array> operands = real_arguments("zeta", {s_in, q_in});
  const Array &s = operands[0], &q = operands[1];
  const Array one = constant_like(s, 1);
  const Array valid = lax::bitwise_and(lax::gt(s, one), lax::gt(q, constant_like(q, 0)));
  const Array safe_s = lax::select(valid, s, filled_like(s, 2)), safe_q = lax::select(valid, q, filled_like(q, 1));
  // Euler-Maclaurin: the first N terms summed, the rest as an integral plus Bernoulli corrections, with
  // N = 10 so that q + N >= 10 and the corrections decrease fast.
  constexpr int kDirect = 10;
  Array total = filled_like(s, 0);
  for (int k = 0; k < kDirect; ++k)
    total = lax::add(total, lax::pow(lax::add(safe_q, constant_like(q, k)), lax::neg(safe_s)));
  const Array w = lax::add(safe_q, constant_like(q, kDirect));
  const Array w_power = lax::pow(w, lax::neg(safe_s));  // w^-s
  total = lax::add(total, lax::div(lax::mul(w_power, w), lax::sub(safe_s, one)));
  total = lax::add(total, lax::mul(w_power, constant_like(s, 0.5)));
  // sum_j B_2j / (2j)! * s (s+1) ... (s + 2j - 2) * w^(-s - 2j + 1)
  Array rising = safe_s;               // s (s+1) ... (s + 2j - 2)
  Array power = lax::div(w_power, w);  // w^(-s - 2j + 1) for j = 1
  const Array inverse_square = lax::div(one, lax::mul(w, w));
  const std::vector<double> coefficients = bernoulli_over_factorial();
  for (std::size_t j = 0; j < coefficients.size(); ++j) {
    total = lax::add(total, lax::mul(constant_like(s, coefficients[j]), lax::mul(rising, power)));
    const double k = 2.0 * static_cast<double>(j) + 1;  // the next two factors: (s + k) (s + k + 1)
    rising =
        lax::mul(rising, lax::mul(lax::add(safe_s, constant_like(s, k)), lax::add(safe_s, constant_like(s, k + 1))));
    power = lax::mul(power, inverse_square);
  }
  Array result = lax::select(lax::eq(s, one), filled_like(s, kInf), total);
  return lax::select(lax::bitwise_or(valid, lax::eq(s, one)), result, filled_like(s, kNan));
}

Array zeta_function::operator()(const Array& s, Loc loc) const {
  CallSite site(loc);
  return (*this)(s, Array(1.0));
}

Array polygamma_function::operator()(const Array& n, const Array& x, Loc loc) const {
  CallSite site(loc);
  if (!is_integer(n.dtype()) && !is_floating(n.dtype())) {
    throw DTypeError("polygamma", fmt::format("n must be an integer, got {}", dtype_name(n.dtype())));
  }
  const std::vector<Array> operands = real_arguments("polygamma", {n, x});
  const Array &order = operands[0], &at = operands[1];
  // (-1)^(n+1) n! zeta(n + 1, x), and digamma for n = 0.
  const Array one = constant_like(order, 1);
  const Array safe_order = lax::max(order, one);
  const Array sign = lax::select(lax::eq(lax::rem(safe_order, constant_like(order, 2)), constant_like(order, 0)),
                                 filled_like(order, -1), filled_like(order, 1));
  const Array n_factorial = lax::exp(lax::lgamma(lax::add(safe_order, one)));
  const Array higher = lax::mul(lax::mul(sign, n_factorial), zeta(lax::add(safe_order, one), at));
  Array result = lax::select(lax::eq(order, constant_like(order, 0)), digamma(at), higher);
  const Array invalid = lax::bitwise_or(lax::lt(order, constant_like(order, 0)), lax::ne(lax::floor(order), order));
  return lax::select(invalid, filled_like(at, kNan), result);
}

Array bernoulli_function::operator()(std::int64_t n, Loc loc) const {
  CallSite site(loc);
  if (n < 0) throw ValueError("bernoulli", fmt::format("n must be non-negative, got {}", n));
  // B_0 = 1, B_1 = -1/2 (SciPy's convention), odd ones zero; the even ones from the table up to B_24 and
  // beyond from B_2k = (-1)^(k+1) 2 (2k)! zeta(2k) / (2 pi)^2k, where zeta(2k) converges in a few terms.
  std::vector<double> values(static_cast<std::size_t>(n) + 1, 0.0);
  values[0] = 1;
  if (n >= 1) values[1] = -0.5;
  const std::vector<double> table = bernoulli_over_factorial();
  double n_factorial = 1;  // (2k)!
  for (std::int64_t k = 1; 2 * k <= n; ++k) {
    n_factorial *= static_cast<double>(2 * k - 1) * static_cast<double>(2 * k);
    if (k <= static_cast<std::int64_t>(table.size())) {
      values[static_cast<std::size_t>(2 * k)] = table[static_cast<std::size_t>(k - 1)] * n_factorial;
      continue;
    }
    long double zeta_even = 0;
    for (int j = 1; j <= 20; ++j)
      zeta_even += std::pow(static_cast<long double>(j), -2.0L * static_cast<long double>(k));
    const long double magnitude = 2.0L * n_factorial * zeta_even /
                                  std::pow(2.0L * std::numbers::pi_v<long double>, 2.0L * static_cast<long double>(k));
    values[static_cast<std::size_t>(2 * k)] = static_cast<double>(k % 2 == 1 ? magnitude : -magnitude);
  }
  return jnp::array(values, default_float_dtype());
}

}  // namespace jx::scipy::special
