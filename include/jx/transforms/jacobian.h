// jx/transforms/jacobian.h — Jacobians and Hessians: jacfwd, jacrev (also spelled jacobian), hessian,
// over pytrees of inputs and outputs, with argnums and has_aux as jx::grad takes them.
//
//   jx::Array j = jx::jacrev(f)(x);                       // f: Array -> Array; shape f(x).shape + x.shape
//   Params jw = jx::jacfwd(loss)(params, batch);          // scalar output: shaped like the input
//   auto [ja, jb] = jx::jacrev(f, jx::argnums<0, 1>)(a, b);
//   Out jo = jx::jacfwd(g)(x);                            // one array input: shaped like the output
//   jx::tree::Tree h = jx::hessian(loss)(params, batch);  // h["w"]["b"]: d²loss / dw db
//
// As in JAX, the result has the output's structure on the outside and the differentiated inputs'
// inside, each leaf of shape output_leaf.shape + input_leaf.shape. C++ types say which: when the output
// is one array the result is shaped like the inputs; when the one input is an array it is shaped like
// the output; otherwise it is a jx::tree::Tree (structs become dicts of their fields).
//
// jacfwd pushes forward one tangent per input element (jvp), jacrev pulls back one cotangent per output
// element (vjp), both batched with vmap; pick the one whose side is smaller. Only jacfwd works through
// loops whose trip count depends on data (lax::while_loop), as in JAX. jacrev needs real floating-point
// outputs and jacfwd real floating-point inputs (jacrev takes jx::allow_int, giving float0 blocks for
// integer inputs, and complex inputs, giving df/dx - i df/dy as grad does). With jx::holomorphic, inputs
// and outputs are complex and the blocks are the complex derivatives df/dz:
//   jx::jacfwd(f, jx::holomorphic)(z)   // for f: C^n -> C^m holomorphic
#pragma once

#include <cstddef>
#include <source_location>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/transforms/autodiff.h"
#include "jx/tree.h"

namespace jx {

namespace detail {
// blocks[i][j]: the derivative of output leaf i (of the first num_values) with respect to primal j, of
// shape output_i.shape + primal_j.shape (float0 zeros for primals not differentiated). Reverse mode,
// from the linearized function:
std::vector<ArrayList> jacobian_blocks(const Linearized& linearized, std::span<const Array> primals,
                                       const std::vector<bool>& wrt, std::size_t num_values, const char* transform,
                                       bool holomorphic);
// JAX's dtype rules for the differentiated inputs: complex with holomorphic; otherwise real floats for
// jacfwd, and real or complex for jacrev.
void check_jacobian_inputs(std::span<const Array> primals, const std::vector<bool>& wrt, bool holomorphic,
                           bool forward);
// Forward mode, from jvp; fn writes the structure of its differentiated outputs to value_structure.
struct ForwardJacobian {
  ArrayList outputs;
  std::vector<ArrayList> blocks;
};
ForwardJacobian jacobian_forward(std::span<const Array> primals, const std::vector<bool>& wrt, const FlatFunction& fn,
                                 const tree::TreeDef& value_structure, const std::string& description,
                                 bool holomorphic);

template <class Value, class Differentiated>
auto assemble_jacobian(const Differentiated& inputs, const tree::TreeDef& value_structure,
                       const std::vector<ArrayList>& blocks) {
  if constexpr (std::is_same_v<Value, Array>) {
    return inputs.rebuild(blocks[0]);
  } else if constexpr (Differentiated::kCount == 1 &&
                       std::is_same_v<typename Differentiated::template Type<0>, Array>) {
    ArrayList column;
    for (const ArrayList& row : blocks) column.push_back(row[0]);
    return tree::unflatten<Value>(value_structure, column);
  } else {
    std::vector<tree::Tree> rows;
    for (const ArrayList& row : blocks) rows.push_back(tree::to_dynamic(inputs.rebuild(row)));
    return tree::detail::build_dynamic(value_structure, std::move(rows));
  }
}
}  // namespace detail

template <class F, class Options, bool Forward>
class Jacobian : public detail::CallWithLocation<Jacobian<F, Options, Forward>> {
 public:
  explicit Jacobian(F f) : f_(std::move(f)) {}

  // Numbers are traced where f takes arrays (jx/transforms/arguments.h).
  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = detail::array_parameter<F, I, Args...>();

  template <class... Args>
  auto invoke(std::source_location where, const Args&... args) const {
    return detail::with_traced_numbers<F>(
        [&](const auto&... arguments) {
          return call(where, std::index_sequence_for<Args...>{}, std::make_index_sequence<kArgnums.size()>{},
                      arguments...);
        },
        args...);
  }

 private:
  static constexpr auto kArgnums = detail::argnums_of<Options>();
  static constexpr const char* kName = Forward ? "jacfwd" : "jacrev";

  template <std::size_t... I, std::size_t... K, class... Args>
  auto call(std::source_location where, std::index_sequence<I...>, std::index_sequence<K...>,
            const Args&... args) const {
    static_assert(((kArgnums[K] >= 0 && kArgnums[K] < static_cast<int>(sizeof...(Args))) && ...),
                  "jx::jacfwd/jacrev: an argnum is out of range for the arguments given");
    static_assert((tree::can_hold_arrays<detail::ArgType<kArgnums[K], Args...>> && ...),
                  "jx::jacfwd/jacrev: the argument differentiated with respect to has no array leaves (a C++ "
                  "number is traced only where the function's parameter is a jx::Array)");
    static_assert(std::is_invocable_v<const F&, const std::decay_t<Args>&...>,
                  "jx::jacfwd/jacrev: the function cannot be called with these arguments");
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const std::decay_t<Args>&...>>;
    CallSite site(where);
    const std::tuple<const Args&...> arguments(args...);
    const detail::DifferentiatedArguments<kArgnums, Args...> inputs(arguments, !Forward && Options::allow_int, kName);
    detail::check_jacobian_inputs(inputs.primals, inputs.wrt, Options::holomorphic, Forward);
    tree::TreeDef value_structure;
    tree::TreeDef aux_structure;
    const detail::FlatFunction fn = [&](std::span<const Array> leaves) -> ArrayList {
      const Output output = f_(inputs.template argument<I>(arguments, leaves)...);
      ArrayList outputs;
      value_structure.clear();
      if constexpr (Options::has_aux) {
        tree::flatten_into(std::get<0>(output), value_structure, outputs);
        aux_structure.clear();
        tree::flatten_into(std::get<1>(output), aux_structure, outputs);
      } else {
        tree::flatten_into(output, value_structure, outputs);
      }
      return outputs;
    };
    const std::string description = std::string(kName) + " of the function called at " + format_location(where);
    ArrayList outputs;
    std::vector<ArrayList> blocks;
    if constexpr (Forward) {
      detail::ForwardJacobian forward =
          detail::jacobian_forward(inputs.primals, inputs.wrt, fn, value_structure, description, Options::holomorphic);
      outputs = std::move(forward.outputs);
      blocks = std::move(forward.blocks);
    } else {
      const auto linearized = detail::linearize_flat(inputs.primals, inputs.wrt, fn, description);
      outputs = detail::linearized_primals(*linearized);
      blocks = detail::jacobian_blocks(*linearized, inputs.primals, inputs.wrt, value_structure.num_leaves(), kName,
                                       Options::holomorphic);
    }
    const std::size_t num_values = value_structure.num_leaves();
    if constexpr (Options::has_aux) {
      using Value = std::remove_cvref_t<std::tuple_element_t<0, Output>>;
      using Aux = std::remove_cvref_t<std::tuple_element_t<1, Output>>;
      return std::make_pair(detail::assemble_jacobian<Value>(inputs, value_structure, blocks),
                            tree::unflatten<Aux>(aux_structure, std::span<const Array>(outputs).subspan(num_values)));
    } else {
      return detail::assemble_jacobian<Output>(inputs, value_structure, blocks);
    }
  }

  F f_;
};

// jx::jacrev(f), jx::jacrev(f, jx::argnums<0, 1>, jx::has_aux, jx::allow_int) (options in any order).
template <class F, class... Options>
auto jacrev(F f, Options...) {
  return Jacobian<F, detail::GradOptions<std::tuple<Options...>>, false>(std::move(f));
}
// JAX's jax.jacobian is jacrev.
template <class F, class... Options>
auto jacobian(F f, Options... options) {
  return jacrev(std::move(f), options...);
}
// jx::jacfwd(f), jx::jacfwd(f, jx::argnums<...>, jx::has_aux).
template <class F, class... Options>
auto jacfwd(F f, Options...) {
  static_assert(!detail::GradOptions<std::tuple<Options...>>::allow_int,
                "jx::jacfwd: forward mode needs floating-point inputs (jx::allow_int is for jacrev and grad)");
  return Jacobian<F, detail::GradOptions<std::tuple<Options...>>, true>(std::move(f));
}
// The Hessian of a scalar function: jacfwd(jacrev(f)), with the same argnums, has_aux and holomorphic.
template <class F, class... Options>
auto hessian(F f, Options... options) {
  return jacfwd(jacrev(std::move(f), options...), options...);
}

}  // namespace jx
