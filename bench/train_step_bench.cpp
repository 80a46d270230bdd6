// bench/train_step_bench.cpp — a whole training step: an MLP 784-512-512-10 (ReLU, softmax
// cross-entropy) on a batch of 256, gradients and an Adam update, jitted, against the same step in
// libtorch eager mode (autograd + torch::optim::Adam), on 1 and on 2 threads (issue 9's figure;
// target: no slower than libtorch on the same threads). libtorch (Debian's libtorch-dev) is optional.
//
//   cmake --build build/default --target bench_train_step && ./build/default/bench/bench_train_step
#include <cblas.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "harness.h"
#include "jx/jx.h"
#include "jx/optim.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace {

namespace jnp = jx::numpy;
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

jx::Array loss_fn(const Mlp& layers, const jx::Array& images, const jx::Array& labels) {
  jx::Array h = images;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    h = jnp::matmul(h, layers[i].weight) + layers[i].bias;
    if (i + 1 < layers.size()) h = jx::nn::relu(h);
  }
  return -jnp::mean(jnp::sum(jx::nn::log_softmax(h) * jx::nn::one_hot(labels, 10), 1));
}

void set_threads(int threads) {
  jx::cpu::set_num_threads(threads);
  openblas_set_num_threads(threads);
#if defined(JX_BENCH_TORCH)
  torch::set_num_threads(threads);
#endif
}

}  // namespace

int main() {
  jx::bench::Table table("MLP 784-512-512-10 train step (batch 256, Adam)");
  const jx::Key key = jx::random::PRNGKey(0);
  auto [data_key, label_key] = jx::random::split(jx::random::fold_in(key, 1));
  const jx::Array images = jx::random::uniform(data_key, {kBatch, 784});
  const jx::Array labels = jx::random::randint(label_key, {kBatch}, 0, 10);
  const auto optimizer = jx::optim::adam(1e-3f);
  auto train_step = jx::jit([&](const Mlp& m, const jx::optim::OptState& s, const jx::Array& x, const jx::Array& y) {
    auto [loss, grads] = jx::value_and_grad(loss_fn)(m, x, y);
    auto [updates, next_state] = optimizer.update(grads, s, m);
    return std::tuple{jx::optim::apply_updates(m, updates), next_state, loss};
  });
  const double flops = 3.0 * 2.0 * kBatch * (784.0 * 512 + 512.0 * 512 + 512.0 * 10);

  for (int threads : {1, 2}) {
    set_threads(threads);
    Mlp params = init_mlp(key);
    jx::optim::OptState state = optimizer.init(params);
    const auto jx_step = [&] {
      auto [next_params, next_state, loss] = train_step(std::move(params), std::move(state), images, labels);
      params = std::move(next_params);
      state = std::move(next_state);
      do_not_optimize(loss);
    };
    const std::string name = "train step, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
#if defined(JX_BENCH_TORCH)
    std::vector<torch::Tensor> torch_params;
    for (const Layer& l : init_mlp(key)) {
      const std::vector<float> w = l.weight.to_vector<float>();
      torch_params.push_back(torch::from_blob(const_cast<float*>(w.data()), {l.weight.shape()[0], l.weight.shape()[1]})
                                 .clone()
                                 .requires_grad_(true));
      torch_params.push_back(torch::zeros({l.bias.shape()[0]}).requires_grad_(true));
    }
    torch::optim::Adam torch_optimizer(torch_params, torch::optim::AdamOptions(1e-3));
    const std::vector<float> image_values = images.to_vector<float>();
    const torch::Tensor torch_images = torch::from_blob(const_cast<float*>(image_values.data()), {kBatch, 784}).clone();
    std::vector<std::int64_t> label_values;
    for (std::int32_t l : labels.to_vector<std::int32_t>()) label_values.push_back(l);
    const torch::Tensor torch_labels = torch::tensor(label_values);
    const auto torch_step = [&] {
      torch_optimizer.zero_grad();
      torch::Tensor h = torch_images;
      for (std::size_t i = 0; i < 3; ++i) {
        h = torch::addmm(torch_params[2 * i + 1], h, torch_params[2 * i]);
        if (i + 1 < 3) h = torch::relu(h);
      }
      const torch::Tensor loss = torch::nll_loss(torch::log_softmax(h, 1), torch_labels);
      loss.backward();
      torch_optimizer.step();
      do_not_optimize(loss.item<float>());
    };
    const auto c = jx::bench::compare(jx_step, torch_step, {.min_time = 1.0, .sample_time = 0.05});
    table.row(Row{.name = name,
                  .value = c.candidate.median * 1e3,
                  .unit = "ms",
                  .baseline_name = "libtorch eager + Adam",
                  .baseline = c.baseline.median * 1e3,
                  .target = "<= 1 (no slower)",
                  .met = c.time_ratio <= 1.0,
                  .ratio = c.time_ratio});
    std::printf("  (jx: %.1f GFLOP/s of matmul work)\n", flops / c.candidate.median * 1e-9);
#else
    const auto t = jx::bench::measure(jx_step, {.min_time = 1.0, .sample_time = 0.05});
    table.row(Row{.name = name,
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
