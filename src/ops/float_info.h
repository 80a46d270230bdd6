// src/ops/float_info.h — the limits of jx's floating-point dtypes, as numpy.finfo gives them, for the
// functions that need a dtype's largest value, smallest normal or subnormal number, or precision.
#pragma once

#include <cmath>
#include <string>

#include "jx/core/dtype.h"
#include "jx/core/error.h"

namespace jx::ops {

struct FloatInfo {
  int bits;                   // the width of the format
  int mantissa_bits;          // stored fraction bits (nmant)
  int exponent_bits;          // nexp
  int min_exponent;           // minexp: the exponent of the smallest normal number
  int max_exponent;           // maxexp: 2^maxexp overflows
  double max;                 // the largest finite value (the lowest is -max)
  double smallest_normal;     // 2^minexp (numpy's tiny)
  double smallest_subnormal;  // 2^(minexp - nmant)
  double eps;                 // 2^-nmant: the distance from 1 to the next float
};

// The limits of a floating-point or complex dtype (the complex ones are their parts').
inline FloatInfo float_info(DType dtype) {
  auto make = [](int bits, int mantissa, int exponent_bits) {
    const int max_exponent = 1 << (exponent_bits - 1);
    const int min_exponent = 2 - max_exponent;
    return FloatInfo{bits,
                     mantissa,
                     exponent_bits,
                     min_exponent,
                     max_exponent,
                     std::ldexp(2.0 - std::ldexp(1.0, -mantissa), max_exponent - 1),
                     std::ldexp(1.0, min_exponent),
                     std::ldexp(1.0, min_exponent - mantissa),
                     std::ldexp(1.0, -mantissa)};
  };
  switch (dtype) {
    case DType::float16:
      return make(16, 10, 5);
    case DType::bfloat16:
      return make(16, 7, 8);
    case DType::float32:
    case DType::complex64:
      return make(32, 23, 8);
    case DType::float64:
    case DType::complex128:
      return make(64, 52, 11);
    default:
      throw DTypeError("finfo", "data type " + std::string(dtype_name(dtype)) + " is not inexact");
  }
}

}  // namespace jx::ops
