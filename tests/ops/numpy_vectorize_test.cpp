// jx/numpy/vectorize.h (src/ops/numpy_vectorize.cpp): element functions and generalized signatures applied
// over broadcast loop axes, against the same computation written out; under jit and grad; bad signatures.
#include <gtest/gtest.h>

#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;

TEST(NumpyVectorize, ElementFunctionsBroadcastTheirArguments) {
  // A function with a data-dependent branch per element, written with where: vectorize broadcasts
  // (2, 1) against (3,) into a (2, 3) result.
  auto clipped_ratio = jnp::vectorize([](const Array& a, const Array& b) {
    EXPECT_EQ(a.ndim(), 0);  // the body sees single elements
    return jnp::where(b == 0.0f, 0.0f, jnp::minimum(a / b, 10.0f));
  });
  const Array x = jnp::array({{1.0f}, {4.0f}});
  const Array y = jnp::array({0.0f, 2.0f, 0.25f});
  const Array r = clipped_ratio(x, y);
  EXPECT_EQ(r.shape(), (jx::Shape{2, 3}));
  EXPECT_EQ(r.to_vector<float>(), (std::vector<float>{0.0f, 0.5f, 4.0f, 0.0f, 2.0f, 10.0f}));
}

TEST(NumpyVectorize, SignaturesNameCoreDimensions) {
  auto dots =
      jnp::vectorize([](const Array& u, const Array& v) { return jnp::dot(u, v); }, {.signature = "(n),(n)->()"});
  const Array u = jnp::reshape(jnp::arange(12.0f), {4, 3});
  const Array v = jnp::array({1.0f, 0.0f, -1.0f});
  EXPECT_EQ(dots(u, v).to_vector<float>(), (std::vector<float>{-2.0f, -2.0f, -2.0f, -2.0f}));
  auto matvec =
      jnp::vectorize([](const Array& m, const Array& x) { return jnp::matmul(m, x); }, {.signature = "(m,n),(n)->(m)"});
  const Array batch = jnp::reshape(jnp::arange(24.0f), {2, 3, 4});
  const Array x = jnp::ones({4});
  EXPECT_TRUE(jnp::array_equal(matvec(batch, x), jnp::sum(batch, -1)).item<bool>());
  // Under jit and grad like any function.
  const Array jitted = jx::jit([&](const Array& m) { return matvec(m, x); })(batch);
  EXPECT_TRUE(jnp::array_equal(jitted, jnp::sum(batch, -1)).item<bool>());
  const Array g = jx::grad([&](const Array& m) { return jnp::sum(dots(m, v)); })(u);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{1, 0, -1, 1, 0, -1, 1, 0, -1, 1, 0, -1}));
}

TEST(NumpyVectorize, ExcludedArgumentsPassThrough) {
  auto shift =
      jnp::vectorize([](const Array& x, const Array& table) { return x + jnp::sum(table); }, {.excluded = {1}});
  EXPECT_EQ(shift(jnp::array({1.0f, 2.0f}), jnp::array({10.0f, 20.0f, 30.0f})).to_vector<float>(),
            (std::vector<float>{61.0f, 62.0f}));
}

TEST(NumpyVectorize, RejectsBadSignatures) {
  auto f = [](const Array& u, const Array& v) { return jnp::dot(u, v); };
  EXPECT_THROW(jnp::vectorize(f, {.signature = "(n),(n)"})(jnp::ones({3}), jnp::ones({3})), jx::ValueError);
  EXPECT_THROW(jnp::vectorize(f, {.signature = "(n)->()"})(jnp::ones({3}), jnp::ones({3})), jx::ValueError);
  EXPECT_THROW(jnp::vectorize(f, {.signature = "(n),(n)->()"})(jnp::ones({3}), jnp::ones({4})), jx::ShapeError);
  EXPECT_THROW(jnp::vectorize(f, {.signature = "(n),(n)->(n)"})(jnp::ones({3}), jnp::ones({3})), jx::ShapeError);
}

}  // namespace
