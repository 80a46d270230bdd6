// jx/transforms/eval_shape.h — jx::eval_shape and jx::ShapeDtypeStruct: the shapes and dtypes a
// function would return, found by tracing it, with no computation and no memory for its arrays.
//
//   auto out = jx::eval_shape(model_init, key);            // nothing is computed
//   jx::ShapeDtypeStruct x{{1024, 1024}, jx::float32};     // an array that need not exist
//   jx::ShapeDtypeStruct y = jx::eval_shape(f, x);         // f: Array -> Array
//   std::cout << y;                                        // ShapeDtypeStruct(shape=(1024,), dtype=float32)
//
// Arguments may be arrays, C++ numbers (traced where f takes arrays), or ShapeDtypeStructs (alone or in
// std containers) where f takes arrays. The result has the output's structure with a ShapeDtypeStruct
// for every array: an Array output gives a ShapeDtypeStruct; tuples, pairs, std::arrays, vectors, maps
// and optionals keep their kind; a registered struct (or a dynamic tree) gives a jx::tree::Tree whose
// leaves hold ShapeDtypeStructs (tree["w"].value<jx::ShapeDtypeStruct>()).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/transforms/arguments.h"
#include "jx/transforms/autodiff.h"
#include "jx/tree.h"

namespace jx {

// An array's type without the array (jax.ShapeDtypeStruct).
struct ShapeDtypeStruct {
  Shape shape;
  DType dtype = DType::float32;
  bool weak_type = false;

  ShapeDtypeStruct() = default;
  ShapeDtypeStruct(Shape shape_, DType dtype_, bool weak = false)
      : shape(std::move(shape_)), dtype(dtype_), weak_type(weak) {}
  // The type of an existing array (or tracer).
  static ShapeDtypeStruct of(const Array& x) { return {x.shape(), x.dtype(), x.type().weak}; }

  int ndim() const { return shape.ndim(); }
  std::int64_t size() const { return shape.num_elements(); }
  ArrayType type() const { return ArrayType{shape, dtype, weak_type}; }
  std::string to_string() const;  // "ShapeDtypeStruct(shape=(2, 3), dtype=float32)", as JAX prints it
  friend bool operator==(const ShapeDtypeStruct&, const ShapeDtypeStruct&) = default;
};
std::ostream& operator<<(std::ostream& os, const ShapeDtypeStruct& s);

namespace detail {
// The types of f's outputs when called on abstract inputs of `types` (src/transforms/eval_shape.cpp).
std::vector<ArrayType> eval_shape_flat(const FlatFunction& f, std::span<const ArrayType> types,
                                       const std::string& description);
// An array of this type that holds one element, broadcast: it stands for an argument or output whose
// values are never read.
Array placeholder_of(const ArrayType& type);

// ShapeDtypeStructs among the arguments become placeholder arrays (in std containers too). The
// overloads call each other for nested containers, so all are declared first.
template <class... T>
auto as_traceable(const std::tuple<T...>& t);
template <class A, class B>
auto as_traceable(const std::pair<A, B>& p);
template <class T>
auto as_traceable(const std::vector<T>& v);
template <class T, std::size_t N>
auto as_traceable(const std::array<T, N>& a);
template <class T>
auto as_traceable(const std::map<std::string, T>& m);
inline Array as_traceable(const ShapeDtypeStruct& s) { return placeholder_of(s.type()); }
template <class T>
const T& as_traceable(const T& value) {
  return value;
}
template <class... T>
auto as_traceable(const std::tuple<T...>& t) {
  return std::apply([](const auto&... v) { return std::make_tuple(as_traceable(v)...); }, t);
}
template <class A, class B>
auto as_traceable(const std::pair<A, B>& p) {
  return std::make_pair(as_traceable(p.first), as_traceable(p.second));
}
template <class T>
auto as_traceable(const std::vector<T>& v) {
  std::vector<std::remove_cvref_t<decltype(as_traceable(v[0]))>> result;
  for (const T& item : v) result.push_back(as_traceable(item));
  return result;
}
template <class T, std::size_t N>
auto as_traceable(const std::array<T, N>& a) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<std::remove_cvref_t<decltype(as_traceable(a[0]))>, N>{as_traceable(a[I])...};
  }
  (std::make_index_sequence<N>{});
}
template <class T>
auto as_traceable(const std::map<std::string, T>& m) {
  std::map<std::string, std::remove_cvref_t<decltype(as_traceable(m.begin()->second))>> result;
  for (const auto& [key, item] : m) result.emplace(key, as_traceable(item));
  return result;
}

// Arrays of a (placeholder) output become ShapeDtypeStructs, as the header says.
template <class... T>
auto shapes_of(const std::tuple<T...>& t);
template <class A, class B>
auto shapes_of(const std::pair<A, B>& p);
template <class T>
auto shapes_of(const std::vector<T>& v);
template <class T, std::size_t N>
auto shapes_of(const std::array<T, N>& a);
template <class T>
auto shapes_of(const std::map<std::string, T>& m);
template <class T>
auto shapes_of(const std::optional<T>& o);
inline ShapeDtypeStruct shapes_of(const Array& x) { return ShapeDtypeStruct::of(x); }
template <class T>
auto shapes_of(const T& value) {
  if constexpr (!tree::Pytree<T> || !tree::can_hold_arrays<T>) {
    return value;  // a static value: numbers, strings, ...
  } else {
    return tree::map([](const Array& x) { return ShapeDtypeStruct::of(x); }, tree::to_dynamic(value));
  }
}
template <class... T>
auto shapes_of(const std::tuple<T...>& t) {
  return std::apply([](const auto&... v) { return std::make_tuple(shapes_of(v)...); }, t);
}
template <class A, class B>
auto shapes_of(const std::pair<A, B>& p) {
  return std::make_pair(shapes_of(p.first), shapes_of(p.second));
}
template <class T>
auto shapes_of(const std::vector<T>& v) {
  std::vector<decltype(shapes_of(std::declval<const T&>()))> result;
  for (const T& item : v) result.push_back(shapes_of(item));
  return result;
}
template <class T, std::size_t N>
auto shapes_of(const std::array<T, N>& a) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<decltype(shapes_of(std::declval<const T&>())), N>{shapes_of(a[I])...};
  }
  (std::make_index_sequence<N>{});
}
template <class T>
auto shapes_of(const std::map<std::string, T>& m) {
  std::map<std::string, decltype(shapes_of(std::declval<const T&>()))> result;
  for (const auto& [key, item] : m) result.emplace(key, shapes_of(item));
  return result;
}
template <class T>
auto shapes_of(const std::optional<T>& o) {
  using Shapes = decltype(shapes_of(std::declval<const T&>()));
  return o ? std::optional<Shapes>(shapes_of(*o)) : std::optional<Shapes>();
}
}  // namespace detail

// jx::eval_shape(f, args...): see the header comment.
inline constexpr struct eval_shape_function : detail::CallWithLocation<eval_shape_function> {
  template <class F, class... Args>
  auto invoke(std::source_location where, const F& f, const Args&... args) const {
    return std::apply(
        [&](const auto&... traceable) {
          return detail::with_traced_numbers<F>([&](const auto&... a) { return evaluate(where, f, a...); },
                                                traceable...);
        },
        std::make_tuple(detail::as_traceable(args)...));
  }

 private:
  template <class F, class... Args>
  static auto evaluate(std::source_location where, const F& f, const Args&... args) {
    static_assert(std::is_invocable_v<const F&, const Args&...>,
                  "jx::eval_shape: the function cannot be called with these arguments (a ShapeDtypeStruct "
                  "stands for a jx::Array)");
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    CallSite site(where);
    detail::FlatCall<F, Args...> call{f, {}, {}, {}};
    std::vector<ArrayType> types;
    for (const Array& leaf : call.flatten_inputs(args...)) types.push_back(leaf.type());
    const std::vector<ArrayType> output_types = detail::eval_shape_flat(
        std::ref(call), types, "eval_shape of the function called at " + format_location(where));
    ArrayList outputs;
    for (const ArrayType& type : output_types) outputs.push_back(detail::placeholder_of(type));
    return detail::shapes_of(tree::unflatten<Output>(call.output_structure, outputs));
  }
} eval_shape{};

}  // namespace jx

template <>
struct std::hash<jx::ShapeDtypeStruct> {
  std::size_t operator()(const jx::ShapeDtypeStruct& s) const noexcept;
};
