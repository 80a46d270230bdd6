// jx/numpy.h — jx::numpy, NumPy's API with JAX's semantics (jax.numpy).
//
// Functions promote their operands with JAX's type rules and broadcast them with NumPy's, then bind
// jx::lax primitives: on concrete arrays they run now, under jit/grad/vmap they are traced.
// Optional arguments follow one convention: what JAX passes positionally stays positional
// (`sum(x, 0)`, `concatenate(arrays, 0)`), the keyword options are a struct filled with designated
// initializers named as NumPy names them (`sum(x, {.axis = 1, .keepdims = true})`).
//
//   namespace jnp = jx::numpy;
//   auto x = jnp::linspace(0.0f, 1.0f, 5);
//   auto y = jnp::where(x > 0.5f, jnp::sin(x), 0.0f);
//   auto m = jnp::mean(jnp::reshape(jnp::arange(6), {2, 3}), {.axis = 0, .keepdims = true});
//   auto dtanh = jx::grad(jnp::tanh);               // functions are passed by name, as in JAX
//
// Each function is an object of its own type (`inline constexpr struct tanh_function {...} tanh{};`),
// as std::ranges' algorithms are: a C++ function with overloads or defaulted parameters has no single
// address, and these have both, since every call operator ends with a defaulted std::source_location
// that names the caller's line in error messages. The same holds for jx::lax, jx::nn, jx::random and
// jx::scipy.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <numbers>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/reduction_options.h"

namespace jx {
namespace numpy {

using Loc = std::source_location;
using jx::bfloat16, jx::bool_, jx::complex64, jx::complex128, jx::float16, jx::float32, jx::float64, jx::int8,
    jx::int16, jx::int32, jx::int64, jx::uint8, jx::uint16, jx::uint32, jx::uint64;

// jnp.pi, jnp.e, jnp.euler_gamma, jnp.inf, jnp.nan and jnp.newaxis: C++ doubles (weakly typed when they
// meet an array, as Python floats are) and jx::newaxis.
inline constexpr double pi = std::numbers::pi;
inline constexpr double e = std::numbers::e;
inline constexpr double euler_gamma = std::numbers::egamma;
inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();
using jx::newaxis;

// --- Creation -----------------------------------------------------------------------------------

// A C++ scalar as a 0-d array: weakly typed like a Python scalar, unless a dtype is given.
inline constexpr struct array_function {
  template <Scalar T>
  Array operator()(T value, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
  // From a flat list of values and a shape ({} for a scalar).
  template <Scalar T>
  Array operator()(std::span<const T> values, const Shape& shape, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
  template <Scalar T>
  Array operator()(const std::vector<T>& values, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const {
    return (*this)(std::span<const T>(values), Shape{static_cast<std::int64_t>(values.size())}, dtype, loc);
  }
  template <Scalar T>
  Array operator()(const std::vector<T>& values, const Shape& shape, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const {
    return (*this)(std::span<const T>(values), shape, dtype, loc);
  }
  // Nested lists: array({1, 2, 3}), array({{1, 2}, {3, 4}}), array({{{1}, {2}}}).
  template <Scalar T>
  Array operator()(std::initializer_list<T> values, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const {
    return (*this)(std::span<const T>(values.begin(), values.size()), Shape{static_cast<std::int64_t>(values.size())},
                   dtype, loc);
  }
  template <Scalar T>
  Array operator()(std::initializer_list<std::initializer_list<T>> rows, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
  template <Scalar T>
  Array operator()(std::initializer_list<std::initializer_list<std::initializer_list<T>>> blocks,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
  // A copy of x (optionally converted), as jnp.array(x).
  Array operator()(const Array& x, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
  // A list of arrays (traced or not) stacked along a new first axis, their dtypes promoted together:
  // jnp.array([x, y]), strongly typed. array({x, 1.0f}) mixes arrays and C++ scalars as JAX does.
  Array operator()(std::initializer_list<Array> elements, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
  Array operator()(const std::vector<Array>& elements, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} array{};
// x itself when it already has the dtype, as jnp.asarray.
inline constexpr struct asarray_function {
  Array operator()(const Array& x, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} asarray{};
inline constexpr struct astype_function {
  Array operator()(const Array& x, DType dtype, Loc loc = Loc::current()) const;
} astype{};

inline constexpr struct zeros_function {
  Array operator()(const Shape& shape, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} zeros{};
inline constexpr struct ones_function {
  Array operator()(const Shape& shape, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} ones{};
inline constexpr struct full_function {
  Array operator()(const Shape& shape, const Array& fill_value, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} full{};
inline constexpr struct zeros_like_function {
  Array operator()(const Array& x, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} zeros_like{};
inline constexpr struct ones_like_function {
  Array operator()(const Array& x, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} ones_like{};
inline constexpr struct full_like_function {
  Array operator()(const Array& x, const Array& fill_value, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} full_like{};
// arange(stop), arange(start, stop[, step]); the dtype follows the arguments (the default int type
// unless a floating-point argument is passed), as in NumPy.
Array arange_impl(double start, double stop, double step, bool floating, std::optional<DType> dtype, Loc loc);
inline constexpr struct arange_function {
  template <Scalar T>
  Array operator()(T stop, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const {
    return arange_impl(0, static_cast<double>(stop), 1, std::is_floating_point_v<T>, dtype, loc);
  }
  template <Scalar T, Scalar U, Scalar V = int>
  Array operator()(T start, U stop, V step = 1, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const {
    constexpr bool floating = std::is_floating_point_v<T> || std::is_floating_point_v<U> || std::is_floating_point_v<V>;
    return arange_impl(static_cast<double>(start), static_cast<double>(stop), static_cast<double>(step), floating,
                       dtype, loc);
  }
} arange{};
struct LinspaceOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool endpoint = true;
  std::optional<DType> dtype = std::nullopt;
};
inline constexpr struct linspace_function {
  Array operator()(double start, double stop, std::int64_t num = 50, LinspaceOptions options = {},
                   Loc loc = Loc::current()) const;
} linspace{};
inline constexpr struct eye_function {
  Array operator()(std::int64_t n, std::optional<std::int64_t> m = std::nullopt, std::int64_t k = 0,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} eye{};
inline constexpr struct identity_function {
  Array operator()(std::int64_t n, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} identity{};

// --- Elementwise --------------------------------------------------------------------------------
inline constexpr struct add_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} add{};
inline constexpr struct subtract_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} subtract{};
inline constexpr struct multiply_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} multiply{};
inline constexpr struct divide_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;  // true division: ints give floats
} divide{};
inline constexpr struct true_divide_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} true_divide{};
inline constexpr struct floor_divide_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} floor_divide{};
// Integer remainders by zero are 0 here, as NumPy gives them (remainder, mod, fmod and %); the
// primitive lax::rem(x, 0) is x instead, as XLA defines it (jx/lax.h).
inline constexpr struct remainder_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;  // sign of the divisor
} remainder{};
inline constexpr struct mod_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} mod{};
inline constexpr struct fmod_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;  // sign of the dividend
} fmod{};
inline constexpr struct power_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} power{};
inline constexpr struct maximum_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} maximum{};
inline constexpr struct minimum_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} minimum{};
inline constexpr struct arctan2_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} arctan2{};
inline constexpr struct logaddexp_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} logaddexp{};
inline constexpr struct negative_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} negative{};
inline constexpr struct positive_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} positive{};
inline constexpr struct square_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } square{};
inline constexpr struct sqrt_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } sqrt{};
inline constexpr struct cbrt_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } cbrt{};
inline constexpr struct reciprocal_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} reciprocal{};
inline constexpr struct exp_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } exp{};
inline constexpr struct exp2_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } exp2{};
inline constexpr struct expm1_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } expm1{};
inline constexpr struct log_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } log{};
inline constexpr struct log1p_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } log1p{};
inline constexpr struct log2_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } log2{};
inline constexpr struct log10_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } log10{};
inline constexpr struct sin_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } sin{};
inline constexpr struct cos_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } cos{};
inline constexpr struct tan_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } tan{};
inline constexpr struct arcsin_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } arcsin{};
inline constexpr struct arccos_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } arccos{};
inline constexpr struct arctan_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } arctan{};
inline constexpr struct sinh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } sinh{};
inline constexpr struct cosh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } cosh{};
inline constexpr struct tanh_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } tanh{};
inline constexpr struct arcsinh_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} arcsinh{};
inline constexpr struct arccosh_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} arccosh{};
inline constexpr struct arctanh_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} arctanh{};
inline constexpr struct abs_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } abs{};
inline constexpr struct absolute_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} absolute{};
inline constexpr struct sign_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } sign{};
inline constexpr struct floor_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } floor{};
inline constexpr struct ceil_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } ceil{};
inline constexpr struct round_function {
  Array operator()(const Array& x, int decimals = 0, Loc loc = Loc::current()) const;  // half to even
} round{};
inline constexpr struct clip_function {
  Array operator()(const Array& x, std::optional<Array> low, std::optional<Array> high, Loc loc = Loc::current()) const;
} clip{};
inline constexpr struct where_function {
  Array operator()(const Array& condition, const Array& x, const Array& y, Loc loc = Loc::current()) const;
} where{};
inline constexpr struct equal_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} equal{};
inline constexpr struct not_equal_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} not_equal{};
inline constexpr struct less_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} less{};
inline constexpr struct less_equal_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} less_equal{};
inline constexpr struct greater_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} greater{};
inline constexpr struct greater_equal_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} greater_equal{};
inline constexpr struct logical_and_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} logical_and{};
inline constexpr struct logical_or_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} logical_or{};
inline constexpr struct logical_xor_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} logical_xor{};
inline constexpr struct logical_not_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} logical_not{};
inline constexpr struct bitwise_and_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} bitwise_and{};
inline constexpr struct bitwise_or_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} bitwise_or{};
inline constexpr struct bitwise_xor_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} bitwise_xor{};
inline constexpr struct invert_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } invert{};
inline constexpr struct left_shift_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} left_shift{};
inline constexpr struct right_shift_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} right_shift{};
inline constexpr struct isnan_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } isnan{};
inline constexpr struct isinf_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } isinf{};
inline constexpr struct isfinite_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} isfinite{};
struct CloseOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  double rtol = 1e-05;
  double atol = 1e-08;
  bool equal_nan = false;
};
// |x - y| <= atol + rtol * |y| elementwise, an infinity close only to itself (jnp.isclose).
// The parts and the conjugate of complex arrays (a real array is its own real part and conjugate,
// and has zero imaginary part), its angle atan2(imag, real) in radians (degrees with deg), and
// which elements (iscomplex, isreal) or arrays (iscomplexobj, isrealobj) are complex.
inline constexpr struct real_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } real{};
inline constexpr struct imag_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } imag{};
inline constexpr struct conjugate_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} conjugate{};
inline constexpr struct conj_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } conj{};
inline constexpr struct angle_function {
  Array operator()(const Array& x, bool deg = false, Loc loc = Loc::current()) const;
} angle{};
inline constexpr struct iscomplex_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} iscomplex{};
inline constexpr struct isreal_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } isreal{};
bool iscomplexobj(const Array& x);
bool isrealobj(const Array& x);
inline constexpr struct isclose_function {
  Array operator()(const Array& x, const Array& y, CloseOptions options = {}, Loc loc = Loc::current()) const;
} isclose{};
// Whether the arrays have the same shape and equal elements: a bool scalar (jnp.array_equal).
inline constexpr struct array_equal_function {
  Array operator()(const Array& x, const Array& y, bool equal_nan = false, Loc loc = Loc::current()) const;
} array_equal{};
// Whether every pair of elements is close: a bool scalar (jnp.allclose).
inline constexpr struct allclose_function {
  Array operator()(const Array& x, const Array& y, CloseOptions options = {}, Loc loc = Loc::current()) const;
} allclose{};

// --- Reductions ---------------------------------------------------------------------------------
// The options structs (ReduceOptions, ArgReduceOptions, CumulativeOptions, DiagonalOptions) are in
// jx/core/reduction_options.h, shared with the jax.Array methods.

// sum(x), sum(x, 0), sum(x, {0, 1}), sum(x, {.axis = 1, .keepdims = true}). The axis list is a
// template so that a designated list can never be read as a list of axes.
#define JX_DECLARE_REDUCTION(name)                                                                          \
  inline constexpr struct name##_function {                                                                 \
    Array operator()(const Array& x, ReduceOptions options = {}, Loc loc = Loc::current()) const;           \
    Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const;                             \
    template <std::same_as<int> T>                                                                          \
    Array operator()(const Array& x, std::initializer_list<T> axes, Loc loc = Loc::current()) const {       \
      return (*this)(x, ReduceOptions{.axis = Axes(std::span<const int>(axes.begin(), axes.size()))}, loc); \
    }                                                                                                       \
  } name{};
JX_DECLARE_REDUCTION(sum)
JX_DECLARE_REDUCTION(prod)
JX_DECLARE_REDUCTION(mean)
JX_DECLARE_REDUCTION(max)
JX_DECLARE_REDUCTION(min)
JX_DECLARE_REDUCTION(amax)
JX_DECLARE_REDUCTION(amin)
JX_DECLARE_REDUCTION(any)
JX_DECLARE_REDUCTION(all)
JX_DECLARE_REDUCTION(var)
JX_DECLARE_REDUCTION(std)
#undef JX_DECLARE_REDUCTION

inline constexpr struct argmax_function {
  Array operator()(const Array& x, ArgReduceOptions options = {}, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const;
} argmax{};
inline constexpr struct argmin_function {
  Array operator()(const Array& x, ArgReduceOptions options = {}, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const;
} argmin{};

inline constexpr struct cumsum_function {
  Array operator()(const Array& x, CumulativeOptions options = {}, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const;
} cumsum{};
inline constexpr struct cumprod_function {
  Array operator()(const Array& x, CumulativeOptions options = {}, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const;
} cumprod{};

// --- Shapes -------------------------------------------------------------------------------------
inline constexpr struct reshape_function {
  Array operator()(const Array& x, const Shape& shape, Loc loc = Loc::current()) const;  // one -1 is inferred
} reshape{};
inline constexpr struct ravel_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } ravel{};
inline constexpr struct transpose_function {
  Array operator()(const Array& x, std::optional<std::vector<int>> axes = std::nullopt, Loc loc = Loc::current()) const;
} transpose{};
inline constexpr struct swapaxes_function {
  Array operator()(const Array& x, int axis1, int axis2, Loc loc = Loc::current()) const;
} swapaxes{};
inline constexpr struct moveaxis_function {
  Array operator()(const Array& x, int source, int destination, Loc loc = Loc::current()) const;
} moveaxis{};
inline constexpr struct expand_dims_function {
  Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, std::initializer_list<int> axes, Loc loc = Loc::current()) const;
} expand_dims{};
inline constexpr struct squeeze_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, int axis, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, std::initializer_list<int> axes, Loc loc = Loc::current()) const;
} squeeze{};
inline constexpr struct broadcast_to_function {
  Array operator()(const Array& x, const Shape& shape, Loc loc = Loc::current()) const;
} broadcast_to{};
inline constexpr struct broadcast_arrays_function {
  std::vector<Array> operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} broadcast_arrays{};
inline constexpr struct broadcast_shapes_function {
  Shape operator()(const Shape& a, const Shape& b, Loc loc = Loc::current()) const;
} broadcast_shapes{};
inline constexpr struct concatenate_function {
  Array operator()(const std::vector<Array>& arrays, int axis = 0, Loc loc = Loc::current()) const;
} concatenate{};
inline constexpr struct stack_function {
  Array operator()(const std::vector<Array>& arrays, int axis = 0, Loc loc = Loc::current()) const;
} stack{};
inline constexpr struct hstack_function {
  Array operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} hstack{};
inline constexpr struct vstack_function {
  Array operator()(const std::vector<Array>& arrays, Loc loc = Loc::current()) const;
} vstack{};
// split(x, n): n equal parts; split(x, {i, j}): at those indices.
std::vector<Array> split(const Array& x, std::int64_t sections, int axis = 0, Loc loc = Loc::current());
std::vector<Array> split(const Array& x, const std::vector<std::int64_t>& indices, int axis = 0,
                         Loc loc = Loc::current());
inline constexpr struct tile_function {
  Array operator()(const Array& x, const std::vector<std::int64_t>& reps, Loc loc = Loc::current()) const;
} tile{};
inline constexpr struct repeat_function {
  Array operator()(const Array& x, std::int64_t repeats, std::optional<int> axis = std::nullopt,
                   Loc loc = Loc::current()) const;
} repeat{};
inline constexpr struct flip_function {
  Array operator()(const Array& x, std::optional<int> axis = std::nullopt, Loc loc = Loc::current()) const;
} flip{};
struct PadOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Array> constant_values = std::nullopt;  // 0 when absent
};
// pad_width: one (before, after) per axis, or a single pair for all axes. Constant mode.
inline constexpr struct pad_function {
  Array operator()(const Array& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pad_width,
                   PadOptions options = {}, Loc loc = Loc::current()) const;
  Array operator()(const Array& x, std::int64_t pad_width, PadOptions options = {}, Loc loc = Loc::current()) const;
} pad{};

// --- Indexing and sorting ------------------------------------------------------------------------
// Negative indices count from the end. Indices still out of range follow options.mode (IndexingOptions
// in jx/core/array.h): by default, as in JAX, they read fill_value — NaN for floats:
// take(arange(10.0f), array({20})) is [nan]; {.mode = "clip"} clamps, {.mode = "wrap"} wraps (take).
inline constexpr struct take_function {
  Array operator()(const Array& x, const Array& indices, std::optional<int> axis = std::nullopt,
                   IndexingOptions options = {}, Loc loc = Loc::current()) const;
} take{};
inline constexpr struct take_along_axis_function {
  Array operator()(const Array& x, const Array& indices, int axis, IndexingOptions options = {},
                   Loc loc = Loc::current()) const;
} take_along_axis{};
inline constexpr struct sort_function {
  Array operator()(const Array& x, int axis = -1, Loc loc = Loc::current()) const;
} sort{};
inline constexpr struct argsort_function {
  Array operator()(const Array& x, int axis = -1, Loc loc = Loc::current()) const;
} argsort{};

// --- Linear algebra -----------------------------------------------------------------------------
inline constexpr struct matmul_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} matmul{};
inline constexpr struct dot_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} dot{};
inline constexpr struct vdot_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} vdot{};
inline constexpr struct inner_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} inner{};
inline constexpr struct outer_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} outer{};
// jnp.tensordot: sums over the last `axes` axes of a and the first `axes` of b (2 by default; 0 is the
// outer product), or over the axes listed for each (negative ones count from the end). The result's
// axes are a's remaining ones, then b's.
inline constexpr struct tensordot_function {
  Array operator()(const Array& a, const Array& b, int axes = 2, Loc loc = Loc::current()) const;
  Array operator()(const Array& a, const Array& b, const std::pair<std::vector<int>, std::vector<int>>& axes,
                   Loc loc = Loc::current()) const;
} tensordot{};
// Discrete linear convolution and cross-correlation of two 1-D arrays (jnp.convolve, jnp.correlate),
// mode "full", "same" or "valid" (NumPy's defaults: "full" and "valid"). Integer and bool inputs are
// promoted to floats, as NumPy's convolutions do; computed by lax::conv_general_dilated.
inline constexpr struct convolve_function {
  Array operator()(const Array& a, const Array& v, std::string_view mode = "full", Loc loc = Loc::current()) const;
} convolve{};
inline constexpr struct correlate_function {
  Array operator()(const Array& a, const Array& v, std::string_view mode = "valid", Loc loc = Loc::current()) const;
} correlate{};

// --- Triangles and diagonals --------------------------------------------------------------------
// The lower (upper) triangle of the last two axes: entries with column - row <= k (>= k) kept, the
// rest zero (jnp.tril, jnp.triu).
inline constexpr struct tril_function {
  Array operator()(const Array& x, int k = 0, Loc loc = Loc::current()) const;
} tril{};
inline constexpr struct triu_function {
  Array operator()(const Array& x, int k = 0, Loc loc = Loc::current()) const;
} triu{};
// The diagonal of the (axis1, axis2) planes, as a new last axis (jnp.diagonal).
inline constexpr struct diagonal_function {
  Array operator()(const Array& x, DiagonalOptions options = {}, Loc loc = Loc::current()) const;
} diagonal{};
// The sum of that diagonal (jnp.trace), with jnp.sum's dtype rule.
inline constexpr struct trace_function {
  Array operator()(const Array& x, DiagonalOptions options = {}, Loc loc = Loc::current()) const;
} trace{};
// The last two axes swapped (jnp.matrix_transpose).
inline constexpr struct matrix_transpose_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} matrix_transpose{};
// sum(conj(x) * y) over `axis`, broadcasting the others (jnp.vecdot).
inline constexpr struct vecdot_function {
  Array operator()(const Array& x, const Array& y, int axis = -1, Loc loc = Loc::current()) const;
} vecdot{};
// The cross product of 3-vectors (or 2-vectors, giving the z component) along the last axis
// (jnp.cross with axisa = axisb = axisc = axis).
inline constexpr struct cross_function {
  Array operator()(const Array& a, const Array& b, int axis = -1, Loc loc = Loc::current()) const;
} cross{};

}  // namespace numpy
}  // namespace jx

// The rest of jax.numpy, one header per family (each can also be included on its own). jx/numpy/dtypes.h
// (finfo, iinfo, result_type, can_cast, issubdtype, isdtype) is not included: its category names
// (number, integer, floating, ...) are words that would clash with names in user code.
#include "jx/numpy/einsum.h"
#include "jx/numpy/grids.h"
#include "jx/numpy/math.h"
#include "jx/numpy/polynomials.h"
#include "jx/numpy/printing.h"
#include "jx/numpy/selection.h"
#include "jx/numpy/sets.h"
#include "jx/numpy/shaping.h"
#include "jx/numpy/statistics.h"
#include "jx/numpy/vectorize.h"
#include "jx/numpy/windows.h"
