// src/backends/cpu/convolution_packing.h — packing tiles of the patch matrix A (im2col) from lhs.
//
// A tile is written line by line: each line is one item of the major side (a row of A when packing
// row-major, a column when column-major) and holds the tile's range of the minor side, cut into runs
// along the minor side's innermost axis. A run reads lhs at one stride (contiguous for channels, or
// for image rows at stride 1), so it is one copy, with zeros before and after where the window hangs
// over the padding. Per line, only the major item's landing changes, and it is stepped, not divided.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#if defined(__AVX512BW__)
#include <immintrin.h>
#endif

#include "backends/cpu/convolution_plan.h"

namespace jx::cpu::conv {

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

// Copies a run of a few hundred bytes without a library call: runs are short (a channel vector) and
// there are millions of them per convolution.
inline void copy_bytes(const std::byte* src, std::byte* dst, std::size_t bytes) {
#if defined(__AVX512BW__)
  for (; bytes >= 64; bytes -= 64, src += 64, dst += 64) _mm512_storeu_si512(dst, _mm512_loadu_si512(src));
  if (bytes > 0) {
    const __mmask64 mask = (std::uint64_t{1} << bytes) - 1;
    _mm512_mask_storeu_epi8(dst, mask, _mm512_maskz_loadu_epi8(mask, src));
  }
#else
  std::memcpy(dst, src, bytes);
#endif
}

template <class T>
void copy_run(const T* src, std::int64_t step, T* dst, std::int64_t count) {
  if (count <= 0) return;
  if (step == 1) {
    copy_bytes(reinterpret_cast<const std::byte*>(src), reinterpret_cast<std::byte*>(dst),
               static_cast<std::size_t>(count) * sizeof(T));
  } else {
    for (std::int64_t j = 0; j < count; ++j) dst[j] = src[j * step];
  }
}

template <class T>
void zero(T* dst, std::int64_t count) {
  if (count > 0) std::fill_n(dst, count, T{});
}

// A piece of one run: indices [first, first + length) of the minor side's innermost axis, with its
// outer axes at `base`, written at dst_offset within a line.
struct Segment {
  Landing base;
  std::int64_t first = 0, length = 0, dst_offset = 0;
};

inline std::vector<Segment> segments_of(std::span<const PatchAxis> axes, std::int64_t begin, std::int64_t count,
                                        const Landing& origin) {
  std::vector<Segment> segments;
  const std::int64_t inner = axes.back().extent;
  const std::span<const PatchAxis> outer = axes.first(axes.size() - 1);
  for (std::int64_t index = begin, written = 0; index < begin + count;) {
    const std::int64_t first = index % inner;
    const std::int64_t length = std::min(inner - first, begin + count - index);
    segments.push_back({land(outer, index / inner, origin), first, length, written});
    index += length;
    written += length;
  }
  return segments;
}

// Walks consecutive indices of some axes, keeping their landing current by steps (no divisions).
class Walker {
 public:
  Walker(std::span<const PatchAxis> axes, std::int64_t index, const Landing& origin)
      : axes_(axes), coordinates_(axes.size()), landing_(land(axes, index, origin)) {
    for (std::size_t a = axes.size(); a-- > 0;) {
      coordinates_[a] = index % axes[a].extent;
      index /= axes[a].extent;
    }
  }
  const Landing& landing() const { return landing_; }
  void next() {
    for (std::size_t a = axes_.size(); a-- > 0;) {
      const PatchAxis& axis = axes_[a];
      const std::int64_t back = ++coordinates_[a] < axis.extent ? 1 : 1 - axis.extent;
      if (back != 1) coordinates_[a] = 0;
      if (axis.spatial < 0) {
        landing_.offset += back * axis.lhs_step;
      } else {
        landing_.position[static_cast<std::size_t>(axis.spatial)] += back * axis.position_step;
      }
      if (back == 1) return;
    }
  }

 private:
  std::span<const PatchAxis> axes_;
  std::vector<std::int64_t> coordinates_;
  Landing landing_;
};

// Writes one segment's lhs elements (zeros in the padding or between dilated elements) to dst; `at`
// is the major item's landing, `s` the segment (its base holds the minor side's outer axes).
template <class T>
void pack_segment(const ConvGeometry& g, const T* lhs, const Landing& at, const Segment& s, const PatchAxis& inner,
                  T* dst) {
  std::int64_t offset = at.offset + s.base.offset;
  for (int d = 0; d < g.spatial_dims; ++d) {
    if (d == inner.spatial) continue;
    const auto u = static_cast<std::size_t>(d);
    const std::int64_t x = at.position[u] + s.base.position[u];
    if (x < 0 || x > (g.lhs_spatial[u] - 1) * g.lhs_dilation[u] || x % g.lhs_dilation[u] != 0) {
      zero(dst, s.length);
      return;
    }
    offset += x / g.lhs_dilation[u] * g.lhs_strides[u + 2];
  }
  if (inner.spatial < 0) {
    copy_run(lhs + offset + s.first * inner.lhs_step, inner.lhs_step, dst, s.length);
    return;
  }
  const auto e = static_cast<std::size_t>(inner.spatial);
  const std::int64_t step = inner.position_step, dilation = g.lhs_dilation[e], stride = g.lhs_strides[e + 2];
  const std::int64_t last = (g.lhs_spatial[e] - 1) * dilation;  // the last position holding an element
  const std::int64_t origin = at.position[e] + s.base.position[e];
  if (inner.block > 0) {
    // Blocks of `block` contiguous elements, one per position; the positions inside the input form
    // one interval of blocks, read as one contiguous run.
    const std::int64_t blocks = inner.extent / inner.block;
    const std::int64_t low = std::clamp<std::int64_t>(ceil_div(-origin, step), 0, blocks);
    const std::int64_t high = std::clamp<std::int64_t>(floor_div(last - origin, step) + 1, low, blocks);
    const std::int64_t begin = std::clamp(low * inner.block, s.first, s.first + s.length);
    const std::int64_t end = std::clamp(high * inner.block, begin, s.first + s.length);
    zero(dst, begin - s.first);
    copy_run(lhs + (offset + origin * stride + begin), 1, dst + (begin - s.first), end - begin);
    zero(dst + (end - s.first), s.first + s.length - end);
    return;
  }
  const std::int64_t x0 = origin + s.first * step;
  if (dilation == 1) {
    // Positions x0 + j * step for j in [low, high) are inside the input.
    const std::int64_t low = std::clamp<std::int64_t>(ceil_div(-x0, step), 0, s.length);
    const std::int64_t high = std::clamp<std::int64_t>(floor_div(last - x0, step) + 1, low, s.length);
    zero(dst, low);
    copy_run(lhs + offset + (x0 + low * step) * stride, step * stride, dst + low, high - low);
    zero(dst + high, s.length - high);
    return;
  }
  for (std::int64_t j = 0; j < s.length; ++j) {
    const std::int64_t x = x0 + j * step;
    dst[j] = x < 0 || x > last || x % dilation != 0 ? T{} : lhs[offset + x / dilation * stride];
  }
}

// Packs the A tile of rows [row_begin, +row_count) and taps [depth_begin, +depth_count): row-major
// (dst[r * depth_count + k]) when pack_by_rows, else column-major (dst[k * row_count + r]).
template <class T>
void pack_tile(const ConvPlan& plan, const T* lhs, std::int64_t row_begin, std::int64_t row_count,
               std::int64_t depth_begin, std::int64_t depth_count, T* dst) {
  const bool by_rows = plan.pack_by_rows;
  const std::span<const PatchAxis> major = by_rows ? plan.row_axes : plan.depth_axes;
  const Landing major_origin = by_rows ? plan.row_origin : Landing{};
  const Landing minor_origin = by_rows ? Landing{} : plan.row_origin;
  const std::int64_t major_begin = by_rows ? row_begin : depth_begin, major_count = by_rows ? row_count : depth_count;
  const std::int64_t minor_begin = by_rows ? depth_begin : row_begin, minor_count = by_rows ? depth_count : row_count;
  const std::vector<Segment> segments = segments_of(plan.minor_axes, minor_begin, minor_count, minor_origin);
  const PatchAxis& inner = plan.minor_axes.back();
  Walker walker(major, major_begin, major_origin);
  for (std::int64_t i = 0; i < major_count; ++i, walker.next()) {
    T* line = dst + i * minor_count;
    for (const Segment& s : segments) pack_segment(plan.g, lhs, walker.landing(), s, inner, line + s.dst_offset);
  }
}

}  // namespace jx::cpu::conv
