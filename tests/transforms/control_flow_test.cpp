// Control flow: results against plain C++ loops and conditionals, eagerly and under jit; structure
// checks; closures over outer values.
#include "jx/transforms/control_flow.h"

#include <gtest/gtest.h>

#include "jx/core/error.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

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
#include "jx/transforms/vmap.h"

namespace {

using jx::test::check_grads;

TEST(ControlFlowDerivatives, CondToSecondOrder) {
  auto f = [](const jx::Array& x, const jx::Array& y) {
    return lax::cond(jnp::sum(x) > 0, [&](const jx::Array& a) { return jnp::sin(a) * y; }, [&](const jx::Array& a) { return a * a * y; }, x);
  };
  check_grads(f, {jnp::array({0.5f, 0.25f}), jnp::array({2.0f, -1.0f})}, 2);
  check_grads(f, {jnp::array({-0.5f, 0.25f}), jnp::array({2.0f, -1.0f})}, 2);
  EXPECT_NEAR(jx::grad([&](const jx::Array& x) { return jnp::sum(f(x, jnp::ones({2}))); })(jnp::array({-0.5f, 0.25f})).to_vector<float>()[0],
              -1.0f, 1e-6);
}

TEST(ControlFlowDerivatives, ScanToSecondOrder) {
  // A small recurrent cell: h <- tanh(w * h + x).
  auto rnn = [](const jx::Array& w, const jx::Array& xs) {
    auto [h, hs] = lax::scan([&](const jx::Array& state, const jx::Array& x) {
      const jx::Array next = jnp::tanh(w * state + x);
      return std::pair{next, next * next};
    }, jnp::array(0.1), xs);
    return h + jnp::sum(hs);
  };
  check_grads(rnn, {jnp::array(0.7), jnp::array({0.5, -0.3, 0.2, 0.9})}, 2);
  auto reversed = [](const jx::Array& w, const jx::Array& xs) {
    return lax::scan([&](const jx::Array& c, const jx::Array& x) { return std::pair{c * w + x, c}; }, jnp::array(1.0), xs, {.reverse = true}).first;
  };
  check_grads(reversed, {jnp::array(0.5), jnp::array({1.0, 2.0, 3.0})}, 2);
}

TEST(ControlFlowDerivatives, ForiLoopWithStaticBoundsIsReverseDifferentiable) {
  auto power = [](const jx::Array& x) { return lax::fori_loop(0, 5, [&](const jx::Array&, const jx::Array& acc) { return acc * x; }, jnp::array(1.0f)); };
  EXPECT_NEAR(jx::grad(power)(jnp::array(2.0f)).item<float>(), 5 * 16.0f, 1e-4);
  EXPECT_NEAR(jx::jit(jx::grad(power))(jnp::array(2.0f)).item<float>(), 80.0f, 1e-4);
  EXPECT_NEAR(jx::grad(jx::grad(power))(jnp::array(2.0f)).item<float>(), 20 * 8.0f, 1e-3);
}

TEST(ControlFlowDerivatives, WhileLoopForwardModeAndTheReverseModeError) {
  // x doubled until it exceeds 10: y = x * 2^k with k fixed near x, so dy/dx = 2^k.
  auto f = [](const jx::Array& x) {
    return lax::while_loop([](const jx::Array& v) { return v < 10.0f; }, [](const jx::Array& v) { return v * 2.0f; }, x);
  };
  auto [y, t] = jx::jvp(f, std::tuple{jnp::array(3.0f)}, std::tuple{jnp::array(1.0f)});
  EXPECT_EQ(y.item<float>(), 12.0f);
  EXPECT_EQ(t.item<float>(), 4.0f);
  try {
    jx::grad(f)(jnp::array(3.0f));
    FAIL();
  } catch (const jx::TypeError& e) {
    EXPECT_NE(std::string(e.what()).find("reverse-mode differentiation does not work for lax::while_loop"), std::string::npos) << e.what();
  }
  EXPECT_EQ(jx::jacfwd(f)(jnp::array(3.0f)).item<float>(), 4.0f);
}

TEST(ControlFlowBatching, BatchedPredicatesAndLoops) {
  const jx::Array xs = jnp::array({-2.0f, 3.0f, -1.0f});
  EXPECT_EQ(jx::vmap(absolute)(xs).to_vector<float>(), (std::vector<float>{2, 3, 1}));
  // Each example doubles until it passes 10: different trip counts.
  auto until = [](const jx::Array& x) {
    return lax::while_loop([](const jx::Array& v) { return v < 10.0f; }, [](const jx::Array& v) { return v * 2.0f; }, x);
  };
  EXPECT_EQ(jx::vmap(until)(jnp::array({1.0f, 3.0f, 11.0f})).to_vector<float>(), (std::vector<float>{16, 12, 11}));
  EXPECT_EQ(jx::jit(jx::vmap(until))(jnp::array({1.0f, 3.0f, 11.0f})).to_vector<float>(), (std::vector<float>{16, 12, 11}));
  // Batched scans: per-row running sums, and a shared weight with batched inputs.
  auto running = [](const jx::Array& row) {
    return lax::scan([](const jx::Array& c, const jx::Array& x) { return std::pair{c + x, c + x}; }, jnp::array(0.0f), row).second;
  };
  const jx::Array m = jnp::arange(6.0f).reshape({2, 3});
  EXPECT_EQ(jx::vmap(running)(m).to_vector<float>(), (std::vector<float>{0, 1, 3, 3, 7, 12}));
  EXPECT_EQ(jx::vmap(running, {.in_axes = {1}, .out_axes = 1})(m.transpose()).to_vector<float>(), (std::vector<float>{0, 3, 1, 7, 3, 12}));
  // Per-example gradients through a scan.
  auto loss = [](const jx::Array& w, const jx::Array& x) {
    return lax::scan([&](const jx::Array& c, const jx::Array& v) { return std::pair{c * w + v, v}; }, jnp::array(0.0f), x).first;
  };
  const jx::Array g = jx::vmap(jx::grad(loss), {.in_axes = {std::nullopt, 0}})(jnp::array(2.0f), jnp::array({{1.0f, 1.0f}, {3.0f, 0.0f}}));
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{1, 3}));  // d/dw (w x0 + x1) = x0
}

}  // namespace
