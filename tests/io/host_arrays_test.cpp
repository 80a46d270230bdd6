// Arrays on their way to and from files: writable forms, dtype canonicalization, byte order, sizes.
#include "io/host_arrays.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <vector>

#include "jx/core/config.h"
#include "jx/jx.h"

namespace jnp = jx::numpy;

namespace {

TEST(IoHostArrays, WritableArrayIsContiguousRowMajor) {
  const jx::Array x = jnp::arange(6).reshape({2, 3}).transpose();  // a strided view
  const jx::Array w = jx::io::writable_array(x, "test", "x");
  const std::vector<std::int32_t> expected = {0, 3, 1, 4, 2, 5};
  ASSERT_EQ(jx::io::bytes_of(w).size(), expected.size() * 4);
  EXPECT_EQ(std::memcmp(jx::io::bytes_of(w).data(), expected.data(), expected.size() * 4), 0);
}

TEST(IoHostArrays, WritableArrayRefusesWhatHasNoBytes) {
  EXPECT_THROW(jx::io::writable_array(jx::Array(), "test", "leaf"), jx::ValueError);
  auto traced = jx::jit([](const jx::Array& x) {
    EXPECT_THROW(jx::io::writable_array(x, "test", "leaf"), jx::ConcretizationError);
    return x;
  });
  traced(jnp::ones({2}));
}

TEST(IoHostArrays, FinishReadNormalizesBoolsToZeroAndOne) {
  auto raw = jx::io::allocate_for_reading(jx::bool_, jx::Shape{3});
  const unsigned char bytes[] = {0, 7, 1};
  std::memcpy(raw->data(), bytes, 3);
  const jx::Array x = jx::io::finish_read(raw);
  const unsigned char* data = reinterpret_cast<const unsigned char*>(jx::concrete(x).data());
  EXPECT_EQ(data[0], 0);
  EXPECT_EQ(data[1], 1);
  EXPECT_EQ(data[2], 1);
}

TEST(IoHostArrays, FinishReadCanonicalizesAsAsarrayDoes) {
  auto raw = jx::io::allocate_for_reading(jx::float64, jx::Shape{2});
  const double values[] = {0.1, -2.5};
  std::memcpy(raw->data(), values, sizeof values);
  {
    auto scope = jx::config::scoped({.enable_x64 = false});
    const jx::Array x = jx::io::finish_read(raw);
    EXPECT_EQ(x.dtype(), jx::float32);
    EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{0.1f, -2.5f}));
  }
  {
    auto scope = jx::config::scoped({.enable_x64 = true});
    const jx::Array x = jx::io::finish_read(raw);
    EXPECT_EQ(x.dtype(), jx::float64);
    EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{0.1, -2.5}));
  }
}

TEST(IoHostArrays, FinishReadKeepsTheWeakTypeFlagWhenAsked) {
  auto raw = jx::io::allocate_for_reading(jx::int32, jx::Shape{});
  const std::int32_t seven = 7;
  std::memcpy(raw->data(), &seven, 4);
  const jx::Array x = jx::io::finish_read(raw, /*weak=*/true);
  EXPECT_TRUE(x.weak_type());
  EXPECT_EQ(x.item<int>(), 7);
  // Weakly typed like a C++ scalar: it does not widen an int8 array.
  EXPECT_EQ((jnp::ones({2}, jx::int8) + x).dtype(), jx::int8);
}

TEST(IoHostArrays, ByteswapReversesEachElement) {
  std::uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8};
  jx::io::byteswap_elements(reinterpret_cast<std::byte*>(data), 4, 2);
  EXPECT_EQ(std::vector<std::uint8_t>(data, data + 8), (std::vector<std::uint8_t>{4, 3, 2, 1, 8, 7, 6, 5}));
}

TEST(IoHostArrays, CheckedSizesCatchOverflow) {
  std::uint64_t out = 0;
  EXPECT_TRUE(jx::io::checked_multiply(1u << 20, 1u << 20, out));
  EXPECT_EQ(out, std::uint64_t{1} << 40);
  EXPECT_FALSE(jx::io::checked_multiply(std::uint64_t{1} << 32, std::uint64_t{1} << 32, out));
  const std::vector<std::uint64_t> fine = {60000, 28, 28};
  EXPECT_TRUE(jx::io::checked_num_elements(fine, out));
  EXPECT_EQ(out, 47040000u);
  const std::vector<std::uint64_t> huge = {std::uint64_t{1} << 32, std::uint64_t{1} << 31};  // 2^63 > INT64_MAX
  EXPECT_FALSE(jx::io::checked_num_elements(huge, out));
  const std::vector<std::uint64_t> empty_axis = {0, std::numeric_limits<std::uint64_t>::max()};
  EXPECT_FALSE(jx::io::checked_num_elements(empty_axis, out));  // the product never overflows, but a dimension does
}

}  // namespace
