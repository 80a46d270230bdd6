// jx/lax/parallel.h — collectives over named mapped axes, as JAX's jax.lax parallel operators.
//
// Inside a function mapped with an axis name — jx::vmap(f, {.axis_name = "i"}), jx::pmap, or
// jx::shard_map over a mesh axis — each example (device) sees its own slice, and these operations
// combine the slices of all of them:
//
//   namespace lax = jx::lax;
//   auto normalize = jx::pmap([](const jx::Array& x) { return x / lax::psum(x, "i"); }, {.axis_name = "i"});
//   normalize(jnp::arange(4.0f));                       // [0, 1/6, 2/6, 3/6]
//   auto grads = lax::pmean(local_grads, "batch");      // any pytree: data-parallel gradient averaging
//   auto everyone = lax::all_gather(x, "i");            // every device's x, stacked on a new axis 0
//   auto shifted = lax::ppermute(x, "i", {{0, 1}, {1, 2}, {2, 3}, {3, 0}});   // a ring
//
// The semantics are JAX's, including which values vary along an axis: a collective's result is the
// same on every device (psum, pmax, all_gather) or differs per device (psum_scatter, ppermute,
// all_to_all, axis_index), and jx tracks this the way vmap tracks batched values, so psum of a value
// that does not vary multiplies it by the axis size, and `out_axes = std::nullopt` accepts exactly the
// results that do not vary. Every collective has JAX's derivative rules: psum's transpose passes an
// invariant cotangent on to every device (and sums a varying one), all_gather's is psum_scatter,
// psum_scatter's is all_gather, ppermute's is the inverse permutation, all_to_all's swaps its axes.
// pmax and pmin, as in JAX, are not differentiable.
//
// A collective naming an axis that no enclosing map binds throws NameError.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/keywords_only.h"
#include "jx/tree.h"

namespace jx::detail {
// A collective applied to every leaf of a pytree.
template <class T, class F>
T map_leaves(const T& tree, const F& f) {
  auto [leaves, structure] = tree::flatten(tree);
  for (Array& leaf : leaves) leaf = f(leaf);
  return tree::unflatten<T>(structure, leaves);
}
}  // namespace jx::detail

namespace jx::lax {

using Loc = std::source_location;

// One axis name, or several (psum over ("i", "j") reduces over both, as over their product).
struct AxisName {
  AxisName(const char* name) : names{name} {}                         // NOLINT(google-explicit-constructor)
  AxisName(std::string name) : names{std::move(name)} {}              // NOLINT(google-explicit-constructor)
  AxisName(std::initializer_list<std::string> list) : names(list) {}  // NOLINT(google-explicit-constructor)
  std::vector<std::string> names;
};

// The sum over the named axes, the same on every device.
Array psum(const Array& x, const AxisName& axis_name, Loc loc = Loc::current());
// The mean over the named axes (psum divided by their size).
Array pmean(const Array& x, const AxisName& axis_name, Loc loc = Loc::current());
// The maximum and minimum over the named axes (not differentiable, as in JAX).
Array pmax(const Array& x, const AxisName& axis_name, Loc loc = Loc::current());
Array pmin(const Array& x, const AxisName& axis_name, Loc loc = Loc::current());

// The same over every leaf of a pytree (JAX's collectives take pytrees).
template <class T>
requires(!std::is_convertible_v<T, Array>) T psum(const T& tree, const AxisName& axis_name, Loc loc = Loc::current()) {
  return detail::map_leaves(tree, [&](const Array& x) { return psum(x, axis_name, loc); });
}
template <class T>
requires(!std::is_convertible_v<T, Array>) T pmean(const T& tree, const AxisName& axis_name, Loc loc = Loc::current()) {
  return detail::map_leaves(tree, [&](const Array& x) { return pmean(x, axis_name, loc); });
}
template <class T>
requires(!std::is_convertible_v<T, Array>) T pmax(const T& tree, const AxisName& axis_name, Loc loc = Loc::current()) {
  return detail::map_leaves(tree, [&](const Array& x) { return pmax(x, axis_name, loc); });
}
template <class T>
requires(!std::is_convertible_v<T, Array>) T pmin(const T& tree, const AxisName& axis_name, Loc loc = Loc::current()) {
  return detail::map_leaves(tree, [&](const Array& x) { return pmin(x, axis_name, loc); });
}

struct AllGatherOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  int axis = 0;        // where the devices' axis goes in the result
  bool tiled = false;  // concatenate along `axis` instead of stacking on a new one
};
// Every device's x, stacked along a new axis (of the axis size) at `axis`, or concatenated if tiled.
Array all_gather(const Array& x, const std::string& axis_name, const AllGatherOptions& options = {},
                 Loc loc = Loc::current());

struct PsumScatterOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  int scatter_dimension = 0;  // the dimension split among the devices
  bool tiled = false;         // keep the dimension (each device gets a block) instead of removing it
};
// The psum, of which device i keeps only block i along scatter_dimension: that dimension must have the
// axis size (and is removed), or with tiled a multiple of it (and is divided by it).
Array psum_scatter(const Array& x, const std::string& axis_name, const PsumScatterOptions& options = {},
                   Loc loc = Loc::current());

// Sends each device's x along the pairs (source, destination) of `permutation`; a device no pair
// sends to receives zeros. No device may appear twice as a source or twice as a destination.
Array ppermute(const Array& x, const std::string& axis_name,
               const std::vector<std::pair<std::int64_t, std::int64_t>>& permutation, Loc loc = Loc::current());

struct AllToAllOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool tiled = false;
};
// Splits x along split_axis into one chunk per device and sends chunk j to device j, which stacks the
// chunks it receives, by source device, along a new axis at concat_axis. x.shape[split_axis] must be
// the axis size (it is removed); with tiled, a multiple of it, and the chunks are concatenated along
// concat_axis instead.
Array all_to_all(const Array& x, const std::string& axis_name, int split_axis, int concat_axis,
                 const AllToAllOptions& options = {}, Loc loc = Loc::current());

// This device's index along the named axis, an int32 scalar that varies along it.
Array axis_index(const std::string& axis_name, Loc loc = Loc::current());
// The size of the named axes (the product for several), known while tracing.
std::int64_t axis_size(const AxisName& axis_name, Loc loc = Loc::current());

}  // namespace jx::lax
