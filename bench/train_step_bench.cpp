// bench/train_step_bench.cpp — a whole training step: an MLP 784-512-512-10 (ReLU, softmax
// cross-entropy) on a batch of 256, gradients and an Adam update, jitted, on 1 and on 2 threads,
// against the same step in libtorch eager mode (autograd + torch::optim::Adam) measured in a separate
// process (bench/separate_process.h), and its matrix products against the FMA peak measured in the
// same run. Targets: no slower than libtorch on the same threads (issue 9); the step's matmul work at
// least 0.65 of the FMA peak (issue 16). libtorch (Debian's libtorch-dev) is optional.
//
//   cmake --build build/default --target bench_train_step && ./build/default/bench/bench_train_step
#include <cblas.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "fma_peak.h"
#include "harness.h"
#include "jx/jx.h"
#include "jx/optim.h"
#include "mlp.h"
#include "separate_process.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace {

namespace jnp = jx::numpy;
using jx::bench::do_not_optimize;
using jx::bench::Row;

const jx::bench::MeasureOptions kOptions{.min_time = 1.0, .sample_time = 0.05};

// libtorch's step in milliseconds on 1 and 2 threads.
struct TorchTimes {
  double ms[2] = {};
};

#if defined(JX_BENCH_TORCH)
TorchTimes measure_torch() {
  TorchTimes times;
  const mlp::Batch batch = mlp::batch();
  for (int threads : {1, 2}) {
    torch::set_num_threads(threads);
    std::vector<torch::Tensor> params = mlp::torch_params(mlp::init(jx::random::PRNGKey(0)));
    torch::optim::Adam optimizer(params, torch::optim::AdamOptions(1e-3));
    const auto [images, labels] = mlp::torch_batch(batch);
    const auto step = [&] {
      optimizer.zero_grad();
      const torch::Tensor loss = mlp::torch_loss(params, images, labels);
      loss.backward();
      optimizer.step();
      do_not_optimize(loss.item<float>());
    };
    times.ms[threads - 1] = jx::bench::measure(step, kOptions).median * 1e3;
  }
  return times;
}
#endif

}  // namespace

int main(int /*argc*/, char** argv) {
  jx::bench::run_again_with_passive_openmp(argv);
#if defined(JX_BENCH_TORCH)
  const std::optional<TorchTimes> torch = jx::bench::in_child_process(measure_torch);  // before jx's threads
#else
  const std::optional<TorchTimes> torch;
#endif
  std::printf("CPU: %s\n", jx::bench::cpu_name().c_str());
  const std::array<double, 2> peak = jx::bench::measure_and_print_fma_peaks();
  jx::bench::Table table(
      "MLP 784-512-512-10 train step (batch 256, Adam, donated; libtorch eager in a separate process)");
  const mlp::Batch batch = mlp::batch();
  const auto optimizer = jx::optim::adam(1e-3f);
  auto train_step =
      jx::jit([&](const mlp::Params& m, const jx::optim::OptState& s, const jx::Array& x, const jx::Array& y) {
        auto [loss, grads] = jx::value_and_grad(mlp::loss)(m, x, y);
        auto [updates, next_state] = optimizer.update(grads, s, m);
        return std::tuple{jx::optim::apply_updates(m, updates), next_state, loss};
      });

  for (int threads : {1, 2}) {
    jx::cpu::set_num_threads(threads);
    openblas_set_num_threads(threads);
    mlp::Params params = mlp::init(jx::random::PRNGKey(0));
    jx::optim::OptState state = optimizer.init(params);
    const auto jx_step = [&] {
      auto [next_params, next_state, loss] =
          train_step(std::move(params), std::move(state), batch.images, batch.labels);
      params = std::move(next_params);
      state = std::move(next_state);
      do_not_optimize(loss);
    };
    const double ms = jx::bench::measure(jx_step, kOptions).median * 1e3;
    const std::string name = "train step, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
    if (torch) {
      const double baseline = torch->ms[threads - 1];
      table.row(Row{.name = name,
                    .value = ms,
                    .unit = "ms",
                    .baseline_name = "libtorch eager + Adam",
                    .baseline = baseline,
                    .target = "<= 1 (no slower)",
                    .met = ms <= baseline});
    } else {
      table.row(Row{.name = name, .value = ms, .unit = "ms", .baseline_name = "(libtorch not available)"});
    }
    const double gflops = mlp::kStepFlops / ms * 1e-6;
    table.row(Row{.name = "  its matmul work / FMA peak",
                  .value = gflops,
                  .unit = "GFLOP/s",
                  .baseline_name = "FMA peak",
                  .baseline = peak[threads - 1],
                  .target = ">= 0.65",
                  .met = gflops / peak[threads - 1] >= 0.65});
  }
  return 0;
}
