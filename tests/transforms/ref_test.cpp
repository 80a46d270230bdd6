// jx::Ref: eager mutation, functionalization under jit (the tutorial's counter prints 1 2 3), refs
// inside grad, the errors, and concurrent jitted calls serialized on the refs they write.
#include "jx/ref.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;

TEST(Ref, EagerGetAndSet) {
  const jx::Ref r = jx::new_ref(jnp::array({1.0f, 2.0f}));
  EXPECT_EQ(r.get().to_vector<float>(), (std::vector<float>{1, 2}));
  r.set(r.get() * 3.0f);
  EXPECT_EQ(r.get().to_vector<float>(), (std::vector<float>{3, 6}));
  // Copies of a Ref share the box.
  const jx::Ref alias = r;
  alias.set(jnp::zeros({2}));
  EXPECT_EQ(r.get().to_vector<float>(), (std::vector<float>{0, 0}));
  EXPECT_THROW(r.set(jnp::zeros({3})), jx::TypeError);
  EXPECT_THROW(r.set(jnp::zeros({2}, jx::int32)), jx::TypeError);
}

TEST(Ref, TheCounterCountsUnderJit) {
  // The tutorial's Counter, with its n in a ref: 1 2 3 under jit, traced once.
  const jx::Ref n = jx::new_ref(jnp::array(0));
  auto count = jx::jit([&] {
    n.set(n.get() + 1);
    return n.get();
  });
  std::vector<int> seen;
  for (int i = 0; i < 3; ++i) seen.push_back(count().item<int>());
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(count.trace_count(), 1u);
  EXPECT_EQ(n.get().item<int>(), 3);
  // An eager write between calls is what the next call reads.
  n.set(jnp::array(10));
  EXPECT_EQ(count().item<int>(), 11);
}

TEST(Ref, SeveralRefsWriteBackInProgramOrder) {
  const jx::Ref a = jx::new_ref(jnp::array(1.0f));
  const jx::Ref b = jx::new_ref(jnp::array(2.0f));
  const jx::Ref read_only = jx::new_ref(jnp::array(100.0f));
  auto step = jx::jit([&](const jx::Array& x) {
    b.set(a.get() + b.get() + x);  // b reads a's old value
    a.set(b.get() * 2.0f);         // a reads b's new value
    b.set(b.get() + read_only.get());
    return a.get() - b.get();
  });
  float ea = 1, eb = 2, er = 100;
  for (int i = 0; i < 4; ++i) {
    const float x = static_cast<float>(i);
    eb = ea + eb + x;
    ea = eb * 2;
    eb = eb + er;
    const float expected = ea - eb;
    EXPECT_EQ(step(jnp::array(x)).item<float>(), expected);
    EXPECT_EQ(a.get().item<float>(), ea);
    EXPECT_EQ(b.get().item<float>(), eb);
    er += 1;  // a read-only ref is read afresh on each call
    read_only.set(jnp::array(er));
  }
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(Ref, GradOfAFunctionUsingRefsInternally) {
  auto f = [](const jx::Array& x) {
    const jx::Ref r = jx::new_ref(x);
    r.set(r.get() * r.get());
    return r.get() * 3.0f;  // 3 x^2
  };
  EXPECT_FLOAT_EQ(jx::grad(f)(jnp::array(2.0f)).item<float>(), 12.0f);
  EXPECT_FLOAT_EQ(jx::jit(jx::grad(f))(jnp::array(2.0f)).item<float>(), 12.0f);
  // A ref from outside may be read under grad (a constant), not set to a traced value.
  const jx::Ref scale = jx::new_ref(jnp::array(5.0f));
  EXPECT_FLOAT_EQ(jx::grad([&](const jx::Array& x) { return x * scale.get(); })(jnp::array(1.0f)).item<float>(), 5.0f);
  EXPECT_THROW(jx::grad([&](const jx::Array& x) {
                 scale.set(x);
                 return x;
               })(jnp::array(1.0f)),
               jx::TypeError);
  // Under jit, a value of an inner grad cannot be stored in a captured ref.
  const jx::Ref sink = jx::new_ref(jnp::array(0.0f));
  auto leaky = jx::jit([&](const jx::Array& x) {
    return jx::grad([&](const jx::Array& y) {
      sink.set(y * 2.0f);
      return y;
    })(x);
  });
  EXPECT_THROW(leaky(jnp::array(1.0f)), jx::TypeError);
}

TEST(Ref, EmptyRefFreezeAndFreeRef) {
  jx::Ref sums = jx::empty_ref(jx::ArrayType{{3}, jx::float32});
  EXPECT_EQ(sums.get().to_vector<float>(), (std::vector<float>{0, 0, 0}));
  for (float step : {1.0f, 2.5f}) sums.set(sums.get() + step);
  const jx::Array total = jx::freeze(sums);
  EXPECT_EQ(total.to_vector<float>(), (std::vector<float>{3.5f, 3.5f, 3.5f}));
  EXPECT_THROW((void)sums.get(), jx::ValueError);
  EXPECT_THROW(sums.set(total), jx::ValueError);
  EXPECT_THROW((void)jx::freeze(sums), jx::ValueError);
  jx::Ref scratch = jx::new_ref(jnp::ones({2}));
  jx::free_ref(scratch);
  EXPECT_THROW((void)scratch.get(), jx::ValueError);
  // Inside a jitted function: a ref made there may be frozen there; one it closes over may not.
  const jx::Array doubled = jx::jit([](const jx::Array& x) {
    jx::Ref local = jx::empty_ref(x.type());
    local.set(x * 2);
    return jx::freeze(local);
  })(jnp::array({1.0f, 2.0f}));
  EXPECT_EQ(doubled.to_vector<float>(), (std::vector<float>{2, 4}));
  jx::Ref outer = jx::new_ref(jnp::zeros({2}));
  EXPECT_THROW(jx::jit([&](const jx::Array& x) { return jx::freeze(outer) + x; })(jnp::ones({2})), jx::TypeError);
  EXPECT_NO_THROW((void)outer.get());
  EXPECT_THROW((void)jx::empty_ref(jx::ArrayType{{1}, jx::float0}), jx::DTypeError);
}

TEST(Ref, RefsAreNotArgumentsOrResults) {
  const jx::Ref r = jx::new_ref(jnp::array(1.0f));
  auto takes = jx::jit([](const jx::Ref& ref) { return ref.get(); });
  EXPECT_THROW(takes(r), jx::TypeError);
  auto returns = jx::jit([&](const jx::Array&) { return r; });
  EXPECT_THROW(returns(jnp::array(1.0f)), jx::TypeError);
}

TEST(Ref, TwoFunctionsTracingOneRefAtOnceIsAnError) {
  const jx::Ref r = jx::new_ref(jnp::array(0.0f));
  std::latch first_is_tracing(1), second_done(1);
  std::atomic<bool> second_refused{false};
  auto first = jx::jit([&] {
    const jx::Array v = r.get();
    first_is_tracing.count_down();
    second_done.wait();
    return v + 1.0f;
  });
  auto second = jx::jit([&] { return r.get() * 2.0f; });
  std::thread other([&] {
    first_is_tracing.wait();
    try {
      second();
    } catch (const jx::ValueError& e) {
      second_refused = std::string(e.what()).find("two functions being traced at once") != std::string::npos;
    }
    second_done.count_down();
  });
  EXPECT_EQ(first().item<float>(), 1.0f);
  other.join();
  EXPECT_TRUE(second_refused.load());
  EXPECT_EQ(second().item<float>(), 0.0f);  // once the first trace is over, the ref is free again
}

TEST(Ref, ConcurrentCallsAreSerializedOnTheRefsTheyWrite) {
  const jx::Ref total = jx::new_ref(jnp::array(0));
  auto add_one = jx::jit([&] {
    total.set(total.get() + 1);
    return total.get();
  });
  add_one();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) add_one();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(total.get().item<int>(), 1 + 8 * 200);
}

TEST(Ref, CheckJitRetracesWithoutTouchingRefs) {
  auto checking = jx::config::scoped({.check_jit = true});
  const jx::Ref n = jx::new_ref(jnp::array(0));
  auto count = jx::jit([&] {
    n.set(n.get() + 1);
    return n.get();
  });
  EXPECT_EQ(count().item<int>(), 1);
  EXPECT_EQ(count().item<int>(), 2);  // the checker's retrace neither failed nor counted twice
  EXPECT_EQ(n.get().item<int>(), 2);
}

}  // namespace
