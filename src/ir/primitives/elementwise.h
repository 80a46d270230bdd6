// src/ir/primitives/elementwise.h — elementwise primitives: unary and binary math, comparisons,
// conversion, selection.
//
// Operands of a binary primitive have the same dtype and the same shape, except that either may be a
// scalar (rank 0), which keeps jaxprs readable (`mul a 0.005`) and lets kernels use a register for it.
// jnp-level broadcasting inserts explicit broadcast_in_dim equations for everything else.
#pragma once

#include <tuple>

#include "ir/elementwise_kinds.h"
#include "jx/ir/primitive.h"

namespace jx::primitives {

std::string_view unary_name(UnaryOp op);
std::string_view binary_name(BinaryOp op);

class Unary final : public PrimitiveBase<Unary> {
 public:
  explicit Unary(UnaryOp op) : op_(op) {}
  UnaryOp op() const { return op_; }
  std::string_view name() const override { return unary_name(op_); }
  Kernel lower(const LoweringContext& context) const override;
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  bool is_elementwise() const override { return true; }
  auto params() const { return std::tuple<>{}; }  // the op is the name

 private:
  UnaryOp op_;
};

class Binary final : public PrimitiveBase<Binary> {
 public:
  explicit Binary(BinaryOp op) : op_(op) {}
  BinaryOp op() const { return op_; }
  std::string_view name() const override { return binary_name(op_); }
  Kernel lower(const LoweringContext& context) const override;
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  bool is_elementwise() const override { return true; }
  auto params() const { return std::tuple<>{}; }

 private:
  BinaryOp op_;
};

// x ** y for a static integer y (lax.integer_pow).
class IntegerPow final : public PrimitiveBase<IntegerPow> {
 public:
  explicit IntegerPow(int y) : y_(y) {}
  int exponent() const { return y_; }
  std::string_view name() const override { return "integer_pow"; }
  Kernel lower(const LoweringContext& context) const override;
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  bool is_elementwise() const override { return true; }
  auto params() const { return std::tuple{Param{"y", y_}}; }

 private:
  int y_;
};

class ConvertElementType final : public PrimitiveBase<ConvertElementType> {
 public:
  ConvertElementType(DType new_dtype, bool weak_type) : new_dtype_(new_dtype), weak_type_(weak_type) {}
  DType new_dtype() const { return new_dtype_; }
  bool weak_type() const { return weak_type_; }
  std::string_view name() const override { return "convert_element_type"; }
  Kernel lower(const LoweringContext& context) const override;
  bool reinterprets_input(std::span<const ArrayType> inputs) const override { return inputs[0].dtype == new_dtype_; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  bool is_elementwise() const override { return true; }
  auto params() const { return std::tuple{Param{"new_dtype", new_dtype_}, Param{"weak_type", weak_type_}}; }

 private:
  DType new_dtype_;
  bool weak_type_;
};

// select_n(pred, on_false, on_true): lax.select_n with a bool predicate (JAX's operand order).
class SelectN final : public PrimitiveBase<SelectN> {
 public:
  std::string_view name() const override { return "select_n"; }
  Kernel lower(const LoweringContext& context) const override;
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  bool is_elementwise() const override { return true; }
  auto params() const { return std::tuple<>{}; }
};

}  // namespace jx::primitives

namespace jx::primitives {

// The identity, with a zero derivative (lax.stop_gradient).
class StopGradient final : public PrimitiveBase<StopGradient> {
 public:
  std::string_view name() const override { return "stop_gradient"; }
  bool reinterprets_input(std::span<const ArrayType> /*inputs*/) const override { return true; }
  TypeList infer(std::span<const ArrayType> inputs) const override { return {inputs[0]}; }
  ArrayList evaluate(std::span<const Array> inputs) const override { return {inputs[0]}; }
  ArrayList jvp(std::span<const Array> /*primals*/, std::span<const Array> /*tangents*/,
                std::span<const Array> /*outputs*/) const override {
    return {Array()};  // a symbolic zero
  }
  bool is_elementwise() const override { return true; }
  auto params() const { return std::tuple<>{}; }
};

}  // namespace jx::primitives
