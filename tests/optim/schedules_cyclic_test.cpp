// Warmup, piecewise-interpolated, one-cycle and SGDR schedules: against closed
// forms computed here in double precision, against the values Optax's own tests
// assert (optax/schedules/_schedule_test.py at 2edbcbe, pasted below), eagerly
// on C++ ints and under jit on int32 counts, and the arguments refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numbers>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/schedules.h"
#include "jx/transforms/jit.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

// Checks a schedule at steps 0..last (and a few negative steps when asked)
// against `expected`, eagerly on C++ ints and under jit on int32 counts, traced
// once.
void expect_schedule(const optim::Schedule& schedule, const std::function<double(int)>& expected, int first, int last,
                     double tolerance) {
  auto jitted = jx::jit([schedule](const Array& count) { return schedule(count); });
  for (int step = first; step <= last; ++step) {
    const double want = expected(step);
    const double tol = tolerance * std::max(1.0, std::abs(want));
    EXPECT_NEAR(schedule(step).item<double>(), want, tol) << "step " << step;
    EXPECT_NEAR(jitted(jnp::array(step, jx::int32)).item<double>(), want, tol) << "jit, step " << step;
  }
  EXPECT_EQ(jitted.trace_count(), 1u);
}

// The value Optax's piecewise interpolation takes at `step`: the running
// products of the scales at the boundaries, interpolated in between (computed
// directly, boundary by boundary).
double interpolated(bool cosine, double init, const std::map<std::int64_t, double>& scales, int step) {
  std::vector<double> bounds = {0}, values = {init};
  for (const auto& [boundary, scale] : scales) {
    bounds.push_back(static_cast<double>(boundary));
    values.push_back(values.back() * scale);
  }
  if (step >= bounds.back()) return values.back();
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
    if (bounds[i] <= step && step < bounds[i + 1]) {
      const double pct = (step - bounds[i]) / std::max(bounds[i + 1] - bounds[i], 1.0);
      const double start = values[i], end = values[i + 1];
      return cosine ? end + (start - end) / 2 * (std::cos(std::numbers::pi * pct) + 1) : (end - start) * pct + start;
    }
  }
  return 0.0;  // before step 0
}

TEST(OptimSchedulesCyclic, WarmupConstant) {
  expect_schedule(
      optim::warmup_constant_schedule(0.1, 1.0, 10), [](int t) { return t < 10 ? 0.1 + 0.9 * t / 10.0 : 1.0; }, 0, 15,
      1e-6);
}

TEST(OptimSchedulesCyclic, WarmupExponentialDecay) {
  // Warmup 0 -> 2 over 4 steps; then 2 * 0.5^((s - 3) / 5) for s = t - 4 past
  // transition_begin 3, floored at 0.3; staircase variant with floor((s - 3) /
  // 5).
  auto closed_form = [](bool staircase) {
    return [staircase](int t) {
      if (t < 4) return 2.0 * t / 4.0;
      const double s = t - 4 - 3;
      if (s <= 0) return 2.0;
      const double exponent = staircase ? std::floor(s / 5) : s / 5;
      return std::max(2.0 * std::pow(0.5, exponent), 0.3);
    };
  };
  expect_schedule(
      optim::warmup_exponential_decay_schedule(0.0, 2.0, 4, 5, 0.5, {.transition_begin = 3, .end_value = 0.3}),
      closed_form(false), 0, 40, 1e-6);
  expect_schedule(optim::warmup_exponential_decay_schedule(
                      0.0, 2.0, 4, 5, 0.5, {.transition_begin = 3, .staircase = true, .end_value = 0.3}),
                  closed_form(true), 0, 40, 1e-6);
}

TEST(OptimSchedulesCyclic, PiecewiseInterpolateMatchesOptaxTests) {
  // PiecewiseInterpolateTest.test_linear_piecewise and test_cos_piecewise.
  const std::vector<double> linear = {200.0, 220.0, 240.0, 260.0, 280.0, 300.0, 255.0,
                                      210.0, 165.0, 120.0, 75.0,  75.0,  75.0};
  const auto linear_schedule = optim::piecewise_interpolate_schedule("linear", 200.0, {{5, 1.5}, {10, 0.25}});
  expect_schedule(
      linear_schedule, [&](int t) { return linear[static_cast<std::size_t>(t)]; }, 0, 12, 1e-6);
  const std::vector<double> cosine = {400.0, 360.0, 280.0, 240.0, 264.0, 288.0, 288.0, 288.0, 288.0};
  const auto cosine_schedule = optim::piecewise_interpolate_schedule("cosine", 400.0, {{5, 1.2}, {3, 0.6}, {7, 1.0}});
  expect_schedule(
      cosine_schedule, [&](int t) { return cosine[static_cast<std::size_t>(t)]; }, 0, 8, 1e-6);
  // test_empty_dict, test_no_dict, test_zero_interval_size.
  expect_schedule(
      optim::piecewise_interpolate_schedule("linear", 13.0, {}), [](int) { return 13.0; }, 0, 4, 1e-7);
  expect_schedule(
      optim::piecewise_interpolate_schedule("cosine", 17.0), [](int) { return 17.0; }, 0, 2, 1e-7);
  const auto zero_interval = optim::piecewise_interpolate_schedule("linear", 13.0, {{0, 2.0}, {5, 3.0}});
  EXPECT_FLOAT_EQ(zero_interval(0).item<float>(), 26.0f);
  EXPECT_FLOAT_EQ(zero_interval(5).item<float>(), 78.0f);
}

TEST(OptimSchedulesCyclic, PiecewiseInterpolateClosedForm) {
  // Uneven intervals, a zero scale, and steps before 0 (0, as in Optax, which
  // covers none of them).
  const std::map<std::int64_t, double> scales = {{3, 4.0}, {10, 0.5}, {11, 0.0}, {20, 7.0}};
  for (const bool cosine : {false, true}) {
    SCOPED_TRACE(cosine);
    expect_schedule(
        optim::piecewise_interpolate_schedule(cosine ? "cosine" : "linear", 0.7, scales),
        [&](int t) { return interpolated(cosine, 0.7, scales, t); }, -3, 25, 1e-6);
  }
}

TEST(OptimSchedulesCyclic, OnecycleMatchesOptaxTests) {
  // OneCycleTest.test_linear and test_cosine.
  const std::vector<double> linear = {100.0, 400.0, 700.0, 1000.0, 775.0, 550.0, 325.0, 100.0, 67.0, 34.0, 1.0, 1.0};
  expect_schedule(
      optim::linear_onecycle_schedule(
          10, 1000, {.pct_start = 0.3, .pct_final = 0.7, .div_factor = 10.0, .final_div_factor = 100.0}),
      [&](int t) { return linear[static_cast<std::size_t>(t)]; }, 0, 11, 1e-6);
  const std::vector<double> cosine = {100.0, 550.0, 1000.0, 750.25, 250.75, 1.0, 1.0};
  expect_schedule(
      optim::cosine_onecycle_schedule(5, 1000.0, {.pct_start = 0.4, .div_factor = 10.0, .final_div_factor = 100.0}),
      [&](int t) { return cosine[static_cast<std::size_t>(t)]; }, 0, 6, 1e-6);
}

TEST(OptimSchedulesCyclic, OnecycleDefaults) {
  // Defaults: pct_start 0.3, pct_final 0.85, div_factor 25, final_div_factor
  // 1e4. Over 100 steps the linear one rises from 0.04 to 1 at step 30, falls
  // to 0.04 at 85 and to 4e-6 at 100.
  expect_schedule(
      optim::linear_onecycle_schedule(100, 1.0),
      [](int t) {
        return interpolated(false, 1.0 / 25, {{30, 25.0}, {85, 1.0 / 25}, {100, 1e-4}}, t);
      },
      0, 110, 1e-6);
  expect_schedule(
      optim::cosine_onecycle_schedule(100, 1.0),
      [](int t) {
        return interpolated(true, 1.0 / 25, {{30, 25.0}, {100, 1.0 / 25e4}}, t);
      },
      0, 110, 1e-6);
  // pct_start * transition_steps is truncated, as Python's int() does: int(0.3
  // * 7) = 2.
  expect_schedule(
      optim::cosine_onecycle_schedule(7, 2.0),
      [](int t) {
        return interpolated(true, 2.0 / 25, {{2, 25.0}, {7, 1.0 / 25e4}}, t);
      },
      0, 9, 1e-6);
}

TEST(OptimSchedulesCyclic, SgdrJoinsWarmupCosineCycles) {
  // SGDRTest.test_limits: each cycle's peak right after its 500 warmup steps.
  for (const auto& peaks : std::vector<std::vector<double>>{{1.6, 0.8, 0.4}, {1.6, 1.6, 1.6}}) {
    std::vector<optim::SgdrCycle> cycles;
    const std::vector<std::int64_t> lengths = {2000, 3000, 5000};
    for (std::size_t i = 0; i < 3; ++i)
      cycles.push_back({.init_value = 0, .peak_value = peaks[i], .warmup_steps = 500, .decay_steps = lengths[i]});
    auto schedule = jx::jit([s = optim::sgdr_schedule(cycles)](const Array& count) { return s(count); });
    EXPECT_NEAR(schedule(jnp::array(500, jx::int32)).item<double>(), peaks[0], 1e-6);
    EXPECT_NEAR(schedule(jnp::array(2500, jx::int32)).item<double>(), peaks[1], 1e-6);
    EXPECT_NEAR(schedule(jnp::array(5500, jx::int32)).item<double>(), peaks[2], 1e-6);
  }
  // Closed form over two cycles with an end value and an exponent.
  const std::vector<optim::SgdrCycle> cycles = {
      {.init_value = 0.1, .peak_value = 1.0, .warmup_steps = 3, .decay_steps = 10},
      {.init_value = 0.5, .peak_value = 0.5, .warmup_steps = 0, .decay_steps = 6, .end_value = 0.1, .exponent = 2.0}};
  auto cycle_value = [](const optim::SgdrCycle& c, int t) {
    if (t < c.warmup_steps)
      return c.init_value + (c.peak_value - c.init_value) * t / static_cast<double>(c.warmup_steps);
    const double length = static_cast<double>(c.decay_steps - c.warmup_steps);
    const double progress = std::min(static_cast<double>(t - c.warmup_steps), length) / length;
    const double alpha = c.end_value / c.peak_value;
    return c.peak_value *
           ((1 - alpha) * std::pow(0.5 * (1 + std::cos(std::numbers::pi * progress)), c.exponent) + alpha);
  };
  expect_schedule(
      optim::sgdr_schedule(cycles),
      [&](int t) { return t < 10 ? cycle_value(cycles[0], t) : cycle_value(cycles[1], t - 10); }, 0, 20, 1e-6);
}

TEST(OptimSchedulesCyclic, RefuseWhatOptaxRefuses) {
  EXPECT_THROW(optim::piecewise_interpolate_schedule("linar", 13.0), jx::ValueError);
  EXPECT_THROW(optim::piecewise_interpolate_schedule("", 13.0, {{5, 3.0}}), jx::ValueError);
  EXPECT_THROW(optim::piecewise_interpolate_schedule("linear", 13.0, {{5, -3.0}}), jx::ValueError);
  EXPECT_THROW(optim::sgdr_schedule({}), jx::ValueError);
  EXPECT_THROW(optim::sgdr_schedule({{.peak_value = 1.0, .warmup_steps = 5, .decay_steps = 5}}), jx::ValueError);
  try {
    optim::cosine_onecycle_schedule(0, 5.0);
    FAIL();
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("cosine_onecycle_schedule"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("transition_steps must be positive, got 0"), std::string::npos) << e.what();
    EXPECT_NE(e.where().find("schedules_cyclic_test.cpp"), std::string::npos) << e.where();
  }
  EXPECT_THROW(optim::linear_onecycle_schedule(-1, 5.0), jx::ValueError);
}

TEST(OptimSchedulesCyclic, AreLearningRates) {
  // A one-cycle schedule drives an optimizer's count like any other.
  const optim::ScalarOrSchedule lr = optim::cosine_onecycle_schedule(4, 1.0, {.pct_start = 0.5});
  EXPECT_TRUE(lr.is_schedule());
  EXPECT_NEAR(lr(2).item<double>(), 1.0, 1e-7);
  EXPECT_NEAR(lr(0).item<double>(), 1.0 / 25, 1e-7);
}

}  // namespace
