// src/backends/cpu/dispatch.h — calling a template with the C++ type of a runtime dtype, and the small
// type helpers and loops the kernels written that way share.
//
//   visit_dtype(x.dtype(), [&]<class T>(TypeTag<T>) { sum_into<T>(...); });
#pragma once

#include <complex>
#include <cstdint>
#include <stdexcept>
#include <type_traits>

#include "jx/core/dtype.h"

namespace jx::cpu {

template <class T>
struct TypeTag {
  using type = T;
};

template <class F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::bool_:
      return f(TypeTag<bool>{});
    case DType::int8:
      return f(TypeTag<std::int8_t>{});
    case DType::int16:
      return f(TypeTag<std::int16_t>{});
    case DType::int32:
      return f(TypeTag<std::int32_t>{});
    case DType::int64:
      return f(TypeTag<std::int64_t>{});
    case DType::uint8:
      return f(TypeTag<std::uint8_t>{});
    case DType::uint16:
      return f(TypeTag<std::uint16_t>{});
    case DType::uint32:
      return f(TypeTag<std::uint32_t>{});
    case DType::uint64:
      return f(TypeTag<std::uint64_t>{});
    case DType::float16:
      return f(TypeTag<Float16>{});
    case DType::bfloat16:
      return f(TypeTag<BFloat16>{});
    case DType::float32:
      return f(TypeTag<float>{});
    case DType::float64:
      return f(TypeTag<double>{});
    default:
      throw std::logic_error("jx: no element type for this dtype");
  }
}

// The complex types: std::complex<float> for complex64, std::complex<double> for complex128. Kept out
// of visit_dtype so that the many real-only kernels need not compile a complex case.
template <class F>
decltype(auto) visit_complex_dtype(DType dtype, F&& f) {
  if (dtype == DType::complex64) return f(TypeTag<std::complex<float>>{});
  if (dtype == DType::complex128) return f(TypeTag<std::complex<double>>{});
  throw std::logic_error("jx: not a complex dtype");
}

// Every numeric type, complex included: for the kernels that are defined on all of them.
template <class F>
decltype(auto) visit_numeric_dtype(DType dtype, F&& f) {
  if (is_complex(dtype)) return visit_complex_dtype(dtype, f);
  return visit_dtype(dtype, f);
}

// A 16-byte element (complex128), moved as a whole.
struct alignas(16) Bytes16 {
  std::uint64_t low, high;
  friend bool operator==(const Bytes16&, const Bytes16&) = default;
};

// The same for element sizes only (copies and movement don't care about the type).
template <class F>
decltype(auto) visit_itemsize(std::size_t itemsize, F&& f) {
  switch (itemsize) {
    case 1:
      return f(TypeTag<std::uint8_t>{});
    case 2:
      return f(TypeTag<std::uint16_t>{});
    case 4:
      return f(TypeTag<std::uint32_t>{});
    case 8:
      return f(TypeTag<std::uint64_t>{});
    case 16:
      return f(TypeTag<Bytes16>{});
    default:
      throw std::logic_error("jx: unsupported element size");
  }
}

// out[i] = f(a[i*sa], b[i*sb]), with the three step patterns spelled out so each loop vectorizes.
template <class T, class R, class F>
void map2(const T* a, int sa, const T* b, int sb, R* out, std::int64_t n, F f) {
  if (sa && sb) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (sb) {
    const T x = a[0];
    for (std::int64_t i = 0; i < n; ++i) out[i] = f(x, b[i]);
  } else if (sa) {
    const T y = b[0];
    for (std::int64_t i = 0; i < n; ++i) out[i] = f(a[i], y);
  } else {
    const R value = f(a[0], b[0]);
    for (std::int64_t i = 0; i < n; ++i) out[i] = value;
  }
}

constexpr bool is_half_dtype(DType d) { return d == DType::float16 || d == DType::bfloat16; }

// The unsigned type of the same width for integers (wrap-around arithmetic without undefined
// behaviour); T itself for other types. Lazy, unlike std::conditional_t over make_unsigned_t.
template <class T, bool = std::is_integral_v<T> && !std::is_same_v<T, bool>>
struct wrapping {
  using type = T;
};
template <class T>
struct wrapping<T, true> {
  using type = std::make_unsigned_t<T>;
};
template <class T>
using wrapping_t = typename wrapping<T>::type;

template <class T>
inline constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

}  // namespace jx::cpu
