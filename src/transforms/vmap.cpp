// vmap's core: a BatchTrace around the user's function, and placing the batch axes of the results.
#include "jx/transforms/vmap.h"

#include <fmt/format.h>

#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/batching.h"

namespace jx::detail {

// vmap_flat's work; the BatchTrace lives in this call, so leaks are reported once it has returned.
static ArrayList vmap_traced(const FlatFunction& f, std::span<const Array> leaves,
                             std::span<const std::optional<int>> axes, std::span<const int> argument_of_leaf,
                             std::optional<std::int64_t> axis_size, const OutAxesFunction& out_axes,
                             const std::string& description, const std::optional<std::string>& axis_name) {
  // Normalize the axes and agree on the batch size.
  std::vector<int> batch_axes;
  std::optional<std::int64_t> size = axis_size;
  int size_from = -1;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (!axes[i]) {
      batch_axes.push_back(kNotMapped);
      continue;
    }
    int axis = *axes[i];
    const int ndim = leaves[i].ndim();
    if (axis < -ndim || axis >= ndim) {
      throw ShapeError("vmap", fmt::format("in_axes {} is out of range for argument {}, an array of shape {}", axis,
                                           argument_of_leaf[i], leaves[i].shape().to_string()));
    }
    if (axis < 0) axis += ndim;
    const std::int64_t n = leaves[i].shape()[axis];
    if (size && *size != n) {
      throw ShapeError(
          "vmap",
          fmt::format("mapped axes have different sizes: argument {} has size {} on axis {}, but {} {}",
                      argument_of_leaf[i], n, axis,
                      size_from >= 0 ? fmt::format("argument {} has", size_from) : std::string("axis_size is"), *size));
    }
    size = n;
    size_from = argument_of_leaf[i];
    batch_axes.push_back(axis);
  }
  if (!size) throw ValueError("vmap", "no argument is mapped (all in_axes are std::nullopt); give axis_size");

  BatchTrace batch(current_trace(), *size, description, axis_name);
  ArrayList inputs;
  for (std::size_t i = 0; i < leaves.size(); ++i) inputs.push_back(batch.new_input(leaves[i], batch_axes[i]));
  ArrayList outputs;
  {
    TraceScope scope(&batch);
    UserCodeScope user;
    outputs = f(inputs);
  }
  const std::vector<std::optional<int>> output_axes = out_axes(outputs.size());
  ArrayList results;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::optional<int> out_axis = output_axes[i];
    auto [value, axis] = batch.split(outputs[i]);
    if (!out_axis) {
      if (axis != kNotMapped) {
        throw ValueError(
            "vmap", fmt::format("output {} depends on the mapped axis, but out_axes is std::nullopt (unmapped)", i));
      }
      results.push_back(value);
      continue;
    }
    // Batch axis first (broadcast if the output does not depend on the batch), then where asked.
    Array front = rules::batched_at_front(value, axis, *size);
    const int ndim = front.ndim();
    int target = *out_axis < 0 ? *out_axis + ndim : *out_axis;
    if (target < 0 || target >= ndim) {
      throw ShapeError("vmap", fmt::format("out_axes {} is out of range for output {} of rank {}", *out_axis, i, ndim));
    }
    std::vector<int> permutation;
    for (int d = 1; d < ndim; ++d) permutation.push_back(d);
    permutation.insert(permutation.begin() + target, 0);
    results.push_back(lax::transpose(front, permutation));
  }
  return results;
}

ArrayList vmap_flat(const FlatFunction& f, std::span<const Array> leaves, std::span<const std::optional<int>> axes,
                    std::span<const int> argument_of_leaf, std::optional<std::int64_t> axis_size,
                    const AxisSpec& out_axes, const tree::TreeDef& output_structure, const std::string& description,
                    const std::optional<std::string>& axis_name) {
  // output_structure is written by f: read it only once f has run.
  const OutAxesFunction out_axes_of = [&](std::size_t count) {
    return out_axes.is_leaf() ? std::vector<std::optional<int>>(count, out_axes.axis())
                              : out_axes.axes_of_leaves(output_structure, "out_axes");
  };
  return vmap_flat_deciding_out_axes(f, leaves, axes, argument_of_leaf, axis_size, out_axes_of, description, axis_name);
}

ArrayList vmap_flat_deciding_out_axes(const FlatFunction& f, std::span<const Array> leaves,
                                      std::span<const std::optional<int>> axes, std::span<const int> argument_of_leaf,
                                      std::optional<std::int64_t> axis_size, const OutAxesFunction& out_axes,
                                      const std::string& description, const std::optional<std::string>& axis_name) {
  ArrayList results = vmap_traced(f, leaves, axes, argument_of_leaf, axis_size, out_axes, description, axis_name);
  report_leaked_tracers();
  return results;
}

ArrayList vmap_flat(const FlatFunction& f, std::span<const Array> leaves, std::span<const std::optional<int>> axes,
                    std::span<const int> argument_of_leaf, std::optional<std::int64_t> axis_size,
                    std::optional<int> out_axis, const std::string& description,
                    const std::optional<std::string>& axis_name) {
  return vmap_flat(f, leaves, axes, argument_of_leaf, axis_size, AxisSpec(out_axis), tree::TreeDef(), description,
                   axis_name);
}

}  // namespace jx::detail
