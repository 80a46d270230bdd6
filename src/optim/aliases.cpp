// The common optimizers, each the chain of building blocks Optax defines it as.
#include "jx/optim/aliases.h"

namespace jx::optim {

GradientTransformation sgd(ScalarOrSchedule learning_rate, SgdOptions options) {
  return chain(options.momentum ? trace(*options.momentum,
                                        {.nesterov = options.nesterov, .accumulator_dtype = options.accumulator_dtype})
                                : identity(),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation adam(ScalarOrSchedule learning_rate, AdamOptions options) {
  return chain(scale_by_adam(options), scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation adamw(ScalarOrSchedule learning_rate, AdamWOptions options) {
  return chain(scale_by_adam({.b1 = options.b1,
                              .b2 = options.b2,
                              .eps = options.eps,
                              .eps_root = options.eps_root,
                              .mu_dtype = options.mu_dtype,
                              .nesterov = options.nesterov}),
               add_decayed_weights(std::move(options.weight_decay), std::move(options.mask)),
               scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation rmsprop(ScalarOrSchedule learning_rate, RmsPropOptions options) {
  const ScaleByRmsOptions rms{.decay = options.decay,
                              .eps = options.eps,
                              .initial_scale = options.initial_scale,
                              .eps_in_sqrt = options.eps_in_sqrt,
                              .bias_correction = options.bias_correction};
  return chain(options.centered ? scale_by_stddev(rms) : scale_by_rms(rms),
               scale_by_learning_rate(std::move(learning_rate)),
               options.momentum ? trace(*options.momentum, {.nesterov = options.nesterov}) : identity());
}

GradientTransformation adagrad(ScalarOrSchedule learning_rate, AdagradOptions options) {
  return chain(scale_by_rss(options), scale_by_learning_rate(std::move(learning_rate)));
}

GradientTransformation lion(ScalarOrSchedule learning_rate, LionOptions options) {
  return chain(scale_by_lion({.b1 = options.b1, .b2 = options.b2, .mu_dtype = options.mu_dtype}),
               add_decayed_weights(std::move(options.weight_decay), std::move(options.mask)),
               scale_by_learning_rate(std::move(learning_rate)));
}

}  // namespace jx::optim
