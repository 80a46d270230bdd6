// jx::lax::rng_bit_generator (jx/lax/random_bits.h): shapes, dtypes, purity and key sensitivity.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "jx/jx.h"
#include "jx/lax/random_bits.h"
#include "jx/test_util.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::Array;

// --- rng_bit_generator ----------------------------------------------------------------------------
TEST(LaxRngBitGenerator, PureAndShaped) {
  const Array key = jnp::array({0u, 42u, 1u, 2u});
  const auto [next_key, bits] = lax::rng_bit_generator(key, {2, 3});
  EXPECT_EQ(next_key.dtype(), jx::DType::uint32);
  EXPECT_EQ(next_key.shape(), key.shape());
  EXPECT_EQ(bits.dtype(), jx::DType::uint32);
  EXPECT_EQ(bits.shape(), jx::Shape({2, 3}));
  // Deterministic, and equal under jit.
  const auto [again_key, again_bits] = lax::rng_bit_generator(key, {2, 3});
  EXPECT_TRUE(jnp::array_equal(bits, again_bits).item<bool>());
  const auto jitted = jx::jit([](const Array& k) { return lax::rng_bit_generator(k, {2, 3}).second; });
  EXPECT_TRUE(jnp::array_equal(bits, jitted(key)).item<bool>());
  // The new key gives new bits; every word of the key matters.
  EXPECT_FALSE(jnp::array_equal(bits, lax::rng_bit_generator(next_key, {2, 3}).second).item<bool>());
  EXPECT_FALSE(
      jnp::array_equal(bits, lax::rng_bit_generator(jnp::array({0u, 42u, 1u, 3u}), {2, 3}).second).item<bool>());
  EXPECT_EQ(lax::rng_bit_generator(key, {4}, jx::DType::uint8).second.dtype(), jx::DType::uint8);
  EXPECT_THROW(lax::rng_bit_generator(key, {4}, jx::DType::int32), jx::TypeError);
  EXPECT_THROW(lax::rng_bit_generator(jnp::array({1u, 2u}), {4}), jx::TypeError);
  EXPECT_THROW(lax::rng_bit_generator(key, {4}, jx::DType::uint32, lax::RandomAlgorithm::RNG_PHILOX), jx::ValueError);
}

}  // namespace
