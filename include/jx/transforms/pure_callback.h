// jx/transforms/pure_callback.h — jx::pure_callback (jax.pure_callback): call host C++ code that
// jx cannot trace, from inside jit, vmap and friends, on concrete arrays.
//
//   auto host_sort = [](const jx::Array& x) { auto v = x.to_vector<float>(); std::sort(...); return jnp::array(v); };
//   auto f = jx::jit([&](const jx::Array& x) {
//     return jx::pure_callback(host_sort, jx::ShapeDtypeStruct{x.shape(), x.dtype()}, x) * 2;
//   });
//   jx::vmap([&](const jx::Array& row) {
//     return jx::pure_callback(host_sort, jx::ShapeDtypeStruct{{3}, jx::float32}, row,
//                              jx::PureCallbackOptions{.vmap_method = jx::VmapMethod::sequential});
//   })(rows);
//
// The callback receives the arguments (pytrees) with concrete values and returns arrays of the shapes
// and dtypes declared (a pytree of ShapeDtypeStructs: the result has its structure, with arrays); a
// mismatch is an error. It must be pure: jx may skip it when its result is unused, or call it again.
// As in JAX it is not differentiable (wrap it in jx::custom_jvp / custom_vjp), and under vmap it needs
// a vmap_method: sequential (one call per example), expand_dims (one call, unbatched arguments given a
// leading axis of size 1) or broadcast_all (one call, every argument broadcast to the batch).
#pragma once

#include <functional>
#include <source_location>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/transforms/eval_shape.h"
#include "jx/tree.h"

namespace jx {

enum class VmapMethod { unspecified, sequential, expand_dims, broadcast_all };

struct PureCallbackOptions {
  VmapMethod vmap_method = VmapMethod::unspecified;
};

namespace detail {
using HostFunction = std::function<ArrayList(std::span<const Array>)>;
// Binds the callback primitive: `fn` maps concrete input leaves to output leaves of `result_types`.
ArrayList pure_callback_flat(HostFunction fn, std::vector<ArrayType> result_types, std::span<const Array> inputs,
                             VmapMethod vmap_method, const std::string& description);
}  // namespace detail

inline constexpr struct pure_callback_function : detail::CallWithLocation<pure_callback_function> {
  template <class Fn, class Results, class... Args>
  auto invoke(std::source_location where, const Fn& fn, const Results& result_shape_dtypes, const Args&... args) const {
    if constexpr (sizeof...(Args) > 0 &&
                  std::is_same_v<std::tuple_element_t<sizeof...(Args) - 1, std::tuple<Args...>>, PureCallbackOptions>) {
      const auto all = std::forward_as_tuple(args...);
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return record(where, fn, result_shape_dtypes, std::get<sizeof...(Args) - 1>(all), std::get<I>(all)...);
      }
      (std::make_index_sequence<sizeof...(Args) - 1>{});
    } else {
      return record(where, fn, result_shape_dtypes, PureCallbackOptions{}, args...);
    }
  }

 private:
  template <class Fn, class Results, class... Args>
  static auto record(std::source_location where, const Fn& fn, const Results& result_shape_dtypes,
                     const PureCallbackOptions& options, const Args&... args) {
    static_assert(std::is_invocable_v<const Fn&, const Args&...>,
                  "jx::pure_callback: the callback cannot be called with these arguments");
    CallSite site(where);
    // The declared results as placeholder arrays: their types and the structure to return.
    using Result = std::remove_cvref_t<decltype(detail::as_traceable(result_shape_dtypes))>;
    auto [placeholders, result_structure] = tree::flatten(detail::as_traceable(result_shape_dtypes));
    std::vector<ArrayType> result_types;
    for (const Array& p : placeholders) result_types.push_back(p.type());
    auto [leaves, structure] = tree::flatten(std::forward_as_tuple(args...));
    detail::HostFunction host = [fn, structure = structure](std::span<const Array> values) {
      const auto arguments = tree::unflatten<std::tuple<Args...>>(structure, values);
      return tree::leaves(std::apply(fn, arguments));
    };
    const ArrayList outputs =
        detail::pure_callback_flat(std::move(host), std::move(result_types), leaves, options.vmap_method,
                                   // the callback's type and its arguments' static values identify the call
                                   std::string("pure_callback ") + typeid(Fn).name() + " " + structure.to_string());
    return tree::unflatten<Result>(result_structure, outputs);
  }
} pure_callback{};

}  // namespace jx
