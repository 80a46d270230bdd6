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
//
// `compare` times a candidate and its baseline in alternating batches and reports the median of the
// per-round ratios. On a shared machine (a VM whose neighbours, and other people's builds, come and
// go) throughput drifts by tens of percent within seconds; timed back to back, both sides see the
// same conditions, so the ratio holds still while the absolute figures move.
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
  double min_time = 0.3;      // seconds of timed batches, in all (per side, for compare)
  double sample_time = 0.02;  // seconds one batch should last at least
  int min_samples = 7;
  int max_samples = 1000;
};

struct Timing {
  double best = 0;    // seconds per iteration, fastest batch
  double median = 0;  // seconds per iteration, median batch
  std::int64_t iterations = 0;
};

namespace detail {

template <class Body>
double run_batch(Body& body, std::int64_t batch) {
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < batch; ++i) body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The batch size at which one batch lasts at least sample_time (this also warms caches, the
// allocator and the thread pool up).
template <class Body>
std::int64_t calibrate(Body& body, const MeasureOptions& options) {
  std::int64_t batch = 1;
  for (double elapsed = run_batch(body, batch); elapsed < options.sample_time; elapsed = run_batch(body, batch)) {
    const double wanted = elapsed > 0 ? options.sample_time * 1.2 / elapsed * static_cast<double>(batch) : 0;
    batch = std::clamp(static_cast<std::int64_t>(wanted), 2 * batch, 100 * batch);
  }
  return batch;
}

inline Timing summarize(std::vector<double> per_iteration, std::int64_t batch) {
  std::sort(per_iteration.begin(), per_iteration.end());
  return {per_iteration.front(), per_iteration[per_iteration.size() / 2],
          batch * static_cast<std::int64_t>(per_iteration.size())};
}

}  // namespace detail

template <class Body>
Timing measure(Body&& body, const MeasureOptions& options = {}) {
  const std::int64_t batch = detail::calibrate(body, options);
  std::vector<double> samples;
  double total = 0;
  while ((total < options.min_time || static_cast<int>(samples.size()) < options.min_samples) &&
         static_cast<int>(samples.size()) < options.max_samples) {
    const double elapsed = detail::run_batch(body, batch);
    samples.push_back(elapsed / static_cast<double>(batch));
    total += elapsed;
  }
  return detail::summarize(std::move(samples), batch);
}

struct Comparison {
  Timing candidate, baseline;
  double time_ratio = 0;  // median over rounds of (candidate time / baseline time)
};

template <class Candidate, class Baseline>
Comparison compare(Candidate&& candidate, Baseline&& baseline, const MeasureOptions& options = {}) {
  const std::int64_t candidate_batch = detail::calibrate(candidate, options);
  const std::int64_t baseline_batch = detail::calibrate(baseline, options);
  std::vector<double> candidate_times, baseline_times, ratios;
  double total = 0;
  for (int round = 0; (total < 2 * options.min_time || round < options.min_samples) && round < options.max_samples;
       ++round) {
    // Alternate which side goes first, so that neither always runs right after the other.
    double c = 0, b = 0;
    if (round % 2 == 0) {
      b = detail::run_batch(baseline, baseline_batch);
      c = detail::run_batch(candidate, candidate_batch);
    } else {
      c = detail::run_batch(candidate, candidate_batch);
      b = detail::run_batch(baseline, baseline_batch);
    }
    total += b + c;
    candidate_times.push_back(c / static_cast<double>(candidate_batch));
    baseline_times.push_back(b / static_cast<double>(baseline_batch));
    ratios.push_back(candidate_times.back() / baseline_times.back());
  }
  std::sort(ratios.begin(), ratios.end());
  return {detail::summarize(std::move(candidate_times), candidate_batch),
          detail::summarize(std::move(baseline_times), baseline_batch), ratios[ratios.size() / 2]};
}

// One line of results: jx's figure, the baseline's, and their ratio (jx / baseline).
// Every field has a default, so a row without a baseline or a target names only what it has
// (-Wmissing-field-initializers stays quiet about members with default initializers).
struct Row {
  std::string name{};
  double value = 0;
  std::string unit{};
  std::string baseline_name{};
  double baseline = 0;
  std::string target{};       // e.g. ">= 0.80"; empty when there is none
  std::optional<bool> met{};  // whether the target holds; empty when there is none
  // jx / baseline as measured in pairs (Comparison); when empty, value / baseline.
  std::optional<double> ratio{};
};

class Table {
 public:
  explicit Table(std::string title) {
    std::printf("\n== %s\n", title.c_str());
    std::printf("%-36s %10s %-8s | %-26s %10s | %8s | %-22s\n", "benchmark", "jx", "unit", "baseline", "figure",
                "ratio", "target");
  }
  void row(const Row& r) {
    const double ratio = r.ratio ? *r.ratio : (r.baseline != 0 ? r.value / r.baseline : 0);
    std::string status;
    if (r.met) status = *r.met ? "  MET" : "  NOT MET";
    std::printf("%-36s %10.*f %-8s | %-26s %10.*f | %7.2fx | %-22s\n", r.name.c_str(), precision(r.value), r.value,
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
