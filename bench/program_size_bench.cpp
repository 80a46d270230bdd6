// Programs at scale (issue 21): first calls of jitted functions over many leaves and many equations,
// which must grow linearly (each row's baseline is the smallest size's time scaled up linearly), and
// the jit cache's memory: 5,000 retraces with distinct shapes, arrays the cache must not hold, and what
// clear_caches gives back. Memory figures are the process's resident set (/proc/self/statm).
//
//   cmake --build build/default --target bench_program_size && ./build/default/bench/bench_program_size
#include <chrono>
#include <cstdio>
#include <fstream>
#include <vector>

#include "harness.h"
#include "jx/jx.h"

namespace jnp = jx::numpy;
using jx::bench::Row;
using jx::bench::Table;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long total = 0, resident = 0;
  statm >> total >> resident;
  return static_cast<double>(resident) * 4096.0 / (1 << 20);
}

// The first call (trace, optimize, plan, run) of a jitted function over `n` leaves.
double first_call_over_leaves(int n, bool with_grad) {
  std::vector<jx::Array> leaves;
  for (int i = 0; i < n; ++i) leaves.push_back(jnp::full({2}, static_cast<float>(i)));
  const auto double_all = [](const std::vector<jx::Array>& xs) {
    std::vector<jx::Array> out;
    out.reserve(xs.size());
    for (const jx::Array& x : xs) out.push_back(x * 2.0f);
    return out;
  };
  const auto loss = [](const std::vector<jx::Array>& xs) {
    jx::Array total = jnp::array(0.0f);
    for (const jx::Array& x : xs) total = total + jnp::sum(x * x);
    return total;
  };
  const auto start = std::chrono::steady_clock::now();
  if (with_grad) {
    const auto f = jx::jit(jx::grad(loss));
    jx::bench::do_not_optimize(f(leaves));
  } else {
    const auto f = jx::jit(double_all);
    jx::bench::do_not_optimize(f(leaves));
  }
  return seconds_since(start);
}

// The first call of a jitted chain of 2n elementwise equations.
double first_call_over_equations(int n) {
  const auto f = jx::jit([n](const jx::Array& x) {
    jx::Array y = x;
    for (int i = 0; i < n; ++i) y = jnp::sin(y) + 1.0f;
    return y;
  });
  const auto start = std::chrono::steady_clock::now();
  jx::bench::do_not_optimize(f(jnp::ones({4})));
  return seconds_since(start);
}

void scaling_rows(Table& table, const char* what, const std::vector<int>& sizes, double target_seconds_at_10k,
                  double target_seconds_at_100k, double (*time_of)(int)) {
  const double smallest = time_of(sizes.front());
  for (int n : sizes) {
    const double t = n == sizes.front() ? smallest : time_of(n);
    const double linear = smallest * static_cast<double>(n) / static_cast<double>(sizes.front());
    Row row{.name = std::string("first call, ") + std::to_string(n) + " " + what,
            .value = t,
            .unit = "s",
            .baseline_name = "linear from the smallest",
            .baseline = linear};
    if (n == 10000 && target_seconds_at_10k > 0) {
      row.target = "< " + std::to_string(target_seconds_at_10k).substr(0, 3) + " s";
      row.met = t < target_seconds_at_10k;
    }
    if (n == 100000 && target_seconds_at_100k > 0) {
      row.target = "< " + std::to_string(target_seconds_at_100k).substr(0, 4) + " s";
      row.met = t < target_seconds_at_100k;
    }
    table.row(row);
  }
}

}  // namespace

int main() {
  std::printf("jx %s; figures on this machine, baselines measured in the same run\n", "program size");
  Table scaling("First calls of large programs (trace + optimize + plan + run)");
  scaling_rows(scaling, "leaves", {1000, 10000, 100000}, 1.0, 10.0,
               [](int n) { return first_call_over_leaves(n, false); });
  scaling_rows(scaling, "leaves, jit(grad)", {1000, 10000}, 0, 0,
               [](int n) { return first_call_over_leaves(n, true); });
  scaling_rows(scaling, "x 2 equations", {1000, 10000, 100000}, 0, 0, first_call_over_equations);

  Table memory("The jit cache's memory (resident set)");
  const auto f = jx::jit([](const jx::Array& x) { return x * 2.0f + 1.0f; });
  jx::bench::do_not_optimize(f(jnp::ones({1})));
  jx::clear_caches();
  const double before = resident_mib();
  for (int i = 1; i <= 5000; ++i) jx::bench::do_not_optimize(f(jnp::ones({i})));
  const double grown = resident_mib() - before;
  memory.row({.name = "5000 retraces, distinct shapes",
              .value = grown,
              .unit = "MiB",
              .baseline_name = "target",
              .baseline = 10,
              .target = "< 10 MiB",
              .met = grown < 10});
  memory.row({.name = "  signatures kept (LRU bound)",
              .value = static_cast<double>(f.cache_size()),
              .unit = "entries",
              .baseline_name = "config::jit_cache_size",
              .baseline = static_cast<double>(jx::config::jit_cache_size())});
  // 40 signatures over 4 MB arrays: the cache must not keep buffers the size of the data.
  const auto g = jx::jit([](const jx::Array& x) { return jnp::sin(x) * 2.0f + jnp::exp(jnp::cos(x)) / (x + 3.0f); });
  const double before_big = resident_mib();
  for (int i = 0; i < 40; ++i) jx::bench::do_not_optimize(g(jnp::ones({(1 << 20) + i})));
  // What the allocator keeps cached for reuse is not the jit cache's: count without it.
  const std::size_t cache_bytes = jx::config::allocator_cache_bytes();
  jx::config::allocator_cache_bytes(0);
  const double held = resident_mib() - before_big;
  jx::config::allocator_cache_bytes(cache_bytes);
  memory.row({.name = "40 signatures of 4 MB arrays",
              .value = held,
              .unit = "MiB",
              .baseline_name = "one array's size",
              .baseline = 4.0,
              .target = "< 4 MiB",
              .met = held < 4});
  const double before_clear = resident_mib();
  jx::clear_caches();
  memory.row({.name = "clear_caches() gives back",
              .value = before_clear - resident_mib(),
              .unit = "MiB",
              .baseline_name = "grown by the retraces",
              .baseline = grown});
  return 0;
}
