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
  if (is_complex(x.dtype) && (mode_ == cpu::ScatterMode::min || mode_ == cpu::ScatterMode::max)) {
    throw DTypeError(std::string(name()),
                     fmt::format("complex numbers have no order: {} cannot take min or max", dtype_name(x.dtype)));
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
    if (!is_numeric(x.dtype)) {  // complex numbers sort lexicographically, as NumPy's
      throw DTypeError(std::string(name()), fmt::format("cannot sort {}", dtype_name(x.dtype)));
    }
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

// True where an update lands inside the operand, false where a scatter drops it; broadcast to `shape`.
Array lands(const Array& indices, std::int64_t size, const Shape& shape) {
  const Array inside = lax::bitwise_and(lax::ge(indices, lax::convert_element_type(0, indices.dtype())),
                                        lax::lt(indices, lax::convert_element_type(size, indices.dtype())));
  std::vector<int> dims(static_cast<std::size_t>(shape.ndim()));
  std::iota(dims.begin(), dims.end(), 0);
  return lax::broadcast_in_dim(inside, shape, dims);
}

// 1 where an update lands inside the operand, 0 where a scatter drops it; broadcast to `shape`.
Array in_bounds(const Array& indices, std::int64_t size, const Shape& shape, DType dtype) {
  return lax::convert_element_type(lands(indices, size, shape), dtype);
}

// A constant of `dtype` filling `shape`.
Array filled(double value, DType dtype, const Shape& shape) {
  return rules::broadcast_to(lax::convert_element_type(value, dtype), shape);
}

// For each update, the product of the other updates that land on the same element: the derivative
// of that element's product with respect to this update. JAX differentiates scatter-mul's updates
// only for unique indices (where this is 1); repeated indices are the norm for x.at(idx).mul(v), so
// the general product is built here. It never divides by zero: with P the product of the nonzero
// updates there and Z that of the zero ones (0 if there are any, else 1), an update u != 0 gets
// (P / u) * Z and the only zero gets P (several zeros: 0). Z is itself a scatter-mul of the zeros,
// not a constant, so that the derivative of u's weight with respect to a single zero is P / u:
// second derivatives stay right at one zero update (at two or more in one place, the derivative of
// the zeros' own weights with respect to each other is taken as 0).
Array product_of_others(const Array& updates, const Array& indices, const ArrayType& x, int axis) {
  const DType dtype = updates.dtype();
  const Shape& shape = updates.shape();
  const Array one = filled(1.0, dtype, shape), zero = filled(0.0, dtype, shape);
  const Array is_zero = lax::eq(updates, zero);
  const Array at = clamped(indices, x.shape[axis]);
  const auto product_there = [&](const Array& factors) {
    return lax::gather(lax::scatter(filled(1.0, dtype, x.shape), indices, factors, axis, lax::ScatterMode::mul), at,
                       axis);
  };
  const Array nonzero = lax::select(is_zero, one, updates);
  const Array product = product_there(nonzero);
  const Array zeros_product = product_there(lax::select(is_zero, updates, one));
  const Array zeros_there = lax::gather(
      lax::scatter(rules::zeros(x), indices, lax::select(is_zero, one, zero), axis, lax::ScatterMode::add), at, axis);
  return lax::select(is_zero, lax::select(lax::eq(zeros_there, one), product, zero),
                     lax::mul(lax::div(product, nonzero), zeros_product));
}

// Scatter-min/max's tangent, JAX's "which one won" rule (_scatter_extremal_jvp): at each element the
// result's tangent is the mean of the tangents of the values equal to the result there — the landed
// updates that equal it and, if it kept its value, the operand — so ties split evenly, as for
// max/min. Written as scatter-add(t_x, indices, ...) of tangents with piecewise-constant weights, it
// is linear in the tangents and transposes through gather and scatter-add.
Array extremal_tangent(const Array& x, const Array& indices, const Array& updates, const Array& out, const Array& tx,
                       const Array& tu, int axis) {
  const std::int64_t size = x.shape()[axis];
  const DType dtype = updates.dtype();
  const Shape& shape = updates.shape();
  const Array at = clamped(indices, size);
  const Array one = filled(1.0, dtype, shape), zero = filled(0.0, dtype, shape);
  const Array result_there = lax::gather(out, at, axis);
  // Dropped updates never win (the clamped gather may read an equal value elsewhere).
  const Array won = lax::bitwise_and(lax::eq(updates, result_there), lands(indices, size, shape));
  const Array kept = lax::eq(lax::gather(x, at, axis), result_there);
  const auto count_there = [&](const Array& ones) {
    return lax::gather(lax::scatter(rules::zeros(x.type()), indices, ones, axis, lax::ScatterMode::add), at, axis);
  };
  const Array winners = count_there(lax::select(won, one, zero));
  // Counts are at least 1 wherever they matter; the max keeps the weights of dropped updates (read
  // at a clamped index, possibly of an element nothing lands on) finite, so their zero cotangents
  // stay zero instead of becoming 0 * inf.
  const Array references = lax::max(count_there(one), one);
  const Array share = lax::div(one, lax::select(kept, lax::add(winners, one), lax::max(winners, one)));
  // Each landed update moves the operand's weight at its element from 1 to `share` (kept) or 0, by
  // an equal part of the difference.
  const Array operand_weight = lax::div(lax::sub(lax::select(kept, share, zero), one), references);
  const Array spread =
      rules::add_tangents(rules::scale(tx.valid() ? lax::gather(tx, at, axis) : Array(), operand_weight),
                          rules::scale(tu, lax::select(won, share, zero)));
  return lax::scatter(rules::instantiate(tx, x.type()), indices, spread, axis, lax::ScatterMode::add);
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

ArrayList Scatter::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                       std::span<const Array> outputs) const {
  if (!tangents[0].valid() && !tangents[2].valid()) return {Array()};
  const Array& x = primals[0];
  const Array& indices = primals[1];
  const Array& updates = primals[2];
  switch (mode_) {
    case cpu::ScatterMode::set:
    case cpu::ScatterMode::add: {
      const Array tx = rules::instantiate(tangents[0], x.type());
      const Array tu = rules::instantiate(tangents[2], updates.type());
      return {jx::bind(*this, std::array{tx, indices, tu})[0]};
    }
    case cpu::ScatterMode::mul: {
      // Linear in x: the same scatter-mul of x's tangent (transposed below). Through the updates,
      // x times the scatter-add of each update's tangent weighted by the product of the others.
      const Array through_x =
          tangents[0].valid() ? jx::bind(*this, std::array{tangents[0], indices, updates})[0] : Array();
      Array through_updates;
      if (tangents[2].valid()) {
        const Array weighted = lax::mul(tangents[2], product_of_others(updates, indices, x.type(), axis_));
        through_updates =
            lax::mul(x, lax::scatter(rules::zeros(x.type()), indices, weighted, axis_, lax::ScatterMode::add));
      }
      return {rules::add_tangents(through_x, through_updates)};
    }
    case cpu::ScatterMode::min:
    case cpu::ScatterMode::max:
      return {extremal_tangent(x, indices, updates, outputs[0], tangents[0], tangents[2], axis_)};
  }
  return {Array()};
}

ArrayList Scatter::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                             std::span<const ArrayType> types) const {
  const Array& ct = cotangents[0];
  const Array& indices = inputs[1];
  if (mode_ == cpu::ScatterMode::mul && !inputs[0].valid() && inputs[2].valid()) {
    // Linear in x alone (the jvp's through-x term): each element was scaled by the updates landing
    // on it, so its cotangent is scaled by them too.
    return {ct.valid() ? lax::scatter(ct, indices, inputs[2], axis_, lax::ScatterMode::mul) : Array(), Array(),
            Array()};
  }
  // Scatter-min/max's tangents are built from gather and scatter-add, never transposed themselves.
  if (mode_ != cpu::ScatterMode::set && mode_ != cpu::ScatterMode::add)
    return Primitive::transpose(cotangents, inputs, types);
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
