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

// How scatter combines updates with the operand (declared before the functions its names shadow).
enum class ScatterMode { set, add, mul, min, max };

// --- Elementwise --------------------------------------------------------------------------------
inline constexpr struct neg_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } neg{};
inline constexpr struct abs_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } abs{};
inline constexpr struct sign_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } sign{};
inline constexpr struct floor_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } floor{};
inline constexpr struct ceil_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } ceil{};
// How lax::round breaks ties (jax.lax.RoundingMethod).
enum class RoundingMethod { away_from_zero, to_nearest_even };
// To the nearest integer; halves away from zero by default, as JAX's (jnp::round rounds them to even).
inline constexpr struct round_function {
  Array operator()(const Array& x, RoundingMethod rounding_method = RoundingMethod::away_from_zero,
                   Loc loc = Loc::current()) const;
  Array operator()(const Array& x, Loc loc) const { return (*this)(x, RoundingMethod::away_from_zero, loc); }
} round{};
inline constexpr struct is_finite_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} is_finite{};
inline constexpr struct bitwise_not_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;  // lax.not: logical on bool
} bitwise_not{};
inline constexpr struct exp_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } exp{};
inline constexpr struct exp2_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } exp2{};
inline constexpr struct expm1_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } expm1{};
inline constexpr struct log_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } log{};
inline constexpr struct log1p_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } log1p{};
inline constexpr struct log2_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } log2{};
inline constexpr struct log10_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } log10{};
inline constexpr struct sqrt_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } sqrt{};
inline constexpr struct rsqrt_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } rsqrt{};
inline constexpr struct cbrt_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } cbrt{};
inline constexpr struct square_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } square{};
inline constexpr struct reciprocal_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} reciprocal{};
inline constexpr struct sin_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } sin{};
inline constexpr struct cos_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } cos{};
inline constexpr struct tan_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } tan{};
inline constexpr struct asin_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } asin{};
inline constexpr struct acos_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } acos{};
inline constexpr struct atan_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } atan{};
inline constexpr struct sinh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } sinh{};
inline constexpr struct cosh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } cosh{};
inline constexpr struct tanh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } tanh{};
inline constexpr struct asinh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } asinh{};
inline constexpr struct acosh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } acosh{};
inline constexpr struct atanh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } atanh{};
inline constexpr struct logistic_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} logistic{};
inline constexpr struct erf_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } erf{};
inline constexpr struct erfc_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } erfc{};
inline constexpr struct erf_inv_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} erf_inv{};
inline constexpr struct lgamma_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } lgamma{};
// The parts of a complex array, its conjugate, and a complex array from its parts (lax.complex: two
// float32 give a complex64, two float64 a complex128). real, imag and conj take complex arrays only.
inline constexpr struct real_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } real{};
inline constexpr struct imag_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } imag{};
inline constexpr struct conj_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } conj{};
inline constexpr struct complex_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} complex{};

inline constexpr struct add_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} add{};
inline constexpr struct sub_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} sub{};
inline constexpr struct mul_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} mul{};
// Integer division by zero follows XLA, as JAX's lax does: div(x, 0) is -1 and rem(x, 0) is x.
// jnp::floor_divide, remainder and % follow NumPy instead (remainder(x, 0) is 0); see jx/numpy.h.
inline constexpr struct div_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;  // integers round toward zero
} div{};
inline constexpr struct rem_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;  // sign of the dividend
} rem{};
inline constexpr struct pow_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} pow{};
inline constexpr struct max_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} max{};
inline constexpr struct min_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} min{};
inline constexpr struct atan2_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} atan2{};
inline constexpr struct nextafter_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} nextafter{};
inline constexpr struct bitwise_and_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} bitwise_and{};
inline constexpr struct bitwise_or_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} bitwise_or{};
inline constexpr struct bitwise_xor_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} bitwise_xor{};
inline constexpr struct shift_left_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} shift_left{};
inline constexpr struct shift_right_logical_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} shift_right_logical{};
inline constexpr struct shift_right_arithmetic_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} shift_right_arithmetic{};
inline constexpr struct eq_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} eq{};
inline constexpr struct ne_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} ne{};
inline constexpr struct lt_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} lt{};
inline constexpr struct le_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} le{};
inline constexpr struct gt_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} gt{};
inline constexpr struct ge_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} ge{};
inline constexpr struct integer_pow_function {
  Array operator()(const Array& x, int y, Loc loc = Loc::current()) const;
} integer_pow{};
inline constexpr struct convert_element_type_function {
  Array operator()(const Array& x, DType new_dtype, Loc loc = Loc::current()) const;
} convert_element_type{};
// pred ? on_true : on_false, elementwise (pred bool, a scalar or the cases' shape).
inline constexpr struct select_function {
  Array operator()(const Array& pred, const Array& on_true, const Array& on_false, Loc loc = Loc::current()) const;
} select{};
inline constexpr struct clamp_function {
  Array operator()(const Array& low, const Array& x, const Array& high, Loc loc = Loc::current()) const;
} clamp{};
// Identity whose derivative is zero.
inline constexpr struct stop_gradient_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} stop_gradient{};

// --- Shapes -------------------------------------------------------------------------------------
inline constexpr struct broadcast_in_dim_function {
  Array operator()(const Array& x, const Shape& shape, const std::vector<int>& broadcast_dimensions,
                   Loc loc = Loc::current()) const;
} broadcast_in_dim{};
inline constexpr struct reshape_function {
  Array operator()(const Array& x, const Shape& new_sizes, Loc loc = Loc::current()) const;
} reshape{};
inline constexpr struct transpose_function {
  Array operator()(const Array& x, const std::vector<int>& permutation, Loc loc = Loc::current()) const;
} transpose{};
inline constexpr struct squeeze_function {
  Array operator()(const Array& x, const std::vector<int>& dimensions, Loc loc = Loc::current()) const;
} squeeze{};
inline constexpr struct expand_dims_function {
  Array operator()(const Array& x, const std::vector<int>& dimensions, Loc loc = Loc::current()) const;
} expand_dims{};
inline constexpr struct rev_function {
  Array operator()(const Array& x, const std::vector<int>& dimensions, Loc loc = Loc::current()) const;
} rev{};
inline constexpr struct slice_function {
  Array operator()(const Array& x, const std::vector<std::int64_t>& start, const std::vector<std::int64_t>& limit,
                   const std::vector<std::int64_t>& strides = {}, Loc loc = Loc::current()) const;
} slice{};
inline constexpr struct slice_in_dim_function {
  Array operator()(const Array& x, std::int64_t start, std::int64_t limit, std::int64_t stride, int axis,
                   Loc loc = Loc::current()) const;
} slice_in_dim{};
// Start indices are integer scalars (traced or not), clamped so the window fits.
inline constexpr struct dynamic_slice_function {
  Array operator()(const Array& x, const std::vector<Array>& start_indices, const Shape& sizes,
                   Loc loc = Loc::current()) const;
} dynamic_slice{};
inline constexpr struct dynamic_update_slice_function {
  Array operator()(const Array& x, const Array& update, const std::vector<Array>& start_indices,
                   Loc loc = Loc::current()) const;
} dynamic_update_slice{};
struct PadConfig {
  std::int64_t low = 0, high = 0, interior = 0;
};
inline constexpr struct pad_function {
  Array operator()(const Array& x, const Array& padding_value, const std::vector<PadConfig>& config,
                   Loc loc = Loc::current()) const;
} pad{};
inline constexpr struct concatenate_function {
  Array operator()(const std::vector<Array>& arrays, int dimension, Loc loc = Loc::current()) const;
} concatenate{};
inline constexpr struct iota_function {
  Array operator()(DType dtype, std::int64_t size, Loc loc = Loc::current()) const;
} iota{};
inline constexpr struct broadcasted_iota_function {
  Array operator()(DType dtype, const Shape& shape, int dimension, Loc loc = Loc::current()) const;
} broadcasted_iota{};

// --- Reductions ---------------------------------------------------------------------------------
inline constexpr struct reduce_sum_function {
  Array operator()(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current()) const;
} reduce_sum{};
inline constexpr struct reduce_prod_function {
  Array operator()(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current()) const;
} reduce_prod{};
inline constexpr struct reduce_max_function {
  Array operator()(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current()) const;
} reduce_max{};
inline constexpr struct reduce_min_function {
  Array operator()(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current()) const;
} reduce_min{};
inline constexpr struct reduce_and_function {
  Array operator()(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current()) const;
} reduce_and{};
inline constexpr struct reduce_or_function {
  Array operator()(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current()) const;
} reduce_or{};
inline constexpr struct argmax_function {
  Array operator()(const Array& x, int axis, DType index_dtype, Loc loc = Loc::current()) const;
} argmax{};
inline constexpr struct argmin_function {
  Array operator()(const Array& x, int axis, DType index_dtype, Loc loc = Loc::current()) const;
} argmin{};
inline constexpr struct cumsum_function {
  Array operator()(const Array& x, int axis, bool reverse = false, Loc loc = Loc::current()) const;
} cumsum{};
inline constexpr struct cumprod_function {
  Array operator()(const Array& x, int axis, bool reverse = false, Loc loc = Loc::current()) const;
} cumprod{};
inline constexpr struct cummax_function {
  Array operator()(const Array& x, int axis, bool reverse = false, Loc loc = Loc::current()) const;
} cummax{};
inline constexpr struct cummin_function {
  Array operator()(const Array& x, int axis, bool reverse = false, Loc loc = Loc::current()) const;
} cummin{};

// --- Contractions, indexing, sorting ------------------------------------------------------------
struct DotDimensionNumbers {
  std::vector<int> lhs_contracting, rhs_contracting, lhs_batch, rhs_batch;
};
inline constexpr struct dot_general_function {
  Array operator()(const Array& lhs, const Array& rhs, const DotDimensionNumbers& dimension_numbers,
                   Loc loc = Loc::current()) const;
} dot_general{};
// take_along_axis with indices that may have size 1 on the other axes; out-of-range indices clamp.
inline constexpr struct gather_function {
  Array operator()(const Array& x, const Array& indices, int axis, Loc loc = Loc::current()) const;
} gather{};
// The inverse of gather: x with updates written at indices; out-of-range updates are dropped.
inline constexpr struct scatter_function {
  Array operator()(const Array& x, const Array& indices, const Array& updates, int axis, ScatterMode mode,
                   Loc loc = Loc::current()) const;
} scatter{};
inline constexpr struct sort_function {
  std::vector<Array> operator()(const std::vector<Array>& operands, int dimension, int num_keys = 1,
                                Loc loc = Loc::current()) const;
  Array operator()(const Array& x, int dimension = -1, Loc loc = Loc::current()) const;
} sort{};

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
inline constexpr struct padtype_to_pads_function {
  Padding::Pairs operator()(const Shape& in_shape, const Shape& window_shape,
                            const std::vector<std::int64_t>& window_strides, std::string_view padding,
                            Loc loc = Loc::current()) const;
} padtype_to_pads{};

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
inline constexpr struct conv_dimension_numbers_function {
  ConvDimensionNumbers operator()(const Shape& lhs_shape, const Shape& rhs_shape,
                                  const ConvDimensionNumbers& dimension_numbers, Loc loc = Loc::current()) const;
} conv_dimension_numbers{};

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
inline constexpr struct conv_general_dilated_function {
  Array operator()(const Array& lhs, const Array& rhs, const std::vector<std::int64_t>& window_strides,
                   const Padding& padding, const ConvOptions& options = {}, Loc loc = Loc::current()) const;
} conv_general_dilated{};
// jax.lax.conv: NCHW lhs, OIHW rhs, no dilation.
inline constexpr struct conv_function {
  Array operator()(const Array& lhs, const Array& rhs, const std::vector<std::int64_t>& window_strides,
                   const Padding& padding, Loc loc = Loc::current()) const;
} conv{};

struct ReduceWindowOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::vector<std::int64_t> base_dilation = {};    // empty: ones
  std::vector<std::int64_t> window_dilation = {};  // empty: ones
};
// The reduction of a reduce_window: lax::add, lax::max or lax::min, the monoids XLA knows (any other
// function does not compile).
class ReduceComputation {
 public:
  enum class Monoid { sum, maximum, minimum };
  ReduceComputation(const add_function& /*add*/) : monoid_(Monoid::sum) {}      // NOLINT(google-explicit-constructor)
  ReduceComputation(const max_function& /*max*/) : monoid_(Monoid::maximum) {}  // NOLINT(google-explicit-constructor)
  ReduceComputation(const min_function& /*min*/) : monoid_(Monoid::minimum) {}  // NOLINT(google-explicit-constructor)
  Monoid monoid() const { return monoid_; }

 private:
  Monoid monoid_;
};
// jax.lax.reduce_window: `init_value` is the computation's identity (0, -inf, +inf; for integers their
// lowest and highest values); a max or min with another init value also clamps the result by it. One
// window axis per operand axis. Padded elements take the identity. Differentiable to any order: max
// and min pass the tangent of the first extreme element of each window (select_and_gather_add), whose
// transpose scatters it back.
inline constexpr struct reduce_window_function {
  Array operator()(const Array& x, double init_value, ReduceComputation computation, const Shape& window_dimensions,
                   const std::vector<std::int64_t>& window_strides, const Padding& padding,
                   const ReduceWindowOptions& options = {}, Loc loc = Loc::current()) const;
} reduce_window{};
inline constexpr struct reduce_window_sum_function {
  Array operator()(const Array& x, const Shape& window_dimensions, const std::vector<std::int64_t>& window_strides,
                   const Padding& padding, const ReduceWindowOptions& options = {}, Loc loc = Loc::current()) const;
} reduce_window_sum{};
inline constexpr struct reduce_window_max_function {
  Array operator()(const Array& x, const Shape& window_dimensions, const std::vector<std::int64_t>& window_strides,
                   const Padding& padding, const ReduceWindowOptions& options = {}, Loc loc = Loc::current()) const;
} reduce_window_max{};
inline constexpr struct reduce_window_min_function {
  Array operator()(const Array& x, const Shape& window_dimensions, const std::vector<std::int64_t>& window_strides,
                   const Padding& padding, const ReduceWindowOptions& options = {}, Loc loc = Loc::current()) const;
} reduce_window_min{};
// ==== end of the convolution section ==============================================================

}  // namespace jx::lax

// The rest of jax.lax, one header per family (each can also be included on its own). Three are not
// included here, because they bring pytrees or transformations into every file that includes lax.h:
// jx/lax/reductions.h (reduce with a user computation), jx/lax/scans.h (associative_scan,
// cumlogsumexp) and jx/lax/solves.h (custom_root, custom_linear_solve).
#include "jx/lax/convolution_helpers.h"
#include "jx/lax/numeric.h"
#include "jx/lax/ragged.h"
#include "jx/lax/random_bits.h"
#include "jx/lax/shaping.h"
#include "jx/lax/sorting.h"
