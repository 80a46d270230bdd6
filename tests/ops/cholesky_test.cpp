// lax.linalg.cholesky, triangular_solve and jnp.linalg.cholesky: factors checked against matrices
// built from known factors and by reconstruction, every triangular_solve variant by substituting the
// solution back, derivatives by finite differences (orders 1 and 2), jit and vmap, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/test_util.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;
namespace linalg = jx::lax::linalg;

namespace {

void expect_close(const jx::Array& got, const jx::Array& want, double tolerance) {
  ASSERT_EQ(got.shape(), want.shape());
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (std::size_t i = 0; i < g.size(); ++i)
    EXPECT_NEAR(g[i], w[i], tolerance * (1 + std::abs(w[i]))) << "element " << i;
}

jx::Array transpose_last(const jx::Array& x) { return jnp::swapaxes(x, -1, -2); }

// A well-conditioned symmetric positive definite batch: m m^T + n I.
jx::Array spd(const jx::Key& key, const jx::Shape& batch, std::int64_t n, jx::DType dtype) {
  jx::Shape shape = batch;
  shape.push_back(n);
  shape.push_back(n);
  const jx::Array m = jx::random::normal(key, shape, dtype);
  return jnp::matmul(m, transpose_last(m)) + jnp::eye(n, std::nullopt, 0, dtype) * static_cast<double>(n);
}

TEST(Cholesky, RecoversAKnownFactor) {
  // [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]].
  const jx::Array l2 = jnp::linalg::cholesky(jnp::array({{4.0f, 2.0f}, {2.0f, 3.0f}}));
  expect_close(l2, jnp::array({{2.0f, 0.0f}, {1.0f, std::sqrt(2.0f)}}), 1e-6);
  // A 4 x 4 factor with integer entries, its product written out by hand.
  const jx::Array l =
      jnp::array({{2.0, 0.0, 0.0, 0.0}, {-1.0, 3.0, 0.0, 0.0}, {4.0, 1.0, 1.0, 0.0}, {0.0, -2.0, 5.0, 2.0}});
  const jx::Array a =
      jnp::array({{4.0, -2.0, 8.0, 0.0}, {-2.0, 10.0, -1.0, -6.0}, {8.0, -1.0, 18.0, 3.0}, {0.0, -6.0, 3.0, 33.0}});
  expect_close(jnp::linalg::cholesky(a), l, 1e-6);
  // Integers promote to the default float type.
  const jx::Array from_ints = jnp::linalg::cholesky(jnp::array({{9, 3}, {3, 5}}));
  EXPECT_EQ(from_ints.dtype(), jx::float32);
  expect_close(from_ints, jnp::array({{3.0f, 0.0f}, {1.0f, 2.0f}}), 1e-6);
}

TEST(Cholesky, ReconstructsBatchesInBothPrecisions) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (jx::DType dtype : {jx::float32, jx::float64}) {
    const jx::Array a = spd(jx::random::PRNGKey(1), {2, 3}, 40, dtype);
    const jx::Array l = linalg::cholesky(a);
    EXPECT_EQ(l.dtype(), dtype);
    EXPECT_EQ(l.shape(), (jx::Shape{2, 3, 40, 40}));
    expect_close(jnp::matmul(l, transpose_last(l)), a, dtype == jx::float32 ? 2e-6 : 1e-13);
    // Lower triangular with a positive diagonal.
    const auto values = l.to_vector<double>();
    for (std::int64_t b = 0; b < 6; ++b) {
      for (std::int64_t i = 0; i < 40; ++i) {
        EXPECT_GT(values[static_cast<std::size_t>((b * 40 + i) * 40 + i)], 0.0);
        for (std::int64_t j = i + 1; j < 40; ++j)
          EXPECT_EQ(values[static_cast<std::size_t>((b * 40 + i) * 40 + j)], 0.0);
      }
    }
  }
}

TEST(Cholesky, NotPositiveDefiniteGivesNaNMatrixByMatrix) {
  // Eigenvalues 3 and -1: not positive definite. The batch's other matrix still factors.
  const jx::Array batch = jnp::array({{{1.0f, 2.0f}, {2.0f, 1.0f}}, {{1.0f, 0.0f}, {0.0f, 4.0f}}});
  const auto values = linalg::cholesky(batch).to_vector<float>();
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(std::isnan(values[static_cast<std::size_t>(i)]));
  EXPECT_EQ(std::vector<float>(values.begin() + 4, values.end()), (std::vector<float>{1, 0, 0, 2}));
}

TEST(Cholesky, SymmetrizesOrReadsTheLowerTriangle) {
  // The symmetric part of [[4, 6], [-2, 3]] is [[4, 2], [2, 3]]; its lower triangle alone is
  // [[4, -2], [-2, 3]], whose factor is [[2, 0], [-1, sqrt 2]].
  const jx::Array x = jnp::array({{4.0f, 6.0f}, {-2.0f, 3.0f}});
  expect_close(linalg::cholesky(x), jnp::array({{2.0f, 0.0f}, {1.0f, std::sqrt(2.0f)}}), 1e-6);
  expect_close(linalg::cholesky(x, {.symmetrize_input = false}), jnp::array({{2.0f, 0.0f}, {-1.0f, std::sqrt(2.0f)}}),
               1e-6);
}

// op(a) with a's unread triangle zeroed and, for unit_diagonal, ones on its diagonal.
jx::Array effective(const jx::Array& a, const linalg::TriangularSolveOptions& o) {
  const std::int64_t n = a.shape()[a.ndim() - 1];
  const jx::Array row = jx::lax::broadcasted_iota(jx::int32, {n, n}, 0);
  const jx::Array col = jx::lax::broadcasted_iota(jx::int32, {n, n}, 1);
  const jx::Array keep = o.lower ? jnp::greater_equal(row, col) : jnp::less_equal(row, col);
  jx::Array t = jnp::where(keep, a, jnp::zeros_like(a));
  if (o.unit_diagonal) t = jnp::where(jnp::equal(row, col), jnp::ones_like(a), t);
  return o.transpose_a ? transpose_last(t) : t;
}

TEST(TriangularSolve, EveryVariantSolvesItsSystem) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  // A diagonally dominant a (solves stay well conditioned), garbage in both triangles.
  const jx::Array a = jx::random::normal(jx::random::PRNGKey(2), {3, 5, 5}, jx::float64) +
                      jnp::eye(5, std::nullopt, 0, jx::float64) * 6.0;
  const jx::Array b_left = jx::random::normal(jx::random::PRNGKey(3), {3, 5, 4}, jx::float64);
  const jx::Array b_right = jx::random::normal(jx::random::PRNGKey(4), {3, 4, 5}, jx::float64);
  for (int bits = 0; bits < 16; ++bits) {
    const linalg::TriangularSolveOptions o{.left_side = (bits & 1) != 0,
                                           .lower = (bits & 2) != 0,
                                           .transpose_a = (bits & 4) != 0,
                                           .unit_diagonal = (bits & 8) != 0};
    SCOPED_TRACE(bits);
    const jx::Array& b = o.left_side ? b_left : b_right;
    const jx::Array x = linalg::triangular_solve(a, b, o);
    const jx::Array op_a = effective(a, o);
    expect_close(o.left_side ? jnp::matmul(op_a, x) : jnp::matmul(x, op_a), b, 1e-12);
  }
  // float32 too.
  const jx::Array x32 =
      linalg::triangular_solve(a.astype(jx::float32), b_left.astype(jx::float32), {.left_side = true, .lower = true});
  expect_close(jnp::matmul(effective(a, {.left_side = true, .lower = true}).astype(jx::float32), x32),
               b_left.astype(jx::float32), 1e-5);
}

TEST(Cholesky, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Array a = spd(jx::random::PRNGKey(5), {}, 4, jx::float64);
  jx::test::check_grads([](const jx::Array& x) { return linalg::cholesky(x); }, {a}, 2);
  // A batch, and a scalar function of the factor (the log-determinant a Gaussian density uses).
  const jx::Array batch = spd(jx::random::PRNGKey(6), {2}, 3, jx::float64);
  jx::test::check_grads(
      [](const jx::Array& x) {
        const jx::Array l = jnp::linalg::cholesky(x);
        const jx::Array diagonal = jnp::sum(l * jnp::eye(3, std::nullopt, 0, jx::float64), -1);
        return 2.0 * jnp::sum(jnp::log(diagonal), -1);
      },
      {batch}, 2);
}

TEST(TriangularSolve, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Array a = jx::random::normal(jx::random::PRNGKey(7), {2, 4, 4}, jx::float64) +
                      jnp::eye(4, std::nullopt, 0, jx::float64) * 5.0;
  const jx::Array b = jx::random::normal(jx::random::PRNGKey(8), {2, 4, 3}, jx::float64);
  const jx::Array c = jx::random::normal(jx::random::PRNGKey(9), {2, 3, 4}, jx::float64);
  for (int bits = 0; bits < 16; ++bits) {
    const linalg::TriangularSolveOptions o{.left_side = (bits & 1) != 0,
                                           .lower = (bits & 2) != 0,
                                           .transpose_a = (bits & 4) != 0,
                                           .unit_diagonal = (bits & 8) != 0};
    SCOPED_TRACE(bits);
    jx::test::check_grads([&](const jx::Array& x, const jx::Array& y) { return linalg::triangular_solve(x, y, o); },
                          {a, o.left_side ? b : c}, 2);
  }
}

TEST(Cholesky, SameUnderJitAndVmap) {
  const jx::Array a = spd(jx::random::PRNGKey(10), {4}, 6, jx::float32);
  const jx::Array eager = linalg::cholesky(a);
  EXPECT_EQ(jx::repr(jx::jit([](const jx::Array& x) { return linalg::cholesky(x); })(a)), jx::repr(eager));
  // vmap over the batch, and over an axis that is not the leading one.
  expect_close(jx::vmap([](const jx::Array& x) { return linalg::cholesky(x); })(a), eager, 1e-6);
  const jx::Array moved = jnp::moveaxis(a, 0, 2);
  expect_close(jx::vmap([](const jx::Array& x) { return linalg::cholesky(x); }, {.in_axes = {2}})(moved), eager, 1e-6);
  // A batched right-hand side against one matrix: the matrix is broadcast.
  const jx::Array l = eager[0];
  const jx::Array rhs = jx::random::normal(jx::random::PRNGKey(11), {5, 6, 2});
  const jx::Array solved = jx::vmap(
      [&](const jx::Array& r) { return linalg::triangular_solve(l, r, {.left_side = true, .lower = true}); })(rhs);
  expect_close(jnp::matmul(l, solved), rhs, 1e-5);
}

TEST(Cholesky, ErrorsNameTheOpShapesAndLine) {
  int line = 0;
  try {
    line = __LINE__ + 1;
    linalg::cholesky(jnp::ones({2, 3}));
    FAIL() << "no error";
  } catch (const jx::ShapeError& e) {
    EXPECT_EQ(e.op(), "cholesky");
    EXPECT_NE(std::string(e.what()).find("f32[2,3]"), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), "cholesky_test.cpp:" + std::to_string(line));
  }
  EXPECT_THROW(linalg::cholesky(jnp::ones({3})), jx::ShapeError);
  EXPECT_THROW(linalg::cholesky(jnp::ones({2, 2}, jx::int32)), jx::DTypeError);
  EXPECT_THROW(linalg::cholesky(jnp::ones({2, 2}, jx::float16)), jx::DTypeError);
  try {
    line = __LINE__ + 1;
    linalg::triangular_solve(jnp::eye(3), jnp::ones({4, 2}), {.left_side = true});
    FAIL() << "no error";
  } catch (const jx::ShapeError& e) {
    EXPECT_EQ(e.op(), "triangular_solve");
    EXPECT_NE(std::string(e.what()).find("f32[4,2]"), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), "cholesky_test.cpp:" + std::to_string(line));
  }
  EXPECT_THROW(linalg::triangular_solve(jnp::eye(3), jnp::ones({2, 3, 3})), jx::ShapeError);
  EXPECT_THROW(linalg::triangular_solve(jnp::ones({2, 3}), jnp::ones({2, 3})), jx::ShapeError);
}

}  // namespace
