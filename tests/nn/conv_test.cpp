// Conv2D: parameter names and shapes, values against a direct loop in double precision written here,
// both data formats, strides and dilation, Haiku's default initializer, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "jx/jx.h"
#include "jx/test_util.h"

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

}  // namespace
