// jx/scipy/special_integrals.h: the spherical harmonics, from the fully normalized associated Legendre
// functions' standard recurrences (in the degree, from the diagonal P_m^m), run up to n_max for every
// element at once.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/scipy/special_integrals.h"
#include "ops/promotion.h"
#include "ops/scipy_special_common.h"

namespace jx::scipy::special {
namespace {

namespace jnp = jx::numpy;

// N_l^m P_l^m(cos theta) with N_l^m = sqrt((2l + 1) (l - m)! / (4 pi (l + m)!)) and the Condon-Shortley
// phase, for each element's (l, m) = (degree, order), 0 <= order, both at most n_max (0 where order >
// degree). Diagonal: P_0^0 = 1 / sqrt(4 pi), P_m^m = -sqrt((2m + 1) / 2m) sin(theta) P_(m-1)^(m-1); then
// P_l^m = sqrt((4l^2 - 1) / (l^2 - m^2)) (cos(theta) P_(l-1)^m - sqrt(((l-1)^2 - m^2) / (4(l-1)^2 - 1))
// P_(l-2)^m).
Array normalized_legendre(const Array& degree, const Array& order, const Array& theta, int n_max) {
  const Array cosine = jnp::cos(theta), sine = jnp::sin(theta);
  Array diagonal = jnp::full_like(theta, 0.5 / std::sqrt(std::numbers::pi));
  for (int k = 1; k <= n_max; ++k) {
    const double factor = -std::sqrt((2.0 * k + 1.0) / (2.0 * k));
    diagonal = jnp::where(order >= static_cast<double>(k), factor * sine * diagonal, diagonal);
  }
  Array result = jnp::where(degree == order, diagonal, 0.0);
  Array previous = jnp::zeros_like(diagonal), current = diagonal;
  const Array order_squared = order * order;
  for (int l = 1; l <= n_max; ++l) {
    const double ll = l;
    const Array above = order < ll;  // this element's recurrence has started
    const Array safe = jnp::where(above, order_squared, 0.0);
    const Array grow = jnp::sqrt((4.0 * ll * ll - 1.0) / (ll * ll - safe));
    const Array shrink =
        l == 1 ? jnp::zeros_like(safe)
               : jnp::sqrt(jnp::maximum((ll - 1.0) * (ll - 1.0) - safe, 0.0) / (4.0 * (ll - 1.0) * (ll - 1.0) - 1.0));
    const Array next = grow * (cosine * current - shrink * previous);
    previous = jnp::where(above, current, previous);
    current = jnp::where(above, next, current);
    result = jnp::where(above & (degree == ll), next, result);
  }
  return result;
}

}  // namespace

Array sph_harm_y_function::operator()(const Array& n, const Array& m, const Array& theta, const Array& phi, int diff_n,
                                      std::optional<int> n_max, Loc loc) const {
  CallSite site(loc);
  if (diff_n != 0) {
    throw ValueError("sph_harm_y", fmt::format("derivatives in n (diff_n = {}) are not supported", diff_n));
  }
  if (!is_integer(n.dtype()) || !is_integer(m.dtype())) {
    throw DTypeError("sph_harm_y", fmt::format("n and m must be integer arrays, got {} and {}", dtype_name(n.dtype()),
                                               dtype_name(m.dtype())));
  }
  if (!n_max) {
    // JAX: np.max(n), which needs n's value.
    n_max = n.size() == 0 ? 0 : static_cast<int>(jnp::max(n).item<std::int64_t>());
  }
  if (*n_max < 0) throw ValueError("sph_harm_y", fmt::format("n_max must be non-negative, got {}", *n_max));
  const std::vector<Array> angles = special_detail::real_arguments("sph_harm_y", {theta, phi});
  Shape shape = angles[0].shape();
  shape = ops::broadcast_shapes("sph_harm_y", shape, n.shape());
  shape = ops::broadcast_shapes("sph_harm_y", shape, m.shape());
  const DType real = angles[0].dtype();
  const Array polar = ops::broadcast_to_shape(angles[0], shape);
  const Array azimuth = ops::broadcast_to_shape(angles[1], shape);
  // Degree and order as JAX indexes its table with them: clipped to [0, n_max].
  const double top = *n_max;
  const Array degree = jnp::clip(ops::broadcast_to_shape(n.astype(real), shape), Array(0.0), Array(top));
  const Array signed_order = ops::broadcast_to_shape(m.astype(real), shape);
  const Array magnitude = jnp::abs(signed_order);
  const Array order = jnp::minimum(magnitude, Array(top));
  const Array legendre = normalized_legendre(degree, order, polar, *n_max);
  const Array angle = magnitude * azimuth;
  const Array re = legendre * jnp::cos(angle), im = legendre * jnp::sin(angle);
  // Y_n^-m = (-1)^m conj(Y_n^m).
  const Array negative = signed_order < 0;
  const Array sign = jnp::where(negative & (jnp::fmod(magnitude, Array(2.0)) == 1.0), -1.0, 1.0);
  return lax::complex(sign * re, jnp::where(negative, -sign * im, im));
}

}  // namespace jx::scipy::special
