// jx/sharding.h — meshes of devices, partition specs and jx::shard_map, as JAX's jax.sharding and
// jax.shard_map.
//
// A Mesh arranges devices in a grid with named axes; a PartitionSpec says, per dimension of an
// array, which mesh axes split it (P{"x"}: dimension 0 is split along mesh axis "x"; P{} or
// std::nullopt entries: not split, every device along those axes holds all of it). shard_map runs f
// once per device, on that device's blocks of the inputs, and assembles its outputs by out_specs;
// inside f the mesh axes are named axes for the collectives of jx/lax/parallel.h:
//
//   using jx::sharding::P;
//   auto mesh = jx::make_mesh({4}, {"x"});                          // needs 4 devices (JX_NUM_CPU_DEVICES=4)
//   auto matvec = jx::shard_map(
//       [](const jx::Array& a_block, const jx::Array& x_block) {    // a: [n/4, m] rows, x: [m/4] rows
//         jx::Array x = jx::lax::all_gather(x_block, "x", {.tiled = true});
//         return jnp::dot(a_block, x);
//       },
//       mesh, {P{"x", std::nullopt}, P{"x"}}, {P{"x"}});
//   jx::Array y = matvec(a, x);                                     // as jnp::dot(a, x)
//
// An output whose out_spec leaves a mesh axis out must not vary along it (as JAX's check_vma): a psum
// over the axis makes it invariant. shard_map composes with jit, grad and vmap; grad of a shard_map'd
// loss equals grad of the loss it computes (psum's transpose is efficient, see jx/lax/parallel.h).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/caller_location.h"
#include "jx/core/device.h"
#include "jx/transforms/arguments.h"
#include "jx/tree.h"

namespace jx::sharding {

// Devices in a grid with named axes (row-major: the last axis varies fastest).
class Mesh {
 public:
  // devices.size() must be the product of axis_sizes; names must be distinct.
  Mesh(std::vector<Device> devices, std::vector<std::int64_t> axis_sizes, std::vector<std::string> axis_names);

  const std::vector<Device>& devices() const { return devices_; }
  const std::vector<std::string>& axis_names() const { return axis_names_; }
  const std::vector<std::int64_t>& axis_sizes() const { return axis_sizes_; }  // JAX's mesh.devices.shape
  std::int64_t size() const { return static_cast<std::int64_t>(devices_.size()); }
  // The size of the axis `name` (ValueError if the mesh has none).
  std::int64_t axis_size(const std::string& name) const;
  // The index of the axis `name`, or -1.
  int axis_index(const std::string& name) const;
  std::string to_string() const;  // "Mesh('x': 2, 'y': 2)"

 private:
  std::vector<Device> devices_;
  std::vector<std::int64_t> axis_sizes_;
  std::vector<std::string> axis_names_;
};

// The mesh axes splitting one dimension: none (std::nullopt or an empty list), one, or several (the
// first is the major one).
struct DimensionSpec {
  DimensionSpec(std::nullopt_t /*not split*/) {}                          // NOLINT(google-explicit-constructor)
  DimensionSpec(const char* axis) : axes{axis} {}                         // NOLINT(google-explicit-constructor)
  DimensionSpec(std::string axis) : axes{std::move(axis)} {}              // NOLINT(google-explicit-constructor)
  DimensionSpec(std::initializer_list<std::string> list) : axes(list) {}  // NOLINT(google-explicit-constructor)
  std::vector<std::string> axes;
};

// One DimensionSpec per leading dimension of an array; dimensions past the end are not split.
class PartitionSpec {
 public:
  PartitionSpec() = default;                                      // replicated: not split along any mesh axis
  PartitionSpec(std::initializer_list<DimensionSpec> dimensions)  // NOLINT(google-explicit-constructor)
      : dimensions_(dimensions) {}
  const std::vector<DimensionSpec>& dimensions() const { return dimensions_; }
  std::string to_string() const;  // "PartitionSpec('x', None)"

 private:
  std::vector<DimensionSpec> dimensions_;
};
using P = PartitionSpec;

}  // namespace jx::sharding

namespace jx {

// jax.device_put(x, device): x on `device` (ValueError unless it is one of this process's). The
// devices of a process share its memory, so nothing is copied.
inline Array device_put(const Array& x, const Device& device,
                        std::source_location loc = std::source_location::current()) {
  return x.to_device(device, loc);
}
template <class T>
requires(!std::is_convertible_v<T, Array>) T
    device_put(const T& tree, const Device& device, std::source_location loc = std::source_location::current()) {
  return tree::map([&](const Array& x) { return x.to_device(device, loc); }, tree);
}

// A mesh of the first product(axis_shapes) devices (JAX's make_mesh asks for all of them: so does
// jx, unless `devices` are given).
sharding::Mesh make_mesh(std::vector<std::int64_t> axis_shapes, std::vector<std::string> axis_names,
                         std::optional<std::vector<Device>> devices = std::nullopt);

namespace detail {
using ShardedFunction = std::function<std::vector<Array>(std::span<const Array>)>;
// shard_map over flattened leaves: `leaf_specs[i]` partitions leaves[i]; `out_specs` holds one spec for
// every output leaf, or one for all of them. f writes its outputs' structure to `output_structure`.
std::vector<Array> shard_map_flat(const ShardedFunction& f, std::span<const Array> leaves,
                                  std::span<const sharding::PartitionSpec> leaf_specs,
                                  const std::vector<sharding::PartitionSpec>& out_specs, const sharding::Mesh& mesh,
                                  const std::string& description);
// Spec i of `count` things (arguments, outputs): `specs` holds one per thing, or one for all (ValueError
// otherwise, naming `specs_name` and `things`).
const sharding::PartitionSpec& spec_of(const std::vector<sharding::PartitionSpec>& specs, std::size_t i,
                                       std::size_t count, std::string_view specs_name, std::string_view things);
}  // namespace detail

template <class F>
class ShardMapped : public detail::CallWithLocation<ShardMapped<F>> {
 public:
  ShardMapped(F f, sharding::Mesh mesh, std::vector<sharding::PartitionSpec> in_specs,
              std::vector<sharding::PartitionSpec> out_specs)
      : f_(std::move(f)), mesh_(std::move(mesh)), in_specs_(std::move(in_specs)), out_specs_(std::move(out_specs)) {}

  template <class... Args>
  auto invoke(std::source_location where, const Args&... args) const {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    CallSite site(where);
    std::vector<Array> leaves;
    std::vector<sharding::PartitionSpec> leaf_specs;
    std::array<tree::TreeDef, sizeof...(Args)> structures;
    std::array<std::size_t, sizeof...(Args) + 1> offsets{};
    std::size_t k = 0;
    (
        [&] {
          auto [values, structure] = tree::flatten(args);
          for (Array& v : values) {
            leaves.push_back(std::move(v));
            leaf_specs.push_back(detail::spec_of(in_specs_, k, sizeof...(Args), "in_specs", "arguments"));
          }
          structures[k] = std::move(structure);
          offsets[k + 1] = leaves.size();
          ++k;
        }(),
        ...);
    tree::TreeDef output_structure;
    const detail::ShardedFunction flat = [&](std::span<const Array> inputs) {
      const Output output = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return f_(tree::unflatten<Args>(structures[I], inputs.subspan(offsets[I], offsets[I + 1] - offsets[I]))...);
      }
      (std::index_sequence_for<Args...>{});
      std::vector<Array> out;
      output_structure.clear();
      tree::flatten_into(output, output_structure, out);
      return out;
    };
    const std::vector<Array> outputs = detail::shard_map_flat(flat, leaves, leaf_specs, out_specs_, mesh_,
                                                              "shard_map called at " + format_location(where));
    return tree::unflatten<Output>(output_structure, outputs);
  }

 private:
  F f_;
  sharding::Mesh mesh_;
  std::vector<sharding::PartitionSpec> in_specs_;
  std::vector<sharding::PartitionSpec> out_specs_;
};

// jax.shard_map(f, mesh=mesh, in_specs=..., out_specs=...): in_specs has one spec per argument (applied
// to all of its leaves) or one for all arguments; out_specs one per output leaf, or one for all.
template <class F>
ShardMapped<F> shard_map(F f, sharding::Mesh mesh, std::vector<sharding::PartitionSpec> in_specs,
                         std::vector<sharding::PartitionSpec> out_specs) {
  return ShardMapped<F>(std::move(f), std::move(mesh), std::move(in_specs), std::move(out_specs));
}

}  // namespace jx
