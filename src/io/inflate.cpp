#include "io/inflate.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <limits>
#include <string>

namespace jx::io {
namespace {

// zlib counts in uInt (32 bits): feed it at most this much at a time.
constexpr std::size_t kChunk = std::size_t{1} << 30;

// One inflate stream; `window_bits` picks the wrapper (gzip, or none for zip members).
class Inflater {
 public:
  Inflater(int window_bits, const FileReader& file, std::string what) : file_(file), what_(std::move(what)) {
    if (inflateInit2(&stream_, window_bits) != Z_OK) fail("zlib cannot start decompressing");
  }
  ~Inflater() { inflateEnd(&stream_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Decompresses into `out` from `in` (both advanced). Returns true at the end of the stream.
  bool run(std::span<const std::byte>& in, std::span<std::byte>& out) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
    stream_.avail_in = static_cast<uInt>(std::min(in.size(), kChunk));
    stream_.next_out = reinterpret_cast<Bytef*>(out.data());
    stream_.avail_out = static_cast<uInt>(std::min(out.size(), kChunk));
    const uInt in_before = stream_.avail_in, out_before = stream_.avail_out;
    const int status = inflate(&stream_, Z_NO_FLUSH);
    in = in.subspan(in_before - stream_.avail_in);
    out = out.subspan(out_before - stream_.avail_out);
    if (status == Z_STREAM_END) return true;
    if (status == Z_OK) return false;
    if (status == Z_BUF_ERROR) {
      // No progress possible: out of input (truncated) or out of room (more data than expected).
      if (in.empty()) fail("the compressed data ends early (the file is truncated)");
      return false;
    }
    fail(fmt::format("the compressed data is corrupt ({})", stream_.msg ? stream_.msg : zError(status)));
  }

  [[noreturn]] void fail(const std::string& problem) const {
    file_.fail(what_.empty() ? problem : what_ + ": " + problem);
  }

 private:
  z_stream stream_{};
  const FileReader& file_;
  std::string what_;
};

}  // namespace

std::uint64_t max_inflated_size(std::uint64_t compressed_size) {
  // A deflate block can code 258 bytes in 1 bit at best (1032:1 over whole bytes); the constant covers
  // the rounding of a short stream.
  if (compressed_size > std::numeric_limits<std::uint64_t>::max() / 1032 - 1)
    return std::numeric_limits<std::uint64_t>::max();
  return compressed_size * 1032 + 1032;
}

bool is_gzip(std::span<const std::byte> data) {
  return data.size() >= 2 && data[0] == std::byte{0x1f} && data[1] == std::byte{0x8b};
}

std::vector<std::byte> gunzip(std::span<const std::byte> compressed, const FileReader& file) {
  Inflater inflater(15 + 16, file, "");  // 15: the largest window; +16: a gzip wrapper
  const std::uint64_t limit = max_inflated_size(compressed.size());
  // The gzip trailer's last 4 bytes give the length modulo 2^32: a good first guess for the buffer
  // (zlib checks it against the data at the end), capped by what the data could possibly hold.
  std::uint64_t guess = 1 << 16;
  if (compressed.size() >= 18) {
    const std::byte* tail = compressed.data() + compressed.size() - 4;
    guess = static_cast<std::uint64_t>(tail[0]) | static_cast<std::uint64_t>(tail[1]) << 8 |
            static_cast<std::uint64_t>(tail[2]) << 16 | static_cast<std::uint64_t>(tail[3]) << 24;
  }
  std::vector<std::byte> out(static_cast<std::size_t>(std::min(guess, limit)) + 1);
  std::size_t filled = 0;
  std::span<const std::byte> in = compressed;
  for (;;) {
    if (filled == out.size()) {
      if (out.size() >= limit) inflater.fail("the data decompresses to more than deflate can produce (corrupt)");
      out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(limit, out.size() * 2)));
    }
    std::span<std::byte> room = std::span(out).subspan(filled);
    const std::size_t before = room.size();
    const bool done = inflater.run(in, room);
    filled += before - room.size();
    if (done) break;
  }
  if (!in.empty()) inflater.fail("bytes follow the end of the compressed data (corrupt, or several gzip members)");
  out.resize(filled);
  return out;
}

void inflate_raw(std::span<const std::byte> compressed, std::span<std::byte> out, const FileReader& file,
                 const std::string& what) {
  Inflater inflater(-15, file, what);  // negative: raw deflate, no wrapper
  std::span<const std::byte> in = compressed;
  std::span<std::byte> room = out;
  for (;;) {
    if (inflater.run(in, room)) break;
    if (room.empty()) {
      // Full: the stream must end here; one more byte of room shows whether it would go on.
      std::byte extra[1];
      std::span<std::byte> probe(extra);
      const bool done = inflater.run(in, probe);
      if (probe.empty()) inflater.fail(fmt::format("decompresses to more than the {} bytes recorded", out.size()));
      if (done) break;
    }
  }
  if (!room.empty()) {
    inflater.fail(fmt::format("decompresses to {} bytes, not the {} recorded", out.size() - room.size(), out.size()));
  }
}

std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc) {
  uLong value = crc;
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), kChunk);
    value = ::crc32(value, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data = data.subspan(n);
  }
  return static_cast<std::uint32_t>(value);
}

}  // namespace jx::io
