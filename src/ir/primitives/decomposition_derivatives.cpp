// The forward-mode rules of the decompositions, JAX's (jax/_src/lax/linalg.py), written with jx ops so
// that they are traced, batched and differentiated again like user code. Reverse mode comes from
// transposing these linear maps. Each rule states the identity it differentiates.
#include <fmt/format.h>

#include <algorithm>

#include "ir/primitives/decompositions.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace jnp = jx::numpy;

namespace {

using matrix::cols;
using matrix::rows;

// The conjugate transpose of the last two axes (the transpose for real dtypes).
Array adjoint(const Array& x) { return jnp::conj(jnp::swapaxes(x, -1, -2)); }

Array as_dtype(const Array& x, DType dtype) { return lax::convert_element_type(x, dtype); }

// x[..., :, None] * y: scales row i of y by x[..., i] (a diagonal matrix on the left).
Array scale_rows(const Array& x, const Array& y) { return jnp::multiply(jnp::expand_dims(x, -1), y); }
// x * y[..., None, :]: scales column j of x by y[..., j] (a diagonal matrix on the right).
Array scale_columns(const Array& x, const Array& y) { return jnp::multiply(x, jnp::expand_dims(y, -2)); }

// x padded with zeros: `before`/`after` entries on each of the last two axes.
Array pad_matrix(const Array& x, std::int64_t rows_after, std::int64_t cols_after, std::int64_t rows_before = 0,
                 std::int64_t cols_before = 0) {
  std::vector<std::pair<std::int64_t, std::int64_t>> widths(static_cast<std::size_t>(x.ndim()), {0, 0});
  widths[widths.size() - 2] = {rows_before, rows_after};
  widths.back() = {cols_before, cols_after};
  return jnp::pad(x, widths);
}

Array columns(const Array& x, std::int64_t begin, std::int64_t end) {
  return lax::slice_in_dim(x, begin, end, 1, x.ndim() - 1);
}
Array row_block(const Array& x, std::int64_t begin, std::int64_t end) {
  return lax::slice_in_dim(x, begin, end, 1, x.ndim() - 2);
}

[[noreturn]] void not_differentiable(std::string_view op, std::string_view why) {
  throw ValueError(std::string(op), std::string(why));
}

// dq, dr of the thin QR x = q r (q m x n, r n x n, m >= n): with X = q^H dx r^-1, the skew-Hermitian
// part of its strictly lower triangle (plus the imaginary diagonal for complex input) is q^H dq.
std::pair<Array, Array> thin_qr_jvp(const Array& q, const Array& r, const Array& dx) {
  const Array dx_rinv = lax::linalg::triangular_solve(r, dx);  // dx r^-1 (right side, upper)
  const Array qt_dx_rinv = jnp::matmul(adjoint(q), dx_rinv);
  const Array lower = jnp::tril(qt_dx_rinv, -1);
  Array d_omega = jnp::subtract(lower, adjoint(lower));
  if (is_complex(q.dtype())) {
    const std::int64_t n = cols(r.type());
    const Array imaginary = jnp::subtract(qt_dx_rinv, as_dtype(jnp::real(qt_dx_rinv), q.dtype()));
    d_omega = jnp::add(d_omega, jnp::multiply(jnp::eye(n, std::nullopt, 0, q.dtype()), imaginary));
  }
  const Array dq = jnp::add(jnp::matmul(q, jnp::subtract(d_omega, qt_dx_rinv)), dx_rinv);
  const Array dr = jnp::matmul(jnp::subtract(qt_dx_rinv, d_omega), r);
  return {dq, dr};
}

}  // namespace

// --- inverse -------------------------------------------------------------------------------------------

ArrayList Inverse::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                       std::span<const Array> outputs) const {
  if (!tangents[0].valid()) return {Array()};
  // x a = I, so dx a + x da = 0 and dx = -x da x.
  const Array& x = outputs[0];
  return {lax::neg(jnp::matmul(jnp::matmul(x, tangents[0]), x))};
}

// --- lu ------------------------------------------------------------------------------------------------

ArrayList Lu::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                  std::span<const Array> outputs) const {
  if (!tangents[0].valid()) return {Array(), Array(), Array()};
  // P a = L U, so P da = dL U + L dU and L^-1 P da U^-1 = L^-1 dL + dU U^-1: a strictly lower part
  // (L^-1 dL, unit-diagonal L) plus an upper one (dU U^-1). Rectangular factors are padded square.
  const Array& lu = outputs[0];
  const Array& permutation = outputs[2];
  const ArrayType type = lu.type();
  const std::int64_t m = rows(type), n = cols(type), k = std::min(m, n);
  const DType dtype = type.dtype;
  const Array row_order = jnp::broadcast_to(jnp::expand_dims(permutation, -1), tangents[0].shape());
  const Array permuted = jnp::take_along_axis(tangents[0], row_order, -2);
  const Array l = jnp::add(pad_matrix(jnp::tril(columns(lu, 0, k), -1), 0, m - k), jnp::eye(m, std::nullopt, 0, dtype));
  Array u = pad_matrix(jnp::triu(row_block(lu, 0, k)), n - k, 0);
  if (n > k) u = jnp::add(u, pad_matrix(jnp::eye(n - k, std::nullopt, 0, dtype), 0, 0, k, k));
  const Array la =
      lax::linalg::triangular_solve(l, permuted, {.left_side = true, .lower = true, .unit_diagonal = true});
  const Array lau = lax::linalg::triangular_solve(u, la, {.left_side = false, .lower = false});
  const Array l_dot = jnp::matmul(l, jnp::tril(lau, -1));
  const Array u_dot = jnp::matmul(jnp::triu(lau), u);
  return {jnp::add(l_dot, u_dot), Array(), Array()};
}

// --- qr ------------------------------------------------------------------------------------------------

ArrayList Qr::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                  std::span<const Array> outputs) const {
  if (!tangents[0].valid()) return {Array(), Array()};
  const Array& x = primals[0];
  const Array& dx = tangents[0];
  const Array& q = outputs[0];
  const Array& r = outputs[1];
  const std::int64_t m = rows(x.type()), n = cols(x.type());
  if (m < n) {
    // x = [x1 x2] = q [r1 r2]: (q, r1) is the QR of the square x1, and r2 = q^H x2.
    const auto [dq, dr1] = thin_qr_jvp(q, columns(r, 0, m), columns(dx, 0, m));
    const Array dr2 = jnp::add(jnp::matmul(adjoint(dq), columns(x, m, n)), jnp::matmul(adjoint(q), columns(dx, m, n)));
    return {dq, jnp::concatenate({dr1, dr2}, -1)};
  }
  if (full_matrices_ && m != n) {
    // The complete Q of a tall matrix (Roberts and Roberts, arXiv:2409.13374, as JAX): the first n
    // columns as in the thin case; the other m - n follow from the orthogonality of the whole, through
    // Z = Q_pn (Q_nn - I)^-1 (singular where Q_nn has an eigenvalue 1, as the paper notes).
    const Array q_mn = columns(q, 0, n), q_mp = columns(q, n, m);
    const auto [dq_mn, dr_nn] = thin_qr_jvp(q_mn, row_block(r, 0, n), dx);
    const Array q_nn = row_block(q_mn, 0, n), q_pn = row_block(q_mn, n, m);
    const Array dq_nn = row_block(dq_mn, 0, n), dq_pn = row_block(dq_mn, n, m);
    const Array shifted = jnp::subtract(q_nn, jnp::eye(n, std::nullopt, 0, q.dtype()));
    const Array z_pn_h = jnp::linalg::solve(adjoint(shifted), adjoint(q_pn));
    const Array z_pn = adjoint(z_pn_h);
    const Array dq_mp = jnp::subtract(
        jnp::matmul(dq_mn, z_pn_h),
        jnp::matmul(jnp::add(q_mn, jnp::matmul(q_mp, z_pn)), adjoint(jnp::subtract(dq_pn, jnp::matmul(z_pn, dq_nn)))));
    return {jnp::concatenate({dq_mn, dq_mp}, -1), pad_matrix(dr_nn, m - n, 0)};
  }
  const auto [dq, dr] = thin_qr_jvp(q, r, dx);
  return {dq, dr};
}

// --- eigh ----------------------------------------------------------------------------------------------

ArrayList Eigh::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                    std::span<const Array> outputs) const {
  if (!tangents[0].valid()) return {Array(), Array()};
  // a v = v diag(w) with v unitary: v^H da v = diag(dw) + (w_j - w_i) (v^H dv)_ij, so dw is its
  // diagonal and dv = v (F o v^H da v) with F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it. A
  // repeated eigenvalue makes F infinite, as in JAX: its eigenvectors are not differentiable.
  const Array& v = outputs[0];
  const DType dtype = v.dtype();
  const std::int64_t n = rows(v.type());
  const Array w = as_dtype(outputs[1], dtype);
  const Array eye = jnp::eye(n, std::nullopt, 0, dtype);
  const Array differences = jnp::subtract(jnp::expand_dims(w, -2), jnp::expand_dims(w, -1));
  const Array f = jnp::subtract(jnp::reciprocal(jnp::add(eye, differences)), eye);
  const Array projected = jnp::matmul(jnp::matmul(adjoint(v), tangents[0]), v);
  const Array dv = jnp::matmul(v, jnp::multiply(f, projected));
  const Array dw = jnp::real(jnp::diagonal(projected, {.axis1 = -2, .axis2 = -1}));
  return {dv, dw};
}

// --- svd -----------------------------------------------------------------------------------------------

ArrayList Svd::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                   std::span<const Array> outputs) const {
  const std::size_t count = compute_uv_ ? 3 : 1;
  if (!tangents[0].valid()) return ArrayList(count);
  const Array& a = primals[0];
  const Array& da = tangents[0];
  const std::int64_t m = rows(a.type()), n = cols(a.type());
  if (compute_uv_ && full_matrices_ && m != n) {
    not_differentiable("svd", fmt::format("the derivative of the SVD with full_matrices=true of a non-square "
                                          "matrix ({}) is not defined, as in JAX; use full_matrices=false",
                                          a.type().to_string()));
  }
  // The reduced factors (the primal outputs when they are those, else computed again).
  ArrayList factors;
  if (compute_uv_) {
    factors = {outputs[0], outputs[1], outputs[2]};
  } else {
    factors = jx::bind(Svd(false, true), std::span<const Array>(&a, 1));
  }
  const Array& s = factors[0];
  const Array& u = factors[1];
  const Array& vt = factors[2];
  const DType dtype = a.dtype();
  const Array ut = adjoint(u), v = adjoint(vt);
  // u^H da v = diag(ds) + (skew parts that give du and dv): Townsend's "Differentiating the singular
  // value decomposition" (2016), with the s_i = 0 terms masked as JAX does.
  const Array ds_full = jnp::matmul(jnp::matmul(ut, da), v);
  const Array ds = jnp::real(jnp::diagonal(ds_full, {.axis1 = -2, .axis2 = -1}));
  if (!compute_uv_) return {ds};
  const Array s_row = jnp::expand_dims(s, -2);  // (..., 1, k)
  const Array s_column = jnp::expand_dims(s, -1);
  const Array s_diffs = jnp::multiply(jnp::add(s_row, s_column), jnp::subtract(s_row, s_column));
  // Masked on the diagonal only, as JAX: repeated singular values make F infinite, because the
  // singular vectors of a repeated value are not differentiable.
  const Array s_diffs_zeros =
      jnp::broadcast_to(jnp::eye(s.shape()[s.ndim() - 1], std::nullopt, 0, s.dtype()), s_diffs.shape());
  const Array f = jnp::subtract(jnp::reciprocal(jnp::add(s_diffs, s_diffs_zeros)), s_diffs_zeros);
  const Array s_zeros = as_dtype(jnp::equal(s, jnp::zeros_like(s)), s.dtype());
  const Array s_inv = jnp::subtract(jnp::reciprocal(jnp::add(s, s_zeros)), s_zeros);
  const std::int64_t k = s.shape()[s.ndim() - 1];
  const Array s_inv_matrix = scale_columns(jnp::eye(k, std::nullopt, 0, s.dtype()), s_inv);
  const Array s_c = as_dtype(s, dtype);
  const Array dss = scale_columns(ds_full, s_c);  // dS diag(s)
  const Array sds = scale_rows(s_c, ds_full);     // diag(s) dS
  const Array f_c = as_dtype(f, dtype);
  const Array du_dv_diagonal =
      jnp::multiply(jnp::multiply(jnp::subtract(ds_full, adjoint(ds_full)), as_dtype(s_inv_matrix, dtype)),
                    jnp::array(0.5, real_dtype(dtype)));
  Array du = jnp::matmul(u, jnp::add(jnp::multiply(f_c, jnp::add(dss, adjoint(dss))), du_dv_diagonal));
  Array dv = jnp::matmul(v, jnp::multiply(f_c, jnp::add(sds, adjoint(sds))));
  if (m > n) {
    const Array dav = jnp::matmul(da, v);
    du = jnp::add(du, jnp::divide(jnp::subtract(dav, jnp::matmul(u, jnp::matmul(ut, dav))), jnp::expand_dims(s_c, -2)));
  }
  if (n > m) {
    const Array dahu = jnp::matmul(adjoint(da), u);
    dv = jnp::add(dv,
                  jnp::divide(jnp::subtract(dahu, jnp::matmul(v, jnp::matmul(vt, dahu))), jnp::expand_dims(s_c, -2)));
  }
  return {ds, du, adjoint(dv)};
}

// --- eig -----------------------------------------------------------------------------------------------

ArrayList Eig::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                   std::span<const Array> /*outputs*/) const {
  if (compute_left_ || compute_right_) {
    not_differentiable("eig",
                       "only the eigenvalues of a general matrix are differentiable, as in JAX: call eig "
                       "with compute_left_eigenvectors and compute_right_eigenvectors false "
                       "(jnp::linalg::eigvals)");
  }
  if (!tangents[0].valid()) return {Array()};
  // a = v diag(w) v^-1, so dw = diag(v^-1 da v) (Magnus 1985; Giles 2008 eq. 4.60).
  const lax::linalg::EigResult right = lax::linalg::eig(primals[0], {.compute_left_eigenvectors = false});
  const Array& v = right.vr;
  const Array da = as_dtype(tangents[0], v.dtype());
  const Array dw = jnp::diagonal(jnp::matmul(jnp::linalg::solve(v, da), v), {.axis1 = -2, .axis2 = -1});
  return {dw};
}

// --- tridiagonal_solve ---------------------------------------------------------------------------------

ArrayList TridiagonalSolve::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                                std::span<const Array> outputs) const {
  const Array &dl = primals[0], &d = primals[1], &du = primals[2];
  Array result;
  if (tangents[3].valid()) result = jx::bind1(*this, {dl, d, du, tangents[3]});
  if (tangents[0].valid() || tangents[1].valid() || tangents[2].valid()) {
    // A x = b gives dA x + A dx = 0: dx = -A^-1 (dA x), with (dA x)_i = ddl_i x_{i-1} + dd_i x_i + ddu_i x_{i+1}.
    const Array& x = outputs[0];
    const std::int64_t m = rows(x.type());
    Array product;
    if (tangents[0].valid() && m > 1) {
      const Array previous = pad_matrix(row_block(x, 0, m - 1), 0, 0, 1, 0);
      product = rules::add_tangents(product, scale_rows(tangents[0], previous));
    }
    if (tangents[1].valid()) product = rules::add_tangents(product, scale_rows(tangents[1], x));
    if (tangents[2].valid() && m > 1) {
      const Array next = pad_matrix(row_block(x, 1, m), 1, 0);
      product = rules::add_tangents(product, scale_rows(tangents[2], next));
    }
    if (product.valid()) result = rules::add_tangents(result, lax::neg(jx::bind1(*this, {dl, d, du, product})));
  }
  return {result};
}

ArrayList TridiagonalSolve::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                      std::span<const ArrayType> /*types*/) const {
  if (!inputs[0].valid() || !inputs[1].valid() || !inputs[2].valid()) {
    throw ValueError(std::string(name()), "tridiagonal_solve is linear in b only, not in the diagonals");
  }
  if (!cotangents[0].valid()) return {Array(), Array(), Array(), Array()};
  // A^T has A's super-diagonal below and its sub-diagonal above: dl'_i = du_{i-1}, du'_i = dl_{i+1}.
  const Array &dl = inputs[0], &d = inputs[1], &du = inputs[2];
  const std::int64_t m = d.shape()[d.ndim() - 1];
  const int last = d.ndim() - 1;
  auto shifted = [&](const Array& diagonal, std::int64_t begin, std::int64_t end, bool to_front) {
    std::vector<std::pair<std::int64_t, std::int64_t>> widths(static_cast<std::size_t>(diagonal.ndim()), {0, 0});
    widths.back() =
        to_front ? std::pair<std::int64_t, std::int64_t>{1, 0} : std::pair<std::int64_t, std::int64_t>{0, 1};
    return jnp::pad(lax::slice_in_dim(diagonal, begin, end, 1, last), widths);
  };
  const Array dl_t = m > 1 ? shifted(du, 0, m - 1, true) : du;
  const Array du_t = m > 1 ? shifted(dl, 1, m, false) : dl;
  return {Array(), Array(), Array(), jx::bind1(*this, {dl_t, d, du_t, cotangents[0]})};
}

}  // namespace jx::primitives
