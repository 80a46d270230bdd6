// .npz files: zip archives of .npy members named KEY.npy (jx/io/numpy_files.h).
#include "io/npz.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

#include "io/files.h"
#include "io/host_arrays.h"
#include "io/npy.h"
#include "io/zip.h"
#include "jx/core/error.h"
#include "jx/io/numpy_files.h"

namespace jx::io {
namespace {

constexpr const char* kSaveNpzOp = "io::save_npz";
constexpr const char* kLoadNpzOp = "io::load_npz";

}  // namespace

namespace {

void write_npz(const std::filesystem::path& path, const std::map<std::string, Array>& arrays, bool force_zip64) {
  std::vector<std::pair<std::string, Array>> members;
  for (const auto& [key, array] : arrays) {
    members.emplace_back(key + ".npy", npy_writable(array, kSaveNpzOp, fmt::format("array '{}'", key)));
  }
  AtomicFile file(path, kSaveNpzOp);
  ZipWriter zip(file);
  zip.force_zip64 = force_zip64;
  for (const auto& [name, data] : members) {
    const std::string header = npy_header(data);
    const std::array<std::span<const std::byte>, 2> parts = {std::as_bytes(std::span(header.data(), header.size())),
                                                             bytes_of(data)};
    zip.add(name, parts);
  }
  zip.finish();
  file.commit();
}

}  // namespace

void detail::save_npz_zip64(const std::filesystem::path& path, const std::map<std::string, Array>& arrays) {
  write_npz(path, arrays, true);
}

void save_npz(const std::filesystem::path& path, const std::map<std::string, Array>& arrays, std::source_location loc) {
  CallSite site(loc);
  write_npz(path, arrays, false);
}

std::map<std::string, Array> load_npz(const std::filesystem::path& path, std::source_location loc) {
  CallSite site(loc);
  FileReader file(path, kLoadNpzOp);
  std::map<std::string, Array> arrays;
  for (const ZipMember& member : read_zip_directory(file)) {
    const std::string what = fmt::format("member '{}'", member.name);
    const std::vector<std::byte> bytes = read_zip_member(file, member);
    const std::span<const std::byte> all(bytes);
    const std::uint64_t header_size = npy_header_size(all.first(std::min(all.size(), kNpyPreamble)), file, what);
    if (header_size > all.size()) file.fail(what + ": the .npy header runs past the end of the member");
    const NpyHeader header = parse_npy_header(all.first(static_cast<std::size_t>(header_size)), file, what);
    if (all.size() - header_size != header.data_size) {
      file.fail(fmt::format("{}: shape {} of {} needs {} bytes of data but the member holds {}", what,
                            header.shape.to_string(), dtype_name(header.dtype), header.data_size,
                            all.size() - header_size));
    }
    auto data = allocate_npy(header);
    std::copy(all.begin() + static_cast<std::ptrdiff_t>(header_size), all.end(), bytes_of(data).begin());
    // np.savez names members KEY.npy; np.load lists them without the suffix.
    std::string key = member.name;
    if (key.size() > 4 && key.ends_with(".npy")) key.resize(key.size() - 4);
    if (!arrays.emplace(key, finish_npy(std::move(data), header)).second) {
      file.fail(fmt::format("it holds two members named '{}'", key));
    }
  }
  return arrays;
}

}  // namespace jx::io
