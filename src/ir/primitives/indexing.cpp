#include "ir/primitives/indexing.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>

#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace {

// The shape gather(x, indices) returns, checking the broadcasting rule.
Shape gathered_shape(std::string_view op, const ArrayType& x, const ArrayType& indices, int axis) {
  if (!is_integer(indices.dtype)) {
    throw DTypeError(std::string(op), fmt::format("indices must be integers, got {}", dtype_name(indices.dtype)));
  }
  if (axis < 0 || axis >= x.ndim())
    throw ShapeError(std::string(op), fmt::format("axis {} is out of range for {}", axis, x.to_string()));
  if (indices.ndim() != x.ndim()) {
    throw ShapeError(std::string(op), fmt::format("indices {} must have the rank of the operand {}",
                                                  indices.to_string(), x.to_string()));
  }
  Shape shape = x.shape;
  for (int d = 0; d < x.ndim(); ++d) {
    if (d == axis) {
      shape[d] = indices.shape[d];
    } else if (indices.shape[d] != 1 && indices.shape[d] != x.shape[d]) {
      throw ShapeError(std::string(op),
                       fmt::format("indices {} must have size 1 or the operand's size on axis {} of {}",
                                   indices.to_string(), d, x.to_string()));
    }
  }
  if (x.shape[axis] == 0 && indices.shape[axis] > 0) {
    throw IndexError(std::string(op),
                     fmt::format("cannot index into axis {} of {}, which is empty", axis, x.to_string()));
  }
  return shape;
}

}  // namespace

TypeList Gather::infer(std::span<const ArrayType> inputs) const {
  return {ArrayType{gathered_shape(name(), inputs[0], inputs[1], axis_), inputs[0].dtype, inputs[0].weak}};
}

ArrayList Gather::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  return {cpu::gather(inputs[0], inputs[1], axis_, out)};
}

std::string_view Scatter::name() const {
  switch (mode_) {
    case cpu::ScatterMode::set:
      return "scatter";
    case cpu::ScatterMode::add:
      return "scatter-add";
    case cpu::ScatterMode::mul:
      return "scatter-mul";
    case cpu::ScatterMode::min:
      return "scatter-min";
    case cpu::ScatterMode::max:
      return "scatter-max";
  }
  return "scatter";
}

TypeList Scatter::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  const ArrayType& updates = inputs[2];
  const Shape expected = gathered_shape(name(), x, inputs[1], axis_);
  if (updates.shape != expected || updates.dtype != x.dtype) {
    throw ShapeError(std::string(name()), fmt::format("updates {} must have dtype {} and shape {}", updates.to_string(),
                                                      dtype_name(x.dtype), expected.to_string()));
  }
  return {x};
}

ArrayList Scatter::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type(), inputs[1].type(), inputs[2].type()})[0];
  return {cpu::scatter(mode_, inputs[0], inputs[1], inputs[2], axis_, out, false)};
}

Array Scatter::evaluate_in_place(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type(), inputs[1].type(), inputs[2].type()})[0];
  return cpu::scatter(mode_, inputs[0], inputs[1], inputs[2], axis_, out, true);
}

TypeList Sort::infer(std::span<const ArrayType> inputs) const {
  if (inputs.empty() || num_keys_ < 1 || num_keys_ > static_cast<int>(inputs.size())) {
    throw ValueError(std::string(name()), "needs at least one operand and 1 <= num_keys <= number of operands");
  }
  const ArrayType& first = inputs[0];
  if (dimension_ < 0 || dimension_ >= first.ndim()) {
    throw ShapeError(std::string(name()),
                     fmt::format("dimension {} is out of range for {}", dimension_, first.to_string()));
  }
  TypeList out;
  for (const ArrayType& x : inputs) {
    if (x.shape != first.shape) throw ShapeError(std::string(name()), "all operands must have the same shape");
    if (!is_numeric(x.dtype)) throw DTypeError(std::string(name()), fmt::format("cannot sort {}", dtype_name(x.dtype)));
    out.push_back(x);
  }
  return out;
}

ArrayList Sort::evaluate(std::span<const Array> inputs) const {
  TypeList types;
  for (const Array& x : inputs) types.push_back(x.type());
  infer(types);
  return cpu::sort(inputs, dimension_, num_keys_);
}

}  // namespace jx::primitives

// --- Derivatives -----------------------------------------------------------------------------------

namespace jx::primitives {
namespace {

// Indices clamped as a gather reads them.
Array clamped(const Array& indices, std::int64_t size) {
  return lax::clamp(lax::convert_element_type(0, indices.dtype()), indices,
                    lax::convert_element_type(std::max<std::int64_t>(size - 1, 0), indices.dtype()));
}

// 1 where an update lands inside the operand, 0 where a scatter drops it; broadcast to `shape`.
Array in_bounds(const Array& indices, std::int64_t size, const Shape& shape, DType dtype) {
  const Array inside = lax::bitwise_and(lax::ge(indices, lax::convert_element_type(0, indices.dtype())),
                                        lax::lt(indices, lax::convert_element_type(size, indices.dtype())));
  std::vector<int> dims(static_cast<std::size_t>(shape.ndim()));
  std::iota(dims.begin(), dims.end(), 0);
  return lax::broadcast_in_dim(lax::convert_element_type(inside, dtype), shape, dims);
}

}  // namespace

ArrayList Gather::jvp(std::span<const Array> primals, std::span<const Array> tangents, std::span<const Array>) const {
  if (!tangents[0].valid()) return {Array()};
  return {lax::gather(tangents[0], primals[1], axis_)};
}

ArrayList Gather::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                            std::span<const ArrayType> types) const {
  // Each read element sends its cotangent back where it was read from (indices clamped as the gather
  // clamped them), summing repeats.
  const Array& indices = inputs[1];
  const Array ct = lax::scatter(rules::zeros(types[0]), clamped(indices, types[0].shape[axis_]), cotangents[0], axis_,
                                lax::ScatterMode::add);
  return {ct, Array()};
}

ArrayList Scatter::jvp(std::span<const Array> primals, std::span<const Array> tangents, std::span<const Array>) const {
  if (!tangents[0].valid() && !tangents[2].valid()) return {Array()};
  if (mode_ != cpu::ScatterMode::set && mode_ != cpu::ScatterMode::add) {
    throw TypeError(std::string(name()),
                    "differentiating scatter-mul, scatter-min and scatter-max is not implemented yet");
  }
  const Array tx = rules::instantiate(tangents[0], primals[0].type());
  const Array tu = rules::instantiate(tangents[2], primals[2].type());
  return {jx::bind(*this, std::array{tx, primals[1], tu})[0]};
}

ArrayList Scatter::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                             std::span<const ArrayType> types) const {
  if (mode_ != cpu::ScatterMode::set && mode_ != cpu::ScatterMode::add)
    return Primitive::transpose(cotangents, inputs, types);
  const Array& ct = cotangents[0];
  const Array& indices = inputs[1];
  const std::int64_t size = types[0].shape[axis_];
  Array ct_x, ct_updates;
  if (!inputs[0].valid()) {
    // Overwritten positions pass no cotangent back to x; added-to positions pass all of it.
    ct_x = mode_ == cpu::ScatterMode::set
               ? lax::scatter(ct, indices, rules::zeros(types[2]), axis_, lax::ScatterMode::set)
               : ct;
  }
  if (!inputs[2].valid()) {
    ct_updates =
        lax::mul(lax::gather(ct, clamped(indices, size), axis_), in_bounds(indices, size, types[2].shape, ct.dtype()));
  }
  return {ct_x, Array(), ct_updates};
}

ArrayList Sort::jvp(std::span<const Array> primals, std::span<const Array> tangents, std::span<const Array>) const {
  // Sort the positions along with the keys; each tangent follows its element.
  ArrayList operands(primals.begin(), primals.end());
  operands.push_back(lax::broadcasted_iota(DType::int32, primals[0].shape(), dimension_));
  const ArrayList sorted = jx::bind(Sort(dimension_, num_keys_), operands);
  const Array& permutation = sorted.back();
  ArrayList result;
  for (std::size_t i = 0; i < primals.size(); ++i) {
    result.push_back(tangents[i].valid() ? lax::gather(tangents[i], permutation, dimension_) : Array());
  }
  return result;
}

}  // namespace jx::primitives

// --- Batching rules ----------------------------------------------------------------------------

namespace jx::primitives {
namespace {

// Indices with a batch axis at 0: moved there if mapped; given a size-1 axis there if not (gather
// and scatter broadcast size-1 index axes).
Array indices_at_front(const Array& indices, int axis) {
  if (axis != kNotMapped) return rules::batch_to_front(indices, axis);
  Shape shape{1};
  for (std::int64_t d : indices.shape()) shape.push_back(d);
  return lax::reshape(indices, shape);
}

}  // namespace

BatchResult Gather::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const Array x = rules::batched_at_front(inputs[0], axes[0], size);
  return {{lax::gather(x, indices_at_front(inputs[1], axes[1]), axis_ + 1)}, {0}};
}

BatchResult Scatter::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const Array x = rules::batched_at_front(inputs[0], axes[0], size);
  const Array updates = rules::batched_at_front(inputs[2], axes[2], size);
  return {{jx::bind(Scatter(mode_, axis_ + 1), std::array{x, indices_at_front(inputs[1], axes[1]), updates})[0]}, {0}};
}

BatchResult Sort::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  ArrayList operands;
  for (std::size_t i = 0; i < inputs.size(); ++i) operands.push_back(rules::batched_at_front(inputs[i], axes[i], size));
  ArrayList sorted = jx::bind(Sort(dimension_ + 1, num_keys_), operands);
  return {std::move(sorted), std::vector<int>(inputs.size(), 0)};
}

}  // namespace jx::primitives
