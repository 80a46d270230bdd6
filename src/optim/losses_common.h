// What Optax's losses (jx/optim/losses.h) share: the input checks Optax makes (raised as jx's error
// types, naming the loss), axes given as Optax gives them (an int, a tuple, or None for all), and the
// reductions with a `where` mask that JAX's own take (jnp.sum(where=), jax.nn.log_softmax(where=)),
// which jx::numpy's reductions do not.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/shape.h"

namespace jx::optim::detail {

// DTypeError unless x is floating (Optax's check_subdtype(x, jnp.floating)); `argument` names it.
void require_floating(std::string_view loss, std::string_view argument, const Array& x);
// DTypeError unless x holds integers (Optax's check_subdtype(x, jnp.integer)).
void require_integer(std::string_view loss, std::string_view argument, const Array& x);
// ShapeError unless a and b have the same shape (Optax's check_shapes_equal).
void require_same_shape(std::string_view loss, std::string_view a_name, const Array& a, std::string_view b_name,
                        const Array& b);
// ShapeError unless x has `rank` dimensions (Optax's check_rank).
void require_rank(std::string_view loss, std::string_view argument, const Array& x, int rank);

// The axes as non-negative indices into `ndim` dimensions, ascending; all of them for std::nullopt.
// ShapeError for an axis out of range or repeated.
std::vector<int> normalized_axes(std::string_view loss, const std::optional<Axes>& axis, int ndim);
// The same in the order given (where the order matters: how several class axes are flattened).
std::vector<int> normalized_axes_in_given_order(std::string_view loss, const Axes& axis, int ndim);
Axes as_axes(const std::vector<int>& axes);

// `where` checked to be bool and to broadcast to `shape` (DTypeError, ShapeError), broadcast to it.
Array mask_of(std::string_view loss, const Array& where, const Shape& shape);
// where with the given axes inserted as size-1 dimensions when it has fewer dimensions than `ndim`
// (jnp.expand_dims(where, axis), as Optax applies it to per-example masks), else where itself.
Array expand_mask(std::string_view loss, const Array& where, const std::optional<Axes>& axis, int ndim);

// jnp.sum(x, axes, where=where, keepdims=keepdims): elements outside the mask count as 0.
Array masked_sum(std::string_view loss, const Array& x, const std::vector<int>& axes, const std::optional<Array>& where,
                 bool keepdims = false);
// jax.nn.log_softmax(x, axes, where): the maximum is shifted out (without gradient), masked elements
// are left out of the normalizer and come out as -inf.
Array masked_log_softmax(std::string_view loss, const Array& x, const std::vector<int>& axes,
                         const std::optional<Array>& where);
// jax.nn.logsumexp(x, axes, where=where), the reduced axes removed: the maximum is shifted out unless
// it is infinite (then the result is that infinity, or -inf where every element is masked).
Array masked_logsumexp(std::string_view loss, const Array& x, const std::vector<int>& axes,
                       const std::optional<Array>& where);

}  // namespace jx::optim::detail
