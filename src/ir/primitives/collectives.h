// src/ir/primitives/collectives.h — the collectives over named axes (jx/lax/parallel.h).
//
// A collective has no kernel of its own: it only means something inside a map that binds its axis
// name, and that map's batching trace rewrites it into ordinary array operations over the batch axis
// (the devices of a pmap or shard_map in this process are the examples of that batch). So each class
// is mostly its batching rule, which runs in two situations:
//   - the trace's axis is one the collective names: it reduces, gathers or moves data along the batch
//     axis, and says whether the result still varies along it (kNotMapped when it does not);
//   - the trace is another map's: the collective applies to every example independently, so it is
//     bound again on the batched value, its axis parameters shifted past the batch axis.
// Evaluating a collective outside any such map is an error (NameError, as JAX's "unbound axis name").
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "jx/ir/primitive.h"

namespace jx::primitives {

// The axis names of a collective, as a primitive parameter.
struct AxisNames {
  std::vector<std::string> names;
  friend bool operator==(const AxisNames&, const AxisNames&) = default;
};
void print_param_value(std::ostream& os, const AxisNames& v);
std::size_t hash_param_value(const AxisNames& v);

// psum, pmax and pmin: a reduction over the named axes whose result is the same on every device.
class AllReduce final : public PrimitiveBase<AllReduce> {
 public:
  enum class Kind { sum, max, min };
  AllReduce(Kind kind, std::vector<std::string> axes) : kind_(kind), axes_{std::move(axes)} {}
  std::string_view name() const override;
  TypeList infer(std::span<const ArrayType> inputs) const override { return {inputs[0]}; }
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  std::vector<std::string> axis_names() const override { return axes_.names; }
  auto params() const { return std::tuple{Param{"axes", axes_}}; }

 private:
  Kind kind_;
  AxisNames axes_;
};

// psum's transpose. A cotangent that varies along the axis (one per device) is summed, as psum would;
// one that does not is the single cotangent of the single, replicated result, and passes to every
// device unchanged — JAX's efficient transposition, which makes grad of a shard_map'd loss that ends
// in psum equal to grad of the unmapped loss.
class PsumTranspose final : public PrimitiveBase<PsumTranspose> {
 public:
  explicit PsumTranspose(std::vector<std::string> axes) : axes_{std::move(axes)} {}
  std::string_view name() const override { return "psum_transpose"; }
  TypeList infer(std::span<const ArrayType> inputs) const override { return {inputs[0]}; }
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  std::vector<std::string> axis_names() const override { return axes_.names; }
  auto params() const { return std::tuple{Param{"axes", axes_}}; }

 private:
  AxisNames axes_;
};

class AllGather final : public PrimitiveBase<AllGather> {
 public:
  AllGather(std::string axis, int gather_axis, bool tiled, std::int64_t axis_size)
      : axis_(std::move(axis)), gather_axis_(gather_axis), tiled_(tiled), axis_size_(axis_size) {}
  std::string_view name() const override { return "all_gather"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  std::vector<std::string> axis_names() const override { return {axis_}; }
  auto params() const {
    return std::tuple{Param{"axis_name", axis_}, Param{"all_gather_dimension", gather_axis_}, Param{"tiled", tiled_},
                      Param{"axis_size", axis_size_}};
  }

 private:
  std::string axis_;
  int gather_axis_;
  bool tiled_;
  std::int64_t axis_size_;
};

class PsumScatter final : public PrimitiveBase<PsumScatter> {
 public:
  PsumScatter(std::string axis, int scatter_dimension, bool tiled, std::int64_t axis_size)
      : axis_(std::move(axis)), scatter_dimension_(scatter_dimension), tiled_(tiled), axis_size_(axis_size) {}
  std::string_view name() const override { return "reduce_scatter"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  std::vector<std::string> axis_names() const override { return {axis_}; }
  auto params() const {
    return std::tuple{Param{"axis_name", axis_}, Param{"scatter_dimension", scatter_dimension_}, Param{"tiled", tiled_},
                      Param{"axis_size", axis_size_}};
  }

 private:
  std::string axis_;
  int scatter_dimension_;
  bool tiled_;
  std::int64_t axis_size_;
};

class Ppermute final : public PrimitiveBase<Ppermute> {
 public:
  // `pairs` holds (source, destination) pairs flattened: s0, d0, s1, d1, ...
  Ppermute(std::string axis, std::vector<std::int64_t> pairs, std::int64_t axis_size)
      : axis_(std::move(axis)), pairs_(std::move(pairs)), axis_size_(axis_size) {}
  std::string_view name() const override { return "ppermute"; }
  TypeList infer(std::span<const ArrayType> inputs) const override { return {inputs[0]}; }
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  std::vector<std::string> axis_names() const override { return {axis_}; }
  auto params() const {
    return std::tuple{Param{"axis_name", axis_}, Param{"perm", pairs_}, Param{"axis_size", axis_size_}};
  }

 private:
  std::string axis_;
  std::vector<std::int64_t> pairs_;
  std::int64_t axis_size_;
};

class AllToAll final : public PrimitiveBase<AllToAll> {
 public:
  AllToAll(std::string axis, int split_axis, int concat_axis, bool tiled, std::int64_t axis_size)
      : axis_(std::move(axis)),
        split_axis_(split_axis),
        concat_axis_(concat_axis),
        tiled_(tiled),
        axis_size_(axis_size) {}
  std::string_view name() const override { return "all_to_all"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  std::vector<std::string> axis_names() const override { return {axis_}; }
  auto params() const {
    return std::tuple{Param{"axis_name", axis_}, Param{"split_axis", split_axis_}, Param{"concat_axis", concat_axis_},
                      Param{"tiled", tiled_}, Param{"axis_size", axis_size_}};
  }

 private:
  std::string axis_;
  int split_axis_, concat_axis_;
  bool tiled_;
  std::int64_t axis_size_;
};

class AxisIndex final : public PrimitiveBase<AxisIndex> {
 public:
  explicit AxisIndex(std::string axis) : axis_(std::move(axis)) {}
  std::string_view name() const override { return "axis_index"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  std::vector<std::string> axis_names() const override { return {axis_}; }
  auto params() const { return std::tuple{Param{"axis_name", axis_}}; }

 private:
  std::string axis_;
};

// NameError for a collective over `axis` that no map binds, listing those that are bound.
[[noreturn]] void throw_unbound_axis(std::string_view op, std::string_view axis);

}  // namespace jx::primitives
