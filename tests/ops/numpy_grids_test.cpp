// jx/numpy/grids.h (src/ops/numpy_grids.cpp) against NumPy's values (tests/data/numpy_api_oracle.json,
// family "grids"), eagerly, under jit and under vmap; bad sizes, shapes and text raise jx errors.
#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/grids.h"
#include "jx/transforms/autodiff.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;
using jx::testing::OracleOp;

std::optional<std::int64_t> optional_size(const json& p, const char* key) {
  if (!p.contains(key) || p.at(key).is_null()) return std::nullopt;
  return p.at(key).get<std::int64_t>();
}
std::optional<jx::DType> optional_dtype(const json& p) {
  if (!p.contains("dtype")) return std::nullopt;
  return jx::testing::case_dtype(p.at("dtype"));
}
std::vector<jx::Slice> slices_of(const json& p) {
  std::vector<jx::Slice> slices;
  for (const json& s : p.at("slices"))
    slices.push_back({s[0].get<std::int64_t>(), s[1].get<std::int64_t>(), s[2].get<std::int64_t>()});
  return slices;
}

const jx::testing::OracleOps& grid_ops() {
  static const jx::testing::OracleOps ops = {
      {"empty",
       {[](const Arrays&, const json& p) { return Arrays{jnp::empty(jx::testing::case_shape(p.at("shape")))}; }}},
      {"empty_like", {[](const Arrays& a, const json&) { return Arrays{jnp::empty_like(a.at(0))}; }}},
      {"logspace", {[](const Arrays&, const json& p) {
         return Arrays{jnp::logspace(p.at("start"), p.at("stop"), p.at("num"),
                                     {.endpoint = p.at("endpoint"), .base = p.at("base"), .dtype = optional_dtype(p)})};
       }}},
      {"geomspace", {[](const Arrays&, const json& p) {
         return Arrays{jnp::geomspace(p.at("start"), p.at("stop"), p.at("num"),
                                      {.endpoint = p.at("endpoint"), .dtype = optional_dtype(p)})};
       }}},
      {"tri", {[](const Arrays&, const json& p) {
         return Arrays{jnp::tri(p.at("n"), optional_size(p, "m"), p.at("k").get<int>(), optional_dtype(p))};
       }}},
      {"diag", {[](const Arrays& a, const json& p) { return Arrays{jnp::diag(a.at(0), p.at("k").get<int>())}; }}},
      {"diagflat",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::diagflat(a.at(0), p.at("k").get<int>())}; }}},
      {"diag_indices",
       {[](const Arrays&, const json& p) { return jnp::diag_indices(p.at("n"), p.at("ndim").get<int>()); }}},
      {"diag_indices_from", {[](const Arrays& a, const json&) { return jnp::diag_indices_from(a.at(0)); }}},
      {"tril_indices", {[](const Arrays&, const json& p) {
         return jnp::tril_indices(p.at("n"), p.at("k").get<int>(), optional_size(p, "m"));
       }}},
      {"triu_indices", {[](const Arrays&, const json& p) {
         return jnp::triu_indices(p.at("n"), p.at("k").get<int>(), optional_size(p, "m"));
       }}},
      {"tril_indices_from",
       {[](const Arrays& a, const json& p) { return jnp::tril_indices_from(a.at(0), p.at("k").get<int>()); }}},
      {"triu_indices_from",
       {[](const Arrays& a, const json& p) { return jnp::triu_indices_from(a.at(0), p.at("k").get<int>()); }}},
      {"mask_indices", {[](const Arrays&, const json& p) {
         auto lower = [](const Array& m, int k) { return jnp::tril(m, k); };
         auto upper = [](const Array& m, int k) { return jnp::triu(m, k); };
         if (p.at("mask") == "tril") return jnp::mask_indices(p.at("n"), lower, p.at("k").get<int>());
         return jnp::mask_indices(p.at("n"), upper, p.at("k").get<int>());
       }}},
      {"fill_diagonal", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::fill_diagonal(a.at(0), a.at(1), {.wrap = p.at("wrap").get<bool>()})};
       }}},
      {"indices", {[](const Arrays&, const json& p) {
         return Arrays{jnp::indices(jx::testing::case_shape(p.at("shape")), optional_dtype(p))};
       }}},
      {"meshgrid", {[](const Arrays& a, const json& p) {
         const std::string indexing = p.at("indexing");
         const jnp::MeshgridOptions options{.sparse = p.at("sparse").get<bool>(), .indexing = indexing};
         if (a.size() == 2) return jnp::meshgrid(a[0], a[1], options);
         return jnp::meshgrid(a, options);
       }}},
      {"mgrid", {[](const Arrays&, const json& p) { return Arrays{jnp::mgrid(slices_of(p))}; }}},
      {"ogrid", {[](const Arrays&, const json& p) { return jnp::ogrid(slices_of(p)); }}},
      {"ix_", {[](const Arrays& a, const json&) { return jnp::ix_(a); }}},
      {"kron", {[](const Arrays& a, const json&) { return Arrays{jnp::kron(a.at(0), a.at(1))}; }}},
      {"vander", {[](const Arrays& a, const json& p) {
         return Arrays{jnp::vander(a.at(0), optional_size(p, "n"), p.at("increasing").get<bool>())};
       }}},
      {"matvec", {[](const Arrays& a, const json&) { return Arrays{jnp::matvec(a.at(0), a.at(1))}; }}},
      {"vecmat", {[](const Arrays& a, const json&) { return Arrays{jnp::vecmat(a.at(0), a.at(1))}; }}},
      {"fromfunction", {[](const Arrays&, const json& p) {
         return Arrays{jnp::fromfunction([](const std::vector<Array>& ij) { return ij[0] * 10.0f + ij[1]; },
                                         jx::testing::case_shape(p.at("shape")))};
       }}},
      {"frombuffer", {[](const Arrays&, const json& p) {
         std::vector<std::byte> bytes;
         for (const json& b : p.at("bytes")) bytes.push_back(static_cast<std::byte>(b.get<int>()));
         return Arrays{jnp::frombuffer(bytes, jx::testing::case_dtype(p.at("dtype")), p.at("count"), p.at("offset"))};
       }}},
      {"fromstring", {[](const Arrays&, const json& p) {
         const std::string text = p.at("text"), sep = p.at("sep");
         return Arrays{
             jnp::fromstring(text, jx::testing::case_dtype(p.at("dtype")), p.at("count").get<std::int64_t>(), sep)};
       }}},
  };
  return ops;
}

TEST(NumpyGrids, MatchesNumpy) { jx::testing::replay_family("grids", grid_ops()); }

TEST(NumpyGrids, GradientsOfStructuredMatrices) {
  // d/da sum(kron(a, b)) = sum(b) everywhere; d/dx of vander's columns are the powers' derivatives.
  const Array b = jnp::array({{1.0f, 2.0f}, {3.0f, 4.0f}});
  const Array g = jx::grad([&](const Array& a) { return jnp::sum(jnp::kron(a, b)); })(jnp::ones({2, 3}));
  EXPECT_EQ(g.to_vector<float>(), std::vector<float>(6, 10.0f));
  const Array gv = jx::grad([](const Array& x) { return jnp::sum(jnp::vander(x, 3)); })(jnp::array({2.0f, -1.0f}));
  EXPECT_EQ(gv.to_vector<float>(), (std::vector<float>{5.0f, -1.0f}));  // d(x^2 + x + 1) = 2x + 1
  const Array gd = jx::grad([](const Array& v) { return jnp::sum(jnp::diag(v, 1) * 2.0f); })(jnp::ones({3}));
  EXPECT_EQ(gd.to_vector<float>(), std::vector<float>(3, 2.0f));
}

TEST(NumpyGrids, RejectsBadArguments) {
  EXPECT_THROW(jnp::tri(-1), jx::ValueError);
  EXPECT_THROW(jnp::diag(jnp::zeros({2, 2, 2})), jx::ShapeError);
  EXPECT_THROW(jnp::geomspace(0.0, 1.0), jx::ValueError);
  EXPECT_THROW(jnp::geomspace(-1.0, 1.0), jx::ValueError);
  EXPECT_THROW(jnp::meshgrid(jnp::zeros({2}), jnp::zeros({3}), {.indexing = "yx"}), jx::ValueError);
  EXPECT_THROW(jnp::fill_diagonal(jnp::zeros({2, 3, 3}), Array(1.0f)), jx::ShapeError);
  EXPECT_THROW(jnp::ix_({jnp::zeros({2})}), jx::DTypeError);
  EXPECT_THROW(jnp::fromstring("1,2,x", jx::float32, -1, ","), jx::ValueError);
  EXPECT_THROW(jnp::fromstring("1 2", jx::float32, 3, " "), jx::ValueError);
  const std::vector<std::byte> five(5);
  EXPECT_THROW(jnp::frombuffer(five, jx::float32), jx::ValueError);
  EXPECT_THROW(jnp::frombuffer(five, jx::float32, 2), jx::ValueError);
}

}  // namespace
