// Binary elementwise run kernels.
//
// Integer semantics follow XLA's, so that no input crashes the process: arithmetic wraps, x / 0 is -1
// (all bits set), x % 0 is x, INT_MIN / -1 is INT_MIN, and shifts by the bit width or more give 0
// (or the sign, for arithmetic right shifts). Floating max/min propagate NaN, as lax.max does.
#include <cmath>
#include <limits>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"

namespace jx::cpu {
namespace {

template <class T>
bool comparison(BinaryOp op, const T* a, int sa, const T* b, int sb, bool* out, std::int64_t n) {
  switch (op) {
    case BinaryOp::eq:
      map2(a, sa, b, sb, out, n, [](T x, T y) { return x == y; });
      return true;
    case BinaryOp::ne:
      map2(a, sa, b, sb, out, n, [](T x, T y) { return x != y; });
      return true;
    case BinaryOp::lt:
      map2(a, sa, b, sb, out, n, [](T x, T y) { return x < y; });
      return true;
    case BinaryOp::le:
      map2(a, sa, b, sb, out, n, [](T x, T y) { return x <= y; });
      return true;
    case BinaryOp::gt:
      map2(a, sa, b, sb, out, n, [](T x, T y) { return x > y; });
      return true;
    case BinaryOp::ge:
      map2(a, sa, b, sb, out, n, [](T x, T y) { return x >= y; });
      return true;
    default:
      return false;
  }
}

// SLEEF's pow overflows to ±inf a hair early: pow(DBL_MAX, 1) is inf (found by the NumPy differential
// tests). Lanes with an infinite result from finite operands are recomputed with std::pow; the check
// costs a store per register and the scalar path only runs where a result overflowed.
template <class V>
V pow_vector(V x, V y) {
  using T = std::conditional_t<std::is_same_v<V, simd::VecF32>, float, double>;
  constexpr int lanes = simd::VecOf<T>::lanes;
  V result;
  if constexpr (std::is_same_v<T, float>) {
    result = JX_SLEEF_F32(pow)(x, y);
  } else {
    result = JX_SLEEF_F64(pow)(x, y);
  }
  alignas(64) T r[lanes];
  simd::store(r, result);
  bool overflowed = false;
  for (int i = 0; i < lanes; ++i) overflowed |= std::isinf(r[i]);
  if (!overflowed) return result;
  alignas(64) T xs[lanes];
  alignas(64) T ys[lanes];
  simd::store(xs, x);
  simd::store(ys, y);
  for (int i = 0; i < lanes; ++i) {
    if (std::isinf(r[i]) && std::isfinite(xs[i]) && std::isfinite(ys[i])) r[i] = std::pow(xs[i], ys[i]);
  }
  return simd::load(r);
}

// SLEEF's atan2 works in double-float arithmetic whose intermediates (a square, a reciprocal) are
// subnormal when the operands are very small or very large, and with subnormals flushed to zero
// (core/subnormals.h) it returned 0 for atan2(FLT_MIN, FLT_MIN) and atan2(FLT_MAX, FLT_MAX) instead
// of pi/4 (found by the NumPy differential tests). The angle does not change when both operands are
// scaled by the same power of two, so lanes whose larger operand is far from 1 are recomputed on
// operands scaled to it.
template <class V>
V atan2_vector(V y, V x) {
  using T = std::conditional_t<std::is_same_v<V, simd::VecF32>, float, double>;
  constexpr int lanes = simd::VecOf<T>::lanes;
  constexpr T kSmall = std::is_same_v<T, float> ? T(0x1p-40) : T(0x1p-300);
  constexpr T kLarge = std::is_same_v<T, float> ? T(0x1p40) : T(0x1p300);
  const auto sleef_atan2 = [](V a, V b) {
    if constexpr (std::is_same_v<T, float>)
      return JX_SLEEF_F32(atan2)(a, b);
    else
      return JX_SLEEF_F64(atan2)(a, b);
  };
  alignas(64) T ys[lanes];
  alignas(64) T xs[lanes];
  simd::store(ys, y);
  simd::store(xs, x);
  bool rescaled = false;
  for (int i = 0; i < lanes; ++i) {
    const T larger = std::max(std::abs(ys[i]), std::abs(xs[i]));  // NaN lanes compare false below
    if ((larger < kSmall && larger > 0) || (larger > kLarge && std::isfinite(larger))) {
      int exponent = 0;
      std::frexp(larger, &exponent);
      ys[i] = std::ldexp(ys[i], -exponent);
      xs[i] = std::ldexp(xs[i], -exponent);
      rescaled = true;
    }
  }
  return rescaled ? sleef_atan2(simd::load(ys), simd::load(xs)) : sleef_atan2(y, x);
}

template <class T>
void binary_float(BinaryOp op, const T* a, int sa, const T* b, int sb, void* out_raw, std::int64_t n) {
  if (comparison(op, a, sa, b, sb, static_cast<bool*>(out_raw), n)) return;
  T* out = static_cast<T*>(out_raw);
  auto map = [&](auto f) { map2(a, sa, b, sb, out, n, f); };
  switch (op) {
    case BinaryOp::add:
      return map([](T x, T y) { return x + y; });
    case BinaryOp::sub:
      return map([](T x, T y) { return x - y; });
    case BinaryOp::mul:
      return map([](T x, T y) { return x * y; });
    case BinaryOp::div:
      return map([](T x, T y) { return x / y; });
    case BinaryOp::rem:
      return map([](T x, T y) { return std::fmod(x, y); });
    case BinaryOp::max:
      return map([](T x, T y) { return (x >= y || x != x) ? x : y; });  // NaN-propagating, as NumPy
    case BinaryOp::min:
      return map([](T x, T y) { return (x <= y || x != x) ? x : y; });
    case BinaryOp::nextafter:
      return map([](T x, T y) { return std::nextafter(x, y); });
    case BinaryOp::pow:
      return simd::map_vector2(a, sa, b, sb, out, n, [](auto x, auto y) { return pow_vector(x, y); });
    case BinaryOp::atan2:
      return simd::map_vector2(a, sa, b, sb, out, n, [](auto y, auto x) { return atan2_vector(y, x); });
    default:
      break;
  }
  throw std::logic_error("jx: binary op not defined for floating-point types");
}

template <class T>
T integer_power(T base, T exponent) {
  using U = std::make_unsigned_t<T>;
  if constexpr (std::is_signed_v<T>) {
    if (exponent < 0) return base == 1 ? T(1) : (base == -1 ? (exponent % 2 ? T(-1) : T(1)) : T(0));
  }
  U result = 1, factor = static_cast<U>(base);
  for (U e = static_cast<U>(exponent); e; e >>= 1) {
    if (e & 1u) result *= factor;
    factor *= factor;
  }
  return static_cast<T>(result);
}

template <class T>
void binary_integer(BinaryOp op, const T* a, int sa, const T* b, int sb, void* out_raw, std::int64_t n) {
  if (comparison(op, a, sa, b, sb, static_cast<bool*>(out_raw), n)) return;
  using U = std::make_unsigned_t<T>;
  constexpr int bits = static_cast<int>(sizeof(T) * 8);
  T* out = static_cast<T*>(out_raw);
  auto map = [&](auto f) { map2(a, sa, b, sb, out, n, f); };
  switch (op) {
    case BinaryOp::add:
      return map([](T x, T y) { return static_cast<T>(static_cast<U>(x) + static_cast<U>(y)); });
    case BinaryOp::sub:
      return map([](T x, T y) { return static_cast<T>(static_cast<U>(x) - static_cast<U>(y)); });
    case BinaryOp::mul:
      return map([](T x, T y) { return static_cast<T>(static_cast<U>(x) * static_cast<U>(y)); });
    case BinaryOp::div:
      return map([](T x, T y) -> T {
        if (y == 0) return static_cast<T>(~U(0));
        if constexpr (std::is_signed_v<T>) {
          if (y == T(-1) && x == std::numeric_limits<T>::min()) return x;
        }
        return static_cast<T>(x / y);
      });
    case BinaryOp::rem:
      return map([](T x, T y) -> T {
        if (y == 0) return x;
        if constexpr (std::is_signed_v<T>) {
          if (y == T(-1)) return 0;
        }
        return static_cast<T>(x % y);
      });
    case BinaryOp::pow:
      return map([](T x, T y) { return integer_power(x, y); });
    case BinaryOp::max:
      return map([](T x, T y) { return x > y ? x : y; });
    case BinaryOp::min:
      return map([](T x, T y) { return x < y ? x : y; });
    case BinaryOp::and_:
      return map([](T x, T y) { return static_cast<T>(x & y); });
    case BinaryOp::or_:
      return map([](T x, T y) { return static_cast<T>(x | y); });
    case BinaryOp::xor_:
      return map([](T x, T y) { return static_cast<T>(x ^ y); });
    case BinaryOp::shift_left:
      return map([](T x, T y) {
        return (y < 0 || y >= bits) ? T(0) : static_cast<T>(static_cast<U>(x) << static_cast<U>(y));
      });
    case BinaryOp::shift_right_logical:
      return map([](T x, T y) {
        return (y < 0 || y >= bits) ? T(0) : static_cast<T>(static_cast<U>(x) >> static_cast<U>(y));
      });
    case BinaryOp::shift_right_arithmetic:
      return map([](T x, T y) -> T {
        if constexpr (std::is_signed_v<T>) {
          if (y < 0 || y >= bits) return x < 0 ? T(-1) : T(0);
          return static_cast<T>(x >> y);
        } else {
          // Arithmetic shift of an unsigned value: fill with its top bit, as XLA does.
          const bool negative = (x >> (bits - 1)) & 1u;
          if (y >= bits) return negative ? static_cast<T>(~U(0)) : T(0);
          const U shifted = static_cast<U>(x >> y);
          return negative && y > 0 ? static_cast<T>(shifted | static_cast<U>(~U(0) << (bits - y)))
                                   : static_cast<T>(shifted);
        }
      });
    default:
      break;
  }
  throw std::logic_error("jx: binary op not defined for integer types");
}

void binary_bool(BinaryOp op, const bool* a, int sa, const bool* b, int sb, bool* out, std::int64_t n) {
  if (comparison(op, a, sa, b, sb, out, n)) return;
  auto map = [&](auto f) { map2(a, sa, b, sb, out, n, f); };
  switch (op) {
    case BinaryOp::and_:
    case BinaryOp::min:
    case BinaryOp::mul:
      return map([](bool x, bool y) { return x && y; });
    case BinaryOp::or_:
    case BinaryOp::max:
    case BinaryOp::add:
      return map([](bool x, bool y) { return x || y; });
    case BinaryOp::xor_:
    case BinaryOp::ne:
      return map([](bool x, bool y) { return x != y; });
    default:
      break;
  }
  throw std::logic_error("jx: binary op not defined for bool");
}

}  // namespace

void binary_run(BinaryOp op, DType dtype, const void* a, int a_step, const void* b, int b_step, void* out,
                std::int64_t n) {
  if (is_complex(dtype) || op == BinaryOp::complex) return binary_complex_run(op, dtype, a, a_step, b, b_step, out, n);
  visit_dtype(dtype, [&]<class T>(TypeTag<T>) {
    if constexpr (std::is_same_v<T, bool>) {
      binary_bool(op, static_cast<const bool*>(a), a_step, static_cast<const bool*>(b), b_step, static_cast<bool*>(out),
                  n);
    } else if constexpr (is_half_v<T>) {
      constexpr std::int64_t kTile = 1024;
      float wa[kTile], wb[kTile], result[kTile];
      const bool compare = is_comparison(op);
      for (std::int64_t start = 0; start < n; start += kTile) {
        const std::int64_t count = std::min(kTile, n - start);
        const T* pa = static_cast<const T*>(a) + (a_step ? start : 0);
        const T* pb = static_cast<const T*>(b) + (b_step ? start : 0);
        for (std::int64_t i = 0; i < (a_step ? count : 1); ++i) wa[i] = static_cast<float>(pa[i]);
        for (std::int64_t i = 0; i < (b_step ? count : 1); ++i) wb[i] = static_cast<float>(pb[i]);
        if (compare) {
          binary_float<float>(op, wa, a_step, wb, b_step, static_cast<bool*>(out) + start, count);
          continue;
        }
        binary_float<float>(op, wa, a_step, wb, b_step, result, count);
        T* dst = static_cast<T*>(out) + start;
        for (std::int64_t i = 0; i < count; ++i) dst[i] = T(result[i]);
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      binary_float<T>(op, static_cast<const T*>(a), a_step, static_cast<const T*>(b), b_step, out, n);
    } else {
      binary_integer<T>(op, static_cast<const T*>(a), a_step, static_cast<const T*>(b), b_step, out, n);
    }
  });
}

}  // namespace jx::cpu
