// bench/fma_peak.h — the machine's float32 multiply-add peak, measured, and the CPU's name.
//
// Sixteen independent chains of vector FMAs (AVX-512 where the build targets it, else AVX2) keep
// every FMA unit busy; the best of a few runs per thread, summed over `threads` threads started
// together, is the peak a matmul's GFLOP/s is a fraction of. Measured in the same run as the figure
// it divides, because machines differ (Zen 4 runs AVX-512 on 256-bit units at half Zen 5's rate).
//
//   const double peak = jx::bench::fma_peak_gflops(2);
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace jx::bench {

namespace detail {

inline double fma_chains_gflops(long iterations) {
#if defined(__AVX512F__)
  using Vector = __m512;
  constexpr int kLanes = 16;
  const auto splat = [](float v) { return _mm512_set1_ps(v); };
  const auto fma = [](Vector a, Vector b, Vector c) { return _mm512_fmadd_ps(a, b, c); };
  const auto lane0 = [](Vector v) { return _mm512_cvtss_f32(v); };
#else
  using Vector = __m256;
  constexpr int kLanes = 8;
  const auto splat = [](float v) { return _mm256_set1_ps(v); };
  const auto fma = [](Vector a, Vector b, Vector c) { return _mm256_fmadd_ps(a, b, c); };
  const auto lane0 = [](Vector v) { return _mm256_cvtss_f32(v); };
#endif
  constexpr int kChains = 16;
  Vector chains[kChains];
  for (int i = 0; i < kChains; ++i) chains[i] = splat(1.0f + static_cast<float>(i) * 1e-7f);
  const Vector scale = splat(0.9999999f), shift = splat(1e-7f);
  const auto start = std::chrono::steady_clock::now();
  for (long k = 0; k < iterations; ++k) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) chains[i] = fma(chains[i], scale, shift);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  float sink = 0;
  for (const Vector& v : chains) sink += lane0(v);
  asm volatile("" : : "r,m"(sink) : "memory");
  return static_cast<double>(iterations) * kChains * kLanes * 2 / seconds / 1e9;
}

}  // namespace detail

// GFLOP/s of `threads` threads multiplying and adding at once (best of 3 runs of ~0.1 s each).
inline double fma_peak_gflops(int threads) {
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    std::vector<double> rates(static_cast<std::size_t>(threads));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&rates, t] { rates[static_cast<std::size_t>(t)] = detail::fma_chains_gflops(10'000'000); });
    }
    for (std::thread& w : workers) w.join();
    double total = 0;
    for (double r : rates) total += r;
    best = std::max(best, total);
  }
  return best;
}

// The FMA peak on 1 thread ([0]) and on 2 ([1]), measured and printed: the baseline of rows given as
// a fraction of the peak.
inline std::array<double, 2> measure_and_print_fma_peaks() {
  const std::array<double, 2> peak{fma_peak_gflops(1), fma_peak_gflops(2)};
  std::printf("FMA peak (float32, measured): %.1f GFLOP/s on 1 thread, %.1f on 2\n", peak[0], peak[1]);
  return peak;
}

// The CPU's model name, from /proc/cpuinfo.
inline std::string cpu_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

}  // namespace jx::bench
