#include "ir/primitives/indexing.h"

#include <fmt/format.h>

#include <array>

#include "jx/core/error.h"

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
