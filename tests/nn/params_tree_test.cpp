// EMAParamsTree and SNParamsTree: the averages against the closed form of an exponential moving
// average computed here in double precision, spectral normalization against NumPy's largest singular
// value, the module names Haiku gives each parameter, ignore_regex, jit, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/normalization.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
using Tree = jx::tree::Tree;

const jx::Array& entry(const Tree& t, const std::string& module, const std::string& name) {
  return t.as_dict().at(module).as_dict().at(name).array();
}

// A tree as transform's init returns one: module -> name -> array.
nn::Params parameters(const jx::Array& w, const jx::Array& b, const jx::Array& extra) {
  return Tree::dict(
      {{"linear", Tree::dict({{"w", Tree(w)}, {"b", Tree(b)}})}, {"~", Tree::dict({{"x", Tree(extra)}})}});
}

TEST(EMAParamsTree, AveragesEveryParameterUnderItsOwnName) {
  auto ema = nn::transform_with_state([](const nn::Params& p) { return nn::EMAParamsTree(0.8f)(p); });
  const std::vector<float> w0{1.0f, -2.0f, 3.0f, 0.5f, 0.0f, 4.0f}, b0{2.0f, -1.0f, 0.25f};
  auto at_step = [&](int t) {
    return parameters(jnp::array(w0, jx::Shape{2, 3}) * static_cast<float>(t), jnp::array(b0) - static_cast<float>(t),
                      jnp::array(static_cast<float>(t * t)));
  };
  auto [no_params, state] = ema.init(jx::random::PRNGKey(0), at_step(1));
  EXPECT_EQ(no_params.as_dict().size(), 0u);
  // One ExponentialMovingAverage per parameter, named after its path ("/" -> "__", "~" -> "_tilde_").
  ASSERT_TRUE(state.contains("ema_params_tree/linear__w"));
  ASSERT_TRUE(state.contains("ema_params_tree/linear__b"));
  ASSERT_TRUE(state.contains("ema_params_tree/_tilde___x"));
  auto step =
      jx::jit([&](const nn::State& s, const nn::Params& p) { return ema.apply(no_params, s, std::nullopt, p); });
  // Closed form: hidden_t = 0.8 hidden_{t-1} + 0.2 v_t, average_t = hidden_t / (1 - 0.8^t).
  std::vector<double> hidden_w(6, 0.0), hidden_b(3, 0.0);
  double hidden_x = 0;
  for (int t = 1; t <= 4; ++t) {
    auto [averaged, next] = step(state, at_step(t));
    state = next;
    const double debias = 1 - std::pow(0.8, t);
    const std::vector<float> w = entry(averaged, "linear", "w").to_vector<float>();
    const std::vector<float> b = entry(averaged, "linear", "b").to_vector<float>();
    for (std::size_t k = 0; k < 6; ++k) {
      hidden_w[k] = 0.8 * hidden_w[k] + 0.2 * w0[k] * t;
      EXPECT_NEAR(w[k], hidden_w[k] / debias, 1e-5 * (1 + std::abs(hidden_w[k] / debias))) << "step " << t;
    }
    for (std::size_t k = 0; k < 3; ++k) {
      hidden_b[k] = 0.8 * hidden_b[k] + 0.2 * (b0[k] - t);
      EXPECT_NEAR(b[k], hidden_b[k] / debias, 1e-5 * (1 + std::abs(hidden_b[k] / debias))) << "step " << t;
    }
    hidden_x = 0.8 * hidden_x + 0.2 * t * t;
    EXPECT_NEAR(entry(averaged, "~", "x").item<float>(), hidden_x / debias, 1e-5 * (1 + hidden_x / debias));
    EXPECT_EQ(entry(state, "ema_params_tree/linear__w", "counter").item<int>(), t);
  }
}

TEST(EMAParamsTree, IgnoredParametersPassThroughAndWarmupStartsAtTheValue) {
  auto ema = nn::transform_with_state([](const nn::Params& p) {
    return nn::EMAParamsTree(0.5f, {.zero_debias = false, .warmup_length = 2, .ignore_regex = "linear/(w|b)"})(p);
  });
  auto at_step = [](int t) {
    return parameters(jnp::full({2, 2}, static_cast<float>(t)), jnp::full({2}, static_cast<float>(t)),
                      jnp::array(static_cast<float>(10 * t)));
  };
  auto [no_params, state] = ema.init(jx::random::PRNGKey(0), at_step(1));
  EXPECT_FALSE(state.contains("ema_params_tree/linear__w"));
  EXPECT_FALSE(state.contains("ema_params_tree/linear__b"));
  // The counter starts at -warmup_length; while it is not positive the decay is 0, so the average is
  // the latest value; then hidden = 0.5 hidden + 0.5 value, undebiased.
  double hidden = 0;
  for (int t = 1; t <= 4; ++t) {
    auto [averaged, next] = ema.apply(no_params, state, std::nullopt, at_step(t));
    state = next;
    const double decay = t - 2 <= 0 ? 0.0 : 0.5;
    hidden = decay * hidden + (1 - decay) * 10 * t;
    EXPECT_NEAR(entry(averaged, "~", "x").item<float>(), hidden, 1e-4) << "step " << t;
    EXPECT_TRUE(
        jnp::array_equal(entry(averaged, "linear", "w"), jnp::full({2, 2}, static_cast<float>(t))).item<bool>());
  }
}

TEST(EMAParamsTree, Errors) {
  EXPECT_THROW(nn::EMAParamsTree(0.9f, {.warmup_length = 3}), jx::ValueError);  // needs zero_debias = false
  EXPECT_THROW(nn::EMAParamsTree(0.9f, {.zero_debias = false, .warmup_length = -1}), jx::ValueError);
  EXPECT_THROW(nn::EMAParamsTree(1.5f), jx::ValueError);
  auto bad_regex =
      nn::transform_with_state([](const nn::Params& p) { return nn::EMAParamsTree(0.9f, {.ignore_regex = "("})(p); });
  EXPECT_THROW(bad_regex.init(jx::random::PRNGKey(0), parameters(jnp::ones({2}), jnp::ones({2}), jnp::ones({}))),
               jx::ValueError);
  auto not_a_tree = nn::transform_with_state([](const jx::Array& x) { return nn::EMAParamsTree(0.9f)(Tree(x)); });
  EXPECT_THROW(not_a_tree.init(jx::random::PRNGKey(0), jnp::ones({2})), jx::TreeError);
}

// The 4 x 3 matrix of spectral_norm_test.cpp; its largest singular value from NumPy:
//   python3 -c "import numpy as np
//   w = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0], [-0.5, 1.5, 2.0], [2.0, -1.0, 1.0]])
//   print('%.12f' % np.linalg.svd(w, compute_uv=False)[0])"   # 4.043985217105
const std::vector<float> kMatrix{1.0f, -2.0f, 0.5f, 3.0f, 0.25f, -1.0f, -0.5f, 1.5f, 2.0f, 2.0f, -1.0f, 1.0f};
constexpr double kMatrixLargestSingularValue = 4.043985217105;

TEST(SNParamsTree, NormalizesMatricesAndLeavesIgnoredOnes) {
  auto sn = nn::transform_with_state(
      [](const nn::Params& p) { return nn::SNParamsTree({.n_steps = 60, .ignore_regex = ".*/b$"})(p); });
  const jx::Array w = jnp::array(kMatrix, jx::Shape{4, 3}), b = jnp::array({1.0f, 2.0f, 3.0f});
  const jx::Array x = jnp::array(kMatrix, jx::Shape{2, 6});
  const nn::Params params = parameters(w, b, x);
  auto [no_params, state] = sn.init(jx::random::PRNGKey(0), params);
  // One SpectralNorm per matrix, named after its path ("/" -> "__", "~" -> "_tilde").
  ASSERT_TRUE(state.contains("sn_params_tree/linear__w"));
  ASSERT_TRUE(state.contains("sn_params_tree/_tilde__x"));
  EXPECT_FALSE(state.contains("sn_params_tree/linear__b"));
  EXPECT_EQ(entry(state, "sn_params_tree/linear__w", "u0").shape(), jx::Shape({1, 3}));
  auto [normalized, next] = sn.apply(no_params, state, std::nullopt, params);
  EXPECT_TRUE(jnp::array_equal(entry(normalized, "linear", "b"), b).item<bool>());
  EXPECT_NEAR(entry(next, "sn_params_tree/linear__w", "sigma").item<float>(), kMatrixLargestSingularValue,
              1e-4 * kMatrixLargestSingularValue);
  const std::vector<float> got = entry(normalized, "linear", "w").to_vector<float>();
  for (std::size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], kMatrix[k] / kMatrixLargestSingularValue, 1e-4);
  // Under jit, the same.
  auto jitted =
      jx::jit([&](const nn::State& s, const nn::Params& p) { return sn.apply(no_params, s, std::nullopt, p); });
  EXPECT_TRUE(jnp::allclose(entry(jitted(state, params).first, "linear", "w"), entry(normalized, "linear", "w"),
                            {.rtol = 1e-5, .atol = 1e-6})
                  .item<bool>());
}

TEST(SNParamsTree, VectorsMustBeIgnored) {
  // As in Haiku, a bias left in the tree is an error: spectral norms are for matrices.
  auto sn = nn::transform_with_state([](const nn::Params& p) { return nn::SNParamsTree()(p); });
  const nn::Params params = parameters(jnp::ones({4, 3}), jnp::ones({3}), jnp::ones({2, 2}));
  EXPECT_THROW(sn.init(jx::random::PRNGKey(0), params), jx::ShapeError);
}

}  // namespace
