// jx/linalg.h — the Cholesky factorization and triangular solves (jax.lax.linalg, jax.numpy.linalg).
//
// Differentiable to any order, batched over leading dimensions, usable under jit and vmap. A matrix
// that is not positive definite factors to all NaN, as in JAX on CPU.
//
//   auto cov = jnp::array({{4.0f, 2.0f}, {2.0f, 3.0f}});
//   auto l = jnp::linalg::cholesky(cov);                      // [[2, 0], [1, 1.41421]]
//   auto b = jnp::array({{2.0f}, {3.0f}});
//   auto x = jx::lax::linalg::triangular_solve(l, b, {.left_side = true, .lower = true});  // l x = b
#pragma once

#include <source_location>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx {

namespace lax::linalg {

struct CholeskyOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool symmetrize_input = true;  // factor (x + x^T) / 2; else read only x's lower triangle
};
// The lower factor L of float[..., n, n] with x = L L^T.
inline constexpr struct cholesky_function {
  Array operator()(const Array& x, CholeskyOptions options = {},
                   std::source_location loc = std::source_location::current()) const;
} cholesky{};

// JAX's keyword defaults: solve x op(a) = b with a upper triangular.
struct TriangularSolveOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool left_side = false;      // solve op(a) x = b instead
  bool lower = false;          // a is lower triangular (only that triangle is read)
  bool transpose_a = false;    // op(a) = a^T
  bool unit_diagonal = false;  // take a's diagonal to be ones
};
// x with op(a) x = b or x op(a) = b; a is (..., k, k), b (..., m, n) with the same batch dimensions.
inline constexpr struct triangular_solve_function {
  Array operator()(const Array& a, const Array& b, TriangularSolveOptions options = {},
                   std::source_location loc = std::source_location::current()) const;
} triangular_solve{};

}  // namespace lax::linalg

namespace numpy::linalg {

// jnp.linalg.cholesky: integer input is promoted to the default float type, the input symmetrized.
inline constexpr struct cholesky_function {
  Array operator()(const Array& a, std::source_location loc = std::source_location::current()) const;
} cholesky{};

}  // namespace numpy::linalg

}  // namespace jx
