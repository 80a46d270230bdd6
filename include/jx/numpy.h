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
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <vector>

#include "jx/core/array.h"

namespace jx {
namespace detail {
// The first member of every options struct: it cannot be initialized from a value, so a positional
// brace list like {0, 1} never binds to an options struct — only designated initializers do.
struct KeywordsOnly {
  explicit KeywordsOnly() = default;
};
}  // namespace detail

namespace numpy {

using Loc = std::source_location;
using jx::bfloat16, jx::bool_, jx::float16, jx::float32, jx::float64, jx::int8, jx::int16, jx::int32, jx::int64,
    jx::uint8, jx::uint16, jx::uint32, jx::uint64;

// --- Creation -----------------------------------------------------------------------------------

// A C++ scalar as a 0-d array: weakly typed like a Python scalar, unless a dtype is given.
template <Scalar T>
Array array(T value, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
// From a flat list of values and a shape ({} for a scalar).
template <Scalar T>
Array array(std::span<const T> values, const Shape& shape, std::optional<DType> dtype = std::nullopt,
            Loc loc = Loc::current());
template <Scalar T>
Array array(const std::vector<T>& values, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) {
  return array(std::span<const T>(values), Shape{static_cast<std::int64_t>(values.size())}, dtype, loc);
}
template <Scalar T>
Array array(const std::vector<T>& values, const Shape& shape, std::optional<DType> dtype = std::nullopt,
            Loc loc = Loc::current()) {
  return array(std::span<const T>(values), shape, dtype, loc);
}
// Nested lists: array({1, 2, 3}), array({{1, 2}, {3, 4}}), array({{{1}, {2}}}).
template <Scalar T>
Array array(std::initializer_list<T> values, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) {
  return array(std::span<const T>(values.begin(), values.size()), Shape{static_cast<std::int64_t>(values.size())},
               dtype, loc);
}
template <Scalar T>
Array array(std::initializer_list<std::initializer_list<T>> rows, std::optional<DType> dtype = std::nullopt,
            Loc loc = Loc::current());
template <Scalar T>
Array array(std::initializer_list<std::initializer_list<std::initializer_list<T>>> blocks,
            std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
// A copy of x (optionally converted), as jnp.array(x).
Array array(const Array& x, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
// x itself when it already has the dtype, as jnp.asarray.
Array asarray(const Array& x, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
Array astype(const Array& x, DType dtype, Loc loc = Loc::current());

Array zeros(const Shape& shape, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
Array ones(const Shape& shape, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
Array full(const Shape& shape, const Array& fill_value, std::optional<DType> dtype = std::nullopt,
           Loc loc = Loc::current());
Array zeros_like(const Array& x, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
Array ones_like(const Array& x, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
Array full_like(const Array& x, const Array& fill_value, std::optional<DType> dtype = std::nullopt,
                Loc loc = Loc::current());
// arange(stop), arange(start, stop[, step]); the dtype follows the arguments (the default int type
// unless a floating-point argument is passed), as in NumPy.
Array arange_impl(double start, double stop, double step, bool floating, std::optional<DType> dtype, Loc loc);
template <Scalar T>
Array arange(T stop, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) {
  return arange_impl(0, static_cast<double>(stop), 1, std::is_floating_point_v<T>, dtype, loc);
}
template <Scalar T, Scalar U, Scalar V = int>
Array arange(T start, U stop, V step = 1, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) {
  constexpr bool floating = std::is_floating_point_v<T> || std::is_floating_point_v<U> || std::is_floating_point_v<V>;
  return arange_impl(static_cast<double>(start), static_cast<double>(stop), static_cast<double>(step), floating, dtype,
                     loc);
}
struct LinspaceOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool endpoint = true;
  std::optional<DType> dtype = std::nullopt;
};
Array linspace(double start, double stop, std::int64_t num = 50, LinspaceOptions options = {},
               Loc loc = Loc::current());
Array eye(std::int64_t n, std::optional<std::int64_t> m = std::nullopt, std::int64_t k = 0,
          std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
Array identity(std::int64_t n, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());

// --- Elementwise --------------------------------------------------------------------------------
Array add(const Array& x, const Array& y, Loc loc = Loc::current());
Array subtract(const Array& x, const Array& y, Loc loc = Loc::current());
Array multiply(const Array& x, const Array& y, Loc loc = Loc::current());
Array divide(const Array& x, const Array& y, Loc loc = Loc::current());  // true division: ints give floats
Array true_divide(const Array& x, const Array& y, Loc loc = Loc::current());
Array floor_divide(const Array& x, const Array& y, Loc loc = Loc::current());
Array remainder(const Array& x, const Array& y, Loc loc = Loc::current());  // sign of the divisor
Array mod(const Array& x, const Array& y, Loc loc = Loc::current());
Array fmod(const Array& x, const Array& y, Loc loc = Loc::current());  // sign of the dividend
Array power(const Array& x, const Array& y, Loc loc = Loc::current());
Array maximum(const Array& x, const Array& y, Loc loc = Loc::current());
Array minimum(const Array& x, const Array& y, Loc loc = Loc::current());
Array arctan2(const Array& x, const Array& y, Loc loc = Loc::current());
Array logaddexp(const Array& x, const Array& y, Loc loc = Loc::current());
Array negative(const Array& x, Loc loc = Loc::current());
Array positive(const Array& x, Loc loc = Loc::current());
Array square(const Array& x, Loc loc = Loc::current());
Array sqrt(const Array& x, Loc loc = Loc::current());
Array cbrt(const Array& x, Loc loc = Loc::current());
Array reciprocal(const Array& x, Loc loc = Loc::current());
Array exp(const Array& x, Loc loc = Loc::current());
Array exp2(const Array& x, Loc loc = Loc::current());
Array expm1(const Array& x, Loc loc = Loc::current());
Array log(const Array& x, Loc loc = Loc::current());
Array log1p(const Array& x, Loc loc = Loc::current());
Array log2(const Array& x, Loc loc = Loc::current());
Array log10(const Array& x, Loc loc = Loc::current());
Array sin(const Array& x, Loc loc = Loc::current());
Array cos(const Array& x, Loc loc = Loc::current());
Array tan(const Array& x, Loc loc = Loc::current());
Array arcsin(const Array& x, Loc loc = Loc::current());
Array arccos(const Array& x, Loc loc = Loc::current());
Array arctan(const Array& x, Loc loc = Loc::current());
Array sinh(const Array& x, Loc loc = Loc::current());
Array cosh(const Array& x, Loc loc = Loc::current());
Array tanh(const Array& x, Loc loc = Loc::current());
Array arcsinh(const Array& x, Loc loc = Loc::current());
Array arccosh(const Array& x, Loc loc = Loc::current());
Array arctanh(const Array& x, Loc loc = Loc::current());
Array abs(const Array& x, Loc loc = Loc::current());
Array absolute(const Array& x, Loc loc = Loc::current());
Array sign(const Array& x, Loc loc = Loc::current());
Array floor(const Array& x, Loc loc = Loc::current());
Array ceil(const Array& x, Loc loc = Loc::current());
Array round(const Array& x, int decimals = 0, Loc loc = Loc::current());  // half to even
Array clip(const Array& x, std::optional<Array> min, std::optional<Array> max, Loc loc = Loc::current());
Array where(const Array& condition, const Array& x, const Array& y, Loc loc = Loc::current());
Array equal(const Array& x, const Array& y, Loc loc = Loc::current());
Array not_equal(const Array& x, const Array& y, Loc loc = Loc::current());
Array less(const Array& x, const Array& y, Loc loc = Loc::current());
Array less_equal(const Array& x, const Array& y, Loc loc = Loc::current());
Array greater(const Array& x, const Array& y, Loc loc = Loc::current());
Array greater_equal(const Array& x, const Array& y, Loc loc = Loc::current());
Array logical_and(const Array& x, const Array& y, Loc loc = Loc::current());
Array logical_or(const Array& x, const Array& y, Loc loc = Loc::current());
Array logical_xor(const Array& x, const Array& y, Loc loc = Loc::current());
Array logical_not(const Array& x, Loc loc = Loc::current());
Array bitwise_and(const Array& x, const Array& y, Loc loc = Loc::current());
Array bitwise_or(const Array& x, const Array& y, Loc loc = Loc::current());
Array bitwise_xor(const Array& x, const Array& y, Loc loc = Loc::current());
Array invert(const Array& x, Loc loc = Loc::current());
Array left_shift(const Array& x, const Array& y, Loc loc = Loc::current());
Array right_shift(const Array& x, const Array& y, Loc loc = Loc::current());
Array isnan(const Array& x, Loc loc = Loc::current());
Array isinf(const Array& x, Loc loc = Loc::current());
Array isfinite(const Array& x, Loc loc = Loc::current());
struct CloseOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  double rtol = 1e-05;
  double atol = 1e-08;
  bool equal_nan = false;
};
// |x - y| <= atol + rtol * |y| elementwise, an infinity close only to itself (jnp.isclose).
Array isclose(const Array& x, const Array& y, CloseOptions options = {}, Loc loc = Loc::current());
// Whether the arrays have the same shape and equal elements: a bool scalar (jnp.array_equal).
Array array_equal(const Array& x, const Array& y, bool equal_nan = false, Loc loc = Loc::current());
// Whether every pair of elements is close: a bool scalar (jnp.allclose).
Array allclose(const Array& x, const Array& y, CloseOptions options = {}, Loc loc = Loc::current());

// --- Reductions ---------------------------------------------------------------------------------
struct ReduceOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Axes> axis = std::nullopt;  // all axes when absent
  bool keepdims = false;
  std::optional<DType> dtype = std::nullopt;
  int ddof = 0;  // var and std only: the divisor is N - ddof
};

// sum(x), sum(x, 0), sum(x, {0, 1}), sum(x, {.axis = 1, .keepdims = true}). The axis list is a
// template so that a designated list can never be read as a list of axes.
#define JX_DECLARE_REDUCTION(name)                                                                     \
  Array name(const Array& x, ReduceOptions options = {}, Loc loc = Loc::current());                    \
  Array name(const Array& x, int axis, Loc loc = Loc::current());                                      \
  template <std::same_as<int> T>                                                                       \
  Array name(const Array& x, std::initializer_list<T> axes, Loc loc = Loc::current()) {                \
    return name(x, ReduceOptions{.axis = Axes(std::span<const int>(axes.begin(), axes.size()))}, loc); \
  }
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

struct ArgReduceOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<int> axis = std::nullopt;  // the flattened array when absent
  bool keepdims = false;
};
Array argmax(const Array& x, ArgReduceOptions options = {}, Loc loc = Loc::current());
Array argmax(const Array& x, int axis, Loc loc = Loc::current());
Array argmin(const Array& x, ArgReduceOptions options = {}, Loc loc = Loc::current());
Array argmin(const Array& x, int axis, Loc loc = Loc::current());

struct CumulativeOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<int> axis = std::nullopt;  // the flattened array when absent
  std::optional<DType> dtype = std::nullopt;
};
Array cumsum(const Array& x, CumulativeOptions options = {}, Loc loc = Loc::current());
Array cumsum(const Array& x, int axis, Loc loc = Loc::current());
Array cumprod(const Array& x, CumulativeOptions options = {}, Loc loc = Loc::current());
Array cumprod(const Array& x, int axis, Loc loc = Loc::current());

// --- Shapes -------------------------------------------------------------------------------------
Array reshape(const Array& x, const Shape& shape, Loc loc = Loc::current());  // one -1 is inferred
Array ravel(const Array& x, Loc loc = Loc::current());
Array transpose(const Array& x, std::optional<std::vector<int>> axes = std::nullopt, Loc loc = Loc::current());
Array swapaxes(const Array& x, int axis1, int axis2, Loc loc = Loc::current());
Array moveaxis(const Array& x, int source, int destination, Loc loc = Loc::current());
Array expand_dims(const Array& x, int axis, Loc loc = Loc::current());
Array expand_dims(const Array& x, std::initializer_list<int> axes, Loc loc = Loc::current());
Array squeeze(const Array& x, Loc loc = Loc::current());
Array squeeze(const Array& x, int axis, Loc loc = Loc::current());
Array squeeze(const Array& x, std::initializer_list<int> axes, Loc loc = Loc::current());
Array broadcast_to(const Array& x, const Shape& shape, Loc loc = Loc::current());
std::vector<Array> broadcast_arrays(const std::vector<Array>& arrays, Loc loc = Loc::current());
Shape broadcast_shapes(const Shape& a, const Shape& b, Loc loc = Loc::current());
Array concatenate(const std::vector<Array>& arrays, int axis = 0, Loc loc = Loc::current());
Array stack(const std::vector<Array>& arrays, int axis = 0, Loc loc = Loc::current());
Array hstack(const std::vector<Array>& arrays, Loc loc = Loc::current());
Array vstack(const std::vector<Array>& arrays, Loc loc = Loc::current());
// split(x, n): n equal parts; split(x, {i, j}): at those indices.
std::vector<Array> split(const Array& x, std::int64_t sections, int axis = 0, Loc loc = Loc::current());
std::vector<Array> split(const Array& x, const std::vector<std::int64_t>& indices, int axis = 0,
                         Loc loc = Loc::current());
Array tile(const Array& x, const std::vector<std::int64_t>& reps, Loc loc = Loc::current());
Array repeat(const Array& x, std::int64_t repeats, std::optional<int> axis = std::nullopt, Loc loc = Loc::current());
Array flip(const Array& x, std::optional<int> axis = std::nullopt, Loc loc = Loc::current());
struct PadOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<Array> constant_values = std::nullopt;  // 0 when absent
};
// pad_width: one (before, after) per axis, or a single pair for all axes. Constant mode.
Array pad(const Array& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pad_width, PadOptions options = {},
          Loc loc = Loc::current());
Array pad(const Array& x, std::int64_t pad_width, PadOptions options = {}, Loc loc = Loc::current());

// --- Indexing and sorting ------------------------------------------------------------------------
// Indices out of range are clamped (JAX's gather semantics); negative indices count from the end.
Array take(const Array& x, const Array& indices, std::optional<int> axis = std::nullopt, Loc loc = Loc::current());
Array take_along_axis(const Array& x, const Array& indices, int axis, Loc loc = Loc::current());
Array sort(const Array& x, int axis = -1, Loc loc = Loc::current());
Array argsort(const Array& x, int axis = -1, Loc loc = Loc::current());

// --- Linear algebra -----------------------------------------------------------------------------
Array matmul(const Array& a, const Array& b, Loc loc = Loc::current());
Array dot(const Array& a, const Array& b, Loc loc = Loc::current());
Array vdot(const Array& a, const Array& b, Loc loc = Loc::current());
Array inner(const Array& a, const Array& b, Loc loc = Loc::current());
Array outer(const Array& a, const Array& b, Loc loc = Loc::current());
// One- and two-operand Einstein sums ("ij,jk->ik", "bij,bjk->bik", "ii->i", "ij->"), without "...".
Array einsum(const std::string& subscripts, const Array& a, Loc loc = Loc::current());
Array einsum(const std::string& subscripts, const Array& a, const Array& b, Loc loc = Loc::current());

}  // namespace numpy
}  // namespace jx
