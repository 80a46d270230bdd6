// src/ir/primitives/convolution.h — conv_general_dilated, XLA's convolution.
//
// Operands are lhs (batch, feature, spatial...) and rhs (output feature, input feature, spatial...)
// in any axis order, named by dimension numbers; the output is (batch, feature, spatial...) in
// out_spec's order. For each output position the window of lhs (dilated by lhs_dilation, padded,
// strided by window_strides) meets the kernel (dilated by rhs_dilation): a cross-correlation.
//
// The primitive is bilinear, so its derivative is itself in each argument, and its two transposes
// are convolutions again, with the roles of strides and dilations exchanged (JAX's
// _conv_general_dilated_transpose_lhs/rhs): the lhs cotangent convolves the output cotangent with
// the spatially reversed kernel, its features swapped; the rhs cotangent convolves lhs with the
// output cotangent, batch and feature axes swapped. Feature groups become batch groups in the rhs
// cotangent and back, which is why batch_group_count exists at all.
#pragma once

#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "jx/ir/primitive.h"

namespace jx::cpu {
struct ConvGeometry;
}

namespace jx::primitives {

// Everything conv_general_dilated is parameterized by, canonical: one entry per spatial axis (in
// rhs_spec's order of spatial axes) and the specs as axis numbers.
struct ConvParams {
  std::vector<std::int64_t> window_strides, padding_low, padding_high, lhs_dilation, rhs_dilation;
  std::vector<int> lhs_spec, rhs_spec, out_spec;
  std::int64_t feature_group_count = 1, batch_group_count = 1;
};

class ConvGeneralDilated final : public PrimitiveBase<ConvGeneralDilated> {
 public:
  explicit ConvGeneralDilated(ConvParams params) : p_(std::move(params)) {}
  const ConvParams& parameters() const { return p_; }
  std::string_view name() const override { return "conv_general_dilated"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const {
    return std::tuple{Param{"window_strides", p_.window_strides},
                      Param{"padding_low", p_.padding_low},
                      Param{"padding_high", p_.padding_high},
                      Param{"lhs_dilation", p_.lhs_dilation},
                      Param{"rhs_dilation", p_.rhs_dilation},
                      Param{"lhs_spec", p_.lhs_spec},
                      Param{"rhs_spec", p_.rhs_spec},
                      Param{"out_spec", p_.out_spec},
                      Param{"feature_group_count", p_.feature_group_count},
                      Param{"batch_group_count", p_.batch_group_count}};
  }

 private:
  ConvParams p_;
};

// The CPU kernel's description of a convolution with these parameters on dense operands of these shapes.
cpu::ConvGeometry dense_conv_geometry(const ConvParams& params, const Shape& lhs, const Shape& rhs, const Shape& out);

// Size of an axis of `size` elements with `dilation - 1` holes between neighbours.
inline std::int64_t dilate_dim(std::int64_t size, std::int64_t dilation) {
  return size == 0 ? 0 : 1 + dilation * (size - 1);
}

// The padding of the convolution (or windowed sum) that computes the transpose with respect to the
// operand whose spatial sizes are `in_shape` (JAX's _conv_general_vjp_lhs_padding), and with respect
// to the kernel (_conv_general_vjp_rhs_padding). Arguments are per spatial axis.
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> conv_vjp_lhs_padding(
    const std::vector<std::int64_t>& in_shape, const std::vector<std::int64_t>& window_dimensions,
    const std::vector<std::int64_t>& window_strides, const std::vector<std::int64_t>& out_shape,
    const std::vector<std::int64_t>& padding_low, const std::vector<std::int64_t>& lhs_dilation,
    const std::vector<std::int64_t>& rhs_dilation);
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> conv_vjp_rhs_padding(
    const std::vector<std::int64_t>& in_shape, const std::vector<std::int64_t>& window_dimensions,
    const std::vector<std::int64_t>& window_strides, const std::vector<std::int64_t>& out_shape,
    const std::vector<std::int64_t>& padding_low, const std::vector<std::int64_t>& lhs_dilation,
    const std::vector<std::int64_t>& rhs_dilation);

}  // namespace jx::primitives
