// Wrappers that decide at each step whether the inner transformation applies: MultiSteps (gradient
// accumulation), conditionally_transform and conditionally_mask.
#include <fmt/format.h>

#include <utility>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/utilities.h"
#include "jx/optim/wrappers.h"
#include "optim/state.h"
#include "optim/wrapping.h"

namespace jx::optim {

namespace jnp = jx::numpy;

// --- Skipping mini-steps ---------------------------------------------------------------------------

std::pair<Array, OptState> skip_not_finite(std::span<const Array> updates, const Array&, std::span<const Array>) {
  Array count = jnp::zeros({}, int32);
  for (const Array& u : updates)
    if (u.valid()) count = count + jnp::sum(jnp::logical_not(jnp::isfinite(u))).astype(int32);
  const Array should_skip = count > 0;
  return {should_skip, OptState::dict({{"should_skip", should_skip}, {"num_not_finite", count}})};
}

ShouldSkipUpdateFunction skip_large_updates(double max_squared_norm) {
  return [max_squared_norm](std::span<const Array> updates, const Array&, std::span<const Array>) {
    const Array squared_norm = detail::global_norm_leaves(updates, /*squared=*/true);
    // Not `>=`: a NaN norm is skipped too.
    const Array should_skip = jnp::logical_not(squared_norm < max_squared_norm);
    return std::pair<Array, OptState>{should_skip,
                                      OptState::dict({{"should_skip", should_skip}, {"norm_squared", squared_norm}})};
  };
}

// --- MultiSteps ------------------------------------------------------------------------------------

namespace {

GradientTransformation multi_steps(GradientTransformation inner, EveryKSchedule every_k_schedule,
                                   MultiStepsOptions options) {
  const std::string name = "MultiSteps(" + inner.name() + ")";
  if (const auto* k = std::get_if<std::int64_t>(&every_k_schedule); k && *k < 1) {
    throw ValueError("optim::MultiSteps", fmt::format("every_k_schedule must be at least 1, not {}", *k));
  }
  ShouldSkipUpdateFunction should_skip = options.should_skip_update_fn;
  if (!should_skip) {
    should_skip = [](std::span<const Array>, const Array&, std::span<const Array>) {
      return std::pair<Array, OptState>{Array(false), OptState::list({})};
    };
  }
  auto init = [inner, should_skip, options](const tree::TreeDef& structure, std::span<const Array> params) {
    const Array gradient_step = detail::zero_count();
    const std::vector<Array> zero_updates = detail::full_like(params, 0.0);
    return OptState::dict({{"mini_step", detail::zero_count()},
                           {"gradient_step", gradient_step},
                           {"inner_opt_state", inner.init_leaves(structure, params)},
                           {"acc_grads", detail::zeros_tree(structure, params, options.accumulator_dtype)},
                           {"skip_state", should_skip(zero_updates, gradient_step, params).second}});
  };
  auto update = [inner, every_k_schedule, should_skip, options, name](
                    const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                    std::span<const Array> params, const ExtraArgs& extra) {
    const Array mini_step = detail::array_field(state, "mini_step", name);
    const Array gradient_step = detail::array_field(state, "gradient_step", name);
    const OptState& inner_state = detail::state_field(state, "inner_opt_state", name);
    const std::vector<Array> accumulated = detail::field_arrays(structure, state, "acc_grads", name);
    const Array k_steps = std::holds_alternative<std::int64_t>(every_k_schedule)
                              ? Array(std::get<std::int64_t>(every_k_schedule))
                              : std::get<Schedule>(every_k_schedule)(gradient_step).astype(int32);
    auto [skip, skip_state] = should_skip(updates, gradient_step, params);
    if (skip.dtype() != bool_ || skip.ndim() != 0) {
      throw ValueError("optim::update", fmt::format("{}: should_skip_update_fn must return a boolean scalar, but it "
                                                    "returned {}",
                                                    name, skip.type().to_string()));
    }
    const detail::UpdatePath do_update = [&](std::vector<Array>& u) {
      std::vector<Array> sums(u.size()), for_inner(u.size());
      for (std::size_t i = 0; i < u.size(); ++i) {
        if (!u[i].valid()) continue;
        // The mean by Welford's update, stable in float32: acc + (g - acc) / (n + 1).
        sums[i] =
            options.use_grad_mean ? accumulated[i] + (u[i] - accumulated[i]) / (mini_step + 1) : u[i] + accumulated[i];
        for_inner[i] = detail::cast_like(sums[i], u[i]);
      }
      const OptState new_inner = inner.update_leaves(structure, for_inner, inner_state, nullptr, params, extra);
      const Array emit = mini_step == k_steps - 1;
      for (std::size_t i = 0; i < u.size(); ++i) {
        if (!u[i].valid()) continue;
        // Multiplied, not selected, as Optax does (a NaN stays in the accumulator until it is emptied).
        sums[i] = ((1 - emit.astype(sums[i].dtype())) * sums[i]).astype(options.accumulator_dtype);
        u[i] = emit.astype(for_inner[i].dtype()) * for_inner[i];
      }
      return OptState::dict({{"mini_step", jnp::remainder(detail::safe_increment(mini_step), k_steps).astype(int32)},
                             {"gradient_step", jnp::where(emit, detail::safe_increment(gradient_step), gradient_step)},
                             {"inner_opt_state", detail::select_state(emit, new_inner, inner_state, name)},
                             {"acc_grads", detail::per_leaf_tree(structure, sums)},
                             {"skip_state", skip_state}});
    };
    const detail::UpdatePath skip_update = [&](std::vector<Array>& u) {
      for (Array& leaf : u)
        if (leaf.valid()) leaf = jnp::zeros_like(leaf);
      return OptState::dict({{"mini_step", mini_step},
                             {"gradient_step", gradient_step},
                             {"inner_opt_state", inner_state},
                             {"acc_grads", detail::state_field(state, "acc_grads", name)},
                             {"skip_state", skip_state}});
    };
    if (!options.should_skip_update_fn) return do_update(updates);  // nothing is ever skipped: no cond
    return detail::cond_update(skip, skip_update, do_update, updates, name);
  };
  return GradientTransformation(name, std::move(init),
                                GradientTransformation::UpdateWithExtraArgsFunction(std::move(update)));
}

}  // namespace

MultiSteps::MultiSteps(GradientTransformation opt, EveryKSchedule every_k_schedule, MultiStepsOptions options)
    : GradientTransformation(multi_steps(opt, std::move(every_k_schedule), std::move(options))), inner_(opt) {}

Array MultiSteps::has_updated(const OptState& state) {
  const std::string name = "MultiSteps";
  return jnp::logical_and(detail::array_field(state, "mini_step", name) == 0,
                          detail::array_field(state, "gradient_step", name) > 0);
}

// --- Conditional transformations -------------------------------------------------------------------

namespace {

GradientTransformation conditionally(GradientTransformation inner, ConditionFunction should_transform_fn,
                                     ConditionalOptions options, bool zero_when_skipped) {
  const std::string name =
      std::string(zero_when_skipped ? "conditionally_mask(" : "conditionally_transform(") + inner.name() + ")";
  auto init = [inner](const tree::TreeDef& structure, std::span<const Array> params) {
    return OptState::dict({{"inner_state", inner.init_leaves(structure, params)}, {"step", detail::zero_count()}});
  };
  auto update = [inner, should_transform_fn, options, zero_when_skipped, name](
                    const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                    std::span<const Array> params, const ExtraArgs& extra) {
    const Array step = detail::array_field(state, "step", name);
    const OptState& inner_state = detail::state_field(state, "inner_state", name);
    const Array condition = should_transform_fn(step, options.forward_extra_args ? extra : ExtraArgs{});
    const detail::UpdatePath transform = [&](std::vector<Array>& u) {
      return inner.update_leaves(structure, u, inner_state, nullptr, params, extra);
    };
    const detail::UpdatePath pass = [&](std::vector<Array>& u) {
      if (zero_when_skipped)
        for (Array& leaf : u)
          if (leaf.valid()) leaf = jnp::zeros_like(leaf);
      return inner_state;
    };
    OptState next_inner = detail::cond_update(condition, transform, pass, updates, name);
    return OptState::dict({{"inner_state", std::move(next_inner)}, {"step", detail::safe_increment(step)}});
  };
  return GradientTransformation(name, std::move(init),
                                GradientTransformation::UpdateWithExtraArgsFunction(std::move(update)));
}

}  // namespace

GradientTransformation conditionally_transform(GradientTransformation inner, ConditionFunction should_transform_fn,
                                               ConditionalOptions options) {
  return conditionally(std::move(inner), std::move(should_transform_fn), options, false);
}

GradientTransformation conditionally_mask(GradientTransformation inner, ConditionFunction should_transform_fn,
                                          ConditionalOptions options) {
  return conditionally(std::move(inner), std::move(should_transform_fn), options, true);
}

}  // namespace jx::optim
