// jx/scipy.h — jx::scipy::special (jax.scipy.special).
//
//   auto y = jx::scipy::special::erf(x);
//   auto z = jx::scipy::special::erfinv(y);      // float32 uses XLA's polynomial, as JAX
#pragma once

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

}  // namespace jx::scipy::special
