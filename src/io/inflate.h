// src/io/inflate.h — decompressing deflate data (gzip files, zip members) with zlib.
//
// Output sizes are bounded before anything is allocated: deflate cannot expand data more than
// 1032-fold, so a stream of N compressed bytes never holds more than about 1032 N bytes, whatever
// its header claims. zlib checks the gzip CRC-32 and length trailer; a stream that ends early,
// holds corrupt data or is followed by garbage is an IOError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "io/files.h"

namespace jx::io {

// The most bytes `compressed_size` bytes of deflate data can decompress to.
std::uint64_t max_inflated_size(std::uint64_t compressed_size);

// Whether data starts with the gzip magic bytes 1f 8b.
bool is_gzip(std::span<const std::byte> data);

// The decompressed contents of a whole gzip file (one member); `file` names it in errors.
std::vector<std::byte> gunzip(std::span<const std::byte> compressed, const FileReader& file);

// Raw deflate data (a zip member) that must decompress to exactly out.size() bytes; `what` names
// the member in errors.
void inflate_raw(std::span<const std::byte> compressed, std::span<std::byte> out, const FileReader& file,
                 const std::string& what);

// zlib's CRC-32 (as zip and gzip use), continued from `crc` (0 to start).
std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc = 0);

}  // namespace jx::io
