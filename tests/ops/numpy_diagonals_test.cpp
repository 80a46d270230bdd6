// jnp.tril, triu, diagonal, trace, matrix_transpose, vecdot and cross: closed forms on small inputs,
// derivatives by finite differences, and the errors. NumPy's values on more shapes and axes are in
// tests/ops/linalg_oracle_test.cpp.
#include <gtest/gtest.h>

#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/jit.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;

Array counting(const jx::Shape& shape) {
  return jnp::reshape(jnp::arange(static_cast<double>(shape.num_elements()), jx::float32), shape);
}

TEST(NumpyDiagonals, TrilAndTriuKeepTheirBands) {
  const Array x = counting({3, 4});  // [[0 1 2 3] [4 5 6 7] [8 9 10 11]]
  EXPECT_EQ(jnp::tril(x).to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 4, 5, 0, 0, 8, 9, 10, 0}));
  EXPECT_EQ(jnp::triu(x, 1).to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11}));
  EXPECT_EQ(jnp::tril(x, -1).to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0}));
  // Batched: the last two axes.
  EXPECT_EQ(jnp::sum(jnp::triu(jnp::ones({2, 3, 3}))).item<float>(), 12.0f);
  EXPECT_THROW(jnp::tril(jnp::ones({3})), jx::ShapeError);
}

TEST(NumpyDiagonals, DiagonalAndTraceFollowOffsetAndAxes) {
  const Array x = counting({3, 4});
  EXPECT_EQ(jnp::diagonal(x).to_vector<float>(), (std::vector<float>{0, 5, 10}));
  EXPECT_EQ(jnp::diagonal(x, {.offset = 1}).to_vector<float>(), (std::vector<float>{1, 6, 11}));
  EXPECT_EQ(jnp::diagonal(x, {.offset = -1}).to_vector<float>(), (std::vector<float>{4, 9}));
  EXPECT_EQ(jnp::diagonal(x, {.offset = 7}).shape(), (jx::Shape{0}));
  EXPECT_EQ(jnp::trace(x).item<float>(), 15.0f);
  // (2, 3, 4) with axis1 = 0, axis2 = 2: the diagonal of each x[:, j, :], as a last axis.
  const Array y = counting({2, 3, 4});
  EXPECT_EQ(jnp::diagonal(y, {.axis1 = 0, .axis2 = 2}).shape(), (jx::Shape{3, 2}));
  EXPECT_EQ(jnp::diagonal(y, {.axis1 = 0, .axis2 = 2}).to_vector<float>(), (std::vector<float>{0, 13, 4, 17, 8, 21}));
  EXPECT_THROW(jnp::diagonal(y, {.axis1 = 1, .axis2 = -2}), jx::ValueError);
  // Integer traces accumulate as jnp.sum does.
  EXPECT_EQ(jnp::trace(jnp::ones({3, 3}, jx::int8)).dtype(), jx::int32);
}

TEST(NumpyDiagonals, VecdotConjugatesAndCrossIsTheVectorProduct) {
  const Array x = jnp::array({1.0f, 0.0f, 0.0f}), y = jnp::array({0.0f, 1.0f, 0.0f});
  EXPECT_EQ(jnp::cross(x, y).to_vector<float>(), (std::vector<float>{0, 0, 1}));
  EXPECT_EQ(jnp::cross(jnp::array({1.0f, 2.0f}), jnp::array({3.0f, 4.0f})).item<float>(), -2.0f);
  EXPECT_THROW(jnp::cross(jnp::ones({4}), jnp::ones({4})), jx::ShapeError);
  const Array z = jnp::array({std::complex<float>(1, 2), std::complex<float>(0, 1)});
  EXPECT_EQ(jnp::vecdot(z, z).item<std::complex<float>>(), std::complex<float>(6, 0));  // |z|^2
  EXPECT_EQ(jnp::vecdot(counting({2, 3}), jnp::ones({3})).to_vector<float>(), (std::vector<float>{3, 12}));
  EXPECT_EQ(jnp::matrix_transpose(counting({2, 3, 4})).shape(), (jx::Shape{2, 4, 3}));
}

TEST(NumpyDiagonals, DerivativesAndJit) {
  const Array x = jnp::add(counting({3, 3}), jnp::array(0.5f));
  jx::test::check_grads([](const Array& a) { return jnp::trace(jnp::multiply(a, a)); }, {x}, 2, jx::test::Modes::both,
                        1e-2, 1e-2);
  jx::test::check_grads([](const Array& a) { return jnp::tril(jnp::sin(a), -1); }, {x}, 1, jx::test::Modes::both, 1e-2,
                        1e-2);
  jx::test::check_grads([](const Array& a, const Array& b) { return jnp::cross(a, b); },
                        {jnp::array({1.0f, 2.0f, 3.0f}), jnp::array({-1.0f, 0.5f, 2.0f})}, 1, jx::test::Modes::both,
                        1e-2, 1e-2);
  const auto diag = jx::jit([](const Array& a) { return jnp::diagonal(a, {.offset = 1}); });
  EXPECT_EQ(diag(counting({3, 4})).to_vector<float>(), (std::vector<float>{1, 6, 11}));
}

}  // namespace
