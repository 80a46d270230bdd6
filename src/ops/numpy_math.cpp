// jx::numpy's remaining elementwise functions (jx/numpy/math.h), composed from jx::lax primitives with
// JAX's formulas where JAX defines them (jax/_src/numpy/ufuncs.py).
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numbers>
#include <numeric>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/math.h"
#include "jx/transforms/control_flow.h"
#include "ops/bessel.h"
#include "ops/float_info.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

using ops::promote_and_broadcast;
using ops::to_inexact;

using ops::constant_like;

// Both operands promoted to their common inexact type (JAX's promote_args_inexact) and broadcast.
std::pair<Array, Array> promote_inexact(std::string_view op, const Array& x, const Array& y) {
  const Array operands[] = {x, y};
  const PromotionType type = ops::inexact_type(ops::result_type(operands));
  auto [a, b] = promote_and_broadcast(op, ops::convert_to(x, type), ops::convert_to(y, type));
  const Shape shape = ops::broadcast_shapes(op, a.shape(), b.shape());
  return {ops::broadcast_to_shape(a, shape), ops::broadcast_to_shape(b, shape)};
}

void reject_complex(std::string_view op, const Array& x) {
  if (is_complex(x.dtype()))
    throw DTypeError(std::string(op), fmt::format("is not defined for {} inputs", dtype_name(x.dtype())));
}

void require_integers(std::string_view op, const Array& x) {
  if (!is_integer(x.dtype())) {
    throw DTypeError(std::string(op), fmt::format("requires integer arguments, got {}", dtype_name(x.dtype())));
  }
}

using ops::filled_like;

}  // namespace

// --- Aliases ----------------------------------------------------------------------------------------

Array acos_function::operator()(const Array& x, Loc loc) const { return arccos(x, loc); }
Array acosh_function::operator()(const Array& x, Loc loc) const { return arccosh(x, loc); }
Array asin_function::operator()(const Array& x, Loc loc) const { return arcsin(x, loc); }
Array asinh_function::operator()(const Array& x, Loc loc) const { return arcsinh(x, loc); }
Array atan_function::operator()(const Array& x, Loc loc) const { return arctan(x, loc); }
Array atanh_function::operator()(const Array& x, Loc loc) const { return arctanh(x, loc); }
Array atan2_function::operator()(const Array& x, const Array& y, Loc loc) const { return arctan2(x, y, loc); }
Array pow_function::operator()(const Array& x, const Array& y, Loc loc) const { return power(x, y, loc); }
Array bitwise_invert_function::operator()(const Array& x, Loc loc) const { return invert(x, loc); }
Array bitwise_not_function::operator()(const Array& x, Loc loc) const { return invert(x, loc); }
Array bitwise_left_shift_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return left_shift(x, y, loc);
}
Array bitwise_right_shift_function::operator()(const Array& x, const Array& y, Loc loc) const {
  return right_shift(x, y, loc);
}
Array concat_function::operator()(const std::vector<Array>& arrays, int axis, Loc loc) const {
  return concatenate(arrays, axis, loc);
}
Array permute_dims_function::operator()(const Array& x, const std::vector<int>& axes, Loc loc) const {
  return transpose(x, axes, loc);
}
Array around_function::operator()(const Array& x, int decimals, Loc loc) const { return round(x, decimals, loc); }

// --- Angles, absolute values, rounding --------------------------------------------------------------

Array degrees_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = to_inexact(x);
  return lax::mul(v, constant_like(v, 180.0 / std::numbers::pi));
}
Array rad2deg_function::operator()(const Array& x, Loc loc) const { return degrees(x, loc); }
Array radians_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = to_inexact(x);
  return lax::mul(v, constant_like(v, std::numbers::pi / 180.0));
}
Array deg2rad_function::operator()(const Array& x, Loc loc) const { return radians(x, loc); }

Array fabs_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  reject_complex("fabs", x);
  return lax::abs(to_inexact(x));
}

Array rint_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = to_inexact(x);
  if (is_complex(v.dtype()))
    return lax::complex(lax::round(lax::real(v), lax::RoundingMethod::to_nearest_even),
                        lax::round(lax::imag(v), lax::RoundingMethod::to_nearest_even));
  return lax::round(v, lax::RoundingMethod::to_nearest_even);
}

Array trunc_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  reject_complex("trunc", x);
  if (!is_floating(x.dtype())) return x;
  return lax::select(lax::lt(x, constant_like(x, 0)), lax::ceil(x), lax::floor(x));
}

// --- Signs and classes ------------------------------------------------------------------------------

Array signbit_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  reject_complex("signbit", x);
  if (x.dtype() == DType::bool_ || is_unsigned_integer(x.dtype()))
    return lax::broadcast_in_dim(Array(false), x.shape(), {});
  if (is_integer(x.dtype())) return lax::lt(x, constant_like(x, 0));
  // -0.0 is the only negative number that compares equal to 0; 1 / -0.0 is -inf.
  const Array zero = constant_like(x, 0);
  const Array negative_zero = lax::bitwise_and(lax::eq(x, zero), lax::lt(lax::div(constant_like(x, 1), x), zero));
  return lax::bitwise_or(lax::lt(x, zero), negative_zero);
}

Array isposinf_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  reject_complex("isposinf", x);
  if (!is_floating(x.dtype())) return lax::broadcast_in_dim(Array(false), x.shape(), {});
  return lax::eq(x, constant_like(x, std::numeric_limits<double>::infinity()));
}

Array isneginf_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  reject_complex("isneginf", x);
  if (!is_floating(x.dtype())) return lax::broadcast_in_dim(Array(false), x.shape(), {});
  return lax::eq(x, constant_like(x, -std::numeric_limits<double>::infinity()));
}

Array copysign_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_inexact("copysign", x, y);
  reject_complex("copysign", a);
  const Array magnitude = lax::abs(a);
  return lax::select(signbit(b), lax::neg(magnitude), magnitude);
}

Array nextafter_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_inexact("nextafter", x, y);
  reject_complex("nextafter", a);
  return lax::nextafter(a, b);
}

Array spacing_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = to_inexact(x);
  reject_complex("spacing", v);
  const Array infinity = filled_like(v, std::numeric_limits<double>::infinity());
  if (v.dtype() == DType::float16) return lax::sub(lax::nextafter(v, infinity), v);  // as NumPy's float16 (and JAX)
  const Array result = lax::sub(lax::nextafter(v, copysign(infinity, v)), v);
  const Array smallest = copysign(filled_like(v, ops::float_info(v.dtype()).smallest_subnormal), v);
  return lax::select(lax::eq(result, constant_like(v, 0)), smallest, result);
}

// --- frexp, ldexp, modf, divmod ---------------------------------------------------------------------

FrexpResult frexp_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = to_inexact(x);
  reject_complex("frexp", v);
  // (Subnormal numbers are zero here: jx flushes them, as XLA's CPU backend does.)
  const Array magnitude = lax::abs(v);
  // floor(log2|x|) can be off by one next to a power of two: the mantissa is corrected into [0.5, 1).
  Array exponent = lax::add(lax::floor(lax::log2(magnitude)), constant_like(v, 1));
  Array mantissa = lax::div(magnitude, lax::exp2(exponent));
  const Array too_large = lax::ge(mantissa, constant_like(v, 1));
  const Array too_small = lax::lt(mantissa, constant_like(v, 0.5));
  mantissa = lax::select(too_large, lax::mul(mantissa, constant_like(v, 0.5)),
                         lax::select(too_small, lax::mul(mantissa, constant_like(v, 2)), mantissa));
  exponent = lax::select(too_large, lax::add(exponent, constant_like(v, 1)),
                         lax::select(too_small, lax::sub(exponent, constant_like(v, 1)), exponent));
  // 0, inf and NaN are their own mantissa, with exponent 0.
  const Array special = lax::bitwise_or(lax::eq(v, constant_like(v, 0)), lax::bitwise_not(lax::is_finite(v)));
  mantissa = lax::select(special, v, lax::select(lax::lt(v, constant_like(v, 0)), lax::neg(mantissa), mantissa));
  exponent = lax::select(special, filled_like(v, 0), exponent);
  return {mantissa, lax::convert_element_type(exponent, DType::int32)};
}

Array ldexp_function::operator()(const Array& x, const Array& exponent, Loc loc) const {
  CallSite site(loc);
  if (is_complex(x.dtype()) || is_inexact(exponent.dtype())) {
    throw DTypeError("ldexp", fmt::format("is not supported for input types ({}, {})", dtype_name(x.dtype()),
                                          dtype_name(exponent.dtype())));
  }
  const Array v = to_inexact(x);
  auto [mantissa, mantissa_exponent] = frexp(v);
  const Shape shape = ops::broadcast_shapes("ldexp", v.shape(), exponent.shape());
  mantissa = ops::broadcast_to_shape(mantissa, shape);
  // The sum of the exponents, in floats (as JAX: an int32 sum could wrap). 2^e is taken in two halves
  // so that neither overflows (or underflows) when the product is representable.
  const Array total = ops::broadcast_to_shape(
      lax::add(lax::convert_element_type(mantissa_exponent, v.dtype()), lax::convert_element_type(exponent, v.dtype())),
      shape);
  const Array half = lax::floor(lax::mul(total, constant_like(v, 0.5)));
  const Array result = lax::mul(lax::mul(mantissa, lax::exp2(half)), lax::exp2(lax::sub(total, half)));
  const Array original = ops::broadcast_to_shape(v, shape);
  const Array keep =
      lax::bitwise_or(lax::eq(original, constant_like(v, 0)), lax::bitwise_not(lax::is_finite(original)));
  return lax::select(keep, original, result);
}

ModfResult modf_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = to_inexact(x);
  reject_complex("modf", v);
  const Array whole = lax::select(lax::ge(v, constant_like(v, 0)), lax::floor(v), lax::ceil(v));
  return {lax::sub(v, whole), whole};
}

DivmodResult divmod_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  return {floor_divide(x, y), remainder(x, y)};
}

// --- Binary float functions -------------------------------------------------------------------------

Array float_power_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_inexact("float_power", x, y);
  return lax::pow(a, b);
}

Array fmax_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  const Array larger = maximum(x, y);
  auto [a, b] = promote_and_broadcast("fmax", x, y);
  if (!is_inexact(larger.dtype())) return larger;
  return where(isnan(a), b, where(isnan(b), a, larger));
}

Array fmin_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  const Array smaller = minimum(x, y);
  auto [a, b] = promote_and_broadcast("fmin", x, y);
  if (!is_inexact(smaller.dtype())) return smaller;
  return where(isnan(a), b, where(isnan(b), a, smaller));
}

Array hypot_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_inexact("hypot", x, y);
  reject_complex("hypot", a);
  // JAX's formula: the larger magnitude times sqrt(1 + (smaller / larger)^2).
  const Array abs_a = lax::abs(a), abs_b = lax::abs(b);
  const Array large = lax::max(abs_a, abs_b), small = lax::min(abs_a, abs_b);
  const Array zero = constant_like(a, 0);
  const Array ratio = lax::div(
      small, lax::select(lax::eq(large, zero), lax::broadcast_in_dim(constant_like(a, 1), a.shape(), {}), large));
  const Array result = lax::mul(large, lax::sqrt(lax::add(constant_like(a, 1), lax::mul(ratio, ratio))));
  const Array infinite = lax::bitwise_or(lax::eq(abs_a, constant_like(a, std::numeric_limits<double>::infinity())),
                                         lax::eq(abs_b, constant_like(a, std::numeric_limits<double>::infinity())));
  return lax::select(infinite, filled_like(a, std::numeric_limits<double>::infinity()), result);
}

Array logaddexp2_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_inexact("logaddexp2", x, y);
  reject_complex("logaddexp2", a);
  // logaddexp in units of log 2: max + log2(1 + 2^-|x - y|), with equal infinities giving themselves.
  const Array larger = lax::max(a, b);
  const Array difference = lax::sub(a, b);
  const Array tail =
      lax::div(lax::log1p(lax::exp2(lax::neg(lax::abs(difference)))), constant_like(a, std::numbers::ln2));
  const Array result = lax::add(larger, tail);
  // inf - inf is NaN: equal arguments (infinite ones included) give x + 1.
  return lax::select(lax::eq(a, b), lax::add(a, constant_like(a, 1)),
                     lax::select(isnan(difference), lax::add(a, b), result));
}

Array heaviside_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_inexact("heaviside", x, y);
  reject_complex("heaviside", a);
  const Array zero = constant_like(a, 0);
  return lax::select(lax::lt(a, zero), filled_like(a, 0), lax::select(lax::gt(a, zero), filled_like(a, 1), b));
}

Array sinc_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = to_inexact(x);
  // At 0 the quotient is replaced by its Taylor series 1 - (pi x)^2 / 6, which has the right
  // derivatives there (as JAX's custom JVP of _sinc_maclaurin gives).
  const Array zero = constant_like(v, 0);
  const Array is_zero = lax::eq(v, zero);
  const Array safe = lax::select(is_zero, filled_like(v, 1), v);
  const Array pi_x = lax::mul(safe, constant_like(v, std::numbers::pi));
  const Array pi_v = lax::mul(v, constant_like(v, std::numbers::pi));
  const Array series = lax::sub(constant_like(v, 1), lax::div(lax::mul(pi_v, pi_v), constant_like(v, 6)));
  return lax::select(is_zero, series, lax::div(lax::sin(pi_x), pi_x));
}

Array i0_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const Array v = to_inexact(x);
  reject_complex("i0", v);
  return ops::bessel_i(v, 0, false);
}

// --- Integers ---------------------------------------------------------------------------------------

Array gcd_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_and_broadcast("gcd", x, y);
  require_integers("gcd", a);
  const Shape shape = ops::broadcast_shapes("gcd", a.shape(), b.shape());
  // Euclid's algorithm on |x|, |y| for all elements at once, until every remainder is zero.
  std::vector<Array> carry = {ops::broadcast_to_shape(lax::abs(a), shape), ops::broadcast_to_shape(lax::abs(b), shape)};
  const Array zero = constant_like(a, 0);
  std::vector<int> all_axes(static_cast<std::size_t>(shape.ndim()));
  std::iota(all_axes.begin(), all_axes.end(), 0);
  auto not_done = [zero, all_axes](const std::vector<Array>& c) {
    return lax::reduce_or(lax::ne(c[1], zero), all_axes);
  };
  auto step = [zero](const std::vector<Array>& c) {
    const Array remainder_nonzero = lax::ne(c[1], zero);
    const Array divisor =
        lax::select(remainder_nonzero, c[1],
                    lax::broadcast_in_dim(lax::convert_element_type(Array(1), c[1].dtype()), c[1].shape(), {}));
    return std::vector<Array>{lax::select(remainder_nonzero, c[1], c[0]),
                              lax::select(remainder_nonzero, lax::rem(c[0], divisor), c[1])};
  };
  return lax::while_loop(not_done, step, carry)[0];
}

Array lcm_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  auto [a, b] = promote_and_broadcast("lcm", x, y);
  require_integers("lcm", a);
  const Array divisor = gcd(a, b);
  const Array zero = constant_like(divisor, 0);
  const Array safe = lax::select(lax::eq(divisor, zero),
                                 lax::broadcast_in_dim(constant_like(divisor, 1), divisor.shape(), {}), divisor);
  const Shape shape = divisor.shape();
  const Array abs_a = ops::broadcast_to_shape(lax::abs(a), shape), abs_b = ops::broadcast_to_shape(lax::abs(b), shape);
  return lax::select(lax::eq(divisor, zero), filled_like(divisor, 0), lax::mul(abs_a, lax::div(abs_b, safe)));
}

Array bitwise_count_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  require_integers("bitwise_count", x.dtype() == DType::bool_ ? lax::convert_element_type(x, DType::uint8) : x);
  // The bits of |x| as an unsigned number of the same width, counted by halving the word: pairs,
  // nibbles, bytes, then the bytes summed by a multiplication.
  static const std::map<DType, DType> unsigned_of = {
      {DType::int8, DType::uint8},    {DType::int16, DType::uint16},  {DType::int32, DType::uint32},
      {DType::int64, DType::uint64},  {DType::uint8, DType::uint8},   {DType::uint16, DType::uint16},
      {DType::uint32, DType::uint32}, {DType::uint64, DType::uint64}, {DType::bool_, DType::uint8}};
  const DType word = unsigned_of.at(x.dtype());
  Array v = lax::convert_element_type(is_signed_integer(x.dtype()) ? lax::abs(x) : x, word);
  const int bits = static_cast<int>(itemsize(word)) * 8;
  auto c = [&](std::uint64_t value) { return array(value, word); };
  auto mask = [&](std::uint64_t pattern) {
    return c(bits == 64 ? pattern : pattern & ((std::uint64_t{1} << bits) - 1));
  };
  v = lax::sub(v, lax::bitwise_and(lax::shift_right_logical(v, c(1)), mask(0x5555555555555555ULL)));
  v = lax::add(lax::bitwise_and(v, mask(0x3333333333333333ULL)),
               lax::bitwise_and(lax::shift_right_logical(v, c(2)), mask(0x3333333333333333ULL)));
  v = lax::bitwise_and(lax::add(v, lax::shift_right_logical(v, c(4))), mask(0x0F0F0F0F0F0F0F0FULL));
  if (bits > 8) v = lax::shift_right_logical(lax::mul(v, mask(0x0101010101010101ULL)), c(bits - 8));
  return lax::convert_element_type(v, DType::uint8);
}

// --- nan_to_num, isscalar ---------------------------------------------------------------------------

Array nan_to_num_function::operator()(const Array& x, NanToNumOptions options, Loc loc) const {
  CallSite site(loc);
  if (is_complex(x.dtype())) {
    return lax::complex((*this)(lax::real(x), options), (*this)(lax::imag(x), options));
  }
  if (!is_floating(x.dtype())) return x;
  const ops::FloatInfo info = ops::float_info(x.dtype());
  const Array replaced_nan = lax::select(lax::ne(x, x), filled_like(x, options.nan), x);
  const Array replaced_pos = lax::select(isposinf(x), filled_like(x, options.posinf.value_or(info.max)), replaced_nan);
  return lax::select(isneginf(x), filled_like(x, options.neginf.value_or(-info.max)), replaced_pos);
}

bool isscalar(const Array& x) { return x.ndim() == 0; }

Array array_equiv_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  try {
    (void)ops::broadcast_shapes("array_equiv", x.shape(), y.shape());
  } catch (const ShapeError&) {
    return Array(false);
  }
  return all(equal(x, y));
}

// --- Bits -------------------------------------------------------------------------------------------

namespace {
void check_bitorder(std::string_view op, std::string_view bitorder) {
  if (bitorder != "big" && bitorder != "little") {
    throw ValueError(std::string(op), fmt::format("bitorder must be \"big\" or \"little\", got \"{}\"", bitorder));
  }
}
// 2^(7 - i) (big) or 2^i (little) for the 8 bit positions, shaped to broadcast along `axis` of an
// array of rank `ndim` whose axis has been split into (bytes, 8).
Array bit_weights(std::string_view bitorder, int ndim, int axis) {
  std::vector<std::int64_t> weights;
  for (int i = 0; i < 8; ++i) weights.push_back(std::int64_t{1} << (bitorder == "big" ? 7 - i : i));
  Shape shape(std::vector<std::int64_t>(static_cast<std::size_t>(ndim + 1), 1));
  shape[axis + 1] = 8;
  return reshape(array(weights, DType::uint8), shape);
}
}  // namespace

Array packbits_function::operator()(const Array& x, PackbitsOptions options, Loc loc) const {
  CallSite site(loc);
  check_bitorder("packbits", options.bitorder);
  if (!is_integer(x.dtype()) && x.dtype() != DType::bool_) {
    throw DTypeError("packbits", fmt::format("needs an integer or bool array, got {}", dtype_name(x.dtype())));
  }
  const Array v = options.axis ? x : ravel(x);
  const int axis = options.axis ? ops::normalize_axis("packbits", *options.axis, x.ndim()) : 0;
  const std::int64_t n = v.shape()[axis];
  const std::int64_t bytes = (n + 7) / 8;
  std::vector<std::pair<std::int64_t, std::int64_t>> widths(static_cast<std::size_t>(v.ndim()), {0, 0});
  widths[static_cast<std::size_t>(axis)] = {0, bytes * 8 - n};
  const Array bits = pad(astype(not_equal(v, ops::convert_to(Array(0), {v.dtype(), true})), DType::uint8), widths);
  Shape split = bits.shape();
  split[axis] = bytes;
  std::vector<std::int64_t> dims(split.begin(), split.end());
  dims.insert(dims.begin() + axis + 1, 8);
  const Array grouped = reshape(bits, Shape(dims));
  return sum(multiply(grouped, bit_weights(options.bitorder, v.ndim(), axis)),
             {.axis = axis + 1, .dtype = DType::uint8});
}

Array unpackbits_function::operator()(const Array& x, UnpackbitsOptions options, Loc loc) const {
  CallSite site(loc);
  check_bitorder("unpackbits", options.bitorder);
  if (x.dtype() != DType::uint8) {
    throw DTypeError("unpackbits", fmt::format("needs a uint8 array, got {}", dtype_name(x.dtype())));
  }
  const Array v = options.axis ? x : ravel(x);
  const int axis = options.axis ? ops::normalize_axis("unpackbits", *options.axis, x.ndim()) : 0;
  // Each byte's bits along a new axis after `axis`, then merged into it.
  const Array expanded = expand_dims(v, axis + 1);
  const Array bits = astype(not_equal(bitwise_and(expanded, bit_weights(options.bitorder, v.ndim(), axis)),
                                      array(std::uint64_t{0}, DType::uint8)),
                            DType::uint8);
  Shape merged = v.shape();
  merged[axis] *= 8;
  Array result = reshape(bits, merged);
  if (options.count) {
    const std::int64_t total = merged[axis];
    std::int64_t keep = *options.count >= 0 ? *options.count : total + *options.count;
    keep = std::max<std::int64_t>(keep, 0);
    if (keep <= total) {
      result = lax::slice_in_dim(result, 0, keep, 1, axis);
    } else {
      std::vector<std::pair<std::int64_t, std::int64_t>> widths(static_cast<std::size_t>(result.ndim()), {0, 0});
      widths[static_cast<std::size_t>(axis)] = {0, keep - total};
      result = pad(result, widths);
    }
  }
  return result;
}

}  // namespace jx::numpy
