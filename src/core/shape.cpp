#include "jx/core/shape.h"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <string>

#include "jx/core/array_type.h"
#include "jx/core/error.h"

namespace jx {

std::int64_t Shape::num_elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : dims_) n *= d;
  return n;
}

std::string Shape::to_string() const {
  std::string s = "(";
  for (int i = 0; i < ndim(); ++i) {
    if (i) s += ", ";
    s += std::to_string((*this)[i]);
  }
  if (ndim() == 1) s += ",";
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << shape.to_string(); }

SmallVector<std::int64_t, 6> row_major_strides(const Shape& shape) {
  SmallVector<std::int64_t, 6> strides(static_cast<std::size_t>(shape.ndim()), 0);
  std::int64_t stride = 1;
  for (int i = shape.ndim() - 1; i >= 0; --i) {
    strides[static_cast<std::size_t>(i)] = stride;
    stride *= shape[i];
  }
  return strides;
}

std::string ArrayType::to_string() const {
  std::string s(dtype_short_name(dtype));
  s += "[";
  for (int i = 0; i < shape.ndim(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

void ArrayType::validate(std::string_view op) const {
  std::int64_t elements = 1;
  bool overflow = false;
  for (std::int64_t d : shape) {
    if (d < 0) {
      throw ValueError(std::string(op),
                       fmt::format("negative dimensions are not allowed: shape {} has {}", shape.to_string(), d));
    }
    overflow = overflow || __builtin_mul_overflow(elements, d, &elements);
  }
  // A zero dimension makes the array empty whatever the others are (NumPy allows (0, 2**62, 2**62)).
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return;
  std::int64_t bytes = 0;
  if (overflow || __builtin_mul_overflow(elements, static_cast<std::int64_t>(itemsize(dtype)), &bytes)) {
    throw ValueError(std::string(op),
                     fmt::format("shape {} of {} is too large: its {} exceeds 2^63 - 1", shape.to_string(),
                                 dtype_name(dtype), overflow ? "element count" : "size in bytes"));
  }
}

std::size_t hash_value(const ArrayType& type) {
  std::size_t h = static_cast<std::size_t>(type.dtype) * 2 + (type.weak ? 1 : 0);
  for (std::int64_t d : type.shape) h = h * 1000003u ^ static_cast<std::size_t>(d);
  return h;
}

}  // namespace jx

std::size_t std::hash<jx::Shape>::operator()(const jx::Shape& shape) const noexcept {
  std::size_t h = static_cast<std::size_t>(shape.ndim());
  for (std::int64_t d : shape) h = h * 1000003u ^ std::hash<std::int64_t>{}(d);
  return h;
}
