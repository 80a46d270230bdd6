#include "ir/primitives/reduction.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>

#include "jx/core/error.h"

namespace jx::primitives {
namespace {

bool accepts(cpu::ReduceOp op, DType dtype) {
  switch (op) {
    case cpu::ReduceOp::and_:
    case cpu::ReduceOp::or_:
      return is_bool(dtype) || is_integer(dtype);
    case cpu::ReduceOp::max:
    case cpu::ReduceOp::min:
      return is_numeric(dtype);
    default:
      return is_numeric(dtype) && !is_bool(dtype);
  }
}

}  // namespace

std::string_view Reduce::name() const {
  switch (op_) {
    case cpu::ReduceOp::sum:
      return "reduce_sum";
    case cpu::ReduceOp::prod:
      return "reduce_prod";
    case cpu::ReduceOp::max:
      return "reduce_max";
    case cpu::ReduceOp::min:
      return "reduce_min";
    case cpu::ReduceOp::and_:
      return "reduce_and";
    case cpu::ReduceOp::or_:
      return "reduce_or";
  }
  return "reduce";
}

TypeList Reduce::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  if (!accepts(op_, x.dtype))
    throw DTypeError(std::string(name()), fmt::format("does not accept dtype {}", dtype_name(x.dtype)));
  Shape shape;
  int previous = -1;
  for (int axis : axes_) {
    if (axis < 0 || axis >= x.ndim() || axis <= previous) {
      throw ShapeError(std::string(name()), fmt::format("axes ({}) must be sorted, unique and within the rank of {}",
                                                        fmt::join(axes_, ", "), x.to_string()));
    }
    previous = axis;
  }
  for (int d = 0; d < x.ndim(); ++d) {
    if (std::find(axes_.begin(), axes_.end(), d) == axes_.end()) shape.push_back(x.shape[d]);
  }
  return {ArrayType{shape, x.dtype, x.weak}};
}

ArrayList Reduce::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  return {cpu::reduce(op_, inputs[0], axes_, out)};
}

TypeList ArgReduce::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  if (!is_numeric(x.dtype))
    throw DTypeError(std::string(name()), fmt::format("does not accept dtype {}", dtype_name(x.dtype)));
  if (axis_ < 0 || axis_ >= x.ndim()) {
    throw ShapeError(std::string(name()), fmt::format("axis {} is out of range for {}", axis_, x.to_string()));
  }
  if (x.shape[axis_] == 0) {
    throw ValueError(std::string(name()), fmt::format("attempt to get {} of an empty sequence (axis {} of {})", name(),
                                                      axis_, x.to_string()));
  }
  Shape shape = x.shape;
  shape.erase(axis_);
  return {ArrayType{shape, index_dtype_}};
}

ArrayList ArgReduce::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  return {cpu::argreduce(is_max_, inputs[0], axis_, out)};
}

std::string_view Cumulative::name() const {
  switch (op_) {
    case cpu::CumulativeOp::sum:
      return "cumsum";
    case cpu::CumulativeOp::prod:
      return "cumprod";
    case cpu::CumulativeOp::max:
      return "cummax";
    case cpu::CumulativeOp::min:
      return "cummin";
  }
  return "cumulative";
}

TypeList Cumulative::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  if (!is_numeric(x.dtype) || is_bool(x.dtype))
    throw DTypeError(std::string(name()), fmt::format("does not accept dtype {}", dtype_name(x.dtype)));
  if (axis_ < 0 || axis_ >= x.ndim()) {
    throw ShapeError(std::string(name()), fmt::format("axis {} is out of range for {}", axis_, x.to_string()));
  }
  return {x};
}

ArrayList Cumulative::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  return {cpu::cumulative(op_, inputs[0], axis_, reverse_, out)};
}

}  // namespace jx::primitives
