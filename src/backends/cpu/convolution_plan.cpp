// The convolution kernel's plan: axis orders, packing orientation, tiles (see convolution_plan.h).
#include "backends/cpu/convolution_plan.h"

#include <algorithm>
#include <cstdlib>

#include "backends/cpu/thread_pool.h"

namespace jx::cpu::conv {
namespace {

// A tile of A of about this many bytes stays in a core's L2 cache (2 MB here) beside its slice of B.
constexpr std::int64_t kTileBytes = 384 * 1024;
constexpr std::int64_t kMaxTileDepth = 1024;

}  // namespace

Landing land(std::span<const PatchAxis> axes, std::int64_t index, Landing landing) {
  for (auto axis = axes.rbegin(); axis != axes.rend(); ++axis) {
    const std::int64_t coordinate = index % axis->extent;
    index /= axis->extent;
    if (axis->spatial < 0) {
      landing.offset += coordinate * axis->lhs_step;
    } else {
      landing.position[static_cast<std::size_t>(axis->spatial)] += coordinate * axis->position_step;
    }
  }
  return landing;
}

namespace {

// The element stride of a run along `axis` in lhs, or 0 when the run is not evenly strided (lhs
// dilation: only every few positions hold an element).
std::int64_t lhs_run_step(const ConvGeometry& g, const PatchAxis& axis) {
  if (axis.spatial < 0) return axis.lhs_step;
  const auto d = static_cast<std::size_t>(axis.spatial);
  if (g.lhs_dilation[d] != 1) return 0;
  return axis.position_step * g.lhs_strides[d + 2];
}

// Whether axes (outer to inner) with the given strides merge into one evenly strided axis; its stride.
bool merged_stride(std::span<const PatchAxis> axes, std::int64_t& stride) {
  stride = 1;
  bool first = true;
  std::int64_t span = 1;
  for (auto axis = axes.rbegin(); axis != axes.rend(); ++axis) {
    if (axis->extent == 1) continue;
    if (axis->other_step <= 0) return false;
    if (first) {
      stride = axis->other_step;
      first = false;
    } else if (axis->other_step != stride * span) {
      return false;
    }
    span *= axis->extent;
  }
  return true;
}

}  // namespace

ConvPlan make_plan(const ConvGeometry& g) {
  ConvPlan plan;
  plan.g = g;
  const int nsp = g.spatial_dims;
  plan.groups = g.feature_group_count * g.batch_group_count;
  plan.out_batch = g.batch / g.batch_group_count;
  plan.group_features = g.out_features / plan.groups;
  const std::int64_t lhs_batch_stride = g.lhs_strides[0], lhs_feature_stride = g.lhs_strides[1];
  plan.lhs_group_step =
      g.feature_group_count > 1 ? g.rhs_in_features * lhs_feature_stride : plan.out_batch * lhs_batch_stride;
  plan.rhs_group_step = plan.group_features * g.rhs_strides[0];
  plan.out_group_step = plan.group_features * g.out_strides[1];

  // Rows: output batch and spatial axes, in the output's memory order.
  std::vector<PatchAxis> rows;
  rows.push_back({plan.out_batch, lhs_batch_stride, -1, 0, g.out_strides[0]});
  for (int d = 0; d < nsp; ++d) {
    const auto u = static_cast<std::size_t>(d);
    rows.push_back({g.out_spatial[u], 0, d, g.window_strides[u], g.out_strides[u + 2]});
    plan.row_origin.position[u] = -g.padding_low[u];
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const PatchAxis& a, const PatchAxis& b) { return a.other_step > b.other_step; });
  plan.row_axes = rows;
  plan.rows = 1;
  for (const PatchAxis& a : rows) plan.rows *= a.extent;

  // Columns: input feature and kernel spatial axes.
  std::vector<PatchAxis> taps;
  taps.push_back({g.rhs_in_features, lhs_feature_stride, -1, 0, g.rhs_strides[1]});
  for (int d = 0; d < nsp; ++d) {
    const auto u = static_cast<std::size_t>(d);
    taps.push_back({g.rhs_spatial[u], 0, d, g.rhs_dilation[u], g.rhs_strides[u + 2]});
  }
  plan.depth = 1;
  for (const PatchAxis& a : taps) plan.depth *= a.extent;
  auto by_lhs = taps, by_rhs = taps;
  const auto lhs_magnitude = [&](const PatchAxis& a) {
    const std::int64_t step = lhs_run_step(g, a);
    return step == 0 ? std::int64_t{1} << 62 : std::abs(step);
  };
  std::stable_sort(by_lhs.begin(), by_lhs.end(),
                   [&](const PatchAxis& a, const PatchAxis& b) { return lhs_magnitude(a) > lhs_magnitude(b); });
  std::stable_sort(by_rhs.begin(), by_rhs.end(),
                   [](const PatchAxis& a, const PatchAxis& b) { return a.other_step > b.other_step; });
  // B in place needs the taps to merge into one evenly strided axis, with either taps or output
  // features contiguous (BLAS's two layouts).
  const auto readable_in_place = [&](const std::vector<PatchAxis>& order, std::int64_t& depth_stride) {
    if (!merged_stride(order, depth_stride)) return false;
    const std::int64_t feature_stride = g.rhs_strides[0];
    if (plan.group_features * plan.groups > 1 && feature_stride <= 0) return false;
    if (depth_stride == 1 && (feature_stride >= plan.depth || plan.group_features * plan.groups == 1)) return true;
    return feature_stride == 1 && (depth_stride >= g.out_features || plan.depth == 1);
  };
  std::int64_t depth_stride = 0;
  const std::int64_t rhs_elements = g.out_features * plan.depth;
  if (readable_in_place(by_lhs, depth_stride)) {
    plan.depth_axes = by_lhs;
  } else if (rhs_elements * 16 <= plan.rows * plan.depth * plan.groups || !readable_in_place(by_rhs, depth_stride)) {
    // A small kernel (the usual case) is copied, so that packing reads lhs in its best order.
    plan.depth_axes = by_lhs;
    plan.copy_rhs = true;
  } else {
    plan.depth_axes = by_rhs;
  }
  if (plan.copy_rhs) {
    plan.rhs_depth_stride = g.out_features;
    plan.rhs_feature_stride = 1;
    plan.rhs_group_step = plan.group_features;
  } else {
    plan.rhs_depth_stride = depth_stride;
    plan.rhs_feature_stride = g.rhs_strides[0];
  }

  // Pack along whichever side gives the longer contiguous (or the shorter-strided) runs.
  const PatchAxis& row_inner = plan.row_axes.back();
  const PatchAxis& depth_inner = plan.depth_axes.back();
  const std::int64_t row_step = lhs_magnitude(row_inner), depth_step = lhs_magnitude(depth_inner);
  if ((row_step == 1) != (depth_step == 1)) {
    plan.pack_by_rows = depth_step == 1;
  } else if (row_step == 1) {
    plan.pack_by_rows = depth_inner.extent >= row_inner.extent;
  } else {
    plan.pack_by_rows = depth_step <= row_step;
  }

  // The minor side's axes, the innermost two fused when the inner one is contiguous in lhs and the
  // next one continues it (NHWC: a kernel row's columns times the channels, read as one run).
  plan.minor_axes = plan.pack_by_rows ? plan.depth_axes : plan.row_axes;
  if (plan.minor_axes.size() >= 2) {
    const PatchAxis inner = plan.minor_axes.back();
    const PatchAxis outer = plan.minor_axes[plan.minor_axes.size() - 2];
    if (inner.spatial < 0 && inner.lhs_step == 1 && outer.spatial >= 0 &&
        g.lhs_dilation[static_cast<std::size_t>(outer.spatial)] == 1 &&
        outer.position_step * g.lhs_strides[static_cast<std::size_t>(outer.spatial) + 2] == inner.extent) {
      plan.minor_axes.pop_back();
      plan.minor_axes.back() = {outer.extent * inner.extent, 1, outer.spatial, outer.position_step, 0, inner.extent};
    }
  }

  // Tiles: A tiles of about kTileBytes (itemsize 4 assumed; float64 tiles are twice as large).
  constexpr std::int64_t item = 4;
  if (plan.rows * std::min<std::int64_t>(plan.depth, 256) * item <= kTileBytes) {
    plan.tile_rows = std::max<std::int64_t>(plan.rows, 1);
    plan.tile_depth =
        std::clamp<std::int64_t>(kTileBytes / (plan.tile_rows * item), 16, std::max<std::int64_t>(plan.depth, 1));
  } else {
    plan.tile_depth = std::min(plan.depth, kMaxTileDepth);
    plan.tile_rows =
        std::max<std::int64_t>(16, kTileBytes / (std::max<std::int64_t>(plan.tile_depth, 1) * item) / 16 * 16);
  }

  // The output in place: rows in runs evenly spaced by out_row_stride, and either output features
  // contiguous (row-major tiles) or rows contiguous (column-major tiles).
  std::int64_t run = 1, run_stride = 1;
  bool first = true;
  for (auto axis = plan.row_axes.rbegin(); axis != plan.row_axes.rend(); ++axis) {
    if (axis->extent == 1) continue;
    if (first) {
      run_stride = axis->other_step;
      first = false;
    } else if (axis->other_step != run_stride * run) {
      break;
    }
    run *= axis->extent;
  }
  const std::int64_t feature_stride = g.out_strides[1];
  const bool layout_ok = feature_stride == 1 || run_stride == 1 || plan.group_features == 1;
  plan.out_direct = layout_ok && (run >= plan.rows || run >= std::min<std::int64_t>(plan.tile_rows, 128));
  plan.row_run = plan.out_direct ? run : plan.rows;
  plan.out_row_stride = run_stride;
  plan.out_feature_stride = feature_stride;
  if (plan.out_direct) plan.tile_rows = std::min(plan.tile_rows, plan.row_run);
  plan.row_tiles =
      plan.rows == 0 ? 0 : (plan.rows / plan.row_run) * ((plan.row_run + plan.tile_rows - 1) / plan.tile_rows);
  plan.depth_tiles = plan.depth == 0 ? 0 : (plan.depth + plan.tile_depth - 1) / plan.tile_depth;

  // Few output positions and many taps: split the taps between threads.
  const std::int64_t threads = num_threads();
  const std::int64_t tasks = plan.groups * plan.row_tiles;
  if (tasks < 2 * threads && plan.depth_tiles > 1) {
    plan.depth_chunks = std::min(plan.depth_tiles, (4 * threads + tasks - 1) / std::max<std::int64_t>(tasks, 1));
  }
  return plan;
}

std::int64_t out_row_offset(const ConvPlan& plan, std::int64_t row) {
  std::int64_t offset = 0;
  for (auto axis = plan.row_axes.rbegin(); axis != plan.row_axes.rend(); ++axis) {
    offset += row % axis->extent * axis->other_step;
    row /= axis->extent;
  }
  return offset;
}

}  // namespace jx::cpu::conv
