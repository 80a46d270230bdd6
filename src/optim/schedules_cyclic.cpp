// Schedules made of phases: warmups joined to a decay, piecewise interpolation between accumulated
// scales, the one-cycle schedules built on it, and SGDR's warm restarts. Each is computed with jx ops
// as Optax computes it, so that it runs eagerly on a C++ int and traces under jit on an int32 count.
#include <fmt/format.h>

#include <algorithm>
#include <numbers>

#include "jx/core/error.h"
#include "jx/optim/schedules.h"

namespace jx::optim {

namespace jnp = jx::numpy;

Schedule warmup_constant_schedule(double init_value, double peak_value, std::int64_t warmup_steps) {
  return linear_schedule(init_value, peak_value, warmup_steps);
}

Schedule warmup_exponential_decay_schedule(double init_value, double peak_value, std::int64_t warmup_steps,
                                           std::int64_t transition_steps, double decay_rate,
                                           ExponentialDecayOptions options, Loc loc) {
  return join_schedules({linear_schedule(init_value, peak_value, warmup_steps),
                         exponential_decay(peak_value, transition_steps, decay_rate, options)},
                        {warmup_steps}, loc);
}

Schedule piecewise_interpolate_schedule(std::string_view interpolate_type, double init_value,
                                        const std::map<std::int64_t, double>& boundaries_and_scales, Loc loc) {
  CallSite site(loc);
  const char* op = "optim::piecewise_interpolate_schedule";
  const bool cosine = interpolate_type == "cosine";
  if (!cosine && interpolate_type != "linear") {
    throw ValueError(op,
                     fmt::format("interpolate_type must be either 'cosine' or 'linear', got '{}'", interpolate_type));
  }
  // Step 0 starts the first interval; the factors' running product (taken with jx ops, in the
  // default float dtype, as Optax's jnp.cumprod) is the value reached at each boundary.
  std::vector<std::int64_t> bounds = {0};
  std::vector<double> factors = {init_value};
  for (const auto& [boundary, scale] : boundaries_and_scales) {
    if (!(scale >= 0.0)) {
      throw ValueError(op, fmt::format("scales must be non-negative, but the scale at step {} is {}", boundary, scale));
    }
    bounds.push_back(boundary);
    factors.push_back(scale);
  }
  const std::int64_t last_bound = bounds.back();
  std::vector<std::int64_t> starts(bounds.begin(), bounds.end() - 1), ends(bounds.begin() + 1, bounds.end());
  std::vector<std::int64_t> sizes;
  for (std::size_t i = 0; i < starts.size(); ++i) sizes.push_back(std::max<std::int64_t>(ends[i] - starts[i], 1));
  return Schedule([=](const Array& count) {
    const Array values = jnp::cumprod(jnp::array(factors));
    const auto n = static_cast<std::int64_t>(factors.size());
    const Array after_last = (last_bound <= count).astype(values.dtype()) * values[n - 1];
    if (n == 1) return after_last;
    const Array start_steps = jnp::array(starts), end_steps = jnp::array(ends);
    const Array start_values = values(Slice{0, n - 1}), end_values = values(Slice{1, n});
    const Array pct = jnp::divide(count - start_steps, jnp::array(sizes));
    const Array interpolated =
        cosine ? end_values + (start_values - end_values) / 2.0 * (jnp::cos(std::numbers::pi * pct) + 1)
               : (end_values - start_values) * pct + start_values;
    // Exactly one interval holds the count (none before 0 or after the last boundary).
    const Array inside = jnp::logical_and(start_steps <= count, count < end_steps);
    return jnp::dot(inside.astype(interpolated.dtype()), interpolated) + after_last;
  });
}

Schedule linear_onecycle_schedule(std::int64_t transition_steps, double peak_value, LinearOnecycleOptions options,
                                  Loc loc) {
  CallSite site(loc);
  if (transition_steps <= 0) {
    throw ValueError("optim::linear_onecycle_schedule",
                     fmt::format("transition_steps must be positive, got {}", transition_steps));
  }
  const auto steps = static_cast<double>(transition_steps);
  // Built as Optax's dict literal: a later boundary at the same step replaces an earlier one.
  std::map<std::int64_t, double> boundaries_and_scales;
  boundaries_and_scales[static_cast<std::int64_t>(options.pct_start * steps)] = options.div_factor;
  boundaries_and_scales[static_cast<std::int64_t>(options.pct_final * steps)] = 1.0 / options.div_factor;
  boundaries_and_scales[transition_steps] = 1.0 / options.final_div_factor;
  return piecewise_interpolate_schedule("linear", peak_value / options.div_factor, boundaries_and_scales, loc);
}

Schedule cosine_onecycle_schedule(std::int64_t transition_steps, double peak_value, CosineOnecycleOptions options,
                                  Loc loc) {
  CallSite site(loc);
  if (transition_steps <= 0) {
    throw ValueError("optim::cosine_onecycle_schedule",
                     fmt::format("transition_steps must be positive, got {}", transition_steps));
  }
  std::map<std::int64_t, double> boundaries_and_scales;
  boundaries_and_scales[static_cast<std::int64_t>(options.pct_start * static_cast<double>(transition_steps))] =
      options.div_factor;
  boundaries_and_scales[transition_steps] = 1.0 / (options.div_factor * options.final_div_factor);
  return piecewise_interpolate_schedule("cosine", peak_value / options.div_factor, boundaries_and_scales, loc);
}

Schedule sgdr_schedule(const std::vector<SgdrCycle>& cosine_kwargs, Loc loc) {
  CallSite site(loc);
  if (cosine_kwargs.empty()) throw ValueError("optim::sgdr_schedule", "needs at least one cycle");
  std::vector<Schedule> schedules;
  std::vector<std::int64_t> boundaries;
  std::int64_t step = 0;
  for (const SgdrCycle& cycle : cosine_kwargs) {
    schedules.push_back(warmup_cosine_decay_schedule(cycle.init_value, cycle.peak_value, cycle.warmup_steps,
                                                     cycle.decay_steps,
                                                     {.end_value = cycle.end_value, .exponent = cycle.exponent}, loc));
    step += cycle.decay_steps;
    boundaries.push_back(step);
  }
  boundaries.pop_back();  // the last cycle runs on
  return join_schedules(std::move(schedules), std::move(boundaries), loc);
}

}  // namespace jx::optim
