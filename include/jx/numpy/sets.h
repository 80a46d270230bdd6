// jx/numpy/sets.h — jax.numpy's set functions: unique (with its return_* options, along an axis, and the
// Array API's unique_all/unique_counts/unique_inverse/unique_values), membership (isin) and the set
// algebra of 1-D arrays (union1d, intersect1d, setdiff1d, setxor1d).
//
//   namespace jnp = jx::numpy;
//   auto u = jnp::unique(x).values;                              // sorted distinct values (eager)
//   auto r = jnp::unique(x, {.return_counts = true, .size = 4, .fill_value = -1});   // jit-able
//   auto in = jnp::isin(x, jnp::array({1, 3}));
//
// The number of distinct values depends on the data: without a static `size` these functions need a
// concrete array and raise ConcretizationError, naming the option, when traced (as JAX does).
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::numpy {

struct UniqueOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool return_index = false;                        // fill UniqueResult::indices
  bool return_inverse = false;                      // fill UniqueResult::inverse
  bool return_counts = false;                       // fill UniqueResult::counts
  std::optional<int> axis = std::nullopt;           // unique slices along an axis; the flattened array when absent
  bool equal_nan = true;                            // NaNs count as one value
  std::optional<std::int64_t> size = std::nullopt;  // the static number of results (needed under jit)
  std::optional<Array> fill_value = std::nullopt;   // beyond the values found (the smallest value when absent)
};
// The sorted distinct values and, as asked: the index of each one's first occurrence, the index of each
// element's value among them (the input's shape, for the flattened case), and each one's count.
struct UniqueResult {
  Array values;
  Array indices;
  Array inverse;
  Array counts;
};
inline constexpr struct unique_function {
  UniqueResult operator()(const Array& x, UniqueOptions options = {}, Loc loc = Loc::current()) const;
} unique{};

struct UniqueSizeOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<std::int64_t> size = std::nullopt;
  std::optional<Array> fill_value = std::nullopt;
};
// The Array API's forms: everything at once, the counts, the inverse (NaNs as one value), or the values
// alone (each NaN distinct, as the Array API asks).
struct UniqueAllResult {
  Array values;
  Array indices;
  Array inverse_indices;
  Array counts;
};
inline constexpr struct unique_all_function {
  UniqueAllResult operator()(const Array& x, UniqueSizeOptions options = {}, Loc loc = Loc::current()) const;
} unique_all{};
struct UniqueCountsResult {
  Array values;
  Array counts;
};
inline constexpr struct unique_counts_function {
  UniqueCountsResult operator()(const Array& x, UniqueSizeOptions options = {}, Loc loc = Loc::current()) const;
} unique_counts{};
struct UniqueInverseResult {
  Array values;
  Array inverse_indices;
};
inline constexpr struct unique_inverse_function {
  UniqueInverseResult operator()(const Array& x, UniqueSizeOptions options = {}, Loc loc = Loc::current()) const;
} unique_inverse{};
inline constexpr struct unique_values_function {
  Array operator()(const Array& x, UniqueSizeOptions options = {}, Loc loc = Loc::current()) const;
} unique_values{};

// Whether each element of `element` occurs in test_elements (or does not, with inverted: NumPy's invert): element's
// shape.
inline constexpr struct isin_function {
  Array operator()(const Array& element, const Array& test_elements, bool inverted = false,
                   Loc loc = Loc::current()) const;
} isin{};

struct SetOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool assume_unique = false;  // the inputs have no repeated values (skips their unique)
  std::optional<std::int64_t> size = std::nullopt;
  std::optional<Array> fill_value = std::nullopt;
};
// The sorted distinct values in either array, in both, in the first but not the second, and in exactly
// one of them.
inline constexpr struct union1d_function {
  Array operator()(const Array& a, const Array& b, SetOptions options = {}, Loc loc = Loc::current()) const;
} union1d{};
inline constexpr struct intersect1d_function {
  Array operator()(const Array& a, const Array& b, SetOptions options = {}, Loc loc = Loc::current()) const;
} intersect1d{};
inline constexpr struct setdiff1d_function {
  Array operator()(const Array& a, const Array& b, SetOptions options = {}, Loc loc = Loc::current()) const;
} setdiff1d{};
inline constexpr struct setxor1d_function {
  Array operator()(const Array& a, const Array& b, SetOptions options = {}, Loc loc = Loc::current()) const;
} setxor1d{};

}  // namespace jx::numpy
