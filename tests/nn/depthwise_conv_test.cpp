// DepthwiseConv1D/2D/3D and SeparableDepthwiseConv2D: Haiku's parameter names and shapes, values
// against conv_oracle.h's loops (a depthwise convolution is the grouped convolution with one group per
// input channel), both layouts, strides, dilation and padding, the default initializer, gradients,
// jit, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/test_util.h"
#include "nn/conv_oracle.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
using conv_oracle::Geometry;
using conv_oracle::parameter;
using conv_oracle::widen;

TEST(DepthwiseConv, ParametersAreKernelThenOneThenChannelsTimesMultiplier) {
  auto model = nn::transform([](const jx::Array& x) {
    const jx::Array h = nn::DepthwiseConv1D(2, 3)(x);           // depthwise_conv1_d: 3 -> 6 channels
    return nn::DepthwiseConv1D(1, 5, {.with_bias = false})(h);  // depthwise_conv1_d_1
  });
  const jx::Array x = jnp::ones({2, 8, 3});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(parameter(params, "depthwise_conv1_d", "w").shape(), jx::Shape({3, 1, 6}));
  EXPECT_EQ(parameter(params, "depthwise_conv1_d", "b").shape(), jx::Shape({6}));
  EXPECT_EQ(parameter(params, "depthwise_conv1_d_1", "w").shape(), jx::Shape({5, 1, 6}));
  EXPECT_EQ(params.as_dict().at("depthwise_conv1_d_1").as_dict().count("b"), 0u);
  EXPECT_EQ(model.apply(params, std::nullopt, x).shape(), jx::Shape({2, 8, 6}));

  auto images = nn::transform([](const jx::Array& v) { return nn::DepthwiseConv2D(3, {3, 2})(v); });
  auto volumes =
      nn::transform([](const jx::Array& v) { return nn::DepthwiseConv3D(1, 2, {.data_format = "NCDHW"})(v); });
  EXPECT_EQ(parameter(images.init(jx::random::PRNGKey(1), jnp::ones({1, 4, 4, 5})), "depthwise_conv2_d", "w").shape(),
            jx::Shape({3, 2, 1, 15}));
  EXPECT_EQ(
      parameter(volumes.init(jx::random::PRNGKey(2), jnp::ones({1, 4, 2, 2, 2})), "depthwise_conv3_d", "w").shape(),
      jx::Shape({2, 2, 2, 1, 4}));
}

TEST(DepthwiseConv1D, MatchesTheDirectLoop) {
  // Output channel c * multiplier + j comes from input channel c alone.
  for (const bool last : {true, false}) {
    SCOPED_TRACE(last ? "NWC, stride 2, rate 2, SAME" : "NCW, VALID");
    const Geometry g = conv_oracle::padded(Geometry{.batch = 2,
                                                    .in_channels = 3,
                                                    .out_channels = 6,
                                                    .groups = 3,
                                                    .in = {9},
                                                    .kernel = {3},
                                                    .stride = {last ? 2 : 1},
                                                    .rate = {last ? 2 : 1},
                                                    .channels_last = last},
                                           last ? "SAME" : "VALID");
    auto model = nn::transform([&](const jx::Array& x) {
      return nn::DepthwiseConv1D(2, 3,
                                 {.stride = {last ? 2 : 1},
                                  .rate = {last ? 2 : 1},
                                  .padding = last ? "SAME" : "VALID",
                                  .b_init = nn::initializers::random_normal(1.0),
                                  .data_format = last ? "NWC" : "NCW"})(x);
    });
    const jx::Array x = jx::random::normal(jx::random::PRNGKey(last ? 1 : 2), conv_oracle::shape_of(g, true));
    const nn::Params params = model.init(jx::random::PRNGKey(3), x);
    conv_oracle::expect_close(
        model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
        conv_oracle::direct_conv(g, widen(x.to_vector<float>()),
                                 widen(parameter(params, "depthwise_conv1_d", "w").to_vector<float>()),
                                 widen(parameter(params, "depthwise_conv1_d", "b").to_vector<float>())));
  }
}

TEST(DepthwiseConv2D, ChannelsFirstWithExplicitPaddingMatchesTheDirectLoop) {
  const Geometry g = conv_oracle::padded(Geometry{.batch = 1,
                                                  .in_channels = 2,
                                                  .out_channels = 6,
                                                  .groups = 2,
                                                  .in = {5, 6},
                                                  .kernel = {3, 3},
                                                  .stride = {2, 2},
                                                  .rate = {1, 1},
                                                  .channels_last = false},
                                         conv_oracle::Pairs{{1, 1}, {0, 2}});
  auto model = nn::transform([](const jx::Array& x) {
    return nn::DepthwiseConv2D(3, 3,
                               {.stride = {2},
                                .padding = {{1, 1}, {0, 2}},
                                .b_init = nn::initializers::random_normal(1.0),
                                .data_format = "NCHW"})(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(11), conv_oracle::shape_of(g, true));
  const nn::Params params = model.init(jx::random::PRNGKey(12), x);
  const std::vector<double> want = conv_oracle::direct_conv(
      g, widen(x.to_vector<float>()), widen(parameter(params, "depthwise_conv2_d", "w").to_vector<float>()),
      widen(parameter(params, "depthwise_conv2_d", "b").to_vector<float>()));
  conv_oracle::expect_close(model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false), want);
  auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); });
  conv_oracle::expect_close(jitted(params, x), conv_oracle::shape_of(g, false), want);
}

TEST(DepthwiseConv3D, MatchesTheDirectLoop) {
  const Geometry g = conv_oracle::padded(Geometry{.batch = 1,
                                                  .in_channels = 2,
                                                  .out_channels = 4,
                                                  .groups = 2,
                                                  .in = {3, 4, 5},
                                                  .kernel = {2, 2, 3},
                                                  .stride = {1, 2, 1},
                                                  .rate = {1, 1, 2}},
                                         "SAME");
  auto model = nn::transform([](const jx::Array& x) {
    return nn::DepthwiseConv3D(
        2, {2, 2, 3}, {.stride = {1, 2, 1}, .rate = {1, 1, 2}, .b_init = nn::initializers::random_normal(1.0)})(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(21), conv_oracle::shape_of(g, true));
  const nn::Params params = model.init(jx::random::PRNGKey(22), x);
  conv_oracle::expect_close(
      model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
      conv_oracle::direct_conv(g, widen(x.to_vector<float>()),
                               widen(parameter(params, "depthwise_conv3_d", "w").to_vector<float>()),
                               widen(parameter(params, "depthwise_conv3_d", "b").to_vector<float>())));
}

TEST(DepthwiseConv2D, DefaultInitializerCountsTheKernelOnly) {
  // Haiku: fan_in = prod(w.shape[:-1]) = kernel size * 1, so stddev 1/3 for a 3x3 kernel.
  auto model = nn::transform([](const jx::Array& x) { return nn::DepthwiseConv2D(1, 3)(x); });
  const nn::Params params = model.init(jx::random::PRNGKey(31), jnp::ones({1, 2, 2, 4096}));
  EXPECT_NEAR(conv_oracle::sample_stddev(parameter(params, "depthwise_conv2_d", "w")), 0.87962566 / 3.0, 0.02 / 3.0);
  EXPECT_TRUE(jnp::array_equal(parameter(params, "depthwise_conv2_d", "b"), jnp::zeros({4096})).item<bool>());
}

TEST(SeparableDepthwiseConv2D, IsAVerticalThenAHorizontalDepthwiseConvolution) {
  // Haiku's structure: DepthwiseConv2D(multiplier, [kh, 1], stride, no bias), then
  // DepthwiseConv2D(1, [1, kw], stride 1, bias), both inside separable_depthwise_conv2_d.
  auto model = nn::transform([](const jx::Array& x) {
    return nn::SeparableDepthwiseConv2D(2, {3, 2},
                                        {.stride = {2, 1}, .b_init = nn::initializers::random_normal(1.0)})(x);
  });
  const Geometry first = conv_oracle::padded(Geometry{.batch = 2,
                                                      .in_channels = 3,
                                                      .out_channels = 6,
                                                      .groups = 3,
                                                      .in = {6, 5},
                                                      .kernel = {3, 1},
                                                      .stride = {2, 1},
                                                      .rate = {1, 1}},
                                             "SAME");
  const Geometry second = conv_oracle::padded(Geometry{.batch = 2,
                                                       .in_channels = 6,
                                                       .out_channels = 6,
                                                       .groups = 6,
                                                       .in = first.out,
                                                       .kernel = {1, 2},
                                                       .stride = {1, 1},
                                                       .rate = {1, 1}},
                                              "SAME");
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(41), conv_oracle::shape_of(first, true));
  const nn::Params params = model.init(jx::random::PRNGKey(42), x);
  const std::string vertical = "separable_depthwise_conv2_d/depthwise_conv2_d";
  const std::string horizontal = "separable_depthwise_conv2_d/depthwise_conv2_d_1";
  EXPECT_EQ(params.as_dict().size(), 2u);
  EXPECT_EQ(parameter(params, vertical, "w").shape(), jx::Shape({3, 1, 1, 6}));
  EXPECT_EQ(params.as_dict().at(vertical).as_dict().count("b"), 0u);
  EXPECT_EQ(parameter(params, horizontal, "w").shape(), jx::Shape({1, 2, 1, 6}));
  EXPECT_EQ(parameter(params, horizontal, "b").shape(), jx::Shape({6}));
  const std::vector<double> middle = conv_oracle::direct_conv(
      first, widen(x.to_vector<float>()), widen(parameter(params, vertical, "w").to_vector<float>()), {});
  conv_oracle::expect_close(
      model.apply(params, std::nullopt, x), conv_oracle::shape_of(second, false),
      conv_oracle::direct_conv(second, middle, widen(parameter(params, horizontal, "w").to_vector<float>()),
                               widen(parameter(params, horizontal, "b").to_vector<float>())));
}

TEST(DepthwiseConv1D, GradientsMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  auto model = nn::transform(
      [](const jx::Array& x) { return nn::DepthwiseConv1D(2, 3, {.stride = {2}, .data_format = "NCW"})(x); });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(51), {2, 3, 7}).astype(jx::DType::float64);
  const nn::Params params = model.init(jx::random::PRNGKey(52), x);
  const auto loss = [&](const jx::Array& input) {
    return jnp::sum(jnp::tanh(model.apply(params, std::nullopt, input)));
  };
  jx::test::check_grads(loss, {x}, 2, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
}

TEST(DepthwiseConv, Errors) {
  auto flat = nn::transform([](const jx::Array& x) { return nn::DepthwiseConv2D(1, 3)(x); });
  try {
    flat.init(jx::random::PRNGKey(0), jnp::ones({4, 4, 3}));
    ADD_FAILURE() << "a 3-d input to DepthwiseConv2D did not throw";
  } catch (const jx::ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find("DepthwiseConv2D"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("f32[4,4,3]"), std::string::npos) << error.what();
  }
  auto separable = nn::transform([](const jx::Array& x) { return nn::SeparableDepthwiseConv2D(1, 3)(x); });
  EXPECT_THROW(separable.init(jx::random::PRNGKey(0), jnp::ones({1, 4, 3})), jx::ShapeError);
  EXPECT_THROW(nn::DepthwiseConv1D(0, 3), jx::ValueError);
  EXPECT_THROW(nn::DepthwiseConv2D(1, {3, 3, 3}), jx::ValueError);
  EXPECT_THROW(nn::DepthwiseConv3D(1, 3, {.stride = {1, 2}}), jx::ValueError);
  EXPECT_THROW(nn::DepthwiseConv1D(1, 3, {.data_format = "NCHW"}), jx::ValueError);
  EXPECT_THROW(nn::SeparableDepthwiseConv2D(0, 3), jx::ValueError);
  EXPECT_THROW(nn::SeparableDepthwiseConv2D(1, {3, 3, 3}), jx::ValueError);
}

}  // namespace
