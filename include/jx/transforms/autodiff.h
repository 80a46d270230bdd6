// jx/transforms/autodiff.h — automatic differentiation: grad, value_and_grad, vjp, jvp, linearize
// (Jacobians and Hessians are in jx/transforms/jacobian.h). Any order, any nesting with jit and each other.
//
// Gradients have the type of the argument they are taken with respect to (Params in, Params out);
// only floating-point leaves are differentiable.
//
//   Params g = jx::grad(loss)(params, x, y);                       // d loss / d params
//   auto [gp, gx] = jx::grad(loss, jx::argnums<0, 1>)(params, x, y);
//   auto [value, g2] = jx::value_and_grad(loss)(params, x, y);
//   auto [value_and_aux, g3] = jx::value_and_grad(f, jx::has_aux)(x);  // f returns (value, aux)
//   auto [out, pullback] = jx::vjp(f, x);  auto [ct_x] = pullback(ct_out);
//   auto [out, tangent] = jx::jvp(f, std::tuple{x}, std::tuple{t});
//   float slope = jx::grad(jnp::tanh)(2.0).item<float>();          // 0.0706508: numbers are traced
//
// A C++ number is traced where the function's parameter is a jx::Array (jx/transforms/arguments.h);
// differentiating with respect to an argument that cannot hold an array does not compile.
//
// Integer leaves of a differentiated argument are an error (as in JAX) unless jx::allow_int is
// passed; their gradient is then an array of dtype float0. Keys never get a gradient (float0).
//
// Complex numbers follow JAX's convention: grad of a real-valued function of z = x + i y is
// df/dx - i df/dy (2 conj(z) for |z|^2), so gradient descent steps against its conjugate.
// A function with a complex output is differentiated with jx::holomorphic (its inputs must be
// complex, and the result is df/dz), or with jx::vjp for functions that are not holomorphic:
//   jx::grad(jnp::sin, jx::holomorphic)(std::complex<float>(3, 4))   // cos(3 + 4i)
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <source_location>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/caller_location.h"
#include "jx/core/error.h"
#include "jx/transforms/arguments.h"
#include "jx/tree.h"
#include "jx/tree/holds_arrays.h"

namespace jx {

template <int... I>
struct Argnums {};
template <int... I>
inline constexpr Argnums<I...> argnums{};
struct HasAux {};
inline constexpr HasAux has_aux{};
struct AllowInt {};
inline constexpr AllowInt allow_int{};
struct Holomorphic {};
inline constexpr Holomorphic holomorphic{};

namespace detail {

using FlatFunction = std::function<ArrayList(std::span<const Array>)>;
class Linearized;

// The type-erased core (src/transforms/autodiff.cpp).
std::shared_ptr<Linearized> linearize_flat(std::span<const Array> primals, const std::vector<bool>& wrt,
                                           const FlatFunction& fn, const std::string& description);
ArrayList linearized_primals(const Linearized& l);
ArrayList linearized_transpose(const Linearized& l, std::span<const Array> output_cotangents);
ArrayList linearized_apply(const Linearized& l, std::span<const Array> input_tangents);
std::pair<ArrayList, ArrayList> jvp_flat(std::span<const Array> primals, std::span<const Array> tangents,
                                         const FlatFunction& fn, const std::string& description);
Array zeros_of(const ArrayType& type);
Array ones_like_scalar(const Array& x);
// Which leaves are differentiated; throws TypeError for integer leaves unless allowed.
std::vector<bool> differentiable_leaves(std::span<const Array> leaves, const tree::TreeDef& structure, int argnum,
                                        bool allow_int, const char* transform);
// The gradient of each leaf: its cotangent, or zeros (float0 zeros for undifferentiated leaves).
std::vector<Array> gradient_leaves(std::span<const Array> cotangents, std::span<const Array> primals,
                                   const std::vector<bool>& wrt);
// A scalar output, real (or complex for a holomorphic function, whose inputs must be complex too).
void check_scalar_output(const Array& value, const char* transform, bool holomorphic = false);
// JAX's rule for a value derivatives are taken of: complex with holomorphic, a real float otherwise.
// `what` names the value in the error ("the output", "output leaf 2").
void check_differentiated_output(DType dtype, bool holomorphic, const char* transform, const std::string& what);
void check_holomorphic_inputs(std::span<const Array> primals, const std::vector<bool>& wrt, const char* transform);

template <class T>
struct GradOptions;
template <>
struct GradOptions<std::tuple<>> {
  static constexpr bool has_aux = false, allow_int = false, holomorphic = false, explicit_argnums = false;
};
template <int... I, class... Rest>
struct GradOptions<std::tuple<Argnums<I...>, Rest...>> : GradOptions<std::tuple<Rest...>> {
  static constexpr bool explicit_argnums = true;
  using Argnums = jx::Argnums<I...>;
};
template <class... Rest>
struct GradOptions<std::tuple<HasAux, Rest...>> : GradOptions<std::tuple<Rest...>> {
  static constexpr bool has_aux = true;
};
template <class... Rest>
struct GradOptions<std::tuple<AllowInt, Rest...>> : GradOptions<std::tuple<Rest...>> {
  static constexpr bool allow_int = true;
};
template <class... Rest>
struct GradOptions<std::tuple<Holomorphic, Rest...>> : GradOptions<std::tuple<Rest...>> {
  static constexpr bool holomorphic = true;
};

template <class Options>
constexpr auto argnums_of() {
  if constexpr (requires { typename Options::Argnums; }) {
    return []<int... I>(jx::Argnums<I...>) { return std::array<int, sizeof...(I)>{I...}; }
    (typename Options::Argnums{});
  } else {
    return std::array<int, 1>{0};
  }
}

template <int Index, class... Args>
using ArgType = std::decay_t<std::tuple_element_t<static_cast<std::size_t>(Index), std::tuple<Args...>>>;

}  // namespace detail

namespace detail {
template <std::size_t N>
constexpr int position_of(const std::array<int, N>& values, int value) {
  for (std::size_t i = 0; i < N; ++i) {
    if (values[i] == value) return static_cast<int>(i);
  }
  return -1;
}

// The arguments a transformation differentiates (positions Argnums of Args), flattened one after
// another: their leaves, which of them are differentiated, and how to rebuild them.
template <auto Argnums, class... Args>
struct DifferentiatedArguments {
  static constexpr std::size_t kCount = Argnums.size();
  template <std::size_t K>
  using Type = ArgType<Argnums[K], Args...>;

  std::vector<Array> primals;
  std::vector<bool> wrt;
  std::array<tree::TreeDef, kCount> structures;
  std::array<std::size_t, kCount + 1> offsets{};

  DifferentiatedArguments(const std::tuple<const Args&...>& arguments, bool allow_int, const char* transform) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (add<K>(std::get<Argnums[K]>(arguments), allow_int, transform), ...);
    }
    (std::make_index_sequence<kCount>{});
  }

  // The argument at position P, rebuilt from `inputs` (one leaf per primal) if it is differentiated,
  // the caller's otherwise.
  template <std::size_t P>
  auto argument(const std::tuple<const Args&...>& arguments, std::span<const Array> inputs) const {
    constexpr int k = position_of(Argnums, static_cast<int>(P));
    if constexpr (k < 0) {
      return std::decay_t<std::tuple_element_t<P, std::tuple<Args...>>>(std::get<P>(arguments));
    } else {
      return rebuild_one<static_cast<std::size_t>(k)>(inputs);
    }
  }

  // Values shaped like the differentiated arguments, from one leaf per primal: the argument's type for
  // one argnum, a tuple of them for several.
  auto rebuild(std::span<const Array> leaves) const {
    return [&]<std::size_t... K>(std::index_sequence<K...>) {
      if constexpr (kCount == 1)
        return rebuild_one<0>(leaves);
      else
        return std::make_tuple(rebuild_one<K>(leaves)...);
    }
    (std::make_index_sequence<kCount>{});
  }

  template <std::size_t K>
  Type<K> rebuild_one(std::span<const Array> leaves) const {
    return tree::unflatten<Type<K>>(structures[K], leaves.subspan(offsets[K], offsets[K + 1] - offsets[K]));
  }

 private:
  template <std::size_t K, class T>
  void add(const T& value, bool allow_int, const char* transform) {
    auto [leaves, structure] = tree::flatten(value);
    const std::vector<bool> mask = differentiable_leaves(leaves, structure, Argnums[K], allow_int, transform);
    offsets[K + 1] = offsets[K] + leaves.size();
    primals.insert(primals.end(), leaves.begin(), leaves.end());
    wrt.insert(wrt.end(), mask.begin(), mask.end());
    structures[K] = std::move(structure);
  }
};
}  // namespace detail

// --- grad and value_and_grad -------------------------------------------------------------------------

template <class F, class Options, bool WithValue>
class Grad : public detail::CallWithLocation<Grad<F, Options, WithValue>> {
 public:
  explicit Grad(F f) : f_(std::move(f)) {}

  // Numbers are traced where f takes arrays (jx/transforms/arguments.h): grad(f)(2.0).
  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = detail::array_parameter<F, I, Args...>();

  template <class... Args>
  auto invoke(std::source_location where, const Args&... args) const {
    return detail::with_traced_numbers<F, detail::NumberTyping::strong>(
        [&](const auto&... arguments) {
          return call(where, std::index_sequence_for<Args...>{}, std::make_index_sequence<kArgnums.size()>{},
                      arguments...);
        },
        args...);
  }

 private:
  static constexpr auto kArgnums = detail::argnums_of<Options>();

  template <std::size_t... I, std::size_t... K, class... Args>
  auto call(std::source_location where, std::index_sequence<I...>, std::index_sequence<K...>,
            const Args&... args) const {
    static_assert(((kArgnums[K] >= 0 && kArgnums[K] < static_cast<int>(sizeof...(Args))) && ...),
                  "jx::grad: an argnum is out of range for the arguments given");
    static_assert((tree::can_hold_arrays<detail::ArgType<kArgnums[K], Args...>> && ...),
                  "jx::grad: the argument differentiated with respect to has no array leaves (a C++ number is "
                  "traced only where the function's parameter is a jx::Array)");
    static_assert(std::is_invocable_v<const F&, const std::decay_t<Args>&...>,
                  "jx::grad: the function cannot be called with these arguments");
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const std::decay_t<Args>&...>>;
    CallSite site(where);
    const std::tuple<const Args&...> arguments(args...);
    const detail::DifferentiatedArguments<kArgnums, Args...> differentiated(arguments, Options::allow_int, "grad");
    tree::TreeDef aux_structure;
    const detail::FlatFunction fn = [&](std::span<const Array> inputs) -> ArrayList {
      const Output output = f_(differentiated.template argument<I>(arguments, inputs)...);
      if constexpr (Options::has_aux) {
        ArrayList leaves{Array(std::get<0>(output))};
        aux_structure.clear();
        tree::flatten_into(std::get<1>(output), aux_structure, leaves);
        return leaves;
      } else {
        return {Array(output)};
      }
    };
    const char* transform = WithValue ? "value_and_grad" : "grad";
    if constexpr (Options::holomorphic) {
      detail::check_holomorphic_inputs(differentiated.primals, differentiated.wrt, transform);
    }
    const auto linearized = detail::linearize_flat(differentiated.primals, differentiated.wrt, fn,
                                                   "grad of the function called at " + format_location(where));
    const ArrayList outputs = detail::linearized_primals(*linearized);
    const Array& value = outputs[0];
    detail::check_scalar_output(value, transform, Options::holomorphic);
    ArrayList cotangents(outputs.size());
    cotangents[0] = detail::ones_like_scalar(value);
    const ArrayList input_cotangents = detail::linearized_transpose(*linearized, cotangents);
    const std::vector<Array> gradients =
        detail::gradient_leaves(input_cotangents, differentiated.primals, differentiated.wrt);
    auto all_gradients = [&] { return differentiated.rebuild(gradients); };
    if constexpr (Options::has_aux) {
      using Aux = std::remove_cvref_t<std::tuple_element_t<1, Output>>;
      Aux aux = tree::unflatten<Aux>(aux_structure, std::span<const Array>(outputs).subspan(1));
      if constexpr (WithValue)
        return std::make_pair(std::make_pair(value, std::move(aux)), all_gradients());
      else
        return std::make_pair(all_gradients(), std::move(aux));
    } else {
      if constexpr (WithValue)
        return std::make_pair(value, all_gradients());
      else
        return all_gradients();
    }
  }

  F f_;
};

// jx::grad(f), jx::grad(f, jx::argnums<0, 2>), jx::grad(f, jx::has_aux), ... (options in any order).
// Errors name the line that calls the result.
template <class F, class... Options>
auto grad(F f, Options...) {
  return Grad<F, detail::GradOptions<std::tuple<Options...>>, false>(std::move(f));
}
template <class F, class... Options>
auto value_and_grad(F f, Options...) {
  return Grad<F, detail::GradOptions<std::tuple<Options...>>, true>(std::move(f));
}

// --- vjp, jvp, linearize --------------------------------------------------------------------------

// The pullback of a vjp: output cotangent (structured like the output) -> a tuple of cotangents
// structured like the inputs.
template <class Output, class... Inputs>
class Pullback {
 public:
  Pullback(std::shared_ptr<detail::Linearized> linearized, std::shared_ptr<const std::vector<Array>> primals,
           std::array<tree::TreeDef, sizeof...(Inputs)> structures)
      : linearized_(std::move(linearized)), primals_(std::move(primals)), structures_(std::move(structures)) {}

  std::tuple<Inputs...> operator()(const Output& cotangent,
                                   std::source_location where = std::source_location::current()) const {
    CallSite site(where);
    const ArrayList output_cotangents = tree::leaves(cotangent);
    const ArrayList input_cotangents = detail::linearized_transpose(*linearized_, output_cotangents);
    std::vector<bool> wrt;
    for (const Array& p : *primals_) wrt.push_back(is_inexact(p.dtype()));
    const std::vector<Array> leaves = detail::gradient_leaves(input_cotangents, *primals_, wrt);
    std::size_t offset = 0;
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple<Inputs...>{[&] {
        const std::size_t n = structures_[I].num_leaves();
        auto value = tree::unflatten<Inputs>(structures_[I], std::span<const Array>(leaves).subspan(offset, n));
        offset += n;
        return value;
      }()...};
    }
    (std::index_sequence_for<Inputs...>{});
  }

 private:
  std::shared_ptr<detail::Linearized> linearized_;
  std::shared_ptr<const std::vector<Array>> primals_;
  std::array<tree::TreeDef, sizeof...(Inputs)> structures_;
};

namespace detail {
// Flattens inputs, rebuilds them from a flat span for the function, and flattens its output.
template <class F, class... Inputs>
struct FlatCall {
  const F& f;
  std::array<tree::TreeDef, sizeof...(Inputs)> structures;
  std::array<std::size_t, sizeof...(Inputs) + 1> offsets{};
  tree::TreeDef output_structure;

  std::vector<Array> flatten_inputs(const Inputs&... inputs) {
    std::vector<Array> leaves;
    std::size_t k = 0;
    (
        [&] {
          auto [values, structure] = tree::flatten(inputs);
          leaves.insert(leaves.end(), values.begin(), values.end());
          structures[k] = std::move(structure);
          offsets[k + 1] = leaves.size();
          ++k;
        }(),
        ...);
    return leaves;
  }

  ArrayList operator()(std::span<const Array> leaves) {
    auto output = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return f(tree::unflatten<Inputs>(structures[I], leaves.subspan(offsets[I], offsets[I + 1] - offsets[I]))...);
    }
    (std::index_sequence_for<Inputs...>{});
    ArrayList out;
    output_structure.clear();
    tree::flatten_into(output, output_structure, out);
    return out;
  }
};
}  // namespace detail

// jx::vjp(f, primals...): (f(primals...), pullback), where pullback(output cotangent) returns a tuple
// of cotangents, one per primal, each structured like it (an array for a number).
inline constexpr struct vjp_function : detail::CallWithLocation<vjp_function> {
  template <class F, class... Inputs>
  auto invoke(std::source_location where, const F& f, const Inputs&... primals) const {
    return detail::with_traced_numbers<F, detail::NumberTyping::strong>(
        [&](const auto&... p) { return vjp_of(where, f, p...); }, primals...);
  }

 private:
  template <class F, class... Inputs>
  static auto vjp_of(std::source_location where, const F& f, const Inputs&... primals) {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Inputs&...>>;
    CallSite site(where);
    auto call = std::make_shared<detail::FlatCall<F, Inputs...>>(detail::FlatCall<F, Inputs...>{f, {}, {}, {}});
    auto leaves = std::make_shared<const std::vector<Array>>(call->flatten_inputs(primals...));
    std::vector<bool> wrt;
    for (const Array& p : *leaves) wrt.push_back(is_inexact(p.dtype()));
    auto linearized = detail::linearize_flat(*leaves, wrt, std::ref(*call), "vjp called at " + format_location(where));
    const ArrayList outputs = detail::linearized_primals(*linearized);
    Output output = tree::unflatten<Output>(call->output_structure, outputs);
    return std::make_pair(std::move(output),
                          Pullback<Output, Inputs...>(std::move(linearized), std::move(leaves), call->structures));
  }
} vjp{};

// (f(primals...), the directional derivative along tangents...): jx::jvp(f, std::tuple{x}, std::tuple{t}).
// Numbers among the primals and tangents are traced where f takes arrays.
template <class F, class... Primals, class... Tangents>
auto jvp(const F& f, const std::tuple<Primals...>& primals, const std::tuple<Tangents...>& tangents,
         std::source_location where = std::source_location::current()) {
  static_assert(sizeof...(Primals) == sizeof...(Tangents), "jx::jvp: give one tangent per primal");
  CallSite site(where);
  return std::apply(
      [&](const auto&... p) {
        return detail::with_traced_numbers<F>(
            [&](const auto&... primal) {
              using Output = std::remove_cvref_t<std::invoke_result_t<const F&, decltype(primal)...>>;
              detail::FlatCall<F, std::remove_cvref_t<decltype(primal)>...> call{f, {}, {}, {}};
              const std::vector<Array> primal_leaves = call.flatten_inputs(primal...);
              const std::vector<Array> tangent_leaves = std::apply(
                  [&](const auto&... t) {
                    std::vector<Array> leaves;
                    (
                        [&](const auto& tangent) {
                          const auto values = tree::leaves(tangent);
                          leaves.insert(leaves.end(), values.begin(), values.end());
                        }(t),
                        ...);
                    return leaves;
                  },
                  [&]<std::size_t... I>(std::index_sequence<I...>) {
                    return std::tuple<detail::ArgumentType<F, I, Tangents...>...>(
                        detail::as_argument<F, I, Tangents...>(std::get<I>(tangents), detail::NumberTyping::weak)...);
                  }(std::index_sequence_for<Tangents...>{}));
              auto [outputs, output_tangents] = detail::jvp_flat(primal_leaves, tangent_leaves, std::ref(call),
                                                                 "jvp called at " + format_location(where));
              return std::make_pair(tree::unflatten<Output>(call.output_structure, outputs),
                                    tree::unflatten<Output>(call.output_structure, output_tangents));
            },
            p...);
      },
      primals);
}

// jx::linearize(f, primals...): (f(primals...), f_jvp) where f_jvp(tangents...) evaluates the
// linearized function.
inline constexpr struct linearize_function : detail::CallWithLocation<linearize_function> {
  template <class F, class... Inputs>
  auto invoke(std::source_location where, const F& f, const Inputs&... primals) const {
    return detail::with_traced_numbers<F>([&](const auto&... p) { return linearize_of(where, f, p...); }, primals...);
  }

 private:
  template <class F, class... Inputs>
  static auto linearize_of(std::source_location where, const F& f, const Inputs&... primals) {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Inputs&...>>;
    CallSite site(where);
    auto call = std::make_shared<detail::FlatCall<F, Inputs...>>(detail::FlatCall<F, Inputs...>{f, {}, {}, {}});
    const std::vector<Array> leaves = call->flatten_inputs(primals...);
    std::vector<bool> wrt;
    for (const Array& p : leaves) wrt.push_back(is_inexact(p.dtype()));
    auto linearized =
        detail::linearize_flat(leaves, wrt, std::ref(*call), "linearize called at " + format_location(where));
    Output output = tree::unflatten<Output>(call->output_structure, detail::linearized_primals(*linearized));
    auto f_jvp = [linearized, call](const Inputs&... tangents) {
      std::vector<Array> tangent_leaves;
      (
          [&] {
            const auto values = tree::leaves(tangents);
            tangent_leaves.insert(tangent_leaves.end(), values.begin(), values.end());
          }(),
          ...);
      return tree::unflatten<Output>(call->output_structure, detail::linearized_apply(*linearized, tangent_leaves));
    };
    return std::make_pair(std::move(output), std::move(f_jvp));
  }
} linearize{};

}  // namespace jx
