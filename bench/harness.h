// bench/harness.h — a small timing harness for jx's benchmarks.
//
// `measure` runs a body in batches: it first grows the batch until one batch lasts at least
// `sample_time`, then times batches until `min_time` has passed (and at least `min_samples` were
// taken), and reports the best and the median time per iteration. `do_not_optimize` keeps the
// compiler from deleting work whose result is otherwise unused. `Table` prints each figure next to
// the baseline measured in the same run and their ratio, so every line reads on its own:
//
//   auto t = jx::bench::measure([&] { jx::bench::do_not_optimize(a + b); });
//   table.row({.name = "a + b", .value = t.median * 1e9, .unit = "ns/op", ...});
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace jx::bench {

// Makes `value` (and, through the memory clobber, whatever it points to) look used.
template <class T>
inline void do_not_optimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}
// Makes all memory look read and written: stores before it cannot be dropped.
inline void clobber_memory() { asm volatile("" : : : "memory"); }

struct MeasureOptions {
  double min_time = 0.3;      // seconds of timed batches, in all
  double sample_time = 0.02;  // seconds one batch should last at least
  int min_samples = 7;
  int max_samples = 1000;
};

struct Timing {
  double best = 0;    // seconds per iteration, fastest batch
  double median = 0;  // seconds per iteration, median batch
  std::int64_t iterations = 0;
};

template <class Body>
Timing measure(Body&& body, const MeasureOptions& options = {}) {
  using Clock = std::chrono::steady_clock;
  auto run_batch = [&](std::int64_t batch) {
    const auto start = Clock::now();
    for (std::int64_t i = 0; i < batch; ++i) body();
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  // Calibrate (this also warms caches, the allocator and the thread pool up).
  std::int64_t batch = 1;
  for (double elapsed = run_batch(batch); elapsed < options.sample_time; elapsed = run_batch(batch)) {
    const double wanted = elapsed > 0 ? options.sample_time * 1.2 / elapsed * static_cast<double>(batch) : 0;
    batch = std::clamp(static_cast<std::int64_t>(wanted), 2 * batch, 100 * batch);
  }
  std::vector<double> samples;
  double total = 0;
  while ((total < options.min_time || static_cast<int>(samples.size()) < options.min_samples) &&
         static_cast<int>(samples.size()) < options.max_samples) {
    const double elapsed = run_batch(batch);
    samples.push_back(elapsed / static_cast<double>(batch));
    total += elapsed;
  }
  std::sort(samples.begin(), samples.end());
  return {samples.front(), samples[samples.size() / 2], batch * static_cast<std::int64_t>(samples.size())};
}

// One line of results: jx's figure, the baseline's, and their ratio (jx / baseline).
struct Row {
  std::string name;
  double value = 0;
  std::string unit;
  std::string baseline_name;
  double baseline = 0;
  std::string target;         // e.g. ">= 0.80"; empty when there is none
  std::optional<bool> met{};  // whether the target holds; empty when there is none
};

class Table {
 public:
  explicit Table(std::string title) {
    std::printf("\n== %s\n", title.c_str());
    std::printf("%-34s %12s %-9s | %-24s %12s | %9s | %-22s\n", "benchmark", "jx", "unit", "baseline", "figure",
                "ratio", "target");
  }
  void row(const Row& r) {
    const double ratio = r.baseline != 0 ? r.value / r.baseline : 0;
    std::string status;
    if (r.met) status = *r.met ? "  MET" : "  NOT MET";
    std::printf("%-34s %12.*f %-9s | %-24s %12.*f | %8.2fx | %-22s\n", r.name.c_str(), precision(r.value), r.value,
                r.unit.c_str(), r.baseline_name.c_str(), precision(r.baseline), r.baseline, ratio,
                (r.target + status).c_str());
    std::fflush(stdout);
    if (r.met && !*r.met) ++missed_;
  }
  int missed() const { return missed_; }

 private:
  static int precision(double v) { return v >= 100 ? 1 : (v >= 10 ? 2 : 3); }
  int missed_ = 0;
};

}  // namespace jx::bench
