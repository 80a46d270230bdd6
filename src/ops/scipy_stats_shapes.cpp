// jx/scipy/stats.h: the continuous distributions with shape parameters (gamma, chi2, t, pareto, gennorm,
// vonmises, wrapcauchy, beta, truncnorm), by JAX's formulas.
#include <cmath>
#include <limits>
#include <numbers>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/scipy/stats.h"
#include "ops/stats_common.h"

namespace jx::scipy::stats {
namespace {

namespace jnp = jx::numpy;
namespace sp = jx::scipy::special;
using internal::floats;
using internal::loc_scale_quantile;
using internal::scaled_log_density;
using internal::standardize;
using internal::Standardized;

using internal::kInf;
using internal::kPi;

// The standardized point and the shape parameter(s) in one float type.
struct Shaped {
  Standardized s;
  Array a, b;
};
Shaped shaped(const Array& x, const Array& a, const Array& location, const Array& scale) {
  auto [xs, as, ls, ss] = floats(x, a, location, scale);
  return {standardize(xs, ls, ss), as, Array()};
}
Shaped shaped(const Array& x, const Array& a, const Array& b, const Array& location, const Array& scale) {
  auto [xs, as, bs, ls, ss] = floats(x, a, b, location, scale);
  return {standardize(xs, ls, ss), as, bs};
}

// log(Phi(b) - Phi(a)) for a <= b, without cancellation in either tail (the mass of a normal interval).
Array log_gauss_mass(const Array& a, const Array& b) {
  // Both below 0: log Phi(b) + log(1 - Phi(a) / Phi(b)); both above: the same mirrored; straddling 0:
  // log(1 - Phi(a) - Phi(-b)).
  const Array lower =
      jnp::add(sp::log_ndtr(b), jnp::log1p(jnp::negative(jnp::exp(jnp::subtract(sp::log_ndtr(a), sp::log_ndtr(b))))));
  const Array upper =
      jnp::add(sp::log_ndtr(jnp::negative(a)), jnp::log1p(jnp::negative(jnp::exp(jnp::subtract(
                                                   sp::log_ndtr(jnp::negative(b)), sp::log_ndtr(jnp::negative(a)))))));
  const Array middle = jnp::log1p(jnp::negative(jnp::add(sp::ndtr(a), sp::ndtr(jnp::negative(b)))));
  return jnp::where(jnp::less_equal(b, 0.0), lower, jnp::where(jnp::greater_equal(a, 0.0), upper, middle));
}

}  // namespace

// --- gamma and chi2 -----------------------------------------------------------------------------------

namespace gamma {
Array logpdf_function::operator()(const Array& x, const Array& a, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, a, location, scale);
  const Array log_z = jnp::subtract(jnp::subtract(sp::xlogy(jnp::subtract(p.a, 1.0), p.s.z), p.s.z), sp::gammaln(p.a));
  return jnp::where(jnp::less(p.s.z, 0.0), -kInf, scaled_log_density(log_z, p.s));
}
Array pdf_function::operator()(const Array& x, const Array& a, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, a, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& a, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, a, location, scale);
  return sp::gammainc(p.a, jnp::maximum(p.s.z, 0.0));
}
Array logcdf_function::operator()(const Array& x, const Array& a, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  return jnp::log(cdf(x, a, location, scale));
}
Array sf_function::operator()(const Array& x, const Array& a, const Array& location, const Array& scale,
                              Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, a, location, scale);
  return sp::gammaincc(p.a, jnp::maximum(p.s.z, 0.0));
}
Array logsf_function::operator()(const Array& x, const Array& a, const Array& location, const Array& scale,
                                 Loc caller) const {
  CallSite site(caller);
  return jnp::log(sf(x, a, location, scale));
}
}  // namespace gamma

namespace chi2 {
// chi2(df) is gamma(df / 2) with scale 2.
Array logpdf_function::operator()(const Array& x, const Array& df, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  auto [d, s] = floats(df, scale);
  return gamma::logpdf(x, jnp::divide(d, 2.0), location, jnp::multiply(s, 2.0));
}
Array pdf_function::operator()(const Array& x, const Array& df, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, df, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& df, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  auto [d, s] = floats(df, scale);
  return gamma::cdf(x, jnp::divide(d, 2.0), location, jnp::multiply(s, 2.0));
}
Array logcdf_function::operator()(const Array& x, const Array& df, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  return jnp::log(cdf(x, df, location, scale));
}
Array sf_function::operator()(const Array& x, const Array& df, const Array& location, const Array& scale,
                              Loc caller) const {
  CallSite site(caller);
  auto [d, s] = floats(df, scale);
  return gamma::sf(x, jnp::divide(d, 2.0), location, jnp::multiply(s, 2.0));
}
Array logsf_function::operator()(const Array& x, const Array& df, const Array& location, const Array& scale,
                                 Loc caller) const {
  CallSite site(caller);
  return jnp::log(sf(x, df, location, scale));
}
}  // namespace chi2

// --- t ------------------------------------------------------------------------------------------------

namespace t {
Array logpdf_function::operator()(const Array& x, const Array& df, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, df, location, scale);
  const Array half = jnp::divide(jnp::add(p.a, 1.0), 2.0);
  const Array normalization = jnp::subtract(jnp::subtract(sp::gammaln(half), sp::gammaln(jnp::divide(p.a, 2.0))),
                                            jnp::multiply(jnp::log(jnp::multiply(p.a, kPi)), 0.5));
  const Array log_z =
      jnp::subtract(normalization, jnp::multiply(half, jnp::log1p(jnp::divide(jnp::square(p.s.z), p.a))));
  return scaled_log_density(log_z, p.s);
}
Array pdf_function::operator()(const Array& x, const Array& df, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, df, location, scale));
}
}  // namespace t

// --- pareto -------------------------------------------------------------------------------------------

namespace pareto {
Array logpdf_function::operator()(const Array& x, const Array& b, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, b, location, scale);
  const Array log_z = jnp::subtract(jnp::log(p.a), jnp::multiply(jnp::add(p.a, 1.0), jnp::log(p.s.z)));
  return jnp::where(jnp::less(p.s.z, 1.0), -kInf, scaled_log_density(log_z, p.s));
}
Array pdf_function::operator()(const Array& x, const Array& b, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, b, location, scale));
}
Array logsf_function::operator()(const Array& x, const Array& b, const Array& location, const Array& scale,
                                 Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, b, location, scale);
  return jnp::where(jnp::less(p.s.z, 1.0), 0.0, jnp::multiply(jnp::negative(p.a), jnp::log(p.s.z)));
}
Array sf_function::operator()(const Array& x, const Array& b, const Array& location, const Array& scale,
                              Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logsf(x, b, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& b, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::negative(jnp::expm1(logsf(x, b, location, scale)));
}
Array logcdf_function::operator()(const Array& x, const Array& b, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  return jnp::log(cdf(x, b, location, scale));
}
Array ppf_function::operator()(const Array& q, const Array& b, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  auto [p, shape] = floats(q, b);
  return loc_scale_quantile(jnp::power(jnp::subtract(1.0, p), jnp::divide(-1.0, shape)), location, scale);
}
}  // namespace pareto

// --- gennorm ------------------------------------------------------------------------------------------

namespace gennorm {
Array logpdf_function::operator()(const Array& x, const Array& beta, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, beta, location, scale);
  const Array log_z =
      jnp::subtract(jnp::subtract(jnp::subtract(jnp::log(p.a), std::log(2.0)), sp::gammaln(jnp::divide(1.0, p.a))),
                    jnp::power(jnp::abs(p.s.z), p.a));
  return scaled_log_density(log_z, p.s);
}
Array pdf_function::operator()(const Array& x, const Array& beta, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, beta, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& beta, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, beta, location, scale);
  const Array half_mass = jnp::multiply(sp::gammainc(jnp::divide(1.0, p.a), jnp::power(jnp::abs(p.s.z), p.a)), 0.5);
  return jnp::add(0.5, jnp::multiply(jnp::sign(p.s.z), half_mass));
}
}  // namespace gennorm

// --- vonmises, wrapcauchy (circular: JAX gives -inf outside one period) --------------------------------

namespace vonmises {
Array logpdf_function::operator()(const Array& x, const Array& kappa, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, kappa, location, scale);
  // kappa (cos z - 1) - log(2 pi i0e(kappa)): the scaled Bessel function keeps large kappa finite.
  const Array log_z = jnp::subtract(jnp::multiply(p.a, jnp::subtract(jnp::cos(p.s.z), 1.0)),
                                    jnp::log(jnp::multiply(sp::i0e(p.a), 2 * kPi)));
  return jnp::where(jnp::less_equal(jnp::abs(p.s.z), kPi), scaled_log_density(log_z, p.s), -kInf);
}
Array pdf_function::operator()(const Array& x, const Array& kappa, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, kappa, location, scale));
}
}  // namespace vonmises

namespace wrapcauchy {
Array logpdf_function::operator()(const Array& x, const Array& c, const Array& location, const Array& scale,
                                  Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, c, location, scale);
  const Array c2 = jnp::square(p.a);
  const Array log_z = jnp::subtract(
      jnp::subtract(jnp::log1p(jnp::negative(c2)), std::log(2 * kPi)),
      jnp::log(jnp::subtract(jnp::add(1.0, c2), jnp::multiply(jnp::multiply(p.a, 2.0), jnp::cos(p.s.z)))));
  const Array inside = jnp::logical_and(jnp::greater_equal(p.s.z, 0.0), jnp::less_equal(p.s.z, 2 * kPi));
  return jnp::where(inside, scaled_log_density(log_z, p.s), -kInf);
}
Array pdf_function::operator()(const Array& x, const Array& c, const Array& location, const Array& scale,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, c, location, scale));
}
}  // namespace wrapcauchy

// --- beta ---------------------------------------------------------------------------------------------

namespace beta {
Array logpdf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                                  const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, a, b, location, scale);
  const Array log_z = jnp::subtract(
      jnp::add(sp::xlogy(jnp::subtract(p.a, 1.0), p.s.z), sp::xlog1py(jnp::subtract(p.b, 1.0), jnp::negative(p.s.z))),
      sp::betaln(p.a, p.b));
  const Array outside = jnp::logical_or(jnp::less(p.s.z, 0.0), jnp::greater(p.s.z, 1.0));
  return jnp::where(outside, -kInf, scaled_log_density(log_z, p.s));
}
Array pdf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                               const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, a, b, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                               const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, a, b, location, scale);
  return sp::betainc(p.a, p.b, jnp::clip(p.s.z, Array(0.0), Array(1.0)));
}
Array logcdf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                                  const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::log(cdf(x, a, b, location, scale));
}
Array sf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location, const Array& scale,
                              Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, a, b, location, scale);
  return sp::betainc(p.b, p.a, jnp::clip(jnp::subtract(1.0, p.s.z), Array(0.0), Array(1.0)));
}
Array logsf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                                 const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::log(sf(x, a, b, location, scale));
}
}  // namespace beta

// --- truncnorm ----------------------------------------------------------------------------------------

namespace truncnorm {
Array logpdf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                                  const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, a, b, location, scale);
  const Array log_z = jnp::subtract(jnp::subtract(jnp::multiply(jnp::square(p.s.z), -0.5), 0.5 * std::log(2 * kPi)),
                                    log_gauss_mass(p.a, p.b));
  const Array outside = jnp::logical_or(jnp::less(p.s.z, p.a), jnp::greater(p.s.z, p.b));
  return jnp::where(outside, -kInf, scaled_log_density(log_z, p.s));
}
Array pdf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                               const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, a, b, location, scale));
}
Array logcdf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                                  const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, a, b, location, scale);
  const Array z = jnp::clip(p.s.z, p.a, p.b);
  const Array value = jnp::subtract(log_gauss_mass(p.a, z), log_gauss_mass(p.a, p.b));
  return jnp::where(jnp::less(p.s.z, p.a), -kInf, jnp::where(jnp::greater(p.s.z, p.b), 0.0, value));
}
Array cdf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                               const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logcdf(x, a, b, location, scale));
}
Array logsf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location,
                                 const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Shaped p = shaped(x, a, b, location, scale);
  const Array z = jnp::clip(p.s.z, p.a, p.b);
  const Array value = jnp::subtract(log_gauss_mass(z, p.b), log_gauss_mass(p.a, p.b));
  return jnp::where(jnp::less(p.s.z, p.a), 0.0, jnp::where(jnp::greater(p.s.z, p.b), -kInf, value));
}
Array sf_function::operator()(const Array& x, const Array& a, const Array& b, const Array& location, const Array& scale,
                              Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logsf(x, a, b, location, scale));
}
}  // namespace truncnorm

}  // namespace jx::scipy::stats
