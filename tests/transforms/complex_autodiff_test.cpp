// Derivatives of functions of complex numbers, with JAX's conventions (its "Complex numbers and
// differentiation" tutorial): grad of a real function of z = x + i y is df/dx - i df/dy; holomorphic
// functions are differentiated with jx::holomorphic and give f'(z); jvp and vjp of C -> C functions
// are the real-linear maps. Checked against closed forms, JAX's documented values, and finite
// differences (check_grads in complex128).
#include <gtest/gtest.h>

#include <complex>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jacobian.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using c64 = std::complex<float>;
using c128 = std::complex<double>;

c64 value(const Array& x) { return x.item<c64>(); }

// The diagonal matrix with v on its diagonal.
Array diagonal_matrix(const Array& v) { return jnp::eye(v.shape()[0], std::nullopt, 0, v.dtype()) * v; }

void expect_near(c64 actual, c64 expected, float tolerance = 1e-5f) {
  EXPECT_NEAR(actual.real(), expected.real(), tolerance * (1 + std::abs(expected))) << actual << " vs " << expected;
  EXPECT_NEAR(actual.imag(), expected.imag(), tolerance * (1 + std::abs(expected))) << actual << " vs " << expected;
}

TEST(ComplexAutodiff, GradOfRealFunctionIsConjugateConvention) {
  // JAX's tutorial: f(z) = |z|^2 at 3 + 4i has gradient 6 - 8i (= 2 conj(z)).
  const auto squared_magnitude = [](const Array& z) { return jnp::abs(z) * jnp::abs(z); };
  EXPECT_EQ(value(jx::grad(squared_magnitude)(c64(3, 4))), c64(6, -8));
  // f = x + 2y = real(z) + 2 imag(z): df/dx - i df/dy = 1 - 2i.
  const auto parts = [](const Array& z) { return jnp::real(z) + 2 * jnp::imag(z); };
  EXPECT_EQ(value(jx::grad(parts)(c64(0.5f, -7))), c64(1, -2));
  // The gradient has the input's dtype, complex64.
  EXPECT_EQ(jx::grad(parts)(jnp::array(c64(1, 1), jx::complex64)).dtype(), jx::complex64);
}

TEST(ComplexAutodiff, HolomorphicGradIsTheComplexDerivative) {
  // JAX's tutorial: grad(jnp.sin, holomorphic=True)(3 + 4j) is cos(3 + 4j).
  const Array z(c64(3, 4));
  expect_near(value(jx::grad([](const Array& x) { return jnp::sin(x); }, jx::holomorphic)(z)),
              c64(-27.034946f, -3.8511534f));
  // f(z) = z^3 + exp(z) / z: f'(z) = 3 z^2 + exp(z) (z - 1) / z^2.
  const auto f = [](const Array& x) { return x * x * x + jnp::exp(x) / x; };
  const c64 at(0.5f, -1.25f);
  const c64 expected = 3.0f * at * at + std::exp(at) * (at - 1.0f) / (at * at);
  expect_near(value(jx::grad(f, jx::holomorphic)(Array(at))), expected);
  expect_near(value(jx::jit(jx::grad(f, jx::holomorphic))(Array(at))), expected);
  // The tutorial's non-holomorphic example: JAX does not check, and conj's "derivative" is 1.
  EXPECT_EQ(value(jx::grad([](const Array& x) { return jnp::conjugate(x); }, jx::holomorphic)(z)), c64(1, 0));
}

TEST(ComplexAutodiff, JvpAndVjpOfHolomorphicFunctionsMultiplyByTheDerivative) {
  const auto f = [](const Array& x) { return jnp::sin(x) * x; };
  const c64 z(1.5f, 0.5f), t(0.25f, -2), derivative = std::cos(z) * z + std::sin(z);
  const auto [out, tangent] = jx::jvp(f, std::tuple{Array(z)}, std::tuple{Array(t)});
  expect_near(value(tangent), derivative * t);
  const auto [primal, pullback] = jx::vjp(f, Array(z));
  const auto [cotangent] = pullback(Array(t));
  expect_near(value(cotangent), derivative * t);  // no conjugation: JAX's convention
}

TEST(ComplexAutodiff, AbsIsDifferentiableAtZeroAndElsewhere) {
  const auto magnitude = [](const Array& z) { return jnp::abs(z); };
  EXPECT_EQ(value(jx::grad(magnitude)(c64(0, 0))), c64(0, 0));           // |z| = 0 replaced by 1, as JAX
  expect_near(value(jx::grad(magnitude)(c64(3, 4))), c64(0.6f, -0.8f));  // conj(z) / |z|
}

TEST(ComplexAutodiff, FiniteDifferencesAgreeInBothModes) {
  const Array z = jnp::array({c64(0.3f, -0.7f), c64(1.1f, 0.4f), c64(-0.6f, 0.9f)});
  const Array w = jnp::array({c64(-0.2f, 0.5f), c64(0.8f, 0.1f), c64(0.4f, -1.3f)});
  // C -> C, holomorphic and not.
  jx::test::check_grads([](const Array& x) { return jnp::exp(x) * jnp::tanh(x) + jnp::sqrt(x); }, {z}, 2);
  jx::test::check_grads([](const Array& x) { return jnp::conj(x) * x + jnp::real(x) * jnp::imag(x); }, {z}, 2);
  // C -> R, through a product, a sum, and a division.
  jx::test::check_grads([](const Array& x, const Array& y) { return jnp::abs(jnp::sum(x * y / (y + 2.0))); }, {z, w},
                        2);
  // R -> C -> R: complex numbers assembled from real parts.
  jx::test::check_grads(
      [](const Array& re, const Array& im) { return jnp::angle(jx::lax::complex(re, im) * jx::lax::complex(im, re)); },
      {jnp::real(z), jnp::imag(z)}, 2);
  // Matrix products (cgemm/zgemm) and their transposes.
  jx::test::check_grads(
      [](const Array& a, const Array& b) {
        return jnp::matmul(a.reshape({3, 1}), b.reshape({1, 3})) * 1.5;
      },
      {z, w}, 1);
  // Astype between real and complex.
  jx::test::check_grads([](const Array& x) { return jnp::real(x).astype(x.dtype()) * x; }, {z}, 1);
}

TEST(ComplexAutodiff, BatchedAndJittedGradients) {
  const auto loss = [](const Array& z) { return jnp::sum(jnp::real(z * jnp::conj(z) * z)); };
  const Array zs = jnp::array({c64(1, 2), c64(-0.5f, 0.25f)});
  const Array batched = jx::vmap(jx::grad(loss))(zs);
  for (int i = 0; i < 2; ++i) {
    const Array single = jx::jit(jx::grad(loss))(zs[i]);
    EXPECT_EQ(value(batched[i]), value(single));
    // Re(|z|^2 z) = x (x^2 + y^2): df/dx = 3x^2 + y^2, df/dy = 2xy.
    const c64 at = value(zs[i]);
    expect_near(value(single), c64(3 * at.real() * at.real() + at.imag() * at.imag(), -2 * at.real() * at.imag()));
  }
}

TEST(ComplexAutodiff, HolomorphicJacobiansAndHessian) {
  // f(z) = z^2 + i z elementwise: the Jacobian is diag(2 z + i), forward and reverse alike.
  const auto f = [](const Array& z) { return z * z + z * std::complex<double>(0, 1); };
  const Array z = jnp::array({c64(1, 2), c64(-0.5f, 0.25f), c64(3, -1)}, jx::complex64);
  const Array expected = diagonal_matrix(z * 2 + c64(0, 1));
  EXPECT_TRUE(jnp::allclose(jx::jacfwd(f, jx::holomorphic)(z), expected).item<bool>());
  EXPECT_TRUE(jnp::allclose(jx::jacrev(f, jx::holomorphic)(z), expected).item<bool>());
  EXPECT_EQ(jx::jacrev(f, jx::holomorphic)(z).dtype(), jx::complex64);
  // The Hessian of sum(z^3) is diag(6 z).
  const auto cubes = [](const Array& x) { return jnp::sum(x * x * x); };
  EXPECT_TRUE(jnp::allclose(jx::hessian(cubes, jx::holomorphic)(z), diagonal_matrix(z * 6)).item<bool>());
  // jacrev of a real function of complex inputs is grad's convention, row by row.
  const auto norms = [](const Array& x) { return jnp::abs(x) * jnp::abs(x); };
  EXPECT_TRUE(jnp::allclose(jx::jacrev(norms)(z), diagonal_matrix(jnp::conj(z) * 2)).item<bool>());
}

TEST(ComplexAutodiff, JacobianDtypeRulesAreJaxs) {
  const Array z = jnp::array({c64(1, 2)}, jx::complex64);
  const auto f = [](const Array& x) { return x * x; };
  EXPECT_THROW((void)jx::jacfwd(f)(z), jx::TypeError);  // complex input needs holomorphic
  EXPECT_THROW((void)jx::jacrev(f)(z), jx::TypeError);  // complex output needs holomorphic
  EXPECT_THROW((void)jx::jacrev(f, jx::holomorphic)(jnp::array({1.0f})), jx::TypeError);  // real input
  EXPECT_THROW((void)jx::jacfwd([](const Array& x) { return jnp::abs(x); }, jx::holomorphic)(z), jx::TypeError);
}

TEST(ComplexAutodiff, ComplexOutputsNeedHolomorphicOrVjp) {
  const auto f = [](const Array& x) { return jnp::sin(x); };
  EXPECT_THROW((void)jx::grad(f)(c64(1, 1)), jx::TypeError);
  // holomorphic requires complex inputs and outputs.
  EXPECT_THROW((void)jx::grad(f, jx::holomorphic)(1.0f), jx::TypeError);
  EXPECT_THROW((void)jx::grad([](const Array& x) { return jnp::abs(x); }, jx::holomorphic)(c64(1, 1)), jx::TypeError);
}

}  // namespace
