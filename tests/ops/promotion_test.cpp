// config::numpy_rank_promotion (jax_numpy_rank_promotion): allow broadcasts across ranks as NumPy
// does, warn once per operation, or raise; scalars and equal ranks are never affected; a jitted
// function traced under one mode is traced again under another. config::numpy_dtype_promotion
// (jax_numpy_dtype_promotion): standard promotes on JAX's lattice, strict only where no choice is made
// (JAX's strict lattice in jax/_src/dtypes.py: a weak int joins any int or float type, a weak float
// any float type, and distinct strong dtypes never meet).
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

TEST(DtypePromotion, StrictAllowsOnlyPromotionsWithoutAChoice) {
  const jx::Array i32 = jnp::array({1, 2}, jx::int32);
  const jx::Array u8 = jnp::array({1, 2}, jx::uint8);
  const jx::Array f16 = jnp::array({1.0f, 2.0f}, jx::float16);
  const jx::Array f32 = jnp::array({1.0f, 2.0f}, jx::float32);
  const jx::Array flags = jnp::array({true, false});
  // Standard promotion, for comparison.
  EXPECT_EQ((i32 + f32).dtype(), jx::float32);
  EXPECT_EQ((f16 + f32).dtype(), jx::float32);
  const auto strict = jx::config::scoped({.numpy_dtype_promotion = jx::config::DtypePromotion::strict});
  EXPECT_EQ((f32 + f32).dtype(), jx::float32);
  EXPECT_EQ((f32 * 2.0).dtype(), jx::float32);                      // a weak float joins a float
  EXPECT_EQ((f16 * 2).dtype(), jx::float16);                        // a weak int joins a float
  EXPECT_EQ((u8 + 1).dtype(), jx::uint8);                           // and any int
  EXPECT_EQ((jx::Array(1) + jx::Array(2.5)).dtype(), jx::float32);  // two weak scalars
  EXPECT_TRUE((jx::Array(1) + jx::Array(2.5)).weak_type());
  EXPECT_THROW(i32 + f32, jx::DTypeError);
  EXPECT_THROW(f16 + f32, jx::DTypeError);
  EXPECT_THROW(i32 + u8, jx::DTypeError);
  EXPECT_THROW(i32 * 2.5, jx::DTypeError);  // a weak float cannot join an int
  EXPECT_THROW(flags + 1, jx::DTypeError);  // nor a weak int a bool
  try {
    (void)(i32 + f32);
  } catch (const jx::DTypeError& e) {
    EXPECT_NE(
        std::string(e.what()).find("input dtypes int32 and float32 have no available implicit dtype promotion path"),
        std::string::npos)
        << e.what();
  }
}

TEST(DtypePromotion, IsPartOfTheJitCacheKey) {
  auto add = jx::jit([](const jx::Array& a, const jx::Array& b) { return a + b; });
  EXPECT_EQ(add(jnp::ones({2}, jx::int32), jnp::ones({2})).dtype(), jx::float32);
  const auto strict = jx::config::scoped({.numpy_dtype_promotion = jx::config::DtypePromotion::strict});
  EXPECT_THROW(add(jnp::ones({2}, jx::int32), jnp::ones({2})), jx::DTypeError);
  EXPECT_EQ(add(jnp::ones({2}), jnp::ones({2})).dtype(), jx::float32);
}

}  // namespace
