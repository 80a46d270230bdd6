// bench/autodiff_bench.cpp — gradient steps, jitted, against the hand-written gradient and libtorch.
//
//   - the seed's update step (linear regression on 128 points): jx's jitted grad step against the
//     analytic gradient written by hand, and against libtorch eager autograd (targets: under 1.5 µs,
//     and at least 25x faster than libtorch);
//   - an MLP 784-512-512-10 (ReLU, softmax cross-entropy) on a batch of 256: one jitted
//     value_and_grad + SGD step against the same step in libtorch eager mode, on the same threads
//     (target: no slower than libtorch).
// libtorch (Debian's libtorch-dev) is optional: without it the torch columns are skipped.
//
//   cmake --build build/default --target bench_autodiff && ./build/default/bench/bench_autodiff
#include <cstdio>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "harness.h"
#include "seed.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace {

namespace jnp = jx::numpy;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;

struct Layer {
  jx::Array weight, bias;
};
JX_PYTREE(Layer, weight, bias);
using Mlp = std::vector<Layer>;

constexpr std::int64_t kBatch = 256;
constexpr int kSizes[] = {784, 512, 512, 10};

Mlp init_mlp(jx::Key key) {
  Mlp layers;
  for (int i = 0; i < 3; ++i) {
    auto [next, sub] = jx::random::split(key);
    key = next;
    const float scale = 1.0f / std::sqrt(static_cast<float>(kSizes[i]));
    layers.push_back({jx::random::normal(sub, {kSizes[i], kSizes[i + 1]}) * scale, jnp::zeros({kSizes[i + 1]})});
  }
  return layers;
}

jx::Array mlp_loss(const Mlp& layers, const jx::Array& images, const jx::Array& labels) {
  jx::Array h = images;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    h = jnp::matmul(h, layers[i].weight) + layers[i].bias;
    if (i + 1 < layers.size()) h = jx::nn::relu(h);
  }
  const jx::Array log_probabilities = jx::nn::log_softmax(h);
  return -jnp::mean(jnp::sum(log_probabilities * jx::nn::one_hot(labels, 10), 1));
}

#if defined(JX_BENCH_TORCH)
struct TorchSeed {
  torch::Tensor weight = torch::tensor(0.5f).requires_grad_(true);
  torch::Tensor bias = torch::tensor(0.1f).requires_grad_(true);
  void step(const torch::Tensor& x, const torch::Tensor& y) {
    const torch::Tensor loss = (weight * x + bias - y).pow(2).mean();
    loss.backward();
    torch::NoGradGuard no_grad;
    weight.sub_(weight.grad() * seed::kLearningRate);
    bias.sub_(bias.grad() * seed::kLearningRate);
    weight.mutable_grad().zero_();
    bias.mutable_grad().zero_();
  }
};

struct TorchMlp {
  std::vector<torch::Tensor> weights, biases;
  explicit TorchMlp(const Mlp& init) {
    for (const Layer& l : init) {
      weights.push_back(torch::from_blob(const_cast<float*>(l.weight.to_vector<float>().data()),
                                         {l.weight.shape()[0], l.weight.shape()[1]})
                            .clone()
                            .requires_grad_(true));
      biases.push_back(torch::zeros({l.bias.shape()[0]}).requires_grad_(true));
    }
  }
  float step(const torch::Tensor& images, const torch::Tensor& labels) {
    torch::Tensor h = images;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      h = torch::addmm(biases[i], h, weights[i]);
      if (i + 1 < weights.size()) h = torch::relu(h);
    }
    const torch::Tensor loss = torch::nll_loss(torch::log_softmax(h, 1), labels);
    loss.backward();
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      weights[i].sub_(weights[i].grad() * 0.01f);
      biases[i].sub_(biases[i].grad() * 0.01f);
      weights[i].mutable_grad().zero_();
      biases[i].mutable_grad().zero_();
    }
    return loss.item<float>();
  }
};
#endif

}  // namespace

int main() {
  jx::bench::Table table("autodiff: jitted gradient steps (threads: " + std::to_string(jx::cpu::num_threads()) + ")");
#if defined(JX_BENCH_TORCH)
  torch::set_num_threads(jx::cpu::num_threads());
#endif

  const seed::Data data = seed::data();
  auto update = jx::jit(seed::update);
  seed::Params params{jnp::array(0.5f), jnp::array(0.1f)};
  seed::HandParams hand{0.5f, 0.1f};
  const auto versus_hand = compare([&] { params = update(std::move(params), data.x, data.y); },
                                   [&] {
                                     hand = seed::hand_update(hand, data.xs, data.ys);
                                     do_not_optimize(hand);
                                   });
  const double step_us = versus_hand.candidate.median * 1e6;
  table.row(Row{.name = "seed update step",
                .value = step_us,
                .unit = "us",
                .baseline_name = "hand-written gradient",
                .baseline = versus_hand.baseline.median * 1e6,
                .target = "< 1.5 us",
                .met = step_us < 1.5,
                .ratio = versus_hand.time_ratio});
#if defined(JX_BENCH_TORCH)
  {
    TorchSeed torch_seed;
    const torch::Tensor x = torch::from_blob(const_cast<float*>(data.xs.data()), {seed::kPoints, 1}).clone();
    const torch::Tensor y = torch::from_blob(const_cast<float*>(data.ys.data()), {seed::kPoints, 1}).clone();
    const auto versus_torch =
        compare([&] { params = update(std::move(params), data.x, data.y); }, [&] { torch_seed.step(x, y); });
    table.row(Row{.name = "seed update step",
                  .value = versus_torch.candidate.median * 1e6,
                  .unit = "us",
                  .baseline_name = "libtorch eager autograd",
                  .baseline = versus_torch.baseline.median * 1e6,
                  .target = "<= 0.04 (25x faster)",
                  .met = versus_torch.time_ratio <= 0.04,
                  .ratio = versus_torch.time_ratio});
  }
#endif

  {
    const jx::Key key = jx::random::PRNGKey(0);
    auto [data_key, label_key] = jx::random::split(jx::random::fold_in(key, 1));
    const jx::Array images = jx::random::uniform(data_key, {kBatch, 784});
    const jx::Array labels = jx::random::randint(label_key, {kBatch}, 0, 10);
    Mlp layers = init_mlp(key);
    auto train_step = jx::jit([](const Mlp& m, const jx::Array& x, const jx::Array& y) {
      auto [loss, grads] = jx::value_and_grad(mlp_loss)(m, x, y);
      Mlp next = jx::tree::map([](const jx::Array& p, const jx::Array& g) { return p - g * 0.01f; }, m, grads);
      return std::pair{next, loss};
    });
    const double flops = 3.0 * 2.0 * kBatch * (784.0 * 512 + 512.0 * 512 + 512.0 * 10);
    const auto step = [&] {
      auto [next, loss] = train_step(std::move(layers), images, labels);
      layers = std::move(next);
      do_not_optimize(loss);
    };
#if defined(JX_BENCH_TORCH)
    TorchMlp torch_mlp(init_mlp(key));
    const torch::Tensor torch_images =
        torch::from_blob(const_cast<float*>(images.to_vector<float>().data()), {kBatch, 784}).clone();
    std::vector<std::int64_t> label_values;
    for (std::int32_t l : labels.to_vector<std::int32_t>()) label_values.push_back(l);
    const torch::Tensor torch_labels = torch::tensor(label_values);
    const auto c = compare(step, [&] { do_not_optimize(torch_mlp.step(torch_images, torch_labels)); },
                           {.min_time = 1.0, .sample_time = 0.05});
    table.row(Row{.name = "MLP 784-512-512-10 grad step, b=256",
                  .value = c.candidate.median * 1e3,
                  .unit = "ms",
                  .baseline_name = "libtorch eager",
                  .baseline = c.baseline.median * 1e3,
                  .target = "<= 1 (no slower)",
                  .met = c.time_ratio <= 1.0,
                  .ratio = c.time_ratio});
    std::printf("  (jx: %.1f GFLOP/s of matmul work per step)\n", flops / c.candidate.median * 1e-9);
#else
    const auto t = jx::bench::measure(step);
    table.row(Row{.name = "MLP 784-512-512-10 grad step, b=256",
                  .value = t.median * 1e3,
                  .unit = "ms",
                  .baseline_name = "(libtorch-dev not installed)",
                  .baseline = 0,
                  .target = "",
                  .met = std::nullopt,
                  .ratio = std::nullopt});
#endif
  }
  return 0;
}
