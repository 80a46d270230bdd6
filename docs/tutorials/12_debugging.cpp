// JAX's "Introduction to debugging" (docs/debugging.md), cell by cell in jx.
//
// The page carries no stored outputs. The expected texts of the jax.debug.print cells follow the
// outputs JAX's own guide prints for the same calls (docs/debugging/print_breakpoint.md: "x: 0.0",
// "y: 0.841471", ...), with the numbers as NumPy formats a float32 scalar
// (str(np.asarray(np.sin(np.float32(1)))) is 0.841471); vmap unrolls a debug callback over the batch
// (debug_batching_rule in jax/_src/debugging.py), so each element prints a line of its own.
// Run: ./build/default/docs/tutorials/tutorial_12_debugging
#include <jx/jx.h>

#include <iostream>
#include <sstream>
#include <string>

#include "tutorial.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

// Cells 3 to 4: a function with run-time prints, mapped by vmap and by lax.map.
jx::Array print_sin(const jx::Array& x) {
  jx::debug::print("jax.debug.print(x) -> {}", x);
  auto y = jnp::sin(x);
  jx::debug::print("jax.debug.print(y) -> {}", y);
  return y;
}

// Cells 10 to 12: Python's logging.warning writes "WARNING:root:<message>" (the default format of the
// root logger) to standard error. The frame compares what a cell writes to standard output, so the
// translation writes the same line there.
void log_value(const jx::Array& x) { std::cout << "WARNING:root:Logged value: " << x << "\n"; }

const auto& logged_identity() {
  static const auto f = jx::jit([](const jx::Array& x) {
    jx::debug::callback(log_value, x);
    return x;
  });
  return f;
}

// Cells 7 and 9: the debugger reads its commands from `commands` in place of the terminal.
template <class Body>
void with_debugger_input(const std::string& commands, const Body& body) {
  std::istringstream input(commands);
  std::streambuf* terminal = std::cin.rdbuf(input.rdbuf());
  body();
  std::cin.rdbuf(terminal);
}

// Cells 8 and 9: a breakpoint that only a non-finite value reaches.
void breakpoint_if_nonfinite(const jx::Array& x) {
  lax::cond(
      jnp::all(jnp::isfinite(x)), [](const jx::Array&) {},
      [](const jx::Array& v) {
        jx::debug::breakpoint({{"x", v}});
      },
      x);
}

const auto& divide_and_check() {
  static const auto f = jx::jit([](const jx::Array& x, const jx::Array& y) {
    auto z = x / y;
    breakpoint_if_nonfinite(z);
    return z;
  });
  return f;
}

int main() {
  tutorial::Tutorial t("Introduction to debugging", "docs/debugging.md", 12);

  // Python's print inside jit runs while tracing and shows tracers. The text is what JAX's HEAD
  // prints for a weak float32[] tracer (JitTracer._short_repr).
  t.cell("print(x) -> JitTracer(~float32[])\nprint(y) -> JitTracer(~float32[])", [] {
    auto f = jx::jit([](const jx::Array& x) {
      std::cout << "print(x) -> " << x << "\n";
      auto y = jnp::sin(x);
      std::cout << "print(y) -> " << y << "\n";
      return y;
    });
    auto result = f(2.);
  });

  // jax.debug.print runs with the program and shows values. Python's named field {x} is a
  // positional {} in jx's format strings.
  t.cell("jax.debug.print(x) -> 2.0\njax.debug.print(y) -> 0.9092974", [] {
    auto f = jx::jit([](const jx::Array& x) {
      jx::debug::print("jax.debug.print(x) -> {}", x);
      auto y = jnp::sin(x);
      jx::debug::print("jax.debug.print(y) -> {}", y);
      return y;
    });
    auto result = f(2.);
  });

  // Under vmap every print runs once per element, all the x's before all the y's.
  t.cell(R"(jax.debug.print(x) -> 0.0
jax.debug.print(x) -> 1.0
jax.debug.print(x) -> 2.0
jax.debug.print(y) -> 0.0
jax.debug.print(y) -> 0.841471
jax.debug.print(y) -> 0.9092974)",
         [] {
           auto xs = jnp::arange(3.);
           auto result = jx::vmap(print_sin)(xs);
         });

  // lax.map runs the function element after element, so x and y alternate.
  t.cell(R"(jax.debug.print(x) -> 0.0
jax.debug.print(y) -> 0.0
jax.debug.print(x) -> 1.0
jax.debug.print(y) -> 0.841471
jax.debug.print(x) -> 2.0
jax.debug.print(y) -> 0.9092974)",
         [] {
           auto xs = jnp::arange(3.);
           auto result = lax::map(print_sin, xs);
         });

  // Under grad only the forward pass prints.
  t.cell("jax.debug.print(x) -> 1.0", [] {
    auto f = [](const jx::Array& x) {
      jx::debug::print("jax.debug.print(x) -> {}", x);
      return jnp::power(x, 2);
    };
    auto result = jx::grad(f)(1.);
  });

  // ordered=True: jx runs every debug effect in program order, so its print has no such option.
  t.cell("jax.debug.print(x) -> 1\njax.debug.print(y) -> 2\nArray(3, dtype=int32, weak_type=True)", [] {
    auto f = jx::jit([](const jx::Array& x, const jx::Array& y) {
      jx::debug::print("jax.debug.print(x) -> {}", x);
      jx::debug::print("jax.debug.print(y) -> {}", y);
      return x + y;
    });
    std::cout << jx::repr(f(1, 2)) << "\n";
  });

  // An interactive debugger session. JAX's docs do not run it (it waits for a person); here the
  // commands come from a string in place of the terminal. The session's text follows JAX's jdb
  // (jax/_src/debugger/cli_debugger.py: "Entering jdb:", the "(jdb) " prompt, `p` prints the repr);
  // the values are NumPy's: np.float32(np.sin(2.0)) = 0.9092974, np.float32(np.cos(2.0)) =
  // -0.41614684, and their float32 product -0.37840125. C++ has no frame to look into, so the
  // breakpoint is given the values it shows, by name.
  t.cell(R"(Entering jdb:
(jdb) Array(0.9092974, dtype=float32, weak_type=True)
(jdb) Array(-0.41614684, dtype=float32, weak_type=True)
(jdb) Array(-0.37840125, dtype=float32, weak_type=True))",
         [] {
           auto f = jx::jit([](const jx::Array& x) {
             auto y = jnp::sin(x);
             auto z = jnp::cos(x);
             jx::debug::breakpoint({{"y", y}, {"z", z}});
             return y * z;
           });
           with_debugger_input("p y\np z\nc\n", [&] { std::cout << jx::repr(f(2.)) << "\n"; });
         });

  // A breakpoint in the false branch of a lax.cond; with finite values it is never reached. (JAX's
  // true_fn `pass` is a branch that returns nothing.)
  t.cell("Array(2., dtype=float32, weak_type=True)",
         [] { with_debugger_input("c\n", [] { std::cout << jx::repr(divide_and_check()(2., 1.)) << "\n"; }); });

  // The same with a division by zero: the breakpoint is reached, and z is inf.
  t.cell(R"(Entering jdb:
(jdb) Array(inf, dtype=float32, weak_type=True)
(jdb) Array(inf, dtype=float32, weak_type=True))",
         [] { with_debugger_input("p x\nc\n", [] { std::cout << jx::repr(divide_and_check()(2., 0.)) << "\n"; }); });

  // jax.debug.callback calls a host function with the run-time values; `f(1.0);` shows no result.
  t.cell("WARNING:root:Logged value: 1.0", [] { logged_identity()(1.0); });

  // Under vmap the callback runs once per element.
  t.cell(R"(WARNING:root:Logged value: 0.0
WARNING:root:Logged value: 1.0
WARNING:root:Logged value: 2.0
WARNING:root:Logged value: 3.0
WARNING:root:Logged value: 4.0)",
         [] {
           auto x = jnp::arange(5.0);
           jx::vmap(logged_identity())(x);
         });

  // Under grad it runs on the forward pass only.
  t.cell("WARNING:root:Logged value: 1.0", [] { jx::grad(logged_identity())(1.0); });

  return t.finish();
}
