// jx::numpy's products (src/ops/numpy_linalg.cpp). convolve and correlate here; matmul, dot and einsum
// are checked against NumPy with the other operations in numpy_differential_test.cpp. Expected values
// were printed by NumPy 1.24.2 with the expression in the comment above each.
#include <gtest/gtest.h>

#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;

namespace {

void expect_values(const jx::Array& x, const std::vector<float>& expected) {
  ASSERT_EQ(x.ndim(), 1);
  const auto got = x.to_vector<float>();
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], expected[i]) << "element " << i;
}

const jx::Array a = jnp::array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f});
const jx::Array v = jnp::array({0.5f, -1.0f, 2.0f, 0.25f});

// np.tensordot with the same operands; the int cases are the examples of JAX's docstring.
TEST(Tensordot, IntegerAndListedAxes) {
  const jx::Array cube = jnp::arange(24).reshape({2, 3, 4});
  const jx::Array matrix = jnp::arange(12).reshape({3, 4});
  EXPECT_EQ(jnp::tensordot(cube, matrix).to_vector<int>(), (std::vector<int>{506, 1298}));
  EXPECT_EQ(jnp::tensordot(jnp::array({1, 2}), jnp::array({1, 2, 3}), 0).to_vector<int>(),
            (std::vector<int>{1, 2, 3, 2, 4, 6}));
  const jx::Array m = jnp::tensordot(jnp::array({{1, 2}, {3, 4}}), jnp::array({{1, 2, 3}, {4, 5, 6}}), 1);
  EXPECT_EQ(m.shape(), (jx::Shape{2, 3}));
  EXPECT_EQ(m.to_vector<int>(), (std::vector<int>{9, 12, 15, 19, 26, 33}));
  // np.tensordot(a, b, axes=([1, 0], [0, 1])), a = arange(60).reshape(3, 4, 5) / 10, b = arange(24).reshape(4, 3, 2) /
  // 10
  const jx::Array x = jnp::arange(60.0f).reshape({3, 4, 5}) / 10.0f;
  const jx::Array y = jnp::arange(24.0f).reshape({4, 3, 2}) / 10.0f;
  const jx::Array listed = jnp::tensordot(x, y, {{1, 0}, {0, 1}});
  EXPECT_EQ(listed.shape(), (jx::Shape{5, 2}));
  const std::vector<float> expected = {44.0f, 47.3f, 45.32f, 48.74f, 46.64f, 50.18f, 47.96f, 51.62f, 49.28f, 53.06f};
  const auto got = listed.to_vector<float>();
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4) << i;
  // Negative axes; np.tensordot(a, b, axes=([-2], [0])) has shape (3, 5, 3, 2) and sums to 1356.3.
  const jx::Array negative = jnp::tensordot(x, y, {{-2}, {0}});
  EXPECT_EQ(negative.shape(), (jx::Shape{3, 5, 3, 2}));
  EXPECT_NEAR(jnp::sum(negative).item<float>(), 1356.3f, 1e-2);
  EXPECT_THROW(jnp::tensordot(x, y, {{0}, {0}}), jx::ShapeError);
  EXPECT_THROW(jnp::tensordot(x, y, 4), jx::ValueError);
  EXPECT_THROW(jnp::tensordot(x, y, {{0, 1}, {0}}), jx::ValueError);
}

TEST(Convolve, EveryModeEitherOrder) {
  // np.convolve(a, v, mode) and np.convolve(v, a, mode), a = [1, 2, 3, 4, 5], v = [0.5, -1, 2, 0.25]
  const std::vector<float> full = {0.5f, 0.0f, 1.5f, 3.25f, 5.0f, 3.75f, 11.0f, 1.25f};
  expect_values(jnp::convolve(a, v), full);
  expect_values(jnp::convolve(v, a), full);
  expect_values(jnp::convolve(a, v, "same"), {0.0f, 1.5f, 3.25f, 5.0f, 3.75f});
  expect_values(jnp::convolve(v, a, "same"), {0.0f, 1.5f, 3.25f, 5.0f, 3.75f});
  expect_values(jnp::convolve(a, v, "valid"), {3.25f, 5.0f});
  expect_values(jnp::convolve(v, a, "valid"), {3.25f, 5.0f});
}

TEST(Correlate, EveryModeEitherOrder) {
  // np.correlate(a, v, mode) and np.correlate(v, a, mode): swapping the operands reverses the result.
  expect_values(jnp::correlate(a, v, "full"), {0.25f, 2.5f, 3.75f, 5.5f, 7.25f, 7.5f, -3.0f, 2.5f});
  expect_values(jnp::correlate(v, a, "full"), {2.5f, -3.0f, 7.5f, 7.25f, 5.5f, 3.75f, 2.5f, 0.25f});
  expect_values(jnp::correlate(a, v, "same"), {2.5f, 3.75f, 5.5f, 7.25f, 7.5f});
  expect_values(jnp::correlate(v, a, "same"), {7.5f, 7.25f, 5.5f, 3.75f, 2.5f});
  expect_values(jnp::correlate(a, v), {5.5f, 7.25f});
  expect_values(jnp::correlate(v, a), {7.25f, 5.5f});
}

TEST(Convolve, IntegersArePromotedToFloat) {
  // np.convolve([1, 2, 1], np.ones(10)); JAX gives float32 without x64.
  const jx::Array out = jnp::convolve(jnp::array({1, 2, 1}), jnp::ones({10}));
  EXPECT_EQ(out.dtype(), jx::float32);
  expect_values(out, {1, 3, 4, 4, 4, 4, 4, 4, 4, 4, 3, 1});
  EXPECT_EQ(jnp::convolve(jnp::array({1, 2}), jnp::array({3, 4})).dtype(), jx::float32);
}

TEST(Convolve, JitAndGradient) {
  const jx::Array jitted = jx::jit([](const jx::Array& x, const jx::Array& y) { return jnp::convolve(x, y); })(a, v);
  expect_values(jitted, {0.5f, 0.0f, 1.5f, 3.25f, 5.0f, 3.75f, 11.0f, 1.25f});
  // d/da sum(convolve(a, v)) = sum(v) for every element of a (each a[i] meets every v[j] once).
  const jx::Array g = jx::grad([](const jx::Array& x) { return jnp::sum(jnp::convolve(x, v)); })(a);
  expect_values(g, {1.75f, 1.75f, 1.75f, 1.75f, 1.75f});
}

TEST(Convolve, BadInputsAreValueErrors) {
  EXPECT_THROW(jnp::convolve(jnp::ones({2, 2}), v), jx::ValueError);
  EXPECT_THROW(jnp::correlate(a, jnp::ones({0})), jx::ValueError);
  EXPECT_THROW(jnp::convolve(a, v, "wide"), jx::ValueError);
}

}  // namespace
