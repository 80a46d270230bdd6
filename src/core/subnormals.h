// src/core/subnormals.h — jx computes with subnormal floats flushed to zero, as JAX does on CPU.
//
// XLA's CPU client runs every executable with the processor's flush-to-zero and denormals-are-zero
// modes on (TfrtCpuExecutable: tsl::port::ScopedFlushDenormal), so in JAX a subnormal input reads as
// zero (`x == 0` is true for x = 1e-45) and a result that would be subnormal is zero. jx does the
// same while it runs kernels: eagerly (bind), in planned programs (Executable::run) and on the
// pool's workers, which only ever run kernels. Besides agreeing with JAX, it keeps training steps
// fast: an operation on a subnormal operand costs about a hundred cycles on x86, and the MLP train
// step of bench/mlp.h (Adam) took 9.1 ms per step over 1000 steps with subnormals kept, 6.8 ms flushed.
//
//   { ScopedFlushSubnormals flush; /* kernels */ }  // the caller's mode is restored afterwards
#pragma once

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace jx {

#if defined(__SSE__) || defined(__x86_64__)
// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6).
inline constexpr unsigned kFlushSubnormalBits = 0x8040;

class ScopedFlushSubnormals {
 public:
  ScopedFlushSubnormals() : saved_(_mm_getcsr()) {
    if ((saved_ & kFlushSubnormalBits) != kFlushSubnormalBits) _mm_setcsr(saved_ | kFlushSubnormalBits);
  }
  ~ScopedFlushSubnormals() {
    if ((saved_ & kFlushSubnormalBits) != kFlushSubnormalBits) _mm_setcsr(saved_);
  }
  ScopedFlushSubnormals(const ScopedFlushSubnormals&) = delete;
  ScopedFlushSubnormals& operator=(const ScopedFlushSubnormals&) = delete;

 private:
  unsigned saved_;
};

// For threads that only run jx's kernels.
inline void flush_subnormals_on_this_thread() { _mm_setcsr(_mm_getcsr() | kFlushSubnormalBits); }
#else
// Other processors keep IEEE subnormals (results may then differ from JAX's in the last bits).
class ScopedFlushSubnormals {};
inline void flush_subnormals_on_this_thread() {}
#endif

}  // namespace jx
