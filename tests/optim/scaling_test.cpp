// Scaling, clipping and weight decay against the Optax oracle, and their edge cases.
#include <gtest/gtest.h>

#include <cmath>

#include "jx/core/error.h"
#include "optim/optax_oracle.h"

namespace {

using namespace optim_oracle;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

TEST(OptimScaling, MatchTheOracle) { replay_family("scaling"); }

TEST(OptimScaling, ClippingUsesTheGlobalNorm) {
  // Norm sqrt(3^2 + 4^2) = 5 over both leaves: clipped to 1, the direction kept.
  const auto clip = optim::clip_by_global_norm(1.0);
  const Params g{jnp::array({3.0f}), jnp::array({4.0f})};
  auto [clipped, state] = clip.update(g, clip.init(g));
  EXPECT_TRUE(state.is_none());
  EXPECT_NEAR(clipped.w[0].item<float>(), 0.6f, 1e-7f);
  EXPECT_NEAR(clipped.b[0].item<float>(), 0.8f, 1e-7f);
  // Below the threshold, and all zeros (no NaN from 0 / 0): unchanged.
  EXPECT_EQ(optim::clip_by_global_norm(10.0).update(g, state).first.w[0].item<float>(), 3.0f);
  const Params zeros{jnp::zeros({1}), jnp::zeros({1})};
  EXPECT_EQ(clip.update(zeros, state).first.b[0].item<float>(), 0.0f);
}

TEST(OptimScaling, LearningRateSchedulesCountSteps) {
  const auto lr = optim::scale_by_learning_rate(optim::linear_schedule(1.0, 0.0, 4));
  const Array g = jnp::ones({2});
  optim::OptState state = lr.init(g);
  std::vector<float> seen;
  for (int i = 0; i < 6; ++i) {
    auto [u, next] = lr.update(g, state);
    seen.push_back(u[0].item<float>());
    state = next;
  }
  EXPECT_EQ(seen, (std::vector<float>{-1.0f, -0.75f, -0.5f, -0.25f, 0.0f, 0.0f}));
  EXPECT_EQ(state["count"].array().item<int>(), 6);
  // A constant needs no state; flip_sign = false ascends.
  EXPECT_TRUE(optim::scale_by_learning_rate(0.1).init(g).is_none());
  EXPECT_FLOAT_EQ(optim::scale_by_learning_rate(0.1, {.flip_sign = false}).update(g, {}).first[1].item<float>(), 0.1f);
}

TEST(OptimScaling, ScheduledStepsKeepTheUpdatesDtype) {
  const auto scaled = optim::scale_by_schedule(optim::constant_schedule(0.5));
  const Array g = jnp::ones({2}, jx::bfloat16);
  const Array u = scaled.update(g, scaled.init(g)).first;
  EXPECT_EQ(u.dtype(), jx::bfloat16);
  EXPECT_EQ(u[0].item<float>(), 0.5f);
}

TEST(OptimScaling, WeightDecayNeedsTheParameters) {
  const auto decay = optim::add_decayed_weights(0.1);
  const Params p{jnp::ones({2}), jnp::ones({1})};
  try {
    decay.update(p, decay.init(p));
    FAIL();
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("add_decayed_weights needs the parameters"), std::string::npos);
  }
  // As in Optax, even a zero decay asks for them; with them, it changes nothing.
  EXPECT_THROW(optim::add_decayed_weights().update(p, {}), jx::ValueError);
  EXPECT_EQ(optim::add_decayed_weights().update(p, {}, p).first.w[0].item<float>(), 1.0f);
}

TEST(OptimScaling, WeightDecayMaskedByPath) {
  // not_named leaves out leaves by their own name, at any depth of the tree.
  struct Layer {
    Array w, b;
    JX_PYTREE_FIELDS(w, b);
  };
  const std::vector<Layer> layers = {{jnp::ones({2}), jnp::ones({1})}, {jnp::ones({3}), jnp::ones({1})}};
  const auto decay = optim::add_decayed_weights(0.5, optim::not_named({"b"}));
  const optim::OptState state = decay.init(layers);
  EXPECT_TRUE(state["inner_state"].is_none());
  const auto [updates, next] = decay.update(layers, state, layers);
  EXPECT_EQ(updates[1].w[0].item<float>(), 1.5f);
  EXPECT_EQ(updates[1].b[0].item<float>(), 1.0f);
  EXPECT_EQ(updates[0].b[0].item<float>(), 1.0f);
  // A mask on leaf and path: decay matrices only.
  const auto matrices =
      optim::add_decayed_weights(0.5, [](const jx::tree::KeyPath&, const Array& leaf) { return leaf.ndim() > 1; });
  const jx::tree::Tree tree = jx::tree::Tree::dict({{"w", jnp::ones({2, 2})}, {"b", jnp::ones({2})}});
  const auto [masked_updates, unused] = matrices.update(tree, matrices.init(tree), tree);
  EXPECT_EQ(masked_updates["w"].array()(0, 0).item<float>(), 1.5f);
  EXPECT_EQ(masked_updates["b"].array()[0].item<float>(), 1.0f);
}

}  // namespace
