// jx/scipy/stats.h: the discrete and multivariate distributions, by JAX's formulas. Probability mass
// functions are -inf (log) off their support, which includes non-integer k.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "jx/core/error.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/scipy/stats.h"
#include "ops/stats_common.h"

namespace jx::scipy::stats {
namespace {

namespace jnp = jx::numpy;
namespace sp = jx::scipy::special;
using internal::floats;

using internal::kInf;

// Whether k is an integer at or above `low`.
Array on_support(const Array& k, double low) {
  return jnp::logical_and(jnp::greater_equal(k, low), jnp::equal(k, jnp::floor(k)));
}

// log n! / (k! (n - k)!)
Array log_binomial(const Array& n, const Array& k) {
  return jnp::subtract(jnp::subtract(sp::gammaln(jnp::add(n, 1.0)), sp::gammaln(jnp::add(k, 1.0))),
                       sp::gammaln(jnp::add(jnp::subtract(n, k), 1.0)));
}

}  // namespace

namespace bernoulli {
Array logpmf_function::operator()(const Array& k_in, const Array& p_in, const Array& location, Loc caller) const {
  CallSite site(caller);
  auto [k, p, l] = floats(k_in, p_in, location);
  const Array x = jnp::subtract(k, l);
  const Array value = jnp::add(sp::xlogy(x, p), sp::xlog1py(jnp::subtract(1.0, x), jnp::negative(p)));
  const Array inside = jnp::logical_or(jnp::equal(x, 0.0), jnp::equal(x, 1.0));
  return jnp::where(inside, value, -kInf);
}
Array pmf_function::operator()(const Array& k, const Array& p, const Array& location, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpmf(k, p, location));
}
Array cdf_function::operator()(const Array& k_in, const Array& p_in, const Array& location, Loc caller) const {
  CallSite site(caller);
  auto [k, p, l] = floats(k_in, p_in, location);
  const Array x = jnp::subtract(k, l);
  return jnp::where(jnp::less(x, 0.0), 0.0, jnp::where(jnp::less(x, 1.0), jnp::subtract(1.0, p), 1.0));
}
Array ppf_function::operator()(const Array& q_in, const Array& p_in, const Array& location, Loc caller) const {
  CallSite site(caller);
  auto [q, p, l] = floats(q_in, p_in, location);
  // The smallest k with cdf(k) >= q: 0 up to 1 - p, then 1 (and -1 at q = 0, SciPy's convention for the
  // lower end of a discrete support); NaN outside [0, 1].
  const Array k = jnp::where(jnp::equal(q, 0.0), -1.0, jnp::where(jnp::less_equal(q, jnp::subtract(1.0, p)), 0.0, 1.0));
  const Array valid = jnp::logical_and(jnp::greater_equal(q, 0.0), jnp::less_equal(q, 1.0));
  return jnp::where(valid, jnp::add(k, l), std::numeric_limits<double>::quiet_NaN());
}
}  // namespace bernoulli

namespace geom {
Array logpmf_function::operator()(const Array& k_in, const Array& p_in, const Array& location, Loc caller) const {
  CallSite site(caller);
  auto [k, p, l] = floats(k_in, p_in, location);
  const Array x = jnp::subtract(k, l);
  const Array value = jnp::add(sp::xlog1py(jnp::subtract(x, 1.0), jnp::negative(p)), jnp::log(p));
  return jnp::where(on_support(x, 1), value, -kInf);
}
Array pmf_function::operator()(const Array& k, const Array& p, const Array& location, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpmf(k, p, location));
}
}  // namespace geom

namespace poisson {
Array logpmf_function::operator()(const Array& k_in, const Array& mu_in, const Array& location, Loc caller) const {
  CallSite site(caller);
  auto [k, mu, l] = floats(k_in, mu_in, location);
  const Array x = jnp::subtract(k, l);
  const Array value = jnp::subtract(jnp::subtract(sp::xlogy(x, mu), sp::gammaln(jnp::add(x, 1.0))), mu);
  return jnp::where(on_support(x, 0), value, -kInf);
}
Array pmf_function::operator()(const Array& k, const Array& mu, const Array& location, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpmf(k, mu, location));
}
Array cdf_function::operator()(const Array& k_in, const Array& mu_in, const Array& location, Loc caller) const {
  CallSite site(caller);
  auto [k, mu, l] = floats(k_in, mu_in, location);
  const Array x = jnp::floor(jnp::subtract(k, l));
  return jnp::where(jnp::less(x, 0.0), 0.0, sp::gammaincc(jnp::add(jnp::maximum(x, 0.0), 1.0), mu));
}
Array entropy_function::operator()(const Array& mu_in, const Array& location, Loc caller) const {
  CallSite site(caller);
  auto [mu, l] = floats(mu_in, location);
  (void)l;  // a shift does not change the entropy
  // -sum_k pmf(k) log pmf(k) over k = 0 .. 299 (which holds all but ~1e-30 of the mass for mu up to 150),
  // and the asymptotic series 0.5 log(2 pi e mu) - 1/(12 mu) - 1/(24 mu^2) - 19/(360 mu^3) above.
  const Array small_mu = jnp::minimum(mu, 150.0);
  const Array k = jnp::astype(jnp::arange(300), mu.dtype());
  Shape k_shape(std::vector<std::int64_t>(static_cast<std::size_t>(mu.ndim()) + 1, 1));
  k_shape[0] = 300;
  const Array log_pmf = logpmf(jnp::reshape(k, k_shape), jnp::expand_dims(small_mu, 0));
  const Array terms = jnp::where(jnp::isneginf(log_pmf), 0.0, jnp::multiply(jnp::exp(log_pmf), log_pmf));
  const Array exact = jnp::negative(jnp::sum(terms, 0));
  const Array large_mu = jnp::maximum(mu, 150.0);
  const Array asymptotic =
      jnp::subtract(jnp::multiply(jnp::log(jnp::multiply(large_mu, 2 * std::numbers::pi * std::numbers::e)), 0.5),
                    jnp::add(jnp::add(jnp::divide(1.0, jnp::multiply(large_mu, 12.0)),
                                      jnp::divide(1.0, jnp::multiply(jnp::square(large_mu), 24.0))),
                             jnp::divide(19.0, jnp::multiply(jnp::power(large_mu, 3.0), 360.0))));
  return jnp::where(jnp::less_equal(mu, 150.0), exact, asymptotic);
}
}  // namespace poisson

namespace binom {
Array logpmf_function::operator()(const Array& k_in, const Array& n_in, const Array& p_in, const Array& location,
                                  Loc caller) const {
  CallSite site(caller);
  auto [k, n, p, l] = floats(k_in, n_in, p_in, location);
  const Array x = jnp::subtract(k, l);
  const Array value =
      jnp::add(log_binomial(n, x), jnp::add(sp::xlogy(x, p), sp::xlog1py(jnp::subtract(n, x), jnp::negative(p))));
  return jnp::where(jnp::logical_and(on_support(x, 0), jnp::less_equal(x, n)), value, -kInf);
}
Array pmf_function::operator()(const Array& k, const Array& n, const Array& p, const Array& location,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpmf(k, n, p, location));
}
}  // namespace binom

namespace nbinom {
Array logpmf_function::operator()(const Array& k_in, const Array& n_in, const Array& p_in, const Array& location,
                                  Loc caller) const {
  CallSite site(caller);
  auto [k, n, p, l] = floats(k_in, n_in, p_in, location);
  const Array x = jnp::subtract(k, l);
  const Array coefficient =
      jnp::subtract(jnp::subtract(sp::gammaln(jnp::add(n, x)), sp::gammaln(jnp::add(x, 1.0))), sp::gammaln(n));
  const Array value = jnp::add(coefficient, jnp::add(sp::xlogy(n, p), sp::xlog1py(x, jnp::negative(p))));
  return jnp::where(on_support(x, 0), value, -kInf);
}
Array pmf_function::operator()(const Array& k, const Array& n, const Array& p, const Array& location,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpmf(k, n, p, location));
}
}  // namespace nbinom

namespace betabinom {
Array logpmf_function::operator()(const Array& k_in, const Array& n_in, const Array& a_in, const Array& b_in,
                                  const Array& location, Loc caller) const {
  CallSite site(caller);
  auto [k, n, a, b, l] = floats(k_in, n_in, a_in, b_in, location);
  const Array x = jnp::subtract(k, l);
  const Array value =
      jnp::add(log_binomial(n, x),
               jnp::subtract(sp::betaln(jnp::add(x, a), jnp::add(jnp::subtract(n, x), b)), sp::betaln(a, b)));
  return jnp::where(jnp::logical_and(on_support(x, 0), jnp::less_equal(x, n)), value, -kInf);
}
Array pmf_function::operator()(const Array& k, const Array& n, const Array& a, const Array& b, const Array& location,
                               Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpmf(k, n, a, b, location));
}
}  // namespace betabinom

namespace multivariate_normal {
Array logpdf_function::operator()(const Array& x_in, const Array& mean_in, const Array& cov_in, Loc caller) const {
  CallSite site(caller);
  auto [x, mean, cov] = floats(x_in, mean_in, cov_in);
  if (cov.ndim() != 2 || cov.shape()[0] != cov.shape()[1]) {
    throw ShapeError("multivariate_normal.logpdf",
                     fmt::format("cov must be a square matrix, got {}", cov.shape().to_string()));
  }
  const std::int64_t d = cov.shape()[0];
  if (x.ndim() == 0 || x.shape()[x.ndim() - 1] != d) {
    throw ShapeError("multivariate_normal.logpdf",
                     fmt::format("x of shape {} for a covariance of size {}", x.shape().to_string(), d));
  }
  // With cov = L L^T: y = L^-1 (x - mean), log p = -(|y|^2 + d log 2 pi) / 2 - sum log diag L.
  const Array lower = jnp::linalg::cholesky(cov);
  const Array centered = jnp::subtract(x, mean);
  const Array flat = jnp::reshape(centered, {-1, d});
  const Array y = scipy::linalg::solve_triangular(lower, jnp::matrix_transpose(flat), {.lower = true});
  Shape batch = x.shape();
  batch = Shape(std::vector<std::int64_t>(batch.begin(), batch.end() - 1));
  const Array squared = jnp::reshape(jnp::sum(jnp::square(y), 0), batch);
  const Array log_det = jnp::sum(jnp::log(jnp::diagonal(lower)));
  return jnp::subtract(jnp::multiply(jnp::add(squared, static_cast<double>(d) * std::log(2 * std::numbers::pi)), -0.5),
                       log_det);
}
Array pdf_function::operator()(const Array& x, const Array& mean, const Array& cov, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, mean, cov));
}
}  // namespace multivariate_normal

namespace dirichlet {
Array logpdf_function::operator()(const Array& x_in, const Array& alpha_in, Loc caller) const {
  CallSite site(caller);
  auto [x, alpha] = floats(x_in, alpha_in);
  if (alpha.ndim() != 1 || x.ndim() == 0 || x.shape()[0] != alpha.shape()[0]) {
    throw ShapeError("dirichlet.logpdf",
                     fmt::format("x of shape {} for alpha of shape {} (SciPy's layout: x's first axis "
                                 "holds the K components)",
                                 x.shape().to_string(), alpha.shape().to_string()));
  }
  // SciPy's layout: the components along x's first axis.
  Shape along(std::vector<std::int64_t>(static_cast<std::size_t>(x.ndim()), 1));
  along[0] = alpha.shape()[0];
  const Array a = jnp::reshape(alpha, along);
  const Array normalization = jnp::subtract(jnp::sum(sp::gammaln(alpha)), sp::gammaln(jnp::sum(alpha)));
  const Array value = jnp::subtract(jnp::sum(sp::xlogy(jnp::subtract(a, 1.0), x), 0), normalization);
  // Only points of the simplex have density.
  const Array on_simplex = jnp::logical_and(jnp::all(jnp::greater_equal(x, 0.0), 0),
                                            jnp::less(jnp::abs(jnp::subtract(jnp::sum(x, 0), 1.0)), 1e-6));
  return jnp::where(on_simplex, value, -kInf);
}
Array pdf_function::operator()(const Array& x, const Array& alpha, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpdf(x, alpha));
}
}  // namespace dirichlet

namespace multinomial {
Array logpmf_function::operator()(const Array& x_in, const Array& n_in, const Array& p_in, Loc caller) const {
  CallSite site(caller);
  auto [x, n, p] = floats(x_in, n_in, p_in);
  const Array value = jnp::add(sp::gammaln(jnp::add(n, 1.0)),
                               jnp::sum(jnp::subtract(sp::xlogy(x, p), sp::gammaln(jnp::add(x, 1.0))), -1));
  const Array valid = jnp::logical_and(jnp::equal(jnp::sum(x, -1), n), jnp::all(on_support(x, 0), -1));
  return jnp::where(valid, value, -kInf);
}
Array pmf_function::operator()(const Array& x, const Array& n, const Array& p, Loc caller) const {
  CallSite site(caller);
  return jnp::exp(logpmf(x, n, p));
}
}  // namespace multinomial

}  // namespace jx::scipy::stats
