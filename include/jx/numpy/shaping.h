// jx/numpy/shaping.h — the rest of jax.numpy's functions that rearrange an array without computing new
// values: rolls and rotations, flips, stacking and splitting helpers, insert/delete/append, resize.
//
//   namespace jnp = jx::numpy;
//   auto r = jnp::roll(x, 1);                          // the flattened array shifted by one
//   auto q = jnp::rot90(image, 1, {0, 1});             // a quarter turn, counterclockwise
//   auto parts = jnp::array_split(jnp::arange(7), 3);   // sizes 3, 2, 2
//   auto m = jnp::block({{a, b}, {c, d}});              // a 2x2 block matrix
//
// Indices and counts are static (C++ integers), as JAX requires for functions whose result shape
// depends on them; the functions work under jit, grad and vmap.
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <string_view>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::numpy {

// The elements shifted by `shift` along `axis` (of the flattened array when absent), wrapping around;
// several axes at once with one shift each.
inline constexpr struct roll_function {
  Array operator()(const Array& x, std::int64_t shift, std::optional<int> axis = std::nullopt,
                   Loc loc = Loc::current()) const;
  Array operator()(const Array& x, const std::vector<std::int64_t>& shifts, const std::vector<int>& axes,
                   Loc loc = Loc::current()) const;
} roll{};
// `axis` moved to position `start` (NumPy's older moveaxis).
inline constexpr struct rollaxis_function {
  Array operator()(const Array& x, int axis, int start = 0, Loc loc = Loc::current()) const;
} rollaxis{};
// k quarter turns in the plane of `axes`, from the first axis toward the second.
inline constexpr struct rot90_function {
  Array operator()(const Array& x, int k = 1, std::pair<int, int> axes = {0, 1}, Loc loc = Loc::current()) const;
} rot90{};
inline constexpr struct fliplr_function {  // axis 1 reversed
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} fliplr{};
inline constexpr struct flipud_function {  // axis 0 reversed
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} flipud{};

// x itself viewed with at least 1, 2 or 3 axes: a scalar becomes [x], a vector [x] (1 x n), a matrix
// x[..., None] (n x m x 1), as NumPy pads them.
inline constexpr struct atleast_1d_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
  std::vector<Array> operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} atleast_1d{};
inline constexpr struct atleast_2d_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
  std::vector<Array> operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} atleast_2d{};
inline constexpr struct atleast_3d_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
  std::vector<Array> operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} atleast_3d{};

// 1-D arrays as columns, 2-D ones as they are, joined along axis 1 (column_stack); arrays as at least
// 3-D, joined along axis 2 (dstack).
inline constexpr struct column_stack_function {
  Array operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} column_stack{};
inline constexpr struct dstack_function {
  Array operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} dstack{};
// A matrix assembled from blocks: each inner list is joined along the last axis, then the rows along the
// one before (jnp.block with two levels of nesting; one level joins along the last axis).
inline constexpr struct block_function {
  Array operator()(const std::vector<std::vector<Array>>& rows, Loc loc = Loc::current()) const;
  Array operator()(const std::vector<Array>& blocks, Loc loc = Loc::current()) const;
} block{};

// Like split, but n sections need not divide the axis: the first size % n parts are one longer.
inline constexpr struct array_split_function {
  std::vector<Array> operator()(const Array& x, std::int64_t sections, int axis = 0, Loc loc = Loc::current()) const;
  std::vector<Array> operator()(const Array& x, const std::vector<std::int64_t>& boundaries, int axis = 0,
                                Loc loc = Loc::current()) const;
} array_split{};
// split along axis 1 (axis 0 for 1-D arrays), axis 0, and axis 2.
#define JX_NUMPY_SPLIT(name)                                                                              \
  inline constexpr struct name##_function {                                                               \
    std::vector<Array> operator()(const Array& x, std::int64_t sections, Loc loc = Loc::current()) const; \
    std::vector<Array> operator()(const Array& x, const std::vector<std::int64_t>& boundaries,            \
                                  Loc loc = Loc::current()) const;                                        \
  } name{};
JX_NUMPY_SPLIT(hsplit)
JX_NUMPY_SPLIT(vsplit)
JX_NUMPY_SPLIT(dsplit)
#undef JX_NUMPY_SPLIT
// The slices x[i] along `axis`, as a list (the inverse of stack).
inline constexpr struct unstack_function {
  std::vector<Array> operator()(const Array& x, int axis = 0, Loc loc = Loc::current()) const;
} unstack{};

// values appended after x along `axis`; both flattened when it is absent.
inline constexpr struct append_function {
  Array operator()(const Array& x, const Array& values, std::optional<int> axis = std::nullopt,
                   Loc loc = Loc::current()) const;
} append{};
// x without the entries at the given indices along `axis` (of the flattened array when absent).
// Negative indices count from the end; repeated indices are removed once.
inline constexpr struct delete_function {
  Array operator()(const Array& x, std::int64_t index, std::optional<int> axis = std::nullopt,
                   Loc loc = Loc::current()) const;
  Array operator()(const Array& x, const std::vector<std::int64_t>& positions, std::optional<int> axis = std::nullopt,
                   Loc loc = Loc::current()) const;
} delete_{};
// values inserted before position `index` along `axis` (of the flattened array when absent); values
// broadcast to the inserted slice(s). Several positions insert one value each (NumPy's sequence form).
inline constexpr struct insert_function {
  Array operator()(const Array& x, std::int64_t index, const Array& values, std::optional<int> axis = std::nullopt,
                   Loc loc = Loc::current()) const;
  Array operator()(const Array& x, const std::vector<std::int64_t>& positions, const Array& values,
                   std::optional<int> axis = std::nullopt, Loc loc = Loc::current()) const;
} insert{};
// The flattened x repeated cyclically to fill new_shape (jnp.resize).
inline constexpr struct resize_function {
  Array operator()(const Array& x, const Shape& new_shape, Loc loc = Loc::current()) const;
} resize{};
// A copy of x (jx arrays are immutable: x itself, as jnp.copy's result is indistinguishable from it).
inline constexpr struct copy_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } copy{};
// A 1-D array without its leading ('f'), trailing ('b') or both ("fb") zeros. The result's length depends
// on the values: concrete arrays only (a traced one raises ConcretizationError), as in JAX.
inline constexpr struct trim_zeros_function {
  Array operator()(const Array& x, std::string_view trim = "fb", Loc loc = Loc::current()) const;
} trim_zeros{};

}  // namespace jx::numpy
