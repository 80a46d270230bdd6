// vmap: for every primitive (through the shared case table), vmap against a loop that stacks
// per-example results — with the batch axis first, last, and with unmapped operands; nesting and
// composition with grad and jit; errors.
#include "jx/transforms/vmap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>

#include "error_expectations.h"
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

using jx_test::error_message;
using jx_test::expect_contains;

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
    std::vector<jx::AxisSpec> entries;
    for (std::size_t i = 0; i < n; ++i) entries.emplace_back(mapped[i] ? std::optional<int>(in_axis) : std::nullopt);
    const jx::AxisSpec in_axes = jx::AxisSpec::list(entries);
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
  expect_contains(error_message<jx::ShapeError>([&] { jx::vmap(add)(jnp::ones({3}), jnp::ones({4})); }),
                  "argument 1 has size 4");
  // An axis out of range names the argument, the axis and the argument's shape.
  std::string message = error_message<jx::ShapeError>([&] {
    jx::vmap(add, {.in_axes = {2, 0}})(jnp::ones({3}), jnp::ones({3}));
  });
  expect_contains(message, "in_axes 2 is out of range for argument 0");
  expect_contains(message, jx::Shape({3}).to_string());
  message = error_message<jx::ShapeError>([&] {
    jx::vmap(add, {.in_axes = {0, -3}})(jnp::ones({3}), jnp::ones({3, 2}));
  });
  expect_contains(message, "in_axes -3 is out of range for argument 1");
  expect_contains(message, jx::Shape({3, 2}).to_string());
  // A pytree argument: the top-level argument is named, whichever leaf is out of range.
  message = error_message<jx::ShapeError>([] {
    jx::vmap([](const jx::Array& a, const vmap_test::Params& p) { return a * p.weight + p.bias; }, {.in_axes = {0, 1}})(
        jnp::ones({3}), vmap_test::Params{jnp::ones({2, 3}), jnp::ones({3})});
  });
  expect_contains(message, "out of range for argument 1");
  message = error_message<jx::ShapeError>([] {
    jx::vmap([](const jx::Array& v) { return v * 2; }, {.out_axes = 2})(jnp::ones({3, 4}));
  });
  expect_contains(message, "out_axes 2 is out of range for output 0 of rank 2");
  expect_contains(
      error_message<jx::ValueError>([&] { jx::vmap(add, {.in_axes = {0}})(jnp::ones({3}), jnp::ones({3})); }),
      "one entry per argument of the function (2), got (0,)");
  // An output that depends on the mapped axis where out_axes asks for it unmapped: the output is
  // named by its position among the output's leaves.
  expect_contains(error_message<jx::ValueError>([] {
                    jx::vmap([](const jx::Array& v) { return v * 2; }, {.out_axes = std::nullopt})(jnp::ones({3}));
                  }),
                  "output 0 depends on the mapped axis, but out_axes is std::nullopt");
  expect_contains(error_message<jx::ValueError>([] {
                    jx::vmap(
                        [](const jx::Array& v) {
                          return std::pair{jnp::array(1.0f), v * 2};
                        },
                        {.out_axes = std::nullopt})(jnp::ones({3}));
                  }),
                  "output 1 depends on the mapped axis");
  expect_contains(error_message<jx::ValueError>([] {
                    jx::vmap([](const jx::Array& v) { return v; }, {.in_axes = {std::nullopt}})(jnp::ones({3}));
                  }),
                  "no argument is mapped");
}

// Example b of x along `axis` (the axis removed).
jx::Array take_example(const jx::Array& x, int axis, int b) {
  return jnp::squeeze(jx::lax::slice_in_dim(x, b, b + 1, 1, axis), axis);
}

// vmap(f) with the given axes against a loop that calls f on each example and stacks the results
// along the output axis; exact, for the integer, boolean and index results of these primitives.
void expect_batched_like_loop(const std::function<jx::Array(const jx::Array&, const jx::Array&)>& f, const jx::Array& a,
                              const jx::Array& b, std::optional<int> a_axis, std::optional<int> b_axis, int out_axes,
                              const std::string& what) {
  const std::int64_t size = a_axis ? a.shape()[*a_axis < 0 ? *a_axis + a.ndim() : *a_axis]
                                   : b.shape()[*b_axis < 0 ? *b_axis + b.ndim() : *b_axis];
  std::vector<jx::Array> results;
  for (int i = 0; i < size; ++i) {
    results.push_back(f(a_axis ? take_example(a, *a_axis, i) : a, b_axis ? take_example(b, *b_axis, i) : b));
  }
  const int out_axis = std::min(out_axes, results[0].ndim());  // axis 1 of a batch of scalars is axis 0
  const jx::Array expected = jnp::stack(results, out_axis);
  const jx::Array actual = jx::vmap(f, {.in_axes = {a_axis, b_axis}, .out_axes = out_axis})(a, b);
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  ASSERT_EQ(actual.dtype(), expected.dtype()) << what;
  EXPECT_EQ(actual.to_vector<double>(), expected.to_vector<double>()) << what;
  const jx::Array jitted = jx::jit([&](const jx::Array& x, const jx::Array& y) {
    return jx::vmap(f, {.in_axes = {a_axis, b_axis}, .out_axes = out_axis})(x, y);
  })(a, b);
  EXPECT_EQ(jitted.to_vector<double>(), expected.to_vector<double>()) << what << " (jit)";
}

// Integer, bitwise, comparison and index-valued primitives, which the differentiable case table does
// not reach: each with the batch axis first, in the middle of a rank-3 input, last, and unmapped.
TEST(Vmap, IndexIntegerBitwiseAndComparisonPrimitives) {
  using Binary = std::function<jx::Array(const jx::Array&, const jx::Array&)>;
  const std::vector<std::pair<std::string, Binary>> functions = {
      {"argmax", [](const jx::Array& x, const jx::Array&) { return jnp::argmax(x, 1); }},
      {"argmin", [](const jx::Array& x, const jx::Array&) { return jnp::argmin(x, 0); }},
      {"argmax_flat", [](const jx::Array& x, const jx::Array&) { return jnp::argmax(x); }},
      {"argmin_lax", [](const jx::Array& x, const jx::Array&) { return jx::lax::argmin(x, 1, jx::int32); }},
      {"integer_div_rem",
       [](const jx::Array& x, const jx::Array& y) {
         const jx::Array i = x.astype(jx::int32), j = y.astype(jx::int32) + 7;  // j in [2, 12]: never zero
         return jx::lax::div(i, j) * 100 + jx::lax::rem(i, j) + jnp::floor_divide(i, j) * 10000;
       }},
      {"bitwise",
       [](const jx::Array& x, const jx::Array& y) {
         const jx::Array i = x.astype(jx::int32), j = y.astype(jx::int32);
         return jnp::bitwise_xor(jnp::bitwise_and(i, j), jnp::bitwise_or(i, jnp::invert(j))) +
                jnp::left_shift(i, jnp::array(2)) + jnp::right_shift(i, jnp::array(1));
       }},
      {"comparison",
       [](const jx::Array& x, const jx::Array& y) {
         return jnp::logical_or(jnp::logical_and(x < y, x != 0.0f), jnp::equal(x, y)) != (x >= y * 2);
       }},
  };
  // Values with ties, negatives and zeros, in float32; the example shape is (2, 4).
  const jx::Array first =
      jnp::round(primitive_cases::values_in(-5, 5, {kBatch, 2, 4})) * jnp::array({1.0f, -1.0f, 1.0f, 0.0f});
  const jx::Array second = jnp::round(primitive_cases::values_in(-5, 5, {kBatch, 2, 4}, 7));
  const jx::Array shared = jnp::round(primitive_cases::values_in(-5, 5, {2, 4}, 2));
  auto move_batch = [](const jx::Array& x, int axis) { return jnp::moveaxis(x, 0, axis); };
  for (const auto& [name, f] : functions) {
    expect_batched_like_loop(f, first, second, 0, 0, 0, name + ": axis 0");
    expect_batched_like_loop(f, move_batch(first, 1), move_batch(second, 1), 1, 1, 1, name + ": axis 1 of 3");
    expect_batched_like_loop(f, move_batch(first, 2), move_batch(second, 1), -1, 1, -1, name + ": mixed axes");
    expect_batched_like_loop(f, move_batch(first, 1), shared, 1, std::nullopt, 0, name + ": second unmapped");
    expect_batched_like_loop(f, shared, second, std::nullopt, 0, 0, name + ": first unmapped");
  }
}

// The batch axis in the middle: in_axes = 1 of a rank-3 input and out_axes = 1, against a loop.
TEST(Vmap, BatchAxisInTheMiddle) {
  const jx::Array x = jnp::arange(24.0f).reshape({2, 3, 4});  // 3 examples of shape (2, 4)
  auto f = [](const jx::Array& e) {
    return jnp::matmul(e, e.transpose()) + jnp::sum(e, {.axis = 1, .keepdims = true});
  };  // (2, 2)
  std::vector<jx::Array> per_example;
  for (int b = 0; b < 3; ++b) per_example.push_back(f(take_example(x, 1, b)));
  const jx::Array out = jx::vmap(f, {.in_axes = {1}, .out_axes = 1})(x);
  ASSERT_EQ(out.shape(), jx::Shape({2, 3, 2}));
  expect_close(out, jnp::stack(per_example, 1), "in_axes 1, out_axes 1");
  expect_close(jx::jit(jx::vmap(f, {.in_axes = {1}, .out_axes = 1}))(x), jnp::stack(per_example, 1), "jit");
  expect_close(jx::vmap(f, {.in_axes = {-2}, .out_axes = -2})(x), jnp::stack(per_example, 1), "negative axes");
  // Two arguments mapped on different axes, and an unmapped one.
  const jx::Array y = jnp::arange(12.0f).reshape({4, 3}) * 0.5f;  // 3 examples of shape (4,)
  auto g = [](const jx::Array& e, const jx::Array& v, const jx::Array& s) { return jnp::matmul(e, v) * s; };
  std::vector<jx::Array> expected;
  for (int b = 0; b < 3; ++b) expected.push_back(g(take_example(x, 1, b), take_example(y, 1, b), jnp::array(2.0f)));
  expect_close(jx::vmap(g, {.in_axes = {1, 1, std::nullopt}, .out_axes = 1})(x, y, jnp::array(2.0f)),
               jnp::stack(expected, 1), "mixed in_axes");
  // Nested: the inner vmap over the middle axis of each example of the outer one.
  const jx::Array z = jnp::arange(48.0f).reshape({2, 2, 3, 4});
  const jx::Array nested = jx::vmap(jx::vmap([](const jx::Array& e) { return jnp::max(e, 0); }, {.in_axes = {1}}),
                                    {.in_axes = {0}, .out_axes = 1})(z);
  ASSERT_EQ(nested.shape(), jx::Shape({3, 2, 4}));
  expect_close(nested, jnp::moveaxis(jnp::max(z, 1), 0, 1), "nested");
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
