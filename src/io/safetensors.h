// src/io/safetensors.h — the safetensors file format: named tensors, a JSON header, raw data.
//
//   8 bytes   N, the header's length (unsigned, little-endian)
//   N bytes   a JSON object: {"NAME": {"dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END]},
//             ..., "__metadata__": {"key": "value", ...}} (metadata values are strings), padded
//             with spaces so that the data starts at a multiple of 8
//   the rest  the data: tensor NAME is bytes [BEGIN, END) of it, row-major, little-endian
//
// Reading checks the header as the format's reference implementation does and more: N within the
// file and at most 100 MB, a JSON object with no repeated keys, known dtypes, shapes whose byte size
// is END - BEGIN (no overflow), ranges inside the data that neither overlap nor leave holes and cover
// it exactly. Nothing is allocated from a number that was not checked against the file's size.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/array_impl.h"
#include "io/files.h"
#include "jx/core/array.h"

namespace jx::io {

// The format's dtype names: "BOOL", "I8", "U8", ..., "F16", "BF16", "F32", "F64".
std::string_view safetensors_dtype_name(DType dtype);
std::optional<DType> dtype_from_safetensors_name(std::string_view name);

struct TensorEntry {
  std::string name;
  DType dtype;
  Shape shape;
  std::uint64_t begin = 0, end = 0;  // byte range within the data section
};

struct SafetensorsHeader {
  std::vector<TensorEntry> tensors;  // sorted by name
  std::map<std::string, std::string> metadata;
  std::uint64_t data_start = 0;  // file offset of the data section: 8 + N
  const TensorEntry* find(std::string_view name) const;
};

// The limit of the reference implementation: larger headers are refused before being read.
inline constexpr std::uint64_t kMaxSafetensorsHeader = 100'000'000;

SafetensorsHeader read_safetensors_header(const FileReader& file);
// One tensor's data, as stored (the file's dtype, no canonicalization).
std::shared_ptr<ConcreteArray> read_tensor(const FileReader& file, const SafetensorsHeader& header,
                                           const TensorEntry& tensor);

struct TensorToWrite {
  std::string name;
  Array data;  // concrete, of a dtype the format has (not a key: write its key data)
};
// Writes a whole safetensors file; the tensors are laid out by decreasing element size, so each
// starts at a multiple of its element size (aligned for readers that map the file).
void write_safetensors(AtomicFile& file, std::span<const TensorToWrite> tensors,
                       const std::map<std::string, std::string>& metadata);

}  // namespace jx::io
