// SM3 (jx/optim/factored.h): scale_by_sm3 and sm3 against SM3-II written out in double precision below
// (one accumulator per axis); the state's layout, jit, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
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
  return jnp::array(std::vector<float>(v.begin(), v.end()), shape);
}

std::vector<double> gradient(int step, int size, double phase) {
  std::vector<double> g(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i) g[static_cast<std::size_t>(i)] = std::cos(0.9 * i + 1.1 * step + phase) * (0.5 + i);
  // A zero entry at the first step: the accumulator there is 0 and so is the update (0 / 0 = 0).
  if (step == 0) g[0] = 0.0;
  return g;
}

// SM3-II for an r x c matrix (or a vector when r == 0): accum = c0 g^2 + b2 min(row, col);
// nu = b1 nu + (1 - b1) g / sqrt(accum + eps); row and col keep the maxima of accum.
struct Reference {
  int rows, cols;
  double b1, b2, eps;
  std::vector<double> row, col, nu;
  Reference(int r, int c, double b1_, double b2_, double eps_ = 1e-8)
      : rows(r),
        cols(c),
        b1(b1_),
        b2(b2_),
        eps(eps_),
        row(static_cast<std::size_t>(std::max(r, 1))),
        col(static_cast<std::size_t>(c)),
        nu(static_cast<std::size_t>(std::max(r, 1) * c)) {}
  std::vector<double> update(const std::vector<double>& g) {
    const double c0 = b2 == 1.0 ? 1.0 : 1.0 - b2;
    const int r = std::max(rows, 1);
    std::vector<double> accum(g.size());
    for (int i = 0; i < r; ++i)
      for (int j = 0; j < cols; ++j) {
        const std::size_t k = static_cast<std::size_t>(i * cols + j);
        const double smallest = rows == 0
                                    ? col[static_cast<std::size_t>(j)]
                                    : std::min(row[static_cast<std::size_t>(i)], col[static_cast<std::size_t>(j)]);
        accum[k] = c0 * g[k] * g[k] + b2 * smallest;
        const double step = accum[k] > 0 ? g[k] / std::sqrt(accum[k] + eps) : 0.0;
        nu[k] = (1 - b1) * step + b1 * nu[k];
      }
    if (rows == 0) {
      col = accum;
    } else {
      std::fill(row.begin(), row.end(), -1e300);
      std::fill(col.begin(), col.end(), -1e300);
      for (int i = 0; i < r; ++i)
        for (int j = 0; j < cols; ++j) {
          const double a = accum[static_cast<std::size_t>(i * cols + j)];
          row[static_cast<std::size_t>(i)] = std::max(row[static_cast<std::size_t>(i)], a);
          col[static_cast<std::size_t>(j)] = std::max(col[static_cast<std::size_t>(j)], a);
        }
    }
    return nu;
  }
};

void expect_near(const std::vector<double>& actual, const std::vector<double>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 2e-5 * std::abs(expected[i]) + 1e-7) << what << " at " << i;
}

void check_against_reference(double b1, double b2) {
  const auto sm3 = optim::scale_by_sm3({.b1 = b1, .b2 = b2});
  const Params params{jnp::zeros({2, 3}), jnp::zeros({4})};
  optim::OptState state = sm3.init(params);
  Reference w(2, 3, b1, b2), b(0, 4, b1, b2);
  for (int step = 0; step < 4; ++step) {
    const std::vector<double> gw = gradient(step, 6, 0.2), gb = gradient(step, 4, 1.3);
    auto [u, next] = sm3.update(Params{make(gw, {2, 3}), make(gb, {4})}, state, params);
    state = next;
    const std::string at = " (b2 " + std::to_string(b2) + ", step " + std::to_string(step) + ")";
    expect_near(values(u.w), w.update(gw), "w" + at);
    expect_near(values(u.b), b.update(gb), "b" + at);
    expect_near(values(state["mu"]["w"][0].array()), w.row, "w's row accumulator" + at);
    expect_near(values(state["mu"]["w"][1].array()), w.col, "w's column accumulator" + at);
    expect_near(values(state["mu"]["b"][0].array()), b.col, "b's accumulator" + at);
    expect_near(values(state["nu"]["w"].array()), w.nu, "nu" + at);
  }
}

TEST(OptimSm3, MatchesSm3WrittenOut) {
  check_against_reference(0.9, 1.0);  // Optax's defaults: the accumulators are sums
  check_against_reference(0.5, 0.7);  // decaying accumulators
}

TEST(OptimSm3, StateHoldsOneVectorPerAxis) {
  const Params params{jnp::zeros({2, 3}), jnp::zeros({4})};
  const optim::OptState state = optim::scale_by_sm3().init(params);
  ASSERT_TRUE(state["mu"]["w"].is_list());
  ASSERT_EQ(state["mu"]["w"].size(), 2u);
  EXPECT_EQ(state["mu"]["w"][0].array().shape(), jx::Shape({2}));
  EXPECT_EQ(state["mu"]["w"][1].array().shape(), jx::Shape({3}));
  ASSERT_EQ(state["mu"]["b"].size(), 1u);
  EXPECT_EQ(state["nu"]["w"].array().shape(), jx::Shape({2, 3}));
}

TEST(OptimSm3, Sm3ScalesByTheLearningRate) {
  const auto opt = optim::sm3(0.25, {.momentum = 0.8});
  const Array p = jnp::zeros({3});
  optim::OptState state = opt.init(p);
  Reference reference(0, 3, 0.8, 1.0);
  for (int step = 0; step < 3; ++step) {
    const std::vector<double> g = gradient(step, 3, 0.0);
    auto [u, next] = opt.update(make(g, {3}), state, p);
    state = next;
    std::vector<double> expected = reference.update(g);
    for (double& x : expected) x *= -0.25;
    expect_near(values(u), expected, "step " + std::to_string(step));
  }
}

TEST(OptimSm3, JittedStepsTraceOnce) {
  const auto opt = optim::sm3(0.1);
  Params params{jnp::ones({2, 3}), jnp::ones({4})};
  auto step = jx::jit([opt](const Params& p, const optim::OptState& s, const Params& g) {
    auto [u, next] = opt.update(g, s, p);
    return std::pair{optim::apply_updates(p, u), next};
  });
  optim::OptState state = opt.init(params);
  Reference w(2, 3, 0.9, 1.0);
  std::vector<double> expected = values(params.w);
  for (int i = 0; i < 3; ++i) {
    const std::vector<double> gw = gradient(i, 6, 0.0);
    std::tie(params, state) = step(params, state, Params{make(gw, {2, 3}), make(gradient(i, 4, 1.0), {4})});
    const std::vector<double> nu = w.update(gw);
    for (std::size_t k = 0; k < expected.size(); ++k) expected[k] -= 0.1 * nu[k];
  }
  expect_near(values(params.w), expected, "parameters");
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimSm3, RejectsScalarAndComplexParameters) {
  try {
    optim::scale_by_sm3().init(Params{jnp::zeros({2}), jnp::zeros({})});
    FAIL();
  } catch (const jx::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find(".b"), std::string::npos) << e.what();
  }
  EXPECT_THROW(optim::scale_by_sm3().init(jnp::zeros({2}, jx::complex64)), jx::ValueError);
}

}  // namespace
