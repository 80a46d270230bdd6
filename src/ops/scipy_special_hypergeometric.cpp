// jx/scipy/special_integrals.h: the Bessel functions of the first kind of integer order (Miller's backward
// recurrence) and Kummer's function 1F1 (its power series, Kummer's transformation for negative x, and the
// asymptotic expansion for large x), both differentiated through their fixed number of steps; Gauss's 2F1
// (the power series and its transformations, with JAX's derivative rules).
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/scipy/special_integrals.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/custom_derivatives.h"
#include "ops/promotion.h"
#include "ops/scipy_special_common.h"

namespace jx::scipy::special {
namespace {

namespace jnp = jx::numpy;
using namespace special_detail;  // NOLINT(google-build-using-namespace)

Array is_nonpositive_integer(const Array& v) { return (v <= 0) & (jnp::floor(v) == v); }

// prod Gamma(top) / prod Gamma(bottom), in logarithms (so that large parameters do not overflow halfway);
// 0 where a bottom argument is a pole.
Array gamma_ratio(const std::vector<Array>& top, const std::vector<Array>& bottom) {
  Array log_magnitude = jnp::zeros_like(top.front()), sign = jnp::ones_like(top.front());
  Array vanishes = log_magnitude != 0;
  for (const Array& v : top) {
    log_magnitude = log_magnitude + gammaln(v);
    sign = sign * gammasgn(v);
  }
  for (const Array& v : bottom) {
    const Array pole = is_nonpositive_integer(v);
    vanishes = vanishes | pole;
    const Array safe = jnp::where(pole, 0.5, v);
    log_magnitude = log_magnitude - gammaln(safe);
    sign = sign * gammasgn(safe);
  }
  return jnp::where(vanishes, 0.0, sign * jnp::exp(log_magnitude));
}

// sum_k (a)_k (b)_k / (c)_k x^k / k!, `steps` terms after the first. A term that reaches a + k = 0 or
// b + k = 0 stays 0 (a polynomial), also where c + k = 0 there (a non-positive integer c below it).
Array gauss_series(const Array& a, const Array& b, const Array& c, const Array& x, int steps) {
  // A loop primitive, not `steps` unrolled copies: programs stay small under jit.
  using State = std::tuple<Array, Array, Array>;  // k, the k-th term, the sum up to it
  const State start{jnp::zeros_like(x), jnp::ones_like(x), jnp::ones_like(x)};
  const State end = lax::fori_loop(
      0, steps,
      [&](const Array&, const State& state) {
        const auto& [k, term, sum] = state;
        const Array top = (a + k) * (b + k), bottom = c + k;
        const Array ratio = jnp::where(top == 0, 0.0, top / jnp::where(bottom == 0, 1.0, bottom));
        const Array next = term * ratio * (x / (k + 1.0));
        return State{k + 1.0, next, sum + next};
      },
      start);
  return std::get<2>(end);
}

// DLMF 15.8.4, for c - a - b = d not an integer: 2F1 in powers of s = 1 - x,
// Gamma(c) Gamma(d) / (Gamma(c - a) Gamma(c - b)) 2F1(a, b; 1 - d; s)
//   + s^d Gamma(c) Gamma(-d) / (Gamma(a) Gamma(b)) 2F1(c - a, c - b; 1 + d; s).
Array gauss_one_minus_x(const Array& a, const Array& b, const Array& c, const Array& x, int steps) {
  const Array d = c - a - b, s = 1.0 - x;
  const Array first = gamma_ratio({c, d}, {c - a, c - b}) * gauss_series(a, b, 1.0 - d, s, steps);
  const Array second = gamma_ratio({c, -d}, {a, b}) * gauss_series(c - a, c - b, 1.0 + d, s, steps);
  return first + jnp::power(s, d) * second;
}

// DLMF 15.8.10 (AMS 55 15.3.11), for c - a - b = m a non-negative integer, in powers of s = 1 - x:
// Gamma(m) Gamma(c) / (Gamma(a + m) Gamma(b + m)) sum_(k<m) (a)_k (b)_k / (k! (1 - m)_k) s^k
//   - (-1)^m Gamma(c) / (Gamma(a) Gamma(b)) s^m sum_k (a + m)_k (b + m)_k / (k! (k + m)!) s^k
//       (log s - psi(k + 1) - psi(k + m + 1) + psi(a + k + m) + psi(b + k + m)),
// the digammas advanced by psi(v + 1) = psi(v) + 1 / v. The finite sum is cut at `finite_steps` terms.
Array gauss_integer_gap(const Array& a, const Array& b, const Array& c, const Array& x, int steps, int finite_steps) {
  const Array m = jnp::maximum(jnp::round(c - a - b), 0.0), s = 1.0 - x;
  using Pair = std::tuple<Array, Array, Array>;  // k, the k-th term, the sum before it
  const Pair finite_end = lax::fori_loop(
      0, finite_steps,
      [&](const Array&, const Pair& state) {
        const auto& [k, term, sum] = state;
        const Array more = m > k + 1.0;
        const Array bottom = jnp::where(more, (k + 1.0) * (1.0 - m + k), 1.0);
        return Pair{k + 1.0, jnp::where(more, term * (a + k) * (b + k) / bottom * s, 0.0),
                    sum + jnp::where(m > k, term, 0.0)};
      },
      Pair{jnp::zeros_like(x), jnp::ones_like(x), jnp::zeros_like(x)});
  const Array safe_m = jnp::maximum(m, 1.0);
  const Array finite = jnp::where(m > 0, gamma_ratio({safe_m, c}, {a + m, b + m}) * std::get<2>(finite_end), 0.0);
  const Array log_s = jnp::log(s);
  using Quad = std::tuple<Array, Array, Array, Array>;  // k, the k-th term, its digammas, the sum before it
  const Array psi = digamma(jnp::ones_like(m)) + digamma(m + 1.0) - digamma(a + m) - digamma(b + m);
  const Quad infinite_end = lax::fori_loop(
      0, steps,
      [&](const Array&, const Quad& state) {
        const auto& [k, term, digammas, sum] = state;
        return Quad{k + 1.0, term * (a + m + k) * (b + m + k) / ((k + 1.0) * (m + k + 1.0)) * s,
                    digammas + 1.0 / (k + 1.0) + 1.0 / (m + k + 1.0) - 1.0 / (a + m + k) - 1.0 / (b + m + k),
                    sum + term * (log_s - digammas)};
      },
      Quad{jnp::zeros_like(x), jnp::exp(-gammaln(m + 1.0)), psi, jnp::zeros_like(x)});
  const Array& infinite = std::get<3>(infinite_end);
  const Array odd = jnp::fmod(m, Array(2.0)) == 1.0;
  const Array front = jnp::where(odd, 1.0, -1.0) * gamma_ratio({c}, {a, b}) * jnp::power(s, m);
  return finite + front * infinite;
}

// 2F1 for 0 <= x < 1 and neither a nor b a non-positive integer: Euler's transformation
// (1 - x)^d 2F1(c - a, c - b; c; x) makes d = c - a - b non-negative; then the series up to x = 0.9 (as
// JAX; the two terms of 15.8.4 cancel more the larger 1 - x is), the transformations above beyond.
Array gauss_unit_interval(const Array& a_in, const Array& b_in, const Array& c, const Array& x, bool wide) {
  const Array euler = c - a_in - b_in < 0;
  const Array a = jnp::where(euler, c - a_in, a_in), b = jnp::where(euler, c - b_in, b_in);
  const Array d = c - a - b;
  const Array gap = jnp::abs(d - jnp::round(d));
  const double eps = wide ? std::numeric_limits<double>::epsilon() : std::numeric_limits<float>::epsilon();
  const Array integer = gap < 50.0 * eps;
  const Array near_one = x > 0.9;
  const int series_steps = wide ? 400 : 200, transformed_steps = wide ? 80 : 40;
  const Array series = gauss_series(a, b, c, jnp::where(near_one, 0.0, x), series_steps);
  const Array near_x = jnp::where(near_one, x, 0.95);
  // Dummy parameters where a branch is not taken, so that it stays finite.
  const Array integer_c = jnp::where(integer, c, a + b + 1.0);
  const Array fractional_c = jnp::where(integer, a + b + 0.5, c);
  const Array transformed =
      jnp::where(integer, gauss_integer_gap(a, b, integer_c, near_x, transformed_steps, wide ? 200 : 100),
                 gauss_one_minus_x(a, b, fractional_c, near_x, transformed_steps));
  const Array value = jnp::where(near_one, transformed, series);
  return jnp::where(euler, jnp::power(1.0 - x, c - a_in - b_in) * value, value);
}

Array hyp2f1_value(const Array& a, const Array& b, const Array& c, const Array& x) {
  const bool wide = x.dtype() == DType::float64;
  const int polynomial_steps = wide ? 400 : 200;
  const Array d = c - a - b;
  const Array polynomial_a = is_nonpositive_integer(a), polynomial_b = is_nonpositive_integer(b);
  const Array polynomial = polynomial_a | polynomial_b;
  // Pfaff's transformation 2F1(a, b; c; x) = (1 - x)^-a 2F1(a, c - b; c; x / (x - 1)) maps x < 0 into
  // (0, 1).
  const Array negative = x < 0;
  const Array y = jnp::where(negative, x / (x - 1.0), x);
  const Array inside = ~polynomial & (y >= 0) & (y < 1);
  Array result = gauss_unit_interval(a, jnp::where(negative, c - b, b), c, jnp::where(inside, y, 0.5), wide);
  result = jnp::where(negative, jnp::power(1.0 - x, -a) * result, result);
  result = jnp::where(polynomial, gauss_series(a, b, c, jnp::where(polynomial, x, 0.0), polynomial_steps), result);
  const Array beyond = ~polynomial & (x >= 1);
  const Array gauss = jnp::where(d > 0, gamma_ratio({c, jnp::where(d > 0, d, 1.0)}, {c - a, c - b}), kInf);
  result = jnp::where(beyond, jnp::where(x == 1, gauss, kInf), result);
  const Array below_one = x < 1;
  result = jnp::where((a == c) & below_one, jnp::power(1.0 - x, -b), result);
  result = jnp::where((b == c) & below_one, jnp::power(1.0 - x, -a), result);
  // A non-positive integer c is a pole, unless a polynomial ends before it (SciPy's convention); c = 0
  // always is (JAX's).
  const Array ends_first = ((polynomial_a & (a >= c)) | (polynomial_b & (b >= c))) & (c != 0);
  result = jnp::where(is_nonpositive_integer(c) & ~ends_first, kInf, result);
  result = jnp::where(((a == 0) | (b == 0)) & (c != 0), 1.0, result);
  result = jnp::where(x == 0, 1.0, result);
  return jnp::where(jnp::isnan(a) | jnp::isnan(b) | jnp::isnan(c) | jnp::isnan(x), kNan, result);
}

// JAX's derivatives in the parameters: sum_(k>=1) t_k (psi(p + k) - psi(p)) for p = a, b and
// sum_(k>=1) t_k (psi(c) - psi(c + k)) for c, t_k the series' terms; the digamma differences are the
// partial sums of 1 / (p + j).
Array hyp2f1_parameter_slope(const Array& a, const Array& b, const Array& c, const Array& x, int which) {
  const int steps = x.dtype() == DType::float64 ? 400 : 200;
  const Array& p = which == 0 ? a : which == 1 ? b : c;
  using State = std::tuple<Array, Array, Array, Array>;  // k, the k-th term, psi(p + k) - psi(p), the sum
  const State end = lax::fori_loop(
      0, steps,
      [&](const Array&, const State& state) {
        const auto& [k, term, difference, total] = state;
        const Array next = term * (a + k) * (b + k) / (c + k) * (x / (k + 1.0));
        const Array next_difference = difference + 1.0 / (p + k);
        return State{k + 1.0, next, next_difference, total + next * next_difference};
      },
      State{jnp::zeros_like(x), jnp::ones_like(x), jnp::zeros_like(x), jnp::zeros_like(x)});
  const Array& sum = std::get<3>(end);
  return which == 2 ? -sum : sum;
}

}  // namespace

Array bessel_jn_function::operator()(const Array& z_in, int v, int n_iter, Loc loc) const {
  CallSite site(loc);
  if (n_iter < 0) throw ValueError("bessel_jn", fmt::format("n_iter must be non-negative, got {}", n_iter));
  if (v < 0 || v > n_iter) {
    throw ValueError("bessel_jn", fmt::format("v must be between 0 and n_iter = {}, got {}", n_iter, v));
  }
  const Array z = real_argument("bessel_jn", z_in);
  const Array at_zero = z == 0, infinite = jnp::isinf(z);
  const Array safe_z = jnp::where(at_zero | infinite, 1.0, z);
  // J_(k) = 2 (k + 1) / z J_(k+1) - J_(k+2) downwards from J_(n_iter+1) = 1, J_(n_iter+2) = 0: the
  // recurrence is stable in this direction, and the sequence comes out proportional to the J_k. The
  // identity J_0 + 2 J_2 + 2 J_4 + ... = 1 fixes the factor. Dividing everything by |J_k| at each step
  // keeps the numbers in range for any n_iter and z (the growth is about (2k / z) per step).
  Array next = jnp::zeros_like(safe_z), current = jnp::ones_like(safe_z);  // J_(k+2), J_(k+1)
  Array even_sum = jnp::zeros_like(safe_z);                                // 2 (J_k + J_(k+2) + ...), k even
  std::vector<Array> orders(static_cast<std::size_t>(v) + 1);
  for (int k = n_iter; k >= 0; --k) {
    const Array value = static_cast<double>(2 * (k + 1)) * current / safe_z - next;
    if (k % 2 == 0) even_sum = even_sum + 2.0 * value;
    if (k <= v) orders[static_cast<std::size_t>(k)] = value;
    const Array magnitude = jnp::abs(value);
    const Array scale = 1.0 / jnp::where(magnitude > 0, magnitude, 1.0);
    next = current * scale;
    current = value * scale;
    even_sum = even_sum * scale;
    for (int j = k; j <= v; ++j) orders[static_cast<std::size_t>(j)] = orders[static_cast<std::size_t>(j)] * scale;
  }
  const Array normalization = even_sum - current;  // J_0 counted once
  for (int k = 0; k <= v; ++k) {
    Array& order = orders[static_cast<std::size_t>(k)];
    order = order / normalization;
    // J_0(0) = 1, J_k(0) = 0 for k >= 1; all vanish at +-inf.
    order = jnp::where(at_zero, k == 0 ? 1.0 : 0.0, jnp::where(infinite, 0.0, order));
  }
  return jnp::stack(orders, 0);
}

Array hyp1f1_function::operator()(const Array& a_in, const Array& b_in, const Array& x_in, Loc loc) const {
  CallSite site(loc);
  const std::vector<Array> operands = real_arguments("hyp1f1", {a_in, b_in, x_in});
  const Array &a = operands[0], &b = operands[1], &x = operands[2];
  const bool wide = x.dtype() == DType::float64;
  const int series_steps = wide ? 250 : 150, asymptotic_steps = wide ? 60 : 30;
  const double asymptotic_from = wide ? 50.0 : 25.0;
  // A non-positive integer a makes 1F1 a polynomial, summed as it is. Otherwise, for x < 0, Kummer's
  // transformation 1F1(a; b; x) = exp(x) 1F1(b - a; b; -x) turns an alternating series into one whose
  // terms keep their sign (for b > a, b > 0), without the cancellation.
  const Array polynomial = is_nonpositive_integer(a);
  const Array kummer = (x < 0) & ~polynomial;
  const Array a2 = jnp::where(kummer, b - a, a);
  const Array y = jnp::where(kummer, -x, x);
  // For y well beyond |a| and |b|, the asymptotic expansion (DLMF 13.7.2, the exponentially larger part)
  // Gamma(b) / Gamma(a) e^y y^(a-b) sum_k (b - a)_k (1 - a)_k / (k! y^k), truncated at its smallest term;
  // it needs 1 / Gamma(a) != 0.
  const Array use_asymptotic =
      (y > asymptotic_from + 2.0 * (jnp::abs(a2) + jnp::abs(b))) & ~is_nonpositive_integer(a2) & jnp::isfinite(y);
  // Power series: term_(k+1) = term_k (a + k) / (b + k) y / (k + 1), where a term that reaches a + k = 0
  // stays 0 (with b + k = 0 there too, when a = b, rather than 0 / 0).
  const Array series_y = jnp::where(use_asymptotic, 0.0, y);
  Array term = jnp::ones_like(series_y), series = term;
  for (int k = 0; k < series_steps; ++k) {
    const Array top = a2 + static_cast<double>(k), bottom = b + static_cast<double>(k);
    const Array ratio = jnp::where(top == 0, 0.0, top / jnp::where(bottom == 0, 1.0, bottom));
    term = term * ratio * (series_y / static_cast<double>(k + 1));
    series = series + term;
  }
  const Array asymptotic_y = jnp::where(use_asymptotic, y, 1e3);
  const Array asymptotic_a = jnp::where(use_asymptotic, a2, 0.5);
  Array tail_term = jnp::ones_like(asymptotic_y), tail = tail_term;
  Array stopped = jnp::zeros_like(asymptotic_y) != 0;
  for (int k = 0; k < asymptotic_steps; ++k) {
    const Array following = tail_term * (b - asymptotic_a + static_cast<double>(k)) *
                            (1.0 - asymptotic_a + static_cast<double>(k)) / (static_cast<double>(k + 1) * asymptotic_y);
    stopped = stopped | (jnp::abs(following) >= jnp::abs(tail_term));
    tail_term = following;
    tail = jnp::where(stopped, tail, tail + tail_term);
  }
  // In logarithms, with Kummer's exp(x) = exp(-y) cancelling the e^y.
  const Array safe_b = jnp::where(use_asymptotic, b, 1.0);
  Array log_front = gammaln(safe_b) - gammaln(asymptotic_a) + (asymptotic_a - safe_b) * jnp::log(asymptotic_y);
  log_front = log_front + jnp::where(kummer, 0.0, asymptotic_y);
  log_front = jnp::where(use_asymptotic, log_front, 0.0);
  const Array asymptotic = gammasgn(safe_b) * gammasgn(asymptotic_a) * jnp::exp(log_front) * tail;
  const Array series_value = jnp::where(kummer, jnp::exp(jnp::where(use_asymptotic, 0.0, x)) * series, series);
  Array result = jnp::where(use_asymptotic, asymptotic, series_value);
  // b a non-positive integer: a pole, unless the polynomial ends first (a a non-positive integer, a >= b).
  const Array pole = is_nonpositive_integer(b) & ~(polynomial & (a >= b));
  result = jnp::where(pole, kInf, result);
  return jnp::where(jnp::isnan(a) | jnp::isnan(b) | jnp::isnan(x), kNan, result);
}

Array hyp2f1_function::operator()(const Array& a, const Array& b, const Array& c, const Array& x, Loc loc) const {
  CallSite site(loc);
  const std::vector<Array> operands = real_arguments("hyp2f1", {a, b, c, x});
  static const auto with_jvp =
      custom_jvp(
          [](const Array& p, const Array& q, const Array& r, const Array& t) { return hyp2f1_value(p, q, r, t); })
          .defjvps([](const Array& tangent, const Array&, const Array& p, const Array& q, const Array& r,
                      const Array& t) { return tangent * hyp2f1_parameter_slope(p, q, r, t, 0); },
                   [](const Array& tangent, const Array&, const Array& p, const Array& q, const Array& r,
                      const Array& t) { return tangent * hyp2f1_parameter_slope(p, q, r, t, 1); },
                   [](const Array& tangent, const Array&, const Array& p, const Array& q, const Array& r,
                      const Array& t) { return tangent * hyp2f1_parameter_slope(p, q, r, t, 2); },
                   [](const Array& tangent, const Array&, const Array& p, const Array& q, const Array& r,
                      const Array& t) { return tangent * (p * q / r) * hyp2f1(p + 1.0, q + 1.0, r + 1.0, t); });
  return with_jvp(operands[0], operands[1], operands[2], operands[3]);
}

}  // namespace jx::scipy::special
