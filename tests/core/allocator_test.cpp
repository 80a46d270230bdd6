// Running out of memory: every failed allocation is a ResourceExhaustedError naming the operation, the
// type and the bytes, with the user's line — eagerly, under jit, for real over-large requests and at
// the Nth allocation through the allocator's test hook — and jx keeps working afterwards.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/buffer.h"
#include "error_expectations.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;
using jx_test::error_message;
using jx_test::expect_contains;

namespace {

// Makes the allocation after the next `successes` fail, for the scope.
class FailingAllocations {
 public:
  explicit FailingAllocations(std::int64_t successes) { jx::allocator::fail_after(successes); }
  ~FailingAllocations() { jx::allocator::fail_after(-1); }
  FailingAllocations(const FailingAllocations&) = delete;
  FailingAllocations& operator=(const FailingAllocations&) = delete;
};

// 4 TiB: more than any machine that runs these tests has, so the system refuses it for real.
const jx::Shape kHuge = {1 << 20, 1 << 20};

TEST(ResourceExhausted, ARealOverLargeRequestEagerly) {
  const jx::Array lazy = jnp::zeros(kHuge);  // a broadcast scalar: nothing allocated yet
  const int line = __LINE__ + 1;
  const std::string message = error_message<jx::ResourceExhaustedError>([&] { auto y = lazy + 1.0f; });
  expect_contains(message, "[add] cannot allocate f32[1048576,1048576] (4398046511104 bytes)");
  expect_contains(message, "allocator_test.cpp:" + std::to_string(line));
  expect_contains(error_message<jx::ResourceExhaustedError>([&] { jnp::matmul(jnp::ones(kHuge), jnp::ones(kHuge)); }),
                  "[dot_general] cannot allocate f32[1048576,1048576]");
  expect_contains(error_message<jx::ResourceExhaustedError>([] { jnp::arange(0.0, 1e13); }),
                  "[arange] cannot allocate f32[10000000000000]");
  // jx keeps working.
  EXPECT_EQ((jnp::ones({3}) + 1).to_vector<float>(), (std::vector<float>{2, 2, 2}));
}

TEST(ResourceExhausted, UnderJit) {
  const auto twice = jx::jit([](const jx::Array& x) { return x * 2.0f; });
  expect_contains(error_message<jx::ResourceExhaustedError>([&] { twice(jnp::zeros(kHuge)); }), "[jit] input 0");
  const auto big = jx::jit([](const jx::Array& x) { return jnp::broadcast_to(x, kHuge) + 1.0f; });
  const int line = __LINE__ + 1;
  const std::string message = error_message<jx::ResourceExhaustedError>([&] { big(jnp::array(1.0f)); });
  expect_contains(message, "[jit] the program's output 0: cannot allocate f32[1048576,1048576]");
  expect_contains(message, "allocator_test.cpp:" + std::to_string(line));
  EXPECT_EQ(twice(jnp::ones({2})).to_vector<float>(), (std::vector<float>{2, 2}));
}

TEST(ResourceExhausted, TheNthAllocationFailing) {
  const jx::Array x = jnp::arange(1000.0f);
  {
    const FailingAllocations failing(0);
    expect_contains(error_message<jx::ResourceExhaustedError>([&] { auto y = jnp::sin(x); }),
                    "[sin] cannot allocate f32[1000]");
  }
  // Under jit, each allocation of a call in turn: the arena, an output, a dense copy of an input view.
  const auto f = jx::jit([](const jx::Array& a) { return std::pair{jnp::sin(a) * 2.0f + jnp::cos(a), a + 1.0f}; });
  const auto expected = f(x);
  int failures = 0;
  for (int n = 0; n < 8; ++n) {
    const FailingAllocations failing(n);
    try {
      const auto result = f(x);
    } catch (const jx::ResourceExhaustedError& e) {
      ++failures;
      EXPECT_EQ(e.op(), "jit") << e.what();
    }
  }
  EXPECT_GT(failures, 0);
  // Afterwards every call works and gives the same values.
  const auto again = f(x);
  EXPECT_EQ(again.first.to_vector<float>(), expected.first.to_vector<float>());
  EXPECT_EQ(again.second.to_vector<float>(), expected.second.to_vector<float>());
}

TEST(ResourceExhausted, TheCacheLimitIsSettableAndTrims) {
  const std::size_t before = jx::allocator::cache_limit();
  {
    auto a = jnp::ones({1 << 20});  // 4 MiB: a block for the global cache once freed
    a = jx::Array();
  }
  jx::allocator::set_cache_limit(0);
  EXPECT_EQ(jx::allocator::stats().bytes_cached - 0, jx::allocator::stats().bytes_cached);  // readable
  EXPECT_EQ(jx::allocator::cache_limit(), 0u);
  jx::allocator::set_cache_limit(before);
  EXPECT_EQ(jx::allocator::cache_limit(), before);
}

TEST(ShapeValidation, NegativeAndOverflowingShapesAreValueErrors) {
  const auto message = [](auto f) { return error_message<jx::ValueError>(f); };
  expect_contains(message([] { jnp::zeros({-1, 3}); }), "[zeros] negative dimensions are not allowed: shape (-1, 3)");
  expect_contains(message([] { jnp::ones({2, -5}); }), "[ones] negative dimensions");
  expect_contains(message([] { jnp::full({-2}, 1.0f); }), "[full] negative dimensions");
  expect_contains(message([] { jnp::broadcast_to(jnp::array(1.0f), {-3}); }), "[broadcast_to] negative");
  expect_contains(message([] { jnp::eye(-2); }), "[eye] negative dimensions");
  expect_contains(message([] { jx::random::normal(jx::random::PRNGKey(0), {-2}); }), "negative dimensions");
  expect_contains(message([] { jx::random::uniform(jx::random::PRNGKey(0), {3, -2}); }), "negative dimensions");
  expect_contains(message([] { jx::lax::iota(jx::int32, -4); }), "[iota] negative dimensions");
  expect_contains(message([] {
                    jnp::zeros({std::int64_t{1} << 32, std::int64_t{1} << 32});
                  }),
                  "[zeros] shape (4294967296, 4294967296) of float32 is too large: its element count exceeds 2^63 - 1");
  expect_contains(message([] { jnp::zeros({INT64_MAX, 2}); }), "element count exceeds");
  expect_contains(message([] { jnp::zeros({std::int64_t{1} << 62}); }), "its size in bytes exceeds");
  // Under jit too, with the user's line.
  const auto f = jx::jit([](const jx::Array& x) { return jnp::broadcast_to(x, {-1, 2}); });
  const int line = __LINE__ + 1;
  const std::string traced = message([&] { f(jnp::array(1.0f)); });
  expect_contains(traced, "[broadcast_to] negative dimensions");
  expect_contains(traced, "allocator_test.cpp:" + std::to_string(line - 2));
  // A zero dimension makes any other size fine (an empty array), as in NumPy.
  EXPECT_EQ(jnp::zeros({0, std::int64_t{1} << 62}).size(), 0);
}

TEST(LazyBroadcasts, ReductionsCostWhatTheirBaseDoes) {
  // 2^40 elements: summed element by element this would take minutes.
  const jx::Array zeros = jnp::zeros(kHuge);
  EXPECT_EQ(jnp::sum(zeros).item<float>(), 0.0f);
  EXPECT_EQ(jnp::sum(jnp::ones(kHuge)).item<float>(), 1099511627776.0f);  // 2^40, exact in float32
  EXPECT_EQ(jnp::max(jnp::full(kHuge, 3.0f)).item<float>(), 3.0f);
  EXPECT_EQ(jnp::mean(jnp::full(kHuge, 2.5f)).item<float>(), 2.5f);
  // Along one broadcast axis only, the other reduced as usual.
  const jx::Array rows = jnp::broadcast_to(jnp::array({1.0f, 2.0f, 3.0f}), {1000000, 3});
  EXPECT_EQ(jnp::sum(rows, 0).to_vector<float>(), (std::vector<float>{1e6f, 2e6f, 3e6f}));
  // Integers wrap as repeated addition would: 2^32 ones sum to 0 in int32.
  EXPECT_EQ(jnp::sum(jnp::ones({std::int64_t{1} << 32}, jx::int32)).item<int>(), 0);
  // Half precision: a count beyond float16's range (65504) must not turn zeros into NaN; 2^17 eighths
  // are 16384, exact; a sum beyond the range is inf, as adding would give.
  EXPECT_EQ(jnp::sum(jnp::zeros({100000}, jx::float16)).astype(jx::float32).item<float>(), 0.0f);
  EXPECT_EQ(jnp::sum(jnp::full({std::int64_t{1} << 17}, 0.125f, jx::bfloat16)).astype(jx::float32).item<float>(),
            16384.0f);
  EXPECT_EQ(jnp::sum(jnp::full({std::int64_t{1} << 17}, 0.125f, jx::float16)).astype(jx::float32).item<float>(),
            16384.0f);
  EXPECT_TRUE(std::isinf(jnp::sum(jnp::ones({100000}, jx::float16)).astype(jx::float32).item<float>()));
  // The result has the type an element-by-element sum has, weak flag included (lax keeps it; jnp::sum,
  // as JAX's, makes its result strong).
  const jx::Array weak = jnp::broadcast_to(jx::Array(2.0f), {1000});
  ASSERT_TRUE(weak.weak_type());
  const jx::Array summed = jx::lax::reduce_sum(weak, {0});
  EXPECT_TRUE(summed.weak_type());
  EXPECT_EQ(summed.item<float>(), 2000.0f);
}

}  // namespace
