// jx/io/checkpoint.h — whole pytrees saved to and loaded from safetensors files.
//
// A checkpoint is a safetensors file (Hugging Face's format: an 8-byte little-endian header length, a
// JSON header giving each tensor's dtype, shape and byte range, then the raw little-endian data), so
// it opens in the Python `safetensors` package and in anything that reads the format. Each Array
// leaf is one tensor, named by its path with dots ("params.linear.w", "layers.0.b"); the tree's
// structure (containers, dict keys, struct fields, static leaves, which leaves are PRNG keys) is kept
// in the header's `__metadata__` under "jx.tree", so that `load<T>` can check the file against T and
// the dynamic `load` can rebuild nested dicts and lists.
//
//   struct TrainState { Params params; jx::Key key; jx::Array step; };
//   JX_PYTREE(TrainState, params, key, step);
//
//   jx::io::save("ckpt.safetensors", state);                    // atomic: old file or new, never torn
//   auto state = jx::io::load<TrainState>("ckpt.safetensors");  // IOError if the file is not one
//   jx::tree::Tree tree = jx::io::load("ckpt.safetensors");     // {'key': key<fry>[], 'params': {...}, ...}
//
// Saving writes a temporary file in the target's directory, fsyncs it, renames it over the target
// and fsyncs the directory: a process killed at any moment leaves the old checkpoint or the new one.
// A temporary file of a killed process (".NAME.tmp-HOST-PID-...") is left behind next to the target
// until the next save to it, which removes those whose writer no longer runs on this host.
//
// Loading checks everything before trusting it — the header length against the file size, every
// dtype, shape and byte range (in the file, not overlapping, covering the data exactly) and the tree
// structure — and throws jx::IOError naming the file and the problem; it never allocates more than
// the file's size. Arrays come back with the dtypes they were saved with, canonicalized as
// jnp.asarray does (float64 data becomes float32 unless config::enable_x64 is on), and keep their
// weak-type flag. Files written by other tools (no "jx.tree") load as a flat dict of their tensors.
//
// What can be saved: concrete arrays of every dtype (bool, int8..int64, uint8..uint64, float16,
// bfloat16, float32, float64) and PRNG keys (stored as their uint32 key data, marked as keys), in any
// tree; static leaves of type bool, a C++ integer or floating type, or std::string. Other static
// leaves (enums, user types) cannot be rebuilt from a file and make `save` throw IOError.
#pragma once

#include <filesystem>
#include <source_location>
#include <span>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/error.h"
#include "jx/tree.h"

namespace jx::io {

namespace detail {
// Writes the leaves and the structure `def` to `path` as a safetensors file, atomically.
void save_checkpoint(const std::filesystem::path& path, const tree::TreeDef& def, std::span<const Array> leaves);

struct LoadedCheckpoint {
  tree::Tree tree;        // the file's tree, dynamic (structs as dicts of their fields)
  bool has_structure{};   // whether the file holds jx's structure (a file jx wrote)
  std::string structure;  // that structure, canonical JSON (empty without one)
};
LoadedCheckpoint load_checkpoint(const std::filesystem::path& path);

// Throws IOError unless the structure of `value` (flattened to `def` and `leaves`) is the file's.
void check_structure(const std::filesystem::path& path, const LoadedCheckpoint& loaded, const tree::TreeDef& def,
                     std::span<const Array> leaves, const std::type_info& type);
// Rethrows a failure to convert the file's tree to `type` as an IOError naming the file.
[[noreturn]] void throw_conversion_failure(const std::filesystem::path& path, const std::type_info& type,
                                           const Error& cause);
}  // namespace detail

// Saves a pytree to `path` (conventionally NAME.safetensors), replacing any file there atomically.
template <tree::Pytree T>
void save(const std::filesystem::path& path, const T& tree,
          std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  auto [leaves, def] = tree::flatten(tree);
  detail::save_checkpoint(path, def, leaves);
}

// Loads a checkpoint as a dynamic tree: nested dicts and lists, keys as jx::Key arrays.
tree::Tree load(const std::filesystem::path& path, std::source_location loc = std::source_location::current());

// Loads a checkpoint saved from a T (or from a tree of the same structure), checking the structure.
template <tree::Pytree T>
T load(const std::filesystem::path& path, std::source_location loc = std::source_location::current()) {
  if constexpr (std::is_same_v<T, tree::Tree>) {
    return load(path, loc);
  } else {
    CallSite site(loc);
    detail::LoadedCheckpoint loaded = detail::load_checkpoint(path);
    T result = [&] {
      try {
        return tree::from_dynamic<T>(loaded.tree);
      } catch (const IOError&) {
        throw;
      } catch (const Error& e) {
        detail::throw_conversion_failure(path, typeid(T), e);
      }
    }();
    auto [leaves, def] = tree::flatten(result);
    detail::check_structure(path, loaded, def, leaves, typeid(T));
    return result;
  }
}

}  // namespace jx::io
