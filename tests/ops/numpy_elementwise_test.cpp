// jnp::isclose and jnp::allclose against NumPy's definition, |x - y| <= atol + rtol * |y|, written out
// for each case (the differential tests cover the rest of numpy_elementwise.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

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
  EXPECT_EQ(jnp::isclose(jnp::array({1, 2, 3}), jnp::array(2)).to_vector<bool>(),
            (std::vector<bool>{false, true, false}));
  EXPECT_EQ(jnp::isclose(jnp::ones({2, 3}), jnp::ones({3})).shape(), jx::Shape({2, 3}));
  EXPECT_THROW(jnp::isclose(jnp::ones({2}), jnp::ones({3})), jx::ShapeError);
}

// lax::rsqrt (JAX has it in jax.lax only) against 1 / sqrt(x) computed in double and rounded to float32:
// within one float32 ulp, and exact at the edges (IEEE: 1/sqrt(+0) = inf, 1/sqrt(inf) = 0, negative
// and NaN give NaN). A subnormal input reads as zero, as in JAX on CPU (src/core/subnormals.h).
TEST(Rsqrt, MatchesOneOverSqrtInDouble) {
  const std::vector<float> inputs{1.0f,  4.0f,    2.0f,     3.0f, 0.5f,  0.01f,    1e-30f, 1e-40f /* subnormal */,
                                  1e30f, 3.4e38f, 123.456f, 7.0f, 1e-5f, 65504.0f, 0.3f,   1.17549435e-38f};
  const std::vector<float> actual = jx::lax::rsqrt(jnp::array(inputs)).to_vector<float>();
  ASSERT_EQ(actual.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const double input = std::fpclassify(inputs[i]) == FP_SUBNORMAL ? 0.0 : inputs[i];
    const double expected = 1.0 / std::sqrt(input);
    const float rounded = static_cast<float>(expected);
    if (std::isinf(rounded)) {
      EXPECT_EQ(actual[i], rounded) << "rsqrt(" << inputs[i] << ")";
      continue;
    }
    const float ulp = std::nextafter(rounded, kInf) - rounded;
    EXPECT_NEAR(actual[i], expected, ulp) << "rsqrt(" << inputs[i] << ")";
  }
  EXPECT_EQ(jx::lax::rsqrt(jnp::array(4.0f)).item<float>(), 0.5f);  // exact where the result is
  const std::vector<float> edges = jx::lax::rsqrt(jnp::array({0.0f, kInf, -1.0f, kNaN, -0.0f})).to_vector<float>();
  EXPECT_EQ(edges[0], kInf);
  EXPECT_EQ(edges[1], 0.0f);
  EXPECT_TRUE(std::isnan(edges[2]));
  EXPECT_TRUE(std::isnan(edges[3]));
  EXPECT_EQ(edges[4], -kInf);  // 1 / sqrt(-0) = 1 / -0
  // A strided (reversed) view and a jitted call agree with the contiguous eager result.
  const jx::Array x = jnp::array(inputs);
  EXPECT_EQ(jx::lax::rsqrt(jnp::flip(x)).to_vector<float>(), jnp::flip(jx::lax::rsqrt(x)).to_vector<float>());
  EXPECT_EQ(jx::jit([](const jx::Array& v) { return jx::lax::rsqrt(v); })(x).to_vector<float>(), actual);
  // float64 under x64: 1 / sqrt(x) in double exactly.
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const std::vector<double> wide{2.0, 3.0, 1e-300, 1e300, 0.1};
  const std::vector<double> wide_actual = jx::lax::rsqrt(jnp::array(wide, jx::float64)).to_vector<double>();
  for (std::size_t i = 0; i < wide.size(); ++i) EXPECT_EQ(wide_actual[i], 1.0 / std::sqrt(wide[i])) << wide[i];
}

}  // namespace

namespace {
// Integer remainders by zero: NumPy's 0 for jnp, XLA's dividend for lax::rem (both documented).
TEST(IntegerDivisionByZero, NumpyAndLaxDifferAsTheirReferencesDo) {
  const jx::Array x = jx::numpy::array({7, -7});
  const jx::Array zero = jx::numpy::array({0, 0});
  EXPECT_EQ(jx::numpy::remainder(x, zero).to_vector<int>(), (std::vector<int>{0, 0}));
  EXPECT_EQ((x % zero).to_vector<int>(), (std::vector<int>{0, 0}));
  EXPECT_EQ(jx::numpy::fmod(x, zero).to_vector<int>(), (std::vector<int>{0, 0}));
  EXPECT_EQ(jx::lax::rem(x, zero).to_vector<int>(), (std::vector<int>{7, -7}));
  EXPECT_EQ(jx::lax::div(x, zero).to_vector<int>(), (std::vector<int>{-1, -1}));
}
}  // namespace
