// src/ops/bessel.h — the modified Bessel functions I_0 and I_1 (and their exponentially scaled forms),
// shared by jnp::i0 and jx::scipy::special.
#pragma once

#include "jx/core/array.h"

namespace jx::ops {

// I_order(x) for order 0 or 1, times exp(-|x|) when scaled, for a floating-point x: the power series
// (all terms positive) below a crossover, the asymptotic series above it, each with enough terms for the
// dtype; differentiable.
Array bessel_i(const Array& x, int order, bool scaled);

}  // namespace jx::ops
