// .npz files: round trips, ZIP64 archives, deflated members (np.savez_compressed), damage.
#include "io/npz.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "io/inflate.h"
#include "io/io_test_util.h"
#include "io/npy.h"
#include "jx/io/numpy_files.h"
#include "jx/jx.h"

namespace jnp = jx::numpy;

namespace {

using jx::io::test::append;
using jx::io::test::append_le;
using jx::io::test::deflate_raw;
using jx::io::test::read_file;
using jx::io::test::TempDir;
using jx::io::test::write_file;

std::map<std::string, jx::Array> sample() {
  return {{"w", jnp::arange(12, jx::float32).reshape({3, 4})},
          {"b", jnp::array(std::vector<std::int16_t>{-1, 2}, jx::int16)},
          {"mask", jnp::array({true, false})},
          {"empty", jnp::zeros({0}, jx::uint8)}};
}

void expect_equal(const std::map<std::string, jx::Array>& a, const std::map<std::string, jx::Array>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, x] : a) {
    ASSERT_TRUE(b.count(key)) << key;
    EXPECT_EQ(b.at(key).type(), x.type()) << key;
    EXPECT_TRUE(jnp::array_equal(x, b.at(key)).item<bool>()) << key;
  }
}

TEST(IoNpz, RoundTrips) {
  TempDir dir;
  jx::io::save_npz(dir / "a.npz", sample());
  expect_equal(sample(), jx::io::load_npz(dir / "a.npz"));
  jx::io::save_npz(dir / "none.npz", {});
  EXPECT_TRUE(jx::io::load_npz(dir / "none.npz").empty());
}

TEST(IoNpz, RoundTripsWithZip64Records) {
  TempDir dir;
  jx::io::detail::save_npz_zip64(dir / "a.npz", sample());
  expect_equal(sample(), jx::io::load_npz(dir / "a.npz"));
}

TEST(IoNpz, ReadsDeflatedMembersAsSavezCompressedWritesThem) {
  TempDir dir;
  // One member x.npy holding np.arange(100, dtype=np.int32), deflated.
  std::string npy = "\x93NUMPY\x01";
  npy += '\0';
  std::string dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (100,), }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  npy += static_cast<char>(dict.size());
  npy += '\0';
  npy += dict;
  for (int i = 0; i < 100; ++i) npy.append(reinterpret_cast<const char*>(&i), 4);
  const std::vector<std::uint8_t> raw(npy.begin(), npy.end());
  const auto packed = deflate_raw(raw);
  const std::uint32_t crc = jx::io::crc32(std::as_bytes(std::span(raw)));
  std::vector<std::uint8_t> b;
  auto header_fields = [&] {
    append_le(b, 20, 2);  // version needed
    append_le(b, 0, 2);   // flags
    append_le(b, 8, 2);   // deflated
    append_le(b, 0, 4);   // time and date
    append_le(b, crc, 4);
    append_le(b, packed.size(), 4);
    append_le(b, raw.size(), 4);
    append_le(b, 5, 2);  // name length
    append_le(b, 0, 2);  // extra length
  };
  append_le(b, 0x04034b50, 4);
  header_fields();
  append(b, "x.npy");
  b.insert(b.end(), packed.begin(), packed.end());
  const std::size_t central = b.size();
  append_le(b, 0x02014b50, 4);
  append_le(b, 20, 2);  // made by
  header_fields();
  b.insert(b.end(), 2 + 2 + 2 + 4 + 4, 0);  // comment length, disk, attributes, offset 0
  append(b, "x.npy");
  const std::size_t end = b.size();
  append_le(b, 0x06054b50, 4);
  append_le(b, 0, 4);
  append_le(b, 1, 2);
  append_le(b, 1, 2);
  append_le(b, end - central, 4);
  append_le(b, central, 4);
  append_le(b, 0, 2);
  write_file(dir / "c.npz", b);
  const auto arrays = jx::io::load_npz(dir / "c.npz");
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_TRUE(jnp::array_equal(arrays.at("x"), jnp::arange(100)).item<bool>());
}

TEST(IoNpz, RefusesArraysNumPyCannotHold) {
  TempDir dir;
  EXPECT_THROW(jx::io::save_npz(dir / "a.npz", {{"k", jx::random::PRNGKey(1)}}), jx::DTypeError);
  EXPECT_FALSE(std::filesystem::exists(dir / "a.npz"));
}

TEST(IoNpz, TruncationAtEveryByteIsAnIOError) {
  TempDir dir;
  jx::io::save_npz(dir / "a.npz", {{"a", jnp::arange(3)}, {"b", jnp::ones({2})}});
  const auto bytes = read_file(dir / "a.npz");
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    write_file(dir / "cut.npz", std::span(bytes.data(), size));
    EXPECT_THROW(jx::io::load_npz(dir / "cut.npz"), jx::IOError) << size;
  }
}

TEST(IoNpz, ByteFlipsAreIOErrorsOrHarmlessNeverCrashes) {
  TempDir dir;
  jx::io::save_npz(dir / "a.npz", {{"a", jnp::arange(3)}, {"b", jnp::ones({2})}});
  const auto bytes = read_file(dir / "a.npz");
  std::mt19937 rng(11);
  int refused = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    auto damaged = bytes;
    damaged[std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng)] ^=
        static_cast<std::uint8_t>(std::uniform_int_distribution<int>(1, 255)(rng));
    write_file(dir / "flip.npz", damaged);
    try {
      jx::io::load_npz(dir / "flip.npz");
    } catch (const jx::IOError&) {
      ++refused;
    }
  }
  // Flips in the data are caught by the CRC; only a few fields (dates, attributes) are free.
  EXPECT_GT(refused, 1500);
}

}  // namespace
