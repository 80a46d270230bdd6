// Control flow: results against plain C++ loops and conditionals, eagerly and under jit; structure
// checks; closures over outer values.
#include "jx/transforms/control_flow.h"

#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>
#include <vector>

#include "error_expectations.h"
#include "jx/core/error.h"
#include "jx/debug.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

using jx_test::error_message;
using jx_test::expect_contains;

jx::Array absolute(const jx::Array& x) {
  return lax::cond(
      x > 0, [](const jx::Array& v) { return v; }, [](const jx::Array& v) { return -v; }, x);
}

TEST(ControlFlow, CondEagerAndJitted) {
  EXPECT_EQ(absolute(jnp::array(3.0f)).item<float>(), 3.0f);
  EXPECT_EQ(absolute(jnp::array(-2.0f)).item<float>(), 2.0f);
  auto f = jx::jit(absolute);
  EXPECT_EQ(f(jnp::array(-5.0f)).item<float>(), 5.0f);
  EXPECT_EQ(f(jnp::array(4.0f)).item<float>(), 4.0f);
  EXPECT_EQ(f.trace_count(), 1u);
}

TEST(ControlFlow, SwitchClampsTheIndexAndClosesOverValues) {
  const jx::Array scale = jnp::array(10.0f);
  auto f = [&](const jx::Array& i, const jx::Array& x) {
    return lax::switch_(
        i,
        std::tuple{[](const jx::Array& v) { return v + 1; }, [&](const jx::Array& v) { return v * scale; },
                   [](const jx::Array& v) { return v * v; }},
        x);
  };
  const float expected[] = {3, 20, 4, 4, 3};
  const int indices[] = {0, 1, 2, 7, -3};
  auto jitted = jx::jit(f);
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(f(jnp::array(indices[k]), jnp::array(2.0f)).item<float>(), expected[k]) << indices[k];
    EXPECT_EQ(jitted(jnp::array(indices[k]), jnp::array(2.0f)).item<float>(), expected[k]) << indices[k];
  }
}

TEST(ControlFlow, MismatchedBranchesShowBothStructures) {
  try {
    lax::cond(
        jnp::array(true), [](const jx::Array& v) { return v; },
        [](const jx::Array& v) {
          return std::pair{v, v};
        },
        jnp::array(1.0f));
    FAIL();
  } catch (const jx::TypeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("PyTreeDef(*)"), std::string::npos) << message;
    EXPECT_NE(message.find("PyTreeDef((*, *))"), std::string::npos) << message;
  }
  EXPECT_THROW(lax::cond(
                   jnp::array(true), [](const jx::Array& v) { return v; },
                   [](const jx::Array& v) { return v.astype(jx::int32); }, jnp::array(1.0f)),
               jx::TypeError);
}

TEST(ControlFlow, WhileLoopMatchesACppLoop) {
  // Collatz steps of 27.
  auto steps = [](const jx::Array& n0) {
    using State = std::pair<jx::Array, jx::Array>;
    const State end =
        lax::while_loop([](const State& s) { return s.first != 1; },
                        [](const State& s) {
                          const jx::Array n = s.first;
                          return State{jnp::where(n % 2 == 0, n / 2, 3 * n + 1).astype(jx::int32), s.second + 1};
                        },
                        State{n0, jnp::array(0)});
    return end.second;
  };
  int n = 27, count = 0;
  while (n != 1) {
    n = n % 2 == 0 ? n / 2 : 3 * n + 1;
    ++count;
  }
  EXPECT_EQ(steps(jnp::array(27)).item<int>(), count);
  EXPECT_EQ(jx::jit(steps)(jnp::array(27)).item<int>(), count);
}

TEST(ControlFlow, ForiLoopStaticAndTracedBounds) {
  auto body = [](const jx::Array& i, const jx::Array& acc) { return acc + i * i; };
  EXPECT_EQ(lax::fori_loop(0, 10, body, jnp::array(0)).item<int>(), 285);
  EXPECT_EQ(jx::jit([&](const jx::Array& x) { return lax::fori_loop(0, 10, body, x); })(jnp::array(1)).item<int>(),
            286);
  EXPECT_EQ(lax::fori_loop(jnp::array(2), jnp::array(5), body, jnp::array(0)).item<int>(), 4 + 9 + 16);
  EXPECT_EQ(jx::jit([&](const jx::Array& hi) { return lax::fori_loop(jnp::array(0), hi, body, jnp::array(0)); })(
                jnp::array(4))
                .item<int>(),
            14);
}

// Branches that only have effects return nothing, as JAX's branches that return None.
TEST(ControlFlow, CondBranchesWithoutResults) {
  std::vector<float> seen;
  const auto report_if_negative = [&](const jx::Array& x) {
    lax::cond(
        x < 0,
        [&](const jx::Array& v) {
          jx::debug::callback([&](const jx::Array& c) { seen.push_back(c.item<float>()); }, v);
        },
        [](const jx::Array&) {}, x);
    return x * 2;
  };
  const auto f = jx::jit(report_if_negative);
  EXPECT_FLOAT_EQ(f(jnp::array(3.0f)).item<float>(), 6.0f);
  EXPECT_FLOAT_EQ(f(jnp::array(-1.5f)).item<float>(), -3.0f);
  report_if_negative(jnp::array(-4.0f));
  EXPECT_EQ(seen, (std::vector<float>{-1.5f, -4.0f}));
  static_assert(std::is_void_v<decltype(lax::cond(
                    jnp::array(true), [](const jx::Array&) {}, [](const jx::Array&) {}, jnp::array(1.0f)))>);
}

// With static bounds the index is weakly typed, as JAX's Python-int bounds make it: the result stays
// weak with a weak initial value (JAX's control-flow tutorial prints Array(45, dtype=int32,
// weak_type=True)) and takes a strong carry's dtype.
TEST(ControlFlow, ForiLoopStaticIndexIsWeak) {
  auto add_index = [](const jx::Array& i, const jx::Array& x) { return x + i; };
  const jx::Array weak = lax::fori_loop(0, 10, add_index, 0);
  EXPECT_EQ(weak.item<int>(), 45);
  EXPECT_TRUE(weak.weak_type());
  EXPECT_EQ(weak.dtype(), jx::int32);
  const jx::Array strong = lax::fori_loop(0, 10, add_index, jnp::array(0, jx::int16));
  EXPECT_FALSE(strong.weak_type());
  EXPECT_EQ(strong.dtype(), jx::int16);
  EXPECT_EQ(lax::fori_loop(0, 4, add_index, jnp::array(0.5f, jx::float32)).item<float>(), 6.5f);
}

TEST(ControlFlow, ScanMatchesACppLoop) {
  const jx::Array xs = jnp::array({1.0f, 2.0f, 3.0f, 4.0f});
  auto cumulative = [](const jx::Array& carry, const jx::Array& x) { return std::pair{carry + x, carry * x}; };
  auto [total, ys] = lax::scan(cumulative, jnp::array(0.0f), xs);
  EXPECT_EQ(total.item<float>(), 10.0f);
  EXPECT_EQ(ys.to_vector<float>(), (std::vector<float>{0, 2, 9, 24}));
  auto [rtotal, rys] = lax::scan(cumulative, jnp::array(0.0f), xs, {.reverse = true});
  EXPECT_EQ(rtotal.item<float>(), 10.0f);
  EXPECT_EQ(rys.to_vector<float>(), (std::vector<float>{9, 14, 12, 0}));  // ys in input order
  auto jitted = jx::jit([&](const jx::Array& v) { return lax::scan(cumulative, jnp::array(0.0f), v).second; });
  EXPECT_EQ(jitted(xs).to_vector<float>(), (std::vector<float>{0, 2, 9, 24}));
  // A pytree carry and a matrix of xs.
  using Carry = std::pair<jx::Array, jx::Array>;
  auto [carry, rows] = lax::scan(
      [](const Carry& c, const jx::Array& row) {
        return std::pair{Carry{c.first + jnp::sum(row), c.second * 2}, row * 2};
      },
      Carry{jnp::array(0.0f), jnp::array(1.0f)}, jnp::arange(6.0f).reshape({3, 2}));
  EXPECT_EQ(carry.first.item<float>(), 15.0f);
  EXPECT_EQ(carry.second.item<float>(), 8.0f);
  EXPECT_EQ(rows.shape(), jx::Shape({3, 2}));
  EXPECT_EQ(lax::map([](const jx::Array& x) { return x * x; }, xs).to_vector<float>(),
            (std::vector<float>{1, 4, 9, 16}));
}

TEST(ControlFlow, ScanCarryTypeMustNotChange) {
  EXPECT_THROW(lax::scan(
                   [](const jx::Array& c, const jx::Array& x) {
                     return std::pair{(c + x).astype(jx::int32), x};
                   },
                   jnp::array(0.0f), jnp::ones({3})),
               jx::TypeError);
}

TEST(ControlFlow, TheProgramHoldsSubPrograms) {
  const jx::Program p = jx::make_jaxpr(absolute)(jnp::array(1.0f));
  EXPECT_EQ(p.count("cond"), 1);
  EXPECT_NE(p.to_string().find("neg"), std::string::npos) << p;
}

}  // namespace

#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jacobian.h"
#include "jx/transforms/vmap.h"

namespace {

using jx::test::check_grads;

TEST(ControlFlowDerivatives, CondToSecondOrder) {
  auto f = [](const jx::Array& x, const jx::Array& y) {
    return lax::cond(
        jnp::sum(x) > 0, [&](const jx::Array& a) { return jnp::sin(a) * y; },
        [&](const jx::Array& a) { return a * a * y; }, x);
  };
  check_grads(f, {jnp::array({0.5f, 0.25f}), jnp::array({2.0f, -1.0f})}, 2);
  check_grads(f, {jnp::array({-0.5f, 0.25f}), jnp::array({2.0f, -1.0f})}, 2);
  EXPECT_NEAR(jx::grad([&](const jx::Array& x) { return jnp::sum(f(x, jnp::ones({2}))); })(jnp::array({-0.5f, 0.25f}))
                  .to_vector<float>()[0],
              -1.0f, 1e-6);
}

TEST(ControlFlowDerivatives, ScanToSecondOrder) {
  // A small recurrent cell: h <- tanh(w * h + x).
  auto rnn = [](const jx::Array& w, const jx::Array& xs) {
    auto [h, hs] = lax::scan(
        [&](const jx::Array& state, const jx::Array& x) {
          const jx::Array next = jnp::tanh(w * state + x);
          return std::pair{next, next * next};
        },
        jnp::array(0.1), xs);
    return h + jnp::sum(hs);
  };
  check_grads(rnn, {jnp::array(0.7), jnp::array({0.5, -0.3, 0.2, 0.9})}, 2);
  auto reversed = [](const jx::Array& w, const jx::Array& xs) {
    return lax::scan(
               [&](const jx::Array& c, const jx::Array& x) {
                 return std::pair{c * w + x, c};
               },
               jnp::array(1.0), xs, {.reverse = true})
        .first;
  };
  check_grads(reversed, {jnp::array(0.5), jnp::array({1.0, 2.0, 3.0})}, 2);
}

TEST(ControlFlowDerivatives, ForiLoopWithStaticBoundsIsReverseDifferentiable) {
  auto power = [](const jx::Array& x) {
    return lax::fori_loop(
        0, 5, [&](const jx::Array&, const jx::Array& acc) { return acc * x; }, jnp::array(1.0f));
  };
  EXPECT_NEAR(jx::grad(power)(jnp::array(2.0f)).item<float>(), 5 * 16.0f, 1e-4);
  EXPECT_NEAR(jx::jit(jx::grad(power))(jnp::array(2.0f)).item<float>(), 80.0f, 1e-4);
  EXPECT_NEAR(jx::grad(jx::grad(power))(jnp::array(2.0f)).item<float>(), 20 * 8.0f, 1e-3);
}

TEST(ControlFlowDerivatives, WhileLoopForwardModeAndTheReverseModeError) {
  // x doubled until it exceeds 10: y = x * 2^k with k fixed near x, so dy/dx = 2^k.
  auto f = [](const jx::Array& x) {
    return lax::while_loop([](const jx::Array& v) { return v < 10.0f; }, [](const jx::Array& v) { return v * 2.0f; },
                           x);
  };
  auto [y, t] = jx::jvp(f, std::tuple{jnp::array(3.0f)}, std::tuple{jnp::array(1.0f)});
  EXPECT_EQ(y.item<float>(), 12.0f);
  EXPECT_EQ(t.item<float>(), 4.0f);
  try {
    jx::grad(f)(jnp::array(3.0f));
    FAIL();
  } catch (const jx::TypeError& e) {
    EXPECT_NE(std::string(e.what()).find("reverse-mode differentiation does not work for lax::while_loop"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(jx::jacfwd(f)(jnp::array(3.0f)).item<float>(), 4.0f);
}

TEST(ControlFlowBatching, BatchedPredicatesAndLoops) {
  const jx::Array xs = jnp::array({-2.0f, 3.0f, -1.0f});
  EXPECT_EQ(jx::vmap(absolute)(xs).to_vector<float>(), (std::vector<float>{2, 3, 1}));
  // Each example doubles until it passes 10: different trip counts.
  auto until = [](const jx::Array& x) {
    return lax::while_loop([](const jx::Array& v) { return v < 10.0f; }, [](const jx::Array& v) { return v * 2.0f; },
                           x);
  };
  EXPECT_EQ(jx::vmap(until)(jnp::array({1.0f, 3.0f, 11.0f})).to_vector<float>(), (std::vector<float>{16, 12, 11}));
  EXPECT_EQ(jx::jit(jx::vmap(until))(jnp::array({1.0f, 3.0f, 11.0f})).to_vector<float>(),
            (std::vector<float>{16, 12, 11}));
  // Batched scans: per-row running sums, and a shared weight with batched inputs.
  auto running = [](const jx::Array& row) {
    return lax::scan(
               [](const jx::Array& c, const jx::Array& x) {
                 return std::pair{c + x, c + x};
               },
               jnp::array(0.0f), row)
        .second;
  };
  const jx::Array m = jnp::arange(6.0f).reshape({2, 3});
  EXPECT_EQ(jx::vmap(running)(m).to_vector<float>(), (std::vector<float>{0, 1, 3, 3, 7, 12}));
  EXPECT_EQ(jx::vmap(running, {.in_axes = {1}, .out_axes = 1})(m.transpose()).to_vector<float>(),
            (std::vector<float>{0, 3, 1, 7, 3, 12}));
  // Per-example gradients through a scan.
  auto loss = [](const jx::Array& w, const jx::Array& x) {
    return lax::scan(
               [&](const jx::Array& c, const jx::Array& v) {
                 return std::pair{c * w + v, v};
               },
               jnp::array(0.0f), x)
        .first;
  };
  const jx::Array g = jx::vmap(jx::grad(loss), {.in_axes = {std::nullopt, 0}})(
      jnp::array(2.0f), jnp::array({{1.0f, 1.0f}, {3.0f, 0.0f}}));
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{1, 3}));  // d/dw (w x0 + x1) = x0
}

}  // namespace

// --- switch_: derivatives and batching; structure errors; fori_loop derivatives; scan's unroll ------

namespace {

void expect_near(const jx::Array& actual, const jx::Array& expected, double tolerance, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], e[i], tolerance) << what << " at " << i;
}

// Three differentiable branches of two operands; the middle one also closes over the outer x.
jx::Array three_way(const jx::Array& index, const jx::Array& x, const jx::Array& y) {
  return lax::switch_(index,
                      std::tuple{[](const jx::Array& a, const jx::Array& b) { return jnp::sin(a) * b; },
                                 [&](const jx::Array& a, const jx::Array& b) { return a * a * b + x; },
                                 [](const jx::Array& a, const jx::Array& b) { return jnp::exp(a * 0.5) - b * b; }},
                      x, y);
}

TEST(SwitchDerivatives, StaticIndexToSecondOrder) {
  const jx::Array x = jnp::array({0.5, -0.25}), y = jnp::array({2.0, -1.0});
  for (int k : {0, 1, 2, 5, -1}) {
    SCOPED_TRACE(k);
    check_grads([k](const jx::Array& a, const jx::Array& b) { return three_way(jnp::array(k), a, b); }, {x, y}, 2);
  }
  // Against the closed forms of d/dx sum(branch k): cos(x) y, 2 x y + 1, exp(x / 2) / 2.
  auto gradient = [&](int k) {
    return jx::grad([k](const jx::Array& a, const jx::Array& b) { return jnp::sum(three_way(jnp::array(k), a, b)); })(
        x, y);
  };
  expect_near(gradient(0), jnp::cos(x) * y, 1e-6, "branch 0");
  expect_near(gradient(1), 2 * x * y + 1, 1e-6, "branch 1");
  expect_near(gradient(2), jnp::exp(x * 0.5) * 0.5, 1e-6, "branch 2");
  expect_near(gradient(9), jnp::exp(x * 0.5) * 0.5, 1e-6, "index clamped to 2");
  // Forward mode of the same: jvp along ones.
  auto [value, tangent] = jx::jvp([](const jx::Array& a) { return three_way(jnp::array(1), a, jnp::ones({2})); },
                                  std::tuple{x}, std::tuple{jnp::ones({2})});
  expect_near(value, x * x + x, 1e-6, "jvp value");
  expect_near(tangent, 2 * x + 1, 1e-6, "jvp tangent");
}

TEST(SwitchDerivatives, TracedIndexToSecondOrder) {
  // The index computed from an operand: a traced, non-differentiable value under jvp and linearize.
  auto by_value = [](const jx::Array& x, const jx::Array& y) {
    return three_way(jnp::floor(jnp::sum(x) + 1.5).astype(jx::int32), x, y);
  };
  const jx::Array y = jnp::array({2.0, -1.0});
  check_grads(by_value, {jnp::array({-1.0, -0.25}), y}, 2);  // index 0
  check_grads(by_value, {jnp::array({0.5, -0.25}), y}, 2);   // index 1
  check_grads(by_value, {jnp::array({1.0, 1.25}), y}, 2);    // index 3, clamped to 2
  // The index an argument of a jitted function: the staged switch is differentiated as a program.
  const auto jitted = jx::jit(three_way);
  for (int k : {0, 1, 2}) {
    SCOPED_TRACE(k);
    check_grads([&](const jx::Array& a, const jx::Array& b) { return jitted(jnp::array(k), a, b); },
                {jnp::array({0.5, -0.25}), y}, 2);
    const jx::Array g =
        jx::grad([&](const jx::Array& a) { return jnp::sum(jitted(jnp::array(k), a, y)); })(jnp::array({0.5f, -0.25f}));
    const jx::Array expected = jx::grad([&](const jx::Array& a) {
      return jnp::sum(three_way(jnp::array(k), a, y.astype(jx::float32)));
    })(jnp::array({0.5f, -0.25f}));
    expect_near(g, expected, 1e-6, "jit against eager");
  }
  // Under jit, the grad of a switch on a traced index, to second order.
  auto cube_or_sine = [](const jx::Array& i, const jx::Array& a) {
    return lax::switch_(
        i, std::tuple{[](const jx::Array& v) { return v * v * v; }, [](const jx::Array& v) { return jnp::sin(v); }}, a);
  };
  auto second = jx::jit(jx::grad(jx::grad(cube_or_sine, jx::argnums<1>), jx::argnums<1>));
  EXPECT_NEAR(second(jnp::array(0), jnp::array(2.0f)).item<float>(), 12.0f, 1e-5);
  EXPECT_NEAR(second(jnp::array(1), jnp::array(2.0f)).item<float>(), -std::sin(2.0f), 1e-6);
}

TEST(SwitchBatching, EachExampleTakesItsOwnBranch) {
  const std::vector<int> index_values = {0, 1, 2, 7, -3, 1};
  const jx::Array indices = jnp::array(index_values);
  const jx::Array xs = jnp::arange(12.0f).reshape({6, 2}) * 0.25f - 1.0f;
  const jx::Array ys = jnp::arange(12.0f).reshape({6, 2}) * -0.5f + 2.0f;
  std::vector<jx::Array> loop;
  for (int b = 0; b < 6; ++b)
    loop.push_back(three_way(jnp::array(index_values[static_cast<std::size_t>(b)]), xs[b], ys[b]));
  const jx::Array expected = jnp::stack(loop);
  expect_near(jx::vmap(three_way)(indices, xs, ys), expected, 1e-6, "vmap");
  expect_near(jx::jit(jx::vmap(three_way))(indices, xs, ys), expected, 1e-6, "jit(vmap)");
  // Plain C++ for example 1 (branch 1: x^2 y + x) and example 3 (index 7, clamped to branch 2).
  const auto x = xs.to_vector<float>(), y = ys.to_vector<float>();
  const auto got = jx::vmap(three_way)(indices, xs, ys).to_vector<float>();
  EXPECT_NEAR(got[2], x[2] * x[2] * y[2] + x[2], 1e-6);
  EXPECT_NEAR(got[6], std::exp(x[6] * 0.5f) - y[6] * y[6], 1e-6);
  EXPECT_NEAR(got[8], std::sin(x[8]) * y[8], 1e-6);  // index -3, clamped to branch 0
  // Batch axes elsewhere: operands mapped on their last axis, outputs on axis 1.
  expect_near(jx::vmap(three_way, {.in_axes = {0, 1, 1}, .out_axes = 1})(indices, xs.transpose(), ys.transpose()),
              jnp::stack(loop, 1), 1e-6, "operands on axis 1");
  // A batched index with shared operands, and a shared index with batched operands.
  const jx::Array x0 = jnp::array({0.5f, -0.25f}), y0 = jnp::array({2.0f, -1.0f});
  std::vector<jx::Array> shared;
  for (int b = 0; b < 6; ++b)
    shared.push_back(three_way(jnp::array(index_values[static_cast<std::size_t>(b)]), x0, y0));
  expect_near(jx::vmap(three_way, {.in_axes = {0, std::nullopt, std::nullopt}})(indices, x0, y0), jnp::stack(shared),
              1e-6, "shared operands");
  std::vector<jx::Array> one_branch;
  for (int b = 0; b < 6; ++b) one_branch.push_back(three_way(jnp::array(2), xs[b], ys[b]));
  expect_near(jx::vmap(three_way, {.in_axes = {std::nullopt, 0, 0}})(jnp::array(2), xs, ys), jnp::stack(one_branch),
              1e-6, "shared index");
  // Branches whose outputs do not depend on the batch, and a pytree result.
  auto constant_or_pair = [](const jx::Array& i, const jx::Array& v) {
    return lax::switch_(i,
                        std::tuple{[](const jx::Array&) {
                                     return std::pair{jnp::array(-1.0f), jnp::array(0)};
                                   },
                                   [](const jx::Array& a) {
                                     return std::pair{a * 2, jnp::array(1)};
                                   },
                                   [](const jx::Array& a) {
                                     return std::pair{a * a, jnp::array(2)};
                                   }},
                        v);
  };
  const auto [values, branches] = jx::vmap(constant_or_pair, {.in_axes = {0, std::nullopt}})(indices, jnp::array(3.0f));
  EXPECT_EQ(values.to_vector<float>(), (std::vector<float>{-1, 6, 9, 9, -1, 6}));
  EXPECT_EQ(branches.to_vector<int>(), (std::vector<int>{0, 1, 2, 2, 0, 1}));
}

TEST(SwitchBatching, PerExampleGradientsThroughPerExampleBranches) {
  const std::vector<int> index_values = {2, 0, 1, 1};
  const jx::Array indices = jnp::array(index_values);
  const jx::Array xs = jnp::arange(8.0f).reshape({4, 2}) * 0.2f - 0.7f, ys = jnp::ones({4, 2}) * 1.5f;
  auto loss = [](const jx::Array& i, const jx::Array& x, const jx::Array& y) { return jnp::sum(three_way(i, x, y)); };
  const jx::Array g = jx::vmap(jx::grad(loss, jx::argnums<1>))(indices, xs, ys);
  const jx::Array gj = jx::jit(jx::vmap(jx::grad(loss, jx::argnums<1>)))(indices, xs, ys);
  std::vector<jx::Array> loop;
  for (int b = 0; b < 4; ++b)
    loop.push_back(jx::grad(loss, jx::argnums<1>)(jnp::array(index_values[static_cast<std::size_t>(b)]), xs[b], ys[b]));
  expect_near(g, jnp::stack(loop), 1e-6, "vmap(grad)");
  expect_near(gj, jnp::stack(loop), 1e-6, "jit(vmap(grad))");
  // Forward mode under vmap: jacfwd per example.
  const jx::Array jf = jx::vmap([](const jx::Array& i, const jx::Array& x) {
    return jx::jacfwd([&](const jx::Array& a) { return three_way(i, a, jnp::ones({2})); })(x);
  })(indices, xs);
  ASSERT_EQ(jf.shape(), jx::Shape({4, 2, 2}));
  const auto j = jf.to_vector<float>(), x = xs.to_vector<float>();
  // Example 2 takes branch 1: d(x^2 + x)/dx = diag(2x + 1).
  EXPECT_NEAR(j[8], 2 * x[4] + 1, 1e-6);
  EXPECT_NEAR(j[9], 0.0f, 1e-6);
  EXPECT_NEAR(j[11], 2 * x[5] + 1, 1e-6);
}

TEST(ControlFlow, SwitchBranchesMustAgree) {
  const jx::Array x = jnp::array(1.0f, jx::float32);
  // Another structure.
  std::string message = error_message<jx::TypeError>([&] {
    lax::switch_(jnp::array(0),
                 std::tuple{[](const jx::Array& v) { return v; }, [](const jx::Array& v) { return v; },
                            [](const jx::Array& v) {
                              return std::pair{v, v};
                            }},
                 x);
  });
  expect_contains(message, "branch 0 returns PyTreeDef(*)");
  expect_contains(message, "branch 2 returns PyTreeDef((*, *))");
  // Another dtype.
  message = error_message<jx::TypeError>([&] {
    lax::switch_(
        jnp::array(1),
        std::tuple{[](const jx::Array& v) { return v; }, [](const jx::Array& v) { return v.astype(jx::int32); }}, x);
  });
  expect_contains(message, "branch 0 returns PyTreeDef(*) with leaves (f32[])");
  expect_contains(message, "branch 1 returns PyTreeDef(*) with leaves (i32[])");
  // Another shape, under jit and vmap too.
  auto shapes = [](const jx::Array& i, const jx::Array& v) {
    return lax::switch_(i,
                        std::tuple{[](const jx::Array& a) { return a; },
                                   [](const jx::Array& a) {
                                     return jnp::stack({a, a});
                                   }},
                        v);
  };
  message = error_message<jx::TypeError>([&] { jx::jit(shapes)(jnp::array(0), x); });
  expect_contains(message, "(f32[])");
  expect_contains(message, "(f32[2])");
  EXPECT_THROW(jx::vmap(shapes)(jnp::array({0, 1}), jnp::ones({2})), jx::TypeError);
  // The index must be an integer or boolean scalar.
  EXPECT_THROW(three_way(jnp::array(1.0f), x, x), jx::TypeError);
  EXPECT_THROW(three_way(jnp::array({0, 1}), x, x), jx::TypeError);
}

TEST(ControlFlow, WhileLoopBodyMustKeepTheCarryStructure) {
  using State = std::pair<jx::Array, jx::Array>;
  const State init{jnp::array(0, jx::int32), jnp::array(1.0f, jx::float32)};
  auto below_three = [](const State& s) { return s.first < 3; };
  // Another structure: a triple for a pair.
  std::string message = error_message<jx::TypeError>([&] {
    lax::while_loop(
        below_three,
        [](const State& s) {
          return std::tuple{s.first + 1, s.second, s.second};
        },
        init);
  });
  expect_contains(message, "takes PyTreeDef((*, *)) with leaves (i32[], f32[])");
  expect_contains(message, "returns PyTreeDef((*, *, *))");
  // The same structure with another dtype, and with another shape.
  message = error_message<jx::TypeError>([&] {
    lax::while_loop(
        below_three,
        [](const State& s) {
          return State{s.first + 1, s.second.astype(jx::int32)};
        },
        init);
  });
  expect_contains(message, "takes PyTreeDef((*, *)) with leaves (i32[], f32[])");
  expect_contains(message, "returns PyTreeDef((*, *)) with leaves (i32[], i32[])");
  message = error_message<jx::TypeError>([&] {
    lax::while_loop(
        below_three,
        [](const State& s) {
          return State{s.first + 1, jnp::stack({s.second, s.second})};
        },
        init);
  });
  expect_contains(message, "returns PyTreeDef((*, *)) with leaves (i32[], f32[2])");
  // A single array for a pair, under jit.
  message = error_message<jx::TypeError>([&] {
    jx::jit([&](const jx::Array& n) {
      return lax::while_loop(
                 below_three, [](const State& s) { return s.first + 1; }, State{n, jnp::ones({})})
          .first;
    })(jnp::array(0));
  });
  expect_contains(message, "takes PyTreeDef((*, *))");
  expect_contains(message, "returns PyTreeDef(*)");
  // cond_fun must return a boolean scalar.
  expect_contains(error_message<jx::TypeError>([&] {
                    lax::while_loop([](const State& s) { return s.second; },
                                    [](const State& s) {
                                      return State{s.first + 1, s.second};
                                    },
                                    init);
                  }),
                  "cond_fun must return a boolean scalar");
}

TEST(ControlFlowDerivatives, ForiLoopWithStaticBoundsToSecondOrder) {
  auto f = [](const jx::Array& x, const jx::Array& w) {
    return lax::fori_loop(
        0, 4, [&](const jx::Array& i, const jx::Array& acc) { return jnp::sin(acc * w) + x * i.astype(x.dtype()); }, x);
  };
  const jx::Array x = jnp::array({0.3, -0.7}), w = jnp::array(1.1);
  check_grads(f, {x, w}, 2, jx::test::Modes::reverse);
  check_grads(f, {x, w}, 2);
  // Against a plain C++ loop.
  const auto value = f(x.astype(jx::float32), w.astype(jx::float32)).to_vector<float>();
  for (std::size_t j = 0; j < 2; ++j) {
    const float x0 = j == 0 ? 0.3f : -0.7f;
    float acc = x0;
    for (int i = 0; i < 4; ++i) acc = std::sin(acc * 1.1f) + x0 * static_cast<float>(i);
    EXPECT_NEAR(value[j], acc, 1e-5);
  }
  // A pytree carry, a non-zero lower bound, under jit.
  auto g = [](const jx::Array& a, const jx::Array& b) {
    using Carry = std::pair<jx::Array, jx::Array>;
    const Carry end = lax::fori_loop(
        2, 5,
        [&](const jx::Array&, const Carry& c) {
          return Carry{c.first * c.second + a, jnp::cos(c.first * b)};
        },
        Carry{a, a * 0.5});
    return end.first + end.second;
  };
  check_grads(g, {x, w}, 2, jx::test::Modes::reverse);
  const auto jitted = jx::jit(g);
  check_grads([&](const jx::Array& a, const jx::Array& b) { return jitted(a, b); }, {x, w}, 2,
              jx::test::Modes::reverse);
  // No iterations: the identity.
  check_grads(
      [](const jx::Array& a) {
        return lax::fori_loop(
            3, 3, [](const jx::Array&, const jx::Array& acc) { return acc * acc; }, a);
      },
      {x}, 2, jx::test::Modes::reverse);
}

TEST(ControlFlow, ScanUnrollIsAHintThatDoesNotChangeResults) {
  using Carry = std::pair<jx::Array, jx::Array>;
  auto step = [](const Carry& c, const jx::Array& x) {
    const jx::Array h = jnp::tanh(c.first * 0.9f + x);
    return std::pair{Carry{h, c.second + jnp::sum(h)}, h * c.second};
  };
  const jx::Array xs = jnp::arange(21.0f).reshape({7, 3}) * 0.1f - 1.0f;
  const Carry init{jnp::zeros({3}), jnp::array(1.0f)};
  auto run = [&](const jx::Array& v, bool reverse, std::int64_t unroll) {
    return lax::scan(step, init, v, {.length = 7, .reverse = reverse, .unroll = unroll});
  };
  for (bool reverse : {false, true}) {
    SCOPED_TRACE(reverse);
    const auto [base_carry, base_ys] = run(xs, reverse, 1);
    for (std::int64_t unroll : {2, 4, 7, 16}) {
      SCOPED_TRACE(unroll);
      const auto [carry, ys] = run(xs, reverse, unroll);
      EXPECT_EQ(carry.first.to_vector<float>(), base_carry.first.to_vector<float>());
      EXPECT_EQ(carry.second.item<float>(), base_carry.second.item<float>());
      EXPECT_EQ(ys.to_vector<float>(), base_ys.to_vector<float>());
      const auto [jitted_carry, jitted_ys] = jx::jit([&](const jx::Array& v) { return run(v, reverse, unroll); })(xs);
      expect_near(jitted_carry.first, base_carry.first, 1e-6, "jitted carry");
      expect_near(jitted_ys, base_ys, 1e-6, "jitted ys");
    }
  }
  // The reversed scan with unroll 4 against a plain C++ loop.
  const auto [carry, ys] = run(xs, true, 4);
  const auto x = xs.to_vector<float>();
  float h[3] = {0, 0, 0}, s = 1;
  std::vector<float> expected_ys(21);
  for (int t = 6; t >= 0; --t) {
    float total = 0;
    for (int j = 0; j < 3; ++j) {
      h[j] = std::tanh(h[j] * 0.9f + x[static_cast<std::size_t>(3 * t + j)]);
      expected_ys[static_cast<std::size_t>(3 * t + j)] = h[j] * s;
      total += h[j];
    }
    s += total;
  }
  expect_near(ys, jnp::array(expected_ys).reshape({7, 3}), 1e-5, "C++ loop ys");
  EXPECT_NEAR(carry.second.item<float>(), s, 1e-5);
  // With no scanned inputs: only the length.
  auto count = [](std::int64_t unroll) {
    return lax::scan(
        [](const jx::Array& c, const std::tuple<>&) {
          return std::pair{c * 2 + 1, c};
        },
        jnp::array(0), std::tuple<>{}, {.length = 10, .reverse = true, .unroll = unroll});
  };
  EXPECT_EQ(count(4).first.item<int>(), count(1).first.item<int>());
  EXPECT_EQ(count(4).second.to_vector<int>(), count(1).second.to_vector<int>());
  EXPECT_EQ(count(4).first.item<int>(), 1023);
  // And derivatives.
  check_grads(
      [](const jx::Array& w, const jx::Array& v) {
        return lax::scan(
                   [&](const jx::Array& c, const jx::Array& e) {
                     return std::pair{jnp::sin(c * w + e), c};
                   },
                   jnp::array(0.5), v, {.reverse = true, .unroll = 4})
            .first;
      },
      {jnp::array(0.8), jnp::array({0.1, -0.4, 0.3, 0.2, 0.5})}, 2);
}

}  // namespace

namespace {

// lax::map with batch_size: the same rows as without (and as a loop), in whole batches plus a
// remainder, for pytrees in and out, under jit and grad.
TEST(ControlFlow, MapInBatches) {
  const jx::Array xs = jnp::arange(7.0f);
  const auto square_and_double = [](const jx::Array& x) { return std::pair{x * x, x * 2.0f}; };
  for (std::int64_t batch : {1, 2, 3, 7, 10}) {
    const auto [squares, doubles] = lax::map(square_and_double, xs, {.batch_size = batch});
    EXPECT_EQ(squares.to_vector<float>(), (std::vector<float>{0, 1, 4, 9, 16, 25, 36})) << batch;
    EXPECT_EQ(doubles.to_vector<float>(), (std::vector<float>{0, 2, 4, 6, 8, 10, 12})) << batch;
  }
  // Rows of a matrix, four at a time (two batches of 4 and 2 left over): each row's sum.
  const jx::Array rows = jnp::arange(20.0f).reshape({10, 2});
  const auto jitted = jx::jit([](const jx::Array& m) {
    return lax::map([](const jx::Array& row) { return jnp::sum(row); }, m, {.batch_size = 4});
  });
  EXPECT_EQ(jitted(rows).to_vector<float>(), (std::vector<float>{1, 5, 9, 13, 17, 21, 25, 29, 33, 37}));
  const auto total = [](const jx::Array& v) {
    return jnp::sum(lax::map([](const jx::Array& x) { return jnp::sin(x); }, v, {.batch_size = 3}));
  };
  const std::vector<float> grads = jx::grad(total)(xs).to_vector<float>();
  for (int i = 0; i < 7; ++i) EXPECT_NEAR(grads[i], std::cos(static_cast<float>(i)), 1e-6);
  EXPECT_THROW(lax::map(square_and_double, xs, {.batch_size = 0}), jx::ValueError);
}

}  // namespace
