// SpectralNorm: one power iteration step against the same step computed here in double precision from
// the module's state, convergence to the largest singular value from NumPy, higher-rank inputs, the
// state it keeps, its gradient (a closed form), jit, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/normalization.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

const jx::Array& state_entry(const nn::State& state, const std::string& module, const std::string& name) {
  return state.as_dict().at(module).as_dict().at(name).array();
}

// 4 x 3, and 3 x 2. Their largest singular values, from NumPy:
//   python3 -c "import numpy as np
//   w = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0], [-0.5, 1.5, 2.0], [2.0, -1.0, 1.0]])
//   print('%.12f' % np.linalg.svd(w, compute_uv=False)[0])              # 4.043985217105
//   w2 = np.array([[0.3, 1.2], [-0.7, 0.4], [2.5, -1.1]])
//   print('%.12f' % np.linalg.svd(w2, compute_uv=False)[0])"            # 2.856922362612
const std::vector<float> kMatrix{1.0f, -2.0f, 0.5f, 3.0f, 0.25f, -1.0f, -0.5f, 1.5f, 2.0f, 2.0f, -1.0f, 1.0f};
constexpr double kMatrixLargestSingularValue = 4.043985217105;
const std::vector<float> kSmallMatrix{0.3f, 1.2f, -0.7f, 0.4f, 2.5f, -1.1f};
constexpr double kSmallMatrixLargestSingularValue = 2.856922362612;

struct Step {
  std::vector<double> u, v;
  double sigma;
};

// Haiku's step: v = l2n(u W^T), u = l2n(v W), sigma = v W u^T, with l2n(x) = x / sqrt(|x|^2 + eps).
Step power_step(const std::vector<float>& w, int rows, int columns, const std::vector<double>& u, double eps) {
  Step s{std::vector<double>(static_cast<std::size_t>(columns)), std::vector<double>(static_cast<std::size_t>(rows)),
         0};
  auto at = [&](int r, int c) { return static_cast<double>(w[static_cast<std::size_t>(r * columns + c)]); };
  double norm = 0;
  for (int r = 0; r < rows; ++r) {
    double dot = 0;
    for (int c = 0; c < columns; ++c) dot += u[static_cast<std::size_t>(c)] * at(r, c);
    s.v[static_cast<std::size_t>(r)] = dot;
    norm += dot * dot;
  }
  for (double& x : s.v) x /= std::sqrt(norm + eps);
  norm = 0;
  for (int c = 0; c < columns; ++c) {
    double dot = 0;
    for (int r = 0; r < rows; ++r) dot += s.v[static_cast<std::size_t>(r)] * at(r, c);
    s.u[static_cast<std::size_t>(c)] = dot;
    norm += dot * dot;
  }
  for (double& x : s.u) x /= std::sqrt(norm + eps);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < columns; ++c)
      s.sigma += s.v[static_cast<std::size_t>(r)] * at(r, c) * s.u[static_cast<std::size_t>(c)];
  return s;
}

std::vector<double> as_doubles(const jx::Array& x) {
  const std::vector<float> values = x.to_vector<float>();
  return {values.begin(), values.end()};
}

auto spectral_norm_model(int n_steps = 1) {
  return nn::transform_with_state([n_steps](const jx::Array& w, bool update_stats) {
    return nn::SpectralNorm({.n_steps = n_steps})(w, update_stats);
  });
}

TEST(SpectralNorm, OneStepMatchesThePowerIterationFromItsState) {
  auto model = spectral_norm_model();
  const jx::Array w = jnp::array(kMatrix, jx::Shape{4, 3});
  auto [params, state] = model.init(jx::random::PRNGKey(0), w, true);
  EXPECT_EQ(params.as_dict().size(), 0u);
  // The state: u0 (1, columns), drawn at init, and the estimate sigma.
  const jx::Array u0 = state_entry(state, "spectral_norm", "u0");
  ASSERT_EQ(u0.shape(), jx::Shape({1, 3}));
  EXPECT_EQ(state_entry(state, "spectral_norm", "sigma").shape(), jx::Shape({}));
  const Step step = power_step(kMatrix, 4, 3, as_doubles(u0), 1e-4);
  auto [normalized, next] = model.apply(params, state, std::nullopt, w, true);
  ASSERT_EQ(normalized.shape(), jx::Shape({4, 3}));
  const std::vector<float> got = normalized.to_vector<float>();
  for (std::size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], kMatrix[k] / step.sigma, 1e-5) << "at " << k;
  EXPECT_NEAR(state_entry(next, "spectral_norm", "sigma").item<float>(), step.sigma, 1e-5 * step.sigma);
  const std::vector<float> u1 = state_entry(next, "spectral_norm", "u0").to_vector<float>();
  for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(u1[c], step.u[c], 1e-5);
  // Without update_stats the output is the same and the state is not.
  auto [same, unchanged] = model.apply(params, state, std::nullopt, w, false);
  EXPECT_TRUE(jnp::allclose(same, normalized).item<bool>());
  EXPECT_TRUE(jnp::array_equal(state_entry(unchanged, "spectral_norm", "u0"), u0).item<bool>());
  // The same under jit.
  auto jitted =
      jx::jit([&](const nn::State& s, const jx::Array& v) { return model.apply(params, s, std::nullopt, v, true); });
  auto [jitted_out, jitted_state] = jitted(state, w);
  EXPECT_TRUE(jnp::allclose(jitted_out, normalized, {.rtol = 1e-5, .atol = 1e-6}).item<bool>());
  EXPECT_NEAR(state_entry(jitted_state, "spectral_norm", "sigma").item<float>(), step.sigma, 1e-5 * step.sigma);
}

TEST(SpectralNorm, StepsAcrossCallsConvergeToTheLargestSingularValue) {
  auto model = spectral_norm_model();
  const jx::Array w = jnp::array(kMatrix, jx::Shape{4, 3});
  auto [params, state] = model.init(jx::random::PRNGKey(1), w, true);
  auto step = jx::jit([&](const nn::State& s) { return model.apply(params, s, std::nullopt, w, true); });
  jx::Array out;
  for (int i = 0; i < 40; ++i) std::tie(out, state) = step(state);
  const double sigma = state_entry(state, "spectral_norm", "sigma").item<float>();
  // eps = 1e-4 under the square roots biases the estimate by about eps / sigma^2 relative.
  EXPECT_NEAR(sigma, kMatrixLargestSingularValue, 1e-4 * kMatrixLargestSingularValue);
  const std::vector<float> got = out.to_vector<float>();
  for (std::size_t k = 0; k < got.size(); ++k)
    EXPECT_NEAR(got[k], kMatrix[k] / kMatrixLargestSingularValue, 1e-4) << "at " << k;
}

TEST(SpectralNorm, ManyStepsInOneCall) {
  auto model = spectral_norm_model(60);
  const jx::Array w = jnp::array(kSmallMatrix, jx::Shape{3, 2});
  auto [params, state] = model.init(jx::random::PRNGKey(2), w, true);
  auto [out, next] = model.apply(params, state, std::nullopt, w, true);
  EXPECT_NEAR(state_entry(next, "spectral_norm", "sigma").item<float>(), kSmallMatrixLargestSingularValue,
              1e-4 * kSmallMatrixLargestSingularValue);
}

TEST(SpectralNorm, HigherRankInputsAreMatricesOfTheirLastAxis) {
  auto model = spectral_norm_model(60);
  const jx::Array w = jnp::array(kMatrix, jx::Shape{2, 2, 3});  // the 4 x 3 matrix, rows split in two
  auto [params, state] = model.init(jx::random::PRNGKey(3), w, true);
  EXPECT_EQ(state_entry(state, "spectral_norm", "u0").shape(), jx::Shape({1, 3}));
  auto [out, next] = model.apply(params, state, std::nullopt, w, true);
  ASSERT_EQ(out.shape(), jx::Shape({2, 2, 3}));
  EXPECT_NEAR(state_entry(next, "spectral_norm", "sigma").item<float>(), kMatrixLargestSingularValue,
              1e-4 * kMatrixLargestSingularValue);
}

TEST(SpectralNorm, SigmaReadsTheKeptEstimate) {
  auto model = nn::transform_with_state([](const jx::Array& w) {
    const nn::SpectralNorm norm;
    norm(w);
    return norm.sigma();
  });
  const jx::Array w = jnp::array(kMatrix, jx::Shape{4, 3});
  auto [params, state] = model.init(jx::random::PRNGKey(4), w);
  const Step step = power_step(kMatrix, 4, 3, as_doubles(state_entry(state, "spectral_norm", "u0")), 1e-4);
  EXPECT_NEAR(model.apply(params, state, std::nullopt, w).first.item<float>(), step.sigma, 1e-5 * step.sigma);
}

TEST(SpectralNorm, GradientTreatsTheSingularVectorsAsConstants) {
  // f(W) = sum(W) / sigma with sigma = v W u^T and u, v held: df/dW = 1 / sigma - sum(W) v^T u / sigma^2.
  auto model = spectral_norm_model();
  const jx::Array w = jnp::array(kMatrix, jx::Shape{4, 3});
  auto [params, state] = model.init(jx::random::PRNGKey(5), w, true);
  const Step step = power_step(kMatrix, 4, 3, as_doubles(state_entry(state, "spectral_norm", "u0")), 1e-4);
  const auto loss = [&](const jx::Array& x) {
    return jnp::sum(model.apply(params, state, std::nullopt, x, true).first);
  };
  const std::vector<float> gradient = jx::grad(loss)(w).to_vector<float>();
  double total = 0;
  for (float x : kMatrix) total += x;
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 3; ++c) {
      const double want = 1.0 / step.sigma - total * step.v[static_cast<std::size_t>(r)] *
                                                 step.u[static_cast<std::size_t>(c)] / (step.sigma * step.sigma);
      EXPECT_NEAR(gradient[static_cast<std::size_t>(r * 3 + c)], want, 1e-5) << "at " << r << ", " << c;
    }
  }
}

TEST(SpectralNorm, Errors) {
  auto model = spectral_norm_model();
  EXPECT_THROW(model.init(jx::random::PRNGKey(0), jnp::ones({3}), true), jx::ShapeError);
  EXPECT_THROW(model.init(jx::random::PRNGKey(0), jnp::ones({}), true), jx::ShapeError);
  auto strict = nn::transform_with_state([](const jx::Array& w) { return nn::SpectralNorm()(w, true, true); });
  EXPECT_THROW(strict.init(jx::random::PRNGKey(0), jnp::ones({2, 2, 3})), jx::ShapeError);
  EXPECT_THROW(nn::SpectralNorm({.n_steps = 0}), jx::ValueError);
  // State outside transform_with_state.
  auto stateless = nn::transform([](const jx::Array& w) { return nn::SpectralNorm()(w); });
  EXPECT_THROW(stateless.init(jx::random::PRNGKey(0), jnp::ones({2, 3})), jx::ValueError);
}

}  // namespace
