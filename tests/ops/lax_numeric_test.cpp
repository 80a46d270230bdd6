// jx::lax's special functions, bit operations, reduce_precision, select_n and dot (jx/lax/numeric.h)
// against SciPy and NumPy values computed once and written here (the comments name the calls), exact
// integer arithmetic done in Python for the bit operations, finite differences for derivatives, and
// jit/vmap against eager results.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "error_expectations.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/numeric.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::Array;
using jx_test::expect_error;

void expect_near(const Array& got, const std::vector<double>& want, double tolerance) {
  const auto values = got.to_vector<double>();
  ASSERT_EQ(values.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (std::isinf(want[i])) {
      EXPECT_EQ(values[i], want[i]) << "at " << i;
    } else {
      EXPECT_NEAR(values[i], want[i], tolerance * (1 + std::fabs(want[i]))) << "at " << i;
    }
  }
}

TEST(LaxNumeric, SpecialFunctionsMatchScipy) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array x = jnp::array({0.5, -1.0, 3.0});
  // scipy.special.i0e / i1e at [0.5, -1, 3]
  expect_near(lax::bessel_i0e(x), {0.64503527, 0.46575961, 0.24300035}, 1e-7);
  expect_near(lax::bessel_i1e(x), {0.1564208, -0.20791042, 0.19682671}, 1e-7);
  const Array a = jnp::array({0.5, 2.0, 3.5}), z = jnp::array({0.3, 1.0, 4.0});
  // scipy.special.gammainc / gammaincc(a, z)
  expect_near(lax::igamma(a, z), {0.56142197, 0.26424112, 0.6674061}, 1e-7);
  expect_near(lax::igammac(a, z), {0.43857803, 0.73575888, 0.3325939}, 1e-7);
  // scipy.special.betainc([0.5, 2, 3], [1.5, 2, 0.5], [0.2, 0.5, 0.9])
  expect_near(lax::betainc(jnp::array({0.5, 2.0, 3.0}), jnp::array({1.5, 2.0, 0.5}), jnp::array({0.2, 0.5, 0.9})),
              {0.54981514, 0.5, 0.44541556}, 1e-7);
  // scipy.special.digamma([0.5, 1, 3.7]), polygamma([1, 2, 3], [0.5, 1.5, 2]), zeta([2, 3, 4.5], [1, 2.5, 0.5])
  expect_near(lax::digamma(jnp::array({0.5, 1.0, 3.7})), {-1.96351003, -0.57721566, 1.16715354}, 1e-7);
  expect_near(lax::polygamma(jnp::array({1.0, 2.0, 3.0}), jnp::array({0.5, 1.5, 2.0})),
              {4.9348022, -0.82879664, 0.4939394}, 1e-7);
  expect_near(lax::zeta(jnp::array({2.0, 3.0, 4.5}), jnp::array({1.0, 2.5, 0.5})),
              {1.64493407, 0.11810203, 22.81059915}, 1e-7);
  // A weakly typed scalar takes the other operand's dtype.
  EXPECT_EQ(lax::igamma(2.0, z).dtype(), jx::float64);
}

TEST(LaxNumeric, SpecialFunctionsAreStrictAboutTypes) {
  expect_error<jx::DTypeError>([] { lax::bessel_i0e(jnp::array({1, 2})); }, {"bessel_i0e"});
  expect_error<jx::DTypeError>([] { lax::igamma(jnp::array({1.0f}), jnp::array({1}, jx::int32)); }, {"igamma"});
  expect_error<jx::ShapeError>([] { lax::zeta(jnp::ones({2}), jnp::ones({3})); }, {"zeta"});
}

TEST(LaxNumeric, IgammaGradAIsTheDerivativeInA) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const std::vector<double> as = {0.5, 2.0, 3.5}, xs = {0.3, 1.0, 4.0};
  const Array a = jnp::array(as), x = jnp::array(xs);
  const Array got = lax::igamma_grad_a(a, x);
  // Central differences of P(a, x) in a.
  const double h = 1e-5;
  const auto up = lax::igamma(a + h, x).to_vector<double>(), down = lax::igamma(a - h, x).to_vector<double>();
  std::vector<double> want;
  for (std::size_t i = 0; i < as.size(); ++i) want.push_back((up[i] - down[i]) / (2 * h));
  expect_near(got, want, 1e-6);
  // random_gamma_grad keeps P(a, x(a)) fixed: dP/da + dP/dx dx/da = 0, dP/dx by differences too.
  const auto right = lax::igamma(a, x + h).to_vector<double>(), left = lax::igamma(a, x - h).to_vector<double>();
  const auto dx_da = lax::random_gamma_grad(a, x).to_vector<double>();
  for (std::size_t i = 0; i < as.size(); ++i) EXPECT_NEAR(want[i] + (right[i] - left[i]) / (2 * h) * dx_da[i], 0, 1e-6);
}

TEST(LaxNumeric, PopulationCountAndClzCountTwosComplementBits) {
  // bin(v & 0xffffffff).count('1') for [0, 1, -1, 255, -256, 2**31 - 1]
  const Array words = jnp::array({0, 1, -1, 255, -256, 2147483647}, jx::int32);
  const Array counts = lax::population_count(words);
  EXPECT_EQ(counts.dtype(), jx::int32);
  EXPECT_EQ(counts.to_vector<int>(), (std::vector<int>{0, 1, 32, 8, 24, 31}));
  // Leading zeros of int8 [0, 1, -1, 16, 127]
  const Array bytes = jnp::array({0, 1, -1, 16, 127}, jx::int8);
  EXPECT_EQ(lax::clz(bytes).to_vector<int>(), (std::vector<int>{8, 7, 0, 3, 1}));
  EXPECT_EQ(lax::clz(bytes).dtype(), jx::int8);
  EXPECT_EQ(lax::clz(jnp::array({1u, 0x80000000u, 0u}, jx::uint32)).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{31, 0, 32}));
  EXPECT_EQ(lax::population_count(jnp::array({0xFFFFu}, jx::uint16)).to_vector<int>(), (std::vector<int>{16}));
  expect_error<jx::DTypeError>([] { lax::population_count(jnp::array({1.0f})); }, {"population_count"});
  expect_error<jx::DTypeError>([] { lax::clz(jnp::array({true})); }, {"clz"});
}

TEST(LaxNumeric, MulhiIsTheHighHalfOfTheFullProduct) {
  // (a * b) >> 32 in Python's integers.
  const Array a = jnp::array({123456789, -5, 2147483647, -2147483647 - 1}, jx::int32);
  const Array b = jnp::array({987654321, 7, 2147483647, 3}, jx::int32);
  EXPECT_EQ(lax::mulhi(a, b).to_vector<int>(), (std::vector<int>{28389652, -1, 1073741823, -2}));
  const Array au = jnp::array({4000000000u, 7u, 4294967295u}, jx::uint32);
  const Array bu = jnp::array({4000000000u, 9u, 4294967295u}, jx::uint32);
  EXPECT_EQ(lax::mulhi(au, bu).to_vector<std::int64_t>(), (std::vector<std::int64_t>{3725290298, 0, 4294967294}));
  // uint8: 200 * 200 = 40000 = 156 * 256 + 64
  EXPECT_EQ(lax::mulhi(jnp::array({200}, jx::uint8), jnp::array({200}, jx::uint8)).to_vector<int>(),
            (std::vector<int>{156}));
  EXPECT_EQ(jx::jit([](const Array& p, const Array& q) { return lax::mulhi(p, q); })(a, b).to_vector<int>(),
            lax::mulhi(a, b).to_vector<int>());
  expect_error<jx::DTypeError>([&] { lax::mulhi(a, au); }, {"mulhi"});
}

TEST(LaxNumeric, ReduceXorFoldsEveryAxisGiven) {
  const Array x = jnp::array({{3, 5, 6}, {1, 1, 7}});
  // np.bitwise_xor.reduce(x, axis=1) and axis=0
  EXPECT_EQ(lax::reduce_xor(x, {1}).to_vector<int>(), (std::vector<int>{0, 7}));
  EXPECT_EQ(lax::reduce_xor(x, {0}).to_vector<int>(), (std::vector<int>{2, 4, 1}));
  EXPECT_EQ(lax::reduce_xor(x, {0, 1}).item<int>(), 7);
  EXPECT_EQ(lax::reduce_xor(jnp::array({true, true, true}), {0}).item<bool>(), true);
  EXPECT_EQ(lax::reduce_xor(jnp::zeros({2, 0}, jx::int32), {1}).to_vector<int>(), (std::vector<int>{0, 0}));
  const Array rows = jx::vmap([](const Array& r) { return lax::reduce_xor(r, {0}); })(x);
  EXPECT_EQ(rows.to_vector<int>(), (std::vector<int>{0, 7}));
  expect_error<jx::DTypeError>([] { lax::reduce_xor(jnp::ones({2}), {0}); }, {"reduce_xor"});
}

TEST(LaxNumeric, ReducePrecisionRoundsAsXlaDoes) {
  const float min_normal_half = std::ldexp(1.0f, -14);
  const Array x = jnp::array(
      {1.0f, 1e-5f, 3.14159f, 65504.0f, 70000.0f, -1e-3f, 0.75f * min_normal_half, 65520.0f, -min_normal_half});
  // numpy: x.astype(float16).astype(float32), except that float16's subnormals (1e-5 and 0.75 * 2^-14)
  // are flushed to zero, as XLA's ReducePrecision has no subnormals.
  const std::vector<float> want = {1.0f, 0.0f,     3.140625f,       65504.0f, INFINITY, -0.0010004043579101562f,
                                   0.0f, INFINITY, -min_normal_half};
  EXPECT_EQ(lax::reduce_precision(x, 5, 10).to_vector<float>(), want);
  // bfloat16 (8, 7): round to nearest even on the upper 16 bits, done on the bit patterns in Python.
  const Array y = jnp::array({1.0f / 3, 3.14159f, -2.71828f, 1e-30f, 3e38f});
  EXPECT_EQ(lax::reduce_precision(y, 8, 7).to_vector<float>(),
            (std::vector<float>{0.333984375f, 3.140625f, -2.71875f, 9.98402083170343e-31f, 3.00405527047391e+38f}));
  // Ties go to even: 1 + 2^-11 is halfway between float16's 1 and 1 + 2^-10.
  EXPECT_EQ(lax::reduce_precision(jnp::array({1.0f + std::ldexp(1.0f, -11), 1.0f + 3 * std::ldexp(1.0f, -11)}), 5, 10)
                .to_vector<float>(),
            (std::vector<float>{1.0f, 1.0f + std::ldexp(1.0f, -9)}));
  {
    // float64 through float32's format: numpy float64(float32(1/3)); 1e300 overflows float32.
    auto x64 = jx::config::scoped({.enable_x64 = true});
    EXPECT_EQ(lax::reduce_precision(jnp::array({1.0 / 3, 1e300}), 8, 23).to_vector<double>(),
              (std::vector<double>{0.3333333432674408, INFINITY}));
  }
  const auto special = lax::reduce_precision(jnp::array({NAN, -INFINITY}), 5, 10).to_vector<float>();
  EXPECT_TRUE(std::isnan(special[0]));
  EXPECT_EQ(special[1], -INFINITY);
  EXPECT_TRUE(std::signbit(lax::reduce_precision(jnp::array({-1e-6f}), 5, 10).to_vector<float>()[0]));
  // jit and vmap agree; the derivative is the reduced tangent (1 here).
  auto f = [](const Array& v) { return lax::reduce_precision(v, 5, 10); };
  EXPECT_EQ(jx::jit(f)(x).to_vector<float>(), want);
  EXPECT_EQ(jx::vmap(f)(x).to_vector<float>(), want);
  EXPECT_EQ(jx::grad([&](const Array& v) { return jnp::sum(f(v)); })(jnp::array({0.3f, 2.0f})).to_vector<float>(),
            (std::vector<float>{1.0f, 1.0f}));
  expect_error<jx::DTypeError>([] { lax::reduce_precision(jnp::array({1}), 5, 10); }, {"reduce_precision"});
  expect_error<jx::ValueError>([] { lax::reduce_precision(jnp::array({1.0f}), 0, 10); }, {"reduce_precision"});
}

TEST(LaxNumeric, SelectNPicksACasePerElement) {
  const Array a = jnp::array({1.0f, 2.0f, 3.0f}), b = jnp::array({10.0f, 20.0f, 30.0f}),
              c = jnp::array({100.0f, 200.0f, 300.0f});
  EXPECT_EQ(lax::select_n(jnp::array({2, 0, 1}), {a, b, c}).to_vector<float>(), (std::vector<float>{100, 2, 30}));
  EXPECT_EQ(lax::select_n(jnp::array({true, false, true}), {a, b}).to_vector<float>(), (std::vector<float>{10, 2, 30}));
  EXPECT_EQ(lax::select_n(jnp::array(1), {a, b}).to_vector<float>(), (std::vector<float>{10, 20, 30}));
  // The derivative flows to the chosen case only.
  const Array g = jx::grad([&](const Array& v) { return jnp::sum(lax::select_n(jnp::array({1, 0, 1}), {a, v})); })(b);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{1, 0, 1}));
  expect_error<jx::ValueError>([] { lax::select_n(jnp::array(true), {}); }, {"select_n"});
  expect_error<jx::ValueError>([&] { lax::select_n(jnp::array(true), {a, b, c}); }, {"select_n"});
  expect_error<jx::ShapeError>([&] { lax::select_n(jnp::array({0, 1}), {a, b}); }, {"select_n"});
  expect_error<jx::DTypeError>([&] { lax::select_n(jnp::array(1), {a, jnp::array({1, 2, 3})}); }, {"select_n"});
}

TEST(LaxNumeric, DotAndBatchMatmulContractAsMatrixProducts) {
  const Array m = jnp::array({{1.0f, 2.0f}, {3.0f, 4.0f}}), v = jnp::array({5.0f, 6.0f});
  EXPECT_EQ(lax::dot(m, v).to_vector<float>(), (std::vector<float>{17, 39}));
  EXPECT_EQ(lax::dot(v, v).item<float>(), 61.0f);
  EXPECT_EQ(lax::dot(m, m).to_vector<float>(), (std::vector<float>{7, 10, 15, 22}));
  // Contracting m's first axis: m^T v.
  EXPECT_EQ(lax::dot(m, v, {.dimension_numbers = lax::DotDimensionNumbers{{0}, {0}, {}, {}}}).to_vector<float>(),
            (std::vector<float>{23, 34}));
  const Array i8 = jnp::array({100, 100}, jx::int8);
  const Array wide = lax::dot(i8, i8, {.preferred_element_type = jx::int32});
  EXPECT_EQ(wide.dtype(), jx::int32);
  EXPECT_EQ(wide.item<int>(), 20000);
  const Array batch = jnp::reshape(jnp::arange(8.0f), {2, 2, 2});
  // numpy: np.arange(8.).reshape(2, 2, 2) @ itself
  EXPECT_EQ(lax::batch_matmul(batch, batch).to_vector<float>(), (std::vector<float>{2, 3, 6, 11, 46, 55, 66, 79}));
  expect_error<jx::ValueError>([&] { lax::dot(batch, batch); }, {"dot"});
  expect_error<jx::ValueError>([&] { lax::batch_matmul(batch, m); }, {"batch_matmul"});
  expect_error<jx::ValueError>([&] { lax::batch_matmul(v, v); }, {"batch_matmul"});
  jx::test::check_grads([](const Array& p, const Array& q) { return lax::batch_matmul(p, q); },
                        {jnp::reshape(jnp::arange(12.0), {2, 2, 3}) * 0.1, jnp::reshape(jnp::arange(6.0), {2, 3, 1})},
                        1);
}

TEST(LaxNumeric, HelpersDtypeBarrierAndPlatformDependent) {
  EXPECT_EQ(lax::dtype(jnp::zeros({2}, jx::int8)), jx::int8);
  EXPECT_EQ(lax::dtype(1.5), jx::float32);
  EXPECT_EQ(lax::dtype(jx::float64), jx::float32);  // canonicalized without x64
  {
    auto x64 = jx::config::scoped({.enable_x64 = true});
    EXPECT_EQ(lax::dtype(jx::float64), jx::float64);
  }
  const Array x = jnp::array({1.0f, 2.0f});
  EXPECT_EQ(lax::optimization_barrier(x).to_vector<float>(), x.to_vector<float>());
  const auto pair = lax::optimization_barrier(std::pair<Array, Array>{x, x * 2});
  EXPECT_EQ(pair.second.to_vector<float>(), (std::vector<float>{2, 4}));
  // jx runs on the CPU: the cpu branch when there is one, else the default.
  const Array on_cpu = lax::platform_dependent(x, lax::PlatformBranches{.cpu = [](const Array& v) { return v + 1; },
                                                                        .default_ = [](const Array& v) { return v; }});
  EXPECT_EQ(on_cpu.to_vector<float>(), (std::vector<float>{2, 3}));
  const Array by_default =
      lax::platform_dependent(x, 3.0f,
                              lax::PlatformBranches{.tpu = [](const Array& v, float) { return v; },
                                                    .default_ = [](const Array& v, float s) { return v * s; }});
  EXPECT_EQ(by_default.to_vector<float>(), (std::vector<float>{3, 6}));
  const Array jitted = jx::jit([](const Array& v) {
    return lax::platform_dependent(v, lax::PlatformBranches{.cpu = [](const Array& w) { return w * w; }});
  })(x);
  EXPECT_EQ(jitted.to_vector<float>(), (std::vector<float>{1, 4}));
}

}  // namespace

namespace {

// lax::round breaks ties away from zero by default and to even on request (NumPy's np.round is the
// latter; the former is C's std::round).
TEST(LaxRound, RoundingMethods) {
  const std::vector<float> xs = {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 2.4f, -2.6f, 3.0f};
  const jx::Array x = jx::numpy::array(xs);
  std::vector<float> away, even;
  for (float v : xs) {
    away.push_back(std::round(v));
    even.push_back(std::nearbyint(v));  // the default floating-point environment rounds to even
  }
  EXPECT_EQ(jx::lax::round(x).to_vector<float>(), away);
  EXPECT_EQ(jx::lax::round(x, jx::lax::RoundingMethod::away_from_zero).to_vector<float>(), away);
  EXPECT_EQ(jx::lax::round(x, jx::lax::RoundingMethod::to_nearest_even).to_vector<float>(), even);
  EXPECT_EQ(jx::jit([](const jx::Array& v) { return jx::lax::round(v); })(x).to_vector<float>(), away);
  // Its derivative is zero, as every rounding's.
  EXPECT_EQ(jx::grad([](const jx::Array& v) { return jx::lax::round(v * 3.0f); })(jx::Array(0.7f)).item<float>(), 0.0f);
}

}  // namespace
