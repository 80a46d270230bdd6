// jx/numpy/dtypes.h: dtype limits, promotion and classification, from jx's dtype table and JAX's
// promotion lattice (src/ops/promotion.h).
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "jx/core/error.h"
#include "jx/core/half.h"
#include "jx/numpy/dtypes.h"
#include "ops/float_info.h"
#include "ops/promotion.h"

namespace jx::numpy {

FloatLimits finfo(DType dtype, std::source_location loc) {
  CallSite site(loc);
  const ops::FloatInfo info = ops::float_info(dtype);
  // Decimal digits: floor(nmant * log10(2)), as numpy.finfo computes its precision.
  const int precision = static_cast<int>(std::floor(info.mantissa_bits * std::log10(2.0)));
  // NumPy's fields are values of the dtype: 10^-precision rounded to it.
  const double decimal = std::pow(10.0, -precision);
  double resolution = decimal;
  switch (real_dtype(dtype)) {
    case DType::float16:
      resolution = static_cast<float>(Float16(static_cast<float>(decimal)));
      break;
    case DType::bfloat16:
      resolution = static_cast<float>(BFloat16(static_cast<float>(decimal)));
      break;
    case DType::float32:
      resolution = static_cast<float>(decimal);
      break;
    default:
      break;
  }
  return {.dtype = dtype,
          .bits = info.bits,
          .eps = info.eps,
          .epsneg = info.eps / 2,
          .max = info.max,
          .min = -info.max,
          .tiny = info.smallest_normal,
          .smallest_normal = info.smallest_normal,
          .smallest_subnormal = info.smallest_subnormal,
          .resolution = resolution,
          .precision = precision,
          .nmant = info.mantissa_bits,
          .nexp = info.exponent_bits,
          .minexp = info.min_exponent,
          .maxexp = info.max_exponent,
          .machep = -info.mantissa_bits,
          .negep = -info.mantissa_bits - 1,
          .iexp = info.exponent_bits};
}

IntLimits iinfo(DType dtype, std::source_location loc) {
  CallSite site(loc);
  if (dtype == DType::bool_) return {dtype, 8, 0, 1};
  if (!is_integer(dtype)) {
    throw DTypeError("iinfo", fmt::format("data type {} is not an integer type", dtype_name(dtype)));
  }
  const int bits = static_cast<int>(itemsize(dtype)) * 8;
  if (is_unsigned_integer(dtype)) {
    return {dtype, bits, 0, bits == 64 ? std::numeric_limits<std::uint64_t>::max() : (std::uint64_t{1} << bits) - 1};
  }
  return {dtype, bits, bits == 64 ? std::numeric_limits<std::int64_t>::min() : -(std::int64_t{1} << (bits - 1)),
          (std::uint64_t{1} << (bits - 1)) - 1};
}

DType result_type(std::span<const Array> operands) {
  if (operands.empty()) throw ValueError("result_type", "needs at least one operand");
  return canonicalize_dtype(ops::result_type(operands).dtype);
}

DType result_type(std::initializer_list<DType> dtypes) {
  if (dtypes.size() == 0) throw ValueError("result_type", "needs at least one dtype");
  PromotionType type{*dtypes.begin(), false};
  for (DType d : dtypes) type = promote_types(type, {d, false});
  return canonicalize_dtype(type.dtype);
}

namespace {

// NumPy's kinds, in the order of safe casts between kinds: b < u < i < f < c.
int kind_rank(DType d) {
  if (d == DType::bool_) return 0;
  if (is_unsigned_integer(d)) return 1;
  if (is_signed_integer(d)) return 2;
  if (is_floating(d)) return 3;
  return 4;
}

// NumPy's table for integers to floats: a float twice as wide as the integer (its mantissa holds the
// integer), and the 64-bit integers to float64 (NumPy's one exception: not every value is exact).
bool safe_integer_to_inexact(std::size_t from_size, DType to) {
  if (to == DType::bfloat16) return false;
  const std::size_t part = is_complex(to) ? itemsize(to) / 2 : itemsize(to);
  return part > from_size || part == 8;
}

// Whether every value of `from` is a value of `to` (NumPy's safe casting table).
bool safe_cast(DType from, DType to) {
  if (from == to || from == DType::bool_) return true;
  if (to == DType::bool_) return false;
  const std::size_t from_size = itemsize(from), to_size = itemsize(to);
  if (is_unsigned_integer(from)) {
    if (is_unsigned_integer(to)) return to_size >= from_size;
    if (is_signed_integer(to)) return to_size > from_size;
    return safe_integer_to_inexact(from_size, to);
  }
  if (is_signed_integer(from)) {
    if (is_unsigned_integer(to)) return false;
    if (is_signed_integer(to)) return to_size >= from_size;
    return safe_integer_to_inexact(from_size, to);
  }
  if (is_floating(from)) {
    if (is_integer(to)) return false;
    if (from == DType::bfloat16) return to == DType::float32 || to == DType::float64 || is_complex(to);
    if (to == DType::bfloat16) return false;
    return is_floating(to) ? to_size >= from_size : to_size >= 2 * from_size;
  }
  return is_complex(to) && to_size >= from_size;
}

}  // namespace

bool can_cast(DType from, DType to, std::string_view casting, std::source_location loc) {
  CallSite site(loc);
  if (casting == "no" || casting == "equiv") return from == to;
  if (casting == "safe") return safe_cast(from, to);
  if (casting == "same_kind") return safe_cast(from, to) || kind_rank(from) <= kind_rank(to);
  if (casting == "unsafe") return true;
  throw ValueError("can_cast", fmt::format("casting must be one of \"no\", \"equiv\", \"safe\", \"same_kind\" or "
                                           "\"unsafe\", got \"{}\"",
                                           casting));
}

bool issubdtype(DType dtype, DType other) { return dtype == other; }

bool issubdtype(DType dtype, DTypeCategory category) {
  switch (category) {
    case DTypeCategory::generic:
      return true;
    case DTypeCategory::number:
      return is_integer(dtype) || is_inexact(dtype);
    case DTypeCategory::inexact:
      return is_inexact(dtype);
    case DTypeCategory::floating:
      return is_floating(dtype);
    case DTypeCategory::complexfloating:
      return is_complex(dtype);
    case DTypeCategory::integer:
      return is_integer(dtype);
    case DTypeCategory::signedinteger:
      return is_signed_integer(dtype);
    case DTypeCategory::unsignedinteger:
      return is_unsigned_integer(dtype);
  }
  return false;
}

bool isdtype(DType dtype, DType kind) { return dtype == kind; }

bool isdtype(DType dtype, std::string_view kind, std::source_location loc) {
  CallSite site(loc);
  if (kind == "bool") return dtype == DType::bool_;
  if (kind == "signed integer") return is_signed_integer(dtype);
  if (kind == "unsigned integer") return is_unsigned_integer(dtype);
  if (kind == "integral") return is_integer(dtype);
  if (kind == "real floating") return is_floating(dtype);
  if (kind == "complex floating") return is_complex(dtype);
  if (kind == "numeric") return is_integer(dtype) || is_inexact(dtype);
  throw ValueError("isdtype",
                   fmt::format("unknown kind \"{}\": use \"bool\", \"signed integer\", \"unsigned integer\", "
                               "\"integral\", \"real floating\", \"complex floating\" or \"numeric\"",
                               kind));
}

}  // namespace jx::numpy
