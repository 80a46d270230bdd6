// jx/numpy/statistics.h, part three: finite differences, the trapezoidal rule, linear interpolation and
// phase unwrapping, from static slices along an axis.
#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/statistics.h"
#include "ops/numpy_common.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

using ops::constant_like;

using internal::slice_axis;

// v broadcast to x's shape with length `length` along axis (prepend/append values of diff).
Array edge_block(const Array& v, const Array& x, int axis) {
  if (v.ndim() != 0) return v;
  Shape shape = x.shape();
  shape[axis] = 1;
  return broadcast_to(v, shape);
}

}  // namespace

Array diff_function::operator()(const Array& x, int n, DiffOptions options, Loc loc) const {
  CallSite site(loc);
  if (n < 0) throw ValueError("diff", fmt::format("order must be non-negative, got {}", n));
  if (x.ndim() == 0) throw ShapeError("diff", "needs an array of rank 1 or more, got a scalar");
  const int axis = ops::normalize_axis("diff", options.axis, x.ndim());
  std::vector<Array> parts;
  if (options.prepend) parts.push_back(edge_block(*options.prepend, x, axis));
  parts.push_back(x);
  if (options.append) parts.push_back(edge_block(*options.append, x, axis));
  Array result = parts.size() == 1 ? x : concatenate(parts, axis);
  for (int i = 0; i < n; ++i) {
    const std::int64_t length = result.shape()[axis];
    if (length == 0) break;
    const Array later = slice_axis(result, 1, length, axis), earlier = slice_axis(result, 0, length - 1, axis);
    // Bools differ (not_equal), as NumPy's diff of booleans.
    result = result.dtype() == DType::bool_ ? not_equal(later, earlier) : subtract(later, earlier);
  }
  return result;
}

Array ediff1d_function::operator()(const Array& x, std::optional<Array> to_end, std::optional<Array> to_begin,
                                   Loc loc) const {
  CallSite site(loc);
  const Array flat = ravel(x);
  Array result = flat.size() == 0 ? flat : diff(flat);
  std::vector<Array> parts;
  if (to_begin) parts.push_back(astype(ravel(*to_begin), result.dtype()));
  parts.push_back(result);
  if (to_end) parts.push_back(astype(ravel(*to_end), result.dtype()));
  return parts.size() == 1 ? result : concatenate(parts, 0);
}

std::vector<Array> gradient_function::operator()(const Array& f, GradientOptions options, Loc loc) const {
  CallSite site(loc);
  const std::vector<int> axes = ops::normalize_axes("gradient", options.axis, f.ndim());
  if (options.spacing.size() > 1 && options.spacing.size() != axes.size()) {
    throw ValueError("gradient", fmt::format("{} spacings for {} axes", options.spacing.size(), axes.size()));
  }
  const Array values = ops::to_inexact(f);
  std::vector<Array> gradients;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const int axis = axes[i];
    const std::int64_t n = values.shape()[axis];
    if (n < 2) {
      throw ValueError("gradient", fmt::format("needs at least 2 points along axis {}, got {}", axis, n));
    }
    const Array step_spec = options.spacing.empty()
                                ? constant_like(values, 1)
                                : ops::to_inexact(options.spacing[options.spacing.size() == 1 ? 0 : i]);
    // Steps between neighbours along the axis: a scalar, or the differences of the coordinates,
    // shaped to broadcast against the axis.
    Shape along(std::vector<std::int64_t>(static_cast<std::size_t>(values.ndim()), 1));
    Array step;
    if (step_spec.ndim() == 0) {
      step = step_spec;
    } else {
      if (step_spec.ndim() != 1 || step_spec.shape()[0] != n) {
        throw ShapeError("gradient", fmt::format("coordinates of shape {} along an axis of length {}",
                                                 step_spec.shape().to_string(), n));
      }
      along[axis] = n - 1;
      step = reshape(diff(step_spec), along);
    }
    const Array forward = diff(values, 1, {.axis = axis});  // f[i+1] - f[i]
    auto steps = [&](std::int64_t start, std::int64_t stop) {
      return step.ndim() == 0 ? step : slice_axis(step, start, stop, axis);
    };
    // Interior: the second-order formula for uneven steps h1 (before) and h2 (after):
    // (h1^2 f[i+1] - h2^2 f[i-1] + (h2^2 - h1^2) f[i]) / (h1 h2 (h1 + h2)), which for equal steps is
    // (f[i+1] - f[i-1]) / 2h. Written with the forward differences d1 = f[i] - f[i-1], d2 = f[i+1] - f[i]:
    // (h1^2 d2 + h2^2 d1) / (h1 h2 (h1 + h2)).
    std::vector<Array> pieces;
    pieces.push_back(divide(slice_axis(forward, 0, 1, axis), steps(0, 1)));
    if (n > 2) {
      const Array h1 = steps(0, n - 2), h2 = steps(1, n - 1);
      const Array d1 = slice_axis(forward, 0, n - 2, axis), d2 = slice_axis(forward, 1, n - 1, axis);
      pieces.push_back(divide(add(multiply(multiply(h1, h1), d2), multiply(multiply(h2, h2), d1)),
                              multiply(multiply(h1, h2), add(h1, h2))));
    }
    pieces.push_back(divide(slice_axis(forward, n - 2, n - 1, axis), steps(n - 2, n - 1)));
    gradients.push_back(concatenate(pieces, axis));
  }
  return gradients;
}

Array trapezoid_function::operator()(const Array& y, std::optional<Array> x, double dx, int axis, Loc loc) const {
  CallSite site(loc);
  if (y.ndim() == 0) throw ShapeError("trapezoid", "needs an array of rank 1 or more, got a scalar");
  const int a = ops::normalize_axis("trapezoid", axis, y.ndim());
  const Array values = ops::to_inexact(y);
  const std::int64_t n = values.shape()[a];
  if (n == 0) return sum(values, a);
  const Array pair_sums = add(slice_axis(values, 1, n, a), slice_axis(values, 0, n - 1, a));
  Array widths;
  if (!x) {
    widths = constant_like(values, dx);
  } else if (x->ndim() == 1) {
    if (x->shape()[0] != n) {
      throw ShapeError("trapezoid", fmt::format("x of length {} for an axis of length {}", x->shape()[0], n));
    }
    Shape along(std::vector<std::int64_t>(static_cast<std::size_t>(values.ndim()), 1));
    along[a] = n - 1;
    widths = reshape(diff(*x), along);
  } else {
    widths = diff(*x, 1, {.axis = a});
  }
  return multiply(sum(multiply(pair_sums, widths), a), constant_like(values, 0.5));
}

Array interp_function::operator()(const Array& x, const Array& xp, const Array& fp, InterpOptions options,
                                  Loc loc) const {
  CallSite site(loc);
  if (xp.ndim() != 1 || fp.ndim() != 1 || xp.shape() != fp.shape()) {
    throw ShapeError("interp", fmt::format("xp and fp must be 1-D of the same length, got {} and {}",
                                           xp.shape().to_string(), fp.shape().to_string()));
  }
  if (xp.size() == 0) throw ValueError("interp", "xp and fp must not be empty");
  if (is_complex(x.dtype()) || is_complex(xp.dtype())) throw DTypeError("interp", "x and xp must be real");
  const Array operands[] = {x, xp};
  const PromotionType coordinates = ops::inexact_type(ops::result_type(operands));
  Array at = ops::convert_to(x, {coordinates.dtype, false});
  Array knots = ops::convert_to(xp, {coordinates.dtype, false});
  Array values = ops::to_inexact(fp);
  if (options.period) {
    // Everything modulo the period, the knots sorted and extended by one period on each side.
    if (*options.period == 0) throw ValueError("interp", "period must be non-zero");
    const Array period = constant_like(at, std::abs(*options.period));
    at = remainder(at, period);
    knots = remainder(knots, period);
    const Array order = argsort(knots);
    knots = take(knots, order);
    values = take(values, order);
    knots = concatenate({subtract(knots(Slice{-1, std::nullopt}), period), knots, add(knots(Slice{0, 1}), period)}, 0);
    values = concatenate({values(Slice{-1, std::nullopt}), values, values(Slice{0, 1})}, 0);
  }
  const std::int64_t n = knots.size();
  if (n == 1) return broadcast_to(values, at.shape());
  // The interval [xp[i-1], xp[i]] holding each x, then the line through its ends (JAX's formula: a
  // zero-width interval gives fp[i]).
  const Array i = clip(searchsorted(knots, at, {.side = "right"}), Array(1), Array(n - 1));
  const Array below = subtract(i, Array(1));
  const Array x0 = take(knots, below), x1 = take(knots, i);
  const Array f0 = take(values, below), f1 = take(values, i);
  const Array width = subtract(x1, x0);
  const Array zero_width = equal(width, constant_like(width, 0));
  const Array slope = divide(subtract(f1, f0), where(zero_width, constant_like(width, 1), width));
  Array result = where(zero_width, f1, add(f0, multiply(subtract(at, x0), slope)));
  if (!options.period) {
    const Array left = options.left ? astype(*options.left, result.dtype()) : values(0);
    const Array right = options.right ? astype(*options.right, result.dtype()) : values(n - 1);
    result = where(less(at, knots(0)), left, result);
    result = where(greater(at, knots(n - 1)), right, result);
  }
  return result;
}

Array unwrap_function::operator()(const Array& p, UnwrapOptions options, Loc loc) const {
  CallSite site(loc);
  if (p.ndim() == 0) throw ShapeError("unwrap", "needs an array of rank 1 or more, got a scalar");
  const int axis = ops::normalize_axis("unwrap", options.axis, p.ndim());
  const Array values = ops::to_inexact(p);
  const std::int64_t n = values.shape()[axis];
  if (n < 2) return values;
  const double period = options.period;
  const double discont = std::max(options.discont.value_or(period / 2), period / 2);
  // NumPy's algorithm: each step's difference brought into [-period/2, period/2), the boundary case
  // keeping the sign of the original step; the corrections accumulate along the axis.
  const Array step = diff(values, 1, {.axis = axis});
  const double half = period / 2;
  Array wrapped =
      subtract(remainder(add(step, constant_like(step, half)), constant_like(step, period)), constant_like(step, half));
  wrapped = where(logical_and(equal(wrapped, constant_like(step, -half)), greater(step, constant_like(step, 0))),
                  constant_like(step, half), wrapped);
  Array correction = subtract(wrapped, step);
  correction = where(less(abs(step), constant_like(step, discont)), constant_like(step, 0), correction);
  std::vector<std::pair<std::int64_t, std::int64_t>> widths(static_cast<std::size_t>(values.ndim()), {0, 0});
  widths[static_cast<std::size_t>(axis)] = {1, 0};
  return add(values, pad(cumsum(correction, axis), widths));
}

}  // namespace jx::numpy
