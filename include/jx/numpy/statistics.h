// jx/numpy/statistics.h — jax.numpy's statistics: order statistics (median, percentile, quantile),
// weighted averages, covariance and correlation, the NaN-ignoring reductions (nansum, nanmean, ...),
// histograms and bin counts, and the finite differences and integrals of sampled data (diff, gradient,
// trapezoid, interp, unwrap).
//
//   namespace jnp = jx::numpy;
//   auto m = jnp::median(x, {.axis = 0});
//   auto q = jnp::quantile(x, jnp::array({0.25f, 0.75f}), {.method = "midpoint"});
//   auto [counts, edges] = jnp::histogram(samples, 20);
//   auto c = jnp::bincount(labels, {.length = 10});       // a static length, usable under jit
//
// Everything here works under jit, grad and vmap. Where NumPy's result shape depends on the values
// (bincount and histogram without static sizes), the size is taken from a concrete input, and a traced
// one asks for the static option instead (ConcretizationError).
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <string_view>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::numpy {

// --- Order statistics -------------------------------------------------------------------------------

struct QuantileOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Axes> axis = std::nullopt;  // all axes when absent
  // How a quantile between two data points is taken: "linear" (interpolated), "lower", "higher",
  // "nearest" (ties to the even index) or "midpoint", as in JAX.
  std::string_view method = "linear";
  bool keepdims = false;
};
// The q-th quantiles (q in [0, 1]; percentile takes q in [0, 100]) along the axes; a q array adds its
// axes in front of the result. NaNs propagate (the nan* forms ignore them). Inputs become floats.
inline constexpr struct quantile_function {
  Array operator()(const Array& x, const Array& q, QuantileOptions options = {}, Loc loc = Loc::current()) const;
} quantile{};
inline constexpr struct percentile_function {
  Array operator()(const Array& x, const Array& q, QuantileOptions options = {}, Loc loc = Loc::current()) const;
} percentile{};
inline constexpr struct nanquantile_function {
  Array operator()(const Array& x, const Array& q, QuantileOptions options = {}, Loc loc = Loc::current()) const;
} nanquantile{};
inline constexpr struct nanpercentile_function {
  Array operator()(const Array& x, const Array& q, QuantileOptions options = {}, Loc loc = Loc::current()) const;
} nanpercentile{};
struct MedianOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Axes> axis = std::nullopt;
  bool keepdims = false;
};
inline constexpr struct median_function {
  Array operator()(const Array& x, MedianOptions options = {}, Loc loc = Loc::current()) const;
} median{};
inline constexpr struct nanmedian_function {
  Array operator()(const Array& x, MedianOptions options = {}, Loc loc = Loc::current()) const;
} nanmedian{};

// --- Averages, spread, covariance -------------------------------------------------------------------

struct AverageOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Axes> axis = std::nullopt;
  std::optional<Array> weights = std::nullopt;  // the shape of x, or 1-D along a single axis
  bool keepdims = false;
};
// sum(x * w) / sum(w) (the mean without weights); the sum of the weights is jnp::sum(weights) (NumPy's
// returned=True).
inline constexpr struct average_function {
  Array operator()(const Array& x, AverageOptions options = {}, Loc loc = Loc::current()) const;
} average{};
// max - min along the axes (peak to peak).
inline constexpr struct ptp_function {
  Array operator()(const Array& x, ReduceOptions options = {}, Loc loc = Loc::current()) const;
} ptp{};
// The number of non-zero elements along the axes (the default int type).
inline constexpr struct count_nonzero_function {
  Array operator()(const Array& x, ReduceOptions options = {}, Loc loc = Loc::current()) const;
} count_nonzero{};

struct CovOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Array> y = std::nullopt;         // more variables, stacked after x's
  bool rowvar = true;                            // each row a variable (else each column)
  bool bias = false;                             // divide by N (else N - 1)
  std::optional<int> ddof = std::nullopt;        // overrides bias
  std::optional<Array> fweights = std::nullopt;  // integer frequency weights, one per observation
  std::optional<Array> aweights = std::nullopt;  // observation weights
};
// The covariance matrix of the variables (a scalar for one variable), and the correlation coefficients.
inline constexpr struct cov_function {
  Array operator()(const Array& m, CovOptions options = {}, Loc loc = Loc::current()) const;
} cov{};
inline constexpr struct corrcoef_function {
  Array operator()(const Array& x, std::optional<Array> y = std::nullopt, bool rowvar = true,
                   Loc loc = Loc::current()) const;
} corrcoef{};

// --- NaN-ignoring reductions ------------------------------------------------------------------------
// As sum, prod, max, ... with NaNs treated as absent: nansum and nanprod count them as 0 and 1, nanmean,
// nanvar and nanstd divide by the number of non-NaN values, nanmax and nanmin are NaN only where every
// value is NaN, nanargmax and nanargmin skip NaNs (-1 where all are NaN, as JAX gives).
#define JX_DECLARE_NAN_REDUCTION(name)                                                            \
  inline constexpr struct name##_function {                                                       \
    Array operator()(const Array& x, ReduceOptions options = {}, Loc loc = Loc::current()) const; \
    Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const {                  \
      return (*this)(x, ReduceOptions{.axis = Axes(axis)}, loc);                                  \
    }                                                                                             \
  } name{};
JX_DECLARE_NAN_REDUCTION(nansum)
JX_DECLARE_NAN_REDUCTION(nanprod)
JX_DECLARE_NAN_REDUCTION(nanmax)
JX_DECLARE_NAN_REDUCTION(nanmin)
JX_DECLARE_NAN_REDUCTION(nanmean)
JX_DECLARE_NAN_REDUCTION(nanvar)
JX_DECLARE_NAN_REDUCTION(nanstd)
#undef JX_DECLARE_NAN_REDUCTION
inline constexpr struct nanargmax_function {
  Array operator()(const Array& x, ArgReduceOptions options = {}, Loc loc = Loc::current()) const;
} nanargmax{};
inline constexpr struct nanargmin_function {
  Array operator()(const Array& x, ArgReduceOptions options = {}, Loc loc = Loc::current()) const;
} nanargmin{};
inline constexpr struct nancumsum_function {
  Array operator()(const Array& x, CumulativeOptions options = {}, Loc loc = Loc::current()) const;
} nancumsum{};
inline constexpr struct nancumprod_function {
  Array operator()(const Array& x, CumulativeOptions options = {}, Loc loc = Loc::current()) const;
} nancumprod{};

struct CumulativeArrayOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<int> axis = std::nullopt;  // required unless x has at most one axis
  std::optional<DType> dtype = std::nullopt;
  bool include_initial = false;  // start with the identity (0 or 1): one more element along the axis
};
// The Array API's cumulative sum and product (jnp.cumulative_sum, jnp.cumulative_prod).
inline constexpr struct cumulative_sum_function {
  Array operator()(const Array& x, CumulativeArrayOptions options = {}, Loc loc = Loc::current()) const;
} cumulative_sum{};
inline constexpr struct cumulative_prod_function {
  Array operator()(const Array& x, CumulativeArrayOptions options = {}, Loc loc = Loc::current()) const;
} cumulative_prod{};

// --- Histograms and counts --------------------------------------------------------------------------

struct BincountOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Array> weights = std::nullopt;
  std::int64_t minlength = 0;
  std::optional<std::int64_t> length = std::nullopt;  // the static result length (needed under jit)
};
// How often each non-negative integer occurs in x (summing weights instead of ones); values beyond the
// length are dropped and negative ones count as 0, as in JAX.
inline constexpr struct bincount_function {
  Array operator()(const Array& x, BincountOptions options = {}, Loc loc = Loc::current()) const;
} bincount{};

struct HistogramOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<std::pair<double, double>> range = std::nullopt;  // (min(x), max(x)) when absent
  std::optional<Array> weights = std::nullopt;
  bool density = false;  // normalize to a probability density
};
struct HistogramResult {
  Array hist;
  Array bin_edges;
};
// Counts of x in `bins` equal bins over the range, or in the bins between the given edges; each bin
// holds [edge_i, edge_i+1), the last one also its right edge.
inline constexpr struct histogram_function {
  HistogramResult operator()(const Array& x, std::int64_t bins = 10, HistogramOptions options = {},
                             Loc loc = Loc::current()) const;
  HistogramResult operator()(const Array& x, const Array& bin_edges, HistogramOptions options = {},
                             Loc loc = Loc::current()) const;
} histogram{};
inline constexpr struct histogram_bin_edges_function {
  Array operator()(const Array& x, std::int64_t bins = 10,
                   std::optional<std::pair<double, double>> range = std::nullopt, Loc loc = Loc::current()) const;
} histogram_bin_edges{};
struct HistogramddOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<std::vector<std::pair<double, double>>> range = std::nullopt;  // one per dimension
  std::optional<Array> weights = std::nullopt;
  bool density = false;
};
struct HistogramddResult {
  Array hist;
  std::vector<Array> edges;
};
// The histogram of N points of D dimensions (sample: N x D), with bins[d] equal bins along dimension d;
// histogram2d is the same for two coordinate arrays.
inline constexpr struct histogramdd_function {
  HistogramddResult operator()(const Array& sample, const std::vector<std::int64_t>& bins,
                               HistogramddOptions options = {}, Loc loc = Loc::current()) const;
} histogramdd{};
struct Histogram2dResult {
  Array hist;
  Array xedges;
  Array yedges;
};
inline constexpr struct histogram2d_function {
  Histogram2dResult operator()(const Array& x, const Array& y, std::pair<std::int64_t, std::int64_t> bins = {10, 10},
                               HistogramddOptions options = {}, Loc loc = Loc::current()) const;
} histogram2d{};

// --- Differences, integrals, interpolation ----------------------------------------------------------

struct DiffOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  int axis = -1;
  std::optional<Array> prepend = std::nullopt;  // joined before x along the axis (broadcast) first
  std::optional<Array> append = std::nullopt;
};
// The n-th forward difference along the axis.
inline constexpr struct diff_function {
  Array operator()(const Array& x, int n = 1, DiffOptions options = {}, Loc loc = Loc::current()) const;
} diff{};
// The differences of the flattened array, with to_begin and to_end joined around them.
inline constexpr struct ediff1d_function {
  Array operator()(const Array& x, std::optional<Array> to_end = std::nullopt,
                   std::optional<Array> to_begin = std::nullopt, Loc loc = Loc::current()) const;
} ediff1d{};
struct GradientOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // One spacing per differentiated axis: a scalar step, or the coordinates along that axis; one entry
  // applies to all axes; none means a step of 1.
  std::vector<Array> spacing = {};
  std::optional<Axes> axis = std::nullopt;  // all axes when absent
};
// Second-order central differences inside, first-order one-sided ones at the ends (NumPy's edge_order 1,
// the one JAX supports); one array per differentiated axis.
inline constexpr struct gradient_function {
  std::vector<Array> operator()(const Array& f, GradientOptions options = {}, Loc loc = Loc::current()) const;
} gradient{};
// The integral of y by the trapezoidal rule along the axis, at the points x or with a step dx.
inline constexpr struct trapezoid_function {
  Array operator()(const Array& y, std::optional<Array> x = std::nullopt, double dx = 1.0, int axis = -1,
                   Loc loc = Loc::current()) const;
} trapezoid{};
struct InterpOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Array> left = std::nullopt;     // the value below xp[0] (fp[0] when absent)
  std::optional<Array> right = std::nullopt;    // the value above xp[-1] (fp[-1] when absent)
  std::optional<double> period = std::nullopt;  // xp and x taken modulo the period
};
// The piecewise-linear interpolant through (xp, fp) at x (xp increasing).
inline constexpr struct interp_function {
  Array operator()(const Array& x, const Array& xp, const Array& fp, InterpOptions options = {},
                   Loc loc = Loc::current()) const;
} interp{};
struct UnwrapOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<double> discont = std::nullopt;  // period / 2 when absent
  int axis = -1;
  double period = 6.283185307179586;  // 2 pi
};
// Phases with jumps larger than discont replaced by their equivalent modulo the period.
inline constexpr struct unwrap_function {
  Array operator()(const Array& p, UnwrapOptions options = {}, Loc loc = Loc::current()) const;
} unwrap{};

// --- Searching sorted arrays ------------------------------------------------------------------------

struct SearchsortedOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::string_view side = "left";              // the first suitable position, or "right": the last
  std::optional<Array> sorter = std::nullopt;  // indices that sort a, when a is not sorted itself
};
// Where the values v would be inserted into the sorted 1-D array a to keep it sorted (a binary search of
// log2(len(a)) steps; NaNs sort last, as in NumPy).
inline constexpr struct searchsorted_function {
  Array operator()(const Array& a, const Array& v, SearchsortedOptions options = {}, Loc loc = Loc::current()) const;
} searchsorted{};
// The index of the bin of `bins` (increasing or decreasing) each x falls in (NumPy's digitize).
inline constexpr struct digitize_function {
  Array operator()(const Array& x, const Array& bins, bool right = false, Loc loc = Loc::current()) const;
} digitize{};

}  // namespace jx::numpy
