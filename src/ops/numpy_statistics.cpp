// jx/numpy/statistics.h, part one: order statistics (by sorting), averages, covariance, the NaN-ignoring
// reductions and the Array API's cumulative functions. Composed from jx::numpy and jx::lax, so that
// every transformation sees through them.
#include <fmt/format.h>

#include <limits>
#include <numeric>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/shaping.h"
#include "jx/numpy/statistics.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using ops::constant_like;

// Both promoted to their common inexact type (JAX's promote_dtypes_inexact).
std::pair<Array, Array> common_inexact(const Array& x, const Array& y) {
  const Array operands[] = {x, y};
  const PromotionType type = ops::inexact_type(ops::result_type(operands));
  return {ops::convert_to(x, {type.dtype, false}), ops::convert_to(y, {type.dtype, false})};
}

// x with the reduced axes moved to the end and flattened into one: (kept..., n).
struct Gathered {
  Array values;
  Shape kept;
  std::vector<int> axes;
};
Gathered gather_axes(std::string_view op, const Array& x, const std::optional<Axes>& axis) {
  const std::vector<int> axes = ops::normalize_axes(op, axis, x.ndim());
  std::vector<int> order;
  Shape kept;
  for (int d = 0; d < x.ndim(); ++d) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) {
      order.push_back(d);
      kept.push_back(x.shape()[d]);
    }
  }
  std::int64_t n = 1;
  for (int d : axes) {
    order.push_back(d);
    n *= x.shape()[d];
  }
  Shape flat = kept;
  flat.push_back(n);
  return {reshape(transpose(x, order), flat), kept, axes};
}

// result (q_shape..., kept...) with the reduced axes put back as ones after the q axes.
Array keep_reduced_dims(const Array& result, int q_ndim, const Shape& input, const std::vector<int>& axes) {
  Shape shape;
  for (int d = 0; d < q_ndim; ++d) shape.push_back(result.shape()[d]);
  for (int d = 0; d < input.ndim(); ++d) {
    shape.push_back(std::find(axes.begin(), axes.end(), d) != axes.end() ? 1 : input[d]);
  }
  return reshape(result, shape);
}

Array quantile_impl(std::string_view op, const Array& x, const Array& q_in, const QuantileOptions& options,
                    bool ignore_nan, bool percent) {
  const std::string_view method = options.method;
  if (method != "linear" && method != "lower" && method != "higher" && method != "nearest" && method != "midpoint") {
    throw ValueError(std::string(op), fmt::format("method must be one of linear, lower, higher, nearest or midpoint, "
                                                  "got \"{}\"",
                                                  method));
  }
  if (is_complex(x.dtype())) throw DTypeError(std::string(op), "is not defined for complex arrays");
  auto [a, q] = common_inexact(x, q_in);
  if (percent) q = lax::div(q, constant_like(q, 100));
  Gathered g = gather_axes(op, a, options.axis);
  const std::int64_t n = g.values.shape()[g.values.ndim() - 1];
  if (n == 0) throw ValueError(std::string(op), "cannot take a quantile of an empty axis");
  const Array sorted = sort(g.values, -1);  // NaNs last
  const Array nan_mask = isnan(g.values);
  // The number of values each quantile is taken among: all, or the non-NaN ones.
  const Array count = ignore_nan ? astype(sum(logical_not(nan_mask), -1), a.dtype())
                                 : lax::broadcast_in_dim(constant_like(a, static_cast<double>(n)), g.kept, {});
  // Positions (kept..., Q) for the flattened q.
  const Array q_flat = ravel(q);
  const Array position = multiply(expand_dims(lax::sub(count, constant_like(a, 1)), -1), q_flat);
  const Array last = constant_like(a, static_cast<double>(n - 1));
  auto clamp_index = [&](const Array& p) { return astype(lax::clamp(constant_like(a, 0), p, last), DType::int32); };
  auto at = [&](const Array& p) { return take_along_axis(sorted, clamp_index(p), -1); };
  Array result;
  if (method == "nearest") {
    result = at(lax::round(position, lax::RoundingMethod::to_nearest_even));
  } else {
    const Array low = lax::floor(position), high = lax::ceil(position);
    const Array low_value = at(low), high_value = at(high);
    if (method == "lower") {
      result = low_value;
    } else if (method == "higher") {
      result = high_value;
    } else if (method == "midpoint") {
      result = lax::mul(lax::add(low_value, high_value), constant_like(a, 0.5));
    } else {
      const Array fraction = lax::sub(position, low);
      result = lax::add(low_value, lax::mul(lax::sub(high_value, low_value), fraction));
    }
  }
  // Without NaN handling, a NaN anywhere in the slice makes its quantiles NaN; with it, only a slice of
  // NaNs does.
  const Array invalid = ignore_nan ? lax::eq(count, constant_like(a, 0)) : any(nan_mask, -1);
  result = where(expand_dims(invalid, -1), constant_like(a, kNan), result);
  // (kept..., Q) -> (q_shape..., kept...).
  result = moveaxis(result, -1, 0);
  Shape shape = q.shape();
  for (std::int64_t d : g.kept) shape.push_back(d);
  result = reshape(result, shape);
  if (options.keepdims) result = keep_reduced_dims(result, q.ndim(), a.shape(), g.axes);
  return result;
}

// The mask of NaNs, or none for arrays that cannot hold them.
bool can_be_nan(const Array& x) { return is_inexact(x.dtype()); }

Array without_nans(const Array& x, double replacement) {
  if (!can_be_nan(x)) return x;
  return where(isnan(x), constant_like(x, replacement), x);
}

}  // namespace

// --- Order statistics -------------------------------------------------------------------------------

Array quantile_function::operator()(const Array& x, const Array& q, QuantileOptions options, Loc loc) const {
  CallSite site(loc);
  return quantile_impl("quantile", x, q, options, false, false);
}
Array percentile_function::operator()(const Array& x, const Array& q, QuantileOptions options, Loc loc) const {
  CallSite site(loc);
  return quantile_impl("percentile", x, q, options, false, true);
}
Array nanquantile_function::operator()(const Array& x, const Array& q, QuantileOptions options, Loc loc) const {
  CallSite site(loc);
  return quantile_impl("nanquantile", x, q, options, true, false);
}
Array nanpercentile_function::operator()(const Array& x, const Array& q, QuantileOptions options, Loc loc) const {
  CallSite site(loc);
  return quantile_impl("nanpercentile", x, q, options, true, true);
}
Array median_function::operator()(const Array& x, MedianOptions options, Loc loc) const {
  CallSite site(loc);
  return quantile_impl("median", x, Array(0.5), {.axis = options.axis, .keepdims = options.keepdims}, false, false);
}
Array nanmedian_function::operator()(const Array& x, MedianOptions options, Loc loc) const {
  CallSite site(loc);
  return quantile_impl("nanmedian", x, Array(0.5), {.axis = options.axis, .keepdims = options.keepdims}, true, false);
}

// --- Averages, spread, covariance -------------------------------------------------------------------

Array average_function::operator()(const Array& x, AverageOptions options, Loc loc) const {
  CallSite site(loc);
  if (!options.weights) return mean(x, {.axis = options.axis, .keepdims = options.keepdims});
  auto [a, w] = common_inexact(x, *options.weights);
  if (w.shape() != a.shape()) {
    // 1-D weights along the single axis averaged over.
    const std::vector<int> axes = ops::normalize_axes("average", options.axis, a.ndim());
    if (!options.axis || axes.size() != 1 || w.ndim() != 1 || w.shape()[0] != a.shape()[axes[0]]) {
      throw ShapeError("average", fmt::format("weights of shape {} need the shape of x {}, or 1-D along one axis",
                                              w.shape().to_string(), a.shape().to_string()));
    }
    Shape along(std::vector<std::int64_t>(static_cast<std::size_t>(a.ndim()), 1));
    along[axes[0]] = w.shape()[0];
    w = broadcast_to(reshape(w, along), a.shape());
  }
  const ReduceOptions reduce{.axis = options.axis, .keepdims = options.keepdims};
  return divide(sum(multiply(a, w), reduce), sum(w, reduce));
}

Array ptp_function::operator()(const Array& x, ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return subtract(max(x, options), min(x, options));
}

Array count_nonzero_function::operator()(const Array& x, ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  options.dtype = default_int_dtype();
  return sum(not_equal(x, constant_like(x, 0)), options);
}

Array cov_function::operator()(const Array& m, CovOptions options, Loc loc) const {
  CallSite site(loc);
  if (m.ndim() > 2) throw ShapeError("cov", fmt::format("m has more than 2 dimensions: {}", m.shape().to_string()));
  // Variables as rows (NumPy: a 1-D input is one variable whatever rowvar says).
  auto as_rows = [&](const Array& v) {
    const Array rows = atleast_2d(v);
    return !options.rowvar && rows.shape()[0] != 1 ? matrix_transpose(rows) : rows;
  };
  Array x = as_rows(ops::to_inexact(m));
  if (options.y) x = concatenate({x, as_rows(ops::to_inexact(*options.y))}, 0);
  const int ddof = options.ddof.value_or(options.bias ? 0 : 1);
  const std::int64_t observations = x.shape()[1];
  std::optional<Array> w;
  if (options.fweights) w = astype(*options.fweights, x.dtype());
  if (options.aweights) w = w ? multiply(*w, *options.aweights) : astype(*options.aweights, x.dtype());
  Array average_value, factor;
  if (!w) {
    average_value = mean(x, 1);
    factor = constant_like(x, static_cast<double>(observations - ddof));
  } else {
    if (w->ndim() != 1 || w->shape()[0] != observations) {
      throw ShapeError("cov",
                       fmt::format("weights of shape {} for {} observations", w->shape().to_string(), observations));
    }
    const Array weight_sum = sum(*w);
    average_value = divide(sum(multiply(x, *w), 1), weight_sum);
    factor = options.aweights
                 ? subtract(weight_sum,
                            divide(multiply(Array(static_cast<double>(ddof)), sum(multiply(*w, *options.aweights))),
                                   weight_sum))
                 : subtract(weight_sum, Array(static_cast<double>(ddof)));
  }
  const Array centered = subtract(x, expand_dims(average_value, 1));
  const Array weighted = w ? multiply(centered, *w) : centered;
  const Array c = divide(matmul(centered, conj(matrix_transpose(weighted))), factor);
  return squeeze(c);
}

Array corrcoef_function::operator()(const Array& x, std::optional<Array> y, bool rowvar, Loc loc) const {
  CallSite site(loc);
  const Array c = cov(x, {.y = y, .rowvar = rowvar});
  if (c.ndim() == 0) return divide(c, c);
  const Array stddev = sqrt(real(diagonal(c)));
  Array r = divide(divide(c, expand_dims(stddev, 1)), expand_dims(stddev, 0));
  // Rounding can push |r| past 1.
  if (is_complex(r.dtype()))
    return lax::complex(clip(real(r), Array(-1.0), Array(1.0)), clip(imag(r), Array(-1.0), Array(1.0)));
  return clip(r, Array(-1.0), Array(1.0));
}

// --- NaN-ignoring reductions ------------------------------------------------------------------------

Array nansum_function::operator()(const Array& x, ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return sum(without_nans(x, 0), options);
}
Array nanprod_function::operator()(const Array& x, ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return prod(without_nans(x, 1), options);
}

namespace {
// max (min) of the non-NaN values: NaN where all of them are NaN.
Array nan_extremum(const Array& x, const ReduceOptions& options, bool largest) {
  if (!can_be_nan(x)) return largest ? max(x, options) : min(x, options);
  const Array mask = isnan(x);
  const Array filled = where(mask, constant_like(x, largest ? -kInf : kInf), x);
  const Array result = largest ? max(filled, options) : min(filled, options);
  const ReduceOptions all_options{.axis = options.axis, .keepdims = options.keepdims};
  return where(all(mask, all_options), constant_like(result, kNan), result);
}
// The number of non-NaN values along the axes, as a float of x's type.
Array non_nan_count(const Array& x, const ReduceOptions& options, DType dtype) {
  return astype(sum(logical_not(isnan(x)), {.axis = options.axis, .keepdims = options.keepdims}), dtype);
}
}  // namespace

Array nanmax_function::operator()(const Array& x, ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return nan_extremum(x, options, true);
}
Array nanmin_function::operator()(const Array& x, ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return nan_extremum(x, options, false);
}

Array nanmean_function::operator()(const Array& x, ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  if (!can_be_nan(x)) return mean(x, options);
  const Array total = nansum(x, options);
  return divide(total, non_nan_count(x, options, total.dtype()));
}

Array nanvar_function::operator()(const Array& x, ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  if (!can_be_nan(x)) return var(x, options);
  ReduceOptions keep = options;
  keep.keepdims = true;
  keep.ddof = 0;
  const Array centered = subtract(x, nanmean(x, keep));
  const Array squared = is_complex(x.dtype()) ? real(multiply(centered, conj(centered))) : multiply(centered, centered);
  const Array total = nansum(squared, {.axis = options.axis, .keepdims = options.keepdims, .dtype = options.dtype});
  const Array count = non_nan_count(x, options, total.dtype());
  return divide(total, maximum(subtract(count, Array(static_cast<double>(options.ddof))), Array(0.0)));
}

Array nanstd_function::operator()(const Array& x, ReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return sqrt(nanvar(x, options));
}

namespace {
Array nan_arg_extremum(const Array& x, const ArgReduceOptions& options, bool largest) {
  if (!can_be_nan(x)) return largest ? argmax(x, options) : argmin(x, options);
  const Array mask = isnan(x);
  const Array filled = where(mask, constant_like(x, largest ? -kInf : kInf), x);
  const Array result = largest ? argmax(filled, options) : argmin(filled, options);
  ReduceOptions all_options{.keepdims = options.keepdims};
  if (options.axis) all_options.axis = Axes(*options.axis);
  return where(all(mask, all_options), ops::convert_to(Array(-1), {result.dtype(), true}), result);
}
}  // namespace

Array nanargmax_function::operator()(const Array& x, ArgReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return nan_arg_extremum(x, options, true);
}
Array nanargmin_function::operator()(const Array& x, ArgReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return nan_arg_extremum(x, options, false);
}
Array nancumsum_function::operator()(const Array& x, CumulativeOptions options, Loc loc) const {
  CallSite site(loc);
  return cumsum(without_nans(x, 0), options);
}
Array nancumprod_function::operator()(const Array& x, CumulativeOptions options, Loc loc) const {
  CallSite site(loc);
  return cumprod(without_nans(x, 1), options);
}

// --- cumulative_sum, cumulative_prod ----------------------------------------------------------------

namespace {
Array cumulative(std::string_view op, const Array& x, const CumulativeArrayOptions& options, bool product) {
  if (x.ndim() == 0) throw ShapeError(std::string(op), "is not defined for scalars");
  if (!options.axis && x.ndim() > 1) {
    throw ValueError(std::string(op), fmt::format("axis must be given for an array of rank {}", x.ndim()));
  }
  const int axis = ops::normalize_axis(op, options.axis.value_or(0), x.ndim());
  Array result =
      product ? cumprod(x, {.axis = axis, .dtype = options.dtype}) : cumsum(x, {.axis = axis, .dtype = options.dtype});
  const DType dtype = result.dtype();
  if (options.include_initial) {
    std::vector<std::pair<std::int64_t, std::int64_t>> widths(static_cast<std::size_t>(x.ndim()), {0, 0});
    widths[static_cast<std::size_t>(axis)] = {1, 0};
    result = pad(result, widths, {.constant_values = ops::convert_to(Array(product ? 1 : 0), {dtype, true})});
  }
  return result;
}
}  // namespace

Array cumulative_sum_function::operator()(const Array& x, CumulativeArrayOptions options, Loc loc) const {
  CallSite site(loc);
  return cumulative("cumulative_sum", x, options, false);
}
Array cumulative_prod_function::operator()(const Array& x, CumulativeArrayOptions options, Loc loc) const {
  CallSite site(loc);
  return cumulative("cumulative_prod", x, options, true);
}

}  // namespace jx::numpy
