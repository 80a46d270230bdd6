// multi_transform and multi_transform_with_state (Haiku's encoder/decoder
// docstring: one init, a tuple of applies sharing its parameters),
// without_state and with_empty_state, against dense layers written out in
// double precision; and the errors for state where none may be.
#include "jx/nn/multi_transform.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
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

// x [rows, in] @ w + b in double precision.
std::vector<double> dense(const std::vector<double>& x, const jx::Array& w, const jx::Array& b) {
  const std::size_t in = static_cast<std::size_t>(w.shape()[0]), out = static_cast<std::size_t>(w.shape()[1]);
  const std::vector<float> wv = w.to_vector<float>(), bv = b.to_vector<float>();
  std::vector<double> y(x.size() / in * out);
  for (std::size_t r = 0; r < x.size() / in; ++r) {
    for (std::size_t j = 0; j < out; ++j) {
      double sum = bv[j];
      for (std::size_t k = 0; k < in; ++k) sum += x[r * in + k] * wv[k * out + j];
      y[r * out + j] = sum;
    }
  }
  return y;
}

void expect_near(const jx::Array& actual, const std::vector<double>& expected) {
  const std::vector<float> values = actual.to_vector<float>();
  ASSERT_EQ(values.size(), expected.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(values[i], expected[i], 1e-5) << "at " << i;
}

auto encoder_decoder() {
  return [] {
    const nn::Linear encoder(2, {.name = "encoder"});
    const nn::Linear decoder(3, {.name = "decoder"});
    auto both = [=](const jx::Array& x) { return decoder(encoder(x)); };
    return std::pair{both, std::tuple{encoder, decoder}};
  };
}

TEST(MultiTransform, OneInitAndAppliesSharingItsParameters) {
  auto model = nn::multi_transform(encoder_decoder());
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(1), {4, 3});
  const nn::Params params = model.init(jx::random::PRNGKey(42), x);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"decoder", "encoder"}));
  EXPECT_EQ(entry(params, "encoder", "w").shape(), jx::Shape({3, 2}));
  EXPECT_EQ(entry(params, "decoder", "w").shape(), jx::Shape({2, 3}));
  auto [encode, decode] = model.apply;
  const jx::Array z = encode(params, std::nullopt, x);
  const jx::Array y = decode(params, std::nullopt, z);
  const std::vector<float> xv = x.to_vector<float>();
  const std::vector<double> zd =
      dense({xv.begin(), xv.end()}, entry(params, "encoder", "w"), entry(params, "encoder", "b"));
  expect_near(z, zd);
  expect_near(y, dense(zd, entry(params, "decoder", "w"), entry(params, "decoder", "b")));
  // Under jit, and the gradient of a loss through both applies reaches both
  // modules.
  const auto loss = [&](const nn::Params& p) {
    return jnp::sum(std::get<1>(model.apply)(p, std::nullopt, std::get<0>(model.apply)(p, std::nullopt, x)));
  };
  EXPECT_NEAR(jx::jit(loss)(params).item<float>(), loss(params).item<float>(), 1e-5);
  const nn::Params grads = jx::grad(loss)(params);
  EXPECT_EQ(modules_of(grads), (std::vector<std::string>{"decoder", "encoder"}));
  // d/db_decoder sum(y) = rows (4) for every output.
  EXPECT_EQ(entry(grads, "decoder", "b").to_vector<float>(), (std::vector<float>{4.0f, 4.0f, 4.0f}));
}

TEST(MultiTransform, ASingleFunctionIsASingleApply) {
  // f may return one function instead of a tuple: apply is then that one
  // function.
  auto model = nn::multi_transform([] {
    const nn::Linear layer(2);
    auto twice = [=](const jx::Array& x) { return layer(layer(x)); };
    return std::pair{[=](const jx::Array& x) { return layer(x); }, twice};
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(2), {1, 2});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"linear"}));
  const std::vector<float> xv = x.to_vector<float>();
  const jx::Array& w = entry(params, "linear", "w");
  const jx::Array& b = entry(params, "linear", "b");
  expect_near(model.apply(params, std::nullopt, x), dense(dense({xv.begin(), xv.end()}, w, b), w, b));
}

TEST(MultiTransformWithState, ThreadsState) {
  // The template makes a counter's state; the applies advance it by one and by
  // ten.
  auto model = nn::multi_transform_with_state([] {
    auto count = [](int step) {
      const jx::Array n = nn::get_state("n", {}, jx::int32, nn::initializers::zeros()) + step;
      nn::set_state("n", n);
      return n;
    };
    return std::pair{
        [=](const jx::Array&) { return count(1); },
        std::tuple{[=](const jx::Array&) { return count(1); }, [=](const jx::Array&) { return count(10); }}};
  });
  auto [params, state] = model.init(jx::random::PRNGKey(0), jnp::zeros({}));
  EXPECT_EQ(entry(state, "~", "n").item<int>(), 0);
  auto [one, state1] = std::get<0>(model.apply)(params, state, std::nullopt, jnp::zeros({}));
  auto [eleven, state2] = std::get<1>(model.apply)(params, state1, std::nullopt, jnp::zeros({}));
  EXPECT_EQ(one.item<int>(), 1);
  EXPECT_EQ(eleven.item<int>(), 11);
  EXPECT_EQ(entry(state2, "~", "n").item<int>(), 11);
  // multi_transform refuses functions that use state.
  auto stateless = nn::without_state(model);
  EXPECT_THROW((void)stateless.init(jx::random::PRNGKey(0), jnp::zeros({})), jx::ValueError);
  EXPECT_THROW((void)std::get<0>(stateless.apply)(params, std::nullopt, jnp::zeros({})), jx::ValueError);
}

TEST(WithoutState, AndWithEmptyState) {
  // hk.without_state(hk.transform_with_state(f)) is hk.transform(f);
  // hk.with_empty_state the reverse.
  const auto f = [](const jx::Array& x) { return nn::Linear(3)(x); };
  auto stateless = nn::without_state(nn::transform_with_state(f));
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(3), {2, 4});
  const nn::Params params = stateless.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"linear"}));
  const std::vector<float> xv = x.to_vector<float>();
  const std::vector<double> expected =
      dense({xv.begin(), xv.end()}, entry(params, "linear", "w"), entry(params, "linear", "b"));
  expect_near(stateless.apply(params, std::nullopt, x), expected);
  auto stateful = nn::with_empty_state(nn::transform(f));
  auto [same, empty] = stateful.init(jx::random::PRNGKey(0), x);
  EXPECT_TRUE(jnp::array_equal(entry(same, "linear", "w"), entry(params, "linear", "w")).item<bool>());
  EXPECT_TRUE(empty.is_dict() && empty.as_dict().empty());
  auto [y, next] = stateful.apply(params, empty, std::nullopt, x);
  expect_near(y, expected);
  EXPECT_TRUE(next.is_dict() && next.as_dict().empty());
  // A function with state cannot lose it.
  auto counting = nn::without_state(nn::transform_with_state([](const jx::Array& v) {
    nn::set_state("seen", v);
    return v;
  }));
  EXPECT_THROW((void)counting.init(jx::random::PRNGKey(0), x), jx::ValueError);
}

}  // namespace
