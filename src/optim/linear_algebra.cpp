// The linear algebra of Optax's optimizers: power iteration (dominant eigenpairs, for step sizes and
// ridge terms), the coupled Newton iteration for inverse p-th roots (Shampoo's preconditioners), and
// Polyak's fast projected gradient method for non-negative least squares. Each runs as Optax's does,
// in lax loops, so it works eagerly and under jit alike.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "jx/core/error.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "jx/optim/utilities.h"
#include "jx/transforms/control_flow.h"

namespace jx::optim {

namespace jnp = jx::numpy;
using Leaves = std::vector<Array>;

namespace {

// The tree helpers power iteration needs, on flattened trees.
Array vdot(const Leaves& a, const Leaves& b) {
  Array total;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const Array product = jnp::vdot(a[i], b[i]);
    total = total.valid() ? total + product : product;
  }
  return total;
}

Leaves scaled(const Array& factor, const Leaves& leaves) {
  Leaves result;
  for (const Array& leaf : leaves) result.push_back(factor * leaf);
  return result;
}

Leaves normalized(const Leaves& leaves) { return scaled(1.0 / detail::global_norm_leaves(leaves), leaves); }

}  // namespace

namespace detail {

std::pair<Array, Leaves> power_iteration_leaves(const FlatLinearMap& mvp, Leaves v0,
                                                const PowerIterationOptions& options, Loc loc) {
  CallSite site(loc);
  if (v0.empty()) throw ValueError("optim::power_iteration", "v0 has no leaves");
  // The loop carries (eigenvector, its image, eigenvalue, iteration).
  using Carry = std::tuple<Leaves, Leaves, Array, Array>;
  const Leaves start = normalized(v0);
  const Leaves image = mvp(start);
  const Carry init{start, image, jnp::zeros_like(vdot(start, image)), jnp::zeros({}, int32)};
  const std::int64_t num_iters = options.num_iters;
  const double error_tolerance = options.error_tolerance;
  auto not_converged = [num_iters, error_tolerance](const Carry& carry) {
    const auto& [eigenvector, product, eigenvalue, iteration] = carry;
    Leaves residual;
    for (std::size_t i = 0; i < product.size(); ++i) residual.push_back(product[i] - eigenvalue * eigenvector[i]);
    const Array converged = jnp::abs(global_norm_leaves(residual) / eigenvalue) < error_tolerance;
    return jnp::logical_and(jnp::logical_not(converged), iteration < num_iters);
  };
  auto step = [&mvp](const Carry& carry) {
    const Leaves eigenvector = normalized(std::get<1>(carry));
    Leaves product = mvp(eigenvector);
    Array eigenvalue = vdot(eigenvector, product);
    return Carry{eigenvector, std::move(product), std::move(eigenvalue), std::get<3>(carry) + 1};
  };
  const Carry result = lax::while_loop(not_converged, step, init, loc);
  return {std::get<2>(result), normalized(std::get<1>(result))};
}

}  // namespace detail

std::pair<Array, Array> power_iteration(const Array& matrix, PowerIterationOptions options, Loc loc) {
  CallSite site(loc);
  if (matrix.ndim() != 2 || matrix.shape()[0] != matrix.shape()[1]) {
    throw ShapeError("optim::power_iteration",
                     fmt::format("needs a square matrix, got shape {}", matrix.shape().to_string()));
  }
  Array v0;
  if (options.v0) {
    v0 = *options.v0;
  } else {
    const Key key = options.key ? *options.key : random::PRNGKey(0);
    v0 = random::uniform(key, Shape{matrix.shape()[1]}, matrix.dtype(), -1.0, 1.0);
  }
  const detail::FlatLinearMap mvp = [&matrix](const Leaves& v) { return Leaves{jnp::matmul(matrix, v[0])}; };
  auto [eigenvalue, eigenvector] = detail::power_iteration_leaves(mvp, {v0}, options, loc);
  return {std::move(eigenvalue), std::move(eigenvector[0])};
}

namespace {

// m^(2^exponent) by repeated squaring, exponent in 0..3 (Optax's unrolled powers behind a lax.switch).
Array power_of_two(const Array& m, int exponent) {
  Array result = m;
  for (int i = 0; i < exponent; ++i) result = jnp::matmul(result, result);
  return result;
}

}  // namespace

std::pair<Array, Array> matrix_inverse_pth_root(const Array& matrix, std::int64_t p,
                                                MatrixInversePthRootOptions options, Loc loc) {
  CallSite site(loc);
  const char* op = "optim::matrix_inverse_pth_root";
  if (p < 1) throw ValueError(op, fmt::format("p must be a positive integer, got {}", p));
  if (matrix.ndim() != 2 || matrix.shape()[0] != matrix.shape()[1]) {
    throw ShapeError(op, fmt::format("needs a square matrix, got shape {}", matrix.shape().to_string()));
  }
  const std::int64_t size = matrix.shape()[0];
  const auto p_value = static_cast<double>(p);
  const Array alpha = jnp::array(-1.0 / p_value, float32);
  const Array identity = jnp::eye(size, std::nullopt, 0, float32);
  // The ridge is relative to the largest eigenvalue (Optax's fixed 100 iterations and 1e-6).
  const Array max_eigenvalue = power_iteration(matrix, {.num_iters = 100, .error_tolerance = 1e-6}, loc).first;
  const Array ridge = options.ridge_epsilon * jnp::maximum(max_eigenvalue, 1e-16);
  if (size == 1) {
    const Array root = jnp::power(matrix + ridge, alpha);
    return {root, jnp::zeros({}, root.dtype())};
  }
  // lax.switch clamps its index: p is raised to 1, 2, 4 or 8, the nearest in log2.
  const int exponent = static_cast<int>(std::clamp(std::nearbyint(std::log2(p_value)), 0.0, 3.0));
  const Array damped = matrix + ridge * identity;
  const Array z = (1 + p_value) / (2 * jnp::linalg::norm(damped));
  const Array m0 = damped * z;
  const Array error0 = jnp::max(jnp::abs(m0 - identity));
  const Array h0 = identity * jnp::power(z, Array(1.0 / p_value));
  // (iteration, M, H, previous H, error, whether the error is still shrinking).
  using State = std::tuple<Array, Array, Array, Array, Array, Array>;
  const State init{jnp::zeros({}, int32), m0, h0, h0, error0, jnp::array(true)};
  const std::int64_t num_iters = options.num_iters;
  const double error_tolerance = options.error_tolerance;
  auto keep_going = [num_iters, error_tolerance](const State& s) {
    const auto& [i, m, h, previous_h, error, run_step] = s;
    return jnp::logical_and(i < num_iters, jnp::logical_and(error > error_tolerance, run_step));
  };
  auto step = [&](const State& s) {
    const auto& [i, m, h, previous_h, error, run_step] = s;
    const Array m_i = (1 - alpha) * identity + alpha * m;
    const Array new_m = jnp::matmul(power_of_two(m_i, exponent), m);
    const Array new_h = jnp::matmul(h, m_i);
    const Array new_error = jnp::max(jnp::abs(new_m - identity));
    return State{i + 1, new_m, new_h, h, new_error, new_error < error * 1.2};
  };
  const auto [iterations, m, h, previous_h, last_error, converged] = lax::while_loop(keep_going, step, init, loc);
  // The last step made the error grow by more than a fifth: keep the H before it.
  const Array weight = converged.astype(previous_h.dtype());
  const Array root = (weight * h + (1 - weight) * previous_h).astype(matrix.dtype());
  return {root, jnp::max(jnp::abs(m - identity))};
}

Array nnls(const Array& A, const Array& b, std::int64_t iters, NnlsOptions options, Loc loc) {
  CallSite site(loc);
  if (A.ndim() != 2 || (b.ndim() != 1 && b.ndim() != 2) || b.shape()[0] != A.shape()[0]) {
    throw ShapeError("optim::nnls", fmt::format("needs A of shape (M, N) and b of shape (M,) or (M, K), got {} and {}",
                                                A.shape().to_string(), b.shape().to_string()));
  }
  const Array Q = jnp::matmul(A.mT(), A);
  const Array q = jnp::matmul(A.mT(), b);
  Array L;
  if (options.L) {
    L = *options.L;
  } else {
    // An upper bound on Q's spectral radius: the smaller of its Frobenius and 1-norms.
    const Array frobenius = jnp::linalg::matrix_norm(Q, {.ord = "fro"});
    L = Q.size() != 0 ? jnp::minimum(frobenius, jnp::linalg::matrix_norm(Q, {.ord = 1})) : jnp::minimum(frobenius, 0);
  }
  L = jnp::where(L == 0, 1, L);
  // (x, the extrapolated point p, Nesterov's c), scanned `iters` times.
  using Carry = std::tuple<Array, Array, Array>;
  auto step = [&Q, &q, &L](const Carry& carry, const std::tuple<>&) {
    const auto& [x, p, c] = carry;
    const Array c_next = (1 + jnp::sqrt(1 + 4 * c * c)) / 2;
    const Array s = (c - 1) / c_next;
    const Array x_next = jnp::clip(p - (jnp::matmul(Q, p) - q) / L, Array(0), std::nullopt);
    const Array p_next = x_next + s * (x_next - x);
    return std::pair<Carry, std::tuple<>>{Carry{x_next, p_next, c_next}, {}};
  };
  Shape x_shape{A.shape()[1]};
  if (b.ndim() == 2) x_shape.push_back(b.shape()[1]);
  const Array x0 = jnp::zeros(x_shape, b.dtype());
  // c is a float of b's dtype: what Optax's Python 0. becomes in b's arithmetic.
  const Carry init{x0, x0, jnp::zeros({}, b.dtype())};
  const Carry result =
      lax::scan(step, init, std::tuple<>{}, {.length = std::max<std::int64_t>(iters, 0), .unroll = options.unroll}, loc)
          .first;
  return std::get<0>(result);
}

}  // namespace jx::optim
