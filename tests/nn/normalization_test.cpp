// BatchNorm, ExponentialMovingAverage and LayerNorm against their closed forms (Haiku's semantics).
#include <gtest/gtest.h>

#include <cmath>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

const jx::Array& entry(const jx::tree::Tree& t, const std::string& module, const std::string& name) {
  return t.as_dict().at(module).as_dict().at(name).array();
}

TEST(ExponentialMovingAverage, ZeroDebiasedAverages) {
  auto ema = nn::transform_with_state([](const jx::Array& v) { return nn::ExponentialMovingAverage(0.9f)(v); });
  auto [params, state] = ema.init(jx::random::PRNGKey(0), jnp::array(0.0f));
  // Closed form: hidden_t = 0.9 hidden_{t-1} + 0.1 v_t, average_t = hidden_t / (1 - 0.9^t).
  double hidden = 0;
  const float values[] = {4.0f, 2.0f, -1.0f, 3.0f};
  for (int t = 1; t <= 4; ++t) {
    auto [average, next] = ema.apply(params, state, std::nullopt, jnp::array(values[t - 1]));
    state = next;
    hidden = 0.9 * hidden + 0.1 * values[t - 1];
    EXPECT_NEAR(average.item<float>(), hidden / (1 - std::pow(0.9, t)), 1e-5);
    EXPECT_EQ(entry(state, "exponential_moving_average", "counter").item<int>(), t);
  }
  // The first average is the first value exactly: that is what zero-debiasing is for.
  auto [first, unused] =
      ema.apply(params, ema.init(jx::random::PRNGKey(0), jnp::array(0.0f)).second, std::nullopt, jnp::array(4.0f));
  EXPECT_FLOAT_EQ(first.item<float>(), 4.0f);
}

TEST(BatchNorm, TrainingUsesBatchStatisticsAndUpdatesRunningOnes) {
  auto model = nn::transform_with_state(
      [](const jx::Array& x, bool is_training) { return nn::BatchNorm(true, true, 0.9f)(x, is_training); });
  const jx::Array x = jnp::array({{1.0f, 10.0f}, {3.0f, 20.0f}, {5.0f, 60.0f}});
  auto [params, state] = model.init(jx::random::PRNGKey(0), x, true);
  // init returns the initial state: counters at 0, averages at 0.
  EXPECT_EQ(entry(state, "batch_norm/mean_ema", "counter").item<int>(), 0);
  EXPECT_EQ(entry(params, "batch_norm", "scale").shape(), jx::Shape({1, 2}));
  auto [y, next] = model.apply(params, state, std::nullopt, x, true);
  // Per column: mean, biased variance, then (x - mean) / sqrt(var + 1e-5) (scale 1, offset 0).
  const double means[] = {3.0, 30.0}, vars[] = {8.0 / 3.0, 1400.0 / 3.0};
  const std::vector<float> out = y.to_vector<float>(), in = x.to_vector<float>();
  for (int i = 0; i < 3; ++i) {
    for (int c = 0; c < 2; ++c) {
      EXPECT_NEAR(out[static_cast<std::size_t>(i * 2 + c)],
                  (in[static_cast<std::size_t>(i * 2 + c)] - means[c]) / std::sqrt(vars[c] + 1e-5), 1e-4);
    }
  }
  // After one training step the running statistics are the batch's (zero-debiased with counter 1).
  EXPECT_EQ(entry(next, "batch_norm/mean_ema", "counter").item<int>(), 1);
  const std::vector<float> running_mean = entry(next, "batch_norm/mean_ema", "average").to_vector<float>();
  const std::vector<float> running_var = entry(next, "batch_norm/var_ema", "average").to_vector<float>();
  EXPECT_NEAR(running_mean[0], 3.0, 1e-5);
  EXPECT_NEAR(running_mean[1], 30.0, 1e-4);
  EXPECT_NEAR(running_var[1], 1400.0 / 3.0, 1e-2);
  // Inference normalizes with the running statistics, whatever the batch.
  const jx::Array other = jnp::array({{0.0f, 0.0f}});
  auto [inferred, unchanged] = model.apply(params, next, std::nullopt, other, false);
  EXPECT_NEAR(inferred.to_vector<float>()[0], (0.0 - 3.0) / std::sqrt(8.0 / 3.0 + 1e-5), 1e-4);
  EXPECT_NEAR(inferred.to_vector<float>()[1], (0.0 - 30.0) / std::sqrt(1400.0 / 3.0 + 1e-5), 1e-4);
  EXPECT_EQ(entry(unchanged, "batch_norm/mean_ema", "counter").item<int>(), 1);
  // The same eagerly and under jit.
  auto jitted = jx::jit([&](const nn::Params& p, const nn::State& s, const jx::Array& v) {
    return model.apply(p, s, std::nullopt, v, true);
  });
  EXPECT_TRUE(jnp::allclose(jitted(params, state, x).first, y, {.rtol = 1e-5, .atol = 1e-6}).item<bool>());
}

TEST(LayerNorm, NormalizesEachExampleOverItsFeatures) {
  auto model = nn::transform([](const jx::Array& x) { return nn::LayerNorm(-1, true, true)(x); });
  const jx::Array x = jnp::array({{1.0f, 2.0f, 6.0f}, {-1.0f, 0.0f, 1.0f}});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(entry(params, "layer_norm", "scale").shape(), jx::Shape({3}));
  const std::vector<float> y = model.apply(params, std::nullopt, x).to_vector<float>();
  const double rows[2][3] = {{1, 2, 6}, {-1, 0, 1}};
  for (int r = 0; r < 2; ++r) {
    const double mean = (rows[r][0] + rows[r][1] + rows[r][2]) / 3;
    double var = 0;
    for (double v : rows[r]) var += (v - mean) * (v - mean) / 3;
    for (int c = 0; c < 3; ++c)
      EXPECT_NEAR(y[static_cast<std::size_t>(r * 3 + c)], (rows[r][c] - mean) / std::sqrt(var + 1e-5), 1e-5);
  }
}

}  // namespace
