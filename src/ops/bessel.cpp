// src/ops/bessel.h: I_0 and I_1 by their power series and asymptotic expansions (Abramowitz and Stegun
// 9.6.10 and 9.7.1).
#include "ops/bessel.h"

#include <cmath>
#include <numbers>

#include "jx/lax.h"
#include "ops/promotion.h"

namespace jx::ops {

Array bessel_i(const Array& x, int order, bool scaled) {
  const Array magnitude = lax::abs(x);
  const bool wide = x.dtype() == DType::float64;
  // Below the crossover, (x/2)^order sum (x^2/4)^k / (k! (k + order)!): positive terms, no cancellation.
  // Above it, e^x / sqrt(2 pi x) sum_k t_k with t_k = -t_(k-1) (4 order^2 - (2k - 1)^2) / (8 k x), whose
  // smallest term there is below the dtype's rounding.
  const double crossover = wide ? 20.0 : 12.0;
  const int series_terms = wide ? 64 : 36;
  const int asymptotic_terms = wide ? 20 : 10;
  const Array small = lax::min(magnitude, constant_like(x, crossover));
  const Array quarter_square = lax::mul(lax::mul(small, small), constant_like(x, 0.25));
  Array term = order == 0 ? filled_like(x, 1) : lax::mul(small, constant_like(x, 0.5));
  Array series = term;
  for (int k = 1; k < series_terms; ++k) {
    term = lax::mul(term, lax::div(quarter_square, constant_like(x, double(k) * (k + order))));
    series = lax::add(series, term);
  }
  if (scaled) series = lax::mul(series, lax::exp(lax::neg(small)));
  const Array large = lax::max(magnitude, constant_like(x, crossover));
  const Array inverse = lax::div(constant_like(x, 1), lax::mul(large, constant_like(x, 8)));
  const double mu = 4.0 * order * order;
  Array asymptotic_term = filled_like(x, 1), asymptotic = filled_like(x, 1);
  for (int k = 1; k < asymptotic_terms; ++k) {
    const double odd = 2.0 * k - 1;
    asymptotic_term = lax::mul(asymptotic_term, lax::mul(inverse, constant_like(x, -(mu - odd * odd) / k)));
    asymptotic = lax::add(asymptotic, asymptotic_term);
  }
  const Array root = lax::sqrt(lax::mul(large, constant_like(x, 2 * std::numbers::pi)));
  Array tail;
  if (scaled) {
    tail = lax::div(asymptotic, root);
  } else {
    // e^x / sqrt(2 pi x) as e^(x/2) * (e^(x/2) / sqrt(...)): finite up to the largest finite result.
    const Array half_exp = lax::exp(lax::mul(large, constant_like(x, 0.5)));
    tail = lax::mul(lax::mul(half_exp, lax::div(half_exp, root)), asymptotic);
  }
  Array result = lax::select(lax::le(magnitude, constant_like(x, crossover)), series, tail);
  // I_1 is odd.
  if (order == 1) result = lax::select(lax::lt(x, constant_like(x, 0)), lax::neg(result), result);
  return result;
}

}  // namespace jx::ops
