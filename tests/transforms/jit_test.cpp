// jit: tracing once per signature, the cache, the program text, errors, effects, purity checking.
#include "jx/transforms/jit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/array_impl.h"
#include "ir/primitives/control_flow.h"
#include "jx/core/config.h"
#include "jx/debug.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/custom_derivatives.h"

namespace jnp = jx::numpy;

namespace jit_test {
struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);

// A class whose flatten hands out a temporary: jit cannot point at its leaves, so it copies them.
class Scale {
 public:
  Scale() = default;
  explicit Scale(jx::Array s) : s_(std::move(s)) {}
  const jx::Array& value() const { return s_; }
  friend auto jx_pytree_flatten(const Scale& s) { return std::tuple{s.s_}; }
  friend Scale jx_pytree_unflatten(std::type_identity<Scale>, std::tuple<jx::Array> c) { return Scale(std::get<0>(c)); }

 private:
  jx::Array s_;
};
}  // namespace jit_test

namespace {

using jit_test::Params;
using jit_test::Scale;

std::vector<float> values(const jx::Array& x) { return x.to_vector<float>(); }
const std::byte* data_of(const jx::Array& x) { return jx::concrete(x).data(); }

TEST(Jit, TutorialCounterRunsItsSideEffectOnlyWhileTracing) {
  struct Counter {
    int n = 0;
    int count() { return ++n; }
  } counter;
  auto fast_count = jx::jit([&] { return jnp::array(counter.count()); });
  std::vector<int> seen;
  for (int i = 0; i < 3; ++i) seen.push_back(fast_count().item<int>());
  EXPECT_EQ(seen, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(fast_count.trace_count(), 1u);
}

TEST(Jit, ExplicitStateCounts) {
  auto fast_count = jx::jit([](const jx::Array& n) { return std::pair{n + 1, n + 1}; });
  jx::Array state = jnp::array(0);
  std::vector<int> seen;
  for (int i = 0; i < 3; ++i) {
    auto [value, next] = fast_count(state);
    state = next;
    seen.push_back(value.item<int>());
  }
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
}

TEST(Jit, ComputesLikeEager) {
  auto f = [](const Params& p, const jx::Array& x) { return jnp::mean(jnp::power(p.weight * x + p.bias - 1.0f, 2)); };
  const Params p{jnp::array(2.0f), jnp::array(-1.0f)};
  const jx::Array x = jnp::linspace(-1, 1, 7).reshape({7, 1});
  const float eager = f(p, x).item<float>();
  const float jitted = jx::jit(f)(p, x).item<float>();
  EXPECT_FLOAT_EQ(eager, jitted);
}

TEST(Jit, RetracesOnlyWhenTheSignatureChanges) {
  auto f = jx::jit([](const jx::Array& x) { return x * 2; });
  f(jnp::ones({3}));
  f(jnp::ones({3}) + 1);  // same signature
  EXPECT_EQ(f.trace_count(), 1u);
  f(jnp::ones({4}));  // shape
  EXPECT_EQ(f.trace_count(), 2u);
  f(jnp::ones({4}, jx::int32));  // dtype
  EXPECT_EQ(f.trace_count(), 3u);
  f(jx::Array(2.0f));                // a weak scalar ...
  f(jnp::array(2.0f, jx::float32));  // ... and a strong one differ
  EXPECT_EQ(f.trace_count(), 5u);
  {
    auto x64 = jx::config::scoped({.enable_x64 = true});  // configuration
    f(jnp::ones({4}, jx::int32));
  }
  EXPECT_EQ(f.trace_count(), 6u);
}

TEST(Jit, StaticLeavesAndStaticArgumentsKeyTheCache) {
  struct Config {
    jx::Array scale;
    int power = 1;
    JX_PYTREE_FIELDS(scale, power);
  };
  auto f = jx::jit([](const Config& c) { return jnp::power(c.scale, c.power); });
  EXPECT_EQ(f(Config{jnp::array(3.0f), 2}).item<float>(), 9.0f);
  EXPECT_EQ(f(Config{jnp::array(3.0f), 3}).item<float>(), 27.0f);
  EXPECT_EQ(f(Config{jnp::array(4.0f), 3}).item<float>(), 64.0f);
  EXPECT_EQ(f.trace_count(), 2u);

  auto g = jx::jit([](const jx::Array& x, int n) { return x * n; }, jx::static_argnums<1>);
  EXPECT_EQ(g(jnp::array(2.0f), 3).item<float>(), 6.0f);
  EXPECT_EQ(g(jnp::array(2.0f), 4).item<float>(), 8.0f);
  EXPECT_EQ(g(jnp::array(5.0f), 4).item<float>(), 20.0f);
  EXPECT_EQ(g.trace_count(), 2u);
}

TEST(Jit, StructureChangesRetrace) {
  auto f = jx::jit([](const std::vector<jx::Array>& xs) {
    jx::Array total = jnp::zeros({});
    for (const auto& x : xs) total = total + jnp::sum(x);
    return total;
  });
  EXPECT_EQ(f(std::vector<jx::Array>{jnp::ones({2})}).item<float>(), 2.0f);
  EXPECT_EQ(f(std::vector<jx::Array>{jnp::ones({2}), jnp::ones({3})}).item<float>(), 5.0f);
  EXPECT_EQ(f.trace_count(), 2u);
}

TEST(Jit, JaxprText) {
  auto f = [](const jx::Array& a, const jx::Array& b) { return jnp::sin(a * b) + 1.0f; };
  const jx::Program program = jx::make_jaxpr(f)(jnp::ones({128, 1}), jnp::ones({}));
  EXPECT_EQ(program.to_string(),
            "{ lambda ; a:f32[128,1] b:f32[]. let\n"
            "    c:f32[128,1] = mul a b\n"
            "    d:f32[128,1] = sin c\n"
            "    e:f32[128,1] = add d 1.0:f32[]\n"
            "  in (e,) }");
  const jx::Program one = jx::make_jaxpr([](const jx::Array& x) { return jnp::sum(x, 0); })(jnp::ones({3}));
  EXPECT_EQ(one.to_string(), "{ lambda ; a:f32[3]. let b:f32[] = reduce_sum[axes=(0,)] a in (b,) }");
}

TEST(Jit, ClosedOverArraysBecomeConstants) {
  const jx::Array data = jnp::arange(4.0f);
  auto f = [&](const jx::Array& x) { return x * data; };
  const jx::Program program = jx::make_jaxpr(f)(jnp::ones({4}));
  EXPECT_EQ(program.consts.size(), 1u);
  EXPECT_EQ(program.to_string(), "{ lambda a:f32[4]; b:f32[4]. let c:f32[4] = mul b a in (c,) }");
  EXPECT_EQ(jx::jit(f)(jnp::ones({4}) * 2).to_vector<float>(), (std::vector<float>{0, 2, 4, 6}));
}

TEST(Jit, NestedJitIsInlined) {
  auto inner = jx::jit([](const jx::Array& x) { return jnp::exp(x); });
  auto outer = jx::jit([&](const jx::Array& x) { return inner(x) + inner(x * 2); });
  EXPECT_FLOAT_EQ(outer(jnp::array(0.0f)).item<float>(), 2.0f);
  const jx::Program program = outer.lower(jnp::array(0.0f));
  EXPECT_EQ(program.count("exp"), 2);
  EXPECT_EQ(inner.trace_count(), 0u);  // traced as part of outer, never on its own
}

TEST(Jit, PassesCleanUpThePrograms) {
  auto f = [](const jx::Array& x) {
    const jx::Array unused = jnp::exp(x);  // dead
    (void)unused;
    const jx::Array a = x * x, b = x * x;              // common subexpression
    const jx::Array folded = jnp::array(2.0f) * 3.0f;  // constant
    const jx::Array same = (a + b) * 1.0f + 0.0f;      // algebraic identities
    return jnp::transpose(jnp::transpose(same.reshape({2, 3}).reshape({3, 2}))) * folded;
  };
  const jx::Program traced = jx::jit(f).trace(jnp::ones({6}));
  const jx::Program optimized = jx::jit(f).lower(jnp::ones({6}));
  EXPECT_EQ(traced.count("exp"), 1);
  EXPECT_EQ(optimized.count("exp"), 0);
  EXPECT_EQ(optimized.count("mul"), 2);  // x * x once, and the multiply by the folded 6
  EXPECT_EQ(optimized.count("reshape"), 1);
  EXPECT_EQ(optimized.count("transpose"), 0);
  EXPECT_EQ(optimized.count("add"), 1);
  EXPECT_NE(optimized.to_string().find("6.0:f32[]"), std::string::npos) << optimized;
  EXPECT_EQ(jx::jit(f)(jnp::ones({6})).to_vector<float>(), std::vector<float>(6, 12.0f));
}

TEST(Jit, BranchingOnATracerIsAConcretizationError) {
  auto f = jx::jit([](const jx::Array& x) { return (x > 0) ? x : -x; });
  try {
    f(jnp::array(1.0f));
    FAIL() << "expected ConcretizationError";
  } catch (const jx::ConcretizationError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("bool[]"), std::string::npos) << message;  // the comparison's result was converted
    EXPECT_NE(message.find("jx::lax::cond"), std::string::npos) << message;
    EXPECT_NE(message.find("jit_test.cpp"), std::string::npos) << message;
  }
  auto g = jx::jit([](const jx::Array& x) { return jnp::ones({static_cast<std::int64_t>(x.item<float>())}); });
  EXPECT_THROW(g(jnp::array(3.0f)), jx::ConcretizationError);
}

TEST(Jit, LeakedTracersAreReported) {
  jx::Array leaked;
  auto f = jx::jit([&](const jx::Array& x) {
    leaked = x * 2;
    return x;
  });
  f(jnp::array(1.0f));
  ASSERT_TRUE(leaked.is_tracer());
  try {
    (void)(leaked + 1);
    FAIL() << "expected TracerLeakError";
  } catch (const jx::TracerLeakError& e) {
    EXPECT_NE(std::string(e.what()).find("escaped"), std::string::npos) << e.what();
  }
}

TEST(Jit, DebugPrintRunsOnEveryCallInProgramOrder) {
  auto f = jx::jit([](const jx::Array& x) {
    jx::debug::print("first {}", x);
    const jx::Array y = x * 2;
    jx::debug::print("second {}", y);
    return y;
  });
  testing::internal::CaptureStdout();
  f(jnp::array(1.0f));
  f(jnp::array(2.0f));
  const std::string output = testing::internal::GetCapturedStdout();
  EXPECT_EQ(output, "first 1.0\nsecond 2.0\nfirst 2.0\nsecond 4.0\n");
}

TEST(Jit, EffectsSurviveDeadCodeElimination) {
  int calls = 0;
  auto f = jx::jit([&](const jx::Array& x) {
    jx::debug::callback([&](std::span<const jx::Array>) { ++calls; }, {x});
    jx::debug::callback([&](std::span<const jx::Array>) { ++calls; }, {x});  // not merged with the first
    return x;
  });
  f(jnp::array(1.0f));
  f(jnp::array(1.0f));
  EXPECT_EQ(calls, 4);
}

TEST(Jit, CheckJitCatchesTheImpureCounterAndPassesThePureOne) {
  auto scope = jx::config::scoped({.check_jit = true});
  int n = 0;
  auto impure = jx::jit([&] { return jnp::array(++n); });
  impure();
  EXPECT_THROW(impure(), jx::ImpureFunctionError);
  auto pure = jx::jit([](const jx::Array& state) { return state + 1; });
  jx::Array s = jnp::array(0);
  for (int i = 0; i < 3; ++i) s = pure(s);
  EXPECT_EQ(s.item<int>(), 3);
}

TEST(Jit, ConcurrentCallsTraceOnceAndAgree) {
  std::atomic<int> traced{0};
  auto f = jx::jit([&](const jx::Array& x) {
    ++traced;
    return jnp::sum(x * x);
  });
  const jx::Array x = jnp::arange(10.0f);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (f(x).item<float>() != 285.0f) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(traced.load(), 1);
  EXPECT_EQ(f.trace_count(), 1u);
}

// jit reads lvalue arguments where they are (it points at the caller's arrays, no handles copied);
// what it returns must still own its buffers once the caller's arrays are gone.
TEST(Jit, ResultsThatAreArgumentsOutliveThem) {
  auto f = jx::jit([](const Params& p) { return std::pair{p.weight, p.bias * 2.0f}; });
  Params p{jnp::arange(4.0f), jnp::arange(2.0f)};
  const auto [weight, bias] = f(p);
  p = Params{};
  EXPECT_EQ(values(weight), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(values(bias), (std::vector<float>{0, 2}));
}

TEST(Jit, ATraceThatReassignsTheArgumentsStillRunsOnTheValuesPassed) {
  Params p{jnp::arange(4.0f), jnp::arange(2.0f)};
  auto f = jx::jit([&](const Params& q) {
    p = Params{jnp::zeros({7}), jnp::zeros({7})};  // impure: replaces the caller's arrays mid-call
    return q.weight + 1.0f;
  });
  const Params original = p;
  EXPECT_EQ(values(f(p)), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(p.weight.shape(), jx::Shape({7}));
  EXPECT_EQ(values(original.weight), (std::vector<float>{0, 1, 2, 3}));
}

TEST(Jit, ACallbackThatReassignsTheArgumentsDoesNotDisturbTheRun) {
  // Big enough that a freed buffer would be handed out again by the next allocation.
  const int n = 1 << 16;
  Params p{jnp::arange(static_cast<float>(n)), jnp::arange(2.0f)};
  auto f = jx::jit([&](const Params& q) {
    jx::debug::callback(
        [&](std::span<const jx::Array>) {
          p = Params{jnp::full({n}, -1.0f), jnp::full({2}, -1.0f)};
          jx::Array scratch = jnp::full({n}, 7.0f);  // would reuse the old buffer, were it freed
        },
        {q.bias});
    return jnp::sum(q.weight * 2.0f);
  });
  const float expected = static_cast<float>(n) * static_cast<float>(n - 1);  // 2 * (0 + ... + n-1)
  for (int call = 0; call < 3; ++call) {  // the first call traces; the others run the cached program
    p = Params{jnp::arange(static_cast<float>(n)), jnp::arange(2.0f)};
    EXPECT_FLOAT_EQ(f(p).item<float>(), expected) << "call " << call;
    EXPECT_EQ(p.bias.to_vector<float>(), (std::vector<float>{-1, -1}));
  }
}

TEST(Jit, BorrowedCopiedAndDonatedArgumentsMix) {
  // An lvalue struct (borrowed), a custom node whose leaves jit must copy, a donated struct whose
  // buffers are reused, and a transposed view that is made dense first.
  auto f = jx::jit([](const Params& kept, const Scale& scale, const Params& given, const jx::Array& view) {
    return Params{given.weight + kept.weight * scale.value() + jnp::sum(view), given.bias - kept.bias};
  });
  const Params kept{jnp::arange(3.0f), jnp::array({10.0f, 20.0f})};
  const Scale scale(jnp::array(2.0f));
  const jx::Array view = jnp::arange(6.0f).reshape({2, 3}).transpose();
  for (int call = 0; call < 2; ++call) {
    Params given{jnp::array({100.0f, 200.0f, 300.0f}), jnp::array({1.0f, 2.0f})};
    const std::byte* buffer = data_of(given.weight);
    const Params out = f(kept, scale, std::move(given), view);
    EXPECT_EQ(values(out.weight), (std::vector<float>{115, 217, 319})) << "call " << call;
    EXPECT_EQ(values(out.bias), (std::vector<float>{-9, -18}));
    EXPECT_EQ(data_of(out.weight), buffer);  // donated, updated in place
  }
  EXPECT_EQ(values(kept.weight), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(values(scale.value()), (std::vector<float>{2}));
}

TEST(Jit, DonateArgnumsGivesUpNamedLvalues) {
  // jax.jit(f, donate_argnums=0): the lvalue's buffer is reused for the output and the caller's array
  // is left empty, as JAX deletes donated arrays; the other argument is only borrowed.
  auto step = jx::jit(
      [](const Params& p, const jx::Array& g) {
        return Params{p.weight - g, p.bias * 2.0f};
      },
      jx::donate_argnums<0>);
  Params p{jnp::array({1.0f, 2.0f, 3.0f}), jnp::array({4.0f})};
  const jx::Array g = jnp::ones({3});
  for (int call = 0; call < 2; ++call) {
    const std::byte* buffer = data_of(p.weight);
    Params next = step(p, g);
    EXPECT_FALSE(p.weight.valid()) << "call " << call;  // given up
    EXPECT_EQ(data_of(next.weight), buffer);            // updated in place
    EXPECT_TRUE(g.valid());
    p = std::move(next);
  }
  EXPECT_EQ(values(p.weight), (std::vector<float>{-1, 0, 1}));
  EXPECT_EQ(values(p.bias), (std::vector<float>{16}));
  // A const lvalue cannot be given up: it is borrowed, as without donation.
  const Params fixed{jnp::array({1.0f, 2.0f, 3.0f}), jnp::array({4.0f})};
  EXPECT_EQ(values(step(fixed, g).weight), (std::vector<float>{0, 1, 2}));
  EXPECT_TRUE(fixed.weight.valid());
  // With static_argnums and keep_unused, in any order.
  auto scaled =
      jx::jit([](const jx::Array& x, int n, const jx::Array& /*unused*/) { return x * static_cast<float>(n); },
              jx::keep_unused, jx::static_argnums<1>, jx::donate_argnums<0>);
  jx::Array x = jnp::array({1.0f, 2.0f});
  EXPECT_EQ(values(scaled(x, 3, g)), (std::vector<float>{3, 6}));
  EXPECT_FALSE(x.valid());
}

TEST(Jit, EnsureCompileTimeEvalComputesConcreteOpsWhileTracing) {
  auto f = jx::jit([](const jx::Array& x) {
    int n = 0;
    {
      const auto now = jx::ensure_compile_time_eval();
      n = jnp::sum(jnp::arange(4)).item<int>();  // 0 + 1 + 2 + 3, computed at trace time
      EXPECT_TRUE((x * 2.0f).is_tracer());       // ops on tracers are still traced
    }
    return x * static_cast<float>(n);
  });
  EXPECT_EQ(values(f(jnp::array({1.0f, 2.0f}))), (std::vector<float>{6, 12}));
  // Without the scope the same code cannot read the value.
  auto g = jx::jit([](const jx::Array& x) { return x * static_cast<float>(jnp::sum(jnp::arange(4)).item<int>()); });
  EXPECT_THROW(g(jnp::ones({2})), jx::ConcretizationError);
}

TEST(Jit, NoTracingAndExplainCacheMisses) {
  auto f = jx::jit([](const jx::Array& x) { return x + 1.0f; });
  f(jnp::ones({2}));
  {
    const auto strict = jx::config::scoped({.no_tracing = true});
    EXPECT_EQ(values(f(jnp::ones({2}))), (std::vector<float>{2, 2}));  // cached: fine
    try {
      f(jnp::ones({3}));
      FAIL() << "a new shape must be traced";
    } catch (const jx::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("changed shape: f32[2] -> f32[3]"), std::string::npos) << e.what();
    }
  }
  const auto explain = jx::config::scoped({.explain_cache_misses = true});
  testing::internal::CaptureStderr();
  f(jnp::ones({4}, jx::int32));
  const std::string explained = testing::internal::GetCapturedStderr();
  EXPECT_NE(explained.find("changed"), std::string::npos) << explained;
  jx::effects_barrier();  // nothing pending, ever
  const jx::Array y = f(jnp::ones({2}));
  EXPECT_EQ(values(y.block_until_ready()), values(y));
  EXPECT_EQ(values(jx::block_until_ready(y)), values(y));
}

TEST(Jit, ACallbackInsideACustomDerivativeFunctionCountsAsAnEffect) {
  // The callback is inside the custom function's traced program: the jitted call must still hold
  // its inputs (the callback reassigns the argument) and keep the call although its result is unused.
  const int n = 1 << 16;
  jx::Array x = jnp::arange(static_cast<float>(n));
  int calls = 0;
  auto noisy_square = jx::custom_jvp(
      [&](const jx::Array& v) {
        jx::debug::callback(
            [&](std::span<const jx::Array>) {
              ++calls;
              x = jnp::full({n}, -1.0f);
              jx::Array scratch = jnp::full({n}, 7.0f);  // would reuse the old buffer, were it freed
            },
            {v});
        return v * v;
      },
      [](const std::tuple<jx::Array>& primals, const std::tuple<jx::Array>& tangents) {
        return 2.0f * std::get<0>(primals) * std::get<0>(tangents);
      });
  auto f = jx::jit([&](const jx::Array& v) {
    [[maybe_unused]] const jx::Array unused = noisy_square(v);
    return jnp::sum(v * 2.0f);
  });
  const float expected = static_cast<float>(n) * static_cast<float>(n - 1);
  for (int call = 1; call <= 3; ++call) {
    x = jnp::arange(static_cast<float>(n));
    EXPECT_FLOAT_EQ(f(x).item<float>(), expected) << "call " << call;
    EXPECT_EQ(calls, call);
  }
}

TEST(Jit, PureCustomDerivativeCallsAreOptimizedLikeAnyOther) {
  // relu is a custom_jvp: without effects, an unused call is removed, and a loop around one is pure
  // (so jit reads its arguments in place).
  auto unused = jx::jit([](const jx::Array& x) {
    [[maybe_unused]] const jx::Array r = jx::nn::relu(x);
    return x * 2.0f;
  });
  const jx::Array x = jnp::arange(4.0f) - 2.0f;
  EXPECT_EQ(unused.lower(x).count("custom_jvp_call"), 0) << unused.lower(x).to_string();
  auto used = jx::jit([](const jx::Array& v) { return jx::nn::relu(v); });
  EXPECT_EQ(used.lower(x).count("custom_jvp_call"), 1);
  EXPECT_EQ(values(used(x)), (std::vector<float>{0, 0, 0, 1}));
  auto looped = jx::jit([](const jx::Array& v) {
    return jx::lax::scan(
               [](const jx::Array& c, const jx::Array& e) {
                 return std::pair{c + jx::nn::relu(e), c};
               },
               jnp::array(0.0f), v)
        .first;
  });
  EXPECT_FALSE(jx::primitives::has_effects(looped.lower(x)));
  EXPECT_EQ(looped(x).item<float>(), 1.0f);
}

}  // namespace

namespace {

// The jit cache keeps at most config::jit_cache_size() signatures, dropping the least recently used.
TEST(JitCache, KeepsTheMostRecentlyUsedSignaturesUpToTheBound) {
  const std::size_t saved = jx::config::jit_cache_size();
  jx::config::jit_cache_size(3);
  const auto f = jx::jit([](const jx::Array& x) { return x + 1.0f; });
  for (int n = 1; n <= 3; ++n) f(jnp::ones({n}));
  EXPECT_EQ(f.cache_size(), 3u);
  f(jnp::ones({1}));  // used again: now the most recent
  f(jnp::ones({4}));  // a fourth signature evicts the least recently used, shape (2,)
  EXPECT_EQ(f.cache_size(), 3u);
  EXPECT_EQ(f.trace_count(), 4u);
  f(jnp::ones({1}));
  f(jnp::ones({3}));
  EXPECT_EQ(f.trace_count(), 4u);  // still cached
  EXPECT_EQ(f(jnp::ones({2})).to_vector<float>(), (std::vector<float>{2, 2}));
  EXPECT_EQ(f.trace_count(), 5u);  // (2,) was evicted: traced again, with the right result
  jx::config::jit_cache_size(saved);
}

TEST(JitCache, ClearCacheAndClearCachesRetrace) {
  const auto f = jx::jit([](const jx::Array& x) { return x * 3.0f; });
  const auto g = jx::jit([](const jx::Array& x) { return x - 1.0f; });
  f(jnp::ones({2}));
  g(jnp::ones({2}));
  f.clear_cache();
  EXPECT_EQ(f.cache_size(), 0u);
  EXPECT_EQ(g.cache_size(), 1u);
  EXPECT_EQ(f(jnp::ones({2})).to_vector<float>(), (std::vector<float>{3, 3}));
  EXPECT_EQ(f.trace_count(), 2u);
  jx::clear_caches();
  EXPECT_EQ(f.cache_size(), 0u);
  EXPECT_EQ(g.cache_size(), 0u);
  EXPECT_EQ(g(jnp::ones({2})).to_vector<float>(), (std::vector<float>{0, 0}));
  EXPECT_EQ(g.trace_count(), 2u);
}

TEST(JitCache, ClearingWhileTracingTakesEffectWithoutDeadlock) {
  // A function that clears the caches as it is traced (through a library, say): its own entry is
  // added after the clear and kept.
  const auto inner = jx::jit([](const jx::Array& x) { return x * 2.0f; });
  const auto f = jx::jit([&](const jx::Array& x) {
    const jx::Array y = inner(x);
    jx::clear_caches();
    return y + 1.0f;
  });
  EXPECT_EQ(f(jnp::ones({2})).to_vector<float>(), (std::vector<float>{3, 3}));
  EXPECT_EQ(f.cache_size(), 1u);
  EXPECT_EQ(inner.cache_size(), 0u);
  EXPECT_EQ(f(jnp::ones({2})).to_vector<float>(), (std::vector<float>{3, 3}));
  EXPECT_EQ(f.trace_count(), 1u);
}

TEST(JitCache, ConcurrentCallsEvictionsAndClears) {
  // Calls over three signatures with room for two evict on most calls, while another thread clears
  // every cache: each call's result (and its structure, which the cache owned) stays intact.
  const std::size_t saved = jx::config::jit_cache_size();
  jx::config::jit_cache_size(2);
  const auto f = jx::jit([](const jx::Array& x) { return std::pair{x + 1.0f, jnp::sum(x)}; });
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::thread clearer([&] {
    while (!done.load()) jx::clear_caches();
  });
  std::thread caller([&] {
    for (int i = 0; i < 300; ++i) {
      const std::int64_t n = 1 + i % 3;
      const auto [plus_one, total] = f(jnp::ones({n}));
      if (plus_one.to_vector<float>() != std::vector<float>(static_cast<std::size_t>(n), 2.0f) ||
          total.item<float>() != static_cast<float>(n))
        ++wrong;
    }
  });
  caller.join();
  done = true;
  clearer.join();
  jx::config::jit_cache_size(saved);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(f.cache_size(), 2u);
}

TEST(JitCache, CheckJitStillWorksForSignaturesCompiledBeforeItWasOn) {
  int calls = 0;
  const auto impure = jx::jit([&](const jx::Array& x) { return x + static_cast<float>(++calls); });
  impure(jnp::ones({1}));  // compiled without check_jit: no traced program kept
  auto scope = jx::config::scoped({.check_jit = true});
  EXPECT_NO_THROW(impure(jnp::ones({1})));                        // this trace becomes the reference
  EXPECT_THROW(impure(jnp::ones({1})), jx::ImpureFunctionError);  // and the next one differs
}

}  // namespace
