// The rest of jax.tree / jax.tree_util: broadcast, reduce_associative, flatten_with_path,
// flatten_one_level(_with_keys), treedef_tuple, treedef_is_leaf, all_leaves, is_tree_node. Examples
// marked "JAX docs" are the docstrings' own.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/tree.h"

namespace jnp = jx::numpy;
namespace tree = jx::tree;

namespace structure_ops_test {
struct Point {
  jx::Array w, b;
};
JX_PYTREE(Point, w, b);
struct Scaled {
  jx::Array value;
  int factor = 1;  // static
  jx::Array offset;
};
JX_PYTREE(Scaled, value, factor, offset);
}  // namespace structure_ops_test

namespace {

using structure_ops_test::Point;
using structure_ops_test::Scaled;

float value_of(const jx::Array& x) { return x.item<float>(); }

TEST(TreeBroadcast, JaxDocstringExample) {
  // JAX docs: broadcast((1, 2, 3), (0, {'a': 0, 'b': 0}, (0, 0))) == (1, {'a': 2, 'b': 2}, (3, 3)).
  const auto prefix = std::make_tuple(jnp::array(1.0f), jnp::array(2.0f), jnp::array(3.0f));
  const auto full = std::make_tuple(jnp::array(0.0f),
                                    std::map<std::string, jx::Array>{{"a", jnp::array(0.0f)}, {"b", jnp::array(0.0f)}},
                                    std::make_tuple(jnp::array(0.0f), jnp::array(0.0f)));
  const auto [first, middle, last] = tree::broadcast(prefix, full);
  EXPECT_EQ(value_of(first), 1.0f);
  EXPECT_EQ(value_of(middle.at("a")), 2.0f);
  EXPECT_EQ(value_of(middle.at("b")), 2.0f);
  EXPECT_EQ(value_of(std::get<0>(last)), 3.0f);
  EXPECT_EQ(value_of(std::get<1>(last)), 3.0f);
}

TEST(TreeBroadcast, OneLeafCoversAStructAndNonPrefixesAreErrors) {
  const Point p{jnp::ones({2}), jnp::ones({3})};
  const Point spread = tree::broadcast(jnp::array(0.5f), p);
  EXPECT_EQ(value_of(spread.w), 0.5f);
  EXPECT_EQ(value_of(spread.b), 0.5f);
  // A pair is not a prefix of a triple, nor a struct of another struct.
  EXPECT_THROW(tree::broadcast(std::make_pair(jnp::ones({}), jnp::ones({})),
                               std::make_tuple(jnp::ones({}), jnp::ones({}), jnp::ones({}))),
               jx::TreeError);
  EXPECT_THROW(tree::broadcast(std::vector<jx::Array>{jnp::ones({})}, p), jx::TreeError);
}

TEST(TreeReduceAssociative, JaxDocstringExampleAndOrder) {
  // JAX docs: reduce_associative(operator.add, [1, (2, 3), [4, 5, 6]]) == 21.
  const auto t = std::make_tuple(jnp::array(1.0f), std::make_tuple(jnp::array(2.0f), jnp::array(3.0f)),
                                 std::vector<jx::Array>{jnp::array(4.0f), jnp::array(5.0f), jnp::array(6.0f)});
  EXPECT_EQ(value_of(tree::reduce_associative([](const jx::Array& a, const jx::Array& b) { return a + b; }, t)), 21.0f);
  // Associative but not commutative: 2x2 matrix products keep the leaves' order.
  std::vector<jx::Array> matrices;
  for (int i = 0; i < 5; ++i) matrices.push_back(jnp::array({1.0f, float(i), 0.0f, 1.0f + i}).reshape({2, 2}));
  jx::Array sequential = matrices[0];
  for (int i = 1; i < 5; ++i) sequential = jnp::matmul(sequential, matrices[static_cast<std::size_t>(i)]);
  const jx::Array pairwise = tree::reduce_associative(jnp::matmul, matrices);
  EXPECT_EQ(pairwise.to_vector<float>(), sequential.to_vector<float>());
  // Empty: the identity, or an error without one.
  const std::vector<jx::Array> empty;
  EXPECT_EQ(value_of(tree::reduce_associative(jnp::add, empty, jnp::array(0.0f))), 0.0f);
  EXPECT_THROW(tree::reduce_associative(jnp::add, empty), jx::ValueError);
}

TEST(TreeFlattenWithPath, PathsInFlatteningOrder) {
  const auto t =
      std::make_pair(Point{jnp::ones({}), jnp::zeros({})}, std::map<std::string, jx::Array>{{"k", jnp::ones({2})}});
  const auto [leaves, def] = tree::flatten_with_path(t);
  ASSERT_EQ(leaves.size(), 3u);
  EXPECT_EQ(tree::keystr(leaves[0].first), "[0].w");
  EXPECT_EQ(tree::keystr(leaves[1].first), "[0].b");
  EXPECT_EQ(tree::keystr(leaves[2].first), "[1]['k']");
  EXPECT_EQ(leaves[2].second.shape(), jx::Shape({2}));
  EXPECT_EQ(def, tree::structure(t));
}

TEST(TreeFlattenOneLevel, ChildrenInOrderWithKeysAndTheNode) {
  const Scaled s{jnp::array(2.0f), 3, Point{jnp::ones({}), jnp::zeros({})}.w};
  const auto [children, node] = tree::flatten_one_level(s);
  ASSERT_EQ(children.size(), 2u);  // the static factor belongs to the node
  EXPECT_EQ(value_of(children[0].array()), 2.0f);
  EXPECT_EQ(node.num_leaves(), 2u);
  EXPECT_EQ(node.to_string(), "PyTreeDef(CustomNode(Scaled[value, factor, offset], [*, 3, *]))");
  const auto [keyed, same_node] = tree::flatten_one_level_with_keys(s);
  EXPECT_EQ(keyed[0].first.to_string(), ".value");
  EXPECT_EQ(keyed[1].first.to_string(), ".offset");
  EXPECT_EQ(same_node, node);
  // A nested container: its children are whole subtrees.
  const auto nested = std::make_tuple(Point{jnp::ones({2}), jnp::ones({3})}, jnp::zeros({}));
  const auto [parts, tuple_node] = tree::flatten_one_level(nested);
  EXPECT_EQ(parts[0]["w"].array().shape(), jx::Shape({2}));
  EXPECT_EQ(tuple_node.to_string(), "PyTreeDef((*, *))");
  EXPECT_EQ(tree::unflatten(tuple_node, parts).to_string(), tree::to_dynamic(nested).to_string());
  // A leaf has no level.
  EXPECT_THROW(tree::flatten_one_level(jnp::ones({})), jx::ValueError);
}

TEST(TreeDefHelpers, TupleIsLeafAndNodeTests) {
  const Point p{jnp::ones({}), jnp::ones({})};
  const jx::Array x = jnp::ones({2});
  const tree::TreeDef parts[] = {tree::structure(x), tree::structure(p)};
  EXPECT_EQ(tree::treedef_tuple(parts), tree::structure(std::make_tuple(x, p)));
  EXPECT_EQ(tree::treedef_tuple(parts).num_leaves(), 3u);
  EXPECT_TRUE(tree::treedef_is_leaf(tree::structure(x)));
  EXPECT_TRUE(tree::treedef_is_leaf(tree::structure(std::optional<jx::Array>())));  // None, as in JAX
  EXPECT_FALSE(tree::treedef_is_leaf(tree::structure(p)));
  const std::vector<tree::Tree> leaves{tree::Tree(x), tree::Tree::static_value(4)};
  EXPECT_TRUE(tree::all_leaves(leaves));
  const std::vector<tree::Tree> mixed{tree::Tree(x), tree::Tree::list({tree::Tree(x)})};
  EXPECT_FALSE(tree::all_leaves(mixed));
  EXPECT_TRUE(tree::is_tree_node(tree::Tree::none()));
  EXPECT_FALSE(tree::is_tree_node(tree::Tree(x)));
  static_assert(tree::is_tree_node_type<Point>());
  static_assert(!tree::is_tree_node_type<jx::Array>());
}

// JAX's pytrees tutorial: jax.tree.leaves([None, None, None]) is [], and with
// is_leaf=lambda x: x is None it is [None, None, None].
TEST(IsLeaf, AcceptedSubtreesAreLeavesWhole) {
  using tree::Tree;
  const Tree nones = Tree::list({Tree(), Tree(), Tree()});
  const tree::IsLeaf none_is_leaf{[](const Tree& x) { return x.is_none(); }};
  EXPECT_TRUE(tree::leaves(nones).empty());
  EXPECT_EQ(Tree::list(tree::leaves(nones, none_is_leaf)).repr(), "[None, None, None]");
  // Arrays stay leaves; an accepted list is one leaf; static values are not leaves.
  const Tree mixed = Tree::dict({{"a", Tree(jnp::array(1))},
                                 {"b", Tree::list({Tree(jnp::array(2)), Tree(jnp::array(3))})},
                                 {"c", Tree()},
                                 {"d", Tree::static_value(7)}});
  const tree::IsLeaf lists_are_leaves{[](const Tree& x) { return x.is_list(); }};
  const std::vector<Tree> found = tree::leaves(mixed, lists_are_leaves);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].array().item<int>(), 1);
  EXPECT_EQ(found[1].size(), 2u);
  EXPECT_EQ(tree::leaves(mixed, tree::IsLeaf{}).size(), 3u);  // no predicate: the arrays
}

TEST(IsLeaf, MapReplacesTheAcceptedSubtrees) {
  using tree::Tree;
  const Tree params = Tree::dict({{"w", Tree(jnp::ones({2}))}, {"b", Tree()}});
  const tree::IsLeaf none_is_leaf{[](const Tree& x) { return x.is_none(); }};
  // Fill the missing entries with zeros; arrays pass through f too.
  const Tree filled =
      tree::map([](const Tree& leaf) { return leaf.is_none() ? Tree(jnp::zeros({2})) : Tree(leaf.array() * 2); },
                params, none_is_leaf);
  EXPECT_EQ(filled["w"].array().to_vector<float>(), (std::vector<float>{2, 2}));
  EXPECT_EQ(filled["b"].array().to_vector<float>(), (std::vector<float>{0, 0}));
  // f may return other values: they become static leaves.
  const Tree kinds = tree::map([](const Tree& leaf) { return leaf.is_none() ? 0 : 1; }, params, none_is_leaf);
  EXPECT_EQ(kinds["w"].value<int>(), 1);
  EXPECT_EQ(kinds["b"].value<int>(), 0);
}

}  // namespace
