// jx/core/reduction_options.h — the keyword options of jax.numpy's reductions, cumulative operations
// and diagonals, shared by the functions (jx/numpy.h) and the jax.Array methods (jx/core/array.h):
//
//   jnp::sum(x, {.axis = 0, .keepdims = true});
//   x.sum({.axis = 0, .keepdims = true});        // the same
//   x.argmax({.axis = 1});  x.cumsum({.dtype = jx::float32});  x.diagonal({.offset = 1});
#pragma once

#include <optional>

#include "jx/core/dtype.h"
#include "jx/core/keywords_only.h"
#include "jx/core/shape.h"

namespace jx::numpy {

struct ReduceOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Axes> axis = std::nullopt;  // all axes when absent
  bool keepdims = false;
  std::optional<DType> dtype = std::nullopt;
  int ddof = 0;  // var and std only: the divisor is N - ddof
};

struct ArgReduceOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<int> axis = std::nullopt;  // the flattened array when absent
  bool keepdims = false;
};

struct CumulativeOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<int> axis = std::nullopt;  // the flattened array when absent
  std::optional<DType> dtype = std::nullopt;
};

struct DiagonalOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  int offset = 0;  // above the main diagonal when positive
  int axis1 = 0;
  int axis2 = 1;
};

}  // namespace jx::numpy
