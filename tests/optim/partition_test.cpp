// partition (multi_transform), named_chain, flatten, freeze and selective_transform
// (jx/optim/wrappers.h): different optimizers on differently labelled leaves, each against its closed
// form written out below (SGD, and Adam in double precision); labels by function and by a prefix tree;
// states, jit, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "array_close.h"
#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/step_size.h"
#include "jx/optim/wrappers.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;
using jx::tree::Tree;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

using jx::testing::values;

void expect_near(const Array& actual, const std::vector<double>& expected, const std::string& what) {
  const std::vector<double> v = values(actual);
  ASSERT_EQ(v.size(), expected.size()) << what;
  for (std::size_t i = 0; i < v.size(); ++i)
    EXPECT_NEAR(v[i], expected[i], 1e-5 * std::abs(expected[i]) + 1e-7) << what << " at " << i;
}

Params gradient(int step) {
  return Params{jnp::array({std::sin(0.5f * step + 0.1f), std::cos(0.3f * step) * 2.0f}),
                jnp::array({0.25f * static_cast<float>(step) - 1.0f})};
}

// Adam's update -lr m_hat / (sqrt(v_hat) + eps), in double precision.
struct AdamReference {
  double lr;
  std::vector<double> m, v;
  int t = 0;
  AdamReference(double lr_, std::size_t n) : lr(lr_), m(n), v(n) {}
  std::vector<double> update(const std::vector<double>& g) {
    ++t;
    std::vector<double> u(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      u[i] = -lr * (m[i] / (1 - std::pow(0.9, t))) / (std::sqrt(v[i] / (1 - std::pow(0.999, t))) + 1e-8);
    }
    return u;
  }
};

std::string label_by_name(const jx::tree::KeyPath& path, const Array&) {
  return path.back().name == "w" ? "adam" : "sgd";
}

TEST(OptimPartition, DifferentOptimizersOnLabelledLeaves) {
  const auto opt = optim::partition({{"adam", optim::adam(0.1)}, {"sgd", optim::sgd(0.5)}}, label_by_name);
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  // Each group's state covers its own leaves only.
  const Tree& adam_state = state["inner_states"]["adam"]["inner_state"];
  EXPECT_EQ(adam_state[0]["mu"]["w"].array().shape(), jx::Shape({2}));
  EXPECT_TRUE(adam_state[0]["mu"]["b"].is_none());
  EXPECT_TRUE(state["inner_states"]["sgd"]["inner_state"].is_list());
  AdamReference adam(0.1, 2);
  auto step = jx::jit([opt](const Params& g, const optim::OptState& s) { return opt.update(g, s); });
  for (int i = 0; i < 4; ++i) {
    auto [u, next] = step(gradient(i), state);
    state = next;
    expect_near(u.w, adam.update(values(gradient(i).w)), "w (Adam) at step " + std::to_string(i));
    expect_near(u.b, {-0.5 * values(gradient(i).b)[0]}, "b (SGD) at step " + std::to_string(i));
  }
  EXPECT_EQ(state["inner_states"]["adam"]["inner_state"][0]["count"].array().item<int>(), 4);
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimPartition, LabelsAsAPrefixTree) {
  // A label on a subtree labels every leaf below it.
  const Tree params = Tree::dict({{"encoder", Tree::dict({{"w", jnp::ones({2})}, {"b", jnp::ones({1})}})},
                                  {"head", Tree::dict({{"w", jnp::ones({3})}})}});
  const Tree labels = Tree::dict({{"encoder", Tree::static_value(std::string("slow"))},
                                  {"head", Tree::dict({{"w", Tree::static_value(std::string("fast"))}})}});
  const auto opt = optim::multi_transform({{"slow", optim::sgd(0.01)}, {"fast", optim::sgd(1.0)}}, labels);
  const Tree grads = jx::tree::map([](const Array& p) { return 2.0f * p; }, params);
  const Tree u = opt.update(grads, opt.init(params)).first;
  EXPECT_NEAR(u["encoder"]["w"].array()[0].item<float>(), -0.02f, 1e-7f);
  EXPECT_NEAR(u["encoder"]["b"].array()[0].item<float>(), -0.02f, 1e-7f);
  EXPECT_NEAR(u["head"]["w"].array()[2].item<float>(), -2.0f, 1e-7f);
}

TEST(OptimPartition, LabelsWithoutATransformationAreErrors) {
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  const auto opt = optim::partition({{"adam", optim::adam(0.1)}}, label_by_name);
  try {
    opt.init(params);
    FAIL();
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("['sgd']"), std::string::npos) << e.what();
  }
  // A tree of labels that leaves a leaf unlabelled.
  const auto partial =
      optim::partition({{"a", optim::sgd(1.0)}}, Tree::dict({{"w", Tree::static_value(std::string("a"))}}));
  EXPECT_THROW(partial.init(params), jx::ValueError);
}

TEST(OptimNamedChain, StatesByNameAndPartsInOrder) {
  // scale(2) then momentum SGD: -0.1 trace, trace = 2 g + 0.9 trace.
  const auto opt = optim::named_chain({{"scale", optim::scale(2.0)}, {"sgd", optim::sgd(0.1, {.momentum = 0.9})}});
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  ASSERT_TRUE(state.is_dict());
  EXPECT_TRUE(state["scale"].is_none());
  EXPECT_EQ(state["sgd"][0]["trace"]["w"].array().shape(), jx::Shape({2}));
  double trace = 0;
  for (int i = 0; i < 3; ++i) {
    auto [u, next] = opt.update(gradient(i), state);
    state = next;
    trace = 2 * values(gradient(i).b)[0] + 0.9 * trace;
    EXPECT_NEAR(u.b[0].item<float>(), -0.1 * trace, 1e-6);
  }
  // The extra arguments reach every part.
  const auto with_polyak = optim::named_chain({{"sgd", optim::sgd(1.0)}, {"polyak", optim::scale_by_polyak()}});
  const Array x = jnp::array({1.0f, 2.0f});
  const Array u = with_polyak.update(x, with_polyak.init(x), x, {.value = jnp::array(5.0f)}).first;
  EXPECT_NEAR(u[1].item<float>(), -2.0f, 1e-6f);  // step 5 / 5 = 1 on -x
  EXPECT_THROW(optim::named_chain({{"a", optim::scale(1.0)}, {"a", optim::scale(2.0)}}), jx::ValueError);
}

TEST(OptimFlatten, RunsTheInnerTransformationOnOneVector) {
  const auto opt = optim::flatten(optim::adam(0.1));
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  EXPECT_EQ(state[0]["mu"].array().shape(), jx::Shape({3}));
  AdamReference adam(0.1, 3);
  for (int i = 0; i < 3; ++i) {
    auto [u, next] = opt.update(gradient(i), state, params);
    state = next;
    std::vector<double> g = values(gradient(i).w);
    g.push_back(values(gradient(i).b)[0]);
    const std::vector<double> expected = adam.update(g);
    expect_near(u.w, {expected[0], expected[1]}, "w");
    expect_near(u.b, {expected[2]}, "b");
    EXPECT_EQ(u.b.shape(), jx::Shape({1}));
  }
}

TEST(OptimFreeze, FrozenLeavesGetZeroUpdates) {
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  const auto freeze_b =
      optim::freeze([](const jx::tree::KeyPath& path, const Array&) { return path.back().name == "b"; });
  const optim::OptState state = freeze_b.init(params);
  EXPECT_TRUE(state["inner_state"].is_none());
  const Params u = freeze_b.update(gradient(3), state).first;
  EXPECT_EQ(u.b[0].item<float>(), 0.0f);
  EXPECT_EQ(u.w[1].item<float>(), gradient(3).w[1].item<float>());
  EXPECT_EQ(optim::freeze(true).update(gradient(3), state).first.w[0].item<float>(), 0.0f);
  EXPECT_EQ(optim::freeze(false).update(gradient(3), state).first.b[0].item<float>(), gradient(3).b[0].item<float>());
}

TEST(OptimFreeze, SelectiveTransformOptimizesTheOtherLeaves) {
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  const auto opt = optim::selective_transform(
      optim::adam(0.1), [](const jx::tree::KeyPath& path, const Array&) { return path.back().name == "w"; });
  optim::OptState state = opt.init(params);
  EXPECT_TRUE(state["inner_states"]["train"]["inner_state"][0]["mu"]["w"].is_none());
  EXPECT_TRUE(state["inner_states"]["freeze"]["inner_state"].is_none());
  AdamReference adam(0.1, 1);
  for (int i = 0; i < 3; ++i) {
    auto [u, next] = opt.update(gradient(i), state);
    state = next;
    expect_near(u.w, {0.0, 0.0}, "frozen w");
    expect_near(u.b, adam.update(values(gradient(i).b)), "b");
  }
}

}  // namespace
