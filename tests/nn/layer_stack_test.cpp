// layer_stack: the stacked parameters' names and shapes
// (haiku/_src/layer_stack.py: lifted under
// "__layer_stack_no_per_layer" or "__layer_stack_with_per_layer"), apply equal
// to a hand loop over the stacked parameters (in double precision, and its
// gradient equal to the hand loop's), per-layer inputs and outputs, state per
// layer, the keys each layer gets, and the errors.
#include "jx/nn/layer_stack.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "jx/jx.h"

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

// Layer i of a stack of dense layers: tanh(h @ w[i] + b[i]) on rows of `width`,
// in double precision.
std::vector<double> dense_tanh(const std::vector<double>& h, const std::vector<float>& w, const std::vector<float>& b,
                               std::size_t layer, std::size_t width) {
  const std::size_t rows = h.size() / width;
  std::vector<double> out(h.size());
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < width; ++j) {
      double sum = b[layer * width + j];
      for (std::size_t k = 0; k < width; ++k) sum += h[r * width + k] * w[(layer * width + k) * width + j];
      out[r * width + j] = std::tanh(sum);
    }
  }
  return out;
}

TEST(LayerStack, StacksParametersAndEqualsAHandLoop) {
  auto model = nn::transform([](const jx::Array& x) {
    return nn::layer_stack(3)([](const jx::Array& h) { return jnp::tanh(nn::Linear(4)(h)); })(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(1), {2, 4});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"__layer_stack_no_per_layer/linear"}));
  const jx::Array w = entry(params, "__layer_stack_no_per_layer/linear", "w");
  const jx::Array b = entry(params, "__layer_stack_no_per_layer/linear", "b");
  EXPECT_EQ(w.shape(), jx::Shape({3, 4, 4}));
  EXPECT_EQ(b.shape(), jx::Shape({3, 4}));
  EXPECT_FALSE(jnp::array_equal(w(0), w(1)).item<bool>());  // each layer its own parameters
  // The hand loop over the stacked parameters.
  const std::vector<float> wv = w.to_vector<float>(), bv = b.to_vector<float>(), xv = x.to_vector<float>();
  std::vector<double> h(xv.begin(), xv.end());
  for (std::size_t layer = 0; layer < 3; ++layer) h = dense_tanh(h, wv, bv, layer, 4);
  const auto check = [&](const jx::Array& y) {
    const std::vector<float> out = y.to_vector<float>();
    ASSERT_EQ(out.size(), h.size());
    for (std::size_t i = 0; i < h.size(); ++i) EXPECT_NEAR(out[i], h[i], 1e-5) << "at " << i;
  };
  check(model.apply(params, std::nullopt, x));
  check(jx::jit([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); })(params, x));
  // The gradient is the hand loop's, written with jnp on the slices.
  const auto loss = [&](const nn::Params& p) { return jnp::sum(model.apply(p, std::nullopt, x)); };
  const auto hand_loss = [&](const nn::Params& p) {
    jx::Array v = x;
    const jx::Array& pw = entry(p, "__layer_stack_no_per_layer/linear", "w");
    const jx::Array& pb = entry(p, "__layer_stack_no_per_layer/linear", "b");
    for (int layer = 0; layer < 3; ++layer) v = jnp::tanh(jnp::matmul(v, pw(layer)) + pb(layer));
    return jnp::sum(v);
  };
  const nn::Params grads = jx::grad(loss)(params), hand = jx::grad(hand_loss)(params);
  for (const char* name : {"w", "b"}) {
    EXPECT_TRUE(jnp::allclose(entry(grads, "__layer_stack_no_per_layer/linear", name),
                              entry(hand, "__layer_stack_no_per_layer/linear", name), {.rtol = 1e-5, .atol = 1e-6})
                    .item<bool>())
        << name;
  }
}

TEST(LayerStack, PerLayerInputsAndOutputs) {
  // Haiku's docstring, with a parameter: f(x, y0, y1) = (x * s + y0, y0 + y1)
  // with s a per-layer scale.
  auto model = nn::transform([](const jx::Array& x, const jx::Array& ys0, const jx::Array& ys1) {
    return nn::layer_stack(4,
                           nn::with_per_layer_inputs)([](const jx::Array& h, const jx::Array& y0, const jx::Array& y1) {
      const jx::Array s = nn::get_parameter("s", {}, nn::initializers::random_uniform(1.0, 2.0));
      return std::pair{h * s + y0, y0 + y1};
    })(x, ys0, ys1);
  });
  const jx::Array x = jnp::array(0.5f), ys0 = jnp::array({1.0f, 2.0f, 3.0f, 4.0f}),
                  ys1 = jnp::array({5.0f, 6.0f, 7.0f, 8.0f});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x, ys0, ys1);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"__layer_stack_with_per_layer/~"}));
  const std::vector<float> s = entry(params, "__layer_stack_with_per_layer/~", "s").to_vector<float>();
  ASSERT_EQ(s.size(), 4u);
  const auto [last, zs] = model.apply(params, std::nullopt, x, ys0, ys1);
  double h = 0.5;
  const double y0[] = {1, 2, 3, 4};
  for (int i = 0; i < 4; ++i) h = h * s[static_cast<std::size_t>(i)] + y0[i];
  EXPECT_NEAR(last.item<float>(), h, 1e-5);
  EXPECT_EQ(zs.to_vector<float>(), (std::vector<float>{6.0f, 8.0f, 10.0f, 12.0f}));
  // Per-layer inputs must have the layers' leading axis.
  EXPECT_THROW((void)model.init(jx::random::PRNGKey(0), x, jnp::ones({3}), jnp::ones({3})), jx::ShapeError);
}

class Encoder : public nn::Module {
 public:
  Encoder() : nn::Module("encoder", std::nullopt) {}
  jx::Array operator()(const jx::Array& x) const {
    return scoped([&] {
      const jx::Array h = nn::layer_stack(2)([](const jx::Array& v) { return nn::Linear(3)(v); })(x);
      return nn::layer_stack(2, {.name = "blocks"})([](const jx::Array& v) { return nn::Linear(3)(v); })(h);
    });
  }
};

TEST(LayerStack, NamesAsLiftsAreNamed) {
  auto model = nn::transform([](const jx::Array& x) {
    const jx::Array h = Encoder()(x);
    return nn::layer_stack(2)([](const jx::Array& v) { return nn::Linear(3)(v); })(h);
  });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::ones({1, 3}));
  EXPECT_EQ(modules_of(params),
            (std::vector<std::string>{"__layer_stack_no_per_layer/linear", "encoder/__layer_stack_no_per_layer/linear",
                                      "encoder/blocks/linear"}));
  EXPECT_EQ(entry(params, "encoder/blocks/linear", "w").shape(), jx::Shape({2, 3, 3}));
}

TEST(LayerStack, EachLayerKeepsItsOwnState) {
  // Each layer counts its calls and scales by the count: after the calls c, y =
  // x * c^3.
  auto model = nn::transform_with_state([](const jx::Array& x) {
    return nn::layer_stack(3)([](const jx::Array& h) {
      const jx::Array count = nn::get_state("count", {}, jx::int32, nn::initializers::zeros()) + 1;
      nn::set_state("count", count);
      return h * count.astype(jx::float32);
    })(x);
  });
  const jx::Array x = jnp::array({1.0f, -0.5f});
  auto [params, state] = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(modules_of(state), (std::vector<std::string>{"__layer_stack_no_per_layer/~"}));
  EXPECT_EQ(entry(state, "__layer_stack_no_per_layer/~", "count").to_vector<int>(), (std::vector<int>{0, 0, 0}));
  for (int call = 1; call <= 2; ++call) {
    auto [y, next] = model.apply(params, state, std::nullopt, x);
    state = next;
    EXPECT_EQ(entry(state, "__layer_stack_no_per_layer/~", "count").to_vector<int>(),
              (std::vector<int>{call, call, call}));
    const float scale = static_cast<float>(call * call * call);
    EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1.0f * scale, -0.5f * scale}));
  }
}

TEST(LayerStack, EachLayerGetsItsOwnKey) {
  // A layer adding uniform noise from next_rng_key: layer i's key is split(k,
  // 3)[i] with k the second key the stack draws (the first is the init's), and
  // the layer's first key is split(that)[1].
  auto model = nn::transform([](const jx::Array& x) {
    return nn::layer_stack(3)([](const jx::Array& h) { return h + jx::random::uniform(nn::next_rng_key(), {}); })(x);
  });
  const jx::Array x = jnp::array(0.0f);
  const jx::Key key = jx::random::PRNGKey(7);
  const nn::Params params = model.init(key, x);
  EXPECT_EQ(modules_of(params), std::vector<std::string>{});
  const jx::Array y = model.apply(params, key, x);
  const jx::Key second = jx::random::split(jx::random::split(key)[0])[1];
  const jx::Key layers = jx::random::split(second, 3);
  double expected = 0;
  for (int i = 0; i < 3; ++i) expected += jx::random::uniform(jx::random::split(layers[i])[1], {}).item<float>();
  EXPECT_NEAR(y.item<float>(), expected, 1e-6);
  EXPECT_THROW((void)model.apply(params, std::nullopt, x),
               jx::ValueError);  // the layers need a key
}

TEST(LayerStack, Errors) {
  EXPECT_THROW((void)nn::layer_stack(0), jx::ValueError);
  EXPECT_THROW((void)nn::layer_stack(-1, nn::with_per_layer_inputs), jx::ValueError);
  const auto stack = nn::layer_stack(2)([](const jx::Array& h) { return h; });
  EXPECT_THROW((void)stack(jnp::ones({1})),
               jx::ValueError);  // outside a transformed function
}

}  // namespace
