// jx/transforms/arguments.h — the scalar boundary: which C++ numbers a transformation traces.
//
// A C++ number passed where the function's parameter is a jx::Array becomes a weakly typed 0-d array
// at the call, exactly as JAX treats a Python number: it is traced (an input of the jaxpr,
// differentiated by grad, one trace for all its values). A number stays a static C++ value where the
// parameter is a C++ type (an int, a float, an enum) or a generic lambda's `auto`, whose type is only
// known once the call is made; jit keys its cache on such values.
//
//   jx::grad([](const jx::Array& x) { return jnp::tanh(x); })(2.0);     // 0.0706508: x is traced
//   jx::jit([](const jx::Array& x, int n) { return x * n; })(x, 3);     // n is static, x traced
//   jx::grad(jnp::tanh)(2.0);                                            // jx's functions take arrays
//
// How a callable's parameters are known:
//   - a function, function pointer, or class with one non-template call operator (lambdas,
//     std::function): its declared parameter types;
//   - jx's own functions (jnp::tanh, lax::add, ...), objects with several call operators: a number is
//     an array where the function can be called with an array in its place;
//   - jx's transformations (jit(f), grad(f), vmap(f), custom_jvp(...)) ask the function they wrap,
//     or say themselves, through a static member `array_parameter<I, Args...>`;
//   - anything else (a generic lambda, a functor with overloads): numbers stay static.
#pragma once

#include <cstddef>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "jx/core/array.h"

namespace jx::detail {

// The base of jx's own function objects (jnp::tanh and the like): see the rules above.
struct ArrayFunction {};

// The parameter types of a callable with exactly one call signature.
template <class F>
struct CallSignature {};
template <class R, class... P>
struct CallSignature<R(P...)> {
  using Parameters = std::tuple<P...>;
};
template <class R, class... P>
struct CallSignature<R(P...) noexcept> : CallSignature<R(P...)> {};
template <class R, class... P>
struct CallSignature<R (*)(P...)> : CallSignature<R(P...)> {};
template <class R, class... P>
struct CallSignature<R (*)(P...) noexcept> : CallSignature<R(P...)> {};
template <class C, class R, class... P>
struct CallSignature<R (C::*)(P...)> : CallSignature<R(P...)> {};
template <class C, class R, class... P>
struct CallSignature<R (C::*)(P...) const> : CallSignature<R(P...)> {};
template <class C, class R, class... P>
struct CallSignature<R (C::*)(P...) noexcept> : CallSignature<R(P...)> {};
template <class C, class R, class... P>
struct CallSignature<R (C::*)(P...) const noexcept> : CallSignature<R(P...)> {};
template <class F>
requires std::is_class_v<F> && requires { &F::operator(); }
struct CallSignature<F> : CallSignature<decltype(&F::operator())> {};

template <class F>
concept HasCallSignature = requires {
  typename CallSignature<F>::Parameters;
};

template <class F, std::size_t I, class... Args>
concept DeclaresArrayParameters = requires {
  F::template array_parameter<I, Args...>;
};

// Args with the I-th replaced by `const Array&`.
template <std::size_t I, class Tuple, class Seq>
struct WithArrayAt;
template <std::size_t I, class... Args, std::size_t... J>
struct WithArrayAt<I, std::tuple<Args...>, std::index_sequence<J...>> {
  template <class F>
  static constexpr bool invocable = std::is_invocable_v<F, std::conditional_t<J == I, const Array&, Args>...>;
};

// Whether the I-th parameter of F, called with Args, is a jx::Array (so a number there is traced).
template <class F, std::size_t I, class... Args>
constexpr bool array_parameter() {
  using G = std::remove_cvref_t<F>;
  if constexpr (DeclaresArrayParameters<G, I, Args...>) {
    return G::template array_parameter<I, Args...>;
  } else if constexpr (std::is_base_of_v<ArrayFunction, G>) {
    return WithArrayAt<I, std::tuple<Args...>, std::index_sequence_for<Args...>>::template invocable<const G&>;
  } else if constexpr (HasCallSignature<G>) {
    using Parameters = typename CallSignature<G>::Parameters;
    if constexpr (I < std::tuple_size_v<Parameters>)
      return std::is_same_v<std::remove_cvref_t<std::tuple_element_t<I, Parameters>>, Array>;
    else
      return false;
  } else {
    return false;
  }
}

// Whether the I-th argument is a C++ number that becomes a traced array.
template <class F, std::size_t I, class... Args>
inline constexpr bool traces_number_at =
    Scalar<std::remove_cvref_t<std::tuple_element_t<I, std::tuple<Args...>>>>&& array_parameter<F, I, Args...>();

// The type a transformation passes on for the I-th argument: Array for a traced number, else the
// argument's own type.
template <class F, std::size_t I, class... Args>
using ArgumentType = std::conditional_t<traces_number_at<F, I, Args...>, Array,
                                        std::remove_cvref_t<std::tuple_element_t<I, std::tuple<Args...>>>>;

// How a traced number is typed. jit, vmap and jvp keep a Python scalar weakly typed; vjp (and so grad)
// first makes it an array of the default dtype (jax.vjp's canonicalize_value), strongly typed.
enum class NumberTyping { weak, strong };

// A strongly typed 0-d array of the number's default dtype.
Array strong_number(const Array& weak_number);

// The I-th argument as the transformation passes it on: a traced number becomes an array (by value);
// anything else is forwarded unchanged.
template <class F, std::size_t I, class... Args, class A>
decltype(auto) as_argument(A&& argument, NumberTyping typing) {
  if constexpr (traces_number_at<F, I, Args...>)
    return typing == NumberTyping::weak ? Array(argument) : strong_number(Array(argument));
  else
    return std::forward<A>(argument);
}

// Calls `next(arguments...)` with the arguments as F's transformation sees them.
template <class F, NumberTyping typing = NumberTyping::weak, class Next, class... Args>
decltype(auto) with_traced_numbers(const Next& next, Args&&... args) {
  return [&]<std::size_t... I>(std::index_sequence<I...>)->decltype(auto) {
    return next(as_argument<F, I, Args...>(std::forward<Args>(args), typing)...);
  }
  (std::index_sequence_for<Args...>{});
}

}  // namespace jx::detail
