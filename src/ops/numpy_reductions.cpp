// jx::numpy reductions.
#include <fmt/format.h>

#include <limits>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

using ops::normalize_axes;

// Sums and products of bools and narrow integers accumulate in the default integer type, as jnp does.
DType accumulation_dtype(DType dtype) {
  if (dtype == DType::bool_) return default_int_dtype();
  if (is_signed_integer(dtype) && itemsize(dtype) < itemsize(default_int_dtype())) return default_int_dtype();
  if (is_unsigned_integer(dtype) && itemsize(dtype) < itemsize(default_int_dtype())) {
    return canonicalize_dtype(config::enable_x64() ? DType::uint64 : DType::uint32);
  }
  return dtype;
}

// Reinserts reduced axes as size 1.
Array keep_dims(const Array& reduced, const Shape& input_shape, const std::vector<int>& axes) {
  Shape shape = input_shape;
  for (int axis : axes) shape[axis] = 1;
  return lax::reshape(reduced, shape);
}

Array finish(const Array& reduced, const Array& x, const std::vector<int>& axes, bool keepdims) {
  return keepdims ? keep_dims(reduced, x.shape(), axes) : reduced;
}

void check_nonempty(std::string_view op, const Array& x, const std::vector<int>& axes) {
  for (int axis : axes) {
    if (x.shape()[axis] == 0) {
      throw ValueError(std::string(op), fmt::format("zero-size array to reduction operation {} which has no identity "
                                                    "(axis {} of shape {})",
                                                    op, axis, x.shape().to_string()));
    }
  }
}

std::int64_t count_of(const Array& x, const std::vector<int>& axes) {
  std::int64_t n = 1;
  for (int axis : axes) n *= x.shape()[axis];
  return n;
}

Array sum_impl(const Array& x, const ReduceOptions& o) {
  const std::vector<int> axes = normalize_axes("sum", o.axis, x.ndim());
  const DType dtype = canonicalize_dtype(o.dtype.value_or(accumulation_dtype(x.dtype())));
  return finish(lax::reduce_sum(lax::convert_element_type(x, dtype), axes), x, axes, o.keepdims);
}

Array prod_impl(const Array& x, const ReduceOptions& o) {
  const std::vector<int> axes = normalize_axes("prod", o.axis, x.ndim());
  const DType dtype = canonicalize_dtype(o.dtype.value_or(accumulation_dtype(x.dtype())));
  return finish(lax::reduce_prod(lax::convert_element_type(x, dtype), axes), x, axes, o.keepdims);
}

// JAX's reductions end in convert_element_type, so their results are never weakly typed (jnp.max(2.5)
// is a float32, not a weak one).
Array strong(const Array& x) { return ops::convert_to(x, {x.dtype(), false}); }

Array max_impl(const Array& x, const ReduceOptions& o) {
  const std::vector<int> axes = normalize_axes("max", o.axis, x.ndim());
  check_nonempty("max", x, axes);
  return strong(finish(lax::reduce_max(x, axes), x, axes, o.keepdims));
}

Array min_impl(const Array& x, const ReduceOptions& o) {
  const std::vector<int> axes = normalize_axes("min", o.axis, x.ndim());
  check_nonempty("min", x, axes);
  return strong(finish(lax::reduce_min(x, axes), x, axes, o.keepdims));
}

Array any_impl(const Array& x, const ReduceOptions& o) {
  const std::vector<int> axes = normalize_axes("any", o.axis, x.ndim());
  return finish(lax::reduce_or(not_equal(x, Array(false).astype(x.dtype())), axes), x, axes, o.keepdims);
}

Array all_impl(const Array& x, const ReduceOptions& o) {
  const std::vector<int> axes = normalize_axes("all", o.axis, x.ndim());
  return finish(lax::reduce_and(not_equal(x, Array(false).astype(x.dtype())), axes), x, axes, o.keepdims);
}

// The dtype means and variances are computed in: floats (float16 and bfloat16 widened to float32).
DType mean_dtype(DType dtype) {
  if (is_complex(dtype)) return dtype;
  if (!is_floating(dtype)) return default_float_dtype();
  if (dtype == DType::float16 || dtype == DType::bfloat16) return DType::float32;
  return dtype;
}

Array mean_impl(const Array& x, const ReduceOptions& o) {
  const std::vector<int> axes = normalize_axes("mean", o.axis, x.ndim());
  const DType result = canonicalize_dtype(o.dtype.value_or(is_inexact(x.dtype()) ? x.dtype() : default_float_dtype()));
  const DType compute = mean_dtype(result);
  const Array total = lax::reduce_sum(lax::convert_element_type(x, compute), axes);
  const Array mean = lax::div(total, ops::convert_to(Array(static_cast<double>(count_of(x, axes))), {compute, true}));
  return finish(lax::convert_element_type(mean, result), x, axes, o.keepdims);
}

Array var_impl(const Array& x, const ReduceOptions& o) {
  const std::vector<int> axes = normalize_axes("var", o.axis, x.ndim());
  // The variance of complex numbers is the mean of |x - mean|^2: real, in the parts' type.
  const DType result =
      real_dtype(canonicalize_dtype(o.dtype.value_or(is_inexact(x.dtype()) ? x.dtype() : default_float_dtype())));
  const DType compute = is_complex(x.dtype()) ? x.dtype() : mean_dtype(result);
  const Array wide = lax::convert_element_type(x, compute);
  const Array n = ops::convert_to(Array(static_cast<double>(count_of(x, axes))), {compute, true});
  const Array centered = lax::sub(
      wide, ops::broadcast_to_shape(keep_dims(lax::div(lax::reduce_sum(wide, axes), n), x.shape(), axes), x.shape()));
  const Array squares =
      is_complex(compute) ? lax::real(lax::mul(centered, lax::conj(centered))) : lax::mul(centered, centered);
  // As JAX, the variance is NaN where N - ddof is not positive (instead of ±inf or a negative value).
  const std::int64_t dof = count_of(x, axes) - o.ddof;
  const Array divisor = ops::convert_to(Array(static_cast<double>(dof)), {squares.dtype(), true});
  Array variance = lax::div(lax::reduce_sum(squares, axes), divisor);
  if (dof <= 0) variance = full_like(variance, Array(std::numeric_limits<double>::quiet_NaN()));
  return finish(lax::convert_element_type(variance, result), x, axes, o.keepdims);
}

Array std_impl(const Array& x, const ReduceOptions& o) { return sqrt(var_impl(x, o)); }

}  // namespace

#define JX_DEFINE_REDUCTION(name, impl)                                                     \
  Array name##_function::operator()(const Array& x, ReduceOptions options, Loc loc) const { \
    CallSite site(loc);                                                                     \
    return impl(x, options);                                                                \
  }                                                                                         \
  Array name##_function::operator()(const Array& x, int axis, Loc loc) const {              \
    CallSite site(loc);                                                                     \
    return impl(x, ReduceOptions{.axis = Axes(axis)});                                      \
  }

JX_DEFINE_REDUCTION(sum, sum_impl)
JX_DEFINE_REDUCTION(prod, prod_impl)
JX_DEFINE_REDUCTION(mean, mean_impl)
JX_DEFINE_REDUCTION(max, max_impl)
JX_DEFINE_REDUCTION(min, min_impl)
JX_DEFINE_REDUCTION(amax, max_impl)
JX_DEFINE_REDUCTION(amin, min_impl)
JX_DEFINE_REDUCTION(any, any_impl)
JX_DEFINE_REDUCTION(all, all_impl)
JX_DEFINE_REDUCTION(var, var_impl)
JX_DEFINE_REDUCTION(std, std_impl)
#undef JX_DEFINE_REDUCTION

namespace {

Array argreduce(bool is_max, const Array& x, const ArgReduceOptions& o) {
  const char* op = is_max ? "argmax" : "argmin";
  if (!o.axis) {
    const Array flat = lax::reshape(x, Shape{x.size()});
    if (x.size() == 0) throw ValueError(op, "attempt to get the arg-extremum of an empty sequence");
    const Array index = is_max ? lax::argmax(flat, 0, default_int_dtype()) : lax::argmin(flat, 0, default_int_dtype());
    if (!o.keepdims) return index;
    Shape ones;
    for (int d = 0; d < x.ndim(); ++d) ones.push_back(1);
    return lax::reshape(index, ones);
  }
  const int axis = ops::normalize_axis(op, *o.axis, x.ndim());
  const Array index = is_max ? lax::argmax(x, axis, default_int_dtype()) : lax::argmin(x, axis, default_int_dtype());
  return o.keepdims ? keep_dims(index, x.shape(), {axis}) : index;
}

Array cumulative(bool is_sum, const Array& x, const CumulativeOptions& o) {
  const char* op = is_sum ? "cumsum" : "cumprod";
  Array input = o.axis ? x : lax::reshape(x, Shape{x.size()});
  const int axis = ops::normalize_axis(op, o.axis.value_or(0), input.ndim());
  // Unlike jnp.sum, jnp.cumsum and jnp.cumprod keep the input's dtype (int8 stays int8); only bools
  // accumulate in the default int type.
  const DType natural = x.dtype() == DType::bool_ ? default_int_dtype() : x.dtype();
  const DType dtype = canonicalize_dtype(o.dtype.value_or(natural));
  input = lax::convert_element_type(input, dtype);
  return is_sum ? lax::cumsum(input, axis) : lax::cumprod(input, axis);
}

}  // namespace

Array argmax_function::operator()(const Array& x, ArgReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return argreduce(true, x, options);
}
Array argmax_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  return argreduce(true, x, ArgReduceOptions{.axis = axis});
}
Array argmin_function::operator()(const Array& x, ArgReduceOptions options, Loc loc) const {
  CallSite site(loc);
  return argreduce(false, x, options);
}
Array argmin_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  return argreduce(false, x, ArgReduceOptions{.axis = axis});
}

Array cumsum_function::operator()(const Array& x, CumulativeOptions options, Loc loc) const {
  CallSite site(loc);
  return cumulative(true, x, options);
}
Array cumsum_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  return cumulative(true, x, CumulativeOptions{.axis = axis});
}
Array cumprod_function::operator()(const Array& x, CumulativeOptions options, Loc loc) const {
  CallSite site(loc);
  return cumulative(false, x, options);
}
Array cumprod_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  return cumulative(false, x, CumulativeOptions{.axis = axis});
}

}  // namespace jx::numpy
