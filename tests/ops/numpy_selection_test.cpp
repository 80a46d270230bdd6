// jx/numpy/selection.h (src/ops/numpy_selection.cpp) against NumPy (tests/data/numpy_api_oracle.json,
// family "selection"), eagerly, under jit and under vmap where the result's shape is static; the
// concretization errors that name the size option; bad arguments.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/selection.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;
using jx::testing::OracleOp;

jnp::SizeOptions size_of(const json& p, jx::DType fill_dtype = jx::int32) {
  jnp::SizeOptions options;
  if (p.contains("size")) options.size = p.at("size").get<std::int64_t>();
  if (p.contains("fill_value")) options.fill_value = jnp::astype(Array(p.at("fill_value").get<double>()), fill_dtype);
  return options;
}
std::optional<int> axis_of(const json& p) {
  if (!p.contains("axis") || p.at("axis").is_null()) return std::nullopt;
  return p.at("axis").get<int>();
}

// Ops whose result length is static only with a size: traced (jit, vmap) only when the case has one.
template <class F>
OracleOp sized(F f, bool has_size) {
  return {f, has_size};
}

const jx::testing::OracleOps& selection_ops() {
  static const jx::testing::OracleOps ops = {
      {"nonzero", {[](const Arrays& a, const json& p) { return jnp::nonzero(a.at(0), size_of(p)); }, false}},
      {"argwhere", {[](const Arrays& a, const json& p) { return Arrays{jnp::argwhere(a.at(0), size_of(p))}; }, false}},
      {"flatnonzero",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::flatnonzero(a.at(0), size_of(p))}; }, false}},
      {"extract",
       {[](const Arrays& a, const json& p) {
          return Arrays{jnp::extract(a.at(0), a.at(1), size_of(p, a.at(1).dtype()))};
        },
        false}},
      {"compress",
       {[](const Arrays& a, const json& p) {
          return Arrays{jnp::compress(a.at(0), a.at(1), axis_of(p), size_of(p, a.at(1).dtype()))};
        },
        false}},
      {"select", {[](const Arrays& a, const json& p) {
         const auto n = p.at("n").get<std::size_t>();
         const Arrays conditions(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n));
         const Arrays choices(a.begin() + static_cast<std::ptrdiff_t>(n),
                              a.begin() + static_cast<std::ptrdiff_t>(2 * n));
         return Arrays{jnp::select(conditions, choices, a.at(2 * n))};
       }}},
      {"choose",
       {[](const Arrays& a, const json& p) {
          const std::string mode = p.at("mode");
          return Arrays{jnp::choose(a.at(0), Arrays(a.begin() + 1, a.end()), mode)};
        },
        false}},
      {"piecewise", {[](const Arrays& a, const json& p) {
         std::vector<std::function<Array(const Array&)>> functions;
         if (p.at("otherwise").get<bool>()) {
           functions = {[](const Array& t) { return -t; }, [](const Array& t) { return t * 3.0f; },
                        [](const Array& t) { return t + 100.0f; }};
         } else {
           functions = {[](const Array& t) { return t * 2.0f; }, [](const Array& t) { return t - 5.0f; }};
         }
         return Arrays{jnp::piecewise(a.at(0), {a.at(1), a.at(2)}, functions)};
       }}},
      {"place", {[](const Arrays& a, const json&) { return Arrays{jnp::place(a.at(0), a.at(1), a.at(2))}; }}},
      {"put", {[](const Arrays& a, const json& p) {
         jnp::PutOptions options;
         std::string mode;
         if (!p.at("mode").is_null()) {
           mode = p.at("mode");
           options.mode = mode;
         }
         return Arrays{jnp::put(a.at(0), a.at(1), a.at(2), options)};
       }}},
      {"put_along_axis", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::put_along_axis(a.at(0), a.at(1), a.at(2), axis_of(p))};
       }}},
      {"unravel_index", {[](const Arrays& a, const json& p) {
         return jnp::unravel_index(a.at(0), jx::testing::case_shape(p.at("shape")));
       }}},
      {"ravel_multi_index",
       {[](const Arrays& a, const json& p) {
          const std::string mode = p.at("mode");
          return Arrays{jnp::ravel_multi_index(a, jx::testing::case_shape(p.at("dims")), mode)};
        },
        false}},
      {"lexsort", {[](const Arrays& a, const json& p) { return Arrays{jnp::lexsort(a, p.value("axis", -1))}; }}},
      {"partition", {[](const Arrays& a, const json& p) { return Arrays{jnp::partition(a.at(0), p.at("kth"))}; }}},
      {"argpartition",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::argpartition(a.at(0), p.at("kth"))}; }}},
      {"sort_complex", {[](const Arrays& a, const json&) { return Arrays{jnp::sort_complex(a.at(0))}; }}},
      {"top_k", {[](const Arrays& a, const json& p) {
         auto [values, indices] = jnp::top_k(a.at(0), p.at("k"));
         return Arrays{values, indices};
       }}},
      {"apply_along_axis", {[](const Arrays& a, const json& p) {
         std::function<Array(const Array&)> f = [](const Array& t) { return jnp::sum(t); };
         if (p.at("function") == "outer") f = [](const Array& t) { return jnp::outer(t, t(jx::Slice{0, 2})); };
         return Arrays{jnp::apply_along_axis(f, p.at("axis").get<int>(), a.at(0))};
       }}},
      {"apply_over_axes", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::apply_over_axes([](const Array& t, int axis) { return jnp::sum(t, axis); }, a.at(0),
                                            p.at("axes").get<std::vector<int>>())};
       }}},
  };
  return ops;
}

TEST(NumpySelection, MatchesNumpy) { jx::testing::replay_family("selection", selection_ops()); }

TEST(NumpySelection, StaticSizesWorkUnderJitAndVmap) {
  const Array mask = jnp::array({{0, 3, 0}, {1, 0, 2}});
  const auto traced =
      jx::jit([](const Array& m) { return jnp::nonzero(m, {.size = 4, .fill_value = Array(-1)}); })(mask);
  EXPECT_EQ(traced[0].to_vector<int>(), (std::vector<int>{0, 1, 1, -1}));
  EXPECT_EQ(traced[1].to_vector<int>(), (std::vector<int>{1, 0, 2, -1}));
  const Array rows = jx::vmap([](const Array& row) { return jnp::flatnonzero(row, {.size = 2}); })(mask);
  EXPECT_EQ(rows.to_vector<int>(), (std::vector<int>{1, 0, 0, 2}));
  // Without a size, the length depends on traced values: the error names the fix.
  try {
    jx::jit([](const Array& m) { return jnp::flatnonzero(m); })(mask);
    FAIL() << "expected a ConcretizationError";
  } catch (const jx::ConcretizationError& e) {
    EXPECT_NE(std::string(e.what()).find(".size"), std::string::npos) << e.what();
  }
  EXPECT_THROW(jx::jit([](const Array& a) {
                 return jnp::choose(a, {a, a});
               })(jnp::array({0, 1})),
               jx::ConcretizationError);
}

TEST(NumpySelection, GradientsFlowThroughSelections) {
  const Array x = jnp::array({-2.0f, 0.5f, 3.0f});
  const Array g = jx::grad([](const Array& v) {
    return jnp::sum(
        jnp::piecewise(v, {v < 0.0f}, {[](const Array& t) { return t * t; }, [](const Array& t) { return t * 3.0f; }}));
  })(x);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{-4.0f, 3.0f, 3.0f}));
  const Array gt = jx::grad([](const Array& v) { return jnp::sum(jnp::top_k(v, 2).values); })(x);
  EXPECT_EQ(gt.to_vector<float>(), (std::vector<float>{0.0f, 1.0f, 1.0f}));
}

TEST(NumpySelection, RejectsBadArguments) {
  EXPECT_THROW(jnp::nonzero(Array(1)), jx::ShapeError);
  EXPECT_THROW(jnp::select({jnp::array({1})}, {jnp::array({1})}), jx::DTypeError);
  EXPECT_THROW(jnp::select({jnp::array({true})}, {}), jx::ValueError);
  EXPECT_THROW(jnp::choose(jnp::array({0, 3}), {jnp::array({1, 2}), jnp::array({3, 4})}), jx::IndexError);
  EXPECT_THROW(jnp::choose(jnp::array({0}), {jnp::array({1})}, "bounce"), jx::ValueError);
  EXPECT_THROW(jnp::ravel_multi_index({jnp::array({2})}, {2}), jx::IndexError);
  EXPECT_THROW(jnp::top_k(jnp::zeros({3}), 4), jx::ValueError);
  EXPECT_THROW(jnp::partition(jnp::zeros({3}), 3), jx::IndexError);
  EXPECT_THROW(jnp::place(jnp::zeros({3}), jnp::zeros({2}, jx::bool_), Array(1.0f)), jx::ShapeError);
  EXPECT_THROW(jnp::unravel_index(jnp::zeros({2}), {2}), jx::DTypeError);
}

}  // namespace
