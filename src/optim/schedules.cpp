// Step-size schedules, computed on the step count with jx ops as Optax computes them, so that they
// run eagerly on a C++ int and trace under jit on the optimizer's int32 count.
#include "jx/optim/schedules.h"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "optim/numerics.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

using detail::power;

}  // namespace

Schedule constant_schedule(double value) {
  return Schedule([value](const Array&) { return Array(value); });
}

Schedule polynomial_schedule(double init_value, double end_value, double power_, std::int64_t transition_steps,
                             PolynomialOptions options) {
  if (transition_steps <= 0) return constant_schedule(init_value);
  const std::int64_t begin = std::max<std::int64_t>(options.transition_begin, 0);
  return Schedule([=](const Array& count) {
    const Array steps = jnp::clip(count - begin, Array(0), Array(transition_steps));
    const Array fraction = 1 - jnp::divide(steps, Array(transition_steps));
    return (init_value - end_value) * power(fraction, power_) + end_value;
  });
}

Schedule linear_schedule(double init_value, double end_value, std::int64_t transition_steps,
                         PolynomialOptions options) {
  return polynomial_schedule(init_value, end_value, 1, transition_steps, options);
}

Schedule piecewise_constant_schedule(double init_value, const std::map<std::int64_t, double>& boundaries_and_scales,
                                     Loc loc) {
  CallSite site(loc);
  for (const auto& [boundary, scale] : boundaries_and_scales) {
    if (!(scale >= 0.0)) {
      throw ValueError("optim::piecewise_constant_schedule",
                       fmt::format("scales must be non-negative, but the scale at step {} is {}", boundary, scale));
    }
  }
  return Schedule([init_value, boundaries_and_scales](const Array& count) {
    Array value(init_value);
    for (const auto& [boundary, scale] : boundaries_and_scales)  // ascending, as std::map orders them
      value = jnp::where(count < boundary, value, scale * value);
    return value;
  });
}

Schedule exponential_decay(double init_value, std::int64_t transition_steps, double decay_rate,
                           ExponentialDecayOptions options) {
  if (transition_steps <= 0 || decay_rate == 0.0) return constant_schedule(init_value);
  const std::int64_t begin = std::max<std::int64_t>(options.transition_begin, 0);
  return Schedule([=](const Array& count) {
    const Array steps = count - begin;
    Array exponent = jnp::divide(steps, Array(transition_steps));
    if (options.staircase) exponent = jnp::floor(exponent);
    Array value = jnp::where(steps <= 0, Array(init_value), init_value * jnp::power(Array(decay_rate), exponent));
    if (options.end_value) {
      // A floor when decaying, a ceiling when growing.
      value = decay_rate < 1.0 ? jnp::maximum(value, Array(*options.end_value))
                               : jnp::minimum(value, Array(*options.end_value));
    }
    return value;
  });
}

Schedule cosine_decay_schedule(double init_value, std::int64_t decay_steps, CosineDecayOptions options, Loc loc) {
  CallSite site(loc);
  if (decay_steps <= 0) {
    throw ValueError("optim::cosine_decay_schedule", fmt::format("decay_steps must be positive, got {}", decay_steps));
  }
  const double steps = static_cast<double>(decay_steps);
  return Schedule([=](const Array& count) {
    const Array clipped = jnp::minimum(count, Array(steps));
    const Array cosine = 0.5 * (1 + jnp::cos(std::numbers::pi * clipped / steps));
    const Array decayed = (1 - options.alpha) * power(cosine, options.exponent) + options.alpha;
    return init_value * decayed;
  });
}

Schedule warmup_cosine_decay_schedule(double init_value, double peak_value, std::int64_t warmup_steps,
                                      std::int64_t decay_steps, WarmupCosineDecayOptions options, Loc loc) {
  CallSite site(loc);
  if (decay_steps <= warmup_steps) {
    throw ValueError(
        "optim::warmup_cosine_decay_schedule",
        fmt::format("decay_steps ({}) counts the warmup and must exceed warmup_steps ({})", decay_steps, warmup_steps));
  }
  const double alpha = peak_value == 0.0 ? 0.0 : options.end_value / peak_value;
  return join_schedules({linear_schedule(init_value, peak_value, warmup_steps),
                         cosine_decay_schedule(peak_value, decay_steps - warmup_steps,
                                               {.alpha = alpha, .exponent = options.exponent}, loc)},
                        {warmup_steps}, loc);
}

Schedule join_schedules(std::vector<Schedule> schedules, std::vector<std::int64_t> boundaries, Loc loc) {
  CallSite site(loc);
  if (schedules.empty() || boundaries.size() + 1 != schedules.size()) {
    throw ValueError("optim::join_schedules",
                     fmt::format("needs one boundary fewer than schedules, got {} schedules and {} boundaries",
                                 schedules.size(), boundaries.size()));
  }
  return Schedule([schedules = std::move(schedules), boundaries = std::move(boundaries)](const Array& count) {
    Array value = schedules[0](count);
    for (std::size_t i = 0; i < boundaries.size(); ++i)
      value = jnp::where(count < boundaries[i], value, schedules[i + 1](count - boundaries[i]));
    return value;
  });
}

}  // namespace jx::optim
