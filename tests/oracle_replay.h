// Replaying the cases of tests/data/numpy_api_oracle.json (written by tools/numpy_api_oracle.py) or
// scipy_oracle.json (tools/scipy_oracle.py) for one family of functions: each test file maps the ops of its family to
// calls of jx, and replay_family runs every case eagerly, under jit, and under vmap (the arguments stacked twice along
// a new first axis, each slice of the result checked against the expected value), unless the op is marked eager-only
// because its result's shape depends on the values.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "jx/core/config.h"
#include "jx/numpy.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"
#include "oracle_cases.h"

namespace jx::testing {

using Arrays = std::vector<Array>;

struct OracleOp {
  std::function<Arrays(const Arrays& args, const json& params)> call;
  bool traceable = true;  // false: the result's shape depends on the values (no jit, no vmap)
};
using OracleOps = std::map<std::string, OracleOp>;

// An oracle op from a function of the case's first one or two arguments (the params unused).
template <class F>
OracleOp unary(F f) {
  return {[f](const Arrays& a, const json&) { return Arrays{f(a.at(0))}; }};
}
template <class F>
OracleOp binary(F f) {
  return {[f](const Arrays& a, const json&) { return Arrays{f(a.at(0), a.at(1))}; }};
}

namespace detail {

inline void check_results(const Arrays& results, const json& c, const std::string& what) {
  const json& expected = c.at("expected");
  ASSERT_EQ(results.size(), expected.size()) << what << ": number of results";
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(matches_case(results[i], expected[i], c.at("rtol"), c.at("atol"))) << what << ", result " << i;
  }
}

// The expected value of a case whose result is checked slice by slice under vmap.
inline void check_batched(const Arrays& results, const json& c, const std::string& what) {
  const json& expected = c.at("expected");
  ASSERT_EQ(results.size(), expected.size()) << what << ": number of results";
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_GE(results[i].ndim(), 1) << what;
    ASSERT_EQ(results[i].shape()[0], 2) << what;
    for (std::int64_t b = 0; b < 2; ++b) {
      EXPECT_TRUE(matches_case(results[i][b], expected[i], c.at("rtol"), c.at("atol")))
          << what << ", result " << i << ", batch element " << b;
    }
  }
}

}  // namespace detail

// Runs every case of `family` in tests/data/<file>; fails if an op of the family has no mapping or a
// mapping has no case.
inline void replay_family(const std::string& file, const std::string& family, const OracleOps& ops) {
  std::set<std::string> seen;
  int count = 0;
  for (const json& c : oracle_cases(file)) {
    if (c.at("params").value("family", "") != family) continue;
    ++count;
    const std::string op = c.at("op");
    const std::string what = "case " + c.at("name").get<std::string>();
    auto found = ops.find(op);
    if (found == ops.end()) {
      ADD_FAILURE() << what << ": no C++ mapping for op '" << op << "'";
      continue;
    }
    seen.insert(op);
    auto x64 = config::scoped({.enable_x64 = c.at("x64").get<bool>()});
    Arrays args;
    for (const json& spec : c.at("args")) args.push_back(case_array(spec));
    const json& params = c.at("params");
    const OracleOp& fn = found->second;
    try {
      detail::check_results(fn.call(args, params), c, what);
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << " threw: " << e.what();
      continue;
    }
    // Some cases read their values on the host (params "eager_only"), as trimming or stripping zeros do.
    if (!fn.traceable || params.value("eager_only", false)) continue;
    try {
      const Arrays jitted = jit([&](const Arrays& traced) { return fn.call(traced, params); })(args);
      detail::check_results(jitted, c, "jitted " + what);
      if (args.empty()) continue;
      Arrays stacked;
      for (const Array& a : args) stacked.push_back(numpy::stack({a, a}));
      const Arrays batched = vmap([&](const Arrays& slices) { return fn.call(slices, params); })(stacked);
      detail::check_batched(batched, c, "vmapped " + what);
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << " under jit or vmap threw: " << e.what();
    }
  }
  EXPECT_GT(count, 0) << "no cases of family " << family;
  for (const auto& [op, fn] : ops) EXPECT_TRUE(seen.contains(op)) << "no cases for op '" << op << "'";
}

// The same for tests/data/numpy_api_oracle.json.
inline void replay_family(const std::string& family, const OracleOps& ops) {
  replay_family("numpy_api_oracle.json", family, ops);
}

}  // namespace jx::testing
