// jx/numpy/polynomials.h, with JAX's formulas (jax/_src/numpy/polynomial.py): static lengths, Horner's
// rule, convolutions, and the companion matrix's eigenvalues for the roots.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "jx/numpy/grids.h"
#include "jx/numpy/polynomials.h"
#include "jx/numpy/shaping.h"
#include "ops/float_info.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

void require_vector(std::string_view op, const Array& p, const char* what) {
  if (p.ndim() != 1)
    throw ShapeError(std::string(op), fmt::format("{} must be 1-D, got {}", what, p.shape().to_string()));
}

// Both operands promoted together (to an inexact type, when asked).
std::pair<Array, Array> promoted(const Array& a, const Array& b, bool inexact_result) {
  const Array operands[] = {a, b};
  PromotionType type = ops::result_type(operands);
  if (inexact_result) type = ops::inexact_type(type);
  return {ops::convert_to(a, {type.dtype, false}), ops::convert_to(b, {type.dtype, false})};
}

// p with leading entries whose magnitude is at most `tolerance` removed (concrete p only).
Array trim_leading(std::string_view op, const Array& p, double tolerance) {
  if (p.is_tracer()) {
    throw ConcretizationError(std::string(op),
                              "trim_leading_zeros reads the coefficients, which are traced here; "
                              "leave it false under jit");
  }
  const auto magnitudes = astype(abs(p), DType::float64).to_vector<double>();
  std::int64_t first = 0;
  while (first + 1 < static_cast<std::int64_t>(magnitudes.size()) &&
         magnitudes[static_cast<std::size_t>(first)] <= tolerance) {
    ++first;
  }
  return p(Slice{first, std::nullopt});
}

// a and b padded with leading zeros to the same length.
std::pair<Array, Array> aligned(const Array& a, const Array& b) {
  const std::int64_t n = std::max(a.size(), b.size());
  return {pad(a, {{n - a.size(), 0}}), pad(b, {{n - b.size(), 0}})};
}

}  // namespace

Array polyval_function::operator()(const Array& p, const Array& x, Loc loc) const {
  CallSite site(loc);
  require_vector("polyval", p, "p");
  auto [coefficients, at] = promoted(p, x, true);
  Array result = zeros_like(at);
  for (std::int64_t i = 0; i < coefficients.size(); ++i) result = add(multiply(result, at), coefficients(i));
  return result;
}

Array polyadd_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  require_vector("polyadd", a, "a1");
  require_vector("polyadd", b, "a2");
  auto [x, y] = promoted(a, b, false);
  auto [padded_x, padded_y] = aligned(x, y);
  return add(padded_x, padded_y);
}

Array polysub_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  require_vector("polysub", a, "a1");
  require_vector("polysub", b, "a2");
  auto [x, y] = promoted(a, b, false);
  auto [padded_x, padded_y] = aligned(x, y);
  return subtract(padded_x, padded_y);
}

Array polymul_function::operator()(const Array& a, const Array& b, PolyTrimOptions options, Loc loc) const {
  CallSite site(loc);
  require_vector("polymul", a, "a1");
  require_vector("polymul", b, "a2");
  auto [x, y] = promoted(a, b, true);
  if (options.trim_leading_zeros && (x.size() > 1 || y.size() > 1)) {
    x = trim_leading("polymul", x, 0.0);
    y = trim_leading("polymul", y, 0.0);
  }
  return convolve(x, y, "full");
}

PolydivResult polydiv_function::operator()(const Array& u, const Array& v, PolyTrimOptions options, Loc loc) const {
  CallSite site(loc);
  require_vector("polydiv", u, "u");
  require_vector("polydiv", v, "v");
  if (v.size() == 0) throw ValueError("polydiv", "the divisor is empty");
  auto [rest, divisor] = promoted(u, v, true);
  const std::int64_t m = rest.size() - 1, n = divisor.size() - 1;
  // Long division: each step removes the leading term of what is left.
  const Array scale = divide(Array(1.0), divisor(0));
  Array quotient = zeros({std::max<std::int64_t>(m - n + 1, 1)}, rest.dtype());
  for (std::int64_t k = 0; k <= m - n; ++k) {
    const Array d = multiply(scale, rest(k));
    quotient = quotient.at(k).set(d);
    rest = rest.at(Slice{k, k + n + 1}).add(negative(multiply(d, divisor)));
  }
  if (options.trim_leading_zeros) {
    rest = trim_leading("polydiv", rest, std::sqrt(ops::float_info(rest.dtype()).eps));
  }
  return {quotient, rest};
}

Array polyder_function::operator()(const Array& p, int m, Loc loc) const {
  CallSite site(loc);
  require_vector("polyder", p, "p");
  if (m < 0) throw ValueError("polyder", fmt::format("the order of the derivative must be non-negative, got {}", m));
  const Array coefficients = ops::to_inexact(p);
  const std::int64_t n = coefficients.size();
  if (m == 0) return coefficients;
  if (m >= n) return zeros({0}, coefficients.dtype());
  // The coefficient of x^j (j = n - 1 - i) becomes j (j - 1) ... (j - m + 1) times itself.
  std::vector<double> factors;
  for (std::int64_t i = 0; i < n - m; ++i) {
    const std::int64_t exponent = n - 1 - i;
    double f = 1;
    for (int j = 0; j < m; ++j) f *= static_cast<double>(exponent - j);
    factors.push_back(f);
  }
  return multiply(coefficients(Slice{0, n - m}), array(factors, coefficients.dtype()));
}

Array polyint_function::operator()(const Array& p, int m, std::optional<Array> k, Loc loc) const {
  CallSite site(loc);
  require_vector("polyint", p, "p");
  if (m < 0) throw ValueError("polyint", fmt::format("the order of integration must be non-negative, got {}", m));
  Array result = ops::to_inexact(p);
  if (m == 0) return result;
  Array constants = k ? astype(*k, result.dtype()) : zeros({m}, result.dtype());
  if (constants.ndim() == 0) constants = broadcast_to(constants, {m});
  if (constants.ndim() != 1 || constants.size() != m) {
    throw ValueError(
        "polyint", fmt::format("k must be a scalar or have m = {} entries, got {}", m, constants.shape().to_string()));
  }
  for (int i = 0; i < m; ++i) {
    // x^j integrates to x^(j+1) / (j + 1); the constant of this integration ends the coefficients.
    const std::int64_t n = result.size();
    std::vector<double> divisors;
    for (std::int64_t j = n; j >= 1; --j) divisors.push_back(static_cast<double>(j));
    result = concatenate({divide(result, array(divisors, result.dtype())), constants(Slice{i, i + 1})}, 0);
  }
  return result;
}

Array polyfit_function::operator()(const Array& x, const Array& y, int deg, PolyfitOptions options, Loc loc) const {
  CallSite site(loc);
  if (deg < 0) throw ValueError("polyfit", fmt::format("the degree must be non-negative, got {}", deg));
  require_vector("polyfit", x, "x");
  if (y.ndim() < 1 || y.ndim() > 2 || y.shape()[0] != x.size()) {
    throw ShapeError("polyfit",
                     fmt::format("y of shape {} for x of shape {}", y.shape().to_string(), x.shape().to_string()));
  }
  auto [points, values] = promoted(x, y, true);
  // Vandermonde system, weighted, with columns scaled to unit norm for a better condition number.
  Array lhs = vander(points, deg + 1);
  Array rhs = values;
  if (options.w) {
    const Array w = ops::to_inexact(*options.w);
    if (w.ndim() != 1 || w.size() != x.size()) throw ShapeError("polyfit", "w must be 1-D with one weight per point");
    lhs = multiply(lhs, expand_dims(w, 1));
    rhs = rhs.ndim() == 2 ? multiply(rhs, expand_dims(w, 1)) : multiply(rhs, w);
  }
  const Array scale = sqrt(sum(multiply(lhs, lhs), 0));
  lhs = divide(lhs, expand_dims(scale, 0));
  const Array c = linalg::lstsq(lhs, rhs, {.rcond = options.rcond}).x;
  return c.ndim() > 1 ? divide(c, expand_dims(scale, 1)) : divide(c, scale);
}

Array poly_function::operator()(const Array& seq_of_zeros, Loc loc) const {
  CallSite site(loc);
  Array zeros_of = seq_of_zeros.ndim() == 0 ? reshape(seq_of_zeros, {1}) : seq_of_zeros;
  if (zeros_of.ndim() == 2) {
    if (zeros_of.shape()[0] != zeros_of.shape()[1]) {
      throw ShapeError("poly", fmt::format("a matrix argument must be square, got {}", zeros_of.shape().to_string()));
    }
    zeros_of = linalg::eigvals(zeros_of);  // complex, as JAX returns it
  } else if (zeros_of.ndim() != 1) {
    throw ShapeError(
        "poly", fmt::format("needs a 1-D array of roots or a square matrix, got {}", zeros_of.shape().to_string()));
  }
  zeros_of = ops::to_inexact(zeros_of);
  Array coefficients = ones({1}, zeros_of.dtype());
  for (std::int64_t i = 0; i < zeros_of.size(); ++i) {
    coefficients = convolve(coefficients, stack({ones({}, zeros_of.dtype()), negative(zeros_of(i))}), "full");
  }
  return coefficients;
}

Array roots_function::operator()(const Array& p, RootsOptions options, Loc loc) const {
  CallSite site(loc);
  require_vector("roots", p, "p");
  const Array coefficients = ops::to_inexact(p);
  const DType complex_type = is_complex(coefficients.dtype())         ? coefficients.dtype()
                             : coefficients.dtype() == DType::float64 ? DType::complex128
                                                                      : DType::complex64;
  if (coefficients.size() < 2) return zeros({0}, complex_type);
  auto companion_roots = [&](const Array& q) {
    // The companion matrix: ones below the diagonal, -q[1:] / q[0] on the first row.
    const std::int64_t n = q.size() - 1;
    if (n < 1) return zeros({0}, complex_type);
    Array companion = diag(ones({n - 1}, q.dtype()), -1);
    companion = companion.at(0).set(divide(negative(q(Slice{1, std::nullopt})), q(0)));
    return astype(linalg::eigvals(companion), complex_type);
  };
  if (options.strip_zeros) {
    if (coefficients.is_tracer()) {
      throw ConcretizationError("roots",
                                "strip_zeros reads the coefficients, which are traced here; pass "
                                "{.strip_zeros = false} under jit (leading zeros then give NaN roots)");
    }
    const auto values = astype(abs(coefficients), DType::float64).to_vector<double>();
    std::int64_t leading = 0, trailing = 0;
    const auto n = static_cast<std::int64_t>(values.size());
    while (leading < n && values[static_cast<std::size_t>(leading)] == 0) ++leading;
    if (leading == n) return zeros({0}, complex_type);
    while (values[static_cast<std::size_t>(n - 1 - trailing)] == 0) ++trailing;
    // Trailing zeros are roots at 0 (NumPy appends them).
    const Array found_roots = companion_roots(coefficients(Slice{leading, n - trailing}));
    return concatenate({found_roots, zeros({trailing}, complex_type)}, 0);
  }
  // Traced form: leading zeros rolled to the end; the roots they would add are NaN (as JAX).
  const Array is_zero = equal(coefficients, zeros({}, coefficients.dtype()));
  const Array leading = where(all(is_zero), Array(coefficients.size()), argmin(is_zero));
  const Array safe = where(all(is_zero), ones_like(coefficients), coefficients);
  const std::int64_t n = coefficients.size();
  // roll by -leading: element i comes from (i + leading) mod n.
  const Array source = remainder(add(arange(n, default_int_dtype()), astype(leading, default_int_dtype())), Array(n));
  const Array rolled = take(safe, source);
  const Array found_roots = companion_roots(rolled);
  // Zero roots (from the rolled-in zeros) last, then those beyond n - 1 - leading replaced by NaN.
  const std::vector<Array> ordered = lax::sort({astype(equal(found_roots, zeros({}, complex_type)), DType::int32),
                                                lax::broadcasted_iota(DType::int32, found_roots.shape(), 0)},
                                               0, 2);
  const Array sorted_roots = take(found_roots, ordered[1]);
  const Array keep =
      less(arange(n - 1, default_int_dtype()), subtract(Array(n - 1), astype(leading, default_int_dtype())));
  const double not_a_number = std::numeric_limits<double>::quiet_NaN();
  return where(
      keep, sorted_roots,
      lax::complex(array(not_a_number, real(sorted_roots).dtype()), array(not_a_number, real(sorted_roots).dtype())));
}

}  // namespace jx::numpy
