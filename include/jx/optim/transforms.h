// jx/optim/transforms.h — the building blocks optimizers are chained from (Optax's transformations).
//
// Each follows Optax's documented algorithm, with Optax's parameter names and defaults; optional
// parameters are designated initializers in Optax's order:
//
//   auto opt = jx::optim::chain(
//       jx::optim::clip_by_global_norm(1.0f),
//       jx::optim::scale_by_adam({.b2 = 0.95f}),
//       jx::optim::add_decayed_weights(1e-4f, jx::optim::not_named({"b"})),
//       jx::optim::scale_by_learning_rate(jx::optim::cosine_decay_schedule(1e-3f, 10000)));
//
// Updates are transformed in the gradients' dtype; moment estimates are kept in the parameters'
// dtype unless mu_dtype / accumulator_dtype says otherwise; step counts are int32 scalars that stop
// at the largest int32 (Optax's safe_increment). Bias corrections compute 1 - decay^count as
// -expm1(count * log(decay)): the same quantity without the float32 cancellation of 1 - decay^count
// near count = 1 (for decay in (0, 1); other decays use the power).
#pragma once

#include <optional>

#include "jx/core/dtype.h"
#include "jx/numpy.h"
#include "jx/optim/schedules.h"
#include "jx/optim/transformation.h"

namespace jx::optim {

// --- Scaling ---------------------------------------------------------------------------------------

// updates * step_size. No state.
GradientTransformation scale(double step_size);

// updates * step_size_fn(count), the value cast to each update's dtype. State: {'count'}.
GradientTransformation scale_by_schedule(Schedule step_size_fn);

struct ScaleByLearningRateOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool flip_sign = true;  // scale by -learning_rate (descent)
};
// scale(-learning_rate), or scale_by_schedule(-learning_rate(count)) for a schedule.
GradientTransformation scale_by_learning_rate(ScalarOrSchedule learning_rate, ScaleByLearningRateOptions options = {});

// updates * max_norm / ||updates|| when the global norm (over all leaves) is max_norm or more. No state.
GradientTransformation clip_by_global_norm(double max_norm);

// updates + weight_decay * params, on the leaves the mask selects (all without a mask). A constant
// 0 adds nothing. State: None, {'count'} for a schedule; inside {'inner_state': ...} with a mask.
GradientTransformation add_decayed_weights(ScalarOrSchedule weight_decay = 0.0, Mask mask = {});

// --- Momentum --------------------------------------------------------------------------------------

struct TraceOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool nesterov = false;
  std::optional<DType> accumulator_dtype = std::nullopt;
};
// trace = updates + decay * trace; the updates become the trace, or updates + decay * trace with
// nesterov. State: {'trace'}.
GradientTransformation trace(double decay, TraceOptions options = {});

// --- Adaptive scaling ------------------------------------------------------------------------------

struct AdamOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;        // decay of the first moment
  double b2 = 0.999;      // decay of the second moment
  double eps = 1e-8;      // added to the denominator outside the square root
  double eps_root = 0.0;  // added inside the square root
  std::optional<DType> mu_dtype = std::nullopt;
  bool nesterov = false;  // Dozat's NAdam
};
// mu = b1 mu + (1 - b1) g, nu = b2 nu + (1 - b2) g^2, updates = mu_hat / (sqrt(nu_hat + eps_root) + eps)
// with mu_hat, nu_hat bias-corrected by the count. State: {'count', 'mu', 'nu'}.
GradientTransformation scale_by_adam(AdamOptions options = {});

struct ScaleByRmsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double decay = 0.9;
  double eps = 1e-8;
  double initial_scale = 0.0;  // nu's initial value
  bool eps_in_sqrt = true;     // 1/sqrt(nu + eps), else 1/(sqrt(nu) + eps)
  bool bias_correction = false;
};
// nu = decay nu + (1 - decay) g^2; updates = g / sqrt(nu (+ eps)). State: {'nu'}, {'count', 'nu'} with
// bias correction.
GradientTransformation scale_by_rms(ScaleByRmsOptions options = {});
// The centred form: also mu = decay mu + (1 - decay) g, and nu - mu^2 in place of nu.
// State: {'mu', 'nu'}, {'count', 'mu', 'nu'} with bias correction.
GradientTransformation scale_by_stddev(ScaleByRmsOptions options = {});

struct ScaleByRssOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double initial_accumulator_value = 0.1;
  double eps = 1e-7;
};
// sum_of_squares += g^2; updates = g / sqrt(sum_of_squares + eps), 0 where the sum is 0 (Adagrad).
// State: {'sum_of_squares'}.
GradientTransformation scale_by_rss(ScaleByRssOptions options = {});

struct ScaleByLionOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;   // how much momentum the sign sees
  double b2 = 0.99;  // decay of the momentum
  std::optional<DType> mu_dtype = std::nullopt;
};
// updates = sign((1 - b1) g + b1 mu); then mu = b2 mu + (1 - b2) g. State: {'count', 'mu'}.
GradientTransformation scale_by_lion(ScaleByLionOptions options = {});

}  // namespace jx::optim
