// src/backends/cpu/kernels.h — the CPU backend's kernels, as the primitives call them.
//
// Two levels. *Run kernels* work on contiguous runs of elements (with a step of 0 for a repeated
// scalar operand): they are what the eager drivers loop over tile by tile and what the planned
// executor's fused tiles will call. *Array kernels* take concrete arrays — possibly strided views —
// and return a fresh contiguous result, parallelized over the thread pool when large.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/array_impl.h"
#include "ir/elementwise_kinds.h"

namespace jx::cpu {

// --- Run kernels -------------------------------------------------------------------------------
// out[i] = op(in[i]); `dtype` is the input dtype (the output dtype is bool for is_finite).
void unary_run(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n);
// out[i] = op(a[i*a_step], b[i*b_step]) with steps 0 or 1; comparisons write bool.
void binary_run(BinaryOp op, DType dtype, const void* a, int a_step, const void* b, int b_step, void* out,
                std::int64_t n);
void convert_run(DType from, DType to, const void* in, void* out, std::int64_t n);
// The complex cases of unary_run and binary_run (src/backends/cpu/complex_elementwise.cpp): `dtype`
// is complex, except for BinaryOp::complex, whose inputs are the parts' real type.
void unary_complex_run(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n);
void binary_complex_run(BinaryOp op, DType dtype, const void* a, int a_step, const void* b, int b_step, void* out,
                        std::int64_t n);
// out[i] = pred[i*p_step] ? on_true[i*t_step] : on_false[i*f_step], for elements of `itemsize` bytes.
void select_run(const bool* pred, int p_step, std::size_t itemsize, const void* on_true, int t_step,
                const void* on_false, int f_step, void* out, std::int64_t n);

// --- Array kernels -----------------------------------------------------------------------------
Array unary(UnaryOp op, const Array& x, const ArrayType& out_type);
Array binary(BinaryOp op, const Array& a, const Array& b, const ArrayType& out_type);
Array convert(const Array& x, const ArrayType& out_type);
Array select(const Array& pred, const Array& on_true, const Array& on_false, const ArrayType& out_type);

// A contiguous row-major copy of x (x itself if it already is contiguous).
Array contiguous(const Array& x);
// Writes x's elements in row-major order to `out`.
void copy_to(const ConcreteArray& x, std::byte* out);
// Writes elements [begin, begin + count) of x, in row-major order, to `out`.
void copy_range_to(const ConcreteArray& x, std::int64_t begin, std::int64_t count, std::byte* out);

Array iota(const ArrayType& type, int dimension);
Array fill(const ArrayType& type, const void* value);  // every element = *value (itemsize bytes)
Array concatenate(std::span<const Array> inputs, int axis, const ArrayType& out_type);
// Places x's elements at low[d] + i * (interior[d] + 1) in an array of padding_value (negative low
// padding crops).
Array pad(const Array& x, const Array& padding_value, std::span<const std::int64_t> low,
          std::span<const std::int64_t> interior, const ArrayType& out_type);

enum class ReduceOp : std::uint8_t { sum, prod, max, min, and_, or_ };
// Reduces x over `axes` (sorted, unique); the output has the kept axes in order.
Array reduce(ReduceOp op, const Array& x, std::span<const int> axes, const ArrayType& out_type);
// Run-level reductions, for kernels that reduce piece by piece (the planned executor's fused tiles).
// A partial result is held in the type reductions of `dtype` accumulate in (float64 for float32, so
// sums stay accurate); reduce_partials combines `count` of them pairwise into one element of `dtype`.
std::size_t reduce_accumulator_size(DType dtype);
void reduce_run_partial(ReduceOp op, DType dtype, const void* in, std::int64_t n, int step, void* partial);
void reduce_partials(ReduceOp op, DType dtype, const void* partials, std::int64_t count, void* out);
// out[r] = the reduction of the contiguous row r of `length` elements (rows short enough to be one run).
void reduce_rows(ReduceOp op, DType dtype, const void* in, std::int64_t rows, std::int64_t length, void* out);
// Index of the first maximum (minimum) along `axis`; NaN counts as the maximum (and the minimum).
Array argreduce(bool is_max, const Array& x, int axis, const ArrayType& out_type);
enum class CumulativeOp : std::uint8_t { sum, prod, max, min };
Array cumulative(CumulativeOp op, const Array& x, int axis, bool reverse, const ArrayType& out_type);

struct DotDimensions {
  std::vector<int> lhs_contracting, rhs_contracting, lhs_batch, rhs_batch;
};
// The axes of an operand of ndim axes that are neither batch nor contracting, in order.
std::vector<int> free_axes(int ndim, const std::vector<int>& batch, const std::vector<int>& contracting);
// XLA's dot_general: output axes are batch, then lhs free, then rhs free.
Array dot_general(const Array& lhs, const Array& rhs, const DotDimensions& dims, const ArrayType& out_type);
// The same into a dense row-major output (the planned executor's kernel).
void dot_general_into(const Array& lhs, const Array& rhs, const DotDimensions& dims, const ArrayType& out_type,
                      std::byte* out);
// A float32 matrix product (no batch axes) plus a bias of n values added to every row, as a Linear
// layer computes it: oneDNN adds the bias as it writes the product; otherwise it is a second pass.
void dot_general_bias_into(const Array& lhs, const Array& rhs, const DotDimensions& dims, const float* bias,
                           const ArrayType& out_type, std::byte* out);

// take_along_axis with broadcasting indices (see the gather primitive); indices are clamped.
Array gather(const Array& x, const Array& indices, int axis, const ArrayType& out_type);
enum class ScatterMode : std::uint8_t { set, add, mul, min, max };
// The inverse of gather: out = x with `updates` combined in at `indices`; out-of-range ones dropped.
// `in_place` may be x itself when the caller owns its buffer.
Array scatter(ScatterMode mode, const Array& x, const Array& indices, const Array& updates, int axis,
              const ArrayType& out_type, bool in_place);
Array dynamic_slice(const Array& x, std::span<const std::int64_t> starts, const Shape& sizes);
Array dynamic_update_slice(const Array& x, const Array& update, std::span<const std::int64_t> starts, bool in_place);

// Stable sort of `operands` (same shape) along `axis`, ordered lexicographically by the first
// `num_keys` of them; NaNs sort last.
std::vector<Array> sort(std::span<const Array> operands, int axis, int num_keys);

}  // namespace jx::cpu
