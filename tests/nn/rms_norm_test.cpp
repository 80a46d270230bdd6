// RMSNorm against its closed form, computed here in double precision with plain loops (Haiku's
// semantics): x * scale / sqrt(mean(x^2) + eps); parameter shapes for param_axis, the optional offset,
// jit, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/normalization.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

jx::Array parameter(const nn::Params& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

std::vector<float> sample(std::size_t n, double phase) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(1.5 * std::cos(0.61 * i + phase) + 0.02 * i);
  return v;
}

TEST(RMSNorm, LastAxisMatchesTheClosedForm) {
  auto model = nn::transform(
      [](const jx::Array& x) { return nn::RMSNorm(-1, {.scale_init = nn::initializers::random_normal(1.0, 1.0)})(x); });
  const std::int64_t rows = 4, columns = 5;
  const std::vector<float> values = sample(static_cast<std::size_t>(rows * columns), 0.4);
  const jx::Array x = jnp::array(values, jx::Shape{rows, columns});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(params.as_dict().at("rms_norm").as_dict().size(), 1u);  // a scale, no offset
  const jx::Array scale = parameter(params, "rms_norm", "scale");
  ASSERT_EQ(scale.shape(), jx::Shape({5}));
  const std::vector<float> s = scale.to_vector<float>();
  const std::vector<float> y = model.apply(params, std::nullopt, x).to_vector<float>();
  for (std::int64_t r = 0; r < rows; ++r) {
    double squares = 0;
    for (std::int64_t c = 0; c < columns; ++c)
      squares += std::pow(values[static_cast<std::size_t>(r * columns + c)], 2);
    const double inverse = 1.0 / std::sqrt(squares / columns + 1e-5);
    for (std::int64_t c = 0; c < columns; ++c) {
      const std::size_t k = static_cast<std::size_t>(r * columns + c);
      const double want = values[k] * s[static_cast<std::size_t>(c)] * inverse;
      EXPECT_NEAR(y[k], want, 1e-5 * (1 + std::abs(want))) << "at " << k;
    }
  }
  auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); });
  EXPECT_TRUE(jnp::allclose(jitted(params, x), model.apply(params, std::nullopt, x), {.rtol = 1e-5, .atol = 1e-6})
                  .item<bool>());
}

TEST(RMSNorm, SeveralAxesWithFullRankParametersAndAnOffset) {
  // axis {1, 2} over (N, H, W); param_axis {1, 2} stores (1, H, W), as Haiku does for anything but {-1}.
  auto model = nn::transform([](const jx::Array& x) {
    return nn::RMSNorm(std::vector<int>{1, 2}, {.eps = 1e-3f,
                                                .scale_init = nn::initializers::random_normal(1.0, 1.0),
                                                .create_offset = true,
                                                .offset_init = nn::initializers::random_normal(1.0),
                                                .param_axis = std::vector<int>{1, 2}})(x);
  });
  const std::int64_t batch = 2, height = 3, width = 2, per_example = height * width;
  const std::vector<float> values = sample(static_cast<std::size_t>(batch * per_example), 1.3);
  const jx::Array x = jnp::array(values, jx::Shape{batch, height, width});
  const nn::Params params = model.init(jx::random::PRNGKey(2), x);
  const jx::Array scale = parameter(params, "rms_norm", "scale"), offset = parameter(params, "rms_norm", "offset");
  ASSERT_EQ(scale.shape(), jx::Shape({1, 3, 2}));
  ASSERT_EQ(offset.shape(), jx::Shape({1, 3, 2}));
  const std::vector<float> s = scale.to_vector<float>(), o = offset.to_vector<float>();
  const std::vector<float> y = model.apply(params, std::nullopt, x).to_vector<float>();
  for (std::int64_t n = 0; n < batch; ++n) {
    double squares = 0;
    for (std::int64_t i = 0; i < per_example; ++i)
      squares += std::pow(values[static_cast<std::size_t>(n * per_example + i)], 2);
    const double inverse = 1.0 / std::sqrt(squares / per_example + 1e-3);
    for (std::int64_t i = 0; i < per_example; ++i) {
      const std::size_t k = static_cast<std::size_t>(n * per_example + i);
      const double want = values[k] * s[static_cast<std::size_t>(i)] * inverse + o[static_cast<std::size_t>(i)];
      EXPECT_NEAR(y[k], want, 1e-5 * (1 + std::abs(want))) << "at " << k;
    }
  }
}

TEST(RMSNorm, WithoutScaleThereAreNoParameters) {
  auto model = nn::transform([](const jx::Array& x) { return nn::RMSNorm(-1, {.create_scale = false})(x); });
  const jx::Array x = jnp::array({{3.0f, 4.0f}});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_FALSE(params.contains("rms_norm"));
  // rms of (3, 4) is sqrt(12.5).
  const std::vector<float> y = model.apply(params, std::nullopt, x).to_vector<float>();
  EXPECT_NEAR(y[0], 3.0 / std::sqrt(12.5 + 1e-5), 1e-6);
  EXPECT_NEAR(y[1], 4.0 / std::sqrt(12.5 + 1e-5), 1e-6);
}

TEST(RMSNorm, Errors) {
  auto bad_axis = nn::transform([](const jx::Array& x) { return nn::RMSNorm(2)(x); });
  EXPECT_THROW(bad_axis.init(jx::random::PRNGKey(0), jnp::ones({2, 3})), jx::ShapeError);
  auto bad_param_axis =
      nn::transform([](const jx::Array& x) { return nn::RMSNorm(-1, {.param_axis = std::vector<int>{-3}})(x); });
  EXPECT_THROW(bad_param_axis.init(jx::random::PRNGKey(0), jnp::ones({2, 3})), jx::ShapeError);
  EXPECT_THROW(nn::RMSNorm(-1, {.scale_init = nn::initializers::ones(), .create_scale = false}), jx::ValueError);
  EXPECT_THROW(nn::RMSNorm(-1, {.offset_init = nn::initializers::ones()}), jx::ValueError);
}

}  // namespace
