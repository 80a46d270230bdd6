// jx/optim/utilities.h — Optax's utilities: tree arithmetic for moments and norms, numerically safe
// norms and counters, parameter averaging, ways to make transformations from plain functions, and
// the linear algebra optimizers use (power iteration, inverse p-th roots, non-negative least squares).
//
// What it offers, with Optax's names, arguments and algorithms:
//   - Trees: global_norm, update_moment, update_infinity_moment, update_moment_per_elem_norm,
//     bias_correction, incremental_update (Polyak averaging), periodic_update (a target network),
//     tree_map_params (map the parameter-shaped parts of an optimizer state).
//   - Numerics: safe_norm, safe_root_mean_squares (a floor with a zero gradient below it),
//     safe_increment / safe_int32_increment (counters that stop at their dtype's largest value).
//   - Transformations from functions: stateless, stateless_with_tree_map, set_to_zero, init_empty_state.
//   - multi_normal (a diagonal Gaussian from its mean and log scale, for evolution strategies).
//   - Linear algebra: power_iteration, matrix_inverse_pth_root (Shampoo's coupled Newton iteration), nnls.
//
//   auto mu = jx::optim::update_moment(grads, mu, 0.9, 1);                  // 0.1 g + 0.9 mu
//   auto mu_hat = jx::optim::bias_correction(mu, 0.9, count);
//   target = jx::optim::periodic_update(online, target, step, 100);         // every 100 steps
//   auto [eigenvalue, eigenvector] = jx::optim::power_iteration(hessian);
//   jx::Array x = jx::optim::nnls(A, b, 1000);                                // argmin |Ax - b|, x >= 0
//
// The tree functions take any pytrees of one structure; a moment may also be the dynamic form an
// optimizer state holds it in (a struct's fields as a dict), which is read in the updates' order.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/keywords_only.h"
#include "jx/linalg.h"
#include "jx/optim/transformation.h"
#include "jx/random.h"
#include "jx/tree.h"

namespace jx::optim {

namespace detail {
// sqrt(sum of squares) over the present leaves (the squared sum with `squared`), as optax.tree.norm.
Array global_norm_leaves(std::span<const Array> leaves, bool squared = false);
// The leaves of `tree` in `structure`'s order: its own when it has that structure, else read from its
// dynamic form (structs as dicts of their fields); TreeError naming `what` otherwise.
std::vector<Array> leaves_in_structure(const tree::TreeDef& structure, const tree::Tree& tree, const std::string& what);
template <tree::Pytree T>
std::vector<Array> leaves_like(const tree::TreeDef& structure, const T& tree, const std::string& what) {
  auto [leaves, own] = tree::flatten(tree);
  if (own == structure) return leaves;
  return leaves_in_structure(structure, tree::to_dynamic(tree), what);
}
// Elementwise rules, on one leaf each.
Array update_moment_leaf(const Array& update, const Array& moment, double decay, double order);
Array update_infinity_moment_leaf(const Array& update, const Array& moment, double decay, double eps);
Array update_moment_per_elem_norm_leaf(const Array& update, const Array& moment, double decay, double order);
Array bias_correction_leaf(const Array& moment, double decay, const Array& count);
std::vector<Array> periodic_update_leaves(std::vector<Array> new_tensors, std::vector<Array> old_tensors,
                                          const Array& steps, const Array& update_period, Loc loc);
// Applies `rule` to updates and moments leaf by leaf (skipping empty leaves); the updates' type.
template <tree::Pytree U, tree::Pytree M, class Rule>
std::remove_cvref_t<U> map_moments(const U& updates, const M& moments, const Rule& rule) {
  auto [leaves, structure] = tree::flatten(updates);
  const std::vector<Array> moment_leaves = leaves_like(structure, moments, "the moments");
  for (std::size_t i = 0; i < leaves.size(); ++i)
    if (leaves[i].valid()) leaves[i] = rule(leaves[i], moment_leaves[i]);
  return tree::unflatten<std::remove_cvref_t<U>>(structure, leaves);
}
}  // namespace detail

// --- Tree arithmetic -------------------------------------------------------------------------------

// The L2 norm of all the leaves together (optax.tree.norm; deprecated in Optax as global_norm).
template <tree::Pytree T>
Array global_norm(const T& updates) {
  return detail::global_norm_leaves(tree::leaves(updates));
}

// (1 - decay) * updates^order + decay * moments: an exponential moving average of the order-th moment.
template <tree::Pytree U, tree::Pytree M>
std::remove_cvref_t<U> update_moment(const U& updates, const M& moments, double decay, double order) {
  return detail::map_moments(
      updates, moments, [&](const Array& g, const Array& t) { return detail::update_moment_leaf(g, t, decay, order); });
}
// max(|updates| + eps, decay * moments): an exponentially weighted infinity norm (Adamax).
template <tree::Pytree U, tree::Pytree M>
std::remove_cvref_t<U> update_infinity_moment(const U& updates, const M& moments, double decay, double eps) {
  return detail::map_moments(updates, moments, [&](const Array& g, const Array& t) {
    return detail::update_infinity_moment_leaf(g, t, decay, eps);
  });
}
// As update_moment, of the elements' moduli: |g|^order for complex updates.
template <tree::Pytree U, tree::Pytree M>
std::remove_cvref_t<U> update_moment_per_elem_norm(const U& updates, const M& moments, double decay, double order) {
  return detail::map_moments(updates, moments, [&](const Array& g, const Array& t) {
    return detail::update_moment_per_elem_norm_leaf(g, t, decay, order);
  });
}
// moment / (1 - decay^count), divided in each leaf's dtype; 1 - decay^count is computed as
// -expm1(count * log(decay)) for 0 < decay < 1, without float32's cancellation near count = 1.
template <tree::Pytree M>
std::remove_cvref_t<M> bias_correction(const M& moment, double decay, const Array& count) {
  return tree::map([&](const Array& t) { return detail::bias_correction_leaf(t, decay, count); }, moment);
}

// step_size * new_tensors + (1 - step_size) * old_tensors (Polyak averaging; trees of one structure).
template <tree::Pytree T, tree::Pytree O>
std::remove_cvref_t<T> incremental_update(const T& new_tensors, const O& old_tensors, const Array& step_size) {
  return detail::map_moments(new_tensors, old_tensors, [&](const Array& current, const Array& average) {
    return step_size * current + (1.0 - step_size) * average;
  });
}
template <tree::Pytree T, tree::Pytree O>
std::remove_cvref_t<T> incremental_update(const T& new_tensors, const O& old_tensors, double step_size) {
  return detail::map_moments(new_tensors, old_tensors, [&](const Array& current, const Array& average) {
    return step_size * current + (1.0 - step_size) * average;
  });
}

// new_tensors when steps is a multiple of update_period, else old_tensors: a lax::cond, so steps may
// be traced. Both trees need the same structure, shapes and dtypes.
template <tree::Pytree T>
std::remove_cvref_t<T> periodic_update(const T& new_tensors, const T& old_tensors, const Array& steps,
                                       const Array& update_period, Loc loc = Loc::current()) {
  auto [new_leaves, structure] = tree::flatten(new_tensors);
  std::vector<Array> old_leaves = detail::leaves_like(structure, old_tensors, "periodic_update's old_tensors");
  return tree::unflatten<std::remove_cvref_t<T>>(
      structure,
      detail::periodic_update_leaves(std::move(new_leaves), std::move(old_leaves), steps, update_period, loc));
}

// --- Numerics --------------------------------------------------------------------------------------

// max(norm(x), min_norm), with a zero gradient (not NaN) where the norm is at most min_norm. The
// options are jnp::linalg::norm's (ord, axis, keepdims).
Array safe_norm(const Array& x, const Array& min_norm, numpy::linalg::NormOptions options = {},
                Loc loc = Loc::current());
// max(sqrt(mean(|x|^2)), min_rms), with a zero gradient where the rms is at most min_rms.
Array safe_root_mean_squares(const Array& x, const Array& min_rms, Loc loc = Loc::current());
// count + 1, or the dtype's largest value once reached (integer or float counts; ValueError for others).
Array safe_increment(const Array& count, Loc loc = Loc::current());
// The same function (Optax keeps both names).
Array safe_int32_increment(const Array& count, Loc loc = Loc::current());

// --- Transformations from functions ----------------------------------------------------------------

// Optax's init_empty_state: an init function whose state is None, for any parameters.
inline constexpr struct init_empty_state_function {
  OptState operator()(const tree::TreeDef&, std::span<const Array>) const { return OptState::none(); }
  template <tree::Pytree P>
  OptState operator()(const P&) const {
    return OptState::none();
  }
} init_empty_state{};

// Zero updates (parameters left as they are: masked or partitioned, this freezes them). No state.
GradientTransformation set_to_zero();

// f(updates, params) -> updates, on the trees as dynamic trees (structs as dicts of their fields);
// params is None when update is called without them. f must return a tree of the updates' structure
// (TreeError otherwise). No state.
using StatelessFunction = std::function<tree::Tree(const tree::Tree& updates, const tree::Tree& params)>;
GradientTransformation stateless(StatelessFunction f);
// f(update, param) -> update for each leaf; param is an empty Array when update has no parameters.
using StatelessLeafFunction = std::function<Array(const Array& update, const Array& param)>;
GradientTransformation stateless_with_tree_map(StatelessLeafFunction f);

// --- Optimizer states ------------------------------------------------------------------------------

struct TreeMapParamsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  // Applied to every array of the state outside the parameter-shaped trees (a count); kept when absent.
  std::function<tree::Tree(const tree::Tree&)> transform_non_params = nullptr;
  // Subtrees of the parameter-shaped trees to hand to f whole (arrays always are).
  std::function<bool(const tree::Tree&)> is_leaf = nullptr;
};
// f applied to each leaf of every part of `state` that is shaped like the parameters (Adam's mu and
// nu, not its count), with the corresponding leaves of `rest` (trees of the parameters' structure,
// dynamic). Which parts those are is found as Optax finds them: by calling initable's init on a
// placeholder for the parameters. For partition specs, shardings, or dtypes of a state:
//   auto specs = jx::optim::tree_map_params(opt, [](const Tree& leaf, std::span<const Tree> rest) {
//     return rest[0]; }, state, std::vector<Tree>{param_specs}, {.transform_non_params = [](const Tree&) {
//     return Tree::none(); }});
using ParamsLeafFunction = std::function<tree::Tree(const tree::Tree& leaf, std::span<const tree::Tree> rest)>;
OptState tree_map_params(const GradientTransformation& initable, const ParamsLeafFunction& f, const OptState& state,
                         std::span<const tree::Tree> rest = {}, TreeMapParamsOptions options = {},
                         Loc loc = Loc::current());
OptState tree_map_params(const GradientTransformation& initable, const std::function<tree::Tree(const tree::Tree&)>& f,
                         const OptState& state, TreeMapParamsOptions options = {}, Loc loc = Loc::current());

// --- Sampling --------------------------------------------------------------------------------------

// A Gaussian with independent coordinates, parameterized by its mean and the log of its scale
// (Optax's MultiNormalDiagFromLogScale).
class MultiNormalDiagFromLogScale {
 public:
  MultiNormalDiagFromLogScale(Array loc, Array log_scale, Loc where = Loc::current());
  // shape + the parameters' broadcast shape of draws: normal(key) * scale + mean (float32).
  Array sample(const Shape& shape, const jx::Key& key, Loc where = Loc::current()) const;
  // The log density of x, summed over the parameters' axes.
  Array log_prob(const Array& x, Loc where = Loc::current()) const;
  const Array& log_scale() const { return log_scale_; }
  std::vector<Array> params() const { return {mean_, log_scale_}; }  // [mean, log_scale]

 private:
  Array log_scale_, scale_, mean_;
  Shape param_shape_;
};
MultiNormalDiagFromLogScale multi_normal(const Array& loc, const Array& log_scale, Loc where = Loc::current());

// --- Linear algebra (src/optim/linear_algebra.cpp) ---------------------------------------------------

struct PowerIterationOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  // The starting vector (matrix form; the linear map's form takes it as an argument). When absent,
  // uniform on [-1, 1) from `key` (PRNGKey(0) when absent), in the matrix's dtype.
  std::optional<Array> v0 = std::nullopt;
  std::int64_t num_iters = 100;
  double error_tolerance = 1e-6;  // stop once |residual| / |eigenvalue| is below it
  std::optional<jx::Key> key = std::nullopt;
};

namespace detail {
using FlatLinearMap = std::function<std::vector<Array>(const std::vector<Array>&)>;
std::pair<Array, std::vector<Array>> power_iteration_leaves(const FlatLinearMap& mvp, std::vector<Array> v0,
                                                            const PowerIterationOptions& options, Loc loc);
}  // namespace detail

// The dominant eigenvalue of a square matrix and its unit eigenvector, by power iteration (a
// lax::while_loop; works under jit). ShapeError for a matrix that is not square.
std::pair<Array, Array> power_iteration(const Array& matrix, PowerIterationOptions options = {},
                                        Loc loc = Loc::current());
// The same for a linear map given as a function of a pytree (a Hessian-vector product), from v0.
template <tree::Pytree V, class F>
requires std::is_invocable_v<const F&, const V&> std::pair<Array, std::remove_cvref_t<V>> power_iteration(
    const F& mvp, const V& v0, PowerIterationOptions options = {}, Loc loc = Loc::current()) {
  auto [leaves, structure] = tree::flatten(v0);
  const detail::FlatLinearMap flat = [&mvp, &structure](const std::vector<Array>& v) {
    return tree::leaves(mvp(tree::unflatten<std::remove_cvref_t<V>>(structure, v)));
  };
  auto [eigenvalue, eigenvector] = detail::power_iteration_leaves(flat, std::move(leaves), options, loc);
  return {std::move(eigenvalue), tree::unflatten<std::remove_cvref_t<V>>(structure, eigenvector)};
}

struct MatrixInversePthRootOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::int64_t num_iters = 100;
  double ridge_epsilon = 1e-6;  // times the largest eigenvalue, added to the diagonal
  double error_tolerance = 1e-6;
};
// matrix^(-1/p) of a symmetric positive semi-definite matrix by coupled Newton iterations (Higham,
// eq. 7.18), and the final error max |M - I|. As in Optax, the iteration raises to p only for p = 1, 2,
// 4 or 8; another p uses the nearest of those in log2 (p must be positive: ValueError).
std::pair<Array, Array> matrix_inverse_pth_root(const Array& matrix, std::int64_t p,
                                                MatrixInversePthRootOptions options = {}, Loc loc = Loc::current());

struct NnlsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::int64_t unroll = 1;                // lax::scan's unroll (a hint)
  std::optional<Array> L = std::nullopt;  // an upper bound on the spectral radius of A^T A
};
// argmin |A x - b| over x >= 0, by Polyak's fast projected gradient method for `iters` steps. A is
// (M, N); b is (M,) or (M, K), giving x of (N,) or (N, K) (ShapeError otherwise).
Array nnls(const Array& A, const Array& b, std::int64_t iters, NnlsOptions options = {}, Loc loc = Loc::current());

}  // namespace jx::optim
