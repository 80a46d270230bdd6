// Clipping and the stateless reshapings: clip, clip_by_block_rms,
// adaptive_grad_clip, the per-example clipping functions, centralize and
// normalize_by_update_norm, against closed forms computed here with plain loops
// in double precision and the examples of Optax's docstrings; eagerly and under
// jit.
#include "jx/optim/clipping.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "array_close.h"
#include "jx/core/error.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

using jx::testing::values;

void expect_near(const Array& actual, const std::vector<double>& expected, double tolerance, const char* what) {
  const std::vector<double> got = values(actual);
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], tolerance * std::max(1.0, std::abs(expected[i]))) << what << "[" << i << "]";
}

// The transformation's update eagerly and inside jit (the state passed
// through), which must agree.
template <class G, class P>
std::pair<G, optim::OptState> update_both_ways(const optim::GradientTransformation& opt, const G& grads,
                                               const P& params) {
  const optim::OptState state = opt.init(params);
  auto eager = opt.update(grads, state, params);
  auto jitted = jx::jit([opt](const G& g, const optim::OptState& s, const P& p) { return opt.update(g, s, p); });
  auto traced = jitted(grads, state, params);
  const auto eager_leaves = jx::tree::leaves(eager.first), traced_leaves = jx::tree::leaves(traced.first);
  for (std::size_t i = 0; i < eager_leaves.size(); ++i)
    EXPECT_TRUE(jnp::allclose(eager_leaves[i], traced_leaves[i], {.rtol = 1e-6, .atol = 1e-7}).template item<bool>())
        << i;
  return eager;
}

Params sample_grads() {
  return {jnp::array({{0.5f, -3.0f, 1.0f}, {2.0f, 0.25f, -0.75f}}), jnp::array({4.0f, -0.1f, 0.0f})};
}
Params sample_params() {
  return {jnp::array({{0.1f, 2.0f, -0.02f}, {-0.3f, 0.0f, 0.01f}}), jnp::array({1.0f, 0.0f, -2.0f})};
}

TEST(OptimClipping, ClipIsElementwise) {
  const auto [updates, state] = update_both_ways(optim::clip(1.0), sample_grads(), sample_params());
  EXPECT_TRUE(state.is_none());
  expect_near(updates.w, {0.5, -1.0, 1.0, 1.0, 0.25, -0.75}, 0, "w");
  expect_near(updates.b, {1.0, -0.1, 0.0}, 1e-7, "b");
}

TEST(OptimClipping, ClipByBlockRmsScalesEachLeaf) {
  const Params g = sample_grads();
  const double threshold = 0.9;
  const auto [updates, state] = update_both_ways(optim::clip_by_block_rms(threshold), g, sample_params());
  EXPECT_TRUE(state.is_none());
  for (const auto& [leaf, out] : {std::pair{g.w, updates.w}, std::pair{g.b, updates.b}}) {
    std::vector<double> x = values(leaf), expected;
    double sum = 0;
    for (double v : x) sum += v * v;
    const double denominator = std::max(1.0, std::sqrt(sum / static_cast<double>(x.size())) / threshold);
    for (double v : x) expected.push_back(v / denominator);
    expect_near(out, expected, 1e-6, "leaf");
  }
}

// Optax's unit-wise clipping, by loops: units are sets of flat indices sharing
// a norm.
std::vector<double> unitwise_clipped(const std::vector<double>& g, const std::vector<double>& p,
                                     const std::vector<std::vector<std::size_t>>& units, double clipping, double eps) {
  std::vector<double> out(g.size());
  for (const auto& unit : units) {
    double gn = 0, pn = 0;
    for (std::size_t i : unit) gn += g[i] * g[i], pn += p[i] * p[i];
    gn = std::sqrt(gn), pn = std::sqrt(pn);
    const double max_norm = clipping * std::max(pn, eps);
    for (std::size_t i : unit) out[i] = gn < max_norm ? g[i] : g[i] * (max_norm / std::max(gn, 1e-6));
  }
  return out;
}

TEST(OptimClipping, AdaptiveGradClipIsUnitwise) {
  const Params g = sample_grads(), p = sample_params();
  const auto [updates, state] = update_both_ways(optim::adaptive_grad_clip(0.5), g, p);
  EXPECT_TRUE(state.is_none());
  // w (2, 3): a unit is a column (axis 0); b (3,): the whole vector. eps = 1e-3
  // by default.
  expect_near(updates.w, unitwise_clipped(values(g.w), values(p.w), {{0, 3}, {1, 4}, {2, 5}}, 0.5, 1e-3), 1e-6, "w");
  expect_near(updates.b, unitwise_clipped(values(g.b), values(p.b), {{0, 1, 2}}, 0.5, 1e-3), 1e-6, "b");
  // An explicit axis: rows of w (axis 1; applied to every leaf, so given w
  // alone).
  const auto rows = optim::adaptive_grad_clip(0.5, {.eps = 0.2, .axis = 1});
  expect_near(rows.update(g.w, rows.init(p.w), p.w).first,
              unitwise_clipped(values(g.w), values(p.w), {{0, 1, 2}, {3, 4, 5}}, 0.5, 0.2), 1e-6, "rows");
  // A 4-D kernel (HWIO): a unit is one output channel over axes 0-2.
  const Array kernel_grad = jnp::arange(8.0f).reshape({2, 2, 1, 2}) - 3.0f;
  const Array kernel = jnp::full({2, 2, 1, 2}, 0.5f);
  const auto agc = optim::adaptive_grad_clip(0.1);
  expect_near(agc.update(kernel_grad, agc.init(kernel), kernel).first,
              unitwise_clipped(values(kernel_grad), values(kernel), {{0, 2, 4, 6}, {1, 3, 5, 7}}, 0.1, 1e-3), 1e-6,
              "kernel");
}

TEST(OptimClipping, AdaptiveGradClipErrors) {
  const auto agc = optim::adaptive_grad_clip(0.1);
  const Params g = sample_grads();
  EXPECT_THROW(agc.update(g, agc.init(g)), jx::ValueError);  // no parameters
  const Array six = jnp::ones({2, 2, 2, 2, 2, 2});
  try {
    agc.update(six, agc.init(six), six);
    FAIL();
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("adaptive_grad_clip"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(2, 2, 2, 2, 2, 2)"), std::string::npos) << e.what();
  }
  // With an axis, any rank.
  const auto with_axis = optim::adaptive_grad_clip(0.1, {.axis = jx::Axes{0, 1}});
  EXPECT_EQ(with_axis.update(six, with_axis.init(six), six).first.shape(), six.shape());
}

TEST(OptimClipping, PerExampleGlobalNormClipDocstring) {
  // Optax's docstring: integer gradients of four examples with norms 0, 5,
  // 5, 5.
  const std::vector<Array> grads = {jnp::array({{0, 0, 0}, {0, 3, 4}, {4, 0, 3}, {3, 4, 0}})};
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto& [bound, sum, clipped] :
       std::vector<std::tuple<double, double, int>>{{inf, 7.0, 0}, {0.0, 0.0, 3}, {1.25, 1.75, 3}}) {
    const auto [sums, num_clipped] = optim::per_example_global_norm_clip(grads, bound);
    ASSERT_EQ(sums.size(), 1u);
    EXPECT_EQ(sums[0].shape(), jx::Shape({3}));
    expect_near(sums[0], {sum, sum, sum}, 1e-6, "sum");
    EXPECT_EQ(num_clipped.item<int>(), clipped) << bound;
    // And the layer-wise form with one layer is the same.
    const auto [layer_sums, layer_counts] = optim::per_example_layer_norm_clip(grads, bound);
    expect_near(layer_sums[0], {sum, sum, sum}, 1e-6, "layer sum");
    EXPECT_EQ(layer_counts[0].item<int>(), clipped) << bound;
  }
}

// Per-example leaves: w (3 examples, 2x2), b (3 examples, 3).
Params per_example_grads() {
  return {jnp::array({{{1.0f, 2.0f}, {0.0f, -1.0f}}, {{0.1f, 0.0f}, {0.2f, 0.1f}}, {{3.0f, -4.0f}, {0.0f, 0.0f}}}),
          jnp::array({{0.5f, 0.5f, 1.0f}, {0.0f, 0.0f, 0.1f}, {-2.0f, 1.0f, 0.0f}})};
}

// Clips each example's rows (given per leaf, flattened) to `bound` over the
// leaves listed; returns the sums per leaf and the count of clipped examples.
std::pair<std::vector<std::vector<double>>, int> clip_by_loops(const std::vector<std::vector<double>>& leaves,
                                                               const std::vector<std::size_t>& sizes, double bound) {
  const std::size_t examples = 3;
  std::vector<std::vector<double>> sums;
  for (std::size_t size : sizes) sums.emplace_back(size, 0.0);
  int clipped = 0;
  for (std::size_t e = 0; e < examples; ++e) {
    double norm = 0;
    for (std::size_t l = 0; l < leaves.size(); ++l)
      for (std::size_t i = 0; i < sizes[l]; ++i) norm += std::pow(leaves[l][e * sizes[l] + i], 2);
    norm = std::sqrt(norm);
    const double factor = norm == 0 ? 1.0 : std::min(bound / norm, 1.0);
    clipped += factor < 1.0;
    for (std::size_t l = 0; l < leaves.size(); ++l)
      for (std::size_t i = 0; i < sizes[l]; ++i) sums[l][i] += factor * leaves[l][e * sizes[l] + i];
  }
  return {sums, clipped};
}

TEST(OptimClipping, PerExampleGlobalNormClipClosedForm) {
  const Params g = per_example_grads();
  const auto expected = clip_by_loops({values(g.w), values(g.b)}, {4, 3}, 1.5);
  auto clip = [](const Params& grads, const Array& bound) { return optim::per_example_global_norm_clip(grads, bound); };
  for (const auto& [sums, num_clipped] : {clip(g, 1.5), jx::jit(clip)(g, jnp::array(1.5f))}) {
    EXPECT_EQ(sums.w.shape(), jx::Shape({2, 2}));
    expect_near(sums.w, expected.first[0], 1e-6, "w");
    expect_near(sums.b, expected.first[1], 1e-6, "b");
    EXPECT_EQ(num_clipped.item<int>(), expected.second);
  }
}

TEST(OptimClipping, PerExampleLayerNormClipClosedForm) {
  const Params g = per_example_grads();
  // Uniform: each of the 2 layers clipped to C / sqrt(2); otherwise to C *
  // sqrt(D_i / 7).
  const double bound = 2.0;
  for (const bool uniform : {true, false}) {
    SCOPED_TRACE(uniform);
    const auto [sums, counts] = optim::per_example_layer_norm_clip(g, bound, {.uniform = uniform});
    const double w_bound = uniform ? bound / std::sqrt(2.0) : bound * std::sqrt(4.0 / 7.0);
    const double b_bound = uniform ? bound / std::sqrt(2.0) : bound * std::sqrt(3.0 / 7.0);
    const auto w = clip_by_loops({values(g.w)}, {4}, w_bound), b = clip_by_loops({values(g.b)}, {3}, b_bound);
    expect_near(sums.w, w.first[0], 1e-6, "w");
    expect_near(sums.b, b.first[0], 1e-6, "b");
    EXPECT_EQ(counts.w.item<int>(), w.second);
    EXPECT_EQ(counts.b.item<int>(), b.second);
  }
}

TEST(OptimClipping, PerExampleClippingNeedsABatchAxis) {
  const Params mismatched{jnp::ones({3, 2}), jnp::ones({4})};
  EXPECT_THROW(optim::per_example_global_norm_clip(mismatched, 1.0), jx::ValueError);
  EXPECT_THROW(optim::per_example_layer_norm_clip(mismatched, 1.0), jx::ValueError);
  try {
    optim::per_example_global_norm_clip(std::vector<Array>{jnp::array(1.0f)}, 1.0);
    FAIL();
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("per_example_global_norm_clip"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("axis 0"), std::string::npos) << e.what();
  }
}

TEST(OptimClipping, CentralizeDocstring) {
  // Optax's docstring: [[1, 2, 3], [4, 5, 6]] -> [[-1, 0, 1], [-1, 0, 1]];
  // vectors are left alone.
  const Params g{jnp::array({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}}), jnp::array({1.0f, 5.0f})};
  const auto [updates, state] = update_both_ways(optim::centralize(), g, g);
  EXPECT_TRUE(state.is_none());
  expect_near(updates.w, {-1, 0, 1, -1, 0, 1}, 1e-7, "w");
  expect_near(updates.b, {1, 5}, 0, "b");
  // Rank 3: the mean over axes 1 and 2.
  const Array cube = jnp::arange(12.0f).reshape({2, 3, 2});
  expect_near(optim::centralize().update(cube, {}).first,
              {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5}, 1e-6, "cube");
}

TEST(OptimClipping, NormalizeByUpdateNorm) {
  const Params g = sample_grads();
  const auto [updates, state] =
      update_both_ways(optim::normalize_by_update_norm({.scale_factor = 2.0, .eps = 0.5}), g, g);
  EXPECT_TRUE(state.is_none());
  double norm = 0;
  for (const Array& leaf : {g.w, g.b})
    for (double v : values(leaf)) norm += v * v;
  const double divisor = (std::sqrt(norm) + 0.5) / 2.0;
  std::vector<double> w, b;
  for (double v : values(g.w)) w.push_back(v / divisor);
  for (double v : values(g.b)) b.push_back(v / divisor);
  expect_near(updates.w, w, 1e-6, "w");
  expect_near(updates.b, b, 1e-6, "b");
}

TEST(OptimClipping, NormalizeByUpdateNormDocstringTrajectory) {
  // Optax's docstring: f(x) = sum(x^2) from [1, 2, 3] with scale_factor -1: f
  // = 7.52, 3.03, 0.550, 0.0667, 0.550 after each of five steps (printed to
  // three digits). The same steps in double here.
  const auto solver = optim::normalize_by_update_norm({.scale_factor = -1.0});
  Array params = jnp::array({1.0f, 2.0f, 3.0f});
  std::vector<double> x = {1, 2, 3};
  optim::OptState state = solver.init(params);
  const std::vector<double> printed = {7.52, 3.03, 0.550, 0.0667, 0.550};
  for (int step = 0; step < 5; ++step) {
    const Array grad = jx::grad([](const Array& p) { return jnp::sum(p * p); })(params);
    auto [updates, next] = solver.update(grad, state, params);
    params = optim::apply_updates(params, updates);
    state = next;
    double norm = 0;
    for (double v : x) norm += 4 * v * v;
    const double divisor = -(std::sqrt(norm) + 1e-6);
    double objective = 0;
    for (double& v : x) v += 2 * v / divisor, objective += v * v;
    const double actual = jnp::sum(params * params).item<double>();
    EXPECT_NEAR(actual, objective, 1e-5 * std::max(1.0, objective)) << step;
    EXPECT_NEAR(actual, printed[static_cast<std::size_t>(step)], 0.006 * printed[static_cast<std::size_t>(step)])
        << step;
  }
}

}  // namespace
