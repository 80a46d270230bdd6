// jx/core/dtype.h — element types and JAX's type promotion.
//
// jx has JAX's dtypes and JAX's promotion lattice (docs.jax.dev "Type promotion semantics"): C++
// scalars are *weakly typed* like Python scalars, so they never widen a typed array.
//
//   jx::promote_types(jx::int32, jx::float16)          // float16
//   x * 2      // float32 x stays float32; int8 x stays int8
//   x * 0.5f   // int32 x becomes float32 (weakly typed)
//   x * std::complex<float>(0, 1)   // float32 x becomes complex64 (a C++ complex is weak too)
//
// 64-bit types exist only while jx::config::enable_x64 is on; otherwise they canonicalize to their
// 32-bit counterparts, as with jax_enable_x64=False.
#pragma once

#include <complex>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "jx/core/half.h"

namespace jx {

enum class DType : std::uint8_t {
  bool_,
  int8,
  int16,
  int32,
  int64,
  uint8,
  uint16,
  uint32,
  uint64,
  float16,
  bfloat16,
  float32,
  float64,
  complex64,   // two float32: real, imaginary (NumPy's and C++'s layout)
  complex128,  // two float64
  key,         // a threefry2x32 PRNG key: two uint32 words per element (JAX's key<fry>)
  float0,      // the tangent type of integer and key values: carries no data (JAX's float0)
};
inline constexpr int kNumDTypes = 17;

// The dtypes as values, spelled as in jax.numpy: jx::float32, jx::int32, ...
inline constexpr DType bool_ = DType::bool_;
inline constexpr DType int8 = DType::int8;
inline constexpr DType int16 = DType::int16;
inline constexpr DType int32 = DType::int32;
inline constexpr DType int64 = DType::int64;
inline constexpr DType uint8 = DType::uint8;
inline constexpr DType uint16 = DType::uint16;
inline constexpr DType uint32 = DType::uint32;
inline constexpr DType uint64 = DType::uint64;
inline constexpr DType float16 = DType::float16;
inline constexpr DType bfloat16 = DType::bfloat16;
inline constexpr DType float32 = DType::float32;
inline constexpr DType float64 = DType::float64;
inline constexpr DType complex64 = DType::complex64;
inline constexpr DType complex128 = DType::complex128;
inline constexpr DType float0 = DType::float0;

std::string_view dtype_name(DType dtype);        // "float32"
std::string_view dtype_short_name(DType dtype);  // "f32", as jaxprs print it
std::size_t itemsize(DType dtype);               // bytes per element (0 for float0)

constexpr bool is_bool(DType d) { return d == DType::bool_; }
constexpr bool is_signed_integer(DType d) { return d >= DType::int8 && d <= DType::int64; }
constexpr bool is_unsigned_integer(DType d) { return d >= DType::uint8 && d <= DType::uint64; }
constexpr bool is_integer(DType d) { return is_signed_integer(d) || is_unsigned_integer(d); }
constexpr bool is_floating(DType d) { return d >= DType::float16 && d <= DType::float64; }
constexpr bool is_complex(DType d) { return d == DType::complex64 || d == DType::complex128; }
// Floating or complex: the types derivatives are taken in (NumPy's np.inexact).
constexpr bool is_inexact(DType d) { return is_floating(d) || is_complex(d); }
constexpr bool is_key(DType d) { return d == DType::key; }
// Types arithmetic applies to: not keys, not float0.
constexpr bool is_numeric(DType d) { return d <= DType::complex128; }
constexpr bool is_64bit(DType d) {
  return d == DType::int64 || d == DType::uint64 || d == DType::float64 || d == DType::complex128;
}

// The real type of a complex type's parts (complex64 -> float32); other types are their own.
constexpr DType real_dtype(DType d) {
  return d == DType::complex64 ? DType::float32 : d == DType::complex128 ? DType::float64 : d;
}
// The complex type with parts of a floating type (float64 -> complex128, narrower -> complex64).
constexpr DType complex_dtype(DType d) {
  return d == DType::float64 || d == DType::complex128 ? DType::complex128 : DType::complex64;
}

// std::complex<float> and std::complex<double>: the C++ types of complex64 and complex128.
template <class T>
inline constexpr bool is_complex_v = false;
template <>
inline constexpr bool is_complex_v<std::complex<float>> = true;
template <>
inline constexpr bool is_complex_v<std::complex<double>> = true;

// The dtype of a C++ element type: dtype_of<float>() == jx::float32.
template <class T>
constexpr DType dtype_of() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>)
    return DType::bool_;
  else if constexpr (std::is_same_v<U, std::int8_t>)
    return DType::int8;
  else if constexpr (std::is_same_v<U, std::int16_t>)
    return DType::int16;
  else if constexpr (std::is_same_v<U, std::int32_t>)
    return DType::int32;
  else if constexpr (std::is_same_v<U, std::int64_t> || std::is_same_v<U, long long>)
    return DType::int64;
  else if constexpr (std::is_same_v<U, std::uint8_t>)
    return DType::uint8;
  else if constexpr (std::is_same_v<U, std::uint16_t>)
    return DType::uint16;
  else if constexpr (std::is_same_v<U, std::uint32_t>)
    return DType::uint32;
  else if constexpr (std::is_same_v<U, std::uint64_t> || std::is_same_v<U, unsigned long long>)
    return DType::uint64;
  else if constexpr (std::is_same_v<U, Float16>)
    return DType::float16;
  else if constexpr (std::is_same_v<U, BFloat16>)
    return DType::bfloat16;
  else if constexpr (std::is_same_v<U, float>)
    return DType::float32;
  else if constexpr (std::is_same_v<U, double>)
    return DType::float64;
  else if constexpr (std::is_same_v<U, std::complex<float>>)
    return DType::complex64;
  else if constexpr (std::is_same_v<U, std::complex<double>>)
    return DType::complex128;
  else
    static_assert(sizeof(U) == 0, "no jx dtype for this C++ type");
}

// A dtype together with JAX's weak-type flag: the type of a value for promotion purposes.
struct PromotionType {
  DType dtype;
  bool weak = false;
  friend bool operator==(const PromotionType&, const PromotionType&) = default;
};

// The join of two types on JAX's promotion lattice, canonicalized for the current x64 setting.
// Weakly typed inputs stand for the lattice's i*, f* and c*; the result is weak when the join is.
PromotionType promote_types(PromotionType a, PromotionType b);
inline DType promote_types(DType a, DType b) { return promote_types({a, false}, {b, false}).dtype; }

// The dtype a value of `dtype` gets under the current x64 setting (float64 -> float32 and
// complex128 -> complex64 when off).
DType canonicalize_dtype(DType dtype);
DType default_int_dtype();      // int32, or int64 with x64
DType default_float_dtype();    // float32, or float64 with x64
DType default_complex_dtype();  // complex64, or complex128 with x64

}  // namespace jx
