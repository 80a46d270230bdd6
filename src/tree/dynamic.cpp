#include "jx/tree/dynamic.h"

#include <fmt/format.h>

#include <ostream>

#include "jx/core/error.h"
#include "jx/tree/traits.h"

namespace jx::tree {
namespace {

std::string describe(const Tree& t) {
  if (t.is_none()) return "None";
  if (t.is_array()) return "an array";
  if (t.is_static()) return "a static value";
  if (t.is_list()) return "a list";
  return "a dict";
}

[[noreturn]] void wrong_kind(const char* wanted, const Tree& t) {
  throw TreeError("Tree", fmt::format("expected {}, but this node is {}", wanted, describe(t)));
}

}  // namespace

const Array& Tree::array() const {
  if (!is_array()) wrong_kind("an array", *this);
  return std::get<Array>(value_);
}
Array& Tree::array() {
  if (!is_array()) wrong_kind("an array", *this);
  return std::get<Array>(value_);
}
const StaticValue& Tree::static_leaf() const {
  if (!is_static()) wrong_kind("a static value", *this);
  return std::get<StaticValue>(value_);
}
const Tree::List& Tree::as_list() const {
  if (!is_list()) wrong_kind("a list", *this);
  return std::get<List>(value_);
}
Tree::List& Tree::as_list() {
  if (!is_list()) wrong_kind("a list", *this);
  return std::get<List>(value_);
}
const Tree::Dict& Tree::as_dict() const {
  if (!is_dict()) wrong_kind("a dict", *this);
  return std::get<Dict>(value_);
}
Tree::Dict& Tree::as_dict() {
  if (is_none()) value_ = Dict{};  // building: tree["a"]["b"] = x creates the dicts on the way
  if (!is_dict()) wrong_kind("a dict", *this);
  return std::get<Dict>(value_);
}

const Tree& Tree::operator[](const std::string& key) const {
  const Dict& dict = as_dict();
  auto it = dict.find(key);
  if (it == dict.end()) throw TreeError("Tree", fmt::format("no key '{}' in this dict", key));
  return it->second;
}
Tree& Tree::operator[](const std::string& key) { return as_dict()[key]; }

const Tree& Tree::operator[](std::size_t index) const {
  const List& list = as_list();
  if (index >= list.size())
    throw TreeError("Tree", fmt::format("index {} out of range for a list of {}", index, list.size()));
  return list[index];
}
Tree& Tree::operator[](std::size_t index) {
  List& list = as_list();
  if (index >= list.size())
    throw TreeError("Tree", fmt::format("index {} out of range for a list of {}", index, list.size()));
  return list[index];
}

bool Tree::contains(const std::string& key) const { return is_dict() && as_dict().count(key) > 0; }

std::size_t Tree::size() const {
  if (is_list()) return as_list().size();
  if (is_dict()) return as_dict().size();
  return 0;
}

std::string Tree::describe(bool values) const {
  if (is_none()) return "None";
  if (is_array()) return values ? jx::repr(array()) : array().type().to_string();
  if (is_static()) return static_leaf().to_string();
  std::string out;
  if (is_list()) {
    out = "[";
    for (std::size_t i = 0; i < as_list().size(); ++i) out += (i ? ", " : "") + as_list()[i].describe(values);
    return out + "]";
  }
  out = "{";
  bool first = true;
  for (const auto& [key, value] : as_dict()) {
    out += (first ? "'" : ", '") + key + "': " + value.describe(values);
    first = false;
  }
  return out + "}";
}

std::string Tree::to_string() const { return describe(false); }

std::string Tree::repr() const { return describe(true); }

std::ostream& operator<<(std::ostream& os, const Tree& tree) { return os << tree.repr(); }

void TreeTraits<Tree>::flatten(const Tree& t, detail::Flattener& f) {
  if (t.is_none()) {
    f.none();
  } else if (t.is_array()) {
    f.leaf(t.array());
  } else if (t.is_static()) {
    f.static_leaf(t.static_leaf());
  } else if (t.is_list()) {
    const std::size_t node = f.begin(NodeKind::list);
    for (const Tree& item : t.as_list()) flatten(item, f);
    f.end(node, t.size());
  } else {
    const std::size_t node = f.begin_dict(t.as_dict());
    for (const auto& entry : t.as_dict()) flatten(entry.second, f);
    f.end(node, t.size());
  }
}

}  // namespace jx::tree
