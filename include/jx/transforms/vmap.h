// jx/transforms/vmap.h — jx::vmap: map a function over an axis of its arguments, all at once.
//
// f is written for one example; vmap(f) runs it on a batch. Every primitive has a batching rule, so
// nothing is looped: the batch axis flows through the program. vmap composes with jit and grad in any
// order — vmap(grad(f)) gives per-example gradients.
//
//   auto per_example = jx::vmap(jx::grad(loss), {.in_axes = {std::nullopt, 0, 0}});
//   Params g = per_example(params, xs, ys);        // every leaf gets a leading batch axis
//   auto rows = jx::vmap([](const jx::Array& row) { return jnp::sum(row); });   // axis 0 of every argument
//   auto cols = jx::vmap(f, {.in_axes = {1}, .out_axes = 1});
//
// in_axes has one entry per top-level argument (an axis, negative counting from the end, or
// std::nullopt for an argument shared by all examples); a pytree argument shares its axis.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <source_location>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/tree.h"

namespace jx {

struct VmapOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::vector<std::optional<int>> in_axes = {};          // empty: axis 0 for every argument
  std::optional<int> out_axes = 0;                       // where the batch axis goes in every output
  std::optional<std::int64_t> axis_size = std::nullopt;  // needed only when no argument is mapped
};

namespace detail {
using FlatFunction = std::function<ArrayList(std::span<const Array>)>;
// Runs f on a batch: `axes[i]` is leaf i's batch axis (std::nullopt: unmapped). Returns the outputs with
// their batch axes moved to `out_axis` (unmapped outputs broadcast along it), or, when out_axis is
// absent, requires every output to be unmapped.
ArrayList vmap_flat(const FlatFunction& f, std::span<const Array> leaves, std::span<const std::optional<int>> axes,
                    std::span<const int> argument_of_leaf, std::optional<std::int64_t> axis_size,
                    std::optional<int> out_axis, const std::string& description);
}  // namespace detail

template <class F>
class Vmapped {
 public:
  Vmapped(F f, VmapOptions options, std::source_location where)
      : f_(std::move(f)), options_(std::move(options)), where_(where) {}

  template <class... Args>
  auto operator()(const Args&... args) const {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    CallSite site(where_);
    if (!options_.in_axes.empty() && options_.in_axes.size() != sizeof...(Args)) {
      throw ValueError("vmap", "in_axes must have one entry per argument of the function (" +
                                   std::to_string(sizeof...(Args)) + "), got " +
                                   std::to_string(options_.in_axes.size()));
    }
    std::vector<Array> leaves;
    std::vector<std::optional<int>> axes;
    std::vector<int> argument_of_leaf;
    std::array<tree::TreeDef, sizeof...(Args)> structures;
    std::array<std::size_t, sizeof...(Args) + 1> offsets{};
    std::size_t k = 0;
    (
        [&] {
          auto [values, structure] = tree::flatten(args);
          const std::optional<int> axis = options_.in_axes.empty() ? std::optional<int>(0) : options_.in_axes[k];
          for (const Array& v : values) {
            leaves.push_back(v);
            axes.push_back(axis);
            argument_of_leaf.push_back(static_cast<int>(k));
          }
          structures[k] = std::move(structure);
          offsets[k + 1] = leaves.size();
          ++k;
        }(),
        ...);
    tree::TreeDef output_structure;
    const detail::FlatFunction flat = [&](std::span<const Array> inputs) {
      const Output output = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return f_(tree::unflatten<Args>(structures[I], inputs.subspan(offsets[I], offsets[I + 1] - offsets[I]))...);
      }
      (std::index_sequence_for<Args...>{});
      ArrayList out;
      output_structure.clear();
      tree::flatten_into(output, output_structure, out);
      return out;
    };
    const ArrayList outputs =
        detail::vmap_flat(flat, leaves, axes, argument_of_leaf, options_.axis_size, options_.out_axes,
                          "vmap of the function at " + format_location(where_));
    return tree::unflatten<Output>(output_structure, outputs);
  }

 private:
  F f_;
  VmapOptions options_;
  std::source_location where_;
};

template <class F>
Vmapped<F> vmap(F f, VmapOptions options = {}, std::source_location where = std::source_location::current()) {
  return Vmapped<F>(std::move(f), std::move(options), where);
}

}  // namespace jx
