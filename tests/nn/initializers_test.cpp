// Initializers: the variance each promises, on a million draws.
#include "jx/nn/initializers.h"

#include <gtest/gtest.h>

#include <cmath>

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
  EXPECT_TRUE(jnp::array_equal(init::constant(3.5)(key, {2, 2}, jx::float32), jnp::full({2, 2}, jnp::array(3.5f))).item<bool>());
  EXPECT_EQ(init::zeros()(key, {3}, jx::int32).dtype(), jx::int32);
}

}  // namespace
