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
#include "mlp.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace {

namespace jnp = jx::numpy;
using jx::bench::do_not_optimize;
using jx::bench::Row;

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
  const mlp::Batch batch = mlp::batch();
  const auto optimizer = jx::optim::adam(1e-3f);
  auto train_step =
      jx::jit([&](const mlp::Params& m, const jx::optim::OptState& s, const jx::Array& x, const jx::Array& y) {
        auto [loss, grads] = jx::value_and_grad(mlp::loss)(m, x, y);
        auto [updates, next_state] = optimizer.update(grads, s, m);
        return std::tuple{jx::optim::apply_updates(m, updates), next_state, loss};
      });

  for (int threads : {1, 2}) {
    set_threads(threads);
    mlp::Params params = mlp::init(jx::random::PRNGKey(0));
    jx::optim::OptState state = optimizer.init(params);
    const auto jx_step = [&] {
      auto [next_params, next_state, loss] =
          train_step(std::move(params), std::move(state), batch.images, batch.labels);
      params = std::move(next_params);
      state = std::move(next_state);
      do_not_optimize(loss);
    };
    const std::string name = "train step, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
#if defined(JX_BENCH_TORCH)
    std::vector<torch::Tensor> torch_params = mlp::torch_params(mlp::init(jx::random::PRNGKey(0)));
    torch::optim::Adam torch_optimizer(torch_params, torch::optim::AdamOptions(1e-3));
    const auto [torch_images, torch_labels] = mlp::torch_batch(batch);
    const auto torch_step = [&] {
      torch_optimizer.zero_grad();
      const torch::Tensor loss = mlp::torch_loss(torch_params, torch_images, torch_labels);
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
    std::printf("  (jx: %.1f GFLOP/s of matmul work)\n", mlp::kStepFlops / c.candidate.median * 1e-9);
#else
    const auto t = jx::bench::measure(jx_step, {.min_time = 1.0, .sample_time = 0.05});
    table.row(
        Row{.name = name, .value = t.median * 1e3, .unit = "ms", .baseline_name = "(libtorch-dev not installed)"});
#endif
  }
  return 0;
}
