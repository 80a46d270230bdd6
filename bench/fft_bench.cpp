// FFT: jx's jnp.fft.fft (complex128) and rfft (float64), 2^10 to 2^22 points, against the same FFTW
// plan (FFTW_ESTIMATE, out of place) executed directly on buffers allocated once. jx adds its output
// allocation and, for small sizes, its dispatch; the plan itself is cached after the first call.
//
// NumPy's figures (pocketfft, in a process of its own): bench/fft_numpy.py.
//
// Run: ./build/default/bench/bench_fft
#include <fftw3.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fma_peak.h"
#include "harness.h"
#include "jx/core/config.h"
#include "jx/fft.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/random.h"

namespace {

namespace jnp = jx::numpy;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Table;

void row(Table& table, const std::string& name, double points, const jx::bench::Comparison& c) {
  // The conventional FFT flop count, 5 n log2 n (2.5 n log2 n for a real transform is not used: the
  // figure is only for comparing the two columns).
  const double flops = 5 * points * std::log2(points);
  table.row({.name = name,
             .value = flops / c.candidate.median / 1e9,
             .unit = "GFLOP/s",
             .baseline_name = "same FFTW plan",
             .baseline = flops / c.baseline.median / 1e9,
             .ratio = c.time_ratio});
}

void complex_transforms(Table& table, int log2_points) {
  const std::int64_t n = std::int64_t{1} << log2_points;
  const jx::Array re = jx::random::normal(jx::random::PRNGKey(1), {n}, jx::float64);
  const jx::Array im = jx::random::normal(jx::random::PRNGKey(2), {n}, jx::float64);
  const jx::Array x = jx::lax::complex(re, im);
  auto* in = fftw_alloc_complex(static_cast<std::size_t>(n));
  auto* out = fftw_alloc_complex(static_cast<std::size_t>(n));
  const auto values = x.to_vector<std::complex<double>>();
  std::memcpy(in, values.data(), values.size() * sizeof(fftw_complex));
  const fftw_plan plan = fftw_plan_dft_1d(static_cast<int>(n), in, out, FFTW_FORWARD, FFTW_ESTIMATE);
  row(table, "fft c128 2^" + std::to_string(log2_points), static_cast<double>(n),
      compare([&] { do_not_optimize(jnp::fft::fft(x)); },
              [&] {
                fftw_execute(plan);
                do_not_optimize(out);
              }));
  fftw_destroy_plan(plan);
  fftw_free(in);
  fftw_free(out);
}

void real_transforms(Table& table, int log2_points) {
  const std::int64_t n = std::int64_t{1} << log2_points;
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(3), {n}, jx::float64);
  auto* in = fftw_alloc_real(static_cast<std::size_t>(n));
  auto* out = fftw_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
  const auto values = x.to_vector<double>();
  std::memcpy(in, values.data(), values.size() * sizeof(double));
  const fftw_plan plan = fftw_plan_dft_r2c_1d(static_cast<int>(n), in, out, FFTW_ESTIMATE);
  row(table, "rfft f64 2^" + std::to_string(log2_points), static_cast<double>(n),
      compare([&] { do_not_optimize(jnp::fft::rfft(x)); },
              [&] {
                fftw_execute(plan);
                do_not_optimize(out);
              }));
  fftw_destroy_plan(plan);
  fftw_free(in);
  fftw_free(out);
}

}  // namespace

int main() {
  jx::config::enable_x64(true);
  std::printf("CPU: %s\n", jx::bench::cpu_name().c_str());
  Table table("1-D FFTs, float64 (ratio = jx time / direct FFTW time, lower is better; target <= 1.10)");
  for (int p = 10; p <= 22; p += 2) complex_transforms(table, p);
  for (int p = 10; p <= 22; p += 2) real_transforms(table, p);
  return 0;
}
