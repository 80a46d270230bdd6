// jx/lax/numeric.h — the rest of jax.lax's elementwise and contraction operations: the special
// functions by their lax names (bessel_i0e, igamma, betainc, zeta, ...), integer bit operations
// (population_count, clz, mulhi, reduce_xor), reduce_precision, select_n, dot and batch_matmul, and
// the small helpers dtype, optimization_barrier and platform_dependent.
//
//   namespace lax = jx::lax;
//   auto p = lax::igamma(a, x);                         // P(a, x); a and x of one float dtype
//   auto bits = lax::population_count(words);           // set bits, in the words' dtype
//   auto h = lax::reduce_precision(x, 5, 10);           // x rounded as float16 would hold it
//   auto y = lax::select_n(which, {a, b, c});           // a where which == 0, b where 1, c where 2
//   auto z = lax::dot(m, v);                            // a matrix-vector product
//
// As the rest of jx::lax they are strict: operands share one dtype (a weakly typed operand, such as a
// C++ number, takes the other's) and one shape or are scalars. They are compositions of jx's
// primitives and of jx::scipy::special, so they work eagerly and under jit, vmap and grad where JAX's
// do.
#pragma once

#include <cstddef>
#include <optional>
#include <source_location>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/lax.h"    // DotDimensionNumbers (jx/lax.h includes this header after defining it)
#include "jx/numpy.h"  // detail::KeywordsOnly

namespace jx::lax {

using Loc = std::source_location;

// --- Special functions (lax.bessel_i0e, ...), floating point only ---------------------------------
inline constexpr struct bessel_i0e_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} bessel_i0e{};
inline constexpr struct bessel_i1e_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} bessel_i1e{};
inline constexpr struct digamma_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} digamma{};
// The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x).
inline constexpr struct igamma_function {
  Array operator()(const Array& a, const Array& x, Loc loc = Loc::current()) const;
} igamma{};
inline constexpr struct igammac_function {
  Array operator()(const Array& a, const Array& x, Loc loc = Loc::current()) const;
} igammac{};
// dP(a, x) / da, the derivative the gamma sampler's reparameterization needs.
inline constexpr struct igamma_grad_a_function {
  Array operator()(const Array& a, const Array& x, Loc loc = Loc::current()) const;
} igamma_grad_a{};
// d sample / d a for a Gamma(a, 1) sample x, by implicit differentiation of P(a, x) = u.
inline constexpr struct random_gamma_grad_function {
  Array operator()(const Array& a, const Array& x, Loc loc = Loc::current()) const;
} random_gamma_grad{};
// I_x(a, b), the regularized incomplete beta function.
inline constexpr struct betainc_function {
  Array operator()(const Array& a, const Array& b, const Array& x, Loc loc = Loc::current()) const;
} betainc{};
// The m-th derivative of digamma at x (m a non-negative integer value in x's float dtype).
inline constexpr struct polygamma_function {
  Array operator()(const Array& m, const Array& x, Loc loc = Loc::current()) const;
} polygamma{};
// The Hurwitz zeta function sum_k (k + q)^-x.
inline constexpr struct zeta_function {
  Array operator()(const Array& x, const Array& q, Loc loc = Loc::current()) const;
} zeta{};

// --- Integer bits ---------------------------------------------------------------------------------
// The number of set bits of each element's two's complement pattern, in the element's dtype.
inline constexpr struct population_count_function {
  Array operator()(const Array& x, Loc loc = Loc::current()) const;
} population_count{};
// The number of leading zero bits (the width for 0), in the element's dtype.
inline constexpr struct clz_function { Array operator()(const Array& x, Loc loc = Loc::current()) const; } clz{};
// The upper half of the double-width product of two integers of one dtype (signed or unsigned).
inline constexpr struct mulhi_function {
  Array operator()(const Array& x, const Array& y, Loc loc = Loc::current()) const;
} mulhi{};
// The bitwise XOR of the elements over `axes` (logical XOR for bool); 0 for an empty axis.
inline constexpr struct reduce_xor_function {
  Array operator()(const Array& x, const std::vector<int>& axes, Loc loc = Loc::current()) const;
} reduce_xor{};

// --- Precision ------------------------------------------------------------------------------------
// x rounded as XLA's ReducePrecision does to a float with `exponent_bits` and `mantissa_bits`: the
// mantissa to nearest, ties to even; then, when the exponent is narrower than x's, magnitudes above
// the narrow format's largest become infinities and those below its smallest normal number become
// zeros of x's sign (the narrow format has no subnormals). The result keeps x's dtype; NaN stays NaN.
// lax::reduce_precision(x, 8, 7) is x rounded through bfloat16, (5, 10) through float16 (flushing
// its subnormals). Its derivative passes the tangent through unrounded (JAX rounds the tangent too).
inline constexpr struct reduce_precision_function {
  Array operator()(const Array& x, int exponent_bits, int mantissa_bits, Loc loc = Loc::current()) const;
} reduce_precision{};

// --- Selection and contraction ----------------------------------------------------------------------
// cases[which] elementwise: which is bool (two cases at most) or an integer array, a scalar or of the
// cases' shape; cases share one shape and dtype. Indices outside [0, cases.size()) give the last case.
inline constexpr struct select_n_function {
  Array operator()(const Array& which, const std::vector<Array>& cases, Loc loc = Loc::current()) const;
} select_n{};

struct DotOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // Absent: the plain product of vectors and matrices (rank 1 or 2, lhs's last axis against rhs's first).
  std::optional<DotDimensionNumbers> dimension_numbers = std::nullopt;
  // The result's dtype: the product is accumulated in the wider of it and the operands' dtype.
  std::optional<DType> preferred_element_type = std::nullopt;
};
// lax.dot: dot_general with the dimension numbers of a matrix product unless options give others.
inline constexpr struct dot_function {
  Array operator()(const Array& lhs, const Array& rhs, const DotOptions& options = {}, Loc loc = Loc::current()) const;
} dot{};
// Matrix products over matching leading batch axes: lhs (..., m, k) and rhs (..., k, n) of one rank >= 2.
inline constexpr struct batch_matmul_function {
  Array operator()(const Array& lhs, const Array& rhs, Loc loc = Loc::current()) const;
} batch_matmul{};

// --- Helpers ----------------------------------------------------------------------------------------
// The canonical dtype of a value (jax.lax.dtype): an array's dtype, float32 for a C++ double (float64
// with x64), a DType canonicalized for the current x64 setting. Plain functions rather than a function
// object, so that the many parameters and locals named `dtype` inside jx::lax do not shadow it.
DType dtype(const Array& x, Loc loc = Loc::current());
DType dtype(DType x, Loc loc = Loc::current());

// The operand itself (any pytree of arrays): a barrier to XLA's optimizations, which jx's compiler does
// not reorder across anyway, so it has no effect, as JAX's has none outside jit.
inline constexpr struct optimization_barrier_function {
  template <class T>
  T operator()(const T& operand, Loc /*loc*/ = Loc::current()) const {
    return operand;
  }
} optimization_barrier{};

// The branches of lax.platform_dependent, by platform name; each takes the operands.
struct NoPlatformBranch {};
template <class Cpu = NoPlatformBranch, class Cuda = NoPlatformBranch, class Rocm = NoPlatformBranch,
          class Tpu = NoPlatformBranch, class Default = NoPlatformBranch>
struct PlatformBranches {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  Cpu cpu{};
  Cuda cuda{};
  Rocm rocm{};
  Tpu tpu{};
  Default default_{};  // `default` is a C++ keyword
};
// lax.platform_dependent(operands..., PlatformBranches{.cpu = f, .default_ = g}): the branch for the
// platform the computation runs on, applied to the operands. jx computes on the CPU, so it is the cpu
// branch, else the default one; a call with neither does not compile. The other branches are never
// traced (JAX traces them all for a multi-platform export, which jx does not do).
inline constexpr struct platform_dependent_function {
  template <class... Arguments>
  auto operator()(const Arguments&... arguments) const {
    static_assert(sizeof...(Arguments) >= 1, "platform_dependent needs a PlatformBranches as its last argument");
    const auto all = std::forward_as_tuple(arguments...);
    const auto& branches = std::get<sizeof...(Arguments) - 1>(all);
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      using Branches = std::remove_cvref_t<decltype(branches)>;
      if constexpr (!std::is_same_v<decltype(Branches::cpu), NoPlatformBranch>) {
        return branches.cpu(std::get<I>(all)...);
      } else {
        static_assert(!std::is_same_v<decltype(Branches::default_), NoPlatformBranch>,
                      "platform_dependent: no branch for \"cpu\" and no default branch");
        return branches.default_(std::get<I>(all)...);
      }
    }
    (std::make_index_sequence<sizeof...(Arguments) - 1>{});
  }
} platform_dependent{};

}  // namespace jx::lax
