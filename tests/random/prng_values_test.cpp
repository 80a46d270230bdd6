// jx::random against JAX: the threefry known answers, seeding, and every value JAX states
// (shared/reference/prng.md and JAX's own tests/random_test.py), in the mode each belongs to.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/cpu/threefry.h"
#include "jx/core/config.h"
#include "jx/random.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;
namespace jr = jx::random;

namespace {

std::vector<std::uint32_t> words(const jx::Key& key) { return jr::key_data(key).to_vector<std::uint32_t>(); }

auto legacy() { return jx::config::scoped({.threefry_partitionable = false}); }
auto x64() { return jx::config::scoped({.enable_x64 = true}); }

TEST(ThreefryBlock, Random123KnownAnswers) {
  using jx::cpu::threefry::block;
  EXPECT_EQ(block({0, 0}, 0, 0), (std::array<std::uint32_t, 2>{0x6B200159, 0x99BA4EFE}));
  EXPECT_EQ(block({0xFFFFFFFF, 0xFFFFFFFF}, 0xFFFFFFFF, 0xFFFFFFFF),
            (std::array<std::uint32_t, 2>{0x1CB996FC, 0xBB002BE7}));
  EXPECT_EQ(block({0x13198A2E, 0x03707344}, 0x243F6A88, 0x85A308D3),
            (std::array<std::uint32_t, 2>{0xC4923A9C, 0x483DF7A0}));
}

TEST(Seeds, NarrowTo32BitsWithoutX64) {
  EXPECT_EQ(words(jr::PRNGKey(0)), (std::vector<std::uint32_t>{0, 0}));
  EXPECT_EQ(words(jr::key(0)), (std::vector<std::uint32_t>{0, 0}));
  EXPECT_EQ(words(jr::PRNGKey(-1)), (std::vector<std::uint32_t>{0, 4294967295u}));
  EXPECT_EQ(words(jr::PRNGKey(2147483647LL + 100)), (std::vector<std::uint32_t>{0, 2147483747u}));
  EXPECT_EQ(words(jr::PRNGKey(-2147483648LL - 100)), (std::vector<std::uint32_t>{0, 2147483548u}));
  EXPECT_EQ(words(jr::PRNGKey(jnp::array(-2, jx::int32))), (std::vector<std::uint32_t>{0, 4294967294u}));
  EXPECT_EQ(words(jr::PRNGKey(jnp::array(2147483748u, jx::uint32))), (std::vector<std::uint32_t>{0, 2147483748u}));
}

TEST(Seeds, SplitIntoTwoWordsWithX64) {
  auto scope = x64();
  EXPECT_EQ(words(jr::PRNGKey(-1)), (std::vector<std::uint32_t>{4294967295u, 4294967295u}));
  EXPECT_EQ(words(jr::key(-2147483648LL - 100)), (std::vector<std::uint32_t>{4294967295u, 2147483548u}));
  EXPECT_EQ(words(jr::PRNGKey(jnp::array(-2147483649LL, jx::int64))),
            (std::vector<std::uint32_t>{4294967295u, 2147483647u}));
  // Explicit 32-bit seeds keep a zero high word in both settings.
  EXPECT_EQ(words(jr::PRNGKey(jnp::array(-2, jx::int32))), (std::vector<std::uint32_t>{0, 4294967294u}));
}

TEST(LegacyMode, SplitAndFoldInMatchJax) {
  auto scope = legacy();
  const jx::Key key = jr::PRNGKey(0);
  EXPECT_EQ(jr::key_data(jr::split(key, 4)).to_vector<std::uint32_t>(),
            (std::vector<std::uint32_t>{2285895361u, 1501764800u, 1518642379u, 4090693311u, 433833334u, 4221794875u,
                                        839183663u, 3740430601u}));
  EXPECT_EQ(words(jr::fold_in(key, 4)), (std::vector<std::uint32_t>{2285895361u, 433833334u}));
  // The JAX "sharp bits" tutorial: key, subkey = random.split(PRNGKey(0)).
  auto [next, sub] = jr::split(key);
  EXPECT_EQ(words(next), (std::vector<std::uint32_t>{4146024105u, 967050713u}));
  EXPECT_EQ(words(sub), (std::vector<std::uint32_t>{2718843009u, 1272950319u}));
}

TEST(LegacyMode, BitsMatchJax) {
  auto scope = legacy();
  const jx::Key key = jr::PRNGKey(1701);
  EXPECT_EQ(jr::bits(key, {3}, jx::uint8).to_vector<int>(), (std::vector<int>{216, 115, 43}));
  EXPECT_EQ(jr::bits(key, {3}, jx::uint16).to_vector<int>(), (std::vector<int>{41682, 1300, 55017}));
  EXPECT_EQ(jr::bits(key, {3}).to_vector<std::uint32_t>(),
            (std::vector<std::uint32_t>{56197195u, 4200222568u, 961309823u}));
  // uint64 without x64 narrows to uint32.
  const jx::Array narrowed = jr::bits(key, {3}, jx::uint64);
  EXPECT_EQ(narrowed.dtype(), jx::uint32);
  EXPECT_EQ(narrowed.to_vector<std::uint32_t>(), (std::vector<std::uint32_t>{56197195u, 4200222568u, 961309823u}));
  auto wide = x64();
  EXPECT_EQ(jr::bits(key, {3}, jx::uint64).to_vector<std::uint64_t>(),
            (std::vector<std::uint64_t>{3982329540505020460ull, 16822122385914693683ull, 7882654074788531506ull}));
}

TEST(LegacyMode, BitsOfEveryWidthViewTheSameWords) {
  auto scope = legacy();
  const jx::Key key = jr::PRNGKey(1701);
  const auto b32 = jr::bits(key, {20}).to_vector<std::uint32_t>();
  const auto b16 = jr::bits(key, {40}, jx::uint16).to_vector<std::uint16_t>();
  const auto b8 = jr::bits(key, {80}, jx::uint8).to_vector<std::uint8_t>();
  EXPECT_EQ(std::memcmp(b32.data(), b16.data(), 80), 0);
  EXPECT_EQ(std::memcmp(b32.data(), b8.data(), 80), 0);
}

TEST(LegacyMode, RandintMatchesJax) {
  auto scope = legacy();
  EXPECT_EQ(jr::randint(jr::PRNGKey(0), {3, 3}, 0, 8).to_vector<int>(), (std::vector<int>{2, 1, 3, 6, 1, 5, 6, 3, 4}));
  auto wide = x64();
  const jx::Array wide_ints = jr::randint(jr::PRNGKey(0), {3, 3}, 0, 8, jx::int64);
  EXPECT_EQ(wide_ints.dtype(), jx::int64);
  EXPECT_EQ(wide_ints.to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, 2, 6, 2, 1, 0, 6, 7, 7}));
}

// JAX's testRandomDistributionValues (legacy mode, seeds adler32(name + "threefry2x32")).
TEST(LegacyMode, DistributionValuesMatchJax) {
  auto scope = legacy();
  auto near = [](const jx::Array& x, std::vector<float> expected, float rtol = 1e-5f) {
    const auto got = x.to_vector<float>();
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i)
      EXPECT_NEAR(got[i], expected[i], rtol * std::abs(expected[i]) + 1e-6f) << "element " << i;
  };
  EXPECT_EQ(jr::bernoulli(jr::PRNGKey(1612777541), 0.5, jx::Shape{5}).to_vector<bool>(),
            (std::vector<bool>{false, true, true, true, false}));
  EXPECT_EQ(jr::bits(jr::PRNGKey(942802475), {5}, jx::uint8).to_vector<int>(),
            (std::vector<int>{10, 158, 82, 54, 158}));
  EXPECT_EQ(jr::bits(jr::PRNGKey(942802475), {5}, jx::uint16).to_vector<int>(),
            (std::vector<int>{6738, 38161, 50695, 57337, 61600}));
  EXPECT_EQ(jr::bits(jr::PRNGKey(942802475), {5}).to_vector<std::uint32_t>(),
            (std::vector<std::uint32_t>{1978747883u, 4134381225u, 3628107870u, 689687174u, 2788938207u}));
  near(jr::exponential(jr::PRNGKey(1942292768), {5}), {0.526067f, 0.043046f, 0.039932f, 0.46427f, 0.123886f});
  near(jr::gumbel(jr::PRNGKey(1179715317), {5}), {2.06701f, 0.911726f, 0.145736f, 0.185427f, -0.00711f});
  near(jr::laplace(jr::PRNGKey(1291781963), {5}), {0.578939f, -0.204902f, 0.555733f, 0.911053f, -0.96456f});
  near(jr::logistic(jr::PRNGKey(1466238935), {5}), {0.19611f, -1.709053f, -0.274093f, -0.208322f, -1.675489f});
  near(jr::normal(jr::PRNGKey(1193674498), {5}), {-1.173234f, -1.511662f, 0.070593f, -0.099764f, 1.052845f});
  EXPECT_EQ(jr::rademacher(jr::PRNGKey(1719994501), {5}).to_vector<int>(), (std::vector<int>{-1, -1, -1, -1, 1}));
  EXPECT_EQ(jr::randint(jr::PRNGKey(1319372649), {5}, 0, 10).to_vector<int>(), (std::vector<int>{0, 5, 7, 7, 5}));
  near(jr::truncated_normal(jr::PRNGKey(2846034731), 0, 2, jx::Shape{5}),
       {0.582807f, 1.709771f, 0.159513f, 0.861376f, 0.36148f});
  near(jr::uniform(jr::PRNGKey(1338574713), {5}), {0.298671f, 0.073213f, 0.873356f, 0.260549f, 0.412797f});
  // The samplers built on gamma and the counts (jx/random/gamma_family.h, counts.h) and the ones of
  // jx/random/samplers.h, with the same seeds rule.
  near(jr::gamma(jr::PRNGKey(1038747260), jx::Array(0.8f), jx::Shape{5}),
       {0.824221f, 1.724476f, 0.502882f, 5.386132f, 0.685543f});
  near(jr::loggamma(jr::PRNGKey(1440221118), jx::Array(0.8f), jx::Shape{5}),
       {0.240559f, -3.575443f, -0.450946f, -2.161372f, -2.943277f});
  near(jr::beta(jr::PRNGKey(923534869), jx::Array(0.8f), jx::Array(0.9f), jx::Shape{5}),
       {0.13259f, 0.824893f, 0.948363f, 0.964155f, 0.235448f});
  near(jr::dirichlet(jr::PRNGKey(1590822961), jnp::array(std::vector<float>{0.5f, 0.6f, 0.7f}), jx::Shape{2}),
       {0.003128f, 0.009694f, 0.987178f, 0.025938f, 0.479091f, 0.494971f});
  EXPECT_EQ(jr::poisson(jr::PRNGKey(1349191556), jx::Array(5.0f), jx::Shape{5}).to_vector<int>(),
            (std::vector<int>{7, 3, 6, 11, 6}));
  near(jr::cauchy(jr::PRNGKey(1175914230), {5}), {-0.088416f, -10.169713f, 3.49677f, -1.18056f, 0.34556f});
  near(jr::pareto(jr::PRNGKey(1192560388), jx::Array(0.5f), jx::Shape{5}),
       {2.751398f, 1.281863f, 87.85448f, 1.254542f, 2.824487f});
  near(jr::maxwell(jr::PRNGKey(1331627891), {5}), {3.070779f, 0.908479f, 1.521317f, 0.875551f, 1.306137f});
  near(jr::weibull_min(jr::PRNGKey(1921059088), 1.0f, 1.0f, {5}),
       {1.605863f, 0.841809f, 0.224218f, 0.4826f, 0.027901f});
}

TEST(Normal, MatchesJaxInBothModes) {
  const jx::Key key = jr::PRNGKey(0);
  auto bits_of = [](const jx::Array& x) {
    std::vector<std::uint32_t> result;
    for (float v : x.to_vector<float>()) result.push_back(std::bit_cast<std::uint32_t>(v));
    return result;
  };
  EXPECT_EQ(bits_of(jr::normal(key, {3})), (std::vector<std::uint32_t>{0x3FCFB2BD, 0x40019DF0, 0xBEDE0017}));
  auto scope = legacy();
  EXPECT_EQ(bits_of(jr::normal(key, {3})), (std::vector<std::uint32_t>{0x3FE87584, 0xBEF71A62, 0x3EAE05F1}));
}

// JAX's default (partitionable) mode, from the typed-keys design note (docs/jep/9263-typed-keys.md):
// jax.random.uniform(jax.random.key(0), shape=(3,)). The printed values are the shortest decimal
// forms of float32s, so they compare exactly.
TEST(PartitionableMode, UniformMatchesJaxDocs) {
  EXPECT_EQ(jr::uniform(jr::key(0), {3}).to_vector<float>(), (std::vector<float>{0.947667f, 0.9785799f, 0.33229148f}));
}

// JAX's testRandomDistributionValues case for 64-bit bits (legacy mode, x64).
TEST(LegacyMode, Bits64MatchJaxWithX64) {
  auto scope = legacy();
  auto wide = x64();
  EXPECT_EQ(jr::bits(jr::PRNGKey(942802475), {5}, jx::uint64).to_vector<std::uint64_t>(),
            (std::vector<std::uint64_t>{17649965731882839947ull, 1415307058040849897ull, 8282622628079774249ull,
                                        14024425113645909402ull, 2012979996110532418ull}));
}

// JAX's test_prng_seeds_and_keys: typed seeds, eagerly and under jit.
TEST(Seeds, TypedSeedsEagerAndJitted) {
  auto jitted = jx::jit([](const jx::Array& seed) { return jr::key_data(jr::key(seed)); });
  auto both = [&](const jx::Array& seed) {
    const auto eager = words(jr::PRNGKey(seed));
    EXPECT_EQ(jitted(seed).to_vector<std::uint32_t>(), eager);
    return eager;
  };
  EXPECT_EQ(both(jnp::array(1, jx::int32)), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(both(jnp::array(2u, jx::uint32)), (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(both(jnp::array(-2, jx::int32)), (std::vector<std::uint32_t>{0, 4294967294u}));
  // int64 seeds narrow to int32 without x64, and split into two words with it.
  EXPECT_EQ(both(jnp::array(-3, jx::int64)), (std::vector<std::uint32_t>{0, 4294967293u}));
  auto wide = x64();
  EXPECT_EQ(both(jnp::array(-3, jx::int64)), (std::vector<std::uint32_t>{4294967295u, 4294967293u}));
  EXPECT_EQ(both(jnp::array(-2147483648LL - 101, jx::int64)), (std::vector<std::uint32_t>{4294967295u, 2147483547u}));
  EXPECT_EQ(both(jnp::array(3, jx::int64)), (std::vector<std::uint32_t>{0, 3}));
}

TEST(PartitionableMode, SplitIsFoldInAndPrefixStable) {
  const jx::Key key = jr::PRNGKey(72);
  const jx::Key three = jr::split(key, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(words(three[i]), words(jr::fold_in(key, static_cast<std::uint32_t>(i))));
  auto [a, b] = jr::split(key);
  EXPECT_EQ(words(a), words(three[0]));
  EXPECT_EQ(words(b), words(three[1]));
}

TEST(PartitionableMode, ValuesDependOnTheFlatIndexOnly) {
  const jx::Key key = jr::PRNGKey(5);
  const auto five = jr::bits(key, {5}).to_vector<std::uint32_t>();
  const auto grid = jr::bits(key, {2, 3}).to_vector<std::uint32_t>();
  EXPECT_TRUE(std::equal(five.begin(), five.end(), grid.begin()));
  EXPECT_EQ(jr::bits(key).item<std::uint32_t>(), five[0]);
  // Legacy values pair counters across halves of the draw, so they depend on its size.
  auto scope = legacy();
  EXPECT_NE(jr::bits(key, {4}).to_vector<std::uint32_t>()[0], jr::bits(key, {2, 3}).to_vector<std::uint32_t>()[0]);
}

TEST(PartitionableMode, BitWidthsFollowTheWords) {
  const jx::Key key = jr::PRNGKey(9);
  const auto w = jr::bits(key, {4}).to_vector<std::uint32_t>();
  const auto b8 = jr::bits(key, {4}, jx::uint8).to_vector<std::uint8_t>();
  const auto b16 = jr::bits(key, {4}, jx::uint16).to_vector<std::uint16_t>();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(b8[i], static_cast<std::uint8_t>(w[i]));
    EXPECT_EQ(b16[i], static_cast<std::uint16_t>(w[i]));
  }
  auto scope = x64();
  const auto b64 = jr::bits(key, {4}, jx::uint64).to_vector<std::uint64_t>();
  for (int i = 0; i < 4; ++i) {
    const auto [y0, y1] = jx::cpu::threefry::block({0, 9}, 0, static_cast<std::uint32_t>(i));
    EXPECT_EQ(b64[i], (std::uint64_t{y0} << 32) | y1);
    EXPECT_EQ(w[i], y0 ^ y1);
  }
}

}  // namespace
