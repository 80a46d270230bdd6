// src/backends/cpu/matmul_epilogue.h — a Linear layer's product and bias as one planned step.
//
// `y = x @ w + b` traces to dot_general, broadcast_in_dim of b along the rows, and add: three steps,
// the last reading and writing the whole product again. This pass, run on programs about to be
// planned, replaces the pattern by one dot_general_bias equation, which oneDNN computes by adding the
// bias as it writes the product (onednn.h's Epilogue):
//
//   c = dot_general x w; d = broadcast_in_dim[dims=(1,)] b; e = add c d   ->   e = dot_general_bias x w b
//
// Only float32 products without batch axes whose result nothing else reads are rewritten. Like
// fused_elementwise, the equation exists only in programs about to run: it has no derivative rules.
#pragma once

#include <tuple>

#include "backends/cpu/kernels.h"
#include "jx/ir/primitive.h"
#include "jx/ir/program.h"

namespace jx::cpu {

class DotGeneralBias final : public PrimitiveBase<DotGeneralBias> {
 public:
  explicit DotGeneralBias(DotDimensions dims) : dims_(std::move(dims)) {}
  std::string_view name() const override { return "dot_general_bias"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  auto params() const {
    return std::tuple{Param{"lhs_contracting", dims_.lhs_contracting}, Param{"rhs_contracting", dims_.rhs_contracting}};
  }

 private:
  DotDimensions dims_;
};

// The program with every product-plus-bias pattern (above) replaced by one dot_general_bias.
Program fuse_matmul_bias(const Program& program);

}  // namespace jx::cpu
