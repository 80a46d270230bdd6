// jx/tree/holds_arrays.h — what a pytree type can hold, known when compiling: array leaves, and
// numbers that may become arrays.
//
// grad with respect to an argument that can never hold an array, or tree::map over a tree with no leaf
// the function accepts, would silently do nothing; jx refuses both when compiling instead. tree::map
// takes the numbers of a tree as leaves, as JAX does, where they sit in containers it can rebuild with
// arrays in their place (a registered struct's fields keep their C++ types, so its numbers stay static).
//
//   static_assert(jx::tree::can_hold_arrays<std::vector<Params>>);
//   static_assert(!jx::tree::can_hold_arrays<std::pair<int, std::string>>);   // only static leaves
//   std::vector<jx::Array> a = jx::tree::numbers_as_arrays(std::vector<int>{1, 2, 3});
#pragma once

#include <array>
#include <map>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/tree/traits.h"

namespace jx::tree {

namespace detail {

// Static leaves (numbers, enums, strings) hold no arrays; the specializations below say what else does.
template <class T>
struct HoldsArrays : std::false_type {};

template <ArrayLeaf T>
struct HoldsArrays<T> : std::true_type {};
template <>
struct HoldsArrays<Tree> : std::true_type {};  // a dynamic tree may hold anything
template <class... Ts>
struct HoldsArrays<std::tuple<Ts...>> : std::bool_constant<(HoldsArrays<std::remove_cvref_t<Ts>>::value || ...)> {};
template <class A, class B>
struct HoldsArrays<std::pair<A, B>> : HoldsArrays<std::tuple<A, B>> {};
template <class T, std::size_t N>
struct HoldsArrays<std::array<T, N>> : std::bool_constant<N != 0 && HoldsArrays<T>::value> {};
template <class T>
struct HoldsArrays<std::vector<T>> : HoldsArrays<T> {};
template <class K, class T>
struct HoldsArrays<std::map<K, T>> : HoldsArrays<T> {};
template <class T>
struct HoldsArrays<std::optional<T>> : HoldsArrays<T> {};
// Registered structs: their fields, as their tie lists them.
template <FieldsAtNamespaceScope T>
struct HoldsArrays<T> : HoldsArrays<std::remove_cvref_t<decltype(jx_pytree_tie(std::declval<const T&>()))>> {};
template <FieldsInClass T>
struct HoldsArrays<T> : HoldsArrays<std::remove_cvref_t<decltype(std::declval<const T&>().jx_pytree_tie())>> {};
// Custom nodes: the children they flatten to.
template <CustomNode T>
struct HoldsArrays<T> : HoldsArrays<std::remove_cvref_t<decltype(jx_pytree_flatten(std::declval<const T&>()))>> {};

}  // namespace detail

template <class T>
inline constexpr bool can_hold_arrays = detail::HoldsArrays<std::remove_cvref_t<T>>::value;

namespace detail {
// T with every number that is a leaf of a container made a jx::Array.
template <class T>
struct NumbersAsArrays {
  using type = T;
};
template <Scalar T>
struct NumbersAsArrays<T> {
  using type = Array;
};
template <class... Ts>
struct NumbersAsArrays<std::tuple<Ts...>> {
  using type = std::tuple<typename NumbersAsArrays<Ts>::type...>;
};
template <class A, class B>
struct NumbersAsArrays<std::pair<A, B>> {
  using type = std::pair<typename NumbersAsArrays<A>::type, typename NumbersAsArrays<B>::type>;
};
template <class T, std::size_t N>
struct NumbersAsArrays<std::array<T, N>> {
  using type = std::array<typename NumbersAsArrays<T>::type, N>;
};
template <class T>
struct NumbersAsArrays<std::vector<T>> {
  using type = std::vector<typename NumbersAsArrays<T>::type>;
};
template <class K, class T>
struct NumbersAsArrays<std::map<K, T>> {
  using type = std::map<K, typename NumbersAsArrays<T>::type>;
};
template <class T>
struct NumbersAsArrays<std::optional<T>> {
  using type = std::optional<typename NumbersAsArrays<T>::type>;
};
}  // namespace detail

template <class T>
using WithNumbersAsArrays = typename detail::NumbersAsArrays<std::remove_cvref_t<T>>::type;

// Whether T has numbers that numbers_as_arrays turns into arrays.
template <class T>
inline constexpr bool has_number_leaves = !std::is_same_v<WithNumbersAsArrays<T>, std::remove_cvref_t<T>>;

// The tree with its numbers as weakly typed 0-d arrays (as jnp.asarray makes a Python number).
template <class T>
WithNumbersAsArrays<T> numbers_as_arrays(const T& tree) {
  using V = std::remove_cvref_t<T>;
  if constexpr (!has_number_leaves<V>) {
    return tree;
  } else if constexpr (Scalar<V>) {
    return Array(tree);
  } else if constexpr (
      detail::is_container<V>::value && requires { std::tuple_size<V>::value; } && !requires { tree.size(); }) {
    return std::apply([](const auto&... e) { return WithNumbersAsArrays<T>{numbers_as_arrays(e)...}; }, tree);
  } else if constexpr (requires { typename V::key_type; }) {
    WithNumbersAsArrays<T> out;
    for (const auto& [key, value] : tree) out.emplace(key, numbers_as_arrays(value));
    return out;
  } else if constexpr (
      requires { typename V::value_type; } && requires { tree.has_value(); }) {
    if (!tree) return WithNumbersAsArrays<T>();
    return WithNumbersAsArrays<T>(numbers_as_arrays(*tree));
  } else if constexpr (requires { std::tuple_size<V>::value; }) {  // std::array
    WithNumbersAsArrays<T> out;
    for (std::size_t i = 0; i < tree.size(); ++i) out[i] = numbers_as_arrays(tree[i]);
    return out;
  } else {  // std::vector
    WithNumbersAsArrays<T> out;
    out.reserve(tree.size());
    for (const auto& e : tree) out.push_back(numbers_as_arrays(e));
    return out;
  }
}

}  // namespace jx::tree
