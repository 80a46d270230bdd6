// BatchNorm, ExponentialMovingAverage and LayerNorm against their closed forms (Haiku's semantics).
// LayerNorm's use_fast_variance, param_axis and call-time scale/offset, and InstanceNorm, against
// closed forms computed here in double precision with plain loops (Haiku's semantics).
#include "jx/nn/normalization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

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

// LayerNorm's options and InstanceNorm.
namespace options {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

jx::Array parameter(const nn::Params& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

std::vector<float> sample(std::size_t n, double phase) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(3.0 * std::sin(0.83 * i + phase) + 0.1 * i);
  return v;
}

// Normalizes x (outer, inner, last) over `inner` for each (outer, last) pair, or over (inner, last) for
// each outer when `over_last`: the layer norm of (N, H, C) over H or over (H, C), before scale and offset.
std::vector<double> normalized(const std::vector<float>& x, std::int64_t outer, std::int64_t inner, std::int64_t last,
                               bool over_last, double eps) {
  std::vector<double> out(x.size());
  auto at = [&](std::int64_t o, std::int64_t i, std::int64_t l) {
    return static_cast<std::size_t>((o * inner + i) * last + l);
  };
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t group = 0; group < (over_last ? 1 : last); ++group) {
      const std::int64_t first = over_last ? 0 : group, end = over_last ? last : group + 1;
      double sum = 0, count = 0, squares = 0;
      for (std::int64_t i = 0; i < inner; ++i)
        for (std::int64_t l = first; l < end; ++l, ++count) sum += x[at(o, i, l)];
      const double mean = sum / count;
      for (std::int64_t i = 0; i < inner; ++i)
        for (std::int64_t l = first; l < end; ++l) squares += std::pow(x[at(o, i, l)] - mean, 2);
      for (std::int64_t i = 0; i < inner; ++i)
        for (std::int64_t l = first; l < end; ++l)
          out[at(o, i, l)] = (x[at(o, i, l)] - mean) / std::sqrt(squares / count + eps);
    }
  }
  return out;
}

TEST(LayerNormOptions, ParamAxisChoosesTheParameterShape) {
  // Over (H, C) of (N, H, C): by default the parameters span C alone, shape (C); param_axis {1} gives
  // (1, H, 1).
  const std::int64_t n = 2, h = 3, c = 4;
  const std::vector<float> values = sample(static_cast<std::size_t>(n * h * c), 0.1);
  const jx::Array x = jnp::array(values, jx::Shape{n, h, c});
  const std::vector<double> base = normalized(values, n, h, c, true, 1e-5);
  for (const bool by_height : {false, true}) {
    auto model = nn::transform([by_height](const jx::Array& v) {
      nn::LayerNormOptions options{.scale_init = nn::initializers::random_normal(1.0, 1.0),
                                   .offset_init = nn::initializers::random_normal(1.0)};
      if (by_height) options.param_axis = std::vector<int>{1};
      return nn::LayerNorm(std::vector<int>{1, 2}, true, true, options)(v);
    });
    const nn::Params params = model.init(jx::random::PRNGKey(1), x);
    const jx::Array scale = parameter(params, "layer_norm", "scale"),
                    offset = parameter(params, "layer_norm", "offset");
    EXPECT_EQ(scale.shape(), by_height ? jx::Shape({1, 3, 1}) : jx::Shape({4}));
    EXPECT_EQ(offset.shape(), scale.shape());
    const std::vector<float> s = scale.to_vector<float>(), o = offset.to_vector<float>();
    const std::vector<float> y = model.apply(params, std::nullopt, x).to_vector<float>();
    for (std::size_t k = 0; k < y.size(); ++k) {
      const std::size_t p = by_height ? (k / c) % h : k % c;
      const double want = base[k] * s[p] + o[p];
      EXPECT_NEAR(y[k], want, 1e-5 * (1 + std::abs(want))) << "at " << k;
    }
  }
}

TEST(LayerNormOptions, FastVarianceAndCallTimeScaleAndOffset) {
  const std::int64_t n = 3, c = 5;
  const std::vector<float> values = sample(static_cast<std::size_t>(n * c), 0.5);
  const jx::Array x = jnp::array(values, jx::Shape{n, c});
  const std::vector<float> scale{1.0f, -0.5f, 2.0f, 0.25f, 3.0f}, offset{0.0f, 1.0f, -1.0f, 2.0f, 0.5f};
  auto model = nn::transform([](const jx::Array& v, const jx::Array& s, const jx::Array& o) {
    return nn::LayerNorm(-1, false, false, {.use_fast_variance = true})(v, s, o);
  });
  const jx::Array s = jnp::array(scale), o = jnp::array(offset);
  const nn::Params params = model.init(jx::random::PRNGKey(0), x, s, o);
  EXPECT_FALSE(params.contains("layer_norm"));
  const std::vector<double> base = normalized(values, n, 1, c, true, 1e-5);
  const std::vector<float> y = model.apply(params, std::nullopt, x, s, o).to_vector<float>();
  for (std::size_t k = 0; k < y.size(); ++k) {
    const double want = base[k] * scale[k % c] + offset[k % c];
    EXPECT_NEAR(y[k], want, 1e-4 * (1 + std::abs(want))) << "at " << k;
  }
  auto jitted = jx::jit([&](const jx::Array& v) { return model.apply(params, std::nullopt, v, s, o); });
  EXPECT_TRUE(
      jnp::allclose(jitted(x), model.apply(params, std::nullopt, x, s, o), {.rtol = 1e-5, .atol = 1e-6}).item<bool>());
}

TEST(LayerNormOptions, Errors) {
  auto scale_twice = nn::transform([](const jx::Array& x) { return nn::LayerNorm(-1, true, true)(x, jnp::ones({3})); });
  EXPECT_THROW(scale_twice.init(jx::random::PRNGKey(0), jnp::ones({2, 3})), jx::ValueError);
  auto bad_param_axis = nn::transform(
      [](const jx::Array& x) { return nn::LayerNorm(-1, true, true, {.param_axis = std::vector<int>{2}})(x); });
  EXPECT_THROW(bad_param_axis.init(jx::random::PRNGKey(0), jnp::ones({2, 3})), jx::ShapeError);
  EXPECT_THROW(nn::LayerNorm(-1, false, true, {.scale_init = nn::initializers::ones()}), jx::ValueError);
  EXPECT_THROW(nn::LayerNorm(-1, true, false, {.offset_init = nn::initializers::ones()}), jx::ValueError);
}

TEST(InstanceNorm, NormalizesEachChannelOverTheSpatialAxes) {
  // Channels last (N, H, W, C): each (example, channel) over H and W; parameters (C).
  const std::int64_t n = 2, h = 3, w = 2, c = 3;
  const std::vector<float> values = sample(static_cast<std::size_t>(n * h * w * c), 0.9);
  const jx::Array x = jnp::array(values, jx::Shape{n, h, w, c});
  auto model = nn::transform([](const jx::Array& v) {
    return nn::InstanceNorm(true, true,
                            {.scale_init = nn::initializers::random_normal(1.0, 1.0),
                             .offset_init = nn::initializers::random_normal(1.0)})(v);
  });
  const nn::Params params = model.init(jx::random::PRNGKey(2), x);
  const jx::Array scale = parameter(params, "instance_norm", "scale"),
                  offset = parameter(params, "instance_norm", "offset");
  ASSERT_EQ(scale.shape(), jx::Shape({3}));
  const std::vector<float> s = scale.to_vector<float>(), o = offset.to_vector<float>();
  const std::vector<double> base = normalized(values, n, h * w, c, false, 1e-5);
  const std::vector<float> y = model.apply(params, std::nullopt, x).to_vector<float>();
  for (std::size_t k = 0; k < y.size(); ++k) {
    const double want = base[k] * s[k % c] + o[k % c];
    EXPECT_NEAR(y[k], want, 1e-5 * (1 + std::abs(want))) << "at " << k;
  }
}

TEST(InstanceNorm, ChannelsFirst) {
  // (N, C, H, W): each (example, channel) is a contiguous run of H * W values; parameters (1, C, 1, 1).
  const std::int64_t n = 2, c = 3, h = 2, w = 4;
  const std::vector<float> values = sample(static_cast<std::size_t>(n * c * h * w), 1.7);
  const jx::Array x = jnp::array(values, jx::Shape{n, c, h, w});
  auto model = nn::transform([](const jx::Array& v) {
    return nn::InstanceNorm(true, false,
                            {.scale_init = nn::initializers::random_normal(1.0, 1.0), .data_format = "NCHW"})(v);
  });
  const nn::Params params = model.init(jx::random::PRNGKey(3), x);
  const jx::Array scale = parameter(params, "instance_norm", "scale");
  ASSERT_EQ(scale.shape(), jx::Shape({1, 3, 1, 1}));
  EXPECT_FALSE(params.as_dict().at("instance_norm").contains("offset"));
  const std::vector<float> s = scale.to_vector<float>();
  // As (N * C, H * W, 1) normalized over the middle axis.
  const std::vector<double> base = normalized(values, n * c, h * w, 1, false, 1e-5);
  const std::vector<float> y = model.apply(params, std::nullopt, x).to_vector<float>();
  for (std::size_t k = 0; k < y.size(); ++k) {
    const double want = base[k] * s[(k / static_cast<std::size_t>(h * w)) % c];
    EXPECT_NEAR(y[k], want, 1e-5 * (1 + std::abs(want))) << "at " << k;
  }
  EXPECT_THROW(nn::InstanceNorm(true, true, {.data_format = "WHCN"}), jx::ValueError);
  EXPECT_THROW(model.init(jx::random::PRNGKey(0), jnp::ones({4})), jx::ShapeError);
}

}  // namespace options

}  // namespace
