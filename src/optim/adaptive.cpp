// Optax's adaptive optimizers, each the chain of building blocks Optax defines it as.
#include "jx/optim/adaptive.h"

#include <cmath>

#include "jx/numpy.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

// Optax's default mask `True`: every leaf, but still through masked, whose state ({'inner_state'})
// the optimizer's state then has as Optax's has.
Mask mask_or_everything(Mask mask) {
  if (mask) return mask;
  return [](const tree::KeyPath&, const Array&) { return true; };
}

// Fromage's c - 1 with c = 1 / sqrt(1 + lr^2), as -lr^2 / (s (1 + s)) with s = sqrt(1 + lr^2): the
// same number without the cancellation of c - 1 (in float32, for a schedule's lr, the direct form
// would keep only a few digits of a decay of order lr^2 / 2).
double fromage_decay(double lr) {
  const double s = std::sqrt(1.0 + lr * lr);
  return -lr * lr / (s * (1.0 + s));
}
Array fromage_decay(const Array& lr) {
  const Array s = jnp::sqrt(1.0 + lr * lr);
  return -lr * lr / (s * (1.0 + s));
}

}  // namespace

GradientTransformation adamax(ScalarOrSchedule learning_rate, AdamaxOptions options) {
  return chain(scale_by_adamax(options), scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation adamaxw(ScalarOrSchedule learning_rate, AdamaxWOptions options) {
  return chain(scale_by_adamax({.b1 = options.b1, .b2 = options.b2, .eps = options.eps}),
               add_decayed_weights(std::move(options.weight_decay), std::move(options.mask)),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation amsgrad(ScalarOrSchedule learning_rate, AmsgradOptions options) {
  return chain(scale_by_amsgrad(options), scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation nadam(ScalarOrSchedule learning_rate, AdamOptions options) {
  options.nesterov = true;
  return adam(std::move(learning_rate), options);
}

GradientTransformation nadamw(ScalarOrSchedule learning_rate, AdamWOptions options) {
  options.nesterov = true;
  return adamw(std::move(learning_rate), std::move(options));
}

GradientTransformation radam(ScalarOrSchedule learning_rate, RAdamOptions options) {
  return chain(scale_by_radam(options), scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation adabelief(ScalarOrSchedule learning_rate, AdaBeliefOptions options) {
  GradientTransformation belief = scale_by_belief({.b1 = options.b1,
                                                   .b2 = options.b2,
                                                   .eps = options.eps,
                                                   .eps_root = options.eps_root,
                                                   .nesterov = options.nesterov});
  if (!options.weight_decay) return chain(std::move(belief), scale_by_learning_rate(std::move(learning_rate)));
  return chain(std::move(belief),
               add_decayed_weights(std::move(*options.weight_decay), std::move(options.weight_decay_mask)),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation yogi(ScalarOrSchedule learning_rate, YogiOptions options) {
  return chain(scale_by_yogi({.b1 = options.b1, .b2 = options.b2, .eps = options.eps}),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation adan(ScalarOrSchedule learning_rate, AdanOptions options) {
  return chain(
      scale_by_adan(
          {.b1 = options.b1, .b2 = options.b2, .b3 = options.b3, .eps = options.eps, .eps_root = options.eps_root}),
      add_decayed_weights(std::move(options.weight_decay), std::move(options.mask)),
      scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation lamb(ScalarOrSchedule learning_rate, LambOptions options) {
  return chain(scale_by_adam({.b1 = options.b1, .b2 = options.b2, .eps = options.eps, .eps_root = options.eps_root}),
               add_decayed_weights(std::move(options.weight_decay), std::move(options.mask)), scale_by_trust_ratio(),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation lars(ScalarOrSchedule learning_rate, LarsOptions options) {
  return chain(
      add_decayed_weights(std::move(options.weight_decay), mask_or_everything(std::move(options.weight_decay_mask))),
      masked(scale_by_trust_ratio({.trust_coefficient = options.trust_coefficient, .eps = options.eps}),
             mask_or_everything(std::move(options.trust_ratio_mask))),
      scale_by_learning_rate(std::move(learning_rate)), trace(options.momentum, {.nesterov = options.nesterov}));
}

GradientTransformation novograd(ScalarOrSchedule learning_rate, NovogradOptions options) {
  return chain(scale_by_novograd({.b1 = options.b1,
                                  .b2 = options.b2,
                                  .eps = options.eps,
                                  .eps_root = options.eps_root,
                                  .weight_decay = options.weight_decay}),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation fromage(ScalarOrSchedule learning_rate, FromageOptions options) {
  GradientTransformation trust_ratio = scale_by_trust_ratio({.min_norm = options.min_norm});
  if (!learning_rate.is_schedule()) {
    const double lr = learning_rate.value();
    return chain(std::move(trust_ratio), scale_by_learning_rate(lr / std::sqrt(1.0 + lr * lr)),
                 add_decayed_weights(fromage_decay(lr)));
  }
  const Schedule schedule = learning_rate.schedule();
  return chain(
      std::move(trust_ratio), scale_by_learning_rate(Schedule([schedule](const Array& count) {
        const Array lr = schedule(count);
        return lr / jnp::sqrt(1.0 + lr * lr);
      })),
      add_decayed_weights(Schedule([schedule](const Array& count) { return fromage_decay(schedule(count)); })));
}

GradientTransformation adadelta(std::optional<ScalarOrSchedule> learning_rate, AdadeltaOptions options) {
  return chain(add_decayed_weights(std::move(options.weight_decay), std::move(options.weight_decay_mask)),
               scale_by_adadelta({.rho = options.rho, .eps = options.eps}),
               learning_rate ? scale_by_learning_rate(std::move(*learning_rate)) : identity());
}

GradientTransformation rprop(double learning_rate, RpropOptions options) {
  return chain(scale_by_rprop(learning_rate, options), scale(-1.0));
}

GradientTransformation sign_sgd(ScalarOrSchedule learning_rate) {
  return chain(scale_by_sign(), scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation signum(ScalarOrSchedule learning_rate, SignumOptions options) {
  // Only the average's sign is used, so it needs no bias correction.
  return chain(ema(options.beta, {.debias = false, .accumulator_dtype = options.accumulator_dtype}), scale_by_sign(),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation noisy_sgd(ScalarOrSchedule learning_rate, NoisySgdOptions options) {
  return chain(add_noise(options.eta, options.gamma, std::move(options.key)),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation optimistic_gradient_descent(ScalarOrSchedule learning_rate,
                                                   OptimisticGradientDescentOptions options) {
  return chain(scale_by_optimistic_gradient(options), scale_by_learning_rate(std::move(learning_rate)));
}

}  // namespace jx::optim
