// jx::lax::custom_root and custom_linear_solve (jx/lax/solves.h) against closed forms: values, and
// derivatives by the implicit function theorem, checked by finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "close_expectations.h"
#include "jx/jx.h"
#include "jx/lax/solves.h"
#include "jx/test_util.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::Array;

using jx::testing::expect_close;

// --- custom_root ----------------------------------------------------------------------------------
Array newton_sqrt(const Array& a) {
  const auto f = [a](const Array& x) { return x * x - a; };
  const auto newton = [](const auto& g, const Array& x0) {
    Array x = x0;
    for (int i = 0; i < 30; ++i) x = x - g(x) / (2 * x);
    return x;
  };
  const auto scalar_solve = [](const auto& g, const Array& y) { return y / g(jnp::array(1.0f)); };
  return lax::custom_root(f, a, newton, scalar_solve);
}

TEST(LaxCustomRoot, SqrtAndItsDerivative) {
  expect_close(newton_sqrt(jnp::array(4.0f)), {2.0f});
  // Closed form: d sqrt(a) / da = 1 / (2 sqrt(a)) = 0.25 at 4; second derivative -a^(-3/2) / 4.
  expect_close(jx::grad(newton_sqrt)(jnp::array(4.0f)), {0.25f});
  expect_close(jx::jit(jx::grad(newton_sqrt))(jnp::array(9.0f)), {1.0f / 6.0f});
  expect_close(jx::jvp(newton_sqrt, std::tuple{jnp::array(4.0f)}, std::tuple{jnp::array(2.0f)}).second, {0.5f});
  expect_close(jx::grad(jx::grad(newton_sqrt))(jnp::array(4.0f)), {-1.0f / 32.0f}, 1e-4f);
}

TEST(LaxCustomRoot, HasAux) {
  const Array a = jnp::array(2.0f);
  const auto root = [](const Array& c) {
    const auto f = [c](const Array& x) { return x * x * x - c; };
    const auto solve = [](const auto& g, const Array& x0) {
      Array x = x0;
      for (int i = 0; i < 40; ++i) x = x - g(x) / (3 * x * x);
      return std::pair{x, jnp::array(40)};
    };
    const auto tangent_solve = [](const auto& g, const Array& y) { return y / g(jnp::array(1.0f)); };
    return lax::custom_root(f, jnp::array(1.0f), solve, tangent_solve, jx::has_aux);
  };
  const auto [x, iterations] = root(a);
  expect_close(x, {std::cbrt(2.0f)});
  EXPECT_EQ(iterations.item<int>(), 40);
  // Closed form: d cbrt(c) / dc = c^(-2/3) / 3.
  expect_close(jx::grad([&](const Array& c) { return root(c).first; })(a), {std::pow(2.0f, -2.0f / 3.0f) / 3.0f},
               1e-5f);
}

// --- custom_linear_solve --------------------------------------------------------------------------
TEST(LaxCustomLinearSolve, TwoByTwoSystem) {
  const Array m = jnp::array({2.0f, 1.0f, 1.0f, 3.0f}).reshape({2, 2});
  const Array b = jnp::array({1.0f, 2.0f});
  // The solvers see the matrix only through the matvec they are given (its columns are the images of
  // the unit vectors), which is how they get no derivative of their own.
  const auto columns_of = [](const auto& apply) {
    return jnp::stack({apply(jnp::array({1.0f, 0.0f})), apply(jnp::array({0.0f, 1.0f}))}, 1);
  };
  const auto solve_with = [columns_of](const Array& matrix, const Array& rhs) {
    const auto matvec = [matrix](const Array& x) { return jnp::matmul(matrix, x); };
    const auto solve = [columns_of](const auto& mv, const Array& y) { return jnp::linalg::solve(columns_of(mv), y); };
    return lax::custom_linear_solve(matvec, rhs, solve, solve);
  };
  // Closed form: inv([[2, 1], [1, 3]]) = [[3, -1], [-1, 2]] / 5, so x = [1/5, 3/5].
  expect_close(solve_with(m, b), {0.2f, 0.6f});
  // d(sum x)/db = inv(M)^T 1 = [2/5, 1/5]; d(sum x)/dM = -(inv(M)^T 1) x^T.
  const auto total = [&](const Array& matrix, const Array& rhs) { return jnp::sum(solve_with(matrix, rhs)); };
  const auto [grad_m, grad_b] = jx::grad(total, jx::argnums<0, 1>)(m, b);
  expect_close(grad_b, {0.4f, 0.2f});
  expect_close(grad_m, {-0.08f, -0.24f, -0.04f, -0.12f});
  jx::test::check_grads(total, {m, b}, 1, jx::test::Modes::reverse, 1e-2, 1e-2);
}

TEST(LaxCustomLinearSolve, SymmetricNeedsNoTransposeSolve) {
  const Array m = jnp::array({4.0f, 1.0f, 1.0f, 3.0f}).reshape({2, 2});
  const auto f = [m](const Array& rhs) {
    const auto matvec = [m](const Array& x) { return jnp::matmul(m, x); };
    const auto solve = [m](const auto&, const Array& y) { return jnp::linalg::solve(m, y); };
    return jnp::sum(lax::custom_linear_solve(matvec, rhs, solve, nullptr, {.symmetric = true}));
  };
  // Closed form: inv([[4, 1], [1, 3]]) 1 = [2, 3] / 11.
  expect_close(jx::grad(f)(jnp::array({1.0f, 1.0f})), {2.0f / 11.0f, 3.0f / 11.0f});
  const auto g = [m](const Array& rhs) {
    const auto matvec = [m](const Array& x) { return jnp::matmul(m, x); };
    const auto solve = [m](const auto&, const Array& y) { return jnp::linalg::solve(m, y); };
    return jnp::sum(lax::custom_linear_solve(matvec, rhs, solve, nullptr));
  };
  EXPECT_THROW(jx::grad(g)(jnp::array({1.0f, 1.0f})), jx::ValueError);
}

}  // namespace
