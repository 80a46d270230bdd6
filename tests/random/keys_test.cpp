// jx::Key as an array: indexing, pytrees, jit (the same values eager and jitted, primitives in the
// program, the mode in the cache key), and autodiff (keys get float0, never a gradient).
#include <gtest/gtest.h>

#include <type_traits>

#include "jx/core/config.h"
#include "jx/random.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"
#include "jx/tree.h"

namespace jnp = jx::numpy;
namespace jr = jx::random;

namespace keys_test {
struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);

struct State {
  jx::Array scale;
  jx::Key rng;
};
JX_PYTREE(State, scale, rng);

// The seed's init: two normals from the halves of a split.
Params init(jx::Key rng) {
  auto [weights_key, bias_key] = jr::split(rng);
  return {jr::normal(weights_key, {}), jr::normal(bias_key, {})};
}
}  // namespace keys_test

namespace {

using keys_test::Params;
using keys_test::State;

std::vector<std::uint32_t> words(const jx::Key& key) { return jr::key_data(key).to_vector<std::uint32_t>(); }

TEST(Key, IsAnArrayOfKeyDtype) {
  const jx::Key key = jr::PRNGKey(42);
  EXPECT_EQ(key.dtype(), jx::DType::key);
  EXPECT_EQ(key.shape(), jx::Shape{});
  EXPECT_EQ(words(key), (std::vector<std::uint32_t>{0, 42}));
  EXPECT_THROW(jx::Key(jnp::zeros({2})), jx::TypeError);
  // As JAX prints a typed key array, str and repr alike (PRNGKeyArray.__repr__ in jax/_src/random/prng.py):
  // print(jax.random.key(42)) shows "Array((), dtype=key<fry>) overlaying:" and the words "[ 0 42]".
  EXPECT_EQ(jx::to_string(key), "Array((), dtype=key<fry>) overlaying:\n[ 0 42]");
  EXPECT_EQ(jx::repr(key), jx::to_string(key));
  const jx::Key three = jr::wrap_key_data(jnp::array({{1u, 2u}, {30u, 4u}, {5u, 600u}}, jx::uint32));
  EXPECT_EQ(jx::to_string(three), "Array((3,), dtype=key<fry>) overlaying:\n[[  1   2]\n [ 30   4]\n [  5 600]]");
  // Raw words round-trip, and keys of any shape wrap.
  const jx::Key again = jr::wrap_key_data(jr::key_data(key));
  EXPECT_EQ(words(again), words(key));
  const jx::Key grid = jr::wrap_key_data(jnp::zeros({2, 3, 2}, jx::uint32));
  EXPECT_EQ(grid.shape(), (jx::Shape{2, 3}));
  EXPECT_THROW(jr::wrap_key_data(jnp::zeros({3})), jx::DTypeError);
}

TEST(Key, SplitKeysIndexSliceAndReshapeAsKeys) {
  const jx::Key keys = jr::split(jr::PRNGKey(0), 6);
  EXPECT_EQ(keys.shape(), (jx::Shape{6}));
  static_assert(std::is_same_v<decltype(keys[0]), jx::Key>);
  static_assert(std::is_same_v<decltype(keys(jx::Slice{1, 3})), jx::Key>);
  const jx::Key third = keys[2];
  EXPECT_EQ(third.shape(), jx::Shape{});
  EXPECT_EQ(words(third), (std::vector<std::uint32_t>{jr::key_data(keys).to_vector<std::uint32_t>()[4],
                                                      jr::key_data(keys).to_vector<std::uint32_t>()[5]}));
  const jx::Key middle = keys(jx::Slice{1, 3});
  EXPECT_EQ(words(middle[1]), words(third));
  EXPECT_EQ(words(keys.reshape({2, 3})[0][2]), words(third));
  EXPECT_EQ(jr::split(jr::PRNGKey(0), jx::Shape{2, 2}).shape(), (jx::Shape{2, 2}));
  // Gathers with an index array, and concatenation, are generic over the element size.
  const jx::Key picked = keys[jnp::array({2, 0})];
  EXPECT_EQ(words(picked[0]), words(third));
  const jx::Key joined(jnp::concatenate({keys, middle}));
  EXPECT_EQ(joined.shape(), (jx::Shape{8}));
  EXPECT_EQ(words(joined[7]), words(third));
  // Random functions take one key.
  EXPECT_THROW(jr::normal(keys, {2}), jx::ValueError);
}

TEST(Key, KeysAreLeavesOfPytrees) {
  const State state{jnp::array(2.0f), jr::PRNGKey(3)};
  EXPECT_EQ(jx::tree::leaves(state).size(), 2u);
  const State mapped = jx::tree::map([](const jx::Array& x) { return x; }, state);
  EXPECT_EQ(words(mapped.rng), (std::vector<std::uint32_t>{0, 3}));
}

TEST(Key, SameValuesEagerAndUnderJit) {
  for (bool partitionable : {true, false}) {
    auto mode = jx::config::scoped({.threefry_partitionable = partitionable});
    auto draw = [](const jx::Key& key) {
      auto keys = jr::split(key, 12);
      const jx::Key folded = jr::fold_in(keys[11], 7);
      return std::vector<jx::Array>{
          jr::key_data(keys),
          jr::key_data(folded),
          jr::bits(keys[0], {5}),
          jr::bits(keys[0], {7}, jx::uint8),
          jr::uniform(keys[1], {9}),
          jr::uniform(keys[1], {3}, -2.0f, 3.0f),
          jr::normal(keys[2], {4, 3}),
          jr::randint(keys[3], {6}, -3, 17),
          jr::bernoulli(keys[4], 0.25f, jx::Shape{8}),
          jr::truncated_normal(keys[5], -1.0f, 1.5f, jx::Shape{5}),
          jr::gumbel(keys[6], {5}),
          jr::exponential(keys[7], {5}) + jr::laplace(keys[7], {5}) + jr::logistic(keys[7], {5}),
          jr::categorical(keys[8], jnp::array({0.5f, 1.0f, -1.0f}), -1, jx::Shape{6}),
          jr::choice(keys[9], 10, {4}, {.replace = false}),
          jr::permutation(keys[10], 8),
          jr::rademacher(keys[10], {4}),
      };
    };
    const jx::Key key = jr::PRNGKey(1234);
    const auto eager = draw(key);
    auto jitted = jx::jit(draw);
    const auto traced = jitted(key);
    ASSERT_EQ(eager.size(), traced.size());
    for (std::size_t i = 0; i < eager.size(); ++i) {
      EXPECT_EQ(jx::repr(eager[i]), jx::repr(traced[i])) << "output " << i << (partitionable ? "" : " (legacy)");
    }
  }
}

TEST(Key, JitRecordsRandomPrimitivesAndRetracesOnTheMode) {
  auto f = jx::jit([](const jx::Key& key) { return jr::normal(key, {3}); });
  const std::string program = f.lower(jr::PRNGKey(0)).to_string();
  EXPECT_NE(program.find("random_normal"), std::string::npos) << program;
  EXPECT_NE(program.find("key<fry>[]"), std::string::npos) << program;
  const auto partitionable = f(jr::PRNGKey(0)).to_vector<float>();
  {
    auto mode = jx::config::scoped({.threefry_partitionable = false});
    EXPECT_NE(f(jr::PRNGKey(0)).to_vector<float>(), partitionable);
  }
  EXPECT_EQ(f.trace_count(), 2u);
  // Keys come back out of jit as keys, in pytrees too.
  auto step = jx::jit([](const State& s) {
    auto [next, sub] = jr::split(s.rng);
    return std::pair{State{s.scale * jr::normal(sub, {}), next}, jr::bits(sub, {2})};
  });
  const auto [state, bits] = step(State{jnp::array(1.0f), jr::PRNGKey(5)});
  EXPECT_EQ(words(state.rng), words(jr::split(jr::PRNGKey(5))[0]));
  EXPECT_EQ(bits.shape(), (jx::Shape{2}));
}

TEST(Key, VmapOverABatchOfKeys) {
  const jx::Key key = jr::PRNGKey(0);
  const jx::Key keys = jr::split(key, 5);
  auto draw = [](const jx::Key& k) {
    return std::vector<jx::Array>{jr::normal(k, {3}), jr::randint(k, {2}, 0, 9), jr::bits(k, {4}, jx::uint8),
                                  jr::key_data(jr::split(k)[1])};
  };
  const auto batched = jx::vmap(draw)(keys);
  for (int i = 0; i < 5; ++i) {
    const auto one = draw(keys[i]);
    for (std::size_t j = 0; j < one.size(); ++j) EXPECT_EQ(jx::repr(batched[j][i]), jx::repr(one[j])) << i << " " << j;
  }
  // JAX's fold_in/split symmetry under vmap: a shared key folded with a batch of data.
  auto fold = jx::vmap([&](const jx::Array& i) { return jr::key_data(jr::fold_in(key, i)); });
  EXPECT_EQ(jx::repr(fold(jnp::arange(3))), jx::repr(jr::key_data(jr::split(key, 3))));
  // Keys come out of vmap as a batch of keys.
  const jx::Key made = jx::vmap([](const jx::Array& seed) { return jr::PRNGKey(seed); })(jnp::arange(4));
  EXPECT_EQ(made.shape(), (jx::Shape{4}));
  EXPECT_EQ(words(made[3]), words(jr::PRNGKey(3)));
}

TEST(Key, TracedSeedsAndFoldInData) {
  auto f = jx::jit([](const jx::Array& seed, const jx::Array& data) { return jr::fold_in(jr::PRNGKey(seed), data); });
  EXPECT_EQ(words(f(jnp::array(7), jnp::array(3))), words(jr::fold_in(jr::PRNGKey(7), 3)));
}

TEST(Key, KeysGetNoGradient) {
  auto loss = [](const jx::Array& w, const jx::Key& key) { return jnp::sum(w * jr::normal(key, {3})); };
  const jx::Key key = jr::PRNGKey(2);
  const jx::Array w = jnp::ones({3});
  const jx::Array g = jx::grad(loss)(w, key);
  EXPECT_EQ(jx::repr(g), jx::repr(jr::normal(key, {3})));
  auto [gw, gk] = jx::grad(loss, jx::argnums<0, 1>)(w, key);
  EXPECT_EQ(gk.dtype(), jx::float0);
  // Through a pytree: the key leaf's gradient is float0 and rebuilds as a (float0) Key.
  auto scaled = [](const State& s) { return jnp::sum(s.scale * jr::uniform(s.rng, {4})); };
  const State gs = jx::grad(scaled)(State{jnp::array(3.0f), key});
  EXPECT_EQ(gs.rng.dtype(), jx::float0);
  EXPECT_GT(gs.scale.item<float>(), 0.0f);
}

TEST(Key, TheSeedProgramRuns) {
  const jx::Key rng = jr::PRNGKey(42);
  auto [x_rng, noise_rng] = jr::split(rng);
  const jx::Array xs = jr::normal(x_rng, {128, 1});
  const jx::Array noise = jr::normal(noise_rng, {128, 1}) * 0.5f;
  const jx::Array ys = xs * 2 + -1 + noise;
  const Params params = keys_test::init(rng);  // reuses rng: weights_key == x_rng, as in JAX
  EXPECT_EQ(params.weight.item<float>(), xs.reshape({128})[0].item<float>());
  EXPECT_EQ(ys.shape(), (jx::Shape{128, 1}));
}

}  // namespace
