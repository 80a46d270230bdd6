// Numerics the optimizers, schedules and losses share.
#pragma once

#include <cmath>
#include <limits>
#include <span>

#include "jx/core/array.h"
#include "jx/lax.h"
#include "jx/numpy.h"

namespace jx::optim::detail {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

// |x|^2 elementwise, real for complex x (Optax's numerics.abs_sq).
inline Array abs_sq(const Array& x) { return is_complex(x.dtype()) ? numpy::real(numpy::conj(x) * x) : x * x; }

// x ** exponent for a Python-number exponent: integer_pow where the exponent is a small integer (exact,
// and differentiable at x = 0, as JAX's x ** 2 is), jnp.power otherwise.
inline Array power(const Array& x, double exponent) {
  if (exponent == std::floor(exponent) && std::abs(exponent) <= 64)
    return lax::integer_pow(x, static_cast<int>(exponent));
  return numpy::power(x, Array(exponent));
}

}  // namespace jx::optim::detail
