// Subnormal floats are flushed to zero while jx computes, as JAX does on CPU (src/core/subnormals.h):
// JAX's own report of the behaviour (jax-ml/jax#16200: `jnp.asarray(1e-45, jnp.float32) == 0` is
// True) is the oracle, eagerly, under jit and on the thread pool's workers; values that are only
// stored, printed or bit-manipulated keep their subnormal bits, and the caller's floating-point mode
// is left as it was.
#include "core/subnormals.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;

constexpr float kSmallestSubnormal = std::numeric_limits<float>::denorm_min();  // 1.4e-45

TEST(Subnormals, ComparisonsAndArithmeticReadThemAsZero) {
  const jx::Array x = jnp::array(kSmallestSubnormal);
  EXPECT_EQ(x.item<float>(), kSmallestSubnormal);  // stored as given
  EXPECT_TRUE((x == 0.0f).item<bool>());           // jax-ml/jax#16200
  EXPECT_EQ((x * 2.0f).item<float>(), 0.0f);
  EXPECT_EQ(jx::jit([](const jx::Array& v) { return v * 2.0f; })(x).item<float>(), 0.0f);
  EXPECT_TRUE(jx::jit([](const jx::Array& v) { return v == 0.0f; })(x).item<bool>());
  // A result that would be subnormal is zero, keeping its sign: FLT_MIN / 4 and -FLT_MIN / 4.
  const std::vector<float> quarter = (jnp::array(std::vector<float>{FLT_MIN, -FLT_MIN}) * 0.25f).to_vector<float>();
  EXPECT_EQ(quarter[0], 0.0f);
  EXPECT_EQ(quarter[1], 0.0f);
  EXPECT_TRUE(std::signbit(quarter[1]));
  // float64 too (under x64), as in JAX.
  jx::config::enable_x64(true);
  EXPECT_EQ((jnp::array(std::numeric_limits<double>::denorm_min()) * 1.0).item<double>(), 0.0);
  jx::config::enable_x64(false);
}

TEST(Subnormals, ConstantsFoldedWhileCompilingAreFlushedToo) {
  // FLT_MIN / 4 computed from constants only: jit folds it while compiling, and must flush it as the
  // planned run (and eager evaluation) would.
  const jx::Array tiny = jnp::array(FLT_MIN);
  const jx::Array folded =
      jx::jit([&](const jx::Array& v) { return v + tiny * 0.25f * 0.0f + tiny * 0.25f; })(jnp::array(0.0f));
  EXPECT_EQ(folded.item<float>(), 0.0f);
  EXPECT_EQ(jx::jit([&]() { return tiny * 0.25f; })().item<float>(), 0.0f);
}

TEST(Subnormals, BitLevelResultsKeepThem) {
  // nextafter works on the bits (XLA's NextAfter does the same): the next float after 0 is 1.4e-45.
  EXPECT_EQ(jx::lax::nextafter(jnp::array(0.0f), jnp::array(1.0f)).item<float>(), kSmallestSubnormal);
  EXPECT_EQ(jnp::array(kSmallestSubnormal).reshape({1}).to_vector<float>()[0], kSmallestSubnormal);
}

TEST(Subnormals, TheWorkersFlushToo) {
  const int saved = jx::cpu::num_threads();
  jx::cpu::set_num_threads(2);
  const jx::Array tiny = jnp::full({1 << 20}, FLT_MIN);  // large enough to be split over the pool
  // Read back as bits (a reduction would itself read subnormals as zero): every half was flushed.
  const std::vector<float> halved = (tiny * 0.5f).to_vector<float>();
  EXPECT_EQ(std::count(halved.begin(), halved.end(), 0.0f), std::ssize(halved));
  EXPECT_EQ(jx::jit([](const jx::Array& v) { return jnp::sum(v * 0.5f); })(tiny).item<float>(), 0.0f);
  jx::cpu::set_num_threads(saved);
}

TEST(Subnormals, TheCallersModeIsRestored) {
#if defined(__SSE__) || defined(__x86_64__)
  const unsigned before = _mm_getcsr();
  ASSERT_NE(before & jx::kFlushSubnormalBits, jx::kFlushSubnormalBits);  // the C++ default: IEEE subnormals
  EXPECT_EQ((jnp::ones({4}) * 2.0f).to_vector<float>()[0], 2.0f);
  EXPECT_EQ(jx::jit([](const jx::Array& v) { return v + 1.0f; })(jnp::ones({4})).to_vector<float>()[0], 2.0f);
  EXPECT_EQ(_mm_getcsr(), before);
  // So plain C++ arithmetic in the caller keeps subnormals.
  volatile float x = FLT_MIN;
  EXPECT_GT(x * 0.25f, 0.0f);
#else
  GTEST_SKIP() << "flushing subnormals is implemented for x86 only";
#endif
}

}  // namespace
