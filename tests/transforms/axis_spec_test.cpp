// AxisSpec: expanding in_axes/out_axes prefixes into one axis per leaf, and the errors when a spec is
// not a prefix of the tree.
#include "jx/transforms/axis_spec.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "error_expectations.h"
#include "jx/numpy.h"
#include "jx/tree.h"

namespace jnp = jx::numpy;
using jx_test::error_message;
using jx_test::expect_contains;

namespace axis_spec_test {
struct Layer {
  jx::Array w, b;
  int width;
};
JX_PYTREE(Layer, w, b, width);
}  // namespace axis_spec_test

namespace {

using axis_spec_test::Layer;
using Axes = std::vector<std::optional<int>>;

template <class T>
Axes axes_of(const jx::AxisSpec& spec, const T& tree) {
  return spec.axes_of_leaves(jx::tree::structure(tree), "in_axes");
}

const jx::Array a = jnp::zeros({2});

TEST(AxisSpec, ALeafSpecAppliesToTheWholeTree) {
  const auto tree = std::pair{a, std::vector{a, a}};
  EXPECT_EQ(axes_of(0, tree), (Axes{0, 0, 0}));
  EXPECT_EQ(axes_of(std::nullopt, tree), (Axes{std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ(axes_of(-1, a), (Axes{-1}));
}

TEST(AxisSpec, ListsMatchContainersAndStructsInOrder) {
  const auto tree = std::pair{a, std::vector{a, a}};
  EXPECT_EQ(axes_of({1, std::nullopt}, tree), (Axes{1, std::nullopt, std::nullopt}));
  EXPECT_EQ(axes_of({1, {0, std::nullopt}}, tree), (Axes{1, 0, std::nullopt}));
  // A struct's fields in order: the static `width` is a child with no arrays.
  EXPECT_EQ(axes_of({0, std::nullopt, std::nullopt}, Layer{a, a, 3}), (Axes{0, std::nullopt}));
}

TEST(AxisSpec, FieldsMatchStructsAndMapsByName) {
  EXPECT_EQ(axes_of(jx::AxisSpec::fields({{"b", 1}, {"w", 0}, {"width", std::nullopt}}), Layer{a, a, 3}), (Axes{0, 1}));
  const std::map<std::string, jx::Array> dict{{"x", a}, {"y", a}};
  EXPECT_EQ(axes_of(jx::AxisSpec::fields({{"y", std::nullopt}, {"x", 2}}), dict), (Axes{2, std::nullopt}));
}

TEST(AxisSpec, ErrorsSayWhereTheSpecStopsBeingAPrefix) {
  const auto tree = std::pair{a, std::vector{a, a}};
  expect_contains(error_message<jx::ValueError>([&] {
                    axes_of({1, {0, 0, 0}}, tree);
                  }),
                  "in_axes (1, (0, 0, 0)) is not a prefix of the tree at [1]: the spec has 3 entries where the tree "
                  "has a vector of 2");
  expect_contains(error_message<jx::ValueError>([&] {
                    axes_of({0, 0}, a);
                  }),
                  "the spec has 2 entries where the tree has an array");
  expect_contains(error_message<jx::ValueError>([&] {
                    axes_of(jx::AxisSpec::fields({{"w", 0}}), Layer{a, a, 3});
                  }),
                  "at .b: the spec names no field for it");
  expect_contains(error_message<jx::ValueError>([&] {
                    axes_of(jx::AxisSpec::fields({{"w", 0}}), tree);
                  }),
                  "the spec names fields where the tree has a tuple");
  EXPECT_EQ(jx::AxisSpec::fields({{"w", 0}, {"b", std::nullopt}}).to_string(), "{'w': 0, 'b': None}");
  EXPECT_EQ(jx::AxisSpec({{1}}).to_string(), "((1,),)");
}

TEST(AxisSpec, PerArgumentSpecs) {
  EXPECT_EQ(jx::AxisSpec(0).per_argument(3, "in_axes").size(), 3u);
  EXPECT_EQ(jx::AxisSpec({0, 1}).per_argument(2, "in_axes")[1].axis(), 1);
  expect_contains(error_message<jx::ValueError>([] {
                    jx::AxisSpec({0, 1}).per_argument(3, "in_axes");
                  }),
                  "in_axes must be one axis for all arguments or have one entry per argument of the function (3), "
                  "got (0, 1)");
}

TEST(AxisSpec, DeepTreesNeedNoRecursion) {
  // A dynamic tree nested as deep as trees may be: the walk keeps its own stack.
  jx::tree::Tree deep = jx::tree::Tree(a);
  for (int i = 0; i < jx::tree::kMaxTreeDepth - 1; ++i) {
    jx::tree::Tree::List items;
    items.push_back(std::move(deep));
    deep = jx::tree::Tree::list(std::move(items));
  }
  const jx::tree::TreeDef def = jx::tree::structure(deep);
  EXPECT_EQ(jx::AxisSpec(0).axes_of_leaves(def, "in_axes"), (Axes{0}));
}

}  // namespace
