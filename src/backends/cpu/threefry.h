// src/backends/cpu/threefry.h — the Threefry-2x32 counter-based generator, as JAX uses it.
//
// One key hashes counters into random words. JAX has two ways of assigning counters to the elements
// of a draw (shared/reference/prng.md): partitionable (element i hashes the 64-bit counter i) and
// legacy (counters 0..M-1 hashed in two halves, counter i paired with i + M/2). Each kernel computes
// any range of elements independently in either mode, so draws are split over the thread pool and
// vectorized with identical results.
#pragma once

#include <array>
#include <cstdint>

#include "jx/core/dtype.h"

namespace jx::cpu::threefry {

struct KeyWords {
  std::uint32_t k0 = 0, k1 = 0;
};

// The 20-round block function: (y0, y1) for counter (x0, x1).
std::array<std::uint32_t, 2> block(KeyWords key, std::uint32_t x0, std::uint32_t x1);

// `n` values of `bit_width` (8, 16, 32 or 64) bits, as jax.random.bits draws them.
void bits(KeyWords key, int bit_width, bool partitionable, std::int64_t n, void* out);

// `n` new keys (2n words, row-major (n, 2)), as jax.random.split.
void split(KeyWords key, bool partitionable, std::int64_t n, std::uint32_t* out);

// jax.random.fold_in (the same in both modes).
KeyWords fold_in(KeyWords key, std::uint32_t data);

// `n` uniforms in [0, 1) of float32 or float64, from the mantissa trick of jax.random.uniform.
void uniform01(KeyWords key, DType dtype, bool partitionable, std::int64_t n, void* out);

// `n` float32 standard normals, as jax.random.normal: sqrt(2) * erf_inv(u), u uniform on (-1, 1),
// with lax.erf_inv's own kernel.
void normal_f32(KeyWords key, bool partitionable, std::int64_t n, float* out);

}  // namespace jx::cpu::threefry
