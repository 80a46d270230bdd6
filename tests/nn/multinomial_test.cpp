// multinomial: the shapes hk.multinomial returns, its draws' frequencies
// against softmax(logits) (computed here in double precision) by a chi-square
// bound, jit, and the errors.
#include "jx/nn/multinomial.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

TEST(Multinomial, ShapesAsHaikuReturnsThem) {
  const jx::Key key = jx::random::PRNGKey(0);
  const jx::Array logits = jnp::zeros({2, 3, 4});
  EXPECT_EQ(nn::multinomial(key, logits, 5).shape(), jx::Shape({2, 3, 5}));
  EXPECT_EQ(nn::multinomial(key, logits, 1).shape(), jx::Shape({2, 3, 1}));
  EXPECT_EQ(nn::multinomial(key, logits, 0).shape(), jx::Shape({2, 3, 0}));
  EXPECT_EQ(nn::multinomial(key, jnp::zeros({4}), 7).shape(), jx::Shape({7}));
  EXPECT_EQ(nn::multinomial(key, logits, 5).dtype(), jx::int32);
  // With one category of finite logit, every draw is that category.
  const jx::Array one_hot = jnp::array({-INFINITY, 0.0f, -INFINITY});
  EXPECT_EQ(nn::multinomial(key, one_hot, 6).to_vector<int>(), (std::vector<int>(6, 1)));
}

TEST(Multinomial, FrequenciesFollowSoftmaxOfTheLogits) {
  const std::vector<std::vector<double>> logits = {{0.0, 1.0, -1.0, 2.0}, {3.0, 0.0, 0.0, -2.0}};
  const jx::Array logits_array = jnp::array({{0.0f, 1.0f, -1.0f, 2.0f}, {3.0f, 0.0f, 0.0f, -2.0f}});
  const int samples = 20000;
  const jx::Array draws = nn::multinomial(jx::random::PRNGKey(1), logits_array, samples);
  ASSERT_EQ(draws.shape(), jx::Shape({2, samples}));
  const std::vector<int> values = draws.to_vector<int>();
  for (std::size_t row = 0; row < 2; ++row) {
    double total = 0;
    for (const double l : logits[row]) total += std::exp(l);
    std::vector<int> counts(4, 0);
    for (int s = 0; s < samples; ++s) {
      const int category = values[row * samples + static_cast<std::size_t>(s)];
      ASSERT_GE(category, 0);
      ASSERT_LT(category, 4);
      ++counts[static_cast<std::size_t>(category)];
    }
    double chi_square = 0;
    for (std::size_t c = 0; c < 4; ++c) {
      const double expected = samples * std::exp(logits[row][c]) / total;
      chi_square += (counts[c] - expected) * (counts[c] - expected) / expected;
    }
    // The chi-square statistic with 3 degrees of freedom exceeds 30.66 with
    // probability 1e-6
    // (/usr/bin/python3 -c "from scipy.stats import chi2; print(chi2.ppf(1 -
    // 1e-6, 3))").
    EXPECT_LT(chi_square, 30.66) << "row " << row;
  }
}

TEST(Multinomial, UnderJitAndErrors) {
  const jx::Key key = jx::random::PRNGKey(2);
  const jx::Array logits = jnp::array({{0.5f, -0.5f, 1.0f}});
  const auto draw = [](const jx::Key& k, const jx::Array& l) { return nn::multinomial(k, l, 9); };
  EXPECT_TRUE(jnp::array_equal(jx::jit(draw)(key, logits), draw(key, logits)).item<bool>());
  EXPECT_THROW((void)nn::multinomial(key, jnp::array(1.0f), 3), jx::ShapeError);
  EXPECT_THROW((void)nn::multinomial(key, logits, -1), jx::ValueError);
}

}  // namespace
