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
  // A weak complex never becomes a real type: that would drop its imaginary part.
  if (x.weak_type() && !y.weak_type() && is_complex(x.dtype()) && !is_complex(y.dtype())) return {x, y};
  if (y.weak_type() && !x.weak_type() && is_complex(y.dtype()) && !is_complex(x.dtype())) return {x, y};
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

Array reduce_along(cpu::ReduceOp op, const Array& x, const std::vector<int>& axes, const Loc& loc) {
  CallSite site(loc);
  return bind1(Reduce(op, sorted_axes(axes)), {x});
}

Array cumulative(cpu::CumulativeOp op, const Array& x, int axis, bool reverse, const Loc& loc) {
  CallSite site(loc);
  return bind1(Cumulative(op, axis, reverse), {x});
}

}  // namespace

Array neg_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::neg, x, loc); }
Array abs_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::abs, x, loc); }
Array sign_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::sign, x, loc); }
Array floor_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::floor, x, loc); }
Array ceil_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::ceil, x, loc); }
Array round_function::operator()(const Array& x, RoundingMethod rounding_method, Loc loc) const {
  const Array to_even = unary(UnaryOp::round, x, loc);
  if (rounding_method == RoundingMethod::to_nearest_even) return to_even;
  // Ties away from zero: x - trunc(x) is exact, so a half is recognized exactly.
  CallSite site(loc);
  const Array truncated = lax::mul(lax::sign(x), lax::floor(lax::abs(x)));
  const Array half = lax::ge(lax::abs(lax::sub(x, truncated)), ops::constant_like(x, 0.5));
  return lax::select(half, lax::add(truncated, lax::sign(x)), to_even);
}
Array is_finite_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::is_finite, x, loc); }
Array bitwise_not_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::not_, x, loc); }
Array exp_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::exp, x, loc); }
Array exp2_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::exp2, x, loc); }
Array expm1_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::expm1, x, loc); }
Array log_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::log, x, loc); }
Array log1p_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::log1p, x, loc); }
Array log2_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::log2, x, loc); }
Array log10_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::log10, x, loc); }
Array sqrt_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::sqrt, x, loc); }
Array rsqrt_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::rsqrt, x, loc); }
Array cbrt_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::cbrt, x, loc); }
Array square_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::square, x, loc); }
Array real_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::real, x, loc); }
Array imag_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::imag, x, loc); }
Array conj_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::conj, x, loc); }
Array complex_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::complex, x, y, loc);
}
Array reciprocal_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::reciprocal, x, loc); }
Array sin_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::sin, x, loc); }
Array cos_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::cos, x, loc); }
Array tan_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::tan, x, loc); }
Array asin_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::asin, x, loc); }
Array acos_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::acos, x, loc); }
Array atan_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::atan, x, loc); }
Array sinh_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::sinh, x, loc); }
Array cosh_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::cosh, x, loc); }
Array tanh_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::tanh, x, loc); }
Array asinh_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::asinh, x, loc); }
Array acosh_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::acosh, x, loc); }
Array atanh_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::atanh, x, loc); }
Array logistic_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::logistic, x, loc); }
Array erf_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::erf, x, loc); }
Array erfc_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::erfc, x, loc); }
Array erf_inv_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::erf_inv, x, loc); }
Array lgamma_function::operator()(const Array& x, Loc loc) const { return unary(UnaryOp::lgamma, x, loc); }

Array add_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::add, x, y, loc);
}
Array sub_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::sub, x, y, loc);
}
Array mul_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::mul, x, y, loc);
}
Array div_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::div, x, y, loc);
}
Array rem_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::rem, x, y, loc);
}
Array pow_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::pow, x, y, loc);
}
Array max_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::max, x, y, loc);
}
Array min_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::min, x, y, loc);
}
Array atan2_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::atan2, x, y, loc);
}
Array nextafter_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::nextafter, x, y, loc);
}
Array bitwise_and_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::and_, x, y, loc);
}
Array bitwise_or_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::or_, x, y, loc);
}
Array bitwise_xor_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::xor_, x, y, loc);
}
Array shift_left_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::shift_left, x, y, loc);
}
Array shift_right_logical_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::shift_right_logical, x, y, loc);
}
Array shift_right_arithmetic_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return binary(BinaryOp::shift_right_arithmetic, x, y, loc);
}
Array eq_function::operator()(const Array& x, const Array& y, Loc loc) const { return binary(BinaryOp::eq, x, y, loc); }
Array ne_function::operator()(const Array& x, const Array& y, Loc loc) const { return binary(BinaryOp::ne, x, y, loc); }
Array lt_function::operator()(const Array& x, const Array& y, Loc loc) const { return binary(BinaryOp::lt, x, y, loc); }
Array le_function::operator()(const Array& x, const Array& y, Loc loc) const { return binary(BinaryOp::le, x, y, loc); }
Array gt_function::operator()(const Array& x, const Array& y, Loc loc) const { return binary(BinaryOp::gt, x, y, loc); }
Array ge_function::operator()(const Array& x, const Array& y, Loc loc) const { return binary(BinaryOp::ge, x, y, loc); }

Array integer_pow_function::operator()(const Array& x, int y, Loc loc) const {
  CallSite site(loc);
  return bind1(IntegerPow(y), {x});
}

Array convert_element_type_function::operator()(const Array& x, DType new_dtype, Loc loc) const {
  CallSite site(loc);
  const DType dtype = canonicalize_dtype(new_dtype);
  if (x.dtype() == dtype && !x.weak_type()) return x;
  return bind1(ConvertElementType(dtype, false), {x});
}

Array select_function::operator()(const Array& pred, const Array& on_true, const Array& on_false, Loc loc) const {
  CallSite site(loc);
  auto [t, f] = match_weak_dtypes(on_true, on_false);
  return bind1(SelectN(), {pred, f, t});
}

Array clamp_function::operator()(const Array& low, const Array& x, const Array& high, Loc loc) const {
  CallSite site(loc);
  return lax::min(lax::max(x, low), high);
}

Array stop_gradient_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return bind1(StopGradient(), {x});
}

Array broadcast_in_dim_function::operator()(const Array& x, const Shape& shape,
                                            const std::vector<int>& broadcast_dimensions, Loc loc) const {
  CallSite site(loc);
  if (x.shape() == shape) return x;
  return bind1(BroadcastInDim(shape, broadcast_dimensions), {x});
}

Array reshape_function::operator()(const Array& x, const Shape& new_sizes, Loc loc) const {
  CallSite site(loc);
  if (x.shape() == new_sizes) return x;
  return bind1(Reshape(new_sizes), {x});
}

Array transpose_function::operator()(const Array& x, const std::vector<int>& permutation, Loc loc) const {
  CallSite site(loc);
  std::vector<int> identity(permutation.size());
  std::iota(identity.begin(), identity.end(), 0);
  if (permutation == identity && static_cast<int>(permutation.size()) == x.ndim()) return x;
  return bind1(Transpose(permutation), {x});
}

Array squeeze_function::operator()(const Array& x, const std::vector<int>& dimensions, Loc loc) const {
  CallSite site(loc);
  if (dimensions.empty()) return x;
  return bind1(Squeeze(sorted_axes(dimensions)), {x});
}

Array expand_dims_function::operator()(const Array& x, const std::vector<int>& dimensions, Loc loc) const {
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

Array rev_function::operator()(const Array& x, const std::vector<int>& dimensions, Loc loc) const {
  CallSite site(loc);
  if (dimensions.empty()) return x;
  return bind1(Rev(sorted_axes(dimensions)), {x});
}

Array slice_function::operator()(const Array& x, const std::vector<std::int64_t>& start,
                                 const std::vector<std::int64_t>& limit, const std::vector<std::int64_t>& strides,
                                 Loc loc) const {
  CallSite site(loc);
  const std::vector<std::int64_t> steps = strides.empty() ? std::vector<std::int64_t>(start.size(), 1) : strides;
  return bind1(primitives::Slice(start, limit, steps), {x});
}

Array slice_in_dim_function::operator()(const Array& x, std::int64_t start, std::int64_t limit, std::int64_t stride,
                                        int axis, Loc loc) const {
  CallSite site(loc);
  axis = ops::normalize_axis("slice_in_dim", axis, x.ndim());  // negative: counted from the end, as in JAX
  std::vector<std::int64_t> starts(static_cast<std::size_t>(x.ndim()), 0), limits(x.shape().begin(), x.shape().end()),
      strides(static_cast<std::size_t>(x.ndim()), 1);
  starts[static_cast<std::size_t>(axis)] = start;
  limits[static_cast<std::size_t>(axis)] = limit;
  strides[static_cast<std::size_t>(axis)] = stride;
  return bind1(primitives::Slice(starts, limits, strides), {x});
}

Array dynamic_slice_function::operator()(const Array& x, const std::vector<Array>& start_indices, const Shape& sizes,
                                         Loc loc) const {
  CallSite site(loc);
  std::vector<Array> inputs{x};
  inputs.insert(inputs.end(), start_indices.begin(), start_indices.end());
  return bind1(DynamicSlice(sizes), inputs);
}

Array dynamic_update_slice_function::operator()(const Array& x, const Array& update,
                                                const std::vector<Array>& start_indices, Loc loc) const {
  CallSite site(loc);
  std::vector<Array> inputs{x, update};
  inputs.insert(inputs.end(), start_indices.begin(), start_indices.end());
  return bind1(DynamicUpdateSlice(), inputs);
}

Array pad_function::operator()(const Array& x, const Array& padding_value, const std::vector<PadConfig>& config,
                               Loc loc) const {
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

Array concatenate_function::operator()(const std::vector<Array>& arrays, int dimension, Loc loc) const {
  CallSite site(loc);
  if (arrays.size() == 1) return arrays[0];
  return bind1(Concatenate(dimension), arrays);
}

Array iota_function::operator()(DType dtype, std::int64_t size, Loc loc) const {
  CallSite site(loc);
  return bind1(Iota(canonicalize_dtype(dtype), Shape{size}, 0), {});
}

Array broadcasted_iota_function::operator()(DType dtype, const Shape& shape, int dimension, Loc loc) const {
  CallSite site(loc);
  return bind1(Iota(canonicalize_dtype(dtype), shape, dimension), {});
}

Array reduce_sum_function::operator()(const Array& x, const std::vector<int>& axes, Loc loc) const {
  return reduce_along(cpu::ReduceOp::sum, x, axes, loc);
}
Array reduce_prod_function::operator()(const Array& x, const std::vector<int>& axes, Loc loc) const {
  return reduce_along(cpu::ReduceOp::prod, x, axes, loc);
}
Array reduce_max_function::operator()(const Array& x, const std::vector<int>& axes, Loc loc) const {
  return reduce_along(cpu::ReduceOp::max, x, axes, loc);
}
Array reduce_min_function::operator()(const Array& x, const std::vector<int>& axes, Loc loc) const {
  return reduce_along(cpu::ReduceOp::min, x, axes, loc);
}
Array reduce_and_function::operator()(const Array& x, const std::vector<int>& axes, Loc loc) const {
  return reduce_along(cpu::ReduceOp::and_, x, axes, loc);
}
Array reduce_or_function::operator()(const Array& x, const std::vector<int>& axes, Loc loc) const {
  return reduce_along(cpu::ReduceOp::or_, x, axes, loc);
}

Array argmax_function::operator()(const Array& x, int axis, DType index_dtype, Loc loc) const {
  CallSite site(loc);
  return bind1(ArgReduce(true, axis, canonicalize_dtype(index_dtype)), {x});
}

Array argmin_function::operator()(const Array& x, int axis, DType index_dtype, Loc loc) const {
  CallSite site(loc);
  return bind1(ArgReduce(false, axis, canonicalize_dtype(index_dtype)), {x});
}

Array cumsum_function::operator()(const Array& x, int axis, bool reverse, Loc loc) const {
  return cumulative(cpu::CumulativeOp::sum, x, axis, reverse, loc);
}
Array cumprod_function::operator()(const Array& x, int axis, bool reverse, Loc loc) const {
  return cumulative(cpu::CumulativeOp::prod, x, axis, reverse, loc);
}
Array cummax_function::operator()(const Array& x, int axis, bool reverse, Loc loc) const {
  return cumulative(cpu::CumulativeOp::max, x, axis, reverse, loc);
}
Array cummin_function::operator()(const Array& x, int axis, bool reverse, Loc loc) const {
  return cumulative(cpu::CumulativeOp::min, x, axis, reverse, loc);
}

Array dot_general_function::operator()(const Array& lhs, const Array& rhs, const DotDimensionNumbers& dimension_numbers,
                                       Loc loc) const {
  CallSite site(loc);
  auto [a, b] = match_weak_dtypes(lhs, rhs);
  return bind1(DotGeneral(cpu::DotDimensions{dimension_numbers.lhs_contracting, dimension_numbers.rhs_contracting,
                                             dimension_numbers.lhs_batch, dimension_numbers.rhs_batch}),
               {a, b});
}

Array gather_function::operator()(const Array& x, const Array& indices, int axis, Loc loc) const {
  CallSite site(loc);
  return bind1(Gather(axis), {x, indices});
}

Array scatter_function::operator()(const Array& x, const Array& indices, const Array& updates, int axis,
                                   ScatterMode mode, Loc loc) const {
  CallSite site(loc);
  const Array values = updates.dtype() == x.dtype() ? updates : convert_element_type(updates, x.dtype());
  return bind1(Scatter(static_cast<cpu::ScatterMode>(mode), axis), {x, indices, values});
}

std::vector<Array> sort_function::operator()(const std::vector<Array>& operands, int dimension, int num_keys,
                                             Loc loc) const {
  CallSite site(loc);
  const int ndim = operands.empty() ? 0 : operands[0].ndim();
  return jx::bind(Sort(dimension < 0 ? dimension + ndim : dimension, num_keys), operands);
}

Array sort_function::operator()(const Array& x, int dimension, Loc loc) const {
  return sort(std::vector<Array>{x}, dimension, 1, loc)[0];
}

}  // namespace jx::lax
