// src/backends/cpu/bias_epilogue.h — a layer's product and its bias as one planned step.
//
// `y = x @ w + b` (a Linear layer) and `y = conv(x, w) + b` (a Conv layer) trace to the product, a
// broadcast_in_dim of b along the output's feature axis, and an add: three steps, the broadcast
// writing a whole output-sized array and the add reading it and the product again. This pass, run
// on programs about to be planned, replaces the pattern by one equation, which oneDNN computes by
// adding the bias as it writes the product:
//
//   c = dot_general x w;           d = broadcast_in_dim[dims=(1,)] b; e = add c d
//       ->  e = dot_general_bias x w b
//   c = conv_general_dilated x w;  d = broadcast_in_dim[dims=(feature axis,)] b; e = add c d
//       ->  e = conv_general_dilated_bias x w b
//
// Only float32 products (matrices without batch axes; convolutions of any layout) whose result
// nothing else reads are rewritten. Like fused_elementwise, these equations exist only in programs
// about to run: they have no derivative rules.
#pragma once

#include <tuple>

#include "backends/cpu/kernels.h"
#include "ir/primitives/convolution.h"
#include "jx/ir/primitive.h"
#include "jx/ir/program.h"

namespace jx::cpu {

class DotGeneralBias final : public PrimitiveBase<DotGeneralBias> {
 public:
  explicit DotGeneralBias(DotDimensions dims) : dims_(std::move(dims)) {}
  const DotDimensions& dimensions() const { return dims_; }
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

class ConvolutionBias final : public PrimitiveBase<ConvolutionBias> {
 public:
  explicit ConvolutionBias(primitives::ConvParams params) : convolution_(std::move(params)) {}
  const primitives::ConvParams& parameters() const { return convolution_.parameters(); }
  std::string_view name() const override { return "conv_general_dilated_bias"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  auto params() const { return convolution_.params(); }

 private:
  primitives::ConvGeneralDilated convolution_;
};

// The program with every product-plus-bias pattern (above) replaced by one equation.
Program fuse_bias_epilogues(const Program& program);

}  // namespace jx::cpu
