// jx/numpy/math.h — the rest of jax.numpy's elementwise functions: the Array API's aliases (acos, pow,
// bitwise_invert, ...), floating-point surgery (frexp, ldexp, modf, copysign, nextafter, spacing,
// signbit), NaN-aware and integer functions (fmax, fmin, nan_to_num, gcd, lcm, bitwise_count) and a few
// special ones (hypot, sinc, heaviside, logaddexp2, i0).
//
//   namespace jnp = jx::numpy;
//   auto [mantissa, exponent] = jnp::frexp(x);          // x == mantissa * 2^exponent
//   auto y = jnp::nan_to_num(x, {.nan = 0.0, .posinf = 1e6});
//   auto g = jnp::gcd(jnp::array({12, 18}), 8);         // [4, 2]
//
// They promote and broadcast as the functions of jx/numpy.h do (JAX's rules: the functions of floats
// turn ints and bools into the default float type).
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <string_view>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::numpy {

#define JX_NUMPY_UNARY(name) \
  inline constexpr struct name##_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } name{};
#define JX_NUMPY_BINARY(name)                                                         \
  inline constexpr struct name##_function {                                           \
    Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const; \
  } name{};

// The Array API's spellings of functions jx/numpy.h has under NumPy's names.
JX_NUMPY_UNARY(acos)            // arccos
JX_NUMPY_UNARY(acosh)           // arccosh
JX_NUMPY_UNARY(asin)            // arcsin
JX_NUMPY_UNARY(asinh)           // arcsinh
JX_NUMPY_UNARY(atan)            // arctan
JX_NUMPY_UNARY(atanh)           // arctanh
JX_NUMPY_BINARY(atan2)          // arctan2
JX_NUMPY_BINARY(pow)            // power
JX_NUMPY_UNARY(bitwise_invert)  // invert
JX_NUMPY_UNARY(bitwise_not)     // invert
JX_NUMPY_BINARY(bitwise_left_shift)
JX_NUMPY_BINARY(bitwise_right_shift)
inline constexpr struct concat_function {  // concatenate
  Array operator()(const std::vector<Array>& arrays, int axis = 0, Loc loc = Loc::current()) const;
} concat{};
inline constexpr struct permute_dims_function {  // transpose with the axes required
  Array operator()(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current()) const;
} permute_dims{};
inline constexpr struct around_function {  // round
  Array operator()(const Array& x, int decimals = 0, Loc loc = Loc::current()) const;
} around{};

// Angles, absolute values and rounding. fabs and rint turn ints into floats as NumPy's do; trunc rounds
// toward zero (ints unchanged), rint to the nearest even integer.
JX_NUMPY_UNARY(degrees)
JX_NUMPY_UNARY(rad2deg)
JX_NUMPY_UNARY(radians)
JX_NUMPY_UNARY(deg2rad)
JX_NUMPY_UNARY(fabs)
JX_NUMPY_UNARY(rint)
JX_NUMPY_UNARY(trunc)

// Signs and classes of floats. signbit reads the sign of zeros too (signbit(-0.0) is true); a NaN counts
// as positive, since jx has no bit cast to read its sign. isposinf and isneginf are false for ints.
JX_NUMPY_UNARY(signbit)
JX_NUMPY_UNARY(isposinf)
JX_NUMPY_UNARY(isneginf)
// |x| with the sign of y; the next float after x toward y; the distance from x to the next float away
// from zero (the smallest subnormal at zero, as JAX's spacing).
JX_NUMPY_BINARY(copysign)
JX_NUMPY_BINARY(nextafter)
JX_NUMPY_UNARY(spacing)

// x = mantissa * 2^exponent with 0.5 <= |mantissa| < 1 (0, ±inf and NaN are their own mantissa, with
// exponent 0); the exponent is int32. Subnormal numbers count as zero: jx flushes them, as XLA's CPU
// backend does. ldexp(x, n) = x * 2^n for an integer n, without overflowing in
// 2^n where the product is finite.
struct FrexpResult {
  Array mantissa;
  Array exponent;
};
inline constexpr struct frexp_function {
  FrexpResult operator()(const Array& x, Loc loc = Loc::current()) const;
} frexp{};
inline constexpr struct ldexp_function {
  Array operator()(const Array& x, const Array& exponent, Loc loc = Loc::current()) const;
} ldexp{};
// The fractional and integral parts, both with x's sign (JAX's formula: modf(±inf) has a NaN fraction).
struct ModfResult {
  Array fractional;
  Array integral;
};
inline constexpr struct modf_function { ModfResult operator()(const Array& x, Loc loc = Loc::current()) const; } modf{};
// (floor_divide(x, y), remainder(x, y)), computed together.
struct DivmodResult {
  Array quotient;
  Array remainder;
};
inline constexpr struct divmod_function {
  DivmodResult operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} divmod{};

// x^y in floats (JAX keeps float32 as float32, where NumPy's float_power always computes in float64).
JX_NUMPY_BINARY(float_power)
// The larger (smaller) of x and y, ignoring a NaN unless both are NaN (NumPy's fmax, fmin).
JX_NUMPY_BINARY(fmax)
JX_NUMPY_BINARY(fmin)
// sqrt(x^2 + y^2) without overflow or underflow in the squares; inf if either is infinite.
JX_NUMPY_BINARY(hypot)
// log2(2^x + 2^y), stable for large and very different arguments.
JX_NUMPY_BINARY(logaddexp2)
// 0 where x < 0, 1 where x > 0, y where x == 0.
JX_NUMPY_BINARY(heaviside)
// sin(pi x) / (pi x), 1 at 0 (the normalized sinc, with a smooth derivative at 0).
JX_NUMPY_UNARY(sinc)
// The modified Bessel function of the first kind of order 0 (jnp.i0), differentiable.
JX_NUMPY_UNARY(i0)

// Greatest common divisor and least common multiple of integers (both taken as non-negative; gcd(0, 0)
// is 0), and the number of one bits in |x| (uint8, as NumPy's bitwise_count).
JX_NUMPY_BINARY(gcd)
JX_NUMPY_BINARY(lcm)
JX_NUMPY_UNARY(bitwise_count)

struct NanToNumOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool copy = true;  // accepted for NumPy's signature; jx arrays are immutable
  double nan = 0.0;
  std::optional<double> posinf = std::nullopt;  // the dtype's largest finite value when absent
  std::optional<double> neginf = std::nullopt;  // the dtype's lowest finite value when absent
};
// NaN, +inf and -inf replaced by finite numbers (in both parts of a complex number); ints unchanged.
inline constexpr struct nan_to_num_function {
  Array operator()(const Array& x, NanToNumOptions options = {}, Loc loc = Loc::current()) const;
} nan_to_num{};

// Whether x is a scalar: a 0-d array (jnp.isscalar).
bool isscalar(const Array& x);
// Whether x and y broadcast together and are equal everywhere: a bool scalar (False, not an error, for
// shapes that do not broadcast).
inline constexpr struct array_equiv_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} array_equiv{};

// The elements of an integer or bool array as bits (non-zero is 1), packed eight to a uint8 along the
// axis (of the flattened array when absent), the first element in the highest bit ("big") or the lowest
// ("little"); the last byte is padded with zeros. unpackbits is the inverse, count keeping only the
// first bits (negative: all but the last -count).
struct PackbitsOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<int> axis = std::nullopt;
  std::string_view bitorder = "big";
};
inline constexpr struct packbits_function {
  Array operator()(const Array& x, PackbitsOptions options = {}, Loc loc = Loc::current()) const;
} packbits{};
struct UnpackbitsOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<int> axis = std::nullopt;
  std::optional<std::int64_t> count = std::nullopt;
  std::string_view bitorder = "big";
};
inline constexpr struct unpackbits_function {
  Array operator()(const Array& x, UnpackbitsOptions options = {}, Loc loc = Loc::current()) const;
} unpackbits{};

#undef JX_NUMPY_UNARY
#undef JX_NUMPY_BINARY

}  // namespace jx::numpy
