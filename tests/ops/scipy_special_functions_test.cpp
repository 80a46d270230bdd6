// jx/scipy/special_functions.h (src/ops/scipy_special_functions.cpp, src/ops/bessel.cpp) against SciPy
// (tests/data/scipy_oracle.json, family "special"), eagerly, under jit and under vmap; derivatives against
// closed forms and finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
namespace special = jx::scipy::special;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::binary;
using jx::testing::json;
using jx::testing::unary;

TEST(ScipySpecialFunctions, MatchScipy) {
  const jx::testing::OracleOps ops = {
      {"gammainc", binary(special::gammainc)},
      {"gammaincc", binary(special::gammaincc)},
      {"betainc", {[](const Arrays& a, const json&) { return Arrays{special::betainc(a.at(0), a.at(1), a.at(2))}; }}},
      {"ndtri", unary(special::ndtri)},
      {"i0", unary(special::i0)},
      {"i0e", unary(special::i0e)},
      {"i1", unary(special::i1)},
      {"i1e", unary(special::i1e)},
      {"erfcx", unary(special::erfcx)},
      {"erfc", unary(special::erfc)},
      {"zeta", {[](const Arrays& a, const json&) {
         return a.size() == 1 ? Arrays{special::zeta(a.at(0))} : Arrays{special::zeta(a.at(0), a.at(1))};
       }}},
      {"polygamma", binary(special::polygamma)},
      {"bernoulli",
       {[](const Arrays&, const json& p) { return Arrays{special::bernoulli(p.at("n").get<std::int64_t>())}; }}},
  };
  jx::testing::replay_family("scipy_oracle.json", "special", ops);
}

TEST(ScipySpecialFunctions, DerivativesMatchClosedForms) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array a = jnp::array({0.7, 2.5, 6.0}, jx::float64);
  const Array x = jnp::array({0.4, 3.0, 4.5}, jx::float64);
  // d/dx P(a, x) = x^(a-1) e^-x / Gamma(a).
  const Array slope = jx::grad([&](const Array& t) { return jnp::sum(special::gammainc(a, t)); })(x);
  const Array expected = jnp::exp((a - 1.0) * jnp::log(x) - x - special::gammaln(a));
  EXPECT_TRUE(jnp::allclose(slope, expected, {.rtol = 1e-10}).item<bool>());
  // d/dp ndtri(p) = 1 / phi(ndtri(p)): the implicit derivative through the converged Newton steps.
  const Array p = jnp::array({1e-8, 0.3, 0.9}, jx::float64);
  const Array dp = jx::grad([](const Array& t) { return jnp::sum(special::ndtri(t)); })(p);
  const Array z = special::ndtri(p);
  EXPECT_TRUE(jnp::allclose(dp, std::sqrt(2 * std::numbers::pi) * jnp::exp(z * z / 2.0), {.rtol = 1e-9}).item<bool>());
  // i0' = i1, and i1 is odd; zeta's derivative by finite differences.
  const Array b = jnp::array({-2.0, 0.5, 25.0}, jx::float64);
  const Array di0 = jx::grad([](const Array& t) { return jnp::sum(special::i0(t)); })(b);
  EXPECT_TRUE(jnp::allclose(di0, special::i1(b), {.rtol = 1e-12}).item<bool>());
  jx::test::check_grads([](const Array& s) { return special::zeta(s, Array(2.0)); },
                        {jnp::array({1.5, 3.0}, jx::float64)}, 1);
  jx::test::check_grads([](const Array& t) { return special::betainc(Array(2.0), Array(3.0), t); },
                        {jnp::array({0.2, 0.7}, jx::float64)}, 1);
}

}  // namespace
