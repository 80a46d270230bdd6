// jx/transforms/custom_derivatives.h — user-defined differentiation rules (jax.custom_jvp,
// jax.custom_vjp), for numerical stability or efficiency.
//
//   // log(1 + exp(x)), whose naive derivative is NaN for large x:
//   auto log1pexp = jx::custom_jvp(
//       [](const jx::Array& x) { return jnp::log1p(jnp::exp(x)); },
//       [](const std::tuple<jx::Array>& primals, const std::tuple<jx::Array>& tangents) {
//         const auto& [x] = primals;
//         const auto& [t] = tangents;
//         return (1 - 1 / (1 + jnp::exp(x))) * t;   // the tangent of the output
//       });
//
//   auto clip_gradient = jx::custom_vjp(
//       [](const jx::Array& x) { return x; },                                   // f
//       [](const jx::Array& x) { return std::pair{x, std::tuple<>{}}; },        // fwd: (output, residuals)
//       [](const std::tuple<>&, const jx::Array& ct) { return std::tuple{jnp::clip(ct, -1, 1)}; });  // bwd
//
// Functions take one or more arrays and return one array. Forward-mode differentiation of a
// custom_vjp function is an error, as in JAX.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <tuple>
#include <utility>

#include "jx/core/array.h"
#include "jx/tree.h"

namespace jx {

namespace detail {
using ArraysFunction = std::function<ArrayList(std::span<const Array>)>;
// The tangent of the output given primals and (zero-instantiated) tangents.
using JvpRule = std::function<Array(std::span<const Array>, std::span<const Array>)>;
// (output, residual leaves) of the forward pass.
using ForwardRule = std::function<std::pair<Array, ArrayList>(std::span<const Array>)>;
// Input cotangents from residual leaves and the output cotangent.
using BackwardRule = std::function<ArrayList(std::span<const Array>, const Array&)>;

// `id` identifies the custom function (the same for every call of one jx::custom_jvp object), so that
// retracing it gives an equal program.
Array call_custom_jvp(ArraysFunction f, JvpRule rule, std::span<const Array> args, const void* id);
Array call_custom_vjp(ArraysFunction f, ForwardRule fwd, BackwardRule bwd, std::span<const Array> args, const void* id);

template <std::size_t N>
auto to_tuple(std::span<const Array> values) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) { return std::tuple{(void(I), values[I])...}; }
  (std::make_index_sequence<N>{});
}
template <class Tuple>
ArrayList from_tuple(const Tuple& t) {
  return std::apply([](const auto&... values) { return ArrayList{Array(values)...}; }, t);
}
}  // namespace detail

// The function custom_jvp returns: f with its derivative rule. Its arguments are arrays (numbers
// become weakly typed arrays), so transformations trace the numbers passed to it.
template <class F, class Rule>
class CustomJvpFunction {
 public:
  CustomJvpFunction(F f, Rule rule)
      : state_(std::make_shared<const std::pair<F, Rule>>(std::move(f), std::move(rule))) {}

  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = true;

  template <class... Args>
  Array operator()(const Args&... args) const {
    constexpr std::size_t n = sizeof...(args);
    auto state = state_;
    detail::ArraysFunction call = [state](std::span<const Array> a) {
      return ArrayList{Array(std::apply(state->first, detail::to_tuple<n>(a)))};
    };
    detail::JvpRule jvp = [state](std::span<const Array> primals, std::span<const Array> tangents) {
      return Array(state->second(detail::to_tuple<n>(primals), detail::to_tuple<n>(tangents)));
    };
    const Array inputs[] = {Array(args)...};
    return detail::call_custom_jvp(std::move(call), std::move(jvp), inputs, state_.get());
  }

 private:
  std::shared_ptr<const std::pair<F, Rule>> state_;
};

template <class F, class Rule>
auto custom_jvp(F f, Rule rule) {
  return CustomJvpFunction<F, Rule>(std::move(f), std::move(rule));
}

// The function custom_vjp returns: f with its forward and backward rules (arguments as custom_jvp's).
template <class F, class Forward, class Backward>
class CustomVjpFunction {
 public:
  CustomVjpFunction(F f, Forward fwd, Backward bwd)
      : state_(std::make_shared<const std::tuple<F, Forward, Backward>>(std::move(f), std::move(fwd), std::move(bwd))) {
  }

  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = true;

  template <class... Args>
  Array operator()(const Args&... args) const {
    constexpr std::size_t n = sizeof...(args);
    using Residuals = std::remove_cvref_t<decltype(std::get<1>(std::get<1>(*state_)(Array(args)...)))>;
    auto state = state_;
    detail::ArraysFunction call = [state](std::span<const Array> a) {
      return ArrayList{Array(std::apply(std::get<0>(*state), detail::to_tuple<n>(a)))};
    };
    auto structure = std::make_shared<tree::TreeDef>();  // of the residuals, shared by forward and backward
    detail::ForwardRule forward = [state, structure](std::span<const Array> a) {
      auto [output, residuals] = std::apply(std::get<1>(*state), detail::to_tuple<n>(a));
      ArrayList leaves;
      structure->clear();
      tree::flatten_into(residuals, *structure, leaves);
      return std::pair{Array(output), leaves};
    };
    detail::BackwardRule backward = [state, structure](std::span<const Array> residual_leaves, const Array& ct) {
      return detail::from_tuple(std::get<2>(*state)(tree::unflatten<Residuals>(*structure, residual_leaves), ct));
    };
    const Array inputs[] = {Array(args)...};
    return detail::call_custom_vjp(std::move(call), std::move(forward), std::move(backward), inputs, state_.get());
  }

 private:
  std::shared_ptr<const std::tuple<F, Forward, Backward>> state_;
};

template <class F, class Forward, class Backward>
auto custom_vjp(F f, Forward fwd, Backward bwd) {
  return CustomVjpFunction<F, Forward, Backward>(std::move(f), std::move(fwd), std::move(bwd));
}

}  // namespace jx
