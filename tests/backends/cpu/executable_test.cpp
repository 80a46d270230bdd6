// The planned executor: donation, buffer reuse by liveness, outputs that alias inputs, loops without
// allocation. (Its kernels are checked against NumPy by the jitted differential tests.)
#include "backends/cpu/executable.h"

#include <gtest/gtest.h>

#include "backends/cpu/thread_pool.h"
#include "core/array_impl.h"
#include "core/buffer.h"
#include "ir/passes.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;

const std::byte* data_of(const jx::Array& x) { return jx::concrete(x).data(); }

struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);

auto sgd_step() {
  return jx::jit([](const Params& p, const jx::Array& g) { return Params{p.weight - g * 0.5f, p.bias - 1.0f}; });
}

template <class F, class... Args>
jx::cpu::Executable plan(jx::cpu::ExecutableOptions options, F f, const Args&... args) {
  jx::Program program = jx::make_jaxpr(f)(args...);
  jx::passes::optimize(program);
  return jx::cpu::Executable(std::move(program), options);
}

TEST(Executable, DonatedInputsAreUpdatedInPlace) {
  auto step = sgd_step();
  // Dense arrays: jnp::ones and jnp::zeros are broadcast views, which a call first copies densely.
  Params params{jnp::arange(1000.0f), jnp::arange(10.0f)};
  const jx::Array grad = jnp::full({1000}, 2.0f);
  const std::byte* weight = data_of(params.weight);
  const std::byte* bias = data_of(params.bias);
  params = step(std::move(params), grad);
  EXPECT_EQ(data_of(params.weight), weight);
  EXPECT_EQ(data_of(params.bias), bias);
  EXPECT_EQ(params.weight.to_vector<float>(), (jnp::arange(1000.0f) - 1.0f).to_vector<float>());
  EXPECT_EQ(params.bias.to_vector<float>(), (jnp::arange(10.0f) - 1.0f).to_vector<float>());
  // And again: the buffers keep circulating.
  params = step(std::move(params), grad);
  EXPECT_EQ(data_of(params.weight), weight);
  EXPECT_EQ(params.weight.to_vector<float>(), (jnp::arange(1000.0f) - 2.0f).to_vector<float>());
}

TEST(Executable, DonationDoesNotDependOnArgumentOrder) {
  // The gradient comes first and has the weight's type: it must not keep the donated weight, which
  // comes after it, from being updated in place (as in an optimizer's update(grads, state)).
  auto step = jx::jit([](const jx::Array& g, const Params& p) { return Params{p.weight - g * 0.5f, p.bias - 1.0f}; });
  const jx::Array grad = jnp::full({1000}, 2.0f);
  Params params{jnp::arange(1000.0f), jnp::arange(10.0f)};
  const std::byte* weight = data_of(params.weight);
  for (int call = 1; call <= 2; ++call) {
    params = step(grad, std::move(params));
    EXPECT_EQ(data_of(params.weight), weight) << "call " << call;
    EXPECT_EQ(params.weight.to_vector<float>(), (jnp::arange(1000.0f) - static_cast<float>(call)).to_vector<float>());
  }
  EXPECT_EQ(grad.to_vector<float>(), std::vector<float>(1000, 2.0f));
  // Two donated inputs of one type, two outputs: each output takes a different buffer.
  auto swap = jx::jit([](const jx::Array& a, const jx::Array& b) { return std::pair{b + 1.0f, a + 1.0f}; });
  jx::Array a = jnp::arange(100.0f), b = jnp::arange(100.0f) * 2.0f;
  const std::byte* a_data = data_of(a);
  const std::byte* b_data = data_of(b);
  const auto [b1, a1] = swap(std::move(a), std::move(b));
  EXPECT_NE(data_of(a1), data_of(b1));
  EXPECT_TRUE((data_of(a1) == a_data || data_of(a1) == b_data) && (data_of(b1) == a_data || data_of(b1) == b_data));
  EXPECT_EQ(a1.to_vector<float>(), (jnp::arange(100.0f) + 1.0f).to_vector<float>());
  EXPECT_EQ(b1.to_vector<float>(), (jnp::arange(100.0f) * 2.0f + 1.0f).to_vector<float>());
}

TEST(Executable, EachOutputTakesAnInputReadBeforeItIsDefined) {
  // The first output is defined last, the second first: were outputs matched in their order, the
  // first would take x (read earliest) and y (read after the second is defined) would fit neither.
  // Matched in the order they are defined, both take a donated buffer.
  auto f = jx::jit([](const jx::Array& x, const jx::Array& y) {
    const jx::Array second = jnp::sum(x) + jnp::arange(1000.0f);  // x's last read, then defined
    const jx::Array first = jnp::sum(y) * jnp::arange(1000.0f);   // y's last read, then defined
    return std::pair{first, second};
  });
  jx::Array x = jnp::arange(1000.0f), y = jnp::arange(1000.0f) * 2.0f;  // dense, as donated arrays are
  const std::byte* x_data = data_of(x);
  const std::byte* y_data = data_of(y);
  const auto [first, second] = f(std::move(x), std::move(y));
  EXPECT_EQ(data_of(second), x_data);
  EXPECT_EQ(data_of(first), y_data);
  EXPECT_EQ(first.to_vector<float>(), (jnp::arange(1000.0f) * 999000.0f).to_vector<float>());
  EXPECT_EQ(second.to_vector<float>(), (jnp::arange(1000.0f) + 499500.0f).to_vector<float>());
}

TEST(Executable, SharedBuffersAreNeverOverwritten) {
  auto step = sgd_step();
  const jx::Array grad = jnp::full({1000}, 2.0f);
  // A copy of the handle, and a view of the same buffer, both keep the old values.
  Params params{jnp::arange(1000.0f), jnp::arange(10.0f)};
  const Params copy = params;
  const jx::Array view = params.bias.reshape({2, 5});
  const std::byte* weight = data_of(params.weight);
  params = step(std::move(params), grad);
  EXPECT_NE(data_of(params.weight), weight);
  EXPECT_EQ(copy.weight.to_vector<float>(), jnp::arange(1000.0f).to_vector<float>());
  EXPECT_EQ(view.to_vector<float>(), jnp::arange(10.0f).to_vector<float>());
  // Lvalue arguments are never donated.
  Params kept{jnp::ones({1000}), jnp::zeros({10})};
  const Params next = step(kept, grad);
  EXPECT_EQ(kept.weight.to_vector<float>(), std::vector<float>(1000, 1.0f));
  EXPECT_NE(data_of(next.weight), data_of(kept.weight));
}

TEST(Executable, IntermediatesShareTheArenaByLiveness) {
  // Fifteen elementwise steps on 64K floats (the `+ 0` of the first round simplifies away): each
  // intermediate dies at the next step, so two buffers' worth of arena serve them all.
  auto chain = [](const jx::Array& x) {
    jx::Array y = x;
    for (int i = 0; i < 8; ++i) y = jnp::sin(y) + static_cast<float>(i);
    return y;
  };
  const jx::Array x = jnp::linspace(0.0, 1.0, 1 << 16).astype(jx::float32);
  const jx::cpu::Executable executable = plan({.fuse_elementwise = false}, chain, x);
  const std::size_t bytes = std::size_t{1} << 18;
  const auto statistics = executable.statistics();
  EXPECT_EQ(statistics.steps, 15);
  EXPECT_EQ(statistics.evaluated_steps, 0);
  EXPECT_EQ(statistics.intermediate_bytes, 14 * bytes);  // the last value is the output
  EXPECT_LE(statistics.arena_bytes, 2 * bytes);
  jx::Array inputs[] = {x};
  EXPECT_TRUE(jnp::allclose(executable.run(inputs)[0], chain(x)).item<bool>());
}

TEST(Executable, OutputsThatAreInputsConstantsOrRepeated) {
  const jx::Array captured = jnp::arange(4.0f);
  auto f = jx::jit([&](const jx::Array& x) {
    const jx::Array y = x * 2.0f;
    return std::tuple{x, x.reshape({2, 2}), y, y, y.reshape({4, 1}), captured, jnp::array(7.0f)};
  });
  const jx::Array x = jnp::array({1.0f, 2.0f, 3.0f, 4.0f});
  const auto [same, reshaped, y1, y2, y3, constant, literal] = f(x);
  EXPECT_EQ(data_of(same), data_of(x));
  EXPECT_EQ(data_of(reshaped), data_of(x));
  EXPECT_EQ(reshaped.shape(), jx::Shape({2, 2}));
  EXPECT_EQ(y1.to_vector<float>(), (std::vector<float>{2, 4, 6, 8}));
  EXPECT_EQ(data_of(y2), data_of(y1));
  EXPECT_EQ(data_of(y3), data_of(y1));
  EXPECT_EQ(y3.shape(), jx::Shape({4, 1}));
  EXPECT_EQ(constant.to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(literal.item<float>(), 7.0f);
}

TEST(Executable, ViewsAndEmptyArraysAsInputs) {
  auto f = jx::jit([](const jx::Array& x) { return jnp::sum(x * x, 0) + x[0]; });
  const jx::Array m = jnp::arange(6.0f).reshape({2, 3});
  const jx::Array t = m.transpose();  // a strided view: copied to a dense buffer first
  // t = [[0, 3], [1, 4], [2, 5]]: column sums of squares [5, 50], plus the first row [0, 3].
  EXPECT_EQ(f(t).to_vector<float>(), (std::vector<float>{5, 53}));
  auto g = jx::jit([](const jx::Array& x) { return std::pair{jnp::sum(x), x * 2.0f}; });
  const auto [total, doubled] = g(jnp::zeros({0, 3}));
  EXPECT_EQ(total.item<float>(), 0.0f);
  EXPECT_EQ(doubled.shape(), jx::Shape({0, 3}));
}

TEST(Executable, PlannedKernelsForTheSeedStep) {
  auto loss = [](const Params& p, const jx::Array& x, const jx::Array& y) {
    return jnp::mean(jnp::power(p.weight * x + p.bias - y, 2));
  };
  auto update = [&](const Params& p, const jx::Array& x, const jx::Array& y) {
    const Params g = jx::grad(loss)(p, x, y);
    return Params{p.weight - g.weight * 0.005f, p.bias - g.bias * 0.005f};
  };
  const Params p{jnp::array(0.5f), jnp::array(0.1f)};
  const jx::Array x = jnp::linspace(-1.0, 1.0, 128).astype(jx::float32).reshape({128, 1});
  const jx::Array y = x * 2.0f - 1.0f;
  const jx::cpu::Executable executable = plan({}, update, p, x, y);
  EXPECT_EQ(executable.statistics().evaluated_steps, 0) << executable.program();
}

TEST(Executable, FusedChainsRunAsOneStepAndAgreeWithUnfused) {
  // An elementwise chain with two reductions of the same input (a sum and a sum of squares, as a
  // variance needs): one fused step, no intermediate in the arena.
  auto moments = [](const jx::Array& x) {
    const jx::Array shifted = jnp::tanh(x) * 2.0f - 1.0f;
    return std::tuple{jnp::sum(shifted), jnp::sum(shifted * shifted), jnp::exp(-shifted)};
  };
  for (std::int64_t n : {std::int64_t{7}, std::int64_t{1000}, std::int64_t{1} << 17}) {
    const jx::Array x = jx::random::normal(jx::random::PRNGKey(1), {n});
    const jx::cpu::Executable fused = plan({}, moments, x);
    const jx::cpu::Executable unfused = plan({.fuse_elementwise = false}, moments, x);
    EXPECT_EQ(fused.statistics().fused_steps, 1) << fused.program();
    EXPECT_EQ(fused.statistics().steps, 1) << fused.program();
    EXPECT_EQ(fused.statistics().intermediate_bytes, 0u);
    jx::Array inputs[] = {x};
    const jx::ArrayList a = fused.run(inputs);
    const jx::ArrayList b = unfused.run(inputs);
    ASSERT_EQ(a.size(), 3u);
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_TRUE(jnp::allclose(a[k], b[k], {.rtol = 1e-5, .atol = 1e-4}).item<bool>()) << n << " output " << k;
    }
  }
}

TEST(Executable, FusedReductionsDoNotDependOnTheThreadCount) {
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(2), {1 << 18});
  const jx::cpu::Executable fused = plan(
      {}, [](const jx::Array& v) { return jnp::sum(jnp::sin(v) * v); }, x);
  jx::Array inputs[] = {x};
  const float with_pool = fused.run(inputs)[0].item<float>();
  const int threads = jx::cpu::num_threads();
  jx::cpu::set_num_threads(1);
  const float on_one = fused.run(inputs)[0].item<float>();
  jx::cpu::set_num_threads(threads);
  EXPECT_EQ(with_pool, on_one);
  // And against the unfused sum, to float32 rounding.
  EXPECT_NEAR(with_pool, jnp::sum(jnp::sin(x) * x).item<float>(), 1e-2);
}

TEST(Executable, LoopsAllocateNothingPerIteration) {
  const auto allocations_for = [](int steps) {
    auto f = jx::jit([steps](const jx::Array& x) {
      return lax::fori_loop(
          0, steps, [](const jx::Array& i, const jx::Array& v) { return jnp::sin(v) + i; }, x);
    });
    const jx::Array x = jnp::ones({256});
    f(x);  // trace and plan
    const std::size_t before = jx::allocator::stats().allocations;
    const jx::Array result = f(x);
    return jx::allocator::stats().allocations - before;
  };
  EXPECT_EQ(allocations_for(10), allocations_for(1000));
}

TEST(Executable, LoopResultsMatchAPlainLoop) {
  // Odd and even trip counts end the carry's alternation in different places.
  for (int steps : {0, 1, 2, 7}) {
    auto f = jx::jit([steps](const jx::Array& x) {
      return lax::scan(
          [](const jx::Array& c, const jx::Array& v) {
            return std::pair{c * 0.5f + v, c};
          },
          x, jnp::arange(static_cast<float>(steps)), {.length = steps});
    });
    const auto [carry, ys] = f(jnp::array(8.0f));
    float c = 8.0f;
    std::vector<float> expected;
    for (int i = 0; i < steps; ++i) {
      expected.push_back(c);
      c = c * 0.5f + static_cast<float>(i);
    }
    EXPECT_EQ(carry.item<float>(), c) << steps;
    EXPECT_EQ(ys.to_vector<float>(), expected) << steps;
  }
}

// Calls of custom-derivative functions are inlined into the plan, so a ReLU (jx::nn::relu is a
// custom_jvp) fuses with the add before it; the derivative a jitted gradient computes still comes
// from the custom rule, which a program about to run no longer needs.
TEST(Executable, CustomDerivativeCallsAreInlinedAndFuse) {
  // Softplus with its stable derivative as the rule (log(1 + exp(x)) differentiated naively is NaN
  // for large x), as in JAX's custom_jvp documentation.
  static const auto softplus =
      jx::custom_jvp([](const jx::Array& x) { return jnp::log1p(jnp::exp(x)); },
                     [](const std::tuple<jx::Array>& primals, const std::tuple<jx::Array>& tangents) {
                       return jx::nn::sigmoid(std::get<0>(primals)) * std::get<0>(tangents);
                     });
  const auto layer = [](const jx::Array& x, const jx::Array& b) { return jx::nn::relu(x + b) + softplus(x); };
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(3), {64, 33}) * 3.0f;
  const jx::Array b = jx::random::normal(jx::random::PRNGKey(4), {64, 33});
  jx::Program program = jx::make_jaxpr(layer)(x, b);
  EXPECT_EQ(program.count("custom_jvp_call"), 2);
  const jx::cpu::Executable fused = plan({}, layer, x, b);
  EXPECT_EQ(fused.program().count("custom_jvp_call"), 0) << fused.program();
  EXPECT_EQ(fused.statistics().steps, 1) << fused.program();  // add, max, exp, log1p, add: one group
  const jx::cpu::Executable unfused = plan({.fuse_elementwise = false}, layer, x, b);
  EXPECT_EQ(unfused.program().count("custom_jvp_call"), 2);
  jx::Array inputs[] = {x, b};
  // NumPy's formula, in float64.
  jx::config::enable_x64(true);
  const jx::Array x64 = x.astype(jx::float64), b64 = b.astype(jx::float64);
  const jx::Array expected = jnp::maximum(x64 + b64, 0.0) + jnp::log1p(jnp::exp(x64));
  EXPECT_TRUE(
      jnp::allclose(fused.run(inputs)[0].astype(jx::float64), expected, {.rtol = 1e-5, .atol = 1e-5}).item<bool>());
  jx::config::enable_x64(false);
  EXPECT_TRUE(jnp::allclose(fused.run(inputs)[0], unfused.run(inputs)[0], {.rtol = 1e-6, .atol = 1e-6}).item<bool>());
  // Under jit, the gradient is the rule's: sigmoid(x) even where exp(x) overflows (the inlined naive
  // derivative exp(x) / (1 + exp(x)) would be inf / inf = NaN at x = 100).
  const jx::Array far = jnp::array(std::vector<float>{-100.0f, 0.0f, 100.0f});
  const auto total = [](const jx::Array& v) { return jnp::sum(softplus(v)); };
  for (const jx::Array& grad : {jx::jit(jx::grad(total))(far), jx::grad(jx::jit(total))(far)}) {
    const std::vector<float> g = grad.to_vector<float>();
    EXPECT_NEAR(g[0], 0.0f, 1e-30f);  // sigmoid(-100) = 3.7e-44
    EXPECT_EQ(g[1], 0.5f);
    EXPECT_EQ(g[2], 1.0f);
  }
}

}  // namespace
