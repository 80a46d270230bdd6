// JAX's "Complex numbers and differentiation" tutorial (docs/complex-differentiation.md, the last part
// of "Advanced automatic differentiation"), cell by cell in jx.
//
// What JAX's documentation prints for each cell is quoted next to it; the frame (tutorial.h) checks
// that jx prints the same. The printed outputs come from the Autodiff Cookbook
// (docs/notebooks/autodiff_cookbook.ipynb at jax-ml/jax cec06d116c), which this page was split from.
// Python's 1j is std::complex: a C++ complex number is weakly typed as Python's is.
//
// Run: ./build/default/docs/tutorials/tutorial_07_complex_differentiation
#include <jx/jx.h>

#include <complex>
#include <iostream>

#include "tutorial.h"

namespace jnp = jx::numpy;
namespace jrandom = jx::random;
using jx::Array;
using namespace std::complex_literals;

namespace {

// Cells 2 and 4: a C -> C function built from two linear real functions u and v with random
// coefficients; its JVP (cell 2) and VJP (cell 4) are checked against the partial derivatives of u
// and v, as the page derives them.
struct LinearParts {
  Array a, b, c, d;
  Array u(const Array& x, const Array& y) const { return a * x + b * y; }
  Array v(const Array& x, const Array& y) const { return c * x + d * y; }
  Array fun(const Array& z) const {
    const Array x = jnp::real(z), y = jnp::imag(z);
    return u(x, y) + v(x, y) * 1.0i;
  }
};

// The partial derivatives of u and v at (x, y), by jx::grad.
struct Partials {
  Array u_x, u_y, v_x, v_y;
};

Partials partials_at(const LinearParts& parts, const Array& x, const Array& y) {
  const auto u = [&](const Array& p, const Array& q) { return parts.u(p, q); };
  const auto v = [&](const Array& p, const Array& q) { return parts.v(p, q); };
  return {jx::grad(u, jx::argnums<0>)(x, y), jx::grad(u, jx::argnums<1>)(x, y), jx::grad(v, jx::argnums<0>)(x, y),
          jx::grad(v, jx::argnums<1>)(x, y)};
}

// The random coefficients, primal point (x, y) and a second pair of uniforms (the tangent or
// cotangent's parts), drawn as the page draws them.
struct Draw {
  LinearParts parts;
  Array x, y, c, d;
};

Draw draw(int seed) {
  auto key = jrandom::key(seed);
  auto [key1, subkey1] = jrandom::split(key);
  const Array coefficients = jrandom::uniform(subkey1, {4});
  auto [key2, subkey2] = jrandom::split(key1);
  const Array point = jrandom::uniform(subkey2, {2});
  auto [key3, subkey3] = jrandom::split(key2);
  const Array direction = jrandom::uniform(subkey3, {2});
  return {{coefficients[0], coefficients[1], coefficients[2], coefficients[3]},
          point[0],
          point[1],
          direction[0],
          direction[1]};
}

void check_jvp(int seed) {
  const Draw s = draw(seed);
  const Array z = s.x + s.y * 1.0i;
  const Array z_dot = s.c + s.d * 1.0i;
  const auto [out, ans] = jx::jvp([&](const Array& w) { return s.parts.fun(w); }, std::tuple{z}, std::tuple{z_dot});
  const Partials p = partials_at(s.parts, s.x, s.y);
  const Array expected = p.u_x * s.c + p.u_y * s.d + p.v_x * s.c * 1.0i + p.v_y * s.d * 1.0i;
  std::cout << (jnp::allclose(ans, expected).item<bool>() ? "True" : "False") << "\n";
}

void check_vjp(int seed) {
  const Draw s = draw(seed);
  const Array z = s.x + s.y * 1.0i;
  const Array z_bar = jnp::array(s.c + s.d * 1.0i);
  const auto [out, fun_vjp] = jx::vjp([&](const Array& w) { return s.parts.fun(w); }, z);
  const auto [ans] = fun_vjp(z_bar);
  const Partials p = partials_at(s.parts, s.x, s.y);
  const Array expected = p.u_x * s.c + p.v_x * (-s.d) + p.u_y * s.c * (-1.0i) + p.v_y * (-s.d) * (-1.0i);
  if (!jnp::allclose(ans, expected, {.rtol = 1e-5, .atol = 1e-5}).item<bool>()) {
    throw jx::ValueError("check", "the VJP of the complex function differs from the partial derivatives");
  }
}

}  // namespace

int main() {
  tutorial::Tutorial t("Complex numbers and differentiation", "docs/complex-differentiation.md", 9);

  // f(z) = u(x, y) + v(x, y) i and g(x, y) = (u, v): defined as LinearParts::fun above main.
  t.cell("", [] {});

  // check(seed) for the JVP is check_jvp above main.
  t.cell("", [] {});

  t.cell(R"(True
True
True)",
         [] {
           check_jvp(0);
           check_jvp(1);
           check_jvp(2);
         });

  // check(seed) for the VJP is check_vjp above main; it asserts instead of printing.
  t.cell("", [] {});

  t.cell("", [] {
    check_vjp(0);
    check_vjp(1);
    check_vjp(2);
  });

  // grad of a real-valued function of a complex number: df/dx - i df/dy, JAX's convention.
  t.cell("Array(6.-8.j, dtype=complex64)", [] {
    const auto f = [](const Array& z) {
      const Array x = jnp::real(z), y = jnp::imag(z);
      return jnp::power(x, 2) + jnp::power(y, 2);
    };
    const std::complex<double> z = 3. + 4i;
    std::cout << jx::repr(jx::grad(f)(z)) << "\n";
  });

  // A holomorphic function: its derivative cos(z).
  t.cell("Array(-27.034945-3.8511531j, dtype=complex64)", [] {
    const auto f = [](const Array& z) { return jnp::sin(z); };
    const std::complex<double> z = 3. + 4i;
    std::cout << jx::repr(jx::grad(f, jx::holomorphic)(z)) << "\n";
  });

  // jx, like JAX, does not check that the function is holomorphic.
  t.cell("Array(1.-0.j, dtype=complex64)", [] {
    const auto f = [](const Array& z) { return jnp::conjugate(z); };
    const std::complex<double> z = 3. + 4i;
    std::cout << jx::repr(jx::grad(f, jx::holomorphic)(z)) << "\n";  // f is not actually holomorphic!
  });

  // Through a complex Cholesky factorization (its derivative is holomorphic in the Hermitian input).
  t.cell(
      R"(Array([[-0.75342447 +0.j       , -3.0509021 -10.940544j ,
         5.989684   +3.5422976j],
       [-3.0509021 +10.940544j , -8.904487   +0.j       ,
        -5.1351547  -6.5593696j],
       [ 5.989684   -3.5422976j, -5.1351547  +6.5593696j,
         0.01320434 +0.j       ]], dtype=complex64))",
      1e-3, [] {
        const Array a = jnp::array({{5.0 + 0i, 2. + 3i, 5i}, {2. - 3i, 7.0 + 0i, 1. + 7i}, {-5i, 1. - 7i, 12.0 + 0i}});
        const auto f = [](const Array& x) {
          const Array l = jnp::linalg::cholesky(x);
          return jnp::sum(jnp::power(l - jnp::sin(l), 2));
        };
        std::cout << jx::repr(jx::grad(f, jx::holomorphic)(a)) << "\n";
      });

  return t.finish();
}
