#include "jx/nn/summary.h"

#include <gtest/gtest.h>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

TEST(Summary, ListsPathsShapesAndTheTotal) {
  auto model = nn::transform([](const jx::Array& x) { return nn::MLP({4, 2})(x); });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::ones({1, 3}));
  const std::string text = nn::summary(params);
  EXPECT_NE(text.find("mlp/linear_0/w"), std::string::npos) << text;
  EXPECT_NE(text.find("(3, 4)"), std::string::npos) << text;
  EXPECT_NE(text.find("mlp/linear_1/b"), std::string::npos) << text;
  // 3*4 + 4 + 4*2 + 2 = 26 parameters.
  EXPECT_NE(text.find("total"), std::string::npos);
  EXPECT_NE(text.find(" 26\n"), std::string::npos) << text;
}

}  // namespace
