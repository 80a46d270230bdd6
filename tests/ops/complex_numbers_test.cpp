// Complex arrays through jx::numpy: JAX's promotion with C++ std::complex scalars, NumPy's printing,
// reductions, products and the complex-specific functions, against NumPy's values
// (tests/data/complex_oracle.json) and closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "../complex_oracle.h"
#include "jx/core/config.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using json = nlohmann::json;
using c64 = std::complex<float>;
using namespace std::complex_literals;

TEST(ComplexNumbers, CppComplexScalarsAreWeaklyTyped) {
  // A std::complex is Python's complex: weakly typed, so it does not widen a complex64 array, and a
  // float32 array becomes complex64 (not complex128) when it meets one.
  const Array scalar(std::complex<double>(1, 2));
  EXPECT_EQ(scalar.dtype(), jx::complex64);
  EXPECT_TRUE(scalar.weak_type());
  const Array x = jnp::array({1.0f, 2.0f});
  EXPECT_EQ((x * 1.0i).dtype(), jx::complex64);
  EXPECT_FALSE((x * 1.0i).weak_type());
  EXPECT_TRUE(jx::testing::matches_complex(x * 1.0i, {{0, 1}, {0, 2}}, 0, 0));
  EXPECT_EQ((jnp::array({1, 2}) + c64(0, 1)).dtype(), jx::complex64);
  EXPECT_EQ((jnp::array({c64(1, 1)}) * 2.5).dtype(), jx::complex64);
  EXPECT_EQ(jnp::array({1.0f}, jx::float16).astype(jx::complex64).dtype(), jx::complex64);
  auto x64 = jx::config::scoped({.enable_x64 = true});
  EXPECT_EQ(Array(std::complex<float>(1, 2)).dtype(), jx::complex128);
  EXPECT_EQ((jnp::array({1.0}, jx::float64) + jnp::array({c64(1, 1)})).dtype(), jx::complex128);
  EXPECT_EQ((jnp::array({1.0f}, jx::float32) + jnp::array({c64(1, 1)}, jx::complex64)).dtype(), jx::complex64);
  EXPECT_EQ(jnp::array({c64(1, 1)}).dtype(), jx::complex128);  // a C++ complex is Python's: complex128 with x64
}

// Running products in the element type, as NumPy's cumprod; they also carry the derivative of prod.
TEST(ComplexNumbers, CumulativeProductsAndTheDerivativeOfProd) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  using c128 = std::complex<double>;
  const Array z = jnp::array({c128(1, 0.5), c128(2, -1), c128(-0.5, 2)});
  const auto running = jnp::cumprod(z).to_vector<c128>();
  const c128 a(1, 0.5), b(2, -1), c(-0.5, 2);
  EXPECT_EQ(running, (std::vector<c128>{a, a * b, a * b * c}));
  EXPECT_EQ(jnp::cumprod(jnp::reshape(z, {3, 1}), 0).to_vector<c128>(), (std::vector<c128>{a, a * b, a * b * c}));
  // JAX's convention for a real function of complex input, grad f = df/dx - i df/dy: for Re(prod z)
  // that is the holomorphic derivative, d prod / d z_i = the product of the others.
  const auto gradient = jx::grad([](const Array& x) { return jnp::real(jnp::prod(x)); })(z).to_vector<c128>();
  const std::vector<c128> others{b * c, a * c, a * b};
  for (std::size_t i = 0; i < 3; ++i) EXPECT_LT(std::abs(gradient[i] - others[i]), 1e-12) << i;
  jx::test::check_grads([](const Array& x) { return jnp::prod(x); }, {z}, 2);
  jx::test::check_grads([](const Array& x) { return jnp::cumprod(x); }, {z}, 1);
}

// A complex convolution is three real ones; NumPy's correlate conjugates its second operand.
TEST(ComplexNumbers, ConvolutionAndCorrelation) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  using c128 = std::complex<double>;
  const std::vector<c128> a{c128(1, 2), c128(-1, 0.5), c128(0.5, -3), c128(2, 1)}, v{c128(0.5, 1), c128(-2, 1)};
  std::vector<c128> full(a.size() + v.size() - 1, 0.0), correlation(full.size(), 0.0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < v.size(); ++j) {
      full[i + j] += a[i] * v[j];
      // NumPy's full correlation: c[k] = sum_n a[n + k - (len(v) - 1)] conj(v[n]).
      correlation[i + v.size() - 1 - j] += a[i] * std::conj(v[j]);
    }
  }
  const Array x = jnp::array(std::span<const c128>(a), {4}, jx::complex128);
  const Array y = jnp::array(std::span<const c128>(v), {2}, jx::complex128);
  const auto convolved = jnp::convolve(x, y).to_vector<c128>();
  const auto correlated = jnp::correlate(x, y, "full").to_vector<c128>();
  ASSERT_EQ(convolved.size(), full.size());
  for (std::size_t k = 0; k < full.size(); ++k) {
    EXPECT_LT(std::abs(convolved[k] - full[k]), 1e-12) << k;
    EXPECT_LT(std::abs(correlated[k] - correlation[k]), 1e-12) << k;
  }
  jx::test::check_grads([](const Array& p, const Array& q) { return jnp::convolve(p, q); }, {x, y}, 2);
}

// NumPy's order of complex numbers: by real part, ties by imaginary part, NaNs last.
TEST(ComplexNumbers, SortIsLexicographic) {
  const Array z = jnp::array({c64(2, 1), c64(1, 5), c64(2, -1), c64(std::nanf(""), 0), c64(1, -5), c64(-3, 0)});
  const auto sorted = jnp::sort(z).to_vector<c64>();
  const std::vector<c64> expected{c64(-3, 0), c64(1, -5), c64(1, 5), c64(2, -1), c64(2, 1)};
  EXPECT_EQ(std::vector<c64>(sorted.begin(), sorted.begin() + 5), expected);
  EXPECT_TRUE(std::isnan(sorted[5].real()));
  EXPECT_EQ(jnp::argsort(z).to_vector<std::int32_t>(), (std::vector<std::int32_t>{5, 4, 1, 2, 0, 3}));
}

TEST(ComplexNumbers, ReadBackAsStdComplex) {
  const Array z = jnp::array({c64(1.5f, -2), c64(0, 3)});
  EXPECT_EQ(z.to_vector<c64>(), (std::vector<c64>{c64(1.5f, -2), c64(0, 3)}));
  EXPECT_EQ(jnp::sum(z).item<c64>(), c64(1.5f, 1));
  EXPECT_EQ(jnp::array(2.0f).item<std::complex<double>>(), std::complex<double>(2, 0));  // real -> complex
}

TEST(ComplexNumbers, PrintsAsNumpy) {
  for (const json& c : jx::testing::complex_oracle().value("print", json::array())) {
    const std::string dtype = c.at("dtype");
    SCOPED_TRACE(std::string(c.at("str")));
    auto x64 = jx::config::scoped({.enable_x64 = dtype == "complex128"});
    const std::vector<std::int64_t> dims = c.at("shape");
    const Array x = jnp::array(jx::testing::oracle_complex(c.at("values")), jx::Shape(dims.begin(), dims.end()),
                               dtype == "complex64" ? jx::complex64 : jx::complex128);
    EXPECT_EQ(jx::to_string(x), std::string(c.at("str")));
    if (c.contains("repr")) {
      EXPECT_EQ(jx::repr(x), std::string(c.at("repr")));
    }
  }
  // A weak complex scalar, as JAX prints one.
  EXPECT_EQ(jx::repr(Array(2.0i)), "Array(0.+2.j, dtype=complex64, weak_type=True)");
}

TEST(ComplexNumbers, ReductionsMatchNumpy) {
  const json& r = jx::testing::complex_oracle().at("reductions");
  const std::vector<std::int64_t> dims = r.at("shape");
  const Array x =
      jnp::array(jx::testing::oracle_complex(r.at("input")), jx::Shape(dims.begin(), dims.end()), jx::complex64);
  for (const json& c : r.at("cases")) {
    const std::string op = c.at("op");
    SCOPED_TRACE(op + " over " + c.at("axis").dump());
    const std::optional<jx::Axes> axis =
        c.at("axis").is_null() ? std::nullopt : std::optional<jx::Axes>(jx::Axes{c.at("axis").get<int>()});
    Array result;
    if (op == "sum") result = jnp::sum(x, {.axis = axis});
    if (op == "prod") result = jnp::prod(x, {.axis = axis});
    if (op == "mean") result = jnp::mean(x, {.axis = axis});
    if (op == "var") result = jnp::var(x, {.axis = axis});
    if (op == "cumsum") result = jnp::cumsum(x, c.at("axis").get<int>());
    const std::vector<std::int64_t> shape = c.at("shape");
    EXPECT_EQ(result.shape(), jx::Shape(shape.begin(), shape.end()));
    if (op == "var") {
      EXPECT_EQ(result.dtype(), jx::float32);
      EXPECT_TRUE(jx::testing::matches_real(result, jx::testing::oracle_real(c.at("expected_real")), 1e-6, 1e-6));
    } else {
      EXPECT_EQ(result.dtype(), jx::complex64);
      EXPECT_TRUE(jx::testing::matches_complex(result, jx::testing::oracle_complex(c.at("expected")), 1e-6, 1e-6));
    }
    // The same under jit (products and sums of complex numbers run as their own kernels there).
    if (op == "sum" || op == "prod") {
      const Array jitted = jx::jit(
          [&](const Array& v) { return op == "sum" ? jnp::sum(v, {.axis = axis}) : jnp::prod(v, {.axis = axis}); })(x);
      EXPECT_TRUE(jnp::allclose(jitted, result).item<bool>());
    }
  }
}

TEST(ComplexNumbers, MatmulAndVdotMatchNumpy) {
  for (const json& c : jx::testing::complex_oracle().at("matmul")) {
    const std::string dtype_name = c.at("dtype");
    SCOPED_TRACE(dtype_name);
    auto x64 = jx::config::scoped({.enable_x64 = dtype_name == "complex128"});
    const jx::DType dtype = dtype_name == "complex64" ? jx::complex64 : jx::complex128;
    const std::vector<std::int64_t> a_shape = c.at("a_shape"), b_shape = c.at("b_shape");
    const Array a =
        jnp::array(jx::testing::oracle_complex(c.at("a")), jx::Shape(a_shape.begin(), a_shape.end()), dtype);
    const Array b =
        jnp::array(jx::testing::oracle_complex(c.at("b")), jx::Shape(b_shape.begin(), b_shape.end()), dtype);
    const double rtol = c.at("rtol");
    const Array product = jnp::matmul(a, b);
    EXPECT_EQ(product.dtype(), dtype);
    EXPECT_TRUE(jx::testing::matches_complex(product, jx::testing::oracle_complex(c.at("expected")), rtol, rtol));
    EXPECT_TRUE(
        jx::testing::matches_complex(jx::jit([](const Array& x, const Array& y) { return jnp::matmul(x, y); })(a, b),
                                     jx::testing::oracle_complex(c.at("expected")), rtol, rtol));
    // A transposed operand goes to BLAS as a transpose flag, not a copy: (b^T a^T)^T = a b.
    EXPECT_TRUE(jx::testing::matches_complex(jnp::matmul(b.transpose(), a.transpose()).transpose(),
                                             jx::testing::oracle_complex(c.at("expected")), rtol, rtol));
    EXPECT_TRUE(jx::testing::matches_complex(jnp::vdot(a[0], b(jx::Slice{}, 0)),
                                             jx::testing::oracle_complex(c.at("vdot")), rtol, rtol));
  }
}

TEST(ComplexNumbers, PartsAngleAndKinds) {
  const Array z = jnp::array({c64(3, 4), c64(-1, 0), c64(0, -2)});
  EXPECT_EQ(jnp::real(z).to_vector<float>(), (std::vector<float>{3, -1, 0}));
  EXPECT_EQ(jnp::imag(z).to_vector<float>(), (std::vector<float>{4, 0, -2}));
  EXPECT_EQ(jnp::conj(z).to_vector<c64>(), (std::vector<c64>{c64(3, -4), c64(-1, -0.0f), c64(0, 2)}));
  const std::vector<float> angles = jnp::angle(z).to_vector<float>();
  EXPECT_FLOAT_EQ(angles[0], std::atan2(4.0f, 3.0f));
  EXPECT_FLOAT_EQ(angles[1], std::numbers::pi_v<float>);
  EXPECT_FLOAT_EQ(jnp::angle(z, /*deg=*/true).to_vector<float>()[2], -90.0f);
  EXPECT_EQ(jnp::iscomplex(z).to_vector<bool>(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(jnp::isreal(z).to_vector<bool>(), (std::vector<bool>{false, true, false}));
  EXPECT_TRUE(jnp::iscomplexobj(z));
  EXPECT_TRUE(jnp::isrealobj(jnp::real(z)));
  // Real arrays: their own real part and conjugate, zero imaginary part.
  const Array x = jnp::array({1.5f, -2.0f});
  EXPECT_EQ(jnp::real(x).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(jnp::conjugate(x).dtype(), jx::float32);
  EXPECT_EQ(jnp::imag(x).to_vector<float>(), (std::vector<float>{0, 0}));
  EXPECT_EQ(jnp::angle(x).to_vector<float>(), (std::vector<float>{0, std::numbers::pi_v<float>}));
}

TEST(ComplexNumbers, ClosenessAndRounding) {
  const Array a = jnp::array({c64(1, 1), c64(2, -1)});
  EXPECT_EQ(jnp::isclose(a, a + c64(0, 1e-7f)).to_vector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ(jnp::isclose(a, a + c64(0, 1e-3f)).to_vector<bool>(), (std::vector<bool>{false, false}));
  // NumPy rounds each part: round(1.25 - 2.75j, 1) == 1.2 - 2.8j (halves to even).
  EXPECT_TRUE(jx::testing::matches_complex(jnp::round(jnp::array({c64(1.25f, -2.75f)}), 1), {{1.2, -2.8}}, 1e-6, 0));
}

TEST(ComplexNumbers, IndexedUpdatesAndWhatHasNoComplexOrder) {
  const Array z = jnp::array({c64(1, 2), c64(3, -4), c64(0, 1)});
  EXPECT_EQ(z.at(1).set(c64(9, 9)).to_vector<c64>(), (std::vector<c64>{c64(1, 2), c64(9, 9), c64(0, 1)}));
  EXPECT_EQ(z.at(jnp::array({0, 0})).add(c64(1, 1)).to_vector<c64>(),
            (std::vector<c64>{c64(3, 4), c64(3, -4), c64(0, 1)}));  // repeated indices accumulate
  EXPECT_EQ(z.at(2).mul(c64(0, 1)).to_vector<c64>(), (std::vector<c64>{c64(1, 2), c64(3, -4), c64(-1, 0)}));
  EXPECT_TRUE(jnp::array_equal(jnp::where(jnp::array({true, false, true}), z, jnp::conj(z)),
                               jnp::array({c64(1, 2), c64(3, 4), c64(0, 1)}))
                  .item<bool>());
  EXPECT_THROW((void)z.at(0).min(c64(0, 0)), jx::DTypeError);
  EXPECT_THROW((void)jx::lax::cummax(z, 0), jx::DTypeError);
}

TEST(ComplexNumbers, VmapOfComplexFunction) {
  // |z|^2 of each row, batched, against a loop.
  const Array z = jnp::array({c64(1, 2), c64(3, -4), c64(0.5f, 0.5f), c64(-2, 1)}).reshape({2, 2});
  const auto squared_norm = [](const Array& row) { return jnp::sum(row * jnp::conj(row)); };
  const Array batched = jx::vmap(squared_norm)(z);
  EXPECT_TRUE(jx::testing::matches_complex(batched, {{30, 0}, {5.5, 0}}, 1e-6, 1e-6));
}

}  // namespace
