// The derivatives of solve, det and slogdet: each differentiates through one LU factorization (the lu
// primitive), whose factors give the primal output and every tangent, as JAX's rules do
// (jax/_src/numpy/linalg.py: _solve through custom_linear_solve, _det_jvp, _slogdet_jvp). Written
// with jx ops, so reverse mode transposes the triangular solves, and higher orders differentiate the
// lu primitive's own rule.
#include <limits>

#include "ir/primitives/decompositions.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace jnp = jx::numpy;

namespace {

// x with a x = rhs, from a's factors.
Array solve_with(const lax::linalg::LuResult& factors, const Array& rhs) {
  return scipy::linalg::lu_solve({factors.lu, factors.pivots}, rhs);
}

Array trace(const Array& x) { return jnp::trace(x, {.axis1 = -2, .axis2 = -1}); }

// (-1)^(row swaps), in `dtype`, and U's diagonal.
std::pair<Array, Array> parity_and_diagonal(const lax::linalg::LuResult& factors, DType dtype) {
  const Array diag = jnp::linalg::diagonal(factors.lu);  // of the last two axes
  const Array iota = lax::broadcasted_iota(DType::int32, factors.pivots.shape(), factors.pivots.ndim() - 1);
  const Array swaps = jnp::sum(jnp::astype(jnp::not_equal(factors.pivots, iota), DType::int32), -1);
  const Array odd = jnp::equal(jnp::remainder(swaps, jnp::array(2, DType::int32)), jnp::array(1, DType::int32));
  return {jnp::where(odd, jnp::array(-1, dtype), jnp::array(1, dtype)), diag};
}

// (det a, adj(a) b) by one LU factorization, finite also for a of rank n - 1 (JAX's _cofactor_solve):
// with the last pivot of U replaced by 1 / (the determinant of the rest), the solves that give
// det(a) a^-1 b = adj(a) b never divide by the zero pivot; matrices of lower rank, whose adjugate is
// zero, are found by a solve against that U overflowing, and give zero. n >= 2.
std::pair<Array, Array> cofactor_solve(const Array& a, const Array& b) {
  const std::int64_t n = a.shape()[a.ndim() - 1];
  const DType dtype = a.dtype();
  const auto factors = lax::linalg::lu(a);
  const auto [parity, diag] = parity_and_diagonal(factors, dtype);
  const Array partial = jnp::multiply(jnp::cumprod(diag, -1), jnp::expand_dims(parity, -1));
  const int last = partial.ndim() - 1;
  const Array full_det = jnp::squeeze(lax::slice_in_dim(partial, n - 1, n, 1, last), -1);
  const Array rest_det = lax::slice_in_dim(partial, n - 2, n - 1, 1, last);  // (..., 1)
  const Array corner = jnp::logical_and(
      jnp::equal(lax::broadcasted_iota(DType::int32, Shape{n, n}, 0), jnp::array(static_cast<std::int32_t>(n - 1))),
      jnp::equal(lax::broadcasted_iota(DType::int32, Shape{n, n}, 1), jnp::array(static_cast<std::int32_t>(n - 1))));
  const Array lu = jnp::where(corner, jnp::expand_dims(jnp::reciprocal(rest_det), -1), factors.lu);
  // Rank below n - 1: a solve against the modified U overflows.
  const Array probe =
      lax::linalg::triangular_solve(lu, jnp::ones(Shape(a.shape()), dtype), {.left_side = true, .lower = false});
  const Array deficient = jnp::expand_dims(
      jnp::expand_dims(jnp::any(jnp::logical_or(jnp::isnan(probe), jnp::isinf(probe)), {-2, -1}), -1), -1);
  Array x = jnp::where(deficient, jnp::zeros_like(b), b);
  x = jnp::take_along_axis(x, jnp::broadcast_to(jnp::expand_dims(factors.permutation, -1), x.shape()), -2);
  x = lax::linalg::triangular_solve(lu, x, {.left_side = true, .lower = true, .unit_diagonal = true});
  const int rows = x.ndim() - 2;
  x = jnp::concatenate(
      {jnp::multiply(lax::slice_in_dim(x, 0, n - 1, 1, rows), jnp::expand_dims(jnp::expand_dims(full_det, -1), -1)),
       lax::slice_in_dim(x, n - 1, n, 1, rows)},
      rows);
  x = lax::linalg::triangular_solve(lu, x, {.left_side = true, .lower = false});
  return {full_det, jnp::where(deficient, jnp::zeros_like(x), x)};
}

// (sign, log|det|) from a's factors: the sign is the parity times the phases of U's pivots; a zero
// pivot makes it 0 and log|det| -inf.
std::pair<Array, Array> slogdet_of(const lax::linalg::LuResult& factors, DType dtype) {
  const auto [parity, diag] = parity_and_diagonal(factors, dtype);
  const Array magnitude = jnp::abs(diag);
  const Array zero_pivot = jnp::equal(magnitude, jnp::zeros_like(magnitude));
  const Array singular = jnp::any(zero_pivot, -1);
  const Array safe = jnp::where(zero_pivot, jnp::ones_like(magnitude), magnitude);
  const Array phases = is_complex(dtype) ? jnp::divide(diag, jnp::astype(safe, dtype)) : jnp::sign(diag);
  const Array sign = jnp::where(singular, jnp::zeros_like(parity), jnp::multiply(parity, jnp::prod(phases, -1)));
  const Array logabsdet = jnp::sum(jnp::log(magnitude), -1);
  return {sign, jnp::where(singular, jnp::full_like(logabsdet, -std::numeric_limits<double>::infinity()), logabsdet)};
}

}  // namespace

// a x = b: d x = a^-1 (db - da x).
std::pair<ArrayList, ArrayList> Solve::jvp_with_primals(std::span<const Array> primals,
                                                        std::span<const Array> tangents) const {
  const auto factors = lax::linalg::lu(primals[0]);
  const Array x = solve_with(factors, primals[1]);
  const bool da = tangents[0].valid(), db = tangents[1].valid();
  if (!da && !db) return {{x}, {Array()}};
  const Array rhs = !da   ? tangents[1]
                    : !db ? jnp::negative(jnp::matmul(tangents[0], x))
                          : jnp::subtract(tangents[1], jnp::matmul(tangents[0], x));
  return {{x}, {solve_with(factors, rhs)}};
}

ArrayList Solve::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                           std::span<const ArrayType> /*types*/) const {
  if (!inputs[0].valid()) throw ValueError(std::string(name()), "solve is linear in b only, not in the matrix a");
  if (!cotangents[0].valid()) return {Array(), Array()};
  return {Array(), jx::bind1(*this, {jnp::matrix_transpose(inputs[0]), cotangents[0]})};
}

// d det = trace(adj(a) da); d log|det| = re trace(a^-1 da), and for complex a the sign turns by
// i im trace(a^-1 da).
std::pair<ArrayList, ArrayList> Determinant::jvp_with_primals(std::span<const Array> primals,
                                                              std::span<const Array> tangents) const {
  const Array& a = primals[0];
  const std::int64_t n = a.shape()[a.ndim() - 1];
  if (!log_) {
    if (!tangents[0].valid() || n < 2) {
      const ArrayList outputs = jx::bind(*this, primals);
      if (!tangents[0].valid()) return {outputs, {Array()}};
      // n = 1: det a = a[0, 0]; n = 0: the constant 1.
      return {outputs, {n == 0 ? jnp::zeros_like(outputs[0]) : jnp::squeeze(jnp::squeeze(tangents[0], -1), -1)}};
    }
    const auto [det, adjugate_times] = cofactor_solve(a, tangents[0]);
    return {{det}, {trace(adjugate_times)}};
  }
  const auto factors = lax::linalg::lu(a);
  const auto [sign, logabsdet] = slogdet_of(factors, a.dtype());
  if (!tangents[0].valid()) return {{sign, logabsdet}, {Array(), Array()}};
  const Array log_dot = trace(solve_with(factors, tangents[0]));
  if (!is_complex(a.dtype())) return {{sign, logabsdet}, {jnp::zeros_like(sign), log_dot}};
  const Array real_part = jnp::real(log_dot);
  const Array sign_dot = jnp::multiply(jnp::subtract(log_dot, jnp::astype(real_part, log_dot.dtype())), sign);
  return {{sign, logabsdet}, {sign_dot, real_part}};
}

}  // namespace jx::primitives
