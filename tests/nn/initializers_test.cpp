// Initializers: the variance each promises, on a million draws.
#include "jx/nn/initializers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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

// identity, uniform_scaling and orthogonal (Haiku's Identity, UniformScaling, Orthogonal): closed forms,
// bounds and moments in double precision, orthonormality from Gram matrices formed with plain loops.
std::vector<double> doubles(const jx::Array& x) {
  const std::vector<float> values = x.astype(jx::float32).to_vector<float>();
  return {values.begin(), values.end()};
}

std::size_t at(std::int64_t i) { return static_cast<std::size_t>(i); }

// The Gram matrix of the `count` vectors v_a (a < count) of length `length`,
// v_a[b] = values[index(a, b)], against scale^2 times the identity.
template <class Index>
void expect_orthonormal(const std::vector<double>& values, std::int64_t count, std::int64_t length, double scale,
                        Index index) {
  for (std::int64_t a = 0; a < count; ++a) {
    for (std::int64_t c = 0; c < count; ++c) {
      double dot = 0;
      for (std::int64_t b = 0; b < length; ++b) dot += values[index(a, b)] * values[index(c, b)];
      EXPECT_NEAR(dot, a == c ? scale * scale : 0.0, 1e-5 * scale * scale) << "vectors " << a << ", " << c;
    }
  }
}

TEST(Identity, IsGainTimesTheIdentityOfTheLastTwoAxes) {
  const jx::Array square = init::identity(2.5)(jx::random::PRNGKey(0), {3, 3}, jx::float32);
  const jx::Array rectangular = init::identity()(jx::random::PRNGKey(0), {2, 4}, jx::float32);
  const jx::Array batched = init::identity(-1.0)(jx::random::PRNGKey(0), {2, 3, 2}, jx::float32);
  ASSERT_EQ(batched.shape(), (jx::Shape{2, 3, 2}));
  const auto s = doubles(square), r = doubles(rectangular), b = doubles(batched);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) EXPECT_EQ(s[at(i * 3 + j)], i == j ? 2.5 : 0.0);
  }
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 4; ++j) EXPECT_EQ(r[at(i * 4 + j)], i == j ? 1.0 : 0.0);
  }
  for (int n = 0; n < 2; ++n) {
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 2; ++j) EXPECT_EQ(b[at((n * 3 + i) * 2 + j)], i == j ? -1.0 : 0.0);
    }
  }
  // In the dtype asked for, the gain converted to it first (as Haiku converts
  // it).
  const jx::Array ints = init::identity(2.7)(jx::random::PRNGKey(0), {2, 2}, jx::DType::int32);
  EXPECT_EQ(ints.dtype(), jx::DType::int32);
  EXPECT_EQ(ints.to_vector<std::int32_t>(), (std::vector<std::int32_t>{2, 0, 0, 2}));
  EXPECT_THROW(init::identity()(jx::random::PRNGKey(0), {3}, jx::float32), jx::ShapeError);
}

TEST(UniformScaling, IsUniformWithVarianceScaleSquaredOverTheInputSize) {
  // Input size 40 * 50 = 2000: bound 2 * sqrt(3 / 2000); 200000 draws.
  const double scale = 2.0, input_size = 2000.0, bound = scale * std::sqrt(3.0 / input_size);
  const jx::Array w = init::uniform_scaling(scale)(jx::random::PRNGKey(3), {40, 50, 100}, jx::float32);
  ASSERT_EQ(w.shape(), (jx::Shape{40, 50, 100}));
  const auto values = doubles(w);
  double sum = 0, squares = 0, largest = 0;
  for (double v : values) {
    EXPECT_LE(std::abs(v), bound * (1 + 1e-6));
    sum += v;
    squares += v * v;
    largest = std::max(largest, std::abs(v));
  }
  const double n = static_cast<double>(values.size()), mean = sum / n, variance = squares / n - mean * mean;
  const double expected_variance = scale * scale / input_size;  // bound^2 / 3
  // Standard errors: of the mean sqrt(v / n) ~ 0.0001; of the variance about
  // 0.3% of it.
  EXPECT_NEAR(mean, 0.0, 5 * std::sqrt(expected_variance / n));
  EXPECT_NEAR(variance, expected_variance, 0.02 * expected_variance);
  EXPECT_GT(largest, 0.999 * bound);
  // A vector's input size is 1 (the product of no dimensions), as a scalar's.
  const auto vector = doubles(init::uniform_scaling(0.5)(jx::random::PRNGKey(4), {1000}, jx::float32));
  double vector_largest = 0;
  for (double v : vector) vector_largest = std::max(vector_largest, std::abs(v));
  EXPECT_LE(vector_largest, 0.5 * std::sqrt(3.0) * (1 + 1e-6));
  EXPECT_GT(vector_largest, 0.98 * 0.5 * std::sqrt(3.0));
  EXPECT_EQ(init::uniform_scaling()(jx::random::PRNGKey(4), {}, jx::float32).shape(), jx::Shape{});
}

TEST(Orthogonal, TallAndWideMatricesHaveOrthonormalColumnsOrRows) {
  // Tall (7, 3): the 3 columns are orthonormal (times the scale); wide (3, 7):
  // the 3 rows.
  const auto tall = doubles(init::orthogonal(1.5)(jx::random::PRNGKey(5), {7, 3}, jx::float32));
  expect_orthonormal(tall, 3, 7, 1.5, [](std::int64_t a, std::int64_t b) { return at(b * 3 + a); });
  const auto wide = doubles(init::orthogonal(1.5)(jx::random::PRNGKey(6), {3, 7}, jx::float32));
  expect_orthonormal(wide, 3, 7, 1.5, [](std::int64_t a, std::int64_t b) { return at(a * 7 + b); });
  // Square: both.
  const auto square = doubles(init::orthogonal()(jx::random::PRNGKey(7), {5, 5}, jx::float32));
  expect_orthonormal(square, 5, 5, 1.0, [](std::int64_t a, std::int64_t b) { return at(a * 5 + b); });
  expect_orthonormal(square, 5, 5, 1.0, [](std::int64_t a, std::int64_t b) { return at(b * 5 + a); });
  // float64 too.
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Array w64 = init::orthogonal(0.5)(jx::random::PRNGKey(8), {6, 4}, jx::DType::float64);
  EXPECT_EQ(w64.dtype(), jx::DType::float64);
  const std::vector<double> tall64 = w64.to_vector<double>();
  expect_orthonormal(tall64, 4, 6, 0.5, [](std::int64_t a, std::int64_t b) { return at(b * 4 + a); });
}

TEST(Orthogonal, TheAxisIsTheOneKeptWhenTheOthersAreFlattened) {
  // (2, 7, 3) with axis 1: the matrix is (7 along the axis) x (2 * 3 others). 7
  // > 6, so the 6 vectors indexed by the other axes (i, k), each running along
  // the axis, are orthonormal.
  const auto w = doubles(init::orthogonal(1.0, 1)(jx::random::PRNGKey(9), {2, 7, 3}, jx::float32));
  expect_orthonormal(w, 6, 7, 1.0, [](std::int64_t a, std::int64_t j) { return at(((a / 3) * 7 + j) * 3 + a % 3); });
  // (2, 3, 7) with the default last axis: 7 > 6 likewise, vectors along the
  // last axis.
  const auto last = doubles(init::orthogonal(2.0)(jx::random::PRNGKey(10), {2, 3, 7}, jx::float32));
  expect_orthonormal(last, 6, 7, 2.0, [](std::int64_t a, std::int64_t j) { return at(a * 7 + j); });
  // (4, 2, 3) with axis 0: 4 < 6, so the 4 slices w[i, :, :] are orthonormal as
  // vectors of 6.
  const auto first = doubles(init::orthogonal(1.0, 0)(jx::random::PRNGKey(11), {4, 2, 3}, jx::float32));
  expect_orthonormal(first, 4, 6, 1.0, [](std::int64_t a, std::int64_t b) { return at(a * 6 + b); });

  EXPECT_THROW(init::orthogonal()(jx::random::PRNGKey(0), {5}, jx::float32), jx::ShapeError);
  EXPECT_THROW(init::orthogonal(1.0, 2)(jx::random::PRNGKey(0), {5, 3}, jx::float32), jx::ShapeError);
}

TEST(ExtraInitializers, WorkAsModuleInitializersUnderJit) {
  auto model = jx::nn::transform([](const jx::Array& x) {
    return jx::nn::Linear(4, {.w_init = init::identity(3.0), .b_init = init::uniform_scaling()})(x);
  });
  const jx::Array x = jnp::ones({2, 4});
  const jx::nn::Params params = model.init(jx::random::PRNGKey(0), x);
  auto jitted = jx::jit([&](const jx::Array& input) { return model.apply(params, std::nullopt, input); });
  // x @ (3 I) + b: each row is 3 + b.
  const auto b = doubles(params.as_dict().at("linear").as_dict().at("b").array());
  const auto y = doubles(jitted(x));
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 4; ++c) EXPECT_NEAR(y[at(r * 4 + c)], 3.0 + b[at(c)], 1e-6);
  }
  // A bias of shape (4,) has input size 1: bound sqrt(3).
  for (double v : b) EXPECT_LE(std::abs(v), std::sqrt(3.0) * (1 + 1e-6));
}

}  // namespace
