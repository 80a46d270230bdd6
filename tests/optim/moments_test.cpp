// The moment-keeping transformations (trace, scale_by_adam, scale_by_rms, scale_by_stddev,
// scale_by_rss, scale_by_lion) against the Optax oracle, and their state's layout and dtypes.
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
Params grads() { return {jnp::full({2, 3}, 0.5f), jnp::full({3}, -1.0f)}; }

TEST(OptimMoments, MatchTheOracle) { replay_family("moments"); }

TEST(OptimMoments, StatesAreNamedAsOptaxNamesThem) {
  auto keys = [](const optim::OptState& state) {
    std::vector<std::string> names;
    for (const auto& [key, value] : state.as_dict()) names.push_back(key);
    return names;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(keys(optim::scale_by_adam().init(params())), (Names{"count", "mu", "nu"}));
  EXPECT_EQ(keys(optim::trace(0.9).init(params())), (Names{"trace"}));
  EXPECT_EQ(keys(optim::scale_by_rms().init(params())), (Names{"nu"}));
  EXPECT_EQ(keys(optim::scale_by_rms({.bias_correction = true}).init(params())), (Names{"count", "nu"}));
  EXPECT_EQ(keys(optim::scale_by_stddev().init(params())), (Names{"mu", "nu"}));
  EXPECT_EQ(keys(optim::scale_by_rss().init(params())), (Names{"sum_of_squares"}));
  EXPECT_EQ(keys(optim::scale_by_lion().init(params())), (Names{"count", "mu"}));
  // Moments are trees shaped like the parameters.
  const optim::OptState adam = optim::scale_by_adam().init(params());
  EXPECT_EQ(adam["mu"]["w"].array().shape(), jx::Shape({2, 3}));
  EXPECT_EQ(adam["nu"]["b"].array().shape(), jx::Shape({3}));
  EXPECT_EQ(adam["count"].array().item<int>(), 0);
  // Initial values as Optax sets them.
  EXPECT_EQ(optim::scale_by_rss().init(params())["sum_of_squares"]["w"].array()(0, 0).item<float>(), 0.1f);
  EXPECT_EQ(optim::scale_by_rms({.initial_scale = 1.0}).init(params())["nu"]["b"].array()[0].item<float>(), 1.0f);
}

TEST(OptimMoments, AccumulatorDtypes) {
  // mu_dtype / accumulator_dtype choose the stored first moment's dtype; nu keeps the parameters'.
  const auto adam = optim::scale_by_adam({.mu_dtype = jx::bfloat16});
  optim::OptState state = adam.init(params());
  EXPECT_EQ(state["mu"]["w"].array().dtype(), jx::bfloat16);
  EXPECT_EQ(state["nu"]["w"].array().dtype(), jx::float32);
  auto [updates, next] = adam.update(grads(), state);
  EXPECT_EQ(next["mu"]["w"].array().dtype(), jx::bfloat16);
  EXPECT_EQ(next["nu"]["w"].array().dtype(), jx::float32);
  EXPECT_EQ(updates.w.dtype(), jx::float32);
  const auto momentum = optim::trace(0.9, {.accumulator_dtype = jx::bfloat16});
  EXPECT_EQ(momentum.update(grads(), momentum.init(params())).second["trace"]["b"].array().dtype(), jx::bfloat16);
  const auto lion = optim::scale_by_lion({.mu_dtype = jx::bfloat16});
  EXPECT_EQ(lion.update(grads(), lion.init(params())).second["mu"]["b"].array().dtype(), jx::bfloat16);
}

TEST(OptimMoments, FirstAdamStepIsTheGradientSign) {
  // With bias correction, Adam's first update is g / (|g| + eps): about the sign, whatever the scale.
  const auto adam = optim::scale_by_adam();
  const Params tiny{jnp::full({2, 3}, 1e-3f), jnp::full({3}, -1e3f)};
  auto [updates, state] = adam.update(tiny, adam.init(params()));
  EXPECT_NEAR(updates.w(0, 0).item<float>(), 1e-3 / (1e-3 + 1e-8), 1e-6);
  EXPECT_NEAR(updates.b[2].item<float>(), -1.0f, 1e-6f);
  EXPECT_EQ(state["count"].array().item<int>(), 1);
}

TEST(OptimMoments, AZeroSumOfSquaresScalesByZero) {
  // Adagrad with no initial accumulator and a zero gradient: 0, not NaN.
  const auto rss = optim::scale_by_rss({.initial_accumulator_value = 0.0, .eps = 0.0});
  auto [updates, state] = rss.update(Params{jnp::zeros({2, 3}), jnp::ones({3})}, rss.init(params()));
  EXPECT_EQ(updates.w(1, 2).item<float>(), 0.0f);
  EXPECT_EQ(updates.b[0].item<float>(), 1.0f);
}

TEST(OptimMoments, StateOfOtherParametersIsRefused) {
  const auto adam = optim::scale_by_adam();
  const optim::OptState state = adam.init(jnp::ones({3}));
  EXPECT_THROW(adam.update(grads(), state, params()), jx::TreeError);
  EXPECT_THROW(adam.update(grads(), optim::OptState::none(), params()), jx::TreeError);
}

}  // namespace
