// jx/numpy/dtypes.h (src/ops/numpy_dtypes.cpp): NumPy's can_cast tables and finfo/iinfo fields
// (tests/data/numpy_api_oracle.json, family "dtypes"), result_type against JAX's promotion, and the
// dtype categories.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/dtypes.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using jx::testing::Arrays;
using jx::testing::json;

jx::DType dtype_named(const std::string& name) {
  static const std::map<std::string, jx::DType> names = {{"bool", jx::bool_},          {"int8", jx::int8},
                                                         {"int16", jx::int16},         {"int32", jx::int32},
                                                         {"int64", jx::int64},         {"uint8", jx::uint8},
                                                         {"uint16", jx::uint16},       {"uint32", jx::uint32},
                                                         {"uint64", jx::uint64},       {"float16", jx::float16},
                                                         {"float32", jx::float32},     {"float64", jx::float64},
                                                         {"complex64", jx::complex64}, {"complex128", jx::complex128}};
  return names.at(name);
}

// The tables are computed on the host; the replay runs them eagerly only.
const jx::testing::OracleOps& dtype_ops() {
  static const jx::testing::OracleOps ops = {
      {"can_cast",
       {[](const Arrays&, const json& p) {
          const auto names = p.at("dtypes").get<std::vector<std::string>>();
          const std::string casting = p.at("casting");
          std::vector<std::int64_t> table;
          for (const auto& from : names) {
            for (const auto& to : names) table.push_back(jnp::can_cast(dtype_named(from), dtype_named(to), casting));
          }
          const auto n = static_cast<std::int64_t>(names.size());
          return Arrays{jnp::array(table, jx::Shape{n, n}, jx::bool_)};
        },
        false}},
      {"finfo",
       {[](const Arrays&, const json& p) {
          const jnp::FloatLimits f = jnp::finfo(dtype_named(p.at("dtype")));
          const std::vector<double> fields = {double(f.bits),
                                              f.eps,
                                              f.epsneg,
                                              f.max,
                                              f.min,
                                              f.tiny,
                                              f.smallest_normal,
                                              f.smallest_subnormal,
                                              f.resolution,
                                              double(f.precision),
                                              double(f.nmant),
                                              double(f.nexp),
                                              double(f.minexp),
                                              double(f.maxexp),
                                              double(f.machep),
                                              double(f.negep),
                                              double(f.iexp)};
          return Arrays{jnp::array(fields, jx::float64)};
        },
        false}},
      {"iinfo",
       {[](const Arrays&, const json& p) {
          const jnp::IntLimits i = jnp::iinfo(dtype_named(p.at("dtype")));
          return Arrays{
              jnp::array(std::vector<std::int64_t>{i.bits, i.min, static_cast<std::int64_t>(i.max)}, jx::int64)};
        },
        false}},
  };
  return ops;
}

TEST(NumpyDtypes, MatchesNumpy) { jx::testing::replay_family("dtypes", dtype_ops()); }

TEST(NumpyDtypes, ResultTypeFollowsJaxPromotion) {
  EXPECT_EQ(jnp::result_type({jnp::zeros({2}, jx::int32), Array(1.5)}), jx::float32);  // weak float
  EXPECT_EQ(jnp::result_type({jnp::zeros({2}, jx::int8), jnp::zeros({2}, jx::uint8)}), jx::int16);
  EXPECT_EQ(jnp::result_type({jx::bfloat16, jx::float16}), jx::float32);
  {
    auto x64 = jx::config::scoped({.enable_x64 = true});
    EXPECT_EQ(jnp::result_type({jx::int64, jx::float32}), jx::float32);  // JAX keeps the float's width
    EXPECT_EQ(jnp::result_type({jx::int64, jx::uint64}), jx::float64);   // no integer holds both: a float
  }
  EXPECT_EQ(jnp::result_type({jx::int32, jx::float64}), jx::float32);  // canonicalized without x64
}

TEST(NumpyDtypes, CategoriesAndKinds) {
  EXPECT_TRUE(jnp::issubdtype(jx::float16, jnp::floating));
  EXPECT_TRUE(jnp::issubdtype(jx::uint8, jnp::integer));
  EXPECT_FALSE(jnp::issubdtype(jx::uint8, jnp::signedinteger));
  EXPECT_TRUE(jnp::issubdtype(jx::complex64, jnp::inexact));
  EXPECT_FALSE(jnp::issubdtype(jx::bool_, jnp::number));
  EXPECT_TRUE(jnp::issubdtype(jx::int32, jx::int32));
  EXPECT_TRUE(jnp::isdtype(jx::int8, "integral"));
  EXPECT_TRUE(jnp::isdtype(jx::complex128, "complex floating"));
  EXPECT_FALSE(jnp::isdtype(jx::bool_, "numeric"));
  EXPECT_TRUE(jnp::isdtype(jx::float32, jx::float32));
  EXPECT_THROW(jnp::isdtype(jx::float32, "floating"), jx::ValueError);
  EXPECT_THROW(jnp::finfo(jx::int32), jx::DTypeError);
  EXPECT_THROW(jnp::iinfo(jx::float32), jx::DTypeError);
  EXPECT_THROW(jnp::can_cast(jx::int8, jx::int16, "sometimes"), jx::ValueError);
}

}  // namespace
