#include "io/idx.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "io/host_arrays.h"
#include "io/inflate.h"
#include "jx/core/error.h"
#include "jx/io/datasets.h"

namespace jx::io {
namespace {

std::optional<DType> idx_dtype(unsigned code) {
  switch (code) {
    case 0x08:
      return DType::uint8;
    case 0x09:
      return DType::int8;
    case 0x0B:
      return DType::int16;
    case 0x0C:
      return DType::int32;
    case 0x0D:
      return DType::float32;
    case 0x0E:
      return DType::float64;
    default:
      return std::nullopt;
  }
}

std::uint64_t big_endian_u32(const std::byte* p) {
  return static_cast<std::uint64_t>(p[0]) << 24 | static_cast<std::uint64_t>(p[1]) << 16 |
         static_cast<std::uint64_t>(p[2]) << 8 | static_cast<std::uint64_t>(p[3]);
}

Array parse_idx(std::span<const std::byte> bytes, const FileReader& file) {
  if (bytes.size() < 4) file.fail(fmt::format("{} bytes is too short for an IDX file (truncated?)", bytes.size()));
  const std::uint64_t magic = big_endian_u32(bytes.data());
  const std::optional<DType> dtype = idx_dtype(static_cast<unsigned>(bytes[2]));
  if (bytes[0] != std::byte{0} || bytes[1] != std::byte{0} || !dtype) {
    file.fail(
        fmt::format("not an IDX file: magic number 0x{:08x} (IDX files start 0x000008.., 0x000009.., "
                    "0x00000b.. to 0x00000e..)",
                    magic));
  }
  const std::size_t ndim = static_cast<std::size_t>(bytes[3]);
  if (ndim > 64) file.fail(fmt::format("magic number 0x{:08x} claims {} dimensions (at most 64)", magic, ndim));
  const std::size_t header = 4 + 4 * ndim;
  if (bytes.size() < header) file.fail(fmt::format("the file ends inside its {}-dimension header (truncated?)", ndim));
  std::vector<std::uint64_t> dims;
  for (std::size_t i = 0; i < ndim; ++i) dims.push_back(big_endian_u32(bytes.data() + 4 + 4 * i));
  const Shape shape(dims.begin(), dims.end());
  std::uint64_t elements = 0, size = 0;
  if (!checked_num_elements(dims, elements) || !checked_multiply(elements, itemsize(*dtype), size)) {
    file.fail(fmt::format("dimensions {} are too large to exist", shape.to_string()));
  }
  if (size != bytes.size() - header) {
    file.fail(fmt::format("the header's dimensions {} of {} need {} bytes of data but the file holds {}{}",
                          shape.to_string(), dtype_name(*dtype), size, bytes.size() - header,
                          size > bytes.size() - header ? " (truncated, or a wrong count)" : " (a wrong count)"));
  }
  auto array = allocate_for_reading(*dtype, shape);
  std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end(), bytes_of(array).begin());
  byteswap_elements(array->data(), itemsize(*dtype), static_cast<std::int64_t>(elements));  // big-endian data
  return finish_read(std::move(array));
}

}  // namespace

Array read_idx(const FileReader& file) {
  std::vector<std::byte> raw(static_cast<std::size_t>(file.size()));
  file.read(0, raw);
  if (is_gzip(raw)) return parse_idx(gunzip(raw, file), file);
  return parse_idx(raw, file);
}

Array load_idx(const std::filesystem::path& path, std::source_location loc) {
  CallSite site(loc);
  FileReader file(path, "io::load_idx");
  return read_idx(file);
}

}  // namespace jx::io
