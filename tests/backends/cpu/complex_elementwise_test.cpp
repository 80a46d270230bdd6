// The complex elementwise kernels (src/backends/cpu/complex_elementwise.cpp) against NumPy: every
// unary and binary operation jx defines on complex64 and complex128, on a grid of values with signed
// zeros, both branch-cut sides and non-finite parts, eagerly and under jit. The expected values are
// NumPy's in complex128 (tools/complex_oracle.py, tests/data/complex_oracle.json).
#include <gtest/gtest.h>

#include <complex>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "complex_oracle.h"
#include "jx/core/config.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/transforms/jit.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using json = nlohmann::json;

using Unary = std::function<Array(const Array&)>;
using Binary = std::function<Array(const Array&, const Array&)>;

const std::map<std::string, Unary>& unary_ops() {
  static const std::map<std::string, Unary> ops = {
      {"negative", [](const Array& x) { return jnp::negative(x); }},
      {"absolute", [](const Array& x) { return jnp::absolute(x); }},
      {"sign", [](const Array& x) { return jnp::sign(x); }},
      {"exp", [](const Array& x) { return jnp::exp(x); }},
      {"exp2", [](const Array& x) { return jnp::exp2(x); }},
      {"expm1", [](const Array& x) { return jnp::expm1(x); }},
      {"log", [](const Array& x) { return jnp::log(x); }},
      {"log1p", [](const Array& x) { return jnp::log1p(x); }},
      {"log2", [](const Array& x) { return jnp::log2(x); }},
      {"log10", [](const Array& x) { return jnp::log10(x); }},
      {"sqrt", [](const Array& x) { return jnp::sqrt(x); }},
      {"square", [](const Array& x) { return jnp::square(x); }},
      {"reciprocal", [](const Array& x) { return jnp::reciprocal(x); }},
      {"sin", [](const Array& x) { return jnp::sin(x); }},
      {"cos", [](const Array& x) { return jnp::cos(x); }},
      {"tan", [](const Array& x) { return jnp::tan(x); }},
      {"arcsin", [](const Array& x) { return jnp::arcsin(x); }},
      {"arccos", [](const Array& x) { return jnp::arccos(x); }},
      {"arctan", [](const Array& x) { return jnp::arctan(x); }},
      {"sinh", [](const Array& x) { return jnp::sinh(x); }},
      {"cosh", [](const Array& x) { return jnp::cosh(x); }},
      {"tanh", [](const Array& x) { return jnp::tanh(x); }},
      {"arcsinh", [](const Array& x) { return jnp::arcsinh(x); }},
      {"arccosh", [](const Array& x) { return jnp::arccosh(x); }},
      {"arctanh", [](const Array& x) { return jnp::arctanh(x); }},
      {"real", [](const Array& x) { return jnp::real(x); }},
      {"imag", [](const Array& x) { return jnp::imag(x); }},
      {"conjugate", [](const Array& x) { return jnp::conjugate(x); }},
      {"angle", [](const Array& x) { return jnp::angle(x); }},
      {"isfinite", [](const Array& x) { return jnp::isfinite(x); }},
      {"isnan", [](const Array& x) { return jnp::isnan(x); }},
      {"isinf", [](const Array& x) { return jnp::isinf(x); }},
  };
  return ops;
}

const std::map<std::string, Binary>& binary_ops() {
  static const std::map<std::string, Binary> ops = {
      {"add", [](const Array& a, const Array& b) { return jnp::add(a, b); }},
      {"subtract", [](const Array& a, const Array& b) { return jnp::subtract(a, b); }},
      {"multiply", [](const Array& a, const Array& b) { return jnp::multiply(a, b); }},
      {"true_divide", [](const Array& a, const Array& b) { return jnp::true_divide(a, b); }},
      {"power", [](const Array& a, const Array& b) { return jnp::power(a, b); }},
      {"equal", [](const Array& a, const Array& b) { return jnp::equal(a, b); }},
      {"not_equal", [](const Array& a, const Array& b) { return jnp::not_equal(a, b); }},
  };
  return ops;
}

jx::DType complex_dtype_named(const std::string& name) { return name == "complex64" ? jx::complex64 : jx::complex128; }

Array complex_input(const json& pairs, jx::DType dtype) {
  return jnp::array(jx::testing::oracle_complex(pairs), dtype);
}

// Compares one result with the case's expected values, whichever kind they are.
::testing::AssertionResult matches_case(const Array& result, const json& c, jx::DType dtype) {
  const double atol = c.at("atol"), rtol = c.at("rtol");
  if (c.contains("expected_bool")) {
    if (result.dtype() != jx::bool_) return ::testing::AssertionFailure() << "dtype " << jx::dtype_name(result.dtype());
    const std::vector<bool> expected = c.at("expected_bool");
    const std::vector<bool> actual = result.to_vector<bool>();
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (actual[i] != expected[i]) return ::testing::AssertionFailure() << "element " << i << " is " << actual[i];
    }
    return ::testing::AssertionSuccess();
  }
  if (c.contains("expected_real")) {
    if (result.dtype() != jx::real_dtype(dtype)) {
      return ::testing::AssertionFailure() << "dtype " << jx::dtype_name(result.dtype());
    }
    return jx::testing::matches_real(result, jx::testing::oracle_real(c.at("expected_real")), atol, rtol);
  }
  if (result.dtype() != dtype) return ::testing::AssertionFailure() << "dtype " << jx::dtype_name(result.dtype());
  return jx::testing::matches_complex(result, jx::testing::oracle_complex(c.at("expected")), atol, rtol);
}

TEST(ComplexElementwise, OracleIsPresent) {
  const json& oracle = jx::testing::complex_oracle();
  ASSERT_TRUE(oracle.contains("unary")) << "tests/data/complex_oracle.json is missing or empty";
  EXPECT_EQ(oracle.at("unary").size(), 2 * unary_ops().size());
  EXPECT_EQ(oracle.at("binary").size(), 2 * binary_ops().size());
}

TEST(ComplexElementwise, UnaryMatchesNumpyEagerAndJitted) {
  for (const json& c : jx::testing::complex_oracle().value("unary", json::array())) {
    const std::string op = c.at("op"), dtype_name = c.at("dtype");
    SCOPED_TRACE(op + " on " + dtype_name);
    auto x64 = jx::config::scoped({.enable_x64 = dtype_name == "complex128"});
    const jx::DType dtype = complex_dtype_named(dtype_name);
    const Unary& f = unary_ops().at(op);
    const Array x = complex_input(c.at("input"), dtype);
    EXPECT_TRUE(matches_case(f(x), c, dtype)) << "eager";
    EXPECT_TRUE(matches_case(jx::jit([&](const Array& v) { return f(v); })(x), c, dtype)) << "jit";
  }
}

TEST(ComplexElementwise, BinaryMatchesNumpyEagerAndJitted) {
  for (const json& c : jx::testing::complex_oracle().value("binary", json::array())) {
    const std::string op = c.at("op"), dtype_name = c.at("dtype");
    SCOPED_TRACE(op + " on " + dtype_name);
    auto x64 = jx::config::scoped({.enable_x64 = dtype_name == "complex128"});
    const jx::DType dtype = complex_dtype_named(dtype_name);
    const Binary& f = binary_ops().at(op);
    const Array a = complex_input(c.at("a"), dtype), b = complex_input(c.at("b"), dtype);
    EXPECT_TRUE(matches_case(f(a, b), c, dtype)) << "eager";
    EXPECT_TRUE(matches_case(jx::jit([&](const Array& x, const Array& y) { return f(x, y); })(a, b), c, dtype))
        << "jit";
    // A scalar operand is read with a step of 0: the first element of b against all of a.
    const Array first = b.reshape({-1})[0];
    const Array expected_broadcast = f(a, jnp::broadcast_to(first, a.shape()));
    EXPECT_TRUE(jnp::array_equal(f(a, first), expected_broadcast, /*equal_nan=*/true).item<bool>());
  }
}

TEST(ComplexElementwise, PartsAssembleAndConvert) {
  // lax.complex from float parts, and conversions: real -> complex has zero imaginary part, complex ->
  // real keeps the real part (as NumPy's astype and XLA), complex -> bool is "either part nonzero".
  const Array re = jnp::array({1.5f, -2.0f, 0.0f}), im = jnp::array({0.25f, 0.0f, -3.0f});
  const Array z = jx::lax::complex(re, im);
  ASSERT_EQ(z.dtype(), jx::complex64);
  EXPECT_TRUE(jx::testing::matches_complex(z, {{1.5, 0.25}, {-2, 0}, {0, -3}}, 0, 0));
  EXPECT_TRUE(jx::testing::matches_complex(re.astype(jx::complex64), {{1.5, 0}, {-2, 0}, {0, 0}}, 0, 0));
  EXPECT_EQ(z.astype(jx::float32).to_vector<float>(), (std::vector<float>{1.5f, -2.0f, 0.0f}));
  EXPECT_EQ(z.astype(jx::int32).to_vector<int>(), (std::vector<int>{1, -2, 0}));
  EXPECT_EQ(z.astype(jx::bool_).to_vector<bool>(), (std::vector<bool>{true, true, true}));
  EXPECT_EQ(jnp::zeros({2}, jx::complex64).astype(jx::bool_).to_vector<bool>(), (std::vector<bool>{false, false}));
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array wide = jx::lax::complex(jnp::array({1e-300}, jx::float64), jnp::array({2.0}, jx::float64));
  EXPECT_EQ(wide.dtype(), jx::complex128);
  EXPECT_EQ(wide.to_vector<std::complex<double>>()[0], std::complex<double>(1e-300, 2.0));
  EXPECT_THROW((void)jx::lax::complex(jnp::array({1}), jnp::array({2})), jx::DTypeError);
}

TEST(ComplexElementwise, OrderedOperationsRejectComplex) {
  const Array z = jnp::array({std::complex<float>(1, 2)});
  EXPECT_THROW((void)jnp::maximum(z, z), jx::DTypeError);
  EXPECT_THROW((void)jnp::less(z, z), jx::DTypeError);
  EXPECT_THROW((void)jnp::floor(z), jx::DTypeError);
  EXPECT_THROW((void)jnp::arctan2(z, z), jx::DTypeError);
  EXPECT_THROW((void)jnp::max(z), jx::DTypeError);
  EXPECT_THROW((void)jnp::argmax(z), jx::DTypeError);
  EXPECT_THROW((void)jx::lax::real(jnp::array({1.0f})), jx::DTypeError);  // lax is strict; jnp::real is not
  EXPECT_THROW((void)z.item<float>(), jx::DTypeError);
}

}  // namespace

// Arrays of complex128 large enough (16 MiB) that the tile driver stages outputs through its scratch
// tiles, and transposed inputs that it gathers into them: the tiles must hold 16-byte elements (they
// held 8, and a 2^20-element lax.complex wrote past them).
TEST(ComplexElementwise, LargeComplex128ArraysGoThroughTheScratchTiles) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  constexpr std::int64_t n = std::int64_t{1} << 20;
  const jx::Array re = jnp::reshape(jnp::arange(static_cast<double>(n), jx::float64), {1024, 1024});
  const jx::Array im = jnp::negative(re);
  const jx::Array z = jx::lax::complex(re, im);
  const jx::Array gathered = jx::lax::complex(jnp::transpose(re), jnp::transpose(im));
  const jx::Array product = jnp::multiply(gathered, jnp::transpose(z));
  const auto values = z.to_vector<std::complex<double>>();
  const auto products = product.to_vector<std::complex<double>>();
  for (std::int64_t i = 0; i < n; i += 4099) {
    const auto k = static_cast<std::size_t>(i);
    ASSERT_EQ(values[k], std::complex<double>(static_cast<double>(i), -static_cast<double>(i))) << i;
    // Element (r, c) of the transposed products: (x - x i)^2 = -2 x^2 i with x = c * 1024 + r.
    const double x = static_cast<double>((i % 1024) * 1024 + i / 1024);
    ASSERT_EQ(products[k], std::complex<double>(0.0, -2 * x * x)) << i;
  }
}
