// jx::nn::transform and transform_with_state: parameter paths and shapes from init, naming, state
// threading, randomness, errors, and the pure functions under jit and grad.
#include <gtest/gtest.h>

#include <cmath>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

const jx::Array& leaf(const nn::Params& p, const std::string& module, const std::string& name) {
  return p.as_dict().at(module).as_dict().at(name).array();
}

TEST(Transform, InitInfersShapesAndNamesModules) {
  auto model = nn::transform([](const jx::Array& x) {
    auto h = nn::Linear(4)(x);
    h = nn::Linear(3)(nn::relu(h));
    return nn::MLP({5, 2})(h);
  });
  const jx::Array x = jnp::ones({7, 6});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  std::vector<std::string> modules;
  for (const auto& [name, value] : params.as_dict()) modules.push_back(name);
  EXPECT_EQ(modules, (std::vector<std::string>{"linear", "linear_1", "mlp/linear_0", "mlp/linear_1"}));
  EXPECT_EQ(leaf(params, "linear", "w").shape(), jx::Shape({6, 4}));
  EXPECT_EQ(leaf(params, "linear", "b").shape(), jx::Shape({4}));
  EXPECT_EQ(leaf(params, "linear_1", "w").shape(), jx::Shape({4, 3}));
  EXPECT_EQ(leaf(params, "mlp/linear_1", "w").shape(), jx::Shape({5, 2}));
  // apply with the parameters is the same computation written out.
  const jx::Array out = model.apply(params, std::nullopt, x);
  auto dense = [&](const std::string& m, const jx::Array& v) {
    return jnp::matmul(v, leaf(params, m, "w")) + leaf(params, m, "b");
  };
  const jx::Array expected =
      dense("mlp/linear_1", nn::relu(dense("mlp/linear_0", dense("linear_1", nn::relu(dense("linear", x))))));
  EXPECT_TRUE(jnp::allclose(out, expected).item<bool>());
  // Different keys give different parameters; the same key the same ones.
  EXPECT_FALSE(jnp::array_equal(leaf(model.init(jx::random::PRNGKey(1), x), "linear", "w"), leaf(params, "linear", "w"))
                   .item<bool>());
  EXPECT_TRUE(jnp::array_equal(leaf(model.init(jx::random::PRNGKey(0), x), "linear", "w"), leaf(params, "linear", "w"))
                  .item<bool>());
}

TEST(Sequential, IsTheCompositionOfItsLayers) {
  // As hk.Sequential([hk.Linear(4), jax.nn.relu, hk.Linear(3), lambda x: hk.Linear(2)(x)]): modules made
  // before Sequential are named at the top level (linear, linear_1), the one made while it runs inside
  // it (sequential/linear).
  auto model = nn::transform([](const jx::Array& x) {
    nn::Sequential net({nn::Linear(4), [](const jx::Array& v) { return nn::relu(v); }, nn::Linear(3),
                        [](const jx::Array& v) { return nn::Linear(2)(v); }});
    return net(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(5), {7, 6});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  std::vector<std::string> modules;
  for (const auto& [name, value] : params.as_dict()) modules.push_back(name);
  EXPECT_EQ(modules, (std::vector<std::string>{"linear", "linear_1", "sequential/linear"}));
  EXPECT_EQ(leaf(params, "linear", "w").shape(), jx::Shape({6, 4}));
  EXPECT_EQ(leaf(params, "linear_1", "w").shape(), jx::Shape({4, 3}));
  EXPECT_EQ(leaf(params, "sequential/linear", "w").shape(), jx::Shape({3, 2}));
  EXPECT_EQ(leaf(params, "sequential/linear", "b").shape(), jx::Shape({2}));
  // The composition written out with the parameters it created, relu as max(v, 0).
  auto dense = [&](const std::string& m, const jx::Array& v) {
    return jnp::matmul(v, leaf(params, m, "w")) + leaf(params, m, "b");
  };
  const jx::Array expected =
      dense("sequential/linear", dense("linear_1", jnp::maximum(dense("linear", x), jnp::array(0.0f))));
  const jx::Array out = model.apply(params, std::nullopt, x);
  EXPECT_EQ(out.shape(), jx::Shape({7, 2}));
  EXPECT_TRUE(jnp::allclose(out, expected, {.rtol = 1e-5, .atol = 1e-6}).item<bool>());
  // The same under jit; a name given to Sequential names the modules made inside it.
  auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); });
  EXPECT_TRUE(jnp::allclose(jitted(params, x), expected, {.rtol = 1e-5, .atol = 1e-6}).item<bool>());
  auto named = nn::transform([](const jx::Array& v) {
    return nn::Sequential({[](const jx::Array& h) { return nn::Linear(2)(h); }}, "head")(v);
  });
  const nn::Params named_params = named.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(named_params.as_dict().size(), 1u);
  EXPECT_EQ(leaf(named_params, "head/linear", "w").shape(), jx::Shape({6, 2}));
}

TEST(Transform, StateThreadsThroughApply) {
  // A counter in state: init returns the initial value, apply the updated one.
  auto counter = nn::transform_with_state([](const jx::Array& x) {
    const jx::Array n = nn::get_state("n", {}, jx::int32, nn::initializers::zeros());
    nn::set_state("n", n + 1);
    return x * 2;
  });
  auto [params, state] = counter.init(jx::random::PRNGKey(0), jnp::array(1.0f));
  EXPECT_EQ(state.as_dict().at("~").as_dict().at("n").array().item<int>(), 0);
  for (int i = 1; i <= 3; ++i) {
    auto [out, next] = counter.apply(params, state, std::nullopt, jnp::array(1.0f));
    state = next;
    EXPECT_EQ(out.item<float>(), 2.0f);
    EXPECT_EQ(state.as_dict().at("~").as_dict().at("n").array().item<int>(), i);
  }
}

TEST(Transform, ApplyIsPureUnderJitAndGrad) {
  auto model = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    auto h = nn::Linear(8)(x);
    h = nn::BatchNorm(true, true, 0.9f)(h, is_training);
    return nn::Linear(1)(nn::relu(h));
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(3), {16, 5});
  auto [params, state] = model.init(jx::random::PRNGKey(0), x, true);
  auto step = jx::jit([&](const nn::Params& p, const nn::State& s, const jx::Array& v) {
    return model.apply(p, s, std::nullopt, v, true);
  });
  auto [jitted_out, jitted_state] = step(params, state, x);
  auto [eager_out, eager_state] = model.apply(params, state, std::nullopt, x, true);
  EXPECT_TRUE(jnp::allclose(jitted_out, eager_out, {.rtol = 1e-5, .atol = 1e-6}).item<bool>());
  step(params, state, x);
  EXPECT_EQ(step.trace_count(), 1u);
  // The gradient with respect to the parameters has the parameters' structure.
  auto loss = [&](const nn::Params& p) {
    return jnp::mean(jnp::square(model.apply(p, state, std::nullopt, x, true).first));
  };
  const nn::Params g = jx::grad(loss)(params);
  EXPECT_EQ(jx::tree::structure(g), jx::tree::structure(params));
  // Against a central difference along a direction of linear_1/w (float32, so a loose tolerance).
  const jx::Array w = leaf(params, "linear_1", "w");
  const jx::Array direction = jx::random::normal(jx::random::PRNGKey(7), w.shape());
  auto loss_at = [&](float t) {
    nn::Params p = params;
    p.as_dict().at("linear_1").as_dict().at("w") = jx::tree::Tree(w + direction * t);
    return loss(p).item<float>();
  };
  const float numeric = (loss_at(1e-2f) - loss_at(-1e-2f)) / 2e-2f;
  const float analytic = jnp::sum(leaf(g, "linear_1", "w") * direction).item<float>();
  EXPECT_NEAR(analytic, numeric, 1e-2 * std::max(1.0f, std::abs(numeric)));
}

TEST(Transform, RandomnessAndErrors) {
  auto noisy = nn::transform([](const jx::Array& x) { return x + jx::random::normal(nn::next_rng_key(), x.shape()); });
  const nn::Params p = noisy.init(jx::random::PRNGKey(0), jnp::zeros({3}));
  const jx::Array a = noisy.apply(p, jx::random::PRNGKey(1), jnp::zeros({3}));
  const jx::Array b = noisy.apply(p, jx::random::PRNGKey(1), jnp::zeros({3}));
  EXPECT_TRUE(jnp::array_equal(a, b).item<bool>());
  EXPECT_THROW(noisy.apply(p, std::nullopt, jnp::zeros({3})), jx::ValueError);
  // Modules outside a transformed function, state in a stateless transform, missing or mismatched parameters.
  EXPECT_THROW(nn::Linear(3)(jnp::zeros({2})), jx::ValueError);
  // Made outside, called inside: refused too (it would have no name of its own).
  const nn::Linear outside(3);
  auto uses_outside = nn::transform([&](const jx::Array& x) { return outside(x); });
  EXPECT_THROW(uses_outside.init(jx::random::PRNGKey(0), jnp::zeros({2})), jx::ValueError);
  auto stateful = nn::transform(
      [](const jx::Array& x) { return x + nn::get_state("s", {}, jx::float32, nn::initializers::zeros()); });
  EXPECT_THROW(stateful.init(jx::random::PRNGKey(0), jnp::zeros({})), jx::ValueError);
  auto linear = nn::transform([](const jx::Array& x) { return nn::Linear(2)(x); });
  const nn::Params params = linear.init(jx::random::PRNGKey(0), jnp::ones({1, 3}));
  EXPECT_THROW(linear.apply(params, std::nullopt, jnp::ones({1, 4})), jx::ShapeError);
  auto other = nn::transform([](const jx::Array& x) { return nn::Linear(2, {.name = "head"})(x); });
  EXPECT_THROW(other.apply(params, std::nullopt, jnp::ones({1, 3})), jx::ValueError);
}

}  // namespace
