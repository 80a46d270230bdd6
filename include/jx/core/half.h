// jx/core/half.h — the 16-bit float storage types behind jx::float16 and jx::bfloat16.
//
// Arithmetic on them happens in float32 (as XLA does on CPU); these types only store the bits and
// convert with round-to-nearest-even, keeping NaN a NaN and saturating overflow to infinity.
//
//   jx::Float16 h = 0.1f;          // nearest float16
//   float back = h;                 // 0.0999755859375f
#pragma once

#include <bit>
#include <cstdint>

namespace jx {

namespace detail {

inline std::uint16_t float_to_half_bits(float value) {
  const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t sign = (f >> 16) & 0x8000u;
  const std::uint32_t magnitude = f & 0x7fffffffu;
  if (magnitude >= 0x47800000u) {  // at least 2^16: infinity, or NaN (kept quiet)
    return static_cast<std::uint16_t>(sign | (magnitude > 0x7f800000u ? 0x7e00u : 0x7c00u));
  }
  if (magnitude < 0x38800000u) {  // result is subnormal (or zero) in half precision
    // Add a magic number whose exponent aligns the half's subnormal grid with float's last bit,
    // letting the FPU do the round-to-nearest-even.
    const float aligned = std::bit_cast<float>(magnitude) + std::bit_cast<float>(0x3f000000u);
    return static_cast<std::uint16_t>(sign | (std::bit_cast<std::uint32_t>(aligned) - 0x3f000000u));
  }
  const std::uint32_t odd = (magnitude >> 13) & 1u;
  const std::uint32_t rounded = magnitude + 0xc8000fffu + odd;  // rebias exponent, round to even
  return static_cast<std::uint16_t>(sign | (rounded >> 13));
}

inline float half_bits_to_float(std::uint16_t bits) {
  const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
  const std::uint32_t exponent = (bits >> 10) & 0x1fu;
  const std::uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0x1fu) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {  // zero or subnormal: scale the integer mantissa by 2^-24
    const float value = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    return sign ? -value : value;
  }
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

inline std::uint16_t float_to_bfloat16_bits(float value) {
  std::uint32_t f = std::bit_cast<std::uint32_t>(value);
  if ((f & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((f >> 16) | 0x40u);  // quiet NaN
  f += 0x7fffu + ((f >> 16) & 1u);                                                            // round to nearest even
  return static_cast<std::uint16_t>(f >> 16);
}

inline float bfloat16_bits_to_float(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

}  // namespace detail

// IEEE 754 binary16.
struct Float16 {
  std::uint16_t bits = 0;
  Float16() = default;
  Float16(float value) : bits(detail::float_to_half_bits(value)) {}    // NOLINT(google-explicit-constructor)
  operator float() const { return detail::half_bits_to_float(bits); }  // NOLINT(google-explicit-constructor)
  static Float16 from_bits(std::uint16_t b) {
    Float16 h;
    h.bits = b;
    return h;
  }
};

// Brain floating point: float32's exponent with a 7-bit mantissa.
struct BFloat16 {
  std::uint16_t bits = 0;
  BFloat16() = default;
  BFloat16(float value) : bits(detail::float_to_bfloat16_bits(value)) {}   // NOLINT(google-explicit-constructor)
  operator float() const { return detail::bfloat16_bits_to_float(bits); }  // NOLINT(google-explicit-constructor)
  static BFloat16 from_bits(std::uint16_t b) {
    BFloat16 h;
    h.bits = b;
    return h;
  }
};

}  // namespace jx
