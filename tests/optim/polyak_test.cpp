// Polyak's step size (jx/optim/step_size.h): scale_by_polyak and polyak_sgd against the closed form
// min((f - f_min) / (||u||^2 + eps), max_learning_rate) u; the objective's value as an extra argument,
// through chain and jit; and the errors when it is missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

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

Array loss(const Params& p) { return jnp::sum(jnp::square(p.w)) + jnp::sum(jnp::square(p.b - 1.0f)); }

TEST(OptimPolyak, ScaleByPolyakIsTheClosedForm) {
  const Params u{jnp::array({1.0f, -2.0f}), jnp::array({2.0f})};  // ||u||^2 = 9
  const auto polyak = optim::scale_by_polyak({.f_min = 0.5, .max_learning_rate = 10.0, .eps = 1.0});
  EXPECT_TRUE(polyak.init(u).is_none());
  // (5 - 0.5) / (9 + 1) = 0.45.
  const Params scaled = polyak.update(u, {}, u, {.value = jnp::array(5.0f)}).first;
  EXPECT_NEAR(scaled.w[1].item<float>(), -0.9f, 1e-6f);
  EXPECT_NEAR(scaled.b[0].item<float>(), 0.9f, 1e-6f);
  // Capped at max_learning_rate: (1000 - 0.5) / 10 > 10.
  EXPECT_NEAR(polyak.update(u, {}, u, {.value = jnp::array(1000.0f)}).first.w[0].item<float>(), 10.0f, 1e-5f);
  // Below f_min the step is negative for "sps", zero for "sps+".
  EXPECT_NEAR(polyak.update(u, {}, u, {.value = jnp::array(0.0f)}).first.w[0].item<float>(), -0.05f, 1e-7f);
  const auto plus = optim::scale_by_polyak({.f_min = 0.5, .eps = 1.0, .variant = "sps+"});
  EXPECT_EQ(plus.update(u, {}, u, {.value = jnp::array(0.0f)}).first.w[0].item<float>(), 0.0f);
}

TEST(OptimPolyak, ZeroGradientsGiveAZeroStep) {
  // ||u||^2 + eps <= float64's epsilon: step 0, not 0 / 0.
  const Params u{jnp::zeros({2}), jnp::zeros({1})};
  const Params scaled = optim::scale_by_polyak().update(u, {}, u, {.value = jnp::array(3.0f)}).first;
  EXPECT_EQ(scaled.w[0].item<float>(), 0.0f);
  EXPECT_FALSE(std::isnan(scaled.b[0].item<float>()));
}

TEST(OptimPolyak, PolyakSgdHalvesAQuadraticEachStep) {
  // f(x) = sum(x^2) from x = (1, 2, 3): g = 2x, step = f / ||g||^2 = 1/4, so x halves and f quarters
  // (the values Optax's polyak_sgd example prints: 14, 3.5, 0.875, ...).
  const auto opt = optim::polyak_sgd();
  Array x = jnp::array({1.0f, 2.0f, 3.0f});
  optim::OptState state = opt.init(x);
  const auto f = [](const Array& v) { return jnp::sum(jnp::square(v)); };
  double expected = 14.0;
  for (int i = 0; i < 5; ++i) {
    auto [value, g] = jx::value_and_grad(f)(x);
    EXPECT_NEAR(value.item<float>(), expected, 1e-5 * expected);
    auto [u, next] = opt.update(g, state, x, {.value = value});
    state = next;
    x = optim::apply_updates(x, u);
    expected /= 4;
  }
}

TEST(OptimPolyak, PolyakSgdStepsFromTheScaledUpdates) {
  // chain(sgd(s), scale_by_polyak): the norm is of -s g, so the update is
  // -min(gap / (s^2 ||g||^2 + eps), max_lr) s g.
  const double s = 0.5, eps = 0.25, max_lr = 3.0, f_min = 0.1;
  const auto opt = optim::polyak_sgd({.max_learning_rate = max_lr, .scaling = s, .f_min = f_min, .eps = eps});
  const Params params{jnp::array({0.5f, -1.0f}), jnp::array({2.0f})};
  const auto [value, g] = jx::value_and_grad(loss)(params);
  const Params u = opt.update(g, opt.init(params), params, {.value = value}).first;
  // loss = 0.25 + 1 + 1 = 2.25; g = (1, -2 | 2), ||g||^2 = 9.
  const double step = std::min((2.25 - f_min) / (s * s * 9.0 + eps), max_lr);
  EXPECT_NEAR(u.w[0].item<float>(), -step * s * 1.0, 1e-6);
  EXPECT_NEAR(u.w[1].item<float>(), step * s * 2.0, 1e-6);
  EXPECT_NEAR(u.b[0].item<float>(), -step * s * 2.0, 1e-6);
  // A scheduled scaling: polyak_sgd's state is sgd's ([None, {'count'}]) then None.
  const auto scheduled = optim::polyak_sgd({.scaling = optim::constant_schedule(0.5)});
  const optim::OptState state = scheduled.init(params);
  EXPECT_EQ(state[0][1]["count"].array().item<int>(), 0);
  EXPECT_TRUE(state[1].is_none());
}

TEST(OptimPolyak, ValueTravelsThroughJit) {
  const auto opt = optim::polyak_sgd({.max_learning_rate = 0.5});
  Params params{jnp::array({0.5f, -1.0f}), jnp::array({2.0f})};
  auto step = jx::jit([opt](const Params& p, const optim::OptState& s) {
    auto [value, g] = jx::value_and_grad(loss)(p);
    auto [u, next] = opt.update(g, s, p, {.value = value});
    return std::tuple{optim::apply_updates(p, u), next, value};
  });
  optim::OptState state = opt.init(params);
  Params eager = params;
  for (int i = 0; i < 4; ++i) {
    Array value;
    std::tie(params, state, value) = step(params, state);
    auto [eager_value, g] = jx::value_and_grad(loss)(eager);
    EXPECT_NEAR(value.item<float>(), eager_value.item<float>(), 1e-5f);
    eager = optim::apply_updates(eager, opt.update(g, opt.init(eager), eager, {.value = eager_value}).first);
  }
  EXPECT_TRUE(jnp::allclose(params.w, eager.w, {.rtol = 1e-5, .atol = 1e-6}).item<bool>());
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimPolyak, ErrorsNameTheMissingValueAndTheVariant) {
  const Array g = jnp::ones({2});
  try {
    optim::scale_by_polyak().update(g, {}, g);
    FAIL();
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("`value`"), std::string::npos) << e.what();
  }
  // Through a chain too: the extra arguments are passed on, and their absence is reported.
  EXPECT_THROW(optim::polyak_sgd().update(g, optim::polyak_sgd().init(g), g), jx::ValueError);
  EXPECT_THROW(optim::scale_by_polyak({.variant = "sps++"}), jx::ValueError);
}

}  // namespace
