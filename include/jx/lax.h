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
#include <initializer_list>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"  // detail::KeywordsOnly, for the options of the convolution section

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

// ==== Convolutions and windowed reductions (conv_general_dilated, reduce_window) =================
// Section owned by the convolution primitives (src/ir/primitives/convolution.h, reduce_window.h).
//
//   // A 3x3 "SAME" convolution of NHWC images with HWIO weights, as TensorFlow and Haiku lay them out:
//   auto y = lax::conv_general_dilated(x, w, {1, 1}, "SAME", {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}});
//   // 2x2 max pooling with stride 2 over the spatial axes of NHWC images:
//   auto p = lax::reduce_window(x, -INFINITY, lax::max, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");

// Padding of the spatial (or window) axes: "SAME", "SAME_LOWER" or "VALID", resolved against the
// shapes by padtype_to_pads, or one explicit (low, high) pair per axis (negative values crop).
class Padding {
 public:
  using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;
  Padding(const char* type) : type_(type) {}          // NOLINT(google-explicit-constructor)
  Padding(std::string_view type) : type_(type) {}     // NOLINT(google-explicit-constructor)
  Padding(const std::string& type) : type_(type) {}   // NOLINT(google-explicit-constructor)
  Padding(Pairs pairs) : pairs_(std::move(pairs)) {}  // NOLINT(google-explicit-constructor)
  Padding(std::initializer_list<std::pair<std::int64_t, std::int64_t>> pairs) : pairs_(pairs) {}
  bool is_named() const { return !type_.empty(); }
  const std::string& type() const { return type_; }  // "SAME", "SAME_LOWER", "VALID"; empty for pairs
  const Pairs& pairs() const { return pairs_; }

 private:
  std::string type_;
  Pairs pairs_;
};

// The explicit pairs a named padding stands for (jax.lax.padtype_to_pads): "VALID" pads nothing;
// "SAME" pads so that out = ceil(in / stride), the odd element at the end ("SAME_LOWER": at the start).
Padding::Pairs padtype_to_pads(const Shape& in_shape, const Shape& window_shape,
                               const std::vector<std::int64_t>& window_strides, std::string_view padding,
                               Loc loc = Loc::current());

// Which axes of the operands are batch, feature and spatial, in JAX's canonical form: lhs_spec is
// (batch, feature, spatial...), rhs_spec (output feature, input feature, spatial...), out_spec
// (batch, feature, spatial...), each an axis number. Spatial axes pair up in the order rhs_spec lists
// them, and window strides, padding and dilations follow that order. Built from layout strings as
// jax.lax.conv_general_dilated accepts them ("NHWC", "HWIO", "NHWC" or "NCHW", "OIHW", "NCHW"; any
// distinct letters name spatial axes), or from the specs themselves. Empty means JAX's default,
// NCHW / OIHW / NCHW (the identity).
struct ConvDimensionNumbers {
  std::vector<int> lhs_spec, rhs_spec, out_spec;
  std::string lhs_layout, rhs_layout, out_layout;  // the strings, when built from strings

  ConvDimensionNumbers() = default;
  ConvDimensionNumbers(std::string_view lhs, std::string_view rhs, std::string_view out)
      : lhs_layout(lhs), rhs_layout(rhs), out_layout(out) {}
  static ConvDimensionNumbers from_specs(std::vector<int> lhs, std::vector<int> rhs, std::vector<int> out) {
    ConvDimensionNumbers numbers;
    numbers.lhs_spec = std::move(lhs);
    numbers.rhs_spec = std::move(rhs);
    numbers.out_spec = std::move(out);
    return numbers;
  }
};
// The canonical specs for operands of these ranks (jax.lax.conv_dimension_numbers): layout strings
// resolved and checked, the default filled in.
ConvDimensionNumbers conv_dimension_numbers(const Shape& lhs_shape, const Shape& rhs_shape,
                                            const ConvDimensionNumbers& dimension_numbers, Loc loc = Loc::current());

struct ConvOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::vector<std::int64_t> lhs_dilation = {};  // empty: ones (lhs dilation is transposed convolution)
  std::vector<std::int64_t> rhs_dilation = {};  // empty: ones (rhs dilation is atrous convolution)
  ConvDimensionNumbers dimension_numbers = {};
  std::int64_t feature_group_count = 1;  // grouped convolution; lhs features / groups = rhs input features
  std::int64_t batch_group_count = 1;    // lhs batch split into groups, each meeting its share of outputs
};
// jax.lax.conv_general_dilated: an N-d convolution (a cross-correlation, as in XLA) with strides,
// padding, dilation of either operand and feature or batch grouping. Operands share a float or
// integer dtype; float16 and bfloat16 are computed in float32. Differentiable in both operands to
// any order; batched by vmap; lowered for jit.
Array conv_general_dilated(const Array& lhs, const Array& rhs, const std::vector<std::int64_t>& window_strides,
                           const Padding& padding, const ConvOptions& options = {}, Loc loc = Loc::current());
// jax.lax.conv: NCHW lhs, OIHW rhs, no dilation.
Array conv(const Array& lhs, const Array& rhs, const std::vector<std::int64_t>& window_strides, const Padding& padding,
           Loc loc = Loc::current());

struct ReduceWindowOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::vector<std::int64_t> base_dilation = {};    // empty: ones
  std::vector<std::int64_t> window_dilation = {};  // empty: ones
};
// jax.lax.reduce_window for the monoids XLA knows: `computation` is lax::add, lax::max or lax::min,
// and `init_value` its identity (0, -inf, +inf; for integers their lowest and highest values); a
// max or min with another init value also clamps the result by it. One window axis per operand axis.
// Padded elements take the identity. Differentiable to any order: max and min pass the tangent of
// the first extreme element of each window (select_and_gather_add), whose transpose scatters it back.
using BinaryComputation = Array (*)(const Array&, const Array&, Loc);
Array reduce_window(const Array& x, double init_value, BinaryComputation computation, const Shape& window_dimensions,
                    const std::vector<std::int64_t>& window_strides, const Padding& padding,
                    const ReduceWindowOptions& options = {}, Loc loc = Loc::current());
Array reduce_window_sum(const Array& x, const Shape& window_dimensions, const std::vector<std::int64_t>& window_strides,
                        const Padding& padding, const ReduceWindowOptions& options = {}, Loc loc = Loc::current());
Array reduce_window_max(const Array& x, const Shape& window_dimensions, const std::vector<std::int64_t>& window_strides,
                        const Padding& padding, const ReduceWindowOptions& options = {}, Loc loc = Loc::current());
Array reduce_window_min(const Array& x, const Shape& window_dimensions, const std::vector<std::int64_t>& window_strides,
                        const Padding& padding, const ReduceWindowOptions& options = {}, Loc loc = Loc::current());
// ==== end of the convolution section ==============================================================

}  // namespace jx::lax
