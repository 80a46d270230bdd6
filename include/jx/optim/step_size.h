// jx/optim/step_size.h — optimizers that take their step size from the problem (Polyak's step size,
// DoG's distance over gradients), and optimistic Adam for min-max problems.
//
// What it offers, with Optax's algorithms, parameter names, defaults and states:
//   - polyak_sgd and scale_by_polyak: the step (f(x) - f_min) / ||g||^2, capped. They read the
//     objective's value, Optax's `value` extra argument: update(grads, state, params, {.value = loss}).
//   - scale_by_distance_over_gradients: layer-wise DoG, the step max ||x - x_0|| / sqrt(sum ||g||^2).
//   - optimistic_adam (Optax's deprecated interface) and optimistic_adam_v2: Adam's step, made
//     optimistic (2 r_t - r_{t-1}) against the limit cycles of GAN training.
//
//   auto opt = jx::optim::polyak_sgd({.max_learning_rate = 0.5});
//   jx::optim::OptState state = opt.init(params);            // [[None, None], None]
//   auto [loss, grads] = jx::value_and_grad(loss_fn)(params);
//   auto [updates, next] = opt.update(grads, state, params, {.value = loss});
#pragma once

#include <optional>
#include <string>

#include "jx/core/dtype.h"
#include "jx/core/keywords_only.h"
#include "jx/optim/schedules.h"
#include "jx/optim/transformation.h"

namespace jx::optim {

// --- Polyak's step size ---------------------------------------------------------------------------

struct ScaleByPolyakOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double f_min = 0.0;              // a lower bound of the objective (0 for a model that interpolates)
  double max_learning_rate = 1.0;  // the largest step
  double eps = 0.0;                // added to the squared norm
  std::string variant = "sps";     // "sps", or "sps+": the gap's negative part counts as 0
};
// updates * min((value - f_min) / (||updates||^2 + eps), max_learning_rate), the norm over all leaves;
// 0 where ||updates||^2 + eps <= float64's epsilon (nothing to divide by). The value is the
// objective's at the parameters, passed as ExtraArgs::value: ValueError without it, and for a variant
// other than "sps" or "sps+". No state.
GradientTransformation scale_by_polyak(ScaleByPolyakOptions options = {});

struct PolyakSgdOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double max_learning_rate = 1.0;
  ScalarOrSchedule scaling = 1.0;  // a factor on the step (a schedule, too)
  double f_min = 0.0;
  double eps = 0.0;
  std::string variant = "sps";
};
// chain(sgd(scaling), scale_by_polyak): SGD with Polyak's step size. The Polyak step is computed from
// the updates sgd made, -scaling * g, as Optax chains them: with a constant scaling s the update is
// -min(gap / (s^2 ||g||^2 + eps), max_learning_rate) * s * g.
GradientTransformation polyak_sgd(PolyakSgdOptions options = {});

// --- Distance over gradients ----------------------------------------------------------------------

struct ScaleByDistanceOverGradientsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double reps_rel = 1e-6;              // the first distance, relative to 1 + ||x_0|| (1e-4 with batch norm)
  double eps = 1e-8;                   // added to the sum of squared gradients
  DType param_dtype = DType::float32;  // the dtype the initial parameters are kept in
  double global_scale = 1.0;           // 1, or -1 for descent
};
// DoG per leaf (layer-wise DoG): max_dist = max(max_dist, ||x - x_0||) (starting at
// reps_rel (1 + ||x_0||)), grad_sum_of_squares += ||g||^2 (a vector of one element, as Optax keeps it);
// updates = global_scale * max_dist / sqrt(grad_sum_of_squares + eps) * g, in the update's shape.
// Needs the parameters. State: {'max_dist', 'grad_sum_of_squares', 'init_params'}.
GradientTransformation scale_by_distance_over_gradients(ScaleByDistanceOverGradientsOptions options = {});

// --- Optimistic Adam ------------------------------------------------------------------------------

struct OptimisticAdamOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<double> optimism = std::nullopt;  // none: the learning rate, as in the paper
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;
  double eps_root = 0.0;
  std::optional<DType> mu_dtype = std::nullopt;
  bool nesterov = true;
};
// Optax's deprecated interface: chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov),
// scale_by_optimistic_gradient(alpha = learning_rate, beta = optimism), scale_by_learning_rate(1)), so
// the update is -(lr r_t + optimism (r_t - r_{t-1})) with r_t Adam's step. A constant learning rate
// only (Optax rejects schedules here; optimistic_adam_v2 takes them).
GradientTransformation optimistic_adam(double learning_rate, OptimisticAdamOptions options = {});

struct OptimisticAdamV2Options {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double alpha = 1.0;  // weight of the current step
  double beta = 1.0;   // weight of the change since the previous step
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;
  double eps_root = 0.0;
  std::optional<DType> mu_dtype = std::nullopt;
  bool nesterov = true;
};
// chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov), scale_by_optimistic_gradient(alpha,
// beta), scale_by_learning_rate(learning_rate)): -lr ((alpha + beta) r_t - beta r_{t-1}).
GradientTransformation optimistic_adam_v2(ScalarOrSchedule learning_rate, OptimisticAdamV2Options options = {});

}  // namespace jx::optim
