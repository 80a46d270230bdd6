// jx::numpy elementwise functions and the Array operators.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "core/array_impl.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

using ops::promote_and_broadcast;
using ops::to_inexact;

// Promote, broadcast, then apply a lax binary function.
template <class F>
Array binary(std::string_view op, const Array& x, const Array& y, F f) {
  auto [a, b] = promote_and_broadcast(op, x, y);
  return f(a, b);
}

// A float function of its inexact-promoted argument (ints and bools become floats).
template <class F>
Array inexact_unary(const Array& x, F f) {
  return f(to_inexact(x));
}

// JAX's promote_args_inexact: each operand goes straight to the inexact form of the promoted type, so
// uint32 / int32 divides the uint32 values rather than their int32 wrap-around (without x64, the
// promoted int64 is canonicalized to int32 but the values are not converted to it first).
std::pair<Array, Array> promote_inexact_and_broadcast(std::string_view op, const Array& x, const Array& y) {
  const Array operands[] = {x, y};
  const PromotionType type = ops::inexact_type(ops::result_type(operands));
  return promote_and_broadcast(op, ops::convert_to(x, type), ops::convert_to(y, type));
}

using ops::constant_like;

void reject_bool(std::string_view op, const Array& x) {
  if (x.dtype() == DType::bool_) throw DTypeError(std::string(op), "is not supported for bool arrays");
}

}  // namespace

Array add_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return binary("add", x, y, [](const Array& a, const Array& b) {
    return a.dtype() == DType::bool_ ? lax::bitwise_or(a, b) : lax::add(a, b);
  });
}

Array subtract_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return binary("subtract", x, y, [](const Array& a, const Array& b) {
    reject_bool("subtract", a);
    return lax::sub(a, b);
  });
}

Array multiply_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return binary("multiply", x, y, [](const Array& a, const Array& b) {
    return a.dtype() == DType::bool_ ? lax::bitwise_and(a, b) : lax::mul(a, b);
  });
}

Array true_divide_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_inexact_and_broadcast("divide", x, y);
  return lax::div(a, b);
}

Array divide_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return true_divide(x, y);
}

Array floor_divide_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_and_broadcast("floor_divide", x, y);
  reject_bool("floor_divide", a);
  if (is_unsigned_integer(a.dtype())) return lax::div(a, b);
  if (is_integer(a.dtype())) {
    // Round toward negative infinity: C division truncates, so step down when the signs differ and
    // the division was not exact.
    const Array quotient = lax::div(a, b);
    const Array step_down =
        lax::bitwise_and(lax::ne(lax::sign(a), lax::sign(b)), lax::ne(lax::rem(a, b), constant_like(a, 0)));
    return lax::select(step_down, lax::sub(quotient, constant_like(quotient, 1)), quotient);
  }
  // Floats: as NumPy's divmod, (a - fmod(a, b)) / b corrected by one when fmod's sign is off; x // 0 is
  // x / 0 (±inf, or NaN for 0 / 0), as in JAX's _float_divmod and NumPy.
  const Shape shape = ops::broadcast_shapes("floor_divide", a.shape(), b.shape());
  a = ops::broadcast_to_shape(a, shape);
  b = ops::broadcast_to_shape(b, shape);
  const Array modulo = lax::rem(a, b);
  const Array corrected = lax::select(lax::eq(b, constant_like(b, 0)), a, lax::sub(a, modulo));
  const Array quotient = lax::div(corrected, b);
  const Array adjust =
      lax::bitwise_and(lax::ne(modulo, constant_like(modulo, 0)), lax::ne(lax::sign(b), lax::sign(modulo)));
  return lax::round(lax::select(adjust, lax::sub(quotient, constant_like(quotient, 1)), quotient),
                    lax::RoundingMethod::to_nearest_even);
}

namespace {
// JAX replaces an integer divisor of 0 by 1 in remainder and fmod, so that x % 0 is 0 (as in NumPy)
// rather than XLA's x.
Array nonzero_divisor(const Array& b) {
  if (!is_integer(b.dtype())) return b;
  return lax::select(lax::eq(b, constant_like(b, 0)), lax::broadcast_in_dim(constant_like(b, 1), b.shape(), {}), b);
}
}  // namespace

Array remainder_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, divisor] = promote_and_broadcast("remainder", x, y);
  reject_bool("remainder", a);
  const Array b = nonzero_divisor(divisor);
  const Array modulo = lax::rem(a, b);
  if (is_unsigned_integer(a.dtype())) return modulo;
  // Python's sign convention: the result has the divisor's sign (JAX's formula, comparisons with 0).
  const Array zero = constant_like(modulo, 0);
  const Array adjust = lax::bitwise_and(lax::ne(lax::lt(modulo, zero), lax::lt(b, zero)), lax::ne(modulo, zero));
  return lax::select(adjust, lax::add(modulo, b), modulo);
}

Array mod_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return remainder(x, y);
}

Array fmod_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_and_broadcast("fmod", x, y);
  reject_bool("fmod", a);
  return lax::rem(a, nonzero_divisor(b));
}

Array power_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  // A concrete integer scalar exponent (a C++ int) becomes integer_pow, as a Python int does in JAX.
  if (y.is_concrete() && y.ndim() == 0 && (is_integer(y.dtype()) && y.weak_type())) {
    const auto exponent = y.item<std::int64_t>();
    if (exponent >= std::numeric_limits<int>::min() && exponent <= std::numeric_limits<int>::max() &&
        (exponent >= 0 || is_floating(x.dtype()))) {
      return lax::integer_pow(x.dtype() == DType::bool_ ? lax::convert_element_type(x, default_int_dtype()) : x,
                              static_cast<int>(exponent));
    }
  }
  auto [a, b] = promote_and_broadcast("power", x, y);
  if (a.dtype() == DType::bool_) {
    a = lax::convert_element_type(a, default_int_dtype());
    b = lax::convert_element_type(b, default_int_dtype());
  }
  return lax::pow(a, b);
}

Array maximum_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return binary("maximum", x, y, [](const Array& a, const Array& b) { return lax::max(a, b); });
}

Array minimum_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return binary("minimum", x, y, [](const Array& a, const Array& b) { return lax::min(a, b); });
}

Array arctan2_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_inexact_and_broadcast("arctan2", x, y);
  return lax::atan2(a, b);
}

Array logaddexp_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_inexact_and_broadcast("logaddexp", x, y);
  const Array largest = lax::max(a, b);
  const Array delta = lax::sub(a, b);
  // Equal infinities give a NaN delta; the sum is then the right answer (inf or -inf).
  const Array finite = lax::add(largest, lax::log1p(lax::exp(lax::neg(lax::abs(delta)))));
  return lax::select(lax::ne(delta, delta), lax::add(a, b), finite);
}

Array negative_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  reject_bool("negative", x);
  return lax::neg(x);
}

Array positive_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return x;
}

Array square_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::integer_pow(x.dtype() == DType::bool_ ? lax::convert_element_type(x, default_int_dtype()) : x, 2);
}

#define JX_INEXACT_UNARY(name, lax_fn)                                      \
  Array name##_function::operator()(const Array& x, Loc loc) const {        \
    CallSite site(loc);                                                     \
    return inexact_unary(x, [](const Array& v) { return lax::lax_fn(v); }); \
  }
JX_INEXACT_UNARY(sqrt, sqrt)
JX_INEXACT_UNARY(cbrt, cbrt)
JX_INEXACT_UNARY(reciprocal, reciprocal)
JX_INEXACT_UNARY(exp, exp)
JX_INEXACT_UNARY(exp2, exp2)
JX_INEXACT_UNARY(expm1, expm1)
JX_INEXACT_UNARY(log, log)
JX_INEXACT_UNARY(log1p, log1p)
JX_INEXACT_UNARY(log2, log2)
JX_INEXACT_UNARY(log10, log10)
JX_INEXACT_UNARY(sin, sin)
JX_INEXACT_UNARY(cos, cos)
JX_INEXACT_UNARY(tan, tan)
JX_INEXACT_UNARY(arcsin, asin)
JX_INEXACT_UNARY(arccos, acos)
JX_INEXACT_UNARY(arctan, atan)
JX_INEXACT_UNARY(sinh, sinh)
JX_INEXACT_UNARY(cosh, cosh)
JX_INEXACT_UNARY(tanh, tanh)
JX_INEXACT_UNARY(arcsinh, asinh)
JX_INEXACT_UNARY(arccosh, acosh)
JX_INEXACT_UNARY(arctanh, atanh)
#undef JX_INEXACT_UNARY

// As in JAX (and the array API): integers and bools are already whole, so they come back unchanged.
Array floor_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return is_integer(x.dtype()) || is_bool(x.dtype()) ? x : lax::floor(x);  // lax rejects complex
}

Array ceil_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return is_integer(x.dtype()) || is_bool(x.dtype()) ? x : lax::ceil(x);
}

Array abs_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.dtype() == DType::bool_ || is_unsigned_integer(x.dtype())) return x;
  return lax::abs(x);
}

Array absolute_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return abs(x);
}

Array sign_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.dtype() == DType::bool_) return x;
  if (is_unsigned_integer(x.dtype())) return lax::convert_element_type(lax::ne(x, constant_like(x, 0)), x.dtype());
  return lax::sign(x);
}

Array round_function::operator()(const Array& x, int decimals, Loc loc) const {
  CallSite site(loc);
  // NumPy rounds the parts of a complex number separately.
  if (is_complex(x.dtype())) return lax::complex((*this)(lax::real(x), decimals), (*this)(lax::imag(x), decimals));
  if (!is_floating(x.dtype())) return x;
  if (decimals == 0) return lax::round(x, lax::RoundingMethod::to_nearest_even);
  // As JAX: float16 is scaled in float32 (in float16, x * 10^d is already rounded off: 1.35 -> 1.4
  // at one decimal).
  const Array v = x.dtype() == DType::float16 ? ops::convert_to(x, {DType::float32, x.weak_type()}) : x;
  const Array factor = constant_like(v, std::pow(10.0, decimals));
  const Array rounded = lax::div(lax::round(lax::mul(v, factor), lax::RoundingMethod::to_nearest_even), factor);
  return ops::convert_to(rounded, x.type().promotion_type());
}

Array clip_function::operator()(const Array& x, std::optional<Array> low, std::optional<Array> high, Loc loc) const {
  CallSite site(loc);
  Array result = x;
  if (low) result = maximum(result, *low);
  if (high) result = minimum(result, *high);
  return result;
}

Array where_function::operator()(const Array& condition, const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  const Array pred = condition.dtype() == DType::bool_ ? condition : lax::ne(condition, constant_like(condition, 0));
  auto [a, b] = promote_and_broadcast("where", x, y);
  Shape shape = a.ndim() == 0 ? b.shape() : a.shape();
  shape = ops::broadcast_shapes("where", pred.shape(), shape);
  auto expand = [&](const Array& v) { return v.ndim() == 0 ? v : ops::broadcast_to_shape(v, shape); };
  const Array p = pred.ndim() == 0 ? pred : ops::broadcast_to_shape(pred, shape);
  Array on_true = expand(a), on_false = expand(b);
  if (on_true.ndim() == 0 && on_false.ndim() == 0 && shape.ndim() > 0)
    on_true = ops::broadcast_to_shape(on_true, shape);
  return lax::select(p, on_true, on_false);
}

#define JX_COMPARISON(name, lax_fn)                                                               \
  Array name##_function::operator()(const Array& x, const Array& y, Loc loc) const {              \
    CallSite site(loc);                                                                           \
    return binary(#name, x, y, [](const Array& a, const Array& b) { return lax::lax_fn(a, b); }); \
  }
JX_COMPARISON(equal, eq)
JX_COMPARISON(not_equal, ne)
JX_COMPARISON(less, lt)
JX_COMPARISON(less_equal, le)
JX_COMPARISON(greater, gt)
JX_COMPARISON(greater_equal, ge)
#undef JX_COMPARISON

namespace {
Array to_bool(const Array& x) {
  return x.dtype() == DType::bool_ ? x : lax::ne(x, ops::convert_to(Array(0), {x.dtype(), true}));
}
}  // namespace

// As JAX, the operands are promoted first and then compared with zero: a weak 1e-10 next to a float16
// array becomes float16 0, so it is false.
Array logical_and_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return binary("logical_and", x, y,
                [](const Array& a, const Array& b) { return lax::bitwise_and(to_bool(a), to_bool(b)); });
}
Array logical_or_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return binary("logical_or", x, y,
                [](const Array& a, const Array& b) { return lax::bitwise_or(to_bool(a), to_bool(b)); });
}
Array logical_xor_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return binary("logical_xor", x, y,
                [](const Array& a, const Array& b) { return lax::bitwise_xor(to_bool(a), to_bool(b)); });
}
Array logical_not_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::bitwise_not(to_bool(x));
}

#define JX_BITWISE(name, lax_fn)                                                                         \
  Array name##_function::operator()(const Array& x, const Array& y, Loc loc) const {                     \
    CallSite site(loc);                                                                                  \
    return binary(#name, x, y, [](const Array& a, const Array& b) {                                      \
      if (is_floating(a.dtype())) throw DTypeError(#name, "is not supported for floating-point arrays"); \
      return lax::lax_fn(a, b);                                                                          \
    });                                                                                                  \
  }
JX_BITWISE(bitwise_and, bitwise_and)
JX_BITWISE(bitwise_or, bitwise_or)
JX_BITWISE(bitwise_xor, bitwise_xor)
JX_BITWISE(left_shift, shift_left)
#undef JX_BITWISE

Array right_shift_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return binary("right_shift", x, y, [](const Array& a, const Array& b) {
    if (!is_integer(a.dtype())) throw DTypeError("right_shift", "needs integer operands");
    return is_unsigned_integer(a.dtype()) ? lax::shift_right_logical(a, b) : lax::shift_right_arithmetic(a, b);
  });
}

Array invert_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (is_floating(x.dtype())) throw DTypeError("invert", "is not supported for floating-point arrays");
  return lax::bitwise_not(x);
}

// A complex number is NaN (infinite) when either part is, as in NumPy.
Array isnan_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (is_complex(x.dtype())) return lax::bitwise_or((*this)(lax::real(x)), (*this)(lax::imag(x)));
  if (!is_floating(x.dtype())) return full_like(x, Array(false), DType::bool_);
  return lax::ne(x, x);
}

Array isinf_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (is_complex(x.dtype())) return lax::bitwise_or((*this)(lax::real(x)), (*this)(lax::imag(x)));
  if (!is_floating(x.dtype())) return full_like(x, Array(false), DType::bool_);
  return lax::eq(lax::abs(x), constant_like(x, std::numeric_limits<double>::infinity()));
}

Array isfinite_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (!is_inexact(x.dtype())) return full_like(x, Array(true), DType::bool_);
  return lax::is_finite(x);
}

Array real_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return is_complex(x.dtype()) ? lax::real(x) : x;
}

Array imag_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return is_complex(x.dtype()) ? lax::imag(x) : full_like(x, Array(0));
}

Array conjugate_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return is_complex(x.dtype()) ? lax::conj(x) : x;
}

Array conj_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return conjugate(x);
}

Array angle_function::operator()(const Array& x, bool deg, Loc loc) const {
  CallSite site(loc);
  const Array z = is_complex(x.dtype()) ? x : ops::to_inexact(x);
  Array angle_value = lax::atan2(imag(z), real(z));
  if (deg) angle_value = lax::mul(angle_value, 180.0 / std::numbers::pi);
  return angle_value;
}

Array iscomplex_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::ne(imag(x), constant_like(imag(x), 0));
}

Array isreal_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::eq(imag(x), constant_like(imag(x), 0));
}

bool iscomplexobj(const Array& x) { return is_complex(x.dtype()); }
bool isrealobj(const Array& x) { return !is_complex(x.dtype()); }

Array isclose_function::operator()(const Array& x, const Array& y, CloseOptions options, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_and_broadcast("isclose", x, y);
  if (!is_inexact(a.dtype())) return lax::eq(a, b);
  const Array magnitude = lax::abs(b);  // real for complex operands, as the tolerance is
  const Array tolerance =
      lax::add(constant_like(magnitude, options.atol), lax::mul(constant_like(magnitude, options.rtol), magnitude));
  Array close = lax::le(lax::abs(lax::sub(a, b)), tolerance);
  // Infinities are close only to themselves (inf - inf is NaN, which the test above rejects).
  close = lax::select(lax::bitwise_or(isinf(a), isinf(b)), lax::eq(a, b), close);
  if (options.equal_nan) close = lax::bitwise_or(close, lax::bitwise_and(isnan(a), isnan(b)));
  return close;
}

Array array_equal_function::operator()(const Array& x, const Array& y, bool equal_nan, Loc loc) const {
  CallSite site(loc);
  if (x.shape() != y.shape()) return Array(false);
  Array same = equal(x, y, loc);
  if (equal_nan) same = lax::bitwise_or(same, lax::bitwise_and(isnan(x), isnan(y)));
  return all(same);
}

Array allclose_function::operator()(const Array& x, const Array& y, CloseOptions options, Loc loc) const {
  CallSite site(loc);
  return all(isclose(x, y, options, loc));
}

}  // namespace jx::numpy

namespace jx {

namespace jnp = jx::numpy;

// Operators cannot take a defaulted source location; passing an empty one leaves the call site unset,
// so errors find the user's line by symbolizing the stack instead of naming this file.
constexpr std::source_location kFromOperator{};

Array operator+(const Array& a, const Array& b) { return jnp::add(a, b, kFromOperator); }
Array operator-(const Array& a, const Array& b) { return jnp::subtract(a, b, kFromOperator); }
Array operator*(const Array& a, const Array& b) { return jnp::multiply(a, b, kFromOperator); }
Array operator/(const Array& a, const Array& b) { return jnp::true_divide(a, b, kFromOperator); }
Array operator%(const Array& a, const Array& b) { return jnp::remainder(a, b, kFromOperator); }
Array operator-(const Array& a) { return jnp::negative(a, kFromOperator); }
Array operator+(const Array& a) { return a; }
Array operator==(const Array& a, const Array& b) { return jnp::equal(a, b, kFromOperator); }
Array operator!=(const Array& a, const Array& b) { return jnp::not_equal(a, b, kFromOperator); }
Array operator<(const Array& a, const Array& b) { return jnp::less(a, b, kFromOperator); }
Array operator<=(const Array& a, const Array& b) { return jnp::less_equal(a, b, kFromOperator); }
Array operator>(const Array& a, const Array& b) { return jnp::greater(a, b, kFromOperator); }
Array operator>=(const Array& a, const Array& b) { return jnp::greater_equal(a, b, kFromOperator); }
Array operator&(const Array& a, const Array& b) { return jnp::bitwise_and(a, b, kFromOperator); }
Array operator|(const Array& a, const Array& b) { return jnp::bitwise_or(a, b, kFromOperator); }
Array operator^(const Array& a, const Array& b) { return jnp::bitwise_xor(a, b, kFromOperator); }
Array operator~(const Array& a) { return jnp::invert(a, kFromOperator); }
Array operator!(const Array& a) { return jnp::logical_not(a, kFromOperator); }
Array operator<<(const Array& a, const Array& b) { return jnp::left_shift(a, b, kFromOperator); }
Array operator>>(const Array& a, const Array& b) { return jnp::right_shift(a, b, kFromOperator); }

}  // namespace jx
