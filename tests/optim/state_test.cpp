// Per-parameter state trees (built from and read back to flattening order, for every kind of tree
// node), and the shared arithmetic: step counts and bias corrections.
#include "optim/state.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"

namespace {

namespace jnp = jx::numpy;
namespace detail = jx::optim::detail;
using jx::Array;
using jx::tree::Tree;

struct Layer {
  Array w, b;
  int features = 0;  // a static leaf
};
JX_PYTREE(Layer, w, b, features);

struct Model {
  std::vector<Layer> layers;
  std::map<std::string, Array> extra;
  std::optional<Array> missing;
  std::tuple<Array, Array> pair;
};
JX_PYTREE(Model, layers, extra, missing, pair);

Model model() {
  return {{{jnp::ones({2, 3}), jnp::zeros({3}), 3}, {jnp::ones({3, 1}), jnp::zeros({1}), 1}},
          {{"z", jnp::full({2}, 5.0f)}, {"a", jnp::full({1}, 6.0f)}},
          std::nullopt,
          {jnp::array(1.0f), jnp::array(2.0f)}};
}

TEST(OptimState, PerLeafTreesMirrorTheParameters) {
  const auto [leaves, structure] = jx::tree::flatten(model());
  ASSERT_EQ(leaves.size(), 8u);
  std::vector<Array> numbered;
  for (std::size_t i = 0; i < leaves.size(); ++i) numbered.push_back(jnp::full(leaves[i].shape(), Array(float(i))));
  const Tree tree = detail::per_leaf_tree(structure, numbered);
  // Structs become dicts of their fields, as jx::tree::to_dynamic makes them.
  EXPECT_EQ(tree["layers"][1]["w"].array().shape(), jx::Shape({3, 1}));
  EXPECT_EQ(tree["layers"][0]["features"].value<int>(), 3);
  EXPECT_TRUE(tree["missing"].is_none());
  EXPECT_EQ(jx::tree::structure(tree), jx::tree::structure(jx::tree::to_dynamic(model())));
  // And back, in the parameters' flattening order (which differs from the dict's sorted order).
  const std::vector<Array> back = detail::per_leaf_arrays(structure, tree, "test");
  ASSERT_EQ(back.size(), numbered.size());
  for (std::size_t i = 0; i < back.size(); ++i) EXPECT_EQ(back[i].reshape({-1})[0].item<float>(), float(i)) << i;
}

TEST(OptimState, MaskedLeavesAreNone) {
  const auto [leaves, structure] = jx::tree::flatten(Layer{jnp::ones({2}), jnp::ones({3}), 0});
  const std::vector<Array> partial = {leaves[0], Array()};
  const Tree tree = detail::per_leaf_tree(structure, partial);
  EXPECT_TRUE(tree["b"].is_none());
  const std::vector<Array> back = detail::per_leaf_arrays(structure, tree, "test");
  EXPECT_TRUE(back[0].valid());
  EXPECT_FALSE(back[1].valid());
}

TEST(OptimState, AStateOfOtherParametersIsATreeError) {
  const auto [leaves, structure] = jx::tree::flatten(model());
  const Tree other = jx::tree::to_dynamic(Layer{jnp::ones({2}), jnp::ones({3}), 0});
  try {
    detail::per_leaf_arrays(structure, other, "scale_by_adam's 'mu'");
    FAIL();
  } catch (const jx::TreeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("scale_by_adam's 'mu' does not match the parameters"), std::string::npos) << what;
    EXPECT_NE(what.find("Model"), std::string::npos) << what;
  }
  // A missing field is named by its path.
  Tree almost = jx::tree::to_dynamic(model());
  almost["layers"][1].as_dict().erase("b");
  try {
    detail::per_leaf_arrays(structure, almost, "trace's 'trace'");
    FAIL();
  } catch (const jx::TreeError& e) {
    EXPECT_NE(std::string(e.what()).find(".layers[1]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(detail::state_field(Tree::none(), "count", "scale_by_adam"), jx::TreeError);
}

TEST(OptimState, StateArraysAreStronglyTyped) {
  // Weakly typed parameters (made from C++ scalars) still give strongly typed state, so a state
  // computed by update has the signature init gave it and jit does not retrace.
  const std::vector<Array> leaves = {Array(1.5f), jnp::ones({2}, jx::bfloat16)};
  const std::vector<Array> zeros = detail::full_like(leaves, 0.0);
  EXPECT_FALSE(zeros[0].weak_type());
  EXPECT_EQ(zeros[0].dtype(), jx::float32);
  EXPECT_EQ(zeros[1].dtype(), jx::bfloat16);
  EXPECT_EQ(detail::full_like(leaves, 0.1, jx::float32)[1].dtype(), jx::float32);
  const Array count = detail::zero_count();
  EXPECT_EQ(count.dtype(), jx::int32);
  EXPECT_FALSE(count.weak_type());
  EXPECT_FALSE(detail::safe_increment(count).weak_type());
}

TEST(OptimState, CountsStopAtTheLargestInt32) {
  constexpr int largest = std::numeric_limits<int>::max();
  EXPECT_EQ(detail::safe_increment(jnp::array(41, jx::int32)).item<int>(), 42);
  EXPECT_EQ(detail::safe_increment(jnp::array(largest - 1, jx::int32)).item<int>(), largest);
  EXPECT_EQ(detail::safe_increment(jnp::array(largest, jx::int32)).item<int>(), largest);
}

TEST(OptimState, BiasCorrectionKeepsItsDigits) {
  // 1 - 0.999^t in float32: the power form loses about five digits at t = 1; expm1 keeps them.
  for (const int t : {1, 2, 10, 1000, 100000}) {
    const double exact = -std::expm1(t * std::log(0.999));
    const double got = detail::one_minus_power(0.999, jnp::array(t, jx::int32)).item<double>();
    EXPECT_NEAR(got, exact, 4e-7 * exact) << t;
  }
  // Decays outside (0, 1) use the power form: 0^t = 0 for t >= 1, 1^t = 1.
  EXPECT_EQ(detail::one_minus_power(0.0, jnp::array(3, jx::int32)).item<float>(), 1.0f);
  EXPECT_EQ(detail::one_minus_power(1.0, jnp::array(3, jx::int32)).item<float>(), 0.0f);
}

}  // namespace
