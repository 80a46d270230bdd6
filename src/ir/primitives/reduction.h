// src/ir/primitives/reduction.h — reductions over axes, arg-reductions and cumulative reductions.
#pragma once

#include <tuple>
#include <vector>

#include "backends/cpu/kernels.h"
#include "jx/ir/primitive.h"

namespace jx::primitives {

// reduce_sum, reduce_max, ... over sorted, unique `axes`; the reduced axes disappear.
class Reduce final : public PrimitiveBase<Reduce> {
 public:
  Reduce(cpu::ReduceOp op, std::vector<int> axes) : op_(op), axes_(std::move(axes)) {}
  cpu::ReduceOp op() const { return op_; }
  const std::vector<int>& axes() const { return axes_; }
  std::string_view name() const override;
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  Kernel lower(const LoweringContext& context) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"axes", axes_}}; }

 private:
  cpu::ReduceOp op_;
  std::vector<int> axes_;
};

// argmax / argmin along one axis.
class ArgReduce final : public PrimitiveBase<ArgReduce> {
 public:
  ArgReduce(bool is_max, int axis, DType index_dtype) : is_max_(is_max), axis_(axis), index_dtype_(index_dtype) {}
  std::string_view name() const override { return is_max_ ? "argmax" : "argmin"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  // Indices are piecewise constant in the input: a zero tangent (JAX's float0), so that argmax can sit
  // inside a differentiated function.
  ArrayList jvp(std::span<const Array> /*primals*/, std::span<const Array> /*tangents*/,
                std::span<const Array> /*outputs*/) const override {
    return {Array()};
  }
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"axes", axis_}, Param{"index_dtype", index_dtype_}}; }

 private:
  bool is_max_;
  int axis_;
  DType index_dtype_;
};

class Cumulative final : public PrimitiveBase<Cumulative> {
 public:
  Cumulative(cpu::CumulativeOp op, int axis, bool reverse) : op_(op), axis_(axis), reverse_(reverse) {}
  cpu::CumulativeOp op() const { return op_; }
  int axis() const { return axis_; }
  bool reverse() const { return reverse_; }
  std::string_view name() const override;
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"axis", axis_}, Param{"reverse", reverse_}}; }

 private:
  cpu::CumulativeOp op_;
  int axis_;
  bool reverse_;
};

}  // namespace jx::primitives
