// src/io/tree_structure.h — a pytree's structure as JSON, for the "jx.tree" entry of a checkpoint.
//
// One JSON value per TreeDef node, in the same nesting:
//
//   {"array": "params.w"}                    an Array leaf: the name of its tensor (+ "weak": true)
//   {"key": "rng", "impl": "threefry2x32"}   a PRNG key leaf, stored as its uint32 key data
//   null                                     None (an empty std::optional)
//   {"static": "int", "value": 3}            a static leaf: its C++ type and value
//   {"tuple": [...]}, {"list": [...]}        std::tuple/pair/array, std::vector or a dynamic list
//   {"dict": {"key": ..., ...}}              std::map<std::string, T> or a dynamic dict
//   {"custom": "Params", "fields": ["w", "b"], "children": [...]}
//                                            a registered type (no fields: jx_pytree_flatten's one child)
//
// Tensor names are leaf paths joined with dots ("params.layers.0.w"; "value" for a lone leaf).
// Decoding trusts nothing: every node's form, the nesting depth, static types and values are checked,
// and the result lists the tensors the structure refers to so the caller can match them against the
// file's tensors before reading any data.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jx/core/array.h"
#include "jx/tree/dynamic.h"
#include "jx/tree/treedef.h"

namespace jx::io {

// The tensor name of each Array leaf of `def`, in flattening order.
std::vector<std::string> tensor_names(const tree::TreeDef& def);

// What the structure says about one leaf's tensor.
struct LeafEntry {
  std::string name;
  bool is_key = false;
  bool weak = false;
};

// Encodes `def`, whose leaves are `leaves` (named by `names`). `fail` throws (for static leaves of a
// type a file cannot rebuild).
using Fail = std::function<void(const std::string& problem)>;
nlohmann::json encode_structure(const tree::TreeDef& def, std::span<const Array> leaves,
                                std::span<const std::string> names, const Fail& fail);

// A checked, decoded structure: the leaves it refers to (in flattening order) and how to build the
// dynamic tree once their arrays are read.
class DecodedStructure {
 public:
  struct Node;
  DecodedStructure();
  ~DecodedStructure();
  DecodedStructure(DecodedStructure&&) noexcept;
  DecodedStructure& operator=(DecodedStructure&&) noexcept;

  const std::vector<LeafEntry>& leaves() const { return leaves_; }
  // The dynamic tree with leaf i taken from arrays[i] (structs become dicts of their fields).
  tree::Tree build(std::span<const Array> arrays) const;

 private:
  friend DecodedStructure decode_structure(const nlohmann::json& structure, const Fail& fail);
  std::unique_ptr<Node> root_;
  std::vector<LeafEntry> leaves_;
};

// `fail` must throw; it is called with a description of the first problem found.
DecodedStructure decode_structure(const nlohmann::json& structure, const Fail& fail);

// The structure with registered type names removed: what two structures must share to be "the same"
// for load<T> (a renamed C++ struct still loads its checkpoints).
nlohmann::json without_type_names(nlohmann::json structure);

// A short readable form of a structure node, for error messages: "dict with keys [a, b]".
std::string describe_node(const nlohmann::json& node);
// The path (tensor-name style) to the first node where two structures differ, and both nodes there;
// nullopt when they are equal.
struct StructureDifference {
  std::string path;
  std::string expected, found;
};
std::optional<StructureDifference> first_difference(const nlohmann::json& expected, const nlohmann::json& found);

}  // namespace jx::io
