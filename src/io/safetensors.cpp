#include "io/safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_set>
#include <utility>

#include "io/host_arrays.h"
#include "jx/core/error.h"

namespace jx::io {

using nlohmann::json;

namespace {

struct DTypeName {
  DType dtype;
  std::string_view name;
};
// complex64 is "C64" (safetensors 0.7); the format has no complex128.
constexpr std::array<DTypeName, 14> kDTypeNames = {{{DType::bool_, "BOOL"},
                                                    {DType::int8, "I8"},
                                                    {DType::int16, "I16"},
                                                    {DType::int32, "I32"},
                                                    {DType::int64, "I64"},
                                                    {DType::uint8, "U8"},
                                                    {DType::uint16, "U16"},
                                                    {DType::uint32, "U32"},
                                                    {DType::uint64, "U64"},
                                                    {DType::float16, "F16"},
                                                    {DType::bfloat16, "BF16"},
                                                    {DType::float32, "F32"},
                                                    {DType::float64, "F64"},
                                                    {DType::complex64, "C64"}}};

// Numbers in a header are JSON unsigned integers (nlohmann keeps non-negative integers unsigned).
bool is_count(const json& value) { return value.is_number_unsigned(); }

// Rejects repeated keys in any object: JSON parsers disagree on which of two equal keys wins, and a
// file that two readers see differently is how format confusions start.
class DuplicateKeyCheck {
 public:
  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        keys_.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!keys_.empty()) keys_.pop_back();
        break;
      case json::parse_event_t::key:
        if (!keys_.empty() && !keys_.back().insert(parsed.get<std::string>()).second && duplicate_.empty()) {
          duplicate_ = parsed.get<std::string>();
        }
        break;
      default:
        break;
    }
    return true;
  }
  const std::string& duplicate() const { return duplicate_; }

 private:
  std::vector<std::unordered_set<std::string>> keys_;
  std::string duplicate_;
};

}  // namespace

std::string_view safetensors_dtype_name(DType dtype) {
  for (const DTypeName& entry : kDTypeNames) {
    if (entry.dtype == dtype) return entry.name;
  }
  return {};
}

std::optional<DType> dtype_from_safetensors_name(std::string_view name) {
  for (const DTypeName& entry : kDTypeNames) {
    if (entry.name == name) return entry.dtype;
  }
  return std::nullopt;
}

const TensorEntry* SafetensorsHeader::find(std::string_view name) const {
  auto it = std::lower_bound(tensors.begin(), tensors.end(), name,
                             [](const TensorEntry& t, std::string_view n) { return t.name < n; });
  return it != tensors.end() && it->name == name ? &*it : nullptr;
}

// --- Reading --------------------------------------------------------------------------------------------

namespace {

TensorEntry parse_tensor(const FileReader& file, const std::string& name, const json& info, std::uint64_t data_size) {
  auto fail = [&](const std::string& problem) { file.fail(fmt::format("tensor '{}': {}", name, problem)); };
  if (!info.is_object()) fail("its entry is not a JSON object");
  for (const auto& [key, value] : info.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets") fail(fmt::format("unknown entry '{}'", key));
  }
  if (!info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets")) {
    fail("its entry needs dtype, shape and data_offsets");
  }
  const json& dtype_name = info.at("dtype");
  if (!dtype_name.is_string()) fail("dtype is not a string");
  const std::optional<DType> dtype = dtype_from_safetensors_name(dtype_name.get_ref<const std::string&>());
  if (!dtype) {
    fail(fmt::format("dtype '{}' is not one jx has (BOOL, I8..I64, U8..U64, F16, BF16, F32, F64, C64)",
                     dtype_name.get_ref<const std::string&>().substr(0, 20)));
  }
  const json& shape = info.at("shape");
  if (!shape.is_array()) fail("shape is not a list");
  if (shape.size() > 64) fail(fmt::format("shape has {} dimensions (at most 64)", shape.size()));
  std::vector<std::uint64_t> dims;
  for (const json& d : shape) {
    if (!is_count(d) || d.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail("shape holds something other than a non-negative integer");
    }
    dims.push_back(d.get<std::uint64_t>());
  }
  const json& offsets = info.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !is_count(offsets[0]) || !is_count(offsets[1])) {
    fail("data_offsets is not a pair of non-negative integers");
  }
  TensorEntry entry{name, *dtype, Shape(dims.begin(), dims.end()), offsets[0].get<std::uint64_t>(),
                    offsets[1].get<std::uint64_t>()};
  if (entry.begin > entry.end) fail(fmt::format("data_offsets [{}, {}] run backwards", entry.begin, entry.end));
  if (entry.end > data_size) {
    fail(fmt::format("data_offsets [{}, {}] run past the end of the data ({} bytes)", entry.begin, entry.end,
                     data_size));
  }
  std::uint64_t elements = 0, bytes = 0;
  if (!checked_num_elements(dims, elements) || !checked_multiply(elements, itemsize(*dtype), bytes)) {
    fail(fmt::format("shape {} is too large to exist", entry.shape.to_string()));
  }
  if (bytes != entry.end - entry.begin) {
    fail(fmt::format("shape {} of {} needs {} bytes but data_offsets [{}, {}] hold {}", entry.shape.to_string(),
                     dtype_name.get_ref<const std::string&>(), bytes, entry.begin, entry.end, entry.end - entry.begin));
  }
  return entry;
}

// The tensors' ranges must tile the data section: no overlaps (two tensors sharing bytes) and no
// holes (bytes that belong to no tensor, where anything could hide).
void check_coverage(const FileReader& file, std::vector<TensorEntry> tensors, std::uint64_t data_size) {
  std::sort(tensors.begin(), tensors.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t covered = 0;
  const std::string* previous = nullptr;
  for (const TensorEntry& t : tensors) {
    if (t.begin < covered) {
      file.fail(
          fmt::format("tensors '{}' and '{}' overlap (bytes {}..{} of the data)", *previous, t.name, t.begin, covered));
    }
    if (t.begin > covered) {
      file.fail(fmt::format("bytes {}..{} of the data belong to no tensor", covered, t.begin));
    }
    covered = t.end;
    previous = &t.name;
  }
  if (covered != data_size) {
    file.fail(
        fmt::format("the tensors hold {} bytes of data but the file has {} after the header", covered, data_size));
  }
}

}  // namespace

SafetensorsHeader read_safetensors_header(const FileReader& file) {
  if (file.size() < 8) {
    file.fail(
        fmt::format("{} bytes is too short for a safetensors file (its header length alone takes 8)", file.size()));
  }
  std::array<std::byte, 8> length_bytes;
  file.read(0, length_bytes);
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i)
    length = (length << 8) | static_cast<std::uint64_t>(length_bytes[static_cast<std::size_t>(i)]);
  if (length > file.size() - 8) {
    file.fail(
        fmt::format("the header length {} runs past the end of the file ({} bytes): the file is truncated or "
                    "not a safetensors file",
                    length, file.size()));
  }
  if (length > kMaxSafetensorsHeader) {
    file.fail(
        fmt::format("the header length {} exceeds safetensors' limit of {} bytes", length, kMaxSafetensorsHeader));
  }
  std::string text(static_cast<std::size_t>(length), '\0');
  file.read(8, std::as_writable_bytes(std::span(text.data(), text.size())));
  if (text.empty() || text[0] != '{') file.fail("the header does not start with '{' (not a safetensors file?)");

  DuplicateKeyCheck duplicates;
  json header;
  try {
    header = json::parse(text, std::ref(duplicates));
  } catch (const json::exception& e) {
    file.fail(fmt::format("the header is not valid JSON: {}", e.what()));
  }
  if (!duplicates.duplicate().empty()) {
    file.fail(fmt::format("the header repeats the key '{}'", duplicates.duplicate().substr(0, 80)));
  }
  if (!header.is_object()) file.fail("the header is not a JSON object");

  SafetensorsHeader result;
  result.data_start = 8 + length;
  const std::uint64_t data_size = file.size() - result.data_start;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) file.fail("__metadata__ is not a JSON object");
      for (const auto& [key, text_value] : value.items()) {
        if (!text_value.is_string())
          file.fail(fmt::format("__metadata__ entry '{}' is not a string", key.substr(0, 80)));
        result.metadata.emplace(key, text_value.get<std::string>());
      }
      continue;
    }
    result.tensors.push_back(parse_tensor(file, name, value, data_size));
  }
  std::sort(result.tensors.begin(), result.tensors.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return a.name < b.name; });
  check_coverage(file, result.tensors, data_size);
  return result;
}

std::shared_ptr<ConcreteArray> read_tensor(const FileReader& file, const SafetensorsHeader& header,
                                           const TensorEntry& tensor) {
  auto array = allocate_for_reading(tensor.dtype, tensor.shape);
  file.read(header.data_start + tensor.begin, bytes_of(array));
  return array;
}

// --- Writing --------------------------------------------------------------------------------------------

void write_safetensors(AtomicFile& file, std::span<const TensorToWrite> tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<TensorToWrite> layout;
  for (const TensorToWrite& t : tensors) {
    if (t.data.valid() && !t.data.is_tracer() && t.data.dtype() == DType::complex128) {
      throw DTypeError("io::save", fmt::format("tensor '{}' is complex128, which safetensors files cannot hold (the "
                                               "format has C64 only); save it with jx::io::save_npy, or convert it "
                                               "(astype(jx::complex64))",
                                               t.name));
    }
    layout.push_back({t.name, writable_array(t.data, "io::save", fmt::format("tensor '{}'", t.name))});
  }
  std::stable_sort(layout.begin(), layout.end(), [](const TensorToWrite& a, const TensorToWrite& b) {
    return itemsize(a.data.dtype()) > itemsize(b.data.dtype());
  });

  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const TensorToWrite& t : layout) {
    const std::uint64_t bytes = t.data.type().num_bytes();
    json shape = json::array();
    for (std::int64_t d : t.data.shape()) shape.push_back(d);
    header[t.name] = json{{"dtype", safetensors_dtype_name(t.data.dtype())},
                          {"shape", std::move(shape)},
                          {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception&) {
    throw_file_error("io::save", file.target(), "tensor names and metadata must be valid UTF-8");
  }
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');

  std::array<std::byte, 8> length_bytes;
  for (std::size_t i = 0; i < 8; ++i) length_bytes[i] = static_cast<std::byte>((text.size() >> (8 * i)) & 0xff);
  file.write(length_bytes);
  file.write(text);
  for (const TensorToWrite& t : layout) file.write(bytes_of(t.data));
}

}  // namespace jx::io
