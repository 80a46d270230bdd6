// Whole-or-nothing writes (AtomicFile) and bounded reads (FileReader).
#include "io/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <string>

#include "io/io_test_util.h"
#include "jx/core/error.h"

namespace {

using jx::io::AtomicFile;
using jx::io::FileReader;
using jx::io::test::read_file;
using jx::io::test::TempDir;
using jx::io::test::write_file;

std::string as_text(const std::vector<std::uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

std::size_t count_entries(const std::filesystem::path& directory) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory)) ++n;
  return n;
}

TEST(IoFiles, CommitReplacesTheTargetAndLeavesNoTemporaryFile) {
  TempDir dir;
  write_file(dir / "out.bin", std::string("old contents"));
  {
    AtomicFile file(dir / "out.bin", "test");
    file.write(std::string_view("new "));
    file.write(std::string_view("contents"));
    EXPECT_EQ(file.bytes_written(), 12u);
    // Until the commit the target is untouched.
    EXPECT_EQ(as_text(read_file(dir / "out.bin")), "old contents");
    file.commit();
  }
  EXPECT_EQ(as_text(read_file(dir / "out.bin")), "new contents");
  EXPECT_EQ(count_entries(dir.path()), 1u);
}

TEST(IoFiles, AbandonedWriteLeavesTheOldFileAndRemovesItsTemporary) {
  TempDir dir;
  write_file(dir / "out.bin", std::string("old"));
  {
    AtomicFile file(dir / "out.bin", "test");
    file.write(std::string_view("half of something"));
    EXPECT_EQ(count_entries(dir.path()), 2u);  // the target and the temporary
  }
  EXPECT_EQ(as_text(read_file(dir / "out.bin")), "old");
  EXPECT_EQ(count_entries(dir.path()), 1u);
}

TEST(IoFiles, NewFilesGetTheUsualPermissions) {
  TempDir dir;
  const mode_t mask = ::umask(022);
  {
    AtomicFile file(dir / "out.bin", "test");
    file.commit();
  }
  ::umask(mask);
  struct stat info {};
  ASSERT_EQ(::stat((dir / "out.bin").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
}

TEST(IoFiles, MissingDirectoryIsAnIOErrorNamingTheFile) {
  TempDir dir;
  try {
    AtomicFile file(dir / "no_such_dir" / "out.bin", "io::save");
    FAIL() << "expected IOError";
  } catch (const jx::IOError& e) {
    EXPECT_EQ(e.op(), "io::save");
    EXPECT_NE(e.detail().find("no_such_dir/out.bin"), std::string::npos) << e.what();
    EXPECT_NE(e.detail().find("No such file or directory"), std::string::npos) << e.what();
  }
}

TEST(IoFiles, ReaderReadsRangesAndRefusesReadsPastTheEnd) {
  TempDir dir;
  write_file(dir / "in.bin", std::string("0123456789"));
  FileReader file(dir / "in.bin", "test");
  EXPECT_EQ(file.size(), 10u);
  std::array<std::byte, 4> out{};
  file.read(3, out);
  EXPECT_EQ(static_cast<char>(out[0]), '3');
  EXPECT_EQ(static_cast<char>(out[3]), '6');
  EXPECT_THROW(file.read(7, out), jx::IOError);
  EXPECT_THROW(file.read(~std::uint64_t{0}, out), jx::IOError);  // no overflow past the check
}

TEST(IoFiles, ReaderRefusesMissingFilesAndDirectories) {
  TempDir dir;
  EXPECT_THROW(FileReader(dir / "missing", "test"), jx::IOError);
  EXPECT_THROW(FileReader(dir.path(), "test"), jx::IOError);
}

}  // namespace
