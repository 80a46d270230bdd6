// lift, transparent_lift, lift_with_state and transparent_lift_with_state:
// where the inner parameters and state land in the outer ones (names written
// out from haiku/_src/lift.py: "<module>/<name>/<inner module>"), that the
// outer apply reproduces the inner function (against dense layers written out
// in double precision), an ensemble made with vmap as Haiku's lift docstring
// makes it, and the errors.
#include "jx/nn/lift.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/naming.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

std::vector<std::string> modules_of(const jx::tree::Tree& tree) {
  std::vector<std::string> names;
  for (const auto& [name, value] : tree.as_dict()) names.push_back(name);
  return names;
}

const jx::Array& entry(const jx::tree::Tree& tree, const std::string& module, const std::string& name) {
  return tree.as_dict().at(module).as_dict().at(name).array();
}

// x [rows, in] @ w [in, out] + b, in double precision.
std::vector<double> dense(const std::vector<double>& x, const jx::Array& w, const jx::Array& b) {
  const std::int64_t in = w.shape()[0], out = w.shape()[1];
  const std::vector<float> wv = w.to_vector<float>(), bv = b.to_vector<float>();
  const std::size_t rows = x.size() / static_cast<std::size_t>(in);
  std::vector<double> y(rows * static_cast<std::size_t>(out));
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::int64_t j = 0; j < out; ++j) {
      double sum = bv[static_cast<std::size_t>(j)];
      for (std::int64_t k = 0; k < in; ++k) {
        sum += x[r * static_cast<std::size_t>(in) + static_cast<std::size_t>(k)] *
               wv[static_cast<std::size_t>(k * out + j)];
      }
      y[r * static_cast<std::size_t>(out) + static_cast<std::size_t>(j)] = sum;
    }
  }
  return y;
}

std::vector<double> doubles(const jx::Array& x) {
  const std::vector<float> v = x.to_vector<float>();
  return {v.begin(), v.end()};
}

void expect_near(const jx::Array& actual, const std::vector<double>& expected, double tolerance = 1e-5) {
  const std::vector<float> values = actual.to_vector<float>();
  ASSERT_EQ(values.size(), expected.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(values[i], expected[i], tolerance) << "at " << i;
}

std::optional<jx::Key> init_key() {
  return nn::running_init() ? std::optional<jx::Key>(nn::next_rng_key()) : std::nullopt;
}

auto inner_model() {
  return nn::transform([](const jx::Array& x) { return nn::Linear(3)(x); });
}

TEST(Lift, FilesInnerParametersUnderItsNameAndApplyReproducesTheInnerFunction) {
  const auto inner = inner_model();
  auto outer = nn::transform([&](const jx::Array& x) {
    const nn::Params params = nn::lift(inner.init, {.name = "inner"})(init_key(), x);
    return inner.apply(params, std::nullopt, x) + nn::Linear(3)(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(1), {2, 4});
  const jx::Key key = jx::random::PRNGKey(0);
  const nn::Params params = outer.init(key, x);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"inner/linear", "linear"}));
  EXPECT_EQ(entry(params, "inner/linear", "w").shape(), jx::Shape({4, 3}));
  // The inner init got the outer function's first key, split(key)[1].
  const nn::Params alone = inner.init(jx::random::split(key)[1], x);
  EXPECT_TRUE(jnp::array_equal(entry(params, "inner/linear", "w"), entry(alone, "linear", "w")).item<bool>());
  // apply: the inner layer on the filed parameters plus the outer one.
  const std::vector<double> a =
      dense(doubles(x), entry(params, "inner/linear", "w"), entry(params, "inner/linear", "b"));
  const std::vector<double> b = dense(doubles(x), entry(params, "linear", "w"), entry(params, "linear", "b"));
  std::vector<double> expected(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) expected[i] = a[i] + b[i];
  expect_near(outer.apply(params, std::nullopt, x), expected);
  expect_near(
      jx::jit([&](const nn::Params& p, const jx::Array& v) { return outer.apply(p, std::nullopt, v); })(params, x),
      expected);
}

class Wrapper : public nn::Module {
 public:
  explicit Wrapper(bool transparent) : nn::Module("wrapper", std::nullopt), transparent_(transparent) {}
  jx::Array operator()(const jx::Array& x) const {
    return scoped([&] {
      const auto inner = inner_model();
      const nn::Params params =
          transparent_ ? nn::transparent_lift(inner.init)(init_key(), x) : nn::lift(inner.init)(init_key(), x);
      return inner.apply(params, std::nullopt, x);
    });
  }

 private:
  bool transparent_;
};

TEST(Lift, NamesAsModulesAreNamed) {
  const auto inner = inner_model();
  auto outer = nn::transform([&](const jx::Array& x) {
    jx::Array y = inner.apply(nn::lift(inner.init)(init_key(), x), std::nullopt, x);
    y = inner.apply(nn::lift(inner.init)(init_key(), y), std::nullopt,
                    y);       // lifted_1
    y = Wrapper(false)(y);    // wrapper/lifted
    return Wrapper(true)(y);  // wrapper_1, transparently
  });
  const nn::Params params = outer.init(jx::random::PRNGKey(0), jnp::ones({1, 3}));
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"lifted/linear", "lifted_1/linear", "wrapper/lifted/linear",
                                                          "wrapper_1/linear"}));
}

TEST(TransparentLift, KeepsInnerNamesAndRefusesReuse) {
  const auto inner = inner_model();
  auto outer = nn::transform([&](const jx::Array& x) {
    const nn::Params params = nn::transparent_lift(inner.init)(init_key(), x);
    return inner.apply(params, std::nullopt, x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(2), {3, 2});
  const nn::Params params = outer.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"linear"}));
  expect_near(outer.apply(params, std::nullopt, x),
              dense(doubles(x), entry(params, "linear", "w"), entry(params, "linear", "b")));
  // The outer function has a "linear" of its own already: reuse is an error
  // unless allowed.
  const auto clash = [&](bool allow_reuse) {
    return nn::transform([&inner, allow_reuse](const jx::Array& v) {
      const jx::Array y = nn::Linear(3)(v);
      const nn::Params p = nn::transparent_lift(inner.init, {.allow_reuse = allow_reuse})(init_key(), v);
      return y + inner.apply(p, std::nullopt, v);
    });
  };
  EXPECT_THROW((void)clash(false).init(jx::random::PRNGKey(0), x), jx::ValueError);
  const nn::Params shared = clash(true).init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(modules_of(shared), (std::vector<std::string>{"linear"}));
}

TEST(Lift, EnsembleWithVmapAsHaikuDocumentsIt) {
  // Haiku's lift docstring: vmap the inner init over keys to make 4 members'
  // parameters, lift them, and vmap the inner apply over them.
  const auto member = inner_model();
  auto ensemble = nn::transform([&](const jx::Array& x) {
    const std::optional<jx::Key> keys =
        nn::running_init() ? std::optional<jx::Key>(nn::next_rng_keys(4)) : std::nullopt;
    auto init_model = jx::vmap([&](const jx::Key& k, const jx::Array& v) { return member.init(k, v); },
                               {.in_axes = {0, std::nullopt}});
    const nn::Params params = nn::lift(init_model, {.name = "ensemble"})(keys, x);
    return jx::vmap([&](const nn::Params& p) { return member.apply(p, std::nullopt, x); })(params);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(3), {5, 2});
  const nn::Params params = ensemble.init(jx::random::PRNGKey(777), x);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"ensemble/linear"}));
  EXPECT_EQ(entry(params, "ensemble/linear", "w").shape(), jx::Shape({4, 2, 3}));
  EXPECT_EQ(entry(params, "ensemble/linear", "b").shape(), jx::Shape({4, 3}));
  // Members differ (their keys do), and each output is its own dense layer.
  const jx::Array w = entry(params, "ensemble/linear", "w"), b = entry(params, "ensemble/linear", "b");
  EXPECT_FALSE(jnp::array_equal(w(0), w(1)).item<bool>());
  const jx::Array y = ensemble.apply(params, std::nullopt, x);
  ASSERT_EQ(y.shape(), jx::Shape({4, 5, 3}));
  for (int m = 0; m < 4; ++m) expect_near(y(m), dense(doubles(x), w(m), b(m)));
}

// State: a counter of calls, and the input scaled by it.
auto counting_model() {
  return nn::transform_with_state([](const jx::Array& x) {
    const jx::Array count = nn::get_state("count", {}, jx::int32, nn::initializers::zeros()) + 1;
    nn::set_state("count", count);
    return x * count.astype(jx::float32);
  });
}

TEST(LiftWithState, FilesStateAndTheUpdaterHandsItBack) {
  const auto inner = counting_model();
  auto outer = nn::transform_with_state([&](const jx::Array& x) {
    auto [params_and_state, updater] = nn::lift_with_state(inner.init, {.name = "counter"});
    auto [params, state] = params_and_state(init_key(), x);
    auto [y, next] = inner.apply(params, state, std::nullopt, x);
    updater.update(next);
    EXPECT_THROW(updater.update(next), jx::ValueError);  // once only
    return y;
  });
  const jx::Array x = jnp::array({1.0f, -2.0f});
  auto [params, state] = outer.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(modules_of(params), std::vector<std::string>{});
  EXPECT_EQ(modules_of(state), (std::vector<std::string>{"counter/~"}));
  EXPECT_EQ(entry(state, "counter/~", "count").item<int>(),
            0);  // init returns the initial state
  for (int call = 1; call <= 3; ++call) {
    auto [y, next] = outer.apply(params, state, std::nullopt, x);
    state = next;
    EXPECT_EQ(entry(state, "counter/~", "count").item<int>(), call);
    EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1.0f * call, -2.0f * call}));
  }
}

TEST(TransparentLiftWithState, KeepsInnerNames) {
  const auto inner = counting_model();
  auto outer = nn::transform_with_state([&](const jx::Array& x) {
    auto [params_and_state, updater] = nn::transparent_lift_with_state(inner.init);
    auto [params, state] = params_and_state(init_key(), x);
    auto [y, next] = inner.apply(params, state, std::nullopt, x);
    updater.ignore_update();
    return y;
  });
  auto [params, state] = outer.init(jx::random::PRNGKey(0), jnp::ones({1}));
  EXPECT_EQ(modules_of(state), (std::vector<std::string>{"~"}));
  auto [y, next] = outer.apply(params, state, std::nullopt, jnp::ones({1}));
  EXPECT_EQ(entry(next, "~", "count").item<int>(), 0);  // the update was ignored
}

TEST(Lift, GettersSeeTheLiftedPrefixDuringInit) {
  const auto inner = inner_model();
  std::vector<std::string> prefixes;
  auto outer = nn::transform([&](const jx::Array& x) {
    auto getter = nn::custom_getter([&](const nn::NextGetter& next, const jx::Array& v, const nn::GetterContext& c) {
      prefixes.push_back(c.lifted_prefix_name.value_or("none") + c.full_name);
      return next(v);
    });
    return inner.apply(nn::lift(inner.init, {.name = "inner"})(init_key(), x), std::nullopt, x);
  });
  const nn::Params params = outer.init(jx::random::PRNGKey(0), jnp::ones({1, 2}));
  (void)outer.apply(params, std::nullopt, jnp::ones({1, 2}));
  // init: the inner init's reads (prefixed), then the inner apply's; apply: the
  // inner apply's only.
  EXPECT_EQ(prefixes, (std::vector<std::string>{"inner/linear/w", "inner/linear/b", "nonelinear/w", "nonelinear/b",
                                                "nonelinear/w", "nonelinear/b"}));
}

TEST(Lift, Errors) {
  const auto inner = inner_model();
  // Outside a transformed function.
  EXPECT_THROW((void)nn::lift(inner.init), jx::ValueError);
  EXPECT_THROW((void)nn::lift_with_state(counting_model().init), jx::ValueError);
  // No key for the inner init during init.
  auto keyless = nn::transform([&](const jx::Array& x) {
    return inner.apply(nn::lift(inner.init)(std::optional<jx::Key>(), x), std::nullopt, x);
  });
  EXPECT_THROW((void)keyless.init(jx::random::PRNGKey(0), jnp::ones({1, 2})), jx::ValueError);
  // Lifted state in a function transformed without state.
  const auto counter = counting_model();
  auto stateless = nn::transform([&](const jx::Array& x) {
    auto [params_and_state, updater] = nn::lift_with_state(counter.init);
    updater.ignore_update();
    return params_and_state(init_key(), x).first.size();
  });
  EXPECT_THROW((void)stateless.init(jx::random::PRNGKey(0), jnp::ones({1})), jx::ValueError);
  // An updater used in another run of init or apply than the one that made it.
  std::optional<nn::LiftWithStateUpdater> kept;
  auto keeping = nn::transform_with_state([&](const jx::Array& x) {
    auto [params_and_state, updater] = nn::lift_with_state(counter.init);
    (void)params_and_state(init_key(), x);
    if (!kept) {
      kept = updater;  // init keeps its updater, unused
      return x;
    }
    EXPECT_THROW(kept->ignore_update(), jx::ValueError);  // apply is another run
    updater.ignore_update();
    return x;
  });
  auto [params, state] = keeping.init(jx::random::PRNGKey(0), jnp::ones({1}));
  (void)keeping.apply(params, state, std::nullopt, jnp::ones({1}));
  EXPECT_THROW(kept->update(state), jx::ValueError);  // outside any run
}

}  // namespace
