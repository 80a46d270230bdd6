// bench/conv_bench.cpp — Conv2D forward and backward and max pooling against libtorch (issues 9, 16).
//
// The layer of issue 9's target: NHWC images 128 x 28 x 28 x 32, HWIO kernel 3 x 3 x 32 x 64, "SAME"
// padding, stride 1, float32. Forward: lax::conv_general_dilated eagerly and under jit, against
// torch::conv2d on a channels-last tensor (libtorch's fastest CPU path, oneDNN) and, for reference,
// on an NCHW one. Backward: both gradients (input and kernel) of a jitted vjp, against
// at::convolution_backward. Then 2 x 2 max pooling forward and backward against torch::max_pool2d.
// libtorch (Debian's libtorch-dev) is optional; it runs in a child process forked before jx starts
// any thread, on the same number of threads, and each side is timed alone.
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "fma_peak.h"
#include "harness.h"
#include "jx/lax.h"
#include "jx/nn/pooling.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "separate_process.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::bench::do_not_optimize;
using jx::bench::Row;

namespace {

constexpr std::int64_t kBatch = 128, kSize = 28, kIn = 32, kOut = 64, kWindow = 3;
constexpr double kFlops = 2.0 * kBatch * kSize * kSize * kOut * kIn * kWindow * kWindow;

jx::Array conv2d(const jx::Array& x, const jx::Array& w) {
  return lax::conv_general_dilated(x, w, {1, 1}, "SAME", {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}});
}

#if defined(JX_BENCH_TORCH)
// libtorch's figures (median seconds), measured in a child process forked before jx starts a thread:
// in one process, each library's idle threads would compete with the other's (issue 16).
struct TorchFigures {
  double forward = 0, forward_nchw = 0, backward = 0, pool_forward = 0, pool_backward = 0;
};

TorchFigures measure_torch(int threads, const jx::bench::MeasureOptions& options) {
  torch::set_num_threads(threads);
  torch::NoGradGuard no_grad;
  const torch::Tensor tx = torch::randn({kBatch, kIn, kSize, kSize}).contiguous(torch::MemoryFormat::ChannelsLast);
  const torch::Tensor tw =
      (torch::randn({kOut, kIn, kWindow, kWindow}) * 0.1).contiguous(torch::MemoryFormat::ChannelsLast);
  const torch::Tensor tct = torch::ones({kBatch, kOut, kSize, kSize}).contiguous(torch::MemoryFormat::ChannelsLast);
  const torch::Tensor tx_nchw = tx.contiguous(), tw_nchw = tw.contiguous();
  const torch::Tensor tpool_ct =
      torch::ones({kBatch, kIn, kSize / 2, kSize / 2}).contiguous(torch::MemoryFormat::ChannelsLast);
  TorchFigures figures;
  figures.forward = jx::bench::measure([&] { do_not_optimize(torch::conv2d(tx, tw, {}, 1, 1)); }, options).median;
  figures.forward_nchw =
      jx::bench::measure([&] { do_not_optimize(torch::conv2d(tx_nchw, tw_nchw, {}, 1, 1)); }, options).median;
  figures.backward = jx::bench::measure(
                         [&] {
                           do_not_optimize(at::convolution_backward(tct, tx, tw, c10::nullopt, {1, 1}, {1, 1}, {1, 1},
                                                                    false, {0, 0}, 1, {true, true, false}));
                         },
                         options)
                         .median;
  figures.pool_forward = jx::bench::measure(
                             [&] {
                               do_not_optimize(torch::max_pool2d(tx, {2, 2}, {2, 2}));
                             },
                             options)
                             .median;
  figures.pool_backward = jx::bench::measure(
                              [&] {
                                const torch::Tensor input = tx.detach().requires_grad_(true);
                                torch::AutoGradMode enable(true);
                                const torch::Tensor out = torch::max_pool2d(input, {2, 2}, {2, 2});
                                do_not_optimize(torch::autograd::grad({out}, {input}, {tpool_ct}));
                              },
                              options)
                              .median;
  return figures;
}

#endif

void report(jx::bench::Table& table, const std::string& name, double seconds, const std::string& baseline,
            double baseline_seconds, double target_ratio) {
  const double ratio = seconds / baseline_seconds;
  table.row(Row{.name = name,
                .value = seconds * 1e3,
                .unit = "ms",
                .baseline_name = baseline,
                .baseline = baseline_seconds * 1e3,
                .target = target_ratio > 0 ? "<= " + std::to_string(target_ratio).substr(0, 3) : "",
                .met = target_ratio > 0 ? std::optional<bool>(ratio <= target_ratio) : std::nullopt});
}

}  // namespace

int main(int /*argc*/, char** argv) {
  jx::bench::run_again_with_passive_openmp(argv);
  const int threads = jx::cpu::num_threads();
  const jx::bench::MeasureOptions options{.min_time = 1.0, .sample_time = 0.1};
#if defined(JX_BENCH_TORCH)
  const std::optional<TorchFigures> torch =
      jx::bench::in_child_process([&] { return measure_torch(threads, options); });  // before jx starts threads
#endif
  std::printf("CPU: %s\n", jx::bench::cpu_name().c_str());
  jx::bench::Table table("convolution and pooling, float32 (threads: " + std::to_string(threads) +
                         "; libtorch in a separate process)");
  auto [x_key, w_key] = jx::random::split(jx::random::PRNGKey(0));
  const jx::Array x = jx::random::normal(x_key, {kBatch, kSize, kSize, kIn});
  const jx::Array w = jx::random::normal(w_key, {kWindow, kWindow, kIn, kOut}) * 0.1f;
  const jx::Array ct = jnp::ones({kBatch, kSize, kSize, kOut});
  auto jitted = jx::jit(conv2d);
  auto gradients = jx::jit([](const jx::Array& a, const jx::Array& b, const jx::Array& c) {
    auto [out, pullback] = jx::vjp(conv2d, a, b);
    return pullback(c);
  });
  const jx::Array pool_ct = jnp::ones({kBatch, kSize / 2, kSize / 2, kIn});
  auto pool_forward = jx::jit([](const jx::Array& a) { return jx::nn::max_pool(a, {2, 2}, {.strides = {2, 2}}); });
  auto pool_backward = jx::jit([](const jx::Array& a, const jx::Array& c) {
    auto [out, pullback] = jx::vjp(
        [](const jx::Array& b) {
          return jx::nn::max_pool(b, {2, 2}, {.strides = {2, 2}});
        },
        a);
    return std::get<0>(pullback(c));
  });
  const double eager_forward = jx::bench::measure([&] { do_not_optimize(conv2d(x, w)); }, options).median;
  const double jit_forward = jx::bench::measure([&] { do_not_optimize(jitted(x, w)); }, options).median;
  const double jit_backward = jx::bench::measure([&] { do_not_optimize(gradients(x, w, ct)); }, options).median;
  const double pool = jx::bench::measure([&] { do_not_optimize(pool_forward(x)); }, options).median;
  const double pool_both = jx::bench::measure([&] { do_not_optimize(pool_backward(x, pool_ct)); }, options).median;
#if defined(JX_BENCH_TORCH)
  if (torch) {
    const std::string torch_name = "libtorch channels-last";
    report(table, "Conv2D fwd b=128 28x28x32->64 3x3 (jit)", jit_forward, torch_name, torch->forward, 1.0);
    std::printf("  (jx: %.1f GFLOP/s, libtorch: %.1f GFLOP/s)\n", kFlops / jit_forward * 1e-9,
                kFlops / torch->forward * 1e-9);
    report(table, "Conv2D fwd (eager)", eager_forward, torch_name, torch->forward, 1.0);
    report(table, "Conv2D fwd (jit)", jit_forward, "libtorch NCHW", torch->forward_nchw, 0);
    report(table, "Conv2D bwd: input + kernel grads (jit)", jit_backward, torch_name + " bwd", torch->backward, 1.0);
    std::printf("  (jx: %.1f GFLOP/s, libtorch: %.1f GFLOP/s)\n", 2 * kFlops / jit_backward * 1e-9,
                2 * kFlops / torch->backward * 1e-9);
    report(table, "max_pool 2x2/2 fwd (jit)", pool, torch_name, torch->pool_forward, 0);
    report(table, "max_pool 2x2/2 fwd+bwd (jit)", pool_both, torch_name + " autograd", torch->pool_backward, 1.2);
    return 0;
  }
#endif
  for (const auto& [name, seconds] :
       std::vector<std::pair<std::string, double>>{{"Conv2D fwd b=128 28x28x32->64 3x3 (eager)", eager_forward},
                                                   {"Conv2D fwd (jit)", jit_forward},
                                                   {"Conv2D bwd: input + kernel grads (jit)", jit_backward},
                                                   {"max_pool 2x2/2 fwd (jit)", pool},
                                                   {"max_pool 2x2/2 fwd+bwd (jit)", pool_both}}) {
    table.row(Row{.name = name, .value = seconds * 1e3, .unit = "ms", .baseline_name = "(libtorch not available)"});
  }
  return 0;
}
