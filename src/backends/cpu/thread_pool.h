// src/backends/cpu/thread_pool.h — the one pool of worker threads jx's kernels share.
//
// Large kernels split their index range over the pool; the calling thread takes a share too. Idle
// workers sleep on a condition variable rather than spin, because spinning workers steal cycles from
// OpenBLAS's own threads during matmuls (measured here with OpenMP's default spin policy).
//
//   jx::cpu::parallel_for(n, 1 << 14, [&](std::int64_t begin, std::int64_t end) { ... });
#pragma once

#include <cstdint>
#include <functional>

namespace jx::cpu {

// Number of threads kernels use (the caller included); JX_NUM_THREADS overrides the core count.
int num_threads();
void set_num_threads(int threads);

// Calls body(begin, end) over disjoint chunks covering [0, n), of at least `grain` items each (a few
// per thread, balanced dynamically), in parallel when n is at least 2 * grain. Returns when all chunks
// are done; rethrows the first exception a chunk threw.
void parallel_for(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& body);

}  // namespace jx::cpu
