// snapshot, monitor and measure_with_ema (jx/optim/wrappers.h): measurements of the updates kept in
// the state, each against its closed form (norms, a debiased moving average written out below); the
// updates pass unchanged; under jit.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"
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

Tree global_norm(const Tree& updates) {
  Array sum = jnp::zeros({});
  for (const Array& leaf : jx::tree::flatten(updates).first) sum = sum + jnp::sum(jnp::square(leaf));
  return Tree(jnp::sqrt(sum));
}

Params gradient(int step) {
  return Params{jnp::array({3.0f * static_cast<float>(step + 1), 4.0f}), jnp::array({0.0f})};
}
double norm_of(int step) { return std::sqrt(9.0 * (step + 1) * (step + 1) + 16.0); }

TEST(OptimMonitoring, SnapshotKeepsTheMeasurementOfTheUpdatesSoFar) {
  const auto opt = optim::chain(optim::snapshot("before", global_norm), optim::clip_by_global_norm(1.0),
                                optim::snapshot("after", global_norm));
  const Params params{jnp::array({1.0f, 2.0f}), jnp::array({2.0f})};
  optim::OptState state = opt.init(params);
  EXPECT_NEAR(state[0]["measurement"]["before"].array().item<float>(), 3.0f, 1e-6f);  // of the parameters
  for (int i = 0; i < 3; ++i) {
    auto [u, next] = opt.update(gradient(i), state);
    state = next;
    EXPECT_NEAR(state[0]["measurement"]["before"].array().item<float>(), norm_of(i), 1e-5);
    EXPECT_NEAR(state[2]["measurement"]["after"].array().item<float>(), 1.0f, 1e-6f);
    EXPECT_NEAR(u.w[1].item<float>(), 4.0 / norm_of(i), 1e-6);
  }
}

TEST(OptimMonitoring, MonitorRecordsMeasuresTransformationsAndAverages) {
  const double decay = 0.5;
  const auto opt = optim::monitor({{"norm", optim::Measure(global_norm)},
                                   {"ema_norm", optim::measure_with_ema(global_norm, decay)},
                                   {"clipped", optim::clip_by_global_norm(1.0)}});
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  optim::OptState state = opt.init(params);
  EXPECT_TRUE(state["measurements"].is_dict());
  EXPECT_EQ(state["measurements"].size(), 0u);  // as in Optax: nothing measured yet
  ASSERT_EQ(state["measure_states"].size(), 3u);
  EXPECT_TRUE(state["measure_states"][1][0].is_none());
  EXPECT_EQ(state["measure_states"][1][1]["count"].array().item<int>(), 0);
  double average = 0;
  for (int i = 0; i < 4; ++i) {
    auto [u, next] = opt.update(gradient(i), state);
    state = next;
    EXPECT_EQ(u.w[0].item<float>(), gradient(i).w[0].item<float>());  // unchanged
    const Tree& m = state["measurements"];
    EXPECT_NEAR(m["norm"].array().item<float>(), norm_of(i), 1e-5);
    average = decay * average + (1 - decay) * norm_of(i);
    EXPECT_NEAR(m["ema_norm"].array().item<float>(), average / (1 - std::pow(decay, i + 1)), 1e-5);
    EXPECT_NEAR(m["clipped"]["w"].array()[0].item<float>(), 3.0 * (i + 1) / norm_of(i), 1e-6);
  }
}

TEST(OptimMonitoring, MeasureWithEmaUndebiased) {
  const auto average = optim::measure_with_ema(global_norm, 0.9, {.debias = false});
  const Params params{jnp::zeros({2}), jnp::zeros({1})};
  const auto [leaves, structure] = jx::tree::flatten(params);
  optim::OptState state = average.init_leaves(structure, leaves);
  double expected = 0;
  for (int i = 0; i < 3; ++i) {
    const auto [g, g_structure] = jx::tree::flatten(gradient(i));
    auto [measurement, next] = average.update_leaves(g_structure, g, state, {}, {});
    state = next;
    expected = 0.9 * expected + 0.1 * norm_of(i);
    EXPECT_NEAR(measurement.array().item<float>(), expected, 1e-5);
  }
}

TEST(OptimMonitoring, MonitorUnderJitTracesOnceMoreAfterTheFirstStep) {
  // A lambda is a Measure as it is.
  const auto opt = optim::monitor({{"norm", [](const Tree& u) { return global_norm(u); }}});
  auto step = jx::jit([opt](const Params& g, const optim::OptState& s) { return opt.update(g, s).second; });
  optim::OptState state = opt.init(Params{jnp::zeros({2}), jnp::zeros({1})});
  for (int i = 0; i < 4; ++i) {
    state = step(gradient(i), state);
    EXPECT_NEAR(state["measurements"]["norm"].array().item<float>(), norm_of(i), 1e-5);
  }
  // The first step's state has no measurement yet, the others do: two signatures.
  EXPECT_EQ(step.trace_count(), 2u);
}

TEST(OptimMonitoring, Errors) {
  EXPECT_THROW(optim::snapshot("x", nullptr), jx::ValueError);
  EXPECT_THROW(optim::monitor({{"a", optim::Measure(global_norm)}, {"a", optim::Measure(global_norm)}}),
               jx::ValueError);
}

}  // namespace
