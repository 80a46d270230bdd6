// src/ir/primitives/structural.h — primitives that move data without arithmetic: broadcasting,
// reshaping, transposing, slicing, padding, concatenating, and iota.
//
// Eagerly, the pure re-indexings (broadcast_in_dim, transpose, squeeze, rev, slice, and reshape of a
// contiguous array) return views that share the input's buffer; nothing is copied.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "jx/ir/primitive.h"

namespace jx::primitives {

// Output axis broadcast_dimensions[i] takes operand axis i (of size 1 or the output size).
class BroadcastInDim final : public PrimitiveBase<BroadcastInDim> {
 public:
  BroadcastInDim(Shape shape, std::vector<int> broadcast_dimensions)
      : shape_(std::move(shape)), broadcast_dimensions_(std::move(broadcast_dimensions)) {}
  const Shape& shape() const { return shape_; }
  const std::vector<int>& broadcast_dimensions() const { return broadcast_dimensions_; }
  std::string_view name() const override { return "broadcast_in_dim"; }
  bool returns_view() const override { return true; }
  // Only adding axes of size 1 (a pmap of one device per process returning a replicated value): the
  // output's bytes are the input's.
  bool reinterprets_input(std::span<const ArrayType> inputs) const override;
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const {
    return std::tuple{Param{"shape", shape_}, Param{"broadcast_dimensions", broadcast_dimensions_}};
  }

 private:
  Shape shape_;
  std::vector<int> broadcast_dimensions_;
};

class Reshape final : public PrimitiveBase<Reshape> {
 public:
  explicit Reshape(Shape new_sizes) : new_sizes_(std::move(new_sizes)) {}
  const Shape& new_sizes() const { return new_sizes_; }
  std::string_view name() const override { return "reshape"; }
  bool reinterprets_input(std::span<const ArrayType> /*inputs*/) const override { return true; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"new_sizes", new_sizes_}}; }

 private:
  Shape new_sizes_;
};

class Transpose final : public PrimitiveBase<Transpose> {
 public:
  explicit Transpose(std::vector<int> permutation) : permutation_(std::move(permutation)) {}
  const std::vector<int>& permutation() const { return permutation_; }
  std::string_view name() const override { return "transpose"; }
  bool returns_view() const override { return true; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"permutation", permutation_}}; }

 private:
  std::vector<int> permutation_;
};

class Squeeze final : public PrimitiveBase<Squeeze> {
 public:
  explicit Squeeze(std::vector<int> dimensions) : dimensions_(std::move(dimensions)) {}
  const std::vector<int>& dimensions() const { return dimensions_; }
  std::string_view name() const override { return "squeeze"; }
  bool reinterprets_input(std::span<const ArrayType> /*inputs*/) const override { return true; }
  bool returns_view() const override { return true; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"dimensions", dimensions_}}; }

 private:
  std::vector<int> dimensions_;
};

class Rev final : public PrimitiveBase<Rev> {
 public:
  explicit Rev(std::vector<int> dimensions) : dimensions_(std::move(dimensions)) {}
  const std::vector<int>& dimensions() const { return dimensions_; }
  std::string_view name() const override { return "rev"; }
  bool returns_view() const override { return true; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"dimensions", dimensions_}}; }

 private:
  std::vector<int> dimensions_;
};

// Static slice with positive strides: elements start, start + stride, ... below limit.
class Slice final : public PrimitiveBase<Slice> {
 public:
  Slice(std::vector<std::int64_t> start, std::vector<std::int64_t> limit, std::vector<std::int64_t> strides)
      : start_(std::move(start)), limit_(std::move(limit)), strides_(std::move(strides)) {}
  const std::vector<std::int64_t>& start() const { return start_; }
  const std::vector<std::int64_t>& limit() const { return limit_; }
  const std::vector<std::int64_t>& strides() const { return strides_; }
  std::string_view name() const override { return "slice"; }
  bool returns_view() const override { return true; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const {
    return std::tuple{Param{"start_indices", start_}, Param{"limit_indices", limit_}, Param{"strides", strides_}};
  }

 private:
  std::vector<std::int64_t> start_, limit_, strides_;
};

// pad(x, padding_value): low/high may be negative (cropping); interior inserts between elements.
class Pad final : public PrimitiveBase<Pad> {
 public:
  Pad(std::vector<std::int64_t> low, std::vector<std::int64_t> high, std::vector<std::int64_t> interior)
      : low_(std::move(low)), high_(std::move(high)), interior_(std::move(interior)) {}
  const std::vector<std::int64_t>& low() const { return low_; }
  const std::vector<std::int64_t>& high() const { return high_; }
  const std::vector<std::int64_t>& interior() const { return interior_; }
  std::string_view name() const override { return "pad"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"low", low_}, Param{"high", high_}, Param{"interior", interior_}}; }

 private:
  std::vector<std::int64_t> low_, high_, interior_;
};

class Concatenate final : public PrimitiveBase<Concatenate> {
 public:
  explicit Concatenate(int dimension) : dimension_(dimension) {}
  int dimension() const { return dimension_; }
  std::string_view name() const override { return "concatenate"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"dimension", dimension_}}; }

 private:
  int dimension_;
};

class Iota final : public PrimitiveBase<Iota> {
 public:
  Iota(DType dtype, Shape shape, int dimension) : dtype_(dtype), shape_(std::move(shape)), dimension_(dimension) {}
  std::string_view name() const override { return "iota"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  auto params() const {
    return std::tuple{Param{"dtype", dtype_}, Param{"shape", shape_}, Param{"dimension", dimension_}};
  }

 private:
  DType dtype_;
  Shape shape_;
  int dimension_;
};

// dynamic_slice(x, *start_indices): a window of static `sizes` at traced, clamped start indices.
class DynamicSlice final : public PrimitiveBase<DynamicSlice> {
 public:
  explicit DynamicSlice(Shape sizes) : sizes_(std::move(sizes)) {}
  const Shape& sizes() const { return sizes_; }
  std::string_view name() const override { return "dynamic_slice"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"slice_sizes", sizes_}}; }

 private:
  Shape sizes_;
};

// dynamic_update_slice(x, update, *start_indices).
class DynamicUpdateSlice final : public PrimitiveBase<DynamicUpdateSlice> {
 public:
  std::string_view name() const override { return "dynamic_update_slice"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple<>{}; }
};

}  // namespace jx::primitives
