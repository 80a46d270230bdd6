// GroupNorm and get_channel_index against closed forms computed here in double precision with plain
// loops (Haiku's semantics): both data formats, the axis option, call-time scale and offset, parameter
// names and shapes, jit, gradients, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "error_expectations.h"
#include "jx/jx.h"
#include "jx/nn/normalization.h"
#include "jx/test_util.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

jx::Array parameter(const nn::Params& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

// Smooth, uneven values with a drift, so that groups differ in mean and spread.
std::vector<float> sample(std::size_t n, double phase) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(2.0 * std::sin(0.37 * i + phase) + 0.05 * i);
  return v;
}

// Group norm of channels-last data (batch, positions, channels) over all positions and the channels of
// each group: (x - mean) / sqrt(var + eps) * scale[c] + offset[c], the variance biased.
std::vector<double> group_norm_reference(const std::vector<float>& x, std::int64_t batch, std::int64_t positions,
                                         std::int64_t channels, std::int64_t groups, const std::vector<float>& scale,
                                         const std::vector<float>& offset, double eps) {
  std::vector<double> out(x.size());
  const std::int64_t per_group = channels / groups;
  auto at = [&](std::int64_t n, std::int64_t p, std::int64_t c) {
    return static_cast<std::size_t>((n * positions + p) * channels + c);
  };
  for (std::int64_t n = 0; n < batch; ++n) {
    for (std::int64_t g = 0; g < groups; ++g) {
      double sum = 0, count = 0;
      for (std::int64_t p = 0; p < positions; ++p)
        for (std::int64_t c = g * per_group; c < (g + 1) * per_group; ++c, ++count) sum += x[at(n, p, c)];
      const double mean = sum / count;
      double squares = 0;
      for (std::int64_t p = 0; p < positions; ++p)
        for (std::int64_t c = g * per_group; c < (g + 1) * per_group; ++c)
          squares += (x[at(n, p, c)] - mean) * (x[at(n, p, c)] - mean);
      const double inverse = 1.0 / std::sqrt(squares / count + eps);
      for (std::int64_t p = 0; p < positions; ++p) {
        for (std::int64_t c = g * per_group; c < (g + 1) * per_group; ++c) {
          out[at(n, p, c)] = (x[at(n, p, c)] - mean) * inverse * scale[static_cast<std::size_t>(c)] +
                             offset[static_cast<std::size_t>(c)];
        }
      }
    }
  }
  return out;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tolerance = 1e-5) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t k = 0; k < got.size(); ++k)
    EXPECT_NEAR(got[k], want[k], tolerance * (1.0 + std::abs(want[k]))) << "at " << k;
}

TEST(GroupNorm, ChannelsLastMatchesTheClosedForm) {
  // Random scale and offset, so that their per-channel broadcast is checked too.
  auto model = nn::transform([](const jx::Array& x) {
    return nn::GroupNorm(3, {.scale_init = nn::initializers::random_normal(1.0, 1.0),
                             .offset_init = nn::initializers::random_normal(1.0)})(x);
  });
  const std::vector<float> values = sample(2 * 3 * 2 * 6, 0.3);
  const jx::Array x = jnp::array(values, jx::Shape{2, 3, 2, 6});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  ASSERT_EQ(params.as_dict().size(), 1u);
  EXPECT_EQ(params.as_dict().at("group_norm").as_dict().size(), 2u);
  const jx::Array scale = parameter(params, "group_norm", "scale"), offset = parameter(params, "group_norm", "offset");
  EXPECT_EQ(scale.shape(), jx::Shape({6}));
  EXPECT_EQ(offset.shape(), jx::Shape({6}));
  const jx::Array y = model.apply(params, std::nullopt, x);
  EXPECT_EQ(y.shape(), x.shape());
  expect_close(y.to_vector<float>(),
               group_norm_reference(values, 2, 6, 6, 3, scale.to_vector<float>(), offset.to_vector<float>(), 1e-5));
  // The same under jit.
  auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); });
  EXPECT_TRUE(jnp::allclose(jitted(params, x), y, {.rtol = 1e-5, .atol = 1e-6}).item<bool>());
}

TEST(GroupNorm, DefaultParametersAreOnesAndZeros) {
  auto model = nn::transform([](const jx::Array& x) { return nn::GroupNorm(2)(x); });
  const std::vector<float> values = sample(3 * 5 * 4, 1.1);
  const jx::Array x = jnp::array(values, jx::Shape{3, 5, 4});  // (batch, time, channels)
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_TRUE(jnp::array_equal(parameter(params, "group_norm", "scale"), jnp::ones({4})).item<bool>());
  EXPECT_TRUE(jnp::array_equal(parameter(params, "group_norm", "offset"), jnp::zeros({4})).item<bool>());
  expect_close(
      model.apply(params, std::nullopt, x).to_vector<float>(),
      group_norm_reference(values, 3, 5, 4, 2, std::vector<float>(4, 1.0f), std::vector<float>(4, 0.0f), 1e-5));
}

TEST(GroupNorm, ChannelsFirstMatchesTheClosedForm) {
  auto model = nn::transform([](const jx::Array& x) {
    return nn::GroupNorm(2, {.scale_init = nn::initializers::random_normal(1.0, 1.0),
                             .offset_init = nn::initializers::random_normal(1.0),
                             .data_format = "channels_first"})(x);
  });
  // The same numbers laid out (N, C, H, W) for jx and (N, H*W, C) for the reference.
  const std::int64_t batch = 2, channels = 4, height = 3, width = 2, positions = height * width;
  const std::vector<float> last = sample(static_cast<std::size_t>(batch * positions * channels), 0.7);
  std::vector<float> first(last.size());
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t p = 0; p < positions; ++p)
      for (std::int64_t c = 0; c < channels; ++c)
        first[static_cast<std::size_t>((n * channels + c) * positions + p)] =
            last[static_cast<std::size_t>((n * positions + p) * channels + c)];
  const jx::Array x = jnp::array(first, jx::Shape{batch, channels, height, width});
  const nn::Params params = model.init(jx::random::PRNGKey(1), x);
  const jx::Array scale = parameter(params, "group_norm", "scale"), offset = parameter(params, "group_norm", "offset");
  EXPECT_EQ(scale.shape(), jx::Shape({4, 1, 1}));
  EXPECT_EQ(offset.shape(), jx::Shape({4, 1, 1}));
  const std::vector<double> want_last = group_norm_reference(last, batch, positions, channels, 2,
                                                             scale.to_vector<float>(), offset.to_vector<float>(), 1e-5);
  const std::vector<float> got = model.apply(params, std::nullopt, x).to_vector<float>();
  for (std::int64_t n = 0; n < batch; ++n) {
    for (std::int64_t p = 0; p < positions; ++p) {
      for (std::int64_t c = 0; c < channels; ++c) {
        const double want = want_last[static_cast<std::size_t>((n * positions + p) * channels + c)];
        EXPECT_NEAR(got[static_cast<std::size_t>((n * channels + c) * positions + p)], want,
                    1e-5 * (1 + std::abs(want)));
      }
    }
  }
}

TEST(GroupNorm, AxisOverTheChannelsOnlyNormalizesEachPosition) {
  // axis {-1}: the statistics of each example and position over the channels of each group.
  auto model = nn::transform([](const jx::Array& x) {
    return nn::GroupNorm(2, {.axis = std::vector<int>{-1}, .create_scale = false, .create_offset = false})(x);
  });
  const std::vector<float> values = sample(2 * 3 * 6, 0.2);
  const jx::Array x = jnp::array(values, jx::Shape{2, 3, 6});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_FALSE(params.contains("group_norm"));
  // Each (example, position) is an example of one position for the reference.
  expect_close(
      model.apply(params, std::nullopt, x).to_vector<float>(),
      group_norm_reference(values, 6, 1, 6, 2, std::vector<float>(6, 1.0f), std::vector<float>(6, 0.0f), 1e-5));
  // An explicit list of all but the first axis is the default.
  auto explicit_axes = nn::transform([](const jx::Array& v) {
    return nn::GroupNorm(2, {.axis = std::vector<int>{1, 2}, .create_scale = false, .create_offset = false})(v);
  });
  expect_close(
      explicit_axes.apply(explicit_axes.init(jx::random::PRNGKey(0), x), std::nullopt, x).to_vector<float>(),
      group_norm_reference(values, 2, 3, 6, 2, std::vector<float>(6, 1.0f), std::vector<float>(6, 0.0f), 1e-5));
}

TEST(GroupNorm, ScaleAndOffsetGivenAtTheCall) {
  auto model = nn::transform([](const jx::Array& x, const jx::Array& scale, const jx::Array& offset) {
    return nn::GroupNorm(1, {.create_scale = false, .create_offset = false})(x, scale, offset);
  });
  const std::vector<float> values = sample(2 * 4 * 3, 0.9);
  const std::vector<float> scale{0.5f, -2.0f, 3.0f}, offset{1.0f, 0.0f, -1.5f};
  const jx::Array x = jnp::array(values, jx::Shape{2, 4, 3});
  const jx::Array s = jnp::array(scale), o = jnp::array(offset);
  const nn::Params params = model.init(jx::random::PRNGKey(0), x, s, o);
  expect_close(model.apply(params, std::nullopt, x, s, o).to_vector<float>(),
               group_norm_reference(values, 2, 4, 3, 1, scale, offset, 1e-5));
}

TEST(GroupNorm, GradientsMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  auto model = nn::transform([](const jx::Array& x) {
    return nn::GroupNorm(2, {.scale_init = nn::initializers::random_normal(1.0, 1.0)})(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(4), {2, 3, 4}).astype(jx::DType::float64);
  const nn::Params params = model.init(jx::random::PRNGKey(5), x);
  const auto loss = [&](const jx::Array& input) {
    return jnp::sum(jnp::sin(model.apply(params, std::nullopt, input)));
  };
  jx::test::check_grads(loss, {x}, 2, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
}

TEST(GroupNorm, Errors) {
  auto uneven = nn::transform([](const jx::Array& x) { return nn::GroupNorm(4)(x); });
  jx_test::expect_error<jx::ShapeError>(
      [&] {
        uneven.init(jx::random::PRNGKey(0), jnp::ones({2, 3, 6}));
      },
      {"GroupNorm", "6 channels", "f32[2,3,6]"});
  auto bad_axis = nn::transform([](const jx::Array& x) { return nn::GroupNorm(2, {.axis = std::vector<int>{3}})(x); });
  jx_test::expect_error<jx::ShapeError>(
      [&] {
        bad_axis.init(jx::random::PRNGKey(0), jnp::ones({2, 3, 4}));
      },
      {"GroupNorm", "axis 3"});
  auto vector_input = nn::transform([](const jx::Array& x) { return nn::GroupNorm(1)(x); });
  EXPECT_THROW(vector_input.init(jx::random::PRNGKey(0), jnp::ones({4})), jx::ShapeError);
  auto scale_twice = nn::transform([](const jx::Array& x) { return nn::GroupNorm(1)(x, jnp::ones({4})); });
  EXPECT_THROW(scale_twice.init(jx::random::PRNGKey(0), jnp::ones({2, 4})), jx::ValueError);
  EXPECT_THROW(nn::GroupNorm(0), jx::ValueError);
  EXPECT_THROW(nn::GroupNorm(2, {.data_format = "HWNC"}), jx::ValueError);
  EXPECT_THROW(nn::GroupNorm(2, {.create_scale = false, .scale_init = nn::initializers::ones()}), jx::ValueError);
  EXPECT_THROW(nn::GroupNorm(2, {.create_offset = false, .offset_init = nn::initializers::ones()}), jx::ValueError);
}

TEST(GetChannelIndex, FollowsHaikusFormats) {
  EXPECT_EQ(nn::get_channel_index("channels_first"), 1);
  EXPECT_EQ(nn::get_channel_index("channels_last"), -1);
  EXPECT_EQ(nn::get_channel_index("NCHW"), 1);
  EXPECT_EQ(nn::get_channel_index("NCDHW"), 1);
  EXPECT_EQ(nn::get_channel_index("NHWC"), -1);
  EXPECT_EQ(nn::get_channel_index("NWC"), -1);
  EXPECT_EQ(nn::get_channel_index("BTHWD"), -1);
  EXPECT_EQ(nn::get_channel_index("TBD"), -1);
  EXPECT_EQ(nn::get_channel_index("N...C"), -1);
  EXPECT_EQ(nn::get_channel_index("NC..."), 1);
  EXPECT_THROW(nn::get_channel_index("HWCN"), jx::ValueError);
  EXPECT_THROW(nn::get_channel_index("NCHWC"), jx::ValueError);
}

}  // namespace
