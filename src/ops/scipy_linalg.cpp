// jx::scipy::linalg (jax.scipy.linalg): SciPy's spellings of the factorizations and solves, and the
// matrix functions expm, sqrtm and polar, composed of lax::linalg primitives and jnp ops so that jit,
// vmap and grad see through them.
#include <fmt/format.h>

#include <array>
#include <cmath>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/vmap.h"
#include "ops/linalg_common.h"
#include "ops/promotion.h"

namespace jx::scipy::linalg {
namespace jnp = jx::numpy;

namespace {

// Which right-hand sides are vectors: lu_solve takes b of a's rank (matrices) or one less (vectors),
// as lax.linalg's solve shape check; solve_triangular and cho_solve take any 1-D b as a vector, and b
// with one axis fewer than a and a's last dimension as a stack of vectors (JAX's deprecated reading).
enum class VectorRule { rank_below_a, one_dimensional };

// b as a stack of matrices (a vector gets a trailing axis) broadcast against a's batch shape; `vector`
// says which it was.
std::pair<Array, bool> as_right_hand_side(std::string_view op, const Array& a, const Array& b,
                                          VectorRule rule = VectorRule::rank_below_a) {
  if (!b.valid()) throw ValueError(std::string(op), "b is an empty jx::Array handle");
  const std::int64_t n = a.shape()[a.ndim() - 1];
  const bool vector = rule == VectorRule::rank_below_a
                          ? b.ndim() == a.ndim() - 1
                          : b.ndim() == 1 || (a.ndim() == b.ndim() + 1 && b.shape()[b.ndim() - 1] == n);
  Array matrices = vector ? jnp::expand_dims(b, -1) : b;
  if (matrices.ndim() < 2 || matrices.shape()[matrices.ndim() - 2] != a.shape()[a.ndim() - 1]) {
    throw ShapeError(std::string(op),
                     fmt::format("b {} does not match the {} matrix a", b.shape().to_string(), a.shape().to_string()));
  }
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2),
      b_batch(matrices.shape().begin(), matrices.shape().end() - 2);
  return {ops::with_batch(matrices, ops::broadcast_shapes(op, a_batch, b_batch)), vector};
}

Array finish(const Array& x, bool vector) { return vector ? jnp::squeeze(x, -1) : x; }

// --- expm: Higham's scaling and squaring with Pade approximants (as jax.scipy.linalg.expm) ----------

// U (odd part) and V (even part) of the Pade approximant r_m(A) = (V + U) / (V - U) of degree m.
std::pair<Array, Array> pade(const Array& a, int degree) {
  static const std::array<double, 4> b3{120., 60., 12., 1.};
  static const std::array<double, 6> b5{30240., 15120., 3360., 420., 30., 1.};
  static const std::array<double, 8> b7{17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.};
  static const std::array<double, 10> b9{17643225600., 8821612800., 2075673600., 302702400., 30270240.,
                                         2162160.,     110880.,     3960.,       90.,        1.};
  static const std::array<double, 14> b13{64764752532480000.,
                                          32382376266240000.,
                                          7771770303897600.,
                                          1187353796428800.,
                                          129060195264000.,
                                          10559470521600.,
                                          670442572800.,
                                          33522128640.,
                                          1323241920.,
                                          40840800.,
                                          960960.,
                                          16380.,
                                          182.,
                                          1.};
  const std::int64_t n = a.shape()[a.ndim() - 1];
  const DType dtype = a.dtype();
  const Array identity = jnp::eye(n, std::nullopt, 0, dtype);
  auto scaled = [&](double c, const Array& x) { return jnp::multiply(jnp::array(c, real_dtype(dtype)), x); };
  const Array a2 = jnp::matmul(a, a);
  if (degree == 13) {
    const Array a4 = jnp::matmul(a2, a2), a6 = jnp::matmul(a4, a2);
    const Array u_high =
        jnp::matmul(a6, jnp::add(jnp::add(scaled(b13[13], a6), scaled(b13[11], a4)), scaled(b13[9], a2)));
    const Array u = jnp::matmul(
        a, jnp::add(jnp::add(jnp::add(u_high, scaled(b13[7], a6)), jnp::add(scaled(b13[5], a4), scaled(b13[3], a2))),
                    scaled(b13[1], identity)));
    const Array v_high =
        jnp::matmul(a6, jnp::add(jnp::add(scaled(b13[12], a6), scaled(b13[10], a4)), scaled(b13[8], a2)));
    const Array v =
        jnp::add(jnp::add(jnp::add(v_high, scaled(b13[6], a6)), jnp::add(scaled(b13[4], a4), scaled(b13[2], a2))),
                 scaled(b13[0], identity));
    return {u, v};
  }
  const double* b = degree == 3 ? b3.data() : degree == 5 ? b5.data() : degree == 7 ? b7.data() : b9.data();
  // Powers A^0, A^2, A^4, ... up to A^(degree - 1).
  std::vector<Array> powers{identity, a2};
  for (int p = 4; p < degree; p += 2) powers.push_back(jnp::matmul(powers.back(), a2));
  Array odd = scaled(b[1], identity), even = scaled(b[0], identity);
  for (std::size_t k = 1; k < powers.size(); ++k) {
    odd = jnp::add(odd, scaled(b[2 * k + 1], powers[k]));
    even = jnp::add(even, scaled(b[2 * k], powers[k]));
  }
  return {jnp::matmul(a, odd), even};
}

constexpr std::int64_t kMaxSquarings = 16;

Array expm_single(const Array& a) {
  const bool doubles = real_dtype(a.dtype()) == DType::float64;
  const DType real = real_dtype(a.dtype());
  // The degree and the number of squarings follow from the 1-norm (Higham 2005, Table 2.3): degree 13
  // (7 in single precision) for norms above the thresholds, after scaling by 2^-s with s the least that
  // brings the norm under the degree's bound. (JAX rounds s down, which can leave the scaled norm at
  // twice the bound and costs digits: exp of a rotation by 40 radians is off by 1e-8 in float64.)
  const double max_norm = doubles ? 5.371920351148152 : 3.925724783138660;
  const std::vector<double> thresholds = doubles ? std::vector<double>{1.495585217958292e-2, 2.539398330063230e-1,
                                                                       9.504178996162932e-1, 2.097847961257068e+0}
                                                 : std::vector<double>{4.258730016922831e-1, 1.880152677804762e+0};
  const Array norm1 = jnp::linalg::norm(a, {.ord = 1});
  const Array squarings =
      jnp::maximum(jnp::zeros_like(norm1), jnp::ceil(jnp::log2(jnp::divide(norm1, jnp::array(max_norm, real)))));
  const Array scaled = jnp::divide(a, jnp::astype(jnp::exp2(squarings), a.dtype()));
  Array index = jnp::zeros(Shape{}, DType::int32);
  for (double threshold : thresholds) {
    index = jnp::add(index, jnp::astype(jnp::greater_equal(norm1, jnp::array(threshold, real)), DType::int32));
  }
  auto branch = [](int degree) {
    return [degree](const Array& x) {
      const auto [u, v] = pade(x, degree);
      return std::vector<Array>{u, v};
    };
  };
  const std::vector<Array> uv =
      doubles ? lax::switch_(index, std::tuple{branch(3), branch(5), branch(7), branch(9), branch(13)}, scaled)
              : lax::switch_(index, std::tuple{branch(3), branch(5), branch(7)}, scaled);
  const Array p = jnp::add(uv[0], uv[1]), q = jnp::subtract(uv[1], uv[0]);
  const Array r = jnp::linalg::solve(q, p);
  // Undo the scaling: square s times, as a loop of fixed length (reverse-differentiable) whose steps
  // past s are the identity. More than kMaxSquarings squarings (norms beyond ~2^16) give NaN, as JAX.
  const Array squarings_int = jnp::astype(squarings, DType::int32);
  const Array squared = lax::fori_loop(
      0, kMaxSquarings,
      [&](const Array& i, const Array& x) {
        return lax::cond(
            jnp::less(i, squarings_int), [](const Array& y) { return jnp::matmul(y, y); },
            [](const Array& y) { return y; }, x);
      },
      r);
  const Array too_many = jnp::greater(squarings, jnp::array(static_cast<double>(kMaxSquarings), real));
  return jnp::where(too_many, jnp::full_like(squared, jnp::array(std::nan(""), real)), squared);
}

// The upper-triangular square root of an upper-triangular T, superdiagonal by superdiagonal: with N
// the strictly upper part computed so far, U[i, i+d] = (T[i, i+d] - (N N)[i, i+d]) / (U[i, i] +
// U[i+d, i+d]). One product per diagonal: O(n^4), fine for the sizes sqrtm is used at.
Array sqrt_upper_triangular(const Array& t) {
  const std::int64_t n = t.shape()[t.ndim() - 1];
  const Array root_diagonal = jnp::sqrt(jnp::linalg::diagonal(t));
  Array u = jnp::multiply(jnp::eye(n, std::nullopt, 0, t.dtype()), jnp::expand_dims(root_diagonal, -2));
  Array strict = jnp::zeros_like(t);
  for (std::int64_t d = 1; d < n; ++d) {
    const Array products = jnp::linalg::diagonal(jnp::matmul(strict, strict), static_cast<int>(d));
    const Array target = jnp::linalg::diagonal(t, static_cast<int>(d));
    const Array denominator = jnp::add(lax::slice_in_dim(root_diagonal, 0, n - d, 1, root_diagonal.ndim() - 1),
                                       lax::slice_in_dim(root_diagonal, d, n, 1, root_diagonal.ndim() - 1));
    const Array numerator = jnp::subtract(target, products);
    // As JAX: an exactly cancelling numerator gives 0 even over a zero denominator.
    const Array value = jnp::where(jnp::equal(numerator, jnp::zeros_like(numerator)), jnp::zeros_like(numerator),
                                   jnp::divide(numerator, denominator));
    std::vector<std::pair<std::int64_t, std::int64_t>> widths(static_cast<std::size_t>(value.ndim()), {0, 0});
    widths.back() = {0, d};
    const Array placed = jnp::multiply(jnp::eye(n, std::nullopt, static_cast<std::int64_t>(d), t.dtype()),
                                       jnp::expand_dims(jnp::pad(value, widths), -1));
    u = jnp::add(u, placed);
    strict = jnp::add(strict, placed);
  }
  return u;
}

}  // namespace

LuResult lu_function::operator()(const Array& a, LuOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("lu", a, false);
  const Array x = ops::to_inexact(a);
  const auto factors = lax::linalg::lu(x);
  const std::int64_t m = x.shape()[x.ndim() - 2], n = x.shape()[x.ndim() - 1], k = std::min(m, n);
  const Array l =
      jnp::add(jnp::tril(lax::slice_in_dim(factors.lu, 0, k, 1, x.ndim() - 1), -1), jnp::eye(m, k, 0, x.dtype()));
  const Array u = jnp::triu(lax::slice_in_dim(factors.lu, 0, k, 1, x.ndim() - 2));
  // x[permutation] = L U, so x = P L U with P[permutation[i], i] = 1.
  const Array rows = lax::broadcasted_iota(DType::int32, Shape{m, m}, 0);
  const Array p = jnp::astype(jnp::equal(rows, jnp::expand_dims(factors.permutation, -2)), x.dtype());
  if (options.permute_l) return {Array(), jnp::matmul(p, l), u};
  return {p, l, u};
}

std::pair<Array, Array> lu_factor_function::operator()(const Array& a, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("lu_factor", a, false);
  const auto factors = lax::linalg::lu(ops::to_inexact(a));
  return {factors.lu, factors.pivots};
}

Array lu_solve_function::operator()(const std::pair<Array, Array>& lu_and_piv, const Array& b, int trans,
                                    Loc loc) const {
  CallSite site(loc);
  const auto& [factors, pivots] = lu_and_piv;
  ops::check_matrix("lu_solve", factors, true);
  if (trans < 0 || trans > 2) throw ValueError("lu_solve", fmt::format("trans must be 0, 1 or 2, got {}", trans));
  auto [rhs, vector] = as_right_hand_side("lu_solve", factors, b);
  rhs = ops::convert_to(rhs, PromotionType{factors.dtype(), false});
  const std::int64_t n = factors.shape()[factors.ndim() - 1];
  const Array permutation = lax::linalg::lu_pivots_to_permutation(pivots, n);
  return finish(ops::lu_solve(factors, permutation, rhs, trans), vector);
}

ChoFactor cho_factor_function::operator()(const Array& a, ChoFactorOptions options, Loc loc) const {
  CallSite site(loc);
  return {cholesky(a, {.lower = options.lower}, loc), options.lower};
}

Array cholesky_function::operator()(const Array& a, CholeskyOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("cholesky", a, true);
  // As SciPy and JAX: only the named triangle is read (no symmetrization), the upper one as the
  // lower triangle of a^H, whose factor is U^H.
  const Array x = ops::to_inexact(a);
  const Array l = lax::linalg::cholesky(options.lower ? x : ops::adjoint(x), {.symmetrize_input = false}, loc);
  return options.lower ? l : ops::adjoint(l);
}

Array cho_solve_function::operator()(const ChoFactor& c_and_lower, const Array& b, Loc loc) const {
  CallSite site(loc);
  const Array& c = c_and_lower.c;
  ops::check_matrix("cho_solve", c, true);
  auto [rhs, vector] = as_right_hand_side("cho_solve", c, b, VectorRule::one_dimensional);
  rhs = ops::convert_to(rhs, PromotionType{c.dtype(), false});
  // a = L L^H: solve L y = b, then L^H x = y (with c = U = L^H when upper).
  const bool lower = c_and_lower.lower;
  const Array y = lax::linalg::triangular_solve(
      c, rhs, {.left_side = true, .lower = lower, .transpose_a = !lower, .conjugate_a = !lower});
  return finish(lax::linalg::triangular_solve(
                    c, y, {.left_side = true, .lower = lower, .transpose_a = lower, .conjugate_a = lower}),
                vector);
}

Array solve_triangular_function::operator()(const Array& a, const Array& b, SolveTriangularOptions options,
                                            Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("solve_triangular", a, true);
  if (options.trans < 0 || options.trans > 2) {
    throw ValueError("solve_triangular", fmt::format("trans must be 0, 1 or 2, got {}", options.trans));
  }
  auto [x, y] = ops::promote_inexact(a, b);
  auto [rhs, vector] = as_right_hand_side("solve_triangular", x, y, VectorRule::one_dimensional);
  const Shape batch(rhs.shape().begin(), rhs.shape().end() - 2);
  return finish(lax::linalg::triangular_solve(ops::with_batch(x, batch), rhs,
                                              {.left_side = true,
                                               .lower = options.lower,
                                               .transpose_a = options.trans != 0,
                                               .conjugate_a = options.trans == 2,
                                               .unit_diagonal = options.unit_diagonal}),
                vector);
}

std::pair<Array, Array> qr_function::operator()(const Array& a, std::string_view mode, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("qr", a, false);
  if (mode != "full" && mode != "economic" && mode != "r") {
    throw ValueError("qr", fmt::format("mode must be \"full\", \"economic\" or \"r\", got \"{}\"", mode));
  }
  const auto [q, r] = lax::linalg::qr(ops::to_inexact(a), {.full_matrices = mode != "economic"});
  if (mode == "r") return {Array(), r};
  return {q, r};
}

numpy::linalg::SVDResult svd_function::operator()(const Array& a, SvdOptions options, Loc loc) const {
  return jnp::linalg::svd(a, {.full_matrices = options.full_matrices, .compute_uv = options.compute_uv}, loc);
}

std::pair<Array, Array> eigh_function::operator()(const Array& a, EighOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("eigh", a, true);
  const auto [v, w] = lax::linalg::eigh(ops::to_inexact(a), {.lower = options.lower});
  return {w, options.eigvals_only ? Array() : v};
}

std::pair<Array, Array> schur_function::operator()(const Array& a, std::string_view output, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("schur", a, true);
  if (output != "real" && output != "complex") {
    throw ValueError("schur", fmt::format("output must be \"real\" or \"complex\", got \"{}\"", output));
  }
  Array x = ops::to_inexact(a);
  if (output == "complex" && !is_complex(x.dtype())) x = jnp::astype(x, complex_dtype(x.dtype()));
  return lax::linalg::schur(x);
}

Array expm_function::operator()(const Array& a, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("expm", a, true);
  const Array x = ops::to_inexact(a);
  if (x.ndim() == 2) return expm_single(x);
  // Each matrix of a stack picks its own degree and squarings: vmap turns the branches into selects.
  const std::int64_t n = x.shape()[x.ndim() - 1];
  const Array flat = jnp::reshape(x, Shape{x.size() / std::max<std::int64_t>(n * n, 1), n, n});
  return jnp::reshape(jx::vmap([](const Array& m) { return expm_single(m); })(flat), x.shape());
}

Array sqrtm_function::operator()(const Array& a, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("sqrtm", a, true);
  const auto [t, z] = schur(a, "complex", loc);
  return jnp::matmul(jnp::matmul(z, sqrt_upper_triangular(t)), ops::adjoint(z));
}

std::pair<Array, Array> polar_function::operator()(const Array& a, std::string_view side, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("polar", a, false);
  if (side != "right" && side != "left") {
    throw ValueError("polar", fmt::format("side must be \"right\" or \"left\", got \"{}\"", side));
  }
  // a = W S V^H gives a = (W V^H)(V S V^H) = (W S W^H)(W V^H).
  const auto [w, s, vh] = jnp::linalg::svd(a, {.full_matrices = false});
  const Array unitary = jnp::matmul(w, vh);
  const Array s_typed = jnp::astype(s, w.dtype());
  const Array positive = side == "right"
                             ? jnp::matmul(ops::adjoint(vh), jnp::multiply(jnp::expand_dims(s_typed, -1), vh))
                             : jnp::matmul(jnp::multiply(w, jnp::expand_dims(s_typed, -2)), ops::adjoint(w));
  return {unitary, positive};
}

Array block_diag_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  CallSite site(loc);
  if (arrays.empty()) return jnp::zeros(Shape{1, 0}, DType::float32);
  std::vector<Array> blocks;
  for (const Array& x : arrays) {
    if (!x.valid()) throw ValueError("block_diag", "an operand is an empty jx::Array handle");
    if (x.ndim() > 2) {
      throw ShapeError("block_diag", fmt::format("takes arrays of at most 2 dimensions, got {}", x.type().to_string()));
    }
    blocks.push_back(x.ndim() == 2 ? x : jnp::reshape(x, Shape{1, x.size()}));
  }
  const PromotionType type = ops::result_type(blocks);
  std::int64_t total_cols = 0;
  for (const Array& x : blocks) total_cols += x.shape()[1];
  std::vector<Array> rows;
  std::int64_t offset = 0;
  for (const Array& x : blocks) {
    const std::int64_t cols = x.shape()[1];
    rows.push_back(jnp::pad(ops::convert_to(x, type), {{0, 0}, {offset, total_cols - offset - cols}}));
    offset += cols;
  }
  return jnp::concatenate(rows, 0);
}

Array toeplitz_function::operator()(const Array& c, std::optional<Array> r, Loc loc) const {
  CallSite site(loc);
  if (!c.valid() || (r && !r->valid())) throw ValueError("toeplitz", "an operand is an empty jx::Array handle");
  const Array first_column = c.ndim() == 0 ? jnp::reshape(c, Shape{1}) : c;
  Array first_row = r ? (r->ndim() == 0 ? jnp::reshape(*r, Shape{1}) : *r) : jnp::conj(first_column);
  // Promote the dtypes, and broadcast the leading (batch) axes only: c and r have their own lengths.
  const Array both[] = {first_column, first_row};
  const PromotionType type = ops::result_type(both);
  const Shape column_batch(first_column.shape().begin(), first_column.shape().end() - 1),
      row_batch(first_row.shape().begin(), first_row.shape().end() - 1);
  const Shape batch = ops::broadcast_shapes("toeplitz", column_batch, row_batch);
  auto batched = [&](const Array& v) {
    Shape target = batch;
    target.push_back(v.shape()[v.ndim() - 1]);
    return ops::broadcast_to_shape(ops::convert_to(v, type), target);
  };
  const Array column = batched(first_column), row = batched(first_row);
  // T[i, j] = c[i - j] below the diagonal and r[j - i] above: one gather from [r reversed, c].
  const std::int64_t m = column.shape()[column.ndim() - 1], n = row.shape()[row.ndim() - 1];
  if (m == 0 || n == 0) {
    Shape empty = batch;
    empty.push_back(m);
    empty.push_back(n);
    return jnp::zeros(empty, column.dtype());
  }
  const int last = column.ndim() - 1;
  const Array values = jnp::concatenate({jnp::flip(lax::slice_in_dim(row, 1, n, 1, last), last), column}, last);
  const Array i = lax::broadcasted_iota(DType::int32, Shape{m, n}, 0);
  const Array j = lax::broadcasted_iota(DType::int32, Shape{m, n}, 1);
  const Array index = jnp::add(jnp::subtract(i, j), jnp::array(static_cast<std::int32_t>(n - 1), DType::int32));
  return jnp::take(values, index, last);
}

Array det_function::operator()(const Array& a, Loc loc) const { return jnp::linalg::det(a, loc); }
Array inv_function::operator()(const Array& a, Loc loc) const { return jnp::linalg::inv(a, loc); }

Array solve_function::operator()(const Array& a, const Array& b, SolveOptions options, Loc loc) const {
  CallSite site(loc);
  ops::check_matrix("solve", a, true);
  if (options.assume_a == "pos") {
    auto [x, y] = ops::promote_inexact(a, b);
    return cho_solve(cho_factor(x, {.lower = options.lower}, loc), y, loc);
  }
  if (options.assume_a != "gen" && options.assume_a != "sym" && options.assume_a != "her") {
    throw ValueError(
        "solve", fmt::format("assume_a must be \"gen\", \"sym\", \"her\" or \"pos\", got \"{}\"", options.assume_a));
  }
  return jnp::linalg::solve(a, b, loc);  // as JAX: the general path is jnp.linalg.solve, with its b rule
}

}  // namespace jx::scipy::linalg
