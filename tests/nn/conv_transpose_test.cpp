// ConvNDTranspose and Conv1D/2D/3DTranspose: Haiku's parameter names and shapes, values against the
// scatter form of the transposed convolution written as loops in conv_oracle.h (SAME, VALID, explicit
// padding, output_shape, both layouts, masks), gradients, jit, and errors.
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

TEST(ConvNDTranspose, ParametersAreKernelThenOutputThenInputChannels) {
  auto model = nn::transform([](const jx::Array& x) {
    const jx::Array h = nn::Conv1DTranspose(4, 3, {.stride = {2}})(x);  // conv1_d_transpose
    return nn::ConvNDTranspose(1, 2, 5, {.with_bias = false})(h);       // conv_nd_transpose
  });
  const jx::Array x = jnp::ones({2, 6, 3});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(parameter(params, "conv1_d_transpose", "w").shape(), jx::Shape({3, 4, 3}));
  EXPECT_EQ(parameter(params, "conv1_d_transpose", "b").shape(), jx::Shape({4}));
  EXPECT_EQ(parameter(params, "conv_nd_transpose", "w").shape(), jx::Shape({5, 2, 4}));
  EXPECT_EQ(params.as_dict().at("conv_nd_transpose").as_dict().count("b"), 0u);
  EXPECT_EQ(model.apply(params, std::nullopt, x).shape(), jx::Shape({2, 12, 2}));

  auto images = nn::transform([](const jx::Array& v) { return nn::Conv2DTranspose(5, {3, 2})(v); });
  auto volumes = nn::transform([](const jx::Array& v) { return nn::Conv3DTranspose(2, 2)(v); });
  EXPECT_EQ(parameter(images.init(jx::random::PRNGKey(1), jnp::ones({1, 4, 4, 7})), "conv2_d_transpose", "w").shape(),
            jx::Shape({3, 2, 5, 7}));
  EXPECT_EQ(
      parameter(volumes.init(jx::random::PRNGKey(2), jnp::ones({1, 2, 2, 2, 3})), "conv3_d_transpose", "w").shape(),
      jx::Shape({2, 2, 2, 2, 3}));
}

struct Case1D {
  std::int64_t kernel, stride;
  std::string padding;
  bool channels_last;
};

TEST(Conv1DTranspose, MatchesTheScatterLoop) {
  // Kernels longer than, as long as and shorter than the stride, where "SAME" and "VALID" place the
  // outputs differently.
  const std::vector<Case1D> cases = {{3, 2, "SAME", true},  {4, 2, "SAME", true},  {2, 3, "SAME", false},
                                     {3, 1, "SAME", false}, {5, 2, "VALID", true}, {2, 3, "VALID", false},
                                     {2, 2, "VALID", true}, {1, 3, "SAME", true}};
  int seed = 0;
  for (const Case1D& c : cases) {
    SCOPED_TRACE(testing::Message() << "kernel " << c.kernel << " stride " << c.stride << " " << c.padding
                                    << (c.channels_last ? " NWC" : " NCW"));
    const Geometry g = conv_oracle::transposed(Geometry{.batch = 2,
                                                        .in_channels = 3,
                                                        .out_channels = 4,
                                                        .in = {5},
                                                        .kernel = {c.kernel},
                                                        .stride = {c.stride},
                                                        .rate = {1},
                                                        .channels_last = c.channels_last},
                                               c.padding);
    auto model = nn::transform([&](const jx::Array& x) {
      return nn::Conv1DTranspose(4, c.kernel,
                                 {.stride = {c.stride},
                                  .padding = c.padding,
                                  .b_init = nn::initializers::random_normal(1.0),
                                  .data_format = c.channels_last ? "NWC" : "NCW"})(x);
    });
    const jx::Array x = jx::random::normal(jx::random::PRNGKey(++seed), conv_oracle::shape_of(g, true));
    const nn::Params params = model.init(jx::random::PRNGKey(100 + seed), x);
    conv_oracle::expect_close(
        model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
        conv_oracle::direct_conv_transpose(g, widen(x.to_vector<float>()),
                                           widen(parameter(params, "conv1_d_transpose", "w").to_vector<float>()),
                                           widen(parameter(params, "conv1_d_transpose", "b").to_vector<float>())));
  }
}

TEST(Conv1DTranspose, OutputShapeAndExplicitPadding) {
  // 5 inputs, kernel 3, stride 2: "SAME" maps 9 or 10 outputs to 5 inputs, "VALID" 11 or 12.
  struct Sized {
    std::string padding;
    std::int64_t output;
  };
  for (const Sized& s : {Sized{"SAME", 9}, Sized{"SAME", 10}, Sized{"VALID", 12}, Sized{"VALID", 11}}) {
    SCOPED_TRACE(testing::Message() << s.padding << " output_shape " << s.output);
    const Geometry g = conv_oracle::transposed(
        Geometry{.batch = 1, .in_channels = 2, .out_channels = 3, .in = {5}, .kernel = {3}, .stride = {2}, .rate = {1}},
        s.padding, {s.output});
    auto model = nn::transform([&](const jx::Array& x) {
      return nn::Conv1DTranspose(3, 3,
                                 {.stride = {2},
                                  .output_shape = std::vector<std::int64_t>{s.output},
                                  .padding = s.padding,
                                  .with_bias = false})(x);
    });
    const jx::Array x = jx::random::normal(jx::random::PRNGKey(11), conv_oracle::shape_of(g, true));
    const nn::Params params = model.init(jx::random::PRNGKey(12), x);
    conv_oracle::expect_close(
        model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
        conv_oracle::direct_conv_transpose(g, widen(x.to_vector<float>()),
                                           widen(parameter(params, "conv1_d_transpose", "w").to_vector<float>()), {}));
  }
  // Explicit pairs pad the stride-dilated input, as lax.conv_transpose reads them.
  for (const conv_oracle::Pairs& pairs : {conv_oracle::Pairs{{1, 2}}, conv_oracle::Pairs{{2, 0}}}) {
    const Geometry g = conv_oracle::transposed(
        Geometry{.batch = 1, .in_channels = 2, .out_channels = 3, .in = {5}, .kernel = {3}, .stride = {2}, .rate = {1}},
        pairs);
    auto model = nn::transform([&](const jx::Array& x) {
      return nn::Conv1DTranspose(3, 3, {.stride = {2}, .padding = pairs, .with_bias = false})(x);
    });
    const jx::Array x = jx::random::normal(jx::random::PRNGKey(13), conv_oracle::shape_of(g, true));
    const nn::Params params = model.init(jx::random::PRNGKey(14), x);
    conv_oracle::expect_close(
        model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
        conv_oracle::direct_conv_transpose(g, widen(x.to_vector<float>()),
                                           widen(parameter(params, "conv1_d_transpose", "w").to_vector<float>()), {}));
  }
}

TEST(Conv2DTranspose, BothLayoutsAndAMask) {
  for (const bool last : {true, false}) {
    SCOPED_TRACE(last ? "NHWC, SAME" : "NCHW, VALID");
    const std::string padding = last ? "SAME" : "VALID";
    const Geometry g = conv_oracle::transposed(Geometry{.batch = 2,
                                                        .in_channels = 3,
                                                        .out_channels = 2,
                                                        .in = {4, 3},
                                                        .kernel = {3, 4},
                                                        .stride = {2, 1},
                                                        .rate = {1, 1},
                                                        .channels_last = last},
                                               padding);
    // Zero the weights from input channel 0 to output channel 1: a mask of w's shape [3, 4, 2, 3].
    std::vector<float> mask_values(3 * 4 * 2 * 3, 1.0f);
    for (std::size_t tap = 0; tap < 12; ++tap) mask_values[tap * 6 + 1 * 3 + 0] = 0.0f;
    const jx::Array mask = jnp::array(mask_values, jx::Shape{3, 4, 2, 3});
    auto model = nn::transform([&](const jx::Array& x) {
      return nn::Conv2DTranspose(2, {3, 4},
                                 {.stride = {2, 1},
                                  .padding = padding,
                                  .b_init = nn::initializers::random_normal(1.0),
                                  .data_format = last ? "NHWC" : "NCHW",
                                  .mask = mask})(x);
    });
    const jx::Array x = jx::random::normal(jx::random::PRNGKey(21), conv_oracle::shape_of(g, true));
    const nn::Params params = model.init(jx::random::PRNGKey(22), x);
    std::vector<double> w = widen(parameter(params, "conv2_d_transpose", "w").to_vector<float>());
    for (std::size_t k = 0; k < w.size(); ++k) w[k] *= mask_values[k];
    const std::vector<double> want = conv_oracle::direct_conv_transpose(
        g, widen(x.to_vector<float>()), w, widen(parameter(params, "conv2_d_transpose", "b").to_vector<float>()));
    conv_oracle::expect_close(model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false), want);
    auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); });
    conv_oracle::expect_close(jitted(params, x), conv_oracle::shape_of(g, false), want);
  }
}

TEST(Conv3DTranspose, MatchesTheScatterLoop) {
  const Geometry g = conv_oracle::transposed(Geometry{.batch = 1,
                                                      .in_channels = 2,
                                                      .out_channels = 3,
                                                      .in = {2, 3, 2},
                                                      .kernel = {2, 3, 1},
                                                      .stride = {1, 2, 2},
                                                      .rate = {1, 1, 1},
                                                      .channels_last = false},
                                             "SAME");
  auto model = nn::transform([](const jx::Array& x) {
    return nn::Conv3DTranspose(
        3, {2, 3, 1}, {.stride = {1, 2, 2}, .b_init = nn::initializers::random_normal(1.0), .data_format = "NCDHW"})(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(31), conv_oracle::shape_of(g, true));
  const nn::Params params = model.init(jx::random::PRNGKey(32), x);
  conv_oracle::expect_close(
      model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
      conv_oracle::direct_conv_transpose(g, widen(x.to_vector<float>()),
                                         widen(parameter(params, "conv3_d_transpose", "w").to_vector<float>()),
                                         widen(parameter(params, "conv3_d_transpose", "b").to_vector<float>())));
}

TEST(ConvNDTranspose, DefaultInitializerCountsTheKernelAndTheInputChannels) {
  // Haiku: TruncatedNormal(1 / sqrt(kernel size * input channels)), not the output channels.
  auto model = nn::transform([](const jx::Array& x) { return nn::Conv2DTranspose(64, 3)(x); });
  const nn::Params params = model.init(jx::random::PRNGKey(41), jnp::ones({1, 2, 2, 128}));
  const double stddev = 1.0 / std::sqrt(3.0 * 3.0 * 128.0);
  EXPECT_NEAR(conv_oracle::sample_stddev(parameter(params, "conv2_d_transpose", "w")), 0.87962566 * stddev,
              0.02 * stddev);
}

TEST(Conv2DTranspose, GradientsMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  auto model = nn::transform([](const jx::Array& x) { return nn::Conv2DTranspose(2, 3, {.stride = {2, 1}})(x); });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(51), {1, 3, 2, 2}).astype(jx::DType::float64);
  const nn::Params params = model.init(jx::random::PRNGKey(52), x);
  const auto of_input = [&](const jx::Array& input) {
    return jnp::sum(jnp::tanh(model.apply(params, std::nullopt, input)));
  };
  jx::test::check_grads(of_input, {x}, 2, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
  const auto of_weights = [&](const jx::Array& w) {
    nn::Params p = params;
    p.as_dict().at("conv2_d_transpose").as_dict().at("w") = jx::tree::Tree(w);
    return jnp::sum(jnp::tanh(model.apply(p, std::nullopt, x)));
  };
  jx::test::check_grads(of_weights, {parameter(params, "conv2_d_transpose", "w")}, 1, jx::test::Modes::both, 1e-6, 1e-6,
                        1e-5);
}

TEST(ConvNDTranspose, Errors) {
  auto flat = nn::transform([](const jx::Array& x) { return nn::Conv2DTranspose(2, 3)(x); });
  try {
    flat.init(jx::random::PRNGKey(0), jnp::ones({4, 4, 3}));
    ADD_FAILURE() << "a 3-d input to Conv2DTranspose did not throw";
  } catch (const jx::ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find("Conv2DTranspose"), std::string::npos) << error.what();
  }
  // 5 inputs cannot come from 14 outputs with stride 2.
  auto sized = nn::transform([](const jx::Array& x) {
    return nn::Conv1DTranspose(2, 3, {.stride = {2}, .output_shape = std::vector<std::int64_t>{14}})(x);
  });
  EXPECT_THROW(sized.init(jx::random::PRNGKey(0), jnp::ones({1, 5, 2})), jx::ShapeError);
  auto masked = nn::transform([](const jx::Array& x) {
    return nn::Conv1DTranspose(2, 3, {.mask = jnp::ones({3, 2, 2})})(x);  // w is [3, 2, 4]
  });
  EXPECT_THROW(masked.init(jx::random::PRNGKey(0), jnp::ones({1, 5, 4})), jx::ShapeError);
  EXPECT_THROW(nn::Conv1DTranspose(2, 3, {.output_shape = std::vector<std::int64_t>{8}, .padding = {{1, 1}}}),
               jx::ValueError);
  EXPECT_THROW(nn::Conv1DTranspose(0, 3), jx::ValueError);
  EXPECT_THROW(nn::ConvNDTranspose(0, 2, 3), jx::ValueError);
  EXPECT_THROW(nn::Conv2DTranspose(2, {3, 3, 3}), jx::ValueError);
  EXPECT_THROW(nn::Conv2DTranspose(2, 3, {.data_format = "NCW"}), jx::ValueError);
  EXPECT_THROW(nn::Conv1DTranspose(2, 3, {.output_shape = std::vector<std::int64_t>{8, 8}}), jx::ValueError);
}

}  // namespace
