// bench/jit_bench.cpp — what a cached jitted call costs, and what tracing and planning cost.
//
//   - a jitted function of one scalar add, per call, against a plain C++ function doing the same
//     (the target: under 1 µs of overhead beyond the kernel);
//   - the seed's loss (128 points) and its update step, jitted, against the hand-written loops
//     (targets: loss under 1 µs, update step under 1.5 µs per call);
//   - the first call of a fresh jit of the update step — tracing, the optimizing passes and the
//     plan — against one eager (untraced) update step (target: under 5 ms);
//   - the jitted update step while jx::profiler records a trace (a call event and one per plan step),
//     against the same step untraced.
//
//   cmake --build build/default --target bench_jit && ./build/default/bench/bench_jit
#include <cstdio>
#include <filesystem>

#include "harness.h"
#include "jx/profiler.h"
#include "seed.h"

namespace {

using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::measure;
using jx::bench::Row;

[[gnu::noinline]] float plain_add(float a, float b) { return a + b; }

}  // namespace

int main() {
  namespace jnp = jx::numpy;
  jx::bench::Table table("jit: cached calls and compilation (one thread of the calling code)");

  {
    auto add = jx::jit([](const jx::Array& a, const jx::Array& b) { return a + b; });
    const jx::Array a = jnp::array(1.0f), b = jnp::array(2.0f);
    float x = 1.0f, y = 2.0f;
    const auto c = compare([&] { do_not_optimize(add(a, b)); },
                           [&] {
                             do_not_optimize(x);
                             do_not_optimize(plain_add(x, y));
                           });
    const double ns = c.candidate.median * 1e9;
    table.row(Row{.name = "jitted scalar add, per call",
                  .value = ns,
                  .unit = "ns",
                  .baseline_name = "C++ function a + b",
                  .baseline = c.baseline.median * 1e9,
                  .target = "< 1000 ns",
                  .met = ns < 1000,
                  .ratio = c.time_ratio});
  }

  const seed::Data data = seed::data();
  const seed::Params params{jnp::array(0.5f), jnp::array(0.1f)};
  const seed::HandParams hand{0.5f, 0.1f};
  {
    auto loss = jx::jit(seed::loss);
    const auto c = compare([&] { do_not_optimize(loss(params, data.x, data.y)); },
                           [&] { do_not_optimize(seed::hand_loss(hand, data.xs, data.ys)); });
    const double us = c.candidate.median * 1e6;
    table.row(Row{.name = "seed loss (128 points), jitted",
                  .value = us,
                  .unit = "us",
                  .baseline_name = "hand-written loop",
                  .baseline = c.baseline.median * 1e6,
                  .target = "< 1 us",
                  .met = us < 1,
                  .ratio = c.time_ratio});
  }
  {
    auto update = jx::jit(seed::update);
    seed::Params p = params;
    seed::HandParams h = hand;
    const auto c = compare([&] { p = update(std::move(p), data.x, data.y); },
                           [&] {
                             h = seed::hand_update(h, data.xs, data.ys);
                             do_not_optimize(h);
                           });
    const double us = c.candidate.median * 1e6;
    table.row(Row{.name = "seed update step, jitted (donated)",
                  .value = us,
                  .unit = "us",
                  .baseline_name = "hand-written loop",
                  .baseline = c.baseline.median * 1e6,
                  .target = "< 1.5 us",
                  .met = us < 1.5,
                  .ratio = c.time_ratio});
  }
  {
    // Each first call of a new jit traces, optimizes and plans.
    const auto compile = measure(
        [&] {
          auto update = jx::jit(seed::update);
          do_not_optimize(update(params, data.x, data.y));
        },
        {.min_time = 0.5, .sample_time = 0.01});
    const auto eager = measure([&] { do_not_optimize(seed::update(params, data.x, data.y)); });
    const double ms = compile.median * 1e3;
    table.row(Row{.name = "trace + optimize + plan + 1st call",
                  .value = ms,
                  .unit = "ms",
                  .baseline_name = "one eager update step",
                  .baseline = eager.median * 1e3,
                  .target = "< 5 ms",
                  .met = ms < 5});
  }
  {
    auto update = jx::jit(seed::update);
    seed::Params p = params;
    const jx::bench::MeasureOptions options{.min_time = 0.3};  // a traced second holds ~10^6 events
    const auto step = [&] { p = update(std::move(p), data.x, data.y); };
    const double untraced = measure(step, options).median;
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / "jx_bench_jit_trace";
    jx::profiler::start_trace(dir);
    const double traced = measure(step, options).median;
    std::filesystem::remove(jx::profiler::stop_trace());
    table.row(Row{.name = "seed update step, jitted, while tracing",
                  .value = traced * 1e6,
                  .unit = "us",
                  .baseline_name = "the same, untraced",
                  .baseline = untraced * 1e6});
  }
  return 0;
}
