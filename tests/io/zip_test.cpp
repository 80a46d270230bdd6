// Zip archives: what the writer lays down (checked byte by byte against APPNOTE), deflated and ZIP64
// members, and damaged archives refused.
#include "io/zip.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "io/inflate.h"
#include "io/io_test_util.h"
#include "jx/core/error.h"

namespace {

using jx::io::test::append;
using jx::io::test::append_le;
using jx::io::test::deflate_raw;
using jx::io::test::read_file;
using jx::io::test::TempDir;
using jx::io::test::write_file;

std::uint64_t le(const std::vector<std::uint8_t>& b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | b[at + static_cast<std::size_t>(i)];
  return v;
}

void write_zip(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::string>>& members,
               bool zip64 = false) {
  jx::io::AtomicFile file(path, "test");
  jx::io::ZipWriter zip(file);
  zip.force_zip64 = zip64;
  for (const auto& [name, contents] : members) {
    const std::span<const std::byte> part = std::as_bytes(std::span(contents.data(), contents.size()));
    zip.add(name, std::span(&part, 1));
  }
  zip.finish();
  file.commit();
}

// The members' names and contents, or the IOError's detail as the only name.
std::vector<std::pair<std::string, std::string>> read_zip(const std::filesystem::path& path) {
  const std::source_location here = std::source_location::current();
  jx::CallSite site(here);
  std::vector<std::pair<std::string, std::string>> out;
  try {
    jx::io::FileReader file(path, "test");
    for (const auto& member : jx::io::read_zip_directory(file)) {
      const auto data = jx::io::read_zip_member(file, member);
      out.emplace_back(member.name, std::string(reinterpret_cast<const char*>(data.data()), data.size()));
    }
  } catch (const jx::IOError& e) {
    return {{"error: " + e.detail(), ""}};
  }
  return out;
}

TEST(IoZip, WritesStoredMembersAsAppnoteLaysThemOut) {
  TempDir dir;
  write_zip(dir / "a.zip", {{"x.npy", "hello"}});
  const auto b = read_file(dir / "a.zip");
  // Local header (30 bytes + name), data, central entry (46 + name), end record (22).
  ASSERT_EQ(b.size(), 30u + 5 + 5 + 46 + 5 + 22);
  EXPECT_EQ(le(b, 0, 4), 0x04034b50u);
  EXPECT_EQ(le(b, 8, 2), 0u);            // stored
  EXPECT_EQ(le(b, 14, 4), 0x3610a686u);  // CRC-32 of "hello"
  EXPECT_EQ(le(b, 18, 4), 5u);           // compressed size
  EXPECT_EQ(le(b, 22, 4), 5u);           // size
  EXPECT_EQ(std::string(b.begin() + 30, b.begin() + 35), "x.npy");
  EXPECT_EQ(std::string(b.begin() + 35, b.begin() + 40), "hello");
  const std::size_t central = 40;
  EXPECT_EQ(le(b, central, 4), 0x02014b50u);
  EXPECT_EQ(le(b, central + 42, 4), 0u);  // the local header's offset
  const std::size_t end = central + 46 + 5;
  EXPECT_EQ(le(b, end, 4), 0x06054b50u);
  EXPECT_EQ(le(b, end + 10, 2), 1u);       // entries
  EXPECT_EQ(le(b, end + 12, 4), 46u + 5);  // directory size
  EXPECT_EQ(le(b, end + 16, 4), central);  // directory offset
}

TEST(IoZip, RoundTripsMembersWithAndWithoutZip64) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> members = {
      {"a.npy", "first"}, {"b.npy", std::string(100000, 'z')}, {"empty.npy", ""}, {"ünïcode.npy", "u"}};
  write_zip(dir / "plain.zip", members);
  EXPECT_EQ(read_zip(dir / "plain.zip"), members);
  write_zip(dir / "zip64.zip", members, /*zip64=*/true);
  EXPECT_EQ(read_zip(dir / "zip64.zip"), members);
  EXPECT_EQ(read_zip(dir / "empty.zip").size(), 1u);  // missing: an error
  write_zip(dir / "none.zip", {});
  EXPECT_TRUE(read_zip(dir / "none.zip").empty());
}

// An archive with one deflated member, as zipfile.ZIP_DEFLATED writes it.
std::vector<std::uint8_t> deflated_archive(const std::string& contents, std::uint32_t crc, std::uint16_t flags = 0) {
  const std::vector<std::uint8_t> data(contents.begin(), contents.end());
  const auto packed = deflate_raw(data);
  std::vector<std::uint8_t> b;
  append_le(b, 0x04034b50, 4);
  append_le(b, 20, 2);
  append_le(b, flags, 2);
  append_le(b, 8, 2);
  append_le(b, 0, 4);
  append_le(b, crc, 4);
  append_le(b, packed.size(), 4);
  append_le(b, data.size(), 4);
  append_le(b, 5, 2);
  append_le(b, 0, 2);
  append(b, "d.npy");
  b.insert(b.end(), packed.begin(), packed.end());
  const std::size_t central = b.size();
  append_le(b, 0x02014b50, 4);
  append_le(b, 20, 2);
  append_le(b, 20, 2);
  append_le(b, flags, 2);
  append_le(b, 8, 2);
  append_le(b, 0, 4);
  append_le(b, crc, 4);
  append_le(b, packed.size(), 4);
  append_le(b, data.size(), 4);
  append_le(b, 5, 2);
  append_le(b, 0, 2);
  append_le(b, 0, 2);
  append_le(b, 0, 2);
  append_le(b, 0, 2);
  append_le(b, 0, 4);
  append_le(b, 0, 4);
  append(b, "d.npy");
  const std::size_t end = b.size();
  append_le(b, 0x06054b50, 4);
  append_le(b, 0, 4);
  append_le(b, 1, 2);
  append_le(b, 1, 2);
  append_le(b, end - central, 4);
  append_le(b, central, 4);
  append_le(b, 0, 2);
  return b;
}

TEST(IoZip, ReadsDeflatedMembersAndChecksTheirCrc) {
  TempDir dir;
  const std::string contents(5000, 'q');
  const std::uint32_t crc = jx::io::crc32(std::as_bytes(std::span(contents.data(), contents.size())));
  write_file(dir / "d.zip", deflated_archive(contents, crc));
  EXPECT_EQ(read_zip(dir / "d.zip"), (std::vector<std::pair<std::string, std::string>>{{"d.npy", contents}}));
  write_file(dir / "bad_crc.zip", deflated_archive(contents, crc ^ 1));
  EXPECT_NE(read_zip(dir / "bad_crc.zip")[0].first.find("CRC-32"), std::string::npos);
  write_file(dir / "encrypted.zip", deflated_archive(contents, crc, 1));
  EXPECT_NE(read_zip(dir / "encrypted.zip")[0].first.find("encrypted"), std::string::npos);
}

TEST(IoZip, RefusesOverlappingMembers) {
  TempDir dir;
  write_zip(dir / "two.zip", {{"a.npy", "aaaa"}, {"b.npy", "bbbb"}});
  auto bytes = read_file(dir / "two.zip");
  // Point the second central entry at the first local header: both members claim the same bytes.
  const std::size_t central = le(bytes, bytes.size() - 22 + 16, 4);
  const std::size_t second = central + 46 + 5;
  for (int i = 0; i < 4; ++i) bytes[second + 42 + static_cast<std::size_t>(i)] = 0;
  bytes[second + 46 + 0] = 'a';  // same name, so that the local header check passes
  write_file(dir / "overlap.zip", bytes);
  EXPECT_NE(read_zip(dir / "overlap.zip")[0].first.find("overlap"), std::string::npos);
}

TEST(IoZip, TruncationAtEveryByteIsAnIOError) {
  TempDir dir;
  write_zip(dir / "z.zip", {{"a.npy", "some data"}, {"b.npy", "more data here"}});
  const auto bytes = read_file(dir / "z.zip");
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    write_file(dir / "cut.zip", std::span(bytes.data(), size));
    const auto result = read_zip(dir / "cut.zip");
    EXPECT_TRUE(result.size() == 1 && result[0].first.starts_with("error: ")) << "cut at " << size;
  }
}

TEST(IoZip, ByteFlipsAnywhereAreIOErrorsNeverCrashes) {
  TempDir dir;
  write_zip(dir / "z.zip", {{"a.npy", "some data"}, {"b.npy", "more data here"}}, /*zip64=*/true);
  const auto bytes = read_file(dir / "z.zip");
  std::mt19937 rng(7);
  for (int trial = 0; trial < 3000; ++trial) {
    auto damaged = bytes;
    damaged[std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng)] ^=
        static_cast<std::uint8_t>(std::uniform_int_distribution<int>(1, 255)(rng));
    write_file(dir / "flip.zip", damaged);
    read_zip(dir / "flip.zip");  // an IOError or a successful read; anything else fails the test
  }
}

}  // namespace
