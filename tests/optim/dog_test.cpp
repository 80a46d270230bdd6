// scale_by_distance_over_gradients (jx/optim/step_size.h) against layer-wise DoG written out in double
// precision below: the distance from the initial parameters over the root of the summed squared
// gradients, per leaf; its state, jit, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "array_close.h"
#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/step_size.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

using jx::testing::values;

double norm(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v * v;
  return std::sqrt(sum);
}

// One leaf of DoG: max_dist starts at reps_rel (1 + ||x0||), sums of squared gradients at 0.
struct Reference {
  std::vector<double> x0, x;
  double max_dist, sum_of_squares = 0;
  double reps_rel, eps, scale;
  Reference(std::vector<double> initial, double reps_rel_, double eps_, double scale_)
      : x0(initial),
        x(initial),
        max_dist(reps_rel_ * (1 + norm(initial))),
        reps_rel(reps_rel_),
        eps(eps_),
        scale(scale_) {}
  // The update for gradient g at the current x; x then moves by it.
  std::vector<double> step(const std::vector<double>& g) {
    std::vector<double> d(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) d[i] = x[i] - x0[i];
    max_dist = std::max(max_dist, norm(d));
    sum_of_squares += norm(g) * norm(g);
    std::vector<double> u(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      u[i] = scale * max_dist / std::sqrt(sum_of_squares + eps) * g[i];
      x[i] += u[i];
    }
    return u;
  }
};

Params gradient_at(const Params& p) {
  // The gradient of sum((w - 3)^2) + sum(b^4 / 4): 2 (w - 3) and b^3.
  return Params{2.0f * (p.w - 3.0f), p.b * p.b * p.b};
}

TEST(OptimDog, MatchesLayerWiseDogWrittenOut) {
  const double reps_rel = 1e-2, eps = 1e-8, scale = -1.0;
  const auto dog = optim::scale_by_distance_over_gradients({.reps_rel = reps_rel, .global_scale = scale});
  Params params{jnp::array({1.0f, -2.0f, 0.5f}), jnp::array({1.5f})};
  optim::OptState state = dog.init(params);
  EXPECT_NEAR(state["max_dist"]["w"].array().item<float>(), reps_rel * (1 + std::sqrt(5.25)), 1e-7);
  EXPECT_EQ(state["grad_sum_of_squares"]["w"].array().shape(), jx::Shape({1}));
  EXPECT_EQ(state["init_params"]["b"].array().dtype(), jx::float32);
  Reference w(values(params.w), reps_rel, eps, scale), b(values(params.b), reps_rel, eps, scale);
  for (int i = 0; i < 5; ++i) {
    const Params g = gradient_at(params);
    auto [u, next] = dog.update(g, state, params);
    state = next;
    params = optim::apply_updates(params, u);
    const std::vector<double> expected_w = w.step(values(g.w)), expected_b = b.step(values(g.b));
    const std::vector<double> actual_w = values(u.w), actual_b = values(u.b);
    for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(actual_w[k], expected_w[k], 1e-5 * std::abs(expected_w[k]) + 1e-7);
    EXPECT_NEAR(actual_b[0], expected_b[0], 1e-5 * std::abs(expected_b[0]) + 1e-7);
    EXPECT_NEAR(state["max_dist"]["w"].array().item<float>(), w.max_dist, 1e-5 * w.max_dist);
    EXPECT_NEAR(state["grad_sum_of_squares"]["b"].array()[0].item<float>(), b.sum_of_squares, 1e-5 * b.sum_of_squares);
  }
}

TEST(OptimDog, KeepsTheInitialParametersInParamDtype) {
  const auto dog = optim::scale_by_distance_over_gradients({.param_dtype = jx::bfloat16});
  const Array p = jnp::array({1.0f, 2.0f});
  const optim::OptState state = dog.init(p);
  EXPECT_EQ(state["init_params"].array().dtype(), jx::bfloat16);
  // A scalar leaf keeps a scalar update.
  const Array scalar = jnp::array(2.0f);
  const Array u = dog.update(jnp::array(1.0f), dog.init(scalar), scalar).first;
  EXPECT_EQ(u.shape(), jx::Shape({}));
}

TEST(OptimDog, JittedStepsTraceOnce) {
  const auto dog = optim::scale_by_distance_over_gradients({.global_scale = -1.0});
  Params params{jnp::array({1.0f, -2.0f, 0.5f}), jnp::array({1.5f})};
  auto step = jx::jit([dog](const Params& p, const optim::OptState& s) {
    auto [u, next] = dog.update(gradient_at(p), s, p);
    return std::pair{optim::apply_updates(p, u), next};
  });
  optim::OptState state = dog.init(params);
  Reference w(values(params.w), 1e-6, 1e-8, -1.0);
  for (int i = 0; i < 4; ++i) {
    w.step(values(gradient_at(params).w));
    std::tie(params, state) = step(params, state);
  }
  const std::vector<double> actual = values(params.w);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(actual[k], w.x[k], 1e-5);
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimDog, NeedsTheParameters) {
  const auto dog = optim::scale_by_distance_over_gradients();
  const Array p = jnp::ones({2});
  EXPECT_THROW(dog.update(p, dog.init(p)), jx::ValueError);
}

}  // namespace
