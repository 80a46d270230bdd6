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

thread_local int t_depth = 0;

// The children of a container tree, moved out into `pending` (the tree is left an empty container).
void move_children(Tree::List* list, Tree::Dict* dict, std::vector<Tree>& pending) {
  if (list) {
    for (Tree& child : *list) pending.push_back(std::move(child));
    list->clear();
  } else if (dict) {
    for (auto& entry : *dict) pending.push_back(std::move(entry.second));
    dict->clear();
  }
}

}  // namespace

namespace detail {
TreeDepthGuard::TreeDepthGuard(const char* op) {
  if (++t_depth > kMaxTreeDepth) {
    --t_depth;
    throw TreeError(op,
                    fmt::format("the tree nests more than {} levels deep (jx::tree::kMaxTreeDepth)", kMaxTreeDepth));
  }
}
TreeDepthGuard::~TreeDepthGuard() { --t_depth; }
}  // namespace detail

Tree::~Tree() {
  auto* list = std::get_if<List>(&value_);
  auto* dict = std::get_if<Dict>(&value_);
  if ((!list || list->empty()) && (!dict || dict->empty())) return;
  // Destroying children recursively would overflow the stack for deep trees: each child's own
  // children are moved out first, so every destructor that runs meets empty containers.
  std::vector<Tree> pending;
  move_children(list, dict, pending);
  while (!pending.empty()) {
    Tree child = std::move(pending.back());
    pending.pop_back();
    move_children(std::get_if<List>(&child.value_), std::get_if<Dict>(&child.value_), pending);
  }
}

Tree::Tree(const Tree& other) {
  // Node by node, with an explicit stack: containers are made with placeholder children that the
  // stack then fills, so copying a deep tree uses no deep recursion.
  std::vector<std::pair<Tree*, const Tree*>> stack{{this, &other}};
  while (!stack.empty()) {
    auto [to, from] = stack.back();
    stack.pop_back();
    if (const auto* list = std::get_if<List>(&from->value_)) {
      List& items = to->value_.emplace<List>(list->size());
      for (std::size_t i = 0; i < list->size(); ++i) stack.emplace_back(&items[i], &(*list)[i]);
    } else if (const auto* dict = std::get_if<Dict>(&from->value_)) {
      Dict& items = to->value_.emplace<Dict>();
      for (const auto& [key, value] : *dict) stack.emplace_back(&items[key], &value);
    } else {
      to->value_ = from->value_;  // a leaf: None, an array or a static value
    }
  }
}

Tree& Tree::operator=(const Tree& other) {
  if (this != &other) *this = Tree(other);
  return *this;
}

Tree::Tree(Tree&& other) noexcept : value_(std::move(other.value_)) {}

Tree& Tree::operator=(Tree&& other) noexcept {
  if (this != &other) {
    Tree old(std::move(*this));  // destroyed iteratively, after taking the new value
    value_ = std::move(other.value_);
  }
  return *this;
}

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
  const detail::TreeDepthGuard depth(values ? "Tree::repr" : "Tree::to_string");
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
  const detail::TreeDepthGuard depth("flatten");
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
