// jx::nn's transforms inside transformed functions (jx/nn/stateful_transforms.h), Haiku's hk.vmap,
// hk.grad, hk.value_and_grad, hk.remat and hk.eval_shape: parameters made inside during init, state
// changes kept (or dropped by eval_shape), keys shared or split, jit agreement and the errors. Expected
// values are closed forms in double precision over the parameters init made.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
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

void expect_near(const jx::Array& got, const std::vector<double>& want, double tolerance = 1e-5) {
  const std::vector<double> g = doubles(got);
  ASSERT_EQ(g.size(), want.size());
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], tolerance) << "at " << i;
}

// Rows of x [n, in] times w [in, out] plus b, from the parameters of `module`.
std::vector<double> affine_rows(const jx::Array& x, const nn::Params& params, const std::string& module) {
  const jx::Array& w = param(params, module, "w");
  const std::vector<double> xv = doubles(x), wv = doubles(w), bv = doubles(param(params, module, "b"));
  const std::int64_t in = w.shape()[0], out = w.shape()[1], rows = static_cast<std::int64_t>(xv.size()) / in;
  std::vector<double> y;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t o = 0; o < out; ++o) {
      double sum = bv[static_cast<std::size_t>(o)];
      for (std::int64_t i = 0; i < in; ++i)
        sum += xv[static_cast<std::size_t>(r * in + i)] * wv[static_cast<std::size_t>(i * out + o)];
      y.push_back(sum);
    }
  }
  return y;
}

const nn::LinearOptions kBiased{.b_init = nn::initializers::random_normal()};

// Haiku's CountingModule: applies op and counts its calls in state "count".
class CountingModule : public nn::Module {
 public:
  explicit CountingModule(std::function<jx::Array(const jx::Array&)> op = [](const jx::Array& x) { return x * x; })
      : nn::Module("counting_module", std::nullopt), op_(std::move(op)) {}
  jx::Array operator()(const jx::Array& x) const {
    return scoped([&] {
      nn::set_state("count", nn::get_state("count", {}, jx::int32, nn::initializers::zeros()) + 1);
      return op_(x);
    });
  }

 private:
  std::function<jx::Array(const jx::Array&)> op_;
};

int count_of(const nn::State& state) { return state["counting_module"]["count"].array().item<int>(); }

// --- vmap ---------------------------------------------------------------------------------------------

TEST(StatefulVmap, LinearMadeInsideIsSharedByTheExamples) {
  auto f = nn::transform([](const jx::Array& xs) {
    return nn::vmap([](const jx::Array& x) { return nn::Linear(3, kBiased)(x); }, {.split_rng = false})(xs);
  });
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(1), {4, 2});
  const nn::Params params = f.init(jx::random::PRNGKey(0), xs);
  EXPECT_EQ(param(params, "linear", "w").shape(), jx::Shape({2, 3}));  // not mapped
  expect_near(f.apply(params, std::nullopt, xs), affine_rows(xs, params, "linear"));
  expect_near(jx::jit([&](const jx::Array& x) { return f.apply(params, std::nullopt, x); })(xs),
              affine_rows(xs, params, "linear"));
}

TEST(StatefulVmap, StateIsNotMapped) {
  // Haiku's test_vmap: the count is made and advanced once for the whole batch.
  auto f = nn::transform_with_state([](const jx::Array& x) {
    return nn::vmap([](const jx::Array& v) { return CountingModule()(v); }, {.split_rng = false})(x);
  });
  const jx::Array x = jnp::ones({4}) + 1;
  auto [params, state] = f.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(params.size(), 0u);
  EXPECT_EQ(state["counting_module"]["count"].array().ndim(), 0);
  EXPECT_EQ(count_of(state), 0);
  auto [y, next] = f.apply(params, state, std::nullopt, x);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{4, 4, 4, 4}));
  EXPECT_EQ(count_of(next), 1);
  // State set to a value of each example: it cannot be shared.
  auto per_example = nn::transform_with_state([](const jx::Array& xs) {
    return nn::vmap(
        [](const jx::Array& v) {
          nn::set_state("last", v);
          return v;
        },
        {.split_rng = false})(xs);
  });
  try {
    per_example.init(jx::random::PRNGKey(0), x);
    ADD_FAILURE() << "mapped state was kept";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("depends on the mapped axis"), std::string::npos) << e.what();
  }
}

TEST(StatefulVmap, OtherAxes) {
  auto f = nn::transform([](const jx::Array& xs) {
    return nn::vmap([](const jx::Array& x) { return nn::Linear(2, kBiased)(x); },
                    {.in_axes = 1, .out_axes = 1, .split_rng = false})(xs);  // xs [3, batch]: columns are examples
  });
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(4), {3, 5});
  const nn::Params params = f.init(jx::random::PRNGKey(0), xs);
  const jx::Array ys = f.apply(params, std::nullopt, xs);
  ASSERT_EQ(ys.shape(), jx::Shape({2, 5}));
  expect_near(ys.mT(), affine_rows(xs.mT(), params, "linear"));
}

TEST(StatefulVmap, KeysSharedOrSplit) {
  // Each example returns the raw bits of one next_rng_key, then the function draws one more after.
  const auto keys = [](bool split_rng) {
    return nn::transform([split_rng](const jx::Array& xs) {
      const jx::Array inside = nn::vmap([](const jx::Array&) { return jx::random::key_data(nn::next_rng_key()); },
                                        {.split_rng = split_rng})(xs);
      return std::pair{inside, jx::random::key_data(nn::next_rng_key())};
    });
  };
  const jx::Array xs = jnp::arange(4);
  const jx::Key k = jx::random::PRNGKey(7);
  const auto data = [](const jx::Key& key) { return jx::random::key_data(key).to_vector<std::uint32_t>(); };
  const auto row = [](const jx::Array& a, std::int64_t i) { return a(i).to_vector<std::uint32_t>(); };
  // next_rng_key splits the key it holds: key <- split(key)[0], handing out split(key)[1].
  {
    auto shared = keys(false);
    const auto [inside, after] = shared.apply(shared.init(k, xs), k, xs);
    const jx::Key drawn = jx::random::split(k)[1];
    for (std::int64_t i = 0; i < 4; ++i) EXPECT_EQ(row(inside, i), data(drawn)) << i;
    EXPECT_EQ(after.to_vector<std::uint32_t>(), data(jx::random::split(jx::random::split(k)[0])[1]));
  }
  {
    // One draw of four keys (split(k, 5)[1..4], as next_rng_keys(4) gives them), each example drawing
    // from its own; the function's key goes on from split(k, 5)[0].
    auto split = keys(true);
    const auto [inside, after] = split.apply(split.init(k, xs), k, xs);
    const jx::Key four = jx::random::split(k, 5);
    for (std::int64_t i = 0; i < 4; ++i) EXPECT_EQ(row(inside, i), data(jx::random::split(four[i + 1])[1])) << i;
    EXPECT_EQ(after.to_vector<std::uint32_t>(), data(jx::random::split(four[0])[1]));
  }
}

TEST(StatefulVmap, Errors) {
  const jx::Array xs = jnp::ones({4, 2});
  const auto run = [&](auto body) { return nn::transform(body).init(jx::random::PRNGKey(0), xs); };
  // split_rng must be given, as in Haiku.
  EXPECT_THROW(run([](const jx::Array& x) { return nn::vmap([](const jx::Array& v) { return v; }, {})(x); }),
               jx::TypeError);
  // Something must be mapped.
  EXPECT_THROW(run([](const jx::Array& x) {
                 return nn::vmap([](const jx::Array& v) { return v; },
                                 {.in_axes = std::nullopt, .split_rng = false})(x);
               }),
               jx::ValueError);
  // split_rng during init while making a parameter (Haiku's test_vmap_split_rng_better_out_axes_error).
  try {
    run([](const jx::Array& x) {
      return nn::vmap(
          [](const jx::Array& v) { return v * nn::get_parameter("mapped", {}, nn::initializers::truncated_normal()); },
          {.split_rng = true})(x);
    });
    ADD_FAILURE() << "split_rng during init";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("split_rng = true during init"), std::string::npos) << e.what();
  }
  // An output the caller left unmapped that depends on the batch: jx::vmap's message, not clobbered.
  try {
    run([](const jx::Array& x) {
      return nn::vmap([](const jx::Array& v) { return v; }, {.out_axes = std::nullopt, .split_rng = false})(x);
    });
    ADD_FAILURE() << "an unmapped output depended on the batch";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("out_axes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nn::vmap([](const jx::Array& v) { return v; }, {.split_rng = false})(xs), jx::ValueError);
}

// --- grad and value_and_grad ---------------------------------------------------------------------------

TEST(StatefulGrad, LinearGradientAgainstItsWeight) {
  // d/dx sum(x w + b) = the row sums of w, for a Linear made inside the differentiated function.
  auto f = nn::transform([](const jx::Array& x) {
    const nn::Linear layer(3, kBiased);
    const auto total = [&](const jx::Array& v) { return jnp::sum(layer(v)); };
    auto [value, gradient] = nn::value_and_grad(total)(x);
    return std::tuple{value, gradient, nn::grad(total)(x)};
  });
  const jx::Array x = jnp::array({0.5f, -1.5f});
  const nn::Params params = f.init(jx::random::PRNGKey(0), x);
  ASSERT_EQ(params.size(), 1u);
  const std::vector<double> w = doubles(param(params, "linear", "w"));
  const std::vector<double> y = affine_rows(x.reshape({1, 2}), params, "linear");
  const std::vector<double> row_sums{w[0] + w[1] + w[2], w[3] + w[4] + w[5]};
  for (bool use_jit : {false, true}) {
    const auto [value, gradient, only_gradient] =
        use_jit ? jx::jit([&](const jx::Array& v) { return f.apply(params, std::nullopt, v); })(x)
                : f.apply(params, std::nullopt, x);
    EXPECT_NEAR(value.item<float>(), y[0] + y[1] + y[2], 1e-5);
    expect_near(gradient, row_sums);
    expect_near(only_gradient, row_sums);
  }
}

// Haiku's docstring example: the module keeps x^2 as state while grad differentiates it.
class LastSquare : public nn::Module {
 public:
  LastSquare() : nn::Module("last_square", std::nullopt) {}
  jx::Array operator()(const jx::Array& x) const {
    return scoped([&] {
      nn::set_state("last", x * x);
      return x * x;
    });
  }
};

TEST(StatefulGrad, StateUpdatesAreKept) {
  auto f = nn::transform_with_state([](const jx::Array& x) { return nn::grad(LastSquare())(x); });
  const jx::Array x = jnp::array(2.0f);
  for (bool use_jit : {false, true}) {
    auto [params, state] = use_jit ? jx::jit([&](const jx::Array& v) { return f.init(jx::random::PRNGKey(0), v); })(x)
                                   : f.init(jx::random::PRNGKey(0), x);
    EXPECT_EQ(state["last_square"]["last"].array().item<float>(), 4.0f);  // made inside grad during init
    auto [g, next] = f.apply(params, state, std::nullopt, jnp::array(3.0f));
    EXPECT_EQ(g.item<float>(), 6.0f);
    EXPECT_EQ(next["last_square"]["last"].array().item<float>(), 9.0f);
  }
}

TEST(StatefulGrad, AuxAndArgnums) {
  // f(x, s) = sum(layer(x)) * s, with aux layer(x): d/ds = sum(layer(x)), d/dx = s * row sums of w.
  auto f = nn::transform([](const jx::Array& x, const jx::Array& s) {
    const nn::Linear layer(2, kBiased);
    const auto g = [&](const jx::Array& v, const jx::Array& scale) {
      const jx::Array y = layer(v);
      return std::pair{jnp::sum(y) * scale, y};
    };
    auto [value_and_aux, d_scale] = nn::value_and_grad(g, jx::has_aux, jx::argnums<1>)(x, s);
    auto [d_x, aux] = nn::grad(g, jx::has_aux)(x, s);
    return std::tuple{value_and_aux.first, value_and_aux.second, d_scale, d_x, aux};
  });
  const jx::Array x = jnp::array({1.0f, 2.0f, 3.0f});
  const nn::Params params = f.init(jx::random::PRNGKey(3), x, jnp::array(2.0f));
  const auto [value, aux, d_scale, d_x, aux_again] = f.apply(params, std::nullopt, x, jnp::array(2.0f));
  const std::vector<double> y = affine_rows(x.reshape({1, 3}), params, "linear");
  const std::vector<double> w = doubles(param(params, "linear", "w"));
  EXPECT_NEAR(value.item<float>(), 2 * (y[0] + y[1]), 1e-5);
  expect_near(aux, y);
  expect_near(aux_again, y);
  EXPECT_NEAR(d_scale.item<float>(), y[0] + y[1], 1e-5);
  expect_near(d_x, {2 * (w[0] + w[1]), 2 * (w[2] + w[3]), 2 * (w[4] + w[5])});
  EXPECT_THROW(nn::grad([](const jx::Array& v) { return v * v; })(jnp::array(1.0f)), jx::ValueError);
  EXPECT_THROW(nn::value_and_grad([](const jx::Array& v) { return v * v; })(jnp::array(1.0f)), jx::ValueError);
}

// --- remat ------------------------------------------------------------------------------------------

TEST(StatefulRemat, EqualsPlainCall) {
  // Two tanh layers, checkpointed or not: equal outputs and parameter gradients.
  const auto model = [](bool checkpointed) {
    return nn::transform([checkpointed](const jx::Array& x) {
      const nn::Linear first(4, kBiased), second(2, kBiased);
      const auto block = [&](const jx::Array& v) { return jnp::tanh(second(jnp::tanh(first(v)))); };
      return checkpointed ? nn::remat(block)(x) : block(x);
    });
  };
  auto plain = model(false), rematted = model(true);
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(2), {3, 5});
  const nn::Params params = rematted.init(jx::random::PRNGKey(0), x);
  ASSERT_EQ(params.size(), 2u);
  // Closed form: tanh(tanh(x w1 + b1) w2 + b2).
  std::vector<double> h = affine_rows(x, params, "linear");
  for (double& v : h) v = std::tanh(v);
  std::vector<double> want =
      affine_rows(jnp::array(std::vector<float>(h.begin(), h.end())).reshape({3, 4}), params, "linear_1");
  for (double& v : want) v = std::tanh(v);
  expect_near(rematted.apply(params, std::nullopt, x), want);
  expect_near(jx::jit([&](const jx::Array& v) { return rematted.apply(params, std::nullopt, v); })(x), want);
  expect_near(plain.apply(params, std::nullopt, x), want);
  const auto loss = [&](auto& f) {
    return jx::grad([&](const nn::Params& p) {
      return jnp::sum(f.apply(p, std::nullopt, x) * jnp::arange(6).reshape({3, 2}));
    })(params);
  };
  const nn::Params g_remat = loss(rematted), g_plain = loss(plain);
  for (const std::string module : {"linear", "linear_1"}) {
    for (const std::string name : {"w", "b"}) {
      expect_near(param(g_remat, module, name), doubles(param(g_plain, module, name)), 1e-5);
    }
  }
}

TEST(StatefulRemat, StateAndNames) {
  // Haiku's test_remat: value_and_grad of a checkpointed counting square.
  auto f = nn::transform_with_state([](const jx::Array& x) {
    const CountingModule square;
    return nn::value_and_grad(nn::remat([&](const jx::Array& v) { return square(v); }))(x);
  });
  auto [params, state] = f.init(jx::random::PRNGKey(0), jnp::array(3.0f));
  auto [out, next] = f.apply(params, state, std::nullopt, jnp::array(3.0f));
  EXPECT_EQ(out.first.item<float>(), 9.0f);
  EXPECT_EQ(out.second.item<float>(), 6.0f);
  EXPECT_EQ(count_of(next), 1);
  // Keys drawn inside a checkpointed function under grad: the same draws as without remat.
  const auto noisy = [](bool checkpointed) {
    return nn::transform([checkpointed](const jx::Array& x) {
      const auto body = [](const jx::Array& v) {
        return jnp::sum(v * v + jx::random::normal(nn::next_rng_key(), {2}));
      };
      const auto [value, gradient] =
          checkpointed ? nn::value_and_grad(nn::remat(body))(x) : nn::value_and_grad(body)(x);
      return std::tuple{value, gradient, jx::random::normal(nn::next_rng_key(), {})};
    });
  };
  const jx::Array x2 = jnp::array({1.0f, -2.0f});
  auto with_remat = noisy(true), without = noisy(false);
  const auto [v1, g1, after1] =
      with_remat.apply(with_remat.init(jx::random::PRNGKey(0), x2), jx::random::PRNGKey(9), x2);
  const auto [v2, g2, after2] = without.apply(without.init(jx::random::PRNGKey(0), x2), jx::random::PRNGKey(9), x2);
  EXPECT_EQ(v1.item<float>(), v2.item<float>());
  EXPECT_EQ(after1.item<float>(), after2.item<float>());
  expect_near(g1, {2.0, -4.0});
  expect_near(g2, {2.0, -4.0});
  // Haiku's test_create_module_inside_remat: modules made inside name on as in plain code.
  auto twice = nn::transform([](const jx::Array& x) {
    const auto layer = [](const jx::Array& v) { return nn::Linear(1, {.name = "layer"})(v); };
    return nn::remat(layer)(nn::remat(layer)(x));
  });
  const nn::Params p = twice.init(jx::random::PRNGKey(0), jnp::ones({1, 1}));
  EXPECT_TRUE(p.contains("layer"));
  EXPECT_TRUE(p.contains("layer_1"));
  EXPECT_THROW(nn::remat([](const jx::Array& v) { return v; })(jnp::ones({2})), jx::ValueError);
}

// --- eval_shape ---------------------------------------------------------------------------------------

TEST(StatefulEvalShape, ShapesWithoutEffects) {
  // Haiku's test_eval_shape: the count is advanced by the real call only.
  std::optional<jx::ShapeDtypeStruct> shape;
  auto f = nn::transform_with_state([&](const jx::Array& x) {
    const CountingModule m([](const jx::Array& v) { return v(0); });
    shape = nn::eval_shape(m, x);
    return m(x);
  });
  const jx::Array x = jnp::ones({10, 7});
  auto [params, state] = f.init(jx::random::PRNGKey(42), x);
  EXPECT_EQ(count_of(state), 0);
  auto [out, next] = f.apply(params, state, jx::random::PRNGKey(42), x);
  EXPECT_EQ(count_of(next), 1);
  EXPECT_EQ(out.shape(), jx::Shape({7}));
  ASSERT_TRUE(shape.has_value());
  EXPECT_EQ(*shape, jx::ShapeDtypeStruct({7}, jx::float32));
  // Parameters made inside are forgotten too; and nothing is computed: the product would take 64 GiB.
  auto g = nn::transform([](const jx::Array& x2) {
    const jx::ShapeDtypeStruct linear = nn::eval_shape(nn::Linear(5), x2);
    const jx::ShapeDtypeStruct huge =
        nn::eval_shape([](const jx::Array& a) { return jnp::matmul(a, a.mT()); },
                       jx::ShapeDtypeStruct({std::int64_t{1} << 17, std::int64_t{1} << 17}, jx::float32));
    EXPECT_EQ(linear.shape, jx::Shape({3, 5}));
    EXPECT_EQ(huge.shape, jx::Shape({std::int64_t{1} << 17, std::int64_t{1} << 17}));
    return x2;
  });
  EXPECT_EQ(g.init(jx::random::PRNGKey(0), jnp::ones({3, 2})).size(), 0u);
  EXPECT_THROW(nn::eval_shape([](const jx::Array& v) { return v; }, jnp::ones({2})), jx::ValueError);
}

}  // namespace
