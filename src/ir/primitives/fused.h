// src/ir/primitives/fused.h — fused_elementwise: a group of elementwise equations (with scalar
// broadcasts, reshapes and trailing full reductions) that the planned executor runs tile by tile.
//
// The fusion pass (src/backends/cpu/fusion.h) replaces such a group by one equation holding the
// group as a closed program; lowering compiles that program into a tile loop, so each tile of a few
// hundred elements passes through the whole chain while it sits in L1: memory traffic is one read of
// the group's inputs and one write of its outputs, whatever the length of the chain. It exists only
// in programs about to run (after every transformation): it has no derivative or batching rules.
#pragma once

#include <tuple>

#include "ir/primitives/control_flow.h"

namespace jx::primitives {

class FusedElementwise final : public PrimitiveBase<FusedElementwise> {
 public:
  explicit FusedElementwise(ProgramRef group) : group_{{std::move(group)}} {}
  const Program& group() const { return *group_.programs[0]; }
  std::string_view name() const override { return "fused_elementwise"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  auto params() const { return std::tuple{Param{"group", group_}}; }

 private:
  Programs group_;
};

}  // namespace jx::primitives
