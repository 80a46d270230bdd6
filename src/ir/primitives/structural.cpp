#include "ir/primitives/structural.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <numeric>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace {

void check_axis(std::string_view op, int axis, int ndim) {
  if (axis < 0 || axis >= ndim) {
    throw ShapeError(std::string(op), fmt::format("axis {} is out of range for an array of rank {}", axis, ndim));
  }
}

// A view of x with the given shape, strides and offset (weak flag kept).
Array view(const Array& x, Shape shape, Strides strides, std::int64_t offset) {
  const ConcreteArray& c = concrete(x);
  return make_view(c, ArrayType{std::move(shape), c.type().dtype, c.type().weak}, std::move(strides), offset);
}

std::int64_t scalar_index(const Array& index) {
  const Array value = cpu::convert(index, ArrayType{{}, DType::int64});
  return concrete(value).data_as<std::int64_t>()[0];
}

}  // namespace

// --- broadcast_in_dim --------------------------------------------------------------------------

bool BroadcastInDim::reinterprets_input(std::span<const ArrayType> inputs) const {
  if (inputs[0].num_elements() != shape_.num_elements()) return false;
  return std::is_sorted(broadcast_dimensions_.begin(), broadcast_dimensions_.end());
}

TypeList BroadcastInDim::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  ArrayType{shape_, x.dtype}.validate(name());
  if (static_cast<int>(broadcast_dimensions_.size()) != x.ndim()) {
    throw ShapeError(std::string(name()),
                     fmt::format("broadcast_dimensions {} must name one output axis per operand axis of {}",
                                 fmt::join(broadcast_dimensions_, ","), x.to_string()));
  }
  for (int i = 0; i < x.ndim(); ++i) {
    const int d = broadcast_dimensions_[static_cast<std::size_t>(i)];
    check_axis(name(), d, shape_.ndim());
    if (i > 0 && d <= broadcast_dimensions_[static_cast<std::size_t>(i - 1)]) {
      throw ShapeError(std::string(name()), "broadcast_dimensions must be strictly increasing");
    }
    if (x.shape[i] != 1 && x.shape[i] != shape_[d]) {
      throw ShapeError(std::string(name()),
                       fmt::format("cannot broadcast {} to shape {}: axis {} has size {}, not 1 or {}", x.to_string(),
                                   shape_.to_string(), i, x.shape[i], shape_[d]));
    }
  }
  return {ArrayType{shape_, x.dtype, x.weak}};
}

ArrayList BroadcastInDim::evaluate(std::span<const Array> inputs) const {
  infer(std::array{inputs[0].type()});
  const ConcreteArray& x = concrete(inputs[0]);
  Strides strides(static_cast<std::size_t>(shape_.ndim()), 0);
  for (std::size_t i = 0; i < broadcast_dimensions_.size(); ++i) {
    const int d = broadcast_dimensions_[i];
    if (x.type().shape[static_cast<int>(i)] == shape_[d]) strides[static_cast<std::size_t>(d)] = x.strides()[i];
  }
  return {view(inputs[0], shape_, std::move(strides), x.offset())};
}

// --- reshape -----------------------------------------------------------------------------------

TypeList Reshape::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  for (std::int64_t d : new_sizes_) {
    if (d < 0)
      throw ShapeError(std::string(name()), fmt::format("negative size in new shape {}", new_sizes_.to_string()));
  }
  ArrayType{new_sizes_, x.dtype}.validate(name());
  if (new_sizes_.num_elements() != x.num_elements()) {
    throw ShapeError(std::string(name()),
                     fmt::format("cannot reshape {} ({} elements) to shape {} ({} elements)", x.to_string(),
                                 x.num_elements(), new_sizes_.to_string(), new_sizes_.num_elements()));
  }
  return {ArrayType{new_sizes_, x.dtype, x.weak}};
}

ArrayList Reshape::evaluate(std::span<const Array> inputs) const {
  infer(std::array{inputs[0].type()});
  const Array dense = cpu::contiguous(inputs[0]);
  return {view(dense, new_sizes_, row_major_strides(new_sizes_), concrete(dense).offset())};
}

// --- transpose ---------------------------------------------------------------------------------

TypeList Transpose::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  std::vector<int> sorted = permutation_;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> expected(static_cast<std::size_t>(x.ndim()));
  std::iota(expected.begin(), expected.end(), 0);
  if (sorted != expected) {
    throw ShapeError(std::string(name()), fmt::format("({}) is not a permutation of the axes of {}",
                                                      fmt::join(permutation_, ", "), x.to_string()));
  }
  Shape shape;
  for (int p : permutation_) shape.push_back(x.shape[p]);
  return {ArrayType{shape, x.dtype, x.weak}};
}

ArrayList Transpose::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  const ConcreteArray& x = concrete(inputs[0]);
  Strides strides;
  for (int p : permutation_) strides.push_back(x.strides()[static_cast<std::size_t>(p)]);
  return {view(inputs[0], out.shape, std::move(strides), x.offset())};
}

// --- squeeze -----------------------------------------------------------------------------------

TypeList Squeeze::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  Shape shape;
  for (int d = 0; d < x.ndim(); ++d) {
    const bool drop = std::find(dimensions_.begin(), dimensions_.end(), d) != dimensions_.end();
    if (drop && x.shape[d] != 1) {
      throw ShapeError(std::string(name()),
                       fmt::format("cannot squeeze axis {} of {}: its size is not 1", d, x.to_string()));
    }
    if (!drop) shape.push_back(x.shape[d]);
  }
  for (int d : dimensions_) check_axis(name(), d, x.ndim());
  return {ArrayType{shape, x.dtype, x.weak}};
}

ArrayList Squeeze::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  const ConcreteArray& x = concrete(inputs[0]);
  Strides strides;
  for (int d = 0; d < x.type().ndim(); ++d) {
    if (std::find(dimensions_.begin(), dimensions_.end(), d) == dimensions_.end())
      strides.push_back(x.strides()[static_cast<std::size_t>(d)]);
  }
  return {view(inputs[0], out.shape, std::move(strides), x.offset())};
}

// --- rev ---------------------------------------------------------------------------------------

TypeList Rev::infer(std::span<const ArrayType> inputs) const {
  for (int d : dimensions_) check_axis(name(), d, inputs[0].ndim());
  return {inputs[0]};
}

ArrayList Rev::evaluate(std::span<const Array> inputs) const {
  infer(std::array{inputs[0].type()});
  const ConcreteArray& x = concrete(inputs[0]);
  Strides strides = x.strides();
  std::int64_t offset = x.offset();
  for (int d : dimensions_) {
    const std::int64_t size = x.type().shape[d];
    if (size > 0) offset += (size - 1) * strides[static_cast<std::size_t>(d)];
    strides[static_cast<std::size_t>(d)] = -strides[static_cast<std::size_t>(d)];
  }
  return {view(inputs[0], x.type().shape, std::move(strides), offset)};
}

// --- slice -------------------------------------------------------------------------------------

TypeList Slice::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  const auto n = static_cast<std::size_t>(x.ndim());
  if (start_.size() != n || limit_.size() != n || strides_.size() != n) {
    throw ShapeError(std::string(name()),
                     fmt::format("needs one start, limit and stride per axis of {}", x.to_string()));
  }
  Shape shape;
  for (std::size_t d = 0; d < n; ++d) {
    const std::int64_t size = x.shape[static_cast<int>(d)];
    if (start_[d] < 0 || limit_[d] > size || start_[d] > limit_[d] || strides_[d] < 1) {
      throw IndexError(std::string(name()), fmt::format("slice {}:{}:{} is out of range for axis {} of {}", start_[d],
                                                        limit_[d], strides_[d], d, x.to_string()));
    }
    shape.push_back((limit_[d] - start_[d] + strides_[d] - 1) / strides_[d]);
  }
  return {ArrayType{shape, x.dtype, x.weak}};
}

ArrayList Slice::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  const ConcreteArray& x = concrete(inputs[0]);
  Strides strides;
  std::int64_t offset = x.offset();
  for (std::size_t d = 0; d < start_.size(); ++d) {
    offset += start_[d] * x.strides()[d];
    strides.push_back(x.strides()[d] * strides_[d]);
  }
  return {view(inputs[0], out.shape, std::move(strides), offset)};
}

// --- pad ---------------------------------------------------------------------------------------

TypeList Pad::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  const ArrayType& value = inputs[1];
  if (value.ndim() != 0 || value.dtype != x.dtype) {
    throw ShapeError(std::string(name()),
                     fmt::format("the padding value must be a scalar of the operand's dtype, got {} for {}",
                                 value.to_string(), x.to_string()));
  }
  const auto n = static_cast<std::size_t>(x.ndim());
  if (low_.size() != n || high_.size() != n || interior_.size() != n) {
    throw ShapeError(std::string(name()), fmt::format("needs one (low, high, interior) per axis of {}", x.to_string()));
  }
  Shape shape;
  for (std::size_t d = 0; d < n; ++d) {
    const std::int64_t size = x.shape[static_cast<int>(d)];
    if (interior_[d] < 0) throw ShapeError(std::string(name()), "interior padding must be non-negative");
    const std::int64_t padded = low_[d] + high_[d] + size + std::max<std::int64_t>(size - 1, 0) * interior_[d];
    if (padded < 0)
      throw ShapeError(std::string(name()), fmt::format("negative padding removes more than axis {} holds", d));
    shape.push_back(padded);
  }
  return {ArrayType{shape, x.dtype, x.weak && value.weak}};
}

ArrayList Pad::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  return {cpu::pad(inputs[0], inputs[1], low_, interior_, out)};
}

// --- concatenate -------------------------------------------------------------------------------

TypeList Concatenate::infer(std::span<const ArrayType> inputs) const {
  if (inputs.empty()) throw ValueError(std::string(name()), "needs at least one array");
  const ArrayType& first = inputs[0];
  check_axis(name(), dimension_, first.ndim());
  Shape shape = first.shape;
  shape[dimension_] = 0;
  bool weak = true;
  for (const ArrayType& x : inputs) {
    bool compatible = x.ndim() == first.ndim() && x.dtype == first.dtype;
    for (int d = 0; compatible && d < x.ndim(); ++d) compatible = d == dimension_ || x.shape[d] == first.shape[d];
    if (!compatible) {
      throw ShapeError(std::string(name()),
                       fmt::format("arrays {} and {} differ in dtype or in a shape other than axis {}",
                                   first.to_string(), x.to_string(), dimension_));
    }
    shape[dimension_] += x.shape[dimension_];
    weak = weak && x.weak;
  }
  return {ArrayType{shape, first.dtype, weak}};
}

ArrayList Concatenate::evaluate(std::span<const Array> inputs) const {
  TypeList types;
  for (const Array& x : inputs) types.push_back(x.type());
  const ArrayType out = infer(types)[0];
  return {cpu::concatenate(inputs, dimension_, out)};
}

// --- iota --------------------------------------------------------------------------------------

TypeList Iota::infer(std::span<const ArrayType> /*inputs*/) const {
  ArrayType{shape_, dtype_}.validate(name());
  check_axis(name(), dimension_, shape_.ndim());
  if (!is_numeric(dtype_) || is_bool(dtype_) || is_complex(dtype_))
    throw DTypeError(std::string(name()), fmt::format("cannot count in {}", dtype_name(dtype_)));
  return {ArrayType{shape_, dtype_}};
}

ArrayList Iota::evaluate(std::span<const Array> /*inputs*/) const {
  const ArrayType out = infer({})[0];
  return {cpu::iota(out, dimension_)};
}

// --- dynamic slices ----------------------------------------------------------------------------

namespace {
void check_start_indices(std::string_view op, std::span<const ArrayType> starts, int ndim) {
  if (static_cast<int>(starts.size()) != ndim) {
    throw ShapeError(std::string(op),
                     fmt::format("needs {} start indices (one per axis), got {}", ndim, starts.size()));
  }
  for (const ArrayType& s : starts) {
    if (s.ndim() != 0 || !is_integer(s.dtype)) {
      throw DTypeError(std::string(op), fmt::format("start indices must be integer scalars, got {}", s.to_string()));
    }
  }
}
}  // namespace

TypeList DynamicSlice::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  check_start_indices(name(), inputs.subspan(1), x.ndim());
  if (sizes_.ndim() != x.ndim()) throw ShapeError(std::string(name()), "slice_sizes must have one size per axis");
  for (int d = 0; d < x.ndim(); ++d) {
    if (sizes_[d] < 0 || sizes_[d] > x.shape[d]) {
      throw ShapeError(std::string(name()),
                       fmt::format("slice size {} does not fit axis {} of {}", sizes_[d], d, x.to_string()));
    }
  }
  return {ArrayType{sizes_, x.dtype, x.weak}};
}

ArrayList DynamicSlice::evaluate(std::span<const Array> inputs) const {
  TypeList types;
  for (const Array& x : inputs) types.push_back(x.type());
  infer(types);
  std::vector<std::int64_t> starts;
  for (std::size_t i = 1; i < inputs.size(); ++i) starts.push_back(scalar_index(inputs[i]));
  return {cpu::dynamic_slice(inputs[0], starts, sizes_)};
}

TypeList DynamicUpdateSlice::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  const ArrayType& update = inputs[1];
  check_start_indices(name(), inputs.subspan(2), x.ndim());
  if (update.dtype != x.dtype || update.ndim() != x.ndim()) {
    throw ShapeError(std::string(name()),
                     fmt::format("update {} must have the rank and dtype of {}", update.to_string(), x.to_string()));
  }
  for (int d = 0; d < x.ndim(); ++d) {
    if (update.shape[d] > x.shape[d]) {
      throw ShapeError(std::string(name()),
                       fmt::format("update {} does not fit in {}", update.to_string(), x.to_string()));
    }
  }
  return {x};
}

ArrayList DynamicUpdateSlice::evaluate(std::span<const Array> inputs) const {
  TypeList types;
  for (const Array& x : inputs) types.push_back(x.type());
  infer(types);
  std::vector<std::int64_t> starts;
  for (std::size_t i = 2; i < inputs.size(); ++i) starts.push_back(scalar_index(inputs[i]));
  return {cpu::dynamic_update_slice(inputs[0], inputs[1], starts, false)};
}

}  // namespace jx::primitives

// --- Derivatives: all of these are linear in their array operands --------------------------------------

namespace jx::primitives {
namespace {

// The jvp of a primitive linear in every operand it has tangents for: the primitive itself applied to
// the tangents (zeros instantiated for the others, non-linear operands passed through).
ArrayList apply_to_tangents(const Primitive& p, std::span<const Array> primals, std::span<const Array> tangents,
                            std::span<const std::size_t> linear_operands) {
  bool any = false;
  for (std::size_t i : linear_operands) any = any || tangents[i].valid();
  if (!any) return {Array()};
  ArrayList operands(primals.begin(), primals.end());
  for (std::size_t i : linear_operands) operands[i] = rules::instantiate(tangents[i], primals[i].type());
  return jx::bind(p, operands);
}

constexpr std::size_t kFirst[] = {0};
constexpr std::size_t kFirstTwo[] = {0, 1};

std::vector<int> inverse(const std::vector<int>& permutation) {
  std::vector<int> result(permutation.size());
  for (std::size_t i = 0; i < permutation.size(); ++i)
    result[static_cast<std::size_t>(permutation[i])] = static_cast<int>(i);
  return result;
}

}  // namespace

ArrayList BroadcastInDim::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                              std::span<const Array>) const {
  return apply_to_tangents(*this, primals, tangents, kFirst);
}

ArrayList BroadcastInDim::transpose(std::span<const Array> cotangents, std::span<const Array>,
                                    std::span<const ArrayType> types) const {
  // Sum over the axes the broadcast added or stretched, then reshape to the operand's shape.
  const ArrayType& operand = types[0];
  std::vector<int> summed;
  for (int d = 0; d < shape_.ndim(); ++d) {
    const auto it = std::find(broadcast_dimensions_.begin(), broadcast_dimensions_.end(), d);
    const bool kept = it != broadcast_dimensions_.end() &&
                      operand.shape[static_cast<int>(it - broadcast_dimensions_.begin())] == shape_[d];
    if (!kept) summed.push_back(d);
  }
  Array ct = summed.empty() ? cotangents[0] : lax::reduce_sum(cotangents[0], summed);
  return {lax::reshape(ct, operand.shape)};
}

ArrayList Reshape::jvp(std::span<const Array> primals, std::span<const Array> tangents, std::span<const Array>) const {
  return apply_to_tangents(*this, primals, tangents, kFirst);
}
ArrayList Reshape::transpose(std::span<const Array> cotangents, std::span<const Array>,
                             std::span<const ArrayType> types) const {
  return {lax::reshape(cotangents[0], types[0].shape)};
}

ArrayList Transpose::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                         std::span<const Array>) const {
  return apply_to_tangents(*this, primals, tangents, kFirst);
}
ArrayList Transpose::transpose(std::span<const Array> cotangents, std::span<const Array>,
                               std::span<const ArrayType>) const {
  return {lax::transpose(cotangents[0], inverse(permutation_))};
}

ArrayList Squeeze::jvp(std::span<const Array> primals, std::span<const Array> tangents, std::span<const Array>) const {
  return apply_to_tangents(*this, primals, tangents, kFirst);
}
ArrayList Squeeze::transpose(std::span<const Array> cotangents, std::span<const Array>,
                             std::span<const ArrayType> types) const {
  return {lax::reshape(cotangents[0], types[0].shape)};
}

ArrayList Rev::jvp(std::span<const Array> primals, std::span<const Array> tangents, std::span<const Array>) const {
  return apply_to_tangents(*this, primals, tangents, kFirst);
}
ArrayList Rev::transpose(std::span<const Array> cotangents, std::span<const Array>, std::span<const ArrayType>) const {
  return {lax::rev(cotangents[0], dimensions_)};
}

ArrayList Slice::jvp(std::span<const Array> primals, std::span<const Array> tangents, std::span<const Array>) const {
  return apply_to_tangents(*this, primals, tangents, kFirst);
}
ArrayList Slice::transpose(std::span<const Array> cotangents, std::span<const Array>,
                           std::span<const ArrayType> types) const {
  // Put the slice back in place, with zeros between strided elements and around it.
  const Shape& operand = types[0].shape;
  const Array& ct = cotangents[0];
  std::vector<lax::PadConfig> config;
  for (int d = 0; d < operand.ndim(); ++d) {
    const auto du = static_cast<std::size_t>(d);
    const std::int64_t count = ct.shape()[d];
    const std::int64_t covered = count > 0 ? (count - 1) * strides_[du] + 1 : 0;
    config.push_back({start_[du], operand[d] - start_[du] - covered, count > 0 ? strides_[du] - 1 : 0});
  }
  return {lax::pad(ct, lax::convert_element_type(0, ct.dtype()), config)};
}

ArrayList Pad::jvp(std::span<const Array> primals, std::span<const Array> tangents, std::span<const Array>) const {
  return apply_to_tangents(*this, primals, tangents, kFirstTwo);
}
ArrayList Pad::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                         std::span<const ArrayType> types) const {
  const Array& ct = cotangents[0];
  // Undo the edge padding (negative low/high padding had cropped: pad those back with zeros), then take
  // every (interior + 1)-th element.
  std::vector<lax::PadConfig> unpad;
  for (std::size_t d = 0; d < low_.size(); ++d) unpad.push_back({-low_[d], -high_[d], 0});
  const Array unpadded = lax::pad(ct, lax::convert_element_type(0, ct.dtype()), unpad);
  std::vector<std::int64_t> start(low_.size(), 0), limit(unpadded.shape().begin(), unpadded.shape().end()), step;
  for (std::int64_t i : interior_) step.push_back(i + 1);
  const Array ct_operand = lax::slice(unpadded, start, limit, step);
  Array ct_value;
  if (!inputs[1].valid()) {
    std::vector<int> all(static_cast<std::size_t>(ct.ndim()));
    std::iota(all.begin(), all.end(), 0);
    std::vector<int> all_operand(static_cast<std::size_t>(ct_operand.ndim()));
    std::iota(all_operand.begin(), all_operand.end(), 0);
    ct_value = lax::sub(lax::reduce_sum(ct, all), lax::reduce_sum(ct_operand, all_operand));
  }
  return {!inputs[0].valid() ? ct_operand : Array(), rules::unbroadcast(ct_value, types[1])};
}

ArrayList Concatenate::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                           std::span<const Array>) const {
  std::vector<std::size_t> all(primals.size());
  std::iota(all.begin(), all.end(), 0);
  return apply_to_tangents(*this, primals, tangents, all);
}
ArrayList Concatenate::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                 std::span<const ArrayType> types) const {
  ArrayList result;
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < types.size(); ++i) {
    const std::int64_t size = types[i].shape[dimension_];
    result.push_back(!inputs[i].valid() ? lax::slice_in_dim(cotangents[0], offset, offset + size, 1, dimension_)
                                        : Array());
    offset += size;
  }
  return result;
}

ArrayList DynamicSlice::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                            std::span<const Array>) const {
  return apply_to_tangents(*this, primals, tangents, kFirst);
}
ArrayList DynamicSlice::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                  std::span<const ArrayType> types) const {
  const std::vector<Array> starts(inputs.begin() + 1, inputs.end());
  ArrayList result{lax::dynamic_update_slice(rules::zeros(types[0]), cotangents[0], starts)};
  result.resize(inputs.size());
  return result;
}

ArrayList DynamicUpdateSlice::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                                  std::span<const Array>) const {
  return apply_to_tangents(*this, primals, tangents, kFirstTwo);
}
ArrayList DynamicUpdateSlice::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                        std::span<const ArrayType> types) const {
  const std::vector<Array> starts(inputs.begin() + 2, inputs.end());
  const Array& ct = cotangents[0];
  ArrayList result{!inputs[0].valid() ? lax::dynamic_update_slice(ct, rules::zeros(types[1]), starts) : Array(),
                   !inputs[1].valid() ? lax::dynamic_slice(ct, starts, types[1].shape) : Array()};
  result.resize(inputs.size());
  return result;
}

}  // namespace jx::primitives

// --- Batching rules ----------------------------------------------------------------------------

namespace jx::primitives {

BatchResult BroadcastInDim::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const Array x = rules::batch_to_front(inputs[0], axes[0]);
  Shape shape{x.shape()[0]};
  for (std::int64_t d : shape_) shape.push_back(d);
  std::vector<int> dims{0};
  for (int d : broadcast_dimensions_) dims.push_back(d + 1);
  return {{lax::broadcast_in_dim(x, shape, dims)}, {0}};
}

BatchResult Reshape::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const Array x = rules::batch_to_front(inputs[0], axes[0]);
  Shape shape{x.shape()[0]};
  for (std::int64_t d : new_sizes_) shape.push_back(d);
  return {{lax::reshape(x, shape)}, {0}};
}

BatchResult Transpose::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  // Keep the batch axis first in the output.
  const int b = axes[0];
  std::vector<int> permutation{b};
  for (int p : permutation_) permutation.push_back(rules::full_axis(p, b));
  return {{lax::transpose(inputs[0], permutation)}, {0}};
}

BatchResult Squeeze::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const int b = axes[0];
  std::vector<int> dims;
  int removed_before = 0;
  for (int d : dimensions_) {
    dims.push_back(rules::full_axis(d, b));
    if (rules::full_axis(d, b) < b) ++removed_before;
  }
  return {{lax::squeeze(inputs[0], dims)}, {b - removed_before}};
}

BatchResult Rev::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  std::vector<int> dims;
  for (int d : dimensions_) dims.push_back(rules::full_axis(d, axes[0]));
  return {{lax::rev(inputs[0], dims)}, {axes[0]}};
}

BatchResult Slice::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const int b = axes[0];
  std::vector<std::int64_t> start = start_, limit = limit_, strides = strides_;
  start.insert(start.begin() + b, 0);
  limit.insert(limit.begin() + b, inputs[0].shape()[b]);
  strides.insert(strides.begin() + b, 1);
  return {{lax::slice(inputs[0], start, limit, strides)}, {b}};
}

BatchResult Pad::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const Array x = rules::batched_at_front(inputs[0], axes[0], size);
  std::vector<lax::PadConfig> config{{0, 0, 0}};
  for (std::size_t d = 0; d < low_.size(); ++d) config.push_back({low_[d], high_[d], interior_[d]});
  if (axes[1] == kNotMapped) return {{lax::pad(x, inputs[1], config)}, {0}};
  // A batched padding value: pad with zeros, then fill the padding positions per example.
  const Array zero = lax::convert_element_type(0, x.dtype());
  const Array padded = lax::pad(x, zero, config);
  const Array inside = lax::pad(lax::broadcast_in_dim(lax::convert_element_type(true, DType::bool_), x.shape(), {}),
                                lax::convert_element_type(false, DType::bool_), config);
  std::vector<int> dims{0};
  const Array value = lax::broadcast_in_dim(rules::batch_to_front(inputs[1], axes[1]), padded.shape(), dims);
  return {{lax::select(inside, padded, value)}, {0}};
}

BatchResult Concatenate::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  std::vector<Array> operands;
  for (std::size_t i = 0; i < inputs.size(); ++i) operands.push_back(rules::batched_at_front(inputs[i], axes[i], size));
  return {{lax::concatenate(operands, dimension_ + 1)}, {0}};
}

namespace {

Shape ones_shape(int ndim) {
  Shape shape;
  for (int d = 0; d < ndim; ++d) shape.push_back(1);
  return shape;
}

// Gathers windows of `sizes` at per-example start indices (batched on axis 0), one axis at a time,
// from x whose batch axis is 0: the batched form of dynamic_slice.
Array gather_windows(Array x, std::span<const Array> starts, const Shape& sizes, std::int64_t batch) {
  for (int d = 0; d < sizes.ndim(); ++d) {
    const int axis = d + 1;
    const std::int64_t limit = x.shape()[axis] - sizes[d];
    // indices[b, ..., k, ...] = clamp(start_b, 0, limit) + k, with size 1 on the other axes.
    Shape index_shape = ones_shape(x.ndim());
    index_shape[0] = batch;
    index_shape[axis] = sizes[d];
    const Array start = lax::clamp(lax::convert_element_type(0, DType::int32),
                                   lax::convert_element_type(starts[static_cast<std::size_t>(d)], DType::int32),
                                   lax::convert_element_type(std::max<std::int64_t>(limit, 0), DType::int32));
    const Array offsets = lax::broadcasted_iota(DType::int32, index_shape, axis);
    const Array indices = lax::add(offsets, lax::broadcast_in_dim(start, index_shape, {0}));
    x = lax::gather(x, indices, axis);
  }
  return x;
}

// The per-example start indices as batch-first vectors of length `size`.
std::vector<Array> batched_starts(std::span<const Array> inputs, std::span<const int> axes, std::size_t first,
                                  std::int64_t size) {
  std::vector<Array> starts;
  for (std::size_t i = first; i < inputs.size(); ++i)
    starts.push_back(rules::batched_at_front(inputs[i], axes[i], size));
  return starts;
}

bool any_mapped(std::span<const int> axes, std::size_t first) {
  for (std::size_t i = first; i < axes.size(); ++i) {
    if (axes[i] != kNotMapped) return true;
  }
  return false;
}

}  // namespace

BatchResult DynamicSlice::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  if (!any_mapped(axes, 1)) {
    // Same window for every example: slice the batch axis whole.
    const int b = axes[0];
    std::vector<Array> starts(inputs.begin() + 1, inputs.end());
    starts.insert(starts.begin() + b, lax::convert_element_type(0, inputs[1].dtype()));
    Shape sizes = sizes_;
    sizes.insert(b, size);
    return {{lax::dynamic_slice(inputs[0], starts, sizes)}, {b}};
  }
  const Array x = rules::batched_at_front(inputs[0], axes[0], size);
  return {{gather_windows(x, batched_starts(inputs, axes, 1, size), sizes_, size)}, {0}};
}

BatchResult DynamicUpdateSlice::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const Array x = rules::batched_at_front(inputs[0], axes[0], size);
  const Array update = rules::batched_at_front(inputs[1], axes[1], size);
  if (!any_mapped(axes, 2)) {
    std::vector<Array> starts(inputs.begin() + 2, inputs.end());
    starts.insert(starts.begin(), lax::convert_element_type(0, inputs[2].dtype()));
    return {{lax::dynamic_update_slice(x, update, starts)}, {0}};
  }
  // Per-example windows: for every position of x, whether it lies in its example's window, and which
  // element of the update it would take; then select.
  const std::vector<Array> starts = batched_starts(inputs, axes, 2, size);
  std::vector<int> all_axes(static_cast<std::size_t>(x.ndim()));
  std::iota(all_axes.begin(), all_axes.end(), 0);
  Array mask = lax::broadcast_in_dim(lax::convert_element_type(true, DType::bool_), x.shape(), {});
  Array values = update;
  const Array zero = lax::convert_element_type(0, DType::int32);
  for (int d = 0; d < update.ndim() - 1; ++d) {
    const int axis = d + 1;
    const std::int64_t extent = x.shape()[axis], window = update.shape()[axis];
    Shape index_shape = ones_shape(x.ndim());
    index_shape[0] = size;
    index_shape[axis] = extent;
    const Array start = lax::clamp(zero, lax::convert_element_type(starts[static_cast<std::size_t>(d)], DType::int32),
                                   lax::convert_element_type(std::max<std::int64_t>(extent - window, 0), DType::int32));
    const Array offset = lax::sub(lax::broadcasted_iota(DType::int32, index_shape, axis),
                                  lax::broadcast_in_dim(start, index_shape, {0}));
    const Array in_window =
        lax::bitwise_and(lax::ge(offset, zero), lax::lt(offset, lax::convert_element_type(window, DType::int32)));
    mask = lax::bitwise_and(mask, lax::broadcast_in_dim(in_window, x.shape(), all_axes));
    values = lax::gather(
        values,
        lax::clamp(zero, offset, lax::convert_element_type(std::max<std::int64_t>(window - 1, 0), DType::int32)), axis);
  }
  return {{lax::select(mask, values, x)}, {0}};
}

}  // namespace jx::primitives
