#include "io/zip.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "io/inflate.h"

namespace jx::io {
namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndRecord = 0x06054b50;
constexpr std::uint32_t kZip64EndRecord = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint32_t kMax32 = 0xffffffff;
constexpr std::uint16_t kMax16 = 0xffff;
constexpr std::uint16_t kDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, MS-DOS format
constexpr std::uint16_t kUtf8Names = 1 << 11;
constexpr std::uint16_t kEncrypted = 1 << 0;
constexpr std::size_t kLocalHeaderSize = 30, kCentralHeaderSize = 46, kEndRecordSize = 22;
constexpr std::size_t kZip64EndRecordSize = 56, kZip64LocatorSize = 20;

// Little-endian fields, appended.
class Out {
 public:
  void u16(std::uint64_t v) { put(v, 2); }
  void u32(std::uint64_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void text(const std::string& s) {
    for (char c : s) bytes_.push_back(static_cast<std::byte>(c));
  }
  void append(std::span<const std::byte> more) { bytes_.insert(bytes_.end(), more.begin(), more.end()); }
  std::span<const std::byte> bytes() const { return bytes_; }

 private:
  void put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
  }
  std::vector<std::byte> bytes_;
};

// Little-endian fields, read from a buffer with bounds checks.
class In {
 public:
  In(std::span<const std::byte> bytes, const FileReader& file, std::string what)
      : bytes_(bytes), file_(file), what_(std::move(what)) {}
  std::uint16_t u16() { return static_cast<std::uint16_t>(get(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
  std::uint64_t u64() { return get(8); }
  std::string text(std::size_t n) {
    need(n);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + at_), n);
    at_ += n;
    return s;
  }
  void skip(std::size_t n) {
    need(n);
    at_ += n;
  }
  std::size_t left() const { return bytes_.size() - at_; }
  [[noreturn]] void fail(const std::string& problem) const { file_.fail(what_ + ": " + problem); }

 private:
  void need(std::size_t n) const {
    if (n > left()) fail("it ends in the middle of a record");
  }
  std::uint64_t get(int n) {
    need(static_cast<std::size_t>(n));
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | static_cast<std::uint64_t>(bytes_[at_ + static_cast<std::size_t>(i)]);
    at_ += static_cast<std::size_t>(n);
    return v;
  }
  std::span<const std::byte> bytes_;
  const FileReader& file_;
  std::string what_;
  std::size_t at_ = 0;
};

std::vector<std::byte> read_bytes(const FileReader& file, std::uint64_t offset, std::uint64_t size) {
  std::vector<std::byte> out(static_cast<std::size_t>(size));  // callers checked size against the file
  file.read(offset, out);
  return out;
}

bool has_non_ascii(const std::string& name) {
  return std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

// --- Writing --------------------------------------------------------------------------------------------

void ZipWriter::add(const std::string& name, std::span<const std::span<const std::byte>> parts) {
  if (name.size() > kMax16) throw_file_error("io::save_npz", file_.target(), "a member name is too long for zip");
  Entry entry{name, 0, 0, file_.bytes_written(), false};
  for (std::span<const std::byte> part : parts) {
    entry.crc = crc32(part, entry.crc);
    entry.size += part.size();
  }
  entry.zip64 = force_zip64 || entry.size >= kMax32;
  const std::uint16_t flags = has_non_ascii(name) ? kUtf8Names : 0;

  Out header;
  header.u32(kLocalHeader);
  header.u16(entry.zip64 ? 45 : 20);  // version needed: 4.5 for ZIP64, 2.0 otherwise
  header.u16(flags);
  header.u16(0);  // stored
  header.u16(0);  // time 00:00
  header.u16(kDate1980);
  header.u32(entry.crc);
  header.u32(entry.zip64 ? kMax32 : entry.size);  // compressed size
  header.u32(entry.zip64 ? kMax32 : entry.size);  // size
  header.u16(name.size());
  header.u16(entry.zip64 ? 20 : 0);
  header.text(name);
  if (entry.zip64) {
    header.u16(kZip64ExtraId);
    header.u16(16);
    header.u64(entry.size);
    header.u64(entry.size);
  }
  file_.write(header.bytes());
  for (std::span<const std::byte> part : parts) file_.write(part);
  entries_.push_back(std::move(entry));
}

void ZipWriter::finish() {
  const std::uint64_t directory_offset = file_.bytes_written();
  Out directory;
  bool any_zip64 = force_zip64 || entries_.size() >= kMax16;
  for (const Entry& entry : entries_) {
    const bool offset64 = force_zip64 || entry.offset >= kMax32;
    // The ZIP64 extra field holds the 64-bit values of exactly the fields written as 0xffffffff.
    Out extra;
    if (entry.zip64) {
      extra.u64(entry.size);
      extra.u64(entry.size);
    }
    if (offset64) extra.u64(entry.offset);
    const bool zip64 = entry.zip64 || offset64;
    any_zip64 = any_zip64 || zip64;
    directory.u32(kCentralHeader);
    directory.u16((3 << 8) | (zip64 ? 45 : 20));  // made by: Unix, zip 4.5 or 2.0
    directory.u16(zip64 ? 45 : 20);
    directory.u16(has_non_ascii(entry.name) ? kUtf8Names : 0);
    directory.u16(0);  // stored
    directory.u16(0);
    directory.u16(kDate1980);
    directory.u32(entry.crc);
    directory.u32(entry.zip64 ? kMax32 : entry.size);
    directory.u32(entry.zip64 ? kMax32 : entry.size);
    directory.u16(entry.name.size());
    directory.u16(zip64 ? 4 + extra.bytes().size() : 0);
    directory.u16(0);                             // comment length
    directory.u16(0);                             // disk
    directory.u16(0);                             // internal attributes
    directory.u32(std::uint64_t{0100644} << 16);  // external attributes: a regular file, rw-r--r--
    directory.u32(offset64 ? kMax32 : entry.offset);
    directory.text(entry.name);
    if (zip64) {
      directory.u16(kZip64ExtraId);
      directory.u16(extra.bytes().size());
      directory.append(extra.bytes());
    }
  }
  const std::uint64_t directory_size = directory.bytes().size();
  any_zip64 = any_zip64 || directory_offset >= kMax32 || directory_size >= kMax32;

  Out end;
  if (any_zip64) {
    const std::uint64_t record_offset = directory_offset + directory_size;
    end.u32(kZip64EndRecord);
    end.u64(kZip64EndRecordSize - 12);  // the record's size, not counting these first 12 bytes
    end.u16((3 << 8) | 45);
    end.u16(45);
    end.u32(0);  // this disk
    end.u32(0);  // the directory's disk
    end.u64(entries_.size());
    end.u64(entries_.size());
    end.u64(directory_size);
    end.u64(directory_offset);
    end.u32(kZip64Locator);
    end.u32(0);
    end.u64(record_offset);
    end.u32(1);  // disks in all
  }
  end.u32(kEndRecord);
  end.u16(0);
  end.u16(0);
  end.u16(any_zip64 ? kMax16 : entries_.size());
  end.u16(any_zip64 ? kMax16 : entries_.size());
  end.u32(any_zip64 ? kMax32 : directory_size);
  end.u32(any_zip64 ? kMax32 : directory_offset);
  end.u16(0);  // comment length
  file_.write(directory.bytes());
  file_.write(end.bytes());
}

// --- Reading --------------------------------------------------------------------------------------------

namespace {

struct Directory {
  std::uint64_t entries = 0, size = 0, offset = 0;
  std::uint64_t end = 0;  // where the directory must end: the first end record
};

// The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB: search that
// tail backwards for its signature, with a comment length that reaches the end of the file exactly.
Directory find_directory(const FileReader& file) {
  if (file.size() < kEndRecordSize) file.fail(fmt::format("{} bytes is too short for a zip archive", file.size()));
  const std::uint64_t tail_size = std::min<std::uint64_t>(file.size(), kEndRecordSize + kMax16);
  const std::uint64_t tail_start = file.size() - tail_size;
  const std::vector<std::byte> tail = read_bytes(file, tail_start, tail_size);
  for (std::size_t at = tail.size() - kEndRecordSize + 1; at-- > 0;) {
    In record(std::span<const std::byte>(tail).subspan(at), file, "its end record");
    if (record.u32() != kEndRecord) continue;
    const std::uint16_t disk = record.u16(), directory_disk = record.u16();
    const std::uint16_t entries_here = record.u16(), entries = record.u16();
    const std::uint32_t size = record.u32(), offset = record.u32();
    const std::uint16_t comment = record.u16();
    if (at + kEndRecordSize + comment != tail.size()) continue;  // a signature inside a comment
    if (disk != 0 || directory_disk != 0 || entries_here != entries)
      file.fail("multi-disk zip archives are not supported");
    Directory directory{entries, size, offset, tail_start + at};
    if (entries != kMax16 && size != kMax32 && offset != kMax32) return directory;

    // ZIP64: a locator just before the end record points to the 64-bit end record.
    if (directory.end < kZip64LocatorSize) file.fail("its ZIP64 locator is missing");
    const std::vector<std::byte> locator_bytes = read_bytes(file, directory.end - kZip64LocatorSize, kZip64LocatorSize);
    In locator(locator_bytes, file, "its ZIP64 locator");
    if (locator.u32() != kZip64Locator) file.fail("its end record asks for ZIP64 but the ZIP64 locator is missing");
    locator.u32();
    const std::uint64_t record_offset = locator.u64();
    if (record_offset > directory.end - kZip64LocatorSize ||
        directory.end - kZip64LocatorSize - record_offset < kZip64EndRecordSize) {
      file.fail("its ZIP64 end record is not where the locator says");
    }
    const std::vector<std::byte> record64_bytes = read_bytes(file, record_offset, kZip64EndRecordSize);
    In record64(record64_bytes, file, "its ZIP64 end record");
    if (record64.u32() != kZip64EndRecord) file.fail("its ZIP64 end record has a wrong signature");
    record64.skip(8 + 2 + 2 + 4 + 4);
    const std::uint64_t entries64_here = record64.u64();
    directory.entries = record64.u64();
    directory.size = record64.u64();
    directory.offset = record64.u64();
    if (entries64_here != directory.entries) file.fail("multi-disk zip archives are not supported");
    directory.end = record_offset;
    return directory;
  }
  file.fail("no zip end record found (not a zip archive, or truncated)");
}

// Replaces the 0xffffffff fields of a central directory entry with their ZIP64 values.
void apply_zip64_extra(In& extra, ZipMember& member, bool size32, bool compressed32, bool offset32) {
  while (extra.left() >= 4) {
    const std::uint16_t id = extra.u16(), length = extra.u16();
    if (id != kZip64ExtraId) {
      extra.skip(length);
      continue;
    }
    std::size_t used = 0;
    if (size32) member.size = extra.u64(), used += 8;
    if (compressed32) member.compressed_size = extra.u64(), used += 8;
    if (offset32) member.header_offset = extra.u64(), used += 8;
    if (used > length) extra.fail("a ZIP64 extra field is shorter than its values");
    extra.skip(length - used);
    return;
  }
  if (size32 || compressed32 || offset32) extra.fail("an entry's sizes need a ZIP64 extra field it does not have");
}

}  // namespace

std::vector<ZipMember> read_zip_directory(const FileReader& file) {
  const Directory directory = find_directory(file);
  if (directory.offset > directory.end || directory.size > directory.end - directory.offset) {
    file.fail("its central directory lies outside the file");
  }
  if (directory.entries > directory.size / kCentralHeaderSize) {
    file.fail(
        fmt::format("its central directory of {} bytes cannot hold {} entries", directory.size, directory.entries));
  }
  const std::vector<std::byte> bytes = read_bytes(file, directory.offset, directory.size);
  In in(bytes, file, "its central directory");
  std::vector<ZipMember> members;
  for (std::uint64_t i = 0; i < directory.entries; ++i) {
    if (in.u32() != kCentralHeader) in.fail(fmt::format("entry {} has a wrong signature", i));
    in.skip(2 + 2);  // made by, needed
    const std::uint16_t flags = in.u16();
    ZipMember member;
    member.method = in.u16();
    in.skip(2 + 2);  // time, date
    member.crc = in.u32();
    const std::uint32_t compressed32 = in.u32(), size32 = in.u32();
    const std::uint16_t name_length = in.u16(), extra_length = in.u16(), comment_length = in.u16();
    in.skip(2 + 2 + 4);  // disk, internal and external attributes
    const std::uint32_t offset32 = in.u32();
    member.name = in.text(name_length);
    member.compressed_size = compressed32;
    member.size = size32;
    member.header_offset = offset32;
    const std::string extra_bytes = in.text(extra_length);
    In extra(std::as_bytes(std::span(extra_bytes.data(), extra_bytes.size())), file,
             fmt::format("member '{}'", member.name));
    apply_zip64_extra(extra, member, size32 == kMax32, compressed32 == kMax32, offset32 == kMax32);
    in.skip(comment_length);

    const std::string what = fmt::format("member '{}'", member.name);
    if (flags & kEncrypted) file.fail(what + " is encrypted");
    if (member.method != 0 && member.method != 8) {
      file.fail(
          fmt::format("{} uses compression method {} (only stored and deflated are supported)", what, member.method));
    }
    if (member.method == 0 && member.compressed_size != member.size) {
      file.fail(what + " is stored but its two sizes differ");
    }
    // The local header repeats the name and may carry its own extra field, so the data starts after both.
    if (member.header_offset > directory.offset || directory.offset - member.header_offset < kLocalHeaderSize) {
      file.fail(what + "'s local header lies outside the archive's members");
    }
    const std::vector<std::byte> local_bytes = read_bytes(file, member.header_offset, kLocalHeaderSize);
    In local(local_bytes, file, what);
    if (local.u32() != kLocalHeader) file.fail(what + "'s local header has a wrong signature");
    local.skip(22);
    const std::uint16_t local_name = local.u16(), local_extra = local.u16();
    member.data_offset = member.header_offset + kLocalHeaderSize + local_name + local_extra;
    if (member.data_offset > directory.offset || member.compressed_size > directory.offset - member.data_offset) {
      file.fail(what + "'s data runs into the central directory or past the end of the file");
    }
    if (local_name != name_length ||
        read_bytes(file, member.header_offset + kLocalHeaderSize, local_name) !=
            std::vector<std::byte>(reinterpret_cast<const std::byte*>(member.name.data()),
                                   reinterpret_cast<const std::byte*>(member.name.data()) + name_length)) {
      file.fail(what + "'s local header names another file");
    }
    members.push_back(std::move(member));
  }
  // No two members may share bytes (overlapping members are how zip bombs multiply their data).
  std::vector<const ZipMember*> by_offset;
  for (const ZipMember& m : members) by_offset.push_back(&m);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const ZipMember* a, const ZipMember* b) { return a->header_offset < b->header_offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i - 1]->data_offset + by_offset[i - 1]->compressed_size > by_offset[i]->header_offset) {
      file.fail(fmt::format("members '{}' and '{}' overlap", by_offset[i - 1]->name, by_offset[i]->name));
    }
  }
  return members;
}

std::vector<std::byte> read_zip_member(const FileReader& file, const ZipMember& member) {
  const std::string what = fmt::format("member '{}'", member.name);
  if (member.method == 8 && member.size > max_inflated_size(member.compressed_size)) {
    file.fail(fmt::format("{} claims {} bytes, more than its {} compressed bytes can hold", what, member.size,
                          member.compressed_size));
  }
  std::vector<std::byte> data;
  if (member.method == 0) {
    data = read_bytes(file, member.data_offset, member.size);
  } else {
    const std::vector<std::byte> compressed = read_bytes(file, member.data_offset, member.compressed_size);
    data.resize(static_cast<std::size_t>(member.size));
    inflate_raw(compressed, data, file, what);
  }
  if (crc32(data) != member.crc) file.fail(what + " fails its CRC-32 check (the data is corrupt)");
  return data;
}

}  // namespace jx::io
