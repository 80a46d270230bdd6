// jx/optim.h — jx::optim, optimizers as values (Optax).
//
// What it offers:
//   - GradientTransformation: an optimizer, `init(params) -> state` and
//     `update(grads, state, params) -> (updates, new_state)`, for any pytree of parameters (JX_PYTREE
//     structs, containers, dynamic jx::tree::Tree); `apply_updates(params, updates)`.
//   - OptState: the state, a dynamic pytree of Arrays (the step count too) — jit takes and returns it
//     without retracing from step to step, donates it, and it is saved like any tree.
//   - Optimizers (jx/optim/aliases.h): sgd (momentum, nesterov), adam, adamw, rmsprop, adagrad, lion;
//     and (jx/optim/adaptive.h, their blocks in jx/optim/adaptive_transforms.h) adamax, adamaxw, amsgrad,
//     nadam, nadamw, radam, adabelief, yogi, adan, lamb, lars, novograd, fromage, adadelta, rprop,
//     sign_sgd, signum, noisy_sgd, optimistic_gradient_descent; (jx/optim/factored.h) adafactor, sm3;
//     (jx/optim/step_size.h) polyak_sgd, optimistic_adam, distance-over-gradients; (jx/optim/lbfgs.h)
//     lbfgs with its zoom and backtracking line searches, which read Optax's extra arguments
//     (`update(grads, state, params, {.value = loss, .grad = grads, .value_fn = loss_of_params})`).
//   - Wrappers (jx/optim/wrappers.h): MultiSteps, partition, named_chain, flatten, freeze, lookahead,
//     inject_hyperparams, apply_if_finite (jx/optim/clipping.h), monitor, snapshot, microbatch, ...
//   - Clipping and gradient filters (jx/optim/clipping.h): clip, clip_by_block_rms, adaptive_grad_clip,
//     per-example clipping, zero_nans, centralize, apply_every, scale_gradient; utilities
//     (jx/optim/utilities.h): global_norm, safe_norm, incremental_update, periodic_update, tree helpers.
//   - Losses (jx/optim/losses.h): every loss of optax.losses — softmax_cross_entropy (also with integer
//     labels), sigmoid_binary_cross_entropy, l2_loss, huber_loss, kl_divergence, ctc_loss, ntxent, ...
//   - Building blocks (jx/optim/transforms.h, jx/optim/transformation.h): chain, masked, identity,
//     clip_by_global_norm, add_decayed_weights, scale, scale_by_learning_rate, scale_by_schedule,
//     trace, scale_by_adam, scale_by_rms, scale_by_stddev, scale_by_rss, scale_by_lion.
//   - Schedules (jx/optim/schedules.h), accepted wherever a learning rate or weight decay is:
//     constant_schedule, polynomial_schedule, linear_schedule, cosine_decay_schedule,
//     warmup_cosine_decay_schedule, exponential_decay, piecewise_constant_schedule, join_schedules,
//     piecewise_interpolate, one-cycle, SGDR and warmup schedules.
// Algorithms, parameter names and defaults are Optax's; optional parameters are designated
// initializers named as Optax names the keyword.
//
//   struct Params { jx::Array w, b; };
//   JX_PYTREE(Params, w, b);
//
//   auto opt = jx::optim::adamw(jx::optim::warmup_cosine_decay_schedule(0.0f, 1e-3f, 100, 5000),
//                               {.weight_decay = 1e-4f, .mask = jx::optim::not_named({"b"})});
//   jx::optim::OptState opt_state = opt.init(params);
//   auto train_step = jx::jit([opt](const Params& params, const jx::optim::OptState& opt_state,
//                                   const jx::Array& x, const jx::Array& y) {
//     auto [loss, grads] = jx::value_and_grad(loss_fn)(params, x, y);
//     auto [updates, next_opt_state] = opt.update(grads, opt_state, params);
//     return std::tuple{jx::optim::apply_updates(params, updates), next_opt_state, loss};
//   });
//   for (int step = 0; step < 5000; ++step) {   // traced once; params and state updated in place
//     jx::Array loss;
//     std::tie(params, opt_state, loss) = train_step(std::move(params), std::move(opt_state), x, y);
//   }
#pragma once

#include "jx/optim/adaptive.h"
#include "jx/optim/aliases.h"
#include "jx/optim/clipping.h"
#include "jx/optim/factored.h"
#include "jx/optim/lbfgs.h"
#include "jx/optim/losses.h"
#include "jx/optim/schedules.h"
#include "jx/optim/step_size.h"
#include "jx/optim/transformation.h"
#include "jx/optim/transforms.h"
#include "jx/optim/utilities.h"
#include "jx/optim/wrappers.h"
