// jx/transforms/linear_transpose.h — jx::linear_transpose (jax.linear_transpose): the transpose of a
// linear function, as a function of the output cotangent.
//
//   auto f = [](const jx::Array& x, const jx::Array& y) { return 2.0f * x + jnp::sum(y); };
//   auto f_t = jx::linear_transpose(f, x, y);   // x, y fix the input types (their values are unused)
//   auto [ct_x, ct_y] = f_t(jnp::ones(x.shape()));
//
// f must be linear in its inputs (it may use other arrays as constants); the primals give the types
// and structures of the inputs, as in JAX. The result returns a tuple with one cotangent per input,
// each structured like it. A non-linear f, or a cotangent of another type than f's output, is an error.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <source_location>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/ir/program.h"
#include "jx/transforms/autodiff.h"
#include "jx/tree.h"

namespace jx {

namespace detail {
// f traced on inputs of these types (closing over what it captures), to be run backwards.
std::shared_ptr<const Program> trace_linear(const FlatFunction& f, std::span<const ArrayType> types,
                                            const std::string& description);
// Input cotangents (zeros where none reaches an input) from output cotangents, checked against the
// program's output types.
ArrayList transpose_linear(const Program& program, std::span<const Array> output_cotangents);
}  // namespace detail

template <class Output, class... Inputs>
class LinearTransposed {
 public:
  LinearTransposed(std::shared_ptr<const Program> program, tree::TreeDef output_structure,
                   std::array<tree::TreeDef, sizeof...(Inputs)> structures)
      : program_(std::move(program)),
        output_structure_(std::move(output_structure)),
        structures_(std::move(structures)) {}

  std::tuple<Inputs...> operator()(const Output& cotangent,
                                   std::source_location where = std::source_location::current()) const {
    CallSite site(where);
    auto [leaves, structure] = tree::flatten(cotangent);
    if (!(structure == output_structure_)) {
      tree::detail::throw_structure_mismatch("linear_transpose", output_structure_, structure);
    }
    const ArrayList cotangents = detail::transpose_linear(*program_, leaves);
    std::size_t offset = 0;
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple<Inputs...>{[&] {
        const std::size_t n = structures_[I].num_leaves();
        auto value = tree::unflatten<Inputs>(structures_[I], std::span<const Array>(cotangents).subspan(offset, n));
        offset += n;
        return value;
      }()...};
    }
    (std::index_sequence_for<Inputs...>{});
  }

 private:
  std::shared_ptr<const Program> program_;
  tree::TreeDef output_structure_;
  std::array<tree::TreeDef, sizeof...(Inputs)> structures_;
};

inline constexpr struct linear_transpose_function : detail::CallWithLocation<linear_transpose_function> {
  template <class F, class... Inputs>
  auto invoke(std::source_location where, const F& f, const Inputs&... primals) const {
    return detail::with_traced_numbers<F>([&](const auto&... p) { return transpose_of(where, f, p...); }, primals...);
  }

 private:
  template <class F, class... Inputs>
  static auto transpose_of(std::source_location where, const F& f, const Inputs&... primals) {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Inputs&...>>;
    CallSite site(where);
    detail::FlatCall<F, Inputs...> call{f, {}, {}, {}};
    std::vector<ArrayType> types;
    for (const Array& leaf : call.flatten_inputs(primals...)) types.push_back(leaf.type());
    auto program = detail::trace_linear(std::ref(call), types,
                                        "linear_transpose of the function called at " + format_location(where));
    return LinearTransposed<Output, Inputs...>(std::move(program), call.output_structure, call.structures);
  }
} linear_transpose{};

}  // namespace jx
