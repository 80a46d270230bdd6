// jx/tree/dynamic.h — jx::tree::Tree, a pytree whose structure is known only at run time.
//
// Nested dicts and lists of arrays, as a module library or a checkpoint produces them. A Tree is a
// pytree like any other (flatten, map, jit and grad accept it), and converts to and from static types
// whose structure matches (struct fields <-> dict keys, tuples and vectors <-> lists).
//
//   jx::tree::Tree params = jx::tree::Tree::dict({{"linear", jx::tree::Tree::dict({{"w", w}, {"b", b}})}});
//   params["linear"]["w"].array();         // w
//   auto norms = jx::tree::map([](const jx::Array& x) { return jnp::sum(x * x).item<float>(); }, params);
//   norms["linear"]["w"].value<float>();  // a static leaf: a float, not an Array
//
// Trees may nest to any depth when built, copied and destroyed; flattening, rebuilding and printing one
// nested more than kMaxTreeDepth levels throws TreeError (those walks recurse, and the stack is finite).
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "jx/core/array.h"
#include "jx/tree/treedef.h"

namespace jx::tree {

// How deep a dynamic tree may nest for flatten, unflatten, printing and jit (see above).
inline constexpr int kMaxTreeDepth = 4096;

class Tree {
 public:
  using List = std::vector<Tree>;
  using Dict = std::map<std::string, Tree>;  // sorted keys, as JAX orders dict children

  Tree() = default;  // None
  // Copying and destroying walk the tree with a stack of their own, so any depth is fine.
  Tree(const Tree& other);
  Tree& operator=(const Tree& other);
  Tree(Tree&& other) noexcept;
  Tree& operator=(Tree&& other) noexcept;
  ~Tree();
  Tree(Array leaf) : value_(std::move(leaf)) {}  // NOLINT(google-explicit-constructor)
  static Tree none() { return Tree(); }
  static Tree list(List items) { return Tree(std::move(items)); }
  static Tree dict(Dict items) { return Tree(std::move(items)); }
  static Tree dict(std::initializer_list<std::pair<const std::string, Tree>> items) { return Tree(Dict(items)); }
  template <class T>
  static Tree static_value(const T& value) {
    return Tree(StaticValue(value));
  }
  static Tree from_static(StaticValue value) { return Tree(std::move(value)); }

  bool is_none() const { return std::holds_alternative<std::monostate>(value_); }
  bool is_array() const { return std::holds_alternative<Array>(value_); }
  bool is_static() const { return std::holds_alternative<StaticValue>(value_); }
  bool is_list() const { return std::holds_alternative<List>(value_); }
  bool is_dict() const { return std::holds_alternative<Dict>(value_); }

  const Array& array() const;
  Array& array();
  const StaticValue& static_leaf() const;
  template <class T>
  const T& value() const {
    return static_leaf().get<T>();
  }
  const List& as_list() const;
  List& as_list();
  const Dict& as_dict() const;
  Dict& as_dict();

  // Dict access: the const form throws TreeError for a missing key; the other inserts None, so
  // trees can be built as tree["layer"]["w"] = w.
  const Tree& operator[](const std::string& key) const;
  Tree& operator[](const std::string& key);
  const Tree& operator[](std::size_t index) const;
  Tree& operator[](std::size_t index);
  bool contains(const std::string& key) const;
  std::size_t size() const;  // children of a list or dict

  std::string to_string() const;  // the types: "{'b': f32[3], 'w': f32[2,3]}"
  // The values, as Python prints a list or dict of arrays (what `<<` writes):
  // "{'b': Array([0., 0., 0.], dtype=float32), 'w': ...}"
  std::string repr() const;

 private:
  std::string describe(bool values) const;  // to_string (types) or repr (values)
  explicit Tree(List items) : value_(std::move(items)) {}
  explicit Tree(Dict items) : value_(std::move(items)) {}
  explicit Tree(StaticValue value) : value_(std::move(value)) {}

  std::variant<std::monostate, Array, StaticValue, List, Dict> value_;
};

std::ostream& operator<<(std::ostream& os, const Tree& tree);

namespace detail {
// Counts one more level of a recursive walk over a dynamic tree on this thread; throws TreeError,
// naming `op`, past kMaxTreeDepth.
class TreeDepthGuard {
 public:
  explicit TreeDepthGuard(const char* op);
  ~TreeDepthGuard();
  TreeDepthGuard(const TreeDepthGuard&) = delete;
  TreeDepthGuard& operator=(const TreeDepthGuard&) = delete;
};
}  // namespace detail

}  // namespace jx::tree
