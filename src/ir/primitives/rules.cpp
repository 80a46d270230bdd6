#include "ir/primitives/rules.h"

#include <numeric>

#include "jx/lax.h"
#include "trace/trace.h"
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

std::int64_t batch_size(std::span<const Array> values, std::span<const int> axes) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (axes[i] != kNotMapped) return values[i].shape()[axes[i]];
  }
  return 0;
}

Array batch_to_front(const Array& x, int axis) {
  if (axis == kNotMapped || axis == 0) return x;
  std::vector<int> permutation{axis};
  for (int d = 0; d < x.ndim(); ++d) {
    if (d != axis) permutation.push_back(d);
  }
  return lax::transpose(x, permutation);
}

Array batched_at_front(const Array& x, int axis, std::int64_t size) {
  if (axis != kNotMapped) return batch_to_front(x, axis);
  Shape shape{size};
  std::vector<int> dims;
  for (int d = 0; d < x.ndim(); ++d) {
    shape.push_back(x.shape()[d]);
    dims.push_back(d + 1);
  }
  return lax::broadcast_in_dim(x, shape, dims);
}

BatchResult batch_elementwise(const Primitive& p, std::span<const Array> values, std::span<const int> axes) {
  const std::int64_t size = batch_size(values, axes);
  // Per-example shapes: the output's is the largest (equal shapes, or scalars).
  Shape example;
  for (std::size_t i = 0; i < values.size(); ++i) {
    Shape s = values[i].shape();
    if (axes[i] != kNotMapped) s.erase(axes[i]);
    if (s.ndim() > example.ndim()) example = s;
  }
  // Common case: every mapped operand has the full per-example shape and the same batch axis, every
  // unmapped one is a scalar: apply the primitive as is.
  int shared_axis = kNotMapped;
  bool simple = true;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (axes[i] == kNotMapped) {
      simple = simple && values[i].ndim() == 0;
    } else {
      simple =
          simple && (shared_axis == kNotMapped || shared_axis == axes[i]) && values[i].ndim() == example.ndim() + 1;
      shared_axis = axes[i];
    }
  }
  if (simple) return {jx::bind(p, values), {shared_axis}};
  // Otherwise: batch axis first everywhere; unmapped scalars stay scalars, the rest are broadcast.
  Shape full{size};
  for (std::int64_t d : example) full.push_back(d);
  ArrayList operands;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (axes[i] == kNotMapped && values[i].ndim() == 0) {
      operands.push_back(values[i]);
      continue;
    }
    Array v = batched_at_front(values[i], axes[i], size);
    if (v.shape() != full) {
      std::vector<int> dims{0};  // a per-example scalar: broadcast across the example axes
      v = lax::broadcast_in_dim(v, full, dims);
    }
    operands.push_back(v);
  }
  return {jx::bind(p, operands), std::vector<int>(1, 0)};
}

}  // namespace jx::rules
