// config::numpy_rank_promotion (jax_numpy_rank_promotion): allow broadcasts across ranks as NumPy
// does, warn once per operation, or raise; scalars and equal ranks are never affected; a jitted
// function traced under one mode is traced again under another.
#include "ops/promotion.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;

namespace {

TEST(RankPromotion, AllowWarnRaise) {
  const jx::Array matrix = jnp::ones({2, 3});
  const jx::Array row = jnp::array({1.0f, 2.0f, 3.0f});
  EXPECT_EQ((matrix + row).to_vector<float>(), (std::vector<float>{2, 3, 4, 2, 3, 4}));  // allow: NumPy's
  {
    const auto raise = jx::config::scoped({.numpy_rank_promotion = jx::config::RankPromotion::raise});
    try {
      (void)(matrix + row);
      FAIL() << "ranks 2 and 1 must not broadcast under raise";
    } catch (const jx::ShapeError& e) {
      EXPECT_NE(std::string(e.what()).find("ranks 2 and 1"), std::string::npos) << e.what();
    }
    // Scalars, equal ranks and explicit broadcasting are fine.
    EXPECT_EQ((matrix * 2.0f).shape(), jx::Shape({2, 3}));
    EXPECT_EQ((matrix + row.reshape({1, 3})).shape(), jx::Shape({2, 3}));
  }
  const auto warn = jx::config::scoped({.numpy_rank_promotion = jx::config::RankPromotion::warn});
  testing::internal::CaptureStderr();
  const jx::Array sum = jnp::subtract(matrix, row);
  (void)jnp::subtract(matrix, row);
  const std::string warned = testing::internal::GetCapturedStderr();
  EXPECT_EQ(sum.to_vector<float>(), (std::vector<float>{0, -1, -2, 0, -1, -2}));
  EXPECT_NE(warned.find("config::numpy_rank_promotion is warn"), std::string::npos) << warned;
  EXPECT_EQ(warned.find("warning", warned.find("warning") + 1), std::string::npos) << "warned twice: " << warned;
}

TEST(RankPromotion, IsPartOfTheJitCacheKey) {
  auto add = jx::jit([](const jx::Array& a, const jx::Array& b) { return a + b; });
  EXPECT_EQ(add(jnp::ones({2, 2}), jnp::ones({2})).shape(), jx::Shape({2, 2}));
  const auto raise = jx::config::scoped({.numpy_rank_promotion = jx::config::RankPromotion::raise});
  EXPECT_THROW(add(jnp::ones({2, 2}), jnp::ones({2})), jx::ShapeError);
}

}  // namespace
