// Optimistic Adam: optimistic_adam (Optax's deprecated interface) and optimistic_adam_v2.
#include "jx/optim/adaptive_transforms.h"
#include "jx/optim/step_size.h"
#include "jx/optim/transforms.h"

namespace jx::optim {

GradientTransformation optimistic_adam(double learning_rate, OptimisticAdamOptions options) {
  return chain(scale_by_adam({.b1 = options.b1,
                              .b2 = options.b2,
                              .eps = options.eps,
                              .eps_root = options.eps_root,
                              .mu_dtype = options.mu_dtype,
                              .nesterov = options.nesterov}),
               scale_by_optimistic_gradient({.alpha = learning_rate, .beta = options.optimism.value_or(learning_rate)}),
               // The learning rate is already in the optimistic step: this only flips the sign.
               scale_by_learning_rate(1.0));
}

GradientTransformation optimistic_adam_v2(ScalarOrSchedule learning_rate, OptimisticAdamV2Options options) {
  return chain(scale_by_adam({.b1 = options.b1,
                              .b2 = options.b2,
                              .eps = options.eps,
                              .eps_root = options.eps_root,
                              .mu_dtype = options.mu_dtype,
                              .nesterov = options.nesterov}),
               scale_by_optimistic_gradient({.alpha = options.alpha, .beta = options.beta}),
               scale_by_learning_rate(std::move(learning_rate)));
}

}  // namespace jx::optim
