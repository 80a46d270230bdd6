#include "ir/primitives/rules.h"

#include <numeric>

#include "jx/lax.h"
#include "transforms/autodiff_core.h"

namespace jx::rules {

Array zeros(const ArrayType& type) { return detail::zeros(type); }

Array instantiate(const Array& tangent, const ArrayType& type) { return tangent.valid() ? tangent : zeros(type); }

Array add_tangents(const Array& a, const Array& b) {
  if (!a.valid()) return b;
  if (!b.valid()) return a;
  if (a.shape() == b.shape()) return lax::add(a, b);
  return lax::add(broadcast_to(a, b.ndim() ? b.shape() : a.shape()), broadcast_to(b, a.ndim() ? a.shape() : b.shape()));
}

Array broadcast_to(const Array& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return lax::broadcast_in_dim(x, shape, {});
}

Array unbroadcast(const Array& cotangent, const ArrayType& operand) {
  if (!cotangent.valid()) return cotangent;
  Array ct = cotangent;
  if (operand.ndim() == 0 && ct.ndim() != 0) {
    std::vector<int> axes(static_cast<std::size_t>(ct.ndim()));
    std::iota(axes.begin(), axes.end(), 0);
    ct = lax::reduce_sum(ct, axes);
  }
  if (ct.dtype() != operand.dtype) ct = lax::convert_element_type(ct, operand.dtype);
  return ct;
}

Array scale(const Array& tangent, const Array& factor) {
  if (!tangent.valid()) return tangent;
  return lax::mul(tangent, factor);
}

}  // namespace jx::rules
