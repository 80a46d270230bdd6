// src/fft/fftw_plans.h — the CPU kernel behind the fft primitive: FFTW, with one plan per transform
// shape, made once and cached.
//
// FFTW's planner is not thread-safe, so planning (and the cache) sit behind one mutex; executing a
// plan on new arrays (fftw_execute_dft and friends) is thread-safe and runs outside it. Plans use
// FFTW_ESTIMATE, which never touches the arrays: planning a 2^20-point transform takes microseconds,
// not the seconds FFTW_MEASURE spends timing candidates, and the same arrays can be planned and run.
#pragma once

#include <cstdint>
#include <span>

#include "jx/core/dtype.h"

namespace jx::fft_kernels {

enum class Kind : std::uint8_t { forward, inverse, real_forward, real_inverse };

// Transforms `batch` contiguous arrays, each of the given `lengths` (1 to 3 trailing axes), from `in`
// to `out` (which may not alias):
//   forward, inverse:  complex lengths -> complex lengths (inverse unnormalized, as FFTW's);
//   real_forward:      real lengths -> complex lengths with the last axis n / 2 + 1;
//   real_inverse:      complex (last axis n / 2 + 1) -> real lengths, unnormalized; `in` is not
//                      modified (FFTW's complex-to-real transforms destroy their input, so a copy
//                      is transformed).
// `real_dtype` is float32 or float64, the precision of both sides.
void execute(Kind kind, DType real_dtype, std::span<const std::int64_t> lengths, std::int64_t batch, const void* in,
             void* out);

}  // namespace jx::fft_kernels
