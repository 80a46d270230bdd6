// What jit tells the user: log_compiles' retrace reasons, check_jit's impurity report, concretization
// errors with the user's line, the program verifier, the constant-folding size limit, and eager
// debug::print.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <utility>

#include "error_expectations.h"
#include "ir/passes.h"
#include "jx/core/config.h"
#include "jx/debug.h"
#include "jx/ir/program.h"
#include "jx/numpy.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;

namespace {

using jx_test::error_message;

std::string here(int line) { return "jit_diagnostics_test.cpp:" + std::to_string(line); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// --- log_compiles -------------------------------------------------------------------------------

TEST(JitDiagnostics, LogCompilesSaysWhyEachTraceHappened) {
  auto scope = jx::config::scoped({.log_compiles = true});
  const int line = __LINE__ + 1;
  auto f = jx::jit([](const jx::Array& x) { return x * 2; });
  testing::internal::CaptureStderr();
  f(jnp::ones({3}));
  const std::string first = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(first, "jit of the function at " + here(line))) << first;
  EXPECT_TRUE(contains(first, "(trace 1)")) << first;
  EXPECT_TRUE(contains(first, "first call")) << first;

  testing::internal::CaptureStderr();
  f(jnp::ones({3}) + 1);  // a cache hit: nothing printed
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");

  testing::internal::CaptureStderr();
  f(jnp::ones({4}));
  const std::string shape = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(shape, "(trace 2)")) << shape;
  EXPECT_TRUE(contains(shape, "changed shape: f32[3] -> f32[4]")) << shape;

  testing::internal::CaptureStderr();
  f(jnp::ones({4}, jx::int32));
  const std::string dtype = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(dtype, "(trace 3)")) << dtype;
  EXPECT_TRUE(contains(dtype, "changed dtype: f32[4] -> i32[4]")) << dtype;

  testing::internal::CaptureStderr();
  f(jnp::array(2.0f, jx::float32));  // strong f32[]: a new shape and dtype
  f(jx::Array(2.0f));                // weak f32[]: only the weak flag differs
  const std::string weak = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(weak, "changed weak type: f32[] -> f32[] (weak)")) << weak;
  EXPECT_EQ(f.trace_count(), 5u);
}

TEST(JitDiagnostics, LogCompilesNamesTheChangedLeafAndConfiguration) {
  auto scope = jx::config::scoped({.log_compiles = true});
  auto f = jx::jit([](const std::pair<jx::Array, jx::Array>& p) { return p.first + jnp::sum(p.second); });
  testing::internal::CaptureStderr();
  f(std::pair{jnp::ones({2}), jnp::ones({3})});
  EXPECT_TRUE(contains(testing::internal::GetCapturedStderr(), "first call"));
  testing::internal::CaptureStderr();
  f(std::pair{jnp::ones({2}), jnp::ones({5})});  // only the second leaf changed
  const std::string leaf = testing::internal::GetCapturedStderr();
  // The key path of the leaf: argument 0, element 1 of the pair.
  EXPECT_TRUE(contains(leaf, "argument [0][1] changed shape: f32[3] -> f32[5]")) << leaf;

  testing::internal::CaptureStderr();
  {
    auto x64 = jx::config::scoped({.enable_x64 = true});
    f(std::pair{jnp::ones({2}, jx::float32), jnp::ones({5}, jx::float32)});
  }
  const std::string config = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(config, "configuration changed")) << config;
  EXPECT_TRUE(contains(config, "enable_x64=false")) << config;
  EXPECT_TRUE(contains(config, "enable_x64=true")) << config;
}

TEST(JitDiagnostics, LogCompilesIsSilentWhenOff) {
  auto scope = jx::config::scoped({.log_compiles = false});
  auto f = jx::jit([](const jx::Array& x) { return x + 1; });
  testing::internal::CaptureStderr();
  f(jnp::ones({3}));
  f(jnp::ones({4}));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(f.trace_count(), 2u);
}

// --- check_jit ----------------------------------------------------------------------------------

TEST(JitDiagnostics, CheckJitNamesTheFunctionAndTheChangedValue) {
  auto scope = jx::config::scoped({.check_jit = true});
  int n = 0;
  const int line = __LINE__ + 1;
  auto impure = jx::jit([&] { return jnp::array(++n); });
  EXPECT_EQ(impure().item<int>(), 1);
  const std::string message = error_message<jx::ImpureFunctionError>([&] { impure(); });
  EXPECT_TRUE(contains(message, "[jit]")) << message;
  EXPECT_TRUE(contains(message, "jit of the function at " + here(line))) << message;
  EXPECT_TRUE(contains(message, "\n  at " + here(line))) << message;
  EXPECT_TRUE(contains(message, "output 0 is now the constant 2")) << message;
  EXPECT_TRUE(contains(message, "captured mutable state")) << message;
}

TEST(JitDiagnostics, CheckJitNamesTheFirstDifferingEquation) {
  auto scope = jx::config::scoped({.check_jit = true});
  bool use_cos = false;
  const int line = __LINE__ + 1;
  auto impure = jx::jit([&](const jx::Array& x) {
    const jx::Array y = x * 2;
    return use_cos ? jnp::cos(y) : jnp::sin(y);  // equation 1 depends on captured state
  });
  EXPECT_FLOAT_EQ(impure(jnp::array(0.0f)).item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(impure(jnp::array(0.0f)).item<float>(), 0.0f);  // unchanged: passes the check
  use_cos = true;
  const std::string message = error_message<jx::ImpureFunctionError>([&] { impure(jnp::array(0.0f)); });
  EXPECT_TRUE(contains(message, "jit of the function at " + here(line))) << message;
  EXPECT_TRUE(contains(message, "equation 1 differs: 'sin' became 'cos'")) << message;
  EXPECT_TRUE(contains(message, "recorded at " + here(line + 2))) << message;
}

TEST(JitDiagnostics, CheckJitNamesAChangedCapturedConstant) {
  auto scope = jx::config::scoped({.check_jit = true});
  jx::Array table = jnp::arange(4.0f);
  auto f = jx::jit([&](const jx::Array& x) { return x * table; });
  EXPECT_EQ(f(jnp::ones({4})).to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  table = jnp::arange(4.0f) + 10;  // same type, new value: the cached program would be stale
  const std::string message = error_message<jx::ImpureFunctionError>([&] { f(jnp::ones({4})); });
  EXPECT_TRUE(contains(message, "captured constant 0 (f32[4]) changed value")) << message;
}

// --- Concretization errors ----------------------------------------------------------------------

TEST(JitDiagnostics, ConcretizationErrorNamesOpTypeLineAndFix) {
  auto f = jx::jit([](const jx::Array& x) {
    const int line = __LINE__ + 2;
    const std::string message = error_message<jx::ConcretizationError>([&] {
      if (jnp::sum(x) > 0) ADD_FAILURE() << "a traced value drove an if";
    });
    EXPECT_TRUE(contains(message, "[bool(x)]")) << message;
    EXPECT_TRUE(contains(message, "bool[]")) << message;
    EXPECT_TRUE(contains(message, here(line))) << message;
    EXPECT_TRUE(contains(message, "jx::lax::cond")) << message;
    EXPECT_TRUE(contains(message, "jx::numpy::where")) << message;
    EXPECT_TRUE(contains(message, "static_argnums")) << message;
    return x;
  });
  f(jnp::ones({2, 3}));
}

TEST(JitDiagnostics, ConcretizationErrorFromItemNamesTheTracerType) {
  auto f = jx::jit([](const jx::Array& x) {
    const int line = __LINE__ + 1;
    const std::string message = error_message<jx::ConcretizationError>([&] { (void)x.item<float>(); });
    EXPECT_TRUE(contains(message, "f32[]")) << message;
    EXPECT_TRUE(contains(message, here(line))) << message;
    EXPECT_TRUE(contains(message, "jx::lax::cond")) << message;
    const std::string cast = error_message<jx::ConcretizationError>([&] { (void)static_cast<int>(x); });
    EXPECT_TRUE(contains(cast, "f32[]")) << cast;
    return x;
  });
  f(jnp::array(1.0f));
}

TEST(JitDiagnostics, TracedWhileConditionIsAConcretizationError) {
  auto f = jx::jit([](jx::Array x) {
    while (x > 0) x = x - 1;
    return x;
  });
  const int line = __LINE__ - 3;
  const std::string message = error_message<jx::ConcretizationError>([&] { f(jnp::array(3.0f)); });
  EXPECT_TRUE(contains(message, "[bool(x)]")) << message;
  EXPECT_TRUE(contains(message, "bool[]")) << message;
  EXPECT_TRUE(contains(message, here(line))) << message;
  EXPECT_TRUE(contains(message, "jx::lax::while_loop")) << message;
  EXPECT_EQ(f.trace_count(), 0u);  // the failed trace is not cached
}

// --- The verifier -------------------------------------------------------------------------------

jx::Program traced_program() {
  return jx::make_jaxpr([](const jx::Array& a, const jx::Array& b) { return jnp::sin(a * b) + 1.0f; })(jnp::ones({3}),
                                                                                                       jnp::ones({}));
}

TEST(JitDiagnostics, VerifierAcceptsTracedPrograms) {
  const jx::Program program = traced_program();
  ASSERT_EQ(program.equations.size(), 3u);
  EXPECT_NO_THROW(program.verify());
}

TEST(JitDiagnostics, VerifierRejectsUseBeforeDefinition) {
  jx::Program program = traced_program();
  std::swap(program.equations[0], program.equations[1]);  // sin now reads mul's output before mul
  const std::string message = error_message<jx::ValueError>([&] { program.verify(); });
  EXPECT_TRUE(contains(message, "[verify]")) << message;
  EXPECT_TRUE(contains(message, "equation 0 (sin)")) << message;
  EXPECT_TRUE(contains(message, "used before it is defined")) << message;
}

TEST(JitDiagnostics, VerifierRejectsAWrongOutputType) {
  jx::Program program = traced_program();
  program.types[static_cast<std::size_t>(program.equations[1].outputs[0])] = jx::ArrayType{{3}, jx::int32, false};
  const std::string message = error_message<jx::ValueError>([&] { program.verify(); });
  EXPECT_TRUE(contains(message, "equation 1 (sin)")) << message;
  EXPECT_TRUE(contains(message, "has type i32[3] but the primitive gives f32[3]")) << message;
}

TEST(JitDiagnostics, VerifierRejectsDoubleDefinitionsAndBadOutputs) {
  jx::Program twice = traced_program();
  twice.equations[1].outputs[0] = twice.equations[0].outputs[0];  // sin redefines mul's output
  const std::string twice_message = error_message<jx::ValueError>([&] { twice.verify(); });
  EXPECT_TRUE(contains(twice_message, "equation 1 (sin)")) << twice_message;
  EXPECT_TRUE(contains(twice_message, "defined twice")) << twice_message;

  jx::Program dangling = traced_program();
  dangling.outputs[0] = jx::Atom::variable(static_cast<int>(dangling.types.size()) + 5);
  const std::string dangling_message = error_message<jx::ValueError>([&] { dangling.verify(); });
  EXPECT_TRUE(contains(dangling_message, "output")) << dangling_message;
  EXPECT_TRUE(contains(dangling_message, "used before it is defined")) << dangling_message;

  jx::Program arity = traced_program();
  arity.equations[0].outputs.push_back(arity.new_var(jx::ArrayType{{3}, jx::float32, false}));
  const std::string arity_message = error_message<jx::ValueError>([&] { arity.verify(); });
  EXPECT_TRUE(contains(arity_message, "equation 0 (mul): wrong number of outputs")) << arity_message;

  const jx::Array table = jnp::arange(3.0f);
  jx::Program constants = jx::make_jaxpr([&](const jx::Array& x) { return x * table; })(jnp::ones({3}));
  ASSERT_EQ(constants.consts.size(), 1u);
  EXPECT_NO_THROW(constants.verify());
  constants.consts[0] = jnp::arange(4.0f);
  const std::string const_message = error_message<jx::ValueError>([&] { constants.verify(); });
  EXPECT_TRUE(contains(const_message, "constant 0 has type f32[4] but its variable is f32[3]")) << const_message;
}

// --- Constant folding stops at kFoldLimit -----------------------------------------------------

TEST(JitDiagnostics, LargeCapturedArraysStayProgramInputs) {
  constexpr std::int64_t n = jx::passes::kFoldLimit + 1;
  const jx::Array big = jnp::arange(static_cast<float>(n));
  auto f = [&](const jx::Array& x) { return x + big * 2.0f; };
  const jx::Program program = jx::jit(f).lower(jnp::ones({n}));
  // The captured array is a constvar of the program, and the multiply by 2 is not folded into a new
  // constant of kFoldLimit + 1 elements.
  ASSERT_EQ(program.consts.size(), 1u);
  EXPECT_TRUE(program.consts[0].impl() == big.impl());
  EXPECT_EQ(program.count("mul"), 1);
  EXPECT_EQ(program.count("add"), 1);
  const std::string type = "f32[" + std::to_string(n) + "]";
  EXPECT_EQ(program.to_string(), "{ lambda a:" + type + "; b:" + type + ". let\n    c:" + type +
                                     " = mul a 2.0:f32[]\n    d:" + type + " = add b c\n  in (d,) }");
  const std::vector<float> result = jx::jit(f)(jnp::ones({n})).to_vector<float>();
  ASSERT_EQ(result.size(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; i += 97) EXPECT_EQ(result[static_cast<std::size_t>(i)], 1.0f + 2.0f * i) << i;
  EXPECT_EQ(result.back(), 1.0f + 2.0f * (n - 1));
}

TEST(JitDiagnostics, SmallCapturedArraysAreFolded) {
  constexpr std::int64_t n = jx::passes::kFoldLimit;
  const jx::Array small = jnp::arange(static_cast<float>(n));
  auto f = [&](const jx::Array& x) { return x + small * 2.0f; };
  const jx::Program program = jx::jit(f).lower(jnp::ones({n}));
  EXPECT_EQ(program.count("mul"), 0);  // folded: small * 2 is computed once, at compile time
  EXPECT_EQ(program.count("add"), 1);
  ASSERT_EQ(program.consts.size(), 1u);
  EXPECT_FLOAT_EQ(program.consts[0].to_vector<float>()[5], 10.0f);
  const std::vector<float> result = jx::jit(f)(jnp::ones({n})).to_vector<float>();
  EXPECT_EQ(result[7], 15.0f);
  EXPECT_EQ(result.back(), 1.0f + 2.0f * (n - 1));
}

// --- Eager debug::print -------------------------------------------------------------------------

TEST(JitDiagnostics, EagerDebugPrintPrintsImmediatelyInOrder) {
  testing::internal::CaptureStdout();
  const jx::Array x = jnp::arange(3.0f);
  jx::debug::print("x = {}", x);
  std::cout << "between\n";
  jx::debug::print("sum = {}, first = {}", jnp::sum(x), x[0]);
  const std::string output = testing::internal::GetCapturedStdout();
  EXPECT_EQ(output, "x = [0. 1. 2.]\nbetween\nsum = 3.0, first = 0.0\n");
}

}  // namespace
