// eval_shape: output shapes and dtypes as JAX's jax.eval_shape gives them, without computing (the
// arguments here would need terabytes) and through every container kind.
#include "jx/transforms/eval_shape.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <tuple>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;

namespace eval_shape_test {
struct Layer {
  jx::Array w, b;
};
JX_PYTREE(Layer, w, b);
}  // namespace eval_shape_test

namespace {

using eval_shape_test::Layer;

TEST(EvalShape, AbstractArgumentsAreNeverMaterialized) {
  // 2^20 x 2^20 float32 is 4 TiB: evaluating anything would fail.
  const jx::ShapeDtypeStruct a{{1 << 20, 1 << 20}, jx::float32};
  const jx::ShapeDtypeStruct v{{1 << 20}, jx::bfloat16};
  auto f = [](const jx::Array& m, const jx::Array& x) { return jnp::tanh(jnp::matmul(m, x.astype(jx::float32))); };
  const jx::ShapeDtypeStruct out = jx::eval_shape(f, a, v);
  EXPECT_EQ(out, (jx::ShapeDtypeStruct{{1 << 20}, jx::float32}));
  EXPECT_EQ(out.to_string(), "ShapeDtypeStruct(shape=(1048576,), dtype=float32)");
  EXPECT_EQ(out.size(), 1 << 20);
}

TEST(EvalShape, ContainersKeepTheirKindAndStaticLeavesTheirValues) {
  auto f = [](const std::vector<jx::Array>& xs) {
    return std::make_tuple(jnp::concatenate(xs), std::map<std::string, jx::Array>{{"n", jnp::argmax(xs[0])}}, 7);
  };
  const std::vector<jx::ShapeDtypeStruct> xs{{{2, 3}, jx::float32}, {{4, 3}, jx::float32}};
  const auto [joined, named, seven] = jx::eval_shape(f, xs);
  EXPECT_EQ(joined, (jx::ShapeDtypeStruct{{6, 3}, jx::float32}));
  EXPECT_EQ(named.at("n"), (jx::ShapeDtypeStruct{{}, jx::int32}));
  EXPECT_EQ(seven, 7);
}

TEST(EvalShape, StructsBecomeDynamicTreesOfShapes) {
  auto init = [](const jx::Array& key_like, int width) {
    return Layer{jnp::zeros({key_like.shape()[0], width}), jnp::zeros({width}, jx::float16)};
  };
  // Concrete arguments work too; the int is static.
  const jx::tree::Tree shapes = jx::eval_shape(init, jnp::ones({5}), 3);
  EXPECT_EQ(shapes["w"].value<jx::ShapeDtypeStruct>(), (jx::ShapeDtypeStruct{{5, 3}, jx::float32}));
  EXPECT_EQ(shapes["b"].value<jx::ShapeDtypeStruct>(), (jx::ShapeDtypeStruct{{3}, jx::float16}));
  std::ostringstream printed;
  printed << shapes;
  EXPECT_NE(printed.str().find("ShapeDtypeStruct(shape=(5, 3), dtype=float32)"), std::string::npos) << printed.str();
}

TEST(EvalShape, WeakTypesAsJaxReportsThem) {
  // jax.eval_shape(lambda x: x * 2, 2.0) -> ShapeDtypeStruct(shape=(), dtype=float32, weak_type=True)
  const jx::ShapeDtypeStruct weak = jx::eval_shape([](const jx::Array& x) { return x * 2; }, 2.0);
  EXPECT_EQ(weak.to_string(), "ShapeDtypeStruct(shape=(), dtype=float32, weak_type=True)");
  const jx::ShapeDtypeStruct strong =
      jx::eval_shape([](const jx::Array& x) { return x * 2; }, jx::ShapeDtypeStruct{{}, jx::float32});
  EXPECT_FALSE(strong.weak_type);
  // A weak abstract argument meets a strong bfloat16 one: bfloat16.
  auto add = [](const jx::Array& x, const jx::Array& y) { return x + y; };
  EXPECT_EQ(jx::eval_shape(add, jx::ShapeDtypeStruct{{}, jx::float32, true}, jx::ShapeDtypeStruct{{2}, jx::bfloat16}),
            (jx::ShapeDtypeStruct{{2}, jx::bfloat16}));
}

TEST(EvalShape, OfTransformedFunctionsAndUnderJit) {
  auto loss = [](const Layer& p, const jx::Array& x) { return jnp::sum(jnp::matmul(x, p.w) + p.b); };
  const Layer p{jnp::ones({4, 2}), jnp::ones({2})};
  const jx::tree::Tree g = jx::eval_shape(jx::grad(loss), p, jx::ShapeDtypeStruct{{8, 4}, jx::float32});
  EXPECT_EQ(g["w"].value<jx::ShapeDtypeStruct>().shape, jx::Shape({4, 2}));
  // Inside jit, closing over the traced argument.
  auto outer = jx::jit([](const jx::Array& x) {
    const jx::ShapeDtypeStruct s = jx::eval_shape([&](const jx::Array& y) { return jnp::outer(x, y); }, x);
    return jnp::zeros(s.shape) + static_cast<float>(s.ndim());
  });
  EXPECT_EQ(outer(jnp::ones({3})).shape(), jx::Shape({3, 3}));
  EXPECT_EQ(outer(jnp::ones({3})).to_vector<float>()[0], 2.0f);
}

TEST(EvalShape, ErrorsAreTheFunctionsOwnOrTheArguments) {
  auto f = [](const jx::Array& a, const jx::Array& b) { return jnp::matmul(a, b); };
  EXPECT_THROW(jx::eval_shape(f, jx::ShapeDtypeStruct{{2, 3}, jx::float32}, jx::ShapeDtypeStruct{{4, 5}, jx::float32}),
               jx::ShapeError);
  EXPECT_THROW(jx::eval_shape([](const jx::Array& x) { return x; }, jx::ShapeDtypeStruct{{-1}, jx::float32}),
               jx::ValueError);
  // Reading a value is a concretization error, as under jit.
  EXPECT_THROW(jx::eval_shape([](const jx::Array& x) { return x * x.item<float>(); }, jnp::ones({})),
               jx::ConcretizationError);
}

}  // namespace

namespace {
TEST(EvalShape, KeysAsArgumentsAndResults) {
  // jax.eval_shape(lambda k: jax.random.split(k, 3), key) -> ShapeDtypeStruct(shape=(3,), dtype=key<fry>).
  auto split3 = [](const jx::Array& k) { return jx::Array(jx::random::split(jx::Key(k), 3)); };
  const jx::ShapeDtypeStruct keys = jx::eval_shape(split3, jx::ShapeDtypeStruct{{}, jx::DType::key});
  EXPECT_EQ(keys.shape, jx::Shape({3}));
  EXPECT_EQ(keys.dtype, jx::DType::key);
}
}  // namespace
