// jx/scipy/stats.h — jax.scipy.stats: each distribution is a namespace holding its functions, with JAX's
// arguments in JAX's order and loc/scale defaulting to 0 and 1, plus rankdata, mode, sem and gaussian_kde.
//
//   namespace stats = jx::scipy::stats;
//   auto lp = stats::norm::logpdf(x, mu, sigma);
//   auto c = stats::gamma::cdf(x, 2.5);                 // shape a = 2.5, loc 0, scale 1
//   auto k = stats::poisson::logpmf(counts, rate);
//   auto r = stats::rankdata(scores);                   // ties get their average rank
//
// Everything is a composition of jx::numpy and jx::scipy::special, so it broadcasts, promotes ints to
// floats, and runs under jit, grad and vmap. Values outside a distribution's support give the values
// SciPy gives there (-inf log densities, 0 or 1 for the CDFs, NaN for invalid parameters).
#pragma once

#include <optional>
#include <source_location>
#include <string_view>

#include "jx/core/array.h"

namespace jx::scipy::stats {

using Loc = std::source_location;

// Declares a function object `name` of a distribution: `(x, <shape parameters>, loc = 0, scale = 1)`.
#define JX_STATS_LOC_SCALE(name)                                                                          \
  inline constexpr struct name##_function {                                                               \
    Array operator()(const Array& x, const Array& location = Array(0.0), const Array& scale = Array(1.0), \
                     Loc caller = Loc::current()) const;                                                  \
  } name{};
#define JX_STATS_SHAPE_LOC_SCALE(name)                                                       \
  inline constexpr struct name##_function {                                                  \
    Array operator()(const Array& x, const Array& shape, const Array& location = Array(0.0), \
                     const Array& scale = Array(1.0), Loc caller = Loc::current()) const;    \
  } name{};
#define JX_STATS_TWO_SHAPES_LOC_SCALE(name)                                                              \
  inline constexpr struct name##_function {                                                              \
    Array operator()(const Array& x, const Array& a, const Array& b, const Array& location = Array(0.0), \
                     const Array& scale = Array(1.0), Loc caller = Loc::current()) const;                \
  } name{};
// A discrete distribution's function of `(k, <parameter>, loc = 0)`.
#define JX_STATS_DISCRETE_1(name)                                                                \
  inline constexpr struct name##_function {                                                      \
    Array operator()(const Array& k, const Array& parameter, const Array& location = Array(0.0), \
                     Loc caller = Loc::current()) const;                                         \
  } name{};
#define JX_STATS_DISCRETE_2(name)                                                                                 \
  inline constexpr struct name##_function {                                                                       \
    Array operator()(const Array& k, const Array& first, const Array& second, const Array& location = Array(0.0), \
                     Loc caller = Loc::current()) const;                                                          \
  } name{};

// The declarations stay on the lines written: clang-format reflows a run of macro calls differently
// on each pass.
// clang-format off
// Continuous distributions with a location and a scale.
namespace norm {
JX_STATS_LOC_SCALE(logpdf)
JX_STATS_LOC_SCALE(pdf)
JX_STATS_LOC_SCALE(cdf) JX_STATS_LOC_SCALE(logcdf) JX_STATS_LOC_SCALE(sf) JX_STATS_LOC_SCALE(logsf)
    JX_STATS_LOC_SCALE(ppf) JX_STATS_LOC_SCALE(isf)
}  // namespace norm
namespace cauchy {
JX_STATS_LOC_SCALE(logpdf)
JX_STATS_LOC_SCALE(pdf)
JX_STATS_LOC_SCALE(cdf) JX_STATS_LOC_SCALE(logcdf) JX_STATS_LOC_SCALE(sf) JX_STATS_LOC_SCALE(logsf)
    JX_STATS_LOC_SCALE(ppf) JX_STATS_LOC_SCALE(isf)
}  // namespace cauchy
namespace expon {
JX_STATS_LOC_SCALE(logpdf)
JX_STATS_LOC_SCALE(pdf)
JX_STATS_LOC_SCALE(cdf) JX_STATS_LOC_SCALE(logcdf) JX_STATS_LOC_SCALE(sf) JX_STATS_LOC_SCALE(logsf)
    JX_STATS_LOC_SCALE(ppf)
}  // namespace expon
namespace laplace {
JX_STATS_LOC_SCALE(logpdf) JX_STATS_LOC_SCALE(pdf) JX_STATS_LOC_SCALE(cdf)
}  // namespace laplace
namespace logistic {
JX_STATS_LOC_SCALE(logpdf)
JX_STATS_LOC_SCALE(pdf) JX_STATS_LOC_SCALE(cdf) JX_STATS_LOC_SCALE(sf) JX_STATS_LOC_SCALE(isf) JX_STATS_LOC_SCALE(ppf)
}  // namespace logistic
namespace uniform {
JX_STATS_LOC_SCALE(logpdf) JX_STATS_LOC_SCALE(pdf) JX_STATS_LOC_SCALE(cdf) JX_STATS_LOC_SCALE(ppf)
}  // namespace uniform
namespace gumbel_r {
JX_STATS_LOC_SCALE(logpdf)
JX_STATS_LOC_SCALE(pdf)
JX_STATS_LOC_SCALE(logcdf) JX_STATS_LOC_SCALE(cdf) JX_STATS_LOC_SCALE(ppf) JX_STATS_LOC_SCALE(sf)
    JX_STATS_LOC_SCALE(logsf)
}  // namespace gumbel_r
namespace gumbel_l {
JX_STATS_LOC_SCALE(logpdf)
JX_STATS_LOC_SCALE(pdf)
JX_STATS_LOC_SCALE(logcdf) JX_STATS_LOC_SCALE(cdf) JX_STATS_LOC_SCALE(ppf) JX_STATS_LOC_SCALE(sf)
    JX_STATS_LOC_SCALE(logsf)
}  // namespace gumbel_l

// Continuous distributions with shape parameters (gamma: a; chi2: df; t: df; pareto: b; gennorm: beta;
// vonmises: kappa; wrapcauchy: c; beta and truncnorm: a, b).
namespace gamma {
JX_STATS_SHAPE_LOC_SCALE(logpdf)
JX_STATS_SHAPE_LOC_SCALE(pdf)
JX_STATS_SHAPE_LOC_SCALE(cdf) JX_STATS_SHAPE_LOC_SCALE(logcdf) JX_STATS_SHAPE_LOC_SCALE(sf)
    JX_STATS_SHAPE_LOC_SCALE(logsf)
}  // namespace gamma
namespace chi2 {
JX_STATS_SHAPE_LOC_SCALE(logpdf)
JX_STATS_SHAPE_LOC_SCALE(pdf)
JX_STATS_SHAPE_LOC_SCALE(cdf) JX_STATS_SHAPE_LOC_SCALE(logcdf) JX_STATS_SHAPE_LOC_SCALE(sf)
    JX_STATS_SHAPE_LOC_SCALE(logsf)
}  // namespace chi2
namespace t {
JX_STATS_SHAPE_LOC_SCALE(logpdf) JX_STATS_SHAPE_LOC_SCALE(pdf)
}  // namespace t
namespace pareto {
JX_STATS_SHAPE_LOC_SCALE(logpdf)
JX_STATS_SHAPE_LOC_SCALE(pdf)
JX_STATS_SHAPE_LOC_SCALE(cdf) JX_STATS_SHAPE_LOC_SCALE(logcdf) JX_STATS_SHAPE_LOC_SCALE(sf)
    JX_STATS_SHAPE_LOC_SCALE(logsf) JX_STATS_SHAPE_LOC_SCALE(ppf)
}  // namespace pareto
namespace gennorm {
JX_STATS_SHAPE_LOC_SCALE(logpdf) JX_STATS_SHAPE_LOC_SCALE(pdf) JX_STATS_SHAPE_LOC_SCALE(cdf)
}  // namespace gennorm
namespace vonmises {
JX_STATS_SHAPE_LOC_SCALE(logpdf) JX_STATS_SHAPE_LOC_SCALE(pdf)
}  // namespace vonmises
namespace wrapcauchy {
JX_STATS_SHAPE_LOC_SCALE(logpdf) JX_STATS_SHAPE_LOC_SCALE(pdf)
}  // namespace wrapcauchy
namespace beta {
JX_STATS_TWO_SHAPES_LOC_SCALE(logpdf)
JX_STATS_TWO_SHAPES_LOC_SCALE(pdf)
JX_STATS_TWO_SHAPES_LOC_SCALE(cdf) JX_STATS_TWO_SHAPES_LOC_SCALE(logcdf) JX_STATS_TWO_SHAPES_LOC_SCALE(sf)
    JX_STATS_TWO_SHAPES_LOC_SCALE(logsf)
}  // namespace beta
namespace truncnorm {
JX_STATS_TWO_SHAPES_LOC_SCALE(logpdf)
JX_STATS_TWO_SHAPES_LOC_SCALE(pdf)
JX_STATS_TWO_SHAPES_LOC_SCALE(cdf) JX_STATS_TWO_SHAPES_LOC_SCALE(logcdf) JX_STATS_TWO_SHAPES_LOC_SCALE(sf)
    JX_STATS_TWO_SHAPES_LOC_SCALE(logsf)
}  // namespace truncnorm

// Discrete distributions (bernoulli: p; geom: p; poisson: mu; binom: n, p; nbinom: n, p).
namespace bernoulli {
JX_STATS_DISCRETE_1(logpmf) JX_STATS_DISCRETE_1(pmf) JX_STATS_DISCRETE_1(cdf) JX_STATS_DISCRETE_1(ppf)
}  // namespace bernoulli
namespace geom {
JX_STATS_DISCRETE_1(logpmf) JX_STATS_DISCRETE_1(pmf)
}  // namespace geom
namespace poisson {
JX_STATS_DISCRETE_1(logpmf)
JX_STATS_DISCRETE_1(pmf)
JX_STATS_DISCRETE_1(cdf)
    // The entropy of Poisson(mu): a series over k up to well past the mean.
    inline constexpr struct entropy_function {
  Array operator()(const Array& mu, const Array& location = Array(0.0), Loc caller = Loc::current()) const;
} entropy{};
}  // namespace poisson
namespace binom {
JX_STATS_DISCRETE_2(logpmf) JX_STATS_DISCRETE_2(pmf)
}  // namespace binom
namespace nbinom {
JX_STATS_DISCRETE_2(logpmf) JX_STATS_DISCRETE_2(pmf)
}  // namespace nbinom
// betabinom(k, n, a, b, loc).
namespace betabinom {
inline constexpr struct logpmf_function {
  Array operator()(const Array& k, const Array& n, const Array& a, const Array& b, const Array& location = Array(0.0),
                   Loc caller = Loc::current()) const;
} logpmf{};
inline constexpr struct pmf_function {
  Array operator()(const Array& k, const Array& n, const Array& a, const Array& b, const Array& location = Array(0.0),
                   Loc caller = Loc::current()) const;
} pmf{};
}  // namespace betabinom

// clang-format on
#undef JX_STATS_LOC_SCALE
#undef JX_STATS_SHAPE_LOC_SCALE
#undef JX_STATS_TWO_SHAPES_LOC_SCALE
#undef JX_STATS_DISCRETE_1
#undef JX_STATS_DISCRETE_2

// Multivariate distributions: the last axis of x holds one draw.
namespace multivariate_normal {
inline constexpr struct logpdf_function {
  Array operator()(const Array& x, const Array& mean, const Array& cov, Loc caller = Loc::current()) const;
} logpdf{};
inline constexpr struct pdf_function {
  Array operator()(const Array& x, const Array& mean, const Array& cov, Loc caller = Loc::current()) const;
} pdf{};
}  // namespace multivariate_normal
namespace dirichlet {
inline constexpr struct logpdf_function {
  Array operator()(const Array& x, const Array& alpha, Loc caller = Loc::current()) const;
} logpdf{};
inline constexpr struct pdf_function {
  Array operator()(const Array& x, const Array& alpha, Loc caller = Loc::current()) const;
} pdf{};
}  // namespace dirichlet
namespace multinomial {
inline constexpr struct logpmf_function {
  Array operator()(const Array& x, const Array& n, const Array& p, Loc caller = Loc::current()) const;
} logpmf{};
inline constexpr struct pmf_function {
  Array operator()(const Array& x, const Array& n, const Array& p, Loc caller = Loc::current()) const;
} pmf{};
}  // namespace multinomial

// --- Descriptive statistics -------------------------------------------------------------------------

// The ranks of the values (1 for the smallest) along `axis` (of the flattened array when absent), ties
// resolved by method: "average", "min", "max", "dense" or "ordinal".
inline constexpr struct rankdata_function {
  Array operator()(const Array& a, std::string_view method = "average", std::optional<int> axis = std::nullopt,
                   Loc caller = Loc::current()) const;
} rankdata{};
// The most common value along the axis (the smallest on ties) and how often it occurs.
struct ModeResult {
  Array mode;
  Array count;
};
inline constexpr struct mode_function {
  ModeResult operator()(const Array& a, std::optional<int> axis = 0, bool keepdims = false,
                        Loc caller = Loc::current()) const;
} mode{};
// The standard error of the mean: std(a, ddof) / sqrt(n) along the axis (the flattened array when absent).
inline constexpr struct sem_function {
  Array operator()(const Array& a, std::optional<int> axis = 0, int ddof = 1, Loc caller = Loc::current()) const;
} sem{};

// A Gaussian kernel density estimate of d-dimensional data (dataset: d x n, or n points in 1-D), with
// Scott's or Silverman's bandwidth rule or a given factor, and optional weights (jax.scipy.stats.gaussian_kde).
class gaussian_kde {
 public:
  explicit gaussian_kde(const Array& dataset, std::string_view bw_method = "scott",
                        std::optional<Array> weights = std::nullopt, Loc caller = Loc::current());
  gaussian_kde(const Array& dataset, double bandwidth_factor, std::optional<Array> weights = std::nullopt,
               Loc caller = Loc::current());

  // The density at points (d x m, or m points in 1-D).
  Array evaluate(const Array& points) const;
  Array pdf(const Array& points) const { return evaluate(points); }
  Array logpdf(const Array& points) const;
  // The probability mass of the box [low, high] (1-D: the interval).
  Array integrate_box_1d(double low, double high) const;

  const Array& dataset() const { return dataset_; }
  const Array& weights() const { return weights_; }
  const Array& covariance() const { return covariance_; }
  double factor() const { return factor_; }
  double neff() const { return neff_; }

 private:
  void set_bandwidth(double factor);
  Array dataset_, weights_, covariance_, cholesky_;
  double factor_ = 1, neff_ = 1;
  int d_ = 1;
};

}  // namespace jx::scipy::stats
