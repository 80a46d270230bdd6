// jx/scipy/special_integrals.h's hyp2f1, sph_harm_y and wofz (src/ops/scipy_special_hypergeometric.cpp,
// scipy_special_harmonics.cpp, scipy_special_faddeeva.cpp) against SciPy (tests/data/scipy_oracle.json,
// family "special_hypergeometric"), eagerly, under jit and under vmap; derivatives against closed forms
// and finite differences; identities; bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <optional>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/scipy/special_integrals.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
namespace special = jx::scipy::special;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;

bool close(const Array& actual, const Array& expected, double rtol, double atol = 0) {
  return jnp::allclose(actual, expected, {.rtol = rtol, .atol = atol}).item<bool>();
}

TEST(ScipySpecialHypergeometric, MatchScipy) {
  const jx::testing::OracleOps ops = {
      {"hyp2f1",
       {[](const Arrays& a, const json&) { return Arrays{special::hyp2f1(a.at(0), a.at(1), a.at(2), a.at(3))}; }}},
      // n_max is static (JAX's too): under jit, n is traced.
      {"sph_harm_y", {[](const Arrays& a, const json& p) {
         return Arrays{special::sph_harm_y(a.at(0), a.at(1), a.at(2), a.at(3), 0, p.at("n_max").get<int>())};
       }}},
      {"wofz", {[](const Arrays& a, const json&) { return Arrays{special::wofz(a.at(0))}; }}},
  };
  jx::testing::replay_family("scipy_oracle.json", "special_hypergeometric", ops);
}

TEST(ScipySpecialHypergeometric, Hyp2f1Identities) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array x = jnp::array({-30.0, -2.0, -0.5, 0.2, 0.6, 0.93, 0.999}, jx::float64);
  // 2F1(1, 1; 2; x) = -log(1 - x) / x; 2F1(1/2, 1; 3/2; -x^2) = arctan(x) / x (x = sqrt(-t), t < 0).
  const Array log_form = -jnp::log1p(-x) / x;
  EXPECT_TRUE(close(special::hyp2f1(Array(1.0), Array(1.0), Array(2.0), x), log_form, 1e-12));
  const Array t = jnp::array({-50.0, -4.0, -0.3}, jx::float64);
  const Array root = jnp::sqrt(-t);
  EXPECT_TRUE(close(special::hyp2f1(Array(0.5), Array(1.0), Array(1.5), t), jnp::arctan(root) / root, 1e-12));
  // 2F1(a, b; b; x) = (1 - x)^-a, and the polynomial 2F1(-2, b; c; x) = 1 - 2 b x / c + b (b + 1) x^2 / (c (c + 1)).
  const Array p = special::hyp2f1(Array(-2.0), Array(1.5), Array(2.5), x);
  EXPECT_TRUE(close(p, 1.0 - 2.0 * 1.5 * x / 2.5 + 1.5 * 2.5 * x * x / (2.5 * 3.5), 1e-12));
  // float32 stays float32; integers become the default float type.
  EXPECT_EQ(special::hyp2f1(Array(1.0f), Array(1.0f), Array(2.0f), jnp::array({0.5f}, jx::float32)).dtype(),
            jx::float32);
}

TEST(ScipySpecialHypergeometric, Hyp2f1Derivatives) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = jnp::array({0.5, 1.5, 2.0}, jx::float64), b = jnp::array({1.5, 0.7, 3.0}, jx::float64);
  const Array c = jnp::array({2.5, 3.2, 4.5}, jx::float64), x = jnp::array({0.3, -0.4, 0.6}, jx::float64);
  // JAX's rules: d/dx = a b / c 2F1(a + 1, b + 1; c + 1; x).
  const Array dx = jx::grad([&](const Array& t) { return jnp::sum(special::hyp2f1(a, b, c, t)); })(x);
  EXPECT_TRUE(close(dx, a * b / c * special::hyp2f1(a + 1.0, b + 1.0, c + 1.0, x), 1e-13));
  // The parameters' series against central differences of the value (inside |x| < 1).
  jx::test::check_grads([&](const Array& p, const Array& q, const Array& r) { return special::hyp2f1(p, q, r, x); },
                        {a, b, c}, 1, jx::test::Modes::both, 1e-7, 1e-7);
  // At b = c (the closed form (1 - x)^-a), d/db and d/dc are still 2F1's, not 0.
  const Array db =
      jx::grad([](const Array& q) { return special::hyp2f1(Array(1.0), q, Array(2.0), Array(0.5)); })(Array(2.0));
  const double h = 1e-6;
  const double central = (special::hyp2f1(Array(1.0), Array(2.0 + h), Array(2.0), Array(0.5)).item<double>() -
                          special::hyp2f1(Array(1.0), Array(2.0 - h), Array(2.0), Array(0.5)).item<double>()) /
                         (2 * h);
  EXPECT_NEAR(db.item<double>(), central, 1e-7);
  EXPECT_GT(std::abs(db.item<double>()), 0.1);
}

TEST(ScipySpecialHypergeometric, SphHarmY) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array theta = jnp::array({0.3, 1.1, 2.4}, jx::float64), phi = jnp::array({0.5, 3.0, 5.9}, jx::float64);
  const auto y = [&](int n, int m) {
    return special::sph_harm_y(jnp::full({3}, n, jx::int32), jnp::full({3}, m, jx::int32), theta, phi);
  };
  // Y_1^0 = sqrt(3 / 4 pi) cos(theta); Y_1^1 = -sqrt(3 / 8 pi) sin(theta) e^(i phi).
  EXPECT_TRUE(close(jnp::real(y(1, 0)), std::sqrt(3 / (4 * std::numbers::pi)) * jnp::cos(theta), 1e-14));
  EXPECT_TRUE(close(jnp::imag(y(1, 1)), -std::sqrt(3 / (8 * std::numbers::pi)) * jnp::sin(theta) * jnp::sin(phi), 1e-14,
                    1e-15));
  // Y_n^-m = (-1)^m conj(Y_n^m).
  EXPECT_TRUE(close(y(5, -3), -jnp::conj(y(5, 3)), 1e-14, 1e-15));
  EXPECT_EQ(y(2, 1).dtype(), jx::complex128);
  EXPECT_EQ(
      special::sph_harm_y(Array(2), Array(1), jnp::array({0.5f}, jx::float32), jnp::array({0.5f}, jx::float32)).dtype(),
      jx::complex64);
  // Under jit, n_max must be given (n is traced); with it, the same values.
  const Array n = jnp::array({0, 3, 6}, jx::int32), m = jnp::array({0, -2, 5}, jx::int32);
  EXPECT_THROW(jx::jit([&](const Array& degree) { return special::sph_harm_y(degree, m, theta, phi); })(n),
               jx::ConcretizationError);
  const Array jitted =
      jx::jit([&](const Array& degree) { return special::sph_harm_y(degree, m, theta, phi, 0, 6); })(n);
  EXPECT_TRUE(close(jitted, special::sph_harm_y(n, m, theta, phi), 1e-15));
  // Differentiable in the angles: |Y| depends on theta only; d/dphi Y = i m Y.
  const auto imag_part = [&](const Array& azimuth) {
    return jnp::imag(special::sph_harm_y(jnp::full({3}, 4, jx::int32), jnp::full({3}, 2, jx::int32), theta, azimuth));
  };
  const Array slope = jx::grad([&](const Array& azimuth) { return jnp::sum(imag_part(azimuth)); })(phi);
  const Array value = special::sph_harm_y(jnp::full({3}, 4, jx::int32), jnp::full({3}, 2, jx::int32), theta, phi);
  EXPECT_TRUE(close(slope, 2.0 * jnp::real(value), 1e-13, 1e-15));
  jx::test::check_grads([&](const Array& polar) { return jnp::real(special::sph_harm_y(n, m, polar, phi)); }, {theta},
                        1);
}

TEST(ScipySpecialHypergeometric, Wofz) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array z = jnp::array({0.3, -2.0, 1.5, 0.0}, jx::float64) * std::complex<double>(1, 0) +
                  jnp::array({0.4, 1.0, -0.7, 2.0}, jx::float64) * std::complex<double>(0, 1);
  // w(iy) = erfcx(y) for real y; w(x) has real part exp(-x^2) and imaginary part 2 dawsn(x) / sqrt(pi).
  const Array y = jnp::array({0.0, 0.5, 3.0, 30.0}, jx::float64);
  const Array on_imaginary = special::wofz(y * std::complex<double>(0, 1));
  EXPECT_TRUE(close(jnp::real(on_imaginary), special::erfcx(y), 1e-13));
  const Array x = jnp::array({-3.0, 0.2, 1.0, 6.0}, jx::float64);
  const Array on_real = special::wofz(x);
  EXPECT_EQ(on_real.dtype(), jx::complex128);
  EXPECT_TRUE(close(jnp::real(on_real), jnp::exp(-x * x), 1e-12, 1e-15));
  EXPECT_TRUE(close(jnp::imag(on_real), 2.0 / std::sqrt(std::numbers::pi) * special::dawsn(x), 1e-13));
  // JAX's rule, w' = -2 z w + 2 i / sqrt(pi), against finite differences along complex directions.
  jx::test::check_grads([](const Array& t) { return special::wofz(t); }, {z}, 1);
  EXPECT_EQ(special::wofz(jnp::array({1.0f}, jx::float32)).dtype(), jx::complex64);
}

TEST(ScipySpecialHypergeometric, RejectsBadArguments) {
  const Array c = jnp::array({1.0, 2.0}) * jx::lax::complex(Array(1.0f), Array(1.0f));
  EXPECT_THROW(special::hyp2f1(c, Array(1.0), Array(2.0), Array(0.5)), jx::DTypeError);
  EXPECT_THROW(special::sph_harm_y(Array(1.5), Array(1), Array(0.5), Array(0.5)), jx::DTypeError);
  EXPECT_THROW(special::sph_harm_y(Array(1), Array(1), c, Array(0.5)), jx::DTypeError);
  EXPECT_THROW(special::sph_harm_y(Array(1), Array(1), Array(0.5), Array(0.5), 1), jx::ValueError);
  EXPECT_THROW(special::sph_harm_y(Array(1), Array(1), Array(0.5), Array(0.5), 0, -1), jx::ValueError);
  EXPECT_THROW(special::sph_harm_y(jnp::array({1, 2}, jx::int32), Array(1), jnp::ones({3}), Array(0.5)),
               jx::ShapeError);
}

}  // namespace
