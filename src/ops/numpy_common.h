// src/ops/numpy_common.h — small helpers several jx::numpy source files share.
#pragma once

#include <cstdint>

#include "jx/core/array.h"
#include "jx/lax.h"
#include "jx/numpy.h"

namespace jx::numpy::internal {

// An index as an array of NumPy's default integer type (int32, or int64 under x64).
inline Array index_constant(std::int64_t value) { return array(value, default_int_dtype()); }

// x[start:stop] along `axis` (static bounds within the axis).
inline Array slice_axis(const Array& x, std::int64_t start, std::int64_t stop, int axis) {
  return lax::slice_in_dim(x, start, stop, 1, axis);
}

}  // namespace jx::numpy::internal
