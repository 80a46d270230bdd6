// Transformations that rescale or add to the updates: scale, schedules, learning rates, clipping,
// weight decay.
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/transforms.h"
#include "optim/state.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {
OptState count_state(Array count) { return OptState::dict({{"count", std::move(count)}}); }
}  // namespace

GradientTransformation scale(double step_size) {
  return GradientTransformation(
      "scale", [](const tree::TreeDef&, std::span<const Array>) { return OptState::none(); },
      [step_size](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state, std::span<const Array>) {
        for (Array& update : updates)
          if (update.valid()) update = step_size * update;
        return state;
      });
}

GradientTransformation scale_by_schedule(Schedule step_size_fn) {
  return GradientTransformation(
      "scale_by_schedule",
      [](const tree::TreeDef&, std::span<const Array>) { return count_state(detail::zero_count()); },
      [step_size_fn = std::move(step_size_fn)](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state,
                                               std::span<const Array>) {
        const Array count = detail::state_count(state, "scale_by_schedule");
        const Array step_size = step_size_fn(count);
        for (Array& update : updates)
          if (update.valid()) update = step_size.astype(update.dtype()) * update;
        return count_state(detail::safe_increment(count));
      });
}

GradientTransformation scale_by_learning_rate(ScalarOrSchedule learning_rate, ScaleByLearningRateOptions options) {
  if (learning_rate.is_schedule()) {
    const bool flip_sign = options.flip_sign;
    return scale_by_schedule([schedule = learning_rate.schedule(), flip_sign](const Array& count) {
             return flip_sign ? -schedule(count) : schedule(count);
           })
        .with_name("scale_by_learning_rate");
  }
  return scale(options.flip_sign ? -learning_rate.value() : learning_rate.value()).with_name("scale_by_learning_rate");
}

GradientTransformation clip_by_global_norm(double max_norm) {
  return GradientTransformation(
      "clip_by_global_norm", [](const tree::TreeDef&, std::span<const Array>) { return OptState::none(); },
      [max_norm](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state, std::span<const Array>) {
        Array squared_norm;
        for (const Array& update : updates) {
          if (!update.valid()) continue;
          const Array sum = jnp::sum(update * update);
          squared_norm = squared_norm.valid() ? squared_norm + sum : sum;
        }
        if (!squared_norm.valid()) return state;  // no leaves
        const Array norm = jnp::sqrt(squared_norm);
        const Array within = norm < max_norm;
        for (Array& update : updates) {
          if (update.valid()) update = jnp::where(within, update, (update / norm.astype(update.dtype())) * max_norm);
        }
        return state;
      });
}

GradientTransformation add_decayed_weights(ScalarOrSchedule weight_decay, Mask mask) {
  const std::string name = "add_decayed_weights";
  GradientTransformation unmasked(
      name,
      [weight_decay](const tree::TreeDef&, std::span<const Array>) {
        return weight_decay.is_schedule() ? count_state(detail::zero_count()) : OptState::none();
      },
      [weight_decay, name](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state,
                           std::span<const Array> params) {
        if (params.empty()) {
          throw ValueError("optim::update",
                           fmt::format("{} needs the parameters: call update(grads, state, params)", name));
        }
        Array decay;
        OptState next = state;
        if (weight_decay.is_schedule()) {
          const Array count = detail::state_count(state, name);
          decay = weight_decay.schedule()(count);
          next = count_state(detail::safe_increment(count));
        } else if (weight_decay.value() == 0.0) {
          return next;  // Optax skips a constant zero decay
        } else {
          decay = Array(weight_decay.value());
        }
        for (std::size_t i = 0; i < updates.size(); ++i)
          if (updates[i].valid()) updates[i] = updates[i] + decay * params[i];
        return next;
      });
  return mask ? masked(std::move(unmasked), std::move(mask)) : unmasked;
}

}  // namespace jx::optim
