// jx::debug: callback(fn, args...) with pytrees, its flat form, print; and JAX's debugging switches
// that live beside them: config::debug_nans / debug_infs (src/core/nonfinite.cpp) and disable_jit.
#include "jx/debug.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "error_expectations.h"
#include "jx/core/config.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;
using jx_test::error_message;
using jx_test::expect_contains;

namespace debug_test {
struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);
}  // namespace debug_test

namespace {

using debug_test::Params;

TEST(DebugCallback, CallsTheFunctionWithTheArgumentsAsPytrees) {
  std::vector<float> seen_weights;
  std::vector<int> seen_steps;
  const auto step = jx::jit([&](const Params& p, const jx::Array& n) {
    jx::debug::callback(
        [&](const Params& q, const jx::Array& count, int tag) {
          seen_weights.push_back(q.weight.item<float>());
          seen_steps.push_back(count.item<int>() * tag);
        },
        p, n, 10);
    return Params{p.weight * 2, p.bias};
  });
  Params p{jnp::array(1.5f), jnp::array(0.0f)};
  p = step(p, 1);
  p = step(p, 2);
  // Called on every run with concrete values (the function was traced once).
  EXPECT_EQ(seen_weights, (std::vector<float>{1.5f, 3.0f}));
  EXPECT_EQ(seen_steps, (std::vector<int>{10, 20}));
  EXPECT_EQ(step.trace_count(), 1u);
  // Eagerly, the call happens at once; the options JAX takes are accepted (every callback is ordered).
  float eager = 0;
  jx::debug::callback([&](const jx::Array& v) { eager = v.item<float>(); }, jnp::array(4.0f),
                      jx::debug::CallbackOptions{.ordered = true});
  EXPECT_EQ(eager, 4.0f);
}

// JAX unrolls a debug callback over vmap's mapped axis (debug_callback_batching_rule in
// jax/_src/debugging.py): one call per element, in order; an unmapped argument is passed whole.
TEST(DebugCallback, UnderVmapRunsOncePerElement) {
  std::vector<std::pair<float, float>> seen;
  const jx::Array bias = jnp::array(10.0f);
  const auto f = [&](const jx::Array& x) {
    jx::debug::callback(
        [&](const jx::Array& v, const jx::Array& b) { seen.emplace_back(v.item<float>(), b.item<float>()); }, x, bias);
    return x * 2;
  };
  const jx::Array out = jx::vmap(f)(jnp::arange(3.0f));
  EXPECT_EQ(seen, (std::vector<std::pair<float, float>>{{0, 10}, {1, 10}, {2, 10}}));
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{0, 2, 4}));
  // Under jit of vmap too, on every run; a mapped axis other than the first is unrolled the same way.
  std::vector<float> column_sums;
  const auto g = jx::jit([&](const jx::Array& m) {
    return jx::vmap(
        [&](const jx::Array& column) {
          jx::debug::callback([&](const jx::Array& v) { column_sums.push_back(jnp::sum(v).item<float>()); }, column);
          return column;
        },
        {.in_axes = 1})(m);
  });
  const jx::Array m = jnp::arange(6.0f).reshape({2, 3});  // columns [0, 3], [1, 4], [2, 5]
  g(m);
  g(m);
  EXPECT_EQ(column_sums, (std::vector<float>{3, 5, 7, 3, 5, 7}));
}

TEST(DebugPrint, UnderVmapPrintsOneLinePerElement) {
  testing::internal::CaptureStdout();
  jx::vmap([](const jx::Array& x) {
    jx::debug::print("x: {}", x);
    return x;
  })(jnp::arange(3.0f));
  // jax.debug.print under vmap prints x: 0.0, x: 1.0 and x: 2.0 on lines of their own.
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "x: 0.0\nx: 1.0\nx: 2.0\n");
}

TEST(DebugCallback, TheFlatFormTakesASpan) {
  std::vector<float> sums;
  const auto f = jx::jit([&](const jx::Array& x) {
    jx::debug::callback([&](std::span<const jx::Array> values) { sums.push_back(jnp::sum(values[1]).item<float>()); },
                        {x, x * 2});
    return x;
  });
  f(jnp::arange(3.0f));
  EXPECT_EQ(sums, (std::vector<float>{6.0f}));
}

TEST(DebugNans, EagerOperationsThatProduceANanThrow) {
  auto scope = jx::config::scoped({.debug_nans = true});
  const jx::Array x = jnp::array({1.0f, -1.0f});
  const int line = __LINE__ + 1;
  const std::string message = error_message<jx::FloatingPointError>([&] { jnp::log(x); });
  expect_contains(message, "invalid value (nan) encountered in log");
  expect_contains(message, "debug_test.cpp:" + std::to_string(line));
  // Infinities pass unless debug_infs is on too.
  EXPECT_NO_THROW(jnp::log(jnp::array(0.0f)));
  auto infs = jx::config::scoped({.debug_infs = true});
  expect_contains(error_message<jx::FloatingPointError>([&] { jnp::log(jnp::array(0.0f)); }),
                  "invalid value (inf) encountered in log");
}

TEST(DebugNans, FindsThePrimitiveAndLineInAJittedMlp) {
  // A two-layer MLP whose loss goes NaN: the log of a value made negative by a bad parameter.
  static const int log_line = __LINE__ + 4;  // the jnp::log below
  const auto loss = [](const Params& p, const jx::Array& x) {
    const jx::Array h = jx::nn::relu(x * p.weight + p.bias);
    const jx::Array out = jnp::sum(h) - 10.0f;
    return jnp::log(out);  // NaN when the activations sum below 10
  };
  const auto step = jx::jit([&](const Params& p, const jx::Array& x) {
    auto [value, g] = jx::value_and_grad(loss)(p, x);
    return std::pair{value, Params{p.weight - 0.1f * g.weight, p.bias - 0.1f * g.bias}};
  });
  const jx::Array x = jnp::arange(1.0f, 5.0f);
  const Params good{jnp::array(2.0f), jnp::array(1.0f)};  // sum(relu(2x + 1)) = 24: finite
  const Params bad{jnp::array(0.5f), jnp::array(0.0f)};   // sum = 5: log(-5) is NaN
  // Without the switch, the NaN comes back silently.
  EXPECT_TRUE(std::isnan(step(bad, x).first.item<float>()));
  auto scope = jx::config::scoped({.debug_nans = true});
  EXPECT_NO_THROW(step(good, x));
  const std::string message = error_message<jx::FloatingPointError>([&] { step(bad, x); });
  expect_contains(message, "[log] invalid value (nan) encountered in log");
  expect_contains(message, "debug_test.cpp:" + std::to_string(log_line));
  // Arguments given up are not consumed by the checking run: they can be used again.
  Params kept = good;
  EXPECT_NO_THROW(step(std::move(kept), x));
}

TEST(DisableJit, JittedFunctionsRunEagerly) {
  int traces = 0;
  std::vector<float> printed;
  const auto f = jx::jit([&](const jx::Array& x) {
    ++traces;  // a C++ side effect: only while tracing, unless jit is disabled
    printed.push_back(x.is_tracer() ? -1.0f : x.item<float>());
    return x * 2;
  });
  f(jnp::array(1.0f));
  f(jnp::array(2.0f));
  EXPECT_EQ(traces, 1);
  {
    auto eager = jx::disable_jit();
    EXPECT_FLOAT_EQ(f(jnp::array(3.0f)).item<float>(), 6.0f);
    EXPECT_FLOAT_EQ(f(jnp::array(4.0f)).item<float>(), 8.0f);
    // C++ control flow on values works while jit is disabled.
    const auto relu_ish = jx::jit([](const jx::Array& v) { return v.item<float>() > 0 ? v : -v; });
    EXPECT_FLOAT_EQ(relu_ish(jnp::array(-2.0f)).item<float>(), 2.0f);
  }
  EXPECT_EQ(traces, 3);
  EXPECT_EQ(printed, (std::vector<float>{-1.0f, 3.0f, 4.0f}));
  f(jnp::array(5.0f));  // jit again: the cached program, no new trace
  EXPECT_EQ(traces, 3);
}

}  // namespace

namespace {

TEST(DebugLog, WritesToTheLogOnEveryRun) {
  auto f = jx::jit([](const jx::Array& x) {
    jx::debug::log("x = {}", x);
    return x * 2.0f;
  });
  testing::internal::CaptureStderr();
  f(jnp::array({1.0f, 2.0f}));
  f(jnp::array({3.0f, 4.0f}));
  const std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_NE(logged.find("jx.debug.log: x = [1. 2.]"), std::string::npos) << logged;
  EXPECT_NE(logged.find("jx.debug.log: x = [3. 4.]"), std::string::npos) << logged;
}

}  // namespace
