// jx::debug::breakpoint, with its commands read from a string in place of the terminal. The transcript
// follows JAX's text debugger (jax/_src/debugger/cli_debugger.py: intro "Entering jdb:", prompt
// "(jdb) ", `p` prints the repr). The values shown are exact in float32 (quarters and differences of
// small numbers), so the transcripts do not depend on how a CPU rounds a transcendental function.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>
#include <string>

#include "jx/debug.h"
#include "jx/numpy.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;

namespace {

// Runs `body` with `commands` as standard input; returns what it printed.
template <class Body>
std::string with_input(const std::string& commands, const Body& body) {
  std::istringstream input(commands);
  std::streambuf* terminal = std::cin.rdbuf(input.rdbuf());
  testing::internal::CaptureStdout();
  body();
  std::cin.rdbuf(terminal);
  return testing::internal::GetCapturedStdout();
}

jx::Array quarter_and_shift(const jx::Array& x) {
  auto y = x / 4;
  auto z = x - 3;
  jx::debug::breakpoint({{"y", y}, {"z", z}});
  return y * z;
}

TEST(Breakpoint, PrintsTheNamedValuesUnderJitOnEveryCall) {
  const auto f = jx::jit(quarter_and_shift);
  EXPECT_EQ(with_input("p y\npp z\nnope\nz\nc\n", [&] { f(jnp::array(2.0f, jx::float32)); }),
            "Entering jdb:\n(jdb) Array(0.5, dtype=float32)\n(jdb) -1.0\n"
            "(jdb) *** NameError: name 'nope' is not defined\n(jdb) Array(-1., dtype=float32)\n(jdb) ");
  // The second call pauses again (the program was traced once).
  EXPECT_EQ(with_input("pp y\nc\n", [&] { f(jnp::array(2.0f, jx::float32)); }), "Entering jdb:\n(jdb) 0.5\n(jdb) ");
  EXPECT_EQ(f.trace_count(), 1u);
}

TEST(Breakpoint, EndOfInputContinues) {
  jx::Array out;
  const std::string printed = with_input("", [&] { out = quarter_and_shift(jnp::array(2.0f, jx::float32)); });
  EXPECT_EQ(printed, "Entering jdb:\n(jdb) \n(end of input: continuing)\n");
  EXPECT_EQ(out.item<float>(), -0.5f);  // 2 / 4 * (2 - 3)
}

TEST(Breakpoint, OnlyWhenItsBranchRuns) {
  const auto f = jx::jit([](const jx::Array& x, const jx::Array& y) {
    const jx::Array z = x / y;
    jx::lax::cond(
        jnp::all(jnp::isfinite(z)), [](const jx::Array&) {},
        [](const jx::Array& v) {
          jx::debug::breakpoint({{"z", v}});
        },
        z);
    return z;
  });
  EXPECT_EQ(with_input("p z\nc\n", [&] { f(2.0f, 1.0f); }), "");
  EXPECT_EQ(with_input("p z\nc\n", [&] { f(2.0f, 0.0f); }),
            "Entering jdb:\n(jdb) Array(inf, dtype=float32, weak_type=True)\n(jdb) ");
}

TEST(Breakpoint, UnderVmapOncePerElement) {
  const std::string printed = with_input("p x\nc\np x\nc\n", [] {
    jx::vmap([](const jx::Array& x) {
      jx::debug::breakpoint({{"x", x}});
      return x;
    })(jnp::array({1.0f, 2.0f}, jx::float32));
  });
  EXPECT_EQ(
      printed,
      "Entering jdb:\n(jdb) Array(1., dtype=float32)\n(jdb) Entering jdb:\n(jdb) Array(2., dtype=float32)\n(jdb) ");
}

TEST(Breakpoint, WhereListAndFrames) {
  const std::string printed = with_input("w\nu\nd\nh\nc\n", [] { quarter_and_shift(jnp::array(2.0f)); });
  EXPECT_NE(printed.find("Traceback:\n  File \""), std::string::npos) << printed;
  EXPECT_NE(printed.find("breakpoint_test.cpp\", line "), std::string::npos) << printed;
  EXPECT_NE(printed.find("At topmost frame.\n> "), std::string::npos) << printed;
  // The source is readable from here, so the breakpoint's own line is shown, marked.
  EXPECT_NE(printed.find("->    jx::debug::breakpoint({{\"y\", y}, {\"z\", z}});"), std::string::npos) << printed;
  EXPECT_NE(printed.find("At bottommost frame."), std::string::npos) << printed;
  EXPECT_NE(printed.find("names: y z"), std::string::npos) << printed;
}

}  // namespace
