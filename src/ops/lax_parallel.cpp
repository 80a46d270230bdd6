// jx::lax's collectives (jx/lax/parallel.h): check the axis is bound, then bind the primitive.
#include <fmt/format.h>

#include <set>

#include "ir/primitives/collectives.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/parallel.h"
#include "jx/numpy.h"
#include "trace/batching.h"
#include "trace/trace.h"

namespace jx::lax {
namespace {

using primitives::AllReduce;

std::int64_t bound_size(std::string_view op, const std::string& axis) {
  const std::optional<std::int64_t> size = bound_axis_size(axis);
  if (!size) primitives::throw_unbound_axis(op, axis);
  return *size;
}

std::int64_t bound_size(std::string_view op, const AxisName& axis_name) {
  if (axis_name.names.empty()) throw ValueError(std::string(op), "no axis name given");
  std::int64_t size = 1;
  for (const std::string& axis : axis_name.names) size *= bound_size(op, axis);
  return size;
}

Array all_reduce(std::string_view op, AllReduce::Kind kind, const Array& x, const AxisName& axis_name) {
  bound_size(op, axis_name);
  return jx::bind1(AllReduce(kind, axis_name.names), {x});
}

int normalized(int axis, int rank) { return axis < 0 ? axis + rank : axis; }

// Binds a collective once its shape rule accepts x (a map's trace applies the batching rule
// directly, so the check is made here, where the caller's line is known).
Array checked_bind(const Primitive& collective, const Array& x) {
  const ArrayType type = x.type();
  collective.infer(std::span<const ArrayType>(&type, 1));
  return jx::bind1(collective, {x});
}

}  // namespace

Array psum(const Array& x, const AxisName& axis_name, Loc loc) {
  CallSite site(loc);
  return all_reduce("psum", AllReduce::Kind::sum, x, axis_name);
}

Array pmean(const Array& x, const AxisName& axis_name, Loc loc) {
  CallSite site(loc);
  const std::int64_t size = bound_size("pmean", axis_name);
  return numpy::true_divide(all_reduce("pmean", AllReduce::Kind::sum, x, axis_name), static_cast<double>(size));
}

Array pmax(const Array& x, const AxisName& axis_name, Loc loc) {
  CallSite site(loc);
  return all_reduce("pmax", AllReduce::Kind::max, x, axis_name);
}

Array pmin(const Array& x, const AxisName& axis_name, Loc loc) {
  CallSite site(loc);
  return all_reduce("pmin", AllReduce::Kind::min, x, axis_name);
}

Array all_gather(const Array& x, const std::string& axis_name, const AllGatherOptions& options, Loc loc) {
  CallSite site(loc);
  const std::int64_t size = bound_size("all_gather", axis_name);
  const int axis = normalized(options.axis, options.tiled ? x.ndim() : x.ndim() + 1);
  return checked_bind(primitives::AllGather(axis_name, axis, options.tiled, size), x);
}

Array psum_scatter(const Array& x, const std::string& axis_name, const PsumScatterOptions& options, Loc loc) {
  CallSite site(loc);
  const std::int64_t size = bound_size("psum_scatter", axis_name);
  const int dimension = normalized(options.scatter_dimension, x.ndim());
  return checked_bind(primitives::PsumScatter(axis_name, dimension, options.tiled, size), x);
}

Array ppermute(const Array& x, const std::string& axis_name,
               const std::vector<std::pair<std::int64_t, std::int64_t>>& permutation, Loc loc) {
  CallSite site(loc);
  const std::int64_t size = bound_size("ppermute", axis_name);
  std::set<std::int64_t> sources, destinations;
  std::vector<std::int64_t> pairs;
  for (const auto& [source, destination] : permutation) {
    if (source < 0 || source >= size || destination < 0 || destination >= size) {
      throw ValueError("ppermute", fmt::format("the pair ({}, {}) names a device outside the axis '{}' of size {}",
                                               source, destination, axis_name, size));
    }
    if (!sources.insert(source).second) {
      throw ValueError("ppermute", fmt::format("device {} is the source of two pairs of the permutation", source));
    }
    if (!destinations.insert(destination).second) {
      throw ValueError("ppermute",
                       fmt::format("device {} is the destination of two pairs of the permutation", destination));
    }
    pairs.push_back(source);
    pairs.push_back(destination);
  }
  return jx::bind1(primitives::Ppermute(axis_name, std::move(pairs), size), {x});
}

Array all_to_all(const Array& x, const std::string& axis_name, int split_axis, int concat_axis,
                 const AllToAllOptions& options, Loc loc) {
  CallSite site(loc);
  const std::int64_t size = bound_size("all_to_all", axis_name);
  return checked_bind(primitives::AllToAll(axis_name, normalized(split_axis, x.ndim()),
                                           normalized(concat_axis, x.ndim()), options.tiled, size),
                      x);
}

Array axis_index(const std::string& axis_name, Loc loc) {
  CallSite site(loc);
  bound_size("axis_index", axis_name);
  return jx::bind1(primitives::AxisIndex(axis_name), {});
}

std::int64_t axis_size(const AxisName& axis_name, Loc loc) {
  CallSite site(loc);
  return bound_size("axis_size", axis_name);
}

}  // namespace jx::lax
