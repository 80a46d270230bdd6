// jx/numpy/windows.h: NumPy's window formulas over n = 0 .. M-1, in the default float type.
#include <numbers>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/math.h"
#include "jx/numpy/windows.h"

namespace jx::numpy {
namespace {

// The points n (as floats) and the window's denominator M - 1; an empty array for M < 1.
Array points(std::int64_t M) { return astype(arange(std::max<std::int64_t>(M, 0)), default_float_dtype()); }

// 2 pi n / (M - 1), as the cosine windows use it.
Array phase(std::int64_t M, double multiple) {
  return multiply(points(M), Array(multiple * std::numbers::pi / static_cast<double>(M - 1)));
}

Array cosine_window(std::int64_t M, double a0, double a1, double a2) {
  if (M == 1) return ones({1}, default_float_dtype());
  Array w = subtract(Array(a0), multiply(Array(a1), cos(phase(M, 2))));
  if (a2 != 0) w = add(w, multiply(Array(a2), cos(phase(M, 4))));
  return w;
}

}  // namespace

Array bartlett_function::operator()(std::int64_t M, Loc loc) const {
  CallSite site(loc);
  if (M == 1) return ones({1}, default_float_dtype());
  // 1 - |2n / (M - 1) - 1|
  const Array n = points(M);
  return subtract(Array(1.0),
                  abs(subtract(divide(multiply(n, Array(2.0)), Array(static_cast<double>(M - 1))), Array(1.0))));
}

Array blackman_function::operator()(std::int64_t M, Loc loc) const {
  CallSite site(loc);
  return cosine_window(M, 0.42, 0.5, 0.08);
}

Array hamming_function::operator()(std::int64_t M, Loc loc) const {
  CallSite site(loc);
  return cosine_window(M, 0.54, 0.46, 0.0);
}

Array hanning_function::operator()(std::int64_t M, Loc loc) const {
  CallSite site(loc);
  return cosine_window(M, 0.5, 0.5, 0.0);
}

Array kaiser_function::operator()(std::int64_t M, double beta, Loc loc) const {
  CallSite site(loc);
  if (M == 1) return ones({1}, default_float_dtype());
  const Array n = points(M);
  const Array ratio = subtract(divide(multiply(n, Array(2.0)), Array(static_cast<double>(M - 1))), Array(1.0));
  const Array argument = multiply(Array(beta), sqrt(subtract(Array(1.0), multiply(ratio, ratio))));
  return divide(i0(argument), i0(astype(Array(beta), default_float_dtype())));
}

}  // namespace jx::numpy
