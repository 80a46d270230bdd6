// The structure-level helpers of jx/tree.h: broadcasting a prefix, pairwise reduction, one level of
// flattening, and the leaf tests.
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/tree.h"

namespace jx::tree {

namespace detail {
namespace {

std::size_t count_array_leaves(const TreeDef& def, std::size_t first, std::size_t end) {
  std::size_t n = 0;
  for (std::size_t i = first; i < end; ++i) n += def.nodes()[i].kind == NodeKind::leaf ? 1 : 0;
  return n;
}

[[noreturn]] void throw_not_a_prefix(const TreeDef& prefix, const TreeDef& full, const KeyPath& path) {
  throw TreeError("tree::broadcast",
                  fmt::format("{} is not a prefix of {}: they differ {}", prefix.to_string(), full.to_string(),
                              path.empty() ? "at the root" : "at " + keystr(path)));
}

struct PrefixWalk {
  const TreeDef& prefix;
  const TreeDef& full;
  std::size_t prefix_node = 0, full_node = 0, prefix_leaf = 0;
  std::vector<std::size_t> indices;
  KeyPath path;

  void walk() {
    const Node& p = prefix.nodes()[prefix_node];
    const Node& f = full.nodes()[full_node];
    const std::size_t full_end = full.subtree_end(full_node);
    if (p.kind == NodeKind::leaf) {
      indices.insert(indices.end(), count_array_leaves(full, full_node, full_end), prefix_leaf++);
      ++prefix_node;
      full_node = full_end;
      return;
    }
    if (p.kind == NodeKind::static_leaf || p.kind == NodeKind::none) {
      // Covers a subtree only if it has no arrays to fill.
      if (count_array_leaves(full, full_node, full_end) != 0) throw_not_a_prefix(prefix, full, path);
      ++prefix_node;
      full_node = full_end;
      return;
    }
    const bool same = p.kind == f.kind && p.arity == f.arity && p.type == f.type;
    if (!same) throw_not_a_prefix(prefix, full, path);
    ++prefix_node;
    ++full_node;
    for (std::uint32_t i = 0; i < p.arity; ++i) {
      if (p.kind == NodeKind::dict) {
        const std::string& key = prefix.keys()[static_cast<std::size_t>(p.keys_index) + i];
        if (key != full.keys()[static_cast<std::size_t>(f.keys_index) + i]) throw_not_a_prefix(prefix, full, path);
        path.push_back({PathEntry::Kind::key, key, 0});
      } else if (p.kind == NodeKind::custom && !p.type->fields.empty()) {
        path.push_back({PathEntry::Kind::field, p.type->fields[i], 0});
      } else {
        path.push_back({PathEntry::Kind::index, {}, i});
      }
      walk();
      path.pop_back();
    }
  }
};

}  // namespace

std::vector<std::size_t> broadcast_leaf_indices(const TreeDef& prefix, const TreeDef& full) {
  if (prefix.num_nodes() == 0 || full.num_nodes() == 0) {
    if (full.num_leaves() == 0) return {};
    throw TreeError("tree::broadcast", "the prefix tree is empty");
  }
  PrefixWalk walk{prefix, full, 0, 0, 0, {}, {}};
  walk.walk();
  return std::move(walk.indices);
}

Array reduce_pairwise(const std::function<Array(const Array&, const Array&)>& op, std::vector<Array> leaves,
                      const std::optional<Array>& identity) {
  if (leaves.empty()) {
    if (identity) return *identity;
    throw ValueError("tree::reduce_associative", "the tree has no leaves; pass an identity to reduce an empty tree");
  }
  while (leaves.size() > 1) {
    std::vector<Array> next;
    for (std::size_t i = 0; i + 1 < leaves.size(); i += 2) next.push_back(op(leaves[i], leaves[i + 1]));
    if (leaves.size() % 2 == 1) next.push_back(std::move(leaves.back()));
    leaves = std::move(next);
  }
  return std::move(leaves[0]);
}

OneLevel flatten_one_level(const TreeDef& def, std::span<const Array> leaves) {
  if (def.num_nodes() == 0 || def.nodes()[0].kind == NodeKind::leaf || def.nodes()[0].kind == NodeKind::static_leaf) {
    throw ValueError("tree::flatten_one_level",
                     fmt::format("{} is a leaf, not a tree node; it has no level to flatten", def.to_string()));
  }
  const Node& root = def.nodes()[0];
  OneLevel level;
  level.node = def.root_node();
  std::size_t offset = 0;
  const std::vector<TreeDef> children = def.children();
  for (std::size_t i = 0; i < children.size(); ++i) {
    const TreeDef& child = children[i];
    if (child.nodes()[0].kind == NodeKind::static_leaf) continue;  // part of the node
    const std::size_t n = child.num_leaves();
    level.children.push_back(unflatten(child, leaves.subspan(offset, n)));
    offset += n;
    if (root.kind == NodeKind::dict) {
      level.keys.push_back({PathEntry::Kind::key, def.keys()[static_cast<std::size_t>(root.keys_index) + i], 0});
    } else if (root.kind == NodeKind::custom && !root.type->fields.empty()) {
      level.keys.push_back({PathEntry::Kind::field, root.type->fields[i], 0});
    } else {
      level.keys.push_back({PathEntry::Kind::index, {}, i});
    }
  }
  return level;
}

}  // namespace detail

bool all_leaves(std::span<const Tree> trees) {
  for (const Tree& tree : trees) {
    if (is_tree_node(tree)) return false;
  }
  return true;
}

bool is_tree_node(const Tree& tree) { return !(tree.is_array() || tree.is_static()); }

// --- is_leaf over dynamic trees ------------------------------------------------------------------

namespace {

bool is_leaf_here(const Tree& node, const IsLeaf& is_leaf) {
  return (is_leaf.predicate && is_leaf.predicate(node)) || node.is_array();
}

void collect_leaves(const Tree& node, const IsLeaf& is_leaf, std::vector<Tree>& out) {
  if (is_leaf_here(node, is_leaf)) {
    out.push_back(node);
    return;
  }
  const detail::TreeDepthGuard depth("tree::leaves");
  if (node.is_list()) {
    for (const Tree& child : node.as_list()) collect_leaves(child, is_leaf, out);
  } else if (node.is_dict()) {
    for (const auto& [key, child] : node.as_dict()) collect_leaves(child, is_leaf, out);
  }
}

}  // namespace

std::vector<Tree> leaves(const Tree& tree, const IsLeaf& is_leaf) {
  std::vector<Tree> out;
  collect_leaves(tree, is_leaf, out);
  return out;
}

namespace detail {

Tree map_with_is_leaf(const std::function<Tree(const Tree&)>& f, const Tree& tree, const IsLeaf& is_leaf) {
  if (is_leaf_here(tree, is_leaf)) return f(tree);
  const TreeDepthGuard depth("tree::map");
  if (tree.is_list()) {
    Tree::List mapped;
    for (const Tree& child : tree.as_list()) mapped.push_back(map_with_is_leaf(f, child, is_leaf));
    return Tree::list(std::move(mapped));
  }
  if (tree.is_dict()) {
    Tree::Dict mapped;
    for (const auto& [key, child] : tree.as_dict()) mapped.emplace(key, map_with_is_leaf(f, child, is_leaf));
    return Tree::dict(std::move(mapped));
  }
  return tree;  // None and static values are kept as they are
}

}  // namespace detail
}  // namespace jx::tree
