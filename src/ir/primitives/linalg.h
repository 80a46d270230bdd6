// src/ir/primitives/linalg.h — dot_general, the one contraction primitive matmul, dot, einsum and
// tensordot lower to.
#pragma once

#include <tuple>
#include <vector>

#include "backends/cpu/kernels.h"
#include "jx/ir/primitive.h"

namespace jx::primitives {

// XLA's dot_general: contract lhs_contracting with rhs_contracting, keep batch axes paired; the
// output axes are (batch..., lhs free..., rhs free...).
class DotGeneral final : public PrimitiveBase<DotGeneral> {
 public:
  explicit DotGeneral(cpu::DotDimensions dims) : dims_(std::move(dims)) {}
  const cpu::DotDimensions& dimensions() const { return dims_; }
  std::string_view name() const override { return "dot_general"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const {
    return std::tuple{Param{"lhs_contracting", dims_.lhs_contracting}, Param{"rhs_contracting", dims_.rhs_contracting},
                      Param{"lhs_batch", dims_.lhs_batch}, Param{"rhs_batch", dims_.rhs_batch}};
  }

 private:
  cpu::DotDimensions dims_;
};

}  // namespace jx::primitives
