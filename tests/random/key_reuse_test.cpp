// config::debug_key_reuse: consuming a key twice throws KeyReuseError naming both places, eagerly,
// through copies and views, across jit calls, and for keys a jitted function captures.
#include <gtest/gtest.h>

#include "ir/primitives/random.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/random.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;
namespace jr = jx::random;

namespace {

class KeyReuse : public ::testing::Test {
 protected:
  void SetUp() override { jx::primitives::reset_key_reuse_tracking(); }
  jx::config::ScopedFlags checking_{{.debug_key_reuse = true}};
};

// The message of the KeyReuseError `f` throws (empty if none).
template <class F>
std::string reuse_message(F&& f) {
  try {
    f();
  } catch (const jx::KeyReuseError& e) {
    return e.what();
  }
  return {};
}

std::string line(int n) { return "key_reuse_test.cpp:" + std::to_string(n); }

TEST(KeyReuseOff, IsTheDefault) {
  EXPECT_FALSE(jx::config::debug_key_reuse());
  const jx::Key key = jr::PRNGKey(0);
  EXPECT_NO_THROW((jr::normal(key, {2}), jr::normal(key, {2})));
}

TEST_F(KeyReuse, SecondDrawThrowsNamingBothCalls) {
  const jx::Key key = jr::PRNGKey(0);
  jr::normal(key, {2});
  const int first = __LINE__ - 1;
  const std::string message = reuse_message([&] { jr::uniform(key, {2}); });
  const int second = __LINE__ - 1;
  EXPECT_NE(message.find("normal at " + line(first)), std::string::npos) << message;
  EXPECT_NE(message.find("uniform at " + line(second)), std::string::npos) << message;
}

// The seed program: init(rng) splits the rng main already split.
constexpr int kInitSplitLine = __LINE__ + 2;
jx::Array init(const jx::Key& rng) {
  auto [weights_key, bias_key] = jr::split(rng);
  return jr::normal(weights_key, {}) + jr::normal(bias_key, {});
}

TEST_F(KeyReuse, CatchesTheSeedProgram) {
  const jx::Key rng = jr::PRNGKey(42);
  auto [x_rng, noise_rng] = jr::split(rng);
  const int split_line = __LINE__ - 1;
  jr::normal(x_rng, {128, 1});
  jr::normal(noise_rng, {128, 1});
  const std::string message = reuse_message([&] { init(rng); });
  EXPECT_NE(message.find("split at " + line(split_line)), std::string::npos) << message;
  EXPECT_NE(message.find("split at " + line(kInitSplitLine)), std::string::npos) << message;
}

TEST_F(KeyReuse, FreshKeysFromSplitAndFoldInAreFine) {
  jx::Key key = jr::PRNGKey(1);
  for (int i = 0; i < 5; ++i) {
    auto [next, sub] = jr::split(key);
    jr::normal(sub, {3});
    key = next;
  }
  const jx::Key base = jr::PRNGKey(2);
  const jx::Key keys = jr::split(base, 3);
  jr::bits(keys[0], {2});
  jr::bits(keys[1], {2});
  jr::bits(jr::fold_in(keys[2], 0), {2});
  EXPECT_NE(reuse_message([&] { jr::fold_in(keys[2], 1); }), "");  // fold_in consumes its key
  // key_data reads without consuming; the same seed twice makes two distinct keys.
  jr::key_data(base);
  jr::normal(jr::PRNGKey(7), {1});
  jr::normal(jr::PRNGKey(7), {1});
}

TEST_F(KeyReuse, CopiesAndViewsAreTheSameKey) {
  const jx::Key keys = jr::split(jr::PRNGKey(3), 4);
  jr::normal(keys[1], {2});
  EXPECT_NE(reuse_message([&] { jr::normal(keys[1], {2}); }), "");
  const jx::Key copy = keys;
  EXPECT_NE(reuse_message([&] { jr::uniform(copy(jx::Slice{1, 2})[0], {2}); }), "");
  jr::normal(keys[2], {2});  // a different element of the same buffer
  // Making a key from its words starts it afresh (a new key object in JAX), as a seed does.
  jr::randint(jr::wrap_key_data(jr::key_data(keys[1])), {2}, 0, 3);
}

TEST_F(KeyReuse, SeesKeysPassedToJitAgain) {
  auto f = jx::jit([](const jx::Key& key) { return jr::normal(key, {3}); });
  const jx::Key key = jr::PRNGKey(4);
  f(key);
  EXPECT_NE(reuse_message([&] { f(key); }), "");
  EXPECT_NE(reuse_message([&] { jr::split(key); }), "");
  // Inside one jitted function.
  auto twice = jx::jit([](const jx::Key& k) { return jr::normal(k, {1}) + jr::uniform(k, {1}); });
  EXPECT_NE(reuse_message([&] { twice(jr::PRNGKey(5)); }), "");
  // Threading keys through jit is fine.
  auto step = jx::jit([](const jx::Key& k) {
    auto [next, sub] = jr::split(k);
    return std::pair{next, jr::normal(sub, {2})};
  });
  jx::Key current = jr::PRNGKey(6);
  for (int i = 0; i < 3; ++i) current = step(current).first;
}

TEST_F(KeyReuse, SeesKeysCapturedByJit) {
  const jx::Key captured = jr::PRNGKey(8);
  auto noise = jx::jit([&] { return jr::normal(captured, {4}); });
  noise();
  const std::string message = reuse_message([&] { noise(); });
  EXPECT_NE(message.find("same call"), std::string::npos) << message;
  EXPECT_NE(reuse_message([&] { jr::split(captured); }), "");
  // A key seeded inside the function is a new key on every call.
  auto seeded = jx::jit([] { return jr::normal(jr::PRNGKey(9), {4}); });
  seeded();
  seeded();
  auto traced_seed = jx::jit([](const jx::Array& seed) { return jr::uniform(jr::key(seed), {2}); });
  traced_seed(jnp::array(3));
  traced_seed(jnp::array(3));
}

TEST_F(KeyReuse, ManyShortLivedKeysNeverCollide) {
  // Freed buffers are reused by new keys: identity must follow the buffer's life, not its address.
  for (int i = 0; i < 2000; ++i) jr::normal(jr::split(jr::PRNGKey(i))[0], {1});
}

}  // namespace
