// jx/numpy/sets.h (src/ops/numpy_sets.cpp) against NumPy (tests/data/numpy_api_oracle.json, family
// "sets"), eagerly, and under jit and vmap where a static size makes the shapes static.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/sets.h"
#include "jx/transforms/jit.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;

std::optional<Array> fill_of(const json& p, jx::DType dtype) {
  if (!p.contains("fill_value")) return std::nullopt;
  return jnp::astype(Array(p.at("fill_value").get<double>()), dtype);
}
std::optional<std::int64_t> size_of(const json& p) {
  if (!p.contains("size")) return std::nullopt;
  return p.at("size").get<std::int64_t>();
}

template <class F>
jx::testing::OracleOp set_op(F f) {
  // Traced only when the case has a static size.
  return {[f](const Arrays& a, const json& p) {
            return Arrays{f(a.at(0), a.at(1),
                            {.assume_unique = p.value("assume_unique", false),
                             .size = size_of(p),
                             .fill_value = fill_of(p, a.at(0).dtype())})};
          },
          false};
}

const jx::testing::OracleOps& set_ops() {
  static const jx::testing::OracleOps ops = {
      {"unique",
       {[](const Arrays& a, const json& p) {
          const bool everything = p.value("return_all", false);
          std::optional<int> axis;
          if (p.contains("axis")) axis = p.at("axis").get<int>();
          const auto r = jnp::unique(a.at(0), {.return_index = everything,
                                               .return_inverse = everything,
                                               .return_counts = everything,
                                               .axis = axis,
                                               .size = size_of(p),
                                               .fill_value = fill_of(p, a.at(0).dtype())});
          return everything ? Arrays{r.values, r.indices, r.inverse, r.counts} : Arrays{r.values};
        },
        false}},
      {"unique_all",
       {[](const Arrays& a, const json&) {
          const auto r = jnp::unique_all(a.at(0));
          return Arrays{r.values, r.indices, r.inverse_indices, r.counts};
        },
        false}},
      {"unique_counts",
       {[](const Arrays& a, const json&) {
          const auto r = jnp::unique_counts(a.at(0));
          return Arrays{r.values, r.counts};
        },
        false}},
      {"unique_inverse",
       {[](const Arrays& a, const json&) {
          const auto r = jnp::unique_inverse(a.at(0));
          return Arrays{r.values, r.inverse_indices};
        },
        false}},
      {"unique_values", {[](const Arrays& a, const json&) { return Arrays{jnp::unique_values(a.at(0))}; }, false}},
      {"isin", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::isin(a.at(0), a.at(1), p.at("invert").get<bool>())};
       }}},
      {"union1d", set_op(jnp::union1d)},
      {"intersect1d", set_op(jnp::intersect1d)},
      {"setdiff1d", set_op(jnp::setdiff1d)},
      {"setxor1d", set_op(jnp::setxor1d)},
  };
  return ops;
}

TEST(NumpySets, MatchesNumpy) { jx::testing::replay_family("sets", set_ops()); }

TEST(NumpySets, StaticSizesWorkUnderJitAndVmap) {
  const Array x = jnp::array({{3, 1, 3}, {7, 7, 2}});
  const auto counts = jx::jit([](const Array& v) {
    const auto r = jnp::unique(v, {.return_counts = true, .size = 5, .fill_value = Array(-1)});
    return Arrays{r.values, r.counts};
  })(x);
  EXPECT_EQ(counts[0].to_vector<int>(), (std::vector<int>{1, 2, 3, 7, -1}));
  EXPECT_EQ(counts[1].to_vector<int>(), (std::vector<int>{1, 1, 2, 2, 0}));
  const Array per_row =
      jx::vmap([](const Array& row) { return jnp::unique(row, {.size = 3, .fill_value = Array(0)}).values; })(x);
  EXPECT_EQ(per_row.to_vector<int>(), (std::vector<int>{1, 3, 0, 2, 7, 0}));
  const Array common = jx::jit([](const Array& a, const Array& b) {
    return jnp::intersect1d(a, b, {.size = 3, .fill_value = Array(-1)});
  })(jnp::array({5, 1, 3, 3}), jnp::array({3, 5, 8}));
  EXPECT_EQ(common.to_vector<int>(), (std::vector<int>{3, 5, -1}));
  EXPECT_THROW(jx::jit([](const Array& v) { return jnp::unique(v).values; })(x), jx::ConcretizationError);
}

TEST(NumpySets, RejectsBadArguments) {
  EXPECT_THROW(jnp::unique(jnp::zeros({0}), {.size = 2}), jx::ValueError);
  EXPECT_THROW(jnp::unique(jnp::zeros({2, 2}), {.axis = 2}), jx::ShapeError);
  EXPECT_THROW(jnp::union1d(jnp::zeros({2}), jnp::zeros({2}), {.size = -1}), jx::ValueError);
}

}  // namespace
