// lookahead (jx/optim/wrappers.h) against Lookahead's two loops written out in double precision below
// (k fast SGD steps, then the slow parameters move slow_step_size of the way and the fast ones are set
// to them); LookaheadParams as a struct and as a dynamic tree, reset_state, jit, and the errors.
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

using Pair = optim::LookaheadParams<Array>;

// f(x) = sum((x - target)^2 + x^4 / 4): its gradient at the fast parameters only.
Array loss_of(const Array& x) { return jnp::sum(jnp::square(x - jnp::array({1.0f, -2.0f})) + jnp::power(x, 4.0f) / 4); }
Array lookahead_loss(const Pair& p) { return loss_of(p.fast); }

std::vector<double> gradient_at(const std::vector<double>& x) {
  const double target[2] = {1.0, -2.0};
  return {2 * (x[0] - target[0]) + x[0] * x[0] * x[0], 2 * (x[1] - target[1]) + x[1] * x[1] * x[1]};
}

struct Reference {
  std::vector<double> fast, slow, trace{0.0, 0.0};
  double lr, alpha, momentum;
  int k, steps = 0;
  bool reset;
  void step() {
    const std::vector<double> g = gradient_at(fast);
    for (std::size_t i = 0; i < 2; ++i) {
      trace[i] = g[i] + momentum * trace[i];
      fast[i] -= lr * trace[i];
    }
    if (++steps % k == 0) {
      for (std::size_t i = 0; i < 2; ++i) {
        slow[i] += alpha * (fast[i] - slow[i]);
        fast[i] = slow[i];
      }
      if (reset) trace = {0.0, 0.0};
    }
  }
};

void expect_near(const Array& actual, const std::vector<double>& expected, const std::string& what) {
  const std::vector<float> v = actual.to_vector<float>();
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(v[i], expected[i], 2e-5) << what << " at " << i;
}

void run(bool reset_state, double momentum) {
  const double lr = 0.05, alpha = 0.5;
  const int k = 3;
  const auto opt = optim::lookahead(optim::sgd(lr, {.momentum = momentum}), k, alpha, {.reset_state = reset_state});
  Pair params = Pair::init_synced(jnp::array({0.5f, 0.5f}));
  optim::OptState state = opt.init(params);
  EXPECT_EQ(state["steps_since_sync"].array().item<int>(), 0);
  auto step = jx::jit([opt](const Pair& p, const optim::OptState& s) {
    const Pair grads = jx::grad(lookahead_loss)(p);  // zeros for the slow part
    auto [u, next] = opt.update(grads, s, p);
    return std::pair{optim::apply_updates(p, u), next};
  });
  Reference reference{{0.5, 0.5}, {0.5, 0.5}, {0.0, 0.0}, lr, alpha, momentum, k, 0, reset_state};
  for (int i = 0; i < 8; ++i) {
    std::tie(params, state) = step(params, state);
    reference.step();
    const std::string at = "step " + std::to_string(i) + (reset_state ? " (reset)" : "");
    expect_near(params.fast, reference.fast, "fast, " + at);
    expect_near(params.slow, reference.slow, "slow, " + at);
    EXPECT_EQ(state["steps_since_sync"].array().item<int>(), (i + 1) % k);
  }
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimLookahead, MatchesTheTwoLoops) { run(false, 0.0); }

TEST(OptimLookahead, MomentumKeptOrResetAtSynchronization) {
  run(false, 0.9);
  run(true, 0.9);
}

TEST(OptimLookahead, DynamicTreesAndPlainParametersAtInit) {
  // {'fast', 'slow'} as a dynamic tree.
  const auto opt = optim::lookahead(optim::sgd(1.0), 2, 0.5);
  Tree params = Tree::dict({{"fast", jnp::array({1.0f})}, {"slow", jnp::array({1.0f})}});
  const Tree grads = Tree::dict({{"fast", jnp::array({0.5f})}, {"slow", jnp::array({0.0f})}});
  optim::OptState state = opt.init(params);
  for (int i = 0; i < 2; ++i) {
    auto [u, next] = opt.update(grads, state, params);
    state = next;
    params = optim::apply_updates(params, u);
  }
  // Two fast steps to 0; then slow = 1 + 0.5 (0 - 1) = 0.5 and fast = slow.
  EXPECT_NEAR(params["slow"].array()[0].item<float>(), 0.5f, 1e-6f);
  EXPECT_NEAR(params["fast"].array()[0].item<float>(), 0.5f, 1e-6f);
  // init takes the fast parameters alone (as Optax allows); update needs both.
  const Array plain = jnp::ones({2});
  const optim::OptState plain_state = optim::lookahead(optim::adam(0.1), 2, 0.5).init(plain);
  EXPECT_EQ(plain_state["fast_state"][0]["mu"].array().shape(), jx::Shape({2}));
  EXPECT_THROW(optim::lookahead(optim::sgd(1.0), 2, 0.5).update(plain, plain_state, plain), jx::ValueError);
}

TEST(OptimLookahead, Errors) {
  EXPECT_THROW(optim::lookahead(optim::sgd(1.0), 0, 0.5), jx::ValueError);
  const auto opt = optim::lookahead(optim::sgd(1.0), 2, 0.5);
  const Pair params = Pair::init_synced(jnp::ones({2}));
  EXPECT_THROW(opt.update(params, opt.init(params)), jx::ValueError);  // no parameters
}

}  // namespace
