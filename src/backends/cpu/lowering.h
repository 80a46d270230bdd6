// src/backends/cpu/lowering.h — helpers for primitives lowering themselves to planned kernels.
//
//   return Kernel{[=](const KernelCall& call) {
//     cpu::for_each_chunk(n, [&](std::int64_t begin, std::int64_t end) { ... elements [begin, end) ... });
//   }};
#pragma once

#include <cstdint>

#include "backends/cpu/thread_pool.h"
#include "jx/ir/kernel.h"
#include "jx/ir/primitive.h"

namespace jx::cpu {

// Elements per chunk below which splitting a kernel over threads costs more than it saves.
inline constexpr std::int64_t kParallelGrain = std::int64_t{1} << 15;

// Calls body(begin, end) over [0, n): at once on this thread for small n, else in chunks over the pool.
template <class Body>
void for_each_chunk(std::int64_t n, const Body& body) {
  if (n < 2 * kParallelGrain) {
    if (n > 0) body(std::int64_t{0}, n);
    return;
  }
  parallel_for(n, kParallelGrain, body);
}

// The kernel of a primitive whose eager evaluation returns a view of its input (broadcast, transpose,
// slice, reverse): a strided gather of the view into a dense output. The view's layout is learnt once
// by evaluating the primitive on a placeholder of the input type, which reads no data.
Kernel view_copy_kernel(const Primitive& primitive, const ArrayType& input, const ArrayType& output);

}  // namespace jx::cpu
