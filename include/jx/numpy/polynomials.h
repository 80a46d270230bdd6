// jx/numpy/polynomials.h — jax.numpy's polynomial functions. A polynomial is a 1-D array of coefficients,
// the highest power first (NumPy's poly1d convention): p[0] x^n + ... + p[n].
//
//   namespace jnp = jx::numpy;
//   auto p = jnp::polyfit(x, y, 2);                 // least-squares quadratic
//   auto fitted = jnp::polyval(p, x);
//   auto r = jnp::roots(jnp::array({1.0f, -3.0f, 2.0f}));   // complex roots 2, 1
//   auto [q, rest] = jnp::polydiv(u, v);
//
// Lengths are static, as JAX needs them: polymul and polydiv keep leading zeros unless asked to trim them
// (trimming reads the values, so only concrete arrays can be trimmed).
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::numpy {

// p evaluated at x by Horner's rule.
inline constexpr struct polyval_function {
  Array operator()(const Array& p, const Array& x, Loc loc = Loc::current()) const;
} polyval{};
// Sums and differences (the shorter one padded with leading zeros).
inline constexpr struct polyadd_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} polyadd{};
inline constexpr struct polysub_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} polysub{};
struct PolyTrimOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool trim_leading_zeros = false;  // as NumPy: concrete arrays only
};
// The product (a full convolution of the coefficients).
inline constexpr struct polymul_function {
  Array operator()(const Array& a, const Array& b, PolyTrimOptions options = {}, Loc loc = Loc::current()) const;
} polymul{};
// u = q v + r by long division; r keeps u's length (leading zeros) unless trimmed.
struct PolydivResult {
  Array quotient;
  Array remainder;
};
inline constexpr struct polydiv_function {
  PolydivResult operator()(const Array& u, const Array& v, PolyTrimOptions options = {},
                           Loc loc = Loc::current()) const;
} polydiv{};
// The m-th derivative; the m-th antiderivative with integration constants k (k[0] for the first
// integration's constant term ... as NumPy orders them; zeros when absent).
inline constexpr struct polyder_function {
  Array operator()(const Array& p, int m = 1, Loc loc = Loc::current()) const;
} polyder{};
inline constexpr struct polyint_function {
  Array operator()(const Array& p, int m = 1, std::optional<Array> k = std::nullopt, Loc loc = Loc::current()) const;
} polyint{};
struct PolyfitOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<double> rcond = std::nullopt;  // passed to linalg::lstsq
  std::optional<Array> w = std::nullopt;       // weights of the points (1 / sigma)
};
// The least-squares polynomial of degree deg through (x, y); y may hold several columns of data.
inline constexpr struct polyfit_function {
  Array operator()(const Array& x, const Array& y, int deg, PolyfitOptions options = {},
                   Loc loc = Loc::current()) const;
} polyfit{};
// The monic polynomial with the given roots, or the characteristic polynomial of a square matrix.
inline constexpr struct poly_function {
  Array operator()(const Array& seq_of_zeros, Loc loc = Loc::current()) const;
} poly{};
struct RootsOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool strip_zeros = true;  // drop leading zeros first (concrete p only); else they give NaN roots
};
// The roots (complex), as the eigenvalues of the companion matrix.
inline constexpr struct roots_function {
  Array operator()(const Array& p, RootsOptions options = {}, Loc loc = Loc::current()) const;
} roots{};

}  // namespace jx::numpy
