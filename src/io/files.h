// src/io/files.h — files on disk: whole-or-nothing writes and bounded reads.
//
// AtomicFile writes a temporary file next to the target and renames it over the target only when
// every byte is on disk (fsync of the file, then of the directory after the rename): a process
// killed at any moment, or a write that fails (a full disk), leaves the old file untouched. A
// temporary file of a killed process stays behind, named ".TARGET.tmp-HOST-PID-RANDOM", until the
// next save to the same target removes it (when no process with that id runs on this host).
//
// FileReader reads ranges of a file with pread into memory the caller sized from checked numbers;
// a short read (the file shrank) is an IOError, never uninitialized data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace jx::io {

// Throws IOError "[op] 'path': what: strerror(error_number)".
[[noreturn]] void throw_system_error(const char* op, const std::filesystem::path& path, const std::string& what,
                                     int error_number);
// Throws IOError "[op] 'path': problem".
[[noreturn]] void throw_file_error(const char* op, const std::filesystem::path& path, const std::string& problem);

class AtomicFile {
 public:
  // Creates the temporary file (IOError if the directory is missing or not writable).
  AtomicFile(std::filesystem::path target, const char* op);
  ~AtomicFile();  // without commit(): removes the temporary file
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::span<const std::byte> bytes);
  void write(std::string_view text) { write(std::as_bytes(std::span(text.data(), text.size()))); }
  std::uint64_t bytes_written() const { return written_; }
  // Flushes the data to disk and puts the file in place of the target.
  void commit();

  const std::filesystem::path& target() const { return target_; }

 private:
  void discard() noexcept;

  std::filesystem::path target_, temporary_;
  const char* op_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
  bool committed_ = false;
};

class FileReader {
 public:
  // Opens a regular file for reading (IOError if it is missing, unreadable or not a regular file).
  FileReader(std::filesystem::path path, const char* op);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  std::uint64_t size() const { return size_; }
  // Reads exactly out.size() bytes at `offset` (IOError if the file ends first).
  void read(std::uint64_t offset, std::span<std::byte> out) const;
  const std::filesystem::path& path() const { return path_; }
  const char* op() const { return op_; }
  [[noreturn]] void fail(const std::string& problem) const { throw_file_error(op_, path_, problem); }

 private:
  std::filesystem::path path_;
  const char* op_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace jx::io
