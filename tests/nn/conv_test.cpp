// Conv2D: parameter names and shapes, values against a direct loop in double precision written here,
// both data formats, strides and dilation, Haiku's default initializer, and errors.
// ConvND, Conv1D, Conv2D (as the 2-d case) and Conv3D: Haiku's parameter names and shapes, values
// against the loops of conv_oracle.h in double precision (strides, dilation, SAME/VALID/explicit
// padding, groups, both layouts, masks), gradients, jit, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "jx/jx.h"
#include "jx/test_util.h"
#include "nn/conv_oracle.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

jx::Array parameter(const nn::Params& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

// out[n, y, x, o] = b[o] + sum over (i, j, c) of in[n, y*s + i*r - pad_top, x*s + j*r - pad_left, c] * w[i, j, c, o],
// zero outside the input; NHWC input, HWIO weights, one group.
std::vector<double> direct_conv(const std::vector<float>& in, std::int64_t batch, std::int64_t height,
                                std::int64_t width, std::int64_t channels, const std::vector<float>& w, std::int64_t kh,
                                std::int64_t kw, std::int64_t outputs, const std::vector<float>& b, std::int64_t stride,
                                std::int64_t rate, std::int64_t out_h, std::int64_t out_w, std::int64_t pad_top,
                                std::int64_t pad_left) {
  std::vector<double> out(static_cast<std::size_t>(batch * out_h * out_w * outputs));
  for (std::int64_t n = 0; n < batch; ++n) {
    for (std::int64_t y = 0; y < out_h; ++y) {
      for (std::int64_t x = 0; x < out_w; ++x) {
        for (std::int64_t o = 0; o < outputs; ++o) {
          double sum = b.empty() ? 0.0 : b[static_cast<std::size_t>(o)];
          for (std::int64_t i = 0; i < kh; ++i) {
            for (std::int64_t j = 0; j < kw; ++j) {
              const std::int64_t row = y * stride + i * rate - pad_top, column = x * stride + j * rate - pad_left;
              if (row < 0 || row >= height || column < 0 || column >= width) continue;
              for (std::int64_t c = 0; c < channels; ++c) {
                sum += static_cast<double>(
                           in[static_cast<std::size_t>(((n * height + row) * width + column) * channels + c)]) *
                       w[static_cast<std::size_t>(((i * kw + j) * channels + c) * outputs + o)];
              }
            }
          }
          out[static_cast<std::size_t>(((n * out_h + y) * out_w + x) * outputs + o)] = sum;
        }
      }
    }
  }
  return out;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t k = 0; k < got.size(); ++k)
    EXPECT_NEAR(got[k], want[k], 1e-4 * (1.0 + std::abs(want[k]))) << "at " << k;
}

TEST(Conv2D, ParametersAreHwioWeightsAndABias) {
  auto model = nn::transform([](const jx::Array& x) { return nn::Conv2D(8, 3)(x); });
  const jx::Array x = jnp::ones({2, 6, 6, 5});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(parameter(params, "conv2_d", "w").shape(), jx::Shape({3, 3, 5, 8}));
  EXPECT_EQ(parameter(params, "conv2_d", "b").shape(), jx::Shape({8}));
  EXPECT_EQ(model.apply(params, std::nullopt, x).shape(), jx::Shape({2, 6, 6, 8}));
}

TEST(Conv2D, SamePaddingMatchesTheDirectLoop) {
  // A bias that is not zero, so that its broadcast is checked too.
  auto model = nn::transform(
      [](const jx::Array& x) { return nn::Conv2D(3, 3, {.b_init = nn::initializers::random_normal(1.0)})(x); });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(1), {2, 5, 5, 2});
  const nn::Params params = model.init(jx::random::PRNGKey(2), x);
  const jx::Array w = parameter(params, "conv2_d", "w"), b = parameter(params, "conv2_d", "b");
  const std::vector<double> want = direct_conv(x.to_vector<float>(), 2, 5, 5, 2, w.to_vector<float>(), 3, 3, 3,
                                               b.to_vector<float>(), 1, 1, 5, 5, 1, 1);
  expect_close(model.apply(params, std::nullopt, x).to_vector<float>(), want);
}

TEST(Conv2D, StrideDilationAndValidPadding) {
  // SAME with stride 2 on 7 pixels: ceil(7 / 2) = 4 outputs, the padding (2 in all) split 1 before, 1 after.
  auto strided = nn::transform([](const jx::Array& x) {
    return nn::Conv2D(4, 3, {.stride = {2, 2}, .with_bias = false})(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(3), {1, 7, 7, 3});
  nn::Params params = strided.init(jx::random::PRNGKey(4), x);
  jx::Array w = parameter(params, "conv2_d", "w");
  expect_close(strided.apply(params, std::nullopt, x).to_vector<float>(),
               direct_conv(x.to_vector<float>(), 1, 7, 7, 3, w.to_vector<float>(), 3, 3, 4, {}, 2, 1, 4, 4, 1, 1));
  // VALID with rate 2: the kernel spans 5 pixels, so 3 outputs per side.
  auto dilated = nn::transform([](const jx::Array& v) {
    return nn::Conv2D(2, {3, 3}, {.rate = {2, 2}, .padding = "VALID", .with_bias = false})(v);
  });
  params = dilated.init(jx::random::PRNGKey(5), x);
  w = parameter(params, "conv2_d", "w");
  expect_close(dilated.apply(params, std::nullopt, x).to_vector<float>(),
               direct_conv(x.to_vector<float>(), 1, 7, 7, 3, w.to_vector<float>(), 3, 3, 2, {}, 1, 2, 3, 3, 0, 0));
}

TEST(Conv2D, ChannelsFirstIsTheTransposeOfChannelsLast) {
  auto last = nn::transform([](const jx::Array& x) { return nn::Conv2D(4, 3)(x); });
  auto first = nn::transform([](const jx::Array& x) { return nn::Conv2D(4, 3, {.data_format = "NCHW"})(x); });
  const jx::Array nhwc = jx::random::normal(jx::random::PRNGKey(6), {2, 6, 5, 3});
  const jx::Array nchw = jnp::transpose(nhwc, std::vector<int>{0, 3, 1, 2});
  // The same key draws the same weights: both formats keep the weights HWIO.
  const nn::Params params = last.init(jx::random::PRNGKey(7), nhwc);
  EXPECT_TRUE(jnp::array_equal(parameter(first.init(jx::random::PRNGKey(7), nchw), "conv2_d", "w"),
                               parameter(params, "conv2_d", "w"))
                  .item<bool>());
  const jx::Array want = jnp::transpose(last.apply(params, std::nullopt, nhwc), std::vector<int>{0, 3, 1, 2});
  EXPECT_TRUE(jnp::allclose(first.apply(params, std::nullopt, nchw), want, {.rtol = 1e-5, .atol = 1e-5}).item<bool>());
}

TEST(Conv2D, DefaultInitializerIsHaikusTruncatedNormal) {
  // hk.Conv2D's default: TruncatedNormal(stddev = 1 / sqrt(fan_in)), cut at two standard deviations,
  // whose samples have standard deviation 0.87962566 * stddev.
  auto model = nn::transform([](const jx::Array& x) { return nn::Conv2D(256, 3)(x); });
  const nn::Params params = model.init(jx::random::PRNGKey(8), jnp::ones({1, 4, 4, 64}));
  const std::vector<float> w = parameter(params, "conv2_d", "w").to_vector<float>();
  const double stddev = 1.0 / std::sqrt(3.0 * 3.0 * 64.0);
  double sum = 0.0, squares = 0.0, largest = 0.0;
  for (float v : w) {
    sum += v;
    squares += static_cast<double>(v) * v;
    largest = std::max(largest, std::abs(static_cast<double>(v)));
  }
  const double count = static_cast<double>(w.size());
  EXPECT_NEAR(sum / count, 0.0, 0.01 * stddev);
  EXPECT_NEAR(std::sqrt(squares / count), 0.87962566 * stddev, 0.01 * stddev);
  EXPECT_LE(largest, 2.0 * stddev * (1.0 + 1e-6));
  EXPECT_TRUE(jnp::array_equal(parameter(params, "conv2_d", "b"), jnp::zeros({256})).item<bool>());
}

TEST(Conv2D, GradientsMatchFiniteDifferences) {
  // In float64 (the parameters take the input's dtype), so that central differences are exact enough.
  auto x64 = jx::config::scoped({.enable_x64 = true});
  auto model = nn::transform([](const jx::Array& x) { return nn::Conv2D(2, 3, {.stride = {2, 1}})(x); });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(9), {1, 5, 4, 2}).astype(jx::DType::float64);
  const nn::Params params = model.init(jx::random::PRNGKey(10), x);
  const auto loss = [&](const jx::Array& input) {
    return jnp::sum(jnp::tanh(model.apply(params, std::nullopt, input)));
  };
  jx::test::check_grads(loss, {x}, 2, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
}

TEST(Conv2D, ErrorsNameTheModuleAndTheShapes) {
  auto three_d = nn::transform([](const jx::Array& x) { return nn::Conv2D(2, 3)(x); });
  EXPECT_THROW(three_d.init(jx::random::PRNGKey(0), jnp::ones({5, 5, 3})), jx::ShapeError);
  auto grouped = nn::transform([](const jx::Array& x) { return nn::Conv2D(4, 3, {.feature_group_count = 2})(x); });
  EXPECT_THROW(grouped.init(jx::random::PRNGKey(0), jnp::ones({1, 5, 5, 3})), jx::ShapeError);
  EXPECT_THROW(nn::Conv2D(0, 3), jx::ValueError);
  EXPECT_THROW(nn::Conv2D(2, {3, 3, 3}), jx::ValueError);
  EXPECT_THROW(nn::Conv2D(2, 3, {.data_format = "NWHC"}), jx::ValueError);
  try {
    three_d.init(jx::random::PRNGKey(0), jnp::ones({5, 5, 3}));
  } catch (const jx::ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find("Conv2D"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("f32[5,5,3]"), std::string::npos) << error.what();
  }
}

// ConvND and Conv1D/2D/3D against the gather-form loops of conv_oracle.h.
namespace nd {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
using conv_oracle::Geometry;
using conv_oracle::parameter;
using conv_oracle::widen;

TEST(ConvND, ParametersFollowHaikusNamesAndShapes) {
  static_assert(std::is_base_of_v<nn::ConvND, nn::Conv2D>);
  auto model = nn::transform([](const jx::Array& x) {
    const jx::Array h = nn::Conv1D(4, 3)(x);                        // conv1_d
    const jx::Array g = nn::Conv1D(6, 2, {.with_bias = false})(h);  // conv1_d_1
    return nn::ConvND(1, 2, 5, {.feature_group_count = 2})(g);      // conv_nd
  });
  const jx::Array x = jnp::ones({2, 7, 5});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(parameter(params, "conv1_d", "w").shape(), jx::Shape({3, 5, 4}));
  EXPECT_EQ(parameter(params, "conv1_d", "b").shape(), jx::Shape({4}));
  EXPECT_EQ(parameter(params, "conv1_d_1", "w").shape(), jx::Shape({2, 4, 6}));
  EXPECT_EQ(params.as_dict().at("conv1_d_1").as_dict().count("b"), 0u);
  EXPECT_EQ(parameter(params, "conv_nd", "w").shape(), jx::Shape({5, 3, 2}));
  EXPECT_EQ(params.as_dict().size(), 3u);
  EXPECT_EQ(model.apply(params, std::nullopt, x).shape(), jx::Shape({2, 7, 2}));

  auto volume = nn::transform([](const jx::Array& v) {
    return nn::Conv3D(6, {2, 3, 1}, {.data_format = "NCDHW", .feature_group_count = 2})(v);
  });
  const nn::Params volume_params = volume.init(jx::random::PRNGKey(1), jnp::ones({1, 4, 3, 5, 2}));
  EXPECT_EQ(parameter(volume_params, "conv3_d", "w").shape(), jx::Shape({2, 3, 1, 2, 6}));
  EXPECT_EQ(parameter(volume_params, "conv3_d", "b").shape(), jx::Shape({6}));
}

struct Case1D {
  std::int64_t kernel, stride, rate;
  std::string padding;
  std::int64_t groups;
  bool channels_last;
};

TEST(Conv1D, MatchesTheDirectLoop) {
  const std::vector<Case1D> cases = {{3, 1, 1, "SAME", 1, true},   {3, 2, 2, "SAME", 2, true},
                                     {4, 3, 1, "VALID", 1, false}, {2, 1, 3, "VALID", 3, false},
                                     {5, 2, 1, "SAME", 1, false},  {4, 2, 1, "same", 6, true}};
  int seed = 0;
  for (const Case1D& c : cases) {
    SCOPED_TRACE(testing::Message() << "kernel " << c.kernel << " stride " << c.stride << " rate " << c.rate << " "
                                    << c.padding << " groups " << c.groups << (c.channels_last ? " NWC" : " NCW"));
    const Geometry g = conv_oracle::padded(Geometry{.batch = 2,
                                                    .in_channels = 6,
                                                    .out_channels = 6,
                                                    .groups = c.groups,
                                                    .in = {11},
                                                    .kernel = {c.kernel},
                                                    .stride = {c.stride},
                                                    .rate = {c.rate},
                                                    .channels_last = c.channels_last},
                                           c.padding == "same" ? "SAME" : c.padding);
    auto model = nn::transform([&](const jx::Array& x) {
      return nn::Conv1D(6, c.kernel,
                        {.stride = {c.stride},
                         .rate = {c.rate},
                         .padding = c.padding,
                         .b_init = nn::initializers::random_normal(1.0),
                         .data_format = c.channels_last ? "NWC" : "NCW",
                         .feature_group_count = c.groups})(x);
    });
    const jx::Array x = jx::random::normal(jx::random::PRNGKey(++seed), conv_oracle::shape_of(g, true));
    const nn::Params params = model.init(jx::random::PRNGKey(100 + seed), x);
    EXPECT_EQ(parameter(params, "conv1_d", "w").shape(), jx::Shape({c.kernel, 6 / c.groups, 6}));
    const std::vector<double> want = conv_oracle::direct_conv(
        g, widen(x.to_vector<float>()), widen(parameter(params, "conv1_d", "w").to_vector<float>()),
        widen(parameter(params, "conv1_d", "b").to_vector<float>()));
    conv_oracle::expect_close(model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false), want);
  }
}

TEST(Conv1D, ExplicitPaddingPairs) {
  // (2, 0) is the causal padding of a 3-tap kernel: each output sees only its own and earlier steps.
  const std::vector<conv_oracle::Pairs> paddings = {{{2, 0}}, {{0, 3}}, {{1, 2}}};
  for (const auto& pairs : paddings) {
    const Geometry g = conv_oracle::padded(
        Geometry{.batch = 1, .in_channels = 2, .out_channels = 3, .in = {7}, .kernel = {3}, .stride = {2}, .rate = {1}},
        pairs);
    auto model = nn::transform(
        [&](const jx::Array& x) { return nn::Conv1D(3, 3, {.stride = {2}, .padding = pairs, .with_bias = false})(x); });
    const jx::Array x = jx::random::normal(jx::random::PRNGKey(7), conv_oracle::shape_of(g, true));
    const nn::Params params = model.init(jx::random::PRNGKey(8), x);
    conv_oracle::expect_close(
        model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
        conv_oracle::direct_conv(g, widen(x.to_vector<float>()),
                                 widen(parameter(params, "conv1_d", "w").to_vector<float>()), {}));
  }
}

TEST(Conv2D, GroupsAndChannelsFirstMatchTheDirectLoop) {
  // NCHW, 3 groups, a stride and a dilation on different axes.
  Geometry g = conv_oracle::padded(Geometry{.batch = 2,
                                            .in_channels = 6,
                                            .out_channels = 9,
                                            .groups = 3,
                                            .in = {7, 6},
                                            .kernel = {3, 2},
                                            .stride = {2, 1},
                                            .rate = {1, 2},
                                            .channels_last = false},
                                   "SAME");
  auto grouped = nn::transform([](const jx::Array& x) {
    return nn::Conv2D(9, {3, 2},
                      {.stride = {2, 1},
                       .rate = {1, 2},
                       .b_init = nn::initializers::random_normal(1.0),
                       .data_format = "NCHW",
                       .feature_group_count = 3})(x);
  });
  jx::Array x = jx::random::normal(jx::random::PRNGKey(11), conv_oracle::shape_of(g, true));
  nn::Params params = grouped.init(jx::random::PRNGKey(12), x);
  EXPECT_EQ(parameter(params, "conv2_d", "w").shape(), jx::Shape({3, 2, 2, 9}));
  conv_oracle::expect_close(grouped.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
                            conv_oracle::direct_conv(g, widen(x.to_vector<float>()),
                                                     widen(parameter(params, "conv2_d", "w").to_vector<float>()),
                                                     widen(parameter(params, "conv2_d", "b").to_vector<float>())));
  // NHWC with explicit, uneven padding pairs.
  g = conv_oracle::padded(Geometry{.batch = 1,
                                   .in_channels = 3,
                                   .out_channels = 4,
                                   .in = {5, 6},
                                   .kernel = {3, 3},
                                   .stride = {1, 2},
                                   .rate = {1, 1}},
                          conv_oracle::Pairs{{1, 2}, {0, 1}});
  auto padded = nn::transform([](const jx::Array& v) {
    return nn::Conv2D(4, 3, {.stride = {1, 2}, .padding = {{1, 2}, {0, 1}}, .with_bias = false})(v);
  });
  x = jx::random::normal(jx::random::PRNGKey(13), conv_oracle::shape_of(g, true));
  params = padded.init(jx::random::PRNGKey(14), x);
  conv_oracle::expect_close(padded.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
                            conv_oracle::direct_conv(g, widen(x.to_vector<float>()),
                                                     widen(parameter(params, "conv2_d", "w").to_vector<float>()), {}));
}

TEST(Conv3D, MatchesTheDirectLoopInBothLayouts) {
  for (const bool last : {true, false}) {
    SCOPED_TRACE(last ? "NDHWC, SAME" : "NCDHW, VALID");
    const Geometry g = conv_oracle::padded(Geometry{.batch = 2,
                                                    .in_channels = 4,
                                                    .out_channels = 6,
                                                    .groups = 2,
                                                    .in = {5, 4, 6},
                                                    .kernel = {2, 3, 2},
                                                    .stride = {2, 1, 2},
                                                    .rate = {last ? 1 : 2, 1, 1},
                                                    .channels_last = last},
                                           last ? "SAME" : "VALID");
    auto model = nn::transform([&](const jx::Array& x) {
      return nn::Conv3D(6, {2, 3, 2},
                        {.stride = {2, 1, 2},
                         .rate = {last ? 1 : 2, 1, 1},
                         .padding = last ? "SAME" : "VALID",
                         .b_init = nn::initializers::random_normal(1.0),
                         .data_format = last ? "NDHWC" : "NCDHW",
                         .feature_group_count = 2})(x);
    });
    const jx::Array x = jx::random::normal(jx::random::PRNGKey(21), conv_oracle::shape_of(g, true));
    const nn::Params params = model.init(jx::random::PRNGKey(22), x);
    const std::vector<double> want = conv_oracle::direct_conv(
        g, widen(x.to_vector<float>()), widen(parameter(params, "conv3_d", "w").to_vector<float>()),
        widen(parameter(params, "conv3_d", "b").to_vector<float>()));
    conv_oracle::expect_close(model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false), want);
    // Under jit, the same.
    auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); });
    conv_oracle::expect_close(jitted(params, x), conv_oracle::shape_of(g, false), want);
  }
}

TEST(ConvND, GeneralLayoutNamesAndTwoSpatialAxes) {
  const Geometry g = conv_oracle::padded(Geometry{.batch = 1,
                                                  .in_channels = 2,
                                                  .out_channels = 3,
                                                  .in = {4, 5},
                                                  .kernel = {2, 2},
                                                  .stride = {1, 1},
                                                  .rate = {1, 1},
                                                  .channels_last = false},
                                         "SAME");
  auto model = nn::transform([](const jx::Array& x) {
    return nn::ConvND(2, 3, 2, {.b_init = nn::initializers::random_normal(1.0), .data_format = "channels_first"})(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(31), conv_oracle::shape_of(g, true));
  const nn::Params params = model.init(jx::random::PRNGKey(32), x);
  conv_oracle::expect_close(model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
                            conv_oracle::direct_conv(g, widen(x.to_vector<float>()),
                                                     widen(parameter(params, "conv_nd", "w").to_vector<float>()),
                                                     widen(parameter(params, "conv_nd", "b").to_vector<float>())));
  // "N...C" and "NC..." are Haiku's spellings of the two layouts for any rank.
  auto last = nn::transform([](const jx::Array& v) { return nn::ConvND(1, 2, 3, {.data_format = "N...C"})(v); });
  EXPECT_EQ(
      last.apply(last.init(jx::random::PRNGKey(0), jnp::ones({1, 6, 4})), std::nullopt, jnp::ones({1, 6, 4})).shape(),
      jx::Shape({1, 6, 2}));
}

TEST(ConvND, MaskMultipliesTheWeights) {
  // A causal mask on a 3-tap kernel centred by SAME padding: the tap that looks ahead is zeroed.
  std::vector<float> mask_values(3 * 2 * 4, 1.0f);
  for (std::size_t k = 2 * 2 * 4; k < mask_values.size(); ++k) mask_values[k] = 0.0f;
  const jx::Array mask = jnp::array(mask_values, jx::Shape{3, 2, 4});
  auto model = nn::transform([&](const jx::Array& x) { return nn::Conv1D(4, 3, {.mask = mask})(x); });
  const Geometry g = conv_oracle::padded(
      Geometry{.batch = 2, .in_channels = 2, .out_channels = 4, .in = {6}, .kernel = {3}, .stride = {1}, .rate = {1}},
      "SAME");
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(41), conv_oracle::shape_of(g, true));
  const nn::Params params = model.init(jx::random::PRNGKey(42), x);
  // The parameter itself is stored unmasked, as in Haiku.
  std::vector<double> w = widen(parameter(params, "conv1_d", "w").to_vector<float>());
  EXPECT_NE(w.back(), 0.0);
  for (std::size_t k = 0; k < w.size(); ++k) w[k] *= mask_values[k];
  conv_oracle::expect_close(model.apply(params, std::nullopt, x), conv_oracle::shape_of(g, false),
                            conv_oracle::direct_conv(g, widen(x.to_vector<float>()), w, std::vector<double>(4, 0.0)));
  auto wrong = nn::transform([&](const jx::Array& v) { return nn::Conv1D(4, 2, {.mask = mask})(v); });
  EXPECT_THROW(wrong.init(jx::random::PRNGKey(0), x), jx::ShapeError);
}

TEST(Conv1D, ParameterGradientsMatchTheDirectLoop) {
  // loss = sum(out * r): d loss / d w[k, c, o] = sum over (n, p) of r[n, p, o] * x[n, p * s + k * d - pad, c],
  // d loss / d b[o] = sum over (n, p) of r[n, p, o]. Two groups, stride 2, rate 2, SAME.
  const Geometry g = conv_oracle::padded(Geometry{.batch = 2,
                                                  .in_channels = 4,
                                                  .out_channels = 2,
                                                  .groups = 2,
                                                  .in = {9},
                                                  .kernel = {3},
                                                  .stride = {2},
                                                  .rate = {2}},
                                         "SAME");
  auto model = nn::transform(
      [](const jx::Array& x) { return nn::Conv1D(2, 3, {.stride = {2}, .rate = {2}, .feature_group_count = 2})(x); });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(51), conv_oracle::shape_of(g, true));
  const jx::Array r = jx::random::normal(jx::random::PRNGKey(52), conv_oracle::shape_of(g, false));
  const nn::Params params = model.init(jx::random::PRNGKey(53), x);
  const nn::Params grads =
      jx::grad([&](const nn::Params& p) { return jnp::sum(model.apply(p, std::nullopt, x) * r); })(params);
  EXPECT_EQ(jx::tree::structure(grads), jx::tree::structure(params));
  const std::vector<float> xs = x.to_vector<float>(), rs = r.to_vector<float>();
  std::vector<double> want_w(3 * 2 * 2, 0.0), want_b(2, 0.0);
  for (std::int64_t n = 0; n < 2; ++n) {
    for (std::int64_t p = 0; p < g.out[0]; ++p) {
      for (std::int64_t o = 0; o < 2; ++o) {
        const double weight = rs[static_cast<std::size_t>((n * g.out[0] + p) * 2 + o)];
        want_b[static_cast<std::size_t>(o)] += weight;
        for (std::int64_t k = 0; k < 3; ++k) {
          const std::int64_t at = p * 2 + k * 2 - g.pad_before[0];
          if (at < 0 || at >= 9) continue;
          for (std::int64_t c = 0; c < 2; ++c) {
            want_w[static_cast<std::size_t>((k * 2 + c) * 2 + o)] +=
                weight * xs[static_cast<std::size_t>((n * 9 + at) * 4 + o * 2 + c)];
          }
        }
      }
    }
  }
  conv_oracle::expect_close(parameter(grads, "conv1_d", "w"), jx::Shape({3, 2, 2}), want_w);
  conv_oracle::expect_close(parameter(grads, "conv1_d", "b"), jx::Shape({2}), want_b);
}

TEST(Conv3D, InputGradientsMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  auto model = nn::transform([](const jx::Array& x) {
    return nn::Conv3D(2, 2, {.stride = {1, 2, 1}, .data_format = "NCDHW", .feature_group_count = 2})(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(61), {1, 2, 3, 4, 3}).astype(jx::DType::float64);
  const nn::Params params = model.init(jx::random::PRNGKey(62), x);
  const auto loss = [&](const jx::Array& input) {
    return jnp::sum(jnp::tanh(model.apply(params, std::nullopt, input)));
  };
  jx::test::check_grads(loss, {x}, 2, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
}

TEST(ConvND, ErrorsNameTheModuleAndTheShapes) {
  auto flat = nn::transform([](const jx::Array& x) { return nn::Conv1D(2, 3)(x); });
  try {
    flat.init(jx::random::PRNGKey(0), jnp::ones({5, 3}));
    ADD_FAILURE() << "a 2-d input to Conv1D did not throw";
  } catch (const jx::ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find("Conv1D"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("f32[5,3]"), std::string::npos) << error.what();
  }
  auto volume = nn::transform([](const jx::Array& x) { return nn::Conv3D(2, 3)(x); });
  EXPECT_THROW(volume.init(jx::random::PRNGKey(0), jnp::ones({1, 4, 4, 3})), jx::ShapeError);
  auto grouped = nn::transform([](const jx::Array& x) { return nn::Conv1D(4, 3, {.feature_group_count = 2})(x); });
  EXPECT_THROW(grouped.init(jx::random::PRNGKey(0), jnp::ones({1, 5, 3})), jx::ShapeError);
  EXPECT_THROW(nn::Conv1D(3, 3, {.feature_group_count = 2}), jx::ValueError);  // 3 outputs in 2 groups
  EXPECT_THROW(nn::Conv1D(3, 3, {.feature_group_count = 0}), jx::ValueError);
  EXPECT_THROW(nn::ConvND(0, 2, 3), jx::ValueError);
  EXPECT_THROW(nn::Conv1D(2, {3, 3}), jx::ValueError);
  EXPECT_THROW(nn::Conv3D(2, {3, 3}), jx::ValueError);
  EXPECT_THROW(nn::Conv2D(2, 3, {.stride = {1, 2, 3}}), jx::ValueError);
  EXPECT_THROW(nn::Conv2D(2, 3, {.rate = {0}}), jx::ValueError);
  EXPECT_THROW(nn::Conv1D(2, 3, {.data_format = "NHWC"}), jx::ValueError);
  EXPECT_THROW(nn::ConvND(4, 2, 3, {.data_format = "NHWC"}), jx::ValueError);
  EXPECT_THROW(nn::Conv2D(2, 3, {.padding = {{1, 1}}}), jx::ValueError);  // one pair for two axes
}

}  // namespace nd

}  // namespace
