// src/io/zip.h — the zip archives .npz files are (PKWARE's APPNOTE format, the subset NumPy uses).
//
// Writing: stored (uncompressed) members, each a local header, its data, and an entry in the central
// directory at the end; ZIP64 records are added only when a size or an offset needs 64 bits. Dates
// are fixed at 1980-01-01, so equal arrays give equal files.
//
// Reading: the central directory is the index (found through the end record, or its ZIP64 form);
// each member is checked against the file (its local header where the directory says, its data
// inside the file and before the directory, no two members sharing bytes), stored or deflated,
// unencrypted, and its CRC-32 verified after reading. NumPy writes ZIP64 extra fields even for
// small members (np.savez forces them); those are understood.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/files.h"

namespace jx::io {

class ZipWriter {
 public:
  explicit ZipWriter(AtomicFile& file) : file_(file) {}

  // Adds a stored member whose contents are the concatenation of `parts`.
  void add(const std::string& name, std::span<const std::span<const std::byte>> parts);
  // Writes the central directory; the caller commits the file afterwards.
  void finish();
  // Tests set this to write ZIP64 records for every member, as archives above 4 GiB need.
  bool force_zip64 = false;

 private:
  struct Entry {
    std::string name;
    std::uint32_t crc = 0;
    std::uint64_t size = 0, offset = 0;
    bool zip64 = false;
  };
  AtomicFile& file_;
  std::vector<Entry> entries_;
};

struct ZipMember {
  std::string name;
  std::uint16_t method = 0;  // 0 stored, 8 deflated
  std::uint32_t crc = 0;
  std::uint64_t compressed_size = 0, size = 0;
  std::uint64_t header_offset = 0, data_offset = 0;
};

// The members of the archive, checked as described above (IOError on any inconsistency).
std::vector<ZipMember> read_zip_directory(const FileReader& file);
// A member's contents, decompressed and CRC-checked.
std::vector<std::byte> read_zip_member(const FileReader& file, const ZipMember& member);

}  // namespace jx::io
