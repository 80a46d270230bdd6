// IDX files the tests write themselves: every element type, gzip or not, and every kind of damage.
#include "io/idx.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/io_test_util.h"
#include "jx/io/datasets.h"
#include "jx/jx.h"

namespace {

using jx::io::test::append_be;
using jx::io::test::gzip_bytes;
using jx::io::test::TempDir;
using jx::io::test::write_file;

// An IDX file: magic 0x0000TTNN, the dimensions, then `data` (already big-endian).
std::vector<std::uint8_t> idx_file(std::uint8_t type, const std::vector<std::uint32_t>& dims,
                                   const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> b = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) append_be(b, d, 4);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::string load_error(const std::filesystem::path& path) {
  try {
    jx::io::load_idx(path);
  } catch (const jx::IOError& e) {
    return e.detail();
  }
  return "";
}

TEST(IoIdx, ReadsUnsignedBytesPlainAndGzipped) {
  TempDir dir;
  const auto file = idx_file(0x08, {2, 3}, {0, 1, 2, 253, 254, 255});
  write_file(dir / "a-idx2-ubyte", file);
  write_file(dir / "a-idx2-ubyte.gz", gzip_bytes(file));
  for (const char* name : {"a-idx2-ubyte", "a-idx2-ubyte.gz"}) {
    const jx::Array x = jx::io::load_idx(dir / name);
    EXPECT_EQ(x.dtype(), jx::uint8);
    EXPECT_EQ(x.shape(), (jx::Shape{2, 3}));
    EXPECT_EQ(x.to_vector<int>(), (std::vector<int>{0, 1, 2, 253, 254, 255}));
  }
}

TEST(IoIdx, ReadsBigEndianMultiByteTypes) {
  TempDir dir;
  std::vector<std::uint8_t> shorts;
  for (int v : {-2, 300}) append_be(shorts, static_cast<std::uint16_t>(v), 2);
  write_file(dir / "s", idx_file(0x0B, {2}, shorts));
  EXPECT_EQ(jx::io::load_idx(dir / "s").to_vector<int>(), (std::vector<int>{-2, 300}));
  std::vector<std::uint8_t> floats;
  append_be(floats, 0x3fc00000, 4);  // 1.5f
  append_be(floats, 0xc0200000, 4);  // -2.5f
  write_file(dir / "f", idx_file(0x0D, {2}, floats));
  const jx::Array f = jx::io::load_idx(dir / "f");
  EXPECT_EQ(f.dtype(), jx::float32);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1.5f, -2.5f}));
  write_file(dir / "b", idx_file(0x09, {1}, {0xff}));
  EXPECT_EQ(jx::io::load_idx(dir / "b").to_vector<int>(), std::vector<int>{-1});
}

TEST(IoIdx, RefusesWrongMagicTruncationAndWrongCounts) {
  TempDir dir;
  const auto path = dir / "bad";
  write_file(path, idx_file(0x07, {1}, {0}));
  EXPECT_NE(load_error(path).find("not an IDX file"), std::string::npos);
  write_file(path, std::vector<std::uint8_t>{0x1f, 0x00, 0x08, 0x01, 0, 0, 0, 1, 7});
  EXPECT_NE(load_error(path).find("not an IDX file"), std::string::npos);
  write_file(path, idx_file(0x08, {3, 2}, {1, 2, 3, 4, 5}));  // 6 pixels announced, 5 present
  EXPECT_NE(load_error(path).find("need 6 bytes of data but the file holds 5"), std::string::npos);
  write_file(path, idx_file(0x08, {2, 2}, {1, 2, 3, 4, 5}));  // one byte too many
  EXPECT_NE(load_error(path).find("a wrong count"), std::string::npos);
  write_file(path, idx_file(0x08, {0xffffffff, 0xffffffff, 0xffffffff}, {1}));
  EXPECT_NE(load_error(path).find("too large"), std::string::npos);
  write_file(path, std::vector<std::uint8_t>{0, 0, 8, 3, 0, 0});
  EXPECT_NE(load_error(path).find("ends inside its 3-dimension header"), std::string::npos);
  write_file(path, std::vector<std::uint8_t>{0, 0});
  EXPECT_NE(load_error(path).find("too short"), std::string::npos);
  const auto gz = gzip_bytes(idx_file(0x08, {4}, {1, 2, 3, 4}));
  write_file(path, std::span(gz.data(), gz.size() - 3));
  EXPECT_NE(load_error(path), "");
  EXPECT_NE(load_error(dir / "missing").find("No such file"), std::string::npos);
}

TEST(IoIdx, TruncationAtEveryByteIsAnIOError) {
  TempDir dir;
  std::vector<std::uint8_t> pixels(2 * 5 * 5);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 5);
  for (bool gzipped : {false, true}) {
    const auto plain = idx_file(0x08, {2, 5, 5}, pixels);
    const auto bytes = gzipped ? gzip_bytes(plain) : plain;
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      write_file(dir / "cut", std::span(bytes.data(), size));
      EXPECT_THROW(jx::io::load_idx(dir / "cut"), jx::IOError) << (gzipped ? "gzip " : "") << size;
    }
  }
}

}  // namespace
