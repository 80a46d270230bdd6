// MultiSteps and the conditional wrappers (jx/optim/wrappers.h): gradient accumulation equal to
// averaging (or summing) the gradients by hand and stepping the inner optimizer on them, momentum SGD's
// closed form written out below, schedules of k, skipped mini-steps, conditionally_transform and
// conditionally_mask; under jit (each traced once) and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/clipping.h"
#include "jx/optim/wrappers.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

Params gradient(int step) {
  return Params{jnp::array({std::sin(0.5f * step + 0.1f), std::cos(0.3f * step) * 2.0f}),
                jnp::array({0.25f * static_cast<float>(step) - 1.0f})};
}

std::vector<double> leaves_of(const Params& p) {
  std::vector<double> out;
  for (const Array* leaf : {&p.w, &p.b})
    for (float v : leaf->ravel().to_vector<float>()) out.push_back(v);
  return out;
}

void expect_near(const Params& actual, const std::vector<double>& expected, const std::string& what,
                 double tol = 1e-6) {
  const std::vector<double> values = leaves_of(actual);
  ASSERT_EQ(values.size(), expected.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    EXPECT_NEAR(values[i], expected[i], tol * (1 + std::abs(expected[i]))) << what << " at " << i;
}

TEST(OptimMultiSteps, EqualsAccumulatingByHand) {
  // k = 3 mini-steps of Adam: the 3rd, 6th, ... calls step Adam on the mean of the last three
  // gradients; the others return zeros.
  const int k = 3;
  const optim::MultiSteps opt(optim::adam(0.1), k);
  const optim::GradientTransformation adam = optim::adam(0.1);
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  optim::OptState adam_state = adam.init(params);
  std::vector<double> sum(3, 0.0);
  for (int step = 0; step < 9; ++step) {
    const Params g = gradient(step);
    auto [u, next] = opt.update(g, state, params);
    state = next;
    const std::vector<double> gv = leaves_of(g);
    for (std::size_t i = 0; i < 3; ++i) sum[i] += gv[i];
    if ((step + 1) % k == 0) {
      const Params mean{jnp::array({static_cast<float>(sum[0] / k), static_cast<float>(sum[1] / k)}),
                        jnp::array({static_cast<float>(sum[2] / k)})};
      auto [expected, adam_next] = adam.update(mean, adam_state, params);
      adam_state = adam_next;
      expect_near(u, leaves_of(expected), "step " + std::to_string(step), 1e-5);
      EXPECT_TRUE(optim::MultiSteps::has_updated(state).item<bool>());
      std::fill(sum.begin(), sum.end(), 0.0);
    } else {
      expect_near(u, {0, 0, 0}, "step " + std::to_string(step));
      EXPECT_FALSE(optim::MultiSteps::has_updated(state).item<bool>());
    }
    // The inner state moves only at the k-th mini-step.
    EXPECT_EQ(state["inner_opt_state"][0]["count"].array().item<int>(), (step + 1) / k);
    EXPECT_EQ(state["mini_step"].array().item<int>(), (step + 1) % k);
    EXPECT_EQ(state["gradient_step"].array().item<int>(), (step + 1) / k);
  }
}

TEST(OptimMultiSteps, SummedGradientsAndMomentumClosedForm) {
  // Summed (use_grad_mean = false) over k = 2 mini-steps into momentum SGD: trace = G + 0.9 trace,
  // update -0.1 trace, G the sum of the two gradients.
  const optim::MultiSteps opt(optim::sgd(0.1, {.momentum = 0.9}), 2, {.use_grad_mean = false});
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  EXPECT_EQ(state["acc_grads"]["w"].array().dtype(), jx::float32);
  EXPECT_TRUE(state["skip_state"].is_list());
  std::vector<double> trace(3, 0.0), pending(3, 0.0);
  for (int step = 0; step < 6; ++step) {
    auto [u, next] = opt.update(gradient(step), state, params);
    state = next;
    const std::vector<double> g = leaves_of(gradient(step));
    for (std::size_t i = 0; i < 3; ++i) pending[i] += g[i];
    std::vector<double> expected(3, 0.0);
    if (step % 2 == 1) {
      for (std::size_t i = 0; i < 3; ++i) {
        trace[i] = pending[i] + 0.9 * trace[i];
        expected[i] = -0.1 * trace[i];
      }
      std::fill(pending.begin(), pending.end(), 0.0);
    }
    expect_near(u, expected, "step " + std::to_string(step));
    expect_near(Params{state["acc_grads"]["w"].array(), state["acc_grads"]["b"].array()}, pending, "accumulator");
  }
}

TEST(OptimMultiSteps, ScheduledKAndJit) {
  // k = gradient_step + 1: steps after 1, then 2, then 3 mini-steps (calls 1, 3, 6 emit).
  const optim::MultiSteps opt(optim::sgd(1.0),
                              optim::Schedule([](const Array& gradient_step) { return gradient_step + 1; }));
  Params params{jnp::zeros({2}), jnp::zeros({1})};
  auto step = jx::jit([opt](const Params& p, const optim::OptState& s, const Params& g) {
    auto [u, next] = opt.update(g, s, p);
    return std::pair{optim::apply_updates(p, u), next};
  });
  optim::OptState state = opt.init(params);
  std::vector<double> expected(3, 0.0), sum(3, 0.0);
  int in_group = 0, group_size = 1;
  for (int i = 0; i < 6; ++i) {
    std::tie(params, state) = step(params, state, gradient(i));
    const std::vector<double> g = leaves_of(gradient(i));
    for (std::size_t j = 0; j < 3; ++j) sum[j] += g[j];
    if (++in_group == group_size) {
      for (std::size_t j = 0; j < 3; ++j) expected[j] -= sum[j] / group_size;
      std::fill(sum.begin(), sum.end(), 0.0);
      in_group = 0;
      ++group_size;
    }
    EXPECT_EQ(optim::MultiSteps::has_updated(state).item<bool>(), i == 0 || i == 2 || i == 5) << i;
  }
  expect_near(params, expected, "parameters", 1e-5);
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimMultiSteps, SkipsNonFiniteMiniSteps) {
  // Through a lambda: jx/optim/clipping.h overloads skip_not_finite for pytrees, so the name alone is
  // an overload set that std::function cannot take.
  const optim::ShouldSkipUpdateFunction not_finite = [](std::span<const Array> u, const Array& step,
                                                        std::span<const Array> p) {
    return optim::skip_not_finite(u, step, p);
  };
  const optim::MultiSteps opt(optim::sgd(1.0), 2, {.should_skip_update_fn = not_finite});
  Params params{jnp::zeros({2}), jnp::zeros({1})};
  auto step = jx::jit([opt](const Params& p, const optim::OptState& s, const Params& g) {
    auto [u, next] = opt.update(g, s, p);
    return std::tuple{optim::apply_updates(p, u), next, u};
  });
  optim::OptState state = opt.init(params);
  EXPECT_EQ(state["skip_state"]["num_not_finite"].array().item<int>(), 0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Params bad{jnp::array({1.0f, nan}), jnp::array({std::numeric_limits<float>::infinity()})};
  Params u;
  std::tie(params, state, u) = step(params, state, gradient(0));
  std::tie(params, state, u) = step(params, state, bad);  // dropped: as if it never came
  EXPECT_EQ(state["skip_state"]["num_not_finite"].array().item<int>(), 2);
  EXPECT_TRUE(state["skip_state"]["should_skip"].array().item<bool>());
  EXPECT_EQ(state["mini_step"].array().item<int>(), 1);
  expect_near(u, {0, 0, 0}, "skipped");
  std::tie(params, state, u) = step(params, state, gradient(1));
  std::vector<double> expected = leaves_of(gradient(0));
  const std::vector<double> g1 = leaves_of(gradient(1));
  for (std::size_t i = 0; i < 3; ++i) expected[i] = -(expected[i] + g1[i]) / 2;
  expect_near(u, expected, "after the skip", 1e-6);
  EXPECT_EQ(step.trace_count(), 1u);
  // Large updates: a squared norm of 25 or more is dropped.
  const optim::MultiSteps large(optim::sgd(1.0), 1, {.should_skip_update_fn = optim::skip_large_updates(25.0)});
  const Params big{jnp::array({3.0f, 4.0f}), jnp::array({0.0f})};
  auto [skipped, skipped_state] = large.update(big, large.init(big), big);
  EXPECT_EQ(skipped.w[0].item<float>(), 0.0f);
  EXPECT_NEAR(skipped_state["skip_state"]["norm_squared"].array().item<float>(), 25.0f, 1e-5f);
}

TEST(OptimMultiSteps, Errors) {
  EXPECT_THROW(optim::MultiSteps(optim::sgd(1.0), 0), jx::ValueError);
  const optim::MultiSteps opt(
      optim::sgd(1.0), 2, {.should_skip_update_fn = [](std::span<const Array>, const Array&, std::span<const Array>) {
        return std::pair<Array, optim::OptState>{jnp::zeros({2}), optim::OptState()};
      }});
  const Array p = jnp::zeros({2});
  EXPECT_THROW(opt.update(p, opt.init(p), p), jx::ValueError);
}

TEST(OptimConditional, TransformOnlyWhereTheConditionHolds) {
  // Momentum SGD at even steps; at odd ones the updates and the inner state pass unchanged.
  const auto opt = optim::conditionally_transform(optim::sgd(0.1, {.momentum = 0.5}),
                                                  [](const Array& step) { return step % 2 == 0; });
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  EXPECT_EQ(state["step"].array().item<int>(), 0);
  auto step_fn = jx::jit([opt](const Params& g, const optim::OptState& s) { return opt.update(g, s); });
  std::vector<double> trace(3, 0.0);
  for (int step = 0; step < 5; ++step) {
    auto [u, next] = step_fn(gradient(step), state);
    state = next;
    const std::vector<double> g = leaves_of(gradient(step));
    std::vector<double> expected = g;
    if (step % 2 == 0) {
      for (std::size_t i = 0; i < 3; ++i) {
        trace[i] = g[i] + 0.5 * trace[i];
        expected[i] = -0.1 * trace[i];
      }
    }
    expect_near(u, expected, "step " + std::to_string(step));
  }
  EXPECT_EQ(state["step"].array().item<int>(), 5);
  EXPECT_EQ(step_fn.trace_count(), 1u);
}

TEST(OptimConditional, MaskZeroesTheUpdatesWhereTheConditionFails) {
  const auto opt = optim::conditionally_mask(optim::sgd(1.0), [](const Array& step) { return step >= 2; });
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  for (int step = 0; step < 4; ++step) {
    auto [u, next] = opt.update(gradient(step), state);
    state = next;
    std::vector<double> expected = leaves_of(gradient(step));
    for (double& x : expected) x = step >= 2 ? -x : 0.0;
    expect_near(u, expected, "step " + std::to_string(step));
  }
  // The condition may read the extra arguments when they are forwarded.
  const auto by_value = optim::conditionally_mask(
      optim::sgd(1.0), [](const Array&, const optim::ExtraArgs& extra) { return *extra.value > 1.0f; },
      {.forward_extra_args = true});
  const optim::OptState s = by_value.init(params);
  EXPECT_EQ(by_value.update(gradient(1), s, params, {.value = jnp::array(0.5f)}).first.b[0].item<float>(), 0.0f);
  EXPECT_NEAR(by_value.update(gradient(1), s, params, {.value = jnp::array(2.0f)}).first.b[0].item<float>(), 0.75f,
              1e-6f);
}

}  // namespace
