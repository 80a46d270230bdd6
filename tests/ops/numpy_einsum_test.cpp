// jx/numpy/einsum.h (src/ops/numpy_einsum.cpp) against NumPy's einsum (tests/data/numpy_api_oracle.json,
// family "einsum": two to four operands, "...", repeated labels, implicit outputs), eagerly, under jit and
// under vmap; the greedy path; derivatives; bad subscripts.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;

TEST(NumpyEinsum, MatchesNumpy) {
  const jx::testing::OracleOps ops = {
      {"einsum",
       {[](const Arrays& a, const json& p) { return Arrays{jnp::einsum(p.at("subscripts").get<std::string>(), a)}; }}},
  };
  jx::testing::replay_family("einsum", ops);
}

TEST(NumpyEinsum, GreedyPathAvoidsLargeIntermediates) {
  // a (2 x 100), b (100 x 100), c (100 x 2): contracting b with c first costs a 100 x 2 intermediate,
  // a with b first a 2 x 100 one; never a 2 x 100 x 2 or 100-cubed one. The path is in opt_einsum's
  // format: positions in the list as it shrinks.
  const Array a = jnp::ones({2, 100}), b = jnp::ones({100, 100}), c = jnp::ones({100, 2});
  const jnp::EinsumPath path = jnp::einsum_path("ij,jk,kl->il", {a, b, c});
  ASSERT_EQ(path.path.size(), 2u);
  EXPECT_EQ(path.path[0], (std::pair<int, int>{0, 1}));
  EXPECT_EQ(path.path[1], (std::pair<int, int>{0, 1}));
  EXPECT_NE(path.description.find("(200 elements)"), std::string::npos) << path.description;
  // With a vector, the matrix-vector products come first: c, then b, then a.
  const jnp::EinsumPath vector_path =
      jnp::einsum_path("ij,jk,k->i", {jnp::ones({5, 6}), jnp::ones({6, 7}), jnp::ones({7})});
  EXPECT_EQ(vector_path.path[0], (std::pair<int, int>{1, 2}));
}

TEST(NumpyEinsum, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = jnp::reshape(jnp::arange(6.0, jx::float64) * 0.3, {2, 3});
  const Array b = jnp::reshape(jnp::arange(12.0, jx::float64) * -0.1, {3, 4});
  const Array c = jnp::reshape(jnp::arange(8.0, jx::float64) * 0.2, {4, 2});
  jx::test::check_grads(
      [](const Array& x, const Array& y, const Array& z) { return jnp::einsum("ij,jk,kl->il", x, y, z); }, {a, b, c},
      2);
}

TEST(NumpyEinsum, RejectsBadSubscripts) {
  const Array a = jnp::ones({2, 3});
  EXPECT_THROW(jnp::einsum("ij,jk->ik", a), jx::ValueError);
  EXPECT_THROW(jnp::einsum("ijk->i", a), jx::ShapeError);
  EXPECT_THROW(jnp::einsum("ij,ij->i", a, jnp::ones({3, 2})), jx::ShapeError);
  EXPECT_THROW(jnp::einsum("ij->iz", a), jx::ValueError);
  EXPECT_THROW(jnp::einsum("i1->i", jnp::ones({2, 2})), jx::ValueError);
}

}  // namespace
