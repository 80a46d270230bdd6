// bench_foundation — the foundation's performance targets (issue 2), each against a baseline measured
// in the same run:
//   a. eager dispatch: ns per `a + b` on tiny arrays, against a hand-written loop;
//   b. elementwise throughput on 16M float32, in GB/s of bytes read + written, against memcpy;
//   c. reduction throughput (jnp::sum), in GB/s of bytes read, against memcpy;
//   d. matmul GFLOP/s against calling cblas_sgemm directly on the same data, a transposed operand
//      included (which must not be copied).
// Every figure is the median over timed batches (bench/harness.h). The ratio column is jx / baseline.
// The memcpy baseline is the better of memcpy on one thread and split over jx's threads (memcpy of the
// same 64 MiB, counted as bytes read + written). Results are checked before they are timed. On a
// shared machine, run it when nothing else is (a build halves every figure).
//
//   cmake --build build/default --target bench_foundation && build/default/bench/bench_foundation
#include <cblas.h>
#include <jx/jx.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "core/array_impl.h"
#include "harness.h"

namespace jnp = jx::numpy;
using jx::Array;
using jx::bench::do_not_optimize;
using jx::bench::measure;
using jx::bench::Row;
using jx::bench::Table;

namespace {

constexpr double kGB = 1e9;

std::vector<float> random_floats(std::size_t n, float low, float high, unsigned seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> distribution(low, high);
  std::vector<float> values(n);
  for (float& v : values) v = distribution(engine);
  return values;
}

Array from_vector(const std::vector<float>& values, const jx::Shape& shape) { return jnp::array(values, shape); }

const float* data_of(const Array& x) { return jx::concrete(x).data_as<float>(); }

// Checks a result against a reference within a relative tolerance; a failed check ends the benchmark,
// since the speed of a wrong kernel means nothing.
void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "bench_foundation: wrong result for %s\n", what.c_str());
    std::exit(2);
  }
}

bool close(double got, double want, double rtol) {
  return std::abs(got - want) <= rtol * std::max(1.0, std::abs(want));
}

// --- a. Eager dispatch -----------------------------------------------------------------------------

void bench_dispatch(Table& table) {
  for (const std::int64_t n : {std::int64_t{1}, std::int64_t{1000}}) {
    const auto va = random_floats(static_cast<std::size_t>(n), -1, 1, 1);
    const auto vb = random_floats(static_cast<std::size_t>(n), -1, 1, 2);
    const Array a = from_vector(va, {n}), b = from_vector(vb, {n});
    {
      const Array c = a + b;
      check(close(data_of(c)[n - 1], double(va.back()) + vb.back(), 1e-6), "a + b (dispatch)");
    }
    const auto jx_time = measure([&] { do_not_optimize(a + b); });

    std::vector<float> out(static_cast<std::size_t>(n));
    const float* pa = va.data();
    const float* pb = vb.data();
    float* po = out.data();
    const auto loop_time = measure([&] {
      do_not_optimize(pa);
      do_not_optimize(pb);
      for (std::int64_t i = 0; i < n; ++i) po[i] = pa[i] + pb[i];
      do_not_optimize(po);
    });
    const double ns = jx_time.median * 1e9;
    const bool tiny = n == 1;
    table.row({.name = "a + b, float32[" + std::to_string(n) + "]",
               .value = ns,
               .unit = "ns/op",
               .baseline_name = "hand-written loop",
               .baseline = loop_time.median * 1e9,
               .target = tiny ? "jx < 300 ns" : "",
               .met = tiny ? std::optional<bool>(ns < 300) : std::nullopt});
  }
}

// --- b/c. Bandwidth: memcpy baselines --------------------------------------------------------------

struct MemcpyBaseline {
  double one_thread = 0;  // GB/s, bytes read + written
  double all_threads = 0;
  double best() const { return std::max(one_thread, all_threads); }
};

MemcpyBaseline bench_memcpy(Table& table, std::size_t bytes) {
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  MemcpyBaseline result;
  const auto one = measure([&] {
    std::memcpy(dst.data(), src.data(), bytes);
    do_not_optimize(dst.data());
  });
  result.one_thread = 2.0 * static_cast<double>(bytes) / one.median / kGB;
  const int threads = jx::cpu::num_threads();
  const auto all = measure([&] {
    jx::cpu::parallel_for(threads, 1, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t part = first; part < last; ++part) {
        const std::size_t begin = bytes * static_cast<std::size_t>(part) / static_cast<std::size_t>(threads);
        const std::size_t end = bytes * static_cast<std::size_t>(part + 1) / static_cast<std::size_t>(threads);
        std::memcpy(dst.data() + begin, src.data() + begin, end - begin);
      }
    });
    do_not_optimize(dst.data());
  });
  result.all_threads = 2.0 * static_cast<double>(bytes) / all.median / kGB;
  const std::string mib = std::to_string(bytes >> 20) + " MiB";
  table.row({.name = "memcpy " + mib + ", " + std::to_string(threads) + " threads",
             .value = result.all_threads,
             .unit = "GB/s",
             .baseline_name = "memcpy, 1 thread",
             .baseline = result.one_thread,
             .target = "",
             .met = std::nullopt});
  return result;
}

// Times f (which returns an Array) and reports GB/s for `bytes` of traffic against memcpy.
template <class F>
void bandwidth_row(Table& table, const std::string& name, double bytes, const MemcpyBaseline& memcpy_rate, F f) {
  const auto t = measure([&] { do_not_optimize(f()); });
  const double rate = bytes / t.median / kGB;
  table.row({.name = name,
             .value = rate,
             .unit = "GB/s",
             .baseline_name = "memcpy (best)",
             .baseline = memcpy_rate.best(),
             .target = "ratio >= 0.80",
             .met = rate >= 0.8 * memcpy_rate.best()});
}

void bench_elementwise(Table& table, const MemcpyBaseline& memcpy_rate) {
  constexpr std::int64_t n = std::int64_t{1} << 24;
  const auto va = random_floats(n, -4, 4, 3);
  const auto vb = random_floats(n, -4, 4, 4);
  const Array a = from_vector(va, {n}), b = from_vector(vb, {n});
  const double bytes = 4.0 * n;
  {
    const Array sum = a + b, twice = a * 2.0f, e = jnp::exp(a), t = jnp::tanh(a);
    for (const std::int64_t i : {std::int64_t{0}, n / 3, n - 1}) {
      const auto k = static_cast<std::size_t>(i);
      check(data_of(sum)[i] == va[k] + vb[k], "a + b");
      check(data_of(twice)[i] == va[k] * 2.0f, "a * 2.0f");
      check(close(data_of(e)[i], std::exp(double(va[k])), 1e-6), "exp(a)");
      check(close(data_of(t)[i], std::tanh(double(va[k])), 1e-6), "tanh(a)");
    }
  }
  bandwidth_row(table, "a + b, 16M float32", 3 * bytes, memcpy_rate, [&] { return a + b; });
  bandwidth_row(table, "a * 2.0f, 16M float32", 2 * bytes, memcpy_rate, [&] { return a * 2.0f; });
  bandwidth_row(table, "exp(a), 16M float32", 2 * bytes, memcpy_rate, [&] { return jnp::exp(a); });
  bandwidth_row(table, "tanh(a), 16M float32", 2 * bytes, memcpy_rate, [&] { return jnp::tanh(a); });
}

void bench_reductions(Table& table, const MemcpyBaseline& memcpy_rate) {
  constexpr std::int64_t n = std::int64_t{1} << 24;
  constexpr std::int64_t side = 4096;
  const auto values = random_floats(n, -1, 1, 5);
  const Array flat = from_vector(values, {n});
  const Array matrix = from_vector(values, {side, side});
  {
    double total = 0;
    for (float v : values) total += v;
    check(close(jnp::sum(flat).item<double>(), total, 1e-6), "sum");
    double column0 = 0, row0 = 0;
    for (std::int64_t r = 0; r < side; ++r) column0 += values[static_cast<std::size_t>(r * side)];
    for (std::int64_t c = 0; c < side; ++c) row0 += values[static_cast<std::size_t>(c)];
    check(close(data_of(jnp::sum(matrix, 0))[0], column0, 1e-5), "sum(axis=0)");
    check(close(data_of(jnp::sum(matrix, 1))[0], row0, 1e-5), "sum(axis=1)");
  }
  const double bytes = 4.0 * n;
  bandwidth_row(table, "sum, 16M float32", bytes, memcpy_rate, [&] { return jnp::sum(flat); });
  bandwidth_row(table, "sum axis 0, 4096x4096 float32", bytes + 4.0 * side, memcpy_rate,
                [&] { return jnp::sum(matrix, 0); });
  bandwidth_row(table, "sum axis 1, 4096x4096 float32", bytes + 4.0 * side, memcpy_rate,
                [&] { return jnp::sum(matrix, 1); });
}

// --- d. Matmul -------------------------------------------------------------------------------------

void bench_matmul(Table& table) {
  for (const int n : {512, 1024}) {
    const auto va = random_floats(static_cast<std::size_t>(n) * n, -1, 1, 6);
    const auto vb = random_floats(static_cast<std::size_t>(n) * n, -1, 1, 7);
    const Array a = from_vector(va, {n, n}), b = from_vector(vb, {n, n});
    const double flops = 2.0 * n * n * n;
    // The direct call's output is 64-byte aligned, as jx's buffers are.
    const std::size_t c_size = static_cast<std::size_t>(n) * n;
    const std::unique_ptr<float, decltype(&std::free)> c_buffer(
        static_cast<float*>(std::aligned_alloc(64, c_size * sizeof(float))), &std::free);
    float* const c = c_buffer.get();

    for (const bool transposed : {false, true}) {
      const Array lhs = transposed ? a.transpose() : a;
      const CBLAS_TRANSPOSE trans_a = transposed ? CblasTrans : CblasNoTrans;
      auto direct = [&] {
        cblas_sgemm(CblasRowMajor, trans_a, CblasNoTrans, n, n, n, 1.0f, data_of(a), n, data_of(b), n, 0.0f, c, n);
        do_not_optimize(c);
      };
      // Same values as BLAS, and (for the transposed operand) no copy: one allocation, the output.
      direct();
      const std::size_t allocations_before = jx::allocator::stats().allocations;
      const Array product = jnp::matmul(lhs, b);
      const std::size_t allocations = jx::allocator::stats().allocations - allocations_before;
      check(std::memcmp(data_of(product), c, c_size * sizeof(float)) == 0, "matmul");
      check(allocations == 1, "matmul (an operand was copied)");

      const auto blas_time = measure(direct);
      const auto jx_time = measure([&] { do_not_optimize(jnp::matmul(lhs, b)); });
      const double rate = flops / jx_time.median / 1e9, blas_rate = flops / blas_time.median / 1e9;
      const std::string size = std::to_string(n);
      // The allocation count shows that the transposed operand was not copied: the output is the only one.
      table.row({.name = "matmul " + size + "x" + size + (transposed ? " a.T @ b" : " a @ b") + ", " +
                         std::to_string(allocations) + " alloc",
                 .value = rate,
                 .unit = "GFLOP/s",
                 .baseline_name = transposed ? "cblas_sgemm (TransA)" : "cblas_sgemm",
                 .baseline = blas_rate,
                 .target = "ratio >= 0.95",
                 .met = rate >= 0.95 * blas_rate});
    }
  }
}

}  // namespace

int main() {
  std::printf("bench_foundation: %d threads; figures are medians over timed batches; ratio = jx / baseline\n",
              jx::cpu::num_threads());
  Table dispatch("a. eager dispatch");
  bench_dispatch(dispatch);

  Table elementwise("b. elementwise throughput (bytes read + written; baseline: the better memcpy)");
  const MemcpyBaseline memcpy_rate = bench_memcpy(elementwise, std::size_t{64} << 20);
  bench_elementwise(elementwise, memcpy_rate);

  Table reductions("c. reductions (bytes read)");
  bench_reductions(reductions, memcpy_rate);

  Table matmul("d. matmul");
  bench_matmul(matmul);

  const int missed = dispatch.missed() + elementwise.missed() + reductions.missed() + matmul.missed();
  std::printf("\n%d target(s) not met\n", missed);
  return 0;
}
