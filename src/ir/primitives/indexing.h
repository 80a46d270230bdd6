// src/ir/primitives/indexing.h — reads and writes at computed indices: gather, scatter, sort.
//
// jx's gather is take_along_axis with broadcasting: out has x's shape with `axis` resized to the
// index array's; on the other axes the index array has size 1 (shared) or x's size. Every NumPy
// integer-array index, take, take_along_axis and embedding lookup lowers to it, and batching it is
// trivial (a batch axis is just one more non-gathered axis). Gathers clamp out-of-range indices;
// scatters drop out-of-range updates — JAX's defaults.
#pragma once

#include <tuple>

#include "backends/cpu/kernels.h"
#include "jx/ir/primitive.h"

namespace jx::primitives {

class Gather final : public PrimitiveBase<Gather> {
 public:
  explicit Gather(int axis) : axis_(axis) {}
  int axis() const { return axis_; }
  std::string_view name() const override { return "gather"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"axis", axis_}}; }

 private:
  int axis_;
};

// scatter(x, indices, updates): updates has the shape gather(x, indices) would return.
class Scatter final : public PrimitiveBase<Scatter> {
 public:
  Scatter(cpu::ScatterMode mode, int axis) : mode_(mode), axis_(axis) {}
  cpu::ScatterMode mode() const { return mode_; }
  int axis() const { return axis_; }
  std::string_view name() const override;
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  // Updates x's buffer in place; the caller guarantees nobody else holds it.
  Array evaluate_in_place(std::span<const Array> inputs) const;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"axis", axis_}}; }

 private:
  cpu::ScatterMode mode_;
  int axis_;
};

// Stable sort of num_operands arrays along `dimension`, keyed lexicographically by the first num_keys.
class Sort final : public PrimitiveBase<Sort> {
 public:
  Sort(int dimension, int num_keys) : dimension_(dimension), num_keys_(num_keys) {}
  std::string_view name() const override { return "sort"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"dimension", dimension_}, Param{"num_keys", num_keys_}}; }

 private:
  int dimension_;
  int num_keys_;
};

}  // namespace jx::primitives
