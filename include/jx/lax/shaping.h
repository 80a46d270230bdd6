// jx/lax/shaping.h — jax.lax's conveniences for building, broadcasting, joining and indexing arrays
// along one axis: broadcast, broadcast_like, broadcast_to_rank, broadcast_shapes, collapse, full,
// full_like, empty, tile, stack, unstack, split, index_in_dim and its dynamic forms, index_take.
//
//   namespace lax = jx::lax;
//   auto b = lax::broadcast(x, {2, 3});                   // shape (2, 3, *x.shape)
//   auto row = lax::index_in_dim(m, 1, 0, false);         // m[1]
//   auto win = lax::dynamic_slice_in_dim(x, i, 3, 0);     // x[i:i + 3], i traced, clamped to fit
//   auto parts = lax::split(x, {2, 3}, 0);                // sizes 2 and 3 along axis 0
//
// They are compositions of the primitives in jx/lax.h, so they run eagerly and under jit, vmap and
// grad. As in JAX, shapes, sizes and axes are static; only the dynamic_* indices may be traced, and
// those wrap once when negative, then clamp so that the window fits (static indices out of range are
// an IndexError, since they can be checked).
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"  // detail::KeywordsOnly

namespace jx::lax {

using Loc = std::source_location;

// x with new leading axes of `sizes`: shape (*sizes, *x.shape).
inline constexpr struct broadcast_function {
  Array operator()(const Array& x, const Shape& sizes, Loc loc = Loc::current()) const;
} broadcast{};
// x broadcast (NumPy's right-aligned rule) to like's shape.
inline constexpr struct broadcast_like_function {
  Array operator()(const Array& x, const Array& like, Loc loc = Loc::current()) const;
} broadcast_like{};
// x with leading axes of size 1 added up to `rank` (x itself when it has that rank already).
inline constexpr struct broadcast_to_rank_function {
  Array operator()(const Array& x, int rank, Loc loc = Loc::current()) const;
} broadcast_to_rank{};
// The shape NumPy broadcasting gives the shapes (ShapeError when they are incompatible).
inline constexpr struct broadcast_shapes_function {
  Shape operator()(const std::vector<Shape>& shapes, Loc loc = Loc::current()) const;
  Shape operator()(const Shape& a, const Shape& b, Loc loc = Loc::current()) const {
    return (*this)(std::vector<Shape>{a, b}, loc);
  }
} broadcast_shapes{};
// Axes [start, stop) merged into one, row-major; start and stop read as Python's slice bounds
// (negative from the end, clamped), stop absent meaning through the last axis.
inline constexpr struct collapse_function {
  Array operator()(const Array& x, int start_dimension, std::optional<int> stop_dimension = std::nullopt,
                   Loc loc = Loc::current()) const;
} collapse{};

// An array of `shape` filled with the scalar fill_value, converted to dtype when given. Without a dtype
// the result keeps fill_value's type, weakly typed when it is (lax.full(shape, 1.0) is weak float32).
inline constexpr struct full_function {
  Array operator()(const Shape& shape, const Array& fill_value, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} full{};
// full with x's shape (or `shape`) and dtype (or `dtype`); weakly typed when x is and no dtype is given.
inline constexpr struct full_like_function {
  Array operator()(const Array& x, const Array& fill_value, std::optional<DType> dtype = std::nullopt,
                   std::optional<Shape> shape = std::nullopt, Loc loc = Loc::current()) const;
} full_like{};
// An array whose values are unspecified: jx's are zeros (XLA's CPU backend does the same).
inline constexpr struct empty_function {
  Array operator()(const Shape& shape, DType dtype, Loc loc = Loc::current()) const;
} empty{};

// x repeated reps[d] times along each axis d; one rep per axis (unlike jnp.tile, which pads reps).
inline constexpr struct tile_function {
  Array operator()(const Array& x, const std::vector<std::int64_t>& reps, Loc loc = Loc::current()) const;
} tile{};
// Arrays of one shape and dtype joined along a new axis (negative: counted in the result's rank).
inline constexpr struct stack_function {
  Array operator()(const std::vector<Array>& operands, int axis = 0, Loc loc = Loc::current()) const;
} stack{};
// The slices of x along `axis`, that axis removed: the inverse of stack.
inline constexpr struct unstack_function {
  std::vector<Array> operator()(const Array& x, int axis = 0, Loc loc = Loc::current()) const;
} unstack{};
// Consecutive pieces of x along `axis` with the given sizes, which must add up to the axis length.
inline constexpr struct split_function {
  std::vector<Array> operator()(const Array& x, const std::vector<std::int64_t>& sizes, int axis = 0,
                                Loc loc = Loc::current()) const;
} split{};

// x[..., index, ...] on `axis` for a static index (negative from the end); keepdims keeps the axis
// with length 1. An index out of range is an IndexError.
inline constexpr struct index_in_dim_function {
  Array operator()(const Array& x, std::int64_t index, int axis = 0, bool keepdims = true,
                   Loc loc = Loc::current()) const;
} index_in_dim{};

struct DynamicIndexOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // Negative indices count from the end (they are wrapped once); without this they are clamped to 0.
  bool allow_negative_indices = true;
};
// x[..., start:start + slice_size, ...] on `axis`, start an integer scalar that may be traced; the
// window is clamped to fit, as lax.dynamic_slice does.
inline constexpr struct dynamic_slice_in_dim_function {
  Array operator()(const Array& x, const Array& start_index, std::int64_t slice_size, int axis = 0,
                   DynamicIndexOptions options = {}, Loc loc = Loc::current()) const;
} dynamic_slice_in_dim{};
// dynamic_slice_in_dim of size 1, the axis dropped unless keepdims.
inline constexpr struct dynamic_index_in_dim_function {
  Array operator()(const Array& x, const Array& index, int axis = 0, bool keepdims = true,
                   DynamicIndexOptions options = {}, Loc loc = Loc::current()) const;
} dynamic_index_in_dim{};
// x with `update` written at start_index along `axis` (at 0 along the others), clamped to fit.
inline constexpr struct dynamic_update_slice_in_dim_function {
  Array operator()(const Array& x, const Array& update, const Array& start_index, int axis,
                   DynamicIndexOptions options = {}, Loc loc = Loc::current()) const;
} dynamic_update_slice_in_dim{};
// The same for one index; update may lack the axis (rank one less than x).
inline constexpr struct dynamic_update_index_in_dim_function {
  Array operator()(const Array& x, const Array& update, const Array& index, int axis, DynamicIndexOptions options = {},
                   Loc loc = Loc::current()) const;
} dynamic_update_index_in_dim{};

// src[idxs[0][i], idxs[1][i], ...] on the listed axes (one integer index array, all of one shape, per
// axis; indices wrap modulo the axis length, as Python's %): the result's leading axes are the
// indices' shape, then src's remaining axes in order.
inline constexpr struct index_take_function {
  Array operator()(const Array& src, const std::vector<Array>& idxs, const std::vector<int>& axes,
                   Loc loc = Loc::current()) const;
} index_take{};

}  // namespace jx::lax
