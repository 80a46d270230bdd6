// jax.nn's activations and dot_product_attention (src/ops/nn_activations.cpp): values against the
// defining formulas evaluated here in double precision, derivatives against finite differences
// (and JAX's custom rules where it has them), and attention against a loop over heads, queries and
// keys written from the definition softmax(q k^T / sqrt(H) + bias) v.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
using jx::Array;

struct Activation {
  std::string name;
  std::function<Array(const Array&)> f;
  std::function<double(double)> formula;
};

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }
double softplus(double v) { return std::log1p(std::exp(-std::fabs(v))) + std::max(v, 0.0); }

std::vector<Activation> activations() {
  return {
      {"identity", [](const Array& x) { return nn::identity(x); }, [](double v) { return v; }},
      {"tanh", [](const Array& x) { return nn::tanh(x); }, [](double v) { return std::tanh(v); }},
      {"relu6", [](const Array& x) { return nn::relu6(x); }, [](double v) { return std::clamp(v, 0.0, 6.0); }},
      {"leaky_relu", [](const Array& x) { return nn::leaky_relu(x); }, [](double v) { return v >= 0 ? v : 0.01 * v; }},
      {"leaky_relu(0.2)", [](const Array& x) { return nn::leaky_relu(x, 0.2); },
       [](double v) { return v >= 0 ? v : 0.2 * v; }},
      {"elu", [](const Array& x) { return nn::elu(x); }, [](double v) { return v > 0 ? v : std::expm1(v); }},
      {"celu(2)", [](const Array& x) { return nn::celu(x, 2.0); },
       [](double v) { return std::max(v, 0.0) + 2.0 * std::expm1(std::min(v, 0.0) / 2.0); }},
      {"selu", [](const Array& x) { return nn::selu(x); },
       [](double v) { return 1.0507009873554804934 * (v > 0 ? v : 1.6732632423543772848 * std::expm1(v)); }},
      {"hard_tanh", [](const Array& x) { return nn::hard_tanh(x); }, [](double v) { return std::clamp(v, -1.0, 1.0); }},
      {"hard_sigmoid", [](const Array& x) { return nn::hard_sigmoid(x); },
       [](double v) { return std::clamp(v + 3, 0.0, 6.0) / 6; }},
      {"hard_silu", [](const Array& x) { return nn::hard_silu(x); },
       [](double v) { return v * std::clamp(v + 3, 0.0, 6.0) / 6; }},
      {"hard_swish", [](const Array& x) { return nn::hard_swish(x); },
       [](double v) { return v * std::clamp(v + 3, 0.0, 6.0) / 6; }},
      {"mish", [](const Array& x) { return nn::mish(x); }, [](double v) { return v * std::tanh(softplus(v)); }},
      {"squareplus", [](const Array& x) { return nn::squareplus(x); },
       [](double v) { return (v + std::sqrt(v * v + 4)) / 2; }},
      {"sparse_plus", [](const Array& x) { return nn::sparse_plus(x); },
       [](double v) { return v <= -1  ? 0.0
                             : v >= 1 ? v
                                      : (v + 1) * (v + 1) / 4; }},
      {"sparse_sigmoid", [](const Array& x) { return nn::sparse_sigmoid(x); },
       [](double v) { return std::clamp(v + 1, 0.0, 2.0) / 2; }},
      {"soft_sign", [](const Array& x) { return nn::soft_sign(x); }, [](double v) { return v / (std::fabs(v) + 1); }},
  };
}

const std::vector<double> kInputs = {-7.5, -3.0, -1.2, -0.4, 0.0, 0.3, 0.9, 2.0, 5.5, 8.0};

TEST(NnActivations, ValuesMatchTheirFormulas) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array x = jnp::array(kInputs, jx::float64);
  for (const Activation& a : activations()) {
    const auto got = a.f(x).to_vector<double>();
    ASSERT_EQ(got.size(), kInputs.size()) << a.name;
    for (std::size_t i = 0; i < kInputs.size(); ++i) {
      EXPECT_NEAR(got[i], a.formula(kInputs[i]), 1e-14 * (1 + std::fabs(got[i]))) << a.name << " at " << kInputs[i];
    }
    // float32 in, float32 out; integers become the default float type.
    EXPECT_EQ(a.f(jnp::astype(x, jx::float32)).dtype(), jx::float32) << a.name;
  }
  EXPECT_EQ(nn::elu(jnp::array({1, -1})).dtype(), jx::float64);  // the default float type, under x64
}

TEST(NnActivations, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  // Away from the kinks, where finite differences are meaningful.
  const Array x = jnp::array(std::vector<double>{-2.7, -1.3, -0.6, 0.4, 0.8, 1.7, 4.2}, jx::float64);
  for (const Activation& a : activations()) {
    SCOPED_TRACE(a.name);
    jx::test::check_grads(a.f, {x}, 1);
  }
  // JAX's custom rules: relu6's derivative is 0 at both kinks; log1mexp's is 1 / expm1(x).
  const auto relu6_grad = jx::grad([](const Array& v) { return jnp::sum(nn::relu6(v)); })(
                              jnp::array(std::vector<double>{0.0, 3.0, 6.0}, jx::float64))
                              .to_vector<double>();
  EXPECT_EQ(relu6_grad, (std::vector<double>{0.0, 1.0, 0.0}));
  const Array positive = jnp::array(std::vector<double>{1e-6, 0.1, 0.69, 0.7, 3.0, 40.0}, jx::float64);
  const auto log1mexp_grad =
      jx::grad([](const Array& v) { return jnp::sum(nn::log1mexp(v)); })(positive).to_vector<double>();
  const auto inputs = positive.to_vector<double>();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_NEAR(log1mexp_grad[i], 1 / std::expm1(inputs[i]), 1e-12 / std::expm1(inputs[i]));
  }
}

TEST(NnActivations, Log1mexpIsAccurateAtBothEnds) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  // log(1 - exp(-x)): near 0 it is log(x) - x/2 + ..., far out -exp(-x); both lose all digits when
  // computed naively.
  const auto got = nn::log1mexp(jnp::array(std::vector<double>{1e-10, 50.0}, jx::float64)).to_vector<double>();
  EXPECT_NEAR(got[0], std::log(1e-10) - 0.5e-10, 1e-15);
  EXPECT_NEAR(got[1], -std::exp(-50.0), 1e-35);
}

TEST(NnActivations, GluLogmeanexpAndStandardize) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array x = jnp::reshape(jnp::array(std::vector<double>{1, -2, 0.5, 3, -1, 2, 0, 4}, jx::float64), {2, 4});
  const auto glu = nn::glu(x).to_vector<double>();
  EXPECT_NEAR(glu[0], 1 * sigmoid(0.5), 1e-15);
  EXPECT_NEAR(glu[3], 2 * sigmoid(4), 1e-15);
  EXPECT_THROW(nn::glu(jnp::ones({3})), jx::ShapeError);
  const auto lme = nn::logmeanexp(x, {.axis = 1}).to_vector<double>();
  EXPECT_NEAR(lme[0], std::log((std::exp(1.0) + std::exp(-2.0) + std::exp(0.5) + std::exp(3.0)) / 4), 1e-14);
  EXPECT_NEAR(nn::logmeanexp(x).item<double>(),
              std::log((std::exp(1.0) + std::exp(-2.0) + std::exp(0.5) + std::exp(3.0) + std::exp(-1.0) +
                        std::exp(2.0) + 1 + std::exp(4.0)) /
                       8),
              1e-14);
  // standardize: zero mean and unit variance (up to epsilon) along the last axis, both algorithms.
  for (const char* algorithm : {"fast", "stable"}) {
    const auto s = nn::standardize(x, {.epsilon = 0, .algorithm = algorithm}).to_vector<double>();
    for (int row = 0; row < 2; ++row) {
      double mean = 0, square = 0;
      for (int k = 0; k < 4; ++k) mean += s[static_cast<std::size_t>(row * 4 + k)] / 4;
      for (int k = 0; k < 4; ++k) square += s[static_cast<std::size_t>(row * 4 + k)] * s[row * 4 + k] / 4;
      EXPECT_NEAR(mean, 0, 1e-14) << algorithm;
      EXPECT_NEAR(square, 1, 1e-12) << algorithm;
    }
  }
  const auto given = nn::standardize(x, {.mean = jnp::array(1.0), .variance = jnp::array(4.0), .epsilon = 0});
  EXPECT_NEAR(given.to_vector<double>()[1], (-2.0 - 1.0) / 2.0, 1e-15);
  EXPECT_THROW(nn::standardize(x, {.algorithm = "exact"}), jx::ValueError);
}

// The definition, one (batch, head, query) at a time, in double.
std::vector<double> attention_by_loops(const std::vector<double>& q, const std::vector<double>& k,
                                       const std::vector<double>& v, int batch, int target, int source, int heads,
                                       int heads_kv, int depth, bool causal, const std::vector<double>* bias) {
  std::vector<double> out(static_cast<std::size_t>(batch * target * heads * depth), 0.0);
  const int groups = heads / heads_kv;
  for (int b = 0; b < batch; ++b) {
    for (int n = 0; n < heads; ++n) {
      const int kv = n / groups;
      for (int t = 0; t < target; ++t) {
        std::vector<double> logits(static_cast<std::size_t>(source));
        double largest = -std::numeric_limits<double>::infinity();
        for (int s = 0; s < source; ++s) {
          double dot = 0;
          for (int h = 0; h < depth; ++h) {
            dot += q[static_cast<std::size_t>(((b * target + t) * heads + n) * depth + h)] *
                   k[static_cast<std::size_t>(((b * source + s) * heads_kv + kv) * depth + h)];
          }
          double logit = dot / std::sqrt(static_cast<double>(depth));
          if (bias) logit += (*bias)[static_cast<std::size_t>(((b * heads + n) * target + t) * source + s)];
          if (causal && s > t) logit = -std::numeric_limits<double>::infinity();
          logits[static_cast<std::size_t>(s)] = logit;
          largest = std::max(largest, logit);
        }
        double total = 0;
        for (double& l : logits) total += (l = std::exp(l - largest));
        for (int s = 0; s < source; ++s) {
          const double p = logits[static_cast<std::size_t>(s)] / total;
          for (int h = 0; h < depth; ++h) {
            out[static_cast<std::size_t>(((b * target + t) * heads + n) * depth + h)] +=
                p * v[static_cast<std::size_t>(((b * source + s) * heads_kv + kv) * depth + h)];
          }
        }
      }
    }
  }
  return out;
}

void expect_near(const std::vector<double>& got, const std::vector<double>& want, double tolerance,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tolerance) << what << " at " << i;
}

TEST(NnActivations, DotProductAttentionMatchesTheDefinition) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  constexpr int kBatch = 2, kTarget = 3, kSource = 4, kHeads = 4, kHeadsKv = 2, kDepth = 5;
  const auto normal = [](int seed, const jx::Shape& shape) {
    return jx::random::normal(jx::random::PRNGKey(seed), shape, jx::float64);
  };
  const Array q = normal(1, {kBatch, kTarget, kHeads, kDepth});
  const Array k = normal(2, {kBatch, kSource, kHeadsKv, kDepth});
  const Array v = normal(3, {kBatch, kSource, kHeadsKv, kDepth});
  const Array bias = normal(4, {kBatch, kHeads, kTarget, kSource});
  const auto qv = q.to_vector<double>(), kv = k.to_vector<double>(), vv = v.to_vector<double>();
  const auto bv = bias.to_vector<double>();
  // The softmax runs in float32, as JAX's: agreement to float32's precision.
  constexpr double kTolerance = 2e-6;
  expect_near(nn::dot_product_attention(q, k, v).to_vector<double>(),
              attention_by_loops(qv, kv, vv, kBatch, kTarget, kSource, kHeads, kHeadsKv, kDepth, false, nullptr),
              kTolerance, "grouped-query attention");
  expect_near(nn::dot_product_attention(q, k, v, {.bias = bias, .is_causal = true}).to_vector<double>(),
              attention_by_loops(qv, kv, vv, kBatch, kTarget, kSource, kHeads, kHeadsKv, kDepth, true, &bv), kTolerance,
              "causal with bias");
  // A boolean mask equal to the causal one gives the same result; so does a local window (T - 1, 0).
  const Array causal_mask = jnp::tril(jnp::ones({kTarget, kSource}, jx::bool_));
  const Array by_mask =
      nn::dot_product_attention(q, k, v, {.mask = jnp::reshape(causal_mask, {1, 1, kTarget, kSource})});
  const Array causal = nn::dot_product_attention(q, k, v, {.is_causal = true});
  expect_near(by_mask.to_vector<double>(), causal.to_vector<double>(), 1e-15, "mask");
  const Array windowed = nn::dot_product_attention(q, k, v, {.local_window_size = std::pair{kTarget, 0}});
  expect_near(windowed.to_vector<double>(), causal.to_vector<double>(), 1e-15, "window");
  // Sequence lengths: keys past the length are dropped, query rows past it are zero.
  const Array lengths = jnp::array({2, 3}, jx::int32);
  const auto padded =
      nn::dot_product_attention(q, k, v, {.query_seq_lengths = lengths, .key_value_seq_lengths = lengths})
          .to_vector<double>();
  const Array q0 = jnp::reshape(jx::lax::slice(q, {0, 0, 0, 0}, {1, 2, kHeads, kDepth}), {1, 2, kHeads, kDepth});
  const Array k0 = jx::lax::slice(k, {0, 0, 0, 0}, {1, 2, kHeadsKv, kDepth});
  const Array v0 = jx::lax::slice(v, {0, 0, 0, 0}, {1, 2, kHeadsKv, kDepth});
  const auto short_batch = nn::dot_product_attention(q0, k0, v0).to_vector<double>();
  for (int t = 0; t < kTarget; ++t) {
    for (int i = 0; i < kHeads * kDepth; ++i) {
      const double got = padded[static_cast<std::size_t>(t * kHeads * kDepth + i)];
      if (t < 2) {
        EXPECT_NEAR(got, short_batch[static_cast<std::size_t>(t * kHeads * kDepth + i)], kTolerance);
      } else {
        EXPECT_EQ(got, 0.0);
      }
    }
  }
  // Unbatched (T, N, H) inputs, and jit.
  const Array unbatched =
      nn::dot_product_attention(jnp::squeeze(jx::lax::slice(q, {0, 0, 0, 0}, {1, kTarget, kHeads, kDepth}), 0),
                                jnp::squeeze(k0, 0), jnp::squeeze(v0, 0));
  EXPECT_EQ(unbatched.shape(), (jx::Shape{kTarget, kHeads, kDepth}));
  const Array jitted = jx::jit(
      [](const Array& a, const Array& b, const Array& c) { return nn::dot_product_attention(a, b, c); })(q, k, v);
  expect_near(jitted.to_vector<double>(), nn::dot_product_attention(q, k, v).to_vector<double>(), 1e-15, "jit");
  EXPECT_THROW(nn::dot_product_attention(q, k, jnp::ones({kBatch, kSource, kHeadsKv, kDepth + 1}, jx::float64)),
               jx::ShapeError);
  EXPECT_THROW(nn::dot_product_attention(normal(5, {kBatch, kTarget, 3, kDepth}), k, v), jx::ShapeError);
}

}  // namespace
