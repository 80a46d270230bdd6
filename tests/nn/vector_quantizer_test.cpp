// VectorQuantizer and VectorQuantizerEMA (jx/nn/nets.h) against a
// double-precision reference of the formulas of haiku/_src/nets/vqvae.py
// written here (nearest code by squared distance, the two losses, perplexity),
// their gradients (straight-through, stop_gradient) in closed form, the EMA
// codebook update in closed form over two steps, names and sizes against
// Haiku's integration checkpoints
// (haiku/_src/integration/checkpoints/nets.VectorQuantizer*.json), jit and
// errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/nets.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
namespace nets = jx::nn::nets;

constexpr std::int64_t kDim = 3, kCodes = 4;
constexpr double kCommitment = 0.25;

// Codes are columns: (0, 0, 0), (1, 1, -1), (-1, 1, 0.5), (2, -1, 1).
const std::vector<double> kCodebook = {0, 1, -1, 2, 0, 1, 1, -1, 0, -1, 0.5, 1};

jx::Array codebook_array(const std::vector<double>& e) {
  std::vector<float> values(e.begin(), e.end());
  return jnp::array(values).reshape({kDim, kCodes});
}

// What Haiku computes, per input row: the nearest code, and the statistics of
// the batch.
struct Quantized {
  std::vector<double> distances, quantize;  // [M, K], [M, D]
  std::vector<int> indices;
  std::vector<double> counts;  // per code
  double mse = 0;              // mean((q - x)^2) over all elements
  double perplexity = 0;
};

Quantized reference(const std::vector<float>& x, const std::vector<double>& e) {
  const std::size_t rows = x.size() / kDim;
  Quantized r;
  r.counts.assign(kCodes, 0.0);
  for (std::size_t i = 0; i < rows; ++i) {
    std::vector<double> d(kCodes, 0.0);
    int best = 0;
    for (std::int64_t k = 0; k < kCodes; ++k) {
      for (std::int64_t j = 0; j < kDim; ++j) {
        const double diff = x[i * kDim + static_cast<std::size_t>(j)] - e[static_cast<std::size_t>(j * kCodes + k)];
        d[static_cast<std::size_t>(k)] += diff * diff;
      }
      r.distances.push_back(d[static_cast<std::size_t>(k)]);
      if (d[static_cast<std::size_t>(k)] < d[static_cast<std::size_t>(best)]) best = static_cast<int>(k);  // the first
    }
    // The oracle is only meaningful where float32 cannot pick another code
    // (equal codes tie exactly, and both sides take the first).
    for (std::int64_t k = 0; k < kCodes; ++k) {
      bool same = true;
      for (std::int64_t j = 0; j < kDim; ++j)
        same = same && e[static_cast<std::size_t>(j * kCodes + k)] == e[static_cast<std::size_t>(j * kCodes + best)];
      if (!same) {
        EXPECT_GT(d[static_cast<std::size_t>(k)] - d[static_cast<std::size_t>(best)], 1e-3) << "row " << i;
      }
    }
    r.indices.push_back(best);
    r.counts[static_cast<std::size_t>(best)] += 1;
    for (std::int64_t j = 0; j < kDim; ++j) {
      const double q = e[static_cast<std::size_t>(j * kCodes + best)];
      r.quantize.push_back(q);
      const double diff = q - x[i * kDim + static_cast<std::size_t>(j)];
      r.mse += diff * diff / static_cast<double>(x.size());
    }
  }
  double entropy = 0;
  for (double c : r.counts) {
    const double p = c / static_cast<double>(rows);
    entropy -= p * std::log(p + 1e-10);
  }
  r.perplexity = std::exp(entropy);
  return r;
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, double tolerance) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tolerance) << "at " << i;
}

nn::Params codebook_params(const std::vector<double>& e) {
  return jx::tree::Tree::dict({{"vector_quantizer", jx::tree::Tree::dict({{"embeddings", codebook_array(e)}})}});
}

auto quantizer() {
  return nn::transform([](const jx::Array& x) { return nets::VectorQuantizer(kDim, kCodes, kCommitment)(x, true); });
}

TEST(VectorQuantizer, OutputsFollowHaikusFormulas) {
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(1), {2, 3, kDim}) * 1.5f;
  const Quantized want = reference(x.to_vector<float>(), kCodebook);
  auto model = quantizer();
  const nets::VectorQuantizerOutput out = model.apply(codebook_params(kCodebook), std::nullopt, x);
  EXPECT_EQ(out.quantize.shape(), x.shape());
  EXPECT_EQ(out.encoding_indices.shape(), jx::Shape({2, 3}));
  EXPECT_EQ(out.encoding_indices.dtype(), jx::int32);
  EXPECT_EQ(out.encodings.shape(), jx::Shape({6, kCodes}));
  EXPECT_EQ(out.distances.shape(), jx::Shape({6, kCodes}));
  expect_near(out.quantize.to_vector<float>(), want.quantize, 1e-6);
  expect_near(out.distances.to_vector<float>(), want.distances, 1e-4);
  const std::vector<std::int32_t> indices = out.encoding_indices.to_vector<std::int32_t>();
  const std::vector<float> encodings = out.encodings.to_vector<float>();
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(indices[i], want.indices[i]);
    for (std::size_t k = 0; k < kCodes; ++k)
      EXPECT_EQ(encodings[i * kCodes + k], static_cast<int>(k) == want.indices[i] ? 1.0f : 0.0f);
  }
  // Both terms have the same value forward: mean((q - x)^2) (1 +
  // commitment_cost).
  EXPECT_NEAR(out.loss.item<float>(), want.mse * (1 + kCommitment), 1e-5);
  EXPECT_NEAR(out.perplexity.item<float>(), want.perplexity, 1e-5);
  // quantize(indices) looks the codes up.
  auto lookup =
      nn::transform([](const jx::Array& ids) { return nets::VectorQuantizer(kDim, kCodes, 0.25f).quantize(ids); });
  expect_near(lookup.apply(codebook_params(kCodebook), std::nullopt, out.encoding_indices).to_vector<float>(),
              want.quantize, 1e-6);
  // The same under jit.
  auto jitted = jx::jit([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); });
  const nets::VectorQuantizerOutput fast = jitted(codebook_params(kCodebook), x);
  EXPECT_TRUE(jnp::array_equal(fast.encoding_indices, out.encoding_indices).item<bool>());
  EXPECT_NEAR(fast.loss.item<float>(), out.loss.item<float>(), 1e-6);
}

TEST(VectorQuantizer, GradientsAreStraightThroughAndStopped) {
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(2), {6, kDim}) * 1.5f;
  const std::vector<float> xs = x.to_vector<float>();
  const Quantized want = reference(xs, kCodebook);
  const nn::Params params = codebook_params(kCodebook);
  auto model = quantizer();
  const double elements = static_cast<double>(xs.size());
  // quantize passes the gradient straight to the inputs: d sum(c * quantize) /
  // dx = c.
  const jx::Array weights = jx::random::normal(jx::random::PRNGKey(3), {6, kDim});
  auto through = [&](const jx::Array& v) { return jnp::sum(model.apply(params, std::nullopt, v).quantize * weights); };
  EXPECT_TRUE(jnp::array_equal(jx::grad(through)(x), weights).item<bool>());
  // The loss reaches the inputs through the commitment term only: commitment *
  // 2 (x - q) / N.
  auto loss_of_inputs = [&](const jx::Array& v) { return model.apply(params, std::nullopt, v).loss; };
  std::vector<double> want_dx(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) want_dx[i] = kCommitment * 2 * (xs[i] - want.quantize[i]) / elements;
  expect_near(jx::jit(jx::grad(loss_of_inputs))(x).to_vector<float>(), want_dx, 1e-6);
  // And the codes through the codebook term only: the sum over their rows of 2
  // (e - x) / N.
  auto loss_of_params = [&](const nn::Params& p) { return model.apply(p, std::nullopt, x).loss; };
  const nn::Params grads = jx::grad(loss_of_params)(params);
  std::vector<double> want_de(kDim * kCodes, 0.0);
  for (std::size_t i = 0; i < 6; ++i) {
    const auto k = static_cast<std::size_t>(want.indices[i]);
    for (std::size_t j = 0; j < kDim; ++j)
      want_de[j * kCodes + k] += 2 * (kCodebook[j * kCodes + k] - xs[i * kDim + j]) / elements;
  }
  expect_near(grads["vector_quantizer"]["embeddings"].array().to_vector<float>(), want_de, 1e-6);
  // The straight-through output gives the codebook no gradient.
  auto output_of_params = [&](const nn::Params& p) { return jnp::sum(model.apply(p, std::nullopt, x).quantize); };
  EXPECT_TRUE(jnp::all(jx::grad(output_of_params)(params)["vector_quantizer"]["embeddings"].array() == 0).item<bool>());
}

TEST(VectorQuantizer, NamesAndInitialisationMatchHaiku) {
  // nets.VectorQuantizer.json: VectorQuantizer(embedding_dim=64,
  // num_embeddings=512, commitment_cost=0.25) on f32[8, 64]: params
  // {"vector_quantizer": {"embeddings": f32[64, 512]}}.
  auto model = nn::transform([](const jx::Array& x) { return nets::VectorQuantizer(64, 512, 0.25f)(x, false); });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::zeros({8, 64}));
  ASSERT_EQ(params.as_dict().size(), 1u);
  const jx::Array e = params["vector_quantizer"]["embeddings"].array();
  EXPECT_EQ(e.shape(), jx::Shape({64, 512}));
  // VarianceScaling(1, fan_in, uniform): uniform on +-sqrt(3 / 64), fan_in
  // being the embedding dimension.
  const double limit = std::sqrt(3.0 / 64);
  EXPECT_LE(jnp::max(jnp::abs(e)).item<float>(), limit * (1 + 1e-6));
  EXPECT_GT(jnp::max(jnp::abs(e)).item<float>(), 0.99 * limit);
  EXPECT_NEAR(jnp::var(e).item<float>(), 1.0 / 64, 0.05 / 64);
}

// --- VectorQuantizerEMA
// -----------------------------------------------------------------------------

// A large epsilon, so that the Laplace smoothing of the cluster sizes shows (Haiku's default is 1e-5).
constexpr double kDecay = 0.9, kEpsilon = 0.5;

auto ema_quantizer() {
  return nn::transform_with_state([](const jx::Array& x, bool is_training) {
    return nets::VectorQuantizerEMA(kDim, kCodes, kCommitment, kDecay, {.epsilon = kEpsilon})(x, is_training);
  });
}

TEST(VectorQuantizerEMA, NamesAndSizesMatchHaikusCheckpoint) {
  // nets.VectorQuantizerEMA.json: (64, 512, commitment 0.25, decay 0.9) on
  // f32[8, 64]: no parameters; state_size 99330 in "vector_quantizer_ema"
  // (embeddings [64, 512]) and its "~/ema_cluster_size" and "~/ema_dw" moving
  // averages (counter, hidden, average).
  auto model = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    return nets::VectorQuantizerEMA(64, 512, 0.25f, 0.9f)(x, is_training);
  });
  for (bool is_training : {true, false}) {
    const auto [params, state] = model.init(jx::random::PRNGKey(0), jnp::zeros({8, 64}), is_training);
    EXPECT_EQ(params.as_dict().size(), 0u);
    EXPECT_EQ(state["vector_quantizer_ema"]["embeddings"].array().shape(), jx::Shape({64, 512}));
    EXPECT_EQ(state["vector_quantizer_ema/~/ema_cluster_size"]["hidden"].array().shape(), jx::Shape({512}));
    EXPECT_EQ(state["vector_quantizer_ema/~/ema_dw"]["average"].array().shape(), jx::Shape({64, 512}));
    EXPECT_EQ(state["vector_quantizer_ema/~/ema_dw"]["counter"].array().item<int>(), 0);
    std::int64_t size = 0;
    for (const auto& [module, entries] : state.as_dict())
      for (const auto& [name, leaf] : entries.as_dict()) size += leaf.array().size();
    EXPECT_EQ(size, 99330);
  }
}

// One step of the closed form: the zero-debiased averages of the counts and of
// x^T encodings, then the codebook as their ratio, with the counts
// Laplace-smoothed.
struct EmaState {
  std::vector<double> hidden_counts, hidden_dw;
  int step = 0;
  std::vector<double> codebook;
};

void ema_step(EmaState& s, const std::vector<float>& x, const Quantized& q) {
  ++s.step;
  const double debias = 1 - std::pow(kDecay, s.step);
  std::vector<double> counts(kCodes), dw(kDim * kCodes);
  for (std::size_t k = 0; k < kCodes; ++k) {
    s.hidden_counts[k] = kDecay * s.hidden_counts[k] + (1 - kDecay) * q.counts[k];
    counts[k] = s.hidden_counts[k] / debias;
  }
  for (std::size_t j = 0; j < kDim; ++j) {
    for (std::size_t k = 0; k < kCodes; ++k) {
      double sum = 0;
      for (std::size_t i = 0; i < q.indices.size(); ++i)
        if (static_cast<std::size_t>(q.indices[i]) == k) sum += x[i * kDim + j];
      s.hidden_dw[j * kCodes + k] = kDecay * s.hidden_dw[j * kCodes + k] + (1 - kDecay) * sum;
      dw[j * kCodes + k] = s.hidden_dw[j * kCodes + k] / debias;
    }
  }
  double n = 0;
  for (double c : counts) n += c;
  for (std::size_t j = 0; j < kDim; ++j) {
    for (std::size_t k = 0; k < kCodes; ++k) {
      const double smoothed = (counts[k] + kEpsilon) / (n + kCodes * kEpsilon) * n;
      s.codebook[j * kCodes + k] = dw[j * kCodes + k] / smoothed;
    }
  }
}

TEST(VectorQuantizerEMA, TrainingUpdatesTheCodebookByMovingAverages) {
  auto model = ema_quantizer();
  const jx::Array x1 = jx::random::normal(jx::random::PRNGKey(4), {8, kDim}) * 1.5f;
  const jx::Array x2 = jx::random::normal(jx::random::PRNGKey(5), {2, 4, kDim}) * 1.5f;
  auto [params, state] = model.init(jx::random::PRNGKey(0), x1, true);
  state["vector_quantizer_ema"]["embeddings"] = codebook_array(kCodebook);
  EmaState want{std::vector<double>(kCodes), std::vector<double>(kDim * kCodes), 0, kCodebook};
  auto jitted =
      jx::jit([&](const nn::State& s, const jx::Array& v) { return model.apply(params, s, std::nullopt, v, true); });
  for (const jx::Array& x : {x1, x2}) {
    const std::vector<float> xs = x.to_vector<float>();
    // The codes are those of the codebook before this step.
    const Quantized q = reference(xs, want.codebook);
    const auto [out, next] = model.apply(params, state, std::nullopt, x, true);
    expect_near(out.quantize.to_vector<float>(), q.quantize, 1e-5);
    EXPECT_NEAR(out.loss.item<float>(), kCommitment * q.mse,
                1e-5);  // the commitment term only
    EXPECT_NEAR(out.perplexity.item<float>(), q.perplexity, 1e-5);
    ema_step(want, xs, q);
    EXPECT_EQ(next["vector_quantizer_ema/~/ema_cluster_size"]["counter"].array().item<int>(), want.step);
    expect_near(next["vector_quantizer_ema/~/ema_cluster_size"]["hidden"].array().to_vector<float>(),
                want.hidden_counts, 1e-5);
    expect_near(next["vector_quantizer_ema/~/ema_dw"]["hidden"].array().to_vector<float>(), want.hidden_dw, 1e-5);
    expect_near(next["vector_quantizer_ema"]["embeddings"].array().to_vector<float>(), want.codebook, 1e-4);
    const auto [fast_out, fast_next] = jitted(state, x);
    EXPECT_TRUE(jnp::allclose(fast_next["vector_quantizer_ema"]["embeddings"].array(),
                              next["vector_quantizer_ema"]["embeddings"].array(), {.rtol = 1e-5, .atol = 1e-6})
                    .item<bool>());
    state = next;
  }
  // Inference quantizes with the current codebook and changes no state.
  const auto [out, unchanged] = model.apply(params, state, std::nullopt, x1, false);
  const Quantized q = reference(x1.to_vector<float>(), want.codebook);
  expect_near(out.quantize.to_vector<float>(), q.quantize, 1e-4);
  EXPECT_NEAR(out.loss.item<float>(), kCommitment * q.mse, 1e-4);
  EXPECT_EQ(unchanged["vector_quantizer_ema/~/ema_dw"]["counter"].array().item<int>(), 2);
  EXPECT_TRUE(jnp::array_equal(unchanged["vector_quantizer_ema"]["embeddings"].array(),
                               state["vector_quantizer_ema"]["embeddings"].array())
                  .item<bool>());
}

TEST(VectorQuantizerEMA, GradientReachesTheInputsStraightThrough) {
  auto model = ema_quantizer();
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(6), {5, kDim});
  const auto [params, state] = model.init(jx::random::PRNGKey(0), x, true);
  const jx::Array weights = jx::random::normal(jx::random::PRNGKey(7), {5, kDim});
  auto through = [&](const jx::Array& v) {
    return jnp::sum(model.apply(params, state, std::nullopt, v, true).first.quantize * weights);
  };
  EXPECT_TRUE(jnp::array_equal(jx::grad(through)(x), weights).item<bool>());
}

TEST(VectorQuantizer, ErrorsNameTheModule) {
  EXPECT_THROW(nets::VectorQuantizer(0, 4, 0.25f), jx::ValueError);
  EXPECT_THROW(nets::VectorQuantizerEMA(3, 4, 0.25f, 1.5f), jx::ValueError);
  EXPECT_THROW(nets::VectorQuantizerEMA(3, 0, 0.25f, 0.9f), jx::ValueError);
  auto model = quantizer();
  try {
    model.init(jx::random::PRNGKey(0), jnp::zeros({4, 5}));
    FAIL() << "no error";
  } catch (const jx::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("VectorQuantizer"), std::string::npos) << e.what();
  }
  auto ema = ema_quantizer();
  EXPECT_THROW(ema.init(jx::random::PRNGKey(0), jnp::zeros({}), true), jx::ShapeError);
}

}  // namespace
