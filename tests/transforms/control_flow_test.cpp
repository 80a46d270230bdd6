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
