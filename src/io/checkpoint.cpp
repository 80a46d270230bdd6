// Checkpoints: pytrees to safetensors files and back (jx/io/checkpoint.h).
#include "jx/io/checkpoint.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "io/files.h"
#include "io/host_arrays.h"
#include "io/safetensors.h"
#include "io/tree_structure.h"
#include "jx/random.h"

namespace jx::io {
namespace {

using nlohmann::json;

constexpr const char* kSaveOp = "io::save";
constexpr const char* kLoadOp = "io::load";
// The metadata entries jx writes: the tree, and the version of its encoding.
constexpr const char* kTreeEntry = "jx.tree";
constexpr const char* kVersionEntry = "jx.version";
constexpr const char* kVersion = "1";

// Two leaves whose paths join to the same dotted name ({"a.b": x} and {"a": {"b": y}}) cannot both
// be tensors of that name.
void check_unique_names(const std::filesystem::path& path, const tree::TreeDef& def,
                        const std::vector<std::string>& names) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto [it, inserted] = seen.emplace(names[i], i);
    if (!inserted) {
      const std::vector<tree::KeyPath> paths = tree::leaf_paths(def);
      throw_file_error(kSaveOp, path,
                       fmt::format("the leaves at {} and {} would both be stored as tensor '{}'; rename a key",
                                   tree::keystr(paths[it->second]), tree::keystr(paths[i]), names[i]));
    }
  }
}

// The bytes a leaf is stored as: its own data, or a key's uint32 key data.
Array stored_form(const Array& leaf, const std::string& name) {
  const std::string what = fmt::format("the leaf '{}'", name);
  if (leaf.valid() && !leaf.is_tracer() && leaf.dtype() == DType::key) {
    return writable_array(random::key_data(Key(leaf)), kSaveOp, what);
  }
  return writable_array(leaf, kSaveOp, what);
}

[[noreturn]] void inconsistent(const FileReader& file, const std::string& problem) {
  file.fail("its jx.tree metadata is inconsistent: " + problem);
}

// A file jx wrote: the structure names each tensor once; keys are uint32 (..., 2).
tree::Tree read_structured(const FileReader& file, const SafetensorsHeader& header, const json& structure) {
  const DecodedStructure decoded =
      decode_structure(structure, [&](const std::string& problem) { inconsistent(file, problem); });

  std::map<std::string_view, bool> used;
  std::vector<const TensorEntry*> entries;
  for (const LeafEntry& leaf : decoded.leaves()) {
    const TensorEntry* tensor = header.find(leaf.name);
    if (tensor == nullptr)
      inconsistent(file, fmt::format("it names tensor '{}', which the file does not hold", leaf.name));
    if (used[tensor->name]) inconsistent(file, fmt::format("it names tensor '{}' twice", leaf.name));
    used[tensor->name] = true;
    if (leaf.is_key &&
        (tensor->dtype != DType::uint32 || tensor->shape.ndim() == 0 || tensor->shape[tensor->shape.ndim() - 1] != 2)) {
      inconsistent(file, fmt::format("key '{}' is stored as {} {}, not as uint32 key data of shape (..., 2)", leaf.name,
                                     safetensors_dtype_name(tensor->dtype), tensor->shape.to_string()));
    }
    entries.push_back(tensor);
  }
  if (used.size() != header.tensors.size()) {
    for (const TensorEntry& tensor : header.tensors) {
      if (!used.count(tensor.name))
        inconsistent(file, fmt::format("tensor '{}' is in the file but not in the tree", tensor.name));
    }
  }

  std::vector<Array> arrays;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const LeafEntry& leaf = decoded.leaves()[i];
    Array array = finish_read(read_tensor(file, header, *entries[i]), leaf.weak && !leaf.is_key);
    if (leaf.is_key) array = random::wrap_key_data(array);
    arrays.push_back(std::move(array));
  }
  return decoded.build(arrays);
}

}  // namespace

namespace detail {

void save_checkpoint(const std::filesystem::path& path, const tree::TreeDef& def, std::span<const Array> leaves) {
  const std::vector<std::string> names = tensor_names(def);
  check_unique_names(path, def, names);
  const Fail fail = [&](const std::string& problem) { throw_file_error(kSaveOp, path, problem); };
  const json structure = encode_structure(def, leaves, names, fail);

  std::vector<TensorToWrite> tensors;
  tensors.reserve(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i) tensors.push_back({names[i], stored_form(leaves[i], names[i])});

  std::string structure_text;
  try {
    structure_text = structure.dump();
  } catch (const json::exception&) {
    throw_file_error(kSaveOp, path, "dict keys, struct names and static strings must be valid UTF-8");
  }
  std::map<std::string, std::string> metadata{{kTreeEntry, structure_text}, {kVersionEntry, kVersion}};
  AtomicFile file(path, kSaveOp);
  write_safetensors(file, tensors, metadata);
  file.commit();
}

LoadedCheckpoint load_checkpoint(const std::filesystem::path& path) {
  FileReader file(path, kLoadOp);
  const SafetensorsHeader header = read_safetensors_header(file);
  LoadedCheckpoint result;
  auto tree_entry = header.metadata.find(kTreeEntry);
  if (tree_entry == header.metadata.end()) {
    // A file from another tool: its tensors by name.
    tree::Tree::Dict tensors;
    for (const TensorEntry& tensor : header.tensors)
      tensors.emplace(tensor.name, finish_read(read_tensor(file, header, tensor)));
    result.tree = tree::Tree::dict(std::move(tensors));
    return result;
  }
  auto version = header.metadata.find(kVersionEntry);
  if (version != header.metadata.end() && version->second != kVersion) {
    file.fail(fmt::format("its tree structure has version '{}', which this jx cannot read (it reads {})",
                          version->second.substr(0, 20), kVersion));
  }
  json structure;
  try {
    structure = json::parse(tree_entry->second);
  } catch (const json::exception& e) {
    file.fail(fmt::format("its jx.tree metadata is not valid JSON: {}", e.what()));
  }
  result.tree = read_structured(file, header, structure);
  result.has_structure = true;
  result.structure = structure.dump();
  return result;
}

void check_structure(const std::filesystem::path& path, const LoadedCheckpoint& loaded, const tree::TreeDef& def,
                     std::span<const Array> leaves, const std::type_info& type) {
  if (!loaded.has_structure) return;
  const Fail fail = [&](const std::string& problem) { throw_file_error(kLoadOp, path, problem); };
  const json expected = without_type_names(encode_structure(def, leaves, tensor_names(def), fail));
  const json found = without_type_names(json::parse(loaded.structure));
  if (auto difference = first_difference(expected, found)) {
    throw_file_error(kLoadOp, path,
                     fmt::format("the file's tree does not match {}: at {}, {} has {} but the file has {}",
                                 tree::detail::demangle(type.name()), difference->path,
                                 tree::detail::demangle(type.name()), difference->expected, difference->found));
  }
}

void throw_conversion_failure(const std::filesystem::path& path, const std::type_info& type, const Error& cause) {
  throw_file_error(
      kLoadOp, path,
      fmt::format("the file's tree cannot be read as {}: {}", tree::detail::demangle(type.name()), cause.detail()));
}

}  // namespace detail

tree::Tree load(const std::filesystem::path& path, std::source_location loc) {
  CallSite site(loc);
  return detail::load_checkpoint(path).tree;
}

}  // namespace jx::io
