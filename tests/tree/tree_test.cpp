// Pytrees: every node kind, registration forms, static leaves, dynamic trees, paths and errors.
#include "jx/tree.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "error_expectations.h"
#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;
namespace tree = jx::tree;

namespace models {  // registered in its own namespace, found by argument-dependent lookup
struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);

enum class Activation { relu, tanh };
struct Layer {
  Params params;
  Activation activation = Activation::relu;
  int width = 0;
  std::string name;
};
JX_PYTREE(Layer, params, activation, width, name);

// A view onto arrays it does not own: its flatten hands out references to them.
struct SharedView {
  const jx::Array* target = nullptr;
};
inline auto jx_pytree_flatten(const SharedView& v) { return std::tie(*v.target); }
inline SharedView jx_pytree_unflatten(std::type_identity<SharedView>, const std::tuple<jx::Array>&) { return {}; }

// A class with private state, registered with flatten/unflatten functions.
class Scaler {
 public:
  Scaler() = default;
  Scaler(jx::Array scale, float eps) : scale_(std::move(scale)), eps_(eps) {}
  const jx::Array& scale() const { return scale_; }
  float eps() const { return eps_; }

  friend auto jx_pytree_flatten(const Scaler& s) { return std::tuple{s.scale_, s.eps_}; }
  friend Scaler jx_pytree_unflatten(std::type_identity<Scaler>, std::tuple<jx::Array, float> children) {
    return Scaler(std::get<0>(children), std::get<1>(children));
  }

 private:
  jx::Array scale_;
  float eps_ = 0;
};
}  // namespace models

namespace {

bool same_array(const jx::Array& a, const jx::Array& b) { return a.impl() == b.impl(); }

TEST(Tree, ArrayIsALeaf) {
  const jx::Array x = jnp::ones({2});
  auto [leaves, def] = tree::flatten(x);
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_TRUE(same_array(leaves[0], x));
  EXPECT_EQ(def.to_string(), "PyTreeDef(*)");
}

TEST(Tree, RegisteredStructRoundTripsByIdentity) {
  const models::Params p{jnp::ones({3}), jnp::zeros({})};
  auto [leaves, def] = tree::flatten(p);
  ASSERT_EQ(leaves.size(), 2u);
  EXPECT_TRUE(same_array(leaves[0], p.weight));
  EXPECT_TRUE(same_array(leaves[1], p.bias));
  EXPECT_EQ(def.to_string(), "PyTreeDef(CustomNode(Params[weight, bias], [*, *]))");
  const auto back = tree::unflatten<models::Params>(def, leaves);
  EXPECT_TRUE(same_array(back.weight, p.weight));
  EXPECT_TRUE(same_array(back.bias, p.bias));
}

TEST(Tree, StandardContainersNest) {
  const jx::Array a = jnp::ones({1}), b = jnp::ones({2}), c = jnp::ones({3}), d = jnp::ones({4});
  using Nested = std::tuple<std::vector<jx::Array>, std::map<std::string, std::pair<jx::Array, jx::Array>>,
                            std::array<jx::Array, 1>, std::optional<jx::Array>, std::optional<jx::Array>>;
  const Nested value{{a, b}, {{"k", {c, d}}}, {a}, std::nullopt, d};
  auto [leaves, def] = tree::flatten(value);
  ASSERT_EQ(leaves.size(), 6u);
  EXPECT_TRUE(same_array(leaves[2], c));
  EXPECT_EQ(def.to_string(), "PyTreeDef(([*, *], {'k': (*, *)}, (*,), None, *))");
  const Nested back = tree::unflatten<Nested>(def, leaves);
  EXPECT_TRUE(same_array(std::get<1>(back).at("k").second, d));
  EXPECT_FALSE(std::get<3>(back).has_value());
  EXPECT_TRUE(same_array(*std::get<4>(back), d));
}

TEST(Tree, EmptyContainersHaveNoLeaves) {
  const std::tuple<std::vector<jx::Array>, std::map<std::string, jx::Array>, std::tuple<>, std::optional<jx::Array>>
      empty;
  auto [leaves, def] = tree::flatten(empty);
  EXPECT_TRUE(leaves.empty());
  EXPECT_EQ(def.num_leaves(), 0u);
  EXPECT_EQ(def.to_string(), "PyTreeDef(([], {}, (), None))");
  const auto back = tree::unflatten<decltype(empty)>(def, leaves);
  EXPECT_TRUE(std::get<0>(back).empty());
}

TEST(Tree, StaticLeavesArePartOfTheStructure) {
  const models::Layer layer{{jnp::ones({2}), jnp::zeros({})}, models::Activation::tanh, 64, "encoder"};
  auto [leaves, def] = tree::flatten(layer);
  EXPECT_EQ(leaves.size(), 2u);
  const auto back = tree::unflatten<models::Layer>(def, leaves);
  EXPECT_EQ(back.activation, models::Activation::tanh);
  EXPECT_EQ(back.width, 64);
  EXPECT_EQ(back.name, "encoder");
  // A different static value is a different structure (and hashes differently, almost surely).
  models::Layer other = layer;
  other.width = 65;
  EXPECT_FALSE(tree::structure(other) == def);
  EXPECT_NE(tree::structure(other).hash(), def.hash());
  EXPECT_TRUE(tree::structure(layer) == def);
  EXPECT_EQ(tree::structure(layer).hash(), def.hash());
  EXPECT_NE(def.to_string().find("'encoder'"), std::string::npos) << def;
}

TEST(Tree, InClassRegistrationForLocalStructs) {
  struct Local {
    jx::Array w, b;
    JX_PYTREE_FIELDS(w, b);
  };
  const Local x{jnp::ones({2}), jnp::ones({3})};
  auto [leaves, def] = tree::flatten(x);
  ASSERT_EQ(leaves.size(), 2u);
  EXPECT_NE(def.to_string().find("[w, b]"), std::string::npos) << def;
  const Local back = tree::unflatten<Local>(def, leaves);
  EXPECT_TRUE(same_array(back.b, x.b));
}

TEST(Tree, CustomFlattenCoversPrivateMembers) {
  const models::Scaler s(jnp::ones({4}), 1e-5f);
  auto [leaves, def] = tree::flatten(s);
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_TRUE(same_array(leaves[0], s.scale()));
  const auto back = tree::unflatten<models::Scaler>(def, {jnp::zeros({4})});
  EXPECT_EQ(back.eps(), 1e-5f);
  EXPECT_EQ(back.scale().shape(), jx::Shape({4}));
}

TEST(Tree, MapOverTwoAndThreeTrees) {
  const models::Params p{jnp::array({1.0f, 2.0f}), jnp::array(3.0f)};
  const models::Params g{jnp::array({10.0f, 20.0f}), jnp::array(30.0f)};
  const models::Params h{jnp::array({100.0f, 200.0f}), jnp::array(300.0f)};
  const models::Params sum2 = tree::map([](const jx::Array& a, const jx::Array& b) { return a + b; }, p, g);
  EXPECT_EQ(sum2.weight.to_vector<float>(), (std::vector<float>{11, 22}));
  const models::Params sum3 =
      tree::map([](const jx::Array& a, const jx::Array& b, const jx::Array& c) { return a + b + c; }, p, g, h);
  EXPECT_EQ(sum3.bias.item<float>(), 333.0f);
}

TEST(Tree, MapKeepsStaticLeaves) {
  const models::Layer layer{{jnp::ones({2}), jnp::ones({})}, models::Activation::tanh, 8, "l"};
  const models::Layer doubled = tree::map([](const jx::Array& x) { return x * 2; }, layer);
  EXPECT_EQ(doubled.width, 8);
  EXPECT_EQ(doubled.params.weight.to_vector<float>(), (std::vector<float>{2, 2}));
}

TEST(Tree, StructureMismatchNamesBothStructuresAndThePath) {
  using Pair = std::map<std::string, std::vector<jx::Array>>;
  const Pair a{{"x", {jnp::ones({})}}, {"y", {jnp::ones({}), jnp::ones({})}}};
  const Pair b{{"x", {jnp::ones({})}}, {"y", {jnp::ones({})}}};
  try {
    tree::map([](const jx::Array& u, const jx::Array& v) { return u + v; }, a, b);
    FAIL() << "expected TreeError";
  } catch (const jx::TreeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("{'x': [*], 'y': [*, *]}"), std::string::npos) << message;
    EXPECT_NE(message.find("{'x': [*], 'y': [*]}"), std::string::npos) << message;
    EXPECT_NE(message.find("['y']"), std::string::npos) << message;
    EXPECT_EQ(e.op(), "tree::map");
  }
}

TEST(Tree, UnflattenRejectsTheWrongStructure) {
  const auto def = tree::structure(std::vector<jx::Array>{jnp::ones({})});
  EXPECT_THROW(tree::unflatten<models::Params>(def, {jnp::ones({})}), jx::TreeError);
  EXPECT_THROW(tree::unflatten<std::vector<jx::Array>>(def, {}), jx::TreeError);
}

TEST(Tree, PathsPrintLikeKeystr) {
  struct Model {
    std::vector<models::Params> layers;
    std::map<std::string, jx::Array> extra;
    JX_PYTREE_FIELDS(layers, extra);
  };
  const Model m{{{jnp::ones({}), jnp::ones({})}}, {{"w", jnp::ones({})}}};
  std::vector<std::string> paths;
  tree::map_with_path(
      [&](const tree::KeyPath& path, const jx::Array& x) {
        paths.push_back(tree::keystr(path));
        return x;
      },
      m);
  EXPECT_EQ(paths, (std::vector<std::string>{".layers[0].weight", ".layers[0].bias", ".extra['w']"}));
}

TEST(Tree, ReduceAndAll) {
  const std::vector<jx::Array> values{jnp::array(1.0f), jnp::array(2.0f), jnp::array(4.0f)};
  const float total = tree::reduce([](float acc, const jx::Array& x) { return acc + x.item<float>(); }, values, 0.0f);
  EXPECT_EQ(total, 7.0f);
  EXPECT_TRUE(tree::all(std::vector<jx::Array>{jnp::array(true), jnp::array(true)}));
  EXPECT_FALSE(tree::all(std::vector<jx::Array>{jnp::array(true), jnp::array(false)}));
  EXPECT_TRUE(tree::all(std::vector<jx::Array>{}));
}

TEST(Tree, DynamicTreesConvertBothWays) {
  const models::Params p{jnp::ones({2}), jnp::zeros({})};
  const tree::Tree dynamic = tree::to_dynamic(p);
  EXPECT_EQ(dynamic.to_string(), "{'bias': f32[], 'weight': f32[2]}");
  // Printed, it shows its values as Python prints a dict of arrays (their reprs).
  std::ostringstream printed;
  printed << dynamic;
  EXPECT_EQ(printed.str(), "{'bias': Array(0., dtype=float32), 'weight': Array([1., 1.], dtype=float32)}");
  EXPECT_EQ(tree::Tree::list({tree::Tree(jnp::array(1)), tree::Tree::none(), tree::Tree::static_value(3)}).repr(),
            "[Array(1, dtype=int32, weak_type=True), None, 3]");
  EXPECT_TRUE(same_array(dynamic["weight"].array(), p.weight));
  const auto back = tree::from_dynamic<models::Params>(dynamic);
  EXPECT_TRUE(same_array(back.bias, p.bias));
  // A dict of the wrong shape does not convert.
  tree::Tree wrong = tree::Tree::dict({{"weight", p.weight}});
  EXPECT_THROW(tree::from_dynamic<models::Params>(wrong), jx::TreeError);
}

TEST(Tree, DynamicTreeFlattensLikeStaticContainers) {
  tree::Tree t;
  t["b"] = jnp::ones({2});
  t["a"] = tree::Tree::list({jnp::ones({1}), tree::Tree::none()});
  auto [leaves, def] = tree::flatten(t);
  EXPECT_EQ(def.to_string(), "PyTreeDef({'a': [*, None], 'b': *})");
  const tree::Tree back = tree::unflatten(def, leaves);
  EXPECT_EQ(back.to_string(), t.to_string());
  // A static std::map of arrays and a dynamic dict with the same keys have the same structure.
  const std::map<std::string, jx::Array> m{{"a", jnp::ones({})}, {"b", jnp::ones({})}};
  const tree::Tree d = tree::Tree::dict({{"a", jnp::ones({})}, {"b", jnp::ones({})}});
  EXPECT_TRUE(tree::structure(m) == tree::structure(d));
  EXPECT_EQ(tree::structure(m).hash(), tree::structure(d).hash());
}

TEST(Tree, DynamicMapToOtherValues) {
  const tree::Tree t = tree::Tree::dict({{"w", jnp::array({3.0f, 4.0f})}, {"b", jnp::array(1.0f)}});
  const tree::Tree norms = tree::map([](const jx::Array& x) { return jnp::sqrt(jnp::sum(x * x)).item<float>(); }, t);
  EXPECT_EQ(norms["w"].value<float>(), 5.0f);
  EXPECT_EQ(norms["b"].value<float>(), 1.0f);
}

// JAX's tree.map(lambda x: x.shape, params): shapes are hashable static leaves.
TEST(Tree, DynamicMapToShapes) {
  tree::Tree params = tree::Tree::dict({{"w", jnp::zeros({2, 3})}, {"b", jnp::zeros({3})}});
  auto shapes = tree::map([](const jx::Array& x) { return x.shape(); }, params);
  EXPECT_EQ(shapes["w"].value<jx::Shape>(), (jx::Shape{2, 3}));
  EXPECT_EQ(shapes["b"].value<jx::Shape>(), (jx::Shape{3}));
  EXPECT_EQ(std::hash<jx::Shape>{}(jx::Shape{2, 3}), std::hash<jx::Shape>{}(jx::Shape{2, 3}));
  EXPECT_NE(std::hash<jx::Shape>{}(jx::Shape{2, 3}), std::hash<jx::Shape>{}(jx::Shape{3, 2}));
}

TEST(Tree, UnflattenWithoutATypeGivesADynamicTree) {
  const models::Params p{jnp::ones({2}), jnp::zeros({})};
  auto [leaves, def] = tree::flatten(std::make_tuple(p, 3));
  const tree::Tree t = tree::unflatten(def, leaves);
  EXPECT_EQ(t.to_string(), "[{'bias': f32[], 'weight': f32[2]}, 3]");
}

TEST(Tree, Transpose) {
  // A list of two Params becomes a Params-shaped tree of two-element lists.
  const std::vector<models::Params> stacked{{jnp::array(1.0f), jnp::array(2.0f)}, {jnp::array(3.0f), jnp::array(4.0f)}};
  const auto outer = tree::structure(std::vector<jx::Array>{jnp::ones({}), jnp::ones({})});
  const auto inner = tree::structure(models::Params{jnp::ones({}), jnp::ones({})});
  const tree::Tree t = tree::transpose(outer, inner, stacked);
  EXPECT_EQ(t["weight"][0].array().item<float>(), 1.0f);
  EXPECT_EQ(t["weight"][1].array().item<float>(), 3.0f);
  EXPECT_EQ(t["bias"][1].array().item<float>(), 4.0f);
}

TEST(Tree, TreeDefChildrenAndLeafCount) {
  const auto def =
      tree::structure(std::make_tuple(jnp::ones({}), std::vector<jx::Array>{jnp::ones({}), jnp::ones({})}));
  EXPECT_EQ(def.num_leaves(), 3u);
  const auto children = def.children();
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[1].to_string(), "PyTreeDef([*, *])");
  EXPECT_EQ(children[1].num_leaves(), 2u);
}

TEST(Tree, FlatteningAnRvalueMovesTheLeavesOut) {
  const jx::Array w = jnp::ones({2}), b = jnp::zeros({}), e = jnp::ones({3});
  std::tuple<models::Params, std::vector<jx::Array>, std::map<std::string, jx::Array>> given{{w, b}, {e}, {{"k", w}}};
  const long uses = w.impl_ptr().use_count();
  auto [leaves, def] = tree::flatten(std::move(given));
  ASSERT_EQ(leaves.size(), 4u);
  EXPECT_TRUE(same_array(leaves[0], w));
  EXPECT_TRUE(same_array(leaves[1], b));
  EXPECT_TRUE(same_array(leaves[2], e));
  EXPECT_TRUE(same_array(leaves[3], w));
  // Moved, not copied: the given-up tree holds nothing and w's count did not change.
  EXPECT_FALSE(std::get<0>(given).weight.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(std::get<1>(given)[0].valid());
  EXPECT_EQ(w.impl_ptr().use_count(), uses);
  EXPECT_EQ(def, tree::structure(std::make_tuple(models::Params{w, b}, std::vector<jx::Array>{e},
                                                 std::map<std::string, jx::Array>{{"k", w}})));
  // And they move back in: the round trip of a given-up tree touches no reference count.
  const auto back = tree::unflatten_moving<decltype(given)>(def, leaves);
  EXPECT_TRUE(same_array(std::get<0>(back).weight, w));
  EXPECT_TRUE(same_array(std::get<2>(back).at("k"), w));
  EXPECT_FALSE(leaves[0].valid());
  EXPECT_EQ(w.impl_ptr().use_count(), uses);
}

TEST(Tree, FlatteningAnLvalueOrConstRvalueCopies) {
  models::Params p{jnp::ones({2}), jnp::zeros({})};
  EXPECT_EQ(tree::leaves(p).size(), 2u);
  EXPECT_TRUE(p.weight.valid());
  const models::Params c{jnp::ones({2}), jnp::zeros({})};
  EXPECT_EQ(tree::leaves(std::move(c)).size(), 2u);  // NOLINT(performance-move-const-arg)
  EXPECT_TRUE(c.weight.valid());
}

TEST(Tree, GivingUpACustomNodeNeverMovesWhatItsFlattenReturns) {
  // SharedView's flatten refers to an array it does not own, so it is copied even from an rvalue.
  const jx::Array target = jnp::arange(3);
  auto [leaves, def] = tree::flatten(std::make_tuple(models::SharedView{&target}, jnp::ones({})));
  ASSERT_EQ(leaves.size(), 2u);
  EXPECT_TRUE(same_array(leaves[0], target));
  EXPECT_TRUE(target.valid());
  EXPECT_EQ(target.size(), 3);
}

TEST(Tree, GivingUpADynamicTreeMovesItsLeaves) {
  const jx::Array w = jnp::ones({2});
  tree::Tree t = tree::Tree::dict({{"layer", tree::Tree::list({w, tree::Tree::static_value(4)})}});
  const auto before = tree::structure(t);
  auto [leaves, def] = tree::flatten(std::move(t));
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_TRUE(same_array(leaves[0], w));
  EXPECT_EQ(def, before);
  EXPECT_EQ(w.impl_ptr().use_count(), 2);  // w and the leaf: the tree's reference moved
}

TEST(Tree, UnflattenBuildsVectorsOfStructsAndArrays) {
  const std::vector<models::Params> layers{{jnp::array(1.0f), jnp::array(2.0f)}, {jnp::array(3.0f), jnp::array(4.0f)}};
  const std::vector<jx::Array> extra{jnp::array(5.0f), jnp::array(6.0f), jnp::array(7.0f)};
  auto [leaves, def] = tree::flatten(std::make_pair(layers, extra));
  const auto back = tree::unflatten<std::pair<std::vector<models::Params>, std::vector<jx::Array>>>(def, leaves);
  ASSERT_EQ(back.first.size(), 2u);
  ASSERT_EQ(back.second.size(), 3u);
  EXPECT_TRUE(same_array(back.first[1].bias, layers[1].bias));
  EXPECT_TRUE(same_array(back.second[2], extra[2]));
  EXPECT_TRUE(leaves[0].valid());  // unflatten (not _moving) leaves its input alone
}

TEST(Tree, FlattenIntoAppendsToWhatTheBuffersHold) {
  const models::Params a{jnp::array(1.0f), jnp::array(2.0f)};
  const std::vector<jx::Array> b{jnp::array(3.0f), jnp::array(4.0f), jnp::array(5.0f)};
  tree::TreeDef first, second;
  std::vector<jx::Array> leaves;
  tree::flatten_into(a, first, leaves);
  tree::flatten_into(b, second, leaves);
  ASSERT_EQ(leaves.size(), 5u);
  EXPECT_TRUE(same_array(leaves[0], a.weight));
  EXPECT_TRUE(same_array(leaves[4], b[2]));
  EXPECT_EQ(second, tree::structure(b));
  // Reused (cleared) buffers give the same structure as fresh ones.
  first.clear();
  leaves.clear();
  tree::flatten_into(b, first, leaves);
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.hash(), second.hash());
  EXPECT_EQ(leaves.size(), 3u);
}

TEST(Tree, AMovedFromTreeDefIsEmpty) {
  tree::TreeDef def = tree::structure(std::make_pair(jnp::ones({}), jnp::ones({})));
  const tree::TreeDef taken = std::move(def);
  EXPECT_EQ(taken.num_leaves(), 2u);
  EXPECT_EQ(def.num_nodes(), 0u);  // NOLINT(bugprone-use-after-move): a valid, empty structure
  EXPECT_EQ(def.num_leaves(), 0u);
}

TEST(Tree, GivingUpATreeOfReferencesOrConstArraysCopies) {
  // std::tie(w, b) is an rvalue, but the arrays are the caller's: they stay where they are.
  jx::Array w = jnp::ones({2}), b = jnp::zeros({});
  auto [leaves, def] = tree::flatten(std::tie(w, b));
  ASSERT_EQ(leaves.size(), 2u);
  EXPECT_TRUE(w.valid());
  EXPECT_TRUE(b.valid());
  EXPECT_TRUE(same_array(leaves[0], w));
  struct Frozen {
    const jx::Array scale;
    JX_PYTREE_FIELDS(scale);
  };
  Frozen frozen{jnp::ones({3})};
  EXPECT_EQ(tree::leaves(std::move(frozen)).size(), 1u);
  EXPECT_TRUE(frozen.scale.valid());  // NOLINT(bugprone-use-after-move)
  static_assert(!tree::gives_up_leaves<std::tuple<jx::Array&, jx::Array&>>);
  static_assert(!tree::gives_up_leaves<Frozen>);
  static_assert(tree::gives_up_leaves<std::vector<models::Params>>);
  static_assert(!tree::gives_up_leaves<std::vector<models::Params>&>);
}

}  // namespace

namespace {

// A list nested `depth` levels around one array, built by moves.
jx::tree::Tree nested(int depth) {
  jx::tree::Tree t(jnp::array(1.0f));
  for (int i = 0; i < depth; ++i) {
    jx::tree::Tree::List items;
    items.push_back(std::move(t));
    t = jx::tree::Tree::list(std::move(items));
  }
  return t;
}

TEST(DeepTrees, UpToTheDocumentedDepthEverythingWorks) {
  const jx::tree::Tree deep = nested(jx::tree::kMaxTreeDepth - 8);
  auto [leaves, def] = jx::tree::flatten(deep);
  EXPECT_EQ(leaves.size(), 1u);
  EXPECT_EQ(def.num_nodes(), static_cast<std::size_t>(jx::tree::kMaxTreeDepth - 8 + 1));
  const auto doubled =
      jx::jit([](const jx::tree::Tree& t) { return jx::tree::map([](const jx::Array& x) { return x * 2; }, t); });
  const jx::tree::Tree out = doubled(deep);
  const jx::tree::Tree* inner = &out;
  while (inner->is_list()) inner = &(*inner)[std::size_t{0}];
  EXPECT_EQ(inner->array().item<float>(), 2.0f);
  EXPECT_EQ(deep.to_string().size(),
            2u * static_cast<std::size_t>(jx::tree::kMaxTreeDepth - 8) + 5);  // [[...f32[]...]]
}

TEST(DeepTrees, AMillionLevelsAreAClearErrorNeverACrash) {
  jx::tree::Tree deep = nested(1000000);
  const jx::tree::Tree copy = deep;  // copying and destroying need no recursion
  EXPECT_TRUE(copy.is_list());
  const auto depth_error = [](auto f) { return jx_test::error_message<jx::TreeError>(f); };
  jx_test::expect_contains(depth_error([&] { jx::tree::flatten(deep); }), "nests more than 4096 levels deep");
  jx_test::expect_contains(depth_error([&] { (void)deep.to_string(); }), "nests more than 4096 levels deep");
  const auto identity = jx::jit([](const jx::tree::Tree& t) { return t; });
  jx_test::expect_contains(depth_error([&] { identity(deep); }), "nests more than 4096 levels deep");
  deep = jx::tree::Tree();  // the old million levels are destroyed here
  EXPECT_TRUE(deep.is_none());
}

}  // namespace
