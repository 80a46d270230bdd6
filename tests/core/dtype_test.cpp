// Type promotion against JAX's published promotion table (tests/data/jax_type_promotion.txt, from
// docs.jax.dev "Type promotion semantics"), and the x64 canonicalization rules.
#include "jx/core/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "jx/core/config.h"

namespace {

// The table's names: b1, u1..u8, i1..i8, bf, f2, f4, f8, c8, c16, and the weak i*, f*, c*.
bool parse_type(const std::string& name, jx::PromotionType& out) {
  static const std::map<std::string, jx::PromotionType> names = {
      {"b1", {jx::bool_, false}},    {"u1", {jx::uint8, false}},     {"u2", {jx::uint16, false}},
      {"u4", {jx::uint32, false}},   {"u8", {jx::uint64, false}},    {"i1", {jx::int8, false}},
      {"i2", {jx::int16, false}},    {"i4", {jx::int32, false}},     {"i8", {jx::int64, false}},
      {"bf", {jx::bfloat16, false}}, {"f2", {jx::float16, false}},   {"f4", {jx::float32, false}},
      {"f8", {jx::float64, false}},  {"c8", {jx::complex64, false}}, {"c16", {jx::complex128, false}},
      {"i*", {jx::int64, true}},     {"f*", {jx::float64, true}},    {"c*", {jx::complex128, true}}};
  auto it = names.find(name);
  if (it == names.end()) return false;
  out = it->second;
  return true;
}

TEST(DType, PromotionMatchesJaxTableWithX64) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  std::ifstream file(std::string(JX_TEST_DATA_DIR) + "/jax_type_promotion.txt");
  ASSERT_TRUE(file) << "missing promotion table";
  std::string line;
  std::vector<std::string> columns;
  int checked = 0;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream row(line);
    std::vector<std::string> cells;
    for (std::string cell; row >> cell;) cells.push_back(cell);
    if (columns.empty()) {
      columns = cells;
      continue;
    }
    jx::PromotionType a;
    ASSERT_TRUE(parse_type(cells[0], a)) << cells[0];
    for (std::size_t c = 0; c < columns.size(); ++c) {
      jx::PromotionType b, expected;
      ASSERT_TRUE(parse_type(columns[c], b) && parse_type(cells[c + 1], expected)) << columns[c];
      EXPECT_EQ(jx::promote_types(a, b), expected) << cells[0] << " + " << columns[c] << " should be " << cells[c + 1];
      ++checked;
    }
  }
  EXPECT_EQ(checked, 18 * 18);
}

TEST(DType, WeakTypesCanonicalizeWithoutX64) {
  // int32 * 0.5 is a weakly typed float32, as in JAX (NumPy would give float64).
  EXPECT_EQ(jx::promote_types({jx::int32, false}, {jx::float32, true}), (jx::PromotionType{jx::float32, true}));
  EXPECT_EQ(jx::promote_types({jx::float32, false}, {jx::int32, true}), (jx::PromotionType{jx::float32, false}));
  EXPECT_EQ(jx::promote_types({jx::int8, false}, {jx::int32, true}), (jx::PromotionType{jx::int8, false}));
  EXPECT_EQ(jx::promote_types({jx::float16, false}, {jx::float32, true}), (jx::PromotionType{jx::float16, false}));
  EXPECT_EQ(jx::promote_types({jx::uint32, false}, {jx::int32, false}).dtype, jx::int32);  // i8 canonicalized
  EXPECT_EQ(jx::promote_types(jx::bfloat16, jx::float16), jx::float32);
  EXPECT_EQ(jx::canonicalize_dtype(jx::float64), jx::float32);
  auto x64 = jx::config::scoped({.enable_x64 = true});
  EXPECT_EQ(jx::canonicalize_dtype(jx::float64), jx::float64);
  EXPECT_EQ(jx::default_int_dtype(), jx::int64);
}

TEST(DType, ComplexCanonicalizesWithoutX64) {
  // A weak complex (a C++ std::complex) keeps float32 at complex64, and float64 needs complex128,
  // which is complex64 without x64.
  EXPECT_EQ(jx::promote_types({jx::float32, false}, {jx::complex64, true}), (jx::PromotionType{jx::complex64, false}));
  EXPECT_EQ(jx::promote_types({jx::int32, false}, {jx::complex64, true}), (jx::PromotionType{jx::complex64, true}));
  EXPECT_EQ(jx::promote_types(jx::float64, jx::complex64), jx::complex64);
  EXPECT_EQ(jx::canonicalize_dtype(jx::complex128), jx::complex64);
  EXPECT_EQ(jx::default_complex_dtype(), jx::complex64);
  auto x64 = jx::config::scoped({.enable_x64 = true});
  EXPECT_EQ(jx::promote_types(jx::float64, jx::complex64), jx::complex128);
  EXPECT_EQ(jx::default_complex_dtype(), jx::complex128);
}

TEST(DType, NamesAndSizes) {
  EXPECT_EQ(jx::dtype_name(jx::bfloat16), "bfloat16");
  EXPECT_EQ(jx::dtype_short_name(jx::float32), "f32");
  EXPECT_EQ(jx::itemsize(jx::float16), 2u);
  EXPECT_EQ(jx::itemsize(jx::DType::key), 8u);
  EXPECT_EQ(jx::dtype_of<double>(), jx::float64);
  EXPECT_EQ(jx::dtype_name(jx::complex64), "complex64");
  EXPECT_EQ(jx::dtype_short_name(jx::complex128), "c128");
  EXPECT_EQ(jx::itemsize(jx::complex64), 8u);
  EXPECT_EQ(jx::itemsize(jx::complex128), 16u);
  EXPECT_EQ(jx::dtype_of<std::complex<float>>(), jx::complex64);
  EXPECT_EQ(jx::real_dtype(jx::complex128), jx::float64);
  EXPECT_EQ(jx::complex_dtype(jx::bfloat16), jx::complex64);
}

TEST(DType, HalfConversionsRoundToNearestEven) {
  EXPECT_EQ(jx::Float16(1.0f).bits, 0x3c00);
  EXPECT_EQ(jx::Float16(65504.0f).bits, 0x7bff);
  EXPECT_EQ(jx::Float16(65520.0f).bits, 0x7c00);            // rounds up to inf
  EXPECT_EQ(jx::Float16(5.9604645e-08f).bits, 0x0001);      // smallest subnormal
  EXPECT_EQ(jx::Float16(1.0f + 1.0f / 2048).bits, 0x3c00);  // tie to even
  EXPECT_TRUE(std::isnan(static_cast<float>(jx::Float16(NAN))));
  EXPECT_EQ(static_cast<float>(jx::Float16(0.1f)), 0.0999755859375f);
  EXPECT_EQ(jx::BFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(static_cast<float>(jx::BFloat16(3.14159f)), 3.140625f);
  EXPECT_EQ(jx::BFloat16(1.0f + 1.0f / 256).bits, 0x3f80);  // tie to even
}

}  // namespace
