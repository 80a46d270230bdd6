// linear_transpose against closed forms: JAX's docstring example, a matrix product (the transpose is
// the transposed matrix), structural ops over a struct, under jit, and the errors.
#include "jx/transforms/linear_transpose.h"

#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;

namespace linear_transpose_test {
struct Pair {
  jx::Array a, b;
};
JX_PYTREE(Pair, a, b);
}  // namespace linear_transpose_test

namespace {

using linear_transpose_test::Pair;

TEST(LinearTranspose, JaxDocstringExample) {
  // jax.linear_transpose(lambda x, y: (0.5 * x - 0.5 * y, x + y), 1.0, 1.0)((4., 5.)) == (7., 3.):
  // the cotangent of x is 0.5 * 4 + 5, of y -0.5 * 4 + 5.
  auto f = [](const jx::Array& x, const jx::Array& y) { return std::make_tuple(0.5f * x - 0.5f * y, x + y); };
  const auto f_t = jx::linear_transpose(f, 1.0f, 1.0f);
  const auto [ct_x, ct_y] = f_t(std::make_tuple(jnp::array(4.0f), jnp::array(5.0f)));
  EXPECT_EQ(ct_x.item<float>(), 7.0f);
  EXPECT_EQ(ct_y.item<float>(), 3.0f);
}

TEST(LinearTranspose, OfAMatrixProductIsTheTransposedMatrix) {
  const jx::Array a = jnp::array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}).reshape({2, 3});
  auto f = [&](const jx::Array& x) { return jnp::matmul(a, x); };
  const auto [ct] = jx::linear_transpose(f, jnp::zeros({3}))(jnp::array({1.0f, -1.0f}));
  // Aᵀ [1, -1] = [1 - 4, 2 - 5, 3 - 6].
  EXPECT_EQ(ct.to_vector<float>(), (std::vector<float>{-3.0f, -3.0f, -3.0f}));
  // Under jit, with the matrix traced.
  auto jitted = jx::jit([](const jx::Array& m, const jx::Array& c) {
    return std::get<0>(jx::linear_transpose([&](const jx::Array& x) { return jnp::matmul(m, x); }, jnp::zeros({3}))(c));
  });
  EXPECT_EQ(jitted(a, jnp::array({1.0f, -1.0f})).to_vector<float>(), (std::vector<float>{-3.0f, -3.0f, -3.0f}));
}

TEST(LinearTranspose, StructuralOpsOverAStruct) {
  // f(p) = (Σ_rows a) + bᵀ reshaped: its transpose broadcasts the cotangent back over rows and
  // transposes it for b.
  auto f = [](const Pair& p) { return jnp::sum(p.a, 0) + jnp::transpose(p.b).reshape({3}); };
  const Pair primal{jnp::zeros({2, 3}), jnp::zeros({3, 1})};
  const auto [ct] = jx::linear_transpose(f, primal)(jnp::array({1.0f, 2.0f, 3.0f}));
  EXPECT_EQ(ct.a.shape(), jx::Shape({2, 3}));
  EXPECT_EQ(ct.a.to_vector<float>(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(ct.b.shape(), jx::Shape({3, 1}));
  EXPECT_EQ(ct.b.to_vector<float>(), (std::vector<float>{1, 2, 3}));
  // An input the output does not depend on gets zeros.
  auto only_a = [](const Pair& p) { return p.a * 3.0f; };
  const auto [ct2] = jx::linear_transpose(only_a, primal)(jnp::ones({2, 3}));
  EXPECT_EQ(ct2.b.to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(ct2.a.to_vector<float>(), (std::vector<float>(6, 3.0f)));
}

TEST(LinearTranspose, ErrorsForNonLinearFunctionsAndWrongCotangents) {
  auto square = [](const jx::Array& x) { return x * x; };
  EXPECT_THROW(jx::linear_transpose(square, jnp::ones({2}))(jnp::ones({2})), jx::Error);
  auto twice = [](const jx::Array& x) { return 2.0f * x; };
  const auto t = jx::linear_transpose(twice, jnp::ones({2}));
  EXPECT_THROW(t(jnp::ones({3})), jx::TypeError);
  EXPECT_THROW(t(jnp::ones({2}, jx::int32)), jx::TypeError);
  EXPECT_THROW(jx::linear_transpose(twice, jnp::ones({2}, jx::int32)), jx::TypeError);
}

}  // namespace
