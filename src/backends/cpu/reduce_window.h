// src/backends/cpu/reduce_window.h — the CPU kernels behind reduce_window and its derivatives.
//
// A window slides over the operand: output element o covers the positions
//   y[d] = o[d] * window_strides[d] + w[d] * window_dilation[d] - padding_low[d],  0 <= w[d] < window[d],
// of the operand dilated by base_dilation (holes between elements) and padded; positions in the
// padding or in a hole hold no element and are skipped (they contribute the reduction's identity).
//
// select_and_gather_add and select_and_scatter_add are the two halves of max pooling's derivative:
// in each window the first element (in row-major window order) that no later one beats is selected
// (for max: a candidate replaces the selection unless selection >= candidate), the same element in
// both, so that each is exactly the other's transpose. gather reads the tangent at the selected
// element; scatter adds each window's source value into the selected element of a zero array.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "jx/core/dtype.h"

namespace jx::cpu {

inline constexpr int kMaxWindowDims = 8;

struct WindowGeometry {
  using Sizes = std::array<std::int64_t, kMaxWindowDims>;
  int ndim = 0;
  Sizes operand_shape{}, out_shape{};  // out_shape: the windows' (reduce_window's output) shape
  Sizes window_dimensions{}, window_strides{}, padding_low{}, base_dilation{}, window_dilation{};
};

// Row-major strides, in elements, of a dense array of this shape (the first `ndim` entries).
WindowGeometry::Sizes dense_strides(const WindowGeometry::Sizes& shape, int ndim);

enum class WindowReduction : std::uint8_t { sum, max, min };

// out (dense, out_shape) = the reduction of x (strides in elements, any sign) over each window.
// Numeric dtypes other than bool and half precision.
void reduce_window(WindowReduction op, DType dtype, const WindowGeometry& geometry, const std::byte* x,
                   const WindowGeometry::Sizes& x_strides, std::byte* out);

// out (dense, out_shape) = tangents at the element of `operand` that `select` (max or min) picks in
// each window; zero for a window with no element.
void select_and_gather_add(WindowReduction select, DType dtype, const WindowGeometry& geometry,
                           const std::byte* tangents, const WindowGeometry::Sizes& tangent_strides,
                           const std::byte* operand, const WindowGeometry::Sizes& operand_strides, std::byte* out);

// out (dense, operand_shape) = zeros plus, for each window, its `source` value (source has out_shape)
// at the element of `operand` that `select` picks.
void select_and_scatter_add(WindowReduction select, DType dtype, const WindowGeometry& geometry,
                            const std::byte* source, const WindowGeometry::Sizes& source_strides,
                            const std::byte* operand, const WindowGeometry::Sizes& operand_strides, std::byte* out);

}  // namespace jx::cpu
