// Elementwise run kernels on complex64 and complex128, and the conversions between complex numbers
// and their real parts (real, imag, conj, lax.complex).
//
// The transcendental functions are the C library's (glibc's cexp, clog, csqrt, casin, ... through
// std::complex), which follow C99's Annex G: branch cuts and signed zeros as NumPy has them, abs by
// hypot (no overflow for parts near the largest float), and exact infinities and NaNs. The few NumPy
// defines and C does not (expm1, log1p, exp2, log2, logistic) are written from them with care for
// small arguments, where the naive exp(z) - 1 and log(1 + z) lose every digit.
#include <cmath>
#include <complex>
#include <numbers>
#include <stdexcept>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"

namespace jx::cpu {
namespace {

template <class C>
C expm1_complex(C z) {
  using R = typename C::value_type;
  const R x = z.real(), y = z.imag();
  // exp(x) cos(y) - 1 = expm1(x) cos(y) - 2 sin^2(y / 2): no cancellation when z is small.
  const R half_sine = std::sin(y / 2);
  return {std::expm1(x) * std::cos(y) - 2 * half_sine * half_sine, std::exp(x) * std::sin(y)};
}

template <class C>
C log1p_complex(C z) {
  using R = typename C::value_type;
  const R x = z.real(), y = z.imag();
  if (std::abs(x) < R(0.5) && std::abs(y) < R(0.5)) {
    // |1 + z|^2 = 1 + (2x + x^2 + y^2): log1p keeps the small term's digits.
    return {std::log1p(x * (2 + x) + y * y) / 2, std::atan2(y, 1 + x)};
  }
  return std::log(C(1) + z);
}

template <class C>
C sign_complex(C z) {
  using R = typename C::value_type;
  if (z == C(0)) return z;
  const R magnitude = std::abs(z);
  return {z.real() / magnitude, z.imag() / magnitude};
}

template <class C>
void unary_typed(UnaryOp op, const C* in, void* out_raw, std::int64_t n) {
  using R = typename C::value_type;
  C* out = static_cast<C*>(out_raw);
  auto map = [&](auto f) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
  };
  // The operations whose result is real.
  auto map_real = [&](auto f) {
    R* parts = static_cast<R*>(out_raw);
    for (std::int64_t i = 0; i < n; ++i) parts[i] = f(in[i]);
  };
  switch (op) {
    case UnaryOp::real:
      return map_real([](C z) { return z.real(); });
    case UnaryOp::imag:
      return map_real([](C z) { return z.imag(); });
    case UnaryOp::abs:
      return map_real([](C z) { return std::abs(z); });
    case UnaryOp::is_finite: {
      bool* flags = static_cast<bool*>(out_raw);
      for (std::int64_t i = 0; i < n; ++i) flags[i] = std::isfinite(in[i].real()) && std::isfinite(in[i].imag());
      return;
    }
    case UnaryOp::conj:
      return map([](C z) { return std::conj(z); });
    case UnaryOp::neg:
      return map([](C z) { return -z; });
    case UnaryOp::sign:
      return map([](C z) { return sign_complex(z); });
    case UnaryOp::exp:
      return map([](C z) { return std::exp(z); });
    case UnaryOp::exp2:
      return map([](C z) { return std::exp(z * std::numbers::ln2_v<R>); });
    case UnaryOp::expm1:
      return map([](C z) { return expm1_complex(z); });
    case UnaryOp::log:
      return map([](C z) { return std::log(z); });
    case UnaryOp::log1p:
      return map([](C z) { return log1p_complex(z); });
    case UnaryOp::log2:
      return map([](C z) { return std::log(z) / std::numbers::ln2_v<R>; });
    case UnaryOp::log10:
      return map([](C z) { return std::log10(z); });
    case UnaryOp::sqrt:
      return map([](C z) { return std::sqrt(z); });
    case UnaryOp::rsqrt:
      return map([](C z) { return C(1) / std::sqrt(z); });
    case UnaryOp::square:
      return map([](C z) { return z * z; });
    case UnaryOp::reciprocal:
      return map([](C z) { return C(1) / z; });
    case UnaryOp::sin:
      return map([](C z) { return std::sin(z); });
    case UnaryOp::cos:
      return map([](C z) { return std::cos(z); });
    case UnaryOp::tan:
      return map([](C z) { return std::tan(z); });
    case UnaryOp::asin:
      return map([](C z) { return std::asin(z); });
    case UnaryOp::acos:
      return map([](C z) { return std::acos(z); });
    case UnaryOp::atan:
      return map([](C z) { return std::atan(z); });
    case UnaryOp::sinh:
      return map([](C z) { return std::sinh(z); });
    case UnaryOp::cosh:
      return map([](C z) { return std::cosh(z); });
    case UnaryOp::tanh:
      return map([](C z) { return std::tanh(z); });
    case UnaryOp::asinh:
      return map([](C z) { return std::asinh(z); });
    case UnaryOp::acosh:
      return map([](C z) { return std::acosh(z); });
    case UnaryOp::atanh:
      return map([](C z) { return std::atanh(z); });
    case UnaryOp::logistic:
      return map([](C z) { return C(1) / (C(1) + std::exp(-z)); });
    default:
      break;
  }
  throw std::logic_error("jx: unary op not defined for complex types");
}

template <class C>
void binary_typed(BinaryOp op, const C* a, int sa, const C* b, int sb, void* out_raw, std::int64_t n) {
  C* out = static_cast<C*>(out_raw);
  bool* flags = static_cast<bool*>(out_raw);
  switch (op) {
    case BinaryOp::add:
      return map2(a, sa, b, sb, out, n, [](C x, C y) { return x + y; });
    case BinaryOp::sub:
      return map2(a, sa, b, sb, out, n, [](C x, C y) { return x - y; });
    case BinaryOp::mul:
      return map2(a, sa, b, sb, out, n, [](C x, C y) { return x * y; });
    case BinaryOp::div:
      return map2(a, sa, b, sb, out, n, [](C x, C y) { return x / y; });
    case BinaryOp::pow:
      // exp(y log x), with 0^y = 0 (libstdc++'s convention, and XLA's for y with a positive real part).
      return map2(a, sa, b, sb, out, n, [](C x, C y) { return std::pow(x, y); });
    case BinaryOp::eq:
      return map2(a, sa, b, sb, flags, n, [](C x, C y) { return x == y; });
    case BinaryOp::ne:
      return map2(a, sa, b, sb, flags, n, [](C x, C y) { return x != y; });
    default:
      break;
  }
  throw std::logic_error("jx: binary op not defined for complex types");
}

}  // namespace

void unary_complex_run(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n) {
  visit_complex_dtype(dtype, [&]<class C>(TypeTag<C>) { unary_typed<C>(op, static_cast<const C*>(in), out, n); });
}

void binary_complex_run(BinaryOp op, DType dtype, const void* a, int a_step, const void* b, int b_step, void* out,
                        std::int64_t n) {
  if (op == BinaryOp::complex) {
    auto assemble = [&]<class R>(TypeTag<R>) {
      map2(static_cast<const R*>(a), a_step, static_cast<const R*>(b), b_step, static_cast<std::complex<R>*>(out), n,
           [](R x, R y) { return std::complex<R>(x, y); });
    };
    if (dtype == DType::float32) return assemble(TypeTag<float>{});
    if (dtype == DType::float64) return assemble(TypeTag<double>{});
    throw std::logic_error("jx: lax.complex takes float32 or float64 parts");
  }
  visit_complex_dtype(dtype, [&]<class C>(TypeTag<C>) {
    binary_typed<C>(op, static_cast<const C*>(a), a_step, static_cast<const C*>(b), b_step, out, n);
  });
}

}  // namespace jx::cpu
