// Bad input gives a jx::Error subclass whose message names the operation, the shapes or dtypes
// involved, and the line of the caller (named functions through std::source_location, operators
// through the symbolized stack; the tests are compiled with line tables, -g1).
#include <gtest/gtest.h>

#include <string>

#include "error_expectations.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/numpy.h"

namespace jnp = jx::numpy;

namespace {

using jx_test::expect_error;

std::string here(int line) { return "errors_test.cpp:" + std::to_string(line); }

TEST(Errors, IncompatibleBroadcastNamedFunction) {
  const jx::Array a = jnp::ones({3}), b = jnp::ones({4});
  const int line = __LINE__ + 1;
  expect_error<jx::ShapeError>([&] { jnp::add(a, b); }, {"[add]", "(3,)", "(4,)", here(line)});
}

TEST(Errors, IncompatibleBroadcastOperatorReportsTheUserLine) {
  const jx::Array a = jnp::ones({2, 3}), b = jnp::ones({4, 3});
  const int line = __LINE__ + 1;
  expect_error<jx::ShapeError>([&] { (void)(a * b); }, {"(2, 3)", "(4, 3)", here(line)});
}

TEST(Errors, DTypes) {
  const int line = __LINE__ + 1;
  expect_error<jx::DTypeError>([&] { jnp::bitwise_and(jnp::ones({2}), jnp::ones({2})); },
                               {"bitwise_and", "floating", here(line)});
  const int sin_line = __LINE__ + 1;
  expect_error<jx::DTypeError>([&] { jx::lax::sin(jnp::arange(3)); }, {"[sin]", "int32", here(sin_line)});
  expect_error<jx::DTypeError>([&] { jx::lax::add(jnp::ones({2}), jnp::ones({2}, jx::int32)); },
                               {"[add]", "float32", "int32"});
}

TEST(Errors, AxesAndShapes) {
  const jx::Array x = jnp::ones({2, 3});
  const int line = __LINE__ + 1;
  expect_error<jx::ShapeError>([&] { jnp::sum(x, 2); }, {"axis 2", "rank 2", here(line)});
  expect_error<jx::ShapeError>([&] { jnp::reshape(x, {4, 2}); }, {"reshape", "(2, 3)", "(4, 2)"});
  expect_error<jx::ShapeError>([&] { jnp::matmul(x, x); }, {"matmul", "(2, 3)"});
  expect_error<jx::ShapeError>([&] { jnp::concatenate({x, jnp::ones({2, 2})}, 0); }, {"concatenate"});
  expect_error<jx::ShapeError>([&] { jnp::squeeze(x, 0); }, {"squeeze"});
  expect_error<jx::ShapeError>([&] { jnp::broadcast_to(x, {3, 3}); }, {"broadcast_to", "(2, 3)", "(3, 3)"});
}

TEST(Errors, StaticIndicesOutOfRange) {
  const jx::Array x = jnp::ones({2, 3});
  const int line = __LINE__ + 1;
  expect_error<jx::IndexError>([&] { (void)x[5]; }, {"index 5", "axis 0", "size 2", here(line)});
  expect_error<jx::IndexError>([&] { (void)x(0, -4); }, {"index -4", "axis 1", "size 3", here(line + 1)});
  expect_error<jx::IndexError>([&] { (void)x(0, 0, 0); }, {"too many indices", here(line + 2)});
  expect_error<jx::IndexError>([&] { (void)x.at(2).set(1.0f); }, {"index 2", "axis 0", "size 2", here(line + 3)});
  expect_error<jx::IndexError>([&] { (void)jnp::array(1.0f)[0]; }, {"0-dimensional", here(line + 4)});
}

TEST(Errors, Values) {
  expect_error<jx::ValueError>([&] { (void)static_cast<bool>(jnp::ones({2})); }, {"ambiguous", "(2,)"});
  expect_error<jx::ValueError>([&] { jnp::max(jnp::ones({0})); }, {"zero-size", "max"});
  expect_error<jx::ValueError>([&] { jnp::ones({3}).item<float>(); }, {"one element", "(3,)"});
  expect_error<jx::ValueError>(
      [&] {
        jx::Array empty;
        (void)(empty + 1);
      },
      {"empty"});
  expect_error<jx::ValueError>([&] { jnp::split(jnp::ones({5}), 2); }, {"equal division"});
}

TEST(Errors, DefaultDTypesFollowX64) {
  EXPECT_EQ(jnp::zeros({2}).dtype(), jx::float32);
  auto x64 = jx::config::scoped({.enable_x64 = true});
  EXPECT_EQ(jnp::zeros({2}).dtype(), jx::float64);
  EXPECT_EQ(jnp::eye(2).dtype(), jx::float64);
  EXPECT_EQ(jx::nn::one_hot(jnp::array({0, 1}), 2).dtype(), jx::float64);
  EXPECT_EQ(jnp::arange(3).dtype(), jx::int64);
}

}  // namespace
