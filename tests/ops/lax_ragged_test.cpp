// jx::lax::ragged_dot (jx/lax/ragged.h) against a NumPy result pasted as a literal, jit and finite
// differences.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "close_expectations.h"
#include "jx/jx.h"
#include "jx/lax/ragged.h"
#include "jx/test_util.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::Array;

using jx::testing::expect_close;

// --- ragged_dot -----------------------------------------------------------------------------------
TEST(LaxRaggedDot, MatchesNumPy) {
  const Array lhs = jnp::arange(10.0f).reshape({5, 2}) / 4;
  const Array rhs = (jnp::arange(12.0f).reshape({3, 2, 2}) - 5) / 3;
  const Array group_sizes = jnp::array({2, 0, 2});
  // NumPy: out[s:s+g] = lhs[s:s+g] @ rhs[j] over the groups, zeros past them.
  const std::vector<float> expected = {-0.25f,
                                       -0.1666666716337204f,
                                       -1.5833332538604736f,
                                       -1.1666667461395264f,
                                       3.0833332538604736f,
                                       3.8333334922790527f,
                                       4.416666507720947f,
                                       5.5f,
                                       0.0f,
                                       0.0f};
  expect_close(lax::ragged_dot(lhs, rhs, group_sizes), expected);
  expect_close(jx::jit([](const Array& l, const Array& r, const Array& g) { return lax::ragged_dot(l, r, g); })(
                   lhs, rhs, group_sizes),
               expected);
  jx::test::check_grads([&](const Array& l, const Array& r) { return lax::ragged_dot(l, r, group_sizes); }, {lhs, rhs},
                        1, jx::test::Modes::both, 1e-2, 1e-2);
  // ragged_dot is ragged_dot_general with lhs axis 1 contracted with rhs axis 1, lhs axis 0 ragged and rhs
  // axis 0 the groups; the same product with rhs's axes swapped contracts rhs axis 2 instead.
  const lax::RaggedDotDimensionNumbers numbers{
      .dot_dimension_numbers = {.lhs_contracting = {1}, .rhs_contracting = {1}, .lhs_batch = {}, .rhs_batch = {}},
      .lhs_ragged_dimensions = {0},
      .rhs_group_dimensions = {0}};
  expect_close(lax::ragged_dot_general(lhs, rhs, group_sizes, numbers), expected);
  const lax::RaggedDotDimensionNumbers swapped{
      .dot_dimension_numbers = {.lhs_contracting = {1}, .rhs_contracting = {2}, .lhs_batch = {}, .rhs_batch = {}},
      .lhs_ragged_dimensions = {0},
      .rhs_group_dimensions = {0}};
  expect_close(lax::ragged_dot_general(lhs, jnp::swapaxes(rhs, 1, 2), group_sizes, swapped), expected);
  EXPECT_THROW(lax::ragged_dot(lhs, rhs, jnp::array({2, 3})), jx::ShapeError);
  EXPECT_THROW(lax::ragged_dot(lhs, rhs.reshape({6, 2}), group_sizes), jx::ShapeError);
}

}  // namespace
