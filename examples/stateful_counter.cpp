// The tutorial's counter two ways under jit: with its state in a jx::Ref that jit functionalizes, and
// with explicit state passed in and returned. Both print 1 2 3.
//
//   ./build/default/examples/stateful_counter
#include <jx/jx.h>

#include <iostream>
#include <utility>

namespace jnp = jx::numpy;

// The stateful counter, with its n in a ref instead of an int: jit turns the ref into an extra input
// and output of the compiled program and writes the new value back after each call.
struct Counter {
  jx::Ref n = jx::new_ref(jnp::array(0));
  jx::Array count() {
    n.set(n.get() + 1);
    return n.get();
  }
  void reset() { n.set(jnp::array(0)); }
};

// The explicit-state version: a pure function of the state.
using CounterState = jx::Array;
struct CounterV2 {
  std::pair<jx::Array, CounterState> count(CounterState n) { return {n + 1, n + 1}; }
  CounterState reset() { return jnp::array(0); }
};

int main() {
  Counter counter;
  auto fast_count = jx::jit([&] { return counter.count(); });
  std::cout << "Counter with a jx::Ref, under jx::jit:\n";
  for (int i = 0; i < 3; ++i) std::cout << fast_count() << "\n";  // 1 2 3

  CounterV2 counter2;
  CounterState state = counter2.reset();
  auto fast_count2 = jx::jit([&](CounterState n) { return counter2.count(n); });
  std::cout << "CounterV2, explicit state, under jx::jit:\n";
  for (int i = 0; i < 3; ++i) {
    auto [value, next] = fast_count2(state);
    state = next;
    std::cout << value << "\n";  // 1 2 3
  }
  std::cout << "traces: " << fast_count.trace_count() << " and " << fast_count2.trace_count() << "\n";
  return 0;
}
