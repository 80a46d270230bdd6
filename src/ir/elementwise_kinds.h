// src/ir/elementwise_kinds.h — the elementwise operations, named once for primitives and kernels.
//
// Each unary and binary elementwise primitive (sin, add, ...) is one row of a table in
// src/ir/primitives/elementwise.cpp keyed by these enums; every backend implements them by the same
// enums, so adding an operation means adding one enumerator, one table row and one kernel functor.
#pragma once

#include <cstdint>

namespace jx {

enum class UnaryOp : std::uint8_t {
  neg,
  abs,
  sign,
  floor,
  ceil,
  round,
  is_finite,
  not_,  // not_: logical on bool, bitwise on ints
  exp,
  exp2,
  expm1,
  log,
  log1p,
  log2,
  log10,
  sqrt,
  rsqrt,
  cbrt,
  square,
  reciprocal,
  sin,
  cos,
  tan,
  asin,
  acos,
  atan,
  sinh,
  cosh,
  tanh,
  asinh,
  acosh,
  atanh,
  logistic,
  erf,
  erfc,
  erf_inv,
  lgamma,
  real,  // real, imag, conj: complex inputs only (real and imag give the real type of the parts)
  imag,
  conj,
  kCount
};

enum class BinaryOp : std::uint8_t {
  add,
  sub,
  mul,
  div,
  rem,
  pow,
  max,
  min,
  atan2,
  nextafter,
  and_,
  or_,
  xor_,  // logical on bool, bitwise on integers (lax.and/or/xor)
  shift_left,
  shift_right_logical,
  shift_right_arithmetic,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  complex,  // lax.complex(x, y) = x + i y: two float32 (float64) make a complex64 (complex128)
  kCount
};

constexpr bool is_comparison(BinaryOp op) { return op >= BinaryOp::eq && op <= BinaryOp::ge; }

}  // namespace jx
