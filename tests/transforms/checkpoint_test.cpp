// jx::checkpoint: same values and derivatives (against finite differences), fewer residuals, and a
// smaller planned arena for the jitted gradient.
#include "jx/transforms/checkpoint.h"

#include <gtest/gtest.h>

#include "backends/cpu/executable.h"
#include "ir/passes.h"
#include "jx/jx.h"
#include "jx/test_util.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;

jx::Array sin_chain(const jx::Array& x) {
  jx::Array y = x;
  for (int i = 0; i < 6; ++i) y = jnp::sin(y) * 1.5f;
  return y;
}

TEST(Checkpoint, SameValuesAndDerivatives) {
  auto plain = [](const jx::Array& x) { return jnp::sum(sin_chain(x)); };
  auto remat = [](const jx::Array& x) { return jnp::sum(jx::checkpoint(sin_chain)(x)); };
  const jx::Array x = jnp::linspace(-1.0, 1.0, 7).astype(jx::float32);
  EXPECT_EQ(remat(x).item<float>(), plain(x).item<float>());
  EXPECT_TRUE(jnp::allclose(jx::grad(remat)(x), jx::grad(plain)(x)).item<bool>());
  EXPECT_TRUE(jnp::allclose(jx::jit(jx::grad(remat))(x), jx::grad(plain)(x)).item<bool>());
  // Against finite differences, to second order, both modes, eager and jitted (check_grads does all).
  jx::test::check_grads(remat, {x}, 2);
}

TEST(Checkpoint, PytreesClosuresAndVmap) {
  struct Layer {
    jx::Array w, b;
    JX_PYTREE_FIELDS(w, b);
  };
  const jx::Array scale = jnp::array(0.5f);  // captured: becomes an input of the checkpointed program
  auto block = jx::checkpoint([&](const Layer& l, const jx::Array& x) { return jnp::tanh(x * l.w + l.b) * scale; });
  const Layer layer{jnp::array({0.3f, -0.2f}), jnp::array({0.1f, 0.2f})};
  const jx::Array x = jnp::array({1.0f, 2.0f});
  const jx::Array expected = jnp::tanh(x * layer.w + layer.b) * 0.5f;
  EXPECT_TRUE(jnp::allclose(block(layer, x), expected).item<bool>());
  // d/dw sum(tanh(x w + b) * s) = x (1 - tanh^2) s.
  const Layer g = jx::grad([&](const Layer& l) { return jnp::sum(block(l, x)); })(layer);
  const jx::Array t = jnp::tanh(x * layer.w + layer.b);
  EXPECT_TRUE(jnp::allclose(g.w, x * (1.0f - t * t) * 0.5f).item<bool>());
  EXPECT_TRUE(jnp::allclose(g.b, (1.0f - t * t) * 0.5f).item<bool>());
  // Batched over rows of x.
  const jx::Array rows = jnp::array({{1.0f, 2.0f}, {3.0f, 4.0f}});
  const jx::Array batched = jx::vmap([&](const jx::Array& r) { return block(layer, r); })(rows);
  EXPECT_TRUE(jnp::allclose(batched[1], jnp::tanh(rows[1] * layer.w + layer.b) * 0.5f).item<bool>());
}

TEST(Checkpoint, KeepsOnlyTheInputsAsResiduals) {
  const jx::Array x = jnp::ones({1000});
  auto plain = [](const jx::Array& v) { return jnp::sum(sin_chain(v)); };
  auto remat = [](const jx::Array& v) { return jnp::sum(jx::checkpoint(sin_chain)(v)); };
  const std::vector<jx::ArrayType> stored = jx::saved_residuals(plain)(x);
  const std::vector<jx::ArrayType> recomputed = jx::saved_residuals(remat)(x);
  // Without checkpoint: the cosine of each of the six sines (and their inputs' scalings) are kept.
  std::size_t stored_bytes = 0, recomputed_bytes = 0;
  for (const jx::ArrayType& t : stored) stored_bytes += t.num_bytes();
  for (const jx::ArrayType& t : recomputed) recomputed_bytes += t.num_bytes();
  EXPECT_GE(stored.size(), 6u);
  EXPECT_GE(stored_bytes, 6u * 4000);
  EXPECT_EQ(recomputed.size(), 1u);  // x itself
  EXPECT_EQ(recomputed_bytes, 4000u);
}

TEST(Checkpoint, ShrinksThePlannedMemoryOfAJittedGradient) {
  // Four blocks of six sines on 64K floats. Without checkpoint the backward pass needs the 24 cosines,
  // all alive at once; with it, the four blocks' inputs, plus one block's cosines while that block
  // is differentiated.
  const jx::Array x = jnp::linspace(0.0, 1.0, 1 << 16).astype(jx::float32);
  auto plan = [&](auto loss) {
    jx::Program program = jx::make_jaxpr(jx::grad(loss))(x);
    jx::passes::optimize(program);
    // Unfused: fusion would keep these chains in tile-sized temporaries and hide what is measured.
    return jx::cpu::Executable(std::move(program), {.fuse_elementwise = false}).statistics();
  };
  const auto plain = plan([](const jx::Array& v) { return jnp::sum(sin_chain(sin_chain(sin_chain(sin_chain(v))))); });
  const auto remat = plan([](const jx::Array& v) {
    auto block = jx::checkpoint(sin_chain);
    return jnp::sum(block(block(block(block(v)))));
  });
  const std::size_t bytes = std::size_t{1} << 18;
  EXPECT_GE(plain.arena_bytes, 24 * bytes);
  EXPECT_LE(remat.arena_bytes, 14 * bytes) << "without checkpoint: " << plain.arena_bytes;
}

}  // namespace

namespace {

// What saved_residuals lists, as (shape, count) of the shapes that matter here.
int count_shape(const std::vector<jx::ArrayType>& residuals, const jx::Shape& shape) {
  int n = 0;
  for (const jx::ArrayType& t : residuals) n += t.shape == shape ? 1 : 0;
  return n;
}

struct TwoLayers {
  jx::Array x = jnp::linspace(-1.0, 1.0, 32).astype(jx::float32).reshape({8, 4});
  jx::Array w1 = jnp::linspace(-0.5, 0.5, 64).astype(jx::float32).reshape({4, 16});
  jx::Array w2 = jnp::linspace(0.4, -0.3, 48).astype(jx::float32).reshape({16, 3});

  static jx::Array block(const jx::Array& a, const jx::Array& b, const jx::Array& x) {
    const jx::Array h = jx::checkpoint_name(jnp::tanh(jnp::matmul(x, a)), "hidden");
    return jnp::tanh(jnp::matmul(h, b));
  }
  auto loss(jx::CheckpointPolicy policy) const {
    auto layer = jx::checkpoint(block, {.policy = std::move(policy)});
    return [layer](const jx::Array& a, const jx::Array& b, const jx::Array& v) { return jnp::sum(layer(a, b, v)); };
  }
};

TEST(CheckpointPolicies, WhatIsKeptFollowsThePolicy) {
  namespace policies = jx::checkpoint_policies;
  const TwoLayers t;
  const jx::Shape hidden{8, 16}, out{8, 3};
  auto residuals = [&](jx::CheckpointPolicy policy) {
    return jx::saved_residuals(t.loss(std::move(policy)))(t.w1, t.w2, t.x);
  };
  // Nothing: the inputs only.
  const auto nothing = residuals(policies::nothing_saveable());
  EXPECT_EQ(count_shape(nothing, hidden) + count_shape(nothing, out), 0);
  // Dots: both products' results (the tanh's are recomputed from them).
  const auto dots = residuals(policies::dots_saveable());
  EXPECT_EQ(count_shape(dots, hidden), 1);
  EXPECT_EQ(count_shape(dots, out), 1);
  // A name: the hidden activation, and nothing of the second layer.
  const auto named = residuals(policies::save_only_these_names({"hidden"}));
  EXPECT_EQ(count_shape(named, hidden), 1);
  EXPECT_EQ(count_shape(named, out), 0);
  EXPECT_EQ(count_shape(residuals(policies::save_anything_except_these_names({"hidden"})), out),
            count_shape(jx::saved_residuals([](const jx::Array& a, const jx::Array& b, const jx::Array& x) {
                          return jnp::sum(TwoLayers::block(a, b, x));
                        })(t.w1, t.w2, t.x),
                        out));
  // Everything: what the function keeps without a checkpoint.
  const auto everything = residuals(policies::everything_saveable());
  const auto plain = jx::saved_residuals([](const jx::Array& a, const jx::Array& b, const jx::Array& x) {
    return jnp::sum(TwoLayers::block(a, b, x));
  })(t.w1, t.w2, t.x);
  EXPECT_EQ(count_shape(everything, hidden), count_shape(plain, hidden));
  EXPECT_EQ(count_shape(everything, out), count_shape(plain, out));
  // Either of two policies.
  const auto both = residuals(policies::save_from_both_policies(policies::save_only_these_names({"hidden"}),
                                                                policies::dots_with_no_batch_dims_saveable()));
  EXPECT_GE(count_shape(both, hidden), 1);
  EXPECT_EQ(count_shape(both, out), 1);
}

TEST(CheckpointPolicies, GradientsAreTheSameUnderEveryPolicy) {
  namespace policies = jx::checkpoint_policies;
  const TwoLayers t;
  auto plain = [](const jx::Array& a, const jx::Array& b, const jx::Array& x) {
    return jnp::sum(TwoLayers::block(a, b, x));
  };
  const auto [ga, gb] = jx::grad(plain, jx::argnums<0, 1>)(t.w1, t.w2, t.x);
  for (jx::CheckpointPolicy policy :
       {policies::nothing_saveable(), policies::dots_saveable(), policies::everything_saveable(),
        policies::save_only_these_names({"hidden"}), policies::save_any_names_but_these({"other"}),
        policies::checkpoint_dots_with_no_batch_dims()}) {
    const std::string name = policy.name;
    const auto loss = t.loss(std::move(policy));
    const auto [a, b] = jx::grad(loss, jx::argnums<0, 1>)(t.w1, t.w2, t.x);
    EXPECT_TRUE(jnp::allclose(a, ga, {.rtol = 1e-5, .atol = 1e-6}).item<bool>()) << name;
    EXPECT_TRUE(jnp::allclose(b, gb, {.rtol = 1e-5, .atol = 1e-6}).item<bool>()) << name;
    const auto [ja, jb] = jx::jit(jx::grad(loss, jx::argnums<0, 1>))(t.w1, t.w2, t.x);
    EXPECT_TRUE(jnp::allclose(ja, ga, {.rtol = 1e-5, .atol = 1e-6}).item<bool>()) << name;
    EXPECT_TRUE(jnp::allclose(jb, gb, {.rtol = 1e-5, .atol = 1e-6}).item<bool>()) << name;
  }
  // Second order and both modes against finite differences, under a policy.
  const auto dots = t.loss(policies::dots_saveable());
  jx::test::check_grads([&](const jx::Array& a) { return dots(a, t.w2, t.x); }, {t.w1}, 2);
}

}  // namespace
