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
//   auto both = jx::vmap(jnp::dot, {.in_axes = 1});              // axis 1 of every argument
//
// in_axes and out_axes are JAX's: one axis for everything, or pytree prefixes of the arguments (one
// entry per argument) and of the output, with std::nullopt for what is shared by all examples
// (jx/transforms/axis_spec.h). A C++ number is traced where f takes an array. With an axis_name,
// collectives inside f see the examples as the devices of a pmap (jx/lax/parallel.h):
//
//   auto centered = jx::vmap([](const jx::Array& x) { return x - jx::lax::pmean(x, "i"); }, {.axis_name = "i"});
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/caller_location.h"
#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/arguments.h"
#include "jx/transforms/axis_spec.h"
#include "jx/tree.h"

namespace jx {

struct VmapOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  AxisSpec in_axes = 0;   // for the tuple of arguments: one axis for all, one per argument, or pytree prefixes
  AxisSpec out_axes = 0;  // where the batch axis goes in each output (std::nullopt: the output is unmapped)
  std::optional<std::int64_t> axis_size = std::nullopt;  // needed only when no argument is mapped
  // Names the mapped axis for collectives inside f: lax::psum(x, "batch") sums over the examples
  // (jx/lax/parallel.h).
  std::optional<std::string> axis_name = std::nullopt;
};

namespace detail {
using FlatFunction = std::function<ArrayList(std::span<const Array>)>;
// Runs f on a batch: `axes[i]` is leaf i's batch axis (std::nullopt: unmapped). Returns the outputs
// with their batch axes placed as out_axes says for the structure f wrote to `output_structure`
// (unmapped outputs broadcast along it; an output out_axes leaves unmapped must not depend on the batch).
ArrayList vmap_flat(const FlatFunction& f, std::span<const Array> leaves, std::span<const std::optional<int>> axes,
                    std::span<const int> argument_of_leaf, std::optional<std::int64_t> axis_size,
                    const AxisSpec& out_axes, const tree::TreeDef& output_structure, const std::string& description,
                    const std::optional<std::string>& axis_name = std::nullopt);
// The same with the out axis of each output decided once f has run, from the number of its outputs
// (shard_map's out_specs, which follow the outputs).
using OutAxesFunction = std::function<std::vector<std::optional<int>>(std::size_t num_outputs)>;
ArrayList vmap_flat_deciding_out_axes(const FlatFunction& f, std::span<const Array> leaves,
                                      std::span<const std::optional<int>> axes, std::span<const int> argument_of_leaf,
                                      std::optional<std::int64_t> axis_size, const OutAxesFunction& out_axes,
                                      const std::string& description, const std::optional<std::string>& axis_name);
// The same with one out axis for every output.
ArrayList vmap_flat(const FlatFunction& f, std::span<const Array> leaves, std::span<const std::optional<int>> axes,
                    std::span<const int> argument_of_leaf, std::optional<std::int64_t> axis_size,
                    std::optional<int> out_axis, const std::string& description,
                    const std::optional<std::string>& axis_name = std::nullopt);
}  // namespace detail

template <class F>
class Vmapped : public detail::CallWithLocation<Vmapped<F>> {
 public:
  Vmapped(F f, VmapOptions options) : f_(std::move(f)), options_(std::move(options)) {}

  // Numbers are traced where f takes arrays (jx/transforms/arguments.h).
  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = detail::array_parameter<F, I, Args...>();

  template <class... Args>
  auto invoke(std::source_location where, const Args&... args) const {
    return detail::with_traced_numbers<F>([&](const auto&... arguments) { return call(where, arguments...); }, args...);
  }

 private:
  template <class... Args>
  auto call(std::source_location where, const Args&... args) const {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    CallSite site(where);
    const std::vector<AxisSpec> specs = options_.in_axes.per_argument(sizeof...(Args), "in_axes");
    std::vector<Array> leaves;
    std::vector<std::optional<int>> axes;
    std::vector<int> argument_of_leaf;
    std::array<tree::TreeDef, sizeof...(Args)> structures;
    std::array<std::size_t, sizeof...(Args) + 1> offsets{};
    std::size_t k = 0;
    (
        [&] {
          auto [values, structure] = tree::flatten(args);
          const std::vector<std::optional<int>> leaf_axes =
              specs[k].axes_of_leaves(structure, "in_axes[" + std::to_string(k) + "]");
          for (std::size_t i = 0; i < values.size(); ++i) {
            leaves.push_back(values[i]);
            axes.push_back(leaf_axes[i]);
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
        detail::vmap_flat(flat, leaves, axes, argument_of_leaf, options_.axis_size, options_.out_axes, output_structure,
                          "vmap called at " + format_location(where), options_.axis_name);
    return tree::unflatten<Output>(output_structure, outputs);
  }

  F f_;
  VmapOptions options_;
};

template <class F>
Vmapped<F> vmap(F f, VmapOptions options = {}) {
  return Vmapped<F>(std::move(f), std::move(options));
}

}  // namespace jx
