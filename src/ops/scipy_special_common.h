// src/ops/scipy_special_common.h — what the scipy_special_*.cpp files share: argument checks, per-dtype step counts,
// polynomial evaluation, complex arithmetic on (re, im) pairs of real arrays (so that the continued fractions stay real
// programs, differentiable like any other), and a Gauss-Legendre rule.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/error.h"
#include "ops/promotion.h"

namespace jx::scipy::special::special_detail {

inline constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// x as a float array (integers and bools become the default float type); complex is a DTypeError naming op.
inline Array real_argument(std::string_view op, const Array& x) {
  Array v = ops::to_inexact(x);
  if (is_complex(v.dtype())) throw DTypeError(std::string(op), "is not defined for complex arguments");
  return v;
}

// The operands promoted to their common float type and broadcast to one shape.
inline std::vector<Array> real_arguments(std::string_view op, std::vector<Array> operands) {
  const PromotionType type = ops::inexact_type(ops::result_type(operands));
  if (is_complex(type.dtype)) throw DTypeError(std::string(op), "is not defined for complex arguments");
  Shape shape;
  for (const Array& a : operands) shape = ops::broadcast_shapes(op, shape, a.shape());
  for (Array& a : operands) a = ops::broadcast_to_shape(ops::convert_to(a, {type.dtype, false}), shape);
  return operands;
}

inline int steps_for(const Array& x, int wide, int narrow) { return x.dtype() == DType::float64 ? wide : narrow; }

// sum_i c[i] x^(N-1-i): the coefficients highest degree first, as published tables list them.
template <std::size_t N>
Array horner(const Array& x, const std::array<double, N>& coefficients) {
  Array total = ops::filled_like(x, coefficients[0]);
  for (std::size_t i = 1; i < N; ++i) total = total * x + coefficients[i];
  return total;
}

struct Complex {
  Array re, im;
};
inline Complex add(const Complex& a, const Complex& b) { return {a.re + b.re, a.im + b.im}; }
inline Complex multiply(const Complex& a, const Complex& b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
inline Complex scale(const Complex& a, double s) { return {a.re * s, a.im * s}; }
// 1 / z, scaled by the larger part (Smith's method) so that |z|^2 neither overflows nor underflows.
inline Complex reciprocal(const Complex& z) {
  const Array re_larger = numpy::abs(z.re) >= numpy::abs(z.im);
  const Array big = numpy::where(re_larger, z.re, z.im), small = numpy::where(re_larger, z.im, z.re);
  const Array ratio = small / big;
  const Array denominator = big + small * ratio;
  const Array first = 1.0 / denominator, second = -ratio / denominator;
  return {numpy::where(re_larger, first, -second), numpy::where(re_larger, second, -first)};
}

// Gauss-Legendre nodes and weights on [-1, 1], from Newton's method on the Legendre polynomial (computed
// once, in double precision).
struct GaussLegendre {
  std::vector<double> nodes, weights;
};
inline GaussLegendre make_gauss_legendre(int n) {
  GaussLegendre rule;
  for (int i = 1; i <= n; ++i) {
    double x = std::cos(std::numbers::pi * (i - 0.25) / (n + 0.5));
    double derivative = 1;
    for (int iteration = 0; iteration < 100; ++iteration) {
      double p0 = 1, p1 = x;  // P_0, P_1, then up to P_n by Bonnet's recurrence
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      derivative = n * (x * p1 - p0) / (x * x - 1);
      const double step = p1 / derivative;
      x -= step;
      if (std::abs(step) < 1e-17) break;
    }
    rule.nodes.push_back(x);
    rule.weights.push_back(2 / ((1 - x * x) * derivative * derivative));
  }
  return rule;
}
inline const GaussLegendre& gauss_legendre_24() {
  static const GaussLegendre rule = make_gauss_legendre(24);
  return rule;
}

}  // namespace jx::scipy::special::special_detail
