#include "io/npy.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "backends/cpu/kernels.h"
#include "io/host_arrays.h"
#include "jx/core/error.h"
#include "jx/io/numpy_files.h"

namespace jx::io {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
// NumPy aligns the data to 64 bytes (ARRAY_ALIGN) in the files it writes.
constexpr std::size_t kAlignment = 64;
// np.load refuses headers over 10000 bytes unless told otherwise; a shape of 64 dimensions of
// 19-digit numbers needs under 1500.
constexpr std::uint64_t kMaxHeader = 100000;

struct DescrEntry {
  char kind;
  std::size_t size;
  DType dtype;
};
constexpr std::array<DescrEntry, 14> kDescrs = {{{'b', 1, DType::bool_},
                                                 {'i', 1, DType::int8},
                                                 {'i', 2, DType::int16},
                                                 {'i', 4, DType::int32},
                                                 {'i', 8, DType::int64},
                                                 {'u', 1, DType::uint8},
                                                 {'u', 2, DType::uint16},
                                                 {'u', 4, DType::uint32},
                                                 {'u', 8, DType::uint64},
                                                 {'f', 2, DType::float16},
                                                 {'f', 4, DType::float32},
                                                 {'f', 8, DType::float64},
                                                 {'c', 8, DType::complex64},
                                                 {'c', 16, DType::complex128}}};

std::optional<DescrEntry> descr_of(DType dtype) {
  for (const DescrEntry& d : kDescrs) {
    if (d.dtype == dtype) return d;
  }
  return std::nullopt;
}

// A reader of the header's Python literal: {'key': value, ...}.
class Literal {
 public:
  Literal(std::string_view text, const FileReader& file, std::string what)
      : text_(text), file_(file), what_(std::move(what)) {}

  [[noreturn]] void fail(const std::string& problem) const {
    file_.fail(fmt::format("{}the .npy header {}: {}", what_.empty() ? "" : what_ + ": ", problem, preview()));
  }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n')) ++at_;
  }
  bool accept(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(fmt::format("lacks '{}' where expected", c));
  }
  std::string string() {
    skip_space();
    if (at_ >= text_.size() || (text_[at_] != '\'' && text_[at_] != '"')) fail("has no string where one belongs");
    const char quote = text_[at_++];
    const std::size_t end = text_.find(quote, at_);
    if (end == std::string_view::npos) fail("has an unterminated string");
    std::string value(text_.substr(at_, end - at_));
    if (value.find('\\') != std::string::npos) fail("has an escaped string, which no valid header has");
    at_ = end + 1;
    return value;
  }
  bool boolean() {
    skip_space();
    for (auto [word, value] :
         {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}}) {
      if (text_.substr(at_, word.size()) == word) {
        at_ += word.size();
        return value;
      }
    }
    fail("has no True or False where one belongs");
  }
  std::uint64_t integer() {
    skip_space();
    std::uint64_t value = 0;
    const std::size_t start = at_;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
      const auto digit = static_cast<std::uint64_t>(text_[at_++] - '0');
      if (value > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - digit) / 10) {
        fail("has a dimension too large to exist");
      }
      value = value * 10 + digit;
    }
    if (at_ == start) fail("has a shape entry that is not a non-negative integer");
    if (at_ < text_.size() && text_[at_] == 'L') ++at_;  // Python 2 wrote long integers as 3L
    return value;
  }
  std::vector<std::uint64_t> tuple() {
    expect('(');
    std::vector<std::uint64_t> values;
    if (accept(')')) return values;
    for (;;) {
      values.push_back(integer());
      if (values.size() > 64) fail("has more than 64 dimensions");
      if (accept(')')) return values;
      expect(',');
      if (accept(')')) return values;
    }
  }
  bool at_end() {
    skip_space();
    return at_ == text_.size();
  }
  char peek() {
    skip_space();
    return at_ < text_.size() ? text_[at_] : '\0';
  }

 private:
  std::string preview() const {
    std::string shown;
    for (char c : text_.substr(0, 120)) shown += (c >= 32 && c < 127) ? c : '?';
    return shown;
  }
  std::string_view text_;
  const FileReader& file_;
  std::string what_;
  std::size_t at_ = 0;
};

std::pair<DType, bool> parse_descr(const std::string& descr, Literal& literal) {
  if (descr.size() < 3) literal.fail(fmt::format("has a dtype '{}' jx does not read", descr));
  const char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=') {
    literal.fail(fmt::format("has a dtype '{}' without a byte order", descr));
  }
  const char kind = descr[1];
  const std::string digits = descr.substr(2);
  std::size_t size = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || size > 16) literal.fail(fmt::format("has a dtype '{}' jx does not read", descr));
    size = size * 10 + static_cast<std::size_t>(c - '0');
  }
  for (const DescrEntry& d : kDescrs) {
    if (d.kind == kind && d.size == size) return {d.dtype, order == '>' && size > 1};
  }
  literal.fail(fmt::format(
      "has dtype '{}', which jx has no counterpart for (it reads b1, i1-i8, u1-u8, f2-f8, c8, c16)", descr));
}

}  // namespace

std::uint64_t npy_header_size(std::span<const std::byte> bytes, const FileReader& file, const std::string& what) {
  const std::string prefix = what.empty() ? "" : what + ": ";
  if (bytes.size() < 10 || std::string_view(reinterpret_cast<const char*>(bytes.data()), 6) != kMagic) {
    file.fail(prefix + "not a .npy file (it does not start with \\x93NUMPY)");
  }
  const auto major = static_cast<unsigned>(bytes[6]);
  const auto minor = static_cast<unsigned>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    file.fail(fmt::format("{}.npy format version {}.{} is unknown", prefix, major, minor));
  std::uint64_t length = static_cast<std::uint64_t>(bytes[8]) | static_cast<std::uint64_t>(bytes[9]) << 8;
  std::uint64_t preamble = 10;
  if (major >= 2) {
    if (bytes.size() < 12) file.fail(prefix + "the .npy file ends inside its preamble");
    length |= static_cast<std::uint64_t>(bytes[10]) << 16 | static_cast<std::uint64_t>(bytes[11]) << 24;
    preamble = 12;
  }
  if (length > kMaxHeader)
    file.fail(fmt::format("{}the .npy header claims {} bytes (at most {})", prefix, length, kMaxHeader));
  return preamble + length;
}

NpyHeader parse_npy_header(std::span<const std::byte> bytes, const FileReader& file, const std::string& what) {
  NpyHeader header;
  header.header_size = bytes.size();
  const std::size_t preamble = static_cast<unsigned>(bytes[6]) >= 2 ? 12 : 10;
  Literal literal(std::string_view(reinterpret_cast<const char*>(bytes.data()) + preamble, bytes.size() - preamble),
                  file, what);
  std::optional<std::string> descr;
  std::optional<bool> fortran_order;
  std::optional<std::vector<std::uint64_t>> shape;
  literal.expect('{');
  while (!literal.accept('}')) {
    const std::string key = literal.string();
    literal.expect(':');
    if (key == "descr") {
      if (literal.peek() == '[') literal.fail("describes a structured dtype, which jx does not read");
      if (descr) literal.fail("repeats 'descr'");
      descr = literal.string();
    } else if (key == "fortran_order") {
      if (fortran_order) literal.fail("repeats 'fortran_order'");
      fortran_order = literal.boolean();
    } else if (key == "shape") {
      if (shape) literal.fail("repeats 'shape'");
      shape = literal.tuple();
    } else {
      literal.fail(fmt::format("has an unknown key '{}'", key.substr(0, 40)));
    }
    if (!literal.accept(',')) {
      literal.expect('}');
      break;
    }
  }
  if (!literal.at_end()) literal.fail("has text after its closing brace");
  if (!descr || !fortran_order || !shape) literal.fail("lacks one of 'descr', 'fortran_order' and 'shape'");

  std::tie(header.dtype, header.big_endian) = parse_descr(*descr, literal);
  header.fortran_order = *fortran_order;
  header.shape = Shape(shape->begin(), shape->end());
  std::uint64_t elements = 0;
  if (!checked_num_elements(*shape, elements) ||
      !checked_multiply(elements, itemsize(header.dtype), header.data_size)) {
    literal.fail(fmt::format("has shape {}, too large to exist", header.shape.to_string()));
  }
  return header;
}

std::shared_ptr<ConcreteArray> allocate_npy(const NpyHeader& header) {
  if (!header.fortran_order) return allocate_for_reading(header.dtype, header.shape);
  // Fortran order is C order of the reversed shape; finish_npy transposes it back.
  Shape reversed(header.shape.begin(), header.shape.end());
  std::reverse(reversed.begin(), reversed.end());
  return allocate_for_reading(header.dtype, reversed);
}

Array finish_npy(std::shared_ptr<ConcreteArray> data, const NpyHeader& header) {
  if (header.big_endian) {
    // A complex number is two floats, each stored in the file's byte order.
    const std::size_t parts = is_complex(header.dtype) ? 2 : 1;
    byteswap_elements(data->data(), itemsize(header.dtype) / parts,
                      data->type().num_elements() * static_cast<std::int64_t>(parts));
  }
  Array array = finish_read(std::move(data));
  if (header.fortran_order && array.ndim() > 1) array = cpu::contiguous(array.transpose());
  return array;
}

std::string npy_header(const Array& array) {
  const DescrEntry d = *descr_of(array.dtype());
  std::string shape = "(";
  for (int i = 0; i < array.ndim(); ++i) shape += fmt::format("{}{}", i ? ", " : "", array.shape()[i]);
  shape += array.ndim() == 1 ? ",)" : ")";
  const char order = d.size == 1 ? '|' : '<';
  std::string dict =
      fmt::format("{{'descr': '{}{}{}', 'fortran_order': False, 'shape': {}, }}", order, d.kind, d.size, shape);
  // Version 1.0 holds headers up to 65535 bytes, which any shape of at most 64 dimensions fits.
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  dict += '\n';
  std::string header(kMagic);
  header += '\x01';
  header += '\x00';
  header += static_cast<char>(dict.size() & 0xff);
  header += static_cast<char>(dict.size() >> 8);
  return header + dict;
}

Array npy_writable(const Array& array, const char* op, const std::string& what) {
  if (array.valid() && !array.is_tracer() && (array.dtype() == DType::bfloat16 || array.dtype() == DType::key)) {
    throw DTypeError(op, fmt::format("{} has dtype {}, which .npy files cannot hold (NumPy has no {}); convert it "
                                     "first ({}), or save a checkpoint with jx::io::save",
                                     what, dtype_name(array.dtype()), dtype_name(array.dtype()),
                                     array.dtype() == DType::key ? "jx::random::key_data" : "astype(jx::float32)"));
  }
  return writable_array(array, op, what);
}

// --- Files --------------------------------------------------------------------------------------------

void save_npy(const std::filesystem::path& path, const Array& array, std::source_location loc) {
  CallSite site(loc);
  const Array data = npy_writable(array, "io::save_npy", "the array");
  AtomicFile file(path, "io::save_npy");
  file.write(npy_header(data));
  file.write(bytes_of(data));
  file.commit();
}

Array load_npy(const std::filesystem::path& path, std::source_location loc) {
  CallSite site(loc);
  FileReader file(path, "io::load_npy");
  std::array<std::byte, kNpyPreamble> preamble{};
  const std::size_t available = static_cast<std::size_t>(std::min<std::uint64_t>(file.size(), kNpyPreamble));
  file.read(0, std::span(preamble).first(available));
  const std::uint64_t header_size = npy_header_size(std::span(preamble).first(available), file, "");
  if (header_size > file.size())
    file.fail(fmt::format("the .npy header runs past the end of the file ({} bytes)", file.size()));
  std::vector<std::byte> header_bytes(static_cast<std::size_t>(header_size));
  file.read(0, header_bytes);
  const NpyHeader header = parse_npy_header(header_bytes, file, "");
  if (file.size() - header_size != header.data_size) {
    file.fail(fmt::format("shape {} of {} needs {} bytes of data but the file holds {}", header.shape.to_string(),
                          dtype_name(header.dtype), header.data_size, file.size() - header_size));
  }
  auto data = allocate_npy(header);
  file.read(header_size, bytes_of(data));
  return finish_npy(std::move(data), header);
}

}  // namespace jx::io
