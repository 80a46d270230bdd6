// Adafactor (jx/optim/factored.h): scale_by_factored_rms on factored and unfactored leaves and the
// adafactor chain, against Adafactor's update rule written out in double precision below; the state's
// layout, jit, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "array_close.h"
#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/factored.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

using jx::testing::values;

Array make(const std::vector<double>& v, const jx::Shape& shape) {
  std::vector<float> f(v.begin(), v.end());
  return jnp::array(f, shape);
}

// A deterministic gradient for a step, entries of both signs and several sizes.
std::vector<double> gradient(int step, int size, double phase) {
  std::vector<double> g(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i)
    g[static_cast<std::size_t>(i)] = std::sin(1.3 * i + 0.7 * step + phase) * (1 + 0.3 * i);
  return g;
}

void expect_near(const std::vector<double>& actual, const std::vector<double>& expected, double rtol,
                 const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], rtol * std::abs(expected[i]) + 1e-7) << what << " at " << i;
}

double decay_at(int step) { return 1.0 - std::pow(step + 1.0, -0.8); }

// Adafactor's factored update of an r x c matrix (c >= r): rows are reduced over the longest axis (1).
struct FactoredReference {
  int rows, cols;
  std::vector<double> row, col;
  FactoredReference(int r, int c)
      : rows(r), cols(c), row(static_cast<std::size_t>(r)), col(static_cast<std::size_t>(c)) {}
  std::vector<double> update(const std::vector<double>& g, int step, double eps = 1e-30) {
    const double d = decay_at(step);
    std::vector<double> row_mean(row.size(), 0.0), col_mean(col.size(), 0.0);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) {
        const double sq = g[static_cast<std::size_t>(i * cols + j)] * g[static_cast<std::size_t>(i * cols + j)] + eps;
        row_mean[static_cast<std::size_t>(i)] += sq / cols;
        col_mean[static_cast<std::size_t>(j)] += sq / rows;
      }
    double mean_of_rows = 0;
    for (int i = 0; i < rows; ++i) {
      row[static_cast<std::size_t>(i)] =
          d * row[static_cast<std::size_t>(i)] + (1 - d) * row_mean[static_cast<std::size_t>(i)];
      mean_of_rows += row[static_cast<std::size_t>(i)] / rows;
    }
    for (int j = 0; j < cols; ++j)
      col[static_cast<std::size_t>(j)] =
          d * col[static_cast<std::size_t>(j)] + (1 - d) * col_mean[static_cast<std::size_t>(j)];
    std::vector<double> u(g.size());
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j)
        u[static_cast<std::size_t>(i * cols + j)] = g[static_cast<std::size_t>(i * cols + j)] /
                                                    std::sqrt(row[static_cast<std::size_t>(i)] / mean_of_rows) /
                                                    std::sqrt(col[static_cast<std::size_t>(j)]);
    return u;
  }
};

// The unfactored update: v = d v + (1 - d) (g^2 + eps), g / sqrt(v).
struct FullReference {
  std::vector<double> v;
  explicit FullReference(std::size_t n) : v(n) {}
  std::vector<double> update(const std::vector<double>& g, int step, double eps = 1e-30) {
    const double d = decay_at(step);
    std::vector<double> u(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      v[i] = d * v[i] + (1 - d) * (g[i] * g[i] + eps);
      u[i] = g[i] / std::sqrt(v[i]);
    }
    return u;
  }
};

TEST(OptimAdafactor, FactoredRmsMatchesTheUpdateRule) {
  // w (3, 4) is factored once both axes are at least 3; the vector b never is.
  const auto rms = optim::scale_by_factored_rms({.min_dim_size_to_factor = 3});
  const Params params{jnp::ones({3, 4}), jnp::ones({3})};
  optim::OptState state = rms.init(params);
  EXPECT_EQ(state["v_row"]["w"].array().shape(), jx::Shape({3}));
  EXPECT_EQ(state["v_col"]["w"].array().shape(), jx::Shape({4}));
  EXPECT_EQ(state["v"]["w"].array().shape(), jx::Shape({1}));
  EXPECT_EQ(state["v"]["b"].array().shape(), jx::Shape({3}));
  EXPECT_EQ(state["v_row"]["b"].array().shape(), jx::Shape({1}));
  FactoredReference w_reference(3, 4);
  FullReference b_reference(3);
  for (int step = 0; step < 4; ++step) {
    const std::vector<double> gw = gradient(step, 12, 0.1), gb = gradient(step, 3, 2.0);
    auto [updates, next] = rms.update(Params{make(gw, {3, 4}), make(gb, {3})}, state, params);
    state = next;
    expect_near(values(updates.w), w_reference.update(gw, step), 1e-5, "w step " + std::to_string(step));
    expect_near(values(updates.b), b_reference.update(gb, step), 1e-5, "b step " + std::to_string(step));
    expect_near(values(state["v_row"]["w"].array()), w_reference.row, 1e-5, "v_row");
    expect_near(values(state["v_col"]["w"].array()), w_reference.col, 1e-5, "v_col");
  }
  EXPECT_EQ(state["count"].array().item<int>(), 4);
}

TEST(OptimAdafactor, FactorsTheTwoLongestAxesOfAHigherRankLeaf) {
  // Shape (2, 5, 3): the longest axis is 1, the second longest 2; v_row drops axis 1, v_col axis 2.
  const auto rms = optim::scale_by_factored_rms({.min_dim_size_to_factor = 3});
  const Array p = jnp::ones({2, 5, 3});
  optim::OptState state = rms.init(p);
  EXPECT_EQ(state["v_row"].array().shape(), jx::Shape({2, 3}));
  EXPECT_EQ(state["v_col"].array().shape(), jx::Shape({2, 5}));
  std::vector<double> row(6, 0.0), col(10, 0.0);
  for (int step = 0; step < 3; ++step) {
    const std::vector<double> g = gradient(step, 30, 0.4);
    auto [u, next] = rms.update(make(g, {2, 5, 3}), state, p);
    state = next;
    const double d = decay_at(step);
    auto at = [&g](int a, int b, int c) { return g[static_cast<std::size_t>((a * 5 + b) * 3 + c)]; };
    for (int a = 0; a < 2; ++a) {
      for (int c = 0; c < 3; ++c) {
        double mean = 0;
        for (int b = 0; b < 5; ++b) mean += (at(a, b, c) * at(a, b, c) + 1e-30) / 5;
        row[static_cast<std::size_t>(a * 3 + c)] = d * row[static_cast<std::size_t>(a * 3 + c)] + (1 - d) * mean;
      }
      for (int b = 0; b < 5; ++b) {
        double mean = 0;
        for (int c = 0; c < 3; ++c) mean += (at(a, b, c) * at(a, b, c) + 1e-30) / 3;
        col[static_cast<std::size_t>(a * 5 + b)] = d * col[static_cast<std::size_t>(a * 5 + b)] + (1 - d) * mean;
      }
    }
    std::vector<double> expected(30);
    for (int a = 0; a < 2; ++a) {
      const double row_mean = (row[static_cast<std::size_t>(a * 3)] + row[static_cast<std::size_t>(a * 3 + 1)] +
                               row[static_cast<std::size_t>(a * 3 + 2)]) /
                              3;
      for (int b = 0; b < 5; ++b)
        for (int c = 0; c < 3; ++c)
          expected[static_cast<std::size_t>((a * 5 + b) * 3 + c)] =
              at(a, b, c) / std::sqrt(row[static_cast<std::size_t>(a * 3 + c)] / row_mean) /
              std::sqrt(col[static_cast<std::size_t>(a * 5 + b)]);
    }
    expect_near(values(u), expected, 1e-5, "step " + std::to_string(step));
  }
}

TEST(OptimAdafactor, DefaultsLeaveSmallMatricesUnfactored) {
  // Optax's min_dim_size_to_factor is 128: a (3, 4) matrix keeps a full second moment.
  const auto rms = optim::scale_by_factored_rms();
  const Array p = jnp::ones({3, 4});
  const optim::OptState state = rms.init(p);
  EXPECT_EQ(state["v"].array().shape(), jx::Shape({3, 4}));
  EXPECT_EQ(state["v_row"].array().shape(), jx::Shape({1}));
  FullReference reference(12);
  const std::vector<double> g = gradient(0, 12, 0.5);
  expect_near(values(rms.update(make(g, {3, 4}), state, p).first), reference.update(g, 0), 1e-5, "update");
  // A custom decay schedule and a step offset: decay_rate_fn(count - step_offset, decay_rate).
  const auto constant = optim::scale_by_factored_rms(
      {.step_offset = 5, .decay_rate_fn = [](const Array& step, double rate) { return 0.0 * step + rate * 0.5; }});
  const std::vector<double> u = values(constant.update(make(g, {3, 4}), constant.init(p), p).first);
  // d = 0.4: v = 0.6 (g^2 + eps), u = g / sqrt(v).
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(u[i], g[i] / std::sqrt(0.6 * g[i] * g[i]), 1e-5);
}

// Adafactor's whole step, as its chain composes it, with the parameters moving between steps.
TEST(OptimAdafactor, AdafactorMatchesItsChainWrittenOut) {
  const double lr = 0.05, momentum = 0.9, weight_decay = 0.01;
  const auto opt =
      optim::adafactor(lr, {.min_dim_size_to_factor = 3, .momentum = momentum, .weight_decay_rate = weight_decay});
  Params params{make(gradient(9, 12, 1.0), {3, 4}), make({0.5, -0.25, 2.0}, {3})};
  optim::OptState state = opt.init(params);
  // factored rms, clip, learning rate, parameter scale, momentum, weight decay, scale(-1).
  ASSERT_EQ(state.size(), 7u);
  EXPECT_TRUE(state[1].is_none());
  EXPECT_EQ(state[4]["ema"]["w"].array().dtype(), jx::float32);
  std::vector<double> w = values(params.w), b = values(params.b);
  FactoredReference w_rms(3, 4);
  FullReference b_rms(3);
  std::vector<double> w_ema(12, 0.0), b_ema(3, 0.0);
  auto step_of = [&](std::vector<double> u, std::vector<double>& p, std::vector<double>& average) {
    double sum = 0;
    for (double x : u) sum += x * x;
    const double clip = std::max(1.0, std::sqrt(sum / static_cast<double>(u.size())));
    double p_sum = 0;
    for (double x : p) p_sum += x * x;
    const double scale = std::max(std::sqrt(p_sum / static_cast<double>(p.size())), 1e-3);
    for (std::size_t i = 0; i < u.size(); ++i) {
      u[i] = u[i] / clip * lr * scale;
      average[i] = (1 - momentum) * u[i] + momentum * average[i];
      u[i] = -(average[i] + weight_decay * p[i]);
    }
    return u;
  };
  for (int step = 0; step < 3; ++step) {
    const std::vector<double> gw = gradient(step, 12, 0.3), gb = gradient(step, 3, 1.7);
    auto [updates, next] = opt.update(Params{make(gw, {3, 4}), make(gb, {3})}, state, params);
    state = next;
    params = optim::apply_updates(params, updates);
    const std::vector<double> uw = step_of(w_rms.update(gw, step), w, w_ema);
    const std::vector<double> ub = step_of(b_rms.update(gb, step), b, b_ema);
    expect_near(values(updates.w), uw, 2e-5, "w step " + std::to_string(step));
    expect_near(values(updates.b), ub, 2e-5, "b step " + std::to_string(step));
    for (std::size_t i = 0; i < w.size(); ++i) w[i] += uw[i];
    for (std::size_t i = 0; i < b.size(); ++i) b[i] += ub[i];
  }
}

TEST(OptimAdafactor, WithoutLearningRateOrOptionsTheStepIsTheRescaledGradient) {
  // No learning rate, no clipping, no parameter scale: -g / sqrt(v).
  const auto opt = optim::adafactor(std::nullopt, {.multiply_by_parameter_scale = false, .clipping_threshold = {}});
  const Array p = jnp::ones({4});
  const optim::OptState state = opt.init(p);
  ASSERT_EQ(state.size(), 2u);  // scale_by_factored_rms, scale(-1)
  const std::vector<double> g = gradient(0, 4, 0.2);
  FullReference reference(4);
  std::vector<double> expected = reference.update(g, 0);
  for (double& x : expected) x = -x;
  expect_near(values(opt.update(make(g, {4}), state, p).first), expected, 1e-5, "update");
}

TEST(OptimAdafactor, JittedStepsMatchEagerOnesAndTraceOnce) {
  const auto opt = optim::adafactor(0.1, {.min_dim_size_to_factor = 2});
  Params params{jnp::ones({2, 3}) * 0.5f, jnp::ones({3})};
  auto step = jx::jit([opt](const Params& p, const optim::OptState& s, const Params& g) {
    auto [u, next] = opt.update(g, s, p);
    return std::pair{optim::apply_updates(p, u), next};
  });
  Params eager = params;
  optim::OptState state = opt.init(params), eager_state = state;
  for (int i = 0; i < 3; ++i) {
    const Params g{make(gradient(i, 6, 0.0), {2, 3}), make(gradient(i, 3, 1.0), {3})};
    std::tie(params, state) = step(params, state, g);
    auto [u, next] = opt.update(g, eager_state, eager);
    eager = optim::apply_updates(eager, u);
    eager_state = next;
    EXPECT_TRUE(jnp::allclose(params.w, eager.w, {.rtol = 1e-5, .atol = 1e-6}).item<bool>());
  }
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimAdafactor, NeedsTheParameters) {
  const auto rms = optim::scale_by_factored_rms();
  const Array p = jnp::ones({3});
  EXPECT_THROW(rms.update(p, rms.init(p)), jx::ValueError);
  EXPECT_THROW(optim::adafactor(0.1).update(p, optim::adafactor(0.1).init(p)), jx::ValueError);
}

}  // namespace
