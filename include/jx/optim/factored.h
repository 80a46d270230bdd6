// jx/optim/factored.h — memory-efficient adaptive optimizers: Adafactor and SM3, and the per-block
// scalings Adafactor is made of.
//
// What it offers, with Optax's algorithms, parameter names, defaults and states:
//   - adafactor and its core, scale_by_factored_rms: second moments of a matrix kept as one row and
//     one column vector (O(n + m) memory instead of O(n m)).
//   - sm3 and scale_by_sm3: an Adagrad-like accumulator kept as one vector per axis.
//   - scale_by_param_block_norm, scale_by_param_block_rms: updates scaled by each parameter's norm or
//     root mean square (Adafactor's multiply_by_parameter_scale).
//
//   auto opt = jx::optim::adafactor(1e-2, {.momentum = 0.9, .weight_decay_rate = 1e-4});
//   jx::optim::OptState state = opt.init(params);  // [{'count', 'v', 'v_col', 'v_row'}, None, None, None,
//                                                  //  {'count', 'ema'}, None, None]
//   auto [updates, next] = opt.update(grads, state, params);   // needs the parameters
//
//   auto sm3 = jx::optim::sm3(0.1);                 // state [{'mu': one list of vectors per leaf, 'nu'}, None]
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "jx/core/array.h"
#include "jx/core/dtype.h"
#include "jx/core/keywords_only.h"
#include "jx/optim/schedules.h"
#include "jx/optim/transformation.h"

namespace jx::optim {

// --- Adafactor ------------------------------------------------------------------------------------

struct ScaleByFactoredRmsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool factored = true;                       // false: a full second moment for every leaf
  double decay_rate = 0.8;                    // the exponent of the default decay schedule
  std::int64_t step_offset = 0;               // for fine-tuning: the step the schedule starts from
  std::int64_t min_dim_size_to_factor = 128;  // factor only leaves with two axes at least this long
  double epsilon = 1e-30;                     // added to the squared gradients
  // decay_rate_fn(step - step_offset, decay_rate): the decay at a step. None: Adafactor's
  // 1 - (step + 1)^-decay_rate, in float32.
  std::function<Array(const Array& step, double decay_rate)> decay_rate_fn = nullptr;
};
// Adafactor's rescaling by a factored estimate of the gradients' root mean square. With the decay
// d = decay_rate_fn(count - step_offset) and G = |g|^2 + epsilon: a leaf whose two longest axes
// (a, the second longest, and b, the longest) are both at least min_dim_size_to_factor keeps
// v_row = d v_row + (1 - d) mean(G, axis b) and v_col = d v_col + (1 - d) mean(G, axis a), and its
// update is g * (v_row / mean(v_row over a))^-1/2 * v_col^-1/2 (the rank-one estimate of G). Other
// leaves keep v = d v + (1 - d) G and update g * v^-1/2. Unused entries are zeros of shape (1,), as
// Optax keeps them. Needs the parameters (for their shapes and dtypes).
// State: {'count', 'v_row', 'v_col', 'v'}.
GradientTransformation scale_by_factored_rms(ScaleByFactoredRmsOptions options = {});

struct AdafactorOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::int64_t min_dim_size_to_factor = 128;
  double decay_rate = 0.8;
  std::int64_t decay_offset = 0;
  bool multiply_by_parameter_scale = true;         // scale by each parameter's rms (at least 1e-3)
  std::optional<double> clipping_threshold = 1.0;  // none: no clipping of each leaf's rms
  std::optional<double> momentum = std::nullopt;   // an ema of the updates (more memory)
  DType dtype_momentum = DType::float32;
  std::optional<ScalarOrSchedule> weight_decay_rate = std::nullopt;
  double eps = 1e-30;
  bool factored = true;
  Mask weight_decay_mask = {};
};
// chain(scale_by_factored_rms, clip_by_block_rms(clipping_threshold) if given,
// scale_by_learning_rate(learning_rate, flip_sign = false) if given, scale_by_param_block_rms() if
// multiply_by_parameter_scale, ema(momentum, debias = false, dtype_momentum) if given,
// add_decayed_weights(weight_decay_rate, weight_decay_mask) if given, scale(-1)). Without a learning
// rate the step is the rescaled gradient itself (relative to the parameters' scale).
GradientTransformation adafactor(std::optional<ScalarOrSchedule> learning_rate = std::nullopt,
                                 AdafactorOptions options = {});

// --- SM3 ------------------------------------------------------------------------------------------

struct ScaleBySm3Options {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double b1 = 0.9;    // decay of the updates' average
  double b2 = 1.0;    // decay of the accumulator (1: a sum, as Adagrad's)
  double eps = 1e-8;  // added inside the inverse square root
};
// SM3-II: each leaf of n axes keeps one accumulator vector per axis (mu, a list of n vectors; a
// vector keeps one, itself). accum = c g^2 + b2 min over the axes of the broadcast vectors (c = 1 when
// b2 = 1, else 1 - b2); nu = b1 nu + (1 - b1) g / sqrt(accum + eps) (0 where accum is 0); the updates
// are nu and each axis's vector becomes the maximum of accum over the other axes. Real leaves of at
// least one axis only (ValueError for complex ones, ShapeError for scalars).
// State: {'mu', 'nu'}.
GradientTransformation scale_by_sm3(ScaleBySm3Options options = {});

struct Sm3Options {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double momentum = 0.9;
};
// chain(scale_by_sm3({.b1 = momentum}), scale(-learning_rate)).
GradientTransformation sm3(double learning_rate, Sm3Options options = {});

// --- Scaling by the parameters' size ---------------------------------------------------------------

// updates * max(||params||, min_scale) per leaf (the Frobenius norm of the whole leaf), with a
// gradient that stays finite where the norm is 0. Needs the parameters. No state.
GradientTransformation scale_by_param_block_norm(double min_scale = 1e-3);
// updates * max(rms(params), min_scale) per leaf, rms = sqrt(mean(|params|^2)). Needs the
// parameters. No state.
GradientTransformation scale_by_param_block_rms(double min_scale = 1e-3);

}  // namespace jx::optim
