// jx::numpy::linalg's functions built on the SVD, the eigensolvers and QR (svd, eigh, eig, qr, pinv,
// lstsq, matrix_rank, cond) and the norms, following jax/_src/numpy/linalg.py rule for rule: the
// same tolerances, the same masking of zero singular values, the same NaN-to-inf in cond.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "jx/transforms/custom_derivatives.h"
#include "ops/linalg_common.h"
#include "ops/promotion.h"

namespace jx::numpy::linalg {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Array last_column(const Array& s, std::int64_t index) {
  return squeeze(lax::slice_in_dim(s, index, index + 1, 1, s.ndim() - 1), -1);
}

// x's axes in the order given (JAX keeps the order: (1, 0) is the transposed matrix norm).
std::vector<int> ordered_axes(std::string_view op, const Axes& axes, int ndim) {
  std::vector<int> result;
  for (int axis : axes) result.push_back(ops::normalize_axis(op, axis, ndim));
  for (std::size_t i = 0; i < result.size(); ++i) {
    for (std::size_t j = i + 1; j < result.size(); ++j) {
      if (result[i] == result[j]) throw ValueError(std::string(op), fmt::format("repeated axis {}", result[i]));
    }
  }
  return result;
}

Array sum_of_squares(const Array& x, std::optional<Axes> axis, bool keepdims) {
  return sqrt(sum(real(multiply(x, conj(x))), ReduceOptions{.axis = std::move(axis), .keepdims = keepdims}));
}

Array vector_norm_of(const Array& x, const NormOrder& ord, std::optional<Axes> axis, bool keepdims) {
  const ReduceOptions options{.axis = axis, .keepdims = keepdims};
  if (ord.is_named()) {
    throw ValueError("norm",
                     fmt::format("invalid order '{}' for a vector norm (use a number; inf is a number)", ord.name()));
  }
  const double p = ord.value();
  if (p == 2) return sum_of_squares(x, axis, keepdims);
  if (p == kInf) return max(abs(x), options);
  if (p == -kInf) return min(abs(x), options);
  if (p == 0) {
    return sum(astype(not_equal(x, zeros_like(x)), real_dtype(x.dtype())), options);
  }
  if (p == 1) return sum(abs(x), options);
  const Array magnitude = abs(x);
  const DType dtype = magnitude.dtype();
  return power(sum(power(magnitude, array(p, dtype)), options), array(1.0 / p, dtype));
}

Array matrix_norm_of(const Array& x, const NormOrder& ord, int row_axis, int col_axis, bool keepdims) {
  const bool named = ord.is_named();
  if (named && ord.name() != "fro" && ord.name() != "f" && ord.name() != "nuc") {
    throw ValueError("norm", fmt::format("invalid order '{}' for a matrix norm", ord.name()));
  }
  if (named && ord.name() != "nuc") return sum_of_squares(x, Axes{row_axis, col_axis}, keepdims);
  const double p = named ? 0 : ord.value();
  // Induced 1- and inf-norms: the largest (smallest, for -1 and -inf) absolute column or row sum.
  if (!named && (std::abs(p) == 1 || std::abs(p) == kInf)) {
    int summed = std::abs(p) == 1 ? row_axis : col_axis;
    int other = std::abs(p) == 1 ? col_axis : row_axis;
    if (!keepdims && other > summed) --other;
    const Array sums = sum(abs(x), ReduceOptions{.axis = summed, .keepdims = keepdims});
    const ReduceOptions outer{.axis = other, .keepdims = keepdims};
    return p > 0 ? max(sums, outer) : min(sums, outer);
  }
  if (named || std::abs(p) == 2) {  // "nuc", 2, -2: from the singular values
    std::vector<int> order;
    for (int d = 0; d < x.ndim(); ++d) {
      if (d != row_axis && d != col_axis) order.push_back(d);
    }
    order.push_back(row_axis);
    order.push_back(col_axis);
    const Array s = svdvals(lax::transpose(x, order));
    Array y = named ? sum(s, -1) : p > 0 ? max(s, -1) : min(s, -1);
    if (keepdims) {
      y = expand_dims(expand_dims(y, std::min(row_axis, col_axis)), std::max(row_axis, col_axis));
    }
    return y;
  }
  throw ValueError("norm", fmt::format("invalid order {} for a matrix norm", ord.to_string()));
}

}  // namespace

std::string NormOrder::to_string() const {
  if (is_named()) return "'" + name_ + "'";
  return fmt::format("{}", value_);
}

Array norm_function::operator()(const Array& x, NormOptions options, Loc loc) const {
  CallSite site(loc);
  if (!x.valid()) throw ValueError("norm", "the operand is an empty jx::Array handle");
  const Array a = ops::to_inexact(x);
  std::vector<int> axes;
  if (!options.axis) {
    if (!options.ord) return sum_of_squares(a, std::nullopt, options.keepdims);
    for (int d = 0; d < a.ndim(); ++d) axes.push_back(d);
  } else {
    axes = ordered_axes("norm", *options.axis, a.ndim());
  }
  if (axes.size() == 1) {
    return vector_norm_of(a, options.ord.value_or(NormOrder(2)), Axes{axes[0]}, options.keepdims);
  }
  if (axes.size() == 2) {
    return matrix_norm_of(a, options.ord.value_or(NormOrder("fro")), axes[0], axes[1], options.keepdims);
  }
  throw ValueError("norm", fmt::format("improper number of axes ({}) for {}: pass one axis for a vector norm or two "
                                       "for a matrix norm",
                                       axes.size(), x.type().to_string()));
}

Array vector_norm_function::operator()(const Array& x, NormOptions options, Loc loc) const {
  CallSite site(loc);
  if (!x.valid()) throw ValueError("vector_norm", "the operand is an empty jx::Array handle");
  const Array a = ops::to_inexact(x);
  std::optional<Axes> axis;
  if (options.axis) {
    Axes normalized;
    for (int d : ordered_axes("vector_norm", *options.axis, a.ndim())) normalized.push_back(d);
    axis = normalized;
  }
  return vector_norm_of(a, options.ord.value_or(NormOrder(2)), axis, options.keepdims);
}

Array matrix_norm_function::operator()(const Array& x, NormOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("matrix_norm", x, false);
  if (options.axis) throw ValueError("matrix_norm", "takes no axis: it reduces the last two axes");
  const Array a = ops::to_inexact(x);
  return matrix_norm_of(a, options.ord.value_or(NormOrder("fro")), a.ndim() - 2, a.ndim() - 1, options.keepdims);
}

SVDResult svd_function::operator()(const Array& a, SvdOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("svd", a, options.hermitian);
  const Array x = ops::to_inexact(a);
  if (options.hermitian) {
    // a = v diag(w) v^H = (v P) diag(|w| sorted descending) (sign(w) v P)^H.
    const auto [v, w] = lax::linalg::eigh(x);
    const Array s = abs(w);
    if (!options.compute_uv) return {Array(), flip(sort(s, -1), -1), Array()};
    const Array order = flip(argsort(s, -1), -1);
    const Array sorted_s = take_along_axis(s, order, -1);
    const Array sorted_sign = take_along_axis(sign(w), order, -1);
    const Array columns = broadcast_to(expand_dims(order, -2), v.shape());
    const Array u = take_along_axis(v, columns, -1);
    const Array vh = ops::adjoint(multiply(u, expand_dims(astype(sorted_sign, u.dtype()), -2)));
    return {u, sorted_s, vh};
  }
  const auto result = lax::linalg::svd(x, {.full_matrices = options.full_matrices, .compute_uv = options.compute_uv});
  return {result.u, result.s, result.vh};
}

Array svdvals_function::operator()(const Array& a, Loc loc) const { return svd(a, {.compute_uv = false}, loc).S; }

EighResult eigh_function::operator()(const Array& a, EighOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("eigh", a, true);
  if (options.UPLO != "L" && options.UPLO != "U") {
    throw ValueError("eigh", fmt::format("UPLO must be \"L\" or \"U\", got \"{}\"", options.UPLO));
  }
  const auto [v, w] = lax::linalg::eigh(ops::to_inexact(a),
                                        {.lower = options.UPLO == "L", .symmetrize_input = options.symmetrize_input});
  return {w, v};
}

Array eigvalsh_function::operator()(const Array& a, EighOptions options, Loc loc) const {
  return eigh(a, options, loc).eigenvalues;
}

EigResult eig_function::operator()(const Array& a, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("eig", a, true);
  const auto result = lax::linalg::eig(ops::to_inexact(a), {.compute_left_eigenvectors = false});
  return {result.w, result.vr};
}

Array eigvals_function::operator()(const Array& a, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("eigvals", a, true);
  return lax::linalg::eig(ops::to_inexact(a), {.compute_left_eigenvectors = false, .compute_right_eigenvectors = false})
      .w;
}

QRResult qr_function::operator()(const Array& a, std::string_view mode, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("qr", a, false);
  const Array x = ops::to_inexact(a);
  if (mode == "raw") {
    const auto [reflectors, taus] = lax::linalg::geqrf(x);
    return {swapaxes(reflectors, -1, -2), taus};
  }
  if (mode != "reduced" && mode != "complete" && mode != "r") {
    throw ValueError("qr", fmt::format("mode must be \"reduced\", \"complete\", \"r\" or \"raw\", got \"{}\"", mode));
  }
  const auto [q, r] = lax::linalg::qr(x, {.full_matrices = mode == "complete"});
  if (mode == "r") return {Array(), r};
  return {q, r};
}

namespace {

Array pseudo_inverse(const Array& a, double rtol, bool hermitian) {
  const Array x = conj(a);
  const DType real = real_dtype(x.dtype());
  // Singular values at most rtol * the largest count as zero: their reciprocals are 1 / inf = 0.
  const auto [u, s, vh] = svd(x, {.full_matrices = false, .hermitian = hermitian});
  const Array cutoff = multiply(array(rtol, real), lax::slice_in_dim(s, 0, 1, 1, s.ndim() - 1));
  const Array kept = astype(where(greater(s, cutoff), s, full_like(s, kInf)), u.dtype());
  return numpy::matmul(swapaxes(vh, -1, -2), divide(swapaxes(u, -1, -2), expand_dims(kept, -1)));
}

}  // namespace

Array pinv_function::operator()(const Array& a, PinvOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("pinv", a, false);
  const Array x = ops::to_inexact(a);
  const std::int64_t m = x.shape()[x.ndim() - 2], n = x.shape()[x.ndim() - 1];
  if (m == 0 || n == 0) return swapaxes(x, -1, -2);
  const double rtol = options.rtol.value_or(10.0 * static_cast<double>(std::max(m, n)) * ops::epsilon(x.dtype()));
  const bool hermitian = options.hermitian;
  // JAX's rule (Golub and Pereyra 1973), which holds at any rank, where the SVD's own derivative
  // divides by the gaps between singular values:
  //   dp = -p da p + p p^H da^H (I - a p) + (I - p a) da^H p^H p.
  const auto with_jvp = custom_jvp(
      [rtol, hermitian](const Array& matrix) { return pseudo_inverse(matrix, rtol, hermitian); },
      [rtol, hermitian](const std::tuple<Array>& primals, const std::tuple<Array>& tangents) {
        // With hermitian, the primal reads the Hermitian part of a (eigh symmetrizes): so does the rule.
        const auto hermitian_part = [](const Array& h) {
          return divide(add(h, ops::adjoint(h)), array(2, real_dtype(h.dtype())));
        };
        const Array matrix = hermitian ? hermitian_part(std::get<0>(primals)) : std::get<0>(primals);
        const Array da = hermitian ? hermitian_part(std::get<0>(tangents)) : std::get<0>(tangents);
        const Array p = pseudo_inverse(matrix, rtol, hermitian);
        const std::int64_t rows = matrix.shape()[matrix.ndim() - 2], cols = matrix.shape()[matrix.ndim() - 1];
        const Array p_h = ops::adjoint(p), da_h = ops::adjoint(da);
        const Array left = subtract(eye(rows, std::nullopt, 0, matrix.dtype()), numpy::matmul(matrix, p));
        const Array right = subtract(eye(cols, std::nullopt, 0, matrix.dtype()), numpy::matmul(p, matrix));
        Array dp = negative(numpy::matmul(numpy::matmul(p, da), p));
        dp = add(dp, numpy::matmul(numpy::matmul(numpy::matmul(p, p_h), da_h), left));
        dp = add(dp, numpy::matmul(numpy::matmul(numpy::matmul(right, da_h), p_h), p));
        return std::pair{p, dp};
      });
  return with_jvp(x);
}

LstsqResult lstsq_function::operator()(const Array& a, const Array& b, LstsqOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("lstsq", a, false);
  if (!b.valid()) throw ValueError("lstsq", "b is an empty jx::Array handle");
  auto [x, y] = ops::promote_inexact(a, b);
  if (x.ndim() != 2) throw ShapeError("lstsq", fmt::format("a must be 2-D, got {}", a.type().to_string()));
  if (y.ndim() != 1 && y.ndim() != 2) {
    throw ShapeError("lstsq", fmt::format("b must be 1-D or 2-D, got {}", b.type().to_string()));
  }
  if (x.shape()[0] != y.shape()[0]) {
    throw ShapeError("lstsq", fmt::format("a {} and b {} must have the same number of rows", a.shape().to_string(),
                                          b.shape().to_string()));
  }
  const bool vector = y.ndim() == 1;
  if (vector) y = expand_dims(y, -1);
  const std::int64_t m = x.shape()[0], n = x.shape()[1];
  const DType dtype = x.dtype(), real_type = real_dtype(dtype);
  Array solution, rank, s;
  if (x.size() == 0) {
    s = zeros(Shape{0}, real_type);
    rank = sum(zeros(Shape{0}, DType::bool_));
    solution = zeros(Shape{n, y.shape()[1]}, dtype);
  } else {
    double rcond = options.rcond.value_or(ops::epsilon(dtype) * static_cast<double>(std::max(m, n)));
    if (rcond < 0) rcond = ops::epsilon(dtype);
    const auto [u, values, vt] = svd(x, {.full_matrices = false});
    s = values;
    const Array largest = lax::slice_in_dim(s, 0, 1, 1, 0);
    const Array mask =
        logical_and(greater(s, zeros_like(s)), greater_equal(s, multiply(array(rcond, real_type), largest)));
    rank = sum(mask);
    const Array safe = astype(where(mask, s, ones_like(s)), dtype);
    const Array s_inv = expand_dims(where(mask, reciprocal(safe), zeros_like(safe)), -1);
    const Array ut_b = numpy::matmul(ops::adjoint(u), y);
    solution = numpy::matmul(ops::adjoint(vt), multiply(s_inv, ut_b));
  }
  // JAX returns the residuals in every case (NumPy's empty residuals would make the shape depend on
  // the rank): |b - a x|^2 per column.
  const Array difference = subtract(y, numpy::matmul(x, solution));
  const Array residuals = sum(real(multiply(difference, conj(difference))), 0);
  if (vector) solution = squeeze(solution, -1);
  return {solution, residuals, rank, s};
}

Array matrix_rank_function::operator()(const Array& a, MatrixRankOptions options, Loc loc) const {
  CallSite site(loc);
  if (!a.valid()) throw ValueError("matrix_rank", "the operand is an empty jx::Array handle");
  if (options.rtol && options.tol) throw ValueError("matrix_rank", "only one of tol and rtol may be given");
  const Array x = ops::to_inexact(a);
  if (x.ndim() < 2) return astype(any(not_equal(x, zeros_like(x))), DType::int32);
  const Array s = svdvals(x);
  const std::int64_t largest_dim = std::max(x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1]);
  const DType real = s.dtype();
  Array threshold;
  if (options.rtol || options.tol) {
    threshold = array(options.rtol ? *options.rtol : *options.tol, real);
  } else {
    threshold = multiply(max(s, -1), array(static_cast<double>(largest_dim) * ops::epsilon(real), real));
    threshold = expand_dims(threshold, -1);
  }
  return sum(greater(s, threshold), -1);
}

Array cond_function::operator()(const Array& x, std::optional<NormOrder> p, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("cond", x, false);
  if (x.shape()[x.ndim() - 1] == 0 || x.shape()[x.ndim() - 2] == 0) {
    throw ValueError("cond", fmt::format("the matrix must not be empty, got {}", x.type().to_string()));
  }
  const Array a = ops::to_inexact(x);
  // A singular matrix gives NaN (0 / 0, or inv's NaNs); cond reports inf there unless a had NaNs.
  const auto nan_to_inf = [&a](const Array& ratio) {
    return where(logical_and(isnan(ratio), logical_not(any(isnan(a), {-2, -1}))), full_like(ratio, kInf), ratio);
  };
  const bool two = !p || (!p->is_named() && p->value() == 2);
  if (two || (!p->is_named() && p->value() == -2)) {
    const Array s = svdvals(a);
    const std::int64_t k = s.shape()[s.ndim() - 1];
    if (two) return divide(last_column(s, 0), last_column(s, k - 1));  // as JAX: no NaN fix-up for 2
    return nan_to_inf(divide(last_column(s, k - 1), last_column(s, 0)));
  }
  ops::check_matrix("cond", x, true);
  const NormOptions options{.ord = p, .axis = Axes{-2, -1}};
  return nan_to_inf(multiply(norm(a, options), norm(inv(a), options)));
}

}  // namespace jx::numpy::linalg
