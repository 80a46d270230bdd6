// The checks, axes and masked reductions Optax's losses share (optim/losses_common.h).
#include "optim/losses_common.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <span>
#include <string>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "optim/numerics.h"

namespace jx::optim::detail {

namespace jnp = jx::numpy;

namespace {

using detail::kInfinity;

std::string loss_name(std::string_view loss) { return fmt::format("optim::{}", loss); }

bool any_axis_empty(const Array& x, const std::vector<int>& axes) {
  return std::any_of(axes.begin(), axes.end(), [&](int axis) { return x.shape()[axis] == 0; });
}

}  // namespace

void require_floating(std::string_view loss, std::string_view argument, const Array& x) {
  if (!is_floating(x.dtype())) {
    throw DTypeError(loss_name(loss), fmt::format("{} must be floating-point, but its dtype is {} (shape {})", argument,
                                                  dtype_name(x.dtype()), x.shape().to_string()));
  }
}

void require_integer(std::string_view loss, std::string_view argument, const Array& x) {
  if (!is_integer(x.dtype())) {
    throw DTypeError(loss_name(loss), fmt::format("{} must be integers, but its dtype is {} (shape {})", argument,
                                                  dtype_name(x.dtype()), x.shape().to_string()));
  }
}

void require_same_shape(std::string_view loss, std::string_view a_name, const Array& a, std::string_view b_name,
                        const Array& b) {
  if (a.shape() != b.shape()) {
    throw ShapeError(loss_name(loss), fmt::format("{} and {} must have the same shape, but they are {} and {}", a_name,
                                                  b_name, a.shape().to_string(), b.shape().to_string()));
  }
}

void require_rank(std::string_view loss, std::string_view argument, const Array& x, int rank) {
  if (x.ndim() != rank) {
    throw ShapeError(loss_name(loss), fmt::format("{} must be {}-dimensional, but its shape is {}", argument, rank,
                                                  x.shape().to_string()));
  }
}

std::vector<int> normalized_axes_in_given_order(std::string_view loss, const Axes& axis, int ndim) {
  std::vector<int> axes;
  for (int a : axis) {
    if (a < -ndim || a >= ndim) {
      throw ShapeError(loss_name(loss), fmt::format("axis {} is out of bounds for an array of rank {}", a, ndim));
    }
    const int normalized = a < 0 ? a + ndim : a;
    if (std::find(axes.begin(), axes.end(), normalized) != axes.end())
      throw ShapeError(loss_name(loss), fmt::format("axis {} is repeated", a));
    axes.push_back(normalized);
  }
  return axes;
}

std::vector<int> normalized_axes(std::string_view loss, const std::optional<Axes>& axis, int ndim) {
  std::vector<int> axes;
  if (!axis) {
    for (int d = 0; d < ndim; ++d) axes.push_back(d);
    return axes;
  }
  axes = normalized_axes_in_given_order(loss, *axis, ndim);
  std::sort(axes.begin(), axes.end());
  return axes;
}

Axes as_axes(const std::vector<int>& axes) { return Axes(std::span<const int>(axes.data(), axes.size())); }

Array mask_of(std::string_view loss, const Array& where, const Shape& shape) {
  if (where.dtype() != DType::bool_) {
    throw DTypeError(loss_name(loss),
                     fmt::format("where must be a bool mask, but its dtype is {}", dtype_name(where.dtype())));
  }
  // NumPy's broadcasting, one way only: the mask may not enlarge what it masks.
  bool broadcasts = where.ndim() <= shape.ndim();
  for (int i = 1; broadcasts && i <= where.ndim(); ++i) {
    const std::int64_t dim = where.shape()[where.ndim() - i];
    broadcasts = dim == 1 || dim == shape[shape.ndim() - i];
  }
  if (!broadcasts) {
    throw ShapeError(loss_name(loss), fmt::format("where of shape {} does not broadcast to the shape {} it masks",
                                                  where.shape().to_string(), shape.to_string()));
  }
  return where.shape() == shape ? where : jnp::broadcast_to(where, shape);
}

Array expand_mask(std::string_view loss, const Array& where, const std::optional<Axes>& axis, int ndim) {
  if (where.ndim() == ndim) return where;
  if (!axis) {
    throw ShapeError(loss_name(loss), fmt::format("where of shape {} needs an axis to gain dimensions along",
                                                  where.shape().to_string()));
  }
  // As jnp.expand_dims: the axes index the result, of where.ndim() + (number of axes) dimensions.
  const int expanded_ndim = where.ndim() + axis->size();
  const std::vector<int> inserted = normalized_axes(loss, axis, expanded_ndim);
  Shape shape;
  int next = 0;
  for (int d = 0; d < expanded_ndim; ++d) {
    const bool is_inserted = std::find(inserted.begin(), inserted.end(), d) != inserted.end();
    shape.push_back(is_inserted ? 1 : where.shape()[next++]);
  }
  return jnp::reshape(where, shape);
}

Array masked_sum(std::string_view loss, const Array& x, const std::vector<int>& axes, const std::optional<Array>& where,
                 bool keepdims) {
  const Array kept = where ? jnp::where(mask_of(loss, *where, x.shape()), x, 0) : x;
  return jnp::sum(kept, {.axis = as_axes(axes), .keepdims = keepdims});
}

Array masked_log_softmax(std::string_view loss, const Array& x, const std::vector<int>& axes,
                         const std::optional<Array>& where) {
  if (any_axis_empty(x, axes)) return x;  // nothing to normalize (and no maximum to shift by)
  const std::optional<Array> mask = where ? std::optional(mask_of(loss, *where, x.shape())) : std::nullopt;
  // Masked elements are -inf, so that they neither set the maximum nor add to the normalizer.
  const Array included = mask ? jnp::where(*mask, x, -kInfinity) : x;
  const Array maximum = jnp::max(included, {.axis = as_axes(axes), .keepdims = true});
  const Array shifted = included - lax::stop_gradient(maximum);
  const Array result = shifted - jnp::log(masked_sum(loss, jnp::exp(shifted), axes, mask, /*keepdims=*/true));
  return mask ? jnp::where(*mask, result, -kInfinity) : result;
}

Array masked_logsumexp(std::string_view loss, const Array& x, const std::vector<int>& axes,
                       const std::optional<Array>& where) {
  const std::optional<Array> mask = where ? std::optional(mask_of(loss, *where, x.shape())) : std::nullopt;
  if (any_axis_empty(x, axes)) return jnp::log(masked_sum(loss, jnp::exp(x), axes, mask));  // log 0 = -inf
  const Array included = mask ? jnp::where(*mask, x, -kInfinity) : x;
  Array maximum = jnp::max(included, {.axis = as_axes(axes), .keepdims = true});
  // An infinite maximum would make inf - inf = NaN of the shift; shifting by 0 there gives the
  // infinity (or -inf for a row with nothing in it) instead.
  maximum = lax::stop_gradient(jnp::where(jnp::isfinite(maximum), maximum, 0));
  const Array summed = masked_sum(loss, jnp::exp(x - maximum), axes, mask, /*keepdims=*/true);
  return lax::squeeze(jnp::log(summed) + maximum, axes);
}

}  // namespace jx::optim::detail
