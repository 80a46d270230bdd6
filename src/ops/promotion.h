// src/ops/promotion.h — what jx::numpy does before binding primitives: JAX's type promotion and
// NumPy's broadcasting, plus axis normalization.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/shape.h"

namespace jx::ops {

// The promoted type of all operands (JAX's jnp.result_type, weak types included).
PromotionType result_type(std::span<const Array> operands);
// x converted to the dtype and weak flag of `type` (x itself if it already has them).
Array convert_to(const Array& x, PromotionType type);
// A weakly typed scalar of x's dtype (so that it never changes x's type in arithmetic), and the same
// value broadcast to x's shape.
Array constant_like(const Array& x, double value);
Array filled_like(const Array& x, double value);
// ints and bools become the default float type (jnp's promote_args_inexact); floats stay.
Array to_inexact(const Array& x);
PromotionType inexact_type(PromotionType type);

// NumPy broadcasting of two shapes; ShapeError naming `op` if incompatible.
Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b);
// x broadcast (right-aligned) to `shape` with broadcast_in_dim; x itself if the shapes are equal.
Array broadcast_to_shape(const Array& x, const Shape& shape);

// Applies config::numpy_rank_promotion to operands of different non-zero ranks meeting in `op`.
void check_rank_promotion(std::string_view op, const Shape& a, const Shape& b);
// Promotes both operands to their common type and broadcasts non-scalars to a common shape
// (scalars stay rank 0: the elementwise primitives accept them as is).
std::pair<Array, Array> promote_and_broadcast(std::string_view op, const Array& a, const Array& b);

// An axis in [0, ndim); negative axes count from the end. ShapeError naming `op` if out of range.
int normalize_axis(std::string_view op, int axis, int ndim);
// Sorted, unique, normalized axes; all axes when `axes` is absent.
std::vector<int> normalize_axes(std::string_view op, const std::optional<Axes>& axes, int ndim);

}  // namespace jx::ops
