// src/backends/cpu/convolution_plan.h — how the convolution kernel lays out its matrix products.
//
// Per group the convolution is out[m, o] = sum_k A[m, k] B[k, o]: a row m of A is one output
// position (output batch, output spatial...), a column k one kernel tap (input feature, kernel
// spatial...), and A[m, k] the lhs element that tap reads at that position (zero in the padding).
// The plan fixes, from the operands' shapes and strides alone:
//   - the order of A's column axes: the order the kernel lies in memory, so that B is the kernel read
//     in place, unless the kernel is small enough to copy into the order that packs A fastest;
//   - the order of A's row axes: the output's memory order, so that BLAS writes result tiles in place
//     whenever the output's rows come evenly spaced (NHWC and NCHW both do);
//   - whether tiles of A are packed row by row or column by column: whichever makes the innermost
//     run of copied elements contiguous in lhs (channels for NHWC, image rows for NCHW);
//   - tile sizes, and whether taps are split between threads (few output positions, many taps: the
//     kernel gradient) with each thread summing its own partial result.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "backends/cpu/convolution.h"

namespace jx::cpu::conv {

// One axis of A's rows (output batch or an output spatial axis) or columns (input feature or a
// kernel spatial axis). A step along it moves the lhs element read by `lhs_step` (batch and feature
// axes) or the position along spatial axis `spatial` by `position_step`.
struct PatchAxis {
  std::int64_t extent = 1;
  std::int64_t lhs_step = 0;
  int spatial = -1;
  std::int64_t position_step = 0;
  std::int64_t other_step = 0;  // the stride of the matching axis of rhs (columns) or of the output (rows)
  // A packing run only: a spatial axis fused with the contiguous axis inside it (kernel column and
  // channels, for NHWC): `block` contiguous elements per position step, contiguous across steps.
  std::int64_t block = 0;
};

// Where an index of A's rows or columns lands in lhs: an offset from batch and feature axes, and a
// position along each spatial axis of the dilated, padded input.
struct Landing {
  std::int64_t offset = 0;
  std::array<std::int64_t, kMaxConvSpatialDims> position{};
};

// The landing of `index` (in the axes' row-major order) from `origin`.
Landing land(std::span<const PatchAxis> axes, std::int64_t index, Landing origin);

struct ConvPlan {
  ConvGeometry g;
  std::int64_t groups = 1, out_batch = 0, group_features = 0;  // group_features: output features per group
  std::int64_t rows = 0, depth = 0;                            // A's shape, per group
  std::vector<PatchAxis> row_axes, depth_axes;                 // outer to inner
  Landing row_origin;                                          // positions start at -padding_low
  std::int64_t lhs_group_step = 0, rhs_group_step = 0, out_group_step = 0;
  // B: the kernel in place (element (k, o) at k * rhs_depth_stride + o * rhs_feature_stride), or a
  // dense depth-major copy of it when it cannot be read in place.
  bool copy_rhs = false;
  std::int64_t rhs_depth_stride = 0, rhs_feature_stride = 0;
  // The output: rows in runs of `row_run`, evenly spaced by out_row_stride within a run.
  bool out_direct = false;
  std::int64_t row_run = 0, out_row_stride = 0, out_feature_stride = 0;
  // Packing: tiles row-major (runs along taps) or column-major (runs along rows); the minor side's
  // axes, with the innermost two fused into one run where lhs allows.
  bool pack_by_rows = true;
  std::vector<PatchAxis> minor_axes;
  std::int64_t tile_rows = 0, tile_depth = 0, row_tiles = 0, depth_tiles = 0, depth_chunks = 1;
};

ConvPlan make_plan(const ConvGeometry& g);

// The output offset of row `row` (in the rows' order).
std::int64_t out_row_offset(const ConvPlan& plan, std::int64_t row);

}  // namespace jx::cpu::conv
