// jx/scipy.h — jx::scipy::special (jax.scipy.special).
//
//   auto y = jx::scipy::special::erf(x);
//   auto z = jx::scipy::special::erfinv(y);      // float32 uses XLA's polynomial, as JAX
//   auto h = jx::scipy::special::entr(p);        // -p log p, 0 at p = 0
//   auto l = jx::scipy::special::log_ndtr(x);    // log Phi(x), finite far into the lower tail
#pragma once

#include <optional>
#include <source_location>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::scipy::special {

using Loc = std::source_location;

inline constexpr struct erf_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } erf{};
inline constexpr struct erfc_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } erfc{};
inline constexpr struct erfinv_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } erfinv{};
inline constexpr struct expit_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } expit{};
inline constexpr struct logit_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } logit{};
inline constexpr struct gammaln_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} gammaln{};
inline constexpr struct logsumexp_function {
  Array operator()(const Array& x, numpy::ReduceOptions options = {}, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const;
} logsumexp{};

// --- Information theory (the 0 log 0 = 0 convention, with JAX's derivatives) ---------------------------
// x log(y), 0 where x = 0 (even for y = 0).
inline constexpr struct xlogy_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} xlogy{};
// x log(1 + y), 0 where x = 0.
inline constexpr struct xlog1py_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} xlog1py{};
// -x log(x) for x > 0, 0 at 0, -inf below.
inline constexpr struct entr_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } entr{};
// p log(p / q) for p, q > 0; 0 where p = 0 and q >= 0; inf otherwise.
inline constexpr struct rel_entr_function {
  Array operator()(const Array& p, const Array& q, Loc loc = Loc::current()) const;
} rel_entr{};
// p log(p / q) - p + q for p, q > 0; q where p = 0 and q >= 0; inf otherwise.
inline constexpr struct kl_div_function {
  Array operator()(const Array& p, const Array& q, Loc loc = Loc::current()) const;
} kl_div{};

// --- The normal distribution ------------------------------------------------------------------------------
// The standard normal CDF, accurate in both tails (erf near 0, erfc beyond).
inline constexpr struct ndtr_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } ndtr{};
// log(ndtr(x)), finite far into the lower tail (an asymptotic series below -20, or -10 in float32), with
// JAX's derivative, which stays finite there too.
inline constexpr struct log_ndtr_function {
  Array operator()(const Array& x, int series_order = 3, Loc loc = Loc::current()) const;
} log_ndtr{};

// --- Gamma and beta functions ----------------------------------------------------------------------------
// psi(x) = d/dx log Gamma(x); NaN at the poles (0, -1, -2, ...).
inline constexpr struct digamma_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} digamma{};
// The sign of Gamma(x): -1 or 1 (-1 at -0), NaN at negative integers and NaN.
inline constexpr struct gammasgn_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} gammasgn{};
inline constexpr struct gamma_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } gamma{};
// log Gamma(x) for x > 0 (NaN for x <= 0, as scipy.special.loggamma on real input).
inline constexpr struct loggamma_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} loggamma{};
// log|B(a, b)|, to double precision also for large arguments (Stirling's series for max(a, b) >= 8).
inline constexpr struct betaln_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} betaln{};
inline constexpr struct beta_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} beta{};
// n! = Gamma(n + 1) (floating point; 0 for n < 0). exact = true is not supported, as in JAX.
inline constexpr struct factorial_function {
  Array operator()(const Array& n, bool exact = false, Loc loc = Loc::current()) const;
} factorial{};
struct CombOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool repetition = false;
};
// N choose k (floating point); 0 outside 0 <= k <= N.
inline constexpr struct comb_function {
  Array operator()(const Array& n, const Array& k, CombOptions options = {}, Loc loc = Loc::current()) const;
} comb{};
// The rising factorial Gamma(z + m) / Gamma(z).
inline constexpr struct poch_function {
  Array operator()(const Array& z, const Array& m, Loc loc = Loc::current()) const;
} poch{};
// log of the multivariate gamma function of dimension d.
inline constexpr struct multigammaln_function {
  Array operator()(const Array& a, int d, Loc loc = Loc::current()) const;
} multigammaln{};

// --- Transforms -----------------------------------------------------------------------------------------
// (x^lambda - 1) / lambda, log(x) at lambda = 0; boxcox1p the same of 1 + x.
inline constexpr struct boxcox_function {
  Array operator()(const Array& x, const Array& lmbda, Loc loc = Loc::current()) const;
} boxcox{};
inline constexpr struct boxcox1p_function {
  Array operator()(const Array& x, const Array& lmbda, Loc loc = Loc::current()) const;
} boxcox1p{};
// scipy.special.softmax and log_softmax: over options.axis, all axes by default (jax.nn's take the last).
struct SoftmaxOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<Axes> axis = std::nullopt;
};
inline constexpr struct softmax_function {
  Array operator()(const Array& x, SoftmaxOptions options = {}, Loc loc = Loc::current()) const;
} softmax{};
inline constexpr struct log_softmax_function {
  Array operator()(const Array& x, SoftmaxOptions options = {}, Loc loc = Loc::current()) const;
} log_softmax{};

}  // namespace jx::scipy::special

#include "jx/scipy/special_functions.h"
#include "jx/scipy/special_integrals.h"
#include "jx/scipy/stats.h"
