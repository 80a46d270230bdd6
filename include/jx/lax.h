// jx/lax.h — jx::lax, the primitive-level operations (jax.lax).
//
// These map one-to-one onto primitives and are strict, as in JAX: binary operands must have the same
// dtype (a weakly typed operand, such as a C++ scalar, takes the other's) and the same shape or be
// scalars; nothing is broadcast implicitly. jx::numpy builds NumPy's conveniences on top of them.
//
//   namespace lax = jx::lax;
//   auto y = lax::mul(x, lax::cos(x));
//   auto s = lax::reduce_sum(x, {0});
//   auto z = lax::broadcast_in_dim(v, {3, 4}, {1});  // v of shape (4,) to (3, 4)
#pragma once

#include <cstdint>
#include <source_location>
#include <vector>

#include "jx/core/array.h"

namespace jx::lax {

using Loc = std::source_location;

// --- Elementwise --------------------------------------------------------------------------------
Array neg(const Array& x, Loc loc = Loc::current());
Array abs(const Array& x, Loc loc = Loc::current());
Array sign(const Array& x, Loc loc = Loc::current());
Array floor(const Array& x, Loc loc = Loc::current());
Array ceil(const Array& x, Loc loc = Loc::current());
Array round(const Array& x, Loc loc = Loc::current());  // half to even
Array is_finite(const Array& x, Loc loc = Loc::current());
Array bitwise_not(const Array& x, Loc loc = Loc::current());  // lax.not: logical on bool
Array exp(const Array& x, Loc loc = Loc::current());
Array exp2(const Array& x, Loc loc = Loc::current());
Array expm1(const Array& x, Loc loc = Loc::current());
Array log(const Array& x, Loc loc = Loc::current());
Array log1p(const Array& x, Loc loc = Loc::current());
Array log2(const Array& x, Loc loc = Loc::current());
Array log10(const Array& x, Loc loc = Loc::current());
Array sqrt(const Array& x, Loc loc = Loc::current());
Array rsqrt(const Array& x, Loc loc = Loc::current());
Array cbrt(const Array& x, Loc loc = Loc::current());
Array square(const Array& x, Loc loc = Loc::current());
Array reciprocal(const Array& x, Loc loc = Loc::current());
Array sin(const Array& x, Loc loc = Loc::current());
Array cos(const Array& x, Loc loc = Loc::current());
Array tan(const Array& x, Loc loc = Loc::current());
Array asin(const Array& x, Loc loc = Loc::current());
Array acos(const Array& x, Loc loc = Loc::current());
Array atan(const Array& x, Loc loc = Loc::current());
Array sinh(const Array& x, Loc loc = Loc::current());
Array cosh(const Array& x, Loc loc = Loc::current());
Array tanh(const Array& x, Loc loc = Loc::current());
Array asinh(const Array& x, Loc loc = Loc::current());
Array acosh(const Array& x, Loc loc = Loc::current());
Array atanh(const Array& x, Loc loc = Loc::current());
Array logistic(const Array& x, Loc loc = Loc::current());
Array erf(const Array& x, Loc loc = Loc::current());
Array erfc(const Array& x, Loc loc = Loc::current());
Array erf_inv(const Array& x, Loc loc = Loc::current());
Array lgamma(const Array& x, Loc loc = Loc::current());

Array add(const Array& x, const Array& y, Loc loc = Loc::current());
Array sub(const Array& x, const Array& y, Loc loc = Loc::current());
Array mul(const Array& x, const Array& y, Loc loc = Loc::current());
Array div(const Array& x, const Array& y, Loc loc = Loc::current());  // integers round toward zero
Array rem(const Array& x, const Array& y, Loc loc = Loc::current());  // sign of the dividend
Array pow(const Array& x, const Array& y, Loc loc = Loc::current());
Array max(const Array& x, const Array& y, Loc loc = Loc::current());
Array min(const Array& x, const Array& y, Loc loc = Loc::current());
Array atan2(const Array& x, const Array& y, Loc loc = Loc::current());
Array nextafter(const Array& x, const Array& y, Loc loc = Loc::current());
Array bitwise_and(const Array& x, const Array& y, Loc loc = Loc::current());
Array bitwise_or(const Array& x, const Array& y, Loc loc = Loc::current());
Array bitwise_xor(const Array& x, const Array& y, Loc loc = Loc::current());
Array shift_left(const Array& x, const Array& y, Loc loc = Loc::current());
Array shift_right_logical(const Array& x, const Array& y, Loc loc = Loc::current());
Array shift_right_arithmetic(const Array& x, const Array& y, Loc loc = Loc::current());
Array eq(const Array& x, const Array& y, Loc loc = Loc::current());
Array ne(const Array& x, const Array& y, Loc loc = Loc::current());
Array lt(const Array& x, const Array& y, Loc loc = Loc::current());
Array le(const Array& x, const Array& y, Loc loc = Loc::current());
Array gt(const Array& x, const Array& y, Loc loc = Loc::current());
Array ge(const Array& x, const Array& y, Loc loc = Loc::current());
Array integer_pow(const Array& x, int y, Loc loc = Loc::current());
Array convert_element_type(const Array& x, DType new_dtype, Loc loc = Loc::current());
// pred ? on_true : on_false, elementwise (pred bool, a scalar or the cases' shape).
Array select(const Array& pred, const Array& on_true, const Array& on_false, Loc loc = Loc::current());
Array clamp(const Array& min, const Array& x, const Array& max, Loc loc = Loc::current());
// Identity whose derivative is zero.
Array stop_gradient(const Array& x, Loc loc = Loc::current());

// --- Shapes -------------------------------------------------------------------------------------
Array broadcast_in_dim(const Array& x, const Shape& shape, const std::vector<int>& broadcast_dimensions,
                       Loc loc = Loc::current());
Array reshape(const Array& x, const Shape& new_sizes, Loc loc = Loc::current());
Array transpose(const Array& x, const std::vector<int>& permutation, Loc loc = Loc::current());
Array squeeze(const Array& x, const std::vector<int>& dimensions, Loc loc = Loc::current());
Array expand_dims(const Array& x, const std::vector<int>& dimensions, Loc loc = Loc::current());
Array rev(const Array& x, const std::vector<int>& dimensions, Loc loc = Loc::current());
Array slice(const Array& x, const std::vector<std::int64_t>& start, const std::vector<std::int64_t>& limit,
            const std::vector<std::int64_t>& strides = {}, Loc loc = Loc::current());
Array slice_in_dim(const Array& x, std::int64_t start, std::int64_t limit, std::int64_t stride, int axis,
                   Loc loc = Loc::current());
// Start indices are integer scalars (traced or not), clamped so the window fits.
Array dynamic_slice(const Array& x, const std::vector<Array>& start_indices, const Shape& sizes,
                    Loc loc = Loc::current());
Array dynamic_update_slice(const Array& x, const Array& update, const std::vector<Array>& start_indices,
                           Loc loc = Loc::current());
struct PadConfig {
  std::int64_t low = 0, high = 0, interior = 0;
};
Array pad(const Array& x, const Array& padding_value, const std::vector<PadConfig>& config, Loc loc = Loc::current());
Array concatenate(const std::vector<Array>& arrays, int dimension, Loc loc = Loc::current());
Array iota(DType dtype, std::int64_t size, Loc loc = Loc::current());
Array broadcasted_iota(DType dtype, const Shape& shape, int dimension, Loc loc = Loc::current());

// --- Reductions ---------------------------------------------------------------------------------
Array reduce_sum(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current());
Array reduce_prod(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current());
Array reduce_max(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current());
Array reduce_min(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current());
Array reduce_and(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current());
Array reduce_or(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current());
Array argmax(const Array& x, int axis, DType index_dtype, Loc loc = Loc::current());
Array argmin(const Array& x, int axis, DType index_dtype, Loc loc = Loc::current());
Array cumsum(const Array& x, int axis, bool reverse = false, Loc loc = Loc::current());
Array cumprod(const Array& x, int axis, bool reverse = false, Loc loc = Loc::current());
Array cummax(const Array& x, int axis, bool reverse = false, Loc loc = Loc::current());
Array cummin(const Array& x, int axis, bool reverse = false, Loc loc = Loc::current());

// --- Contractions, indexing, sorting ------------------------------------------------------------
struct DotDimensionNumbers {
  std::vector<int> lhs_contracting, rhs_contracting, lhs_batch, rhs_batch;
};
Array dot_general(const Array& lhs, const Array& rhs, const DotDimensionNumbers& dimension_numbers,
                  Loc loc = Loc::current());
// take_along_axis with indices that may have size 1 on the other axes; out-of-range indices clamp.
Array gather(const Array& x, const Array& indices, int axis, Loc loc = Loc::current());
enum class ScatterMode { set, add, mul, min, max };
// The inverse of gather: x with updates written at indices; out-of-range updates are dropped.
Array scatter(const Array& x, const Array& indices, const Array& updates, int axis, ScatterMode mode,
              Loc loc = Loc::current());
std::vector<Array> sort(const std::vector<Array>& operands, int dimension, int num_keys = 1, Loc loc = Loc::current());
Array sort(const Array& x, int dimension = -1, Loc loc = Loc::current());

}  // namespace jx::lax
