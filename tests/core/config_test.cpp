// The checking and numerics flags of jx::config (src/core/config.cpp) that JAX has as jax_enable_checks,
// jax_check_tracer_leaks (and jax.checking_leaks), jax_no_execution, jax_allow_f16_reductions,
// jax_softmax_custom_jvp and jax_default_matmul_precision: what each changes, and that each reaches
// the jit cache key where it changes results.
#include "jx/core/config.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include "ir/passes.h"
#include "ir/primitives/elementwise.h"
#include "jx/core/error.h"
#include "jx/ir/program.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;

// sin of an f32[3] input, whose output is recorded as f32[4]: a type no pass checks on its own.
jx::Program program_with_a_wrong_output_type() {
  jx::Program program;
  const int input = program.new_var(jx::ArrayType{jx::Shape{3}, jx::float32});
  const int output = program.new_var(jx::ArrayType{jx::Shape{4}, jx::float32});
  program.inputs = {input};
  program.equations.push_back(jx::Equation{
      std::make_shared<jx::primitives::Unary>(jx::UnaryOp::sin), {jx::Atom::variable(input)}, {output}, std::nullopt});
  program.outputs = {jx::Atom::variable(output)};
  return program;
}

TEST(Config, EnableChecksVerifiesTheProgramAfterEveryPass) {
  jx::Program unchecked = program_with_a_wrong_output_type();
  EXPECT_NO_THROW(jx::passes::optimize(unchecked));
  auto checks = jx::config::scoped({.enable_checks = true});
  jx::Program checked = program_with_a_wrong_output_type();
  try {
    jx::passes::optimize(checked);
    FAIL() << "expected the malformed program to be reported";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("after the simplify_algebra pass"), std::string::npos) << e.what();
  }
  // Well-formed programs run as before, through every transformation that builds one.
  const auto loss = [](const Array& x) { return jnp::sum(jnp::tanh(x) * x); };
  const Array x = jnp::array({0.5f, -1.0f, 2.0f});
  const Array per_example = jx::vmap(jx::grad(loss))(x.reshape({3, 1}));
  const Array expected = jnp::tanh(x) + x * (1 - jnp::tanh(x) * jnp::tanh(x));
  EXPECT_TRUE(jnp::allclose(jx::jit(jx::grad(loss))(x), expected).item<bool>());
  EXPECT_TRUE(jnp::allclose(per_example.reshape({3}), expected).item<bool>());
}

TEST(Config, CheckTracerLeaksReportsTheLeakWhenTheTraceEnds) {
  Array leaked;
  const auto storing = [&](const Array& x) {
    leaked = x * 2;  // a tracer kept past the trace
    return x + 1;
  };
  const Array x = jnp::array({1.0f, 2.0f});
  // Without the check, the leak surfaces only when the tracer is used again.
  EXPECT_NO_THROW(jx::jit(storing)(x));
  EXPECT_THROW((void)(leaked + 1), jx::TracerLeakError);
  leaked = Array();
  {
    auto leaks = jx::config::checking_leaks();
    EXPECT_THROW(jx::jit(storing)(x), jx::TracerLeakError);
    leaked = Array();
    EXPECT_THROW(jx::vmap(storing)(x), jx::TracerLeakError);
    leaked = Array();
    EXPECT_THROW(jx::grad([&](const Array& v) { return jnp::sum(storing(v)); })(x), jx::TracerLeakError);
    leaked = Array();
    // A function that keeps nothing is not reported.
    EXPECT_TRUE(jnp::array_equal(jx::jit([](const Array& v) { return v * 3; })(x), x * 3).item<bool>());
  }
}

TEST(Config, NoExecutionRefusesToComputeButAllowsTracing) {
  const Array x = jnp::array({1.0f, 2.0f});  // making an array from host values is not a computation
  const auto f = [](const Array& v) { return jnp::sin(v) * 2; };
  const auto jitted = jx::jit(f);
  auto no_execution = jx::config::scoped({.no_execution = true});
  EXPECT_THROW((void)f(x), jx::ValueError);
  EXPECT_THROW((void)jitted(x), jx::ValueError);
  std::ostringstream jaxpr;
  jaxpr << jx::make_jaxpr(f)(x);
  EXPECT_NE(jaxpr.str().find("sin"), std::string::npos);
}

TEST(Config, AllowF16ReductionsOffRefusesHalfPrecisionSums) {
  const Array halves = jnp::array({1.0f, 2.0f, 3.0f}, jx::float16);
  const auto total = jx::jit([](const Array& v) { return jnp::sum(v); });
  EXPECT_EQ(total(halves).item<float>(), 6.0f);
  auto off = jx::config::scoped({.allow_f16_reductions = false});
  EXPECT_THROW((void)jnp::sum(halves), jx::DTypeError);
  EXPECT_THROW((void)total(halves), jx::DTypeError);  // part of the cache key: traced again, and refused
  EXPECT_EQ(jnp::sum(halves.astype(jx::float32)).item<float>(), 6.0f);
  EXPECT_EQ(jnp::max(halves).item<float>(), 3.0f);  // other reductions are unaffected
}

TEST(Config, SoftmaxCustomJvpUsesItsOwnRuleWithTheSameDerivatives) {
  const Array x = jnp::array({0.5f, -1.0f, 2.0f, 0.25f});
  const Array weights = jnp::array({1.0f, -2.0f, 0.5f, 3.0f});
  const auto loss = [&](const Array& v) { return jnp::sum(jx::nn::softmax(v) * weights); };
  const Array plain = jx::grad(loss)(x);
  // d/dx_j sum_i w_i y_i = y_j (w_j - sum_i w_i y_i).
  const Array y = jx::nn::softmax(x);
  const Array expected = y * (weights - jnp::sum(weights * y));
  EXPECT_TRUE(jnp::allclose(plain, expected, {.rtol = 1e-6, .atol = 1e-7}).item<bool>());
  std::ostringstream without_rule;
  without_rule << jx::make_jaxpr([](const Array& v) { return jx::nn::softmax(v); })(x);
  EXPECT_EQ(without_rule.str().find("custom_jvp_call"), std::string::npos);

  auto rule = jx::config::scoped({.softmax_custom_jvp = true});
  std::ostringstream with_rule;
  with_rule << jx::make_jaxpr([](const Array& v) { return jx::nn::softmax(v); })(x);
  EXPECT_NE(with_rule.str().find("custom_jvp_call"), std::string::npos) << with_rule.str();
  EXPECT_TRUE(jnp::allclose(jx::grad(loss)(x), expected, {.rtol = 1e-6, .atol = 1e-7}).item<bool>());
  EXPECT_TRUE(jnp::allclose(jx::jit(jx::grad(loss))(x), expected, {.rtol = 1e-6, .atol = 1e-7}).item<bool>());
  EXPECT_TRUE(jnp::allclose(jx::nn::softmax(x), y).item<bool>());
}

TEST(Config, DefaultMatmulPrecisionIsValidatedAndKeysTheCache) {
  EXPECT_EQ(jx::config::matmul_precision_named("bfloat16"), jx::config::MatmulPrecision::bfloat16);
  EXPECT_EQ(jx::config::matmul_precision_named("highest"), jx::config::MatmulPrecision::highest);
  EXPECT_THROW((void)jx::config::matmul_precision_named("fastest"), jx::ValueError);
  const Array a = jnp::array({{1.0f / 3, 2.0f}, {0.1f, 7.0f}});
  const auto product = jx::jit([](const Array& p, const Array& q) { return jnp::matmul(p, q); });
  const Array full = product(a, a);
  auto low = jx::config::scoped({.default_matmul_precision = jx::config::MatmulPrecision::bfloat16});
  // The CPU computes float32 products in float32 at every level, as XLA's CPU backend does ...
  EXPECT_TRUE(jnp::array_equal(product(a, a), full).item<bool>());
  // ... and the setting is part of the cache key, as in JAX: the call above traced again.
  EXPECT_EQ(product.trace_count(), 2u);
}

}  // namespace
