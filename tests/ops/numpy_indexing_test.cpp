// Out-of-range indices, as JAX defines each indexing function's `mode` (expected values from the
// examples in JAX's docstrings of jnp.take and jax.numpy.ndarray.at), eagerly, under jit and grad.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "error_expectations.h"
#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;
using jx_test::error_message;
using jx_test::expect_contains;

namespace {

std::vector<float> values(const jx::Array& x) { return x.to_vector<float>(); }
const float nan = std::numeric_limits<float>::quiet_NaN();

// Equal element for element, NaN equal to NaN.
testing::AssertionResult same_values(const jx::Array& x, const std::vector<float>& expected) {
  const std::vector<float> actual = values(x);
  if (actual.size() != expected.size()) return testing::AssertionFailure() << "sizes differ: " << jx::repr(x);
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (!(actual[i] == expected[i] || (std::isnan(actual[i]) && std::isnan(expected[i]))))
      return testing::AssertionFailure() << "element " << i << " differs: " << jx::repr(x);
  }
  return testing::AssertionSuccess();
}

TEST(Take, FillsOutOfRangeIndicesByDefault) {
  const jx::Array x = jnp::array({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  const jx::Array indices = jnp::array({2, 0});
  EXPECT_EQ(values(jnp::take(x, indices)), (std::vector<float>{3, 1}));  // the flattened array
  EXPECT_EQ(values(jnp::take(x, indices, 1)), (std::vector<float>{3, 1, 6, 4}));
  // Row 2 does not exist: JAX's default mode "fill" gives NaN.
  EXPECT_TRUE(same_values(jnp::take(x, indices, 0), {nan, nan, nan, 1, 2, 3}));
  EXPECT_EQ(values(jnp::take(x, indices, 0, {.mode = "clip"})), (std::vector<float>{4, 5, 6, 1, 2, 3}));
  EXPECT_EQ(values(jnp::take(x, indices, 0, {.fill_value = -1})), (std::vector<float>{-1, -1, -1, 1, 2, 3}));
  // The case: take(arange(10.0f), {20}) was 9 (clamped).
  EXPECT_TRUE(std::isnan(jnp::take(jnp::arange(10.0f), jnp::array({20}))(0).item<float>()));
  // Negative indices count from the end; beyond that they fill too. "wrap" takes them modulo the size.
  EXPECT_TRUE(same_values(jnp::take(jnp::arange(4.0f), jnp::array({-1, -4, -5})), {3, 0, nan}));
  EXPECT_EQ(values(jnp::take(jnp::arange(4.0f), jnp::array({5, -5}), 0, {.mode = "wrap"})), (std::vector<float>{1, 3}));
  // The default fill of each kind of dtype: lowest signed, highest unsigned, true.
  EXPECT_EQ(jnp::take(jnp::arange(3), jnp::array({7}))(0).item<int>(), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(jnp::take(jnp::arange(3).astype(jx::uint8), jnp::array({7}))(0).item<int>(), 255);
  EXPECT_TRUE(jnp::take(jnp::array({false, false}), jnp::array({7}))(0).item<bool>());
  expect_contains(error_message<jx::ValueError>([&] { jnp::take(x, indices, 0, {.mode = "raise"}); }),
                  "invalid mode 'raise'; expected one of 'fill', 'clip', 'wrap', 'promise_in_bounds'");
}

TEST(Take, TheSameUnderJitAndThroughGrad) {
  const auto taken = jx::jit([](const jx::Array& x, const jx::Array& i) { return jnp::take(x, i); });
  EXPECT_TRUE(same_values(taken(jnp::arange(3.0f), jnp::array({1, 3})), {1, nan}));
  // An index out of range reads nothing: its cotangent is dropped, the others accumulate.
  const auto total = [](const jx::Array& x) {
    return jnp::sum(jnp::take(x, jnp::array({0, 0, 5}), 0, {.fill_value = 0.0f}));
  };
  EXPECT_EQ(values(jx::grad(total)(jnp::arange(3.0f))), (std::vector<float>{2, 0, 0}));
}

TEST(TakeAlongAxis, FillsByDefault) {
  const jx::Array x = jnp::array({{10.0f, 20.0f}, {30.0f, 40.0f}});
  const jx::Array i = jnp::array({{1}, {2}});
  EXPECT_TRUE(same_values(jnp::take_along_axis(x, i, 1), {20, nan}));
  EXPECT_EQ(values(jnp::take_along_axis(x, i, 1, {.mode = "clip"})), (std::vector<float>{20, 40}));
  EXPECT_EQ(values(jnp::take_along_axis(x, jnp::array({{-1}, {0}}), 1)), (std::vector<float>{20, 30}));
}

TEST(At, GetClampsUnlessAskedToFill) {
  const jx::Array x = jnp::arange(5.0f);
  const jx::Array twenty = jnp::array(20);
  EXPECT_EQ(x.at(twenty).get().item<float>(), 4.0f);  // out-of-bounds indices clipped
  EXPECT_TRUE(std::isnan(x.at(twenty).get({.mode = "fill"}).item<float>()));
  EXPECT_EQ(x.at(twenty).get({.mode = "fill", .fill_value = -1}).item<float>(), -1.0f);
  EXPECT_EQ(x[twenty].item<float>(), 4.0f);  // x[i] is at(i).get()
  const jx::Array rows = jnp::reshape(jnp::arange(6.0f), {2, 3});
  EXPECT_TRUE(same_values(rows.at(jnp::array({1, 2}), jnp::array({0, 0})).get({.mode = "fill"}), {3, nan}));
}

TEST(At, UpdatesDropOutOfRangeIndicesUnlessClipped) {
  const jx::Array x = jnp::arange(5.0f);
  EXPECT_EQ(values(x.at(jnp::array(10)).add(10)), (std::vector<float>{0, 1, 2, 3, 4}));  // dropped
  EXPECT_EQ(values(x.at(jnp::array(20)).add(10, {.mode = "clip"})), (std::vector<float>{0, 1, 2, 3, 14}));
  EXPECT_EQ(values(x.at(jnp::array(-1)).set(99)), (std::vector<float>{0, 1, 2, 3, 99}));
  EXPECT_EQ(values(x.at(jnp::array({7, 1})).set(5, {.mode = "promise_in_bounds"})),
            (std::vector<float>{0, 5, 2, 3, 4}));
  expect_contains(error_message<jx::ValueError>([&] { x.at(jnp::array(1)).set(5, {.mode = "wrap"}); }),
                  "invalid mode 'wrap'");
}

// A static C++ integer out of range throws IndexError (DESIGN.md), unless a mode is given: then it
// follows the mode as an array index does (JAX's sharp-bits notebook: jnp.arange(10.0).at[11].get(
// mode='fill', fill_value=jnp.nan) is nan).
TEST(At, StaticIntegersFollowAModeGivenExplicitly) {
  const jx::Array x = jnp::arange(10.0f);
  EXPECT_THROW(x[11], jx::IndexError);
  EXPECT_THROW(x.at(11).get(), jx::IndexError);
  EXPECT_TRUE(std::isnan(x.at(11).get({.mode = "fill", .fill_value = jnp::nan}).item<float>()));
  EXPECT_EQ(x.at(11).get({.mode = "clip"}).item<float>(), 9.0f);
  EXPECT_EQ(x.at(3).get({.mode = "fill"}).item<float>(), 3.0f);
  EXPECT_EQ(values(x.at(11).set(5, {.mode = "drop"})), values(x));
  EXPECT_EQ(values(x.at(11).add(5, {.mode = "clip"}))[9], 14.0f);
  EXPECT_THROW(x.at(11).set(5), jx::IndexError);
  const jx::Array rows = jnp::reshape(jnp::arange(6.0f), {2, 3});
  EXPECT_TRUE(same_values(rows.at(1, jx::Slice{}).get({.mode = "fill"}), {3, 4, 5}));
  EXPECT_TRUE(same_values(rows.at(2, jx::Slice{}).get({.mode = "fill", .fill_value = -1}), {-1, -1, -1}));
}

// An index's result is a new array: assigning to it would be lost, so it does not compile (JAX raises
// TypeError for x[1, :] = 1.0). Named arrays are assigned as usual.
static_assert(!std::is_assignable_v<jx::Array&&, float>);
static_assert(!std::is_assignable_v<jx::Array&&, const jx::Array&>);
static_assert(std::is_assignable_v<jx::Array&, const jx::Array&>);
static_assert(std::is_nothrow_move_assignable_v<jx::Array>);

}  // namespace
