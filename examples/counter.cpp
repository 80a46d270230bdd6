// The stateful counter of JAX's "Stateful Computations" tutorial, in jx.
//
// A jitted function is traced once and then replayed: whatever it does besides computing arrays from
// its arguments — here, incrementing a member of a captured object — happens during that one trace.
// The fix is the functional one: pass the state in and return the new state.
//
//   ./build/default/examples/counter
#include <jx/jx.h>

#include <iostream>
#include <utility>

namespace jnp = jx::numpy;

// 1. A stateful counter, and why jit breaks it.
struct Counter {
  int n = 0;
  int count() { return ++n; }
  void reset() { n = 0; }
};

// 2. Explicit state fixes it.
using CounterState = jx::Array;
struct CounterV2 {
  std::pair<jx::Array, CounterState> count(CounterState n) { return {n + 1, n + 1}; }
  CounterState reset() { return jnp::array(0); }
};

// With JX_CHECK_JIT=1 in the environment the checker is on from the start, and the impure jitted
// counter below throws jx::ImpureFunctionError at its second call: reported here, exit status 1.
int run() {
  Counter counter;
  std::cout << "Counter, called directly:\n";
  for (int i = 0; i < 3; ++i) std::cout << counter.count() << "\n";  // 1 2 3

  // The lambda runs once, while jit traces it: counter.count() returns 1 and that 1 becomes a constant
  // of the compiled program. Later calls replay the program, so they all return 1.
  counter.reset();
  auto fast_count = jx::jit([&] { return jnp::array(counter.count()); });
  std::cout << "Counter under jx::jit:\n";
  for (int i = 0; i < 3; ++i) std::cout << fast_count() << "\n";  // 1 1 1

  CounterV2 counter2;
  CounterState state = counter2.reset();
  auto fast_count2 = jx::jit([&](CounterState n) { return counter2.count(n); });
  std::cout << "CounterV2, state passed in and out, under jx::jit:\n";
  for (int i = 0; i < 3; ++i) {
    auto [value, next] = fast_count2(state);
    state = next;
    std::cout << value << "\n";  // 1 2 3
  }

  // Run-time output inside a jitted function: jx::debug::print is part of the program and runs on
  // every call (std::cout in the lambda would print once, while tracing).
  auto traced_count = jx::jit([](CounterState n) {
    jx::debug::print("  counting from {}", n);
    return n + 1;
  });
  std::cout << "jx::debug::print inside jit:\n";
  CounterState m = jnp::array(0);
  for (int i = 0; i < 3; ++i) m = traced_count(m);

  // The jit checker retraces on every call and compares the programs: a function whose program
  // changes depends on something other than its arguments. Set JX_CHECK_JIT=1 in the environment to
  // turn it on for a whole program; here it is switched on for this block only.
  std::cout << "The jit checker:\n";
  {
    auto checking = jx::config::scoped({.check_jit = true});
    counter.reset();
    auto checked_count = jx::jit([&] { return jnp::array(counter.count()); });
    checked_count();
    try {
      checked_count();
      std::cout << "  not caught\n";
    } catch (const jx::ImpureFunctionError& e) {
      std::cout << "  caught: the jitted counter is impure\n";
    }
    CounterState s = counter2.reset();
    for (int i = 0; i < 3; ++i) s = fast_count2(s).second;
    std::cout << "  CounterV2 passes: " << s << "\n";
  }
  return 0;
}

int main() {
  try {
    return run();
  } catch (const jx::Error& e) {
    std::cout.flush();
    std::cerr << "counter: " << e.what() << "\n";
    return 1;
  }
}
