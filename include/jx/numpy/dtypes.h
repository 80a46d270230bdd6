// jx/numpy/dtypes.h — questions about dtypes, as jax.numpy answers them: the limits of a float or integer
// type (finfo, iinfo), the type operands promote to (result_type), whether a cast is allowed (can_cast),
// and which kind a dtype is (issubdtype with NumPy's abstract categories, isdtype with the Array API's
// kind names).
//
//   namespace jnp = jx::numpy;
//   float eps = jnp::finfo(jx::float32).eps;                         // 2^-23
//   auto t = jnp::result_type({x, y});                               // as x + y would promote
//   bool f = jnp::issubdtype(x.dtype(), jnp::floating);
//   bool i = jnp::isdtype(x.dtype(), "integral");
//
// This header is not included by jx/numpy.h: the category names (number, integer, floating, ...) are
// common words that would shadow variables in code that uses namespace jx::numpy.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <span>
#include <string_view>

#include "jx/core/array.h"
#include "jx/core/dtype.h"

namespace jx::numpy {

// numpy.finfo's fields for a floating-point or complex dtype (a complex dtype's are its parts').
struct FloatLimits {
  DType dtype;
  int bits;
  double eps;                 // 2^-nmant: from 1 to the next float
  double epsneg;              // 2^-(nmant + 1): from 1 to the float before
  double max;                 // the largest finite value
  double min;                 // -max
  double tiny;                // the smallest normal number
  double smallest_normal;     // the same
  double smallest_subnormal;  // 2^(minexp - nmant)
  double resolution;          // 10^-precision
  int precision;              // decimal digits of precision
  int nmant, nexp, minexp, maxexp, machep, negep, iexp;
};
FloatLimits finfo(DType dtype, std::source_location loc = std::source_location::current());
inline FloatLimits finfo(const Array& x, std::source_location loc = std::source_location::current()) {
  return finfo(x.dtype(), loc);
}
// numpy.iinfo's fields for an integer (or bool) dtype.
struct IntLimits {
  DType dtype;
  int bits;
  std::int64_t min;
  std::uint64_t max;
};
IntLimits iinfo(DType dtype, std::source_location loc = std::source_location::current());
inline IntLimits iinfo(const Array& x, std::source_location loc = std::source_location::current()) {
  return iinfo(x.dtype(), loc);
}

// The dtype the operands promote to together (JAX's promotion, weak types included; canonicalized for
// the current x64 setting).
DType result_type(std::span<const Array> operands);
inline DType result_type(std::initializer_list<Array> operands) {
  return result_type(std::span<const Array>(operands.begin(), operands.size()));
}
DType result_type(std::initializer_list<DType> dtypes);

// Whether a value of `from` may be cast to `to` under NumPy's rule "no" (identical), "equiv", "safe"
// (every value representable), "same_kind" (safe, or within the same kind, like float64 to float32) or
// "unsafe" (always).
bool can_cast(DType from, DType to, std::string_view casting = "safe",
              std::source_location loc = std::source_location::current());

// NumPy's abstract scalar hierarchy, for issubdtype(x.dtype(), jnp::floating).
enum class DTypeCategory {
  generic,
  number,
  inexact,
  floating,
  complexfloating,
  integer,
  signedinteger,
  unsignedinteger
};
inline constexpr DTypeCategory generic = DTypeCategory::generic;
inline constexpr DTypeCategory number = DTypeCategory::number;
inline constexpr DTypeCategory inexact = DTypeCategory::inexact;
inline constexpr DTypeCategory floating = DTypeCategory::floating;
inline constexpr DTypeCategory complexfloating = DTypeCategory::complexfloating;
inline constexpr DTypeCategory integer = DTypeCategory::integer;
inline constexpr DTypeCategory signedinteger = DTypeCategory::signedinteger;
inline constexpr DTypeCategory unsignedinteger = DTypeCategory::unsignedinteger;
// Whether dtype is `other` itself, or belongs to the category.
bool issubdtype(DType dtype, DType other);
bool issubdtype(DType dtype, DTypeCategory category);
// The Array API's test: kind is a dtype, or one of "bool", "signed integer", "unsigned integer",
// "integral", "real floating", "complex floating", "numeric" (ValueError for other names).
bool isdtype(DType dtype, DType kind);
bool isdtype(DType dtype, std::string_view kind, std::source_location loc = std::source_location::current());

}  // namespace jx::numpy
