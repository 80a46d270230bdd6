// Threefry-2x32 kernels: the block function on whole vector registers (16 lanes with AVX-512, 8
// with AVX2), applied to ranges of elements that the thread pool splits.
//
// Every element's counter follows from its index alone (prng.md §4, §5), in both modes, so a range
// can start anywhere: the legacy pairing of counter e with e + M/2 becomes a per-lane select
// (elements below M/2 keep the first output word, those above the second), which costs one extra
// block per element pair but makes legacy draws as parallel as partitionable ones.
//
// This file is compiled with -ffp-contract=off: JAX rounds every float operation of its samplers
// separately, and a contracted multiply-add would change last bits (normal's `f * 2 + lo` is exact
// either way, but a kernel scaling uniforms to [min, max) here would not be).
#include "backends/cpu/threefry.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "backends/cpu/simd.h"
#include "backends/cpu/thread_pool.h"

namespace jx::cpu::threefry {
namespace {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#else
constexpr int kLanes = 8;
#endif
typedef std::uint32_t U32 __attribute__((vector_size(kLanes * 4)));
typedef float F32 __attribute__((vector_size(kLanes * 4)));

// Elements per parallel chunk: a draw smaller than two chunks runs on the calling thread.
constexpr std::int64_t kGrain = std::int64_t{1} << 16;

U32 lane_iota() {
  U32 v{};
  for (int i = 0; i < kLanes; ++i) v[i] = static_cast<std::uint32_t>(i);
  return v;
}

#define JX_INLINE [[gnu::always_inline]] inline

template <int R>
JX_INLINE U32 rotl(U32 x) {
  return (x << R) | (x >> (32 - R));
}

template <int R0, int R1, int R2, int R3>
JX_INLINE void four_rounds(U32& x0, U32& x1) {
  x0 += x1, x1 = rotl<R0>(x1), x1 ^= x0;
  x0 += x1, x1 = rotl<R1>(x1), x1 ^= x0;
  x0 += x1, x1 = rotl<R2>(x1), x1 ^= x0;
  x0 += x1, x1 = rotl<R3>(x1), x1 ^= x0;
}

// Threefry-2x32-20 on kLanes counters at once (prng.md §1): (x0, x1) become (y0, y1). Always
// inlined: as a call its registers would round-trip through memory.
JX_INLINE void hash(U32& x0, U32& x1, KeyWords key) {
  const std::uint32_t k0 = key.k0, k1 = key.k1, k2 = key.k0 ^ key.k1 ^ 0x1BD11BDAu;
  x0 += k0, x1 += k1;
  four_rounds<13, 15, 26, 6>(x0, x1);
  x0 += k1, x1 += k2 + 1u;
  four_rounds<17, 29, 16, 24>(x0, x1);
  x0 += k2, x1 += k0 + 2u;
  four_rounds<13, 15, 26, 6>(x0, x1);
  x0 += k0, x1 += k1 + 3u;
  four_rounds<17, 29, 16, 24>(x0, x1);
  x0 += k1, x1 += k2 + 4u;
  four_rounds<13, 15, 26, 6>(x0, x1);
  x0 += k2, x1 += k0 + 5u;
}

// The partitionable counters of elements i .. i + kLanes - 1: the 64-bit index as (high, low).
JX_INLINE void index_counters(std::int64_t i, U32& hi, U32& lo) {
  const auto base_lo = static_cast<std::uint32_t>(i);
  lo = base_lo + lane_iota();
  hi = static_cast<std::uint32_t>(static_cast<std::uint64_t>(i) >> 32) - std::bit_cast<U32>(lo < base_lo);
}

// A legacy draw hashes the counter list 0 .. n-1, padded with one 0 when n is odd, in two halves.
struct Legacy {
  std::uint32_t n = 0, half = 0;
};

// The 32-bit words of elements i .. i + kLanes - 1. Partitionable: y0 ^ y1 of the element's index.
// Legacy: word e of the hashed counter list, whose first half is y0 of blocks (e, e + half) and
// second half y1 of blocks (e - half, e); the padding counter (e + half == n) is 0, not n.
template <bool kPartitionable>
JX_INLINE U32 words32(KeyWords key, std::int64_t i, Legacy legacy) {
  if constexpr (kPartitionable) {
    U32 hi, lo;
    index_counters(i, hi, lo);
    hash(hi, lo, key);
    return hi ^ lo;
  } else {
    const U32 e = static_cast<std::uint32_t>(i) + lane_iota();
    const U32 upper = std::bit_cast<U32>(e >= legacy.half);
    U32 x0 = e - (legacy.half & upper);
    U32 x1 = x0 + legacy.half;
    x1 &= ~std::bit_cast<U32>(x1 == legacy.n);
    hash(x0, x1, key);
    return (x0 & ~upper) | (x1 & upper);
  }
}

// Both words of elements i .. i + kLanes - 1 of a 64-bit draw of n elements.
template <bool kPartitionable>
JX_INLINE void words64(KeyWords key, std::int64_t i, std::int64_t n, U32& y0, U32& y1) {
  if constexpr (kPartitionable) {
    index_counters(i, y0, y1);
  } else {
    y0 = static_cast<std::uint32_t>(i) + lane_iota();  // the list 0 .. 2n-1 in halves of n
    y1 = y0 + static_cast<std::uint32_t>(n);
  }
  hash(y0, y1, key);
}

// Stores the first `count` lanes of v at out (a whole register in one instruction).
template <class V>
JX_INLINE void store_lanes(void* out, V v, std::int64_t count) {
  if (count == kLanes)
    std::memcpy(out, &v, sizeof v);
  else
    std::memcpy(out, &v, static_cast<std::size_t>(count) * 4);
}

// Calls body(begin, end) over chunks of [0, n), in parallel when large.
template <class Body>
void for_ranges(std::int64_t n, Body body) {
  if (n < 2 * kGrain) {
    if (n > 0) body(std::int64_t{0}, n);
    return;
  }
  parallel_for(n, kGrain, body);
}

template <class F>
decltype(auto) with_mode(bool partitionable, F&& f) {
  return partitionable ? f(std::true_type{}) : f(std::false_type{});
}

// Legacy draws hash counters below 2^32 only (JAX switches schemes beyond that, at 16 GiB of bits).
Legacy legacy_list(std::int64_t words) {
  if (words >= (std::int64_t{1} << 32) - 1) throw std::length_error("jx: legacy threefry draw of 2^32 words or more");
  return {static_cast<std::uint32_t>(words), static_cast<std::uint32_t>((words + 1) / 2)};
}

// 32-bit words [0, n) of a draw (legacy: of a hashed list of n counters).
void words32_into(KeyWords key, bool partitionable, std::int64_t n, std::uint32_t* out) {
  const Legacy legacy = partitionable ? Legacy{} : legacy_list(n);
  with_mode(partitionable, [&](auto mode) {
    constexpr bool kPartitionable = decltype(mode)::value;
    for_ranges(n, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; i += kLanes) {
        store_lanes(out + i, words32<kPartitionable>(key, i, legacy), std::min<std::int64_t>(kLanes, end - i));
      }
    });
  });
}

constexpr float kLow = -0.99999994f;   // nextafter(-1, 0)
constexpr float kSqrt2 = 1.41421354f;  // float32(sqrt(2))

// XLA's float32 erf_inv polynomials (prng.md §7), highest degree first, as lax.erf_inv's kernel
// (unary.cpp) has them: a test checks that normal equals sqrt(2) * lax.erf_inv(uniform) bit for bit.
constexpr float kErfInvSmall[9] = {2.81022636e-08f, 3.43273939e-07f, -3.5233877e-06f, -4.39150654e-06f, 0.00021858087f,
                                   -0.00125372503f, -0.00417768164f, 0.246640727f,    1.50140941f};
constexpr float kErfInvLarge[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f, -0.00367342844f, 0.00573950773f,
                                   -0.0076224613f,   0.00943887047f,  1.00167406f,    2.83297682f};

// Elements per tile of the normal kernel: its uniforms and logarithms stay in L1 between passes.
constexpr std::int64_t kNormalTile = 512;

// w = -log1p(-x * x), the argument of erf_inv's polynomials, computed as lax.erf_inv's kernel does.
JX_INLINE simd::VecF32 erf_inv_w(simd::VecF32 x) {
  using namespace simd;
  return sub(broadcast(0.0f), JX_SLEEF_F32(log1p)(mul(x, sub(broadcast(0.0f), x))));
}

// True when every lane of w is below 5 (the central branch of erf_inv).
JX_INLINE bool all_central(simd::VecF32 w) {
#if defined(__AVX512F__)
  return _mm512_cmp_ps_mask(w, _mm512_set1_ps(5.0f), _CMP_LT_OQ) == 0xFFFF;
#else
  return _mm256_movemask_ps(_mm256_cmp_ps(w, _mm256_set1_ps(5.0f), _CMP_LT_OQ)) == 0xFF;
#endif
}

// sqrt(2) * erf_inv(x) from x and its w, with lax.erf_inv's operations in its order (so the same
// bits), except that the tail polynomial (w >= 5: |x| > 0.9966, in about one register in twenty)
// runs only when a lane needs it, and |x| == 1, which uniform(lo, 1) cannot produce, is not
// special-cased.
JX_INLINE simd::VecF32 sqrt2_erf_inv(simd::VecF32 x, simd::VecF32 w) {
  using namespace simd;
  const VecF32 t_small = sub(w, broadcast(2.5f));
  VecF32 p = broadcast(kErfInvSmall[0]);
  for (int i = 1; i < 9; ++i) p = fmadd(p, t_small, broadcast(kErfInvSmall[i]));
  if (!all_central(w)) {
    const VecF32 t_large = sub(sqrt(w), broadcast(3.0f));
    VecF32 q = broadcast(kErfInvLarge[0]);
    for (int i = 1; i < 9; ++i) q = fmadd(q, t_large, broadcast(kErfInvLarge[i]));
    p = select_less(w, broadcast(5.0f), p, q);
  }
  return mul(broadcast(kSqrt2), mul(p, x));
}

}  // namespace

std::array<std::uint32_t, 2> block(KeyWords key, std::uint32_t x0, std::uint32_t x1) {
  U32 y0 = U32{} + x0, y1 = U32{} + x1;
  hash(y0, y1, key);
  return {y0[0], y1[0]};
}

KeyWords fold_in(KeyWords key, std::uint32_t data) {
  const auto [y0, y1] = block(key, 0, data);
  return {y0, y1};
}

void split(KeyWords key, bool partitionable, std::int64_t n, std::uint32_t* out) {
  if (!partitionable) return words32_into(key, false, 2 * n, out);  // the (n, 2) words are the list
  for_ranges(n, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; i += kLanes) {
      U32 y0, y1;
      words64<true>(key, i, n, y0, y1);
      for (std::int64_t l = 0; l < std::min<std::int64_t>(kLanes, end - i); ++l) {
        out[2 * (i + l)] = y0[l];
        out[2 * (i + l) + 1] = y1[l];
      }
    }
  });
}

void bits(KeyWords key, int bit_width, bool partitionable, std::int64_t n, void* out) {
  if (bit_width == 32) return words32_into(key, partitionable, n, static_cast<std::uint32_t*>(out));
  if (bit_width == 64) {
    auto* result = static_cast<std::uint64_t*>(out);
    if (!partitionable) legacy_list(2 * n);
    with_mode(partitionable, [&](auto mode) {
      constexpr bool kPartitionable = decltype(mode)::value;
      for_ranges(n, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; i += kLanes) {
          U32 y0, y1;
          words64<kPartitionable>(key, i, n, y0, y1);
          for (std::int64_t l = 0; l < std::min<std::int64_t>(kLanes, end - i); ++l)
            result[i + l] = (std::uint64_t{y0[l]} << 32) | y1[l];
        }
      });
    });
    return;
  }
  const int per_word = 32 / bit_width;
  if (!partitionable) {
    // Legacy: the little-endian bytes of ceil(n / per_word) hashed words, least significant first.
    const std::int64_t words = (n + per_word - 1) / per_word;
    const std::int64_t whole = n / per_word;
    const Legacy legacy = legacy_list(words);
    auto* bytes = static_cast<std::byte*>(out);
    for_ranges(words, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; i += kLanes) {
        const U32 w = words32<false>(key, i, legacy);
        const std::int64_t full = std::clamp<std::int64_t>(whole - i, 0, std::min<std::int64_t>(kLanes, end - i));
        std::memcpy(bytes + i * 4, &w, static_cast<std::size_t>(full) * 4);
        if (full < kLanes && i + full < end && i + full == whole) {  // the last, partial word
          std::memcpy(bytes + whole * 4, reinterpret_cast<const std::byte*>(&w) + full * 4,
                      static_cast<std::size_t>((n - whole * per_word) * bit_width / 8));
        }
      }
    });
    return;
  }
  // Partitionable: the low bits of each element's word.
  for_ranges(n, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; i += kLanes) {
      const U32 w = words32<true>(key, i, Legacy{});
      const std::int64_t count = std::min<std::int64_t>(kLanes, end - i);
      for (std::int64_t l = 0; l < count; ++l) {
        if (bit_width == 8)
          static_cast<std::uint8_t*>(out)[i + l] = static_cast<std::uint8_t>(w[l]);
        else
          static_cast<std::uint16_t*>(out)[i + l] = static_cast<std::uint16_t>(w[l]);
      }
    }
  });
}

void uniform01(KeyWords key, DType dtype, bool partitionable, std::int64_t n, void* out) {
  if (dtype == DType::float64) {
    bits(key, 64, partitionable, n, out);
    auto* values = static_cast<std::uint64_t*>(out);
    for_ranges(n, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        const double one_to_two = std::bit_cast<double>((values[i] >> 12) | 0x3FF0000000000000ull);
        const double f = one_to_two - 1.0;
        std::memcpy(values + i, &f, sizeof f);
      }
    });
    return;
  }
  const Legacy legacy = partitionable ? Legacy{} : legacy_list(n);
  auto* values = static_cast<float*>(out);
  with_mode(partitionable, [&](auto mode) {
    constexpr bool kPartitionable = decltype(mode)::value;
    for_ranges(n, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; i += kLanes) {
        const U32 w = words32<kPartitionable>(key, i, legacy);
        const F32 f = std::bit_cast<F32>((w >> 9) | 0x3F800000u) - 1.0f;
        store_lanes(values + i, f, std::min<std::int64_t>(kLanes, end - i));
      }
    });
  });
}

void normal_f32(KeyWords key, bool partitionable, std::int64_t n, float* out) {
  static_assert(kLanes == simd::kLanesF32 && kNormalTile % kLanes == 0);
  const Legacy legacy = partitionable ? Legacy{} : legacy_list(n);
  with_mode(partitionable, [&](auto mode) {
    constexpr bool kPartitionable = decltype(mode)::value;
    for_ranges(n, [&](std::int64_t begin, std::int64_t end) {
      // Three passes over a tile (hash, logarithm, polynomial) rather than one fused loop: each pass
      // keeps the vector units busy with independent registers, where a fused loop stalls on the
      // chain hash -> log1p call -> polynomial (0.58 against 0.41 G samples/s on one thread, and
      // 0.45 for lax.erf_inv's kernel run on the tile, which always evaluates both polynomials).
      alignas(64) float uniforms[kNormalTile];
      alignas(64) float ws[kNormalTile];
      for (std::int64_t tile = begin; tile < end; tile += kNormalTile) {
        const std::int64_t count = std::min(kNormalTile, end - tile);
        for (std::int64_t j = 0; j < count; j += kLanes) {
          const U32 w = words32<kPartitionable>(key, tile + j, legacy);
          const F32 f = std::bit_cast<F32>((w >> 9) | 0x3F800000u) - 1.0f;
          // uniform(lo, 1): f * (1 - lo) + lo, where 1 - lo rounds to 2 exactly; then max(lo, .).
          const F32 low = F32{} + kLow;
          const F32 v = f * 2.0f + low;
          store_lanes(uniforms + j, v < low ? low : v, kLanes);  // lanes past `count` are scratch
        }
        for (std::int64_t j = 0; j < count; j += kLanes) simd::store(ws + j, erf_inv_w(simd::load(uniforms + j)));
        for (std::int64_t j = 0; j < count; j += kLanes) {
          const simd::VecF32 z = sqrt2_erf_inv(simd::load(uniforms + j), simd::load(ws + j));
          store_lanes(out + tile + j, z, std::min<std::int64_t>(kLanes, count - j));
        }
      }
    });
  });
}

}  // namespace jx::cpu::threefry

#undef JX_INLINE
