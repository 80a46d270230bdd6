// jnp::isclose and jnp::allclose against NumPy's definition, |x - y| <= atol + rtol * |y|, written out
// for each case (the differential tests cover the rest of numpy_elementwise.cpp).
#include <gtest/gtest.h>

#include <limits>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(IsClose, ToleranceInfinitiesAndNaN) {
  const jx::Array x = jnp::array({1.0f, 1.0f, 100.0f, kInf, kInf, kNaN, 0.0f});
  const jx::Array y = jnp::array({1.0f + 1e-6f, 1.1f, 100.0009f, kInf, -kInf, kNaN, 1e-9f});
  // 1e-6 <= 1e-8 + 1e-5; 0.1 is not; 0.0009 <= 1e-8 + 1e-3; inf == inf; inf != -inf; NaN never (by
  // default); 1e-9 <= 1e-8.
  const std::vector<bool> expected{true, false, true, true, false, false, true};
  const std::vector<bool> actual = jnp::isclose(x, y).to_vector<bool>();
  EXPECT_EQ(actual, expected);
  EXPECT_TRUE(jnp::isclose(x, y, {.equal_nan = true}).to_vector<bool>()[5]);
  EXPECT_TRUE(jnp::isclose(x, y, {.rtol = 0.2}).to_vector<bool>()[1]);
  EXPECT_FALSE(jnp::allclose(x, y).item<bool>());
  // 1e-6 <= 1e-8 + 1e-5 * |y| for y >= 1, but not 1e-6 against 0 (the absolute tolerance is 1e-8).
  EXPECT_TRUE(jnp::allclose(jnp::arange(1.0f, 6.0f), jnp::arange(1.0f, 6.0f) + 1e-6f).item<bool>());
  EXPECT_FALSE(jnp::allclose(jnp::arange(5.0f), jnp::arange(5.0f) + 1e-6f).item<bool>());
}

TEST(IsClose, IntegersCompareExactlyAndShapesBroadcast) {
  EXPECT_EQ(jnp::isclose(jnp::array({1, 2, 3}), jnp::array(2)).to_vector<bool>(), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(jnp::isclose(jnp::ones({2, 3}), jnp::ones({3})).shape(), jx::Shape({2, 3}));
  EXPECT_THROW(jnp::isclose(jnp::ones({2}), jnp::ones({3})), jx::ShapeError);
}

}  // namespace
