// conv_general_dilated on the CPU: oneDNN where it takes the geometry (onednn_convolution.cpp), else
// patches packed tile by tile (im2col) and multiplied by BLAS.
//
// The plan (convolution_plan.h) decides the layout of the products; packing is in
// convolution_packing.h. Tiles of A go to the thread pool; each thread multiplies what it packed while
// it is in its cache, with BLAS held to one thread. When there are few output positions and many
// taps (the kernel gradient), taps are split between threads instead, each summing into its own
// partial result, added up at the end.
#include "backends/cpu/convolution.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "backends/cpu/convolution_gemm.h"
#include "backends/cpu/convolution_packing.h"
#include "backends/cpu/convolution_plan.h"
#include "backends/cpu/convolution_scatter.h"
#include "backends/cpu/dispatch.h"
#include "backends/cpu/onednn.h"
#include "backends/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

using conv::ConvPlan;
using conv::multiply;
using conv::out_row_offset;
using conv::scratch;
using conv::SingleThreadedBlas;
using conv::Strided;

// Writes (or adds) a dense row-major block of rows [row_begin, +count) x group features to the output.
template <class T>
void scatter_rows(const ConvPlan& plan, const T* block, std::int64_t row_begin, std::int64_t count, T* out) {
  for (std::int64_t r = 0; r < count; ++r) {
    T* target = out + out_row_offset(plan, row_begin + r);
    for (std::int64_t o = 0; o < plan.group_features; ++o)
      target[o * plan.out_feature_stride] = block[r * plan.group_features + o];
  }
}

template <class T>
void convolve(const ConvPlan& plan, const T* lhs, const T* rhs, T* out) {
  const ConvGeometry& g = plan.g;
  if (plan.rows == 0 || plan.group_features == 0) return;
  if (plan.depth == 0) {
    for (std::int64_t group = 0; group < plan.groups; ++group) {
      for (std::int64_t r = 0; r < plan.rows; ++r) {
        T* target = out + group * plan.out_group_step + out_row_offset(plan, r);
        for (std::int64_t o = 0; o < plan.group_features; ++o) target[o * plan.out_feature_stride] = T{};
      }
    }
    return;
  }
  // B: the kernel in place, or copied depth-major (taps in depth_axes order) x all output features.
  std::vector<T> rhs_copy;
  const T* b_base = rhs;
  if (plan.copy_rhs) {
    rhs_copy.resize(static_cast<std::size_t>(plan.depth * g.out_features));
    for (std::int64_t k = 0; k < plan.depth; ++k) {
      std::int64_t offset = 0, index = k;
      for (auto axis = plan.depth_axes.rbegin(); axis != plan.depth_axes.rend(); ++axis) {
        offset += index % axis->extent * axis->other_step;
        index /= axis->extent;
      }
      for (std::int64_t o = 0; o < g.out_features; ++o)
        rhs_copy[static_cast<std::size_t>(k * g.out_features + o)] = rhs[offset + o * g.rhs_strides[0]];
    }
    b_base = rhs_copy.data();
  }

  const std::int64_t tiles_per_run = (plan.row_run + plan.tile_rows - 1) / plan.tile_rows;
  const std::int64_t chunks = plan.depth_chunks;
  const std::int64_t tasks = plan.groups * plan.row_tiles * chunks;
  const std::int64_t depth_tiles_per_chunk = (plan.depth_tiles + chunks - 1) / chunks;
  // Split taps: each task sums into its own block, added up below.
  std::vector<T> partials;
  if (chunks > 1) partials.resize(static_cast<std::size_t>(tasks * plan.tile_rows * plan.group_features));

  const auto run_task = [&](std::int64_t task) {
    const std::int64_t chunk = task % chunks;
    const std::int64_t row_tile = task / chunks % plan.row_tiles;
    const std::int64_t group = task / chunks / plan.row_tiles;
    const std::int64_t row_begin = row_tile / tiles_per_run * plan.row_run + row_tile % tiles_per_run * plan.tile_rows;
    const std::int64_t row_count = std::min(plan.tile_rows, plan.row_run - row_tile % tiles_per_run * plan.tile_rows);
    const T* lhs_group = lhs + group * plan.lhs_group_step;
    const T* b_group = b_base + group * plan.rhs_group_step;

    thread_local std::vector<std::byte> a_buffer, c_buffer;
    T* a_tile = scratch<T>(a_buffer, plan.tile_rows * plan.tile_depth);
    Strided<T> c{};
    bool in_place = false;
    if (chunks > 1) {
      c = {partials.data() + task * plan.tile_rows * plan.group_features, plan.group_features, 1};
    } else if (plan.out_direct) {
      c = {out + group * plan.out_group_step + out_row_offset(plan, row_begin), plan.out_row_stride,
           plan.out_feature_stride};
      in_place = true;
    } else {
      c = {scratch<T>(c_buffer, plan.tile_rows * plan.group_features), plan.group_features, 1};
    }
    const std::int64_t first_tile = chunk * depth_tiles_per_chunk;
    const std::int64_t last_tile = std::min(plan.depth_tiles, first_tile + depth_tiles_per_chunk);
    if (first_tile >= last_tile) {
      for (std::int64_t r = 0; r < row_count; ++r)
        for (std::int64_t o = 0; o < plan.group_features; ++o) c.data[r * c.row_stride + o * c.col_stride] = T{};
    }
    for (std::int64_t tile = first_tile; tile < last_tile; ++tile) {
      const std::int64_t depth_begin = tile * plan.tile_depth;
      const std::int64_t depth_count = std::min(plan.tile_depth, plan.depth - depth_begin);
      conv::pack_tile(plan, lhs_group, row_begin, row_count, depth_begin, depth_count, a_tile);
      const Strided<const T> a =
          plan.pack_by_rows ? Strided<const T>{a_tile, depth_count, 1} : Strided<const T>{a_tile, 1, row_count};
      const Strided<const T> b{b_group + depth_begin * plan.rhs_depth_stride, plan.rhs_depth_stride,
                               plan.rhs_feature_stride};
      multiply<T>(row_count, plan.group_features, depth_count, a, b, c, tile > first_tile);
    }
    if (chunks == 1 && !in_place) scatter_rows(plan, c.data, row_begin, row_count, out + group * plan.out_group_step);
  };
  {
    SingleThreadedBlas single_threaded;
    parallel_for(tasks, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t task = begin; task < end; ++task) run_task(task);
    });
  }
  if (chunks > 1) {
    // Add up each (group, row tile)'s partial blocks into the first, then write it out.
    for (std::int64_t block = 0; block < plan.groups * plan.row_tiles; ++block) {
      const std::int64_t size = plan.tile_rows * plan.group_features;
      T* sum = partials.data() + block * chunks * size;
      for (std::int64_t chunk = 1; chunk < chunks; ++chunk) {
        const T* part = sum + chunk * size;
        for (std::int64_t i = 0; i < size; ++i) sum[i] = static_cast<T>(sum[i] + part[i]);
      }
      const std::int64_t row_tile = block % plan.row_tiles, group = block / plan.row_tiles;
      const std::int64_t row_begin =
          row_tile / tiles_per_run * plan.row_run + row_tile % tiles_per_run * plan.tile_rows;
      const std::int64_t row_count = std::min(plan.tile_rows, plan.row_run - row_tile % tiles_per_run * plan.tile_rows);
      scatter_rows(plan, sum, row_begin, row_count, out + group * plan.out_group_step);
    }
  }
}

}  // namespace

void conv_general_dilated(DType dtype, const ConvGeometry& geometry, const std::byte* lhs, const std::byte* rhs,
                          std::byte* out) {
  if (onednn::convolution(dtype, geometry, lhs, rhs, out)) return;
  if (conv::scatter_is_cheaper(geometry)) {
    conv::convolve_by_scatter(dtype, geometry, lhs, rhs, out);
    return;
  }
  const ConvPlan plan = conv::make_plan(geometry);
  visit_dtype(dtype, [&]<class T>(TypeTag<T>) {
    if constexpr (!std::is_same_v<T, bool> && !is_half_v<T>) {
      convolve<T>(plan, reinterpret_cast<const T*>(lhs), reinterpret_cast<const T*>(rhs), reinterpret_cast<T*>(out));
    } else {
      throw std::logic_error("jx: conv_general_dilated kernel called for bool or half precision");
    }
  });
}

}  // namespace jx::cpu
