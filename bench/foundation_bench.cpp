// bench_foundation — the foundation's performance targets (issue 2), each against a baseline measured
// in the same run, timed in alternating batches (bench/harness.h, `compare`):
//   a. eager dispatch: ns per `a + b` on tiny arrays, against a hand-written loop, and against
//      libtorch's `a + b` on 0-d tensors when Debian's libtorch-dev was found at configure time;
//   b. elementwise throughput on 16M float32, in GB/s of bytes read + written, against memcpy;
//   c. transcendentals (exp, tanh) on 16M float32, the same way;
//   d. reductions: jnp::sum of 16M float32 in GB/s of bytes read, against memcpy and against a
//      hand-written vectorized float32 sum (a pure read stream, naive in its rounding);
//   e. matmul GFLOP/s at 512 and 1024 against calling cblas_sgemm directly on the same data, a
//      transposed operand included (which must not be copied); and an elementwise op just after a
//      matmul against the same op just after another one (the two thread pools sharing the cores).
// The ratio column is jx / baseline: the median of the ratios of the paired batches. The memcpy
// baseline is memcpy of 64 MiB on one thread or split over jx's threads, whichever is faster, counted
// as bytes read + written. Results are checked before they are timed. On a shared machine, run it when
// nothing else is (a build halves every figure).
//
//   cmake --build build/default --target bench_foundation && build/default/bench/bench_foundation [a b c d e]
#include <cblas.h>
#include <jx/jx.h>

#include <algorithm>
#include <chrono>
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

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace jnp = jx::numpy;
using jx::Array;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;
using jx::bench::Table;

namespace {

constexpr double kGB = 1e9;
constexpr std::int64_t kLarge = std::int64_t{1} << 24;  // 16M elements: 64 MiB of float32
constexpr std::int64_t kSide = 4096;                    // kLarge as a square matrix

std::vector<float> random_floats(std::size_t n, float low, float high, unsigned seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> distribution(low, high);
  std::vector<float> values(n);
  for (float& v : values) v = distribution(engine);
  return values;
}

Array from_vector(const std::vector<float>& values, const jx::Shape& shape) { return jnp::array(values, shape); }

const float* data_of(const Array& x) { return jx::concrete(x).data_as<float>(); }

// Checks a result against a reference; a failed check ends the benchmark, since the speed of a wrong
// kernel means nothing.
void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "bench_foundation: wrong result for %s\n", what.c_str());
    std::exit(2);
  }
}

bool close(double got, double want, double rtol) {
  return std::abs(got - want) <= rtol * std::max(1.0, std::abs(want));
}

// Calls body(begin, end) over [0, n) split evenly over jx's threads: how the baselines use the cores.
template <class Body>
void split_over_threads(std::int64_t n, const Body& body) {
  const int threads = jx::cpu::num_threads();
  jx::cpu::parallel_for(threads, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t part = first; part < last; ++part) body(n * part / threads, n * (part + 1) / threads);
  });
}

// --- a. Eager dispatch -----------------------------------------------------------------------------

void bench_dispatch(Table& table) {
  for (const std::int64_t n : {std::int64_t{1}, std::int64_t{1000}}) {
    const auto va = random_floats(static_cast<std::size_t>(n), -1, 1, 1);
    const auto vb = random_floats(static_cast<std::size_t>(n), -1, 1, 2);
    const Array a = from_vector(va, {n}), b = from_vector(vb, {n});
    check(data_of(a + b)[n - 1] == va.back() + vb.back(), "a + b (dispatch)");

    std::vector<float> out(static_cast<std::size_t>(n));
    const float* pa = va.data();
    const float* pb = vb.data();
    float* po = out.data();
    const auto c = compare([&] { do_not_optimize(a + b); },
                           [&] {
                             do_not_optimize(pa);
                             do_not_optimize(pb);
                             for (std::int64_t i = 0; i < n; ++i) po[i] = pa[i] + pb[i];
                             do_not_optimize(po);
                           });
    const double ns = c.candidate.median * 1e9;
    const bool tiny = n == 1;
    table.row({.name = "a + b, float32[" + std::to_string(n) + "]",
               .value = ns,
               .unit = "ns/op",
               .baseline_name = "hand-written loop",
               .baseline = c.baseline.median * 1e9,
               .target = tiny ? "jx < 300 ns" : "",
               .met = tiny ? std::optional<bool>(ns < 300) : std::nullopt,
               .ratio = c.time_ratio});
  }
#if defined(JX_BENCH_TORCH)
  {
    const Array a = jnp::array(0.25f), b = jnp::array(0.5f);
    const torch::Tensor ta = torch::tensor(0.25f), tb = torch::tensor(0.5f);
    check((a + b).item<float>() == 0.75f && (ta + tb).item<float>() == 0.75f, "a + b (0-d)");
    const auto c = compare([&] { do_not_optimize(a + b); }, [&] { do_not_optimize(ta + tb); });
    const double ns = c.candidate.median * 1e9;
    table.row({.name = "a + b, float32 0-d",
               .value = ns,
               .unit = "ns/op",
               .baseline_name = "libtorch a + b, 0-d",
               .baseline = c.baseline.median * 1e9,
               .target = "jx < 300 ns",
               .met = ns < 300,
               .ratio = c.time_ratio});
  }
#else
  std::printf("(libtorch-dev not found at configure time: no libtorch baseline)\n");
#endif
}

// --- b, c. Elementwise throughput --------------------------------------------------------------------

// memcpy of 64 MiB, the baseline for every large elementwise op: on one thread or split over jx's
// threads, whichever this machine runs faster. It copies out of the benchmark's first operand into a
// block from jx's allocator, so that both sides read the same memory and write pages of the same
// kind (jx's large blocks are backed by huge pages).
class MemcpyBaseline {
 public:
  MemcpyBaseline(Table& table, const Array& source)
      : source_(reinterpret_cast<const char*>(data_of(source))),
        destination_(static_cast<char*>(jx::allocator::allocate(kBytes))) {
    check(source.size() * sizeof(float) == kBytes, "memcpy baseline source");
    std::memset(destination_, 0, kBytes);
    const int threads = jx::cpu::num_threads();
    const auto c = compare([&] { copy_all_threads(); }, [&] { copy_one_thread(); });
    const double one = traffic() / c.baseline.median / kGB, all = traffic() / c.candidate.median / kGB;
    all_threads_ = c.time_ratio <= 1;
    table.row({.name = "memcpy 64 MiB, " + std::to_string(threads) + " threads",
               .value = all,
               .unit = "GB/s",
               .baseline_name = "memcpy 64 MiB, 1 thread",
               .baseline = one,
               .target = "",
               .met = std::nullopt,
               .ratio = 1 / c.time_ratio});
  }
  ~MemcpyBaseline() { jx::allocator::deallocate(destination_, kBytes); }
  MemcpyBaseline(const MemcpyBaseline&) = delete;
  MemcpyBaseline& operator=(const MemcpyBaseline&) = delete;

  void run() {
    if (all_threads_)
      copy_all_threads();
    else
      copy_one_thread();
  }
  static double traffic() { return 2.0 * kBytes; }  // bytes read + written
  std::string name() const { return all_threads_ ? "memcpy 64 MiB, all threads" : "memcpy 64 MiB, 1 thread"; }

 private:
  static constexpr std::size_t kBytes = std::size_t{64} << 20;
  void copy_one_thread() {
    std::memcpy(destination_, source_, kBytes);
    do_not_optimize(destination_);
  }
  void copy_all_threads() {
    split_over_threads(static_cast<std::int64_t>(kBytes), [&](std::int64_t begin, std::int64_t end) {
      std::memcpy(destination_ + begin, source_ + begin, static_cast<std::size_t>(end - begin));
    });
    do_not_optimize(destination_);
  }
  const char* source_;
  char* destination_;
  bool all_threads_ = false;
};

// Times f (which returns an Array moving `bytes` of traffic) against memcpy, in pairs.
template <class F>
void bandwidth_row(Table& table, const std::string& name, double bytes, MemcpyBaseline& baseline, bool with_target,
                   F f) {
  const auto c = compare([&] { do_not_optimize(f()); }, [&] { baseline.run(); });
  const double rate = bytes / c.candidate.median / kGB;
  const double ratio = bytes / MemcpyBaseline::traffic() / c.time_ratio;
  table.row({.name = name,
             .value = rate,
             .unit = "GB/s",
             .baseline_name = baseline.name(),
             .baseline = MemcpyBaseline::traffic() / c.baseline.median / kGB,
             .target = with_target ? "ratio >= 0.80" : "",
             .met = with_target ? std::optional<bool>(ratio >= 0.8) : std::nullopt,
             .ratio = ratio});
}

struct LargeOperands {
  std::vector<float> va = random_floats(kLarge, -4, 4, 3), vb = random_floats(kLarge, -4, 4, 4);
  Array a = from_vector(va, {kLarge}), b = from_vector(vb, {kLarge});
};

void bench_elementwise(Table& table, MemcpyBaseline& memcpy_baseline, const LargeOperands& x) {
  const Array& a = x.a;
  const Array& b = x.b;
  const Array square_a = a.reshape({kSide, kSide}), square_b = b.reshape({kSide, kSide});
  const Array row = b[jx::Slice{0, kSide}];
  {
    const Array sum = a + b, twice = a * 2.0f, broadcast = square_a + row, transposed = square_a.transpose() + square_b;
    for (const std::int64_t i : {std::int64_t{0}, kLarge / 3, kLarge - 1}) {
      const auto k = static_cast<std::size_t>(i);
      const auto r = static_cast<std::size_t>(i / kSide), c = static_cast<std::size_t>(i % kSide);
      check(data_of(sum)[i] == x.va[k] + x.vb[k], "a + b");
      check(data_of(twice)[i] == x.va[k] * 2.0f, "a * 2.0f");
      check(data_of(broadcast)[i] == x.va[k] + x.vb[c], "a + row");
      check(data_of(transposed)[i] == x.va[c * kSide + r] + x.vb[k], "a.T + b");
    }
  }
  const double bytes = 4.0 * kLarge;
  bandwidth_row(table, "a + b, 16M float32", 3 * bytes, memcpy_baseline, true, [&] { return a + b; });
  bandwidth_row(table, "a * 2.0f, 16M float32", 2 * bytes, memcpy_baseline, true, [&] { return a * 2.0f; });
  // Strided paths, for information: a broadcast operand (read in place, step 0 along rows) and a
  // transposed one (gathered into cache-sized tiles).
  bandwidth_row(table, "a + row, 4096x4096 + 4096", 2 * bytes, memcpy_baseline, false, [&] { return square_a + row; });
  bandwidth_row(table, "a.T + b, 4096x4096", 3 * bytes, memcpy_baseline, false,
                [&] { return square_a.transpose() + square_b; });
}

void bench_transcendentals(Table& table, MemcpyBaseline& memcpy_baseline, const LargeOperands& x) {
  const Array& a = x.a;
  {
    const Array e = jnp::exp(a), t = jnp::tanh(a);
    for (const std::int64_t i : {std::int64_t{0}, kLarge / 3, kLarge - 1}) {
      const auto k = static_cast<std::size_t>(i);
      check(close(data_of(e)[i], std::exp(double(x.va[k])), 1e-6), "exp(a)");
      check(close(data_of(t)[i], std::tanh(double(x.va[k])), 1e-6), "tanh(a)");
    }
  }
  const double bytes = 2 * 4.0 * kLarge;
  bandwidth_row(table, "exp(a), 16M float32", bytes, memcpy_baseline, true, [&] { return jnp::exp(a); });
  bandwidth_row(table, "tanh(a), 16M float32", bytes, memcpy_baseline, true, [&] { return jnp::tanh(a); });
}

// --- d. Reductions ---------------------------------------------------------------------------------

// A plain vectorized float32 sum split over the threads: the read stream every sum must make, with
// none of jx's care for rounding (64 independent float32 lanes per thread, which the compiler keeps
// in vector registers).
float naive_sum(const float* p, std::int64_t n) {
  const int threads = jx::cpu::num_threads();
  std::vector<float> partial(static_cast<std::size_t>(threads), 0.0f);
  jx::cpu::parallel_for(threads, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t part = first; part < last; ++part) {
      const std::int64_t begin = n * part / threads, end = n * (part + 1) / threads;
      constexpr int kLanes = 64;
      float lanes[kLanes] = {};
      std::int64_t i = begin;
      for (; i + kLanes <= end; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) lanes[j] += p[i + j];
      }
      float total = 0;
      for (const float lane : lanes) total += lane;
      for (; i < end; ++i) total += p[i];
      partial[static_cast<std::size_t>(part)] = total;
    }
  });
  float total = 0;
  for (const float v : partial) total += v;
  return total;
}

void bench_reductions(Table& table, MemcpyBaseline& memcpy_baseline, const LargeOperands& x) {
  const Array& flat = x.a;
  const Array matrix = flat.reshape({kSide, kSide});
  const float* values = data_of(flat);  // the baseline reads the very memory jx does
  {
    double total = 0;
    for (const float v : x.va) total += v;
    check(close(jnp::sum(flat).item<double>(), total, 1e-6), "sum");
    check(close(naive_sum(values, kLarge), total, 1e-3), "hand-written sum");
    double column0 = 0, row0 = 0;
    for (std::int64_t r = 0; r < kSide; ++r) column0 += values[r * kSide];
    for (std::int64_t c = 0; c < kSide; ++c) row0 += values[c];
    check(close(data_of(jnp::sum(matrix, 0))[0], column0, 1e-5), "sum(axis=0)");
    check(close(data_of(jnp::sum(matrix, 1))[0], row0, 1e-5), "sum(axis=1)");
  }
  const double bytes = 4.0 * kLarge;
  bandwidth_row(table, "sum, 16M float32", bytes, memcpy_baseline, true, [&] { return jnp::sum(flat); });
  {
    const auto c =
        compare([&] { do_not_optimize(jnp::sum(flat)); }, [&] { do_not_optimize(naive_sum(values, kLarge)); });
    table.row({.name = "sum, 16M float32",
               .value = bytes / c.candidate.median / kGB,
               .unit = "GB/s",
               .baseline_name = "hand-written float32 sum",
               .baseline = bytes / c.baseline.median / kGB,
               .target = "",
               .met = std::nullopt,
               .ratio = 1 / c.time_ratio});
  }
  bandwidth_row(table, "sum axis 0, 4096x4096 float32", bytes + 4.0 * kSide, memcpy_baseline, false,
                [&] { return jnp::sum(matrix, 0); });
  bandwidth_row(table, "sum axis 1, 4096x4096 float32", bytes + 4.0 * kSide, memcpy_baseline, false,
                [&] { return jnp::sum(matrix, 1); });
}

// --- e. Matmul -------------------------------------------------------------------------------------

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

      const auto t = compare([&] { do_not_optimize(jnp::matmul(lhs, b)); }, direct);
      const double rate = flops / t.candidate.median / 1e9, blas_rate = flops / t.baseline.median / 1e9;
      const double ratio = 1 / t.time_ratio;
      const std::string size = std::to_string(n);
      table.row({.name = "matmul " + size + "x" + size + (transposed ? " a.T @ b" : " a @ b"),
                 .value = rate,
                 .unit = "GFLOP/s",
                 .baseline_name = transposed ? "cblas_sgemm (TransA)" : "cblas_sgemm",
                 .baseline = blas_rate,
                 .target = "ratio >= 0.95",
                 .met = ratio >= 0.95,
                 .ratio = ratio});
    }
  }
}

// An elementwise op on jx's pool right after a matmul on OpenBLAS's threads, against the same op right
// after another elementwise op. OpenBLAS's idle threads keep spinning for a while after a call (here
// ~100 ms of CPU); jx's workers sleep after 100 us. If the two pools fought over the two cores, the
// first figure would be the larger.
void bench_pools(Table& table, const LargeOperands& x) {
  const int n = 1024;
  const Array a = from_vector(random_floats(static_cast<std::size_t>(n) * n, -1, 1, 8), {n, n});
  std::vector<double> after_matmul, after_add;
  using Clock = std::chrono::steady_clock;
  auto time_add = [&] {
    const auto start = Clock::now();
    do_not_optimize(x.a + x.b);
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  for (int round = 0; round < 40; ++round) {
    do_not_optimize(jnp::matmul(a, a));
    after_matmul.push_back(time_add());
    do_not_optimize(x.a + x.b);
    after_add.push_back(time_add());
  }
  std::vector<double> ratios(after_matmul.size());
  for (std::size_t i = 0; i < ratios.size(); ++i) ratios[i] = after_matmul[i] / after_add[i];
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  table.row({.name = "a + b 16M just after matmul 1024",
             .value = median(after_matmul) * 1e3,
             .unit = "ms",
             .baseline_name = "a + b 16M just after a + b",
             .baseline = median(after_add) * 1e3,
             .target = "",
             .met = std::nullopt,
             .ratio = median(ratios)});
}

}  // namespace

// Sections to run: all by default, or those named on the command line (`bench_foundation b d`).
bool wanted(int argc, char** argv, char section) {
  if (argc < 2) return true;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == section) return true;
  }
  return false;
}

int main(int argc, char** argv) {
  std::printf(
      "bench_foundation: %d threads; figures are medians over timed batches; ratio = jx / baseline, the median of\n"
      "paired batches\n",
      jx::cpu::num_threads());
  int missed = 0;
  if (wanted(argc, argv, 'a')) {
    Table dispatch("a. eager dispatch (ns per op, lower is better)");
    bench_dispatch(dispatch);
    missed += dispatch.missed();
  }
  if (wanted(argc, argv, 'b') || wanted(argc, argv, 'c') || wanted(argc, argv, 'd')) {
    const LargeOperands operands;
    Table elementwise("b. elementwise throughput (GB/s of bytes read + written, higher is better)");
    MemcpyBaseline memcpy_baseline(elementwise, operands.a);
    if (wanted(argc, argv, 'b')) bench_elementwise(elementwise, memcpy_baseline, operands);
    missed += elementwise.missed();
    if (wanted(argc, argv, 'c')) {
      Table transcendentals("c. transcendentals (GB/s of bytes read + written)");
      bench_transcendentals(transcendentals, memcpy_baseline, operands);
      missed += transcendentals.missed();
    }
    if (wanted(argc, argv, 'd')) {
      Table reductions("d. reductions (GB/s of bytes read)");
      bench_reductions(reductions, memcpy_baseline, operands);
      missed += reductions.missed();
    }
  }
  if (wanted(argc, argv, 'e')) {
    Table matmul("e. matmul (GFLOP/s)");
    bench_matmul(matmul);
    missed += matmul.missed();
    Table pools("f. jx's pool next to OpenBLAS's threads (ms per op, lower is better)");
    bench_pools(pools, LargeOperands{});
  }
  std::printf("\n%d target(s) not met\n", missed);
  return 0;
}
