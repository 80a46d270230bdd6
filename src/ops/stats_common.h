// src/ops/stats_common.h — what jx::scipy::stats's distributions share: promoting their arguments to one
// float type, and standardizing a location-scale family.
#pragma once

#include <array>
#include <limits>
#include <numbers>

#include "jx/core/array.h"
#include "jx/numpy.h"
#include "ops/promotion.h"

namespace jx::scipy::stats::internal {

namespace jnp = jx::numpy;

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kPi = std::numbers::pi;

// The arguments promoted together to their common float type (JAX's promote_args_inexact).
template <class... A>
inline auto floats(const A&... arrays) {
  const Array all[] = {arrays...};
  const PromotionType type = ops::inexact_type(ops::result_type(all));
  return std::array<Array, sizeof...(A)>{ops::convert_to(arrays, {type.dtype, false})...};
}

// (x - loc) / scale, and log(scale), for a location-scale family.
struct Standardized {
  Array z, log_scale, scale;
};
inline Standardized standardize(const Array& x, const Array& location, const Array& scale) {
  auto [xs, ls, ss] = floats(x, location, scale);
  return {jnp::divide(jnp::subtract(xs, ls), ss), jnp::log(ss), ss};
}

// log f(z) - log scale for a location-scale density.
inline Array scaled_log_density(const Array& log_density_of_z, const Standardized& s) {
  return jnp::subtract(log_density_of_z, s.log_scale);
}

inline Array loc_scale_quantile(const Array& standard_quantile, const Array& location, const Array& scale) {
  auto [q, l, s] = floats(standard_quantile, location, scale);
  return jnp::add(jnp::multiply(q, s), l);
}

}  // namespace jx::scipy::stats::internal
