// inject_hyperparams (jx/optim/wrappers.h): hyperparameters kept in the state as arrays, changed
// between jitted steps without retracing; schedules and stateful schedules evaluated per step; the
// hyperparameters' dtypes; each step against SGD's closed form -lr g. And the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/wrappers.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

optim::GradientTransformation sgd_of(const optim::Hyperparams& h) {
  return optim::sgd(optim::array_schedule(h.at("learning_rate")));
}

Params gradient(int step) { return Params{jnp::array({1.0f + static_cast<float>(step), -2.0f}), jnp::array({0.5f})}; }

TEST(OptimInjectHyperparams, LearningRateChangedInTheStateBetweenJittedSteps) {
  const auto opt = optim::inject_hyperparams(sgd_of)({{"learning_rate", 0.1}});
  Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  const Array& lr = state["hyperparams"]["learning_rate"].array();
  EXPECT_EQ(lr.dtype(), jx::float32);
  EXPECT_FALSE(lr.weak_type());
  EXPECT_NEAR(lr.item<float>(), 0.1f, 1e-9f);
  EXPECT_EQ(state["count"].array().item<int>(), 0);
  auto step = jx::jit([opt](const Params& p, const optim::OptState& s, const Params& g) {
    auto [u, next] = opt.update(g, s, p);
    return std::pair{optim::apply_updates(p, u), next};
  });
  double expected_w0 = 0.0;
  const double rates[] = {0.1, 0.1, 0.01, 0.5, 0.5};
  for (int i = 0; i < 5; ++i) {
    state["hyperparams"]["learning_rate"] = jnp::array(rates[i], jx::float32);
    std::tie(params, state) = step(params, state, gradient(i));
    expected_w0 -= rates[i] * (1.0 + i);
    EXPECT_NEAR(params.w[0].item<float>(), expected_w0, 1e-5) << i;
    EXPECT_NEAR(state["hyperparams"]["learning_rate"].array().item<float>(), rates[i], 1e-7) << i;
  }
  EXPECT_EQ(state["count"].array().item<int>(), 5);
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimInjectHyperparams, SchedulesAreEvaluatedEachStep) {
  // lr(count) = 0.1 * 0.5^count; the state shows the value used at the last step.
  const auto schedule = optim::exponential_decay(0.1, 1, 0.5);
  const auto opt = optim::inject_hyperparams(sgd_of)({{"learning_rate", schedule}});
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  EXPECT_EQ(state["hyperparams_states"]["learning_rate"]["count"].array().item<int>(), 0);
  for (int i = 0; i < 4; ++i) {
    state["hyperparams"]["learning_rate"] = jnp::array(100.0, jx::float32);  // overridden by the schedule
    auto [u, next] = opt.update(gradient(i), state, params);
    state = next;
    const double lr = 0.1 * std::pow(0.5, i);
    EXPECT_NEAR(u.w[1].item<float>(), 2.0 * lr, 1e-7) << i;
    EXPECT_NEAR(state["hyperparams"]["learning_rate"].array().item<float>(), lr, 1e-8) << i;
  }
  EXPECT_EQ(state["hyperparams_states"]["learning_rate"]["count"].array().item<int>(), 4);
}

TEST(OptimInjectHyperparams, StatefulSchedulesReadTheExtraArguments) {
  // Halve the learning rate after each step whose loss is above 1.
  const optim::StatefulSchedule halving{
      .init =
          [] {
            return optim::OptState::dict({{"lr", jnp::array(0.4, jx::float32)}});
          },
      .update =
          [](const optim::OptState& s, const optim::ExtraArgs& extra) {
            const Array lr = s["lr"].array();
            return optim::OptState::dict({{"lr", jnp::where(*extra.value > 1.0f, lr * 0.5f, lr)}});
          },
      .value = [](const optim::OptState& s, const optim::ExtraArgs&) { return s["lr"].array(); }};
  const auto opt = optim::inject_stateful_hyperparams(sgd_of)({{"learning_rate", halving}});
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  const float losses[] = {2.0f, 0.5f, 3.0f, 3.0f};
  double lr = 0.4;
  for (int i = 0; i < 4; ++i) {
    auto [u, next] = opt.update(gradient(i), state, params, {.value = jnp::array(losses[i])});
    state = next;
    EXPECT_NEAR(u.b[0].item<float>(), -0.5 * lr, 1e-7) << i;
    if (losses[i] > 1.0f) lr /= 2;
    EXPECT_NEAR(state["hyperparams_states"]["learning_rate"]["lr"].array().item<float>(), lr, 1e-8) << i;
  }
}

TEST(OptimInjectHyperparams, HyperparameterDtypes) {
  // Floating-point hyperparameters take the parameters' highest floating dtype, or the one asked for;
  // strongly typed arrays keep theirs.
  const Params half{jnp::zeros({2}, jx::bfloat16), jnp::zeros({1}, jx::bfloat16)};
  const auto factory = optim::inject_hyperparams(sgd_of);
  EXPECT_EQ(factory({{"learning_rate", 0.1}}).init(half)["hyperparams"]["learning_rate"].array().dtype(), jx::bfloat16);
  const Params mixed{jnp::zeros({2}, jx::bfloat16), jnp::zeros({1}, jx::float32)};
  EXPECT_EQ(factory({{"learning_rate", 0.1}}).init(mixed)["hyperparams"]["learning_rate"].array().dtype(), jx::float32);
  const auto asked = optim::inject_hyperparams(sgd_of, {.hyperparam_dtype = jx::float32});
  EXPECT_EQ(asked({{"learning_rate", 0.1}}).init(half)["hyperparams"]["learning_rate"].array().dtype(), jx::float32);
  const Array strong = jnp::array(0.25, jx::float16);
  EXPECT_EQ(factory({{"learning_rate", strong}}).init(mixed)["hyperparams"]["learning_rate"].array().dtype(),
            jx::float16);
  // Without the parameters at update, float32.
  const auto opt = factory({{"learning_rate", optim::constant_schedule(0.5)}});
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  const optim::OptState next = opt.update(gradient(0), opt.init(params)).second;
  EXPECT_EQ(next["hyperparams"]["learning_rate"].array().dtype(), jx::float32);
}

TEST(OptimInjectHyperparams, Errors) {
  EXPECT_THROW(optim::inject_hyperparams(nullptr), jx::ValueError);
  EXPECT_THROW(optim::inject_hyperparams(sgd_of)({{"learning_rate", optim::StatefulSchedule{}}}), jx::ValueError);
  // A factory reading a hyperparameter that was not given: std::map::at's out_of_range, at init.
  const auto opt = optim::inject_hyperparams(sgd_of)({{"lr", 0.1}});
  EXPECT_THROW(opt.init(jnp::zeros({2})), std::out_of_range);
}

}  // namespace
