// JAX's "Stateful computations" tutorial (docs/stateful-computations.md), cell by cell in jx.
//
// What JAX's documentation prints for each cell is quoted next to it; the frame (tutorial.h) checks
// that jx prints the same. Run: ./build/default/docs/tutorials/tutorial_11_stateful_computations
//
// The expected text comes from the executed notebook of this page
// (shared/reference/jax-stateful-computations.ipynb, also docs/jax-101/07-state.ipynb at 10ed827fe9^).
// examples/counter.cpp and examples/linear_regression.cpp are the same two programs as stand-alone
// examples, the second one with the plot drawn.
#include <jx/jx.h>

#include <iostream>
#include <stdexcept>
#include <utility>

#include "tutorial.h"

namespace jnp = jx::numpy;

namespace {

// Cell 1: a counter that keeps its state in a member and changes it as a side effect.
struct Counter {
  int n = 0;
  // Increments the counter and returns the new value.
  int count() { return ++n; }
  // Resets the counter to zero.
  void reset() { n = 0; }
};

// Cell 3: the state made explicit. JAX's CounterState is a Python int, which jit traces as a weakly
// typed int32 scalar; in jx it is that array from the start (jnp::array(0) is weakly typed too).
using CounterState = jx::Array;
struct CounterV2 {
  // Returns (value, new state); both are n + 1, kept apart to show the two roles.
  std::pair<jx::Array, CounterState> count(const CounterState& n) const { return {n + 1, n + 1}; }
  CounterState reset() const { return jnp::array(0); }
};

// Cell 5: linear regression's parameters, a pytree (JAX's NamedTuple).
struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);

// Returns the initial model params.
Params init(const jx::Key& rng) {
  auto [weights_key, bias_key] = jx::random::split(rng);
  auto weight = jx::random::normal(weights_key, {});
  auto bias = jx::random::normal(bias_key, {});
  return {weight, bias};
}

// The least squares error of the model's predictions on x against y.
jx::Array loss(const Params& params, const jx::Array& x, const jx::Array& y) {
  auto pred = params.weight * x + params.bias;
  return jnp::mean(jnp::power(pred - y, 2));
}

constexpr double LEARNING_RATE = 0.005;

// One SGD step; the parameters go in and come out, nothing is kept. (A stateful optimizer's state
// would be threaded through the same way.) JAX's @jax.jit decorator: a jitted function object.
const auto update = jx::jit([](const Params& params, const jx::Array& x, const jx::Array& y) {
  Params grad = jx::grad(loss)(params, x, y);
  return jx::tree::map([](const jx::Array& param, const jx::Array& g) { return param - g * LEARNING_RATE; }, params,
                       grad);
});

}  // namespace

int main() {
  tutorial::Tutorial t("Stateful computations", "docs/stateful-computations.md", 6);

  // The counter works when called directly.
  Counter counter;
  t.cell(R"(1
2
3)",
         [&] {
           for (int i = 0; i < 3; ++i) std::cout << counter.count() << "\n";
         });

  // Under jit the increment runs once, while tracing: count() returns 1, which becomes a constant of
  // the compiled program, and every later call replays that program.
  t.cell(R"(1
1
1)",
         [&] {
           counter.reset();
           auto fast_count = jx::jit([&] { return jnp::array(counter.count()); });
           for (int i = 0; i < 3; ++i) std::cout << fast_count() << "\n";
         });

  // The explicit-state counter, called directly.
  CounterV2 counter2;
  t.cell(R"(1
2
3)",
         [&] {
           CounterState state = counter2.reset();
           for (int i = 0; i < 3; ++i) {
             auto [value, next] = counter2.count(state);
             state = next;
             std::cout << value << "\n";
           }
         });

  // ... and jitted: the state is an argument now, so the compiled program counts.
  t.cell(R"(1
2
3)",
         [&] {
           CounterState state = counter2.reset();
           auto fast_count = jx::jit([&](const CounterState& n) { return counter2.count(n); });
           for (int i = 0; i < 3; ++i) {
             auto [value, next] = fast_count(state);
             state = next;
             std::cout << value << "\n";
           }
         });

  // Params, init, loss and update are defined above main.
  t.cell("", [] {});

  // Data from y = 2x - 1 + noise, then 1000 update steps threading the parameters through. JAX's cell
  // ends by drawing a matplotlib scatter plot with the fitted line, which prints no text (the `;`
  // hides the legend's repr); plotting is not jx's, so the translation stops at the fit
  // (examples/linear_regression.cpp draws the plot). The key `rng` is split for the data and again in
  // init, as in JAX.
  t.cell("", [] {
    auto rng = jx::random::key(42);
    const int true_w = 2, true_b = -1;
    auto [x_rng, noise_rng] = jx::random::split(rng);
    auto xs = jx::random::normal(x_rng, {128, 1});
    auto noise = jx::random::normal(noise_rng, {128, 1}) * 0.5;
    auto ys = xs * true_w + true_b + noise;

    Params params = init(rng);
    for (int i = 0; i < 1000; ++i) params = update(params, xs, ys);

    // JAX shows the fit only as a picture. The same 1000 steps done in NumPy float32 on these xs, ys
    // and initial params (w -= 0.005 * mean(2 * r * xs), b -= 0.005 * mean(2 * r), r = w * xs + b - ys)
    // end at w = 1.9722791, b = -1.0331397; a silent check, since the cell prints nothing.
    const bool fitted = jnp::allclose(params.weight, jnp::array(1.9722791f)).item<bool>() &&
                        jnp::allclose(params.bias, jnp::array(-1.0331397f)).item<bool>();
    if (!fitted) throw std::runtime_error("the fitted parameters differ from NumPy's");
  });

  return t.finish();
}
