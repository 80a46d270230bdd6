// jx/numpy/shaping.h (src/ops/numpy_shaping.cpp) against NumPy's values (tests/data/numpy_api_oracle.json,
// family "shaping"), eagerly, under jit and under vmap; gradients flow through the rearrangements; bad
// axes, indices and traced lengths raise jx errors.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/shaping.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;
using jx::testing::OracleOp;

std::optional<int> optional_axis(const json& p, const char* key = "axis") {
  if (!p.contains(key) || p.at(key).is_null()) return std::nullopt;
  return p.at(key).get<int>();
}

template <class F>
OracleOp unary(F f) {
  return {[f](const Arrays& a, const json&) { return Arrays{f(a.at(0))}; }};
}

const jx::testing::OracleOps& shaping_ops() {
  static const jx::testing::OracleOps ops = {
      {"roll", {[](const Arrays& a, const json& p) {
         if (p.contains("shifts")) {
           return Arrays{jnp::roll(a.at(0), p.at("shifts").get<std::vector<std::int64_t>>(),
                                   p.at("axes").get<std::vector<int>>())};
         }
         return Arrays{jnp::roll(a.at(0), p.at("shift").get<std::int64_t>(), optional_axis(p))};
       }}},
      {"rollaxis", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::rollaxis(a.at(0), p.at("axis").get<int>(), p.at("start").get<int>())};
       }}},
      {"rot90", {[](const Arrays& a, const json& p) {
         const auto axes = p.at("axes").get<std::vector<int>>();
         return Arrays{jnp::rot90(a.at(0), p.at("k").get<int>(), {axes[0], axes[1]})};
       }}},
      {"fliplr", unary(jnp::fliplr)},
      {"flipud", unary(jnp::flipud)},
      {"atleast_1d", unary([](const Array& x) { return jnp::atleast_1d(x); })},
      {"atleast_2d", unary([](const Array& x) { return jnp::atleast_2d(x); })},
      {"atleast_3d", unary([](const Array& x) { return jnp::atleast_3d(x); })},
      {"column_stack", {[](const Arrays& a, const json&) { return Arrays{jnp::column_stack(a)}; }}},
      {"dstack", {[](const Arrays& a, const json&) { return Arrays{jnp::dstack(a)}; }}},
      {"block", {[](const Arrays& a, const json& p) {
         const auto widths = p.at("rows").get<std::vector<std::size_t>>();
         if (widths.empty()) return Arrays{jnp::block(a)};
         std::vector<Arrays> rows;
         std::size_t next = 0;
         for (std::size_t w : widths) {
           rows.emplace_back(a.begin() + static_cast<std::ptrdiff_t>(next),
                             a.begin() + static_cast<std::ptrdiff_t>(next + w));
           next += w;
         }
         return Arrays{jnp::block(rows)};
       }}},
      {"array_split", {[](const Arrays& a, const json& p) {
         const int axis = p.at("axis").get<int>();
         if (p.contains("sections")) return jnp::array_split(a.at(0), p.at("sections").get<std::int64_t>(), axis);
         return jnp::array_split(a.at(0), p.at("indices").get<std::vector<std::int64_t>>(), axis);
       }}},
      {"hsplit", {[](const Arrays& a, const json& p) {
         if (p.contains("sections")) return jnp::hsplit(a.at(0), p.at("sections").get<std::int64_t>());
         return jnp::hsplit(a.at(0), p.at("indices").get<std::vector<std::int64_t>>());
       }}},
      {"vsplit", {[](const Arrays& a, const json& p) {
         if (p.contains("sections")) return jnp::vsplit(a.at(0), p.at("sections").get<std::int64_t>());
         return jnp::vsplit(a.at(0), p.at("indices").get<std::vector<std::int64_t>>());
       }}},
      {"dsplit", {[](const Arrays& a, const json& p) {
         if (p.contains("sections")) return jnp::dsplit(a.at(0), p.at("sections").get<std::int64_t>());
         return jnp::dsplit(a.at(0), p.at("indices").get<std::vector<std::int64_t>>());
       }}},
      {"unstack", {[](const Arrays& a, const json& p) { return jnp::unstack(a.at(0), p.at("axis").get<int>()); }}},
      {"append",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::append(a.at(0), a.at(1), optional_axis(p))}; }}},
      {"delete_", {[](const Arrays& a, const json& p) {
         const json& index = p.at("index");
         if (index.is_number()) return Arrays{jnp::delete_(a.at(0), index.get<std::int64_t>(), optional_axis(p))};
         return Arrays{jnp::delete_(a.at(0), index.get<std::vector<std::int64_t>>(), optional_axis(p))};
       }}},
      {"insert", {[](const Arrays& a, const json& p) {
         if (p.contains("indices")) {
           return Arrays{
               jnp::insert(a.at(0), p.at("indices").get<std::vector<std::int64_t>>(), a.at(1), optional_axis(p))};
         }
         return Arrays{jnp::insert(a.at(0), p.at("index").get<std::int64_t>(), a.at(1), optional_axis(p))};
       }}},
      {"resize", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::resize(a.at(0), jx::testing::case_shape(p.at("shape")))};
       }}},
      {"copy", unary(jnp::copy)},
      {"trim_zeros",
       {[](const Arrays& a, const json& p) {
          return Arrays{jnp::trim_zeros(a.at(0), p.at("trim").get<std::string>())};
        },
        false}},
  };
  return ops;
}

TEST(NumpyShaping, MatchesNumpy) { jx::testing::replay_family("shaping", shaping_ops()); }

TEST(NumpyShaping, GradientsFlowBackToTheRightElements) {
  // d/dx sum(w * roll(x, 1)) = roll(w, -1); the same for rot90 with its inverse rotation.
  const Array x = jnp::arange(6.0f);
  const Array w = jnp::array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f});
  const Array g = jx::grad([&](const Array& v) { return jnp::sum(w * jnp::roll(v, 1)); })(x);
  EXPECT_EQ(g.to_vector<float>(), jnp::roll(w, -1).to_vector<float>());
  const Array m = jnp::reshape(w, {2, 3});
  const Array gm = jx::grad([&](const Array& v) { return jnp::sum(m * jnp::rot90(v)); })(jnp::zeros({3, 2}));
  EXPECT_EQ(gm.to_vector<float>(), jnp::rot90(m, -1).to_vector<float>());
  const Array gi = jx::grad([](const Array& v) { return jnp::sum(jnp::insert(v, 1, v(0) * 3.0f)); })(x);
  EXPECT_EQ(gi.to_vector<float>(), (std::vector<float>{4, 1, 1, 1, 1, 1}));
}

TEST(NumpyShaping, RejectsBadArguments) {
  const Array x = jnp::zeros({2, 3});
  EXPECT_EQ(x(jnp::newaxis).shape(), (jx::Shape{1, 2, 3}));  // jnp.newaxis, as x[None]
  EXPECT_THROW(jnp::roll(x, 1, 2), jx::ShapeError);
  EXPECT_THROW(jnp::roll(x, {1, 2}, {0}), jx::ValueError);
  EXPECT_THROW(jnp::rot90(jnp::zeros({3})), jx::ShapeError);
  EXPECT_THROW(jnp::rot90(x, 1, {1, 1}), jx::ValueError);
  EXPECT_THROW(jnp::delete_(x, 6), jx::IndexError);
  EXPECT_THROW(jnp::insert(x, 4, Array(1.0f), 1), jx::IndexError);
  EXPECT_THROW(jnp::array_split(x, 0), jx::ValueError);
  EXPECT_THROW(jnp::vsplit(jnp::zeros({4}), 2), jx::ShapeError);
  EXPECT_THROW(jnp::resize(x, {-1}), jx::ValueError);
  // The length of trim_zeros's result depends on the values: a traced array cannot be trimmed.
  EXPECT_THROW(jx::jit([](const Array& v) { return jnp::trim_zeros(v); })(jnp::array({0.0f, 1.0f})),
               jx::ConcretizationError);
}

}  // namespace
