// bench/conv_bench.cpp — Conv2D forward and backward against libtorch on the same threads (issue 9).
//
// The layer of issue 9's target: NHWC images 128 x 28 x 28 x 32, HWIO kernel 3 x 3 x 32 x 64, "SAME"
// padding, stride 1, float32. Forward: lax::conv_general_dilated eagerly and under jit, against
// torch::conv2d on a channels-last tensor (libtorch's fastest CPU path, oneDNN) and, for reference,
// on an NCHW one (target: within 2x of the channels-last figure). Backward: both gradients (input and
// kernel) of a jitted vjp, against at::convolution_backward. Then 2 x 2 max pooling forward and
// backward against torch::max_pool2d. libtorch (Debian's libtorch-dev) is optional.
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "harness.h"
#include "jx/lax.h"
#include "jx/nn/pooling.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;

namespace {

constexpr std::int64_t kBatch = 128, kSize = 28, kIn = 32, kOut = 64, kWindow = 3;
constexpr double kFlops = 2.0 * kBatch * kSize * kSize * kOut * kIn * kWindow * kWindow;

jx::Array conv2d(const jx::Array& x, const jx::Array& w) {
  return lax::conv_general_dilated(x, w, {1, 1}, "SAME", {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}});
}

#if defined(JX_BENCH_TORCH)
// An NHWC jx array as a torch tensor of logical shape NCHW in channels-last memory (no copy of layout).
torch::Tensor to_torch_nhwc(const jx::Array& x) {
  const auto values = x.to_vector<float>();
  const auto s = x.shape();
  torch::Tensor nhwc = torch::from_blob(const_cast<float*>(values.data()), {s[0], s[1], s[2], s[3]}).clone();
  return nhwc.permute({0, 3, 1, 2});  // NCHW view of NHWC memory = channels_last
}
// An HWIO kernel as OIHW in channels-last memory (O, H, W, I).
torch::Tensor to_torch_kernel(const jx::Array& w) {
  const auto values = w.to_vector<float>();
  const auto s = w.shape();
  torch::Tensor hwio = torch::from_blob(const_cast<float*>(values.data()), {s[0], s[1], s[2], s[3]}).clone();
  return hwio.permute({3, 2, 0, 1}).contiguous(torch::MemoryFormat::ChannelsLast);
}
#endif

void report(jx::bench::Table& table, const std::string& name, const jx::bench::Comparison& c,
            const std::string& baseline, double target_ratio) {
  table.row(Row{.name = name,
                .value = c.candidate.median * 1e3,
                .unit = "ms",
                .baseline_name = baseline,
                .baseline = c.baseline.median * 1e3,
                .target = target_ratio > 0 ? "<= " + std::to_string(target_ratio).substr(0, 3) : "",
                .met = target_ratio > 0 ? std::optional<bool>(c.time_ratio <= target_ratio) : std::nullopt,
                .ratio = c.time_ratio});
}

}  // namespace

int main() {
  const int threads = jx::cpu::num_threads();
  jx::bench::Table table("convolution and pooling, float32 (threads: " + std::to_string(threads) + ")");
  const jx::bench::MeasureOptions options{.min_time = 1.0, .sample_time = 0.1};
  auto [x_key, w_key] = jx::random::split(jx::random::PRNGKey(0));
  const jx::Array x = jx::random::normal(x_key, {kBatch, kSize, kSize, kIn});
  const jx::Array w = jx::random::normal(w_key, {kWindow, kWindow, kIn, kOut}) * 0.1f;
  const jx::Array ct = jnp::ones({kBatch, kSize, kSize, kOut});
  auto jitted = jx::jit(conv2d);
  auto gradients = jx::jit([](const jx::Array& a, const jx::Array& b, const jx::Array& c) {
    auto [out, pullback] = jx::vjp(conv2d, a, b);
    return pullback(c);
  });
  const auto eager_forward = [&] { do_not_optimize(conv2d(x, w)); };
  const auto jit_forward = [&] { do_not_optimize(jitted(x, w)); };
  const auto jit_backward = [&] { do_not_optimize(gradients(x, w, ct)); };
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

#if defined(JX_BENCH_TORCH)
  torch::set_num_threads(threads);
  torch::NoGradGuard no_grad;
  const torch::Tensor tx = to_torch_nhwc(x), tw = to_torch_kernel(w);
  const torch::Tensor tct = torch::ones({kBatch, kOut, kSize, kSize}).contiguous(torch::MemoryFormat::ChannelsLast);
  const torch::Tensor tx_nchw = tx.contiguous(), tw_nchw = tw.contiguous();
  const auto torch_forward = [&] { do_not_optimize(torch::conv2d(tx, tw, {}, 1, 1)); };
  const auto torch_forward_nchw = [&] { do_not_optimize(torch::conv2d(tx_nchw, tw_nchw, {}, 1, 1)); };
  const auto torch_backward = [&] {
    do_not_optimize(at::convolution_backward(tct, tx, tw, c10::nullopt, {1, 1}, {1, 1}, {1, 1}, false, {0, 0}, 1,
                                             {true, true, false}));
  };
  const std::string torch_name = "libtorch channels-last";
  const auto forward = compare(jit_forward, torch_forward, options);
  report(table, "Conv2D fwd b=128 28x28x32->64 3x3 (jit)", forward, torch_name, 2.0);
  std::printf("  (jx: %.1f GFLOP/s, libtorch: %.1f GFLOP/s)\n", kFlops / forward.candidate.median * 1e-9,
              kFlops / forward.baseline.median * 1e-9);
  report(table, "Conv2D fwd (eager)", compare(eager_forward, torch_forward, options), torch_name, 2.0);
  report(table, "Conv2D fwd (jit)", compare(jit_forward, torch_forward_nchw, options), "libtorch NCHW", 0);
  const auto backward = compare(jit_backward, torch_backward, options);
  report(table, "Conv2D bwd: input + kernel grads (jit)", backward, torch_name + " bwd", 2.0);
  std::printf("  (jx: %.1f GFLOP/s, libtorch: %.1f GFLOP/s)\n", 2 * kFlops / backward.candidate.median * 1e-9,
              2 * kFlops / backward.baseline.median * 1e-9);
  const torch::Tensor tpool_ct =
      torch::ones({kBatch, kIn, kSize / 2, kSize / 2}).contiguous(torch::MemoryFormat::ChannelsLast);
  const auto torch_pool = [&] { do_not_optimize(torch::max_pool2d(tx, {2, 2}, {2, 2})); };
  report(table, "max_pool 2x2/2 fwd (jit)", compare([&] { do_not_optimize(pool_forward(x)); }, torch_pool, options),
         torch_name, 0);
  const auto torch_pool_backward = [&] {
    const torch::Tensor input = tx.detach().requires_grad_(true);
    torch::AutoGradMode enable(true);
    const torch::Tensor out = torch::max_pool2d(input, {2, 2}, {2, 2});
    do_not_optimize(torch::autograd::grad({out}, {input}, {tpool_ct}));
  };
  report(table, "max_pool 2x2/2 fwd+bwd (jit)",
         compare([&] { do_not_optimize(pool_backward(x, pool_ct)); }, torch_pool_backward, options),
         torch_name + " autograd", 0);
#else
  for (const auto& [name, body] : std::vector<std::pair<std::string, std::function<void()> > >{
           {"Conv2D fwd b=128 28x28x32->64 3x3 (eager)", eager_forward},
           {"Conv2D fwd (jit)", jit_forward},
           {"Conv2D bwd: input + kernel grads (jit)", jit_backward}}) {
    const auto t = jx::bench::measure(body, options);
    table.row(
        Row{.name = name, .value = t.median * 1e3, .unit = "ms", .baseline_name = "(libtorch-dev not installed)"});
  }
#endif
  return 0;
}
