// src/backends/cpu/strided.h — walking strided views efficiently.
//
// Eager views (transposes, broadcasts, slices, reversals) are shapes with arbitrary element strides.
// Kernels first collapse them — drop size-1 axes, merge axes that are contiguous with their inner
// neighbour — so that most views become one or two long runs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/array_impl.h"

namespace jx::cpu {

struct CollapsedLayout {
  SmallVector<std::int64_t, 6> dims;
  SmallVector<std::int64_t, 6> strides;
};

// The same element order over fewer axes (at least one axis, possibly of size 1).
CollapsedLayout collapse(const Shape& shape, const Strides& strides);

// For a layout whose innermost axis steps a cache line or more per element (a transposed view), the
// axis that steps through memory most finely, which a copy should block together with the innermost
// one; -1 when a walk along the rows reads memory well enough.
int transposed_axis(const CollapsedLayout& layout, std::size_t itemsize);

// Iterates the elements [begin, begin + count) of a collapsed layout in row-major order, calling
// run(offset, step, length) for each maximal run along the innermost axis; offsets are in elements.
template <class Run>
void for_each_run(const CollapsedLayout& layout, std::int64_t begin, std::int64_t count, Run&& run) {
  const int ndim = static_cast<int>(layout.dims.size());
  SmallVector<std::int64_t, 6> index(static_cast<std::size_t>(ndim), 0);
  std::int64_t rest = begin;
  std::int64_t offset = 0;
  for (int d = ndim - 1; d >= 0; --d) {
    const std::int64_t dim = layout.dims[static_cast<std::size_t>(d)];
    index[static_cast<std::size_t>(d)] = rest % dim;
    rest /= dim;
    offset += index[static_cast<std::size_t>(d)] * layout.strides[static_cast<std::size_t>(d)];
  }
  const std::int64_t inner_dim = layout.dims[static_cast<std::size_t>(ndim - 1)];
  const std::int64_t inner_stride = layout.strides[static_cast<std::size_t>(ndim - 1)];
  while (count > 0) {
    const std::int64_t inner_index = index[static_cast<std::size_t>(ndim - 1)];
    const std::int64_t length = std::min(count, inner_dim - inner_index);
    run(offset, inner_stride, length);
    count -= length;
    if (count == 0) break;
    // Back to the start of this row, then one step along the outer axes, carrying.
    offset -= inner_index * inner_stride;
    index[static_cast<std::size_t>(ndim - 1)] = 0;
    for (int d = ndim - 2; d >= 0; --d) {
      auto& i = index[static_cast<std::size_t>(d)];
      const std::int64_t stride = layout.strides[static_cast<std::size_t>(d)];
      if (++i < layout.dims[static_cast<std::size_t>(d)]) {
        offset += stride;
        break;
      }
      offset -= (i - 1) * stride;
      i = 0;
    }
  }
}

}  // namespace jx::cpu
