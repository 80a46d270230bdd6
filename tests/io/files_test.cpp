// Whole-or-nothing writes (AtomicFile) and bounded reads (FileReader).
#include "io/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

TEST(IoFiles, TheNextSaveRemovesTemporariesOfWritersThatDied) {
  TempDir dir;
  // A writer killed mid-save: a child process that has exited (its id is free now).
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  std::string host_name(host);
  std::replace(host_name.begin(), host_name.end(), '-', '_');
  const std::string stale = ".out.bin.tmp-" + host_name + "-" + std::to_string(child) + "-00000000deadbeef";
  const std::string alive = ".out.bin.tmp-" + host_name + "-" + std::to_string(::getpid()) + "-00000000cafef00d";
  const std::string elsewhere = ".out.bin.tmp-otherhost-" + std::to_string(child) + "-0000000000000001";
  const std::string other_target = ".other.bin.tmp-" + host_name + "-" + std::to_string(child) + "-0000000000000002";
  for (const std::string& name : {stale, alive, elsewhere, other_target})
    write_file(dir / name, std::string("partial"));
  {
    AtomicFile file(dir / "out.bin", "test");
    file.write(std::string_view("new"));
    file.commit();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / stale));
  EXPECT_TRUE(std::filesystem::exists(dir / alive));         // a process with that id still runs
  EXPECT_TRUE(std::filesystem::exists(dir / elsewhere));     // another host's writer may be alive
  EXPECT_TRUE(std::filesystem::exists(dir / other_target));  // another file's temporary
  EXPECT_EQ(as_text(read_file(dir / "out.bin")), "new");
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
