// jx::lax's functions (src/ops/lax.cpp) by their lax spellings, against independent oracles: the C
// library's math functions (not SLEEF, which jx's kernels use) for the elementwise operations, and
// loops written here for the comparisons, bitwise operations, shapes, reductions and scans. lax does
// not promote: its binary operations take equal dtypes (tests/ops/errors_test.cpp checks the error).
#include "jx/lax.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "jx/core/config.h"
#include "jx/numpy.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::Array;

struct UnaryCase {
  std::string name;
  std::function<Array(const Array&)> f;
  std::function<double(double)> reference;
  std::vector<double> inputs;
};

const std::vector<double> kReal = {-3.5, -1.25, -0.5, -0.0, 0.0, 0.3, 0.75, 1.0, 2.5, 7.0};
const std::vector<double> kOpenUnit = {-0.99, -0.5, -0.1, 0.0, 0.2, 0.6, 0.95};
const std::vector<double> kPositive = {1e-3, 0.2, 0.5, 1.0, 1.5, 3.0, 10.0, 123.0};

std::vector<UnaryCase> unary_cases() {
  return {
      {"abs", [](const Array& x) { return lax::abs(x); }, [](double v) { return std::fabs(v); }, kReal},
      {"sign", [](const Array& x) { return lax::sign(x); }, [](double v) { return v > 0   ? 1.0
                                                                                  : v < 0 ? -1.0
                                                                                          : v; },
       kReal},
      {"floor", [](const Array& x) { return lax::floor(x); }, [](double v) { return std::floor(v); }, kReal},
      {"ceil", [](const Array& x) { return lax::ceil(x); }, [](double v) { return std::ceil(v); }, kReal},
      {"exp", [](const Array& x) { return lax::exp(x); }, [](double v) { return std::exp(v); }, kReal},
      {"exp2", [](const Array& x) { return lax::exp2(x); }, [](double v) { return std::exp2(v); }, kReal},
      {"expm1", [](const Array& x) { return lax::expm1(x); }, [](double v) { return std::expm1(v); }, kReal},
      {"log", [](const Array& x) { return lax::log(x); }, [](double v) { return std::log(v); }, kPositive},
      {"log1p", [](const Array& x) { return lax::log1p(x); }, [](double v) { return std::log1p(v); }, kOpenUnit},
      {"sqrt", [](const Array& x) { return lax::sqrt(x); }, [](double v) { return std::sqrt(v); }, kPositive},
      {"cbrt", [](const Array& x) { return lax::cbrt(x); }, [](double v) { return std::cbrt(v); }, kReal},
      {"square", [](const Array& x) { return lax::square(x); }, [](double v) { return v * v; }, kReal},
      {"reciprocal", [](const Array& x) { return lax::reciprocal(x); }, [](double v) { return 1 / v; }, kPositive},
      {"sin", [](const Array& x) { return lax::sin(x); }, [](double v) { return std::sin(v); }, kReal},
      {"cos", [](const Array& x) { return lax::cos(x); }, [](double v) { return std::cos(v); }, kReal},
      {"tan", [](const Array& x) { return lax::tan(x); }, [](double v) { return std::tan(v); }, kOpenUnit},
      {"asin", [](const Array& x) { return lax::asin(x); }, [](double v) { return std::asin(v); }, kOpenUnit},
      {"acos", [](const Array& x) { return lax::acos(x); }, [](double v) { return std::acos(v); }, kOpenUnit},
      {"atan", [](const Array& x) { return lax::atan(x); }, [](double v) { return std::atan(v); }, kReal},
      {"sinh", [](const Array& x) { return lax::sinh(x); }, [](double v) { return std::sinh(v); }, kReal},
      {"cosh", [](const Array& x) { return lax::cosh(x); }, [](double v) { return std::cosh(v); }, kReal},
      {"tanh", [](const Array& x) { return lax::tanh(x); }, [](double v) { return std::tanh(v); }, kReal},
      {"asinh", [](const Array& x) { return lax::asinh(x); }, [](double v) { return std::asinh(v); }, kReal},
      {"acosh",
       [](const Array& x) { return lax::acosh(x); },
       [](double v) { return std::acosh(v); },
       {1.0, 1.5, 3.0, 10.0}},
      {"atanh", [](const Array& x) { return lax::atanh(x); }, [](double v) { return std::atanh(v); }, kOpenUnit},
      {"logistic", [](const Array& x) { return lax::logistic(x); }, [](double v) { return 1 / (1 + std::exp(-v)); },
       kReal},
      {"erf", [](const Array& x) { return lax::erf(x); }, [](double v) { return std::erf(v); }, kReal},
      {"erfc", [](const Array& x) { return lax::erfc(x); }, [](double v) { return std::erfc(v); }, kReal},
      {"lgamma", [](const Array& x) { return lax::lgamma(x); }, [](double v) { return std::lgamma(v); }, kPositive},
  };
}

void expect_values(const Array& got, const std::vector<double>& want, const std::string& what, double tolerance) {
  const auto values = got.to_vector<double>();
  ASSERT_EQ(values.size(), want.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(values[i])) << what << " at " << i;
    } else {
      EXPECT_NEAR(values[i], want[i], tolerance * (1 + std::fabs(want[i]))) << what << " at " << i;
    }
  }
}

TEST(Lax, ElementwiseFunctionsMatchTheCLibrary) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const UnaryCase& c : unary_cases()) {
    std::vector<double> want;
    for (double v : c.inputs) want.push_back(c.reference(v));
    const Array x = jnp::array(c.inputs, jx::float64);
    const Array y = c.f(x);
    EXPECT_EQ(y.dtype(), jx::float64) << c.name;
    expect_values(y, want, c.name, 1e-13);
    // float32 keeps its dtype and its precision.
    expect_values(c.f(lax::convert_element_type(x, jx::float32)), want, c.name + " (float32)", 2e-6);
  }
}

TEST(Lax, BinaryFunctionsMatchTheCLibrary) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const std::vector<double> a = {-2.5, -1.0, 0.5, 1.5, 3.0, 4.0}, b = {1.5, -2.0, 0.25, 1.5, -0.5, 2.0};
  const Array x = jnp::array(a, jx::float64), y = jnp::array(b, jx::float64);
  auto reference = [&](const std::function<double(double, double)>& f) {
    std::vector<double> out;
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(f(a[i], b[i]));
    return out;
  };
  expect_values(lax::sub(x, y), reference([](double p, double q) { return p - q; }), "sub", 1e-15);
  expect_values(lax::min(x, y), reference([](double p, double q) { return std::min(p, q); }), "min", 0);
  expect_values(lax::atan2(x, y), reference([](double p, double q) { return std::atan2(p, q); }), "atan2", 1e-14);
  const Array positive = lax::abs(x);
  const auto magnitudes = positive.to_vector<double>();
  std::vector<double> powers;
  for (std::size_t i = 0; i < a.size(); ++i) powers.push_back(std::pow(magnitudes[i], b[i]));
  expect_values(lax::pow(positive, y), powers, "pow", 1e-13);
  expect_values(lax::integer_pow(x, 3), reference([](double p, double) { return p * p * p; }), "integer_pow", 1e-15);
  expect_values(lax::integer_pow(x, -2), reference([](double p, double) { return 1 / (p * p); }), "integer_pow -2",
                1e-15);
  // The comparisons give bool.
  const auto check = [&](const Array& got, const std::function<bool(double, double)>& f, const char* name) {
    EXPECT_EQ(got.dtype(), jx::bool_) << name;
    const auto values = got.to_vector<bool>();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(values[i], f(a[i], b[i])) << name << " at " << i;
  };
  check(
      lax::eq(x, y), [](double p, double q) { return p == q; }, "eq");
  check(
      lax::ne(x, y), [](double p, double q) { return p != q; }, "ne");
  check(
      lax::lt(x, y), [](double p, double q) { return p < q; }, "lt");
  check(
      lax::le(x, y), [](double p, double q) { return p <= q; }, "le");
  check(
      lax::gt(x, y), [](double p, double q) { return p > q; }, "gt");
  check(
      lax::ge(x, y), [](double p, double q) { return p >= q; }, "ge");
  // select and clamp.
  expect_values(lax::select(lax::gt(x, y), x, y), reference([](double p, double q) { return p > q ? p : q; }), "select",
                0);
  expect_values(lax::clamp(jnp::array(-1.0), x, jnp::array(2.0)),
                reference([](double p, double) { return std::clamp(p, -1.0, 2.0); }), "clamp", 0);
  const Array special = jnp::array(
      std::vector<double>{1.0, -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()});
  const auto finite = lax::is_finite(special).to_vector<bool>();
  EXPECT_EQ(finite, (std::vector<bool>{true, false, false}));
}

TEST(Lax, IntegerAndBitwiseOperations) {
  const std::vector<std::int32_t> a = {-7, -1, 0, 3, 12, 255}, b = {3, 1, 5, 2, 4, 7};
  const Array x = jnp::array(a, jx::int32), y = jnp::array(b, jx::int32);
  const auto want = [&](const std::function<std::int64_t(std::int32_t, std::int32_t)>& f) {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(f(a[i], b[i]));
    return out;
  };
  const auto as_int64 = [](const Array& v) {
    const auto values = lax::convert_element_type(v, jx::int64).to_vector<std::int64_t>();
    return std::vector<std::int64_t>(values.begin(), values.end());
  };
  EXPECT_EQ(as_int64(lax::bitwise_and(x, y)), want([](std::int32_t p, std::int32_t q) { return p & q; }));
  EXPECT_EQ(as_int64(lax::bitwise_or(x, y)), want([](std::int32_t p, std::int32_t q) { return p | q; }));
  EXPECT_EQ(as_int64(lax::bitwise_xor(x, y)), want([](std::int32_t p, std::int32_t q) { return p ^ q; }));
  EXPECT_EQ(as_int64(lax::bitwise_not(x)), want([](std::int32_t p, std::int32_t) { return ~p; }));
  EXPECT_EQ(as_int64(lax::shift_left(x, y)), want([](std::int32_t p, std::int32_t q) {
              return static_cast<std::int32_t>(static_cast<std::uint32_t>(p) << q);
            }));
  EXPECT_EQ(as_int64(lax::shift_right_arithmetic(x, y)), want([](std::int32_t p, std::int32_t q) { return p >> q; }));
  EXPECT_EQ(as_int64(lax::shift_right_logical(x, y)), want([](std::int32_t p, std::int32_t q) {
              return static_cast<std::int32_t>(static_cast<std::uint32_t>(p) >> q);
            }));
  // bitwise_not of bool is logical not, as lax.bitwise_not.
  EXPECT_EQ(lax::bitwise_not(lax::ne(jnp::array({1, 0}), jnp::array({0, 0}))).to_vector<bool>(),
            (std::vector<bool>{false, true}));
}

TEST(Lax, ComplexPartsAndConversions) {
  const Array re = jnp::array({1.0f, -2.0f}), im = jnp::array({0.5f, 3.0f});
  const Array z = lax::complex(re, im);
  EXPECT_EQ(z.dtype(), jx::complex64);
  EXPECT_EQ(lax::real(lax::conj(z)).to_vector<float>(), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(lax::imag(lax::conj(z)).to_vector<float>(), (std::vector<float>{-0.5f, -3.0f}));
  // convert_element_type truncates toward zero from float to int, as XLA does.
  EXPECT_EQ(lax::convert_element_type(jnp::array({-1.7f, 2.9f}), jx::int32).to_vector<std::int32_t>(),
            (std::vector<std::int32_t>{-1, 2}));
}

TEST(Lax, ShapesSlicesAndConcatenation) {
  const Array x = jnp::reshape(jnp::arange(12, jx::float32), {3, 4});
  const Array reshaped = lax::reshape(x, {4, 3});
  EXPECT_EQ(reshaped.shape(), (jx::Shape{4, 3}));
  EXPECT_EQ(reshaped.to_vector<float>(), x.to_vector<float>());  // row-major order kept
  const Array expanded = lax::expand_dims(x, {0, 3});
  EXPECT_EQ(expanded.shape(), (jx::Shape{1, 3, 4, 1}));
  EXPECT_EQ(lax::squeeze(expanded, {0, 3}).shape(), (jx::Shape{3, 4}));
  // slice with strides: rows 0 and 2, columns 1 and 3.
  EXPECT_EQ(lax::slice(x, {0, 1}, {3, 4}, {2, 2}).to_vector<float>(), (std::vector<float>{1, 3, 9, 11}));
  const Array joined = lax::concatenate({x, lax::neg(x)}, 0);
  EXPECT_EQ(joined.shape(), (jx::Shape{6, 4}));
  EXPECT_EQ(joined.to_vector<float>()[12], 0.0f);
  EXPECT_EQ(joined.to_vector<float>()[13], -1.0f);
  // dynamic_update_slice clamps the start so the update fits, as XLA does.
  const Array updated = lax::dynamic_update_slice(x, jnp::full({2, 2}, 100.0f), {jnp::array(2), jnp::array(3)});
  const auto u = updated.to_vector<float>();
  EXPECT_EQ(u[1 * 4 + 2], 100.0f);  // start clamped to (1, 2)
  EXPECT_EQ(u[2 * 4 + 3], 100.0f);
  EXPECT_EQ(u[0 * 4 + 2], 2.0f);
}

TEST(Lax, ReductionsAndScans) {
  const std::vector<float> values = {3, -1, 4, 1, -5, 9, 2, 6};
  const Array x = jnp::reshape(jnp::array(values), {2, 4});
  EXPECT_EQ(lax::reduce_max(x, {1}).to_vector<float>(), (std::vector<float>{4, 9}));
  EXPECT_EQ(lax::reduce_min(x, {0}).to_vector<float>(), (std::vector<float>{-5, -1, 2, 1}));
  EXPECT_EQ(lax::reduce_prod(x, {1}).to_vector<float>(), (std::vector<float>{-12, -540}));
  EXPECT_EQ(lax::argmax(x, 1, jx::int32).to_vector<std::int32_t>(), (std::vector<std::int32_t>{2, 1}));
  const Array positive = lax::gt(x, jnp::zeros_like(x));
  EXPECT_EQ(lax::reduce_and(positive, {1}).to_vector<bool>(), (std::vector<bool>{false, false}));
  EXPECT_EQ(lax::reduce_or(positive, {0}).to_vector<bool>(), (std::vector<bool>{true, true, true, true}));
  // Scans along the last axis, forward and reversed, against running loops.
  std::vector<float> sums, products, minima, reverse_sums(values.size());
  for (int row = 0; row < 2; ++row) {
    float sum = 0, product = 1, minimum = std::numeric_limits<float>::infinity();
    for (int k = 0; k < 4; ++k) {
      const float v = values[static_cast<std::size_t>(row * 4 + k)];
      sums.push_back(sum += v);
      products.push_back(product *= v);
      minima.push_back(minimum = std::min(minimum, v));
    }
    float tail = 0;
    for (int k = 3; k >= 0; --k) {
      const auto i = static_cast<std::size_t>(row * 4 + k);
      reverse_sums[i] = tail += values[i];
    }
  }
  EXPECT_EQ(lax::cumsum(x, 1).to_vector<float>(), sums);
  EXPECT_EQ(lax::cumprod(x, 1).to_vector<float>(), products);
  EXPECT_EQ(lax::cummin(x, 1).to_vector<float>(), minima);
  EXPECT_EQ(lax::cumsum(x, 1, true).to_vector<float>(), reverse_sums);
  // sort along the last axis.
  std::vector<float> sorted = values;
  std::sort(sorted.begin(), sorted.begin() + 4);
  std::sort(sorted.begin() + 4, sorted.end());
  EXPECT_EQ(lax::sort(x, 1).to_vector<float>(), sorted);
}

}  // namespace
