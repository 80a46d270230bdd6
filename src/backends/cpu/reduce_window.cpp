// Windowed reductions and max pooling's derivative halves, as direct loops.
//
// The output is walked element by element; when the last axis is untouched by the window (window 1,
// stride 1, no padding or dilation: the channels of NHWC pooling) it is walked as a run of lanes,
// so that the innermost loop reads consecutive elements and vectorizes. Outputs are split over the
// thread pool; the scatter writes into overlapping windows, so it splits only along a leading axis
// the window does not touch (the batch), where no two threads can meet.
#include "backends/cpu/reduce_window.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/onednn.h"
#include "backends/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

using Sizes = WindowGeometry::Sizes;

// Whether axis d maps output elements one to one onto operand elements.
bool untouched(const WindowGeometry& g, int d) {
  const auto u = static_cast<std::size_t>(d);
  return g.window_dimensions[u] == 1 && g.window_strides[u] == 1 && g.padding_low[u] == 0 && g.base_dilation[u] == 1 &&
         g.out_shape[u] == g.operand_shape[u];
}

// The walk over windows the three kernels share.
struct WindowWalk {
  const WindowGeometry& g;
  int outer_ndim = 0;            // axes walked one element at a time
  std::int64_t lanes = 1;        // elements of the last axis walked together (1 unless it is untouched)
  std::int64_t outer_count = 1;  // output elements per lane
  std::vector<Sizes> entries;    // each window position's offsets w[d] * window_dilation[d]

  explicit WindowWalk(const WindowGeometry& geometry) : g(geometry) {
    const bool lane_mode = g.ndim > 0 && untouched(g, g.ndim - 1);
    outer_ndim = lane_mode ? g.ndim - 1 : g.ndim;
    lanes = lane_mode ? g.out_shape[static_cast<std::size_t>(g.ndim - 1)] : 1;
    for (int d = 0; d < outer_ndim; ++d) outer_count *= g.out_shape[static_cast<std::size_t>(d)];
    std::int64_t count = 1;
    for (int d = 0; d < outer_ndim; ++d) count *= g.window_dimensions[static_cast<std::size_t>(d)];
    entries.reserve(static_cast<std::size_t>(count));
    for (std::int64_t e = 0; e < count; ++e) {
      Sizes w{};
      std::int64_t index = e;
      for (int d = outer_ndim - 1; d >= 0; --d) {
        const auto u = static_cast<std::size_t>(d);
        w[u] = index % g.window_dimensions[u] * g.window_dilation[u];
        index /= g.window_dimensions[u];
      }
      entries.push_back(w);
    }
  }

  // The first position of the window of output element `outer` along each walked axis, and the
  // output's own index.
  void origin(std::int64_t outer, Sizes& base, Sizes& out_index) const {
    for (int d = outer_ndim - 1; d >= 0; --d) {
      const auto u = static_cast<std::size_t>(d);
      out_index[u] = outer % g.out_shape[u];
      outer /= g.out_shape[u];
      base[u] = out_index[u] * g.window_strides[u] - g.padding_low[u];
    }
  }

  // Whether window position `entry` of the window at `base` holds an element; its operand index.
  bool element(const Sizes& base, const Sizes& entry, Sizes& index) const {
    for (int d = 0; d < outer_ndim; ++d) {
      const auto u = static_cast<std::size_t>(d);
      const std::int64_t y = base[u] + entry[u];
      const std::int64_t dilation = g.base_dilation[u];
      if (y < 0 || y > (g.operand_shape[u] - 1) * dilation || y % dilation != 0) return false;
      index[u] = y / dilation;
    }
    return true;
  }

  std::int64_t offset(const Sizes& index, const Sizes& strides) const {
    std::int64_t offset = 0;
    for (int d = 0; d < outer_ndim; ++d)
      offset += index[static_cast<std::size_t>(d)] * strides[static_cast<std::size_t>(d)];
    return offset;
  }

  std::int64_t lane_stride(const Sizes& strides) const {
    return lanes > 1 || outer_ndim < g.ndim ? strides[static_cast<std::size_t>(g.ndim - 1)] : 0;
  }

  std::int64_t grain() const {
    return std::max<std::int64_t>(1,
                                  16384 / std::max<std::int64_t>(lanes * static_cast<std::int64_t>(entries.size()), 1));
  }
};

template <class T>
T identity(WindowReduction op) {
  if (op == WindowReduction::sum) return T{0};
  if constexpr (std::is_floating_point_v<T>) {
    return op == WindowReduction::max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  } else {
    return op == WindowReduction::max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
}

template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return v != v;
  } else {
    return false;
  }
}

// max and min propagate NaN, as XLA's do.
template <WindowReduction Op, class T>
T combine(T acc, T v) {
  if constexpr (Op == WindowReduction::sum) {
    using U = wrapping_t<T>;
    return static_cast<T>(static_cast<U>(acc) + static_cast<U>(v));
  } else if constexpr (Op == WindowReduction::max) {
    return v > acc || is_nan(v) ? v : acc;
  } else {
    return v < acc || is_nan(v) ? v : acc;
  }
}

template <WindowReduction Op, class T>
void reduce_typed(const WindowWalk& walk, const T* x, const Sizes& x_strides, T* out) {
  const std::int64_t lanes = walk.lanes, lane_step = walk.lane_stride(x_strides);
  parallel_for(walk.outer_count, walk.grain(), [&](std::int64_t begin, std::int64_t end) {
    Sizes base{}, out_index{}, index{};
    for (std::int64_t outer = begin; outer < end; ++outer) {
      T* acc = out + outer * lanes;
      std::fill_n(acc, lanes, identity<T>(Op));
      walk.origin(outer, base, out_index);
      for (const Sizes& entry : walk.entries) {
        if (!walk.element(base, entry, index)) continue;
        const T* source = x + walk.offset(index, x_strides);
        for (std::int64_t c = 0; c < lanes; ++c) acc[c] = combine<Op>(acc[c], source[c * lane_step]);
      }
    }
  });
}

// The selection of one window, lane by lane: for each lane, the entry picked (or -1) and the
// operand offsets of the entries, for the caller to read or write at.
template <class T>
struct Selection {
  std::vector<T> best;
  std::vector<std::int64_t> picked;  // per lane: index into walk.entries, or -1
  std::vector<Sizes> picked_index;   // per entry: the operand index it landed on

  void select(bool is_max, const WindowWalk& walk, const T* operand, const Sizes& operand_strides, const Sizes& base) {
    const std::int64_t lanes = walk.lanes, lane_step = walk.lane_stride(operand_strides);
    best.resize(static_cast<std::size_t>(lanes));
    picked.assign(static_cast<std::size_t>(lanes), -1);
    picked_index.resize(walk.entries.size());
    for (std::size_t e = 0; e < walk.entries.size(); ++e) {
      if (!walk.element(base, walk.entries[e], picked_index[e])) continue;
      const T* source = operand + walk.offset(picked_index[e], operand_strides);
      for (std::int64_t c = 0; c < lanes; ++c) {
        const T v = source[c * lane_step];
        const auto u = static_cast<std::size_t>(c);
        // The selection stays unless it is >= (for max; <= for min) the candidate, as XLA's select.
        const bool keep = picked[u] >= 0 && (is_max ? best[u] >= v : best[u] <= v);
        if (!keep) {
          best[u] = v;
          picked[u] = static_cast<std::int64_t>(e);
        }
      }
    }
  }
};

template <class T>
void gather_typed(bool is_max, const WindowWalk& walk, const T* tangents, const Sizes& tangent_strides,
                  const T* operand, const Sizes& operand_strides, T* out) {
  const std::int64_t lanes = walk.lanes, lane_step = walk.lane_stride(tangent_strides);
  parallel_for(walk.outer_count, walk.grain(), [&](std::int64_t begin, std::int64_t end) {
    Sizes base{}, out_index{};
    Selection<T> selection;
    for (std::int64_t outer = begin; outer < end; ++outer) {
      walk.origin(outer, base, out_index);
      selection.select(is_max, walk, operand, operand_strides, base);
      for (std::int64_t c = 0; c < lanes; ++c) {
        const std::int64_t e = selection.picked[static_cast<std::size_t>(c)];
        out[outer * lanes + c] =
            e < 0 ? T{0}
                  : tangents[walk.offset(selection.picked_index[static_cast<std::size_t>(e)], tangent_strides) +
                             c * lane_step];
      }
    }
  });
}

template <class T>
void scatter_typed(bool is_max, const WindowWalk& walk, const T* source, const Sizes& source_strides, const T* operand,
                   const Sizes& operand_strides, T* out) {
  const WindowGeometry& g = walk.g;
  // The output is dense in the operand's shape.
  Sizes out_strides{};
  std::int64_t total = 1;
  for (int d = g.ndim - 1; d >= 0; --d) {
    out_strides[static_cast<std::size_t>(d)] = total;
    total *= g.operand_shape[static_cast<std::size_t>(d)];
  }
  std::fill_n(out, total, T{0});
  const std::int64_t lanes = walk.lanes;
  const std::int64_t source_lane_step = walk.lane_stride(source_strides);
  const auto scatter_range = [&](std::int64_t begin, std::int64_t end) {
    Sizes base{}, out_index{};
    Selection<T> selection;
    for (std::int64_t outer = begin; outer < end; ++outer) {
      walk.origin(outer, base, out_index);
      selection.select(is_max, walk, operand, operand_strides, base);
      const T* from = source + walk.offset(out_index, source_strides);
      for (std::int64_t c = 0; c < lanes; ++c) {
        const std::int64_t e = selection.picked[static_cast<std::size_t>(c)];
        if (e < 0) continue;
        T& target = out[walk.offset(selection.picked_index[static_cast<std::size_t>(e)], out_strides) + c];
        target = static_cast<T>(target + from[c * source_lane_step]);
      }
    }
  };
  if (walk.outer_ndim > 0 && untouched(g, 0) && g.out_shape[0] > 1) {
    // Windows of different batch elements never meet: split along axis 0.
    const std::int64_t per_item = walk.outer_count / g.out_shape[0];
    parallel_for(g.out_shape[0], std::max<std::int64_t>(1, walk.grain() / std::max<std::int64_t>(per_item, 1)),
                 [&](std::int64_t begin, std::int64_t end) { scatter_range(begin * per_item, end * per_item); });
  } else {
    scatter_range(0, walk.outer_count);
  }
}

// Windows that tile a dense operand exactly — strides equal to the window, no padding or dilation,
// the last axis left alone — as max pooling 2x2/2 of NHWC images has them. Every operand element then
// lies in exactly one window, so the forward reads each element once and the backward writes each
// once, with no zero fill before the scatter: the common case, at memory speed.
struct Tiling {
  std::int64_t lanes = 1;             // the last axis, walked as vectors
  std::int64_t windows = 1;           // per lane
  std::vector<std::int64_t> entries;  // a window's elements as operand offsets from its first, row-major
  Sizes window_stride{};              // operand offset between neighbouring windows along each axis
  int outer_ndim = 0;

  std::int64_t origin(std::int64_t window, const WindowGeometry& g) const {
    std::int64_t offset = 0;
    for (int d = outer_ndim - 1; d >= 0; --d) {
      const auto u = static_cast<std::size_t>(d);
      offset += window % g.out_shape[u] * window_stride[u];
      window /= g.out_shape[u];
    }
    return offset;
  }
};

// The tiling of `g` when it has one and every operand is dense (`strides` are the operands' strides, in
// the operand's shape or the windows' shape as `windowed` says).
std::optional<Tiling> exact_tiling(const WindowGeometry& g,
                                   std::initializer_list<std::pair<const Sizes*, bool>> strides) {
  if (g.ndim < 2 || !untouched(g, g.ndim - 1)) return std::nullopt;
  for (int d = 0; d < g.ndim - 1; ++d) {
    const auto u = static_cast<std::size_t>(d);
    if (g.window_strides[u] != g.window_dimensions[u] || g.padding_low[u] != 0 || g.base_dilation[u] != 1 ||
        g.window_dilation[u] != 1 || g.out_shape[u] * g.window_dimensions[u] != g.operand_shape[u])
      return std::nullopt;
  }
  const Sizes operand_strides = dense_strides(g.operand_shape, g.ndim),
              out_strides = dense_strides(g.out_shape, g.ndim);
  for (const auto& [given, windowed] : strides) {
    const Sizes& dense = windowed ? out_strides : operand_strides;
    if (!std::equal(given->begin(), given->begin() + g.ndim, dense.begin())) return std::nullopt;
  }
  Tiling t;
  t.outer_ndim = g.ndim - 1;
  t.lanes = g.operand_shape[static_cast<std::size_t>(g.ndim - 1)];
  std::int64_t count = 1;
  for (int d = 0; d < t.outer_ndim; ++d) {
    const auto u = static_cast<std::size_t>(d);
    t.windows *= g.out_shape[u];
    count *= g.window_dimensions[u];
    t.window_stride[u] = g.window_dimensions[u] * operand_strides[u];
  }
  for (std::int64_t e = 0; e < count; ++e) {
    std::int64_t offset = 0, index = e;
    for (int d = t.outer_ndim - 1; d >= 0; --d) {
      const auto u = static_cast<std::size_t>(d);
      offset += index % g.window_dimensions[u] * operand_strides[u];
      index /= g.window_dimensions[u];
    }
    t.entries.push_back(offset);
  }
  return t;
}

std::int64_t tiled_grain(const Tiling& t) {
  return std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(t.lanes * std::ssize(t.entries), 1));
}

template <WindowReduction Op, class T>
void reduce_tiled(const WindowGeometry& g, const Tiling& t, const T* x, T* out) {
  parallel_for(t.windows, tiled_grain(t), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t w = begin; w < end; ++w) {
      const T* window = x + t.origin(w, g);
      T* acc = out + w * t.lanes;
      for (std::int64_t c = 0; c < t.lanes; ++c) acc[c] = identity<T>(Op);
      for (const std::int64_t entry : t.entries) {
        const T* source = window + entry;
        for (std::int64_t c = 0; c < t.lanes; ++c) acc[c] = combine<Op>(acc[c], source[c]);
      }
    }
  });
}

// The selection rule of Selection::select, each element written once: the selected one gets
// 0 + source (as the general kernel adds it to a zero), the others 0.
template <class T>
void scatter_tiled(bool is_max, const WindowGeometry& g, const Tiling& t, const T* source, const T* operand, T* out) {
  parallel_for(t.windows, tiled_grain(t), [&](std::int64_t begin, std::int64_t end) {
    std::vector<T> best(static_cast<std::size_t>(t.lanes));
    std::vector<std::int32_t> picked(static_cast<std::size_t>(t.lanes));
    for (std::int64_t w = begin; w < end; ++w) {
      const std::int64_t origin = t.origin(w, g);
      const T* window = operand + origin;
      for (std::int64_t c = 0; c < t.lanes; ++c) best[static_cast<std::size_t>(c)] = window[t.entries[0] + c];
      std::fill(picked.begin(), picked.end(), 0);
      for (std::size_t e = 1; e < t.entries.size(); ++e) {
        const T* candidate = window + t.entries[e];
        for (std::int64_t c = 0; c < t.lanes; ++c) {
          const auto u = static_cast<std::size_t>(c);
          const T v = candidate[c];
          const bool keep = is_max ? best[u] >= v : best[u] <= v;
          best[u] = keep ? best[u] : v;
          picked[u] = keep ? picked[u] : static_cast<std::int32_t>(e);
        }
      }
      const T* from = source + w * t.lanes;
      for (std::size_t e = 0; e < t.entries.size(); ++e) {
        T* target = out + origin + t.entries[e];
        for (std::int64_t c = 0; c < t.lanes; ++c) {
          const auto u = static_cast<std::size_t>(c);
          target[c] = picked[u] == static_cast<std::int32_t>(e) ? static_cast<T>(T{0} + from[c]) : T{0};
        }
      }
    }
  });
}

template <class F>
void visit_window_dtype(DType dtype, F&& f) {
  visit_dtype(dtype, [&]<class T>(TypeTag<T>) {
    if constexpr (!std::is_same_v<T, bool> && !is_half_v<T>) {
      f(TypeTag<T>{});
    } else {
      throw std::logic_error("jx: windowed reduction kernel called for bool or half precision");
    }
  });
}

}  // namespace

Sizes dense_strides(const Sizes& shape, int ndim) {
  Sizes strides{};
  std::int64_t stride = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    strides[static_cast<std::size_t>(d)] = stride;
    stride *= shape[static_cast<std::size_t>(d)];
  }
  return strides;
}

void reduce_window(WindowReduction op, DType dtype, const WindowGeometry& geometry, const std::byte* x,
                   const WindowGeometry::Sizes& x_strides, std::byte* out) {
  if (const std::optional<Tiling> tiling = exact_tiling(geometry, {{&x_strides, false}})) {
    visit_window_dtype(dtype, [&]<class T>(TypeTag<T>) {
      const T* in = reinterpret_cast<const T*>(x);
      T* result = reinterpret_cast<T*>(out);
      switch (op) {
        case WindowReduction::sum:
          return reduce_tiled<WindowReduction::sum>(geometry, *tiling, in, result);
        case WindowReduction::max:
          return reduce_tiled<WindowReduction::max>(geometry, *tiling, in, result);
        case WindowReduction::min:
          return reduce_tiled<WindowReduction::min>(geometry, *tiling, in, result);
      }
    });
    return;
  }
  if (op == WindowReduction::max && onednn::max_pool(dtype, geometry, x, x_strides, out)) return;
  const WindowWalk walk(geometry);
  visit_window_dtype(dtype, [&]<class T>(TypeTag<T>) {
    const T* in = reinterpret_cast<const T*>(x);
    T* result = reinterpret_cast<T*>(out);
    switch (op) {
      case WindowReduction::sum:
        return reduce_typed<WindowReduction::sum>(walk, in, x_strides, result);
      case WindowReduction::max:
        return reduce_typed<WindowReduction::max>(walk, in, x_strides, result);
      case WindowReduction::min:
        return reduce_typed<WindowReduction::min>(walk, in, x_strides, result);
    }
  });
}

void select_and_gather_add(WindowReduction select, DType dtype, const WindowGeometry& geometry,
                           const std::byte* tangents, const WindowGeometry::Sizes& tangent_strides,
                           const std::byte* operand, const WindowGeometry::Sizes& operand_strides, std::byte* out) {
  const WindowWalk walk(geometry);
  visit_window_dtype(dtype, [&]<class T>(TypeTag<T>) {
    gather_typed<T>(select == WindowReduction::max, walk, reinterpret_cast<const T*>(tangents), tangent_strides,
                    reinterpret_cast<const T*>(operand), operand_strides, reinterpret_cast<T*>(out));
  });
}

void select_and_scatter_add(WindowReduction select, DType dtype, const WindowGeometry& geometry,
                            const std::byte* source, const WindowGeometry::Sizes& source_strides,
                            const std::byte* operand, const WindowGeometry::Sizes& operand_strides, std::byte* out) {
  if (const std::optional<Tiling> tiling =
          exact_tiling(geometry, {{&source_strides, true}, {&operand_strides, false}})) {
    visit_window_dtype(dtype, [&]<class T>(TypeTag<T>) {
      scatter_tiled<T>(select == WindowReduction::max, geometry, *tiling, reinterpret_cast<const T*>(source),
                       reinterpret_cast<const T*>(operand), reinterpret_cast<T*>(out));
    });
    return;
  }
  if (select == WindowReduction::max &&
      onednn::max_pool_backward(dtype, geometry, source, source_strides, operand, operand_strides, out))
    return;
  const WindowWalk walk(geometry);
  visit_window_dtype(dtype, [&]<class T>(TypeTag<T>) {
    scatter_typed<T>(select == WindowReduction::max, walk, reinterpret_cast<const T*>(source), source_strides,
                     reinterpret_cast<const T*>(operand), operand_strides, reinterpret_cast<T*>(out));
  });
}

}  // namespace jx::cpu
