// bench/pytree_bench.cpp — what flattening a pytree and rebuilding it costs.
//
// jit flattens its arguments on every call and unflattens its results, so this is part of a cached
// call's overhead. Measured the way the jit call path does it: flattening into reused buffers (a
// copy of each Array handle), then unflattening by moving the leaves out. The baseline is the
// hand-written equivalent: copying the struct's arrays into a vector and moving them back out. Each
// Array copy is an atomic reference-count increment (and its destruction a decrement), ~5 ns each on
// this machine, which both sides pay alike.
// Targets (issue 3): at most about 30 ns fixed plus 10 ns per leaf.
//
//   cmake --build build/default --target bench_pytree && ./build/default/bench/bench_pytree
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "harness.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;

struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);

// 100 leaves: 10 layers of 10 arrays, in nested containers.
struct Layer {
  jx::Array w1, b1, w2, b2;
  std::pair<jx::Array, jx::Array> norm;
  std::vector<jx::Array> extra;  // 4 arrays
};
JX_PYTREE(Layer, w1, b1, w2, b2, norm, extra);
using Model = std::vector<Layer>;

template <class T, class Rebuild>
void measure(jx::bench::Table& table, const std::string& name, const T& tree, std::size_t leaves, Rebuild rebuild) {
  jx::tree::TreeDef def;
  std::vector<jx::Array> flat;
  std::vector<jx::Array> hand;
  const auto c = compare(
      [&] {
        def.clear();
        flat.clear();
        jx::tree::flatten_into(tree, def, flat);
        do_not_optimize(jx::tree::unflatten_moving<T>(def, flat));
      },
      [&] {
        hand.clear();
        do_not_optimize(rebuild(tree, hand));
      });
  const double ns = c.candidate.median * 1e9;
  const double target = 30.0 + 10.0 * static_cast<double>(leaves);
  char target_text[64];
  std::snprintf(target_text, sizeof target_text, "<= %.0f ns", target);
  table.row(Row{.name = name,
                .value = ns,
                .unit = "ns",
                .baseline_name = "hand-written copy out/in",
                .baseline = c.baseline.median * 1e9,
                .target = target_text,
                .met = ns <= target,
                .ratio = c.time_ratio});
}

}  // namespace

int main() {
  jx::bench::Table table("pytrees: flatten into reused buffers + unflatten");
  const Params params{jnp::array(1.0f), jnp::array(2.0f)};
  measure(table, "2-field struct (2 leaves)", params, 2, [](const Params& p, std::vector<jx::Array>& out) {
    out.push_back(p.weight);
    out.push_back(p.bias);
    return Params{std::move(out[0]), std::move(out[1])};
  });

  Model model;
  // Distinct arrays, as a model's parameters are: copies of one array would all update the same
  // reference count, a chain of dependent atomic operations that a real tree does not have.
  for (int i = 0; i < 10; ++i) {
    auto a = [&] { return jnp::array(static_cast<float>(i)); };
    model.push_back(Layer{a(), a(), a(), a(), {a(), a()}, {a(), a(), a(), a()}});
  }
  measure(table, "nested tree (100 leaves)", model, 100, [](const Model& m, std::vector<jx::Array>& out) {
    for (const Layer& l : m) {
      out.insert(out.end(), {l.w1, l.b1, l.w2, l.b2, l.norm.first, l.norm.second});
      out.insert(out.end(), l.extra.begin(), l.extra.end());
    }
    Model rebuilt;
    rebuilt.reserve(m.size());
    std::size_t k = 0;
    for (std::size_t i = 0; i < m.size(); ++i, k += 10) {
      Layer& l = rebuilt.emplace_back();
      l.w1 = std::move(out[k]);
      l.b1 = std::move(out[k + 1]);
      l.w2 = std::move(out[k + 2]);
      l.b2 = std::move(out[k + 3]);
      l.norm = {std::move(out[k + 4]), std::move(out[k + 5])};
      l.extra.reserve(4);
      for (std::size_t j = 6; j < 10; ++j) l.extra.push_back(std::move(out[k + j]));
    }
    return rebuilt;
  });
  return 0;
}
