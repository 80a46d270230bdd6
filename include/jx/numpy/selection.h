// jx/numpy/selection.h — jax.numpy's functions that find, pick and place elements: masks to indices
// (nonzero, argwhere, flatnonzero, extract, compress), selection among alternatives (where's companions
// select, choose, piecewise), writes that return a new array (place, put, put_along_axis), flat and
// multi-dimensional indices (unravel_index, ravel_multi_index), ordering (lexsort, partition, top_k,
// sort_complex), and functions applied along or over axes.
//
//   namespace jnp = jx::numpy;
//   auto idx = jnp::nonzero(mask);                          // eager: one index array per axis
//   auto first3 = jnp::flatnonzero(mask, {.size = 3, .fill_value = -1});   // static size: jit-able
//   auto y = jnp::select({x < 0, x > 1}, {-x, x * x}, 0.0f);
//   auto [values, indices] = jnp::top_k(scores, 5);
//
// Functions whose result's length depends on the values (nonzero and friends) take JAX's `size` option;
// without it they need a concrete array and raise ConcretizationError, naming the option, when traced.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <source_location>
#include <string_view>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::numpy {

struct SizeOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<std::int64_t> size = std::nullopt;  // the static length of the result (needed under jit)
  // What fills the result beyond the entries found (indices: 0; values: 0) when size is larger.
  std::optional<Array> fill_value = std::nullopt;
};

// --- Masks to indices -------------------------------------------------------------------------------

// The indices of the non-zero elements, one array per axis, in row-major order.
inline constexpr struct nonzero_function {
  std::vector<Array> operator()(const Array& x, SizeOptions options = {}, Loc loc = Loc::current()) const;
} nonzero{};
// The same as one (count, ndim) array.
inline constexpr struct argwhere_function {
  Array operator()(const Array& x, SizeOptions options = {}, Loc loc = Loc::current()) const;
} argwhere{};
// The indices of the non-zero elements of the flattened array.
inline constexpr struct flatnonzero_function {
  Array operator()(const Array& x, SizeOptions options = {}, Loc loc = Loc::current()) const;
} flatnonzero{};
// The elements of arr (flattened) where condition is non-zero.
inline constexpr struct extract_function {
  Array operator()(const Array& condition, const Array& arr, SizeOptions options = {}, Loc loc = Loc::current()) const;
} extract{};
// The slices of x along `axis` (of the flattened x when absent) where the 1-D condition is true; a
// condition shorter than the axis leaves the rest out.
inline constexpr struct compress_function {
  Array operator()(const Array& condition, const Array& x, std::optional<int> axis = std::nullopt,
                   SizeOptions options = {}, Loc loc = Loc::current()) const;
} compress{};

// --- Selection among alternatives ------------------------------------------------------------------

// choicelist[i] where condlist[i] is the first true condition, default where none is (jnp.select).
inline constexpr struct select_function {
  Array operator()(const std::vector<Array>& condlist, const std::vector<Array>& choicelist,
                   const Array& default_value = Array(0), Loc loc = Loc::current()) const;
} select{};
// choices[a] elementwise (all broadcast together). mode "raise" checks the indices (concrete ones only:
// under jit use "wrap" or "clip"), "wrap" takes them modulo the number of choices, "clip" clamps them.
inline constexpr struct choose_function {
  Array operator()(const Array& a, const std::vector<Array>& choices, std::string_view mode = "raise",
                   Loc loc = Loc::current()) const;
} choose{};
// functions[i](x) where condlist[i] is the last true condition; an extra last function gives the value
// where none is (0 without it).
inline constexpr struct piecewise_function {
  Array operator()(const Array& x, const std::vector<Array>& condlist,
                   const std::vector<std::function<Array(const Array&)>>& functions, Loc loc = Loc::current()) const;
} piecewise{};

// --- Writes, returning new arrays -------------------------------------------------------------------

// arr with the positions where mask is true set to vals, in order, repeated if vals is shorter
// (jnp.place with inplace=False).
inline constexpr struct place_function {
  Array operator()(const Array& arr, const Array& mask, const Array& vals, Loc loc = Loc::current()) const;
} place{};
struct PutOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // Indices out of range: dropped when absent (JAX's default), "clip" clamps them, "wrap" wraps them.
  std::optional<std::string_view> mode = std::nullopt;
};
// a (flattened) with a[indices] = values, values repeated to the number of indices (jnp.put with
// inplace=False).
inline constexpr struct put_function {
  Array operator()(const Array& a, const Array& positions, const Array& values, PutOptions options = {},
                   Loc loc = Loc::current()) const;
} put{};
// arr with the entries take_along_axis would read set to values (broadcast) (inplace=False).
inline constexpr struct put_along_axis_function {
  Array operator()(const Array& arr, const Array& positions, const Array& values, std::optional<int> axis,
                   Loc loc = Loc::current()) const;
} put_along_axis{};

// --- Flat and multi-dimensional indices -------------------------------------------------------------

// The index along each axis of `shape` of each flat index (negative ones count from the end; out of
// range ones are clipped, as JAX does).
inline constexpr struct unravel_index_function {
  std::vector<Array> operator()(const Array& flat_indices, const Shape& shape, Loc loc = Loc::current()) const;
} unravel_index{};
// The flat indices of multi-dimensional ones into an array of shape dims (row-major); mode "raise"
// checks concrete indices, "wrap" and "clip" bring them into range.
inline constexpr struct ravel_multi_index_function {
  Array operator()(const std::vector<Array>& multi_index, const Shape& dims, std::string_view mode = "raise",
                   Loc loc = Loc::current()) const;
} ravel_multi_index{};

// --- Ordering ---------------------------------------------------------------------------------------

// The permutation that sorts by the last key, then the one before, ... (stable), along `axis`.
inline constexpr struct lexsort_function {
  Array operator()(const std::vector<Array>& keys, int axis = -1, Loc loc = Loc::current()) const;
} lexsort{};
// An arrangement with the kth smallest element at position kth, smaller ones before and larger ones
// after: jx returns the whole axis sorted, which is one such arrangement (argpartition: its indices).
inline constexpr struct partition_function {
  Array operator()(const Array& x, std::int64_t kth, int axis = -1, Loc loc = Loc::current()) const;
} partition{};
inline constexpr struct argpartition_function {
  Array operator()(const Array& x, std::int64_t kth, int axis = -1, Loc loc = Loc::current()) const;
} argpartition{};
// Complex numbers sorted by real part, then imaginary part (real input becomes complex).
inline constexpr struct sort_complex_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} sort_complex{};
struct TopKResult {
  Array values;
  Array indices;
};
// The k largest entries along the last axis, largest first (ties: the lower index first; NaN counts as
// the largest), and their indices.
inline constexpr struct top_k_function {
  TopKResult operator()(const Array& x, std::int64_t k, Loc loc = Loc::current()) const;
} top_k{};

// --- Functions along and over axes ------------------------------------------------------------------

// f applied to each 1-D slice along `axis` (vectorized with vmap); f's result axes take the axis' place.
inline constexpr struct apply_along_axis_function {
  Array operator()(const std::function<Array(const Array&)>& f, int axis, const Array& x,
                   Loc loc = Loc::current()) const;
} apply_along_axis{};
// x = f(x, axis) for each axis in turn, a reduced axis kept with length 1.
inline constexpr struct apply_over_axes_function {
  Array operator()(const std::function<Array(const Array&, int)>& f, const Array& x, const std::vector<int>& axes,
                   Loc loc = Loc::current()) const;
} apply_over_axes{};

}  // namespace jx::numpy
