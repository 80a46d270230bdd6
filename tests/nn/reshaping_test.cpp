// Bias, Reshape, Flatten, BatchApply and expand_apply (Haiku's semantics): shapes as Haiku's own
// docstrings give them, values against plain loops in double precision, parameter names and shapes,
// jit, and errors.
#include "jx/nn/reshaping.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "error_expectations.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

jx::Array parameter(const nn::Params& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

std::vector<float> iota(std::size_t n, float step = 1.0f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i) * step - 3.0f;
  return v;
}

jx::Shape bias_shape(const nn::BiasOptions& options, const jx::Array& x) {
  auto model = nn::transform([options](const jx::Array& v) { return nn::Bias(options)(v); });
  return parameter(model.init(jx::random::PRNGKey(0), x), "bias", "b").shape();
}

TEST(Bias, ShapesFollowBiasDims) {
  // Haiku's docstring examples: N, H, W, C = 1, 2, 3, 4.
  const jx::Array x = jnp::ones({1, 2, 3, 4});
  EXPECT_EQ(bias_shape({}, x), jx::Shape({2, 3, 4}));
  EXPECT_EQ(bias_shape({.bias_dims = std::vector<int>{}}, x), jx::Shape({}));
  EXPECT_EQ(bias_shape({.bias_dims = std::vector<int>{-1}}, x), jx::Shape({4}));
  EXPECT_EQ(bias_shape({.bias_dims = std::vector<int>{1}}, x), jx::Shape({2, 1, 1}));
  EXPECT_EQ(bias_shape({.bias_dims = std::vector<int>{1, 3}}, x), jx::Shape({2, 1, 4}));
  EXPECT_EQ(bias_shape({.output_size = std::vector<std::int64_t>{2, 3, 4}}, x), jx::Shape({2, 3, 4}));
}

TEST(Bias, AddsTheBiasBroadcastAndScaledByTheMultiplier) {
  auto model = nn::transform([](const jx::Array& x, const jx::Array& multiplier) {
    const nn::Bias bias({.bias_dims = std::vector<int>{1}, .b_init = nn::initializers::random_normal(1.0)});
    return std::tuple{bias(x), bias(x, multiplier)};
  });
  const std::vector<float> values = iota(2 * 3 * 4, 0.5f);
  const jx::Array x = jnp::array(values, jx::Shape{2, 3, 4});
  const nn::Params params = model.init(jx::random::PRNGKey(3), x, jnp::array(-2.0f));
  // One module called twice: one parameter, of shape (3, 1).
  const std::vector<float> b = parameter(params, "bias", "b").to_vector<float>();
  ASSERT_EQ(b.size(), 3u);
  auto [added, scaled] = model.apply(params, std::nullopt, x, jnp::array(-2.0f));
  const std::vector<float> got = added.to_vector<float>(), got_scaled = scaled.to_vector<float>();
  for (std::size_t n = 0; n < 2; ++n) {
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = 0; j < 4; ++j) {
        const std::size_t k = (n * 3 + i) * 4 + j;
        EXPECT_NEAR(got[k], static_cast<double>(values[k]) + b[i], 1e-6);
        EXPECT_NEAR(got_scaled[k], static_cast<double>(values[k]) - 2.0 * b[i], 1e-6);
      }
    }
  }
}

TEST(Bias, Errors) {
  const nn::BiasOptions batch_axis{.bias_dims = std::vector<int>{0}};
  EXPECT_THROW(bias_shape(batch_axis, jnp::ones({2, 3})), jx::ShapeError);
  EXPECT_THROW(bias_shape({.bias_dims = std::vector<int>{2}}, jnp::ones({2, 3})), jx::ShapeError);
  EXPECT_THROW(bias_shape({}, jnp::ones({3})), jx::ShapeError);
  jx_test::expect_error<jx::ShapeError>(
      [] {
        bias_shape({.output_size = std::vector<std::int64_t>{4}}, jnp::ones({2, 3}));
      },
      {"Bias", "(-1, 4)", "f32[2,3]"});
}

jx::Shape reshaped(const std::vector<std::int64_t>& output_shape, int preserve_dims, const jx::Array& x) {
  auto model =
      nn::transform([&](const jx::Array& v) { return nn::Reshape(output_shape, {.preserve_dims = preserve_dims})(v); });
  return model.apply(model.init(jx::random::PRNGKey(0), x), std::nullopt, x).shape();
}

TEST(Reshape, ShapesAsHaikusDocstring) {
  // B, H, W, C, D = 1, 2, 3, 4, 5.
  const jx::Array x = jnp::ones({1, 2, 3, 4, 5});
  EXPECT_EQ(reshaped({-1, 5}, 1, x), jx::Shape({1, 24, 5}));
  EXPECT_EQ(reshaped({-1, 5}, 2, x), jx::Shape({1, 2, 12, 5}));
  EXPECT_EQ(reshaped({-1, 5}, 3, x), jx::Shape({1, 2, 3, 4, 5}));
  EXPECT_EQ(reshaped({-1, 5}, 4, x), jx::Shape({1, 2, 3, 4, 1, 5}));
  EXPECT_EQ(reshaped({-1, 5}, -3, x), jx::Shape({1, 2, 12, 5}));
  EXPECT_EQ(reshaped({-1, 5}, -3, jnp::ones({2, 3, 4, 5})), jx::Shape({2, 12, 5}));
  EXPECT_EQ(reshaped({4, 6}, 1, jnp::ones({3, 2, 12})), jx::Shape({3, 4, 6}));
  // No more axes than preserve_dims: unchanged.
  EXPECT_EQ(reshaped({-1}, 2, jnp::ones({3, 2})), jx::Shape({3, 2}));
}

TEST(Reshape, KeepsTheRowMajorOrderUnderJit) {
  const std::vector<float> values = iota(2 * 3 * 4);
  const jx::Array x = jnp::array(values, jx::Shape{2, 3, 4});
  auto model = nn::transform([](const jx::Array& v) { return nn::Reshape({2, -1}, {.preserve_dims = 1})(v); });
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  auto jitted = jx::jit([&](const jx::Array& v) { return model.apply(params, std::nullopt, v); });
  const jx::Array y = jitted(x);
  EXPECT_EQ(y.shape(), jx::Shape({2, 2, 6}));
  EXPECT_EQ(y.to_vector<float>(), values);
}

TEST(Reshape, Errors) {
  EXPECT_THROW(nn::Reshape({-1}, {.preserve_dims = 0}), jx::ValueError);
  EXPECT_THROW(nn::Reshape({-1, -1}), jx::ValueError);
  EXPECT_THROW(nn::Reshape({-2, 3}), jx::ValueError);
  jx_test::expect_error<jx::ShapeError>([] { reshaped({-1, 5}, 1, jnp::ones({2, 3, 4})); }, {"Reshape", "f32[2,3,4]"});
  EXPECT_THROW(reshaped({5, 3}, 1, jnp::ones({2, 3, 4})), jx::ShapeError);
}

jx::Shape flattened(int preserve_dims, const jx::Array& x) {
  auto model = nn::transform([&](const jx::Array& v) { return nn::Flatten({.preserve_dims = preserve_dims})(v); });
  return model.apply(model.init(jx::random::PRNGKey(0), x), std::nullopt, x).shape();
}

TEST(Flatten, ShapesAsHaikusDocstring) {
  EXPECT_EQ(flattened(1, jnp::ones({3, 2, 4})), jx::Shape({3, 8}));
  EXPECT_EQ(flattened(1, jnp::ones({3})), jx::Shape({3}));
  EXPECT_EQ(flattened(-2, jnp::ones({3, 2, 4})), jx::Shape({3, 8}));
  EXPECT_EQ(flattened(-2, jnp::ones({2, 4})), jx::Shape({8}));
  EXPECT_EQ(flattened(2, jnp::ones({3, 2, 4, 5})), jx::Shape({3, 2, 20}));
  EXPECT_THROW(nn::Flatten({.preserve_dims = 0}), jx::ValueError);
}

TEST(BatchApply, AppliesALinearLayerToEveryTimeStep) {
  // (T, B, F) = (3, 2, 4) through Linear(5), which sees (6, 4).
  auto model = nn::transform([](const jx::Array& x) {
    return nn::BatchApply([](const jx::Array& v) {
      EXPECT_EQ(v.shape(), jx::Shape({6, 4}));
      return nn::Linear(5, {.b_init = nn::initializers::random_normal(1.0)})(v);
    })(x);
  });
  const std::vector<float> values = iota(3 * 2 * 4, 0.25f);
  const jx::Array x = jnp::array(values, jx::Shape{3, 2, 4});
  const nn::Params params = model.init(jx::random::PRNGKey(1), x);
  const std::vector<float> w = parameter(params, "linear", "w").to_vector<float>();
  const std::vector<float> b = parameter(params, "linear", "b").to_vector<float>();
  const jx::Array y = model.apply(params, std::nullopt, x);
  ASSERT_EQ(y.shape(), jx::Shape({3, 2, 5}));
  const std::vector<float> got = y.to_vector<float>();
  for (std::size_t row = 0; row < 6; ++row) {
    for (std::size_t o = 0; o < 5; ++o) {
      double want = b[o];
      for (std::size_t i = 0; i < 4; ++i) want += static_cast<double>(values[row * 4 + i]) * w[i * 5 + o];
      EXPECT_NEAR(got[row * 5 + o], want, 1e-5 * (1 + std::abs(want)));
    }
  }
}

TEST(BatchApply, SeveralArgumentsAndResultsUnderJit) {
  // The second argument has fewer than num_dims axes: it passes unmerged. The int is not an array.
  const auto f = [](const jx::Array& a, const jx::Array& shift, int factor) {
    EXPECT_EQ(a.shape(), jx::Shape({6, 2}));
    EXPECT_EQ(shift.shape(), jx::Shape({2}));
    return std::tuple{a + shift, jnp::sum(a, 1) * static_cast<float>(factor)};
  };
  const std::vector<float> values = iota(3 * 2 * 2);
  const jx::Array a = jnp::array(values, jx::Shape{3, 2, 2}), shift = jnp::array({10.0f, 20.0f});
  auto jitted = jx::jit([&](const jx::Array& x, const jx::Array& s) { return nn::BatchApply(f)(x, s, 3); });
  auto [shifted, sums] = jitted(a, shift);
  ASSERT_EQ(shifted.shape(), jx::Shape({3, 2, 2}));
  ASSERT_EQ(sums.shape(), jx::Shape({3, 2}));
  const std::vector<float> got = shifted.to_vector<float>(), got_sums = sums.to_vector<float>();
  for (std::size_t k = 0; k < values.size(); ++k) EXPECT_FLOAT_EQ(got[k], values[k] + (k % 2 == 0 ? 10.0f : 20.0f));
  for (std::size_t k = 0; k < 6; ++k) EXPECT_FLOAT_EQ(got_sums[k], 3.0f * (values[2 * k] + values[2 * k + 1]));
  // num_dims 3 folds all three leading axes.
  const jx::Array folded = nn::BatchApply([](const jx::Array& v) { return v * 2.0f; }, 3)(a);
  EXPECT_EQ(folded.shape(), jx::Shape({3, 2, 2}));
  jx_test::expect_error<jx::ValueError>([&] { nn::BatchApply([](const jx::Array& v) { return v; }, 4)(a); },
                                        {"BatchApply", "4"});
}

TEST(ExpandApply, AddsAndRemovesAUnitAxis) {
  const jx::Array x = jnp::array(iota(6), jx::Shape{2, 3});
  const auto leading = nn::expand_apply([](const jx::Array& v) {
    EXPECT_EQ(v.shape(), jx::Shape({1, 2, 3}));
    return jnp::cumsum(v, 0) * 2.0f;
  });
  const jx::Array y = leading(x);
  EXPECT_EQ(y.shape(), jx::Shape({2, 3}));
  EXPECT_TRUE(jnp::array_equal(y, x * 2.0f).item<bool>());
  const auto trailing = nn::expand_apply(
      [](const jx::Array& v, const jx::Array& w) {
        EXPECT_EQ(v.shape(), jx::Shape({2, 3, 1}));
        return std::pair{v + w, v};
      },
      -1);
  auto [sum, same] = trailing(x, x);
  EXPECT_TRUE(jnp::array_equal(sum, x * 2.0f).item<bool>());
  EXPECT_EQ(same.shape(), jx::Shape({2, 3}));
  EXPECT_THROW(nn::expand_apply([](const jx::Array& v) { return v; }, 1), jx::ValueError);
}

TEST(ShapeHelpers, MergeAndSplitLeadingDims) {
  const jx::Array x = jnp::ones({2, 3, 4});
  EXPECT_EQ(nn::merge_leading_dims(x, 2).shape(), jx::Shape({6, 4}));
  EXPECT_EQ(nn::merge_leading_dims(x, 4).shape(), jx::Shape({2, 3, 4}));
  EXPECT_EQ(nn::split_leading_dim(jnp::ones({6, 4}), jx::Shape{2, 3}).shape(), jx::Shape({2, 3, 4}));
  EXPECT_THROW(nn::split_leading_dim(jnp::ones({5, 4}), jx::Shape{2, 3}), jx::ShapeError);
}

}  // namespace
