// src/ir/primitives/cross_process.h — the step of a collective that crosses processes.
//
// A pmap axis of a distributed program (jx/distributed.h) spans the devices of every process. The
// batching rule of a collective over it first combines this process's devices along the batch axis,
// as in one process, then binds one of these primitives to combine the processes: each process calls
// its jx::distributed process group (MPI) with its own partial result. Without a process group (one
// process) they are identities. Every process runs the same program, so the calls pair up in order.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <tuple>

#include "core/process_group.h"
#include "jx/ir/primitive.h"

namespace jx::detail {
// As a primitive parameter: "sum", "max" or "min".
void print_param_value(std::ostream& os, ProcessReduction reduction);
std::size_t hash_param_value(ProcessReduction reduction);
}  // namespace jx::detail

namespace jx::primitives {

// The sum, maximum or minimum of every process's operand (MPI_Allreduce).
class ProcessAllReduce final : public PrimitiveBase<ProcessAllReduce> {
 public:
  // `collective` names the user's operation for errors ("psum").
  ProcessAllReduce(detail::ProcessReduction reduction, std::string collective)
      : reduction_(reduction), collective_(std::move(collective)) {}
  std::string_view name() const override { return "process_all_reduce"; }
  TypeList infer(std::span<const ArrayType> inputs) const override { return {inputs[0]}; }
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"reduction", reduction_}, Param{"of", collective_}}; }

 private:
  detail::ProcessReduction reduction_;
  std::string collective_;
};

// Every process's operand, stacked along a new leading axis in process order (MPI_Allgather).
class ProcessAllGather final : public PrimitiveBase<ProcessAllGather> {
 public:
  explicit ProcessAllGather(std::string collective) : collective_(std::move(collective)) {}
  std::string_view name() const override { return "process_all_gather"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"of", collective_}}; }

 private:
  std::string collective_;
};

}  // namespace jx::primitives
