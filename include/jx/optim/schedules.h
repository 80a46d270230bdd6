// jx/optim/schedules.h — step-size schedules (Optax's optax.schedules), and ScalarOrSchedule.
//
// A schedule maps a step count to a value. It is a function of an Array, so it runs eagerly on a
// C++ int (`schedule(5)`) and traces under jit on the optimizer's int32 count: the value changes
// every step without retracing. Wherever Optax takes a `ScalarOrSchedule` (a learning rate, a
// weight decay), jx takes a number, a schedule, or any callable from Array to Array.
//
//   auto lr = jx::optim::warmup_cosine_decay_schedule(0.0f, 1e-3f, 100, 5000);  // init, peak, warmup, decay
//   lr(0);     // 0
//   lr(100);   // 0.001 (the peak)
//   lr(5000);  // 0 (end_value)
//   auto step_decay = jx::optim::piecewise_constant_schedule(0.1f, {{1000, 0.1f}, {2000, 0.1f}});
//   auto custom = jx::optim::Schedule([](const jx::Array& count) { return 1.0f / jx::numpy::sqrt(count + 1); });
//   auto one_cycle = jx::optim::cosine_onecycle_schedule(10000, 1e-2f);  // up for 3000 steps, then down
//
// Values are float32, computed as Optax computes them (float arithmetic on the count). Every
// parameter keeps Optax's name and default; optional ones are designated initializers:
// `cosine_decay_schedule(1e-3f, 1000, {.alpha = 0.1f})`.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <source_location>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::optim {

// A function from a step count (an integer Array, traced under jit) to a value (a float Array).
class Schedule {
 public:
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, Schedule> && !std::is_arithmetic_v<std::remove_cvref_t<F>> &&
           std::is_invocable_r_v<Array, const std::remove_cvref_t<F>&, const Array&>)
      Schedule(F&& function)  // NOLINT(google-explicit-constructor): any callable is a schedule, as in Optax
      : function_(std::forward<F>(function)) {}

  Array operator()(const Array& count) const { return function_(count); }

 private:
  std::function<Array(const Array&)> function_;
};

// Optax's ScalarOrSchedule: a constant (kept as a double, like a Python float, so that constants
// such as 1 - b2 are computed as Optax computes them) or a schedule.
class ScalarOrSchedule {
 public:
  ScalarOrSchedule(double value) : value_(value) {}  // NOLINT(google-explicit-constructor)
  ScalarOrSchedule(Schedule schedule)                // NOLINT(google-explicit-constructor)
      : schedule_(std::move(schedule)) {}
  template <class F>
  requires(!std::same_as<std::remove_cvref_t<F>, ScalarOrSchedule> && !std::same_as<std::remove_cvref_t<F>, Schedule> &&
           !std::is_arithmetic_v<std::remove_cvref_t<F>> &&
           std::is_invocable_r_v<Array, const std::remove_cvref_t<F>&, const Array&>)
      ScalarOrSchedule(F&& function)  // NOLINT(google-explicit-constructor)
      : schedule_(Schedule(std::forward<F>(function))) {}

  bool is_schedule() const { return schedule_.has_value(); }
  double value() const { return value_; }                  // the constant (0 for a schedule)
  const Schedule& schedule() const { return *schedule_; }  // only when is_schedule()
  // The value at a step: the schedule's, or the constant as a weakly typed scalar.
  Array operator()(const Array& count) const { return schedule_ ? (*schedule_)(count) : Array(value_); }

 private:
  double value_ = 0;
  std::optional<Schedule> schedule_;
};

using Loc = std::source_location;

// The same value at every step.
Schedule constant_schedule(double value);

struct PolynomialOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::int64_t transition_begin = 0;  // steps held at init_value before the transition (negative: 0)
};
// init_value until transition_begin, then (init - end) * (1 - t / transition_steps)^power + end, then
// end_value. transition_steps <= 0 gives init_value at every step.
Schedule polynomial_schedule(double init_value, double end_value, double power, std::int64_t transition_steps,
                             PolynomialOptions options = {});
// polynomial_schedule with power 1.
Schedule linear_schedule(double init_value, double end_value, std::int64_t transition_steps,
                         PolynomialOptions options = {});

// init_value multiplied by every scale whose boundary step has been reached (count >= boundary).
// Scales must be non-negative (ValueError).
Schedule piecewise_constant_schedule(double init_value,
                                     const std::map<std::int64_t, double>& boundaries_and_scales = {},
                                     Loc loc = Loc::current());

struct ExponentialDecayOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::int64_t transition_begin = 0;     // steps held at init_value first (negative: 0)
  bool staircase = false;                // decay at whole multiples of transition_steps only
  std::optional<double> end_value = {};  // a floor when decay_rate < 1, a ceiling when above
};
// init_value * decay_rate^((count - transition_begin) / transition_steps) once count passes
// transition_begin. transition_steps <= 0 or decay_rate == 0 give init_value at every step.
Schedule exponential_decay(double init_value, std::int64_t transition_steps, double decay_rate,
                           ExponentialDecayOptions options = {});

struct CosineDecayOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double alpha = 0.0;     // the floor, as a fraction of init_value
  double exponent = 1.0;  // the cosine factor is raised to this power
};
// init_value * ((1 - alpha) * (0.5 * (1 + cos(pi * min(t, T) / T)))^exponent + alpha), T = decay_steps
// (which must be positive: ValueError).
Schedule cosine_decay_schedule(double init_value, std::int64_t decay_steps, CosineDecayOptions options = {},
                               Loc loc = Loc::current());

struct WarmupCosineDecayOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double end_value = 0.0;
  double exponent = 1.0;
};
// Linear warmup from init_value to peak_value over warmup_steps, then cosine decay to end_value;
// decay_steps counts the warmup too, as in Optax.
Schedule warmup_cosine_decay_schedule(double init_value, double peak_value, std::int64_t warmup_steps,
                                      std::int64_t decay_steps, WarmupCosineDecayOptions options = {},
                                      Loc loc = Loc::current());

// schedules[0] until boundaries[0], then schedules[1] counted from that boundary, and so on
// (boundaries has one entry fewer than schedules: ValueError otherwise).
Schedule join_schedules(std::vector<Schedule> schedules, std::vector<std::int64_t> boundaries,
                        Loc loc = Loc::current());

// --- Warmups, piecewise interpolation, one-cycle and warm restarts (src/optim/schedules_cyclic.cpp) ---

// Linear warmup from init_value to peak_value over warmup_steps, then peak_value.
Schedule warmup_constant_schedule(double init_value, double peak_value, std::int64_t warmup_steps);

// Linear warmup from init_value to peak_value over warmup_steps, then exponential_decay(peak_value,
// transition_steps, decay_rate, options) counted from the end of the warmup.
Schedule warmup_exponential_decay_schedule(double init_value, double peak_value, std::int64_t warmup_steps,
                                           std::int64_t transition_steps, double decay_rate,
                                           ExponentialDecayOptions options = {}, Loc loc = Loc::current());

// The values init_value * scale_1 * ... * scale_i reached at each boundary (ascending), and between
// two boundaries an interpolation of the values at both ends: interpolate_type "linear", or "cosine"
// (end + (start - end) / 2 * (cos(pi * t) + 1)). The last value holds after the last boundary; steps
// before 0 give 0, as in Optax. Scales must be non-negative, and the type one of the two (ValueError).
Schedule piecewise_interpolate_schedule(std::string_view interpolate_type, double init_value,
                                        const std::map<std::int64_t, double>& boundaries_and_scales = {},
                                        Loc loc = Loc::current());

struct LinearOnecycleOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double pct_start = 0.3;         // the fraction of transition_steps spent rising to peak_value
  double pct_final = 0.85;        // the fraction at which the value is back at the initial value
  double div_factor = 25.0;       // the initial value is peak_value / div_factor
  double final_div_factor = 1e4;  // the final value is the initial value / final_div_factor
};
// Smith's one-cycle schedule in three linear phases: up from peak_value / div_factor to peak_value,
// down to the initial value, then down to initial / final_div_factor at transition_steps (which must
// be positive: ValueError).
Schedule linear_onecycle_schedule(std::int64_t transition_steps, double peak_value, LinearOnecycleOptions options = {},
                                  Loc loc = Loc::current());

struct CosineOnecycleOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
};
// One-cycle in two cosine phases: up from peak_value / div_factor to peak_value over pct_start of the
// steps, then down to peak_value / (div_factor * final_div_factor) at transition_steps (positive).
Schedule cosine_onecycle_schedule(std::int64_t transition_steps, double peak_value, CosineOnecycleOptions options = {},
                                  Loc loc = Loc::current());

// One cycle of sgdr_schedule: the arguments of warmup_cosine_decay_schedule, named as Optax's kwargs.
struct SgdrCycle {
  double init_value = 0.0;
  double peak_value = 0.0;
  std::int64_t warmup_steps = 0;
  std::int64_t decay_steps = 0;  // the cycle's length, warmup included
  double end_value = 0.0;
  double exponent = 1.0;
};
// SGD with warm restarts (Loshchilov and Hutter): the cycles' warmup cosine decays one after the other,
// each restarting at the step where the previous one's decay_steps end.
//   sgdr_schedule({{.peak_value = 1e-3, .warmup_steps = 10, .decay_steps = 100},
//                  {.peak_value = 5e-4, .warmup_steps = 10, .decay_steps = 200}});
Schedule sgdr_schedule(const std::vector<SgdrCycle>& cosine_kwargs, Loc loc = Loc::current());

}  // namespace jx::optim
