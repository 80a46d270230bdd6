// src/ir/primitives/rules.h — small helpers the transformation rules of primitives share.
//
// Rules are written with jx::lax ops so that they are traced like any user code: a rule applied
// under jit is recorded, a rule applied under another JVP trace is differentiated again.
#pragma once

#include <span>

#include "jx/core/array.h"
#include "jx/ir/primitive.h"

namespace jx::rules {

// Zeros of a type.
Array zeros(const ArrayType& type);
// `tangent`, or zeros of `type` if it is a symbolic zero (empty).
Array instantiate(const Array& tangent, const ArrayType& type);
// Sum of two tangents, either of which may be a symbolic zero.
Array add_tangents(const Array& a, const Array& b);
// A scalar-shaped value broadcast to `shape` (values of that shape pass through).
Array broadcast_to(const Array& x, const Shape& shape);
// A cotangent of an elementwise output, reduced to an operand's type: summed to a scalar for a scalar
// operand, converted to its dtype.
Array unbroadcast(const Array& cotangent, const ArrayType& operand);
// x * y for a tangent x (possibly a symbolic zero, then zero) and a value y.
Array scale(const Array& tangent, const Array& factor);

// --- Batching (vmap) -------------------------------------------------------------------------------

// The batch size of the mapped inputs.
std::int64_t batch_size(std::span<const Array> values, std::span<const int> axes);
// x with its batch axis moved to position 0 (x itself if already there or not mapped).
Array batch_to_front(const Array& x, int axis);
// x with a batch axis at position 0: moved there if mapped, broadcast there if not.
Array batched_at_front(const Array& x, int axis, std::int64_t size);
// Per-example axis `a` of a value whose batch axis is at `batch_axis`, as an axis of the whole value.
inline int full_axis(int a, int batch_axis) { return a < batch_axis ? a : a + 1; }
// An elementwise primitive applied to batched operands (scalars may stay scalars).
BatchResult batch_elementwise(const Primitive& p, std::span<const Array> values, std::span<const int> axes);

}  // namespace jx::rules
