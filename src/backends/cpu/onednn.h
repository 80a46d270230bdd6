// src/backends/cpu/onednn.h — the products jx hands to oneDNN, the library the field runs matmul and
// convolution on for CPUs (PyTorch, TensorFlow and XLA's CPU backend use it).
//
// Debian's oneDNN runs on OpenMP, whose idle threads spin for milliseconds after each parallel region
// and would fight jx's pool for the cores. So no OpenMP team is ever started: every oneDNN primitive
// runs on one thread (the thread's OpenMP limit is set to 1 before its first use), and jx's pool
// splits a product into as many parts as it has threads — batches, or rows, or columns. Primitives
// are created once per problem and part, kept in a bounded cache, and reused by later calls, eager
// and planned alike.
//
//   if (!onednn::matmul(DType::float32, a, b, c, m, n, k, batch)) { /* BLAS */ }
//
// Pooling covers max pooling whose windows overlap or leave elements out; windows that tile the
// operand exactly (2x2/2 on even sizes), and average pooling (a windowed sum), run on jx's kernels
// (reduce_window.cpp), which read and write each element once and propagate NaN without a scan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "backends/cpu/reduce_window.h"
#include "jx/core/dtype.h"

namespace jx::cpu {
struct ConvGeometry;
}

namespace jx::cpu::onednn {

// One operand of a product: `batch` matrices, each row-major (element (r, c) at r * leading + c) or
// transposed (at r + c * leading), `batch_stride` elements apart (0: one matrix shared by the batch).
struct MatrixOperand {
  const std::byte* data = nullptr;
  bool transposed = false;
  std::int64_t leading = 1;
  std::int64_t batch_stride = 0;
};

// What a product's consumer does to it, done by oneDNN as the product is written: a bias (n values,
// float32, added to every row). (A ReLU is not among them: oneDNN's writes -0.0 for negative inputs
// where jx's max(x, 0) writes +0.0.)
struct Epilogue {
  const std::byte* bias = nullptr;
  bool empty() const { return bias == nullptr; }
};

// c[i] = a[i] @ b[i] for i < batch, c dense (batch, m, n) row-major, in `dtype` (float32, bfloat16 or
// float16 operands and result). Returns false, having written nothing, when oneDNN does not take the
// product: other dtypes, products too small to repay a primitive's call, or a layout for which only
// oneDNN's reference implementation exists.
// With an epilogue (one float32 matrix only), c = a @ b + bias.
bool matmul(DType dtype, const MatrixOperand& a, const MatrixOperand& b, std::byte* c, std::int64_t m, std::int64_t n,
            std::int64_t k, std::int64_t batch, const Epilogue& epilogue = {});

// conv_general_dilated (convolution.h) as a oneDNN forward, backward-data or backward-weights
// convolution, whichever computes this geometry directly (onednn_convolution.cpp). Float32, bfloat16
// and float16 (accumulated in float32, a kernel gradient summed in float32 and rounded once); returns
// false, having written nothing, for what oneDNN does not take. With a bias (float32 only, one per
// output feature), only a forward convolution is taken, and the bias is added as the output is written.
bool convolution(DType dtype, const ConvGeometry& geometry, const std::byte* lhs, const std::byte* rhs, std::byte* out,
                 const std::byte* bias = nullptr);

// reduce_window(max) and select_and_scatter_add(max) (reduce_window.h) as oneDNN max pooling, forward
// and backward, when the window leaves two axes (batch and channels) alone (onednn_pooling.cpp).
bool max_pool(DType dtype, const WindowGeometry& geometry, const std::byte* x, const WindowGeometry::Sizes& x_strides,
              std::byte* out);
bool max_pool_backward(DType dtype, const WindowGeometry& geometry, const std::byte* source,
                       const WindowGeometry::Sizes& source_strides, const std::byte* operand,
                       const WindowGeometry::Sizes& operand_strides, std::byte* out);

// Whether jx uses oneDNN (JX_ONEDNN=0 turns it off, for comparisons and to rule it out when hunting
// a bug); the setter is for tests and benchmarks.
bool enabled();
void set_enabled(bool on);

// What oneDNN ran for the last product it took on this thread, as "matmul: brg:avx512_core" or
// "convolution backward weights: jit:avx512_core", for tests and benchmarks.
std::string last_implementation();

// Number of primitives in the cache (tests check reuse); dropped with jx::clear_caches().
std::size_t cached_primitives();
void clear_cache();

}  // namespace jx::cpu::onednn
