// Convolution from the input side: one product per image and group, then a scatter-add into the
// output (see convolution_scatter.h). Images go to the thread pool; an image's output is written by
// one thread only, so the scatter needs no synchronization.
#include "backends/cpu/convolution_scatter.h"

#include <algorithm>
#include <array>
#include <limits>
#include <type_traits>
#include <vector>

#include "backends/cpu/convolution_gemm.h"
#include "backends/cpu/dispatch.h"
#include "backends/cpu/thread_pool.h"

namespace jx::cpu::conv {
namespace {

// A product's output tile of about this many bytes stays in cache until it is scattered.
constexpr std::int64_t kScatterTileBytes = 512 * 1024;

using Index = std::array<std::int64_t, kMaxConvSpatialDims>;

struct ScatterShape {
  std::int64_t positions = 1;        // input positions per image
  std::int64_t position_stride = 1;  // their common stride in lhs
  std::int64_t taps = 1;
  std::int64_t groups = 1, group_in = 0, group_out = 0;  // input and output features per group
};

// The image's positions as one evenly strided axis, if they are.
bool shape_of(const ConvGeometry& g, ScatterShape& s) {
  s.positions = 1;
  s.position_stride = 1;
  bool first = true;
  for (int d = g.spatial_dims - 1; d >= 0; --d) {
    const auto u = static_cast<std::size_t>(d);
    if (g.lhs_spatial[u] == 1) continue;
    const std::int64_t stride = g.lhs_strides[u + 2];
    if (first) {
      s.position_stride = stride;
      first = false;
    } else if (stride != s.position_stride * s.positions) {
      return false;
    }
    s.positions *= g.lhs_spatial[u];
  }
  for (int d = 0; d < g.spatial_dims; ++d) s.taps *= g.rhs_spatial[static_cast<std::size_t>(d)];
  s.groups = g.feature_group_count;
  s.group_in = g.rhs_in_features;
  s.group_out = g.out_features / std::max<std::int64_t>(s.groups, 1);
  return true;
}

template <class T>
void convolve(const ConvGeometry& g, const T* lhs, const T* rhs, T* out) {
  ScatterShape s;
  shape_of(g, s);
  const int nsp = g.spatial_dims;
  const std::int64_t row = s.taps * s.group_out;  // a row of the product: every tap's output features
  // The kernel as [group][input feature][tap][output feature], dense: B of each group's product.
  std::vector<T> kernel(static_cast<std::size_t>(s.groups * s.group_in * row));
  std::vector<std::int64_t> tap_offsets(static_cast<std::size_t>(s.taps));
  std::vector<Index> tap_index(static_cast<std::size_t>(s.taps));
  for (std::int64_t t = 0; t < s.taps; ++t) {
    std::int64_t index = t, offset = 0;
    for (int d = nsp - 1; d >= 0; --d) {
      const auto u = static_cast<std::size_t>(d);
      const std::int64_t k = index % g.rhs_spatial[u];
      index /= g.rhs_spatial[u];
      offset += k * g.rhs_strides[u + 2];
      tap_index[static_cast<std::size_t>(t)][u] = k;
    }
    tap_offsets[static_cast<std::size_t>(t)] = offset;
  }
  // Where input position x under kernel index k lands, per spatial axis: the output offset of
  // (x * lhs_dilation + padding_low - k * rhs_dilation) / stride, or kMisses when that is not an
  // output position. Tabulated, so that the scatter divides nothing.
  constexpr std::int64_t kMisses = std::numeric_limits<std::int64_t>::min() / (2 * kMaxConvSpatialDims);
  std::array<std::vector<std::int64_t>, kMaxConvSpatialDims> landing;
  for (int d = 0; d < nsp; ++d) {
    const auto u = static_cast<std::size_t>(d);
    landing[u].resize(static_cast<std::size_t>(g.rhs_spatial[u] * g.lhs_spatial[u]));
    for (std::int64_t k = 0; k < g.rhs_spatial[u]; ++k) {
      for (std::int64_t x = 0; x < g.lhs_spatial[u]; ++x) {
        const std::int64_t numerator = x * g.lhs_dilation[u] + g.padding_low[u] - k * g.rhs_dilation[u];
        const std::int64_t q = numerator / g.window_strides[u];
        const bool lands = numerator >= 0 && numerator % g.window_strides[u] == 0 && q < g.out_spatial[u];
        landing[u][static_cast<std::size_t>(k * g.lhs_spatial[u] + x)] = lands ? q * g.out_strides[u + 2] : kMisses;
      }
    }
  }
  for (std::int64_t group = 0; group < s.groups; ++group) {
    for (std::int64_t i = 0; i < s.group_in; ++i) {
      for (std::int64_t t = 0; t < s.taps; ++t) {
        T* to = kernel.data() + ((group * s.group_in + i) * s.taps + t) * s.group_out;
        const T* from = rhs + (group * s.group_out) * g.rhs_strides[0] + i * g.rhs_strides[1] +
                        tap_offsets[static_cast<std::size_t>(t)];
        for (std::int64_t o = 0; o < s.group_out; ++o) to[o] = from[o * g.rhs_strides[0]];
      }
    }
  }
  const std::int64_t tile = std::clamp<std::int64_t>(
      kScatterTileBytes / static_cast<std::int64_t>(sizeof(T)) / std::max<std::int64_t>(row, 1), 1,
      std::max<std::int64_t>(s.positions, 1));
  const std::int64_t feature_stride = g.out_strides[1];
  std::int64_t out_positions = 1;
  for (int d = 0; d < nsp; ++d) out_positions *= g.out_spatial[static_cast<std::size_t>(d)];

  const auto image = [&](std::int64_t n) {
    // Zero this image's output, then add every product row into it.
    T* out_image = out + n * g.out_strides[0];
    for (std::int64_t q = 0; q < out_positions; ++q) {
      std::int64_t offset = 0, index = q;
      for (int d = nsp - 1; d >= 0; --d) {
        const auto u = static_cast<std::size_t>(d);
        offset += index % g.out_spatial[u] * g.out_strides[u + 2];
        index /= g.out_spatial[u];
      }
      for (std::int64_t o = 0; o < g.out_features; ++o) out_image[offset + o * feature_stride] = T{};
    }
    thread_local std::vector<std::byte> buffer;
    T* y = scratch<T>(buffer, tile * row);
    const T* lhs_image = lhs + n * g.lhs_strides[0];
    for (std::int64_t group = 0; group < s.groups; ++group) {
      const T* b = kernel.data() + group * s.group_in * row;
      T* out_group = out_image + group * s.group_out * feature_stride;
      for (std::int64_t first = 0; first < s.positions; first += tile) {
        const std::int64_t count = std::min(tile, s.positions - first);
        multiply<T>(count, row, s.group_in,
                    {lhs_image + group * s.group_in * g.lhs_strides[1] + first * s.position_stride, s.position_stride,
                     g.lhs_strides[1]},
                    {b, row, 1}, {y, row, 1}, false);
        // Scatter each row's taps to where they land.
        Index x{};
        for (std::int64_t index = first, d = nsp - 1; d >= 0; --d) {
          const auto u = static_cast<std::size_t>(d);
          x[u] = index % g.lhs_spatial[u];
          index /= g.lhs_spatial[u];
        }
        for (std::int64_t r = 0; r < count; ++r) {
          const T* y_row = y + r * row;
          for (std::int64_t t = 0; t < s.taps; ++t) {
            std::int64_t offset = 0;
            const Index& k = tap_index[static_cast<std::size_t>(t)];
            for (int d = 0; d < nsp; ++d) {
              const auto u = static_cast<std::size_t>(d);
              offset += landing[u][static_cast<std::size_t>(k[u] * g.lhs_spatial[u] + x[u])];
            }
            if (offset < 0) continue;  // some axis missed (a miss outweighs any sum of offsets)
            T* target = out_group + offset;
            const T* source = y_row + t * s.group_out;
            if (feature_stride == 1) {
              for (std::int64_t o = 0; o < s.group_out; ++o) target[o] = static_cast<T>(target[o] + source[o]);
            } else {
              for (std::int64_t o = 0; o < s.group_out; ++o)
                target[o * feature_stride] = static_cast<T>(target[o * feature_stride] + source[o]);
            }
          }
          for (int d = nsp - 1; d >= 0; --d) {  // the next position
            const auto u = static_cast<std::size_t>(d);
            if (++x[u] < g.lhs_spatial[u]) break;
            x[u] = 0;
          }
        }
      }
    }
  };
  SingleThreadedBlas single_threaded;
  parallel_for(g.batch, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t n = begin; n < end; ++n) image(n);
  });
}

}  // namespace

bool scatter_is_cheaper(const ConvGeometry& g) {
  ScatterShape s;
  if (g.batch_group_count != 1 || !shape_of(g, s)) return false;
  if (s.positions == 0 || s.taps == 0 || s.group_in == 0 || s.group_out == 0) return false;
  if (s.position_stride <= 0 || g.lhs_strides[1] <= 0) return false;
  if (g.lhs_strides[1] != 1 && !(s.position_stride == 1 || s.positions == 1)) return false;
  if (g.batch < num_threads()) return false;
  std::int64_t out_positions = 1;
  for (int d = 0; d < g.spatial_dims; ++d) out_positions *= g.out_spatial[static_cast<std::size_t>(d)];
  // Elements moved: patches are packed by jx and again by BLAS; the scatter's product rows are
  // written by BLAS and read back once, and BLAS packs the input once.
  const double patches =
      2.0 * static_cast<double>(out_positions) * static_cast<double>(s.taps) * static_cast<double>(g.lhs_features);
  const double scatter =
      2.0 * static_cast<double>(s.positions) * static_cast<double>(s.taps) * static_cast<double>(g.out_features) +
      static_cast<double>(s.positions) * static_cast<double>(g.lhs_features);
  return scatter < patches;
}

void convolve_by_scatter(DType dtype, const ConvGeometry& g, const std::byte* lhs, const std::byte* rhs,
                         std::byte* out) {
  visit_dtype(dtype, [&]<class T>(TypeTag<T>) {
    if constexpr (!std::is_same_v<T, bool> && !is_half_v<T>) {
      convolve<T>(g, reinterpret_cast<const T*>(lhs), reinterpret_cast<const T*>(rhs), reinterpret_cast<T*>(out));
    } else {
      throw std::logic_error("jx: conv_general_dilated kernel called for bool or half precision");
    }
  });
}

}  // namespace jx::cpu::conv
