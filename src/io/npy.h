// src/io/npy.h — NumPy's .npy format: one array, a Python-literal header, raw data.
//
//   "\x93NUMPY" major minor    magic and version (1.0, 2.0 or 3.0)
//   header length              2 bytes (1.0) or 4 bytes (2.0, 3.0), little-endian
//   header                     {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded
//                              with spaces and ended by '\n' so that the data starts at a multiple of 64
//   data                       the elements, C or Fortran order, in the byte order of 'descr'
//
// The header is parsed as the small Python literal it is (never evaluated): exactly these three
// keys, a simple dtype, a tuple of non-negative integers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/array_impl.h"
#include "io/files.h"
#include "jx/core/array.h"

namespace jx::io {

struct NpyHeader {
  DType dtype = DType::float32;
  Shape shape;
  bool fortran_order = false;
  bool big_endian = false;
  std::uint64_t header_size = 0;  // bytes before the data (magic to '\n')
  std::uint64_t data_size = 0;    // bytes of data the shape and dtype need
};

// The bytes to read before the header's length is known.
inline constexpr std::size_t kNpyPreamble = 12;
// The total header size the preamble announces (`bytes` holds the first kNpyPreamble bytes, or all
// of a shorter input). `what` names the file or member in errors.
std::uint64_t npy_header_size(std::span<const std::byte> bytes, const FileReader& file, const std::string& what);
// Parses a whole header (`bytes` holds header_size bytes).
NpyHeader parse_npy_header(std::span<const std::byte> bytes, const FileReader& file, const std::string& what);

// An array to read the data of `header` into, and the array it becomes (byte order, Fortran order
// and dtype made what jx expects).
std::shared_ptr<ConcreteArray> allocate_npy(const NpyHeader& header);
Array finish_npy(std::shared_ptr<ConcreteArray> data, const NpyHeader& header);

// The header for `array` (contiguous, of a dtype NumPy has: no bfloat16, no keys).
std::string npy_header(const Array& array);
// `array` as it can be written (writable_array, then the dtypes .npy cannot hold refused).
Array npy_writable(const Array& array, const char* op, const std::string& what);

}  // namespace jx::io
