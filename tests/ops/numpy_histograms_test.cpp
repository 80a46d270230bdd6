// jx/numpy/statistics.h's searches, bin counts and histograms (src/ops/numpy_histograms.cpp) against
// NumPy (tests/data/numpy_api_oracle.json, family "histograms"), eagerly, under jit and under vmap;
// sizes that depend on traced values ask for the static option.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/statistics.h"
#include "jx/transforms/jit.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;
using jx::testing::OracleOp;

std::optional<std::pair<double, double>> range_of(const json& p) {
  if (!p.contains("range")) return std::nullopt;
  return std::pair<double, double>{p.at("range")[0].get<double>(), p.at("range")[1].get<double>()};
}

const jx::testing::OracleOps& histogram_ops() {
  static const jx::testing::OracleOps ops = {
      {"searchsorted", {[](const Arrays& a, const json& p) {
         const std::string side = p.at("side");
         std::optional<Array> sorter;
         if (p.contains("sorter")) sorter = a.at(2);
         return Arrays{jnp::searchsorted(a.at(0), a.at(1), {.side = side, .sorter = sorter})};
       }}},
      {"digitize", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::digitize(a.at(0), a.at(1), p.at("right").get<bool>())};
       }}},
      // Without a static length the result's length is the largest value: eager only.
      {"bincount",
       {[](const Arrays& a, const json& p) {
          jnp::BincountOptions options{.minlength = p.value("minlength", std::int64_t{0})};
          if (p.contains("weights")) options.weights = a.at(1);
          if (p.contains("length")) options.length = p.at("length").get<std::int64_t>();
          return Arrays{jnp::bincount(a.at(0), options)};
        },
        false}},
      {"histogram", {[](const Arrays& a, const json& p) {
         const jnp::HistogramOptions options{
             .range = range_of(p),
             .weights = p.contains("weights") ? std::optional<Array>(a.at(2)) : std::nullopt,
             .density = p.value("density", false)};
         auto [hist, edges] = p.contains("bins") ? jnp::histogram(a.at(0), p.at("bins").get<std::int64_t>(), options)
                                                 : jnp::histogram(a.at(0), a.at(1), options);
         return Arrays{hist, edges};
       }}},
      {"histogram_bin_edges", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::histogram_bin_edges(a.at(0), p.at("bins").get<std::int64_t>(), range_of(p))};
       }}},
      {"histogram2d", {[](const Arrays& a, const json& p) {
         jnp::HistogramddOptions options{.density = p.value("density", false)};
         if (p.contains("range")) {
           options.range = std::vector<std::pair<double, double>>{};
           for (const json& r : p.at("range")) options.range->emplace_back(r[0].get<double>(), r[1].get<double>());
         }
         auto [hist, xedges, yedges] = jnp::histogram2d(
             a.at(0), a.at(1), {p.at("bins")[0].get<std::int64_t>(), p.at("bins")[1].get<std::int64_t>()}, options);
         return Arrays{hist, xedges, yedges};
       }}},
      {"histogramdd", {[](const Arrays& a, const json& p) {
         auto [hist, edges] = jnp::histogramdd(a.at(0), p.at("bins").get<std::vector<std::int64_t>>());
         Arrays out{hist};
         out.insert(out.end(), edges.begin(), edges.end());
         return out;
       }}},
  };
  return ops;
}

TEST(NumpyHistograms, MatchesNumpy) { jx::testing::replay_family("histograms", histogram_ops()); }

TEST(NumpyHistograms, StaticLengthsWorkUnderJit) {
  const Array labels = jnp::array({0, 3, 1, 3});
  const Array counts = jx::jit([](const Array& l) { return jnp::bincount(l, {.length = 5}); })(labels);
  EXPECT_EQ(counts.to_vector<int>(), (std::vector<int>{1, 1, 0, 2, 0}));
  // Without one, the length would depend on the traced values.
  EXPECT_THROW(jx::jit([](const Array& l) { return jnp::bincount(l); })(labels), jx::ConcretizationError);
}

TEST(NumpyHistograms, RejectsBadArguments) {
  EXPECT_THROW(jnp::searchsorted(jnp::zeros({2, 2}), Array(1.0f)), jx::ShapeError);
  EXPECT_THROW(jnp::searchsorted(jnp::zeros({2}), Array(1.0f), {.side = "middle"}), jx::ValueError);
  EXPECT_THROW(jnp::bincount(jnp::zeros({3})), jx::DTypeError);
  EXPECT_THROW(jnp::histogram(jnp::zeros({3}), 0), jx::ValueError);
  EXPECT_THROW(jnp::histogram(jnp::zeros({3}), 2, {.range = std::pair{1.0, 0.0}}), jx::ValueError);
  EXPECT_THROW(jnp::histogramdd(jnp::zeros({4, 2}), {2}), jx::ValueError);
}

}  // namespace
