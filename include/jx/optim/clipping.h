// jx/optim/clipping.h — clipping, and the transformations that filter, accumulate or guard updates
// (Optax's optax.transforms: clipping, constraining, accumulation, conditionality).
//
// What it offers, each with Optax's algorithm, parameter names, defaults and state:
//   - Clipping: clip (element-wise), clip_by_block_rms (per leaf), adaptive_grad_clip (unit-wise,
//     relative to the parameters' norms), and the functions per_example_global_norm_clip and
//     per_example_layer_norm_clip, which sum per-example gradients after clipping them (DP-SGD).
//   - Reshaping the updates: centralize, normalize_by_update_norm, keep_params_nonnegative, zero_nans.
//   - Over several steps: apply_every (accumulates k steps' gradients), apply_if_finite (skips updates
//     with a NaN or an infinity, through lax::cond under jit), and the should-skip tests
//     skip_not_finite and skip_large_updates on pytrees (MultiSteps' forms are in jx/optim/wrappers.h).
//   - scale_gradient: the identity forward, its gradient scaled on the way back.
//
//   auto opt = jx::optim::apply_if_finite(
//       jx::optim::chain(jx::optim::adaptive_grad_clip(0.01), jx::optim::adam(1e-3)), /*max_consecutive_errors=*/5);
//   auto [summed, num_clipped] = jx::optim::per_example_global_norm_clip(per_example_grads, 1.0);
//
// Updates keep their dtypes; state that changes from step to step is Arrays (int32 counts, bool flags),
// so a jitted step never retraces. Transformations that read the parameters (adaptive_grad_clip,
// keep_params_nonnegative) throw ValueError when update is called without them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/keywords_only.h"
#include "jx/core/shape.h"
#include "jx/optim/transformation.h"
#include "jx/optim/wrappers.h"
#include "jx/tree.h"

namespace jx::optim {

// --- Clipping --------------------------------------------------------------------------------------

// Each element clipped to [-max_delta, max_delta]. No state.
GradientTransformation clip(double max_delta);

// Each leaf divided by max(1, rms(leaf) / threshold): a leaf's root mean square is at most threshold.
// No state.
GradientTransformation clip_by_block_rms(double threshold);

struct AdaptiveGradClipOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double eps = 1e-3;                        // the smallest parameter norm (zero-initialized parameters)
  std::optional<Axes> axis = std::nullopt;  // the axes of a unit; by rank when absent (see below)
};
// Brock et al.'s unit-wise clipping: each unit of an update is scaled down to clipping * max(|p|, eps)
// where its norm exceeds that, |p| the norm of the parameters' unit. Without an axis a unit is, by the
// leaf's rank: the whole leaf (at most one dimension longer than 1), a column over axis 0 (rank 2 and
// 3), over axes 0-2 (rank 4, HWIO kernels), over axes 0-3 (rank 5); other ranks need an axis
// (ValueError). No state.
GradientTransformation adaptive_grad_clip(double clipping, AdaptiveGradClipOptions options = {});

namespace detail {
std::pair<std::vector<Array>, Array> per_example_global_norm_clip_leaves(std::span<const Array> grads,
                                                                         const Array& l2_norm_clip, Loc loc);
std::pair<std::vector<Array>, std::vector<Array>> per_example_layer_norm_clip_leaves(std::span<const Array> grads,
                                                                                     const Array& global_l2_norm_clip,
                                                                                     bool uniform, Loc loc);
}  // namespace detail

// Per-example gradients (every leaf with the examples on axis 0, the same number in each: ValueError
// otherwise), each example's gradient scaled to a global norm of at most l2_norm_clip, summed over the
// examples. Returns the sum (leaves without axis 0) and how many examples were clipped (int32).
template <tree::Pytree G>
std::pair<std::remove_cvref_t<G>, Array> per_example_global_norm_clip(const G& grads, const Array& l2_norm_clip,
                                                                      Loc loc = Loc::current()) {
  auto [leaves, structure] = tree::flatten(grads);
  auto [sums, num_clipped] = detail::per_example_global_norm_clip_leaves(leaves, l2_norm_clip, loc);
  return {tree::unflatten<std::remove_cvref_t<G>>(structure, sums), std::move(num_clipped)};
}

struct PerExampleLayerNormClipOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  // true: each of the L leaves clipped to global_l2_norm_clip / sqrt(L); false: to
  // global_l2_norm_clip * sqrt(D_i / D), D_i the leaf's parameters per example and D their total.
  bool uniform = true;
};
// As per_example_global_norm_clip, each leaf ("layer") clipped on its own. Returns the sums and, per
// leaf, how many examples were clipped: two trees of the gradients' structure.
template <tree::Pytree G>
std::pair<std::remove_cvref_t<G>, std::remove_cvref_t<G>> per_example_layer_norm_clip(
    const G& grads, const Array& global_l2_norm_clip, PerExampleLayerNormClipOptions options = {},
    Loc loc = Loc::current()) {
  auto [leaves, structure] = tree::flatten(grads);
  auto [sums, counts] = detail::per_example_layer_norm_clip_leaves(leaves, global_l2_norm_clip, options.uniform, loc);
  return {tree::unflatten<std::remove_cvref_t<G>>(structure, sums),
          tree::unflatten<std::remove_cvref_t<G>>(structure, counts)};
}

// --- Reshaping the updates -------------------------------------------------------------------------

// Gradient centralization (Yong et al.): each leaf of rank 2 or more minus its mean over every axis
// but the first. No state.
GradientTransformation centralize();

struct NormalizeByUpdateNormOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double scale_factor = 1.0;  // the updates' norm afterwards (about)
  double eps = 1e-6;          // added to the norm
};
// updates * scale_factor / (||updates|| + eps), the norm global over all leaves. No state.
GradientTransformation normalize_by_update_norm(NormalizeByUpdateNormOptions options = {});

// -params where params + updates would be negative: the parameters stay non-negative (last in a
// chain). No state.
GradientTransformation keep_params_nonnegative();

// NaNs in the updates replaced by 0. State: {'found_nan': a bool scalar per parameter leaf, whether
// the last update's leaf had a NaN}.
GradientTransformation zero_nans();

// --- Over several steps ----------------------------------------------------------------------------

// Accumulates the gradients of k steps and emits their sum every k-th step, zeros in between (the rest
// of a chain still runs every step). k must be at least 1 (ValueError). State: {'count' (mod k),
// 'grad_acc'}.
GradientTransformation apply_every(std::int64_t k = 1, Loc loc = Loc::current());

// Runs `inner` only for updates without NaN or infinity: others give zero updates and keep inner's
// state, until more than max_consecutive_errors come in a row, when they are let through. The choice
// is a lax::cond, so it works under jit. Extra arguments (ExtraArgs) are passed on to inner.
// State: {'notfinite_count' (consecutive, int32), 'last_finite' (bool), 'total_notfinite' (int32),
// 'inner_state'}.
GradientTransformation apply_if_finite(GradientTransformation inner, std::int64_t max_consecutive_errors);

// The should-skip tests on flattened trees — skip_not_finite(updates, gradient_step, params) and the
// factory skip_large_updates(max_squared_norm) — are MultiSteps' (jx/optim/wrappers.h). Here: Optax's
// skip_large_updates with its own signature, and both on pytrees. Each returns (should_skip, a dict of
// what was measured): {'should_skip', 'num_not_finite' (int32)} or {'should_skip', 'norm_squared'}.

// Whether the updates' squared global norm is max_squared_norm or more (or NaN).
std::pair<Array, OptState> skip_large_updates(std::span<const Array> updates, const Array& gradient_step,
                                              std::span<const Array> params, const Array& max_squared_norm);

// Whether an update holds a NaN or an infinity.
template <tree::Pytree U, tree::Pytree P = tree::Tree>
std::pair<Array, OptState> skip_not_finite(const U& updates, const Array& gradient_step = {}, const P& params = P()) {
  return skip_not_finite(std::span<const Array>(tree::leaves(updates)), gradient_step,
                         std::span<const Array>(tree::leaves(params)));
}
template <tree::Pytree U, tree::Pytree P>
std::pair<Array, OptState> skip_large_updates(const U& updates, const Array& gradient_step, const P& params,
                                              const Array& max_squared_norm) {
  return skip_large_updates(std::span<const Array>(tree::leaves(updates)), gradient_step,
                            std::span<const Array>(tree::leaves(params)), max_squared_norm);
}

// --- Gradients -------------------------------------------------------------------------------------

// inputs unchanged, but a gradient flowing back through them multiplied by `scale` (0 stops it: the
// inputs under lax::stop_gradient; 1 returns them as they are).
Array scale_gradient(const Array& inputs, double scale, Loc loc = Loc::current());
template <tree::Pytree T>
requires(!std::is_convertible_v<T, Array>) std::remove_cvref_t<T> scale_gradient(const T& inputs, double scale,
                                                                                 Loc loc = Loc::current()) {
  auto [leaves, structure] = tree::flatten(inputs);
  for (Array& leaf : leaves) leaf = scale_gradient(leaf, scale, loc);
  return tree::unflatten<std::remove_cvref_t<T>>(structure, leaves);
}

}  // namespace jx::optim
