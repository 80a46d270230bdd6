// Initializers: the variance each promises, on a million draws.
#include "jx/nn/initializers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace init = jx::nn::initializers;

double variance(const jx::Array& x) { return jnp::var(x.astype(jx::float32)).item<float>(); }

TEST(Initializers, VarianceScalingFamilies) {
  const jx::Key key = jx::random::PRNGKey(0);
  const jx::Shape shape{1000, 1000};  // fan_in = fan_out = 1000
  // The variance of a mean of n draws has a relative error ~ sqrt(2/n) = 0.0014; allow 1%.
  EXPECT_NEAR(variance(init::lecun_normal()(key, shape, jx::float32)), 1.0 / 1000, 1e-5);
  EXPECT_NEAR(variance(init::he_normal()(key, shape, jx::float32)), 2.0 / 1000, 2e-5);
  EXPECT_NEAR(variance(init::glorot_uniform()(key, shape, jx::float32)), 1.0 / 1000, 1e-5);
  const jx::Array uniform = init::glorot_uniform()(key, shape, jx::float32);
  EXPECT_LE(jnp::max(jnp::abs(uniform)).item<float>(), std::sqrt(3.0f / 1000));
  // Receptive fields: a 3x3 convolution kernel from 16 to 32 channels has fan_in 144.
  EXPECT_NEAR(variance(init::lecun_normal()(key, {3, 3, 16, 32000}, jx::float32)), 1.0 / 144, 1e-4);
  // Haiku's truncated_normal is not rescaled: the variance of N(0,1) truncated to [-2, 2] is 0.7737.
  EXPECT_NEAR(variance(init::truncated_normal(1.0)(key, shape, jx::float32)), 0.77374, 0.008);
  EXPECT_LE(jnp::max(jnp::abs(init::truncated_normal(0.5)(key, shape, jx::float32))).item<float>(), 1.0f);
  EXPECT_TRUE(jnp::array_equal(init::constant(3.5)(key, {2, 2}, jx::float32), jnp::full({2, 2}, jnp::array(3.5f)))
                  .item<bool>());
  EXPECT_EQ(init::zeros()(key, {3}, jx::int32).dtype(), jx::int32);
}

TEST(Initializers, ConstantsFillTheShapeWithTheirValue) {
  const jx::Key key = jx::random::PRNGKey(0);
  const jx::Array zeros = init::zeros()(key, {2, 3}, jx::float32);
  EXPECT_EQ(zeros.shape(), jx::Shape({2, 3}));
  EXPECT_EQ(zeros.dtype(), jx::float32);
  EXPECT_EQ(zeros.to_vector<float>(), std::vector<float>(6, 0.0f));
  const jx::Array ones = init::ones()(key, {3, 2}, jx::float32);
  EXPECT_EQ(ones.shape(), jx::Shape({3, 2}));
  EXPECT_EQ(ones.dtype(), jx::float32);
  EXPECT_EQ(ones.to_vector<float>(), std::vector<float>(6, 1.0f));
  // In the requested dtype, with the value converted to it; scalars too.
  const jx::Array int_ones = init::ones()(key, {4}, jx::int32);
  EXPECT_EQ(int_ones.dtype(), jx::int32);
  EXPECT_EQ(int_ones.to_vector<int>(), std::vector<int>(4, 1));
  EXPECT_EQ(init::zeros()(key, {3}, jx::int32).to_vector<int>(), std::vector<int>(3, 0));
  const jx::Array constant = init::constant(-2.0)(key, {2, 2}, jx::int32);
  EXPECT_EQ(constant.dtype(), jx::int32);
  EXPECT_EQ(constant.to_vector<int>(), std::vector<int>(4, -2));
  const jx::Array scalar = init::constant(0.25)(key, {}, jx::float32);
  EXPECT_EQ(scalar.shape(), jx::Shape({}));
  EXPECT_EQ(scalar.item<float>(), 0.25f);
  // The key is not used: a different key gives the same values.
  EXPECT_EQ(init::ones()(jx::random::PRNGKey(7), {3, 2}, jx::float32).to_vector<float>(), ones.to_vector<float>());
}

// jax.nn.initializers' names: the aliases draw exactly what the names they stand for draw; JAX's
// normal and uniform keep its small defaults; lecun_uniform has variance 1 / fan_in.
TEST(Initializers, JaxNamesAndAliases) {
  const jx::Key key = jx::random::PRNGKey(3);
  const jx::Shape shape{1000, 1000};
  const auto same = [&](const jx::nn::Initializer& a, const jx::nn::Initializer& b) {
    return jnp::array_equal(a(key, {7, 5}, jx::float32), b(key, {7, 5}, jx::float32)).item<bool>();
  };
  EXPECT_TRUE(same(init::kaiming_normal(), init::he_normal()));
  EXPECT_TRUE(same(init::kaiming_uniform(), init::he_uniform()));
  EXPECT_TRUE(same(init::xavier_normal(), init::glorot_normal()));
  EXPECT_TRUE(same(init::xavier_uniform(), init::glorot_uniform()));
  EXPECT_TRUE(
      same(init::lecun_uniform(), init::variance_scaling(1.0, init::FanMode::fan_in, init::Distribution::uniform)));
  EXPECT_NEAR(variance(init::lecun_uniform()(key, shape, jx::float32)), 1.0 / 1000, 1e-5);
  EXPECT_NEAR(variance(init::glorot_normal()(key, shape, jx::float32)), 1.0 / 1000, 1e-5);
  EXPECT_NEAR(variance(init::he_uniform()(key, shape, jx::float32)), 2.0 / 1000, 2e-5);
  EXPECT_NEAR(variance(init::normal()(key, shape, jx::float32)), 1e-4, 1e-6);
  const jx::Array u = init::uniform()(key, shape, jx::float32);
  EXPECT_GE(jnp::min(u).item<float>(), 0.0f);
  EXPECT_LT(jnp::max(u).item<float>(), 0.01f);
  EXPECT_NEAR(variance(u), 1e-4 / 12, 1e-7);  // U[0, s) has variance s^2 / 12
}

// delta_orthogonal: zero but at the kernel's spatial centre, where the (in, out) slice has orthonormal
// rows (in <= out).
TEST(Initializers, DeltaOrthogonalIsOrthogonalAtTheCentre) {
  const jx::Array w = init::delta_orthogonal()(jx::random::PRNGKey(4), {3, 5, 4, 6}, jx::float32);
  ASSERT_EQ(w.shape(), (jx::Shape{3, 5, 4, 6}));
  const auto values = w.to_vector<float>();
  std::vector<float> centre;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 5; ++j) {
      for (int c = 0; c < 24; ++c) {
        const float v = values[static_cast<std::size_t>((i * 5 + j) * 24 + c)];
        if (i == 1 && j == 2) {
          centre.push_back(v);
        } else {
          EXPECT_EQ(v, 0.0f);
        }
      }
    }
  }
  for (int r = 0; r < 4; ++r) {
    for (int s = 0; s < 4; ++s) {
      double dot = 0;
      for (int c = 0; c < 6; ++c)
        dot += centre[static_cast<std::size_t>(r * 6 + c)] * centre[static_cast<std::size_t>(s * 6 + c)];
      EXPECT_NEAR(dot, r == s ? 1.0 : 0.0, 1e-5);
    }
  }
  EXPECT_THROW(init::delta_orthogonal()(jx::random::PRNGKey(4), {4, 6}, jx::float32), jx::ShapeError);
  EXPECT_THROW(init::delta_orthogonal()(jx::random::PRNGKey(4), {3, 6, 4}, jx::float32), jx::ShapeError);
}

}  // namespace
