// jx/scipy/stats.h (src/ops/scipy_stats_*.cpp) against scipy.stats (tests/data/scipy_oracle.json, family
// "stats"): every function of every distribution inside and outside its support, rankdata, mode, sem and
// gaussian_kde, eagerly, under jit and under vmap; gradients of log densities; bad shapes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/scipy/stats.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
namespace stats = jx::scipy::stats;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;
using jx::testing::OracleOp;

// A distribution's function called with the case's arguments: x, then its parameters, then (optionally)
// loc and scale.
template <class F>
OracleOp loc_scale(F f) {
  return {[f](const Arrays& a, const json&) {
    if (a.size() == 1) return Arrays{f(a[0])};
    return Arrays{f(a[0], a[1], a[2])};
  }};
}
template <class F>
OracleOp one_shape(F f) {
  return {[f](const Arrays& a, const json&) {
    if (a.size() == 2) return Arrays{f(a[0], a[1])};
    return Arrays{f(a[0], a[1], a[2], a[3])};
  }};
}
template <class F>
OracleOp discrete(F f) {
  return {[f](const Arrays& a, const json&) { return Arrays{f(a[0], a[1])}; }};
}
template <class F>
OracleOp two_shapes(F f) {
  return {[f](const Arrays& a, const json&) { return Arrays{f(a[0], a[1], a[2])}; }};
}
template <class F>
OracleOp three_shapes(F f) {
  return {[f](const Arrays& a, const json&) { return Arrays{f(a[0], a[1], a[2], a[3])}; }};
}

const jx::testing::OracleOps& stats_ops() {
  static const jx::testing::OracleOps ops = {
      {"norm.logpdf", loc_scale(stats::norm::logpdf)},
      {"norm.pdf", loc_scale(stats::norm::pdf)},
      {"norm.cdf", loc_scale(stats::norm::cdf)},
      {"norm.logcdf", loc_scale(stats::norm::logcdf)},
      {"norm.sf", loc_scale(stats::norm::sf)},
      {"norm.logsf", loc_scale(stats::norm::logsf)},
      {"norm.ppf", loc_scale(stats::norm::ppf)},
      {"norm.isf", loc_scale(stats::norm::isf)},
      {"cauchy.logpdf", loc_scale(stats::cauchy::logpdf)},
      {"cauchy.pdf", loc_scale(stats::cauchy::pdf)},
      {"cauchy.cdf", loc_scale(stats::cauchy::cdf)},
      {"cauchy.logcdf", loc_scale(stats::cauchy::logcdf)},
      {"cauchy.sf", loc_scale(stats::cauchy::sf)},
      {"cauchy.logsf", loc_scale(stats::cauchy::logsf)},
      {"cauchy.ppf", loc_scale(stats::cauchy::ppf)},
      {"cauchy.isf", loc_scale(stats::cauchy::isf)},
      {"expon.logpdf", loc_scale(stats::expon::logpdf)},
      {"expon.pdf", loc_scale(stats::expon::pdf)},
      {"expon.cdf", loc_scale(stats::expon::cdf)},
      {"expon.logcdf", loc_scale(stats::expon::logcdf)},
      {"expon.sf", loc_scale(stats::expon::sf)},
      {"expon.logsf", loc_scale(stats::expon::logsf)},
      {"expon.ppf", loc_scale(stats::expon::ppf)},
      {"laplace.logpdf", loc_scale(stats::laplace::logpdf)},
      {"laplace.pdf", loc_scale(stats::laplace::pdf)},
      {"laplace.cdf", loc_scale(stats::laplace::cdf)},
      {"logistic.logpdf", loc_scale(stats::logistic::logpdf)},
      {"logistic.pdf", loc_scale(stats::logistic::pdf)},
      {"logistic.cdf", loc_scale(stats::logistic::cdf)},
      {"logistic.sf", loc_scale(stats::logistic::sf)},
      {"logistic.ppf", loc_scale(stats::logistic::ppf)},
      {"logistic.isf", loc_scale(stats::logistic::isf)},
      {"uniform.logpdf", loc_scale(stats::uniform::logpdf)},
      {"uniform.pdf", loc_scale(stats::uniform::pdf)},
      {"uniform.cdf", loc_scale(stats::uniform::cdf)},
      {"uniform.ppf", loc_scale(stats::uniform::ppf)},
      {"gumbel_r.logpdf", loc_scale(stats::gumbel_r::logpdf)},
      {"gumbel_r.pdf", loc_scale(stats::gumbel_r::pdf)},
      {"gumbel_r.logcdf", loc_scale(stats::gumbel_r::logcdf)},
      {"gumbel_r.cdf", loc_scale(stats::gumbel_r::cdf)},
      {"gumbel_r.ppf", loc_scale(stats::gumbel_r::ppf)},
      {"gumbel_r.sf", loc_scale(stats::gumbel_r::sf)},
      {"gumbel_r.logsf", loc_scale(stats::gumbel_r::logsf)},
      {"gumbel_l.logpdf", loc_scale(stats::gumbel_l::logpdf)},
      {"gumbel_l.pdf", loc_scale(stats::gumbel_l::pdf)},
      {"gumbel_l.logcdf", loc_scale(stats::gumbel_l::logcdf)},
      {"gumbel_l.cdf", loc_scale(stats::gumbel_l::cdf)},
      {"gumbel_l.ppf", loc_scale(stats::gumbel_l::ppf)},
      {"gumbel_l.sf", loc_scale(stats::gumbel_l::sf)},
      {"gumbel_l.logsf", loc_scale(stats::gumbel_l::logsf)},
      {"gamma.logpdf", one_shape(stats::gamma::logpdf)},
      {"gamma.pdf", one_shape(stats::gamma::pdf)},
      {"gamma.cdf", one_shape(stats::gamma::cdf)},
      {"gamma.logcdf", one_shape(stats::gamma::logcdf)},
      {"gamma.sf", one_shape(stats::gamma::sf)},
      {"gamma.logsf", one_shape(stats::gamma::logsf)},
      {"chi2.logpdf", one_shape(stats::chi2::logpdf)},
      {"chi2.pdf", one_shape(stats::chi2::pdf)},
      {"chi2.cdf", one_shape(stats::chi2::cdf)},
      {"chi2.logcdf", one_shape(stats::chi2::logcdf)},
      {"chi2.sf", one_shape(stats::chi2::sf)},
      {"chi2.logsf", one_shape(stats::chi2::logsf)},
      {"t.logpdf", one_shape(stats::t::logpdf)},
      {"t.pdf", one_shape(stats::t::pdf)},
      {"pareto.logpdf", one_shape(stats::pareto::logpdf)},
      {"pareto.pdf", one_shape(stats::pareto::pdf)},
      {"pareto.cdf", one_shape(stats::pareto::cdf)},
      {"pareto.logcdf", one_shape(stats::pareto::logcdf)},
      {"pareto.sf", one_shape(stats::pareto::sf)},
      {"pareto.logsf", one_shape(stats::pareto::logsf)},
      {"pareto.ppf", one_shape(stats::pareto::ppf)},
      {"gennorm.logpdf", one_shape(stats::gennorm::logpdf)},
      {"gennorm.pdf", one_shape(stats::gennorm::pdf)},
      {"gennorm.cdf", one_shape(stats::gennorm::cdf)},
      {"vonmises.logpdf", one_shape(stats::vonmises::logpdf)},
      {"vonmises.pdf", one_shape(stats::vonmises::pdf)},
      {"wrapcauchy.logpdf", one_shape(stats::wrapcauchy::logpdf)},
      {"wrapcauchy.pdf", one_shape(stats::wrapcauchy::pdf)},
      {"beta.logpdf", two_shapes(stats::beta::logpdf)},
      {"beta.pdf", two_shapes(stats::beta::pdf)},
      {"beta.cdf", two_shapes(stats::beta::cdf)},
      {"beta.logcdf", two_shapes(stats::beta::logcdf)},
      {"beta.sf", two_shapes(stats::beta::sf)},
      {"beta.logsf", two_shapes(stats::beta::logsf)},
      {"truncnorm.logpdf", two_shapes(stats::truncnorm::logpdf)},
      {"truncnorm.pdf", two_shapes(stats::truncnorm::pdf)},
      {"truncnorm.cdf", two_shapes(stats::truncnorm::cdf)},
      {"truncnorm.logcdf", two_shapes(stats::truncnorm::logcdf)},
      {"truncnorm.sf", two_shapes(stats::truncnorm::sf)},
      {"truncnorm.logsf", two_shapes(stats::truncnorm::logsf)},
      {"bernoulli.logpmf", discrete(stats::bernoulli::logpmf)},
      {"bernoulli.pmf", discrete(stats::bernoulli::pmf)},
      {"bernoulli.cdf", discrete(stats::bernoulli::cdf)},
      {"bernoulli.ppf", discrete(stats::bernoulli::ppf)},
      {"geom.logpmf", discrete(stats::geom::logpmf)},
      {"geom.pmf", discrete(stats::geom::pmf)},
      {"poisson.logpmf", discrete(stats::poisson::logpmf)},
      {"poisson.pmf", discrete(stats::poisson::pmf)},
      {"poisson.cdf", discrete(stats::poisson::cdf)},
      {"poisson.entropy", {[](const Arrays& a, const json&) { return Arrays{stats::poisson::entropy(a[0])}; }}},
      {"binom.logpmf", two_shapes(stats::binom::logpmf)},
      {"binom.pmf", two_shapes(stats::binom::pmf)},
      {"nbinom.logpmf", two_shapes(stats::nbinom::logpmf)},
      {"nbinom.pmf", two_shapes(stats::nbinom::pmf)},
      {"betabinom.logpmf", three_shapes(stats::betabinom::logpmf)},
      {"betabinom.pmf", three_shapes(stats::betabinom::pmf)},
      {"multivariate_normal.logpdf", two_shapes(stats::multivariate_normal::logpdf)},
      {"multivariate_normal.pdf", two_shapes(stats::multivariate_normal::pdf)},
      {"dirichlet.logpdf", {[](const Arrays& a, const json&) { return Arrays{stats::dirichlet::logpdf(a[0], a[1])}; }}},
      {"dirichlet.pdf", {[](const Arrays& a, const json&) { return Arrays{stats::dirichlet::pdf(a[0], a[1])}; }}},
      {"multinomial.logpmf", two_shapes(stats::multinomial::logpmf)},
      {"multinomial.pmf", two_shapes(stats::multinomial::pmf)},
      {"rankdata", {[](const Arrays& a, const json& p) {
         std::optional<int> axis;
         if (p.contains("axis")) axis = p.at("axis").get<int>();
         return Arrays{stats::rankdata(a[0], p.at("method").get<std::string>(), axis)};
       }}},
      {"mode", {[](const Arrays& a, const json& p) {
         auto [mode, count] = stats::mode(a[0], p.at("axis").get<int>(), p.value("keepdims", false));
         return Arrays{mode, count};
       }}},
      {"sem", {[](const Arrays& a, const json& p) {
         return Arrays{stats::sem(a[0], p.at("axis").get<int>(), p.value("ddof", 1))};
       }}},
      // The bandwidth is computed on the host from the concrete data: eager only.
      {"gaussian_kde",
       {[](const Arrays& a, const json& p) {
          std::optional<Array> weights;
          if (a.size() > 2) weights = a[2];
          const json& bw = p.at("bw_method");
          const stats::gaussian_kde kde = bw.is_string() ? stats::gaussian_kde(a[0], bw.get<std::string>(), weights)
                                                         : stats::gaussian_kde(a[0], bw.get<double>(), weights);
          Arrays out{kde.evaluate(a[1]), kde.logpdf(a[1])};
          if (a[0].ndim() == 1) out.push_back(kde.integrate_box_1d(-0.5, 1.0));
          return out;
        },
        false}},
  };
  return ops;
}

TEST(ScipyStats, MatchesScipy) { jx::testing::replay_family("scipy_oracle.json", "stats", stats_ops()); }

TEST(ScipyStats, LogDensitiesAreDifferentiable) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array x = jnp::array({0.3, 1.7, 4.0}, jx::float64);
  // d/dx norm.logpdf(x, mu, sigma) = -(x - mu) / sigma^2.
  const Array g = jx::grad([](const Array& v) { return jnp::sum(stats::norm::logpdf(v, Array(1.0), Array(2.0))); })(x);
  EXPECT_TRUE(jnp::allclose(g, -(x - 1.0) / 4.0).item<bool>());
  jx::test::check_grads([](const Array& v) { return stats::gamma::logpdf(v, Array(2.5)); }, {x}, 2);
  jx::test::check_grads([](const Array& a) { return stats::gamma::cdf(Array(1.5), a); },
                        {jnp::array({1.5, 3.0}, jx::float64)}, 1);
  jx::test::check_grads([](const Array& v) { return stats::t::logpdf(v, Array(3.0)); }, {x}, 2);
  jx::test::check_grads([](const Array& v) { return stats::truncnorm::logcdf(v, Array(-1.0), Array(5.0)); }, {x}, 1);
}

TEST(ScipyStats, RejectsBadShapes) {
  EXPECT_THROW(stats::multivariate_normal::logpdf(jnp::zeros({2, 3}), jnp::zeros({3}), jnp::eye(2)), jx::ShapeError);
  EXPECT_THROW(stats::dirichlet::logpdf(jnp::zeros({2}), jnp::ones({3})), jx::ShapeError);
  EXPECT_THROW(stats::rankdata(jnp::zeros({3}), "random"), jx::ValueError);
  EXPECT_THROW(stats::gaussian_kde(jnp::zeros({1})), jx::ValueError);
  EXPECT_THROW(stats::gaussian_kde(jnp::arange(5.0f), "default"), jx::ValueError);
}

}  // namespace
