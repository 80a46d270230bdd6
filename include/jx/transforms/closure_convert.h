// jx/transforms/closure_convert.h — jx::closure_convert (jax.closure_convert): a function that closes
// over arrays (perhaps tracers of an enclosing transformation) made into one that takes them as
// explicit arguments — what custom_vjp's bwd needs when fwd returns a closure.
//
//   auto [g, consts] = jx::closure_convert([&](const jx::Array& x) { return x * w + b; }, x);
//   g(x, consts);  // == x * w + b, with w and b among consts
//
// The example arguments fix the types (and structures) g accepts; consts are the captured arrays, in
// the order g expects them.
#pragma once

#include <memory>
#include <source_location>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/ir/program.h"
#include "jx/transforms/autodiff.h"
#include "jx/tree.h"

namespace jx {

namespace detail {
// f traced on inputs of these types: the closed program (captured values as leading inputs) and them.
std::pair<std::shared_ptr<const Program>, ArrayList> closure_convert_flat(const FlatFunction& f,
                                                                          std::span<const ArrayType> types,
                                                                          const std::string& description);
}  // namespace detail

template <class Output, class... Inputs>
class ClosureConverted {
 public:
  ClosureConverted(std::shared_ptr<const Program> program, tree::TreeDef output_structure)
      : program_(std::move(program)), output_structure_(std::move(output_structure)) {}

  Output operator()(const Inputs&... inputs, const std::vector<Array>& consts) const {
    ArrayList leaves = consts;
    (
        [&] {
          const ArrayList values = tree::leaves(inputs);
          leaves.insert(leaves.end(), values.begin(), values.end());
        }(),
        ...);
    return tree::unflatten<Output>(output_structure_, eval_program(*program_, leaves));
  }

 private:
  std::shared_ptr<const Program> program_;
  tree::TreeDef output_structure_;
};

inline constexpr struct closure_convert_function : detail::CallWithLocation<closure_convert_function> {
  template <class F, class... Inputs>
  auto invoke(std::source_location where, const F& f, const Inputs&... examples) const {
    return detail::with_traced_numbers<F>([&](const auto&... e) { return convert(where, f, e...); }, examples...);
  }

 private:
  template <class F, class... Inputs>
  static auto convert(std::source_location where, const F& f, const Inputs&... examples) {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Inputs&...>>;
    CallSite site(where);
    detail::FlatCall<F, Inputs...> call{f, {}, {}, {}};
    std::vector<ArrayType> types;
    for (const Array& leaf : call.flatten_inputs(examples...)) types.push_back(leaf.type());
    auto [program, consts] = detail::closure_convert_flat(
        std::ref(call), types, "closure_convert of the function called at " + format_location(where));
    return std::make_pair(ClosureConverted<Output, Inputs...>(std::move(program), call.output_structure),
                          std::vector<Array>(std::move(consts)));
  }
} closure_convert{};

}  // namespace jx
