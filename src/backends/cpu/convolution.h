// src/backends/cpu/convolution.h — the CPU kernel behind conv_general_dilated.
//
// The convolution is described in canonical terms — lhs (batch, feature, spatial...), rhs (output
// feature, input feature, spatial...), output (batch, feature, spatial...) — with each axis's stride
// in memory, so one kernel serves every layout (NHWC, NCHW, the swapped layouts the transpose rules
// produce) and both strided views (eager) and dense planned buffers (jit) without copying operands.
//
// Per feature (or batch) group it is one matrix product, out[(b, p), o] = A[(b, p), (i, k)] B[(i, k), o],
// with A the patches of lhs under each window (im2col) and B the kernel. A is never materialized
// whole: it is packed tile by tile into cache-sized buffers, each tile multiplied by BLAS on the thread
// that packed it, so packing runs in parallel and every tile is read from cache (a whole im2col of a
// 128 x 28 x 28 x 32 batch would be 115 MB streamed from memory). Float32 and float64 go to
// OpenBLAS's sgemm/dgemm; integers use a plain loop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "jx/core/dtype.h"

namespace jx::cpu {

inline constexpr int kMaxConvSpatialDims = 6;

struct ConvGeometry {
  int spatial_dims = 0;
  std::int64_t batch = 0;         // lhs batch
  std::int64_t lhs_features = 0;  // = rhs_in_features * feature_group_count
  std::int64_t out_features = 0;  // rhs output features
  std::int64_t rhs_in_features = 0;
  std::int64_t feature_group_count = 1, batch_group_count = 1;
  using Sizes = std::array<std::int64_t, kMaxConvSpatialDims>;
  Sizes lhs_spatial{}, rhs_spatial{}, out_spatial{};
  Sizes window_strides{}, padding_low{}, lhs_dilation{}, rhs_dilation{};
  // Strides in elements of (batch, feature, spatial...) for lhs and out, (out feature, in feature,
  // spatial...) for rhs. Any sign for lhs and rhs; the output's must be positive and non-overlapping.
  std::array<std::int64_t, kMaxConvSpatialDims + 2> lhs_strides{}, rhs_strides{}, out_strides{};
};

// out = conv(lhs, rhs) for float32, float64 and integer dtypes (the pointers address the element at
// index 0 of each canonical axis). Every output element is written.
void conv_general_dilated(DType dtype, const ConvGeometry& geometry, const std::byte* lhs, const std::byte* rhs,
                          std::byte* out);

}  // namespace jx::cpu
