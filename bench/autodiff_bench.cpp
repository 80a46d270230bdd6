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
#include "mlp.h"
#include "seed.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace {

namespace jnp = jx::numpy;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;

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

// One SGD step of the MLP in libtorch eager mode, autograd and all.
struct TorchMlp {
  std::vector<torch::Tensor> params;
  explicit TorchMlp(const mlp::Params& init) : params(mlp::torch_params(init)) {}
  float step(const torch::Tensor& images, const torch::Tensor& labels) {
    const torch::Tensor loss = mlp::torch_loss(params, images, labels);
    loss.backward();
    torch::NoGradGuard no_grad;
    for (torch::Tensor& p : params) {
      p.sub_(p.grad() * 0.01f);
      p.mutable_grad().zero_();
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
    const mlp::Batch batch = mlp::batch();
    mlp::Params layers = mlp::init(jx::random::PRNGKey(0));
    auto train_step = jx::jit([](const mlp::Params& m, const jx::Array& x, const jx::Array& y) {
      auto [loss, grads] = jx::value_and_grad(mlp::loss)(m, x, y);
      mlp::Params next = jx::tree::map([](const jx::Array& p, const jx::Array& g) { return p - g * 0.01f; }, m, grads);
      return std::pair{next, loss};
    });
    const auto step = [&] {
      auto [next, loss] = train_step(std::move(layers), batch.images, batch.labels);
      layers = std::move(next);
      do_not_optimize(loss);
    };
#if defined(JX_BENCH_TORCH)
    TorchMlp torch_mlp(mlp::init(jx::random::PRNGKey(0)));
    const auto [torch_images, torch_labels] = mlp::torch_batch(batch);
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
    std::printf("  (jx: %.1f GFLOP/s of matmul work per step)\n", mlp::kStepFlops / c.candidate.median * 1e-9);
#else
    const auto t = jx::bench::measure(step);
    table.row(Row{.name = "MLP 784-512-512-10 grad step, b=256",
                  .value = t.median * 1e3,
                  .unit = "ms",
                  .baseline_name = "(libtorch-dev not installed)"});
#endif
  }
  return 0;
}
