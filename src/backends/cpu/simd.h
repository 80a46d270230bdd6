// src/backends/cpu/simd.h — vector registers and SLEEF's vectorized math, for the widest ISA compiled.
//
// Plain arithmetic loops are left to the compiler's auto-vectorizer. Transcendentals are not: a loop
// calling std::tanh runs at 0.5 GB/s here against 21 GB/s for memcpy, so they go through SLEEF's
// vector functions on whole registers (the 1-ulp "u10" variants; float32 tanh is XLA's rational
// approximation, in unary.cpp). `map_vector` applies such a function to
// a run of elements; the tail is padded into one more full register, so every element goes through
// the identical code path wherever it sits in the array. Also here: streaming (non-temporal) stores
// and prefetches, which the elementwise driver uses for arrays larger than the caches.
#pragma once

// Vector types carry attributes that templates drop; jx only uses them as function parameters and
// in `std::is_same` dispatch, where that is harmless.
#pragma GCC diagnostic ignored "-Wignored-attributes"

#include <immintrin.h>
#include <sleef.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace jx::cpu::simd {

#if defined(__AVX512F__)
using VecF32 = __m512;
using VecF64 = __m512d;
inline constexpr int kLanesF32 = 16;
inline constexpr int kLanesF64 = 8;
inline VecF32 load(const float* p) { return _mm512_loadu_ps(p); }
inline VecF64 load(const double* p) { return _mm512_loadu_pd(p); }
inline void store(float* p, VecF32 v) { _mm512_storeu_ps(p, v); }
inline void store(double* p, VecF64 v) { _mm512_storeu_pd(p, v); }
inline void stream(float* p, VecF32 v) { _mm512_stream_ps(p, v); }  // p 64-byte aligned
inline void stream(double* p, VecF64 v) { _mm512_stream_pd(p, v); }
inline VecF32 broadcast(float v) { return _mm512_set1_ps(v); }
inline VecF32 add(VecF32 a, VecF32 b) { return _mm512_add_ps(a, b); }
inline VecF32 sub(VecF32 a, VecF32 b) { return _mm512_sub_ps(a, b); }
inline VecF32 mul(VecF32 a, VecF32 b) { return _mm512_mul_ps(a, b); }
inline VecF32 div(VecF32 a, VecF32 b) { return _mm512_div_ps(a, b); }
inline VecF32 fmadd(VecF32 a, VecF32 b, VecF32 c) { return _mm512_fmadd_ps(a, b, c); }  // a*b+c, one rounding
inline VecF32 sqrt(VecF32 a) { return _mm512_maskz_sqrt_ps(0xffff, a); }  // maskz: GCC 12 warns on _mm512_sqrt_ps
inline VecF32 abs(VecF32 a) {
  return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff)));
}
// lanes where a < b take x, the others y
inline VecF32 select_less(VecF32 a, VecF32 b, VecF32 x, VecF32 y) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), y, x);
}
inline VecF32 select_equal(VecF32 a, VecF32 b, VecF32 x, VecF32 y) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ), y, x);
}
// floor and ceil by instruction: GCC 12 leaves std::floor loops scalar unless -fno-trapping-math.
// (maskz forms, as for sqrt: the plain ones trip GCC 12's -Wmaybe-uninitialized.)
inline VecF32 floor(VecF32 a) {
  return _mm512_maskz_roundscale_ps(0xffff, a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
inline VecF64 floor(VecF64 a) { return _mm512_maskz_roundscale_pd(0xff, a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
inline VecF32 ceil(VecF32 a) {
  return _mm512_maskz_roundscale_ps(0xffff, a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
}
inline VecF64 ceil(VecF64 a) { return _mm512_maskz_roundscale_pd(0xff, a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
#define JX_SLEEF_F32(name) Sleef_##name##f16_u10
#define JX_SLEEF_F64(name) Sleef_##name##d8_u10
#elif defined(__AVX2__)
using VecF32 = __m256;
using VecF64 = __m256d;
inline constexpr int kLanesF32 = 8;
inline constexpr int kLanesF64 = 4;
inline VecF32 load(const float* p) { return _mm256_loadu_ps(p); }
inline VecF64 load(const double* p) { return _mm256_loadu_pd(p); }
inline void store(float* p, VecF32 v) { _mm256_storeu_ps(p, v); }
inline void store(double* p, VecF64 v) { _mm256_storeu_pd(p, v); }
inline void stream(float* p, VecF32 v) { _mm256_stream_ps(p, v); }  // p 32-byte aligned
inline void stream(double* p, VecF64 v) { _mm256_stream_pd(p, v); }
inline VecF32 broadcast(float v) { return _mm256_set1_ps(v); }
inline VecF32 add(VecF32 a, VecF32 b) { return _mm256_add_ps(a, b); }
inline VecF32 sub(VecF32 a, VecF32 b) { return _mm256_sub_ps(a, b); }
inline VecF32 mul(VecF32 a, VecF32 b) { return _mm256_mul_ps(a, b); }
inline VecF32 div(VecF32 a, VecF32 b) { return _mm256_div_ps(a, b); }
inline VecF32 fmadd(VecF32 a, VecF32 b, VecF32 c) { return _mm256_fmadd_ps(a, b, c); }  // a*b+c, one rounding
inline VecF32 sqrt(VecF32 a) { return _mm256_sqrt_ps(a); }
inline VecF32 abs(VecF32 a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
inline VecF32 select_less(VecF32 a, VecF32 b, VecF32 x, VecF32 y) {
  return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_LT_OQ));
}
inline VecF32 select_equal(VecF32 a, VecF32 b, VecF32 x, VecF32 y) {
  return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_EQ_OQ));
}
inline VecF32 floor(VecF32 a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
inline VecF64 floor(VecF64 a) { return _mm256_round_pd(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
inline VecF32 ceil(VecF32 a) { return _mm256_round_ps(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
inline VecF64 ceil(VecF64 a) { return _mm256_round_pd(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
#define JX_SLEEF_F32(name) Sleef_##name##f8_u10avx2
#define JX_SLEEF_F64(name) Sleef_##name##d4_u10avx2
#else
#error "jx's CPU kernels need at least AVX2 (configure with -DJX_NATIVE=OFF for x86-64-v3)"
#endif

// Copies `bytes` from src to dst with streaming (non-temporal) stores where dst is 64-byte aligned:
// the destination's cache lines are written without being read first and without evicting the
// working set. Call stream_fence() before another thread may read dst.
inline void stream_copy(std::byte* dst, const std::byte* src, std::size_t bytes) {
  std::size_t i = 0;
  if ((reinterpret_cast<std::uintptr_t>(dst) & 63) == 0) {
#if defined(__AVX512F__)
    for (; i + 64 <= bytes; i += 64) {
      _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + i), _mm512_loadu_si512(src + i));
    }
#else
    for (; i + 32 <= bytes; i += 32) {
      _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i),
                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
    }
#endif
  }
  std::memcpy(dst + i, src + i, bytes - i);
}
inline void stream_fence() { _mm_sfence(); }

// Prefetches [p, p + bytes) into L2.
inline void prefetch_l2(const std::byte* p, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; i += 64) _mm_prefetch(reinterpret_cast<const char*>(p + i), _MM_HINT_T1);
}

// While one is alive on a thread with `enable`, map_vector and map_vector2 write whole registers to a
// 64-byte aligned output with streaming stores (the elementwise driver sets it for large outputs of
// expensive ops; it then calls stream_fence()). Scopes nest.
class StreamingStores {
 public:
  explicit StreamingStores(bool enable) : saved_(active_) { active_ = enable; }
  ~StreamingStores() { active_ = saved_; }
  StreamingStores(const StreamingStores&) = delete;
  StreamingStores& operator=(const StreamingStores&) = delete;
  static bool active() { return active_; }

 private:
  bool saved_;
  static inline thread_local bool active_ = false;
};

// How far ahead of the register being computed map_vector prefetches its input, in bytes, while it
// streams a large output.
inline constexpr std::size_t kPrefetchDistance = 2048;

template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  using type = VecF32;
  static constexpr int lanes = kLanesF32;
};
template <>
struct VecOf<double> {
  using type = VecF64;
  static constexpr int lanes = kLanesF64;
};

// out[i] = f(in[i]) for a function on whole registers.
template <class T, class F>
void map_vector(const T* in, T* out, std::int64_t n, F f) {
  constexpr int lanes = VecOf<T>::lanes;
  std::int64_t i = 0;
  if (StreamingStores::active() && (reinterpret_cast<std::uintptr_t>(out) & 63) == 0) {
    for (; i + lanes <= n; i += lanes) {
      _mm_prefetch(reinterpret_cast<const char*>(in + i) + kPrefetchDistance, _MM_HINT_T0);
      stream(out + i, f(load(in + i)));
    }
  } else {
    for (; i + lanes <= n; i += lanes) store(out + i, f(load(in + i)));
  }
  if (i < n) {
    alignas(64) T padded[lanes] = {};
    std::memcpy(padded, in + i, static_cast<std::size_t>(n - i) * sizeof(T));
    store(padded, f(load(padded)));
    std::memcpy(out + i, padded, static_cast<std::size_t>(n - i) * sizeof(T));
  }
}

// out[i] = f(a[i*sa], b[i*sb]) for steps sa, sb in {0, 1}.
template <class T, class F>
void map_vector2(const T* a, int sa, const T* b, int sb, T* out, std::int64_t n, F f) {
  using V = typename VecOf<T>::type;
  constexpr int lanes = VecOf<T>::lanes;
  alignas(64) T a_fill[lanes], b_fill[lanes];
  std::fill(a_fill, a_fill + lanes, a[0]);
  std::fill(b_fill, b_fill + lanes, b[0]);
  const V a_scalar = load(a_fill), b_scalar = load(b_fill);
  std::int64_t i = 0;
  if (StreamingStores::active() && (reinterpret_cast<std::uintptr_t>(out) & 63) == 0) {
    for (; i + lanes <= n; i += lanes) stream(out + i, f(sa ? load(a + i) : a_scalar, sb ? load(b + i) : b_scalar));
  } else {
    for (; i + lanes <= n; i += lanes) store(out + i, f(sa ? load(a + i) : a_scalar, sb ? load(b + i) : b_scalar));
  }
  if (i < n) {
    alignas(64) T pa[lanes] = {}, pb[lanes] = {};
    const std::size_t tail = static_cast<std::size_t>(n - i);
    if (sa)
      std::memcpy(pa, a + i, tail * sizeof(T));
    else
      std::fill(pa, pa + lanes, a[0]);
    if (sb)
      std::memcpy(pb, b + i, tail * sizeof(T));
    else
      std::fill(pb, pb + lanes, b[0]);
    store(pa, f(load(pa), load(pb)));
    std::memcpy(out + i, pa, tail * sizeof(T));
  }
}

}  // namespace jx::cpu::simd
