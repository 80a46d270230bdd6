// GradientTransformation as a value: states that are pytrees of arrays, jitted train steps that
// trace once and update parameters and state in place, static and dynamic parameter trees, chain,
// masked and identity, apply_updates, and the errors for trees that do not match.
#include "jx/optim/transformation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "core/array_impl.h"
#include "core/buffer.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;
using jx::tree::Tree;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

Array loss(const Params& p, const Array& x, const Array& y) {
  return jnp::mean(jnp::square(jnp::matmul(x, p.w) + p.b - y));
}

struct Problem {
  Params params;
  Array x, y;
};

Problem problem() {
  auto [k1, k2] = jx::random::split(jx::random::PRNGKey(0));
  const Array x = jx::random::normal(k1, {32, 4});
  const Array true_w = jnp::array({{1.0f}, {-2.0f}, {0.5f}, {3.0f}});
  const Array y = jnp::matmul(x, true_w) + 0.7f;
  return {{jx::random::normal(k2, {4, 1}) * 0.1f, jnp::zeros({1})}, x, y};
}

optim::GradientTransformation full_optimizer() {
  return optim::chain(optim::clip_by_global_norm(10.0),
                      optim::adamw(optim::warmup_cosine_decay_schedule(0.0, 0.05, 10, 300),
                                   {.weight_decay = 1e-4, .mask = optim::not_named({"b"})}));
}

TEST(OptimTransformation, StateIsAPytreeOfArrays) {
  const auto [params, x, y] = problem();
  const optim::GradientTransformation opt = full_optimizer();
  const optim::OptState state = opt.init(params);
  const auto [leaves, structure] = jx::tree::flatten(state);
  // clip: none; adam: count, mu (w, b), nu (w, b); masked decay: none; learning-rate schedule: count.
  ASSERT_EQ(leaves.size(), 6u);
  for (const Array& leaf : leaves) EXPECT_TRUE(leaf.is_concrete());
  std::vector<std::string> paths;
  for (const auto& path : jx::tree::leaf_paths(structure)) paths.push_back(jx::tree::keystr(path));
  EXPECT_EQ(paths, (std::vector<std::string>{"[1][0]['count']", "[1][0]['mu']['b']", "[1][0]['mu']['w']",
                                             "[1][0]['nu']['b']", "[1][0]['nu']['w']", "[1][2]['count']"}));
  // No static leaves: nothing that changes from step to step is part of the jit signature.
  EXPECT_TRUE(structure.statics().empty());
  // An update keeps the signature exactly (shapes, dtypes, weak flags), so jit never retraces.
  const Params grads = jx::grad(loss)(params, x, y);
  const optim::OptState next = opt.update(grads, state, params).second;
  const auto [next_leaves, next_structure] = jx::tree::flatten(next);
  EXPECT_EQ(next_structure, structure);
  for (std::size_t i = 0; i < leaves.size(); ++i) EXPECT_EQ(next_leaves[i].type(), leaves[i].type()) << paths[i];
  EXPECT_EQ(next[1][0]["count"].array().item<int>(), 1);
}

TEST(OptimTransformation, JittedTrainStepTracesOnceAndConverges) {
  auto [params, x, y] = problem();
  const optim::GradientTransformation opt = full_optimizer();
  optim::OptState opt_state = opt.init(params);
  auto train_step = jx::jit([opt](const Params& p, const optim::OptState& s, const Array& xs, const Array& ys) {
    auto [value, grads] = jx::value_and_grad(loss)(p, xs, ys);
    auto [updates, next] = opt.update(grads, s, p);
    return std::tuple{optim::apply_updates(p, updates), next, value};
  });
  // The same steps eagerly, for comparison.
  Params eager_params = params;
  optim::OptState eager_state = opt_state;
  Array value;
  for (int step = 0; step < 300; ++step) {
    std::tie(params, opt_state, value) = train_step(std::move(params), std::move(opt_state), x, y);
    if (step < 5) {
      const Params grads = jx::grad(loss)(eager_params, x, y);
      auto [updates, next] = opt.update(grads, eager_state, eager_params);
      eager_params = optim::apply_updates(eager_params, updates);
      eager_state = next;
      EXPECT_TRUE(jnp::allclose(params.w, eager_params.w, {.rtol = 1e-5, .atol = 1e-6}).item<bool>()) << step;
    }
  }
  EXPECT_EQ(train_step.trace_count(), 1u);
  EXPECT_LT(value.item<float>(), 1e-3f);
  EXPECT_NEAR(params.b[0].item<float>(), 0.7f, 0.02f);
  EXPECT_EQ(opt_state[1][0]["count"].array().item<int>(), 300);
}

const std::byte* data_of(const Array& x) { return jx::concrete(x).data(); }

TEST(OptimTransformation, DonatedParametersAndStateAreUpdatedInPlace) {
  // A plain Adam step on dense arrays: with params and state moved in, their buffers are reused.
  const optim::GradientTransformation opt = optim::adam(1e-2);
  auto step = jx::jit([opt](const Params& p, const optim::OptState& s, const Params& g) {
    auto [updates, next] = opt.update(g, s, p);
    return std::pair{optim::apply_updates(p, updates), next};
  });
  Params params{jnp::arange(1000.0f) * 1e-3f, jnp::arange(10.0f)};
  const Params grads{jnp::full({1000}, 0.5f), jnp::full({10}, -0.5f)};
  optim::OptState state = opt.init(params);
  // The first call makes the state's broadcast zeros dense; from then on buffers circulate.
  std::tie(params, state) = step(std::move(params), std::move(state), grads);
  const std::byte* weights = data_of(params.w);
  const std::byte* first_moment = data_of(state[0]["mu"]["w"].array());
  for (int i = 0; i < 3; ++i) std::tie(params, state) = step(std::move(params), std::move(state), grads);
  EXPECT_EQ(data_of(params.w), weights);
  EXPECT_EQ(data_of(state[0]["mu"]["w"].array()), first_moment);
  EXPECT_EQ(state[0]["count"].array().item<int>(), 4);
  // Adam moves every weight by about the learning rate per step: 4 steps of -0.01.
  EXPECT_NEAR(params.w[500].item<float>(), 0.5f - 0.04f, 1e-5f);
  EXPECT_NEAR(params.b[3].item<float>(), 3.0f + 0.04f, 1e-5f);
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimTransformation, DynamicTreeParameters) {
  // A module library's parameters: nested dicts, as jx::tree::Tree.
  Tree params = Tree::dict(
      {{"linear", Tree::dict({{"w", jnp::ones({3, 2})}, {"b", jnp::zeros({2})}})}, {"scale", jnp::ones({2})}});
  const optim::GradientTransformation opt =
      optim::adamw(0.1, {.weight_decay = 0.5, .mask = optim::not_named({"b", "scale"})});
  const optim::OptState state = opt.init(params);
  EXPECT_EQ(state[0]["mu"]["linear"]["w"].array().shape(), jx::Shape({3, 2}));
  const Tree grads = jx::tree::map([](const Array& p) { return jnp::zeros_like(p); }, params);
  // Zero gradients: only weight decay moves the parameters, and only the unmasked ones.
  auto step = jx::jit([opt](const Tree& p, const optim::OptState& s, const Tree& g) {
    auto [updates, next] = opt.update(g, s, p);
    return std::pair{optim::apply_updates(p, updates), next};
  });
  optim::OptState s = state;
  for (int i = 0; i < 3; ++i) std::tie(params, s) = step(std::move(params), std::move(s), grads);
  EXPECT_NEAR(params["linear"]["w"].array()(0, 0).item<float>(), std::pow(1.0f - 0.05f, 3.0f), 1e-6f);
  EXPECT_EQ(params["linear"]["b"].array()[0].item<float>(), 0.0f);
  EXPECT_EQ(params["scale"].array()[1].item<float>(), 1.0f);
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimTransformation, StaticAndDynamicParametersAgree) {
  const auto [params, x, y] = problem();
  const optim::GradientTransformation opt = optim::chain(optim::clip_by_global_norm(0.5), optim::lion(0.01));
  Params static_params = params;
  Tree dynamic_params = jx::tree::to_dynamic(params);
  optim::OptState static_state = opt.init(static_params), dynamic_state = opt.init(dynamic_params);
  for (int i = 0; i < 4; ++i) {
    const Params grads = jx::grad(loss)(static_params, x, y);
    auto [u1, s1] = opt.update(grads, static_state, static_params);
    auto [u2, s2] = opt.update(jx::tree::to_dynamic(grads), dynamic_state, dynamic_params);
    static_params = optim::apply_updates(static_params, u1);
    dynamic_params = optim::apply_updates(dynamic_params, u2);
    static_state = s1;
    dynamic_state = s2;
  }
  EXPECT_EQ(static_params.w.to_vector<float>(), dynamic_params["w"].array().to_vector<float>());
  EXPECT_EQ(static_params.b.to_vector<float>(), dynamic_params["b"].array().to_vector<float>());
  // The states are the same trees: a struct's moments are dicts of its fields.
  EXPECT_EQ(jx::tree::structure(static_state), jx::tree::structure(dynamic_state));
}

TEST(OptimTransformation, GradientsOfAnotherStructureAreATreeError) {
  const auto [params, x, y] = problem();
  const optim::GradientTransformation opt = optim::adam(1e-3);
  const optim::OptState state = opt.init(params);
  const Tree wrong = Tree::dict({{"w", params.w}});
  try {
    opt.update(wrong, state, params);
    FAIL();
  } catch (const jx::TreeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("the gradients and the parameters are trees of different structures"), std::string::npos)
        << what;
    EXPECT_NE(what.find("{'w': *}"), std::string::npos) << what;      // the gradients' structure
    EXPECT_NE(what.find("Params[w, b]"), std::string::npos) << what;  // the parameters'
    EXPECT_NE(e.where().find("transformation_test.cpp"), std::string::npos) << e.where();
  }
  // Same structure, other shapes: a ShapeError naming the leaf.
  const Params wrong_shape{jnp::ones({5, 1}), params.b};
  try {
    opt.update(wrong_shape, state, params);
    FAIL();
  } catch (const jx::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find(".w has shape (5, 1)"), std::string::npos) << e.what();
  }
  // apply_updates checks the same.
  EXPECT_THROW(optim::apply_updates(params, wrong), jx::TreeError);
  // A state made for other parameters.
  EXPECT_THROW(opt.update(params, opt.init(jnp::ones({3})), params), jx::TreeError);
  EXPECT_THROW(opt.update(params, Tree::none(), params), jx::TreeError);
}

TEST(OptimTransformation, ChainAppliesInOrder) {
  const Array g = jnp::array({1.0f, -2.0f});
  // (g * 2) then + 0.5 * p  vs  (g + 0.5 * p) * 2.
  const Array p = jnp::array({2.0f, 2.0f});
  const auto first = optim::chain(optim::scale(2.0), optim::add_decayed_weights(0.5));
  const auto second = optim::chain(optim::add_decayed_weights(0.5), optim::scale(2.0));
  EXPECT_EQ(first.update(g, first.init(p), p).first.to_vector<float>(), (std::vector<float>{3.0f, -3.0f}));
  EXPECT_EQ(second.update(g, second.init(p), p).first.to_vector<float>(), (std::vector<float>{4.0f, -2.0f}));
  // Nested chains nest their states.
  const auto nested = optim::chain(optim::chain(optim::trace(0.5), optim::identity()), optim::scale(-1.0));
  const optim::OptState state = nested.init(p);
  EXPECT_EQ(state.to_string(), "[[{'trace': f32[2]}, None], None]");
  auto [u, next] = nested.update(g, state, p);
  auto [u2, next2] = nested.update(g, next, p);
  EXPECT_EQ(u2.to_vector<float>(), (std::vector<float>{-1.5f, 3.0f}));  // -(g + 0.5 g)
  EXPECT_THROW(nested.update(g, Tree::list({}), p), jx::TreeError);
}

TEST(OptimTransformation, MaskedKeepsStateForSelectedLeavesOnly) {
  const Params p{jnp::ones({2, 2}), jnp::ones({2})};
  const auto momentum = optim::masked(optim::trace(0.5), optim::not_named({"b"}));
  const optim::OptState state = momentum.init(p);
  EXPECT_TRUE(state["inner_state"]["trace"]["b"].is_none());
  EXPECT_EQ(state["inner_state"]["trace"]["w"].array().shape(), jx::Shape({2, 2}));
  EXPECT_EQ(jx::tree::leaves(state).size(), 1u);
  auto [u1, s1] = momentum.update(p, state, p);
  auto [u2, s2] = momentum.update(p, s1, p);
  EXPECT_EQ(u2.w(0, 0).item<float>(), 1.5f);  // traced
  EXPECT_EQ(u2.b[0].item<float>(), 1.0f);     // passed through
  // Masks nest: an inner mask sees only what the outer one selected.
  const auto nested = optim::masked(
      optim::masked(optim::scale(3.0), [](const jx::tree::KeyPath&, const Array& x) { return x.ndim() == 2; }),
      optim::not_named({"w"}));
  EXPECT_EQ(nested.update(p, nested.init(p)).first.w(0, 0).item<float>(), 1.0f);
  EXPECT_EQ(nested.update(p, nested.init(p)).first.b[0].item<float>(), 1.0f);
}

TEST(OptimTransformation, ApplyUpdatesKeepsTheParametersDtype) {
  const Params p{jnp::ones({2}, jx::bfloat16), jnp::ones({2})};
  const Params u{jnp::full({2}, 0.5f), jnp::full({2}, 0.25f)};
  const Params next = optim::apply_updates(p, u);
  EXPECT_EQ(next.w.dtype(), jx::bfloat16);
  EXPECT_EQ(next.w[0].item<float>(), 1.5f);
  EXPECT_EQ(next.b[1].item<float>(), 1.25f);
}

TEST(OptimTransformation, UserDefinedTransformations) {
  // Optax's GradientTransformation(init_fn, update_fn), on flattened leaves: clip each update to
  // [-1, 1] and count the steps.
  const optim::GradientTransformation clip_each(
      "clip_each",
      [](const jx::tree::TreeDef&, std::span<const Array>) {
        return Tree::dict({{"steps", jnp::zeros({}, jx::int32)}});
      },
      [](const jx::tree::TreeDef&, std::vector<Array>& updates, const optim::OptState& state, std::span<const Array>) {
        for (Array& u : updates)
          if (u.valid()) u = jnp::clip(u, Array(-1.0f), Array(1.0f));
        return Tree::dict({{"steps", state["steps"].array() + 1}});
      });
  const auto opt = optim::chain(clip_each, optim::sgd(0.1));
  const Params p{jnp::zeros({2}), jnp::zeros({1})};
  const Params g{jnp::array({5.0f, -0.5f}), jnp::array({-3.0f})};
  auto [u, state] = opt.update(g, opt.init(p), p);
  EXPECT_EQ(u.w.to_vector<float>(), (std::vector<float>{-0.1f, 0.05f}));
  EXPECT_EQ(u.b[0].item<float>(), 0.1f);
  EXPECT_EQ(state[0]["steps"].array().item<int>(), 1);
}

TEST(OptimExtraArgs, ChainAndMaskedPassTheValueAndTheGradientOn) {
  // f(x) = sum(x^2) at x = (1, 2, 3): polyak_sgd's step is f / ||g||^2 = 14 / 56, so x -> x / 2, and it
  // must see the value through a chain of transformations that do not read it themselves.
  const optim::GradientTransformationExtraArgs plain = optim::with_extra_args_support(optim::scale(1.0));
  const optim::GradientTransformation opt = optim::chain(plain, optim::masked(optim::polyak_sgd(), nullptr));
  const Array x = jnp::array({1.0f, 2.0f, 3.0f});
  const Array g = x * 2.0f;
  auto [updates, state] = opt.update(g, opt.init(x), x, {.value = jnp::sum(x * x)});
  const std::vector<float> got = updates.to_vector<float>();
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], -0.5f * static_cast<float>(i + 1));
  // A transformation that needs the value says so when the chain is called without it.
  EXPECT_THROW(opt.update(g, opt.init(x), x), jx::ValueError);
}

}  // namespace
