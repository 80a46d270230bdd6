// bench/matmul_bench.cpp — float32 matmul against the machine's FMA peak, oneDNN's and OpenBLAS's
// sgemm, on 1 and 2 threads (issue 16), and what an elementwise op costs right after a matmul.
//
// The peak is measured first (bench/fma_peak.h) and every GFLOP/s figure is also given as a fraction
// of it. The sgemm baselines are called directly with their own threads: OpenBLAS's, and OpenMP's for
// dnnl_sgemm (whose idle threads spin, so it runs last in each section, after a pause). The last
// table times tanh of 1M floats right after a 256x784x512 matmul and right after another elementwise
// op: jx's pool, oneDNN and OpenBLAS must not leave threads spinning against the next kernel.
#include <cblas.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "backends/cpu/onednn.h"
#include "backends/cpu/thread_pool.h"
#include "fma_peak.h"
#include "harness.h"
#include "jx/numpy.h"
#include "jx/random.h"

namespace jnp = jx::numpy;
using jx::bench::do_not_optimize;
using jx::bench::measure;
using jx::bench::Row;

namespace {

struct Shape3 {
  int m, k, n;
};

void pause_for_spinners() { std::this_thread::sleep_for(std::chrono::milliseconds(200)); }

void matmul_rows(jx::bench::Table& table, int threads, double peak) {
  jx::cpu::set_num_threads(threads);
  openblas_set_num_threads(threads);
  for (const Shape3 s : {Shape3{256, 784, 512}, Shape3{1024, 1024, 1024}}) {
    const double flops = 2.0 * s.m * s.k * s.n;
    const jx::Array a = jx::random::normal(jx::random::key(1), {s.m, s.k});
    const jx::Array b = jx::random::normal(jx::random::key(2), {s.k, s.n});
    const auto jx_time = measure([&] { do_not_optimize(jnp::matmul(a, b)); });
    const std::vector<float> host_a = a.to_vector<float>(), host_b = b.to_vector<float>();
    std::vector<float> host_c(static_cast<std::size_t>(s.m) * static_cast<std::size_t>(s.n));
    const auto blas_time = measure([&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n, s.k, 1.0f, host_a.data(), s.k, host_b.data(),
                  s.n, 0.0f, host_c.data(), s.n);
      do_not_optimize(host_c.data());
    });
    omp_set_num_threads(threads);
    const auto dnnl_time = measure([&] {
      dnnl_sgemm('N', 'N', s.m, s.n, s.k, 1.0f, host_a.data(), s.k, host_b.data(), s.n, 0.0f, host_c.data(), s.n);
      do_not_optimize(host_c.data());
    });
    omp_set_num_threads(1);
    pause_for_spinners();
    const std::string name = std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n) + ", " +
                             std::to_string(threads) + " thread" + (threads > 1 ? "s" : "");
    const double gflops = flops / jx_time.median / 1e9;
    const double fraction = gflops / peak;
    table.row({.name = name + " / peak",
               .value = gflops,
               .unit = "GFLOP/s",
               .baseline_name = "FMA peak",
               .baseline = peak,
               .target = ">= 0.80",
               .met = fraction >= 0.80});
    table.row({.name = name + " / dnnl_sgemm",
               .value = gflops,
               .unit = "GFLOP/s",
               .baseline_name = "dnnl_sgemm (OpenMP)",
               .baseline = flops / dnnl_time.median / 1e9});
    table.row({.name = name + " / cblas_sgemm",
               .value = gflops,
               .unit = "GFLOP/s",
               .baseline_name = "OpenBLAS cblas_sgemm",
               .baseline = flops / blas_time.median / 1e9});
  }
}

// Median seconds of `second` when it runs right after `first`, over many rounds.
template <class First, class Second>
double median_after(const First& first, const Second& second, int rounds) {
  std::vector<double> times;
  for (int round = 0; round < rounds; ++round) {
    first();
    const auto start = std::chrono::steady_clock::now();
    second();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void elementwise_after_rows(jx::bench::Table& table, int threads) {
  jx::cpu::set_num_threads(threads);
  openblas_set_num_threads(threads);
  const jx::Array a = jx::random::normal(jx::random::key(3), {256, 784});
  const jx::Array b = jx::random::normal(jx::random::key(4), {784, 512});
  const jx::Array x = jx::random::normal(jx::random::key(5), {1 << 20});
  const jx::Array y = jx::random::normal(jx::random::key(6), {1 << 20});
  const auto matmul = [&] { do_not_optimize(jnp::matmul(a, b)); };
  const auto other = [&] { do_not_optimize(jnp::exp(y)); };
  const auto tanh = [&] { do_not_optimize(jnp::tanh(x)); };
  constexpr int kRounds = 400;
  (void)median_after(matmul, tanh, 20);  // warm up
  double after_matmul = 0, after_elementwise = 0;
  // Interleaved in blocks, so that both see the same machine.
  std::vector<double> ratios;
  for (int block = 0; block < 5; ++block) {
    after_matmul = median_after(matmul, tanh, kRounds / 5);
    after_elementwise = median_after(other, tanh, kRounds / 5);
    ratios.push_back(after_matmul / after_elementwise);
  }
  std::sort(ratios.begin(), ratios.end());
  const double ratio = ratios[ratios.size() / 2];
  table.row({.name = "tanh(1M) after matmul, " + std::to_string(threads) + " thr",
             .value = after_matmul * 1e6,
             .unit = "us",
             .baseline_name = "tanh after exp",
             .baseline = after_elementwise * 1e6,
             .target = "<= 1.05",
             .met = ratio <= 1.05,
             .ratio = ratio});
}

}  // namespace

int main() {
  std::printf("CPU: %s; jx %s oneDNN\n", jx::bench::cpu_name().c_str(),
              jx::cpu::onednn::enabled() ? "with" : "without (JX_ONEDNN=0)");
  const std::array<double, 2> peak = jx::bench::measure_and_print_fma_peaks();
  jx::bench::Table table("float32 matmul (eager jnp::matmul; median of batches)");
  matmul_rows(table, 1, peak[0]);
  matmul_rows(table, 2, peak[1]);
  jx::bench::Table after("an elementwise op right after a matmul (median of rounds; ratio: median of 5 blocks)");
  elementwise_after_rows(after, 1);
  elementwise_after_rows(after, 2);
  return 0;
}
