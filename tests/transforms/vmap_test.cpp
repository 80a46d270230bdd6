// vmap: for every primitive (through the shared case table), vmap against a loop that stacks
// per-example results — with the batch axis first, last, and with unmapped operands; nesting and
// composition with grad and jit; errors.
#include "jx/transforms/vmap.h"

#include <gtest/gtest.h>

#include "jx/core/error.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "transforms/primitive_cases.h"

namespace jnp = jx::numpy;

namespace vmap_test {
struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);
}  // namespace vmap_test

namespace {

using primitive_cases::Case;
using primitive_cases::cases;
constexpr int kBatch = 3;

// Example b of a batch: the case's input, perturbed so that examples differ but stay in range.
jx::Array example(const jx::Array& x, int b) { return x * (1.0f + 0.05f * static_cast<float>(b)); }

void expect_close(const jx::Array& actual, const jx::Array& expected, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  ASSERT_EQ(actual.dtype(), expected.dtype()) << what;
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(e[i])) continue;
    EXPECT_NEAR(a[i], e[i], 1e-5 * (1 + std::abs(e[i]))) << what << " at " << i;
  }
}

// Stacks the per-example results along `axis`.
jx::Array loop(const Case& c, int axis, const std::vector<bool>& mapped) {
  std::vector<jx::Array> results;
  for (int b = 0; b < kBatch; ++b) {
    std::vector<jx::Array> args;
    for (std::size_t i = 0; i < c.args.size(); ++i) args.push_back(mapped[i] ? example(c.args[i], b) : c.args[i]);
    results.push_back(c.f(args));
  }
  return jnp::stack(results, axis);
}

class PrimitiveBatching : public testing::TestWithParam<std::size_t> {};

TEST_P(PrimitiveBatching, MatchesALoopOverExamples) {
  static const std::vector<Case> all = cases();
  const Case& c = all[GetParam()];
  SCOPED_TRACE(c.name);
  const std::size_t n = c.args.size();
  auto batched_args = [&](int axis, const std::vector<bool>& mapped) {
    std::vector<jx::Array> args;
    for (std::size_t i = 0; i < n; ++i) {
      if (!mapped[i]) {
        args.push_back(c.args[i]);
        continue;
      }
      std::vector<jx::Array> examples;
      for (int b = 0; b < kBatch; ++b) examples.push_back(example(c.args[i], b));
      args.push_back(jnp::stack(examples, axis < 0 ? axis + c.args[i].ndim() + 1 : axis));
    }
    return args;
  };
  auto call = [&](int in_axis, int out_axis, const std::vector<bool>& mapped) {
    std::vector<std::optional<int>> in_axes;
    for (std::size_t i = 0; i < n; ++i) in_axes.push_back(mapped[i] ? std::optional<int>(in_axis) : std::nullopt);
    const std::vector<jx::Array> args = batched_args(in_axis, mapped);
    // The case functions take a span of arrays; vmap sees them as separate arguments.
    switch (n) {
      case 1:
        return jx::vmap([&](const jx::Array& a) { return c.f(std::vector{a}); },
                        {.in_axes = in_axes, .out_axes = out_axis})(args[0]);
      default:
        return jx::vmap(
            [&](const jx::Array& a, const jx::Array& b) {
              return c.f(std::vector{a, b});
            },
            {.in_axes = in_axes, .out_axes = out_axis})(args[0], args[1]);
    }
  };
  const std::vector<bool> all_mapped(n, true);
  expect_close(call(0, 0, all_mapped), loop(c, 0, all_mapped), "batch axis first");
  expect_close(call(-1, -1, all_mapped), loop(c, -1, all_mapped), "batch axis last");
  if (n == 2) {
    expect_close(call(0, 0, {true, false}), loop(c, 0, {true, false}), "second operand unmapped");
    expect_close(call(0, 0, {false, true}), loop(c, 0, {false, true}), "first operand unmapped");
  }
}

INSTANTIATE_TEST_SUITE_P(All, PrimitiveBatching, testing::Range<std::size_t>(0, cases().size()),
                         [](const testing::TestParamInfo<std::size_t>& param) { return cases()[param.param].name; });

jx::Array seed_loss(const vmap_test::Params& p, const jx::Array& x, const jx::Array& y) {
  return jnp::mean(jnp::power(p.weight * x + p.bias - y, 2));
}

TEST(Vmap, PerExampleGradientsOfTheSeedLoss) {
  const jx::Array xs = jnp::linspace(-1, 1, 5).reshape({5, 1});
  const jx::Array ys = xs * 2 - 1 + jnp::array({0.1f, -0.2f, 0.0f, 0.3f, -0.1f}).reshape({5, 1});
  const vmap_test::Params p{jnp::array(0.5f, jx::float32), jnp::array(0.25f, jx::float32)};
  const vmap_test::Params g = jx::vmap(jx::grad(seed_loss), {.in_axes = {std::nullopt, 0, 0}})(p, xs, ys);
  ASSERT_EQ(g.weight.shape(), jx::Shape({5}));
  // Closed form for one example (x, y) of shape (1,): d/dw = 2 (w x + b - y) x, d/db = 2 (w x + b - y).
  const auto x = xs.to_vector<float>(), y = ys.to_vector<float>();
  const auto gw = g.weight.to_vector<float>(), gb = g.bias.to_vector<float>();
  for (int i = 0; i < 5; ++i) {
    const float r = 0.5f * x[static_cast<std::size_t>(i)] + 0.25f - y[static_cast<std::size_t>(i)];
    EXPECT_NEAR(gw[static_cast<std::size_t>(i)], 2 * r * x[static_cast<std::size_t>(i)], 1e-6);
    EXPECT_NEAR(gb[static_cast<std::size_t>(i)], 2 * r, 1e-6);
  }
  // The same under jit.
  const vmap_test::Params gj = jx::jit([](const vmap_test::Params& q, const jx::Array& a, const jx::Array& b) {
    return jx::vmap(jx::grad(seed_loss), {.in_axes = {std::nullopt, 0, 0}})(q, a, b);
  })(p, xs, ys);
  expect_close(gj.weight, g.weight, "jit(vmap(grad))");
}

TEST(Vmap, NestedAndComposed) {
  const jx::Array m = jnp::arange(12.0f).reshape({3, 4});
  // vmap of vmap: elementwise over a matrix.
  const jx::Array squared = jx::vmap(jx::vmap([](const jx::Array& v) { return v * v; }))(m);
  expect_close(squared, m * m, "vmap(vmap)");
  // Row sums, column sums.
  expect_close(jx::vmap([](const jx::Array& row) { return jnp::sum(row); })(m), jnp::sum(m, 1), "rows");
  expect_close(jx::vmap([](const jx::Array& col) { return jnp::sum(col); }, {.in_axes = {1}})(m), jnp::sum(m, 0),
               "columns");
  // grad of vmap: d/dx sum_b sin(x_b) = cos(x).
  const jx::Array x = jnp::array({0.1f, 0.2f, 0.3f});
  const jx::Array g = jx::grad(
      [](const jx::Array& v) { return jnp::sum(jx::vmap([](const jx::Array& e) { return jnp::sin(e); })(v)); })(x);
  expect_close(g, jnp::cos(x), "grad(vmap)");
  // Matrix-vector products for a batch of vectors against one shared matrix.
  const jx::Array vs = jnp::arange(8.0f).reshape({2, 4});
  expect_close(jx::vmap([&](const jx::Array& v) { return jnp::matmul(m, v); })(vs), jnp::matmul(vs, m.transpose()),
               "shared matrix");
}

TEST(Vmap, UnmappedOutputsAreBroadcastAndAxisSizeWorks) {
  const jx::Array out = jx::vmap([](const jx::Array&) { return jnp::array(7.0f); },
                                 {.in_axes = {std::nullopt}, .axis_size = 4})(jnp::ones({2}));
  EXPECT_EQ(out.shape(), jx::Shape({4}));
  EXPECT_EQ(out.to_vector<float>(), std::vector<float>(4, 7.0f));
}

TEST(Vmap, ErrorsNameTheArgument) {
  auto add = [](const jx::Array& a, const jx::Array& b) { return a + b; };
  try {
    jx::vmap(add)(jnp::ones({3}), jnp::ones({4}));
    FAIL();
  } catch (const jx::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("argument 1 has size 4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(jx::vmap(add, {.in_axes = {2, 0}})(jnp::ones({3}), jnp::ones({3})), jx::ShapeError);
  EXPECT_THROW(jx::vmap(add, {.in_axes = {0}})(jnp::ones({3}), jnp::ones({3})), jx::ValueError);
  EXPECT_THROW(jx::vmap([](const jx::Array& v) { return v * 2; }, {.out_axes = std::nullopt})(jnp::ones({3})),
               jx::ValueError);
}

}  // namespace

#include "jx/transforms/custom_derivatives.h"

namespace {

TEST(Vmap, CustomDerivativeFunctionsBatch) {
  auto log1pexp = jx::custom_jvp([](const jx::Array& x) { return jnp::log1p(jnp::exp(x)); },
                                 [](const std::tuple<jx::Array>& p, const std::tuple<jx::Array>& t) {
                                   return (1 - 1 / (1 + jnp::exp(std::get<0>(p)))) * std::get<0>(t);
                                 });
  const jx::Array x = jnp::array({0.0f, 1.0f, -1.0f});
  expect_close(jx::vmap(log1pexp)(x), jnp::log1p(jnp::exp(x)), "vmap(custom_jvp)");
}

}  // namespace
