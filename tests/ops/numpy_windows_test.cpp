// jx/numpy/windows.h (src/ops/numpy_windows.cpp) against NumPy's windows (tests/data/numpy_api_oracle.json,
// family "windows"), eagerly and under jit.
#include <gtest/gtest.h>

#include "jx/numpy.h"
#include "jx/numpy/windows.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::testing::Arrays;
using jx::testing::json;

template <class F>
jx::testing::OracleOp window(F f) {
  return {[f](const Arrays&, const json& p) { return Arrays{f(p.at("M").get<std::int64_t>())}; }};
}

TEST(NumpyWindows, MatchesNumpy) {
  const jx::testing::OracleOps ops = {
      {"bartlett", window(jnp::bartlett)},
      {"blackman", window(jnp::blackman)},
      {"hamming", window(jnp::hamming)},
      {"hanning", window(jnp::hanning)},
      {"kaiser", {[](const Arrays&, const json& p) {
         return Arrays{jnp::kaiser(p.at("M").get<std::int64_t>(), p.at("beta").get<double>())};
       }}},
  };
  jx::testing::replay_family("windows", ops);
}

}  // namespace
