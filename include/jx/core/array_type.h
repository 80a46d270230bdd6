// jx/core/array_type.h — the abstract type of an array: shape, dtype and weak-type flag.
//
// This is what a tracer knows about the value it stands for (JAX's ShapedArray "aval"), what shape
// rules compute, and what jit signatures are made of.
//
//   jx::ArrayType t{{128, 1}, jx::float32};
//   t.to_string()  // "f32[128,1]"
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "jx/core/dtype.h"
#include "jx/core/shape.h"

namespace jx {

struct ArrayType {
  Shape shape;
  DType dtype = DType::float32;
  bool weak = false;  // weakly typed (a C++ scalar, or computed only from them)

  int ndim() const { return shape.ndim(); }
  std::int64_t num_elements() const { return shape.num_elements(); }
  std::size_t num_bytes() const { return static_cast<std::size_t>(num_elements()) * itemsize(dtype); }
  PromotionType promotion_type() const { return {dtype, weak}; }

  std::string to_string() const;  // "f32[128,1]" (jaxpr notation; weakness is not printed)
  // Throws ValueError, naming `op` and the shape, for a negative dimension or an element count or byte
  // size that does not fit in int64. Every shape jx makes from user input passes through this.
  void validate(std::string_view op) const;
  friend bool operator==(const ArrayType&, const ArrayType&) = default;
};

std::size_t hash_value(const ArrayType& type);

}  // namespace jx
