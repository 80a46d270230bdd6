// Reading trees back from their structure, paths, and the structure-level operations.
#include "jx/tree.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <mutex>

#include "jx/core/error.h"

namespace jx::tree {
namespace detail {

// --- Reader ------------------------------------------------------------------------------------

namespace {
const char* kind_name(NodeKind kind) {
  switch (kind) {
    case NodeKind::leaf:
      return "an array leaf";
    case NodeKind::static_leaf:
      return "a static leaf";
    case NodeKind::none:
      return "None";
    case NodeKind::tuple:
      return "a tuple";
    case NodeKind::list:
      return "a list";
    case NodeKind::dict:
      return "a dict";
    case NodeKind::custom:
      return "a registered type";
  }
  return "a node";
}
}  // namespace

Flattener::Flattener(TreeDef& def, std::vector<Array>& leaves, Leaves mode)
    : def_(def), leaves_(leaves), mode_(mode), leaves_before_(leaves.size()), pointers_before_(0) {
  set_mode(mode);
  def_.hash_.valid = false;
  grow_nodes();
}

Flattener::Flattener(TreeDef& def, std::vector<Array>& held, std::vector<const Array*>& pointers, Leaves mode)
    : def_(def),
      leaves_(held),
      pointers_(&pointers),
      mode_(mode),
      leaves_before_(held.size()),
      pointers_before_(pointers.size()) {
  def_.hash_.valid = false;
  grow_nodes();
  grow_pointers();
}

// The TreeDef keeps its room across clear(), so this allocates only while a reused TreeDef grows.
void Flattener::grow_nodes() {
  TreeDef::Nodes& nodes = def_.nodes_;
  const std::size_t used = next_node_ ? static_cast<std::size_t>(next_node_ - nodes.room.data()) : nodes.size;
  if (used == nodes.room.size()) def_.make_room(used + 8);
  next_node_ = nodes.room.data() + used;
  nodes_end_ = nodes.room.data() + nodes.room.size();
}

namespace {
// Grows a vector written through cursors: keeps what is written, makes room for more, and moves the
// cursors to the new storage. Room already allocated is used first, but no more of it than the
// next few hundred elements: a buffer that once held a huge tree should not cost every later call.
template <class T>
void grow_room(std::vector<T>& v, std::size_t before, T*& first, T*& next, T*& end) {
  const std::size_t used = next ? static_cast<std::size_t>(next - v.data()) : before;
  v.resize(std::max({2 * used, used + 8, std::min(v.capacity(), used + 256)}));
  first = v.data() + before;
  next = v.data() + used;
  end = v.data() + v.size();
}
}  // namespace

// Room for leaves is made lazily: a jit call whose arguments are all borrowed never touches them.
void Flattener::grow_leaves() { grow_room(leaves_, leaves_before_, first_leaf_, next_leaf_, leaves_end_); }

void Flattener::grow_pointers() {
  grow_room(*pointers_, pointers_before_, first_pointer_, next_pointer_, pointers_end_);
}

void Flattener::finish() {
  if (finished_) return;
  finished_ = true;
  if (next_node_) def_.nodes_.size = static_cast<std::size_t>(next_node_ - def_.nodes_.room.data());
  def_.hash_.valid = false;
  const auto held = static_cast<std::size_t>(next_leaf_ - first_leaf_);
  if (next_leaf_) leaves_.resize(leaves_before_ + held);
  if (pointers_) {
    pointers_->resize(static_cast<std::size_t>(next_pointer_ - pointers_->data()));
    if (held == 0) return;
    std::size_t next = leaves_before_;
    for (std::size_t i = pointers_before_; i < pointers_->size(); ++i) {
      if (!(*pointers_)[i]) (*pointers_)[i] = &leaves_[next++];
    }
  }
}

const Node& Reader::peek() const {
  if (node_ >= def_.nodes().size())
    throw TreeError("unflatten", fmt::format("the structure {} ended early", def_.to_string()));
  return def_.nodes()[node_];
}

void Reader::throw_unexpected(NodeKind kind, const char* cpp_type) const {
  const Node& node = peek();  // throws if the structure ended early
  const std::string found =
      node.kind == NodeKind::custom ? "CustomNode(" + node.type->name + ")" : kind_name(node.kind);
  throw TreeError("unflatten", fmt::format("the C++ type expects {} ({}) at node {} of {}, but the structure has {}",
                                           kind_name(kind), demangle(cpp_type), node_, def_.to_string(), found));
}

void Reader::throw_too_few_leaves() const {
  throw TreeError("unflatten",
                  fmt::format("the structure {} has more leaves than the {} given", def_.to_string(), leaves_.size()));
}

void Reader::check_arity(const Node& node, std::size_t expected, const char* cpp_type) const {
  if (node.arity != expected) {
    throw TreeError("unflatten", fmt::format("{} needs {} children but the structure {} has {}", cpp_type, expected,
                                             def_.to_string(), node.arity));
  }
}

const Node& Reader::next() {
  const Node& node = peek();
  ++node_;
  return node;
}

const StaticValue& Reader::take_static(const std::type_info& type, const char* cpp_type) {
  const Node& node = expect(NodeKind::static_leaf, nullptr, cpp_type);
  const StaticValue& value = def_.statics()[static_cast<std::size_t>(node.static_index)];
  if (value.type() != type) {
    throw TreeError("unflatten", fmt::format("a static leaf of type {} cannot become a {}",
                                             demangle(value.type().name()), demangle(cpp_type)));
  }
  return value;
}

void Reader::check_done() const {
  if (!done()) {
    throw TreeError("unflatten",
                    fmt::format("the structure {} with {} leaves does not match the C++ type, or {} leaves were given",
                                def_.to_string(), def_.num_leaves(), leaves_.size()));
  }
}

// --- Registered types --------------------------------------------------------------------------

std::vector<std::string> split_field_names(const char* names) {
  std::vector<std::string> fields;
  std::string current;
  for (const char* c = names;; ++c) {
    if (*c == ',' || *c == '\0') {
      if (!current.empty()) fields.push_back(current);
      current.clear();
      if (*c == '\0') break;
    } else if (*c != ' ' && *c != '\t' && *c != '\n') {
      current += *c;
    }
  }
  return fields;
}

const NodeType& make_node_type(std::string name, std::vector<std::string> fields, const std::type_info& type) {
  // NodeTypes live for the whole process: TreeDefs point at them.
  static auto* registry = new std::deque<NodeType>();
  static auto* mutex = new std::mutex();
  std::lock_guard lock(*mutex);
  return registry->emplace_back(NodeType{std::move(name), std::move(fields), std::type_index(type)});
}

void throw_conversion_error(const char* expected, const Tree& got) {
  throw TreeError("from_dynamic", fmt::format("expected {} but found {}", demangle(expected), got.to_string()));
}

const Tree::List& list_of(const Tree& t, std::size_t size, const char* expected) {
  if (!t.is_list() || t.size() != size) throw_conversion_error(expected, t);
  return t.as_list();
}

// --- Dynamic rebuilding ------------------------------------------------------------------------

namespace {

Tree build(const TreeDef& def, std::size_t& node_index, std::vector<Tree>& leaves, std::size_t& leaf_index) {
  const Node& node = def.nodes()[node_index++];
  switch (node.kind) {
    case NodeKind::leaf:
      return std::move(leaves[leaf_index++]);
    case NodeKind::static_leaf:
      return Tree::from_static(def.statics()[static_cast<std::size_t>(node.static_index)]);
    case NodeKind::none:
      return Tree::none();
    case NodeKind::tuple:
    case NodeKind::list: {
      Tree::List items;
      for (std::uint32_t i = 0; i < node.arity; ++i) items.push_back(build(def, node_index, leaves, leaf_index));
      return Tree::list(std::move(items));
    }
    case NodeKind::dict: {
      Tree::Dict items;
      for (std::uint32_t i = 0; i < node.arity; ++i) {
        const std::string& key = def.keys()[static_cast<std::size_t>(node.keys_index) + i];
        items.emplace(key, build(def, node_index, leaves, leaf_index));
      }
      return Tree::dict(std::move(items));
    }
    case NodeKind::custom: {
      if (node.type->fields.empty()) return build(def, node_index, leaves, leaf_index);  // its children tree
      Tree::Dict items;
      for (std::uint32_t i = 0; i < node.arity; ++i)
        items.emplace(node.type->fields[i], build(def, node_index, leaves, leaf_index));
      return Tree::dict(std::move(items));
    }
  }
  return Tree::none();
}

void collect_paths(const TreeDef& def, std::size_t& node_index, KeyPath& path, std::vector<KeyPath>& out) {
  const Node& node = def.nodes()[node_index++];
  auto descend = [&](PathEntry entry) {
    path.push_back(std::move(entry));
    collect_paths(def, node_index, path, out);
    path.pop_back();
  };
  switch (node.kind) {
    case NodeKind::leaf:
      out.push_back(path);
      break;
    case NodeKind::static_leaf:
    case NodeKind::none:
      break;
    case NodeKind::tuple:
    case NodeKind::list:
      for (std::uint32_t i = 0; i < node.arity; ++i) descend({PathEntry::Kind::index, {}, i});
      break;
    case NodeKind::dict:
      for (std::uint32_t i = 0; i < node.arity; ++i)
        descend({PathEntry::Kind::key, def.keys()[static_cast<std::size_t>(node.keys_index) + i], 0});
      break;
    case NodeKind::custom:
      if (node.type->fields.empty()) {
        collect_paths(def, node_index, path, out);
      } else {
        for (std::uint32_t i = 0; i < node.arity; ++i) descend({PathEntry::Kind::field, node.type->fields[i], 0});
      }
      break;
  }
}

// The path to the first node where two structures differ, or "" if they agree.
bool first_difference(const TreeDef& a, std::size_t& ia, const TreeDef& b, std::size_t& ib, KeyPath& path) {
  const Node& na = a.nodes()[ia++];
  const Node& nb = b.nodes()[ib++];
  if (na.kind != nb.kind || na.arity != nb.arity || na.type != nb.type) return true;
  if (na.kind == NodeKind::static_leaf && !(a.statics()[static_cast<std::size_t>(na.static_index)] ==
                                            b.statics()[static_cast<std::size_t>(nb.static_index)])) {
    return true;
  }
  for (std::uint32_t i = 0; i < na.arity; ++i) {
    if (na.kind == NodeKind::dict) {
      const std::string& ka = a.keys()[static_cast<std::size_t>(na.keys_index) + i];
      if (ka != b.keys()[static_cast<std::size_t>(nb.keys_index) + i]) return true;
      path.push_back({PathEntry::Kind::key, ka, 0});
    } else if (na.kind == NodeKind::custom && !na.type->fields.empty()) {
      path.push_back({PathEntry::Kind::field, na.type->fields[i], 0});
    } else {
      path.push_back({PathEntry::Kind::index, {}, i});
    }
    if (first_difference(a, ia, b, ib, path)) return true;
    path.pop_back();
  }
  return false;
}

}  // namespace

Tree build_dynamic(const TreeDef& def, std::vector<Tree> leaves) {
  if (def.num_nodes() == 0) return Tree::none();
  std::size_t node_index = 0, leaf_index = 0;
  return build(def, node_index, leaves, leaf_index);
}

void throw_structure_mismatch(const char* op, const TreeDef& a, const TreeDef& b) {
  KeyPath path;
  std::size_t ia = 0, ib = 0;
  const bool differs = a.num_nodes() && b.num_nodes() && first_difference(a, ia, b, ib, path);
  const std::string where = differs ? (path.empty() ? "at the root" : "at " + keystr(path)) : "";
  throw TreeError(op, fmt::format("trees have different structures: {} and {}; first difference {}", a.to_string(),
                                  b.to_string(), where.empty() ? "in their leaf counts" : where));
}

Tree transpose_leaves(const TreeDef& outer, const TreeDef& inner, const TreeDef& def, std::span<const Array> leaves) {
  const TreeDef expected = outer.compose(inner);
  if (!(def == expected)) throw_structure_mismatch("tree::transpose", expected, def);
  const std::size_t n_outer = outer.num_leaves(), n_inner = inner.num_leaves();
  std::vector<Tree> reordered(leaves.size());
  for (std::size_t i = 0; i < n_outer; ++i) {
    for (std::size_t j = 0; j < n_inner; ++j) reordered[j * n_outer + i] = Tree(leaves[i * n_inner + j]);
  }
  return build_dynamic(inner.compose(outer), std::move(reordered));
}

}  // namespace detail

Tree TreeTraits<Tree>::unflatten(detail::Reader& r) {
  const detail::TreeDepthGuard depth("unflatten");
  // Any structure reads as a dynamic tree: tuples become lists, registered structs dicts of fields.
  if (r.peek().kind == NodeKind::leaf) return Tree(r.take_leaf());
  const Node& node = r.next();
  switch (node.kind) {
    case NodeKind::static_leaf:
      return Tree::from_static(r.static_of(node));
    case NodeKind::tuple:
    case NodeKind::list: {
      Tree::List items;
      for (std::uint32_t i = 0; i < node.arity; ++i) items.push_back(unflatten(r));
      return Tree::list(std::move(items));
    }
    case NodeKind::dict: {
      Tree::Dict items;
      for (std::uint32_t i = 0; i < node.arity; ++i) items.emplace(r.key(node, i), unflatten(r));
      return Tree::dict(std::move(items));
    }
    case NodeKind::custom: {
      if (node.type->fields.empty()) return unflatten(r);
      Tree::Dict items;
      for (std::uint32_t i = 0; i < node.arity; ++i) items.emplace(node.type->fields[i], unflatten(r));
      return Tree::dict(std::move(items));
    }
    default:
      return Tree::none();
  }
}

Tree unflatten(const TreeDef& def, std::span<const Array> leaves) {
  if (leaves.size() != def.num_leaves()) {
    throw TreeError("unflatten", fmt::format("the structure {} has {} leaves but {} were given", def.to_string(),
                                             def.num_leaves(), leaves.size()));
  }
  std::vector<Tree> values(leaves.begin(), leaves.end());
  return detail::build_dynamic(def, std::move(values));
}

std::vector<KeyPath> leaf_paths(const TreeDef& def) {
  std::vector<KeyPath> out;
  if (def.num_nodes() == 0) return out;
  KeyPath path;
  std::size_t node_index = 0;
  detail::collect_paths(def, node_index, path, out);
  return out;
}

}  // namespace jx::tree
