// bench/pytree_bench.cpp — what flattening a pytree and rebuilding it costs.
//
// jit flattens its arguments on every call and unflattens its results, so this is part of a cached
// call's overhead. Measured the ways jit's call path does it, into reused buffers:
// - arguments given up (`step(std::move(state))`): their leaves are moved out, and the results moved
//   into the rebuilt tree. No reference count changes.
// - arguments kept (lvalues): jit points at the caller's arrays instead of copying their handles,
//   and rebuilds the results as above. Here the results are the leaves of the previous round's
//   rebuilt tree, moved out by hand (in both columns), as a program's outputs would be fresh arrays.
// - and tree::flatten of an lvalue, which copies each handle: an atomic reference-count increment
//   per leaf, and a decrement when the copy dies, as in the hand-written copy it is compared with.
// The baselines are the same steps written out by hand for the one type.
// Targets (issue 3): at most about 30 ns fixed plus 10 ns per leaf.
//
//   cmake --build build/default --target bench_pytree && ./build/default/bench/bench_pytree
#include <cstdio>
#include <string>
#include <utility>
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

// The target is for jit's call path; tree::flatten of an lvalue has none (its copies are reference
// counting, which jit avoids).
void add_row(jx::bench::Table& table, const std::string& name, std::size_t leaves, const char* baseline_name,
             const jx::bench::Comparison& c, bool jit_path) {
  const double ns = c.candidate.median * 1e9;
  Row row{.name = name,
          .value = ns,
          .unit = "ns",
          .baseline_name = baseline_name,
          .baseline = c.baseline.median * 1e9,
          .ratio = c.time_ratio};
  if (jit_path) {
    const double target = 30.0 + 10.0 * static_cast<double>(leaves);
    char target_text[64];
    std::snprintf(target_text, sizeof target_text, "<= %.0f ns", target);
    row.target = target_text;
    row.met = ns <= target;
  }
  table.row(row);
}

// `for_each_leaf(tree, f)` calls f on each of the tree's arrays in order (const or not, as the tree
// is); `rebuild(leaves)` makes a new tree, moving the leaves in.
template <class T, class ForEachLeaf, class Rebuild>
void measure(jx::bench::Table& table, const std::string& name, const T& original, std::size_t leaves,
             ForEachLeaf for_each_leaf, Rebuild rebuild) {
  using Leaves = jx::tree::detail::Flattener::Leaves;
  jx::tree::TreeDef def;
  std::vector<jx::Array> flat, hand, held;
  std::vector<const jx::Array*> pointers, hand_pointers;
  T given = original, hand_given = original;
  auto move_out = [&](T& tree, std::vector<jx::Array>& out) {
    out.clear();
    for_each_leaf(tree, [&](jx::Array& x) { out.push_back(std::move(x)); });
  };

  add_row(table, name + ", jit: given up", leaves, "hand-written move out/in",
          compare(
              [&] {
                def.clear();
                flat.clear();
                jx::tree::flatten_into(std::move(given), def, flat);
                given = jx::tree::unflatten_moving<T>(def, flat);
              },
              [&] {
                move_out(hand_given, hand);
                hand_given = rebuild(hand);
              }),
          true);
  add_row(table, name + ", jit: kept", leaves, "hand-written point+move",
          compare(
              [&] {
                def.clear();
                pointers.clear();
                jx::tree::detail::Flattener flattener(def, held, pointers, Leaves::borrow);
                jx::tree::TreeTraits<T>::flatten(original, flattener);
                flattener.finish();
                do_not_optimize(pointers.data());
                move_out(given, flat);  // the results
                given = jx::tree::unflatten_moving<T>(def, flat);
              },
              [&] {
                hand_pointers.clear();
                for_each_leaf(original, [&](const jx::Array& x) { hand_pointers.push_back(&x); });
                do_not_optimize(hand_pointers.data());
                move_out(hand_given, hand);
                hand_given = rebuild(hand);
              }),
          true);
  add_row(table, name + ", tree::flatten", leaves, "hand-written copy out/in",
          compare(
              [&] {
                def.clear();
                flat.clear();
                jx::tree::flatten_into(original, def, flat);
                do_not_optimize(jx::tree::unflatten_moving<T>(def, flat));
              },
              [&] {
                hand.clear();
                for_each_leaf(original, [&](const jx::Array& x) { hand.push_back(x); });
                do_not_optimize(rebuild(hand));
              }),
          false);
}

}  // namespace

int main() {
  jx::bench::Table table("pytrees: flatten into reused buffers + unflatten");
  const Params params{jnp::array(1.0f), jnp::array(2.0f)};
  measure(
      table, "2-field struct", params, 2,
      [](auto& p, auto&& f) {
        f(p.weight);
        f(p.bias);
      },
      [](std::vector<jx::Array>& out) {
        return Params{std::move(out[0]), std::move(out[1])};
      });

  Model model;
  // Distinct arrays, as a model's parameters are: copies of one array would all update the same
  // reference count, a chain of dependent atomic operations that a real tree does not have.
  for (int i = 0; i < 10; ++i) {
    auto a = [&] { return jnp::array(static_cast<float>(i)); };
    model.push_back(Layer{a(), a(), a(), a(), {a(), a()}, {a(), a(), a(), a()}});
  }
  measure(
      table, "100-leaf tree", model, 100,
      [](auto& m, auto&& f) {
        for (auto& l : m) {
          f(l.w1);
          f(l.b1);
          f(l.w2);
          f(l.b2);
          f(l.norm.first);
          f(l.norm.second);
          for (auto& x : l.extra) f(x);
        }
      },
      [](std::vector<jx::Array>& out) {
        Model rebuilt;
        rebuilt.reserve(out.size() / 10);
        for (std::size_t k = 0; k < out.size(); k += 10) {
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
