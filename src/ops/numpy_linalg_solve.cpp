// jx::numpy::linalg's functions built on the LU factorization (det, slogdet, solve, inv and what
// follows from them), the Cholesky wrapper, multi_dot, and the array-API aliases of jnp.linalg.
// Everything is composed of primitives and jnp ops, so jit, vmap and grad see through it. solve, det
// and slogdet are one primitive each (one getrf, no layout changes: the common case costs what LAPACK
// does), whose derivatives are JAX's, from the lu primitive (ir/primitives/lu_derivatives.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "ir/primitives/decompositions.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "ops/linalg_common.h"
#include "ops/promotion.h"
#include "trace/trace.h"

namespace jx::numpy::linalg {

Array cholesky_function::operator()(const Array& a, CholeskyOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("cholesky", a, true);
  const Array l = lax::linalg::cholesky(ops::to_inexact(a), {.symmetrize_input = options.symmetrize_input}, loc);
  return options.upper ? conj(swapaxes(l, -1, -2)) : l;
}

SlogdetResult slogdet_function::operator()(const Array& a, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("slogdet", a, true);
  const ArrayList outputs = jx::bind(primitives::Determinant(true), ArrayList{ops::to_inexact(a)});
  return {outputs[0], outputs[1]};
}

namespace {

// The closed forms JAX uses for 2 x 2 and 3 x 3 matrices (autodiff through them is exact everywhere).
Array entry(const Array& x, std::int64_t i, std::int64_t j) {
  const int r = x.ndim() - 2;
  return squeeze(squeeze(lax::slice_in_dim(lax::slice_in_dim(x, i, i + 1, 1, r), j, j + 1, 1, r + 1), -1), -1);
}

Array det_2x2(const Array& x) {
  return subtract(multiply(entry(x, 0, 0), entry(x, 1, 1)), multiply(entry(x, 0, 1), entry(x, 1, 0)));
}

Array det_3x3(const Array& x) {
  auto e = [&](std::int64_t i, std::int64_t j) { return entry(x, i, j); };
  return add(subtract(multiply(e(0, 0), subtract(multiply(e(1, 1), e(2, 2)), multiply(e(1, 2), e(2, 1)))),
                      multiply(e(0, 1), subtract(multiply(e(1, 0), e(2, 2)), multiply(e(1, 2), e(2, 0))))),
             multiply(e(0, 2), subtract(multiply(e(1, 0), e(2, 1)), multiply(e(1, 1), e(2, 0)))));
}

}  // namespace

Array det_function::operator()(const Array& a, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("det", a, true);
  const Array x = ops::to_inexact(a);
  // As JAX, the closed forms for 2 x 2 and 3 x 3 matrices; LU otherwise, with JAX's derivative
  // (lu_derivatives.cpp), which stays finite at singular matrices.
  const std::int64_t n = x.shape()[x.ndim() - 1];
  if (n == 2) return det_2x2(x);
  if (n == 3) return det_3x3(x);
  return jx::bind1(primitives::Determinant(false), {x});
}

Array solve_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("solve", a, true);
  if (!b.valid()) throw ValueError("solve", "b is an empty jx::Array handle");
  auto [x, y] = ops::promote_inexact(a, b);
  const std::int64_t n = x.shape()[x.ndim() - 1];
  if (y.ndim() == 0) throw ShapeError("solve", fmt::format("b must be at least 1-D, got {}", b.type().to_string()));
  if (y.ndim() > 1 && x.ndim() == y.ndim() + 1 && x.shape()[x.ndim() - 1] == y.shape()[y.ndim() - 1] &&
      x.shape()[x.ndim() - 1] != y.shape()[y.ndim() - 2]) {
    throw ShapeError("solve", fmt::format("b of shape {} for a of shape {} is ambiguous: since JAX 0.5 a stack of "
                                          "vectors is written solve(a, b[..., None])[..., 0]",
                                          b.shape().to_string(), a.shape().to_string()));
  }
  const bool vector = y.ndim() == 1;
  if (vector) y = expand_dims(y, -1);
  if (y.shape()[y.ndim() - 2] != n) {
    throw ShapeError("solve", fmt::format("a {} and b {} do not match: b needs {} rows", a.shape().to_string(),
                                          b.shape().to_string(), n));
  }
  // Broadcast the batch dimensions of a and b against each other.
  const Shape a_batch(x.shape().begin(), x.shape().end() - 2), b_batch(y.shape().begin(), y.shape().end() - 2);
  const Shape batch = ops::broadcast_shapes("solve", a_batch, b_batch);
  x = ops::with_batch(x, batch);
  y = ops::with_batch(y, batch);
  const Array solution = jx::bind1(primitives::Solve(), {x, y});
  return vector ? squeeze(solution, -1) : solution;
}

Array inv_function::operator()(const Array& a, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("inv", a, true);
  return jx::bind1(primitives::Inverse(), {ops::to_inexact(a)});
}

Array matrix_power_function::operator()(const Array& a, int n, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("matrix_power", a, true);
  if (n == 0) return broadcast_to(eye(a.shape()[a.ndim() - 1], std::nullopt, 0, a.dtype()), a.shape());
  Array base = n < 0 ? inv(a, loc) : a;
  // Binary powering: multiply in the squares of the set bits of |n|.
  std::int64_t remaining = std::abs(static_cast<std::int64_t>(n));
  Array result;
  while (remaining > 0) {
    if (remaining & 1) result = result.valid() ? numpy::matmul(result, base) : base;
    remaining >>= 1;
    if (remaining > 0) base = numpy::matmul(base, base);
  }
  return result;
}

Array tensorinv_function::operator()(const Array& a, int ind, Loc loc) const {
  CallSite site(loc);
  if (!a.valid()) throw ValueError("tensorinv", "the operand is an empty jx::Array handle");
  if (ind <= 0 || ind > a.ndim()) {
    throw ValueError("tensorinv",
                     fmt::format("ind must be in [1, {}] for {}, got {}", a.ndim(), a.type().to_string(), ind));
  }
  const Shape leading(a.shape().begin(), a.shape().begin() + ind), trailing(a.shape().begin() + ind, a.shape().end());
  const std::int64_t rows = leading.num_elements(), cols = trailing.num_elements();
  if (rows != cols) {
    throw ShapeError("tensorinv", fmt::format("the first {} axes of {} must hold as many elements as the rest", ind,
                                              a.shape().to_string()));
  }
  Shape result_shape = trailing;
  for (std::int64_t dim : leading) result_shape.push_back(dim);
  return reshape(inv(reshape(a, Shape{rows, cols}), loc), result_shape);
}

Array tensorsolve_function::operator()(const Array& a, const Array& b, std::optional<std::vector<int>> axes,
                                       Loc loc) const {
  CallSite site(loc);
  if (!a.valid() || !b.valid()) throw ValueError("tensorsolve", "an operand is an empty jx::Array handle");
  Array x = a;
  if (axes) {  // move the listed axes of a to the end, in order
    std::vector<int> moved;
    for (int axis : *axes) moved.push_back(ops::normalize_axis("tensorsolve", axis, a.ndim()));
    std::vector<int> order;
    for (int d = 0; d < a.ndim(); ++d) {
      if (std::find(moved.begin(), moved.end(), d) == moved.end()) order.push_back(d);
    }
    order.insert(order.end(), moved.begin(), moved.end());
    x = lax::transpose(a, order);
  }
  if (b.ndim() > x.ndim()) {
    throw ShapeError("tensorsolve",
                     fmt::format("b {} has more axes than a {}", b.shape().to_string(), a.shape().to_string()));
  }
  for (int d = 0; d < b.ndim(); ++d) {
    if (x.shape()[d] != b.shape()[d]) {
      throw ShapeError("tensorsolve", fmt::format("the leading axes of a {} (after moving axes) must be b's shape {}",
                                                  x.shape().to_string(), b.shape().to_string()));
    }
  }
  const Shape solution_shape(x.shape().begin() + b.ndim(), x.shape().end());
  const std::int64_t unknowns = solution_shape.num_elements();
  if (unknowns != b.size()) {
    throw ShapeError("tensorsolve", fmt::format("a {} and b {} do not form a square system", a.shape().to_string(),
                                                b.shape().to_string()));
  }
  const Array flat = solve(reshape(x, Shape{b.size(), unknowns}), ravel(b), loc);
  return reshape(flat, solution_shape);
}

Array multi_dot_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  CallSite site(loc);
  if (arrays.size() < 2) throw ValueError("multi_dot", "expects at least two arrays");
  for (const Array& x : arrays) {
    if (!x.valid()) throw ValueError("multi_dot", "an operand is an empty jx::Array handle");
  }
  std::vector<Array> chain = arrays;
  const bool row_vector = chain.front().ndim() == 1, column_vector = chain.back().ndim() == 1;
  if (row_vector) chain.front() = expand_dims(chain.front(), 0);
  if (column_vector) chain.back() = expand_dims(chain.back(), -1);
  for (std::size_t i = 0; i < chain.size(); ++i) {
    if (chain[i].ndim() != 2) {
      throw ShapeError("multi_dot", fmt::format("operand {} must be 2-D (the first and last may be 1-D), got {}", i,
                                                arrays[i].type().to_string()));
    }
  }
  // The classic matrix-chain order: cost[i][j] is the fewest scalar products for chain[i..j].
  const std::size_t count = chain.size();
  std::vector<std::int64_t> dims{chain[0].shape()[0]};
  for (const Array& x : chain) dims.push_back(x.shape()[1]);
  std::vector<std::vector<double>> cost(count, std::vector<double>(count, 0));
  std::vector<std::vector<std::size_t>> split(count, std::vector<std::size_t>(count, 0));
  for (std::size_t length = 1; length < count; ++length) {
    for (std::size_t i = 0; i + length < count; ++i) {
      const std::size_t j = i + length;
      cost[i][j] = std::numeric_limits<double>::infinity();
      for (std::size_t k = i; k < j; ++k) {
        const double c =
            cost[i][k] + cost[k + 1][j] +
            static_cast<double>(dims[i]) * static_cast<double>(dims[k + 1]) * static_cast<double>(dims[j + 1]);
        if (c < cost[i][j]) {
          cost[i][j] = c;
          split[i][j] = k;
        }
      }
    }
  }
  auto product = [&](auto&& self, std::size_t i, std::size_t j) -> Array {
    if (i == j) return chain[i];
    return numpy::matmul(self(self, i, split[i][j]), self(self, split[i][j] + 1, j));
  };
  Array result = product(product, 0, count - 1);
  if (row_vector) result = squeeze(result, 0);
  if (column_vector) result = squeeze(result, -1);
  return result;
}

// --- The array-API spellings ----------------------------------------------------------------------

Array cross_function::operator()(const Array& x1, const Array& x2, int axis, Loc loc) const {
  CallSite site(loc);
  if (x1.valid() && x2.valid() &&
      (x1.shape().empty() || x1.shape()[ops::normalize_axis("cross", axis, x1.ndim())] != 3)) {
    throw ShapeError("cross", fmt::format("jnp.linalg.cross takes 3-vectors along axis {}, got {} and {}", axis,
                                          x1.type().to_string(), x2.type().to_string()));
  }
  return numpy::cross(x1, x2, axis, loc);
}
Array outer_function::operator()(const Array& x1, const Array& x2, Loc loc) const {
  CallSite site(loc);
  if (x1.ndim() != 1 || x2.ndim() != 1) {
    throw ShapeError("outer", fmt::format("jnp.linalg.outer takes 1-D arrays, got {} and {}", x1.type().to_string(),
                                          x2.type().to_string()));
  }
  return numpy::outer(x1, x2, loc);
}
Array trace_function::operator()(const Array& x, int offset, Loc loc) const {
  return numpy::trace(x, {.offset = offset, .axis1 = -2, .axis2 = -1}, loc);
}
Array diagonal_function::operator()(const Array& x, int offset, Loc loc) const {
  return numpy::diagonal(x, {.offset = offset, .axis1 = -2, .axis2 = -1}, loc);
}
Array matmul_function::operator()(const Array& x1, const Array& x2, Loc loc) const {
  return numpy::matmul(x1, x2, loc);
}
Array matrix_transpose_function::operator()(const Array& x, Loc loc) const { return numpy::matrix_transpose(x, loc); }
Array vecdot_function::operator()(const Array& x1, const Array& x2, int axis, Loc loc) const {
  return numpy::vecdot(x1, x2, axis, loc);
}
Array tensordot_function::operator()(const Array& x1, const Array& x2, int axes, Loc loc) const {
  return numpy::tensordot(x1, x2, axes, loc);
}

}  // namespace jx::numpy::linalg
