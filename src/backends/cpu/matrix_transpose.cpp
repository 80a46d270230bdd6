#include "backends/cpu/matrix_transpose.h"

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "backends/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

// Elements as opaque words of their size: a transpose only moves them.
struct alignas(16) Word16 {
  std::uint64_t low, high;
};

// The full tile at in[i0.., j0..] (kTile x kTile) written transposed to out[j0.., i0..].
// `rows` and `cols` are the leading dimensions of in and out.
template <class T>
struct Tile;

#if defined(__AVX512F__)
// The zero-masking forms with every lane kept: the plain intrinsics trip GCC 12's -Wuninitialized
// (as simd.h notes for sqrt).
inline __m512d unpack_low(__m512d a, __m512d b) { return _mm512_maskz_unpacklo_pd(0xff, a, b); }
inline __m512d unpack_high(__m512d a, __m512d b) { return _mm512_maskz_unpackhi_pd(0xff, a, b); }
template <int kLanes>
inline __m512d shuffle_lanes(__m512d a, __m512d b) {
  return _mm512_maskz_shuffle_f64x2(0xff, a, b, kLanes);
}
constexpr int kEvenLanes = 0x88, kOddLanes = 0xdd;  // 128-bit lanes (a0, a2, b0, b2) and (a1, a3, b1, b3)

template <>
struct Tile<std::uint64_t> {  // 8 x 8 eight-byte words: three rounds of shuffles on zmm registers
  static constexpr std::int64_t kSize = 8;
  static void transpose(const std::uint64_t* in, std::int64_t in_stride, std::uint64_t* out, std::int64_t out_stride) {
    __m512d r[8], t[8], u[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm512_loadu_pd(reinterpret_cast<const double*>(in + i * in_stride));
    for (int i = 0; i < 8; i += 2) {
      t[i] = unpack_low(r[i], r[i + 1]);
      t[i + 1] = unpack_high(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      u[i] = shuffle_lanes<kEvenLanes>(t[i], t[i + 2]);
      u[i + 1] = shuffle_lanes<kEvenLanes>(t[i + 1], t[i + 3]);
      u[i + 2] = shuffle_lanes<kOddLanes>(t[i], t[i + 2]);
      u[i + 3] = shuffle_lanes<kOddLanes>(t[i + 1], t[i + 3]);
    }
    for (int j = 0; j < 4; ++j) {
      _mm512_storeu_pd(reinterpret_cast<double*>(out + j * out_stride), shuffle_lanes<kEvenLanes>(u[j], u[j + 4]));
      _mm512_storeu_pd(reinterpret_cast<double*>(out + (j + 4) * out_stride), shuffle_lanes<kOddLanes>(u[j], u[j + 4]));
    }
  }
};

template <>
struct Tile<Word16> {  // 4 x 4 sixteen-byte words: two rounds of 128-bit lane shuffles
  static constexpr std::int64_t kSize = 4;
  static void transpose(const Word16* in, std::int64_t in_stride, Word16* out, std::int64_t out_stride) {
    __m512d r[4];
    for (int i = 0; i < 4; ++i) r[i] = _mm512_loadu_pd(reinterpret_cast<const double*>(in + i * in_stride));
    const __m512d even01 = shuffle_lanes<kEvenLanes>(r[0], r[1]), odd01 = shuffle_lanes<kOddLanes>(r[0], r[1]);
    const __m512d even23 = shuffle_lanes<kEvenLanes>(r[2], r[3]), odd23 = shuffle_lanes<kOddLanes>(r[2], r[3]);
    auto* o = reinterpret_cast<double*>(out);
    _mm512_storeu_pd(o, shuffle_lanes<kEvenLanes>(even01, even23));
    _mm512_storeu_pd(o + 2 * out_stride, shuffle_lanes<kEvenLanes>(odd01, odd23));
    _mm512_storeu_pd(o + 4 * out_stride, shuffle_lanes<kOddLanes>(even01, even23));
    _mm512_storeu_pd(o + 6 * out_stride, shuffle_lanes<kOddLanes>(odd01, odd23));
  }
};
#elif defined(__AVX2__)
template <>
struct Tile<std::uint64_t> {  // 4 x 4 eight-byte words on ymm registers
  static constexpr std::int64_t kSize = 4;
  static void transpose(const std::uint64_t* in, std::int64_t in_stride, std::uint64_t* out, std::int64_t out_stride) {
    __m256d r[4];
    for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(reinterpret_cast<const double*>(in + i * in_stride));
    const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    auto* o = reinterpret_cast<double*>(out);
    _mm256_storeu_pd(o, _mm256_permute2f128_pd(t0, t2, 0x20));
    _mm256_storeu_pd(o + out_stride, _mm256_permute2f128_pd(t1, t3, 0x20));
    _mm256_storeu_pd(o + 2 * out_stride, _mm256_permute2f128_pd(t0, t2, 0x31));
    _mm256_storeu_pd(o + 3 * out_stride, _mm256_permute2f128_pd(t1, t3, 0x31));
  }
};
#endif

#if defined(__AVX2__)
template <>
struct Tile<std::uint32_t> {  // 8 x 8 four-byte words on ymm registers
  static constexpr std::int64_t kSize = 8;
  static void transpose(const std::uint32_t* in, std::int64_t in_stride, std::uint32_t* out, std::int64_t out_stride) {
    __m256 r[8], t[8], s[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(reinterpret_cast<const float*>(in + i * in_stride));
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      s[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
      s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
      s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
      s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    auto* o = reinterpret_cast<float*>(out);
    for (int j = 0; j < 4; ++j) {
      _mm256_storeu_ps(o + j * out_stride, _mm256_permute2f128_ps(s[j], s[j + 4], 0x20));
      _mm256_storeu_ps(o + (j + 4) * out_stride, _mm256_permute2f128_ps(s[j], s[j + 4], 0x31));
    }
  }
};
#endif

template <class T>
concept HasTile = requires {
  Tile<T>::kSize;
};

// Block rows [first, last) of kBlock rows each. Within a block, the SIMD tiles (where T has them)
// and element-wise copies for the ragged edges.
template <class T>
void transpose_rows(const T* in, std::int64_t rows, std::int64_t cols, T* out, std::int64_t row_begin,
                    std::int64_t row_end) {
  constexpr std::int64_t kBlock = 16;
  for (std::int64_t i0 = row_begin; i0 < row_end; i0 += kBlock) {
    const std::int64_t i1 = std::min(row_end, i0 + kBlock);
    for (std::int64_t j0 = 0; j0 < cols; j0 += kBlock) {
      const std::int64_t j1 = std::min(cols, j0 + kBlock);
      std::int64_t i_done = i0;
      if constexpr (HasTile<T>) {
        constexpr std::int64_t kTileSize = Tile<T>::kSize;
        const std::int64_t i_full = i0 + (i1 - i0) / kTileSize * kTileSize,
                           j_full = j0 + (j1 - j0) / kTileSize * kTileSize;
        for (std::int64_t j = j0; j < j_full; j += kTileSize) {
          for (std::int64_t i = i0; i < i_full; i += kTileSize)
            Tile<T>::transpose(in + i * cols + j, cols, out + j * rows + i, rows);
        }
        // The ragged right columns, then the ragged bottom rows, element by element.
        for (std::int64_t j = j_full; j < j1; ++j) {
          for (std::int64_t i = i0; i < i_full; ++i) out[j * rows + i] = in[i * cols + j];
        }
        i_done = i_full;
      }
      for (std::int64_t j = j0; j < j1; ++j) {
        for (std::int64_t i = i_done; i < i1; ++i) out[j * rows + i] = in[i * cols + j];
      }
    }
  }
}

template <class T>
void transpose_typed(const T* in, std::int64_t rows, std::int64_t cols, T* out) {
  // Below about a million elements the pool's wake-up, and its workers' brief spin competing with
  // OpenBLAS's threads for the same cores, cost more than the second thread saves.
  constexpr std::int64_t kParallelElements = std::int64_t{1} << 20;
  constexpr std::int64_t kRowsPerTask = 64;
  if (rows * cols < kParallelElements) {
    transpose_rows(in, rows, cols, out, 0, rows);
    return;
  }
  parallel_for((rows + kRowsPerTask - 1) / kRowsPerTask, 1, [&](std::int64_t first, std::int64_t last) {
    transpose_rows(in, rows, cols, out, first * kRowsPerTask, std::min(rows, last * kRowsPerTask));
  });
}

}  // namespace

void transpose_matrix(const void* in, std::int64_t rows, std::int64_t cols, void* out, std::size_t element_bytes) {
  switch (element_bytes) {
    case 4:
      return transpose_typed(static_cast<const std::uint32_t*>(in), rows, cols, static_cast<std::uint32_t*>(out));
    case 8:
      return transpose_typed(static_cast<const std::uint64_t*>(in), rows, cols, static_cast<std::uint64_t*>(out));
    case 16:
      return transpose_typed(static_cast<const Word16*>(in), rows, cols, static_cast<Word16*>(out));
    default: {
      const auto* source = static_cast<const std::byte*>(in);
      auto* target = static_cast<std::byte*>(out);
      for (std::int64_t i = 0; i < rows; ++i) {
        for (std::int64_t j = 0; j < cols; ++j) {
          std::memcpy(target + (j * rows + i) * element_bytes, source + (i * cols + j) * element_bytes, element_bytes);
        }
      }
    }
  }
}

}  // namespace jx::cpu
