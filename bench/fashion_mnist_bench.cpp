// bench/fashion_mnist_bench.cpp — training throughput (examples per second) of the Fashion-MNIST
// example's jitted train step, for both of its models, against the same models in libtorch eager mode,
// on 1 and on 2 threads (target: no slower than libtorch on the same threads).
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

#include <cstdio>
#include <string>
#include <utility>

#include "backends/cpu/thread_pool.h"
#include "fashion_mnist_models.h"
#include "harness.h"
#include "jx/jx.h"
#include "jx/nn/pooling.h"
#include "jx/optim.h"

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

void set_threads(int threads) {
  jx::cpu::set_num_threads(threads);
  openblas_set_num_threads(threads);
#if defined(JX_BENCH_TORCH)
  torch::set_num_threads(threads);
#endif
}

using Forward = jx::Array (*)(const jx::Array&, bool);

// One model's rows: examples/s of jx's jitted step against libtorch's eager step, on 1 and 2 threads.
template <class TorchFactory>
void bench_model(jx::bench::Table& table, const std::string& name, Forward forward, TorchFactory torch_model) {
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

  for (int threads : {1, 2}) {
    set_threads(threads);
    const jx::Key keys = jx::random::split(jx::random::PRNGKey(0), 2);  // init, dropout
    auto [params, model_state] = model.init(keys[0], images, true);
    TrainState state{params, model_state, optimizer.init(params), keys[1], jnp::array(0)};
    const auto jx_step = [&] {
      auto [next, metrics] = train_step(std::move(state), images, labels);
      state = std::move(next);
      do_not_optimize(metrics);
    };
    const std::string row_name = name + ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
    const jx::bench::MeasureOptions options{.min_time = 1.0, .sample_time = 0.1};
#if defined(JX_BENCH_TORCH)
    torch::nn::Sequential net = torch_model();
    net->train();
    torch::optim::AdamW torch_optimizer(net->parameters(), torch::optim::AdamWOptions(1e-3).weight_decay(1e-4));
    const std::vector<float> image_values = images.to_vector<float>();
    // NHWC with one channel is NCHW in memory.
    const torch::Tensor torch_images =
        torch::from_blob(const_cast<float*>(image_values.data()), {kBatch, 1, 28, 28}).clone();
    const torch::Tensor torch_labels = torch::tensor(labels.to_vector<std::int32_t>()).to(torch::kInt64);
    const auto torch_step = [&] {
      torch_optimizer.zero_grad();
      const torch::Tensor logits = net->forward(torch_images);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, torch_labels);
      loss.backward();
      torch_optimizer.step();
      const torch::Tensor correct = (logits.argmax(1) == torch_labels).sum();
      do_not_optimize(loss.item<float>() + correct.item<std::int64_t>());
    };
    const auto c = jx::bench::compare(jx_step, torch_step, options);
    table.row(Row{.name = row_name,
                  .value = kBatch / c.candidate.median,
                  .unit = "ex/s",
                  .baseline_name = "libtorch eager + AdamW",
                  .baseline = kBatch / c.baseline.median,
                  .target = ">= 1 (no slower)",
                  .met = 1.0 / c.time_ratio >= 1.0,
                  .ratio = 1.0 / c.time_ratio});
#else
    (void)torch_model;
    const auto t = jx::bench::measure(jx_step, options);
    table.row(Row{
        .name = row_name, .value = kBatch / t.median, .unit = "ex/s", .baseline_name = "(libtorch-dev not installed)"});
#endif
  }
}

}  // namespace

int main() {
  jx::bench::Table table("Fashion-MNIST train step, examples/s (batch 128, AdamW, donated state)");
#if defined(JX_BENCH_TORCH)
  bench_model(table, "mlp 784-512-512-10 BN+dropout", fashion_mnist::mlp, torch_mlp);
  bench_model(table, "cnn conv32-pool-conv64-pool-256", fashion_mnist::cnn, torch_cnn);
#else
  bench_model(table, "mlp 784-512-512-10 BN+dropout", fashion_mnist::mlp, 0);
  bench_model(table, "cnn conv32-pool-conv64-pool-256", fashion_mnist::cnn, 0);
#endif
  return 0;
}
