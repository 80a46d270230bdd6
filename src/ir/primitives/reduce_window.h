// src/ir/primitives/reduce_window.h — windowed reductions (sum, max, min) and max pooling's derivative.
//
// reduce_window_sum is linear: its transpose pads the cotangent (interior padding undoes the strides)
// and sums it over the same windows again (JAX's _reduce_window_sum_transpose_rule).
//
// reduce_window_max/min pass on the tangent of the element each window picks:
//   jvp(reduce_window_max)(x; t)     = select_and_gather_add(t, x)       linear in t
//   transpose(select_and_gather_add) = select_and_scatter_add(ct, x)     linear in ct
//   transpose(select_and_scatter_add) = select_and_gather_add(ct, x)
// Both pick the same element of x in each window (backends/cpu/reduce_window.h), and neither depends
// differentiably on x (a pick is piecewise constant), so the pair is closed under jvp and transpose:
// max pooling is differentiable to any order, in both modes.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "backends/cpu/reduce_window.h"
#include "jx/ir/primitive.h"

namespace jx::primitives {

// One entry per operand axis.
struct WindowParams {
  std::vector<std::int64_t> window_dimensions, window_strides, padding_low, padding_high, base_dilation,
      window_dilation;

  // As the primitives print and compare them (PrimitiveBase's params()).
  auto as_params() const {
    return std::tuple{Param{"window_dimensions", window_dimensions},
                      Param{"window_strides", window_strides},
                      Param{"padding_low", padding_low},
                      Param{"padding_high", padding_high},
                      Param{"base_dilation", base_dilation},
                      Param{"window_dilation", window_dilation}};
  }
};

class ReduceWindow final : public PrimitiveBase<ReduceWindow> {
 public:
  ReduceWindow(cpu::WindowReduction op, WindowParams params) : op_(op), p_(std::move(params)) {}
  cpu::WindowReduction op() const { return op_; }
  const WindowParams& parameters() const { return p_; }
  std::string_view name() const override;
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return p_.as_params(); }

 private:
  cpu::WindowReduction op_;
  WindowParams p_;
};

// Inputs (tangents, operand) of one shape; the output has the windows' shape.
class SelectAndGatherAdd final : public PrimitiveBase<SelectAndGatherAdd> {
 public:
  SelectAndGatherAdd(cpu::WindowReduction select, WindowParams params);
  std::string_view name() const override { return "select_and_gather_add"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple_cat(std::tuple{Param{"select_prim", select_name_}}, p_.as_params()); }

 private:
  cpu::WindowReduction select_;
  std::string select_name_;  // "ge" (max) or "le" (min), as JAX prints select_prim
  WindowParams p_;
};

// Inputs (source, operand): source has the windows' shape; the output has the operand's.
class SelectAndScatterAdd final : public PrimitiveBase<SelectAndScatterAdd> {
 public:
  SelectAndScatterAdd(cpu::WindowReduction select, WindowParams params);
  std::string_view name() const override { return "select_and_scatter_add"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple_cat(std::tuple{Param{"select_prim", select_name_}}, p_.as_params()); }

 private:
  cpu::WindowReduction select_;
  std::string select_name_;
  WindowParams p_;
};

}  // namespace jx::primitives
