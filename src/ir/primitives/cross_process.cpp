// The collectives' steps across processes (src/ir/primitives/cross_process.h).
#include "ir/primitives/cross_process.h"

#include <fmt/format.h>

#include <cstring>
#include <memory>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "ir/primitives/rules.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::detail {

void print_param_value(std::ostream& os, ProcessReduction reduction) { os << reduction_name(reduction); }
std::size_t hash_param_value(ProcessReduction reduction) { return static_cast<std::size_t>(reduction); }

}  // namespace jx::detail

namespace jx::primitives {
namespace {

// What the processes are told the call is, for the errors of one that called something else.
std::string describe(const std::string& collective, const ArrayType& type) {
  return fmt::format("{} of {}", collective, type.to_string());
}

}  // namespace

// --- all-reduce ----------------------------------------------------------------------------------------

ArrayList ProcessAllReduce::evaluate(std::span<const Array> inputs) const {
  const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
  if (!group) return {inputs[0]};
  const ArrayType& type = inputs[0].type();
  const Array dense = cpu::contiguous(inputs[0]);
  auto out = allocate_array(type);
  group->all_reduce(concrete(dense).data(), out->data(), type.num_elements(), type.dtype, reduction_,
                    describe(collective_, type));
  return {wrap(std::move(out))};
}

Kernel ProcessAllReduce::lower(const LoweringContext& context) const {
  const ArrayType type = context.inputs[0];
  const std::string what = describe(collective_, type);
  const detail::ProcessReduction reduction = reduction_;
  // MPI reduces from the input buffer straight into the output, or in place in a donated buffer.
  Kernel kernel{[type, what, reduction](const KernelCall& call) {
    const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
    if (!group) {
      if (call.outputs[0] != call.inputs[0]) std::memcpy(call.outputs[0], call.inputs[0], type.num_bytes());
      return;
    }
    group->all_reduce(call.inputs[0], call.outputs[0], type.num_elements(), type.dtype, reduction, what);
  }};
  kernel.in_place = true;
  return kernel;
}

ArrayList ProcessAllReduce::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                                std::span<const Array> outputs) const {
  if (reduction_ != detail::ProcessReduction::sum) return Primitive::jvp(primals, tangents, outputs);
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0]})};
}

// Every process's output is the sum of every process's input, so each input's cotangent is the sum of
// every output's.
ArrayList ProcessAllReduce::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                      std::span<const ArrayType> types) const {
  if (reduction_ != detail::ProcessReduction::sum) return Primitive::transpose(cotangents, inputs, types);
  if (!cotangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {cotangents[0]})};
}

BatchResult ProcessAllReduce::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return {{jx::bind1(*this, {inputs[0]})}, {axes[0]}};
}

// --- all-gather ----------------------------------------------------------------------------------------

TypeList ProcessAllGather::infer(std::span<const ArrayType> inputs) const {
  const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
  ArrayType type = inputs[0];
  type.shape.insert(0, group ? group->size() : 1);
  type.weak = false;
  return {type};
}

ArrayList ProcessAllGather::evaluate(std::span<const Array> inputs) const {
  const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
  const ArrayType& type = inputs[0].type();
  if (!group) return {lax::expand_dims(inputs[0], {0})};
  const Array dense = cpu::contiguous(inputs[0]);
  auto out = allocate_array(infer(std::array{type})[0]);
  group->all_gather(concrete(dense).data(), out->data(), static_cast<std::int64_t>(type.num_bytes()),
                    describe(collective_, type));
  return {wrap(std::move(out))};
}

Kernel ProcessAllGather::lower(const LoweringContext& context) const {
  const ArrayType type = context.inputs[0];
  const std::string what = describe(collective_, type);
  return Kernel{[type, what](const KernelCall& call) {
    const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
    if (!group) {
      std::memcpy(call.outputs[0], call.inputs[0], type.num_bytes());
      return;
    }
    group->all_gather(call.inputs[0], call.outputs[0], static_cast<std::int64_t>(type.num_bytes()), what);
  }};
}

ArrayList ProcessAllGather::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                                std::span<const Array> /*outputs*/) const {
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0]})};
}

// Process q's input appears as row q of every process's output: its cotangent is the sum over processes
// of their row q.
ArrayList ProcessAllGather::transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                                      std::span<const ArrayType> /*types*/) const {
  if (!cotangents[0].valid()) return {Array()};
  const std::shared_ptr<detail::ProcessGroup> group = detail::process_group();
  const Array summed = jx::bind1(ProcessAllReduce(detail::ProcessReduction::sum, collective_), {cotangents[0]});
  const int rank = group ? group->rank() : 0;
  return {lax::squeeze(lax::slice_in_dim(summed, rank, rank + 1, 1, 0), {0})};
}

BatchResult ProcessAllGather::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return {{jx::bind1(*this, {inputs[0]})}, {axes[0] == kNotMapped ? kNotMapped : axes[0] + 1}};
}

}  // namespace jx::primitives
