// jx/numpy/statistics.h, part two: searching sorted arrays, bin counts and histograms. searchsorted is a
// vectorized binary search (a fixed number of gathers, so it traces); counts are scatter-adds.
#include <fmt/format.h>

#include <bit>
#include <cmath>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/statistics.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

using ops::constant_like;

// a < b in NumPy's sort order, where NaNs come after every number.
Array sort_less(const Array& a, const Array& b) {
  if (!is_inexact(a.dtype())) return lax::lt(a, b);
  return logical_or(less(a, b), logical_and(isnan(b), logical_not(isnan(a))));
}

// The concrete value of a size that JAX would need as a static argument.
std::int64_t concrete_size(std::string_view op, const Array& value, std::string_view option) {
  if (value.is_tracer()) {
    throw ConcretizationError(std::string(op), fmt::format("the length of the result depends on the values of a traced "
                                                           "array; pass a static {} (e.g. {{.{} = 10}})",
                                                           option, option));
  }
  return value.item<std::int64_t>();
}

}  // namespace

// --- searchsorted, digitize -------------------------------------------------------------------------

Array searchsorted_function::operator()(const Array& a, const Array& v, SearchsortedOptions options, Loc loc) const {
  CallSite site(loc);
  if (a.ndim() != 1) throw ShapeError("searchsorted", fmt::format("a must be 1-D, got {}", a.shape().to_string()));
  if (options.side != "left" && options.side != "right") {
    throw ValueError("searchsorted", fmt::format("side must be \"left\" or \"right\", got \"{}\"", options.side));
  }
  const Array sorted_a = options.sorter ? take(a, *options.sorter) : a;
  const Array operands[] = {sorted_a, v};
  const DType common = ops::result_type(operands).dtype;
  const Array keys = astype(sorted_a, common), values = astype(v, common);
  const std::int64_t n = keys.size();
  const DType index_dtype = default_int_dtype();
  const bool right = options.side == "right";
  // Invariant: the answer lies in [low, high]. Each step halves the range; ceil(log2(n + 1)) steps
  // suffice.
  Array low = zeros(values.shape(), index_dtype);
  Array high = full(values.shape(), array(n, index_dtype));
  const int steps = n == 0 ? 0 : std::bit_width(static_cast<std::uint64_t>(n));
  for (int step = 0; step < steps; ++step) {
    const Array middle = floor_divide(add(low, high), array(std::int64_t{2}, index_dtype));
    const Array probe = take(keys, minimum(middle, array(std::max<std::int64_t>(n - 1, 0), index_dtype)));
    // Go right of middle when keys[middle] < v (left side) or keys[middle] <= v (right side).
    const Array go_right = right ? logical_not(sort_less(values, probe)) : sort_less(probe, values);
    const Array open = less(low, high);
    low = where(logical_and(open, go_right), add(middle, array(std::int64_t{1}, index_dtype)), low);
    high = where(logical_and(open, logical_not(go_right)), middle, high);
  }
  return low;
}

Array digitize_function::operator()(const Array& x, const Array& bins, bool right, Loc loc) const {
  CallSite site(loc);
  if (bins.ndim() != 1) throw ShapeError("digitize", fmt::format("bins must be 1-D, got {}", bins.shape().to_string()));
  if (bins.size() == 0) return zeros_like(x, default_int_dtype());
  // Increasing bins: searchsorted with the opposite side; decreasing ones: counted from the end. Which
  // one applies is a property of the values, so both are computed.
  const Array increasing = searchsorted(bins, x, {.side = right ? "left" : "right"});
  const Array decreasing = subtract(array(bins.size(), default_int_dtype()),
                                    searchsorted(flip(bins), x, {.side = right ? "left" : "right"}));
  const Array ascending = greater_equal(bins(bins.size() - 1), bins(0));
  return where(ascending, increasing, decreasing);
}

// --- bincount, histograms ---------------------------------------------------------------------------

Array bincount_function::operator()(const Array& x, BincountOptions options, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() != 1) throw ShapeError("bincount", fmt::format("x must be 1-D, got {}", x.shape().to_string()));
  if (!is_integer(x.dtype()) && x.dtype() != DType::bool_) {
    throw DTypeError("bincount", fmt::format("x must be integers, got {}", dtype_name(x.dtype())));
  }
  if (options.minlength < 0) throw ValueError("bincount", "minlength must be non-negative");
  std::int64_t length = 0;
  if (options.length) {
    length = *options.length;
  } else {
    const std::int64_t largest = x.size() == 0 ? -1 : concrete_size("bincount", astype(max(x), DType::int64), "length");
    length = std::max(largest + 1, options.minlength);
  }
  const Array weights = options.weights ? *options.weights : ones(x.shape(), default_int_dtype());
  if (weights.shape() != x.shape()) {
    throw ShapeError("bincount", fmt::format("weights of shape {} for x of shape {}", weights.shape().to_string(),
                                             x.shape().to_string()));
  }
  const Array positions = maximum(astype(x, default_int_dtype()), array(std::int64_t{0}, default_int_dtype()));
  return zeros({length}, weights.dtype()).at(positions).add(weights, {.mode = "drop"});
}

namespace {

// The bin of each value among the edges (0 .. bins - 1), or -1 / bins outside; the last bin is closed.
Array bin_of(const Array& x, const Array& edges) {
  const std::int64_t bins = edges.size() - 1;
  Array index = subtract(searchsorted(edges, x, {.side = "right"}), array(std::int64_t{1}, default_int_dtype()));
  // A value equal to the last edge belongs to the last bin.
  return where(equal(x, edges(bins)), array(bins - 1, default_int_dtype()), index);
}

Array equal_edges(const Array& x, std::int64_t bins, std::optional<std::pair<double, double>> range) {
  if (bins < 1) throw ValueError("histogram", fmt::format("bins must be positive, got {}", bins));
  const Array values = ops::to_inexact(x);
  Array low, high;
  if (range) {
    if (range->first > range->second) throw ValueError("histogram", "max must be larger than min in range");
    low = constant_like(values, range->first);
    high = constant_like(values, range->second);
  } else if (values.size() == 0) {
    low = constant_like(values, 0);
    high = constant_like(values, 1);
  } else {
    low = min(values);
    high = max(values);
  }
  // An empty range is widened by 0.5 each way, as NumPy does.
  const Array degenerate = equal(low, high);
  low = where(degenerate, subtract(low, constant_like(values, 0.5)), low);
  high = where(degenerate, add(high, constant_like(values, 0.5)), high);
  const Array steps =
      divide(astype(arange(bins + 1), values.dtype()), constant_like(values, static_cast<double>(bins)));
  return add(low, multiply(steps, subtract(high, low)));
}

}  // namespace

HistogramResult histogram_function::operator()(const Array& x, const Array& bin_edges, HistogramOptions options,
                                               Loc loc) const {
  CallSite site(loc);
  if (bin_edges.ndim() != 1 || bin_edges.size() < 2) {
    throw ShapeError("histogram", fmt::format("bin edges must be 1-D with at least 2 entries, got {}",
                                              bin_edges.shape().to_string()));
  }
  const Array values = ravel(x);
  const Array edges = ops::to_inexact(bin_edges);
  const std::int64_t bins = edges.size() - 1;
  Array weights = options.weights ? ravel(*options.weights) : ones(values.shape(), default_int_dtype());
  if (weights.size() != values.size()) throw ShapeError("histogram", "weights must have the shape of x");
  if (options.density) weights = ops::to_inexact(weights);
  // Values outside the edges land at -1 or bins and are dropped.
  const Array index = bin_of(values, edges);
  const Array inside = logical_and(greater_equal(index, Array(0)), less(index, Array(bins)));
  const Array target = where(inside, index, array(bins, default_int_dtype()));
  Array counts = zeros({bins}, weights.dtype()).at(target).add(weights, {.mode = "drop"});
  if (options.density) counts = divide(divide(counts, sum(counts)), diff(edges));
  return {counts, edges};
}

HistogramResult histogram_function::operator()(const Array& x, std::int64_t bins, HistogramOptions options,
                                               Loc loc) const {
  CallSite site(loc);
  return (*this)(x, equal_edges(ravel(x), bins, options.range), options);
}

Array histogram_bin_edges_function::operator()(const Array& x, std::int64_t bins,
                                               std::optional<std::pair<double, double>> range, Loc loc) const {
  CallSite site(loc);
  return equal_edges(ravel(x), bins, range);
}

HistogramddResult histogramdd_function::operator()(const Array& sample, const std::vector<std::int64_t>& bins,
                                                   HistogramddOptions options, Loc loc) const {
  CallSite site(loc);
  if (sample.ndim() != 2) {
    throw ShapeError("histogramdd", fmt::format("sample must be N x D, got {}", sample.shape().to_string()));
  }
  const std::int64_t dimensions = sample.shape()[1];
  if (static_cast<std::int64_t>(bins.size()) != dimensions) {
    throw ValueError("histogramdd", fmt::format("{} bin counts for {} dimensions", bins.size(), dimensions));
  }
  if (options.range && static_cast<std::int64_t>(options.range->size()) != dimensions) {
    throw ValueError("histogramdd", fmt::format("{} ranges for {} dimensions", options.range->size(), dimensions));
  }
  // Each point's bin along each dimension, combined into one flat bin index (row-major over the bins);
  // a point outside any dimension's edges is dropped.
  std::vector<Array> edges;
  const DType index_dtype = default_int_dtype();
  Array flat = zeros({sample.shape()[0]}, index_dtype);
  Array inside = ones({sample.shape()[0]}, DType::bool_);
  for (std::int64_t d = 0; d < dimensions; ++d) {
    const Array coordinate = sample(Slice{}, d);
    std::optional<std::pair<double, double>> range;
    if (options.range) range = (*options.range)[static_cast<std::size_t>(d)];
    edges.push_back(equal_edges(coordinate, bins[static_cast<std::size_t>(d)], range));
    const Array index = bin_of(coordinate, edges.back());
    const std::int64_t count = bins[static_cast<std::size_t>(d)];
    inside = logical_and(inside, logical_and(greater_equal(index, Array(0)), less(index, Array(count))));
    flat = add(multiply(flat, array(count, index_dtype)), index);
  }
  std::int64_t total = 1;
  for (std::int64_t b : bins) total *= b;
  Array weights = options.weights ? ravel(*options.weights) : ones({sample.shape()[0]}, default_int_dtype());
  if (options.density) weights = ops::to_inexact(weights);
  Array counts =
      zeros({total}, weights.dtype()).at(where(inside, flat, array(total, index_dtype))).add(weights, {.mode = "drop"});
  Shape shape;
  for (std::int64_t b : bins) shape.push_back(b);
  counts = reshape(counts, shape);
  if (options.density) {
    // Divide by the total and by each cell's volume, the product of its widths.
    counts = divide(counts, sum(counts));
    for (std::int64_t d = 0; d < dimensions; ++d) {
      Shape along(std::vector<std::int64_t>(static_cast<std::size_t>(dimensions), 1));
      along[static_cast<int>(d)] = bins[static_cast<std::size_t>(d)];
      counts = divide(counts, reshape(diff(edges[static_cast<std::size_t>(d)]), along));
    }
  }
  return {counts, edges};
}

Histogram2dResult histogram2d_function::operator()(const Array& x, const Array& y,
                                                   std::pair<std::int64_t, std::int64_t> bins,
                                                   HistogramddOptions options, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() != 1 || x.shape() != y.shape()) {
    throw ShapeError("histogram2d", fmt::format("x and y must be 1-D of the same length, got {} and {}",
                                                x.shape().to_string(), y.shape().to_string()));
  }
  const Array sample = stack({ops::to_inexact(x), ops::to_inexact(y)}, 1);
  auto [hist, edges] = histogramdd(sample, {bins.first, bins.second}, options);
  return {hist, edges[0], edges[1]};
}

}  // namespace jx::numpy
