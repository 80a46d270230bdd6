#include "ir/primitives/cholesky.h"

#include <fmt/format.h>

#include <array>

#include "backends/cpu/kernels.h"
#include "backends/cpu/lapack.h"
#include "ir/primitives/decompositions.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace jnp = jx::numpy;

namespace {

using matrix::batch_count;
using matrix::cols;
using matrix::rows;

Array matrix_transpose(const Array& x) { return jnp::swapaxes(x, -1, -2); }

// An n x n constant of `dtype` with `on` where row > column, `diagonal` on the diagonal, 0 above.
Array lower_mask(std::int64_t n, DType dtype, double below, double diagonal) {
  const Array row = lax::broadcasted_iota(DType::int32, Shape{n, n}, 0);
  const Array col = lax::broadcasted_iota(DType::int32, Shape{n, n}, 1);
  const Array strictly_below = lax::convert_element_type(lax::gt(row, col), dtype);
  const Array on_diagonal = lax::convert_element_type(lax::eq(row, col), dtype);
  return lax::add(lax::mul(strictly_below, jnp::array(below, dtype)),
                  lax::mul(on_diagonal, jnp::array(diagonal, dtype)));
}

}  // namespace

// --- cholesky ------------------------------------------------------------------------------------

TypeList Cholesky::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  matrix::check_inexact_matrices(name(), x, "the matrix");
  if (rows(x) != cols(x)) {
    throw ShapeError(std::string(name()), fmt::format("expects square matrices (..., n, n), got {}", x.to_string()));
  }
  return {x};
}

ArrayList Cholesky::evaluate(std::span<const Array> inputs) const {
  const ArrayType type = infer(std::array{inputs[0].type()})[0];
  const Array dense = cpu::contiguous(inputs[0]);
  auto out = allocate_array(type);
  cpu::cholesky(type.dtype, batch_count(type), rows(type), concrete(dense).data(), out->data());
  return {wrap(std::move(out))};
}

ArrayList Cholesky::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                        std::span<const Array> outputs) const {
  if (!tangents[0].valid()) return {Array()};
  const Array& l = outputs[0];
  const std::int64_t n = rows(primals[0].type());
  // L^-1 dA L^-H: first dA L^-H (a right-side solve with L^H), then L^-1 of that.
  const Array right = jx::bind1(
      TriangularSolve({.left_side = false, .lower = true, .transpose_a = true, .conjugate_a = true}), {l, tangents[0]});
  const Array inner = jx::bind1(TriangularSolve({.left_side = true, .lower = true, .transpose_a = false}), {l, right});
  const Array phi = jnp::multiply(inner, lower_mask(n, l.dtype(), 1.0, 0.5));
  return {jnp::matmul(l, phi)};
}

BatchResult Cholesky::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return {{jx::bind1(*this, {rules::batch_to_front(inputs[0], axes[0])})}, {0}};
}

// --- triangular_solve ----------------------------------------------------------------------------

TypeList TriangularSolve::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& a = inputs[0];
  const ArrayType& b = inputs[1];
  matrix::check_inexact_matrices(name(), a, "a");
  matrix::check_inexact_matrices(name(), b, "b");
  auto fail = [&](std::string_view why) {
    throw ShapeError(std::string(name()),
                     fmt::format("{} (a {}, b {}, left_side={})", why, a.to_string(), b.to_string(), left_side_));
  };
  if (a.dtype != b.dtype) fail("a and b must have the same dtype");
  if (rows(a) != cols(a)) fail("a must be square");
  if (a.ndim() != b.ndim()) fail("a and b must have the same batch dimensions");
  for (int d = 0; d < a.ndim() - 2; ++d) {
    if (a.shape[d] != b.shape[d]) fail("a and b must have the same batch dimensions");
  }
  const std::int64_t solved = left_side_ ? rows(b) : cols(b);
  if (solved != rows(a)) fail(left_side_ ? "b must have as many rows as a" : "b must have as many columns as a");
  return {ArrayType{b.shape, b.dtype, a.weak && b.weak}};
}

ArrayList TriangularSolve::evaluate(std::span<const Array> inputs) const {
  const ArrayType type = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  const Array a = cpu::contiguous(inputs[0]);
  auto out = allocate_array(type);
  cpu::copy_to(concrete(inputs[1]), out->data());
  cpu::triangular_solve(type.dtype, batch_count(type), rows(type), cols(type), concrete(a).data(), out->data(), spec());
  return {wrap(std::move(out))};
}

ArrayList TriangularSolve::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                               std::span<const Array> outputs) const {
  const Array& a = primals[0];
  Array result;
  if (tangents[1].valid()) result = jx::bind1(*this, {a, tangents[1]});
  if (tangents[0].valid()) {
    // Differentiating op(a) x = b: op(da) x + op(a) dx = 0, so dx = -op(a)^-1 op(da) x (left side), and
    // dx = -x op(da) op(a)^-1 on the right. Only the triangle the solve reads varies.
    const std::int64_t k = rows(a.type());
    const double diagonal = unit_diagonal_ ? 0.0 : 1.0;
    Array mask = lower_mask(k, a.dtype(), 1.0, diagonal);
    if (!lower_) mask = matrix_transpose(mask);
    Array da = jnp::multiply(tangents[0], mask);
    if (transpose_a_) da = matrix_transpose(da);
    if (conjugate_a_) da = jnp::conj(da);
    const Array& x = outputs[0];
    const Array product = left_side_ ? jnp::matmul(da, x) : jnp::matmul(x, da);
    result = rules::add_tangents(result, lax::neg(jx::bind1(*this, {a, product})));
  }
  return {result};
}

ArrayList TriangularSolve::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                     std::span<const ArrayType>) const {
  if (!inputs[0].valid()) {
    throw ValueError(std::string(name()), "triangular_solve is linear in b only, not in the matrix a");
  }
  if (!cotangents[0].valid()) return {Array(), Array()};
  // x = op(a)^-1 b is linear in b with transpose op(a)^-T: the same solve with op(a) transposed.
  cpu::TriangularSolveSpec transposed = spec();
  transposed.transpose_a = !transposed.transpose_a;
  return {Array(), jx::bind1(TriangularSolve(transposed), {inputs[0], cotangents[0]})};
}

BatchResult TriangularSolve::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const Array a = rules::batched_at_front(inputs[0], axes[0], size);
  const Array b = rules::batched_at_front(inputs[1], axes[1], size);
  return {{jx::bind1(*this, {a, b})}, {0}};
}

}  // namespace jx::primitives
