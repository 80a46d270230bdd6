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

}  // namespace
