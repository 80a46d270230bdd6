// jx/tree.h — jx::tree, operations over pytrees (jax.tree_util / jax.tree).
//
// A pytree is any nesting of arrays in the containers and registered types of jx/tree/traits.h. The
// transformations (jit, grad, vmap) and the state libraries take and return pytrees; these
// functions are how user code works with them.
//
//   struct Params { jx::Array weight, bias; };
//   JX_PYTREE(Params, weight, bias);
//
//   auto [leaves, def] = jx::tree::flatten(params);             // {weight, bias}, PyTreeDef(...)
//   Params back = jx::tree::unflatten<Params>(def, leaves);
//   auto [taken, same] = jx::tree::flatten(std::move(params));  // an rvalue's leaves are moved out
//   Params scaled = jx::tree::map([](const jx::Array& p, const jx::Array& g) { return p - 0.1f * g; },
//                                 params, grads);
//   jx::tree::map_with_path([](const jx::tree::KeyPath& path, const jx::Array& x) {
//     std::cout << jx::tree::keystr(path) << "\n";               // ".weight", ".bias"
//     return x;
//   }, params);
//   Params same = jx::tree::broadcast(std::tuple{lr}, params_like);  // a prefix's leaves spread out
//   jx::Array total = jx::tree::reduce_associative(jnp::add, norms);  // pairwise, log depth
//   auto [children, node] = jx::tree::flatten_one_level(params);     // {weight, bias} as dynamic trees
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/caller_location.h"
#include "jx/core/error.h"
#include "jx/tree/dynamic.h"
#include "jx/tree/holds_arrays.h"
#include "jx/tree/traits.h"
#include "jx/tree/treedef.h"

namespace jx::tree {

namespace detail {
// Throws TreeError for trees of different structure, showing both and the first differing path.
[[noreturn]] void throw_structure_mismatch(const char* op, const TreeDef& a, const TreeDef& b);
// A dynamic tree of `def`'s structure whose leaves are the given trees.
Tree build_dynamic(const TreeDef& def, std::vector<Tree> leaves);
template <class T>
Tree as_dynamic_leaf(T&& value) {
  using V = std::remove_cvref_t<T>;
  if constexpr (std::is_convertible_v<V, Array> && !std::is_arithmetic_v<V>)
    return Tree(Array(std::forward<T>(value)));
  else if constexpr (Pytree<V>)
    return TreeTraits<V>::to_tree(value);
  else
    return Tree::static_value(value);
}
}  // namespace detail

// Appends a tree's leaves and structure (the jit call path reuses the buffers).
template <Pytree T>
void flatten_into(const T& tree, TreeDef& def, std::vector<Array>& leaves) {
  detail::Flattener f(def, leaves);
  TreeTraits<std::remove_cvref_t<T>>::flatten(tree, f);
  f.finish();
}
// The same for a tree given up (`std::move(params)`): its leaves are moved out, not copied, which
// saves two atomic reference-count updates per leaf. The tree is left with empty arrays. (A tree of
// references or const arrays, such as std::tie(w, b), is copied: see gives_up_leaves.)
template <Pytree T>
requires gives_up_leaves<T>
void flatten_into(T&& tree, TreeDef& def, std::vector<Array>& leaves) {
  detail::Flattener f(def, leaves, detail::Flattener::Leaves::move);
  TreeTraits<std::remove_cvref_t<T>>::flatten(tree, f);
  f.finish();
}

template <Pytree T>
std::pair<std::vector<Array>, TreeDef> flatten(T&& tree) {
  std::pair<std::vector<Array>, TreeDef> result;
  flatten_into(std::forward<T>(tree), result.second, result.first);
  return result;
}

template <Pytree T>
std::vector<Array> leaves(T&& tree) {  // moved out of an rvalue, as flatten does
  return flatten(std::forward<T>(tree)).first;
}

template <Pytree T>
TreeDef structure(const T& tree) {
  return flatten(tree).second;
}

// Rebuilds a T from its structure and leaves; TreeError if the structure is not T's.
template <Pytree T>
std::remove_cvref_t<T> unflatten(const TreeDef& def, std::span<const Array> leaves,
                                 std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  detail::Reader reader(def, leaves);
  auto result = TreeTraits<std::remove_cvref_t<T>>::unflatten(reader);
  reader.check_done();
  return result;
}
// The same, moving the leaves out of `leaves` (no reference-count traffic: what jit does with the
// arrays its program returned).
template <Pytree T>
std::remove_cvref_t<T> unflatten_moving(const TreeDef& def, std::span<Array> leaves) {
  detail::Reader reader(def, leaves);
  auto result = TreeTraits<std::remove_cvref_t<T>>::unflatten(reader);
  reader.check_done();
  return result;
}
template <Pytree T>
std::remove_cvref_t<T> unflatten(const TreeDef& def, std::initializer_list<Array> leaves,
                                 std::source_location loc = std::source_location::current()) {
  return unflatten<T>(def, std::span<const Array>(leaves.begin(), leaves.size()), loc);
}
// Without a type: a dynamic tree (registered structs become dicts of their fields).
Tree unflatten(const TreeDef& def, std::span<const Array> leaves);

// The path of every Array leaf, in flattening order.
std::vector<KeyPath> leaf_paths(const TreeDef& def);

template <Pytree T>
std::vector<std::pair<KeyPath, Array>> leaves_with_path(const T& tree) {
  auto [values, def] = flatten(tree);
  std::vector<KeyPath> paths = leaf_paths(def);
  std::vector<std::pair<KeyPath, Array>> result;
  for (std::size_t i = 0; i < values.size(); ++i) result.emplace_back(std::move(paths[i]), std::move(values[i]));
  return result;
}

namespace detail {
template <class>
using ArrayRef = const Array&;

template <bool WithPath, class F, class T, class... Rest>
auto map_impl([[maybe_unused]] const char* op, F&& f, const T& tree, const Rest&... rest) {
  auto [first, def] = flatten(tree);
  std::vector<std::vector<Array>> others;
  (
      [&] {
        auto [values, other_def] = flatten(rest);
        if (!(other_def == def)) throw_structure_mismatch(op, def, other_def);
        others.push_back(std::move(values));
      }(),
      ...);
  std::vector<KeyPath> paths;
  if constexpr (WithPath) paths = leaf_paths(def);
  auto call = [&](std::size_t i) -> decltype(auto) {
    return [&]<std::size_t... J>(std::index_sequence<J...>)->decltype(auto) {
      if constexpr (WithPath)
        return f(paths[i], first[i], others[J][i]...);
      else
        return f(first[i], others[J][i]...);
    }
    (std::index_sequence_for<Rest...>{});
  };
  using R = std::remove_cvref_t<decltype(call(0))>;
  if constexpr (std::is_convertible_v<R, Array> && !std::is_arithmetic_v<R>) {
    std::vector<Array> results;
    results.reserve(first.size());
    for (std::size_t i = 0; i < first.size(); ++i) results.push_back(Array(call(i)));
    return unflatten<T>(def, results);
  } else {
    static_assert(std::is_same_v<T, Tree>,
                  "jx::tree::map over a statically typed tree must return jx::Array for every leaf; to map to "
                  "other values, map a dynamic tree (jx::tree::to_dynamic(tree))");
    std::vector<Tree> results;
    for (std::size_t i = 0; i < first.size(); ++i) results.push_back(as_dynamic_leaf(call(i)));
    return build_dynamic(def, std::move(results));
  }
}

Tree transpose_leaves(const TreeDef& outer, const TreeDef& inner, const TreeDef& def, std::span<const Array> leaves);
}  // namespace detail

namespace detail {
// map and map_with_path: numbers in containers are leaves too when f takes arrays (as JAX's tree_map
// calls f on them); a tree that offers f no leaf at all does not compile.
template <bool WithPath, class F, class T, class... Rest>
auto map_leaves(const char* op, std::source_location where, F& f, const T& tree, const Rest&... rest) {
  constexpr bool takes_arrays = WithPath ? std::is_invocable_v<F&, const KeyPath&, const Array&, ArrayRef<Rest>...>
                                         : std::is_invocable_v<F&, const Array&, ArrayRef<Rest>...>;
  constexpr bool has_numbers = has_number_leaves<T> || (has_number_leaves<Rest> || ...);
  static_assert(can_hold_arrays<T> || (takes_arrays && has_numbers),
                "jx::tree::map: the tree has no leaf the function can take (its leaves are jx::Array values, and "
                "numbers in containers when the function takes a jx::Array)");
  CallSite site(where);
  if constexpr (takes_arrays && has_numbers)
    return map_impl<WithPath>(op, f, numbers_as_arrays(tree), numbers_as_arrays(rest)...);
  else
    return map_impl<WithPath>(op, f, tree, rest...);
}
}  // namespace detail

// JAX's is_leaf= for a dynamic tree: the subtrees the predicate accepts are leaves, taken whole, as
// are arrays; None and static values are not leaves unless accepted.
//
//   auto nones = jx::tree::leaves(Tree::list({Tree(), Tree(), Tree()}),
//                                 jx::tree::IsLeaf{[](const Tree& x) { return x.is_none(); }});  // 3 Nones
struct IsLeaf {
  std::function<bool(const Tree&)> predicate;
};
std::vector<Tree> leaves(const Tree& tree, const IsLeaf& is_leaf);
namespace detail {
Tree map_with_is_leaf(const std::function<Tree(const Tree&)>& f, const Tree& tree, const IsLeaf& is_leaf);
}

// jx::tree::map(f, tree, rest...): f applied to corresponding leaves of trees of the same structure.
// The result has the first tree's type (f returns Arrays), or, for a dynamic tree, whatever f returns
// at each leaf. Numbers in containers are leaves when f takes arrays: map(f, std::vector<int>{1, 2})
// returns a std::vector<jx::Array>; a registered struct's numeric fields stay static.
inline constexpr struct map_function : jx::detail::CallWithLocation<map_function> {
  template <class F, Pytree T, Pytree... Rest>
  auto invoke(std::source_location where, F&& f, const T& tree, const Rest&... rest) const {
    return detail::map_leaves<false>("tree::map", where, f, tree, rest...);
  }
  // map(f, tree, IsLeaf{...}) over a dynamic tree: f takes each leaf (see IsLeaf) as a Tree and
  // returns what stands in its place.
  template <class F>
  requires std::is_invocable_v<const F&, const Tree&> Tree invoke(std::source_location where, const F& f,
                                                                  const Tree& tree, const IsLeaf& is_leaf)
  const {
    CallSite site(where);
    return detail::map_with_is_leaf([&f](const Tree& leaf) { return detail::as_dynamic_leaf(f(leaf)); }, tree, is_leaf);
  }
} map{};

// As map, with each leaf's path as f's first argument.
inline constexpr struct map_with_path_function : jx::detail::CallWithLocation<map_with_path_function> {
  template <class F, Pytree T, Pytree... Rest>
  auto invoke(std::source_location where, F&& f, const T& tree, const Rest&... rest) const {
    return detail::map_leaves<true>("tree::map_with_path", where, f, tree, rest...);
  }
} map_with_path{};

// Folds f over the leaves, left to right: f(f(initial, leaf0), leaf1) ...
template <class F, Pytree T, class Accumulator>
Accumulator reduce(F&& f, const T& tree, Accumulator initial,
                   std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  for (const Array& leaf : leaves(tree)) initial = f(std::move(initial), leaf);
  return initial;
}

// Whether every leaf is true (each must be a concrete one-element array).
template <Pytree T>
bool all(const T& tree, std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  for (const Array& leaf : leaves(tree)) {
    if (!static_cast<bool>(leaf)) return false;
  }
  return true;
}

// Converts a static tree to a dynamic one (structs become dicts of their fields) and back.
template <Pytree T>
Tree to_dynamic(const T& tree) {
  return TreeTraits<T>::to_tree(tree);
}
template <Pytree T>
T from_dynamic(const Tree& tree, std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  return TreeTraits<T>::from_tree(tree);
}

// A tree of `outer` structure whose leaves are trees of `inner` structure, turned inside out: the
// result has `inner` structure with `outer`-structured trees at its leaves (as jax.tree.transpose).
template <Pytree T>
Tree transpose(const TreeDef& outer, const TreeDef& inner, const T& tree,
               std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  auto [values, def] = flatten(tree);
  return detail::transpose_leaves(outer, inner, def, values);
}

// --- Structure-level helpers (the rest of jax.tree / jax.tree_util) ----------------------------------

// The leaves with their paths, and the structure (jax.tree.flatten_with_path).
template <Pytree T>
std::pair<std::vector<std::pair<KeyPath, Array>>, TreeDef> flatten_with_path(const T& tree) {
  auto [values, def] = flatten(tree);
  std::vector<KeyPath> paths = leaf_paths(def);
  std::vector<std::pair<KeyPath, Array>> leaves;
  for (std::size_t i = 0; i < values.size(); ++i) leaves.emplace_back(std::move(paths[i]), std::move(values[i]));
  return {std::move(leaves), std::move(def)};
}

namespace detail {
// For each leaf of `full`, the index of the leaf of `prefix` whose subtree covers it; TreeError when
// `prefix` is not a prefix of `full`.
std::vector<std::size_t> broadcast_leaf_indices(const TreeDef& prefix, const TreeDef& full);
Array reduce_pairwise(const std::function<Array(const Array&, const Array&)>& op, std::vector<Array> leaves,
                      const std::optional<Array>& identity);
struct OneLevel {
  std::vector<Tree> children;  // the root's children (static leaves, part of the node, excluded)
  std::vector<PathEntry> keys;
  TreeDef node;  // the root with those children as leaves
};
OneLevel flatten_one_level(const TreeDef& def, std::span<const Array> leaves);
}  // namespace detail

// A tree of `full`'s structure whose leaves are `prefix`'s, each repeated over the subtree it covers
// (jax.tree.broadcast): broadcast(std::tuple{a, b}, std::tuple{x, Params{w, v}}) gives (a, Params{b, b}).
template <Pytree P, Pytree T>
std::remove_cvref_t<T> broadcast(const P& prefix, const T& full,
                                 std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  const auto [prefix_leaves, prefix_def] = flatten(prefix);
  const TreeDef full_def = structure(full);
  std::vector<Array> leaves;
  for (std::size_t index : detail::broadcast_leaf_indices(prefix_def, full_def)) leaves.push_back(prefix_leaves[index]);
  return unflatten<T>(full_def, leaves);
}

// Reduces the leaves with an associative operation in a balanced tree of calls (logarithmic depth, as
// jax.tree.reduce_associative): op(op(l0, l1), op(l2, l3)) ... A tree without leaves gives `identity`,
// or ValueError when none is given.
template <class F, Pytree T>
Array reduce_associative(F&& op, const T& tree, std::optional<Array> identity = std::nullopt,
                         std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  const std::function<Array(const Array&, const Array&)> binary = [&](const Array& a, const Array& b) {
    return Array(op(a, b));
  };
  return detail::reduce_pairwise(binary, leaves(tree), identity);
}

// Whether every tree given is a leaf: an array or a static value (jax.tree_util.all_leaves).
bool all_leaves(std::span<const Tree> trees);
// Whether a value is a pytree node rather than a leaf (jax.tree_util.is_tree_node): containers, None
// and registered structs are nodes; arrays and static values are leaves.
bool is_tree_node(const Tree& tree);
template <Pytree T>
constexpr bool is_tree_node_type() {
  return !std::is_convertible_v<T, Array> && can_hold_arrays<T>;
}
// Whether a structure is a single leaf (or None): jax.tree_util.treedef_is_leaf.
inline bool treedef_is_leaf(const TreeDef& def) { return def.num_nodes() == 1; }
// A tuple of these structures (jax.tree_util.treedef_tuple).
inline TreeDef treedef_tuple(std::span<const TreeDef> children) { return TreeDef::tuple(children); }

// The root's children, as dynamic trees, and the root node with a leaf for each child
// (jax.tree_util.flatten_one_level); ValueError for a leaf. unflatten(node, children) rebuilds it.
template <Pytree T>
std::pair<std::vector<Tree>, TreeDef> flatten_one_level(const T& tree,
                                                        std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  auto [values, def] = flatten(tree);
  detail::OneLevel level = detail::flatten_one_level(def, values);
  return {std::move(level.children), std::move(level.node)};
}
// The same with each child's key (jax.tree_util.flatten_one_level_with_keys).
template <Pytree T>
std::pair<std::vector<std::pair<PathEntry, Tree>>, TreeDef> flatten_one_level_with_keys(
    const T& tree, std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  auto [values, def] = flatten(tree);
  detail::OneLevel level = detail::flatten_one_level(def, values);
  std::vector<std::pair<PathEntry, Tree>> children;
  for (std::size_t i = 0; i < level.children.size(); ++i)
    children.emplace_back(std::move(level.keys[i]), std::move(level.children[i]));
  return {std::move(children), std::move(level.node)};
}
// A dynamic tree of `def`'s structure whose leaves are the given trees (flatten_one_level's inverse).
inline Tree unflatten(const TreeDef& def, std::vector<Tree> leaves) {
  return detail::build_dynamic(def, std::move(leaves));
}

}  // namespace jx::tree

namespace jx {
// jax.block_until_ready(tree): returns the tree. jx's results are complete when an operation returns
// (see Array::block_until_ready), so this only keeps JAX code's shape.
template <tree::Pytree T>
T block_until_ready(T tree) {
  return tree;
}
}  // namespace jx
