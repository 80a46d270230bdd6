// jx/optim/aliases.h — the common optimizers, each the chain of building blocks Optax makes it of.
//
//   jx::optim::sgd(0.1f, {.momentum = 0.9f, .nesterov = true})
//   jx::optim::adam(1e-3f)                                  // chain(scale_by_adam, scale_by_learning_rate)
//   jx::optim::adamw(schedule, {.weight_decay = 1e-4f, .mask = jx::optim::not_named({"b"})})
//   jx::optim::rmsprop(1e-3f, {.centered = true, .momentum = 0.9f})
//   jx::optim::adagrad(0.1f)
//   jx::optim::lion(1e-4f, {.weight_decay = 1e-2f})
//
// The learning rate (and a weight decay) is a number or a schedule. Weight decay is multiplied by the
// learning rate, as in Optax (and PyTorch): adamw's update is -lr * (adam + weight_decay * params).
#pragma once

#include <optional>

#include "jx/core/dtype.h"
#include "jx/numpy.h"
#include "jx/optim/schedules.h"
#include "jx/optim/transformation.h"
#include "jx/optim/transforms.h"

namespace jx::optim {

struct SgdOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<double> momentum = std::nullopt;  // none: plain gradient descent, no state
  bool nesterov = false;
  std::optional<DType> accumulator_dtype = std::nullopt;
};
// chain(trace(momentum, nesterov) when momentum is given, scale_by_learning_rate).
GradientTransformation sgd(ScalarOrSchedule learning_rate, SgdOptions options = {});

// chain(scale_by_adam(options), scale_by_learning_rate).
GradientTransformation adam(ScalarOrSchedule learning_rate, AdamOptions options = {});

struct AdamWOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;
  double eps_root = 0.0;
  std::optional<DType> mu_dtype = std::nullopt;
  ScalarOrSchedule weight_decay = 1e-4;
  Mask mask = {};  // the leaves weight decay applies to (all without one)
  bool nesterov = false;
};
// chain(scale_by_adam, add_decayed_weights(weight_decay, mask), scale_by_learning_rate).
GradientTransformation adamw(ScalarOrSchedule learning_rate, AdamWOptions options = {});

struct RmsPropOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double decay = 0.9;
  double eps = 1e-8;
  double initial_scale = 0.0;
  bool eps_in_sqrt = true;
  bool centered = false;  // scale_by_stddev instead of scale_by_rms
  std::optional<double> momentum = std::nullopt;
  bool nesterov = false;
  bool bias_correction = false;
};
// chain(scale_by_rms or scale_by_stddev, scale_by_learning_rate, trace(momentum, nesterov) when given).
GradientTransformation rmsprop(ScalarOrSchedule learning_rate, RmsPropOptions options = {});

// chain(scale_by_rss(options), scale_by_learning_rate): initial_accumulator_value = 0.1, eps = 1e-7.
using AdagradOptions = ScaleByRssOptions;
GradientTransformation adagrad(ScalarOrSchedule learning_rate, AdagradOptions options = {});

struct LionOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;
  double b2 = 0.99;
  std::optional<DType> mu_dtype = std::nullopt;
  ScalarOrSchedule weight_decay = 1e-3;
  Mask mask = {};
};
// chain(scale_by_lion, add_decayed_weights(weight_decay, mask), scale_by_learning_rate).
GradientTransformation lion(ScalarOrSchedule learning_rate, LionOptions options = {});

}  // namespace jx::optim
