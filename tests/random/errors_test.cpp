// Bad input to jx::random throws a jx::Error subclass that names the function, the offending shapes
// or dtypes, and the caller's line; and the designated spellings of DESIGN.md compile.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "jx/core/error.h"
#include "jx/random.h"

namespace jnp = jx::numpy;
namespace jr = jx::random;

namespace {

// Runs `f`, which must throw E; checks the op, a fragment of the message, and the reported line.
template <class E>
void expect_error(const std::function<void()>& f, const std::string& op, const std::string& fragment, int line) {
  try {
    f();
    ADD_FAILURE() << "no error from " << op;
  } catch (const E& e) {
    EXPECT_EQ(e.op(), op);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), "errors_test.cpp:" + std::to_string(line)) << e.what();
  } catch (const jx::Error& e) {
    ADD_FAILURE() << "wrong error type: " << e.what();
  }
}

TEST(RandomErrors, NameTheFunctionTheTypesAndTheLine) {
  const jx::Key key = jr::PRNGKey(0);
  const jx::Key keys = jr::split(key, 3);
  // clang-format off
  expect_error<jx::ValueError>([&] { jr::normal(keys, {2}); }, "normal", "(3,)", __LINE__);
  expect_error<jx::ValueError>([&] { jr::uniform(key, {2}, jx::int32); }, "uniform", "int32", __LINE__);
  expect_error<jx::ValueError>([&] { jr::bits(key, {2}, jx::int8); }, "bits", "int8", __LINE__);
  expect_error<jx::TypeError>([&] { jr::randint(key, {2}, 0, 5, jx::float32); }, "randint", "float32", __LINE__);
  expect_error<jx::TypeError>([&] { jr::bernoulli(key, jnp::array(1)); }, "bernoulli", "int32", __LINE__);
  expect_error<jx::ValueError>([&] { jr::bernoulli(key, jnp::array({0.5f, 0.5f}), jx::Shape{3}); }, "bernoulli",
                               "(3,)", __LINE__ - 1);
  expect_error<jx::ValueError>([&] { jr::truncated_normal(key, jnp::zeros({2}), jnp::ones({3})); },
                               "truncated_normal", "(2,)", __LINE__ - 1);
  expect_error<jx::ValueError>([&] { jr::split(key, -1); }, "split", "-1", __LINE__);
  expect_error<jx::TypeError>([&] { jr::fold_in(key, jnp::zeros({2}, jx::uint32)); }, "fold_in", "u32[2]", __LINE__);
  expect_error<jx::ValueError>([&] { jr::choice(key, 3, {5}, {.replace = false}); }, "choice", "population", __LINE__);
  expect_error<jx::ValueError>([&] { jr::choice(key, 3, {2}, {.p = jnp::ones({4})}); }, "choice", "(4,)", __LINE__);
  expect_error<jx::ShapeError>([&] { jr::permutation(key, jnp::zeros({2, 3}), 2); }, "permutation", "axis 2",
                               __LINE__ - 1);
  expect_error<jx::ShapeError>([&] { jr::categorical(key, jnp::array(1.0f)); }, "categorical", "axis", __LINE__);
  expect_error<jx::TypeError>([&] { jr::PRNGKey(jnp::array(1.5f)); }, "PRNGKey", "f32", __LINE__);
  expect_error<jx::ShapeError>([&] { jr::wrap_key_data(jnp::zeros({3}, jx::uint32)); }, "wrap_key_data",
                               "u32[3]", __LINE__ - 1);
  expect_error<jx::DTypeError>([&] { jr::wrap_key_data(jnp::zeros({3, 2}, jx::int32)); }, "wrap_key_data",
                               "i32[3,2]", __LINE__ - 1);
  // clang-format on
  EXPECT_THROW(jx::Key(jnp::zeros({2})), jx::TypeError);
}

TEST(RandomSpellings, PositionalShapesAndDesignatedOptions) {
  const jx::Key key = jr::PRNGKey(1);
  // DESIGN.md: random::bernoulli(key, 0.3f, {8}).
  EXPECT_EQ(jr::bernoulli(key, 0.3f, {8}).shape(), (jx::Shape{8}));
  EXPECT_EQ(jr::uniform(key, {2, 3}, -1.0f, 1.0f).shape(), (jx::Shape{2, 3}));
  EXPECT_EQ(jr::truncated_normal(key, -1.0f, 1.0f, {4}).shape(), (jx::Shape{4}));
  EXPECT_EQ(jr::choice(key, 10, {3}, {.replace = false}).shape(), (jx::Shape{3}));
  EXPECT_EQ(jr::permutation(key, jnp::arange(6).reshape({2, 3}), 1, {.independent = true}).shape(), (jx::Shape{2, 3}));
  EXPECT_EQ(jr::categorical(key, jnp::zeros({5}), -1, {7}).shape(), (jx::Shape{7}));
  auto [a, b] = jr::split(key);
  EXPECT_EQ(a.shape(), jx::Shape{});
  EXPECT_EQ(jr::split(b, 4)[3].shape(), jx::Shape{});
}

}  // namespace
