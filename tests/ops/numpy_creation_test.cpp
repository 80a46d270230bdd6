// jx::numpy's creation functions (src/ops/numpy_creation.cpp): jnp.array of a list of arrays, and
// the constants jnp.pi, e, euler_gamma, inf and nan.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;

namespace {

// jnp.array([x, y]) stacks, promoting the dtypes as JAX does: int32 with float32 is float32, and a
// Python (C++) scalar among arrays is weak, so it takes the arrays' type.
TEST(ArrayOfArrays, StacksAndPromotes) {
  const jx::Array x = jnp::array({1, 2});
  const jx::Array y = jnp::array({0.5f, 1.5f}, jx::float32);
  const jx::Array both = jnp::array({x, y});
  EXPECT_EQ(both.shape(), (jx::Shape{2, 2}));
  EXPECT_EQ(both.dtype(), jx::float32);
  EXPECT_EQ(both.to_vector<float>(), (std::vector<float>{1, 2, 0.5f, 1.5f}));
  const jx::Array scalars = jnp::array({jnp::array(3, jx::int16), jx::Array(4)});
  EXPECT_EQ(scalars.dtype(), jx::int16);
  EXPECT_EQ(scalars.to_vector<std::int16_t>(), (std::vector<std::int16_t>{3, 4}));
  EXPECT_EQ(jnp::array(std::vector<jx::Array>{x, x}, jx::float32).dtype(), jx::float32);
  // Weak elements give a strong array, as jnp.array([1, 2]) is int32.
  const jx::Array from_weak = jnp::array({jx::Array(1), jx::Array(2)});
  EXPECT_EQ(from_weak.dtype(), jx::int32);
  EXPECT_FALSE(from_weak.weak_type());
  EXPECT_THROW(jnp::array({x, jnp::ones({3})}), jx::ShapeError);
}

// Traced elements work as in JAX, and the stack is differentiable: d/dx sum([x, 2x, x^2]) = 3 + 2x.
TEST(ArrayOfArrays, TracedElements) {
  const auto f = [](const jx::Array& v) { return jnp::sum(jnp::array({v, 2 * v, v * v})); };
  EXPECT_FLOAT_EQ(jx::jit(f)(jnp::array(3.0f)).item<float>(), 3 + 6 + 9);
  EXPECT_FLOAT_EQ(jx::grad(f)(jnp::array(3.0f)).item<float>(), 3 + 2 * 3);
}

TEST(Constants, AreNumPysValues) {
  EXPECT_EQ(jnp::pi, std::numbers::pi);
  EXPECT_DOUBLE_EQ(jnp::e, std::exp(1.0));
  EXPECT_DOUBLE_EQ(jnp::euler_gamma, 0.5772156649015329);  // np.euler_gamma
  EXPECT_TRUE(std::isinf(jnp::inf) && jnp::inf > 0);
  EXPECT_TRUE(std::isnan(jnp::nan));
  // As Python floats, they are weak next to arrays: pi * float32 stays float32.
  const jx::Array scaled = jnp::pi * jnp::ones({2}, jx::float32);
  EXPECT_EQ(scaled.dtype(), jx::float32);
  EXPECT_FLOAT_EQ(scaled.to_vector<float>()[0], 3.1415927f);
}

}  // namespace
