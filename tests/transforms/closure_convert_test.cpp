// closure_convert: the converted function takes what the original captured as arguments, gives the
// same values, is differentiable with respect to them, and works on tracers captured under jit.
#include "jx/transforms/closure_convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;

namespace {

TEST(ClosureConvert, CapturedArraysBecomeArguments) {
  const jx::Array w = jnp::array({2.0f, 3.0f});
  const jx::Array b = jnp::array({0.5f, -1.0f});
  auto f = [&](const jx::Array& x) { return x * w + b; };
  const jx::Array x = jnp::array({1.0f, 4.0f});
  auto [g, consts] = jx::closure_convert(f, x);
  ASSERT_EQ(consts.size(), 2u);
  EXPECT_EQ(g(x, consts).to_vector<float>(), (std::vector<float>{2.5f, 11.0f}));
  // Other consts: the same function of other values.
  const std::vector<jx::Array> doubled{consts[0] * 2.0f, consts[1] * 2.0f};
  EXPECT_EQ(g(x, doubled).to_vector<float>(), (std::vector<float>{5.0f, 22.0f}));
  // Differentiable with respect to the consts: d/dc sum(g(x, c)) through x * w + b.
  auto total = [&](const std::vector<jx::Array>& c) { return jnp::sum(g(x, c)); };
  const std::vector<jx::Array> grads = jx::grad(total)(consts);
  const bool w_first = consts[0].to_vector<float>() == w.to_vector<float>();
  EXPECT_EQ(grads[w_first ? 0 : 1].to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(grads[w_first ? 1 : 0].to_vector<float>(), (std::vector<float>{1.0f, 1.0f}));
}

TEST(ClosureConvert, UnderJitTheConstsAreTracers) {
  auto h = jx::jit([](const jx::Array& w, const jx::Array& x) {
    auto [g, consts] = jx::closure_convert([&](const jx::Array& v) { return jnp::sin(v * w); }, x);
    EXPECT_TRUE(consts.at(0).is_tracer());
    return g(x, consts);
  });
  EXPECT_NEAR(h(jnp::array(2.0f), jnp::array(0.25f)).item<float>(), std::sin(0.5f), 1e-6);
}

}  // namespace
