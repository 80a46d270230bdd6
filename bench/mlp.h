// bench/mlp.h — the MLP of the benchmarks (784-512-512-10, ReLU, softmax cross-entropy, batch 256),
// in jx and as the same tensors for libtorch, shared by bench_autodiff and bench_train_step.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "jx/jx.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace mlp {

namespace jnp = jx::numpy;

struct Layer {
  jx::Array weight, bias;
};
JX_PYTREE(Layer, weight, bias);
using Params = std::vector<Layer>;

constexpr std::int64_t kBatch = 256;
constexpr int kSizes[] = {784, 512, 512, 10};
// The matrix products of a step, in FLOPs: the three layers forward, their weight gradients, and the
// input gradients of the second and third layers (the first layer's is not computed).
constexpr double kStepFlops = 2.0 * kBatch * (3 * (784.0 * 512 + 512.0 * 512 + 512.0 * 10) - 784.0 * 512);

inline Params init(jx::Key key) {
  Params layers;
  for (int i = 0; i < 3; ++i) {
    auto [next, sub] = jx::random::split(key);
    key = next;
    const float scale = 1.0f / std::sqrt(static_cast<float>(kSizes[i]));
    layers.push_back({jx::random::normal(sub, {kSizes[i], kSizes[i + 1]}) * scale, jnp::zeros({kSizes[i + 1]})});
  }
  return layers;
}

inline jx::Array loss(const Params& layers, const jx::Array& images, const jx::Array& labels) {
  jx::Array h = images;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    h = jnp::matmul(h, layers[i].weight) + layers[i].bias;
    if (i + 1 < layers.size()) h = jx::nn::relu(h);
  }
  return -jnp::mean(jnp::sum(jx::nn::log_softmax(h) * jx::nn::one_hot(labels, 10), 1));
}

struct Batch {
  jx::Array images, labels;
};

inline Batch batch() {
  auto [data_key, label_key] = jx::random::split(jx::random::fold_in(jx::random::PRNGKey(0), 1));
  return {jx::random::uniform(data_key, {kBatch, 784}), jx::random::randint(label_key, {kBatch}, 0, 10)};
}

#if defined(JX_BENCH_TORCH)
// The same parameters and batch as libtorch tensors: weights and biases alternate, requiring grads.
inline std::vector<torch::Tensor> torch_params(const Params& layers) {
  std::vector<torch::Tensor> tensors;
  for (const Layer& l : layers) {
    const std::vector<float> w = l.weight.to_vector<float>();
    tensors.push_back(torch::from_blob(const_cast<float*>(w.data()), {l.weight.shape()[0], l.weight.shape()[1]})
                          .clone()
                          .requires_grad_(true));
    tensors.push_back(torch::zeros({l.bias.shape()[0]}).requires_grad_(true));
  }
  return tensors;
}

inline std::pair<torch::Tensor, torch::Tensor> torch_batch(const Batch& b) {
  const std::vector<float> images = b.images.to_vector<float>();
  std::vector<std::int64_t> labels;
  for (std::int32_t l : b.labels.to_vector<std::int32_t>()) labels.push_back(l);
  return {torch::from_blob(const_cast<float*>(images.data()), {kBatch, 784}).clone(), torch::tensor(labels)};
}

inline torch::Tensor torch_loss(const std::vector<torch::Tensor>& params, const torch::Tensor& images,
                                const torch::Tensor& labels) {
  torch::Tensor h = images;
  for (std::size_t i = 0; i < 3; ++i) {
    h = torch::addmm(params[2 * i + 1], h, params[2 * i]);
    if (i + 1 < 3) h = torch::relu(h);
  }
  return torch::nll_loss(torch::log_softmax(h, 1), labels);
}
#endif

}  // namespace mlp
