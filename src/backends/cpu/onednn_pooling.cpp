// Max pooling on oneDNN: reduce_window(max) and its gradient, select_and_scatter_add(max), when the
// window slides over 1 to 3 axes of an operand whose two other axes it leaves alone (batch and
// channels, in any order: NHWC and NCHW alike). oneDNN's backward max pooling reads which element
// each window selected from the forward pass's workspace; jx's gradient gets the operand instead, so
// the backward recomputes the forward (a memory-bound pass) to obtain it. Both pick the first
// maximum of each window in row-major window order, as jx's own kernel and XLA do. An operand holding
// a NaN (which XLA's max propagates and oneDNN's drops) stays on jx's kernel.
#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "backends/cpu/onednn.h"
#include "backends/cpu/onednn_common.h"
#include "backends/cpu/reduce_window.h"
#include "backends/cpu/thread_pool.h"

namespace jx::cpu::onednn {
namespace {

using dnnl::memory;
using Dims = memory::dims;

// src_strides: the operand's; dst_strides: the forward's output (dense, in the operand's axis order);
// for the backward, source_strides: the incoming gradient's, and the gradient is written with the
// dense strides of the operand's shape (gradient_strides).
struct PoolKey {
  bool backward = false;
  Dims src, dst, src_strides, dst_strides, source_strides, gradient_strides, kernel, strides, dilation, padding_l,
      padding_r;
  bool operator==(const PoolKey&) const = default;
};

struct PoolKeyHash {
  std::size_t operator()(const PoolKey& key) const {
    std::size_t h = key.backward ? 1 : 0;
    for (const Dims* dims :
         {&key.src, &key.dst, &key.src_strides, &key.dst_strides, &key.source_strides, &key.gradient_strides,
          &key.kernel, &key.strides, &key.dilation, &key.padding_l, &key.padding_r}) {
      for (std::int64_t v : *dims) h = h * 1000003u ^ std::hash<std::int64_t>()(v);
    }
    return h;
  }
};

struct PoolPrimitive {
  std::optional<dnnl::pooling_v2_forward> forward;
  std::optional<dnnl::pooling_v2_backward> backward;
  memory::desc src, dst, source, gradient, workspace, forward_scratchpad, backward_scratchpad;
  std::string implementation;
};

std::shared_ptr<const PoolPrimitive> create_pooling(const PoolKey& key) {
  auto made = std::make_shared<PoolPrimitive>();
  const auto f32 = memory::data_type::f32;
  made->src = memory::desc(key.src, f32, key.src_strides);
  made->dst = memory::desc(key.dst, f32, key.dst_strides);
  if (key.backward) {
    made->source = memory::desc(key.dst, f32, key.source_strides);
    made->gradient = memory::desc(key.src, f32, key.gradient_strides);
  }
  try {
    const dnnl::pooling_v2_forward::desc forward_desc(
        key.backward ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
        dnnl::algorithm::pooling_max, made->src, made->dst, key.strides, key.kernel, key.dilation, key.padding_l,
        key.padding_r);
    const dnnl::pooling_v2_forward::primitive_desc forward(forward_desc, default_attributes(), cpu_engine());
    if (is_reference(forward.impl_info_str())) return made;
    made->forward.emplace(forward);
    made->forward_scratchpad = forward.scratchpad_desc();
    made->implementation = std::string("max pooling: ") + forward.impl_info_str();
    if (key.backward) {
      made->workspace = forward.workspace_desc();
      const dnnl::pooling_v2_backward::primitive_desc backward(
          dnnl::pooling_v2_backward::desc(dnnl::algorithm::pooling_max, made->gradient, made->source, key.strides,
                                          key.kernel, key.dilation, key.padding_l, key.padding_r),
          default_attributes(), cpu_engine(), forward);
      if (is_reference(backward.impl_info_str())) {
        made->forward.reset();
        return made;
      }
      made->backward.emplace(backward);
      made->backward_scratchpad = backward.scratchpad_desc();
      made->implementation = std::string("max pooling backward: ") + backward.impl_info_str();
    }
  } catch (const dnnl::error&) {
    made->forward.reset();
  }
  return made;
}

PrimitiveCache<PoolKey, PoolPrimitive, PoolKeyHash>& pooling_primitives() {
  static auto* cache = new PrimitiveCache<PoolKey, PoolPrimitive, PoolKeyHash>();
  return *cache;
}

// oneDNN's view of a window geometry: the two axes the window leaves alone as batch and channels,
// the others as spatial axes. Empty when there is no such view.
struct PoolView {
  int batch_axis = -1, channel_axis = -1;
  std::vector<int> spatial_axes;
};

std::optional<PoolView> view_of(const WindowGeometry& g) {
  PoolView view;
  for (int d = 0; d < g.ndim; ++d) {
    const auto u = static_cast<std::size_t>(d);
    if (g.base_dilation[u] != 1 || g.padding_low[u] < 0) return std::nullopt;
    const bool untouched = g.window_dimensions[u] == 1 && g.window_strides[u] == 1 && g.padding_low[u] == 0 &&
                           g.out_shape[u] == g.operand_shape[u];
    if (untouched && view.batch_axis < 0) {
      view.batch_axis = d;
    } else if (untouched && view.channel_axis < 0) {
      view.channel_axis = d;
    } else {
      view.spatial_axes.push_back(d);
    }
  }
  if (view.channel_axis < 0 || view.spatial_axes.empty() || view.spatial_axes.size() > 3) return std::nullopt;
  return view;
}

Dims in_view(const PoolView& view, const WindowGeometry::Sizes& per_axis) {
  Dims dims{per_axis[static_cast<std::size_t>(view.batch_axis)], per_axis[static_cast<std::size_t>(view.channel_axis)]};
  for (int d : view.spatial_axes) dims.push_back(per_axis[static_cast<std::size_t>(d)]);
  return dims;
}

// Whether a dense float32 array holds a NaN. oneDNN's max pooling drops NaNs (its max is the vector
// max instruction, which returns the other operand), where jx's and XLA's propagate them: an operand
// with a NaN is left to jx's kernel. The scan reads the operand once, in parallel.
bool contains_nan(const float* values, std::int64_t n) {
  std::atomic<bool> found{false};
  parallel_for(n, std::int64_t{1} << 16, [&](std::int64_t begin, std::int64_t end) {
    int nan = 0;  // an int, so that the loop becomes vector compares and ors
    for (std::int64_t i = begin; i < end; ++i) nan |= static_cast<int>(values[i] != values[i]);
    if (nan != 0) found.store(true, std::memory_order_relaxed);
  });
  return found.load();
}

// Runs max pooling (backward when `source` is given) split over the batch.
bool pool(DType dtype, const WindowGeometry& g, const std::byte* operand, const WindowGeometry::Sizes& operand_strides,
          const std::byte* source, const WindowGeometry::Sizes& source_strides, std::byte* out) {
  if (!enabled() || dtype != DType::float32) return false;
  const std::optional<PoolView> view = view_of(g);
  if (!view) return false;
  for (int d = 0; d < g.ndim; ++d) {
    if (operand_strides[static_cast<std::size_t>(d)] <= 0) return false;
    if (source != nullptr && source_strides[static_cast<std::size_t>(d)] <= 0) return false;
  }
  const bool backward = source != nullptr;
  // Only a dense operand (in its own axis order) is scanned for NaNs; views stay on jx's kernel.
  std::int64_t elements = 1;
  for (int d = 0; d < g.ndim; ++d) elements *= g.operand_shape[static_cast<std::size_t>(d)];
  if (elements < (std::int64_t{1} << 12) || operand_strides != dense_strides(g.operand_shape, g.ndim) ||
      contains_nan(reinterpret_cast<const float*>(operand), elements))
    return false;
  PoolKey key;
  key.backward = backward;
  key.src = in_view(*view, g.operand_shape);
  key.dst = in_view(*view, g.out_shape);
  key.src_strides = in_view(*view, operand_strides);
  key.dst_strides = in_view(*view, dense_strides(g.out_shape, g.ndim));
  if (backward) {
    key.source_strides = in_view(*view, source_strides);
    key.gradient_strides = in_view(*view, dense_strides(g.operand_shape, g.ndim));
  }
  for (int d : view->spatial_axes) {
    const auto u = static_cast<std::size_t>(d);
    key.kernel.push_back(g.window_dimensions[u]);
    key.strides.push_back(g.window_strides[u]);
    key.dilation.push_back(g.window_dilation[u] - 1);
    key.padding_l.push_back(g.padding_low[u]);
    const std::int64_t extent = (g.window_dimensions[u] - 1) * g.window_dilation[u] + 1;
    const std::int64_t exact =
        (g.out_shape[u] - 1) * g.window_strides[u] + extent - g.operand_shape[u] - g.padding_low[u];
    if (exact <= -g.window_strides[u]) return false;
    key.padding_r.push_back(std::max<std::int64_t>(exact, 0));
  }
  const std::int64_t batch = key.src[0];
  if (batch == 0) return false;
  const Split parts = split(batch, std::min<std::int64_t>(elements >> 16, num_threads()));
  const auto key_of = [&](std::int64_t size) {
    PoolKey part = key;
    part.src[0] = size;
    part.dst[0] = size;
    return part;
  };
  hold_to_one_thread();
  const auto [full, last] = part_primitives(pooling_primitives(), parts, key_of, create_pooling);
  if (!full->forward || !last->forward) return false;
  note_implementation(full->implementation);

  const auto batch_axis = static_cast<std::size_t>(view->batch_axis);
  run_parts(parts, [&](std::int64_t part) {
    const PoolPrimitive& p = part == parts.count - 1 ? *last : *full;
    const std::int64_t first = part * parts.size;
    const dnnl::engine& engine = cpu_engine();
    const auto at = [&](const std::byte* base, std::int64_t stride) {
      return const_cast<std::byte*>(base) + first * stride * static_cast<std::int64_t>(sizeof(float));
    };
    if (!backward) {
      const WindowGeometry::Sizes out_strides = dense_strides(g.out_shape, g.ndim);
      p.forward->execute(thread_stream(),
                         {{DNNL_ARG_SRC, memory(p.src, engine, at(operand, operand_strides[batch_axis]))},
                          {DNNL_ARG_DST, memory(p.dst, engine, at(out, out_strides[batch_axis]))},
                          {DNNL_ARG_SCRATCHPAD, thread_scratchpad(p.forward_scratchpad)}});
      return;
    }
    // The forward again, for the workspace (which element each window selected), then the backward.
    const Buffer pooled(p.dst.get_size()), workspace(p.workspace.get_size());
    const memory workspace_memory(p.workspace, engine, workspace.data());
    p.forward->execute(thread_stream(),
                       {{DNNL_ARG_SRC, memory(p.src, engine, at(operand, operand_strides[batch_axis]))},
                        {DNNL_ARG_DST, memory(p.dst, engine, pooled.data())},
                        {DNNL_ARG_WORKSPACE, workspace_memory},
                        {DNNL_ARG_SCRATCHPAD, thread_scratchpad(p.forward_scratchpad)}});
    const WindowGeometry::Sizes gradient_strides = dense_strides(g.operand_shape, g.ndim);
    p.backward->execute(thread_stream(),
                        {{DNNL_ARG_DIFF_DST, memory(p.source, engine, at(source, source_strides[batch_axis]))},
                         {DNNL_ARG_DIFF_SRC, memory(p.gradient, engine, at(out, gradient_strides[batch_axis]))},
                         {DNNL_ARG_WORKSPACE, workspace_memory},
                         {DNNL_ARG_SCRATCHPAD, thread_scratchpad(p.backward_scratchpad)}});
  });
  return true;
}

}  // namespace

std::size_t pooling_cache_size() { return pooling_primitives().size(); }
void clear_pooling_cache() { pooling_primitives().clear(); }

bool max_pool(DType dtype, const WindowGeometry& geometry, const std::byte* x, const WindowGeometry::Sizes& x_strides,
              std::byte* out) {
  return pool(dtype, geometry, x, x_strides, nullptr, {}, out);
}

bool max_pool_backward(DType dtype, const WindowGeometry& geometry, const std::byte* source,
                       const WindowGeometry::Sizes& source_strides, const std::byte* operand,
                       const WindowGeometry::Sizes& operand_strides, std::byte* out) {
  return pool(dtype, geometry, operand, operand_strides, source, source_strides, out);
}

}  // namespace jx::cpu::onednn
