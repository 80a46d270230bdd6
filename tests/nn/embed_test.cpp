// Embed and dropout.
#include <gtest/gtest.h>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

TEST(Embed, LooksUpRows) {
  auto model = nn::transform([](const jx::Array& ids) { return nn::Embed(10, 4)(ids); });
  const jx::Array ids = jnp::array({3, 0, 3});
  const nn::Params params = model.init(jx::random::PRNGKey(0), ids);
  const jx::Array table = params.as_dict().at("embed").as_dict().at("embeddings").array();
  EXPECT_EQ(table.shape(), jx::Shape({10, 4}));
  const jx::Array out = model.apply(params, std::nullopt, ids);
  EXPECT_TRUE(jnp::array_equal(out[0], table[3]).item<bool>());
  EXPECT_TRUE(jnp::array_equal(out[1], table[0]).item<bool>());
  EXPECT_THROW(model.apply(params, std::nullopt, jnp::array({1.0f})), jx::DTypeError);
}

TEST(Dropout, KeepsOneMinusRateAndRescales) {
  const jx::Array x = jnp::ones({100000});
  const jx::Array y = nn::dropout(jx::random::PRNGKey(0), 0.3f, x);
  const std::vector<float> values = y.to_vector<float>();
  std::size_t kept = 0;
  for (float v : values) {
    if (v != 0.0f) {
      ++kept;
      EXPECT_FLOAT_EQ(v, 1.0f / 0.7f);
    }
  }
  // Binomial(1e5, 0.7): the standard deviation of the count is 145, so 6 of them is 870.
  EXPECT_NEAR(static_cast<double>(kept), 70000.0, 870.0);
  // The expectation is preserved; inference and rate 0 leave x alone.
  EXPECT_NEAR(jnp::mean(y).item<float>(), 1.0f, 0.02f);
  auto model = nn::transform([](const jx::Array& v, bool training) { return nn::Dropout(0.5f)(v, training); });
  const nn::Params none = model.init(jx::random::PRNGKey(0), x, true);
  EXPECT_TRUE(jnp::array_equal(model.apply(none, std::nullopt, x, false), x).item<bool>());
  EXPECT_THROW(nn::dropout(jx::random::PRNGKey(0), 1.0f, x), jx::ValueError);
}

TEST(Dropout, ModuleInTrainingUnderJitDrawsFromTheApplyKey) {
  const float rate = 0.25f;
  auto model =
      nn::transform_with_state([rate](const jx::Array& v, bool training) { return nn::Dropout(rate)(v, training); });
  const jx::Array x = jnp::arange(1.0, 1001.0).astype(jx::float32);  // no zeros of its own
  auto [params, state] = model.init(jx::random::PRNGKey(0), x, true);
  auto step = jx::jit([&](const nn::Params& p, const nn::State& s, const jx::Key& key, const jx::Array& v) {
    return model.apply(p, s, key, v, true).first;
  });
  const jx::Key key = jx::random::PRNGKey(11), other = jx::random::PRNGKey(12);
  const jx::Array jitted = step(params, state, key, x);
  // The same key gives the same result eager and jitted.
  const jx::Array eager = model.apply(params, state, key, x, true).first;
  EXPECT_TRUE(jnp::array_equal(jitted, eager).item<bool>());
  // Written out: the module's key is the second half of split(key) (next_rng_key), its mask a
  // Bernoulli(1 - rate) draw, and the kept values x / (1 - rate).
  auto [rest, subkey] = jx::random::split(key);
  const jx::Array keep = jx::random::bernoulli(subkey, 1.0f - rate, x.shape());
  const jx::Array expected = jnp::where(keep, x / (1.0f - rate), jnp::array(0.0f));
  EXPECT_TRUE(jnp::allclose(jitted, expected, {.rtol = 1e-6, .atol = 0}).item<bool>());
  const std::vector<float> values = jitted.to_vector<float>(), inputs = x.to_vector<float>();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] == 0.0f) continue;
    ++kept;
    EXPECT_FLOAT_EQ(values[i], inputs[i] / 0.75f);
  }
  // Binomial(1000, 0.75): standard deviation 13.7; allow 6 of them.
  EXPECT_NEAR(static_cast<double>(kept), 750.0, 82.0);
  // Another key, another mask; the stateless transform draws the same way.
  const jx::Array with_other = step(params, state, other, x);
  EXPECT_FALSE(jnp::array_equal(with_other == 0.0f, jitted == 0.0f).item<bool>());
  EXPECT_EQ(step.trace_count(), 1u);
  auto stateless = nn::transform([rate](const jx::Array& v, bool training) { return nn::Dropout(rate)(v, training); });
  const nn::Params none = stateless.init(jx::random::PRNGKey(0), x, true);
  auto stateless_step = jx::jit(
      [&](const nn::Params& p, const jx::Key& k, const jx::Array& v) { return stateless.apply(p, k, v, true); });
  EXPECT_TRUE(jnp::array_equal(stateless_step(none, other, x), with_other).item<bool>());
  EXPECT_TRUE(jnp::array_equal(stateless.apply(none, other, x, true), with_other).item<bool>());
}

}  // namespace
