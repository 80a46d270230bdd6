// src/ir/primitives/program_rules.h — small helpers shared by the transformation rules of primitives
// that hold programs (cond, while, scan, checkpoint): slicing and joining operand lists, choosing the
// operands that carry tangents, and reshaping programs' input lists.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "ir/primitives/rules.h"
#include "jx/ir/program.h"

namespace jx::primitives {

using ProgramRef = std::shared_ptr<const Program>;

inline ArrayList range(std::span<const Array> values, std::size_t first, std::size_t count) {
  return ArrayList(values.begin() + static_cast<std::ptrdiff_t>(first),
                   values.begin() + static_cast<std::ptrdiff_t>(first + count));
}

inline ArrayList join(std::initializer_list<ArrayList> parts) {
  ArrayList all;
  for (const ArrayList& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

inline ProgramRef share(Program p) { return std::make_shared<const Program>(std::move(p)); }

// The program with its inputs reordered: new input i is old input order[i].
inline Program permute_inputs(Program p, const std::vector<std::size_t>& order) {
  std::vector<int> inputs;
  for (std::size_t i : order) inputs.push_back(p.inputs[i]);
  p.inputs = std::move(inputs);
  return p;
}

// The program with unused leading inputs of the given types added at `position`.
inline Program insert_unused_inputs(Program p, std::size_t position, const std::vector<ArrayType>& types) {
  std::vector<int> added;
  for (const ArrayType& t : types) added.push_back(p.new_var(t));
  p.inputs.insert(p.inputs.begin() + static_cast<std::ptrdiff_t>(position), added.begin(), added.end());
  return p;
}

inline ArrayList instantiated(std::span<const Array> tangents, std::span<const Array> primals) {
  ArrayList result;
  for (std::size_t i = 0; i < tangents.size(); ++i)
    result.push_back(rules::instantiate(tangents[i], primals[i].type()));
  return result;
}

// The values' types (with their weakness).
inline std::vector<ArrayType> types_of(std::span<const Array> values) {
  std::vector<ArrayType> types;
  for (const Array& v : values) types.push_back(v.type());
  return types;
}

inline std::vector<ArrayType> strong_types(std::span<const Array> values) {
  std::vector<ArrayType> types;
  for (const Array& v : values) types.push_back(ArrayType{v.shape(), v.dtype()});
  return types;
}

// Tangents for the floating outputs, spread back over all outputs (empty for the others).
inline ArrayList spread_tangents(std::span<const Array> outputs, std::span<const Array> float_tangents) {
  ArrayList result;
  std::size_t next = 0;
  for (const Array& out : outputs) result.push_back(is_inexact(out.dtype()) ? float_tangents[next++] : Array());
  return result;
}

inline std::vector<bool> differentiable(std::span<const Array> primals, std::span<const Array> tangents) {
  std::vector<bool> mask;
  for (std::size_t i = 0; i < primals.size(); ++i)
    mask.push_back(tangents[i].valid() && is_inexact(primals[i].dtype()));
  return mask;
}

inline ArrayList selected(std::span<const Array> values, const std::vector<bool>& mask) {
  ArrayList result;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (mask[i]) result.push_back(values[i]);
  }
  return result;
}

}  // namespace jx::primitives
