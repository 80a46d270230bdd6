// Unary elementwise run kernels.
//
// Float32/float64 transcendentals go through SLEEF's vector functions; the rest are plain loops the
// compiler vectorizes. float16/bfloat16 are computed in float32, a stack tile at a time.
#include <cmath>
#include <limits>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"

namespace jx::cpu {

// erf_inv for float32, evaluating exactly the polynomial XLA uses (Giles' single-precision
// approximation, see shared/reference/prng.md §7), with every multiply-add fused: jx::random::normal
// goes through it and must reproduce JAX's values.
namespace {

constexpr float kErfInvSmall[9] = {2.81022636e-08f, 3.43273939e-07f, -3.5233877e-06f, -4.39150654e-06f, 0.00021858087f,
                                   -0.00125372503f, -0.00417768164f, 0.246640727f,    1.50140941f};
constexpr float kErfInvLarge[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f, -0.00367342844f, 0.00573950773f,
                                   -0.0076224613f,   0.00943887047f,  1.00167406f,    2.83297682f};

// float32 tanh as XLA's CPU backend computes it for JAX: the odd rational approximation of degrees
// 13/6 of Eigen's generic_fast_tanh_float (coefficients from Eigen's MathFunctionsImpl.h) on
// [-7.905, 7.905], x itself where |x| < 4e-4 (tanh x = x within half an ulp there), and +-1 beyond
// |x| = 9 (where tanh rounds to 1). 4.6 ulp at worst (near |x| = 6.9), and no exp: about twice as
// fast as SLEEF's 3.5-ulp tanhf, which is what lets a large tanh run at memory bandwidth. NaN passes
// through every step (comparisons with NaN are false, so the selects keep it).
constexpr float kTanhNumerator[7] = {-2.76076847742355e-16f, 2.00018790482477e-13f, -8.60467152213735e-11f,
                                     5.12229709037114e-08f,  1.48572235717979e-05f, 6.37261928875436e-04f,
                                     4.89352455891786e-03f};
constexpr float kTanhDenominator[4] = {1.19825839466702e-06f, 1.18534705686654e-04f, 2.26843463243900e-03f,
                                       4.89352518554385e-03f};

simd::VecF32 tanh_vector(simd::VecF32 x) {
  using namespace simd;
  const VecF32 limit = broadcast(7.90531110763549805f), minus_limit = broadcast(-7.90531110763549805f);
  VecF32 c = select_less(x, minus_limit, minus_limit, x);
  c = select_less(limit, c, limit, c);
  const VecF32 c2 = mul(c, c);
  VecF32 p = broadcast(kTanhNumerator[0]);
  for (int i = 1; i < 7; ++i) p = fmadd(c2, p, broadcast(kTanhNumerator[i]));
  VecF32 q = broadcast(kTanhDenominator[0]);
  for (int i = 1; i < 4; ++i) q = fmadd(c2, q, broadcast(kTanhDenominator[i]));
  const VecF32 ratio = div(mul(c, p), q);
  const VecF32 magnitude = abs(x);
  const VecF32 saturated = select_less(x, broadcast(0.0f), broadcast(-1.0f), broadcast(1.0f));
  const VecF32 result = select_less(broadcast(9.0f), magnitude, saturated, ratio);
  return select_less(magnitude, broadcast(4e-4f), x, result);
}

simd::VecF32 erf_inv_vector(simd::VecF32 x) {
  using namespace simd;
  const VecF32 w = sub(broadcast(0.0f), JX_SLEEF_F32(log1p)(mul(x, sub(broadcast(0.0f), x))));
  const VecF32 t_small = sub(w, broadcast(2.5f));
  const VecF32 t_large = sub(sqrt(w), broadcast(3.0f));
  VecF32 p_small = broadcast(kErfInvSmall[0]);
  VecF32 p_large = broadcast(kErfInvLarge[0]);
  for (int i = 1; i < 9; ++i) {
    p_small = fmadd(p_small, t_small, broadcast(kErfInvSmall[i]));
    p_large = fmadd(p_large, t_large, broadcast(kErfInvLarge[i]));
  }
  const VecF32 p = select_less(w, broadcast(5.0f), p_small, p_large);
  const VecF32 result = mul(p, x);
  const VecF32 infinite = mul(x, broadcast(std::numeric_limits<float>::infinity()));
  return select_equal(abs(x), broadcast(1.0f), infinite, result);
}

// float64: refine the float32 approximation with two Newton steps on erf(y) = x.
double erf_inv_double(double x) {
  if (std::isnan(x) || x < -1.0 || x > 1.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 1.0 || x == -1.0) return x * std::numeric_limits<double>::infinity();
  float seed_in[simd::kLanesF32] = {static_cast<float>(x)};
  float seed_out[simd::kLanesF32];
  simd::store(seed_out, erf_inv_vector(simd::load(seed_in)));
  double y = seed_out[0];
  const double tail = 1.0 - std::abs(x);  // exact for |x| >= 0.5
  if (!std::isfinite(y) || std::abs(x) > 0.999) {
    // Close to ±1 the float32 seed is poor or infinite (x rounds to ±1.0f): start from the tail's
    // asymptotics, erfc(y) ~ exp(-y^2) / (y sqrt(pi)), instead (a fixed 5.9 made Newton diverge to NaN
    // for x = -0.99999999; found by the NumPy differential tests).
    double t = std::sqrt(-std::log(tail));
    for (int i = 0; i < 3; ++i) t = std::sqrt(-std::log(tail * t * 1.7724538509055159));
    y = std::copysign(t, x);
  }
  for (int i = 0; i < 4; ++i) {
    // In the tails erf(y) - x cancels: measure the residual with erfc, exactly as 1 - |x| is known.
    const double error = std::abs(x) >= 0.5 ? (x > 0 ? 1.0 : -1.0) * (tail - std::erfc(std::abs(y))) : std::erf(y) - x;
    y -= error / (1.1283791670955126 * std::exp(-y * y));
  }
  return y;
}

// erfc has no 1-ulp variant in SLEEF; its 1.5-ulp one is used.
inline auto erfc_vector(auto v) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<decltype(v), simd::VecF32>)
    return Sleef_erfcf16_u15(v);
  else
    return Sleef_erfcd8_u15(v);
#else
  if constexpr (std::is_same_v<decltype(v), simd::VecF32>)
    return Sleef_erfcf8_u15avx2(v);
  else
    return Sleef_erfcd4_u15avx2(v);
#endif
}

#define JX_VECTOR_MATH(name)                                 \
  [](auto v) {                                               \
    if constexpr (std::is_same_v<decltype(v), simd::VecF32>) \
      return JX_SLEEF_F32(name)(v);                          \
    else                                                     \
      return JX_SLEEF_F64(name)(v);                          \
  }

// SLEEF's asinh and acosh return inf above sqrt(FLT_MAX) (sqrt(DBL_MAX) for doubles), and its log1p
// above 1e38 (1e307), where the true values are finite (asinh(FLT_MAX) is 89.4; found by the NumPy
// differential tests). So large lanes are recomputed: there asinh(x) = sign(x) (log|x| + log 2),
// acosh(x) = log x + log 2 and log1p(x) = log x to the last bit. The check costs a store per register,
// and the scalar fix-up only runs for the rare registers that hold such values.
enum class LargeArgument { asinh, acosh, log1p };

template <LargeArgument kind, class V>
V fix_large_arguments(V x, V result) {
  using T = std::conditional_t<std::is_same_v<V, simd::VecF32>, float, double>;
  constexpr int lanes = simd::VecOf<T>::lanes;
  // Below these, SLEEF's results are within its 1-ulp bound.
  constexpr T limit = kind == LargeArgument::log1p ? (std::is_same_v<T, float> ? T(1e37f) : T(1e306))
                                                   : (std::is_same_v<T, float> ? T(1e18f) : T(1e150));
  alignas(64) T in[lanes];
  alignas(64) T out[lanes];
  simd::store(in, x);
  bool any = false;
  for (int i = 0; i < lanes; ++i) any |= std::abs(in[i]) > limit && std::abs(in[i]) <= std::numeric_limits<T>::max();
  if (!any) return result;
  simd::store(out, result);
  const T log2 = T(0.693147180559945309417232121458176568);
  for (int i = 0; i < lanes; ++i) {
    const T a = std::abs(in[i]);
    if (!(a > limit && a <= std::numeric_limits<T>::max())) continue;
    if constexpr (kind == LargeArgument::asinh) {
      out[i] = std::copysign(std::log(a) + log2, in[i]);
    } else if constexpr (kind == LargeArgument::acosh) {
      if (in[i] > 0) out[i] = std::log(a) + log2;  // negative: NaN, as SLEEF returns
    } else {
      if (in[i] > 0) out[i] = std::log(a);
    }
  }
  return simd::load(out);
}

#define JX_VECTOR_MATH_LARGE(name)                                                             \
  [](auto v) {                                                                                 \
    if constexpr (std::is_same_v<decltype(v), simd::VecF32>)                                   \
      return fix_large_arguments<LargeArgument::name>(v, simd::VecF32(JX_SLEEF_F32(name)(v))); \
    else                                                                                       \
      return fix_large_arguments<LargeArgument::name>(v, simd::VecF64(JX_SLEEF_F64(name)(v))); \
  }

template <class T>
void unary_float(UnaryOp op, const T* in, void* out_raw, std::int64_t n) {
  T* out = static_cast<T*>(out_raw);
  auto map = [&](auto f) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
  };
  switch (op) {
    case UnaryOp::neg:
      return map([](T x) { return -x; });
    case UnaryOp::abs:
      return map([](T x) { return std::abs(x); });
    case UnaryOp::sign:
      return map([](T x) { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x); });  // keeps ±0 and NaN
    case UnaryOp::floor:
      return simd::map_vector(in, out, n, [](auto v) { return simd::floor(v); });
    case UnaryOp::ceil:
      return simd::map_vector(in, out, n, [](auto v) { return simd::ceil(v); });
    case UnaryOp::round:
      return map([](T x) { return std::nearbyint(x); });  // half to even
    case UnaryOp::is_finite: {
      bool* flags = static_cast<bool*>(out_raw);
      for (std::int64_t i = 0; i < n; ++i) flags[i] = std::isfinite(in[i]);
      return;
    }
    case UnaryOp::sqrt:
      return map([](T x) { return std::sqrt(x); });
    case UnaryOp::rsqrt:
      return map([](T x) { return T(1) / std::sqrt(x); });
    case UnaryOp::square:
      return map([](T x) { return x * x; });
    case UnaryOp::reciprocal:
      return map([](T x) { return T(1) / x; });
    case UnaryOp::exp:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(exp));
    case UnaryOp::exp2:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(exp2));
    case UnaryOp::expm1:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(expm1));
    case UnaryOp::log:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(log));
    case UnaryOp::log1p:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH_LARGE(log1p));
    case UnaryOp::log2:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(log2));
    case UnaryOp::log10:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(log10));
    case UnaryOp::cbrt:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(cbrt));
    case UnaryOp::sin:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(sin));
    case UnaryOp::cos:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(cos));
    case UnaryOp::tan:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(tan));
    case UnaryOp::asin:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(asin));
    case UnaryOp::acos:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(acos));
    case UnaryOp::atan:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(atan));
    case UnaryOp::sinh:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(sinh));
    case UnaryOp::cosh:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(cosh));
    case UnaryOp::tanh:
      // float32: XLA's rational approximation (tanh_vector above); float64: SLEEF's 1-ulp tanh.
      return simd::map_vector(in, out, n, [](auto v) {
        if constexpr (std::is_same_v<decltype(v), simd::VecF32>)
          return tanh_vector(v);
        else
          return JX_SLEEF_F64(tanh)(v);
      });
    case UnaryOp::asinh:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH_LARGE(asinh));
    case UnaryOp::acosh:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH_LARGE(acosh));
    case UnaryOp::atanh:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(atanh));
    case UnaryOp::erf:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(erf));
    case UnaryOp::erfc:
      return simd::map_vector(in, out, n, [](auto v) { return erfc_vector(v); });
    case UnaryOp::lgamma:
      return simd::map_vector(in, out, n, JX_VECTOR_MATH(lgamma));
    case UnaryOp::logistic:
      // 1 / (1 + exp(-x)): exp overflows to inf for very negative x, giving exactly 0.
      simd::map_vector(in, out, n, [](auto v) {
        if constexpr (std::is_same_v<decltype(v), simd::VecF32>) {
          return simd::VecF32(1.0f / (1.0f + JX_SLEEF_F32(exp)(-v)));
        } else {
          return simd::VecF64(1.0 / (1.0 + JX_SLEEF_F64(exp)(-v)));
        }
      });
      return;
    case UnaryOp::erf_inv:
      if constexpr (std::is_same_v<T, float>) {
        simd::map_vector(in, out, n, erf_inv_vector);
      } else {
        map([](T x) { return erf_inv_double(x); });
      }
      return;
    case UnaryOp::not_:
    case UnaryOp::real:  // complex only: complex_elementwise.cpp
    case UnaryOp::imag:
    case UnaryOp::conj:
    case UnaryOp::kCount:
      break;
  }
  throw std::logic_error("jx: unary op not defined for floating-point types");
}

#undef JX_VECTOR_MATH
#undef JX_VECTOR_MATH_LARGE

template <class T>
void unary_integer(UnaryOp op, const T* in, void* out_raw, std::int64_t n) {
  using U = std::make_unsigned_t<T>;  // wrap-around arithmetic without undefined behaviour
  T* out = static_cast<T*>(out_raw);
  auto map = [&](auto f) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
  };
  switch (op) {
    case UnaryOp::neg:
      return map([](T x) { return static_cast<T>(U(0) - static_cast<U>(x)); });
    case UnaryOp::abs:
      return map([](T x) { return x < T(0) ? static_cast<T>(U(0) - static_cast<U>(x)) : x; });
    case UnaryOp::sign:
      return map([](T x) { return static_cast<T>((x > T(0)) - (x < T(0))); });
    case UnaryOp::not_:
      return map([](T x) { return static_cast<T>(~static_cast<U>(x)); });
    case UnaryOp::square:
      return map([](T x) { return static_cast<T>(static_cast<U>(x) * static_cast<U>(x)); });
    case UnaryOp::is_finite: {
      bool* flags = static_cast<bool*>(out_raw);
      for (std::int64_t i = 0; i < n; ++i) flags[i] = true;
      return;
    }
    default:
      break;
  }
  throw std::logic_error("jx: unary op not defined for integer types");
}

void unary_bool(UnaryOp op, const bool* in, bool* out, std::int64_t n) {
  if (op != UnaryOp::not_) throw std::logic_error("jx: unary op not defined for bool");
  for (std::int64_t i = 0; i < n; ++i) out[i] = !in[i];
}

}  // namespace

void unary_run(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n) {
  if (is_complex(dtype)) return unary_complex_run(op, dtype, in, out, n);
  visit_dtype(dtype, [&]<class T>(TypeTag<T>) {
    if constexpr (std::is_same_v<T, bool>) {
      unary_bool(op, static_cast<const bool*>(in), static_cast<bool*>(out), n);
    } else if constexpr (is_half_v<T>) {
      // Compute in float32 a tile at a time, then round back (is_finite writes bool directly).
      constexpr std::int64_t kTile = 1024;
      float wide[kTile], result[kTile];
      for (std::int64_t start = 0; start < n; start += kTile) {
        const std::int64_t count = std::min(kTile, n - start);
        const T* src = static_cast<const T*>(in) + start;
        for (std::int64_t i = 0; i < count; ++i) wide[i] = static_cast<float>(src[i]);
        if (op == UnaryOp::is_finite) {
          unary_float<float>(op, wide, static_cast<bool*>(out) + start, count);
          continue;
        }
        unary_float<float>(op, wide, result, count);
        T* dst = static_cast<T*>(out) + start;
        for (std::int64_t i = 0; i < count; ++i) dst[i] = T(result[i]);
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      unary_float<T>(op, static_cast<const T*>(in), out, n);
    } else {
      unary_integer<T>(op, static_cast<const T*>(in), out, n);
    }
  });
}

}  // namespace jx::cpu
