// jx/random/gamma_family.h (src/random/gamma_family.cpp): each sampler's draws against its distribution
// by a Kolmogorov-Smirnov test (20000 draws, critical value 1.95 / sqrt(n): a 0.1% level; fixed keys,
// so the test is deterministic), the CDFs being jx::scipy::stats's and jx::scipy::special's (checked
// against SciPy in tests/ops) or closed forms; gamma's implicit derivative against the one the CDF gives
// by finite differences; jit and vmap; bad arguments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/scipy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"
#include "random/distribution_checks.h"

namespace {

namespace jnp = jx::numpy;
namespace random = jx::random;
namespace stats = jx::scipy::stats;
namespace special = jx::scipy::special;
using jx::Array;

constexpr std::int64_t kDraws = 20000;

using jx::testing::expect_distributed;

// The CDF of F(d1, d2): I_{d1 x / (d1 x + d2)}(d1 / 2, d2 / 2).
Array f_cdf(const Array& x, double d1, double d2) {
  return special::betainc(Array(d1 / 2), Array(d2 / 2), d1 * x / (d1 * x + d2));
}

TEST(RandomGammaFamily, MatchTheirDistributions) {
  auto keys = random::split<12>(random::PRNGKey(7));
  // a >= 1 and a < 1 (the boosted path).
  expect_distributed(
      random::gamma(keys[0], Array(2.5f), jx::Shape{kDraws}),
      [](const Array& x) { return stats::gamma::cdf(x, Array(2.5)); }, "gamma(2.5)");
  expect_distributed(
      random::gamma(keys[1], Array(0.3f), jx::Shape{kDraws}),
      [](const Array& x) { return stats::gamma::cdf(x, Array(0.3)); }, "gamma(0.3)");
  expect_distributed(
      jnp::exp(random::loggamma(keys[2], Array(0.2f), jx::Shape{kDraws})),
      [](const Array& x) { return stats::gamma::cdf(x, Array(0.2)); }, "loggamma(0.2)");
  expect_distributed(
      random::beta(keys[3], Array(2.0f), Array(5.0f), jx::Shape{kDraws}),
      [](const Array& x) { return stats::beta::cdf(x, Array(2.0), Array(5.0)); }, "beta(2, 5)");
  expect_distributed(
      random::chisquare(keys[4], Array(3.0f), jx::Shape{kDraws}),
      [](const Array& x) { return stats::chi2::cdf(x, Array(3.0)); }, "chisquare(3)");
  // |t| with df degrees of freedom: t^2 is F(1, df).
  expect_distributed(
      jnp::abs(random::t(keys[5], Array(4.0f), jx::Shape{kDraws})), [](const Array& x) { return f_cdf(x * x, 1, 4); },
      "|t(4)|");
  expect_distributed(
      random::f(keys[6], Array(5.0f), Array(8.0f), jx::Shape{kDraws}), [](const Array& x) { return f_cdf(x, 5, 8); },
      "f(5, 8)");
  expect_distributed(
      random::generalized_normal(keys[7], 1.5, {kDraws}),
      [](const Array& x) { return stats::gennorm::cdf(x, Array(1.5)); }, "generalized_normal(1.5)");
  // A Dirichlet's first coordinate is Beta(alpha_0, sum - alpha_0); rows sum to 1.
  const Array w = random::dirichlet(keys[8], jnp::array(std::vector<float>{1.5f, 2.0f, 0.5f}), jx::Shape{kDraws});
  ASSERT_EQ(w.shape(), jx::Shape({kDraws, 3}));
  expect_distributed(
      w(jx::Slice{}, 0), [](const Array& x) { return stats::beta::cdf(x, Array(1.5), Array(2.5)); },
      "dirichlet marginal");
  EXPECT_LT(jnp::max(jnp::abs(jnp::sum(w, 1) - 1.0f)).item<float>(), 1e-5f);
  // Uniform in the unit 2-norm ball of R^3: P(|x| <= r) = r^3.
  const Array points = random::ball(keys[9], 3, 2.0, {kDraws});
  ASSERT_EQ(points.shape(), jx::Shape({kDraws, 3}));
  expect_distributed(
      jnp::sqrt(jnp::sum(points * points, 1)), [](const Array& r) { return r * r * r; }, "ball radius");
  // In the 1-norm ball of R^2 (a square rotated 45 degrees), |x|_1 has CDF r^2.
  const Array diamond = random::ball(keys[10], 2, 1.0, {kDraws});
  expect_distributed(
      jnp::sum(jnp::abs(diamond), 1), [](const Array& r) { return r * r; }, "1-norm ball radius");
}

TEST(RandomGammaFamily, ShapesDtypesAndBroadcasting) {
  const jx::Key key = random::PRNGKey(3);
  const Array a = jnp::array(std::vector<float>{0.5f, 1.0f, 4.0f});
  EXPECT_EQ(random::gamma(key, a).shape(), jx::Shape({3}));
  EXPECT_EQ(random::gamma(key, a, jx::Shape{2, 3}).shape(), jx::Shape({2, 3}));
  {
    auto x64 = jx::config::scoped({.enable_x64 = true});
    EXPECT_EQ(random::gamma(key, Array(2.0f), jx::Shape{4}, jx::float64).dtype(), jx::float64);
  }
  EXPECT_EQ(random::beta(key, a, Array(1.0f)).shape(), jx::Shape({3}));
  EXPECT_EQ(random::dirichlet(key, jnp::ones({2, 4})).shape(), jx::Shape({2, 4}));
  EXPECT_EQ(random::generalized_normal(key, 2.0, {5}).shape(), jx::Shape({5}));
  EXPECT_GT(jnp::min(random::gamma(key, a, jx::Shape{100, 3})).item<float>(), 0.0f);
  // The same key gives the same draws; loggamma is the log of gamma's draws where both are finite.
  EXPECT_EQ(random::gamma(key, a).to_vector<float>(), random::gamma(key, a).to_vector<float>());
  const auto g = random::gamma(key, jnp::array(std::vector<float>{1.5f, 3.0f})).to_vector<float>();
  const auto lg = random::loggamma(key, jnp::array(std::vector<float>{1.5f, 3.0f})).to_vector<float>();
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(std::log(g[i]), lg[i], 1e-5);
  EXPECT_EQ(random::key_impl(key), "threefry2x32");
  EXPECT_EQ(random::key_dtype(), jx::DType::key);
  EXPECT_EQ(random::key_data(random::clone(key)).to_vector<std::uint32_t>(),
            random::key_data(key).to_vector<std::uint32_t>());
}

TEST(RandomGammaFamily, JitAndVmapGiveTheEagerDraws) {
  const jx::Key key = random::PRNGKey(11);
  const Array a = jnp::array(std::vector<float>{0.7f, 2.0f, 9.0f});
  const auto eager = random::gamma(key, a).to_vector<float>();
  auto jitted = jx::jit([](const jx::Key& k, const Array& alpha) { return random::gamma(k, alpha); });
  EXPECT_EQ(jitted(key, a).to_vector<float>(), eager);
  // vmap over keys: row i is gamma(keys[i], a).
  const jx::Key keys = random::split(key, 4);
  auto batched = jx::vmap([&a](const jx::Key& k) { return random::gamma(k, a); });
  const Array rows = batched(keys);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(rows[i].to_vector<float>(), random::gamma(keys[i], a).to_vector<float>());
}

TEST(RandomGammaFamily, GammaDerivativeIsTheImplicitOne) {
  // For a sample x = F^-1(u; a) at fixed u, dx/da = -(dF/da) / f(x): the derivative JAX's gamma has.
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Key key = random::PRNGKey(5);
  const Array a = jnp::array(std::vector<double>{0.4, 1.0, 3.5});
  const Array x = random::gamma(key, a);
  const auto dx_da = jx::grad([&key](const Array& alpha) { return jnp::sum(random::gamma(key, alpha)); })(a);
  const double h = 1e-6;
  const Array dF_da = (stats::gamma::cdf(x, a + h) - stats::gamma::cdf(x, a - h)) / (2 * h);
  const Array expected = -dF_da / stats::gamma::pdf(x, a);
  const auto got = dx_da.to_vector<double>();
  const auto want = expected.to_vector<double>();
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4 * std::fabs(want[i]) + 1e-7);
  // beta's derivative flows through its two gammas.
  const auto db = jx::grad([&key](const Array& p) { return random::beta(key, p, Array(2.0)); })(Array(3.0));
  EXPECT_TRUE(std::isfinite(db.item<double>()));
  EXPECT_NE(db.item<double>(), 0.0);
}

// Under the key-reuse checker each sampler consumes its key once, and a second use is caught.
TEST(RandomGammaFamily, OneKeyUseEachUnderTheReuseChecker) {
  auto checking = jx::config::scoped({.debug_key_reuse = true});
  auto keys = random::split<8>(random::PRNGKey(2));
  EXPECT_NO_THROW(random::gamma(keys[0], jnp::array(std::vector<float>{0.5f, 2.0f})));
  EXPECT_NO_THROW(random::loggamma(keys[1], Array(0.5f)));
  EXPECT_NO_THROW(random::beta(keys[2], Array(2.0f), Array(3.0f)));
  EXPECT_NO_THROW(random::dirichlet(keys[3], jnp::ones({3})));
  EXPECT_NO_THROW(random::t(keys[4], Array(3.0f)));
  EXPECT_NO_THROW(random::f(keys[5], Array(3.0f), Array(4.0f)));
  EXPECT_NO_THROW(random::ball(keys[6], 3));
  EXPECT_NO_THROW(random::chisquare(keys[7], Array(2.0f)));
  EXPECT_THROW(random::gamma(keys[0], Array(1.0f)), jx::KeyReuseError);
}

TEST(RandomGammaFamily, BadArguments) {
  const jx::Key key = random::PRNGKey(0);
  EXPECT_THROW(random::gamma(key, Array(1.0f), jx::Shape{3}, jx::int32), jx::Error);
  EXPECT_THROW(random::gamma(key, jnp::ones({3}), jx::Shape{2}), jx::Error);
  EXPECT_THROW(random::dirichlet(key, Array(1.0f)), jx::ValueError);
  EXPECT_THROW(random::generalized_normal(key, -1.0), jx::ValueError);
  EXPECT_THROW(random::ball(key, 0), jx::ValueError);
  EXPECT_THROW(random::gamma(random::split(key, 2), Array(1.0f)), jx::Error);
}

}  // namespace
