// Schedules against the Optax oracle (values at chosen steps, eagerly on C++ ints, on int32 counts and
// under jit), and the arguments they refuse.
#include <gtest/gtest.h>

#include "jx/core/error.h"
#include "optim/optax_oracle.h"

namespace {

using namespace optim_oracle;

TEST(OptimSchedules, MatchTheOracle) {
  const std::vector<json> family = cases("schedules", "schedules");
  ASSERT_FALSE(family.empty());
  for (const json& c : family) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const optim::Schedule schedule = schedule_from(c.at("schedule"));
    const std::vector<std::int64_t> steps = c.at("steps");
    const double rtol = c.at("rtol"), atol = c.at("atol");
    // Traced on the optimizer's count dtype: one trace serves every step.
    auto jitted = jx::jit([schedule](const Array& count) { return schedule(count); });
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const double expected = c.at("values")[i];
      const Array from_int = schedule(static_cast<int>(steps[i]));
      const Array from_count = schedule(jnp::array(static_cast<int>(steps[i]), jx::int32));
      const Array from_jit = jitted(jnp::array(static_cast<int>(steps[i]), jx::int32));
      for (const Array& value : {from_int, from_count, from_jit}) {
        EXPECT_EQ(value.ndim(), 0);
        EXPECT_TRUE(jx::is_floating(value.dtype())) << jx::repr(value);
        EXPECT_NEAR(value.item<double>(), expected, atol + rtol * std::abs(expected)) << "step " << steps[i];
      }
    }
    EXPECT_EQ(jitted.trace_count(), 1u);
  }
}

TEST(OptimSchedules, AnyCallableIsASchedule) {
  const optim::Schedule inverse_sqrt = [](const Array& count) { return 1.0f / jnp::sqrt(count + 1.0f); };
  EXPECT_FLOAT_EQ(inverse_sqrt(3).item<float>(), 0.5f);
  // And a learning rate: a number, a schedule or a lambda.
  const optim::ScalarOrSchedule constant = 0.1f, scheduled = inverse_sqrt;
  const optim::ScalarOrSchedule lambda = [](const Array& count) { return count * 0.5f; };
  EXPECT_FALSE(constant.is_schedule());
  EXPECT_FLOAT_EQ(constant(7).item<float>(), 0.1f);
  EXPECT_TRUE(scheduled.is_schedule());
  EXPECT_FLOAT_EQ(lambda(4).item<float>(), 2.0f);
}

TEST(OptimSchedules, RefuseWhatOptaxRefuses) {
  EXPECT_THROW(optim::cosine_decay_schedule(1.0, 0), jx::ValueError);
  EXPECT_THROW(optim::warmup_cosine_decay_schedule(0.0, 1.0, 10, 10), jx::ValueError);
  EXPECT_THROW(optim::piecewise_constant_schedule(1.0, {{10, -0.5}}), jx::ValueError);
  EXPECT_THROW(optim::join_schedules({optim::constant_schedule(1)}, {5}), jx::ValueError);
  try {
    optim::cosine_decay_schedule(1.0, -3);
    FAIL();
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("decay_steps must be positive, got -3"), std::string::npos) << e.what();
    EXPECT_NE(e.where().find("schedules_test.cpp"), std::string::npos) << e.where();
  }
}

TEST(OptimSchedules, PolynomialScheduleHasItsClosedForm) {
  // Optax's formula: (init - end) * (1 - (step - begin) / transition_steps)^power + end between
  // transition_begin and its end, init_value before and end_value after.
  const optim::Schedule schedule = optim::polynomial_schedule(1.0, 0.2, 2.0, 10, {.transition_begin = 4});
  EXPECT_FLOAT_EQ(schedule(0).item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(schedule(4).item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(schedule(9).item<float>(), 0.8f * 0.25f + 0.2f);   // half way: (1 - 1/2)^2
  EXPECT_FLOAT_EQ(schedule(11).item<float>(), 0.8f * 0.09f + 0.2f);  // (1 - 7/10)^2
  EXPECT_FLOAT_EQ(schedule(14).item<float>(), 0.2f);
  EXPECT_FLOAT_EQ(schedule(100).item<float>(), 0.2f);
}

TEST(OptimSchedules, DegenerateArgumentsHoldTheInitialValue) {
  // As Optax: no transition steps, or a zero decay rate, give a constant schedule.
  EXPECT_FLOAT_EQ(optim::linear_schedule(0.3, 0.1, 0)(100).item<float>(), 0.3f);
  EXPECT_FLOAT_EQ(optim::exponential_decay(0.3, 0, 0.5)(100).item<float>(), 0.3f);
  EXPECT_FLOAT_EQ(optim::exponential_decay(0.3, 10, 0.0)(100).item<float>(), 0.3f);
  // A negative transition_begin counts as 0.
  EXPECT_FLOAT_EQ(optim::linear_schedule(1.0, 0.0, 10, {.transition_begin = -5})(5).item<float>(), 0.5f);
}

}  // namespace
