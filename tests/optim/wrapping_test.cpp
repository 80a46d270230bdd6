// What the wrappers share (src/optim/wrapping.h): labels found along a path in a prefix tree, selects
// between states keeping their types, and lax::cond over updates with masked (empty) leaves.
#include "optim/wrapping.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;
using jx::tree::KeyPath;
using jx::tree::PathEntry;
using jx::tree::Tree;

TEST(OptimWrapping, LabelsAlongAPath) {
  const Tree labels = Tree::dict({{"encoder", Tree::static_value(std::string("slow"))},
                                  {"layers", Tree::list({Tree::static_value(std::string("a")),
                                                         Tree::dict({{"w", Tree::static_value(std::string("b"))}})})}});
  const KeyPath deep{{PathEntry::Kind::key, "encoder", 0}, {PathEntry::Kind::field, "w", 0}};
  EXPECT_EQ(optim::detail::label_at(labels, deep), "slow");
  EXPECT_EQ(optim::detail::label_at(labels, {{PathEntry::Kind::key, "layers", 0}, {PathEntry::Kind::index, "", 0}}),
            "a");
  EXPECT_EQ(optim::detail::label_at(
                labels,
                {{PathEntry::Kind::key, "layers", 0}, {PathEntry::Kind::index, "", 1}, {PathEntry::Kind::key, "w", 0}}),
            "b");
  EXPECT_THROW(optim::detail::label_at(labels, {{PathEntry::Kind::key, "head", 0}}), jx::ValueError);
  EXPECT_THROW(optim::detail::label_at(Tree::static_value(3), {}), jx::ValueError);  // not a string
}

TEST(OptimWrapping, SelectKeepsTheStatesTypes) {
  const Tree a = Tree::dict({{"count", jnp::array(5)}, {"mu", jnp::ones({2})}});
  const Tree b = Tree::dict({{"count", jnp::zeros({}, jx::int32)}, {"mu", jnp::zeros({2})}});
  const Tree chosen = optim::detail::select_state(jnp::array(true), a, b, "test");
  EXPECT_EQ(chosen["count"].array().item<int>(), 5);
  EXPECT_EQ(chosen["count"].array().dtype(), jx::int32);
  EXPECT_FALSE(chosen["count"].array().weak_type());
  EXPECT_EQ(optim::detail::select_state(jnp::array(false), a, b, "test")["mu"].array()[1].item<float>(), 0.0f);
  EXPECT_THROW(optim::detail::select_state(jnp::array(true), a, Tree::dict({{"count", jnp::array(1)}}), "test"),
               jx::TreeError);
}

TEST(OptimWrapping, CondOverUpdatesLeavesMaskedLeavesAlone) {
  std::vector<Array> updates{jnp::ones({2}), Array(), jnp::full({1}, 3.0f)};
  const optim::detail::UpdatePath doubled = [](std::vector<Array>& u) {
    for (Array& leaf : u)
      if (leaf.valid()) leaf = leaf * 2.0f;
    return Tree(jnp::array(1));
  };
  const optim::detail::UpdatePath kept = [](std::vector<Array>&) { return Tree(jnp::array(0)); };
  const Tree state = optim::detail::cond_update(jnp::array(true), doubled, kept, updates, "test");
  EXPECT_EQ(state.array().item<int>(), 1);
  EXPECT_FALSE(updates[1].valid());
  EXPECT_EQ(updates[2][0].item<float>(), 6.0f);
  std::vector<Array> again{jnp::ones({2})};
  EXPECT_EQ(optim::detail::cond_update(jnp::array(0), doubled, kept, again, "test").array().item<int>(), 0);
  EXPECT_EQ(again[0][1].item<float>(), 1.0f);
  EXPECT_THROW(optim::detail::cond_update(jnp::ones({2}) > 0, doubled, kept, again, "test"), jx::ShapeError);
  EXPECT_THROW(optim::detail::require_params({}, "test"), jx::ValueError);
}

}  // namespace
