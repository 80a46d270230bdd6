// jx::lax: thin, strict wrappers that bind one primitive each.
#include "jx/lax.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "ir/primitives/elementwise.h"
#include "ir/primitives/indexing.h"
#include "ir/primitives/linalg.h"
#include "ir/primitives/reduction.h"
#include "ir/primitives/structural.h"
#include "jx/core/error.h"
#include "ops/promotion.h"
#include "trace/trace.h"

namespace jx::lax {
namespace {

using namespace jx::primitives;

Array unary(UnaryOp op, const Array& x, const Loc& loc) {
  CallSite site(loc);
  return bind1(Unary(op), {x});
}

// A weakly typed operand takes the other operand's dtype, as JAX's lax does for Python scalars.
std::pair<Array, Array> match_weak_dtypes(const Array& x, const Array& y) {
  if (x.dtype() == y.dtype()) return {x, y};
  if (x.weak_type() && !y.weak_type()) return {bind1(ConvertElementType(y.dtype(), true), {x}), y};
  if (y.weak_type() && !x.weak_type()) return {x, bind1(ConvertElementType(x.dtype(), true), {y})};
  return {x, y};  // the primitive's shape rule reports the mismatch
}

Array binary(BinaryOp op, const Array& x, const Array& y, const Loc& loc) {
  CallSite site(loc);
  auto [a, b] = match_weak_dtypes(x, y);
  return bind1(Binary(op), {a, b});
}

std::vector<int> sorted_axes(std::vector<int> axes) {
  std::sort(axes.begin(), axes.end());
  return axes;
}

Array reduce(cpu::ReduceOp op, const Array& x, const std::vector<int>& axes, const Loc& loc) {
  CallSite site(loc);
  return bind1(Reduce(op, sorted_axes(axes)), {x});
}

Array cumulative(cpu::CumulativeOp op, const Array& x, int axis, bool reverse, const Loc& loc) {
  CallSite site(loc);
  return bind1(Cumulative(op, axis, reverse), {x});
}

}  // namespace

Array neg(const Array& x, Loc loc) { return unary(UnaryOp::neg, x, loc); }
Array abs(const Array& x, Loc loc) { return unary(UnaryOp::abs, x, loc); }
Array sign(const Array& x, Loc loc) { return unary(UnaryOp::sign, x, loc); }
Array floor(const Array& x, Loc loc) { return unary(UnaryOp::floor, x, loc); }
Array ceil(const Array& x, Loc loc) { return unary(UnaryOp::ceil, x, loc); }
Array round(const Array& x, Loc loc) { return unary(UnaryOp::round, x, loc); }
Array is_finite(const Array& x, Loc loc) { return unary(UnaryOp::is_finite, x, loc); }
Array bitwise_not(const Array& x, Loc loc) { return unary(UnaryOp::not_, x, loc); }
Array exp(const Array& x, Loc loc) { return unary(UnaryOp::exp, x, loc); }
Array exp2(const Array& x, Loc loc) { return unary(UnaryOp::exp2, x, loc); }
Array expm1(const Array& x, Loc loc) { return unary(UnaryOp::expm1, x, loc); }
Array log(const Array& x, Loc loc) { return unary(UnaryOp::log, x, loc); }
Array log1p(const Array& x, Loc loc) { return unary(UnaryOp::log1p, x, loc); }
Array log2(const Array& x, Loc loc) { return unary(UnaryOp::log2, x, loc); }
Array log10(const Array& x, Loc loc) { return unary(UnaryOp::log10, x, loc); }
Array sqrt(const Array& x, Loc loc) { return unary(UnaryOp::sqrt, x, loc); }
Array rsqrt(const Array& x, Loc loc) { return unary(UnaryOp::rsqrt, x, loc); }
Array cbrt(const Array& x, Loc loc) { return unary(UnaryOp::cbrt, x, loc); }
Array square(const Array& x, Loc loc) { return unary(UnaryOp::square, x, loc); }
Array reciprocal(const Array& x, Loc loc) { return unary(UnaryOp::reciprocal, x, loc); }
Array sin(const Array& x, Loc loc) { return unary(UnaryOp::sin, x, loc); }
Array cos(const Array& x, Loc loc) { return unary(UnaryOp::cos, x, loc); }
Array tan(const Array& x, Loc loc) { return unary(UnaryOp::tan, x, loc); }
Array asin(const Array& x, Loc loc) { return unary(UnaryOp::asin, x, loc); }
Array acos(const Array& x, Loc loc) { return unary(UnaryOp::acos, x, loc); }
Array atan(const Array& x, Loc loc) { return unary(UnaryOp::atan, x, loc); }
Array sinh(const Array& x, Loc loc) { return unary(UnaryOp::sinh, x, loc); }
Array cosh(const Array& x, Loc loc) { return unary(UnaryOp::cosh, x, loc); }
Array tanh(const Array& x, Loc loc) { return unary(UnaryOp::tanh, x, loc); }
Array asinh(const Array& x, Loc loc) { return unary(UnaryOp::asinh, x, loc); }
Array acosh(const Array& x, Loc loc) { return unary(UnaryOp::acosh, x, loc); }
Array atanh(const Array& x, Loc loc) { return unary(UnaryOp::atanh, x, loc); }
Array logistic(const Array& x, Loc loc) { return unary(UnaryOp::logistic, x, loc); }
Array erf(const Array& x, Loc loc) { return unary(UnaryOp::erf, x, loc); }
Array erfc(const Array& x, Loc loc) { return unary(UnaryOp::erfc, x, loc); }
Array erf_inv(const Array& x, Loc loc) { return unary(UnaryOp::erf_inv, x, loc); }
Array lgamma(const Array& x, Loc loc) { return unary(UnaryOp::lgamma, x, loc); }

Array add(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::add, x, y, loc); }
Array sub(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::sub, x, y, loc); }
Array mul(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::mul, x, y, loc); }
Array div(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::div, x, y, loc); }
Array rem(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::rem, x, y, loc); }
Array pow(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::pow, x, y, loc); }
Array max(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::max, x, y, loc); }
Array min(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::min, x, y, loc); }
Array atan2(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::atan2, x, y, loc); }
Array nextafter(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::nextafter, x, y, loc); }
Array bitwise_and(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::and_, x, y, loc); }
Array bitwise_or(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::or_, x, y, loc); }
Array bitwise_xor(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::xor_, x, y, loc); }
Array shift_left(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::shift_left, x, y, loc); }
Array shift_right_logical(const Array& x, const Array& y, Loc loc) {
  return binary(BinaryOp::shift_right_logical, x, y, loc);
}
Array shift_right_arithmetic(const Array& x, const Array& y, Loc loc) {
  return binary(BinaryOp::shift_right_arithmetic, x, y, loc);
}
Array eq(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::eq, x, y, loc); }
Array ne(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::ne, x, y, loc); }
Array lt(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::lt, x, y, loc); }
Array le(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::le, x, y, loc); }
Array gt(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::gt, x, y, loc); }
Array ge(const Array& x, const Array& y, Loc loc) { return binary(BinaryOp::ge, x, y, loc); }

Array integer_pow(const Array& x, int y, Loc loc) {
  CallSite site(loc);
  return bind1(IntegerPow(y), {x});
}

Array convert_element_type(const Array& x, DType new_dtype, Loc loc) {
  CallSite site(loc);
  const DType dtype = canonicalize_dtype(new_dtype);
  if (x.dtype() == dtype && !x.weak_type()) return x;
  return bind1(ConvertElementType(dtype, false), {x});
}

Array select(const Array& pred, const Array& on_true, const Array& on_false, Loc loc) {
  CallSite site(loc);
  auto [t, f] = match_weak_dtypes(on_true, on_false);
  return bind1(SelectN(), {pred, f, t});
}

Array clamp(const Array& min, const Array& x, const Array& max, Loc loc) {
  CallSite site(loc);
  return lax::min(lax::max(x, min), max);
}

Array stop_gradient(const Array& x, Loc loc) {
  CallSite site(loc);
  return bind1(StopGradient(), {x});
}

Array broadcast_in_dim(const Array& x, const Shape& shape, const std::vector<int>& broadcast_dimensions, Loc loc) {
  CallSite site(loc);
  if (x.shape() == shape) return x;
  return bind1(BroadcastInDim(shape, broadcast_dimensions), {x});
}

Array reshape(const Array& x, const Shape& new_sizes, Loc loc) {
  CallSite site(loc);
  if (x.shape() == new_sizes) return x;
  return bind1(Reshape(new_sizes), {x});
}

Array transpose(const Array& x, const std::vector<int>& permutation, Loc loc) {
  CallSite site(loc);
  std::vector<int> identity(permutation.size());
  std::iota(identity.begin(), identity.end(), 0);
  if (permutation == identity && static_cast<int>(permutation.size()) == x.ndim()) return x;
  return bind1(Transpose(permutation), {x});
}

Array squeeze(const Array& x, const std::vector<int>& dimensions, Loc loc) {
  CallSite site(loc);
  if (dimensions.empty()) return x;
  return bind1(Squeeze(sorted_axes(dimensions)), {x});
}

Array expand_dims(const Array& x, const std::vector<int>& dimensions, Loc loc) {
  CallSite site(loc);
  // As in JAX: a broadcast_in_dim that inserts size-1 axes.
  const int ndim = x.ndim() + static_cast<int>(dimensions.size());
  std::vector<bool> inserted(static_cast<std::size_t>(ndim), false);
  for (int d : dimensions) {
    const int axis = d < 0 ? d + ndim : d;
    if (axis < 0 || axis >= ndim || inserted[static_cast<std::size_t>(axis)]) {
      throw ShapeError("expand_dims",
                       fmt::format("axis {} is out of range or repeated for a result of rank {}", d, ndim));
    }
    inserted[static_cast<std::size_t>(axis)] = true;
  }
  Shape shape;
  std::vector<int> kept;
  for (int d = 0, source = 0; d < ndim; ++d) {
    if (inserted[static_cast<std::size_t>(d)]) {
      shape.push_back(1);
    } else {
      shape.push_back(x.shape()[source++]);
      kept.push_back(d);
    }
  }
  return bind1(BroadcastInDim(shape, kept), {x});
}

Array rev(const Array& x, const std::vector<int>& dimensions, Loc loc) {
  CallSite site(loc);
  if (dimensions.empty()) return x;
  return bind1(Rev(sorted_axes(dimensions)), {x});
}

Array slice(const Array& x, const std::vector<std::int64_t>& start, const std::vector<std::int64_t>& limit,
            const std::vector<std::int64_t>& strides, Loc loc) {
  CallSite site(loc);
  const std::vector<std::int64_t> steps = strides.empty() ? std::vector<std::int64_t>(start.size(), 1) : strides;
  return bind1(primitives::Slice(start, limit, steps), {x});
}

Array slice_in_dim(const Array& x, std::int64_t start, std::int64_t limit, std::int64_t stride, int axis, Loc loc) {
  CallSite site(loc);
  axis = ops::normalize_axis("slice_in_dim", axis, x.ndim());  // negative: counted from the end, as in JAX
  std::vector<std::int64_t> starts(static_cast<std::size_t>(x.ndim()), 0), limits(x.shape().begin(), x.shape().end()),
      strides(static_cast<std::size_t>(x.ndim()), 1);
  starts[static_cast<std::size_t>(axis)] = start;
  limits[static_cast<std::size_t>(axis)] = limit;
  strides[static_cast<std::size_t>(axis)] = stride;
  return bind1(primitives::Slice(starts, limits, strides), {x});
}

Array dynamic_slice(const Array& x, const std::vector<Array>& start_indices, const Shape& sizes, Loc loc) {
  CallSite site(loc);
  std::vector<Array> inputs{x};
  inputs.insert(inputs.end(), start_indices.begin(), start_indices.end());
  return bind1(DynamicSlice(sizes), inputs);
}

Array dynamic_update_slice(const Array& x, const Array& update, const std::vector<Array>& start_indices, Loc loc) {
  CallSite site(loc);
  std::vector<Array> inputs{x, update};
  inputs.insert(inputs.end(), start_indices.begin(), start_indices.end());
  return bind1(DynamicUpdateSlice(), inputs);
}

Array pad(const Array& x, const Array& padding_value, const std::vector<PadConfig>& config, Loc loc) {
  CallSite site(loc);
  std::vector<std::int64_t> low, high, interior;
  for (const PadConfig& c : config) {
    low.push_back(c.low);
    high.push_back(c.high);
    interior.push_back(c.interior);
  }
  const Array value =
      padding_value.dtype() == x.dtype() ? padding_value : convert_element_type(padding_value, x.dtype());
  return bind1(Pad(low, high, interior), {x, value});
}

Array concatenate(const std::vector<Array>& arrays, int dimension, Loc loc) {
  CallSite site(loc);
  if (arrays.size() == 1) return arrays[0];
  return bind1(Concatenate(dimension), arrays);
}

Array iota(DType dtype, std::int64_t size, Loc loc) {
  CallSite site(loc);
  return bind1(Iota(canonicalize_dtype(dtype), Shape{size}, 0), {});
}

Array broadcasted_iota(DType dtype, const Shape& shape, int dimension, Loc loc) {
  CallSite site(loc);
  return bind1(Iota(canonicalize_dtype(dtype), shape, dimension), {});
}

Array reduce_sum(const Array& x, const std::vector<int>& axes, Loc loc) {
  return reduce(cpu::ReduceOp::sum, x, axes, loc);
}
Array reduce_prod(const Array& x, const std::vector<int>& axes, Loc loc) {
  return reduce(cpu::ReduceOp::prod, x, axes, loc);
}
Array reduce_max(const Array& x, const std::vector<int>& axes, Loc loc) {
  return reduce(cpu::ReduceOp::max, x, axes, loc);
}
Array reduce_min(const Array& x, const std::vector<int>& axes, Loc loc) {
  return reduce(cpu::ReduceOp::min, x, axes, loc);
}
Array reduce_and(const Array& x, const std::vector<int>& axes, Loc loc) {
  return reduce(cpu::ReduceOp::and_, x, axes, loc);
}
Array reduce_or(const Array& x, const std::vector<int>& axes, Loc loc) {
  return reduce(cpu::ReduceOp::or_, x, axes, loc);
}

Array argmax(const Array& x, int axis, DType index_dtype, Loc loc) {
  CallSite site(loc);
  return bind1(ArgReduce(true, axis, canonicalize_dtype(index_dtype)), {x});
}

Array argmin(const Array& x, int axis, DType index_dtype, Loc loc) {
  CallSite site(loc);
  return bind1(ArgReduce(false, axis, canonicalize_dtype(index_dtype)), {x});
}

Array cumsum(const Array& x, int axis, bool reverse, Loc loc) {
  return cumulative(cpu::CumulativeOp::sum, x, axis, reverse, loc);
}
Array cumprod(const Array& x, int axis, bool reverse, Loc loc) {
  return cumulative(cpu::CumulativeOp::prod, x, axis, reverse, loc);
}
Array cummax(const Array& x, int axis, bool reverse, Loc loc) {
  return cumulative(cpu::CumulativeOp::max, x, axis, reverse, loc);
}
Array cummin(const Array& x, int axis, bool reverse, Loc loc) {
  return cumulative(cpu::CumulativeOp::min, x, axis, reverse, loc);
}

Array dot_general(const Array& lhs, const Array& rhs, const DotDimensionNumbers& dimension_numbers, Loc loc) {
  CallSite site(loc);
  auto [a, b] = match_weak_dtypes(lhs, rhs);
  return bind1(DotGeneral(cpu::DotDimensions{dimension_numbers.lhs_contracting, dimension_numbers.rhs_contracting,
                                             dimension_numbers.lhs_batch, dimension_numbers.rhs_batch}),
               {a, b});
}

Array gather(const Array& x, const Array& indices, int axis, Loc loc) {
  CallSite site(loc);
  return bind1(Gather(axis), {x, indices});
}

Array scatter(const Array& x, const Array& indices, const Array& updates, int axis, ScatterMode mode, Loc loc) {
  CallSite site(loc);
  const Array values = updates.dtype() == x.dtype() ? updates : convert_element_type(updates, x.dtype());
  return bind1(Scatter(static_cast<cpu::ScatterMode>(mode), axis), {x, indices, values});
}

std::vector<Array> sort(const std::vector<Array>& operands, int dimension, int num_keys, Loc loc) {
  CallSite site(loc);
  const int ndim = operands.empty() ? 0 : operands[0].ndim();
  return jx::bind(Sort(dimension < 0 ? dimension + ndim : dimension, num_keys), operands);
}

Array sort(const Array& x, int dimension, Loc loc) { return sort(std::vector<Array>{x}, dimension, 1, loc)[0]; }

}  // namespace jx::lax
