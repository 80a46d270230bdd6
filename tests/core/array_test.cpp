// The Array handle: conversions of 0-d arrays to C++ values, functional updates in place on unshared
// rvalues, and the caching allocator under the buffers.
#include <gtest/gtest.h>

#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include "core/array_impl.h"
#include "core/buffer.h"
#include "jx/core/error.h"
#include "jx/numpy.h"

namespace jnp = jx::numpy;

namespace {

const std::byte* data_of(const jx::Array& x) { return jx::concrete(x).data(); }

// --- Conversions of 0-d arrays ------------------------------------------------------------------

TEST(ArrayConversions, ZeroDimensionalBool) {
  EXPECT_TRUE(static_cast<bool>(jnp::array(true)));
  EXPECT_FALSE(static_cast<bool>(jnp::array(false)));
  EXPECT_TRUE(static_cast<bool>(jnp::array(2) > 1));
  EXPECT_FALSE(static_cast<bool>(jnp::array(2) < 1));
  int taken = 0;
  if (jnp::sum(jnp::arange(4)) == 6) ++taken;  // contextual conversion, as in user code
  EXPECT_EQ(taken, 1);
  // A one-element array converts too (NumPy: bool(np.array([1.0])) is True).
  EXPECT_TRUE(static_cast<bool>(jnp::ones({1, 1})));
}

TEST(ArrayConversions, ZeroDimensionalFloatTruthIsNonzero) {
  // NumPy: bool(np.float32(0.5)) is True, bool(np.float32(0.0)) and bool(np.float32(-0.0)) are False,
  // bool(np.float32('nan')) is True.
  EXPECT_TRUE(static_cast<bool>(jnp::array(0.5f)));
  EXPECT_FALSE(static_cast<bool>(jnp::array(0.0f)));
  EXPECT_FALSE(static_cast<bool>(jnp::array(-0.0f)));
  EXPECT_TRUE(static_cast<bool>(jnp::array(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(static_cast<bool>(jnp::array(-3)));
  EXPECT_FALSE(static_cast<bool>(jnp::array(0)));
  int loops = 0;
  for (jx::Array n = jnp::array(3.0f); n; n = n - 1) ++loops;  // while-style use of the conversion
  EXPECT_EQ(loops, 3);
}

TEST(ArrayConversions, StaticCastToArithmeticTypes) {
  EXPECT_EQ(static_cast<float>(jnp::array(2.5f)), 2.5f);
  EXPECT_EQ(static_cast<double>(jnp::array(0.1f)), static_cast<double>(0.1f));
  EXPECT_EQ(static_cast<int>(jnp::array(7)), 7);
  EXPECT_EQ(static_cast<int>(jnp::array(-2.75f)), -2);  // truncation, as static_cast<int>(-2.75f)
  EXPECT_EQ(static_cast<float>(jnp::array(3)), 3.0f);
  EXPECT_EQ(static_cast<std::int64_t>(jnp::sum(jnp::arange(10))), 45);
  EXPECT_EQ(static_cast<float>(jnp::mean(jnp::array({1.0f, 2.0f}))), 1.5f);
  EXPECT_THROW((void)static_cast<float>(jnp::ones({2})), jx::ValueError);
}

// --- Functional updates in place --------------------------------------------------------------

TEST(ArrayUpdates, RvalueWithUnsharedBufferIsUpdatedInPlace) {
  jx::Array x = jnp::arange(8.0f) * 1;  // a fresh buffer nobody else holds
  ASSERT_TRUE(x.is_unique());
  const std::byte* before = data_of(x);
  jx::Array y = std::move(x).at(3).set(-1.0f);
  EXPECT_EQ(data_of(y), before);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 1, 2, -1, 4, 5, 6, 7}));
  y = std::move(y).at(jx::Slice{5, 7}).add(10.0f);
  EXPECT_EQ(data_of(y), before);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 1, 2, -1, 4, 15, 16, 7}));
}

TEST(ArrayUpdates, SharedBufferIsNeverOverwritten) {
  jx::Array x = jnp::arange(4.0f) * 1;
  const jx::Array copy = x;  // shares the header
  const std::byte* before = data_of(x);
  jx::Array y = std::move(x).at(0).set(9.0f);
  EXPECT_NE(data_of(y), before);
  EXPECT_EQ(copy.to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{9, 1, 2, 3}));

  jx::Array base = jnp::arange(6.0f) * 1;
  const jx::Array view = base.reshape({2, 3});  // another header over the same buffer
  jx::Array z = std::move(base).at(1).set(7.0f);
  EXPECT_EQ(view.reshape({6}).to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{0, 7, 2, 3, 4, 5}));

  const jx::Array lvalue = jnp::arange(3.0f) * 1;  // at() on an lvalue copies
  const jx::Array updated = lvalue.at(2).set(0.0f);
  EXPECT_EQ(lvalue.to_vector<float>(), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(updated.to_vector<float>(), (std::vector<float>{0, 1, 0}));
}

TEST(ArrayUpdates, ALoopOfSingleElementUpdatesFinishes) {
  constexpr int n = 10000;
  jx::Array x = jnp::zeros({n});
  for (int i = 0; i < n; ++i) x = std::move(x).at(i).set(static_cast<float>(i));
  const std::vector<float> values = x.to_vector<float>();
  ASSERT_EQ(values.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(values[static_cast<std::size_t>(i)], static_cast<float>(i)) << i;
}

// --- The allocator ------------------------------------------------------------------------------

TEST(Allocator, ReusesAFreedBlock) {
  if (!jx::allocator::caches_blocks()) GTEST_SKIP() << "the sanitizer builds do not cache blocks";
  for (std::size_t bytes : {std::size_t{100}, std::size_t{4000}, std::size_t{1} << 20, std::size_t{8} << 20}) {
    void* first = jx::allocator::allocate(bytes);
    jx::allocator::deallocate(first, bytes);
    const std::size_t os_before = jx::allocator::stats().os_allocations;
    void* second = jx::allocator::allocate(bytes);
    EXPECT_EQ(second, first) << bytes << " bytes";
    EXPECT_EQ(jx::allocator::stats().os_allocations, os_before) << bytes << " bytes";
    jx::allocator::deallocate(second, bytes);
  }
}

TEST(Allocator, ArraysReuseTheBuffersOfFreedArrays) {
  if (!jx::allocator::caches_blocks()) GTEST_SKIP() << "the sanitizer builds do not cache blocks";
  // (jnp::zeros and jnp::ones are broadcasts of a scalar: arange writes a buffer of its own.)
  const std::byte* first = nullptr;
  {
    const jx::Array x = jnp::arange(1000.0f);
    ASSERT_TRUE(jx::concrete(x).is_contiguous());
    first = data_of(x);
  }
  const std::size_t os_before = jx::allocator::stats().os_allocations;
  const jx::Array y = jnp::arange(1000.0f);
  EXPECT_EQ(data_of(y), first);
  EXPECT_EQ(jx::allocator::stats().os_allocations, os_before);
  EXPECT_EQ(y.to_vector<float>()[999], 999.0f);
}

}  // namespace
