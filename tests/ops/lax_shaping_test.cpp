// jx::lax's shape conveniences (jx/lax/shaping.h) against values written out by hand (NumPy's
// indexing of the same arrays, as the comments show), jit and vmap against eager results, and
// finite differences for the derivatives.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "error_expectations.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/shaping.h"
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

Array iota_matrix(std::int64_t rows, std::int64_t columns) {
  return jnp::reshape(jnp::arange(rows * columns), {rows, columns});
}

std::vector<int> ints(const Array& x) { return x.to_vector<int>(); }

TEST(LaxShaping, BroadcastAddsLeadingAxes) {
  const Array x = jnp::array({1, 2, 3});
  const Array b = lax::broadcast(x, {2, 1});
  EXPECT_EQ(b.shape(), (jx::Shape{2, 1, 3}));
  EXPECT_EQ(ints(b), (std::vector<int>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(lax::broadcast_like(x, jnp::zeros({2, 3})).shape(), (jx::Shape{2, 3}));
  EXPECT_EQ(lax::broadcast_to_rank(x, 3).shape(), (jx::Shape{1, 1, 3}));
  EXPECT_EQ(lax::broadcast_to_rank(iota_matrix(2, 2), 1).shape(), (jx::Shape{2, 2}));  // already higher: unchanged
  EXPECT_EQ(lax::broadcast_shapes({{2, 1}, {1, 3}, {3}}), (jx::Shape{2, 3}));
  EXPECT_EQ(lax::broadcast_shapes(jx::Shape{5, 1, 4}, jx::Shape{7, 1}), (jx::Shape{5, 7, 4}));
  expect_error<jx::ShapeError>([] { lax::broadcast_shapes(jx::Shape{2, 3}, jx::Shape{4}); }, {"broadcast_shapes"});
  expect_error<jx::ShapeError>([&] { lax::broadcast_like(x, jnp::zeros({2, 4})); }, {});
}

TEST(LaxShaping, CollapseMergesARangeOfAxes) {
  const Array x = jnp::reshape(jnp::arange(24), {2, 3, 4});
  EXPECT_EQ(lax::collapse(x, 0, 2).shape(), (jx::Shape{6, 4}));
  EXPECT_EQ(lax::collapse(x, 1).shape(), (jx::Shape{2, 12}));
  EXPECT_EQ(lax::collapse(x, -2, -1).shape(), (jx::Shape{2, 3, 4}));
  EXPECT_EQ(lax::collapse(x, 1, 1).shape(), (jx::Shape{2, 1, 3, 4}));  // an empty range: prod(()) = 1
  EXPECT_EQ(ints(lax::collapse(x, 0)), ints(jnp::arange(24)));
  expect_error<jx::ValueError>([&] { lax::collapse(x, 2, 1); }, {"collapse"});
}

TEST(LaxShaping, FullKeepsTheFillValuesTypeUnlessGivenOne) {
  const Array weak = lax::full({2, 2}, 1.5);
  EXPECT_EQ(weak.dtype(), jx::float32);
  EXPECT_TRUE(weak.weak_type());
  EXPECT_EQ(weak.to_vector<float>(), (std::vector<float>{1.5f, 1.5f, 1.5f, 1.5f}));
  const Array strong = lax::full({3}, 2.7, jx::int32);
  EXPECT_FALSE(strong.weak_type());
  EXPECT_EQ(ints(strong), (std::vector<int>{2, 2, 2}));
  const Array like = lax::full_like(jnp::zeros({2}, jx::int8), 3);
  EXPECT_EQ(like.dtype(), jx::int8);
  EXPECT_FALSE(like.weak_type());
  EXPECT_EQ(lax::full_like(jnp::zeros({2}), 1, jx::float32, jx::Shape{4, 1}).shape(), (jx::Shape{4, 1}));
  const Array empty = lax::empty({2, 3}, jx::uint8);
  EXPECT_EQ(empty.dtype(), jx::uint8);
  EXPECT_EQ(empty.shape(), (jx::Shape{2, 3}));
  expect_error<jx::TypeError>([] { lax::full({2}, jnp::array({1, 2})); }, {"full"});
}

TEST(LaxShaping, TileRepeatsWholeCopies) {
  // NumPy: np.tile([[1, 2], [3, 4]], (2, 3))
  const Array t = lax::tile(jnp::array({{1, 2}, {3, 4}}), {2, 3});
  EXPECT_EQ(t.shape(), (jx::Shape{4, 6}));
  EXPECT_EQ(ints(t), (std::vector<int>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
  EXPECT_EQ(ints(lax::tile(jnp::array({1, 2, 3}), {2})), (std::vector<int>{1, 2, 3, 1, 2, 3}));
  expect_error<jx::ValueError>([] { lax::tile(jnp::array({1, 2}), {2, 2}); }, {"tile"});
}

TEST(LaxShaping, StackUnstackAndSplitInvertEachOther) {
  const Array x = jnp::array({1, 2}), y = jnp::array({3, 4});
  EXPECT_EQ(ints(lax::stack({x, y}, 0)), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(ints(lax::stack({x, y}, 1)), (std::vector<int>{1, 3, 2, 4}));
  EXPECT_EQ(lax::stack({x, y}, -1).shape(), (jx::Shape{2, 2}));
  const auto columns = lax::unstack(jnp::array({{1, 2}, {3, 4}}), 1);
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_EQ(ints(columns[0]), (std::vector<int>{1, 3}));
  EXPECT_EQ(ints(columns[1]), (std::vector<int>{2, 4}));
  const auto parts = lax::split(jnp::arange(5), {2, 0, 3}, 0);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(ints(parts[0]), (std::vector<int>{0, 1}));
  EXPECT_EQ(parts[1].shape(), (jx::Shape{0}));
  EXPECT_EQ(ints(parts[2]), (std::vector<int>{2, 3, 4}));
  expect_error<jx::ValueError>([] { lax::split(jnp::arange(5), {2, 2}, 0); }, {"split"});
  expect_error<jx::ShapeError>([&] { lax::stack({x, jnp::array({1, 2, 3})}); }, {"stack"});
  expect_error<jx::ShapeError>([] { lax::unstack(jnp::array(1)); }, {});
}

TEST(LaxShaping, IndexInDimWrapsNegativeIndicesAndChecksRange) {
  const Array x = iota_matrix(3, 4);
  EXPECT_EQ(ints(lax::index_in_dim(x, 1)), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(lax::index_in_dim(x, 1).shape(), (jx::Shape{1, 4}));
  EXPECT_EQ(ints(lax::index_in_dim(x, 1, 1, false)), (std::vector<int>{1, 5, 9}));
  EXPECT_EQ(ints(lax::index_in_dim(x, -1, 0, false)), (std::vector<int>{8, 9, 10, 11}));
  expect_error<jx::IndexError>([&] { lax::index_in_dim(x, 3); }, {"index_in_dim"});
  expect_error<jx::IndexError>([&] { lax::index_in_dim(x, -5, 1); }, {"index_in_dim"});
}

TEST(LaxShaping, DynamicSlicesClampAndWrapAsJaxDoes) {
  const Array x = jnp::arange(5);
  // JAX's docstring examples: dynamic_slice_in_dim(x, 1, 3) = [1 2 3]; (x, 4, 3) clamps to [2 3 4].
  EXPECT_EQ(ints(lax::dynamic_slice_in_dim(x, 1, 3)), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(ints(lax::dynamic_slice_in_dim(x, 4, 3)), (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(ints(lax::dynamic_slice_in_dim(x, -2, 2)), (std::vector<int>{3, 4}));
  EXPECT_EQ(ints(lax::dynamic_slice_in_dim(x, -2, 2, 0, {.allow_negative_indices = false})), (std::vector<int>{0, 1}));
  const Array m = iota_matrix(3, 4);
  EXPECT_EQ(ints(lax::dynamic_slice_in_dim(m, 1, 2, 1)), (std::vector<int>{1, 2, 5, 6, 9, 10}));
  EXPECT_EQ(ints(lax::dynamic_index_in_dim(m, 1, 1, false)), (std::vector<int>{1, 5, 9}));
  EXPECT_EQ(lax::dynamic_index_in_dim(x, 1).shape(), (jx::Shape{1}));
  // dynamic_update_*: JAX's examples, zeros(6) with ones(3) at 2, at 3 and at 5 (clamped to 3).
  const Array z = jnp::zeros({6});
  EXPECT_EQ(lax::dynamic_update_slice_in_dim(z, jnp::ones({3}), 2, 0).to_vector<float>(),
            (std::vector<float>{0, 0, 1, 1, 1, 0}));
  EXPECT_EQ(lax::dynamic_update_slice_in_dim(z, jnp::ones({3}), 5, 0).to_vector<float>(),
            (std::vector<float>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(lax::dynamic_update_index_in_dim(z, 1.0, 2, 0).to_vector<float>(), (std::vector<float>{0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(lax::dynamic_update_index_in_dim(z, jnp::array({1.0f}), 10, 0).to_vector<float>(),
            (std::vector<float>{0, 0, 0, 0, 0, 1}));
  const Array updated = lax::dynamic_update_index_in_dim(jnp::zeros({3, 2}), jnp::array({7.0f, 8.0f}), -1, 0);
  EXPECT_EQ(updated.to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 7, 8}));
  expect_error<jx::DTypeError>([&] { lax::dynamic_slice_in_dim(x, 1.5, 2); }, {"dynamic_slice_in_dim"});
  expect_error<jx::ShapeError>(
      [&] {
        lax::dynamic_update_index_in_dim(m, jnp::ones({1, 1, 4}, jx::int32), 0, 0);
      },
      {"dynamic_update_index_in_dim"});
}

TEST(LaxShaping, DynamicSlicesTraceUnderJitAndVmap) {
  const Array x = jnp::arange(10.0f);
  auto window = [](const Array& v, const Array& i) { return lax::dynamic_slice_in_dim(v, i, 3); };
  for (int start : {-3, 0, 4, 9}) {
    EXPECT_EQ(jx::jit(window)(x, jnp::array(start)).to_vector<float>(), window(x, start).to_vector<float>());
  }
  // One window per start, vmapped over the starts: rows [0 1 2], [5 6 7], [7 8 9].
  const Array starts = jnp::array({0, 5, 8});
  const Array rows = jx::vmap([&](const Array& i) { return window(x, i); })(starts);
  EXPECT_EQ(rows.to_vector<float>(), (std::vector<float>{0, 1, 2, 5, 6, 7, 7, 8, 9}));
  // The derivative of a sum of a window is the window's indicator.
  const Array g = jx::grad([](const Array& v) { return jnp::sum(lax::dynamic_slice_in_dim(v, 2, 3)); })(x);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{0, 0, 1, 1, 1, 0, 0, 0, 0, 0}));
  jx::test::check_grads([](const Array& v, const Array& u) { return lax::dynamic_update_slice_in_dim(v, u * u, 1, 0); },
                        {jnp::array({0.5, 1.5, -2.0, 3.0}), jnp::array({0.25, 2.0})}, 1);
}

TEST(LaxShaping, IndexTakeReadsPointsOnSeveralAxes) {
  const Array src = jnp::reshape(jnp::arange(24), {2, 3, 4});
  // NumPy: src[[1, 0, -1], :, [3, 5 % 4, 0]] -> rows src[1, :, 3], src[0, :, 1], src[1, :, 0]
  const Array taken = lax::index_take(src, {jnp::array({1, 0, -1}), jnp::array({3, 5, 0})}, {0, 2});
  EXPECT_EQ(taken.shape(), (jx::Shape{3, 3}));
  EXPECT_EQ(ints(taken), (std::vector<int>{15, 19, 23, 1, 5, 9, 12, 16, 20}));
  // The axes in another order read the same points.
  const Array swapped = lax::index_take(src, {jnp::array({3, 5, 0}), jnp::array({1, 0, -1})}, {2, 0});
  EXPECT_EQ(ints(swapped), ints(taken));
  expect_error<jx::ValueError>([&] { lax::index_take(src, {jnp::array({0})}, {0, 1}); }, {"index_take"});
}

}  // namespace
