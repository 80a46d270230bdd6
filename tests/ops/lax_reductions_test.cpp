// jx::lax::reduce (jx/lax/reductions.h) against NumPy results pasted as literals (computed with
// python3-numpy, named at each use), jit, vmap and finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "close_expectations.h"
#include "jx/jx.h"
#include "jx/lax/reductions.h"
#include "jx/test_util.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::Array;

using jx::testing::expect_close;

TEST(LaxReduce, MatchesNumPy) {
  const Array x = jnp::array({3.0f, -1.0f, 4.0f, 1.0f, 5.0f, -9.0f}).reshape({2, 3});
  // NumPy: x.prod(axis=1) == [-12, -45]; x.max(axis=0) == [3, 5, 4].
  expect_close(lax::reduce(x, 1.0f, lax::mul, {1}), {-12.0f, -45.0f});
  expect_close(lax::reduce(x, -INFINITY, lax::max, {0}), {3.0f, 5.0f, 4.0f});
  expect_close(lax::reduce(x, 0.0f, lax::add, {0, 1}), {3.0f});
  // An empty axis gives the init value.
  expect_close(lax::reduce(jnp::zeros({0, 2}), 7.0f, lax::add, {0}), {7.0f, 7.0f});
}

TEST(LaxReduce, PairsAndTransforms) {
  using Pair = std::pair<Array, Array>;
  const Array x = jnp::array({2.0f, 9.0f, -1.0f, 9.5f, 3.0f});
  const auto argmax = [](const Pair& a, const Pair& b) {
    const Array take_b = lax::gt(b.first, a.first);
    return Pair{lax::select(take_b, b.first, a.first), lax::select(take_b, b.second, a.second)};
  };
  const auto [best, where] =
      lax::reduce(Pair{x, lax::iota(jx::DType::int32, 5)}, Pair{jnp::array(-INFINITY), jnp::array(0)}, argmax, {0});
  expect_close(best, {9.5f});
  EXPECT_EQ(where.item<int>(), 3);
  const auto sum = [](const Array& v) { return lax::reduce(v, 0.0f, lax::add, {0}); };
  expect_close(jx::jit(sum)(x), {22.5f});
  expect_close(jx::vmap(sum)(x.reshape({5, 1})), {2.0f, 9.0f, -1.0f, 9.5f, 3.0f});
  jx::test::check_grads([](const Array& v) { return lax::reduce(v, 1.0f, lax::mul, {0}); }, {x}, 2);
}

TEST(LaxReduce, BadInputRaises) {
  const Array x = jnp::ones({2, 3});
  EXPECT_THROW(lax::reduce(x, 0.0f, lax::add, {2}), jx::ShapeError);
  EXPECT_THROW(lax::reduce(x, 0.0f, lax::add, {0, 0}), jx::ShapeError);
  EXPECT_THROW(lax::reduce(x, jnp::astype(jnp::array(0), jx::int32), lax::add, {0}), jx::DTypeError);
}

}  // namespace
