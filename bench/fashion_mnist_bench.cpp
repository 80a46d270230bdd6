// bench/fashion_mnist_bench.cpp — training throughput (examples per second) of the Fashion-MNIST
// example's jitted train step, for both of its models, against the same models in libtorch eager mode,
// on 1 and on 2 threads, libtorch measured in a separate process (bench/separate_process.h). Targets
// (issue 16): the CNN at least 1.5x libtorch's examples/s on 2 threads. The MLP's matmul work is shown
// against the FMA peak measured in the same run; the target for it (0.65) is on the plain MLP
// of bench_train_step (batch 256, Adam), this one adds BatchNorm and Dropout on half the batch.
//
// The models are the example's own (examples/fashion_mnist_models.h): mlp (784-512-512-10, BatchNorm with decay
// 0.9 and Dropout 0.2 after each hidden ReLU) and cnn (Conv2D 32 3x3 SAME + ReLU + 2x2 max pool,
// Conv2D 64 3x3 + ReLU + max pool, Linear 256 + ReLU + Dropout 0.3, Linear 10). One step: softmax
// cross-entropy, its gradient, AdamW (lr 1e-3, weight decay 1e-4), the whole train state donated
// (std::move) as the example does; a batch of 128 random images [128, 28, 28, 1] in [0, 1] with int32
// labels. libtorch: torch::nn modules (NCHW) in train mode, autograd and torch::optim::AdamW with the
// same hyper-parameters. libtorch (Debian's libtorch-dev) is optional.
//
//   cmake --build build/default --target bench_fashion_mnist && ./build/default/bench/bench_fashion_mnist
#include <cblas.h>

#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "backends/cpu/thread_pool.h"
#include "fashion_mnist_models.h"
#include "fma_peak.h"
#include "harness.h"
#include "jx/jx.h"
#include "jx/nn/pooling.h"
#include "jx/optim.h"
#include "separate_process.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace jnp = jx::numpy;
namespace nn = jx::nn;
using jx::bench::do_not_optimize;
using jx::bench::Row;

using fashion_mnist::Metrics;
using fashion_mnist::TrainState;

namespace {

constexpr std::int64_t kBatch = 128;

#if defined(JX_BENCH_TORCH)
// The same models for libtorch, on NCHW images [128, 1, 28, 28]. BatchNorm1d's momentum 0.1 is the
// running average's decay 0.9; eps is 1e-5 in both.
torch::nn::Sequential torch_mlp() {
  namespace tn = torch::nn;
  return tn::Sequential(tn::Flatten(), tn::Linear(784, 512), tn::BatchNorm1d(tn::BatchNorm1dOptions(512).momentum(0.1)),
                        tn::ReLU(), tn::Dropout(0.2), tn::Linear(512, 512),
                        tn::BatchNorm1d(tn::BatchNorm1dOptions(512).momentum(0.1)), tn::ReLU(), tn::Dropout(0.2),
                        tn::Linear(512, 10));
}

torch::nn::Sequential torch_cnn() {
  namespace tn = torch::nn;
  return tn::Sequential(
      tn::Conv2d(tn::Conv2dOptions(1, 32, 3).padding(1)), tn::ReLU(), tn::Functional([](const torch::Tensor& x) {
        return torch::max_pool2d(x, {2, 2}, {2, 2});
      }),
      tn::Conv2d(tn::Conv2dOptions(32, 64, 3).padding(1)), tn::ReLU(), tn::Functional([](const torch::Tensor& x) {
        return torch::max_pool2d(x, {2, 2}, {2, 2});
      }),
      tn::Flatten(), tn::Linear(7 * 7 * 64, 256), tn::ReLU(), tn::Dropout(0.3), tn::Linear(256, 10));
}
#endif

using Forward = jx::Array (*)(const jx::Array&, bool);

constexpr int kModels = 2;
constexpr Forward kForwards[kModels] = {fashion_mnist::mlp, fashion_mnist::cnn};
const char* const kNames[kModels] = {"mlp 784-512-512-10 BN+dropout", "cnn conv32-pool-conv64-pool-256"};
// The MLP's matrix products per step: the three layers forward, their weight gradients, and the input
// gradients of the second and third (the first layer's is not needed).
constexpr double kMlpMatmulFlops = 2.0 * kBatch * (3 * (784 * 512 + 512 * 512 + 512 * 10) - 784 * 512);

const jx::bench::MeasureOptions kOptions{.min_time = 1.0, .sample_time = 0.1};

// Examples per second of each model's libtorch step on 1 and 2 threads.
struct TorchRates {
  double rate[kModels][2] = {};
};

#if defined(JX_BENCH_TORCH)
TorchRates measure_torch() {
  TorchRates rates;
  for (int model = 0; model < kModels; ++model) {
    for (int threads : {1, 2}) {
      torch::set_num_threads(threads);
      torch::nn::Sequential net = model == 0 ? torch_mlp() : torch_cnn();
      net->train();
      torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(1e-3).weight_decay(1e-4));
      const torch::Tensor images = torch::rand({kBatch, 1, 28, 28});
      const torch::Tensor labels = torch::randint(0, 10, {kBatch}, torch::kInt64);
      const auto step = [&] {
        optimizer.zero_grad();
        const torch::Tensor logits = net->forward(images);
        const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels);
        loss.backward();
        optimizer.step();
        const torch::Tensor correct = (logits.argmax(1) == labels).sum();
        do_not_optimize(loss.item<float>() + static_cast<float>(correct.item<std::int64_t>()));
      };
      rates.rate[model][threads - 1] = kBatch / jx::bench::measure(step, kOptions).median;
    }
  }
  return rates;
}
#endif

// Examples per second of the example's jitted step for one model on `threads` threads.
double measure_jx(Forward forward, int threads) {
  jx::cpu::set_num_threads(threads);
  openblas_set_num_threads(threads);
  auto [image_key, label_key] = jx::random::split(jx::random::PRNGKey(1));
  const jx::Array images = jx::random::uniform(image_key, {kBatch, 28, 28, 1});
  const jx::Array labels = jx::random::randint(label_key, {kBatch}, 0, 10);
  // The example's step, with a constant learning rate instead of its warmup-cosine schedule.
  auto model = nn::transform_with_state(forward);
  const auto optimizer = jx::optim::adamw(1e-3f, {.weight_decay = 1e-4f});
  auto train_step = jx::jit([&](const TrainState& s, const jx::Array& x, const jx::Array& y) {
    const jx::Key dropout_key = jx::random::fold_in(s.key, s.step);
    auto loss = [&](const nn::Params& p) {
      auto [logits, model_state] = model.apply(p, s.model_state, dropout_key, x, true);
      const jx::Array losses = -jnp::sum(nn::log_softmax(logits) * nn::one_hot(y, 10), 1);
      const jx::Array correct = jnp::sum((jnp::argmax(logits, 1) == y).astype(jx::int32));
      return std::pair{jnp::mean(losses), std::pair{model_state, Metrics{jnp::sum(losses), correct}}};
    };
    auto [value, grads] = jx::value_and_grad(loss, jx::has_aux)(s.params);
    auto [model_state, metrics] = value.second;
    auto [updates, opt_state] = optimizer.update(grads, s.opt_state, s.params);
    return std::pair{TrainState{jx::optim::apply_updates(s.params, updates), model_state, opt_state, s.key, s.step + 1},
                     metrics};
  });
  const jx::Key keys = jx::random::split(jx::random::PRNGKey(0), 2);  // init, dropout
  auto [params, model_state] = model.init(keys[0], images, true);
  TrainState state{params, model_state, optimizer.init(params), keys[1], jnp::array(0)};
  const auto step = [&] {
    auto [next, metrics] = train_step(std::move(state), images, labels);
    state = std::move(next);
    do_not_optimize(metrics);
  };
  return kBatch / jx::bench::measure(step, kOptions).median;
}

}  // namespace

int main(int /*argc*/, char** argv) {
  jx::bench::run_again_with_passive_openmp(argv);
#if defined(JX_BENCH_TORCH)
  const std::optional<TorchRates> torch = jx::bench::in_child_process(measure_torch);  // before jx's threads
#else
  const std::optional<TorchRates> torch;
#endif
  std::printf("CPU: %s\n", jx::bench::cpu_name().c_str());
  const std::array<double, 2> peak = jx::bench::measure_and_print_fma_peaks();
  jx::bench::Table table(
      "Fashion-MNIST train step, examples/s (batch 128, AdamW, donated state; libtorch eager in a "
      "separate process)");
  for (int model = 0; model < kModels; ++model) {
    for (int threads : {1, 2}) {
      const double rate = measure_jx(kForwards[model], threads);
      const std::string name =
          std::string(kNames[model]) + ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
      const bool cnn_target = model == 1 && threads == 2;
      if (torch) {
        const double baseline = torch->rate[model][threads - 1];
        table.row(Row{.name = name,
                      .value = rate,
                      .unit = "ex/s",
                      .baseline_name = "libtorch eager + AdamW",
                      .baseline = baseline,
                      .target = cnn_target ? ">= 1.5" : "",
                      .met = cnn_target ? std::optional<bool>(rate / baseline >= 1.5) : std::nullopt});
      } else {
        table.row(Row{.name = name, .value = rate, .unit = "ex/s", .baseline_name = "(libtorch not available)"});
      }
      if (model == 0) {
        const double gflops = kMlpMatmulFlops * rate / kBatch / 1e9;
        table.row(Row{.name = "  its matmul work / FMA peak",
                      .value = gflops,
                      .unit = "GFLOP/s",
                      .baseline_name = "FMA peak",
                      .baseline = peak[threads - 1]});
      }
    }
  }
  return 0;
}
