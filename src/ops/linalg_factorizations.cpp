// jx::lax::linalg: argument checks and JAX's input conventions (symmetrization) around the
// decomposition primitives of ir/primitives/cholesky.h and decompositions.h.
#include <fmt/format.h>

#include "ir/primitives/cholesky.h"
#include "ir/primitives/decompositions.h"
#include "jx/core/error.h"
#include "jx/linalg.h"
#include "ops/linalg_common.h"
#include "ops/promotion.h"
#include "trace/trace.h"

namespace jx::lax::linalg {
namespace {

void check_valid(std::string_view op, std::initializer_list<const Array*> arrays) {
  for (const Array* x : arrays) {
    if (!x->valid()) throw ValueError(std::string(op), "an operand is an empty jx::Array handle");
  }
}

void check_inexact(std::string_view op, const Array& x) {
  if (!is_inexact(x.dtype())) {
    throw DTypeError(std::string(op), fmt::format("expects float or complex matrices, got {} (jx::numpy::linalg "
                                                  "promotes integers)",
                                                  x.type().to_string()));
  }
}

void check_square(std::string_view op, const Array& x) {
  if (x.ndim() < 2 || x.shape()[x.ndim() - 1] != x.shape()[x.ndim() - 2]) {
    throw ShapeError(std::string(op),
                     fmt::format("expects square matrices of shape (..., n, n), got {}", x.type().to_string()));
  }
}

// (x + x^H) / 2, as JAX symmetrizes: a matrix symmetric only up to rounding decomposes as its
// Hermitian part.
Array symmetrized(const Array& x) {
  return numpy::divide(numpy::add(x, ops::adjoint(x)), numpy::array(2, real_dtype(x.dtype())));
}

ArrayList bind_all(const Primitive& p, std::initializer_list<Array> inputs) {
  return jx::bind(p, std::span<const Array>(inputs.begin(), inputs.size()));
}

}  // namespace

Array cholesky_function::operator()(const Array& x, CholeskyOptions options, Loc loc) const {
  CallSite site(loc);
  check_valid("cholesky", {&x});
  check_inexact("cholesky", x);
  check_square("cholesky", x);
  return jx::bind1(primitives::Cholesky(), {options.symmetrize_input ? symmetrized(x) : x});
}

Array triangular_solve_function::operator()(const Array& a, const Array& b, TriangularSolveOptions options,
                                            Loc loc) const {
  CallSite site(loc);
  check_valid("triangular_solve", {&a, &b});
  const cpu::TriangularSolveSpec spec{.left_side = options.left_side,
                                      .lower = options.lower,
                                      .transpose_a = options.transpose_a,
                                      .conjugate_a = options.conjugate_a && is_complex(a.dtype()),
                                      .unit_diagonal = options.unit_diagonal};
  // As JAX: a b with one axis fewer than a is a stack of vectors (a column on the left side, a row on
  // the right).
  const bool vector = b.ndim() == a.ndim() - 1;
  const int vector_axis = options.left_side ? -1 : -2;
  const Array rhs = vector ? numpy::expand_dims(b, vector_axis) : b;
  const Array x = jx::bind1(primitives::TriangularSolve(spec), {a, rhs});
  return vector ? numpy::squeeze(x, vector_axis) : x;
}

LuResult lu_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  check_valid("lu", {&x});
  const ArrayList out = bind_all(primitives::Lu(), {x});
  return {out[0], out[1], out[2]};
}

Array lu_pivots_to_permutation_function::operator()(const Array& pivots, std::int64_t permutation_size, Loc loc) const {
  CallSite site(loc);
  check_valid("lu_pivots_to_permutation", {&pivots});
  return jx::bind1(primitives::LuPivotsToPermutation(permutation_size), {pivots});
}

std::pair<Array, Array> qr_function::operator()(const Array& x, QrOptions options, Loc loc) const {
  CallSite site(loc);
  check_valid("qr", {&x});
  const ArrayList out = bind_all(primitives::Qr(options.full_matrices), {x});
  return {out[0], out[1]};
}

std::pair<Array, Array> geqrf_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  check_valid("geqrf", {&x});
  const ArrayList out = bind_all(primitives::Geqrf(), {x});
  return {out[0], out[1]};
}

Array householder_product_function::operator()(const Array& a, const Array& taus, Loc loc) const {
  CallSite site(loc);
  check_valid("householder_product", {&a, &taus});
  return jx::bind1(primitives::HouseholderProduct(), {a, taus});
}

std::pair<Array, Array> eigh_function::operator()(const Array& x, EighOptions options, Loc loc) const {
  CallSite site(loc);
  check_valid("eigh", {&x});
  check_inexact("eigh", x);
  check_square("eigh", x);
  const ArrayList out = bind_all(primitives::Eigh(options.lower), {options.symmetrize_input ? symmetrized(x) : x});
  return {out[0], out[1]};
}

SvdResult svd_function::operator()(const Array& x, SvdOptions options, Loc loc) const {
  CallSite site(loc);
  check_valid("svd", {&x});
  const ArrayList out = bind_all(primitives::Svd(options.full_matrices, options.compute_uv), {x});
  if (!options.compute_uv) return {Array(), out[0], Array()};
  return {out[1], out[0], out[2]};
}

EigResult eig_function::operator()(const Array& x, EigOptions options, Loc loc) const {
  CallSite site(loc);
  check_valid("eig", {&x});
  const ArrayList out =
      bind_all(primitives::Eig(options.compute_left_eigenvectors, options.compute_right_eigenvectors), {x});
  EigResult result{out[0], Array(), Array()};
  std::size_t next = 1;
  if (options.compute_left_eigenvectors) result.vl = out[next++];
  if (options.compute_right_eigenvectors) result.vr = out[next];
  return result;
}

std::pair<Array, Array> schur_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  check_valid("schur", {&x});
  const ArrayList out = bind_all(primitives::Schur(), {x});
  return {out[0], out[1]};
}

Array tridiagonal_solve_function::operator()(const Array& dl, const Array& d, const Array& du, const Array& b,
                                             Loc loc) const {
  CallSite site(loc);
  check_valid("tridiagonal_solve", {&dl, &d, &du, &b});
  return jx::bind1(primitives::TridiagonalSolve(), {dl, d, du, b});
}

}  // namespace jx::lax::linalg
