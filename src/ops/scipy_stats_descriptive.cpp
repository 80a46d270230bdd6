// jx/scipy/stats.h: rankdata, mode, sem and gaussian_kde. Ties are found by sorting and comparing
// neighbours; group boundaries come from scatters into arrays of static length, so that everything traces.
#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "jx/core/error.h"
#include "jx/linalg.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/scipy/stats.h"
#include "jx/transforms/vmap.h"
#include "ops/promotion.h"

namespace jx::scipy::stats {
namespace {

namespace jnp = jx::numpy;

// The ranks of a 1-D array.
Array ranks_1d(const Array& x, std::string_view method) {
  const std::int64_t n = x.size();
  const DType index_dtype = default_int_dtype();
  const Array order = jnp::argsort(x);
  const Array sorted = jnp::take(x, order);
  // inverse[order[i]] = i: each element's position in sorted order.
  const Array positions = jnp::arange(n, index_dtype);
  const Array inverse = jnp::zeros({n}, index_dtype).at(order).set(positions);
  if (method == "ordinal") return jnp::add(inverse, Array(1));
  // A new group starts where a sorted value differs from the one before.
  const Array first = n == 0
                          ? jnp::zeros({0}, DType::bool_)
                          : jnp::concatenate({jnp::ones({1}, DType::bool_),
                                              jnp::not_equal(sorted(Slice{1, std::nullopt}), sorted(Slice{0, n - 1}))});
  const Array group = jnp::subtract(jnp::cumsum(first, {.dtype = index_dtype}), Array(1));
  const Array element_group = jnp::take(group, inverse);
  if (method == "dense") return jnp::add(element_group, Array(1));
  // Each group's first and last sorted position.
  const Array start = jnp::full({n}, jnp::array(n, index_dtype)).at(group).min(positions);
  const Array end = jnp::zeros({n}, index_dtype).at(group).max(positions);
  const Array low = jnp::add(jnp::take(start, element_group), Array(1));
  const Array high = jnp::add(jnp::take(end, element_group), Array(1));
  if (method == "min") return low;
  if (method == "max") return high;
  return jnp::divide(jnp::add(low, high), 2.0);  // "average"
}

}  // namespace

Array rankdata_function::operator()(const Array& a, std::string_view method, std::optional<int> axis,
                                    Loc caller) const {
  CallSite site(caller);
  if (method != "average" && method != "min" && method != "max" && method != "dense" && method != "ordinal") {
    throw ValueError("rankdata", fmt::format("method must be average, min, max, dense or ordinal, got \"{}\"", method));
  }
  if (!axis) return ranks_1d(jnp::ravel(a), method);
  const int d = ops::normalize_axis("rankdata", *axis, a.ndim());
  // Rows along the axis, ranked one at a time by vmap.
  const Array moved = jnp::moveaxis(a, d, -1);
  std::function<Array(const Array&)> rank = [method](const Array& row) { return ranks_1d(row, method); };
  for (int k = 0; k < a.ndim() - 1; ++k) rank = vmap(rank);
  return jnp::moveaxis(rank(moved), -1, d);
}

ModeResult mode_function::operator()(const Array& a, std::optional<int> axis, bool keepdims, Loc caller) const {
  CallSite site(caller);
  const Array values = axis ? a : jnp::ravel(a);
  const int d = axis ? ops::normalize_axis("mode", *axis, a.ndim()) : 0;
  const Array moved = jnp::moveaxis(values, d, -1);
  const std::int64_t n = moved.shape()[moved.ndim() - 1];
  if (n == 0) throw ValueError("mode", "cannot take the mode of an empty axis");
  // Per row: the sorted values, the count of each run, the first longest run (its value is the smallest).
  auto row_mode = [n](const Array& row) {
    const Array sorted = jnp::sort(row);
    const Array first = jnp::concatenate(
        {jnp::ones({1}, DType::bool_), jnp::not_equal(sorted(Slice{1, std::nullopt}), sorted(Slice{0, n - 1}))});
    const Array group = jnp::subtract(jnp::cumsum(first, {.dtype = default_int_dtype()}), Array(1));
    const Array counts = jnp::zeros({n}, default_int_dtype()).at(group).add(Array(1));
    const Array best = jnp::argmax(counts);
    const Array value = jnp::take(sorted, jnp::argmax(jnp::equal(group, best)));
    return std::vector<Array>{value, jnp::take(counts, best)};
  };
  std::function<std::vector<Array>(const Array&)> mapped = row_mode;
  for (int k = 0; k < moved.ndim() - 1; ++k) mapped = vmap(mapped);
  std::vector<Array> result = mapped(moved);
  if (keepdims && axis) {
    result[0] = jnp::expand_dims(result[0], d);
    result[1] = jnp::expand_dims(result[1], d);
  }
  return {result[0], result[1]};
}

Array sem_function::operator()(const Array& a, std::optional<int> axis, int ddof, Loc caller) const {
  CallSite site(caller);
  const Array values = axis ? a : jnp::ravel(a);
  const int d = axis ? ops::normalize_axis("sem", *axis, a.ndim()) : 0;
  const double n = static_cast<double>(values.shape()[d]);
  return jnp::divide(jnp::std(values, {.axis = d, .ddof = ddof}), std::sqrt(n));
}

// --- gaussian_kde -------------------------------------------------------------------------------------

namespace {
Array as_points(const Array& data, const char* what) {
  const Array values = ops::to_inexact(data);
  if (values.ndim() == 1) return jnp::expand_dims(values, 0);
  if (values.ndim() != 2) {
    throw ShapeError("gaussian_kde", fmt::format("{} must be 1-D or d x n, got {}", what, values.shape().to_string()));
  }
  return values;
}
}  // namespace

gaussian_kde::gaussian_kde(const Array& dataset, std::string_view bw_method, std::optional<Array> weights, Loc caller) {
  CallSite site(caller);
  dataset_ = as_points(dataset, "the dataset");
  d_ = static_cast<int>(dataset_.shape()[0]);
  const std::int64_t n = dataset_.shape()[1];
  if (n < 2) throw ValueError("gaussian_kde", "needs at least 2 data points");
  weights_ = weights ? jnp::astype(*weights, dataset_.dtype())
                     : jnp::full({n}, jnp::array(1.0 / static_cast<double>(n), dataset_.dtype()));
  weights_ = jnp::divide(weights_, jnp::sum(weights_));
  neff_ = 1.0 / jnp::sum(jnp::square(weights_)).item<double>();
  const double exponent = -1.0 / (d_ + 4);
  double factor = 0;
  if (bw_method == "scott") {
    factor = std::pow(neff_, exponent);
  } else if (bw_method == "silverman") {
    factor = std::pow(neff_ * (d_ + 2) / 4.0, exponent);
  } else {
    throw ValueError("gaussian_kde",
                     fmt::format("bw_method must be \"scott\" or \"silverman\" (or a factor), got \"{}\"", bw_method));
  }
  set_bandwidth(factor);
}

gaussian_kde::gaussian_kde(const Array& dataset, double bandwidth_factor, std::optional<Array> weights, Loc caller)
    : gaussian_kde(dataset, "scott", std::move(weights), caller) {
  set_bandwidth(bandwidth_factor);
}

void gaussian_kde::set_bandwidth(double factor) {
  factor_ = factor;
  // The data's weighted covariance (N - 1 style, as SciPy's) scaled by factor^2.
  const Array data_covariance = jnp::atleast_2d(jnp::cov(dataset_, {.bias = false, .aweights = weights_}));
  covariance_ = jnp::multiply(data_covariance, factor * factor);
  cholesky_ = jnp::linalg::cholesky(covariance_);
}

Array gaussian_kde::logpdf(const Array& points) const {
  const Array x = as_points(points, "the points");
  if (x.shape()[0] != d_) {
    throw ShapeError("gaussian_kde", fmt::format("points of dimension {} for data of dimension {}", x.shape()[0], d_));
  }
  // Whitened by the kernel's Cholesky factor, the kernel is a standard normal.
  const Array white_data = scipy::linalg::solve_triangular(cholesky_, dataset_, {.lower = true});
  const Array white_points =
      scipy::linalg::solve_triangular(cholesky_, jnp::astype(x, dataset_.dtype()), {.lower = true});
  // (n, m) squared distances.
  const Array difference = jnp::subtract(jnp::expand_dims(white_data, 2), jnp::expand_dims(white_points, 1));
  const Array squared = jnp::sum(jnp::square(difference), 0);
  const double log_norm = 0.5 * d_ * std::log(2 * std::numbers::pi);
  const Array log_det = jnp::sum(jnp::log(jnp::diagonal(cholesky_)));
  const Array log_kernel = jnp::subtract(jnp::subtract(jnp::multiply(squared, -0.5), log_norm), log_det);
  return nn::logsumexp(jnp::add(log_kernel, jnp::expand_dims(jnp::log(weights_), 1)), 0);
}

Array gaussian_kde::evaluate(const Array& points) const { return jnp::exp(logpdf(points)); }

Array gaussian_kde::integrate_box_1d(double low, double high) const {
  if (d_ != 1) throw ValueError("gaussian_kde", "integrate_box_1d needs 1-D data");
  const Array sigma = jnp::sqrt(covariance_(0, 0));
  const Array data = dataset_(0);
  const Array upper = special::ndtr(jnp::divide(jnp::subtract(Array(high), data), sigma));
  const Array lower = special::ndtr(jnp::divide(jnp::subtract(Array(low), data), sigma));
  return jnp::sum(jnp::multiply(weights_, jnp::subtract(upper, lower)));
}

}  // namespace jx::scipy::stats
