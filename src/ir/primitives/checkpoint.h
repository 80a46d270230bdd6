// src/ir/primitives/checkpoint.h — checkpoint (remat): a call of a program whose intermediates reverse
// mode recomputes instead of storing.
//
// Differentiating `checkpoint[body](x)` stages the primal call, whose intermediates die inside it, and a
// tangent call that takes the primal inputs themselves as its only residuals; transposing that call
// runs the forward part of the body again before going backwards. Memory for residuals goes down to
// the body's inputs, for the price of a second forward computation.
#pragma once

#include <memory>
#include <string>
#include <tuple>

#include "ir/primitives/control_flow.h"
#include "jx/transforms/checkpoint.h"

namespace jx::primitives {

// With a policy other than nothing_saveable, differentiating the call keeps what the policy allows
// of the body's intermediates (computed by the primal call, as extra outputs) and recomputes only the
// rest (jx/transforms/checkpoint.h).
class Checkpoint final : public PrimitiveBase<Checkpoint> {
 public:
  explicit Checkpoint(ProgramRef body, std::shared_ptr<const CheckpointPolicy> policy = nullptr)
      : body_{{std::move(body)}}, policy_(std::move(policy)), policy_name_(policy_ ? policy_->name : "") {}
  const Program& body() const { return *body_.programs[0]; }
  std::string_view name() const override { return "checkpoint"; }
  void visit_programs(const std::function<void(const Program&)>& visit) const override { visit(body()); }
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
  auto params() const { return std::tuple{Param{"jaxpr", body_}, Param{"policy", policy_name_}}; }

 private:
  // jvp_with_primals under a policy: the primal call also returns the saved intermediates.
  std::pair<ArrayList, ArrayList> jvp_saving(std::span<const Array> primals, std::span<const Array> tangents,
                                             const std::vector<bool>& with_tangent) const;

  Programs body_;
  std::shared_ptr<const CheckpointPolicy> policy_;
  std::string policy_name_;
};

// checkpoint_name(x, name): the identity, recorded so that policies can name what to save.
class CheckpointName final : public PrimitiveBase<CheckpointName> {
 public:
  explicit CheckpointName(std::string name) : name_(std::move(name)) {}
  const std::string& checkpoint_name() const { return name_; }
  std::string_view name() const override { return "name"; }
  bool reinterprets_input(std::span<const ArrayType> /*inputs*/) const override { return true; }
  TypeList infer(std::span<const ArrayType> inputs) const override { return {inputs[0]}; }
  ArrayList evaluate(std::span<const Array> inputs) const override { return {inputs[0]}; }
  ArrayList jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                std::span<const Array> /*outputs*/) const override {
    return {tangents[0]};
  }
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                      std::span<const ArrayType> /*types*/) const override {
    return {cotangents[0]};
  }
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override {
    return {{inputs[0]}, {axes[0]}};
  }
  auto params() const { return std::tuple{Param{"name", name_}}; }

 private:
  std::string name_;
};

}  // namespace jx::primitives
