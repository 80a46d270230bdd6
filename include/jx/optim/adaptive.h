// jx/optim/adaptive.h — Optax's adaptive optimizers beyond Adam, each the chain of building blocks Optax
// makes it of (the blocks are in jx/optim/adaptive_transforms.h).
//
// What it offers:
//   - Adam's relatives: adamax, adamaxw, amsgrad, nadam, nadamw, radam, adabelief, yogi, adan.
//   - Layer-wise (trust-ratio) optimizers: lamb, lars, novograd, fromage.
//   - Others: adadelta, rprop, sign_sgd, signum, noisy_sgd, optimistic_gradient_descent.
// Algorithms, parameter names, defaults and states are Optax's; optional parameters are designated
// initializers named as Optax names the keyword. A learning rate (and a weight decay, where Optax
// takes a schedule) is a number or a schedule; weight decay is multiplied by the learning rate, as in
// Optax.
//
//   struct Params { jx::Array w, b; };
//   JX_PYTREE(Params, w, b);
//
//   auto opt = jx::optim::lamb(jx::optim::warmup_cosine_decay_schedule(0.0, 2e-3, 500, 20000),
//                              {.weight_decay = 1e-2, .mask = jx::optim::not_named({"b"})});
//   jx::optim::OptState opt_state = opt.init(params);   // [{'count', 'mu', 'nu'}, {'inner_state'}, None, {'count'}]
//   auto train_step = jx::jit([opt](const Params& params, const jx::optim::OptState& opt_state,
//                                   const jx::Array& x, const jx::Array& y) {
//     auto [loss, grads] = jx::value_and_grad(loss_fn)(params, x, y);
//     auto [updates, next_opt_state] = opt.update(grads, opt_state, params);
//     return std::tuple{jx::optim::apply_updates(params, updates), next_opt_state, loss};
//   });
//
//   jx::optim::radam(1e-3, {.nesterov = true});
//   jx::optim::lars(0.1, {.weight_decay = 1e-4, .trust_ratio_mask = jx::optim::not_named({"b"})});
//   jx::optim::noisy_sgd(0.01, {.eta = 0.01, .key = jx::random::PRNGKey(3)});
#pragma once

#include <optional>

#include "jx/core/dtype.h"
#include "jx/core/keywords_only.h"
#include "jx/optim/adaptive_transforms.h"
#include "jx/optim/aliases.h"
#include "jx/optim/schedules.h"
#include "jx/optim/transformation.h"

namespace jx::optim {

// --- Adam's relatives ------------------------------------------------------------------------------

// chain(scale_by_adamax(options), scale_by_learning_rate).
GradientTransformation adamax(ScalarOrSchedule learning_rate, AdamaxOptions options = {});

struct AdamaxWOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;
  ScalarOrSchedule weight_decay = 1e-4;
  Mask mask = {};  // the leaves weight decay applies to (all without one)
};
// chain(scale_by_adamax, add_decayed_weights(weight_decay, mask), scale_by_learning_rate).
GradientTransformation adamaxw(ScalarOrSchedule learning_rate, AdamaxWOptions options = {});

// chain(scale_by_amsgrad(options), scale_by_learning_rate).
GradientTransformation amsgrad(ScalarOrSchedule learning_rate, AmsgradOptions options = {});

// adam with Nesterov momentum (Dozat's NAdam): adam(learning_rate, options) with options.nesterov set,
// whatever the options say (Optax's functools.partial(adam, nesterov=True)).
GradientTransformation nadam(ScalarOrSchedule learning_rate, AdamOptions options = {});
// adamw with Nesterov momentum: adamw(learning_rate, options) with options.nesterov set.
GradientTransformation nadamw(ScalarOrSchedule learning_rate, AdamWOptions options = {});

// chain(scale_by_radam(options), scale_by_learning_rate).
GradientTransformation radam(ScalarOrSchedule learning_rate, RAdamOptions options = {});

struct AdaBeliefOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-16;  // the paper's defaults are eps = 1e-8, eps_root = 0
  double eps_root = 1e-16;
  std::optional<ScalarOrSchedule> weight_decay = std::nullopt;  // none: no add_decayed_weights in the chain
  Mask weight_decay_mask = {};
  bool nesterov = false;
};
// chain(scale_by_belief, add_decayed_weights(weight_decay, weight_decay_mask) when a weight decay is
// given, scale_by_learning_rate).
GradientTransformation adabelief(ScalarOrSchedule learning_rate, AdaBeliefOptions options = {});

struct YogiOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-3;
};
// chain(scale_by_yogi(b1, b2, eps), scale_by_learning_rate); the moments start at 1e-6.
GradientTransformation yogi(ScalarOrSchedule learning_rate, YogiOptions options = {});

struct AdanOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.98;
  double b2 = 0.92;
  double b3 = 0.99;
  double eps = 1e-8;
  double eps_root = 1e-8;  // scale_by_adan's default is 0
  ScalarOrSchedule weight_decay = 0.0;
  Mask mask = {};
};
// chain(scale_by_adan, add_decayed_weights(weight_decay, mask), scale_by_learning_rate).
GradientTransformation adan(ScalarOrSchedule learning_rate, AdanOptions options = {});

// --- Layer-wise optimizers -------------------------------------------------------------------------

struct LambOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-6;
  double eps_root = 0.0;
  ScalarOrSchedule weight_decay = 0.0;
  Mask mask = {};
};
// chain(scale_by_adam, add_decayed_weights(weight_decay, mask), scale_by_trust_ratio,
// scale_by_learning_rate): Adam's step plus weight decay, rescaled per layer to ||params||.
GradientTransformation lamb(ScalarOrSchedule learning_rate, LambOptions options = {});

struct LarsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  ScalarOrSchedule weight_decay = 0.0;
  Mask weight_decay_mask = {};  // all leaves without one
  double trust_coefficient = 0.001;
  double eps = 0.0;
  Mask trust_ratio_mask = {};  // all leaves without one
  double momentum = 0.9;
  bool nesterov = false;
};
// chain(masked(add_decayed_weights(weight_decay), weight_decay_mask),
// masked(scale_by_trust_ratio(trust_coefficient, eps), trust_ratio_mask), scale_by_learning_rate,
// trace(momentum, nesterov)): both are masked even without a mask (Optax's default mask is True), so
// the state has their {'inner_state'} entries.
GradientTransformation lars(ScalarOrSchedule learning_rate, LarsOptions options = {});

struct NovogradOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.25;
  double eps = 1e-6;  // scale_by_novograd's default is 1e-8
  double eps_root = 0.0;
  double weight_decay = 0.0;  // a constant, added inside the moment (Optax's scale_by_novograd)
};
// chain(scale_by_novograd(options), scale_by_learning_rate).
GradientTransformation novograd(ScalarOrSchedule learning_rate, NovogradOptions options = {});

struct FromageOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double min_norm = 1e-6;  // the trust ratio's norms are at least this
};
// With c = 1 / sqrt(1 + learning_rate^2): chain(scale_by_trust_ratio(min_norm),
// scale_by_learning_rate(learning_rate * c), add_decayed_weights(c - 1)), so that
// params' = c (params - learning_rate * ||params|| / ||g|| * g). For a schedule, c follows it.
GradientTransformation fromage(ScalarOrSchedule learning_rate, FromageOptions options = {});

// --- Others ----------------------------------------------------------------------------------------

struct AdadeltaOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double rho = 0.9;
  double eps = 1e-6;
  ScalarOrSchedule weight_decay = 0.0;
  Mask weight_decay_mask = {};
};
// chain(add_decayed_weights(weight_decay, weight_decay_mask), scale_by_adadelta(rho, eps),
// scale_by_learning_rate): the decay enters the adaptive rescaling. Without a learning rate the last
// part is identity, as in Optax: no scaling and no sign flip, so the updates point uphill.
GradientTransformation adadelta(std::optional<ScalarOrSchedule> learning_rate = std::nullopt,
                                AdadeltaOptions options = {});

// chain(scale_by_rprop(learning_rate, options), scale(-1)): learning_rate is the initial step size.
GradientTransformation rprop(double learning_rate, RpropOptions options = {});

// chain(scale_by_sign, scale_by_learning_rate).
GradientTransformation sign_sgd(ScalarOrSchedule learning_rate);

struct SignumOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double beta = 0.9;  // decay of the gradients' moving average
  std::optional<DType> accumulator_dtype = std::nullopt;
};
// chain(ema(beta, debias = false), scale_by_sign, scale_by_learning_rate).
GradientTransformation signum(ScalarOrSchedule learning_rate, SignumOptions options = {});

struct NoisySgdOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double eta = 0.01;    // the noise's initial variance
  double gamma = 0.55;  // the variance decays as 1 / (1 + t)^gamma
  KeyOrSeed key = std::int64_t{0};
};
// chain(add_noise(eta, gamma, key), scale_by_learning_rate).
GradientTransformation noisy_sgd(ScalarOrSchedule learning_rate, NoisySgdOptions options = {});

// chain(scale_by_optimistic_gradient(alpha, beta), scale_by_learning_rate).
GradientTransformation optimistic_gradient_descent(ScalarOrSchedule learning_rate,
                                                   OptimisticGradientDescentOptions options = {});

}  // namespace jx::optim
