// The common optimizers against the Optax oracle (each written out there from its documented update
// formula), and what they are made of.
#include <gtest/gtest.h>

#include "jx/core/error.h"
#include "optim/optax_oracle.h"

namespace {

using namespace optim_oracle;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

Params params() { return {jnp::ones({2, 3}), jnp::zeros({3})}; }

TEST(OptimAliases, MatchTheOracle) { replay_family("aliases"); }

TEST(OptimAliases, DefaultsAreOptaxs) {
  const optim::AdamWOptions adamw;
  EXPECT_EQ(adamw.b1, 0.9);
  EXPECT_EQ(adamw.b2, 0.999);
  EXPECT_EQ(adamw.eps, 1e-8);
  EXPECT_EQ(adamw.eps_root, 0.0);
  EXPECT_EQ(adamw.weight_decay.value(), 1e-4);
  EXPECT_FALSE(adamw.nesterov);
  const optim::LionOptions lion;
  EXPECT_EQ(lion.b2, 0.99);
  EXPECT_EQ(lion.weight_decay.value(), 1e-3);
  const optim::RmsPropOptions rmsprop;
  EXPECT_EQ(rmsprop.decay, 0.9);
  EXPECT_EQ(rmsprop.initial_scale, 0.0);
  EXPECT_TRUE(rmsprop.eps_in_sqrt);
  const optim::AdagradOptions adagrad;
  EXPECT_EQ(adagrad.initial_accumulator_value, 0.1);
  EXPECT_EQ(adagrad.eps, 1e-7);
}

TEST(OptimAliases, AreChainsOfBuildingBlocks) {
  EXPECT_EQ(optim::adam(1e-3).name(), "chain(scale_by_adam, scale_by_learning_rate)");
  EXPECT_EQ(optim::adamw(1e-3).name(), "chain(scale_by_adam, add_decayed_weights, scale_by_learning_rate)");
  EXPECT_EQ(optim::adamw(1e-3, {.mask = optim::not_named({"b"})}).name(),
            "chain(scale_by_adam, masked(add_decayed_weights), scale_by_learning_rate)");
  EXPECT_EQ(optim::sgd(0.1).name(), "chain(identity, scale_by_learning_rate)");
  EXPECT_EQ(optim::sgd(0.1, {.momentum = 0.9}).name(), "chain(trace, scale_by_learning_rate)");
  EXPECT_EQ(optim::rmsprop(0.1, {.centered = true, .momentum = 0.9}).name(),
            "chain(scale_by_stddev, scale_by_learning_rate, trace)");
  EXPECT_EQ(optim::lion(0.1).name(), "chain(scale_by_lion, add_decayed_weights, scale_by_learning_rate)");
  EXPECT_EQ(optim::adagrad(0.1).name(), "chain(scale_by_rss, scale_by_learning_rate)");
  // Their states: a list with one entry per part.
  const optim::OptState adam = optim::adam(1e-3).init(params());
  ASSERT_TRUE(adam.is_list());
  ASSERT_EQ(adam.size(), 2u);
  EXPECT_TRUE(adam[0].contains("mu"));
  EXPECT_TRUE(adam[1].is_none());
  const optim::OptState scheduled = optim::adam(optim::cosine_decay_schedule(1e-3, 100)).init(params());
  EXPECT_EQ(scheduled[1]["count"].array().dtype(), jx::int32);
}

TEST(OptimAliases, TheDesignDocumentsSpelling) {
  const Params p = params();
  const Params grads{jnp::full({2, 3}, 0.1f), jnp::full({3}, 0.2f)};
  auto opt = jx::optim::adamw(jx::optim::warmup_cosine_decay_schedule(0.0f, 1e-3f, 100, 5000), {.weight_decay = 1e-4f});
  auto opt_state = opt.init(p);
  auto [updates, next_opt_state] = opt.update(grads, opt_state, p);
  const Params next = jx::optim::apply_updates(p, updates);
  // The warmup starts at 0: the first step changes nothing.
  EXPECT_EQ(next.w(0, 0).item<float>(), 1.0f);
  EXPECT_EQ(next_opt_state[0]["count"].array().item<int>(), 1);
  EXPECT_EQ(next_opt_state[2]["count"].array().item<int>(), 1);
}

}  // namespace
