// MaxPool and AvgPool, Haiku's pooling modules: values against a direct loop in double precision
// written here, the window and stride shapes Haiku infers (a uniform size, shorter lists, the channel
// axis), SAME averages over real elements only, jit, gradients, and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

using Dims = std::array<std::int64_t, 4>;

std::vector<float> sample(std::size_t n) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(std::sin(1.3 * i) * 4.0 + 0.1 * i);
  return v;
}

// Pooling of a 4-d row-major array with full-rank windows and strides, as lax.reduce_window does with
// "SAME" or "VALID" padding: SAME pads (out - 1) * stride + window - in in total, the smaller half low.
// The average divides by the window size (VALID) or by the real elements covered (SAME).
std::vector<double> pool_reference(const std::vector<float>& x, Dims in, Dims window, Dims strides, bool same,
                                   bool average, Dims& out) {
  Dims low{};
  for (int d = 0; d < 4; ++d) {
    out[d] = same ? (in[d] + strides[d] - 1) / strides[d] : (in[d] - window[d]) / strides[d] + 1;
    low[d] = same ? std::max<std::int64_t>((out[d] - 1) * strides[d] + window[d] - in[d], 0) / 2 : 0;
  }
  std::vector<double> result;
  Dims o{};
  for (o[0] = 0; o[0] < out[0]; ++o[0]) {
    for (o[1] = 0; o[1] < out[1]; ++o[1]) {
      for (o[2] = 0; o[2] < out[2]; ++o[2]) {
        for (o[3] = 0; o[3] < out[3]; ++o[3]) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0, count = 0;
          Dims k{};
          for (k[0] = 0; k[0] < window[0]; ++k[0]) {
            for (k[1] = 0; k[1] < window[1]; ++k[1]) {
              for (k[2] = 0; k[2] < window[2]; ++k[2]) {
                for (k[3] = 0; k[3] < window[3]; ++k[3]) {
                  std::int64_t flat = 0;
                  bool inside = true;
                  for (int d = 0; d < 4; ++d) {
                    const std::int64_t i = o[d] * strides[d] + k[d] - low[d];
                    inside = inside && i >= 0 && i < in[d];
                    flat = flat * in[d] + i;
                  }
                  if (!inside) continue;
                  const double v = x[static_cast<std::size_t>(flat)];
                  best = std::max(best, v);
                  sum += v;
                  count += 1;
                }
              }
            }
          }
          const double window_size = static_cast<double>(window[0] * window[1] * window[2] * window[3]);
          result.push_back(average ? sum / (same ? count : window_size) : best);
        }
      }
    }
  }
  return result;
}

template <class Pool>
jx::Array run(const Pool& make, const jx::Array& x) {
  auto model = nn::transform([&](const jx::Array& v) { return make()(v); });
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(params.as_dict().size(), 0u);
  const jx::Array eager = model.apply(params, std::nullopt, x);
  auto jitted = jx::jit([&](const jx::Array& v) { return model.apply(params, std::nullopt, v); });
  EXPECT_TRUE(jnp::allclose(jitted(x), eager, {.rtol = 1e-6, .atol = 1e-6}).template item<bool>());
  return eager;
}

void expect_pooled(const jx::Array& got, const std::vector<double>& want, Dims out) {
  ASSERT_EQ(got.shape(), jx::Shape({out[0], out[1], out[2], out[3]}));
  const std::vector<float> values = got.to_vector<float>();
  for (std::size_t k = 0; k < values.size(); ++k)
    EXPECT_NEAR(values[k], want[k], 1e-5 * (1 + std::abs(want[k]))) << "at " << k;
}

const Dims kInput{2, 5, 4, 3};  // NHWC

TEST(MaxPool, UniformSizesSkipTheBatchAndChannelAxes) {
  const std::vector<float> values = sample(2 * 5 * 4 * 3);
  const jx::Array x = jnp::array(values, jx::Shape{2, 5, 4, 3});
  Dims out{};
  std::vector<double> want = pool_reference(values, kInput, {1, 2, 2, 1}, {1, 2, 2, 1}, false, false, out);
  expect_pooled(run([] { return nn::MaxPool(2, 2, "VALID"); }, x), want, out);
  want = pool_reference(values, kInput, {1, 3, 3, 1}, {1, 1, 1, 1}, true, false, out);
  expect_pooled(run([] { return nn::MaxPool(3, 1, "SAME"); }, x), want, out);
  // A list for the trailing axes (the batch axis implied), the same windows.
  want = pool_reference(values, kInput, {1, 3, 2, 1}, {1, 2, 1, 1}, true, false, out);
  expect_pooled(run([] { return nn::MaxPool({3, 2, 1}, {2, 1, 1}, "SAME"); }, x), want, out);
}

TEST(AvgPool, SameAveragesOverRealElementsOnly) {
  const std::vector<float> values = sample(2 * 5 * 4 * 3);
  const jx::Array x = jnp::array(values, jx::Shape{2, 5, 4, 3});
  Dims out{};
  std::vector<double> want = pool_reference(values, kInput, {1, 3, 3, 1}, {1, 2, 2, 1}, true, true, out);
  expect_pooled(run([] { return nn::AvgPool(3, 2, "SAME"); }, x), want, out);
  want = pool_reference(values, kInput, {1, 2, 3, 1}, {1, 1, 1, 1}, false, true, out);
  expect_pooled(run([] { return nn::AvgPool({1, 2, 3, 1}, 1, "VALID"); }, x), want, out);
}

TEST(AvgPool, ChannelAxisOneAndNone) {
  // NCHW with channel_axis 1: a uniform size pools H and W.
  const Dims nchw{2, 3, 5, 4};
  const std::vector<float> values = sample(2 * 3 * 5 * 4);
  const jx::Array x = jnp::array(values, jx::Shape{2, 3, 5, 4});
  Dims out{};
  std::vector<double> want = pool_reference(values, nchw, {1, 1, 2, 2}, {1, 1, 2, 2}, true, true, out);
  expect_pooled(run([] { return nn::AvgPool(2, 2, "SAME", {.channel_axis = 1}); }, x), want, out);
  // Without a channel axis every axis but the first is pooled.
  want = pool_reference(values, nchw, {1, 2, 2, 2}, {1, 1, 1, 1}, false, false, out);
  expect_pooled(run([] { return nn::MaxPool(2, 1, "VALID", {.channel_axis = std::nullopt}); }, x), want, out);
}

TEST(AvgPool, GradientSpreadsEachAverageOverItsWindow) {
  // Non-overlapping 2 x 2 windows over a 4 x 4 image: every element gets 1/4 of its window's gradient.
  auto model = nn::transform([](const jx::Array& v) { return nn::AvgPool({2, 2, 1}, {2, 2, 1}, "VALID")(v); });
  const jx::Array x = jnp::array(sample(16), jx::Shape{1, 4, 4, 1});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  const jx::Array weights = jnp::array(std::vector<float>{1.0f, -2.0f, 3.0f, 0.5f}, jx::Shape{1, 2, 2, 1});
  const auto loss = [&](const jx::Array& v) { return jnp::sum(model.apply(params, std::nullopt, v) * weights); };
  const std::vector<float> gradient = jx::jit(jx::grad(loss))(x).to_vector<float>();
  const float w[4] = {1.0f, -2.0f, 3.0f, 0.5f};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      EXPECT_FLOAT_EQ(gradient[static_cast<std::size_t>(i * 4 + j)], w[(i / 2) * 2 + j / 2] / 4);
}

TEST(MaxPool, Errors) {
  EXPECT_THROW(nn::MaxPool(2, 2, "FULL"), jx::ValueError);
  EXPECT_THROW(nn::AvgPool(2, 2, "same"), jx::ValueError);
  auto too_long = nn::transform([](const jx::Array& v) { return nn::MaxPool({1, 2, 2, 1}, 1, "VALID")(v); });
  EXPECT_THROW(too_long.init(jx::random::PRNGKey(0), jnp::ones({4, 4, 1})), jx::ShapeError);
  auto bad_channel =
      nn::transform([](const jx::Array& v) { return nn::AvgPool(2, 1, "VALID", {.channel_axis = 3})(v); });
  EXPECT_THROW(bad_channel.init(jx::random::PRNGKey(0), jnp::ones({1, 4, 4})), jx::ShapeError);
}

}  // namespace
