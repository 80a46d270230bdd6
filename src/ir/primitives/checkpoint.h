// src/ir/primitives/checkpoint.h — checkpoint (remat): a call of a program whose intermediates reverse
// mode recomputes instead of storing.
//
// Differentiating `checkpoint[body](x)` stages the primal call, whose intermediates die inside it, and a
// tangent call that takes the primal inputs themselves as its only residuals; transposing that call
// runs the forward part of the body again before going backwards. Memory for residuals goes down to
// the body's inputs, for the price of a second forward computation.
#pragma once

#include <tuple>

#include "ir/primitives/control_flow.h"

namespace jx::primitives {

class Checkpoint final : public PrimitiveBase<Checkpoint> {
 public:
  explicit Checkpoint(ProgramRef body) : body_{{std::move(body)}} {}
  const Program& body() const { return *body_.programs[0]; }
  std::string_view name() const override { return "checkpoint"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  bool jvp_computes_primals() const override { return true; }
  std::pair<ArrayList, ArrayList> jvp_with_primals(std::span<const Array> primals,
                                                   std::span<const Array> tangents) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  Kernel lower(const LoweringContext& context) const override;
  bool has_side_effects() const override { return has_effects(body()); }
  auto params() const { return std::tuple{Param{"jaxpr", body_}}; }

 private:
  Programs body_;
};

}  // namespace jx::primitives
