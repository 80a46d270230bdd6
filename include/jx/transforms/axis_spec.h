// jx/transforms/axis_spec.h — vmap's in_axes and out_axes: an axis per leaf, given as a pytree prefix.
//
// As in JAX, a spec is an axis (negative counts from the end), std::nullopt (not mapped: the value is
// shared by every example), or a container of specs matching the tree's top levels; a leaf of the
// spec applies to the whole subtree it covers.
//
//   jx::vmap(f, {.in_axes = 0})                                  // axis 0 of every leaf of every argument
//   jx::vmap(f, {.in_axes = {std::nullopt, 0, 0}})               // one entry per argument
//   jx::vmap(f, {.in_axes = {{0, std::nullopt}, 1}})             // the first argument is a pair (or struct)
//   jx::vmap(f, {.in_axes = {jx::AxisSpec::fields({{"weight", 0}, {"bias", std::nullopt}})}})
//
// A list matches a tuple, pair, std::array, vector or registered struct with as many children, in
// order; `fields` matches a std::map or a registered struct by name.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jx/tree/treedef.h"

namespace jx {

class AxisSpec {
 public:
  AxisSpec(int axis) : axis_(axis) {}                 // NOLINT(google-explicit-constructor)
  AxisSpec(std::nullopt_t /*unmapped*/) {}            // NOLINT(google-explicit-constructor)
  AxisSpec(std::optional<int> axis) : axis_(axis) {}  // NOLINT(google-explicit-constructor)
  AxisSpec(std::initializer_list<AxisSpec> children)  // NOLINT(google-explicit-constructor)
      : kind_(Kind::list), children_(children) {}
  static AxisSpec list(std::vector<AxisSpec> children);
  static AxisSpec fields(std::vector<std::pair<std::string, AxisSpec>> named);

  bool is_leaf() const { return kind_ == Kind::leaf; }
  std::optional<int> axis() const { return axis_; }  // for a leaf spec
  std::string to_string() const;                     // "0", "None", "(None, 0)", "{'w': 0}"

  // The spec of each of n positional arguments: this one for all, or this list's entries (ValueError
  // unless it has n).
  std::vector<AxisSpec> per_argument(std::size_t n, const char* what) const;
  // The axis of every array leaf of a tree of this structure, in flattening order. Throws ValueError,
  // naming `what` ("in_axes[0]", "out_axes") and where in the tree, when the spec is not a prefix of it.
  std::vector<std::optional<int>> axes_of_leaves(const tree::TreeDef& structure, const std::string& what) const;

 private:
  enum class Kind { leaf, list, fields };
  AxisSpec(Kind kind, std::vector<AxisSpec> children, std::vector<std::string> names)
      : kind_(kind), children_(std::move(children)), names_(std::move(names)) {}

  Kind kind_ = Kind::leaf;
  std::optional<int> axis_;
  std::vector<AxisSpec> children_;
  std::vector<std::string> names_;  // fields: the name of each child
};

}  // namespace jx
