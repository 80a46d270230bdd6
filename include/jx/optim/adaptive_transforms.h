// jx/optim/adaptive_transforms.h — the building blocks of Optax's adaptive optimizers (jx/optim/adaptive.h).
//
// What it offers, each with Optax's algorithm, parameter names, defaults and state:
//   - Adam's relatives: scale_by_adamax, scale_by_amsgrad, scale_by_radam, scale_by_belief (AdaBelief),
//     scale_by_yogi, scale_by_adan, and the layer-wise scale_by_novograd.
//   - Other adaptive rescalings: scale_by_adadelta, scale_by_rprop, scale_by_trust_ratio (LARS, LAMB,
//     Fromage), scale_by_sign, scale_by_optimistic_gradient.
//   - ema (a debiased exponential moving average, Signum's momentum) and add_noise (annealed Gaussian
//     gradient noise, from a jx::random key held in the state).
// They compose with chain, masked and the blocks of jx/optim/transforms.h, as Optax's do:
//
//   auto opt = jx::optim::chain(
//       jx::optim::scale_by_belief({.b1 = 0.8}),
//       jx::optim::add_decayed_weights(1e-4, jx::optim::not_named({"b"})),
//       jx::optim::scale_by_trust_ratio(),
//       jx::optim::scale_by_learning_rate(1e-3));
//
// As in jx/optim/transforms.h: updates are transformed in the gradients' dtype, moments are kept in the
// dtype init gave them (the parameters' unless mu_dtype / accumulator_dtype says otherwise), so a
// jitted train step never retraces; step counts are int32 scalars that stop at the largest int32, and
// bias corrections compute 1 - decay^count without float32's cancellation near count = 1. The
// transformations that read the parameters (scale_by_novograd, scale_by_trust_ratio) throw
// ValueError when update is called without them.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "jx/core/dtype.h"
#include "jx/core/keywords_only.h"
#include "jx/optim/transformation.h"
#include "jx/random.h"

namespace jx::optim {

// --- Adam's relatives ------------------------------------------------------------------------------

struct AdamaxOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;    // decay of the first moment
  double b2 = 0.999;  // decay of the infinity norm
  double eps = 1e-8;  // added to |g| before the maximum
};
// mu = b1 mu + (1 - b1) g, nu = max(|g| + eps, b2 nu) (an exponentially weighted infinity norm, which
// needs no bias correction); updates = mu_hat / nu. State: {'count', 'mu', 'nu'}.
GradientTransformation scale_by_adamax(AdamaxOptions options = {});

struct AmsgradOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;      // added to the denominator outside the square root
  double eps_root = 0.0;  // added inside the square root
  std::optional<DType> mu_dtype = std::nullopt;
  bool bias_correction_mu = true;  // false: the paper's uncorrected first moment
  bool bias_correction_nu = true;  // false: the maximum of the uncorrected second moments
};
// Adam's moments, with the largest second moment seen so far in the denominator:
// nu_max = max(nu_max, nu_hat), updates = mu_hat / (sqrt(nu_max + eps_root) + eps).
// State: {'count', 'mu', 'nu', 'nu_max'}.
GradientTransformation scale_by_amsgrad(AmsgradOptions options = {});

struct RAdamOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;
  double eps_root = 0.0;
  double threshold = 5.0;  // the length rho_t of the approximated moving average at which to rectify
  bool nesterov = false;   // mu_hat as scale_by_adam's nesterov computes it
};
// Rectified Adam: Adam's moments; with rho_inf = 2 / (1 - b2) - 1 and
// rho_t = rho_inf - 2 t b2^t / (1 - b2^t), updates = r_t mu_hat / (sqrt(nu_hat + eps_root) + eps) where
// rho_t >= threshold, r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
// and mu_hat (momentum without adaptive scaling) before. State: {'count', 'mu', 'nu'}.
GradientTransformation scale_by_radam(RAdamOptions options = {});

struct ScaleByBeliefOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-16;       // added to the denominator outside the square root
  double eps_root = 1e-16;  // added to the second moment at every step (so it is kept in the state)
  bool nesterov = false;
};
// AdaBelief: mu = b1 mu + (1 - b1) g, nu = b2 nu + (1 - b2) (g - mu)^2 + eps_root (the variance of the
// gradient around its prediction); updates = mu_hat / (sqrt(nu_hat) + eps). State: {'count', 'mu', 'nu'}.
GradientTransformation scale_by_belief(ScaleByBeliefOptions options = {});

struct ScaleByYogiOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-3;
  double eps_root = 0.0;
  double initial_accumulator_value = 1e-6;  // both moments' initial value (positive)
};
// Yogi: mu = b1 mu + (1 - b1) g, nu = nu - (1 - b2) sign(nu - g^2) g^2 (additive, so the effective
// learning rate cannot grow fast); updates = mu_hat / (sqrt(nu_hat + eps_root) + eps).
// State: {'count', 'mu', 'nu'}.
GradientTransformation scale_by_yogi(ScaleByYogiOptions options = {});

struct ScaleByAdanOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.98;  // decay of the gradients' average
  double b2 = 0.92;  // decay of the average of the gradients' differences
  double b3 = 0.99;  // decay of the squared term's average
  double eps = 1e-8;
  double eps_root = 0.0;
};
// Adan, as Optax computes it: diff = g - g_prev (0 at the first step), m = b1 m + (1 - b1) g,
// v = b2 v + (1 - b2) diff, n = b3 n + (1 - b3) (g + (1 - b2) diff)^2, each bias-corrected;
// updates = (m_hat + (1 - b2) v_hat) / (sqrt(n_hat + eps_root) + eps).
// State: {'g', 'm', 'n', 't', 'v'} (the previous gradient, the averages, the count).
GradientTransformation scale_by_adan(ScaleByAdanOptions options = {});

struct ScaleByNovogradOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;   // decay of the first moment (which is not scaled by 1 - b1)
  double b2 = 0.25;  // decay of the per-layer second moment
  double eps = 1e-8;
  double eps_root = 0.0;
  double weight_decay = 0.0;
  std::optional<DType> mu_dtype = std::nullopt;
};
// NovoGrad, per layer (leaf): nu = ||g||^2 at the first step, then b2 nu + (1 - b2) ||g||^2 (a scalar);
// mu = g / (sqrt(nu + eps_root) + eps) + weight_decay * params at the first step, then b1 mu + that;
// updates = mu. Needs the parameters. State: {'count', 'mu', 'nu'} (nu: one scalar per leaf).
GradientTransformation scale_by_novograd(ScaleByNovogradOptions options = {});

// --- Other adaptive rescalings ---------------------------------------------------------------------

struct ScaleByAdadeltaOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double rho = 0.9;   // decay of both running averages
  double eps = 1e-6;  // added inside both square roots
};
// Adadelta: e_g = rho e_g + (1 - rho) g^2; updates = sqrt(e_x + eps) / sqrt(e_g + eps) * g (e_x from
// the previous step); then e_x = rho e_x + (1 - rho) updates^2. State: {'e_g', 'e_x'}.
GradientTransformation scale_by_adadelta(ScaleByAdadeltaOptions options = {});

struct RpropOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double eta_minus = 0.5;       // step size factor when the gradient's sign flips
  double eta_plus = 1.2;        // step size factor when it keeps its sign
  double min_step_size = 1e-6;  // the step sizes are clipped to [min_step_size, max_step_size]
  double max_step_size = 50.0;
};
// Rprop, entry by entry, with d the step kept from the previous update (0 at first): where g d > 0
// the step size grows by eta_plus, where g d < 0 it shrinks by eta_minus, where g d = 0 it stays; the
// new d is step_size * sign(g), 0 where the sign flipped. As Optax computes it, the updates are the
// previous d (0 where the sign flipped): they lag one step behind d, and the first update is 0
// (Optax's docstring example shows this; an unmerged Optax change would emit d itself). Positive
// updates: rprop's chain scales by -1. Step sizes start at learning_rate.
// State: {'prev_updates', 'step_sizes'}.
GradientTransformation scale_by_rprop(double learning_rate, RpropOptions options = {});

struct ScaleByTrustRatioOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double min_norm = 0.0;  // norms below it count as it
  double trust_coefficient = 1.0;
  double eps = 0.0;  // added to the updates' norm
};
// Per layer (leaf): updates * trust_coefficient * ||params|| / (||updates|| + eps), unscaled where either
// norm is 0; norms are Frobenius norms over the whole leaf, at least min_norm. Needs the parameters.
// No state.
GradientTransformation scale_by_trust_ratio(ScaleByTrustRatioOptions options = {});

// sign(updates), 0 for 0. No state.
GradientTransformation scale_by_sign();

struct OptimisticGradientDescentOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double alpha = 1.0;  // weight of the current gradient
  double beta = 1.0;   // weight of the negative momentum
};
// updates = (alpha + beta) g - beta g_prev, with g_prev = g at the first step (so alpha g).
// State: {'is_initial_step' (bool), 'previous_gradient'}.
GradientTransformation scale_by_optimistic_gradient(OptimisticGradientDescentOptions options = {});

// --- Averages and noise ----------------------------------------------------------------------------

struct EmaOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool debias = true;  // divide by 1 - decay^count
  std::optional<DType> accumulator_dtype = std::nullopt;
};
// ema = decay ema + (1 - decay) updates; the updates become the ema, bias-corrected unless
// debias = false. (trace keeps decay trace + updates instead.) State: {'count', 'ema'}.
GradientTransformation ema(double decay, EmaOptions options = {});

// A PRNG key, or a seed for jx::random::PRNGKey (Optax's `key: jax.Array | int`), which init then
// makes into a new key each time.
using KeyOrSeed = std::variant<std::int64_t, Key>;

// updates + sqrt(eta / count^gamma) * N(0, 1), count from 1, one normal draw per leaf of the updates'
// shape and dtype: each step splits the state's key into the next key and a sampling key, which is
// split into one key per leaf (as optax.tree.random_like does). State: {'count', 'rng_key'}.
GradientTransformation add_noise(double eta, double gamma, KeyOrSeed key = std::int64_t{0});

}  // namespace jx::optim
