// Decompression: gzip files and raw deflate members, with every kind of damage refused.
#include "io/inflate.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "io/io_test_util.h"
#include "jx/core/error.h"

namespace {

using jx::io::test::deflate_raw;
using jx::io::test::gzip_bytes;
using jx::io::test::TempDir;
using jx::io::test::write_file;

std::vector<std::uint8_t> sample(std::size_t n) {
  std::vector<std::uint8_t> data(n);
  std::mt19937 rng(1);
  for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i % 7 == 0 ? rng() : i / 100);
  return data;
}

std::span<const std::byte> as_bytes(const std::vector<std::uint8_t>& v) { return std::as_bytes(std::span(v)); }

// Runs f with a FileReader for error messages (over an empty file) and a call site, so that
// errors are cheap to build; returns the IOError's detail or "".
template <class F>
std::string error_of(F&& f) {
  TempDir dir;
  write_file(dir / "data.gz", std::string());
  const std::source_location here = std::source_location::current();
  jx::CallSite site(here);
  jx::io::FileReader file(dir / "data.gz", "test");
  try {
    f(file);
  } catch (const jx::IOError& e) {
    return e.detail();
  }
  return "";
}

TEST(IoInflate, Crc32IsTheStandardOne) {
  const std::string check = "123456789";  // the CRC-32 check value of every CRC catalogue
  EXPECT_EQ(jx::io::crc32(std::as_bytes(std::span(check.data(), check.size()))), 0xCBF43926u);
  // Continuing a CRC over a second part gives the CRC of the whole.
  const std::string a = "1234", b = "56789";
  EXPECT_EQ(jx::io::crc32(std::as_bytes(std::span(b.data(), b.size())),
                          jx::io::crc32(std::as_bytes(std::span(a.data(), a.size())))),
            0xCBF43926u);
}

TEST(IoInflate, GunzipsWhatGzipWrote) {
  for (std::size_t n : {0, 1, 1000, 300000}) {
    const auto data = sample(n);
    const auto gz = gzip_bytes(data);
    std::vector<std::byte> out;
    EXPECT_EQ(error_of([&](const jx::io::FileReader& file) { out = jx::io::gunzip(as_bytes(gz), file); }), "");
    EXPECT_TRUE(out.size() == n && std::equal(out.begin(), out.end(), as_bytes(data).begin())) << n;
  }
}

TEST(IoInflate, GunzipRefusesTruncatedCorruptAndTrailingData) {
  const auto gz = gzip_bytes(sample(100000));
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, gz.size() / 2, gz.size() - 4, gz.size() - 1}) {
    const std::vector<std::uint8_t> truncated(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_NE(error_of([&](const jx::io::FileReader& f) { jx::io::gunzip(as_bytes(truncated), f); }), "") << cut;
  }
  std::vector<std::uint8_t> corrupt = gz;
  corrupt[corrupt.size() / 2] ^= 0x55;
  EXPECT_NE(error_of([&](const jx::io::FileReader& f) { jx::io::gunzip(as_bytes(corrupt), f); }), "");
  std::vector<std::uint8_t> bad_crc = gz;
  bad_crc[bad_crc.size() - 8] ^= 1;  // the CRC-32 of the trailer
  EXPECT_NE(error_of([&](const jx::io::FileReader& f) { jx::io::gunzip(as_bytes(bad_crc), f); }).find("corrupt"),
            std::string::npos);
  std::vector<std::uint8_t> trailing = gz;
  trailing.push_back(0);
  EXPECT_NE(error_of([&](const jx::io::FileReader& f) { jx::io::gunzip(as_bytes(trailing), f); }).find("follow"),
            std::string::npos);
}

TEST(IoInflate, AWrongLengthInTheTrailerOnlyMisleadsTheFirstGuess) {
  // The buffer starts from the trailer's length; zlib still checks it, so a lie is caught.
  const auto data = sample(50000);
  auto gz = gzip_bytes(data);
  gz[gz.size() - 1] = 0x7f;  // claims about 2 GB
  EXPECT_NE(error_of([&](const jx::io::FileReader& f) { jx::io::gunzip(as_bytes(gz), f); }), "");
}

TEST(IoInflate, RawInflateNeedsExactlyTheRecordedSize) {
  const auto data = sample(20000);
  const auto raw = deflate_raw(data);
  std::vector<std::byte> out(data.size());
  EXPECT_EQ(error_of([&](const jx::io::FileReader& f) { jx::io::inflate_raw(as_bytes(raw), out, f, "m"); }), "");
  EXPECT_TRUE(std::equal(out.begin(), out.end(), as_bytes(data).begin()));
  std::vector<std::byte> small(data.size() - 1), large(data.size() + 1);
  EXPECT_NE(error_of([&](const jx::io::FileReader& f) {
              jx::io::inflate_raw(as_bytes(raw), small, f, "m");
            }).find("more than"),
            std::string::npos);
  EXPECT_NE(
      error_of([&](const jx::io::FileReader& f) { jx::io::inflate_raw(as_bytes(raw), large, f, "m"); }).find("not the"),
      std::string::npos);
  const std::vector<std::uint8_t> truncated(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(raw.size() / 2));
  EXPECT_NE(error_of([&](const jx::io::FileReader& f) { jx::io::inflate_raw(as_bytes(truncated), out, f, "m"); }), "");
}

TEST(IoInflate, SizesAreBoundedByDeflatesMaximumRatio) {
  const std::vector<std::uint8_t> zeros(1 << 20, 0);
  const auto raw = deflate_raw(zeros);
  EXPECT_LE(zeros.size(), jx::io::max_inflated_size(raw.size()));
  EXPECT_EQ(jx::io::max_inflated_size(~std::uint64_t{0}), ~std::uint64_t{0});
}

}  // namespace
