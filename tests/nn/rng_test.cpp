// PRNGSequence and the sequence helpers of transformed functions against the
// chains of jx::random::split that Haiku's PRNGSequence defines
// (haiku/_src/base.py: reserve(n) splits the key into n + 1 and keeps the
// first; next() reserves one when nothing is left), eagerly and under jit;
// with_rng, the sequence state, without_apply_rng, and errors.
#include "jx/nn/rng.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
using jx::Key;

bool same(const Key& a, const Key& b) {
  return a.shape() == b.shape() && jnp::array_equal(jx::random::key_data(a), jx::random::key_data(b)).item<bool>();
}

// split(key, n + 1): the key kept, then the n handed out.
std::pair<Key, std::vector<Key>> reserve(const Key& key, std::int64_t n) {
  const Key keys = jx::random::split(key, n + 1);
  std::vector<Key> out;
  for (std::int64_t i = 1; i <= n; ++i) out.push_back(keys[i]);
  return {keys[0], out};
}

void expect_same(const std::vector<Key>& got, const std::vector<Key>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same(got[i], want[i])) << "key " << i;
}

TEST(PRNGSequence, NextFollowsTheSplitChain) {
  for (std::int64_t seed : {42, 28}) {
    nn::PRNGSequence from_seed(seed);
    nn::PRNGSequence from_key(jx::random::PRNGKey(seed));
    nn::PRNGSequence from_array_seed(jnp::array(static_cast<std::int32_t>(seed)));
    nn::PRNGSequence from_raw_key(jx::random::key_data(jx::random::PRNGKey(seed)));
    Key key = jx::random::PRNGKey(seed);
    for (int i = 0; i < 4; ++i) {
      auto [next, subkey] = jx::random::split(key);
      key = next;
      EXPECT_TRUE(same(from_seed.next(), subkey)) << "seed " << seed << " step " << i;
      EXPECT_TRUE(same(from_key.next(), subkey));
      EXPECT_TRUE(same(from_array_seed.next(), subkey));
      EXPECT_TRUE(same(from_raw_key.next(), subkey));
    }
  }
}

TEST(PRNGSequence, ReserveAndTakeSplitOnceForManyKeys) {
  const Key k = jx::random::PRNGKey(42);
  nn::PRNGSequence reserved(k);
  reserved.reserve(10);
  std::vector<Key> got;
  for (int i = 0; i < 10; ++i) got.push_back(reserved.next());
  expect_same(got, reserve(k, 10).second);

  nn::PRNGSequence twice(k);
  twice.reserve(2);
  twice.reserve(2);
  const auto [k1, first] = reserve(k, 2);
  const auto [k2, second] = reserve(k1, 2);
  got.clear();
  for (int i = 0; i < 4; ++i) got.push_back(twice.next());
  expect_same(got, {first[0], first[1], second[0], second[1]});
  // The key kept after both reservations is k2's: the next key after them is
  // split(k2)[1].
  EXPECT_TRUE(same(twice.next(), jx::random::split(k2)[1]));

  nn::PRNGSequence taken(k);
  expect_same(taken.take(10), reserve(k, 10).second);

  // take reserves only what the queue lacks: after reserve(3) and one next(),
  // take(5) hands out the two queued keys and three from one more split.
  nn::PRNGSequence mixed(k);
  mixed.reserve(3);
  const auto [m1, queued] = reserve(k, 3);
  EXPECT_TRUE(same(mixed.next(), queued[0]));
  const auto [m2, more] = reserve(m1, 3);
  expect_same(mixed.take(5), {queued[1], queued[2], more[0], more[1], more[2]});
  EXPECT_TRUE(mixed.take(0).empty());
}

TEST(PRNGSequence, StateRoundTripsAndUnderJit) {
  nn::PRNGSequence sequence(7);
  sequence.reserve(3);
  (void)sequence.next();
  const nn::PRNGSequenceState state = sequence.internal_state();
  EXPECT_EQ(state.subkeys.size(), 2u);
  nn::PRNGSequence copy(state);
  expect_same(copy.take(4), sequence.take(4));
  // replace_internal_state rewinds.
  sequence.replace_internal_state(state);
  nn::PRNGSequence again(state);
  EXPECT_TRUE(same(sequence.next(), again.next()));

  // Normals drawn from the sequence's keys are the same under jit (keys
  // traced).
  const auto draw = [](const Key& key) {
    nn::PRNGSequence keys(key);
    return jnp::stack({jx::random::normal(keys.next(), {}), jx::random::normal(keys.next(), {})});
  };
  const Key key = jx::random::PRNGKey(42);
  const jx::Array eager = draw(key);
  auto [k1, s1] = jx::random::split(key);
  const jx::Array by_hand = jnp::stack({jx::random::normal(s1, {}), jx::random::normal(jx::random::split(k1)[1], {})});
  EXPECT_TRUE(jnp::array_equal(eager, by_hand).item<bool>());
  EXPECT_TRUE(jnp::array_equal(jx::jit(draw)(key), by_hand).item<bool>());
}

TEST(PRNGSequence, RejectsWhatIsNotOneKey) {
  const Key k = jx::random::PRNGKey(42);
  EXPECT_THROW(nn::PRNGSequence{jx::random::split(k, 2)},
               jx::ValueError);  // two keys
  EXPECT_THROW(nn::PRNGSequence{jnp::ones({3})}, jx::ValueError);
  EXPECT_THROW(nn::PRNGSequence{jnp::array(1.5f)}, jx::ValueError);
  EXPECT_THROW((nn::PRNGSequence{nn::PRNGSequenceState{k, {jx::random::split(k, 3)}}}), jx::ValueError);
  nn::PRNGSequence sequence(k);
  EXPECT_THROW(sequence.take(-1), jx::ValueError);
  EXPECT_THROW(sequence.reserve(-2), jx::ValueError);
}

// Runs f inside a transformed function's apply, given `key` (or none), and
// returns what it returns.
template <class F>
auto run_transformed(F f, std::optional<Key> key) {
  auto transformed = nn::transform([&](int) { return f(); });
  return transformed.apply(transformed.init(jx::random::PRNGKey(0), 0), key, 0);
}

TEST(TransformedRng, NextRngKeysIsTakeOfTheSequence) {
  const Key k = jx::random::PRNGKey(3);
  const std::vector<Key> got = run_transformed(
      [] {
        const Key keys = nn::next_rng_keys(3);
        EXPECT_EQ(keys.shape(), jx::Shape{3});
        return std::vector<Key>{keys[0], keys[1], keys[2], nn::next_rng_key()};
      },
      k);
  // As Haiku: split(k, 4)[1..3], not three calls' worth of next_rng_key; then
  // the kept key splits again.
  const auto [kept, three] = reserve(k, 3);
  expect_same(got, {three[0], three[1], three[2], jx::random::split(kept)[1]});
  // Three calls of next_rng_key would give split(k)[1], then split(split(k)[0])[1], ...: the first
  // key agrees (in the partitionable threefry mode split(k, n)[i] does not depend on n), the second not.
  const auto [k1, s1] = jx::random::split(k);
  EXPECT_FALSE(same(got[1], jx::random::split(k1)[1]));
}

TEST(TransformedRng, ReservedKeysComeFirst) {
  const Key k = jx::random::PRNGKey(4);
  const std::vector<Key> got = run_transformed(
      [] {
        nn::reserve_rng_keys(3);
        std::vector<Key> keys;
        for (int i = 0; i < 4; ++i) keys.push_back(nn::next_rng_key());
        return keys;
      },
      k);
  const auto [kept, three] = reserve(k, 3);
  expect_same(got, {three[0], three[1], three[2], jx::random::split(kept)[1]});
}

TEST(TransformedRng, MaybeNextRngKeyIsNextRngKeyOrNothing) {
  const Key k = jx::random::PRNGKey(5);
  const auto maybes = run_transformed(
      [] {
        std::vector<Key> keys;
        for (int i = 0; i < 3; ++i) keys.push_back(*nn::maybe_next_rng_key());
        return keys;
      },
      k);
  const auto nexts = run_transformed(
      [] {
        std::vector<Key> keys;
        for (int i = 0; i < 3; ++i) keys.push_back(nn::next_rng_key());
        return keys;
      },
      k);
  expect_same(maybes, nexts);
  EXPECT_FALSE(run_transformed([] { return nn::maybe_next_rng_key().has_value(); }, std::nullopt));
  EXPECT_THROW(run_transformed([] { return nn::next_rng_key(); }, std::nullopt), jx::ValueError);
  EXPECT_THROW(run_transformed([] { return nn::next_rng_keys(2); }, std::nullopt), jx::ValueError);
  EXPECT_THROW(run_transformed([] { return nn::next_rng_keys(0); }, k), jx::ValueError);
  EXPECT_THROW(run_transformed(
                   [] {
                     nn::reserve_rng_keys(2);
                     return 0;
                   },
                   std::nullopt),
               jx::ValueError);
}

TEST(TransformedRng, WithRngDrawsFromItsKeyThenTheOuterSequenceResumes) {
  const Key k = jx::random::PRNGKey(6), scoped_key = jx::random::PRNGKey(428);
  const std::vector<Key> got = run_transformed(
      [&] {
        std::vector<Key> keys{nn::next_rng_key()};
        {
          auto scope = nn::with_rng(scoped_key);
          keys.push_back(nn::next_rng_key());
          keys.push_back(nn::next_rng_key());
        }
        keys.push_back(nn::next_rng_key());
        return keys;
      },
      k);
  const auto [k1, s1] = jx::random::split(k);
  const auto [w1, t1] = jx::random::split(scoped_key);
  expect_same(got, {s1, t1, jx::random::split(w1)[1], jx::random::split(k1)[1]});
  // A function given no key can still draw inside with_rng.
  const Key inside = run_transformed(
      [&] {
        auto scope = nn::with_rng(scoped_key);
        return nn::next_rng_key();
      },
      std::nullopt);
  EXPECT_TRUE(same(inside, t1));
  EXPECT_FALSE(run_transformed(
      [&] {
        { auto scope = nn::with_rng(scoped_key); }
        return nn::maybe_next_rng_key().has_value();
      },
      std::nullopt));
  EXPECT_THROW(run_transformed(
                   [&] {
                     auto scope = nn::with_rng(jx::random::split(k, 2));
                     return 0;
                   },
                   k),
               jx::ValueError);
}

TEST(TransformedRng, SequenceStateCanBeReadAndReplaced) {
  const Key k = jx::random::PRNGKey(7), replacement = jx::random::PRNGKey(123);
  // Drawing through states read and replaced gives the keys next_rng_key gives.
  const auto through_state = run_transformed(
      [] {
        std::vector<Key> keys;
        for (int i = 0; i < 3; ++i) {
          nn::PRNGSequence sequence(*nn::maybe_get_rng_sequence_state());
          keys.push_back(sequence.next());
          nn::replace_rng_sequence_state(sequence.internal_state());
        }
        return keys;
      },
      k);
  const auto direct = run_transformed(
      [] {
        std::vector<Key> keys;
        for (int i = 0; i < 3; ++i) keys.push_back(nn::next_rng_key());
        return keys;
      },
      k);
  expect_same(through_state, direct);
  // The state shows reserved keys; a replaced state is what is read back and
  // drawn from.
  const auto state_after = run_transformed(
      [&] {
        nn::reserve_rng_keys(2);
        const nn::PRNGSequenceState reserved_state = *nn::maybe_get_rng_sequence_state();
        EXPECT_EQ(reserved_state.subkeys.size(), 2u);
        nn::replace_rng_sequence_state({replacement, {}});
        const nn::PRNGSequenceState replaced = *nn::maybe_get_rng_sequence_state();
        EXPECT_TRUE(same(replaced.key, replacement));
        EXPECT_TRUE(replaced.subkeys.empty());
        return nn::next_rng_key();
      },
      k);
  EXPECT_TRUE(same(state_after, jx::random::split(replacement)[1]));
  EXPECT_FALSE(run_transformed([] { return nn::maybe_get_rng_sequence_state().has_value(); }, std::nullopt));
  EXPECT_THROW(run_transformed(
                   [&] {
                     nn::replace_rng_sequence_state({replacement, {}});
                     return 0;
                   },
                   std::nullopt),
               jx::ValueError);
}

TEST(TransformedRng, HelpersNeedATransformedFunction) {
  EXPECT_THROW(nn::next_rng_keys(2), jx::ValueError);
  EXPECT_THROW(nn::maybe_next_rng_key(), jx::ValueError);
  EXPECT_THROW(nn::reserve_rng_keys(2), jx::ValueError);
  EXPECT_THROW(nn::maybe_get_rng_sequence_state(), jx::ValueError);
  EXPECT_THROW(nn::replace_rng_sequence_state({jx::random::PRNGKey(0), {}}), jx::ValueError);
  EXPECT_THROW({ auto scope = nn::with_rng(jx::random::PRNGKey(0)); }, jx::ValueError);
}

TEST(TransformedRng, KeysUnderJitAreTheEagerOnes) {
  auto model = nn::transform([](const jx::Array& x) {
    nn::reserve_rng_keys(2);
    const Key pair = nn::next_rng_keys(3);
    jx::Array out = x;
    for (int i = 0; i < 3; ++i) out = out + jx::random::uniform(pair[i], x.shape());
    return out + jx::random::normal(nn::next_rng_key(), x.shape());
  });
  const jx::Array x = jnp::zeros({4});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  const Key k = jx::random::PRNGKey(8);
  auto jitted = jx::jit([&](const Key& key, const jx::Array& input) { return model.apply(params, key, input); });
  EXPECT_TRUE(jnp::array_equal(jitted(k, x), model.apply(params, k, x)).item<bool>());
  // By hand: reserve(2) then take(3) reserves one more from the kept key; then
  // next splits again.
  const auto [kept, two] = reserve(k, 2);
  const auto [kept2, one] = reserve(kept, 1);
  const std::vector<Key> keys{two[0], two[1], one[0]};
  jx::Array want = x;
  for (const Key& key : keys) want = want + jx::random::uniform(key, x.shape());
  want = want + jx::random::normal(jx::random::split(kept2)[1], x.shape());
  EXPECT_TRUE(jnp::array_equal(model.apply(params, k, x), want).item<bool>());
}

TEST(WithoutApplyRng, ApplyTakesNoKey) {
  auto model = nn::transform([](const jx::Array& x) { return nn::Linear(3)(x); });
  const jx::Array x = jnp::ones({2, 4});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  auto keyless = nn::without_apply_rng(model);
  EXPECT_TRUE(jnp::array_equal(keyless.init(jx::random::PRNGKey(0), x).as_dict().at("linear").as_dict().at("w").array(),
                               params.as_dict().at("linear").as_dict().at("w").array())
                  .item<bool>());
  EXPECT_TRUE(jnp::array_equal(keyless.apply(params, x), model.apply(params, std::nullopt, x)).item<bool>());
  auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& input) { return keyless.apply(p, input); });
  EXPECT_TRUE(jnp::array_equal(jitted(params, x), model.apply(params, std::nullopt, x)).item<bool>());

  // A function that draws randomness runs without a key: next_rng_key throws.
  auto noisy = nn::without_apply_rng(nn::transform([](const jx::Array& v) {
    return nn::Linear(3)(v) + jx::random::normal(nn::next_rng_key(), {2, 3});
  }));
  const nn::Params noisy_params = noisy.init(jx::random::PRNGKey(0), x);
  EXPECT_THROW(noisy.apply(noisy_params, x), jx::ValueError);

  // With state: apply(params, state, args...) gives (output, state).
  auto counter = nn::without_apply_rng(nn::transform_with_state([](const jx::Array& v) {
    const jx::Array n = nn::get_state("n", {}, jx::DType::int32, nn::initializers::zeros());
    nn::set_state("n", n + 1);
    return v * 2;
  }));
  auto [state_params, state] = counter.init(jx::random::PRNGKey(0), x);
  auto [out, next_state] = counter.apply(state_params, state, x);
  EXPECT_TRUE(jnp::array_equal(out, x * 2).item<bool>());
  EXPECT_EQ(next_state.as_dict().at("~").as_dict().at("n").array().item<int>(), 1);
}

}  // namespace
