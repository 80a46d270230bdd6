// jx::shard_map (jx/sharding.h): blocks of the inputs per device, a vmap per mesh axis, and the
// outputs' blocks put back together.
//
// Each input leaf is reshaped so that every mesh axis splitting it becomes a dimension of its own
// (dimension d split by ("x", "y") becomes [size_x, size_y, d / (size_x * size_y)]), and those
// dimensions are moved to the front in the mesh's axis order. Then f is vmapped once per mesh axis,
// outermost first, with that axis's name: a leaf the axis splits is mapped along its next front
// dimension, the others are shared. The outputs come back with a front dimension per mesh axis their
// out_spec names (an axis it does not name must not vary: vmap's out_axes = std::nullopt checks
// that), and each is merged back into the dimension the spec says.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/sharding.h"
#include "jx/transforms/vmap.h"

namespace jx {
namespace {

using sharding::Mesh;
using sharding::PartitionSpec;

// The mesh axes (by index) splitting each dimension of an array of this rank, checked against the mesh.
std::vector<std::vector<int>> split_axes(const PartitionSpec& spec, const Mesh& mesh, const Shape& shape,
                                         const std::string& what) {
  const int rank = shape.ndim();
  if (static_cast<int>(spec.dimensions().size()) > rank) {
    throw ShapeError("shard_map", fmt::format("{} is {} but has rank {} (shape {})", what, spec.to_string(), rank,
                                              shape.to_string()));
  }
  std::vector<std::vector<int>> axes(static_cast<std::size_t>(rank));
  std::set<int> used;
  for (std::size_t d = 0; d < spec.dimensions().size(); ++d) {
    for (const std::string& name : spec.dimensions()[d].axes) {
      const int index = mesh.axis_index(name);
      if (index < 0) {
        throw ValueError("shard_map", fmt::format("{} is {}, which names '{}', not an axis of {}", what,
                                                  spec.to_string(), name, mesh.to_string()));
      }
      if (!used.insert(index).second) {
        throw ValueError("shard_map",
                         fmt::format("{} is {}, which names mesh axis '{}' twice", what, spec.to_string(), name));
      }
      axes[d].push_back(index);
    }
  }
  return axes;
}

std::int64_t product_of_sizes(const std::vector<int>& axes, const Mesh& mesh) {
  std::int64_t n = 1;
  for (int a : axes) n *= mesh.axis_sizes()[static_cast<std::size_t>(a)];
  return n;
}

// A leaf with its split dimensions divided into blocks, the mesh axes' dimensions in front in mesh
// order; `present[k]` says whether mesh axis k splits it.
Array to_blocks(const Array& x, const std::vector<std::vector<int>>& axes, const Mesh& mesh, std::vector<bool>& present,
                const std::string& what) {
  Shape blocked;
  std::vector<int> position_of_axis(mesh.axis_names().size(), -1);
  std::vector<int> block_dims;
  for (int d = 0; d < x.ndim(); ++d) {
    const std::vector<int>& split = axes[static_cast<std::size_t>(d)];
    const std::int64_t n = product_of_sizes(split, mesh);
    if (x.shape()[d] % n != 0) {
      throw ShapeError("shard_map", fmt::format("{} (shape {}) has dimension {} of size {}, which the mesh axes "
                                                "splitting it do not divide: they make {} blocks",
                                                what, x.shape().to_string(), d, x.shape()[d], n));
    }
    for (int a : split) {
      position_of_axis[static_cast<std::size_t>(a)] = blocked.ndim();
      blocked.push_back(mesh.axis_sizes()[static_cast<std::size_t>(a)]);
    }
    block_dims.push_back(blocked.ndim());
    blocked.push_back(x.shape()[d] / n);
  }
  std::vector<int> permutation;
  present.assign(mesh.axis_names().size(), false);
  for (std::size_t k = 0; k < position_of_axis.size(); ++k) {
    if (position_of_axis[k] < 0) continue;
    present[k] = true;
    permutation.push_back(position_of_axis[k]);
  }
  permutation.insert(permutation.end(), block_dims.begin(), block_dims.end());
  return lax::transpose(lax::reshape(x, blocked), permutation);
}

// The inverse for an output: front dimensions, one per mesh axis of the spec in mesh order, merged
// into the dimensions of the device's block the spec names.
Array from_blocks(const Array& y, const std::vector<std::vector<int>>& axes, const Mesh& mesh) {
  std::vector<int> front;  // mesh axes with a front dimension, in mesh order
  for (std::size_t k = 0; k < mesh.axis_names().size(); ++k) {
    for (const std::vector<int>& split : axes) {
      if (std::find(split.begin(), split.end(), static_cast<int>(k)) != split.end())
        front.push_back(static_cast<int>(k));
    }
  }
  const int count = static_cast<int>(front.size());
  std::vector<int> permutation;
  Shape merged;
  for (std::size_t d = 0; d < axes.size(); ++d) {
    std::int64_t size = 1;
    for (int a : axes[d]) {
      const int position = static_cast<int>(std::find(front.begin(), front.end(), a) - front.begin());
      permutation.push_back(position);
      size *= y.shape()[position];
    }
    permutation.push_back(count + static_cast<int>(d));
    merged.push_back(size * y.shape()[count + static_cast<int>(d)]);
  }
  return lax::reshape(lax::transpose(y, permutation), merged);
}

// One vmap per mesh axis, outermost first; the innermost level runs f and reads the out_specs.
struct Level {
  const detail::ShardedFunction& f;
  const Mesh& mesh;
  const std::vector<std::vector<bool>>& leaf_present;  // [leaf][mesh axis]
  const std::vector<PartitionSpec>& out_specs;
  const std::string& description;
  // [output leaf][dimension] → the mesh axes splitting it; set when f has run.
  std::vector<std::vector<std::vector<int>>>& out_axes;

  bool output_has_axis(std::size_t j, std::size_t k) const {
    for (const std::vector<int>& split : out_axes[j]) {
      if (std::find(split.begin(), split.end(), static_cast<int>(k)) != split.end()) return true;
    }
    return false;
  }

  std::vector<Array> run(std::span<const Array> leaves, std::size_t k) const {
    if (k == mesh.axis_names().size()) {
      std::vector<Array> outputs = f(leaves);
      out_axes.clear();
      for (std::size_t j = 0; j < outputs.size(); ++j) {
        out_axes.push_back(split_axes(detail::spec_of(out_specs, j, outputs.size(), "out_specs", "outputs"), mesh,
                                      outputs[j].shape(), fmt::format("out_specs for output {}", j)));
      }
      return outputs;
    }
    std::vector<std::optional<int>> in_axes;
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      in_axes.push_back(leaf_present[i][k] ? std::optional<int>(0) : std::nullopt);
    }
    const detail::FlatFunction inner = [&](std::span<const Array> inputs) { return run(inputs, k + 1); };
    const detail::OutAxesFunction out_axes_of = [&](std::size_t count) {
      std::vector<std::optional<int>> result;
      for (std::size_t j = 0; j < count; ++j) {
        result.push_back(output_has_axis(j, k) ? std::optional<int>(0) : std::nullopt);
      }
      return result;
    };
    const std::vector<int> argument_of_leaf(leaves.size(), 0);
    const std::string& name = mesh.axis_names()[k];
    try {
      return detail::vmap_flat_deciding_out_axes(inner, leaves, in_axes, argument_of_leaf, mesh.axis_sizes()[k],
                                                 out_axes_of, description, name);
    } catch (const ValueError& e) {
      const std::size_t depends = e.detail().find(" depends on the mapped axis");
      if (e.op() != "vmap" || depends == std::string::npos) throw;
      throw ValueError("shard_map", fmt::format("{} varies along mesh axis '{}', which its out_specs do not name (only "
                                                "a value that does not vary may leave an axis out: psum over it, or "
                                                "name the axis in the spec)",
                                                e.detail().substr(0, depends), name));
    }
  }
};

}  // namespace

namespace sharding {

Mesh::Mesh(std::vector<Device> devices, std::vector<std::int64_t> axis_sizes, std::vector<std::string> axis_names)
    : devices_(std::move(devices)), axis_sizes_(std::move(axis_sizes)), axis_names_(std::move(axis_names)) {
  if (axis_sizes_.size() != axis_names_.size()) {
    throw ValueError("Mesh", fmt::format("{} axis sizes but {} axis names", axis_sizes_.size(), axis_names_.size()));
  }
  std::int64_t product = 1;
  for (std::size_t k = 0; k < axis_sizes_.size(); ++k) {
    if (axis_sizes_[k] < 1)
      throw ValueError("Mesh", fmt::format("axis '{}' has size {}", axis_names_[k], axis_sizes_[k]));
    product *= axis_sizes_[k];
    for (std::size_t j = 0; j < k; ++j) {
      if (axis_names_[j] == axis_names_[k])
        throw ValueError("Mesh", fmt::format("axis name '{}' appears twice", axis_names_[k]));
    }
  }
  if (product != size()) {
    throw ValueError("Mesh", fmt::format("the axis sizes ({}) make {} devices, but {} are given",
                                         fmt::join(axis_sizes_, ", "), product, devices_.size()));
  }
}

int Mesh::axis_index(const std::string& name) const {
  for (std::size_t k = 0; k < axis_names_.size(); ++k) {
    if (axis_names_[k] == name) return static_cast<int>(k);
  }
  return -1;
}

std::int64_t Mesh::axis_size(const std::string& name) const {
  const int k = axis_index(name);
  if (k < 0) throw ValueError("Mesh", fmt::format("{} has no axis '{}'", to_string(), name));
  return axis_sizes_[static_cast<std::size_t>(k)];
}

std::string Mesh::to_string() const {
  std::vector<std::string> parts;
  for (std::size_t k = 0; k < axis_names_.size(); ++k)
    parts.push_back(fmt::format("'{}': {}", axis_names_[k], axis_sizes_[k]));
  return fmt::format("Mesh({})", fmt::join(parts, ", "));
}

std::string PartitionSpec::to_string() const {
  std::vector<std::string> parts;
  for (const DimensionSpec& d : dimensions_) {
    if (d.axes.empty()) {
      parts.emplace_back("None");
    } else if (d.axes.size() == 1) {
      parts.push_back("'" + d.axes[0] + "'");
    } else {
      std::vector<std::string> names;
      for (const std::string& a : d.axes) names.push_back("'" + a + "'");
      parts.push_back(fmt::format("({})", fmt::join(names, ", ")));
    }
  }
  return fmt::format("PartitionSpec({})", fmt::join(parts, ", "));
}

}  // namespace sharding

sharding::Mesh make_mesh(std::vector<std::int64_t> axis_shapes, std::vector<std::string> axis_names,
                         std::optional<std::vector<Device>> devices) {
  std::vector<Device> chosen = devices ? std::move(*devices) : jx::devices();
  std::int64_t product = 1;
  for (std::int64_t n : axis_shapes) product *= n;
  if (!devices && product != static_cast<std::int64_t>(chosen.size())) {
    throw ValueError("make_mesh", fmt::format("the mesh ({}) needs {} devices, but there are {} (jx::device_count(); "
                                              "JX_NUM_CPU_DEVICES=N gives a process N CPU devices)",
                                              fmt::join(axis_shapes, ", "), product, chosen.size()));
  }
  return sharding::Mesh(std::move(chosen), std::move(axis_shapes), std::move(axis_names));
}

namespace detail {

const sharding::PartitionSpec& spec_of(const std::vector<sharding::PartitionSpec>& specs, std::size_t i,
                                       std::size_t count, std::string_view specs_name, std::string_view things) {
  if (specs.size() == 1) return specs[0];
  if (specs.size() != count) {
    throw ValueError("shard_map", fmt::format("{} has {} specs for {} {}: give one for each, or one for all",
                                              specs_name, specs.size(), count, things));
  }
  return specs[i];
}

std::vector<Array> shard_map_flat(const ShardedFunction& f, std::span<const Array> leaves,
                                  std::span<const sharding::PartitionSpec> leaf_specs,
                                  const std::vector<sharding::PartitionSpec>& out_specs, const sharding::Mesh& mesh,
                                  const std::string& description) {
  if (out_specs.empty()) throw ValueError("shard_map", "out_specs is empty: give one spec per output, or one for all");
  std::vector<Array> blocks;
  std::vector<std::vector<bool>> present(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const std::string what = fmt::format("input {}", i);
    blocks.push_back(
        to_blocks(leaves[i], split_axes(leaf_specs[i], mesh, leaves[i].shape(), what), mesh, present[i], what));
  }
  std::vector<std::vector<std::vector<int>>> out_axes;
  const Level level{f, mesh, present, out_specs, description, out_axes};
  std::vector<Array> outputs = level.run(blocks, 0);
  for (std::size_t j = 0; j < outputs.size(); ++j) outputs[j] = from_blocks(outputs[j], out_axes[j], mesh);
  return outputs;
}

}  // namespace detail
}  // namespace jx
