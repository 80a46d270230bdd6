// jx::scipy::special (jax.scipy.special), composed from jx::numpy and jx::lax with JAX's formulas
// (jax/_src/scipy/special.py): the same branches, safe-value guards (so that an unselected branch's
// NaN or infinity never reaches a gradient) and custom derivatives (xlogy, xlog1py, log_ndtr).
#include <cmath>
#include <limits>
#include <numbers>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/scipy.h"
#include "jx/transforms/custom_derivatives.h"
#include "ops/linalg_common.h"
#include "ops/promotion.h"
#include "trace/trace.h"

namespace jx::scipy::special {
namespace jnp = jx::numpy;

namespace {

Array constant(double value, const Array& like) { return jnp::array(value, like.dtype()); }
Array nan_like(const Array& x) { return jnp::full_like(x, std::numeric_limits<double>::quiet_NaN()); }

}  // namespace

Array erf_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::erf(ops::to_inexact(x));
}

Array erfinv_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::erf_inv(ops::to_inexact(x));
}

Array erfc_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::erfc(ops::to_inexact(x));
}

Array expit_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::logistic(ops::to_inexact(x));
}

Array logit_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return jnp::log(v / (1 - v));
}

Array gammaln_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::lgamma(ops::to_inexact(x));
}

Array logsumexp_function::operator()(const Array& x, numpy::ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return nn::logsumexp(x, options);
}

Array logsumexp_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  return nn::logsumexp(x, axis);
}

// --- Information theory ----------------------------------------------------------------------------------

Array xlogy_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  static const auto xlogy_with_jvp = custom_jvp(
      [](const Array& a, const Array& b) {
        return jnp::where(jnp::not_equal(a, constant(0, a)), a * jnp::log(b), jnp::zeros_like(a * b));
      },
      [](const std::tuple<Array, Array>& primals, const std::tuple<Array, Array>& tangents) {
        const auto& [a, b] = primals;
        const auto& [da, db] = tangents;
        return da * jnp::log(b) + db * a / b;
      });
  const auto [a, b] = ops::promote_inexact(x, y);
  return xlogy_with_jvp(a, b);
}

Array xlog1py_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  static const auto xlog1py_with_jvp = custom_jvp(
      [](const Array& a, const Array& b) {
        return jnp::where(jnp::not_equal(a, constant(0, a)), a * jnp::log1p(b), jnp::zeros_like(a * b));
      },
      [](const std::tuple<Array, Array>& primals, const std::tuple<Array, Array>& tangents) {
        const auto& [a, b] = primals;
        const auto& [da, db] = tangents;
        return da * jnp::log1p(b) + db * a / (b + 1.0);
      });
  const auto [a, b] = ops::promote_inexact(x, y);
  return xlog1py_with_jvp(a, b);
}

Array entr_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return jnp::where(v < 0, constant(-std::numeric_limits<double>::infinity(), v), jnp::negative(xlogy(v, v)));
}

namespace {

// rel_entr and kl_div share their masks (both positive; p = 0 with q >= 0; inf elsewhere) and the
// term p log(p / q), computed on safe values so that no branch's NaN reaches a gradient.
struct EntropyTerms {
  Array both_positive, p_zero, safe_p, safe_q, relative;

  // `value` where both are positive, `at_p_zero` where p = 0 and q >= 0, inf elsewhere.
  Array select(const Array& value, const Array& at_p_zero) const {
    return jnp::where(both_positive, value,
                      jnp::where(p_zero, at_p_zero, constant(std::numeric_limits<double>::infinity(), value)));
  }
};

EntropyTerms entropy_terms(const Array& p, const Array& q) {
  const Array both_positive = jnp::logical_and(p > 0, q > 0);
  const Array p_zero = jnp::logical_and(jnp::equal(p, constant(0, p)), q >= 0);
  const Array safe_p = jnp::where(both_positive, p, constant(1, p));
  const Array safe_q = jnp::where(both_positive, q, constant(1, q));
  return {both_positive, p_zero, safe_p, safe_q, xlogy(safe_p, safe_p) - xlogy(safe_p, safe_q)};
}

}  // namespace

Array rel_entr_function::operator()(const Array& p, const Array& q, Loc loc) const {
  CallSite site(loc);
  const auto [a, b] = ops::promote_inexact(p, q);
  const EntropyTerms t = entropy_terms(a, b);
  return t.select(t.relative, jnp::zeros_like(t.relative));
}

Array kl_div_function::operator()(const Array& p, const Array& q, Loc loc) const {
  CallSite site(loc);
  const auto [a, b] = ops::promote_inexact(p, q);
  const EntropyTerms t = entropy_terms(a, b);
  const Array value = t.relative + t.safe_q - t.safe_p;
  return t.select(value, jnp::broadcast_to(b, value.shape()));
}

// --- The normal distribution ------------------------------------------------------------------------------

Array ndtr_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  const double half_sqrt2 = 0.5 * std::numbers::sqrt2;
  const Array w = v * half_sqrt2;
  const Array z = jnp::abs(w);
  // 1 + erf(w) near 0; in the tails erfc, which keeps the small side's digits.
  const Array y = jnp::where(z < half_sqrt2, lax::erf(w) + 1.0, jnp::where(w > 0, 2.0 - lax::erfc(z), lax::erfc(z)));
  return y * 0.5;
}

namespace {

// log ndtr(x) for x at or below the lower segment: -x^2/2 - log(-x) - log(2 pi)/2 plus the log of the
// asymptotic series 1 - 1/x^2 + 3/x^4 - 15/x^6 + ... to `order` terms.
Array log_ndtr_lower(const Array& x, int order) {
  const Array x2 = jnp::square(x);
  const Array log_scale = x2 * -0.5 - jnp::log(jnp::negative(x)) - 0.5 * std::log(2 * std::numbers::pi);
  Array series = jnp::ones_like(x);
  Array power = x2;
  double double_factorial = 1;  // (2n - 1)!!
  for (int n = 1; n <= order; ++n) {
    double_factorial *= 2 * n - 1;
    const Array term = double_factorial / power;
    series = n % 2 == 1 ? series - term : series + term;
    power = power * x2;
  }
  return log_scale + jnp::log(series);
}

Array log_ndtr_value(const Array& v, int order) {
  const bool wide = v.dtype() == DType::float64;
  const double lower = wide ? -20 : -10, upper = wide ? 8 : 5;
  const Array lower_arg = jnp::minimum(v, constant(lower, v));
  const Array middle_arg = jnp::maximum(v, constant(lower, v));
  return jnp::where(v > upper, jnp::negative(ndtr(jnp::negative(v))),  // log(1 - q) = -q for tiny q
                    jnp::where(v > lower, jnp::log(ndtr(middle_arg)), log_ndtr_lower(lower_arg, order)));
}

}  // namespace

Array log_ndtr_function::operator()(const Array& x, int series_order, Loc loc) const {
  CallSite site(loc);
  if (series_order < 0 || series_order > 30) {
    throw ValueError("log_ndtr", "series_order must be between 0 and 30, got " + std::to_string(series_order));
  }
  const Array v = ops::to_inexact(x);
  if (!is_floating(v.dtype())) throw DTypeError("log_ndtr", "takes real input, got " + v.type().to_string());
  // d/dx log Phi(x) = phi(x) / Phi(x), computed as exp(-x^2/2 - log Phi(x) - log sqrt(2 pi)) so that it
  // stays finite where Phi(x) underflows.
  const auto with_jvp =
      custom_jvp([series_order](const Array& a) { return log_ndtr_value(a, series_order); },
                 [series_order](const std::tuple<Array>& primals, const std::tuple<Array>& tangents) {
                   const Array& a = std::get<0>(primals);
                   const Array value = log_ndtr_value(a, series_order);
                   const double log_root = 0.5 * std::log(2 * std::numbers::pi);
                   return std::pair{value, std::get<0>(tangents) * jnp::exp(jnp::square(a) * -0.5 - value - log_root)};
                 });
  return with_jvp(v);
}

// --- Gamma and beta functions ----------------------------------------------------------------------------

Array digamma_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  if (!is_floating(v.dtype())) throw DTypeError("digamma", "takes real input, got " + v.type().to_string());
  // Reflection below 1/2: psi(x) = psi(1 - x) - pi / tan(pi x). Then the recurrence psi(y) = psi(y + 10)
  // - sum 1 / (y + k), and the asymptotic series at z = y + 10 >= 10.5, whose terms to z^-14 leave
  // an error below 1e-16.
  const Array reflect = v < 0.5;
  const Array y = jnp::where(reflect, 1.0 - v, v);
  Array shift = jnp::zeros_like(y);
  for (int k = 0; k < 10; ++k) shift = shift + jnp::reciprocal(y + static_cast<double>(k));
  const Array z = y + 10.0;
  const Array inverse = jnp::reciprocal(z), inverse2 = jnp::square(inverse);
  // Bernoulli numbers B_2n / (2n): 1/12, 1/120, 1/252, 1/240, 1/132, 691/32760, 1/12.
  Array tail = inverse2 * (1.0 / 12);
  for (double c : {691.0 / 32760, 1.0 / 132, 1.0 / 240, 1.0 / 252, 1.0 / 120, 1.0 / 12}) tail = inverse2 * (c - tail);
  const Array psi_y = jnp::log(z) - inverse * 0.5 - tail - shift;
  const double pi = std::numbers::pi;
  const Array safe_v = jnp::where(reflect, v, constant(0.25, v));  // keeps tan's pole out of the other branch
  const Array reflected = psi_y - pi / jnp::tan(safe_v * pi);
  const Array pole = jnp::logical_and(v <= 0, jnp::equal(v, jnp::floor(v)));
  return jnp::where(pole, nan_like(v), jnp::where(reflect, reflected, psi_y));
}

Array gammasgn_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  const Array floor = jnp::floor(v);
  const Array negative = v < 0;
  const Array undefined = jnp::logical_or(jnp::logical_and(negative, jnp::equal(v, floor)), jnp::isnan(v));
  const Array odd = jnp::not_equal(jnp::remainder(floor, constant(2, v)), constant(0, v));
  const Array minus = jnp::logical_or(jnp::logical_and(negative, odd),
                                      jnp::logical_and(jnp::equal(v, constant(0, v)), jnp::reciprocal(v) < 0));  // -0
  return jnp::where(undefined, nan_like(v), jnp::where(minus, constant(-1, v), constant(1, v)));
}

Array gamma_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return gammasgn(v) * jnp::exp(lax::lgamma(v));
}

Array loggamma_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  return jnp::where(v > 0, lax::lgamma(v), nan_like(v));
}

namespace {

// Stirling's remainder del(z) = log Gamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2), for z >= 8: the
// series sum B_2n / (2n (2n - 1) z^(2n - 1)) to the z^-13 term, whose successor is below 1e-15 there.
Array stirling_remainder(const Array& z) {
  const Array inverse = jnp::reciprocal(z), inverse2 = jnp::square(inverse);
  Array sum = inverse2 * (1.0 / 156);
  for (double c : {691.0 / 360360, 1.0 / 1188, 1.0 / 1680, 1.0 / 1260, 1.0 / 360}) sum = inverse2 * (c - sum);
  return inverse * (1.0 / 12 - sum);
}

// log Gamma(b) - log Gamma(a + b) for b >= 8, from Stirling's formula with its remainder:
// -(b - 1/2) log1p(a / b) - a log(a + b) + a + del(b) - del(a + b). No term cancels the others, so
// it keeps double precision where the difference of two log Gammas of ~1e7 would keep 1e-9.
// (JAX's betaln uses cdflib's algdiv without cdflib's reduction of a, which leaves errors near 1e-7
// for a between 2 and 8; this does not.)
Array log_gamma_ratio(const Array& a, const Array& b) {
  return jnp::negative((b - 0.5) * jnp::log1p(a / b)) - a * jnp::log(a + b) + a + stirling_remainder(b) -
         stirling_remainder(a + b);
}

}  // namespace

Array betaln_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  const auto [p, q] = ops::promote_inexact(a, b);
  const Array small = jnp::minimum(p, q), large = jnp::maximum(p, q);
  const Array direct = lax::lgamma(small) + (lax::lgamma(large) - lax::lgamma(small + large));
  const Array safe_large = jnp::where(large < 8, constant(8, large), large);
  const Array expanded = lax::lgamma(small) + log_gamma_ratio(small, safe_large);
  return jnp::where(large < 8, direct, expanded);
}

Array beta_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  const auto [p, q] = ops::promote_inexact(a, b);
  return gammasgn(p) * gammasgn(q) * gammasgn(p + q) * jnp::exp(betaln(p, q));
}

Array factorial_function::operator()(const Array& n, bool exact, Loc loc) const {
  CallSite site(loc);
  if (exact) throw ValueError("factorial", "exact = true is not supported (as in JAX): the result is floating point");
  const Array v = ops::to_inexact(n);
  return jnp::where(v < 0, jnp::zeros_like(v), jnp::exp(lax::lgamma(v + 1.0)));
}

Array comb_function::operator()(const Array& n, const Array& k, CombOptions options, Loc loc) const {
  CallSite site(loc);
  const auto [total, chosen] = ops::promote_inexact(n, k);
  if (options.repetition) {
    const Array trivial = jnp::logical_and(jnp::equal(chosen, constant(0, chosen)), total >= 0);
    return jnp::where(trivial, constant(1, total), comb(total + chosen - 1.0, chosen));
  }
  const Array valid = jnp::logical_and(jnp::logical_and(chosen <= total, total >= 0), chosen >= 0);
  const Array safe_n = jnp::where(valid, total, constant(0, total)),
              safe_k = jnp::where(valid, chosen, constant(0, chosen));
  const Array value =
      jnp::exp(lax::lgamma(safe_n + 1.0) - lax::lgamma(safe_k + 1.0) - lax::lgamma(safe_n - safe_k + 1.0));
  return jnp::where(valid, value, jnp::zeros_like(value));
}

Array poch_function::operator()(const Array& z, const Array& m, Loc loc) const {
  CallSite site(loc);
  const auto [a, b] = ops::promote_inexact(z, m);
  return jnp::where(jnp::equal(b, constant(0, b)), constant(1, a), gamma(a + b) / gamma(a));
}

Array multigammaln_function::operator()(const Array& a, int d, Loc loc) const {
  CallSite site(loc);
  if (d < 1) throw ValueError("multigammaln", "d must be at least 1, got " + std::to_string(d));
  const Array v = ops::to_inexact(a);
  Array total = jnp::zeros_like(v);
  for (int i = 0; i < d; ++i) total = total + lax::lgamma(v - 0.5 * i);
  return total + 0.25 * d * (d - 1) * std::log(std::numbers::pi);
}

// --- Transforms -----------------------------------------------------------------------------------------

namespace {

Array box_cox(const Array& log_x, const Array& lmbda) {
  const Array zero = jnp::equal(lmbda, constant(0, lmbda));
  const Array safe = jnp::where(zero, jnp::ones_like(lmbda), lmbda);
  return jnp::where(zero, log_x, jnp::expm1(safe * log_x) / safe);
}

}  // namespace

Array boxcox_function::operator()(const Array& x, const Array& lmbda, Loc loc) const {
  CallSite site(loc);
  const auto [v, l] = ops::promote_inexact(x, lmbda);
  return box_cox(jnp::log(v), l);
}

Array boxcox1p_function::operator()(const Array& x, const Array& lmbda, Loc loc) const {
  CallSite site(loc);
  const auto [v, l] = ops::promote_inexact(x, lmbda);
  return box_cox(jnp::log1p(v), l);
}

namespace {

// x shifted by its (gradient-stopped) maximum over the axes, kept as size-1 axes.
Array shifted(const Array& v, const std::optional<Axes>& axis) {
  const numpy::ReduceOptions over{.axis = axis, .keepdims = true};
  return v - lax::stop_gradient(jnp::max(v, over));
}

}  // namespace

Array softmax_function::operator()(const Array& x, SoftmaxOptions options, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  if (v.size() == 0) return v;
  const Array e = jnp::exp(shifted(v, options.axis));
  return e / jnp::sum(e, {.axis = options.axis, .keepdims = true});
}

Array log_softmax_function::operator()(const Array& x, SoftmaxOptions options, Loc loc) const {
  CallSite site(loc);
  const Array v = ops::to_inexact(x);
  if (v.size() == 0) return v;
  const Array s = shifted(v, options.axis);
  return s - jnp::log(jnp::sum(jnp::exp(s), {.axis = options.axis, .keepdims = true}));
}

}  // namespace jx::scipy::special
