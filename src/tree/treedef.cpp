#include "jx/tree/treedef.h"

#include <cxxabi.h>
#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <ostream>

#include "jx/core/error.h"

namespace jx::tree {

// --- Building -----------------------------------------------------------------------------------

std::int32_t TreeDef::add_keys(const std::vector<std::string>& keys) {
  const auto first = static_cast<std::int32_t>(keys_.size());
  keys_.insert(keys_.end(), keys.begin(), keys.end());
  return first;
}

std::int32_t TreeDef::add_key(std::string key) {
  keys_.push_back(std::move(key));
  return static_cast<std::int32_t>(keys_.size() - 1);
}

std::int32_t TreeDef::add_static(StaticValue value) {
  statics_.push_back(std::move(value));
  return static_cast<std::int32_t>(statics_.size() - 1);
}

void TreeDef::clear() {
  nodes_.size = 0;
  keys_.clear();
  statics_.clear();
  hash_.valid = false;
}

std::size_t TreeDef::subtree_end(std::size_t first) const {
  std::size_t index = first + 1;
  for (std::uint32_t child = 0; child < nodes_.room[first].arity; ++child) index = subtree_end(index);
  return index;
}

void TreeDef::append_subtree(const TreeDef& other, std::size_t first) {
  const std::size_t end = other.subtree_end(first);
  for (std::size_t i = first; i < end; ++i) {
    Node node = other.nodes_.room[i];
    if (node.kind == NodeKind::static_leaf)
      node.static_index = add_static(other.statics_[static_cast<std::size_t>(node.static_index)]);
    if (node.kind == NodeKind::dict) {
      const auto from = other.keys_.begin() + node.keys_index;
      node.keys_index = add_keys(std::vector<std::string>(from, from + node.arity));
    }
    append(node);
  }
}

TreeDef TreeDef::compose(const TreeDef& inner) const {
  TreeDef result;
  for (std::size_t i = 0; i < nodes_.size; ++i) {
    Node node = nodes_.room[i];
    if (node.kind == NodeKind::leaf) {
      result.append_subtree(inner, 0);
      continue;
    }
    if (node.kind == NodeKind::static_leaf)
      node.static_index = result.add_static(statics_[static_cast<std::size_t>(node.static_index)]);
    if (node.kind == NodeKind::dict) {
      const auto from = keys_.begin() + node.keys_index;
      node.keys_index = result.add_keys(std::vector<std::string>(from, from + node.arity));
    }
    node.num_leaves = node.num_leaves * static_cast<std::uint32_t>(inner.num_leaves());
    result.append(node);
  }
  return result;
}

TreeDef TreeDef::tuple(std::span<const TreeDef> children) {
  TreeDef result;
  std::uint32_t leaves = 0;
  for (const TreeDef& child : children) leaves += static_cast<std::uint32_t>(child.num_leaves());
  result.append(Node{NodeKind::tuple, static_cast<std::uint32_t>(children.size()), leaves});
  for (const TreeDef& child : children) {
    if (child.num_nodes() == 0) throw TreeError("treedef_tuple", "a child structure is empty");
    result.append_subtree(child, 0);
  }
  return result;
}

TreeDef TreeDef::root_node() const {
  TreeDef result;
  if (nodes_.size == 0) return result;
  Node root = nodes_.room[0];
  if (root.arity == 0) {
    result.append_subtree(*this, 0);
    return result;
  }
  if (root.kind == NodeKind::dict) {
    const auto from = keys_.begin() + root.keys_index;
    root.keys_index = result.add_keys(std::vector<std::string>(from, from + root.arity));
  }
  root.num_leaves = 0;
  std::size_t index = 1;
  for (std::uint32_t child = 0; child < root.arity; ++child) {
    root.num_leaves += nodes_.room[index].kind == NodeKind::static_leaf ? 0 : 1;
    index = subtree_end(index);
  }
  result.append(root);
  index = 1;
  for (std::uint32_t child = 0; child < root.arity; ++child) {
    if (nodes_.room[index].kind == NodeKind::static_leaf)
      result.append_subtree(*this, index);
    else
      result.append(Node{NodeKind::leaf, 0, 1});
    index = subtree_end(index);
  }
  return result;
}

std::vector<TreeDef> TreeDef::children() const {
  std::vector<TreeDef> result;
  if (nodes_.size == 0) return result;
  std::size_t index = 1;
  for (std::uint32_t child = 0; child < nodes_.room[0].arity; ++child) {
    TreeDef def;
    def.append_subtree(*this, index);
    index = subtree_end(index);
    result.push_back(std::move(def));
  }
  return result;
}

// --- Comparing and hashing ---------------------------------------------------------------------

bool TreeDef::operator==(const TreeDef& other) const {
  if (nodes_.size != other.nodes_.size || keys_ != other.keys_ || statics_.size() != other.statics_.size())
    return false;
  if (hash_.valid && other.hash_.valid && hash_.value != other.hash_.value) return false;
  for (std::size_t i = 0; i < nodes_.size; ++i) {
    const Node& a = nodes_.room[i];
    const Node& b = other.nodes_.room[i];
    if (a.kind != b.kind || a.arity != b.arity || a.num_leaves != b.num_leaves || a.type != b.type) return false;
  }
  for (std::size_t i = 0; i < statics_.size(); ++i) {
    if (!(statics_[i] == other.statics_[i])) return false;
  }
  return true;
}

std::size_t TreeDef::hash() const {
  if (hash_.valid) return hash_.value;
  std::size_t h = nodes_.size;
  auto mix = [&](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
  for (const Node& node : nodes()) {
    mix(static_cast<std::size_t>(node.kind) * 131 + node.arity);
    mix(std::hash<const void*>{}(node.type));
  }
  for (const std::string& key : keys_) mix(std::hash<std::string>{}(key));
  for (const StaticValue& value : statics_) mix(value.hash());
  hash_.value = h;
  hash_.valid = true;
  return h;
}

// --- Printing ----------------------------------------------------------------------------------

namespace {

std::size_t print_node(const TreeDef& def, std::size_t index, std::string& out) {
  const Node& node = def.nodes()[index];
  std::size_t next = index + 1;
  auto children = [&](const char* open, const char* close, bool keys) {
    out += open;
    for (std::uint32_t i = 0; i < node.arity; ++i) {
      if (i) out += ", ";
      if (keys) out += "'" + def.keys()[static_cast<std::size_t>(node.keys_index) + i] + "': ";
      next = print_node(def, next, out);
    }
    if (node.kind == NodeKind::tuple && node.arity == 1) out += ",";
    out += close;
  };
  switch (node.kind) {
    case NodeKind::leaf:
      out += "*";
      break;
    case NodeKind::none:
      out += "None";
      break;
    case NodeKind::static_leaf:
      out += def.statics()[static_cast<std::size_t>(node.static_index)].to_string();
      break;
    case NodeKind::tuple:
      children("(", ")", false);
      break;
    case NodeKind::list:
      children("[", "]", false);
      break;
    case NodeKind::dict:
      children("{", "}", true);
      break;
    case NodeKind::custom: {
      out += "CustomNode(" + node.type->name + "[";
      for (std::size_t i = 0; i < node.type->fields.size(); ++i) out += (i ? ", " : "") + node.type->fields[i];
      out += "], ";
      children("[", "]", false);
      out += ")";
      break;
    }
  }
  return next;
}

}  // namespace

std::string TreeDef::to_string() const {
  std::string out = "PyTreeDef(";
  if (nodes_.size != 0) print_node(*this, 0, out);
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const TreeDef& def) { return os << def.to_string(); }

std::string PathEntry::to_string() const {
  switch (kind) {
    case Kind::field:
      return "." + name;
    case Kind::index:
      return "[" + std::to_string(index) + "]";
    case Kind::key:
      return "['" + name + "']";
  }
  return {};
}

std::string keystr(const KeyPath& path) {
  std::string out;
  for (const PathEntry& entry : path) out += entry.to_string();
  return out;
}

namespace detail {

std::string static_to_string(const std::string& v) { return "'" + v + "'"; }
std::string static_to_string(bool v) { return v ? "True" : "False"; }
std::string static_to_string(long long v) { return std::to_string(v); }
std::string static_to_string(unsigned long long v) { return std::to_string(v); }
std::string static_to_string(double v) {
  char buffer[32];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, v).ptr);
}

std::string demangle(const char* name) {
  int status = 0;
  char* readable = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string result = status == 0 && readable ? readable : name;
  std::free(readable);
  return result;
}

}  // namespace detail
}  // namespace jx::tree
