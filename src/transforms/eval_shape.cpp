// eval_shape: the function is traced on abstract inputs and its outputs' types read off the trace;
// nothing is recorded past it and no kernel runs.
#include "jx/transforms/eval_shape.h"

#include <fmt/format.h>

#include <ostream>

#include "ir/primitives/elementwise.h"
#include "jx/lax.h"
#include "jx/random.h"
#include "trace/trace.h"
#include "transforms/autodiff_core.h"
#include "transforms/program_transforms.h"

namespace jx {

std::string ShapeDtypeStruct::to_string() const {
  return fmt::format("ShapeDtypeStruct(shape={}, dtype={}{})", shape.to_string(), dtype_name(dtype),
                     weak_type ? ", weak_type=True" : "");
}

std::ostream& operator<<(std::ostream& os, const ShapeDtypeStruct& s) { return os << s.to_string(); }

namespace detail {

std::vector<ArrayType> eval_shape_flat(const FlatFunction& f, std::span<const ArrayType> types,
                                       const std::string& description) {
  for (const ArrayType& type : types) type.validate("eval_shape");
  // Under an enclosing transformation the function may close over its tracers, as under jit.
  return trace_in_context(f, types, description).output_types();
}

Array placeholder_of(const ArrayType& type) {
  if (type.dtype == DType::float0) return zeros(type);  // no bytes at all
  if (type.dtype == DType::key) {                       // keys wrap two uint32 words each
    Shape words = type.shape;
    words.push_back(2);
    return random::wrap_key_data(lax::broadcast_in_dim(lax::convert_element_type(Array(0), DType::uint32), words, {}));
  }
  // One element, broadcast with zero strides, of the type's dtype and weakness.
  const Array element = bind1(primitives::ConvertElementType(type.dtype, type.weak), {Array(0)});
  return lax::broadcast_in_dim(element, type.shape, {});
}

}  // namespace detail
}  // namespace jx

std::size_t std::hash<jx::ShapeDtypeStruct>::operator()(const jx::ShapeDtypeStruct& s) const noexcept {
  return std::hash<jx::Shape>{}(s.shape) * 31u ^ std::hash<int>{}(static_cast<int>(s.dtype)) ^
         (s.weak_type ? 0x9e3779b9u : 0u);
}
