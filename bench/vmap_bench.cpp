// bench/vmap_bench.cpp — batching and loops as transformations, against doing the same by hand.
//
//   - per-example gradients of the seed's loss over its 128 examples: jit(vmap(grad(loss))) against
//     128 separate jitted grad calls (target: at least 20x faster) and against the hand-written
//     per-example gradient loop;
//   - 1000 seed update steps as one jitted fori_loop, against 1000 jitted calls and against the
//     hand-written loop (target: within 5x of the hand-written loop: the executor's per-iteration
//     overhead is what this measures).
//
//   cmake --build build/default --target bench_vmap && ./build/default/bench/bench_vmap
#include <cstdio>
#include <vector>

#include "harness.h"
#include "seed.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;

constexpr int kSteps = 1000;

}  // namespace

int main() {
  jx::bench::Table table("vmap and loops");
  const seed::Data data = seed::data();
  const seed::Params params{jnp::array(0.5f), jnp::array(0.1f)};

  {
    auto per_example = jx::jit([](const seed::Params& p, const jx::Array& x, const jx::Array& y) {
      return jx::vmap(jx::grad(seed::loss), {.in_axes = {std::nullopt, 0, 0}})(p, x, y);
    });
    auto one_example = jx::jit(jx::grad(seed::loss));
    std::vector<jx::Array> xs, ys;
    for (std::int64_t i = 0; i < seed::kPoints; ++i) {
      xs.push_back(data.x[i]);
      ys.push_back(data.y[i]);
    }
    const auto versus_calls = compare([&] { do_not_optimize(per_example(params, data.x, data.y)); },
                                      [&] {
                                        for (std::size_t i = 0; i < xs.size(); ++i)
                                          do_not_optimize(one_example(params, xs[i], ys[i]));
                                      });
    table.row(Row{.name = "per-example grads, 128 examples",
                  .value = versus_calls.candidate.median * 1e6,
                  .unit = "us",
                  .baseline_name = "128 jitted grad calls",
                  .baseline = versus_calls.baseline.median * 1e6,
                  .target = "<= 0.05 (20x faster)",
                  .met = versus_calls.time_ratio <= 0.05,
                  .ratio = versus_calls.time_ratio});
    std::vector<float> grad_weight(seed::kPoints), grad_bias(seed::kPoints);
    const auto versus_hand = compare([&] { do_not_optimize(per_example(params, data.x, data.y)); },
                                     [&] {
                                       for (std::size_t i = 0; i < data.xs.size(); ++i) {
                                         const float r = 0.5f * data.xs[i] + 0.1f - data.ys[i];
                                         grad_weight[i] = 2 * r * data.xs[i];
                                         grad_bias[i] = 2 * r;
                                       }
                                       do_not_optimize(grad_weight.data());
                                       do_not_optimize(grad_bias.data());
                                     });
    table.row(Row{.name = "per-example grads, 128 examples",
                  .value = versus_hand.candidate.median * 1e6,
                  .unit = "us",
                  .baseline_name = "hand-written loop",
                  .baseline = versus_hand.baseline.median * 1e6,
                  .target = "",
                  .met = std::nullopt,
                  .ratio = versus_hand.time_ratio});
  }

  {
    auto train = jx::jit([](const seed::Params& start, const jx::Array& x, const jx::Array& y) {
      return lax::fori_loop(
          0, kSteps, [&](const jx::Array&, const seed::Params& p) { return seed::update(p, x, y); }, start);
    });
    auto update = jx::jit(seed::update);
    const auto versus_calls = compare([&] { do_not_optimize(train(params, data.x, data.y)); },
                                      [&] {
                                        seed::Params p = params;
                                        for (int i = 0; i < kSteps; ++i) p = update(std::move(p), data.x, data.y);
                                        do_not_optimize(p);
                                      });
    table.row(Row{.name = "1000 seed steps in one fori_loop",
                  .value = versus_calls.candidate.median * 1e6,
                  .unit = "us",
                  .baseline_name = "1000 jitted calls",
                  .baseline = versus_calls.baseline.median * 1e6,
                  .target = "",
                  .met = std::nullopt,
                  .ratio = versus_calls.time_ratio});
    const auto versus_hand = compare([&] { do_not_optimize(train(params, data.x, data.y)); },
                                     [&] {
                                       seed::HandParams h{0.5f, 0.1f};
                                       for (int i = 0; i < kSteps; ++i) h = seed::hand_update(h, data.xs, data.ys);
                                       do_not_optimize(h);
                                     });
    table.row(Row{.name = "1000 seed steps in one fori_loop",
                  .value = versus_hand.candidate.median * 1e6,
                  .unit = "us",
                  .baseline_name = "hand-written loop",
                  .baseline = versus_hand.baseline.median * 1e6,
                  .target = "<= 5x",
                  .met = versus_hand.time_ratio <= 5,
                  .ratio = versus_hand.time_ratio});
  }
  return 0;
}
