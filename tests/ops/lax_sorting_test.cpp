// jx::lax's sorting, top-k and scatter variants (jx/lax/sorting.h), against results written out by hand
// from NumPy's equivalents (named in the comments), and jit/vmap against eager results.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "error_expectations.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/sorting.h"
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

TEST(LaxSorting, SortKeyValPermutesValuesWithTheKeys) {
  const Array keys = jnp::array({{3.0f, 1.0f, 2.0f, 1.0f}, {0.0f, -1.0f, NAN, 5.0f}});
  const Array values = jnp::array({{10, 20, 30, 40}, {1, 2, 3, 4}});
  const auto [k, v] = lax::sort_key_val(keys, values);
  // numpy: np.argsort(keys, kind="stable") applied to both; NaN last.
  EXPECT_EQ(v.to_vector<int>(), (std::vector<int>{20, 40, 30, 10, 2, 1, 4, 3}));
  EXPECT_EQ(k.to_vector<float>()[3], 3.0f);
  const auto [k0, v0] = lax::sort_key_val(jnp::array({{2, 1}, {1, 2}}), jnp::array({{5, 6}, {7, 8}}), 0);
  EXPECT_EQ(v0.to_vector<int>(), (std::vector<int>{7, 6, 5, 8}));
  expect_error<jx::ShapeError>([&] { lax::sort_key_val(keys, jnp::ones({4})); }, {"sort_key_val"});
}

TEST(LaxSorting, TopKTakesTheLargestWithInt32Indices) {
  // JAX's docstring: top_k([9, 3, 6, 4, 10], 3) = ([10, 9, 6], [4, 0, 2])
  const auto [values, indices] = lax::top_k(jnp::array({9.0f, 3.0f, 6.0f, 4.0f, 10.0f}), 3);
  EXPECT_EQ(values.to_vector<float>(), (std::vector<float>{10, 9, 6}));
  EXPECT_EQ(indices.dtype(), jx::int32);
  EXPECT_EQ(indices.to_vector<int>(), (std::vector<int>{4, 0, 2}));
  // Ties by the lower index; another axis.
  const Array m = jnp::array({{1, 5}, {7, 5}, {7, 0}});
  const auto [column_values, column_indices] = lax::top_k(m, 2, {.axis = 0});
  EXPECT_EQ(column_values.to_vector<int>(), (std::vector<int>{7, 5, 7, 5}));
  EXPECT_EQ(column_indices.to_vector<int>(), (std::vector<int>{1, 0, 2, 1}));
  // Rows vmapped match the eager rows; the values' derivative is the indicator of the chosen ones.
  const Array rows = jnp::array({{0.5f, 2.0f, -1.0f}, {3.0f, 3.0f, 1.0f}});
  const Array mapped = jx::vmap([](const Array& r) { return lax::top_k(r, 2).second; })(rows);
  EXPECT_EQ(mapped.to_vector<int>(), (std::vector<int>{1, 0, 0, 1}));
  const Array g = jx::grad([](const Array& r) { return jnp::sum(lax::top_k(r, 2).first); })(rows);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{1, 1, 0, 1, 1, 0}));
  expect_error<jx::ValueError>([] { lax::top_k(jnp::ones({3}), 4); }, {"top_k"});
  expect_error<jx::ValueError>([] { lax::top_k(jnp::ones({3}), -1); }, {"top_k"});
}

TEST(LaxSorting, ApproxTopKIsExactOnTheCpu) {
  const Array x = jnp::array({{4.0f, -2.0f, 8.0f, 1.0f, -2.0f}});
  const auto [largest, largest_at] = lax::approx_max_k(x, 2);
  EXPECT_EQ(largest.to_vector<float>(), (std::vector<float>{8, 4}));
  EXPECT_EQ(largest_at.to_vector<int>(), (std::vector<int>{2, 0}));
  const auto [smallest, smallest_at] = lax::approx_min_k(x, 3, {.recall_target = 0.5});
  EXPECT_EQ(smallest.to_vector<float>(), (std::vector<float>{-2, -2, 1}));
  EXPECT_EQ(smallest_at.to_vector<int>(), (std::vector<int>{1, 4, 3}));
  EXPECT_EQ(smallest_at.dtype(), jx::int32);
  const auto [column_min, column_at] = lax::approx_min_k(jnp::transpose(x), 1, {.reduction_dimension = 0});
  EXPECT_EQ(column_min.to_vector<float>(), (std::vector<float>{-2}));
  EXPECT_EQ(column_at.to_vector<int>(), (std::vector<int>{1}));
  const Array g = jx::grad([](const Array& v) { return jnp::sum(lax::approx_min_k(v, 2).first); })(x);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{0, 1, 0, 0, 1}));
  expect_error<jx::ValueError>([&] { lax::approx_max_k(x, 6); }, {"approx_max_k"});
}

TEST(LaxSorting, ScatterVariantsCombineUpdatesAtIndices) {
  const Array x = jnp::array({10.0f, 20.0f, 30.0f});
  const Array idx = jnp::array({2, 0, 2}), updates = jnp::array({1.0f, 2.0f, 4.0f});
  // numpy: np.subtract.at(x, idx, updates), np.multiply.at, np.minimum.at
  EXPECT_EQ(lax::scatter_sub(x, idx, updates, 0).to_vector<float>(), (std::vector<float>{8, 20, 25}));
  EXPECT_EQ(lax::scatter(x, idx, updates, 0, lax::ScatterMode::mul).to_vector<float>(),
            (std::vector<float>{20, 20, 120}));
  EXPECT_EQ(lax::scatter(x, idx, jnp::array({50.0f, 5.0f, 25.0f}), 0, lax::ScatterMode::min).to_vector<float>(),
            (std::vector<float>{5, 20, 25}));
  EXPECT_EQ(lax::scatter_sub(jnp::array({5u, 5u}, jx::uint32), jnp::array({1}), jnp::array({7u}, jx::uint32), 0)
                .to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{5, 4294967294}));  // wraps modulo 2^32
  // scatter_apply: each selected element once, duplicates or not; an index out of range changes nothing.
  const auto doubled = [](const Array& v) { return v * 2; };
  EXPECT_EQ(lax::scatter_apply(x, jnp::array({2, 2, 7}), doubled, 0).to_vector<float>(),
            (std::vector<float>{10, 20, 60}));
  const Array g = jx::grad([&](const Array& u) { return jnp::sum(lax::scatter_sub(x, idx, u * u, 0)); })(updates);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{-2, -4, -8}));
  const Array jitted = jx::jit([&](const Array& v) { return lax::scatter_apply(v, idx, doubled, 0); })(x);
  EXPECT_EQ(jitted.to_vector<float>(), (std::vector<float>{20, 20, 60}));
  expect_error<jx::DTypeError>([] { lax::scatter_sub(jnp::array({true}), jnp::array({0}), jnp::array({true}), 0); },
                               {"scatter_sub"});
}

}  // namespace
