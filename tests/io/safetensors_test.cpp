// The safetensors format itself: the bytes written, and every way a header can be inconsistent.
#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <complex>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/io_test_util.h"
#include "jx/jx.h"

namespace jnp = jx::numpy;
using nlohmann::json;

namespace {

using jx::io::test::append;
using jx::io::test::append_le;
using jx::io::test::read_file;
using jx::io::test::TempDir;
using jx::io::test::write_file;

// A file of the given header text and data bytes, as the format lays them out.
std::vector<std::uint8_t> make_file(const std::string& header, const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> bytes;
  append_le(bytes, header.size(), 8);
  append(bytes, header);
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

// The detail of the IOError reading `bytes` gives ("" if it reads fine).
std::string read_error(const std::vector<std::uint8_t>& bytes) {
  TempDir dir;
  write_file(dir / "t.safetensors", bytes);
  // Errors name this line instead of walking the stack (the CallSite keeps a pointer to `here`).
  const std::source_location here = std::source_location::current();
  jx::CallSite site(here);
  try {
    jx::io::FileReader file(dir / "t.safetensors", "test");
    jx::io::read_safetensors_header(file);
  } catch (const jx::IOError& e) {
    return e.detail();
  }
  return "";
}

std::vector<std::uint8_t> zeros(std::size_t n) { return std::vector<std::uint8_t>(n, 0); }

TEST(IoSafetensors, WritesTheFormatsLayout) {
  TempDir dir;
  {
    const jx::Array a = jnp::array(std::vector<float>{1.0f, 2.0f});
    const jx::Array b = jnp::array(std::vector<std::int16_t>{-2}, jx::int16);
    const jx::Array c = jnp::array({true, false, true});
    const std::vector<jx::io::TensorToWrite> tensors = {{"c", c}, {"b", b}, {"a", a}};
    jx::io::AtomicFile file(dir / "t.safetensors", "test");
    jx::io::write_safetensors(file, tensors, {{"k", "v"}});
    file.commit();
  }
  const std::vector<std::uint8_t> bytes = read_file(dir / "t.safetensors");
  ASSERT_GE(bytes.size(), 8u);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  EXPECT_EQ((8 + n) % 8, 0u) << "the data starts at a multiple of 8";
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  const std::size_t close = header.rfind('}');
  EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos) << "padded with spaces only";
  EXPECT_LT(header.size() - close - 1, 8u);
  const json h = json::parse(header);
  EXPECT_EQ(h.at("__metadata__"), json::parse(R"({"k": "v"})"));
  // Laid out by decreasing element size: a (4 bytes each), then b (2), then c (1).
  EXPECT_EQ(h.at("a"), json::parse(R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})"));
  EXPECT_EQ(h.at("b"), json::parse(R"({"dtype": "I16", "shape": [1], "data_offsets": [8, 10]})"));
  EXPECT_EQ(h.at("c"), json::parse(R"({"dtype": "BOOL", "shape": [3], "data_offsets": [10, 13]})"));
  const std::vector<std::uint8_t> data(bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n), bytes.end());
  // 1.0f = 0x3f800000, 2.0f = 0x40000000, -2 = 0xfffe, little-endian.
  EXPECT_EQ(data, (std::vector<std::uint8_t>{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0xfe, 0xff, 1, 0, 1}));
}

TEST(IoSafetensors, DTypeNamesAreTheFormats) {
  const std::vector<std::pair<jx::DType, std::string>> names = {
      {jx::bool_, "BOOL"},    {jx::int8, "I8"},     {jx::int16, "I16"},   {jx::int32, "I32"},    {jx::int64, "I64"},
      {jx::uint8, "U8"},      {jx::uint16, "U16"},  {jx::uint32, "U32"},  {jx::uint64, "U64"},   {jx::float16, "F16"},
      {jx::bfloat16, "BF16"}, {jx::float32, "F32"}, {jx::float64, "F64"}, {jx::complex64, "C64"}};
  for (const auto& [dtype, name] : names) {
    EXPECT_EQ(jx::io::safetensors_dtype_name(dtype), name);
    EXPECT_EQ(jx::io::dtype_from_safetensors_name(name), dtype);
  }
  EXPECT_FALSE(jx::io::dtype_from_safetensors_name("F8_E4M3"));
  EXPECT_EQ(jx::io::safetensors_dtype_name(jx::complex128), "");  // the format has no complex128
}

TEST(IoSafetensors, ComplexRoundTripsAsC64AndComplex128IsRefused) {
  TempDir dir;
  const std::map<std::string, jx::Array> arrays = {
      {"z", jnp::array({std::complex<float>(1, -2), std::complex<float>(0.5f, 3)}, jx::complex64)}};
  jx::io::save(dir / "z.safetensors", arrays);
  const auto loaded = jx::io::load<std::map<std::string, jx::Array>>(dir / "z.safetensors");
  EXPECT_EQ(loaded.at("z").dtype(), jx::complex64);
  EXPECT_TRUE(jnp::array_equal(loaded.at("z"), arrays.at("z")).item<bool>());
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const std::map<std::string, jx::Array> wide = {{"z", jnp::array({std::complex<double>(1, 2)}, jx::complex128)}};
  EXPECT_THROW(jx::io::save(dir / "wide.safetensors", wide), jx::DTypeError);
  EXPECT_FALSE(std::filesystem::exists(dir / "wide.safetensors"));
}

TEST(IoSafetensors, ReadsScalarsAndEmptyTensors) {
  const auto bytes = make_file(R"({"s": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},
                                   "e": {"dtype": "I64", "shape": [0, 3], "data_offsets": [4, 4]}})",
                               zeros(4));
  EXPECT_EQ(read_error(bytes), "");
}

TEST(IoSafetensors, RefusesBadLengthsAndNonJsonHeaders) {
  EXPECT_NE(read_error({1, 2, 3}).find("too short"), std::string::npos);
  std::vector<std::uint8_t> long_length;
  append_le(long_length, 1000, 8);
  append(long_length, "{}");
  EXPECT_NE(read_error(long_length).find("runs past the end"), std::string::npos);
  std::vector<std::uint8_t> huge_length;
  append_le(huge_length, ~std::uint64_t{0}, 8);
  EXPECT_NE(read_error(huge_length).find("runs past the end"), std::string::npos);
  EXPECT_NE(read_error(make_file(" {}", {})).find("does not start with '{'"), std::string::npos);
  EXPECT_NE(read_error(make_file("{\"a\": ", {})).find("not valid JSON"), std::string::npos);
  EXPECT_NE(read_error(make_file("{\"a\": \"\xff\"}", {})).find("not valid JSON"), std::string::npos);
  EXPECT_NE(read_error(make_file("[]", {})).find("does not start"), std::string::npos);
}

TEST(IoSafetensors, RefusesRepeatedKeys) {
  const auto bytes = make_file(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                                   "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})",
                               zeros(2));
  EXPECT_NE(read_error(bytes).find("repeats the key 'a'"), std::string::npos);
}

TEST(IoSafetensors, RefusesInconsistentTensorEntries) {
  auto one = [](const std::string& entry, std::size_t data = 4) {
    return read_error(make_file("{\"t\": " + entry + "}", zeros(data)));
  };
  EXPECT_NE(one(R"({"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]})").find("not one jx has"),
            std::string::npos);
  EXPECT_NE(one(R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 4]})").find("needs 8 bytes"), std::string::npos);
  EXPECT_NE(one(R"({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]})").find("non-negative integer"),
            std::string::npos);
  EXPECT_NE(one(R"({"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]})").find("non-negative integer"),
            std::string::npos);
  EXPECT_NE(one(R"({"dtype": "U8", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]})").find("too large"),
            std::string::npos);
  EXPECT_NE(one(R"({"dtype": "U8", "shape": [4], "data_offsets": [2, 6]})").find("past the end"), std::string::npos);
  EXPECT_NE(one(R"({"dtype": "U8", "shape": [0], "data_offsets": [3, 2]})").find("backwards"), std::string::npos);
  EXPECT_NE(one(R"({"dtype": "U8", "shape": [4], "data_offsets": [0]})").find("pair"), std::string::npos);
  EXPECT_NE(one(R"({"dtype": "U8", "shape": [4], "data_offsets": [0, 4], "extra": 1})").find("unknown entry"),
            std::string::npos);
  EXPECT_NE(one(R"({"dtype": "U8", "shape": [4]})").find("needs dtype, shape and data_offsets"), std::string::npos);
  EXPECT_NE(one(R"([1, 2])").find("not a JSON object"), std::string::npos);
}

TEST(IoSafetensors, RefusesOverlapsHolesAndUnindexedBytes) {
  const std::string overlap = R"({"a": {"dtype": "U8", "shape": [3], "data_offsets": [0, 3]},
                                  "b": {"dtype": "U8", "shape": [3], "data_offsets": [1, 4]}})";
  EXPECT_NE(read_error(make_file(overlap, zeros(4))).find("overlap"), std::string::npos);
  const std::string hole = R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                               "b": {"dtype": "U8", "shape": [1], "data_offsets": [2, 3]}})";
  EXPECT_NE(read_error(make_file(hole, zeros(3))).find("belong to no tensor"), std::string::npos);
  const std::string short_of_data = R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}})";
  EXPECT_NE(read_error(make_file(short_of_data, zeros(5))).find("hold 2 bytes of data but the file has 5"),
            std::string::npos);
}

TEST(IoSafetensors, RefusesMetadataThatIsNotStrings) {
  EXPECT_NE(read_error(make_file(R"({"__metadata__": {"a": 1}})", {})).find("not a string"), std::string::npos);
  EXPECT_NE(read_error(make_file(R"({"__metadata__": [1]})", {})).find("not a JSON object"), std::string::npos);
  EXPECT_EQ(read_error(make_file(R"({"__metadata__": {"a": "1"}})", {})), "");
}

TEST(IoSafetensors, DeeplyNestedHeadersAreRefusedWithoutOverflowingTheStack) {
  std::string nested = "{\"a\": ";
  nested += std::string(100000, '[');
  nested += std::string(100000, ']');
  nested += "}";
  EXPECT_NE(read_error(make_file(nested, {})).find("not a JSON object"), std::string::npos);
}

}  // namespace
