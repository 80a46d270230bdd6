// jx/scipy/stats.h: the continuous distributions, with JAX's formulas (jax/_src/scipy/stats/*.py): each
// is standardized, z = (x - loc) / scale, and the density divided by scale.
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/scipy/stats.h"
#include "ops/promotion.h"
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
using internal::kNan;
using internal::kPi;

}  // namespace

// --- norm ---------------------------------------------------------------------------------------------

namespace norm {
Array logpdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Standardized s = standardize(x, location, scale);
  const Array log_z = jnp::subtract(jnp::multiply(jnp::square(s.z), -0.5), 0.5 * std::log(2 * kPi));
  return scaled_log_density(log_z, s);
}
Array pdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return sp::ndtr(standardize(x, location, scale).z);
}
Array logcdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return sp::log_ndtr(standardize(x, location, scale).z);
}
Array sf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return sp::ndtr(jnp::negative(standardize(x, location, scale).z));
}
Array logsf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return sp::log_ndtr(jnp::negative(standardize(x, location, scale).z));
}
Array ppf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return loc_scale_quantile(sp::ndtri(q), location, scale);
}
Array isf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return loc_scale_quantile(jnp::negative(sp::ndtri(q)), location, scale);
}
}  // namespace norm

// --- cauchy ---------------------------------------------------------------------------------------------

namespace cauchy {
Array logpdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Standardized s = standardize(x, location, scale);
  return scaled_log_density(jnp::negative(jnp::add(jnp::log1p(jnp::square(s.z)), std::log(kPi))), s);
}
Array pdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::add(0.5, jnp::divide(jnp::arctan(standardize(x, location, scale).z), kPi));
}
Array logcdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::log(cdf(x, location, scale));
}
Array sf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return cdf(jnp::negative(standardize(x, location, scale).z));
}
Array logsf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::log(sf(x, location, scale));
}
Array ppf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  auto [p] = floats(q);
  return loc_scale_quantile(jnp::tan(jnp::multiply(jnp::subtract(p, 0.5), kPi)), location, scale);
}
Array isf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  auto [p] = floats(q);
  return loc_scale_quantile(jnp::tan(jnp::multiply(jnp::subtract(0.5, p), kPi)), location, scale);
}
}  // namespace cauchy

// --- expon ----------------------------------------------------------------------------------------------

namespace expon {
Array logpdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Standardized s = standardize(x, location, scale);
  return jnp::where(jnp::less(s.z, 0.0), -kInf, scaled_log_density(jnp::negative(s.z), s));
}
Array pdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Array z = standardize(x, location, scale).z;
  return jnp::where(jnp::less(z, 0.0), 0.0, jnp::negative(jnp::expm1(jnp::negative(z))));
}
Array logcdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::log(cdf(x, location, scale));
}
Array sf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logsf(x, location, scale));
}
Array logsf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Array z = standardize(x, location, scale).z;
  return jnp::where(jnp::less(z, 0.0), 0.0, jnp::negative(z));
}
Array ppf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  auto [p] = floats(q);
  return loc_scale_quantile(jnp::negative(jnp::log1p(jnp::negative(p))), location, scale);
}
}  // namespace expon

// --- laplace, logistic, uniform -----------------------------------------------------------------------

namespace laplace {
Array logpdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Standardized s = standardize(x, location, scale);
  return scaled_log_density(jnp::subtract(jnp::negative(jnp::abs(s.z)), std::log(2.0)), s);
}
Array pdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Array z = standardize(x, location, scale).z;
  const Array half_tail = jnp::multiply(jnp::exp(jnp::negative(jnp::abs(z))), 0.5);
  return jnp::where(jnp::less(z, 0.0), half_tail, jnp::subtract(1.0, half_tail));
}
}  // namespace laplace

namespace logistic {
Array logpdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Standardized s = standardize(x, location, scale);
  // -z - 2 log(1 + e^-z), written with softplus so that neither tail overflows.
  const Array log_z =
      jnp::subtract(jnp::negative(jnp::abs(s.z)), jnp::multiply(nn::softplus(jnp::negative(jnp::abs(s.z))), 2.0));
  return scaled_log_density(log_z, s);
}
Array pdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return sp::expit(standardize(x, location, scale).z);
}
Array sf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return sp::expit(jnp::negative(standardize(x, location, scale).z));
}
Array ppf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  auto [p] = floats(q);
  return loc_scale_quantile(sp::logit(p), location, scale);
}
Array isf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  auto [p] = floats(q);
  return loc_scale_quantile(jnp::negative(sp::logit(p)), location, scale);
}
}  // namespace logistic

namespace uniform {
Array logpdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Standardized s = standardize(x, location, scale);
  const Array outside = jnp::logical_or(jnp::less(s.z, 0.0), jnp::greater(s.z, 1.0));
  return jnp::where(outside, -kInf, jnp::negative(s.log_scale));
}
Array pdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::clip(standardize(x, location, scale).z, Array(0.0), Array(1.0));
}
Array ppf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  auto [p] = floats(q);
  const Array inside = jnp::logical_and(jnp::greater_equal(p, 0.0), jnp::less_equal(p, 1.0));
  return jnp::where(inside, loc_scale_quantile(p, location, scale), kNan);
}
}  // namespace uniform

// --- gumbel_r, gumbel_l -------------------------------------------------------------------------------

namespace gumbel_r {
Array logpdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Standardized s = standardize(x, location, scale);
  return scaled_log_density(jnp::subtract(jnp::negative(s.z), jnp::exp(jnp::negative(s.z))), s);
}
Array pdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, location, scale));
}
Array logcdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::negative(jnp::exp(jnp::negative(standardize(x, location, scale).z)));
}
Array cdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logcdf(x, location, scale));
}
Array ppf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  auto [p] = floats(q);
  return loc_scale_quantile(jnp::negative(jnp::log(jnp::negative(jnp::log(p)))), location, scale);
}
Array sf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::negative(jnp::expm1(logcdf(x, location, scale)));
}
Array logsf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::log(sf(x, location, scale));
}
}  // namespace gumbel_r

namespace gumbel_l {
// The mirror image of gumbel_r: z -> -z.
Array logpdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  const Standardized s = standardize(x, location, scale);
  return scaled_log_density(jnp::subtract(s.z, jnp::exp(s.z)), s);
}
Array pdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, location, scale));
}
Array logsf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::negative(jnp::exp(standardize(x, location, scale).z));
}
Array sf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logsf(x, location, scale));
}
Array cdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::negative(jnp::expm1(logsf(x, location, scale)));
}
Array logcdf_function::operator()(const Array& x, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  return jnp::log(cdf(x, location, scale));
}
Array ppf_function::operator()(const Array& q, const Array& location, const Array& scale, Loc caller) const {
  CallSite site(caller);
  auto [p] = floats(q);
  return loc_scale_quantile(jnp::log(jnp::negative(jnp::log1p(jnp::negative(p)))), location, scale);
}
}  // namespace gumbel_l

}  // namespace jx::scipy::stats
