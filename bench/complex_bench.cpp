// Complex arithmetic: jx's complex64 operations against the same work written by hand in C++
// (std::complex loops compiled with jx's flags) and against BLAS's cgemm called directly.
//
// Complex numbers run through their own kernels, one operation at a time (the fused tile kernels
// take real types only), so the figures to watch are the eager and jitted ratios to the hand loop:
// what dispatch, allocation and the unfused passes cost.
//
// Run: ./build/default/bench/bench_complex
#include <cblas.h>

#include <complex>
#include <cstdio>
#include <string>
#include <vector>

#include "fma_peak.h"
#include "harness.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/transforms/jit.h"

namespace {

namespace jnp = jx::numpy;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;
using jx::bench::Table;
using c64 = std::complex<float>;

constexpr std::int64_t kElements = std::int64_t{1} << 20;

std::vector<c64> random_values(std::uint32_t seed) {
  const jx::Array parts = jx::random::normal(jx::random::PRNGKey(seed), {kElements, 2});
  const std::vector<float> flat = parts.to_vector<float>();
  std::vector<c64> values(static_cast<std::size_t>(kElements));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = {flat[2 * i], flat[2 * i + 1]};
  return values;
}

void row(Table& table, const std::string& name, double bytes, const jx::bench::Comparison& c, const char* baseline) {
  table.row({.name = name,
             .value = bytes / c.candidate.median / 1e9,
             .unit = "GB/s",
             .baseline_name = baseline,
             .baseline = bytes / c.baseline.median / 1e9,
             .ratio = 1 / c.time_ratio});
}

void elementwise(Table& table) {
  const std::vector<c64> a_values = random_values(1), b_values = random_values(2), c_values = random_values(3);
  const jx::Array a = jnp::array(a_values, jx::complex64), b = jnp::array(b_values, jx::complex64),
                  c = jnp::array(c_values, jx::complex64);
  std::vector<c64> out(a_values.size());
  const double item = sizeof(c64);
  const double n = static_cast<double>(kElements);

  row(table, "a * b, eager", 3 * n * item,
      compare([&] { do_not_optimize(jnp::multiply(a, b)); },
              [&] {
                for (std::size_t i = 0; i < out.size(); ++i) out[i] = a_values[i] * b_values[i];
                do_not_optimize(out.data());
              }),
      "hand loop");
  row(table, "exp(a), eager", 2 * n * item,
      compare([&] { do_not_optimize(jnp::exp(a)); },
              [&] {
                for (std::size_t i = 0; i < out.size(); ++i) out[i] = std::exp(a_values[i]);
                do_not_optimize(out.data());
              }),
      "hand loop");
  const auto multiply_add =
      jx::jit([](const jx::Array& x, const jx::Array& y, const jx::Array& z) { return x * y + z; });
  row(table, "a * b + c, jit", 4 * n * item,
      compare([&] { do_not_optimize(multiply_add(a, b, c)); },
              [&] {
                for (std::size_t i = 0; i < out.size(); ++i) out[i] = a_values[i] * b_values[i] + c_values[i];
                do_not_optimize(out.data());
              }),
      "hand loop");
  row(table, "sum(a), eager", n * item,
      compare([&] { do_not_optimize(jnp::sum(a)); },
              [&] {
                std::complex<double> total = 0;
                for (const c64& v : a_values) total += std::complex<double>(v);
                do_not_optimize(total);
              }),
      "hand loop (double)");
}

void matmul(Table& table) {
  for (const std::int64_t size : {64, 256, 512}) {
    const jx::Array parts = jx::random::normal(jx::random::PRNGKey(4), {2, size, size, 2});
    const jx::Array a = jx::lax::complex(parts[0](jx::Slice{}, jx::Slice{}, 0), parts[0](jx::Slice{}, jx::Slice{}, 1));
    const jx::Array b = jx::lax::complex(parts[1](jx::Slice{}, jx::Slice{}, 0), parts[1](jx::Slice{}, jx::Slice{}, 1));
    const std::vector<c64> a_values = a.to_vector<c64>(), b_values = b.to_vector<c64>();
    std::vector<c64> out(static_cast<std::size_t>(size * size));
    const c64 one(1), zero(0);
    const auto c = compare([&] { do_not_optimize(jnp::matmul(a, b)); },
                           [&] {
                             const int s = static_cast<int>(size);
                             cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s, s, s, &one, a_values.data(), s,
                                         b_values.data(), s, &zero, out.data(), s);
                             do_not_optimize(out.data());
                           });
    const double flops = 8.0 * static_cast<double>(size * size * size);  // a complex multiply-add is 8
    table.row({.name = "matmul " + std::to_string(size) + "^3",
               .value = flops / c.candidate.median / 1e9,
               .unit = "GFLOP/s",
               .baseline_name = "cblas_cgemm",
               .baseline = flops / c.baseline.median / 1e9,
               .ratio = 1 / c.time_ratio});
  }
}

}  // namespace

int main() {
  std::printf("CPU: %s\n", jx::bench::cpu_name().c_str());
  Table elementwise_table("complex64, 2^20 elements (GB/s read + written; ratio = jx / baseline, higher is better)");
  elementwise(elementwise_table);
  Table matmul_table("complex64 matmul, jx's threads and OpenBLAS's (GFLOP/s)");
  matmul(matmul_table);
  return 0;
}
