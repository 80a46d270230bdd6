// jx::nn's control flow inside transformed functions (jx/nn/stateful.h), Haiku's hk.cond, hk.switch,
// hk.fori_loop, hk.while_loop and hk.map: state set in a branch or loop body kept afterwards, keys
// threaded through, parameters made during init as Haiku makes them, jit agreement, and the errors.
// Expected values are hand loops in double precision over the parameters init made.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/stateful.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

const jx::Array& param(const nn::Params& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

std::vector<double> doubles(const jx::Array& a) {
  const std::vector<float> v = a.astype(jx::float32).to_vector<float>();
  return {v.begin(), v.end()};
}

// x w + b for a vector x, w [in, out] and b [out] as init made them.
std::vector<double> affine(const std::vector<double>& x, const nn::Params& params, const std::string& module) {
  const jx::Array& w = param(params, module, "w");
  const std::vector<double> wv = doubles(w), bv = doubles(param(params, module, "b"));
  const std::int64_t in = w.shape()[0], out = w.shape()[1];
  std::vector<double> y(bv);
  for (std::int64_t o = 0; o < out; ++o)
    for (std::int64_t i = 0; i < in; ++i)
      y[static_cast<std::size_t>(o)] += x[static_cast<std::size_t>(i)] * wv[static_cast<std::size_t>(i * out + o)];
  return y;
}

void expect_near(const jx::Array& got, const std::vector<double>& want, double tolerance = 1e-5) {
  const std::vector<double> g = doubles(got);
  ASSERT_EQ(g.size(), want.size());
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], tolerance) << "at " << i;
}

// Haiku's test module: squares its input and keeps the square as state "y".
class SquareModule : public nn::Module {
 public:
  SquareModule() : nn::Module("square_module", std::nullopt) {}
  jx::Array operator()(const jx::Array& x) const {
    return scoped([&] {
      const jx::Array y = x * x;
      nn::set_state("y", y);
      return y;
    });
  }
};

int state_int(const nn::State& state, const std::string& module, const std::string& name) {
  return state.as_dict().at(module).as_dict().at(name).array().item<int>();
}

// --- cond and switch_ --------------------------------------------------------------------------------

TEST(StatefulCond, StateSetInTheBranchTakenIsKept) {
  // Haiku's test_cond: both branches call one module, which makes its state in either during init.
  auto f = nn::transform_with_state([](const jx::Array& x) {
    const SquareModule square;
    return nn::cond(
        x == 2, [&](const jx::Array& v) { return square(v); }, [&](const jx::Array& v) { return square(v + 1); }, x);
  });
  for (const auto& [x, y] : std::vector<std::pair<float, float>>{{1, 4}, {2, 4}, {3, 16}}) {
    auto [params, state] = f.init(jx::random::PRNGKey(0), jnp::array(x));
    EXPECT_EQ(params.size(), 0u);
    // Made inside the branch during init: its initial value is the one the branch taken set.
    EXPECT_EQ(state["square_module"]["y"].array().item<float>(), y);
    const auto jit_init = jx::jit([&](const jx::Array& v) { return f.init(jx::random::PRNGKey(0), v); });
    EXPECT_EQ(jit_init(jnp::array(x)).second["square_module"]["y"].array().item<float>(), y);
    auto [out, next] = f.apply(params, state, std::nullopt, jnp::array(x));
    EXPECT_EQ(out.item<float>(), y);
    EXPECT_EQ(next["square_module"]["y"].array().item<float>(), y);
  }
}

TEST(StatefulCond, CounterInOneBranch) {
  // The count made before the cond goes up only when the true branch runs.
  auto f = nn::transform_with_state([](const jx::Array& pred) {
    nn::get_state("count", {}, jx::int32, nn::initializers::zeros());
    return nn::cond(
        pred,
        [](const jx::Array& p) {
          nn::set_state("count", nn::get_state("count", {}, jx::int32, nn::initializers::zeros()) + 1);
          return p;
        },
        [](const jx::Array& p) { return p; }, pred);
  });
  auto [params, state] = f.init(jx::random::PRNGKey(0), jnp::array(true));
  EXPECT_EQ(state_int(state, "~", "count"), 0);  // init returns the initial state
  const auto step =
      jx::jit([&](const nn::State& s, const jx::Array& pred) { return f.apply(params, s, std::nullopt, pred).second; });
  const std::vector<bool> preds{true, false, true, true, false};
  int trues = 0;
  for (bool p : preds) {
    state = step(state, jnp::array(p));
    trues += p ? 1 : 0;
    EXPECT_EQ(state_int(state, "~", "count"), trues);
  }
  // Eager gives the same.
  EXPECT_EQ(state_int(f.apply(params, state, std::nullopt, jnp::array(true)).second, "~", "count"), trues + 1);
}

// Both experts' parameters made during init, one of them applied (Haiku's advice for hk.cond).
auto two_experts() {
  return nn::transform([](const jx::Array& x, const jx::Array& pred) {
    const nn::Linear a(3, {.b_init = nn::initializers::random_normal(), .name = "a"}),
        b(3, {.b_init = nn::initializers::random_normal(), .name = "b"});
    if (nn::running_init()) {
      (void)a(x);
      return b(x);
    }
    return nn::cond(
        pred, [&](const jx::Array& v) { return a(v); }, [&](const jx::Array& v) { return b(v); }, x);
  });
}

TEST(StatefulCond, LinearExpertsAgainstTheirParameters) {
  auto f = two_experts();
  const jx::Array x = jnp::array({0.5f, -1.0f});
  const nn::Params params = f.init(jx::random::PRNGKey(0), x, jnp::array(true));
  ASSERT_EQ(params.size(), 2u);
  const auto jitted =
      jx::jit([&](const jx::Array& v, const jx::Array& p) { return f.apply(params, std::nullopt, v, p); });
  for (bool p : {true, false}) {
    const std::vector<double> want = affine({0.5, -1.0}, params, p ? "a" : "b");
    expect_near(f.apply(params, std::nullopt, x, jnp::array(p)), want);
    expect_near(jitted(x, jnp::array(p)), want);
  }
}

TEST(StatefulCond, OneModuleInBothBranchesIsMadeDuringInit) {
  // Both branches make the same parameters, so init may run the cond itself (Haiku threads them out).
  auto f = nn::transform([](const jx::Array& x, const jx::Array& pred) {
    const nn::Linear layer(3, {.b_init = nn::initializers::random_normal()});
    return nn::cond(
        pred, [&](const jx::Array& v) { return layer(v); }, [&](const jx::Array& v) { return layer(v) * 2; }, x);
  });
  const jx::Array x = jnp::array({0.25f, 2.0f});
  const nn::Params params = f.init(jx::random::PRNGKey(4), x, jnp::array(false));
  EXPECT_EQ(param(params, "linear", "w").shape(), jx::Shape({2, 3}));
  const std::vector<double> y = affine({0.25, 2.0}, params, "linear");
  expect_near(f.apply(params, std::nullopt, x, jnp::array(true)), y);
  expect_near(f.apply(params, std::nullopt, x, jnp::array(false)), {2 * y[0], 2 * y[1], 2 * y[2]});
}

TEST(StatefulCond, KeysAreThreadedThroughTheBranch) {
  // next_rng_key splits the key on every call: after a branch that drew one key, the next draw is from
  // the key after that split; after a branch that drew none, it is the draw the other branch made.
  auto f = nn::transform([](const jx::Array& pred) {
    const jx::Array inside = nn::cond(
        pred, [](const jx::Array&) { return jx::random::normal(nn::next_rng_key(), {}); },
        [](const jx::Array&) { return jnp::array(0.0f); }, pred);
    return std::pair{inside, jx::random::normal(nn::next_rng_key(), {})};
  });
  const nn::Params params = f.init(jx::random::PRNGKey(0), jnp::array(true));
  const auto [drawn, after_true] = f.apply(params, jx::random::PRNGKey(3), jnp::array(true));
  const auto [zero, after_false] = f.apply(params, jx::random::PRNGKey(3), jnp::array(false));
  EXPECT_EQ(zero.item<float>(), 0.0f);
  EXPECT_EQ(after_false.item<float>(), drawn.item<float>());
  EXPECT_NE(after_true.item<float>(), drawn.item<float>());
  const auto again = f.apply(params, jx::random::PRNGKey(3), jnp::array(true));
  EXPECT_EQ(again.second.item<float>(), after_true.item<float>());
}

TEST(StatefulSwitch, BranchByIndexWithState) {
  // Branch i records 10 i + x in state "last" and returns x + i; indices out of range clamp, as in lax.
  auto f = nn::transform_with_state([](const jx::Array& index, const jx::Array& x) {
    nn::get_state("last", {}, jx::float32, nn::initializers::zeros());
    const auto branch = [](float i) {
      return [i](const jx::Array& v) {
        nn::set_state("last", v + 10 * i);
        return v + i;
      };
    };
    return nn::switch_(index, std::tuple{branch(0), branch(1), branch(2)}, x);
  });
  auto [params, state] = f.init(jx::random::PRNGKey(0), jnp::array(0), jnp::array(0.5f));
  const auto jitted =
      jx::jit([&](const jx::Array& i, const jx::Array& x) { return f.apply(params, state, std::nullopt, i, x); });
  for (int index : {0, 1, 2, 7, -3}) {
    const int taken = std::clamp(index, 0, 2);
    for (bool use_jit : {false, true}) {
      auto [out, next] = use_jit ? jitted(jnp::array(index), jnp::array(0.5f))
                                 : f.apply(params, state, std::nullopt, jnp::array(index), jnp::array(0.5f));
      EXPECT_EQ(out.item<float>(), 0.5f + static_cast<float>(taken)) << index;
      EXPECT_EQ(next["~"]["last"].array().item<float>(), 0.5f + 10.0f * static_cast<float>(taken)) << index;
    }
  }
}

TEST(StatefulSwitch, ExpertsMadeDuringInit) {
  // Haiku's hk.switch example: every expert made during init, one applied.
  auto f = nn::transform([](const jx::Array& index, const jx::Array& x) {
    const nn::Linear e0(2, {.b_init = nn::initializers::random_normal(), .name = "e0"}),
        e1(2, {.b_init = nn::initializers::random_normal(), .name = "e1"}),
        e2(2, {.b_init = nn::initializers::random_normal(), .name = "e2"});
    if (nn::running_init()) {
      (void)e0(x);
      (void)e1(x);
      return e2(x);
    }
    return nn::switch_(index,
                       std::tuple{[&](const jx::Array& v) { return e0(v); }, [&](const jx::Array& v) { return e1(v); },
                                  [&](const jx::Array& v) { return e2(v); }},
                       x);
  });
  const jx::Array x = jnp::array({1.0f, 2.0f, -0.5f});
  const nn::Params params = f.init(jx::random::PRNGKey(1), jnp::array(0), x);
  for (int i = 0; i < 3; ++i) {
    expect_near(f.apply(params, std::nullopt, jnp::array(i), x),
                affine({1.0, 2.0, -0.5}, params, "e" + std::to_string(i)));
  }
}

TEST(StatefulCond, Errors) {
  // During init, branches that make different parameters: a TypeError naming them, with Haiku's advice.
  auto different = nn::transform([](const jx::Array& x) {
    const nn::Linear a(3, {.name = "a"}), b(3, {.name = "b"});
    return nn::cond(
        x.sum() > 0, [&](const jx::Array& v) { return a(v); }, [&](const jx::Array& v) { return b(v); }, x);
  });
  try {
    different.init(jx::random::PRNGKey(0), jnp::ones({2}));
    ADD_FAILURE() << "branches made different parameters";
  } catch (const jx::TypeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("true_fn makes parameter a/b, parameter a/w"), std::string::npos) << what;
    EXPECT_NE(what.find("false_fn makes parameter b/b, parameter b/w"), std::string::npos) << what;
    EXPECT_NE(what.find("running_init"), std::string::npos) << what;
  }
  auto switch_different = nn::transform([](const jx::Array& i, const jx::Array& x) {
    const nn::Linear a(3);
    return nn::switch_(
        i, std::tuple{[&](const jx::Array& v) { return v * 2; }, [&](const jx::Array& v) { return a(v); }}, x);
  });
  try {
    switch_different.init(jx::random::PRNGKey(0), jnp::array(0), jnp::ones({3}));
    ADD_FAILURE() << "branches made different parameters";
  } catch (const jx::TypeError& e) {
    EXPECT_NE(std::string(e.what()).find("branch 0 makes nothing; branch 1 makes parameter linear/b"),
              std::string::npos)
        << e.what();
  }
  // Branches returning different shapes: jx::lax::cond's own TypeError.
  auto shapes = nn::transform([](const jx::Array& x) {
    return nn::cond(
        x.sum() > 0, [](const jx::Array& v) { return v; }, [](const jx::Array& v) { return v.sum(); }, x);
  });
  EXPECT_THROW(shapes.init(jx::random::PRNGKey(0), jnp::ones({2})), jx::TypeError);
  // Outside a transformed function.
  EXPECT_THROW(
      nn::cond(
          jnp::array(true), [](const jx::Array& v) { return v; }, [](const jx::Array& v) { return v; }, jnp::ones({2})),
      jx::ValueError);
  EXPECT_THROW(nn::switch_(jnp::array(0), std::tuple{[](const jx::Array& v) { return v; }}, jnp::ones({2})),
               jx::ValueError);
  // The frame is whole after a failure.
  EXPECT_EQ(two_experts().init(jx::random::PRNGKey(0), jnp::ones({2}), jnp::array(true)).size(), 2u);
}

TEST(StatefulCond, InsideAScanBody) {
  // A count of the positive inputs, kept in state by a cond in the body of nn::scan.
  auto f = nn::transform_with_state([](const jx::Array& xs) {
    nn::get_state("positives", {}, jx::int32, nn::initializers::zeros());
    return nn::scan(
               [](const jx::Array& carry, const jx::Array& x) {
                 nn::cond(
                     x > 0,
                     [](const jx::Array&) {
                       nn::set_state("positives",
                                     nn::get_state("positives", {}, jx::int32, nn::initializers::zeros()) + 1);
                     },
                     [](const jx::Array&) {}, x);
                 return std::pair{carry + x, carry + x};
               },
               jnp::array(0.0f), xs)
        .second;
  });
  const std::vector<float> values{0.5f, -1.0f, 2.0f, 3.0f, -0.25f, 0.0f};
  const jx::Array xs = jnp::array(values);
  auto [params, state] = f.init(jx::random::PRNGKey(0), xs);
  auto [sums, next] = f.apply(params, state, std::nullopt, xs);
  auto [jit_sums, jit_next] =
      jx::jit([&](const nn::State& s, const jx::Array& v) { return f.apply(params, s, std::nullopt, v); })(state, xs);
  int positives = 0;
  std::vector<double> running;
  double total = 0;
  for (float v : values) {
    positives += v > 0 ? 1 : 0;
    running.push_back(total += v);
  }
  EXPECT_EQ(state_int(next, "~", "positives"), positives);
  EXPECT_EQ(state_int(jit_next, "~", "positives"), positives);
  expect_near(sums, running);
  expect_near(jit_sums, running);
}

// --- fori_loop, while_loop, map ----------------------------------------------------------------------

// h <- tanh(h w + b) + i for i in [lower, upper), from h = x.
std::vector<double> tanh_steps(std::vector<double> h, const nn::Params& params, std::int64_t lower,
                               std::int64_t upper) {
  for (std::int64_t i = lower; i < upper; ++i) {
    std::vector<double> y = affine(h, params, "linear");
    for (double& v : y) v = std::tanh(v) + static_cast<double>(i);
    h = y;
  }
  return h;
}

auto tanh_loop(std::int64_t lower, std::int64_t upper) {
  return nn::transform_with_state([lower, upper](const jx::Array& x) {
    const nn::Linear layer(3, {.b_init = nn::initializers::random_normal()});
    return nn::fori_loop(
        lower, upper,
        [&](const jx::Array& i, const jx::Array& h) {
          nn::set_state("steps", nn::get_state("steps", {}, jx::int32, nn::initializers::zeros()) + 1);
          return jnp::tanh(layer(h)) + i.astype(jx::float32);
        },
        x);
  });
}

TEST(StatefulForiLoop, LinearLoopAgainstItsParameters) {
  const jx::Array x = jnp::array({0.3f, -0.2f, 0.9f});
  for (const auto& [lower, upper] : std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 4}, {2, 3}, {5, 9}}) {
    auto f = tanh_loop(lower, upper);
    auto [params, state] = f.init(jx::random::PRNGKey(0), x);
    EXPECT_EQ(param(params, "linear", "w").shape(), jx::Shape({3, 3}));
    EXPECT_EQ(state_int(state, "~", "steps"), 0);
    auto [out, next] = f.apply(params, state, std::nullopt, x);
    expect_near(out, tanh_steps({0.3, -0.2, 0.9}, params, lower, upper));
    EXPECT_EQ(state_int(next, "~", "steps"), upper - lower);
    auto [jit_out, jit_next] =
        jx::jit([&](const nn::State& s, const jx::Array& v) { return f.apply(params, s, std::nullopt, v); })(next, x);
    expect_near(jit_out, tanh_steps({0.3, -0.2, 0.9}, params, lower, upper));
    EXPECT_EQ(state_int(jit_next, "~", "steps"), 2 * (upper - lower));
  }
}

TEST(StatefulForiLoop, EmptyRangeStillMakesTheParameters) {
  auto f = tanh_loop(3, 3);
  const jx::Array x = jnp::array({0.3f, -0.2f, 0.9f});
  auto [params, state] = f.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(param(params, "linear", "w").shape(), jx::Shape({3, 3}));
  auto [out, next] = f.apply(params, state, std::nullopt, x);
  expect_near(out, {0.3, -0.2, 0.9});
  EXPECT_EQ(state_int(next, "~", "steps"), 0);
}

TEST(StatefulForiLoop, TracedBounds) {
  auto f = nn::transform([](const jx::Array& x, const jx::Array& lower, const jx::Array& upper) {
    const nn::Linear layer(3);
    return nn::fori_loop(
        lower, upper,
        [&](const jx::Array& i, const jx::Array& h) { return jnp::tanh(layer(h)) + i.astype(jx::float32); }, x);
  });
  const jx::Array x = jnp::array({0.3f, -0.2f, 0.9f});
  const nn::Params params = f.init(jx::random::PRNGKey(2), x, jnp::array(0), jnp::array(1));
  const auto jitted = jx::jit([&](const jx::Array& v, const jx::Array& lo, const jx::Array& hi) {
    return f.apply(params, std::nullopt, v, lo, hi);
  });
  for (const auto& [lower, upper] : std::vector<std::pair<int, int>>{{0, 3}, {1, 5}, {4, 4}}) {
    expect_near(jitted(x, jnp::array(lower), jnp::array(upper)), tanh_steps({0.3, -0.2, 0.9}, params, lower, upper));
  }
}

TEST(StatefulWhileLoop, CountsWhileBelowALimit) {
  // Haiku's test_while_loop_with_state: during init the body runs once unconditionally.
  auto f = nn::transform_with_state([](const jx::Array& x, int limit) {
    const nn::Linear layer(2);
    const auto body = [&](const std::pair<jx::Array, jx::Array>& carry) {
      nn::set_state("count", nn::get_state("count", {}, jx::int32, nn::initializers::zeros()) + 1);
      return std::pair{carry.first + 1, jnp::tanh(layer(carry.second))};
    };
    if (nn::running_init()) return body({jnp::array(0), x}).second;
    return nn::while_loop([&](const std::pair<jx::Array, jx::Array>& carry) { return carry.first < limit; }, body,
                          std::pair{jnp::array(0), x})
        .second;
  });
  const jx::Array x = jnp::array({1.0f, -0.5f});
  auto [params, state] = f.init(jx::random::PRNGKey(0), x, 0);
  EXPECT_EQ(state_int(state, "~", "count"), 0);
  for (int limit : {0, 1, 4}) {
    auto [out, next] = f.apply(params, state, std::nullopt, x, limit);
    std::vector<double> want{1.0, -0.5};
    for (int i = 0; i < limit; ++i) {
      want = affine(want, params, "linear");
      for (double& v : want) v = std::tanh(v);
    }
    expect_near(out, want);
    EXPECT_EQ(state_int(next, "~", "count"), limit);
    auto [jit_out, jit_next] =
        jx::jit([&](const jx::Array& v) { return f.apply(params, state, std::nullopt, v, limit); })(x);
    expect_near(jit_out, want);
    EXPECT_EQ(state_int(jit_next, "~", "count"), limit);
  }
}

TEST(StatefulWhileLoop, Errors) {
  // Not during init (Haiku's test_while_loop_rejected_in_init).
  auto in_init = nn::transform([](const jx::Array& x) {
    return nn::while_loop([](const jx::Array& v) { return v.sum() < 3; }, [](const jx::Array& v) { return v + 1; }, x);
  });
  try {
    in_init.init(jx::random::PRNGKey(0), jnp::zeros({2}));
    ADD_FAILURE() << "while_loop ran during init";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("init"), std::string::npos) << e.what();
  }
  // cond_fn may not set state or draw keys.
  auto setting = nn::transform_with_state([](const jx::Array& x) {
    nn::get_state("count", {}, jx::int32, nn::initializers::zeros());
    if (nn::running_init()) return x;
    return nn::while_loop(
        [](const jx::Array& v) {
          nn::set_state("count", nn::get_state("count", {}, jx::int32, nn::initializers::zeros()) + 1);
          return v.sum() < 3;
        },
        [](const jx::Array& v) { return v + 1; }, x);
  });
  auto [p, s] = setting.init(jx::random::PRNGKey(0), jnp::zeros({}));
  try {
    setting.apply(p, s, std::nullopt, jnp::zeros({}));
    ADD_FAILURE() << "cond_fn set state";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("cond_fn"), std::string::npos) << e.what();
  }
  auto drawing = nn::transform([](const jx::Array& x) {
    if (nn::running_init()) return x;
    return nn::while_loop([](const jx::Array& v) { return v.sum() + jx::random::normal(nn::next_rng_key(), {}) < 3; },
                          [](const jx::Array& v) { return v + 1; }, x);
  });
  const nn::Params none = drawing.init(jx::random::PRNGKey(0), jnp::zeros({}));
  EXPECT_THROW(drawing.apply(none, jx::random::PRNGKey(1), jnp::zeros({})), jx::ValueError);
  // Reading state in cond_fn is fine.
  auto reading = nn::transform_with_state([](const jx::Array& x) {
    (void)nn::get_state("limit", {}, jx::float32, nn::initializers::constant(4));
    if (nn::running_init()) return x;
    return nn::while_loop(
        [&](const jx::Array& v) { return v < nn::get_state("limit", {}, jx::float32, nn::initializers::zeros()); },
        [](const jx::Array& v) { return v + 1; }, x);
  });
  auto [rp, rs] = reading.init(jx::random::PRNGKey(0), jnp::array(0.0f));
  EXPECT_EQ(reading.apply(rp, rs, std::nullopt, jnp::array(0.0f)).first.item<float>(), 4.0f);
  EXPECT_THROW(
      nn::while_loop([](const jx::Array& v) { return v < 3; }, [](const jx::Array& v) { return v + 1; }, jnp::array(0)),
      jx::ValueError);
}

TEST(StatefulMap, LinearOverRowsWithKeys) {
  // Each row through one Linear plus noise from a fresh key; rows apart get different keys.
  auto f = nn::transform([](const jx::Array& xs) {
    const nn::Linear layer(2);
    return nn::map(
        [&](const jx::Array& x) {
          return std::pair{layer(x), jx::random::normal(nn::next_rng_key(), {})};
        },
        xs);
  });
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(5), {4, 3});
  const nn::Params params = f.init(jx::random::PRNGKey(0), xs);
  EXPECT_EQ(param(params, "linear", "w").shape(), jx::Shape({3, 2}));
  const auto [ys, noise] = f.apply(params, jx::random::PRNGKey(1), xs);
  const auto [jit_ys, jit_noise] =
      jx::jit([&](const jx::Array& v) { return f.apply(params, jx::random::PRNGKey(1), v); })(xs);
  const std::vector<double> rows = doubles(xs);
  std::vector<double> want;
  for (std::size_t r = 0; r < 4; ++r) {
    const std::vector<double> y = affine({rows.begin() + 3 * r, rows.begin() + 3 * r + 3}, params, "linear");
    want.insert(want.end(), y.begin(), y.end());
  }
  expect_near(ys, want);
  expect_near(jit_ys, want);
  const std::vector<float> n = noise.to_vector<float>();
  EXPECT_EQ(n, jit_noise.to_vector<float>());
  for (std::size_t i = 0; i < n.size(); ++i)
    for (std::size_t j = i + 1; j < n.size(); ++j) EXPECT_NE(n[i], n[j]) << i << " " << j;
}

TEST(StatefulLoops, BodiesMayNotMakeParameters) {
  // A loop body that makes a parameter the step before the loop did not make (hk.scan's rule).
  int calls = 0;
  auto fori = nn::transform([&](const jx::Array& x) {
    return nn::fori_loop(
        0, 3,
        [&](const jx::Array&, const jx::Array& h) {
          return h * nn::get_parameter("w" + std::to_string(calls++), {2}, nn::initializers::ones());
        },
        x);
  });
  try {
    fori.init(jx::random::PRNGKey(0), jnp::ones({2}));
    ADD_FAILURE() << "the loop body made a parameter";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("nn::fori_loop"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("~/w1"), std::string::npos) << e.what();
  }
  calls = 0;
  auto mapped = nn::transform([&](const jx::Array& xs) {
    return nn::map(
        [&](const jx::Array& x) {
          return x * nn::get_parameter("w" + std::to_string(calls++), {2}, nn::initializers::ones());
        },
        xs);
  });
  try {
    mapped.init(jx::random::PRNGKey(0), jnp::ones({3, 2}));
    ADD_FAILURE() << "the map body made a parameter";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("nn::map"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nn::fori_loop(
                   0, 3, [](const jx::Array&, const jx::Array& h) { return h; }, jnp::ones({2})),
               jx::ValueError);
  EXPECT_THROW(nn::map([](const jx::Array& x) { return x; }, jnp::ones({3})), jx::ValueError);
}

}  // namespace
