// MultiHeadAttention: parameter names and shapes as Haiku's, outputs against a
// direct loop in double precision written here (from the parameters read back
// from the tree), with and without a mask, over several leading dimensions,
// under jit and grad, and errors.
#include "jx/nn/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "jx/jx.h"
#include "jx/test_util.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
namespace init = jx::nn::initializers;

jx::Array parameter(const nn::Params& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

std::vector<double> doubles(const jx::Array& x) {
  const std::vector<float> values = x.astype(jx::float32).to_vector<float>();
  return {values.begin(), values.end()};
}

std::size_t at(std::int64_t i) { return static_cast<std::size_t>(i); }

struct Sizes {
  std::int64_t batch;  // all leading dimensions flattened
  std::int64_t query_length, key_length;
  std::int64_t query_features, key_features, value_features;
  std::int64_t heads, key_size, value_size, model_size;
};

// y[r, o] = b[o] + sum_i x[r, i] w[i, o], for `rows` rows; b empty without a
// bias.
std::vector<double> linear(const std::vector<double>& x, std::int64_t rows, std::int64_t in,
                           const std::vector<double>& w, const std::vector<double>& b, std::int64_t out) {
  std::vector<double> y(at(rows * out));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t o = 0; o < out; ++o) {
      double sum = b.empty() ? 0.0 : b[at(o)];
      for (std::int64_t i = 0; i < in; ++i) sum += x[at(r * in + i)] * w[at(i * out + o)];
      y[at(r * out + o)] = sum;
    }
  }
  return y;
}

// Haiku's multi-head attention written out: projections q[n, t, h*K + k] (the
// Linear's output split into heads), logits[n, h, t, s] = sum_k q k / sqrt(K),
// -1e30 where the mask is false (mask[n, h or 0, t, s]), a softmax over s, the
// weighted values concatenated over heads, and the output projection.
std::vector<double> reference_attention(const Sizes& z, const std::vector<double>& query,
                                        const std::vector<double>& key, const std::vector<double>& value,
                                        const std::vector<bool>* mask, std::int64_t mask_heads,
                                        const nn::Params& params, bool with_bias) {
  const std::string m = "multi_head_attention";
  auto bias = [&](const std::string& module) {
    return with_bias ? doubles(parameter(params, module, "b")) : std::vector<double>{};
  };
  const std::int64_t hk = z.heads * z.key_size, hv = z.heads * z.value_size;
  const auto q = linear(query, z.batch * z.query_length, z.query_features,
                        doubles(parameter(params, m + "/query", "w")), bias(m + "/query"), hk);
  const auto k = linear(key, z.batch * z.key_length, z.key_features, doubles(parameter(params, m + "/key", "w")),
                        bias(m + "/key"), hk);
  const auto v = linear(value, z.batch * z.key_length, z.value_features, doubles(parameter(params, m + "/value", "w")),
                        bias(m + "/value"), hv);
  std::vector<double> attended(at(z.batch * z.query_length * hv), 0.0);
  std::vector<double> logits(at(z.key_length));
  for (std::int64_t n = 0; n < z.batch; ++n) {
    for (std::int64_t h = 0; h < z.heads; ++h) {
      for (std::int64_t t = 0; t < z.query_length; ++t) {
        for (std::int64_t s = 0; s < z.key_length; ++s) {
          double sum = 0;
          for (std::int64_t d = 0; d < z.key_size; ++d) {
            sum += q[at((n * z.query_length + t) * hk + h * z.key_size + d)] *
                   k[at((n * z.key_length + s) * hk + h * z.key_size + d)];
          }
          logits[at(s)] = sum / std::sqrt(static_cast<double>(z.key_size));
          const std::int64_t mh = mask_heads == 1 ? 0 : h;
          if (mask && !(*mask)[at(((n * mask_heads + mh) * z.query_length + t) * z.key_length + s)]) {
            logits[at(s)] = -1e30;
          }
        }
        const double largest = *std::max_element(logits.begin(), logits.end());
        double total = 0;
        for (double& l : logits) total += (l = std::exp(l - largest));
        for (std::int64_t s = 0; s < z.key_length; ++s) {
          for (std::int64_t d = 0; d < z.value_size; ++d) {
            attended[at((n * z.query_length + t) * hv + h * z.value_size + d)] +=
                logits[at(s)] / total * v[at((n * z.key_length + s) * hv + h * z.value_size + d)];
          }
        }
      }
    }
  }
  return linear(attended, z.batch * z.query_length, hv, doubles(parameter(params, m + "/linear", "w")),
                bias(m + "/linear"), z.model_size);
}

void expect_close(const jx::Array& got, const std::vector<double>& want) {
  const std::vector<double> values = doubles(got);
  ASSERT_EQ(values.size(), want.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_NEAR(values[i], want[i], 1e-4 * (1.0 + std::abs(want[i]))) << "at " << i;
  }
}

std::vector<bool> bools(const jx::Array& mask) {
  const std::vector<std::uint8_t> values = mask.astype(jx::DType::uint8).to_vector<std::uint8_t>();
  return {values.begin(), values.end()};
}

nn::MultiHeadAttentionOptions options(std::int64_t value_size, std::int64_t model_size, bool with_bias = true) {
  return {.w_init = init::variance_scaling(1.0, init::FanMode::fan_in, init::Distribution::truncated_normal),
          .with_bias = with_bias,
          .b_init = init::random_normal(0.5),  // non-zero, so that a misplaced bias shows
          .value_size = value_size,
          .model_size = model_size};
}

TEST(MultiHeadAttention, ParametersAreHaikusProjections) {
  auto model = nn::transform([](const jx::Array& q, const jx::Array& k, const jx::Array& v) {
    return nn::MultiHeadAttention(2, 3, options(4, 5))(q, k, v);
  });
  const jx::Array q = jnp::ones({3, 6}), k = jnp::ones({4, 7}), v = jnp::ones({4, 8});
  const nn::Params params = model.init(jx::random::PRNGKey(0), q, k, v);
  EXPECT_EQ(params.as_dict().size(), 4u);
  EXPECT_EQ(parameter(params, "multi_head_attention/query", "w").shape(), (jx::Shape{6, 6}));
  EXPECT_EQ(parameter(params, "multi_head_attention/query", "b").shape(), (jx::Shape{6}));
  EXPECT_EQ(parameter(params, "multi_head_attention/key", "w").shape(), (jx::Shape{7, 6}));
  EXPECT_EQ(parameter(params, "multi_head_attention/value", "w").shape(), (jx::Shape{8, 8}));
  EXPECT_EQ(parameter(params, "multi_head_attention/linear", "w").shape(), (jx::Shape{8, 5}));
  EXPECT_EQ(parameter(params, "multi_head_attention/linear", "b").shape(), (jx::Shape{5}));
  EXPECT_EQ(model.apply(params, std::nullopt, q, k, v).shape(), (jx::Shape{3, 5}));

  // Defaults: value_size = key_size, model_size = key_size * num_heads; no
  // biases without with_bias; a name.
  auto plain = nn::transform([](const jx::Array& x) {
    return nn::MultiHeadAttention(2, 3, {.w_init = init::lecun_normal(), .with_bias = false, .name = "self"})(x, x, x);
  });
  const nn::Params plain_params = plain.init(jx::random::PRNGKey(0), q);
  EXPECT_EQ(parameter(plain_params, "self/value", "w").shape(), (jx::Shape{6, 6}));
  EXPECT_EQ(parameter(plain_params, "self/linear", "w").shape(), (jx::Shape{6, 6}));
  EXPECT_EQ(plain_params.as_dict().at("self/query").as_dict().count("b"), 0u);
}

TEST(MultiHeadAttention, MatchesTheLoopWithoutAMask) {
  const Sizes z{.batch = 2,
                .query_length = 3,
                .key_length = 4,
                .query_features = 5,
                .key_features = 6,
                .value_features = 7,
                .heads = 2,
                .key_size = 3,
                .value_size = 4,
                .model_size = 5};
  auto model = nn::transform([](const jx::Array& q, const jx::Array& k, const jx::Array& v) {
    return nn::MultiHeadAttention(2, 3, options(4, 5))(q, k, v);
  });
  const jx::Array q = jx::random::normal(jx::random::PRNGKey(1), {2, 3, 5});
  const jx::Array k = jx::random::normal(jx::random::PRNGKey(2), {2, 4, 6});
  const jx::Array v = jx::random::normal(jx::random::PRNGKey(3), {2, 4, 7});
  const nn::Params params = model.init(jx::random::PRNGKey(4), q, k, v);
  const jx::Array out = model.apply(params, std::nullopt, q, k, v);
  ASSERT_EQ(out.shape(), (jx::Shape{2, 3, 5}));
  const auto want = reference_attention(z, doubles(q), doubles(k), doubles(v), nullptr, 1, params, true);
  expect_close(out, want);

  // The same program under jit.
  auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& a, const jx::Array& b, const jx::Array& c) {
    return model.apply(p, std::nullopt, a, b, c);
  });
  expect_close(jitted(params, q, k, v), want);
}

TEST(MultiHeadAttention, MasksDropKeysAndBroadcastOverHeads) {
  const Sizes z{.batch = 2,
                .query_length = 3,
                .key_length = 4,
                .query_features = 5,
                .key_features = 5,
                .value_features = 5,
                .heads = 2,
                .key_size = 3,
                .value_size = 3,
                .model_size = 6};
  auto cross = nn::transform([](const jx::Array& q, const jx::Array& kv, const jx::Array& mask) {
    return nn::MultiHeadAttention(2, 3, options(3, 6))(q, kv, kv, mask);
  });
  const jx::Array q = jx::random::normal(jx::random::PRNGKey(5), {2, 3, 5});
  const jx::Array kv = jx::random::normal(jx::random::PRNGKey(6), {2, 4, 5});
  // One mask for all heads (2, 1, 3, 4); query row (1, 2) sees no key at all:
  // its weights are uniform.
  jx::Array mask = jx::random::bernoulli(jx::random::PRNGKey(7), 0.6f, {2, 1, 3, 4});
  mask = mask.at(1, 0, 2).set(jnp::zeros({4}, jx::bool_));
  const nn::Params params = cross.init(jx::random::PRNGKey(8), q, kv, mask);
  const std::vector<bool> shared_values = bools(mask);
  const auto want_shared =
      reference_attention(z, doubles(q), doubles(kv), doubles(kv), &shared_values, 1, params, true);
  expect_close(cross.apply(params, std::nullopt, q, kv, mask), want_shared);
  // A mask per head (2, 2, 3, 4).
  const jx::Array per_head = jx::random::bernoulli(jx::random::PRNGKey(9), 0.5f, {2, 2, 3, 4});
  const std::vector<bool> per_head_values = bools(per_head);
  expect_close(cross.apply(params, std::nullopt, q, kv, per_head),
               reference_attention(z, doubles(q), doubles(kv), doubles(kv), &per_head_values, 2, params, true));
  // A mask of all true changes nothing.
  auto unmasked = nn::transform(
      [](const jx::Array& a, const jx::Array& b) { return nn::MultiHeadAttention(2, 3, options(3, 6))(a, b, b); });
  EXPECT_TRUE(jnp::allclose(cross.apply(params, std::nullopt, q, kv, jnp::ones({2, 1, 3, 4}, jx::bool_)),
                            unmasked.apply(params, std::nullopt, q, kv), {.rtol = 1e-6, .atol = 1e-6})
                  .item<bool>());
  // Under jit.
  auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& a, const jx::Array& b, const jx::Array& m) {
    return cross.apply(p, std::nullopt, a, b, m);
  });
  expect_close(jitted(params, q, kv, per_head),
               reference_attention(z, doubles(q), doubles(kv), doubles(kv), &per_head_values, 2, params, true));
}

TEST(MultiHeadAttention, BroadcastsOverSeveralLeadingDimensionsAndNone) {
  auto model = nn::transform([](const jx::Array& q, const jx::Array& kv, const jx::Array& mask) {
    return nn::MultiHeadAttention(3, 2, options(2, 4, false))(q, kv, kv, mask);
  });
  // Leading dimensions (2, 3): flattened to 6 examples in the loop, as the
  // module treats each alike.
  const Sizes z{.batch = 6,
                .query_length = 2,
                .key_length = 5,
                .query_features = 4,
                .key_features = 3,
                .value_features = 3,
                .heads = 3,
                .key_size = 2,
                .value_size = 2,
                .model_size = 4};
  const jx::Array q = jx::random::normal(jx::random::PRNGKey(10), {2, 3, 2, 4});
  const jx::Array kv = jx::random::normal(jx::random::PRNGKey(11), {2, 3, 5, 3});
  const jx::Array mask = jx::random::bernoulli(jx::random::PRNGKey(12), 0.7f, {2, 3, 1, 2, 5});
  const nn::Params params = model.init(jx::random::PRNGKey(13), q, kv, mask);
  const jx::Array out = model.apply(params, std::nullopt, q, kv, mask);
  ASSERT_EQ(out.shape(), (jx::Shape{2, 3, 2, 4}));
  const std::vector<bool> mask_values = bools(mask);
  expect_close(out, reference_attention(z, doubles(q), doubles(kv), doubles(kv), &mask_values, 1, params, false));

  // No leading dimension: the first example alone, mask (1, T', T).
  const Sizes one{.batch = 1,
                  .query_length = 2,
                  .key_length = 5,
                  .query_features = 4,
                  .key_features = 3,
                  .value_features = 3,
                  .heads = 3,
                  .key_size = 2,
                  .value_size = 2,
                  .model_size = 4};
  const jx::Array q0 = q(0, 0), kv0 = kv(0, 0), mask0 = mask(0, 0);
  const std::vector<bool> mask0_values = bools(mask0);
  expect_close(model.apply(params, std::nullopt, q0, kv0, mask0),
               reference_attention(one, doubles(q0), doubles(kv0), doubles(kv0), &mask0_values, 1, params, false));
}

TEST(MultiHeadAttention, GradientsMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  auto model = nn::transform(
      [](const jx::Array& q, const jx::Array& kv) { return nn::MultiHeadAttention(2, 2, options(3, 3))(q, kv, kv); });
  const jx::Array q = jx::random::normal(jx::random::PRNGKey(14), {2, 3}).astype(jx::DType::float64);
  const jx::Array kv = jx::random::normal(jx::random::PRNGKey(15), {4, 3}).astype(jx::DType::float64);
  const nn::Params params = model.init(jx::random::PRNGKey(16), q, kv);
  const auto loss = [&](const jx::Array& a, const jx::Array& b) {
    return jnp::sum(jnp::tanh(model.apply(params, std::nullopt, a, b)));
  };
  jx::test::check_grads(loss, {q, kv}, 2, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
  // And through jit.
  auto jitted = jx::jit(loss);
  const auto jitted_loss = [&](const jx::Array& a, const jx::Array& b) -> jx::Array { return jitted(a, b); };
  jx::test::check_grads(jitted_loss, {q, kv}, 1, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
}

TEST(MultiHeadAttention, WeightInitializerIsRequiredAndWInitScaleIsVarianceScaling) {
  const jx::Array x = jnp::ones({3, 4});
  auto missing = nn::transform([](const jx::Array& a) { return nn::MultiHeadAttention(2, 3)(a, a, a); });
  EXPECT_THROW(missing.init(jx::random::PRNGKey(0), x), jx::ValueError);
  auto both = nn::transform([](const jx::Array& a) {
    return nn::MultiHeadAttention(2, 3, {.w_init_scale = 2.0, .w_init = init::zeros()})(a, a, a);
  });
  EXPECT_THROW(both.init(jx::random::PRNGKey(0), x), jx::ValueError);
  // w_init_scale s means variance_scaling(s, fan_in, truncated_normal): the
  // same draws from the same key.
  auto scaled =
      nn::transform([](const jx::Array& a) { return nn::MultiHeadAttention(2, 3, {.w_init_scale = 2.0})(a, a, a); });
  auto explicit_init = nn::transform([](const jx::Array& a) {
    return nn::MultiHeadAttention(
        2, 3, {.w_init = init::variance_scaling(2.0, init::FanMode::fan_in, init::Distribution::truncated_normal)})(
        a, a, a);
  });
  const nn::Params from_scale = scaled.init(jx::random::PRNGKey(1), x);
  const nn::Params from_init = explicit_init.init(jx::random::PRNGKey(1), x);
  for (const char* module : {"query", "key", "value", "linear"}) {
    const std::string path = std::string("multi_head_attention/") + module;
    EXPECT_TRUE(jnp::array_equal(parameter(from_scale, path, "w"), parameter(from_init, path, "w")).item<bool>());
    // Biases default to zeros (query, key and value: 2 heads x 3; linear:
    // model_size 2 x 3).
    EXPECT_TRUE(jnp::array_equal(parameter(from_scale, path, "b"), jnp::zeros({6})).item<bool>());
  }
  // The truncated normal's spread: unit draws cut at +-2, rescaled to the standard deviation
  // sqrt(2 / fan_in) (fan_in 4) by dividing by the cut normal's own standard deviation, 0.8796...
  const std::vector<double> w = doubles(parameter(from_scale, "multi_head_attention/query", "w"));
  for (double value : w) EXPECT_LE(std::abs(value), 2.0 * std::sqrt(2.0 / 4.0) / 0.87962566103423978 * (1 + 1e-6));
}

TEST(MultiHeadAttention, ErrorsNameTheModule) {
  const auto w_init = init::lecun_normal();
  auto run = [&](const jx::Array& q, const jx::Array& k, const jx::Array& v, std::optional<jx::Array> mask) {
    auto model = nn::transform([&](const jx::Array& a) {
      (void)a;
      return nn::MultiHeadAttention(2, 3, {.w_init = w_init})(q, k, v, mask);
    });
    return model.init(jx::random::PRNGKey(0), q);
  };
  const jx::Array seq = jnp::ones({2, 3, 4});
  // A mask must have the logits' rank (batch, heads, T', T) = 4 here.
  EXPECT_THROW(run(seq, seq, seq, jnp::ones({3, 3}, jx::bool_)), jx::ValueError);
  EXPECT_THROW(run(jnp::ones({4}), seq, seq, std::nullopt), jx::ShapeError);
  EXPECT_THROW(run(seq, seq, jnp::ones({2, 5, 4}), std::nullopt), jx::ShapeError);
  EXPECT_THROW(nn::transform([](const jx::Array& a) {
                 return nn::MultiHeadAttention(0, 3, {.w_init = init::zeros()})(a, a, a);
               }).init(jx::random::PRNGKey(0), seq),
               jx::ValueError);
  try {
    run(seq, seq, seq, jnp::ones({3, 3}, jx::bool_));
    FAIL() << "expected a ValueError";
  } catch (const jx::ValueError& error) {
    EXPECT_EQ(error.op(), "MultiHeadAttention");
  }
}

}  // namespace
