// jx::nn::scan (jx/nn/stateful.h), Haiku's hk.scan: parameters made during init by a step before the
// loop, module names that stay put, state and keys threaded through the carry, reverse and short loops,
// nesting, jit and grad (finite differences), and what the loop body may not do. Expected values are
// hand loops in double precision.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/stateful.h"
#include "jx/test_util.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
using jx::tree::Tree;

const jx::Array& param(const nn::Params& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

std::vector<double> doubles(const jx::Array& a) {
  const std::vector<float> v = a.astype(jx::float32).to_vector<float>();
  return {v.begin(), v.end()};
}

// h_t = tanh(x_t w + b + h_{t-1}) over xs [T, I] from h = 0, visiting t in order or in reverse;
// hs[t] is the state after input t.
std::vector<std::vector<double>> tanh_loop(const jx::Array& xs, const jx::Array& w, const jx::Array& b,
                                           bool reverse = false) {
  const std::int64_t steps = xs.shape()[0], inputs = w.shape()[0], outputs = w.shape()[1];
  const std::vector<double> x = doubles(xs), wv = doubles(w), bv = doubles(b);
  std::vector<double> h(static_cast<std::size_t>(outputs), 0.0);
  std::vector<std::vector<double>> hs(static_cast<std::size_t>(steps));
  for (std::int64_t k = 0; k < steps; ++k) {
    const std::int64_t t = reverse ? steps - 1 - k : k;
    std::vector<double> next(h.size());
    for (std::int64_t o = 0; o < outputs; ++o) {
      double sum = bv[static_cast<std::size_t>(o)] + h[static_cast<std::size_t>(o)];
      for (std::int64_t i = 0; i < inputs; ++i)
        sum += x[static_cast<std::size_t>(t * inputs + i)] * wv[static_cast<std::size_t>(i * outputs + o)];
      next[static_cast<std::size_t>(o)] = std::tanh(sum);
    }
    h = next;
    hs[static_cast<std::size_t>(t)] = h;
  }
  return hs;
}

void expect_rows(const jx::Array& ys, const std::vector<std::vector<double>>& want) {
  const std::vector<double> got = doubles(ys);
  std::size_t k = 0;
  for (const auto& row : want) {
    for (double v : row) {
      ASSERT_LT(k, got.size());
      EXPECT_NEAR(got[k], v, 1e-5) << "at " << k;
      ++k;
    }
  }
  EXPECT_EQ(k, got.size());
}

// The body closes over a Linear made outside the loop, or makes its own.
auto tanh_rnn(bool module_in_body, bool reverse = false) {
  return nn::transform([module_in_body, reverse](const jx::Array& xs) {
    std::optional<nn::Linear> outside;
    if (!module_in_body) outside.emplace(3);
    auto [h, hs] = nn::scan(
        [&](const jx::Array& carry, const jx::Array& x) {
          const jx::Array next = jnp::tanh((outside ? (*outside)(x) : nn::Linear(3)(x)) + carry);
          return std::pair{next, next};
        },
        jnp::zeros({3}, xs.dtype()), xs, {.reverse = reverse});
    return hs;
  });
}

TEST(Scan, ParametersAreMadeBeforeTheLoop) {
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(1), {6, 2});
  auto model = tanh_rnn(false);
  const nn::Params params = model.init(jx::random::PRNGKey(0), xs);
  EXPECT_EQ(params.size(), 1u);
  EXPECT_EQ(param(params, "linear", "w").shape(), jx::Shape({2, 3}));
  const nn::Params changed = Tree::dict(
      {{"linear", Tree::dict({{"w", param(params, "linear", "w")}, {"b", jnp::array({0.1f, -0.2f, 0.3f})}})}});
  expect_rows(model.apply(changed, std::nullopt, xs),
              tanh_loop(xs, param(changed, "linear", "w"), param(changed, "linear", "b")));
}

TEST(Scan, ModulesMadeInTheBodyKeepOneName) {
  // A Linear made on every step is the same module: "linear" in init and apply, and a module made after
  // the loop is "linear_1" in both.
  auto model = nn::transform([](const jx::Array& xs) {
    auto [h, hs] = nn::scan(
        [](const jx::Array& carry, const jx::Array& x) {
          const jx::Array next = jnp::tanh(nn::Linear(3)(x) + carry);
          return std::pair{next, next};
        },
        jnp::zeros({3}), xs);
    return nn::Linear(1)(hs);
  });
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(1), {4, 2});
  const nn::Params params = model.init(jx::random::PRNGKey(0), xs);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(param(params, "linear", "w").shape(), jx::Shape({2, 3}));
  EXPECT_EQ(param(params, "linear_1", "w").shape(), jx::Shape({3, 1}));
  EXPECT_EQ(model.apply(params, std::nullopt, xs).shape(), jx::Shape({4, 1}));
  auto same = tanh_rnn(true);
  const nn::Params p = same.init(jx::random::PRNGKey(0), xs);
  expect_rows(same.apply(p, std::nullopt, xs), tanh_loop(xs, param(p, "linear", "w"), param(p, "linear", "b")));
}

TEST(Scan, StateTravelsThroughTheCarry) {
  // A counter and a running total of the inputs as module state (at "~", outside any module).
  auto model = nn::transform_with_state([](const jx::Array& xs) {
    auto [carry, ys] = nn::scan(
        [](const jx::Array& c, const jx::Array& x) {
          const jx::Array count = nn::get_state("count", {}, jx::int32, nn::initializers::zeros()) + 1;
          const jx::Array total = nn::get_state("total", {}, jx::float32, nn::initializers::zeros()) + jnp::sum(x);
          nn::set_state("count", count);
          nn::set_state("total", total);
          return std::pair{c + 1.0f, count};
        },
        jnp::array(0.0f), xs);
    return std::pair{carry, ys};
  });
  const jx::Array xs = jnp::arange(10).reshape({5, 2}).astype(jx::float32);
  auto [params, state] = model.init(jx::random::PRNGKey(0), xs);
  EXPECT_EQ(params.size(), 0u);
  // init returns the initial state, as Haiku does.
  EXPECT_EQ(state["~"]["count"].array().item<int>(), 0);
  auto [out, next] = model.apply(params, state, std::nullopt, xs);
  EXPECT_EQ(out.first.item<float>(), 5.0f);
  EXPECT_EQ(out.second.to_vector<int>(), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(next["~"]["count"].array().item<int>(), 5);
  EXPECT_EQ(next["~"]["total"].array().item<float>(), 45.0f);
  auto [again, after] = model.apply(params, next, std::nullopt, xs);
  EXPECT_EQ(again.second.to_vector<int>(), (std::vector<int>{6, 7, 8, 9, 10}));
  EXPECT_EQ(after["~"]["total"].array().item<float>(), 90.0f);
}

TEST(Scan, KeysTravelThroughTheCarry) {
  auto model = nn::transform([](const jx::Array& xs) {
    return nn::scan(
               [](const jx::Array& c, const jx::Array& x) {
                 return std::pair{c, x + jx::random::normal(nn::next_rng_key(), {2})};
               },
               jnp::array(0.0f), xs)
        .second;
  });
  const jx::Array xs = jnp::zeros({4, 2});
  const nn::Params params = model.init(jx::random::PRNGKey(0), xs);
  const std::vector<float> a = model.apply(params, jx::random::PRNGKey(1), xs).to_vector<float>();
  const std::vector<float> b = model.apply(params, jx::random::PRNGKey(1), xs).to_vector<float>();
  const std::vector<float> c = model.apply(params, jx::random::PRNGKey(2), xs).to_vector<float>();
  EXPECT_EQ(a, b);  // the same key, the same draws
  EXPECT_NE(a, c);
  // A fresh key on every step: no two rows alike.
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = i + 1; j < 4; ++j) EXPECT_NE(a[2 * i], a[2 * j]) << i << " " << j;
  EXPECT_THROW(model.apply(params, std::nullopt, xs), jx::ValueError);
}

TEST(Scan, ReverseAndShortLoops) {
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(1), {5, 2});
  auto model = tanh_rnn(false, true);
  const nn::Params params = model.init(jx::random::PRNGKey(0), xs);
  expect_rows(model.apply(params, std::nullopt, xs),
              tanh_loop(xs, param(params, "linear", "w"), param(params, "linear", "b"), true));
  // init runs its step before the loop on the last element when reversed; one element leaves no loop.
  const jx::Array one = xs(jx::Slice{0, 1});
  const nn::Params p1 = model.init(jx::random::PRNGKey(0), one);
  expect_rows(model.apply(p1, std::nullopt, one), tanh_loop(one, param(p1, "linear", "w"), param(p1, "linear", "b")));
  // No elements: init still makes the parameters (one step on zeros), and the ys are empty.
  auto forward = tanh_rnn(false);
  const jx::Array none = jnp::zeros({0, 2});
  const nn::Params p0 = forward.init(jx::random::PRNGKey(0), none);
  EXPECT_EQ(param(p0, "linear", "w").shape(), jx::Shape({2, 3}));
  EXPECT_EQ(forward.apply(p0, std::nullopt, none).shape(), jx::Shape({0, 3}));
}

TEST(Scan, NestedLoops) {
  // An outer loop over rows, an inner one over columns, both reading one Linear made outside them.
  auto model = nn::transform([](const jx::Array& grid) {  // [rows, columns, 2]
    const nn::Linear layer(3);
    return nn::scan(
               [&](const jx::Array& carry, const jx::Array& row) {
                 auto [h, hs] = nn::scan(
                     [&](const jx::Array& inner, const jx::Array& x) {
                       const jx::Array next = jnp::tanh(layer(x) + inner);
                       return std::pair{next, next};
                     },
                     carry, row);
                 return std::pair{h, hs};
               },
               jnp::zeros({3}), grid)
        .second;
  });
  const jx::Array grid = jx::random::normal(jx::random::PRNGKey(1), {3, 4, 2});
  const nn::Params params = model.init(jx::random::PRNGKey(0), grid);
  EXPECT_EQ(params.size(), 1u);
  // The same as one loop over the 12 positions in row-major order.
  expect_rows(model.apply(params, std::nullopt, grid),
              tanh_loop(grid.reshape({12, 2}), param(params, "linear", "w"), param(params, "linear", "b")));
}

TEST(Scan, UnderJitAndGrad) {
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(1), {6, 2});
  auto model = tanh_rnn(false);
  const nn::Params params = jx::jit([&](const jx::Array& x) { return model.init(jx::random::PRNGKey(0), x); })(xs);
  const auto step = jx::jit([&](const nn::Params& p, const jx::Array& x) { return model.apply(p, std::nullopt, x); });
  expect_rows(step(params, xs), tanh_loop(xs, param(params, "linear", "w"), param(params, "linear", "b")));
  // Gradients with respect to the parameters and the inputs (float64: check_grads' precision).
  const auto loss = [&](const jx::Array& w, const jx::Array& b, const jx::Array& x) {
    const nn::Params p = Tree::dict({{"linear", Tree::dict({{"w", w}, {"b", b}})}});
    const jx::Array hs = model.apply(p, std::nullopt, x);
    return jnp::sum(hs * jnp::arange(18).reshape({6, 3}).astype(x.dtype()));
  };
  jx::test::check_grads(loss, {param(params, "linear", "w"), param(params, "linear", "b"), xs}, 1);
}

TEST(Scan, WhatTheBodyMayNotDo) {
  // A parameter (or state) the step before the loop did not make.
  int calls = 0;
  auto new_parameter = nn::transform([&](const jx::Array& xs) {
    return nn::scan(
               [&](const jx::Array& c, const jx::Array& x) {
                 const jx::Array w = nn::get_parameter("w" + std::to_string(calls++), {2}, nn::initializers::ones());
                 return std::pair{c, x * w};
               },
               jnp::array(0.0f), xs)
        .second;
  });
  try {
    new_parameter.init(jx::random::PRNGKey(0), jnp::ones({3, 2}));
    ADD_FAILURE() << "the loop body made a parameter";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("~/w1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nn::scan"), std::string::npos) << e.what();
  }
  calls = 0;
  auto new_state = nn::transform_with_state([&](const jx::Array& xs) {
    return nn::scan(
               [&](const jx::Array& c, const jx::Array& x) {
                 nn::set_state("s" + std::to_string(calls++), x);
                 return std::pair{c, x};
               },
               jnp::array(0.0f), xs)
        .second;
  });
  EXPECT_THROW(new_state.init(jx::random::PRNGKey(0), jnp::ones({3, 2})), jx::ValueError);
  // Outside a transformed function; inputs without a leading axis or of different lengths.
  const auto body = [](const jx::Array& c, const jx::Array& x) { return std::pair{c, x}; };
  EXPECT_THROW(nn::scan(body, jnp::array(0.0f), jnp::ones({3})), jx::ValueError);
  auto scalar = nn::transform([&](const jx::Array& x) { return nn::scan(body, jnp::array(0.0f), x).second; });
  EXPECT_THROW(scalar.init(jx::random::PRNGKey(0), jnp::array(1.0f)), jx::ShapeError);
  auto uneven = nn::transform([&](const jx::Array& x, const jx::Array& y) {
    return nn::scan(
               [](const jx::Array& c, const Tree& xy) {
                 return std::pair{c, xy[std::size_t{0}].array()};
               },
               jnp::array(0.0f), Tree::list({x, y}))
        .second;
  });
  EXPECT_THROW(uneven.init(jx::random::PRNGKey(0), jnp::ones({3}), jnp::ones({4})), jx::ShapeError);
  // After a failed loop the transformed function still works (the frame was restored).
  auto fine = tanh_rnn(false);
  EXPECT_NO_THROW(fine.init(jx::random::PRNGKey(0), jnp::ones({3, 2})));
}

}  // namespace
