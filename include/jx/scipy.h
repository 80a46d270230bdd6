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

Array erf(const Array& x, Loc loc = Loc::current());
Array erfc(const Array& x, Loc loc = Loc::current());
Array erfinv(const Array& x, Loc loc = Loc::current());
Array expit(const Array& x, Loc loc = Loc::current());
Array logit(const Array& x, Loc loc = Loc::current());
Array gammaln(const Array& x, Loc loc = Loc::current());
Array logsumexp(const Array& x, numpy::ReduceOptions options = {}, Loc loc = Loc::current());
Array logsumexp(const Array& x, int axis, Loc loc = Loc::current());

}  // namespace jx::scipy::special
