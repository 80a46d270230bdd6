// The collectives' shape rules, derivatives and batching rules (src/ir/primitives/collectives.h).
#include "ir/primitives/collectives.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "ir/primitives/cross_process.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/batching.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace {

// Whether the batching rule running now is that of the map binding `axis`.
bool rule_binds(std::string_view axis) {
  const std::optional<std::string>& name = current_batch_axis_name();
  return name && *name == axis;
}

bool rule_binds_any(const std::vector<std::string>& axes) {
  const std::optional<std::string>& name = current_batch_axis_name();
  return name && std::find(axes.begin(), axes.end(), *name) != axes.end();
}

std::vector<std::string> without(const std::vector<std::string>& axes, const std::string& name) {
  std::vector<std::string> rest;
  for (const std::string& a : axes) {
    if (a != name) rest.push_back(a);
  }
  return rest;
}

Array times(const Array& x, std::int64_t n) {
  return lax::mul(x, lax::convert_element_type(Array(static_cast<double>(n)), x.dtype()));
}

void check_axis(std::string_view op, std::string_view what, int axis, int limit, const Shape& shape) {
  if (axis < 0 || axis >= limit) {
    throw ShapeError(std::string(op),
                     fmt::format("{} {} is out of range for an operand of shape {}", what, axis, shape.to_string()));
  }
}

// The values of the devices along the running rule's axis, stacked on axis 0 in device order: those of
// this process, batched along `axis`, or, for a pmap axis spanning processes, every process's, gathered.
Array every_device(const Array& x, int axis, const std::string& collective) {
  const std::int64_t local = current_batch_size();
  const Array stacked = rules::batched_at_front(x, axis, local);
  const AxisProcesses span = current_batch_axis_processes();
  if (span.processes == 1) return stacked;
  Shape merged = stacked.shape();
  merged[0] = local * span.processes;
  return lax::reshape(jx::bind1(ProcessAllGather(collective), {stacked}), merged);
}

// The rows of this process's devices of `x`, which has one row per device of the axis along `axis`.
Array own_devices(const Array& x, int axis) {
  const AxisProcesses span = current_batch_axis_processes();
  if (span.processes == 1) return x;
  const std::int64_t local = current_batch_size();
  return lax::slice_in_dim(x, span.process_index * local, (span.process_index + 1) * local, 1, axis);
}

// This process's partial result combined with every other process's, for an axis spanning processes.
Array across_processes(const Array& x, detail::ProcessReduction reduction, const std::string& collective) {
  if (current_batch_axis_processes().processes == 1) return x;
  return jx::bind1(ProcessAllReduce(reduction, collective), {x});
}

// A collective over another map's axis applies to each of that map's examples on its own: bind it again
// on the batch, moved to the front, with its axis parameters shifted past the batch axis.
template <class Rebind>
BatchResult per_example(const Array& x, int axis, const Rebind& rebind) {
  return {{rebind(rules::batch_to_front(x, axis))}, {0}};
}

}  // namespace

void print_param_value(std::ostream& os, const AxisNames& v) {
  if (v.names.size() == 1) {
    os << v.names[0];
    return;
  }
  os << "(";
  for (std::size_t i = 0; i < v.names.size(); ++i) os << (i ? ", " : "") << v.names[i];
  os << ")";
}

std::size_t hash_param_value(const AxisNames& v) {
  std::size_t h = 0;
  for (const std::string& n : v.names) h = h * 31 + std::hash<std::string>{}(n);
  return h;
}

void throw_unbound_axis(std::string_view op, std::string_view axis) {
  const std::vector<std::string> bound = bound_axis_names();
  throw NameError(std::string(op),
                  fmt::format("unbound axis name: {}. The axis names bound here by vmap, pmap or shard_map are: {}",
                              axis, bound.empty() ? std::string("none") : fmt::format("{}", fmt::join(bound, ", "))));
}

// --- psum, pmax, pmin --------------------------------------------------------------------------------

std::string_view AllReduce::name() const {
  switch (kind_) {
    case Kind::sum:
      return "psum";
    case Kind::max:
      return "pmax";
    case Kind::min:
      return "pmin";
  }
  return "psum";
}

ArrayList AllReduce::evaluate(std::span<const Array> /*inputs*/) const { throw_unbound_axis(name(), axes_.names[0]); }

ArrayList AllReduce::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                         std::span<const Array> outputs) const {
  if (kind_ != Kind::sum) return Primitive::jvp(primals, tangents, outputs);
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0]})};
}

ArrayList AllReduce::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                               std::span<const ArrayType> types) const {
  if (kind_ != Kind::sum) return Primitive::transpose(cotangents, inputs, types);
  if (!cotangents[0].valid()) return {Array()};
  return {jx::bind1(PsumTranspose(axes_.names), {cotangents[0]})};
}

BatchResult AllReduce::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  if (!rule_binds_any(axes_.names)) return {{jx::bind1(*this, {inputs[0]})}, {axes[0]}};
  const std::int64_t size = current_batch_size();
  const Array& x = inputs[0];
  Array reduced;
  if (axes[0] == kNotMapped) {
    reduced = kind_ == Kind::sum ? times(x, size) : x;  // every device holds x
  } else if (x.shape()[axes[0]] == 1) {
    reduced = lax::squeeze(x, {axes[0]});  // one device in this process: nothing to combine, nothing to copy
  } else if (kind_ == Kind::sum) {
    reduced = lax::reduce_sum(x, {axes[0]});
  } else if (kind_ == Kind::max) {
    reduced = lax::reduce_max(x, {axes[0]});
  } else {
    reduced = lax::reduce_min(x, {axes[0]});
  }
  const auto reduction = kind_ == Kind::sum   ? detail::ProcessReduction::sum
                         : kind_ == Kind::max ? detail::ProcessReduction::max
                                              : detail::ProcessReduction::min;
  reduced = across_processes(reduced, reduction, std::string(name()));
  const std::vector<std::string> rest = without(axes_.names, *current_batch_axis_name());
  if (!rest.empty()) reduced = jx::bind1(AllReduce(kind_, rest), {reduced});
  return {{reduced}, {kNotMapped}};
}

// --- psum's transpose ----------------------------------------------------------------------------------

ArrayList PsumTranspose::evaluate(std::span<const Array> /*inputs*/) const {
  throw_unbound_axis("psum", axes_.names[0]);
}

ArrayList PsumTranspose::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                             std::span<const Array> /*outputs*/) const {
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0]})};
}

ArrayList PsumTranspose::transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                                   std::span<const ArrayType> /*types*/) const {
  if (!cotangents[0].valid()) return {Array()};
  return {jx::bind1(AllReduce(AllReduce::Kind::sum, axes_.names), {cotangents[0]})};
}

BatchResult PsumTranspose::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  if (!rule_binds_any(axes_.names)) return {{jx::bind1(*this, {inputs[0]})}, {axes[0]}};
  Array summed = axes[0] == kNotMapped
                     ? inputs[0]
                     : across_processes(lax::reduce_sum(inputs[0], {axes[0]}), detail::ProcessReduction::sum, "psum");
  const std::vector<std::string> rest = without(axes_.names, *current_batch_axis_name());
  if (!rest.empty()) summed = jx::bind1(PsumTranspose(rest), {summed});
  return {{summed}, {kNotMapped}};
}

// --- all_gather -------------------------------------------------------------------------------------

TypeList AllGather::infer(std::span<const ArrayType> inputs) const {
  ArrayType type = inputs[0];
  const int rank = type.shape.ndim();
  check_axis("all_gather", "axis", gather_axis_, tiled_ ? rank : rank + 1, type.shape);
  if (tiled_) {
    type.shape[gather_axis_] *= axis_size_;
  } else {
    type.shape.insert(gather_axis_, axis_size_);
  }
  type.weak = false;
  return {type};
}

ArrayList AllGather::evaluate(std::span<const Array> /*inputs*/) const { throw_unbound_axis(name(), axis_); }

ArrayList AllGather::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                         std::span<const Array> /*outputs*/) const {
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0]})};
}

ArrayList AllGather::transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                               std::span<const ArrayType> /*types*/) const {
  if (!cotangents[0].valid()) return {Array()};
  return {jx::bind1(PsumScatter(axis_, gather_axis_, tiled_, axis_size_), {cotangents[0]})};
}

BatchResult AllGather::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  if (!rule_binds(axis_)) {
    return per_example(inputs[0], axes[0], [&](const Array& x) {
      return jx::bind1(AllGather(axis_, gather_axis_ + 1, tiled_, axis_size_), {x});
    });
  }
  // The devices' values, stacked on axis 0, moved to where the gathered axis goes.
  const Array stacked = every_device(inputs[0], axes[0], "all_gather");
  const int rank = stacked.ndim();
  std::vector<int> permutation;
  for (int d = 1; d <= gather_axis_; ++d) permutation.push_back(d);
  permutation.push_back(0);
  for (int d = gather_axis_ + 1; d < rank; ++d) permutation.push_back(d);
  Array gathered = lax::transpose(stacked, permutation);
  if (tiled_) {
    Shape merged;
    for (int d = 0; d < rank; ++d) {
      if (d == gather_axis_ + 1) continue;
      merged.push_back(d == gather_axis_ ? gathered.shape()[d] * gathered.shape()[d + 1] : gathered.shape()[d]);
    }
    gathered = lax::reshape(gathered, merged);
  }
  return {{gathered}, {kNotMapped}};
}

// --- psum_scatter -------------------------------------------------------------------------------------

TypeList PsumScatter::infer(std::span<const ArrayType> inputs) const {
  ArrayType type = inputs[0];
  check_axis("psum_scatter", "scatter_dimension", scatter_dimension_, type.shape.ndim(), type.shape);
  const std::int64_t n = type.shape[scatter_dimension_];
  if (tiled_ ? n % axis_size_ != 0 : n != axis_size_) {
    throw ShapeError(
        "psum_scatter",
        fmt::format("dimension {} of the operand (shape {}) has size {}, which must be {} the axis size {}",
                    scatter_dimension_, type.shape.to_string(), n, tiled_ ? "a multiple of" : "equal to", axis_size_));
  }
  if (tiled_) {
    type.shape[scatter_dimension_] = n / axis_size_;
  } else {
    type.shape.erase(scatter_dimension_);
  }
  return {type};
}

ArrayList PsumScatter::evaluate(std::span<const Array> /*inputs*/) const { throw_unbound_axis("psum_scatter", axis_); }

ArrayList PsumScatter::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                           std::span<const Array> /*outputs*/) const {
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0]})};
}

ArrayList PsumScatter::transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                                 std::span<const ArrayType> /*types*/) const {
  if (!cotangents[0].valid()) return {Array()};
  return {jx::bind1(AllGather(axis_, scatter_dimension_, tiled_, axis_size_), {cotangents[0]})};
}

BatchResult PsumScatter::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  if (!rule_binds(axis_)) {
    return per_example(inputs[0], axes[0], [&](const Array& x) {
      return jx::bind1(PsumScatter(axis_, scatter_dimension_ + 1, tiled_, axis_size_), {x});
    });
  }
  const Array local_sum =
      axes[0] == kNotMapped ? times(inputs[0], current_batch_size()) : lax::reduce_sum(inputs[0], {axes[0]});
  const Array summed = across_processes(local_sum, detail::ProcessReduction::sum, "psum_scatter");
  // Device i keeps row i: the rows are the devices.
  if (!tiled_) return {{own_devices(summed, scatter_dimension_)}, {scatter_dimension_}};
  Shape split;
  for (int d = 0; d < summed.ndim(); ++d) {
    if (d == scatter_dimension_) {
      split.push_back(axis_size_);
      split.push_back(summed.shape()[d] / axis_size_);
    } else {
      split.push_back(summed.shape()[d]);
    }
  }
  return {{own_devices(lax::reshape(summed, split), scatter_dimension_)}, {scatter_dimension_}};
}

// --- ppermute --------------------------------------------------------------------------------------------

ArrayList Ppermute::evaluate(std::span<const Array> /*inputs*/) const { throw_unbound_axis(name(), axis_); }

ArrayList Ppermute::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                        std::span<const Array> /*outputs*/) const {
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0]})};
}

ArrayList Ppermute::transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                              std::span<const ArrayType> /*types*/) const {
  if (!cotangents[0].valid()) return {Array()};
  std::vector<std::int64_t> inverse;
  for (std::size_t i = 0; i + 1 < pairs_.size(); i += 2) {
    inverse.push_back(pairs_[i + 1]);
    inverse.push_back(pairs_[i]);
  }
  return {jx::bind1(Ppermute(axis_, std::move(inverse), axis_size_), {cotangents[0]})};
}

BatchResult Ppermute::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  if (!rule_binds(axis_)) {
    return per_example(inputs[0], axes[0], [&](const Array& x) { return jx::bind1(*this, {x}); });
  }
  const Array sent = every_device(inputs[0], axes[0], "ppermute");
  ArrayType one = sent.type();
  one.shape[0] = 1;
  one.weak = false;
  std::vector<Array> received;
  const std::int64_t local = current_batch_size();
  const std::int64_t first = current_batch_axis_processes().process_index * local;
  for (std::int64_t destination = first; destination < first + local; ++destination) {
    Array value = rules::zeros(one);
    for (std::size_t i = 0; i + 1 < pairs_.size(); i += 2) {
      if (pairs_[i + 1] == destination) value = lax::slice_in_dim(sent, pairs_[i], pairs_[i] + 1, 1, 0);
    }
    received.push_back(value);
  }
  return {{lax::concatenate(received, 0)}, {0}};
}

// --- all_to_all ---------------------------------------------------------------------------------------------

TypeList AllToAll::infer(std::span<const ArrayType> inputs) const {
  ArrayType type = inputs[0];
  const int rank = type.shape.ndim();
  check_axis("all_to_all", "split_axis", split_axis_, rank, type.shape);
  check_axis("all_to_all", "concat_axis", concat_axis_, rank, type.shape);
  const std::int64_t n = type.shape[split_axis_];
  if (tiled_ ? n % axis_size_ != 0 : n != axis_size_) {
    throw ShapeError(
        "all_to_all",
        fmt::format("split_axis {} of the operand (shape {}) has size {}, which must be {} the axis size {}",
                    split_axis_, type.shape.to_string(), n, tiled_ ? "a multiple of" : "equal to", axis_size_));
  }
  if (tiled_) {
    type.shape[split_axis_] = n / axis_size_;
    type.shape[concat_axis_] *= axis_size_;
  } else {
    type.shape.erase(split_axis_);
    type.shape.insert(concat_axis_, axis_size_);
  }
  return {type};
}

ArrayList AllToAll::evaluate(std::span<const Array> /*inputs*/) const { throw_unbound_axis(name(), axis_); }

ArrayList AllToAll::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                        std::span<const Array> /*outputs*/) const {
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0]})};
}

ArrayList AllToAll::transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                              std::span<const ArrayType> /*types*/) const {
  if (!cotangents[0].valid()) return {Array()};
  return {jx::bind1(AllToAll(axis_, concat_axis_, split_axis_, tiled_, axis_size_), {cotangents[0]})};
}

BatchResult AllToAll::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  if (!rule_binds(axis_)) {
    return per_example(inputs[0], axes[0], [&](const Array& x) {
      return jx::bind1(AllToAll(axis_, split_axis_ + 1, concat_axis_ + 1, tiled_, axis_size_), {x});
    });
  }
  // Axis 0 of `all` is the source device; the split axis, once divided into one chunk per device, is
  // the destination. The result is batched along the destination, with the sources along concat_axis.
  Array all = every_device(inputs[0], axes[0], "all_to_all");
  const int rank = all.ndim() - 1;  // per device
  const int source = 0;
  const int destination = 1 + split_axis_;
  std::vector<int> dimension_of(static_cast<std::size_t>(rank));  // per-device axis k in `all`
  if (tiled_) {
    Shape split;
    for (int d = 0; d < all.ndim(); ++d) {
      if (d == destination) {
        split.push_back(axis_size_);
        split.push_back(all.shape()[d] / axis_size_);
      } else {
        split.push_back(all.shape()[d]);
      }
    }
    all = lax::reshape(all, split);
    for (int k = 0; k < rank; ++k) dimension_of[static_cast<std::size_t>(k)] = k < split_axis_ ? 1 + k : 2 + k;
  } else {
    for (int k = 0; k < rank; ++k) dimension_of[static_cast<std::size_t>(k)] = 1 + k;
  }
  std::vector<int> permutation{destination};
  std::vector<int> per_device;
  for (int k = 0; k < rank; ++k) {
    if (!tiled_ && k == split_axis_) continue;
    per_device.push_back(dimension_of[static_cast<std::size_t>(k)]);
  }
  // The sources: the new axis, or (tiled) just before the axis they are concatenated into.
  per_device.insert(per_device.begin() + concat_axis_, source);
  permutation.insert(permutation.end(), per_device.begin(), per_device.end());
  Array exchanged = lax::transpose(all, permutation);
  if (tiled_) {
    // Merge the sources into the concat axis: (devices, ..., sources, n, ...) → (devices, ..., sources*n, ...).
    const int at = 1 + concat_axis_;
    Shape merged;
    for (int d = 0; d < exchanged.ndim(); ++d) {
      if (d == at + 1) continue;
      merged.push_back(d == at ? exchanged.shape()[d] * exchanged.shape()[d + 1] : exchanged.shape()[d]);
    }
    exchanged = lax::reshape(exchanged, merged);
  }
  return {{own_devices(exchanged, 0)}, {0}};
}

// --- axis_index ---------------------------------------------------------------------------------------------

TypeList AxisIndex::infer(std::span<const ArrayType> /*inputs*/) const { return {ArrayType{Shape{}, DType::int32}}; }

ArrayList AxisIndex::evaluate(std::span<const Array> /*inputs*/) const { throw_unbound_axis(name(), axis_); }

ArrayList AxisIndex::jvp(std::span<const Array> /*primals*/, std::span<const Array> /*tangents*/,
                         std::span<const Array> /*outputs*/) const {
  return {Array()};
}

BatchResult AxisIndex::batch(std::span<const Array> /*inputs*/, std::span<const int> /*axes*/) const {
  if (!rule_binds(axis_)) return {{jx::bind1(*this, {})}, {kNotMapped}};
  const std::int64_t local = current_batch_size();
  const Array first = lax::convert_element_type(
      Array(static_cast<double>(current_batch_axis_processes().process_index * local)), DType::int32);
  return {{lax::add(lax::iota(DType::int32, local), first)}, {0}};
}

}  // namespace jx::primitives
