// jx/transforms/checkpoint.h — jx::checkpoint (also jx::remat): trade computation for memory in
// reverse mode, as jax.checkpoint does.
//
// Reverse mode normally keeps the intermediates of the forward pass that the backward pass needs (the
// residuals). Inside a checkpointed function it keeps only the function's inputs and computes the
// rest again during the backward pass. Values and gradients are unchanged.
//
//   auto block = jx::checkpoint([](const jx::Array& w, const jx::Array& x) { return jnp::tanh(jnp::matmul(x, w)); });
//   auto loss = [&](const jx::Array& w, const jx::Array& x) { return jnp::sum(block(w, block(w, x))); };
//   jx::grad(loss)(w, x);                   // keeps the blocks' inputs, not what is inside them
//   jx::saved_residuals(loss)(w, x);        // the types of what reverse mode keeps, to compare
#pragma once

#include <source_location>
#include <span>
#include <type_traits>
#include <vector>

#include "jx/core/array.h"
#include "jx/transforms/control_flow.h"

namespace jx {
namespace detail {
ArrayList checkpoint_flat(const FlatFunction& f, std::span<const Array> leaves, std::source_location where);
std::vector<ArrayType> saved_residuals_flat(const FlatFunction& f, std::span<const Array> leaves);
}  // namespace detail

template <class F>
class Checkpointed {
 public:
  Checkpointed(F f, std::source_location where) : f_(std::move(f)), where_(where) {}

  template <class... Args>
  auto operator()(const Args&... args) const {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    detail::Packed<Args...> packed;
    const std::vector<Array> leaves = packed.flatten(args...);
    tree::TreeDef output_structure;
    const ArrayList outputs =
        detail::checkpoint_flat(detail::flat_branch(f_, packed, output_structure), leaves, where_);
    return tree::unflatten<Output>(output_structure, outputs);
  }

 private:
  F f_;
  std::source_location where_;
};

template <class F>
Checkpointed<F> checkpoint(F f, std::source_location where = std::source_location::current()) {
  return Checkpointed<F>(std::move(f), where);
}
template <class F>
Checkpointed<F> remat(F f, std::source_location where = std::source_location::current()) {
  return Checkpointed<F>(std::move(f), where);
}

// The types of the residuals reverse mode keeps to differentiate f at these arguments (with respect to
// every floating-point leaf), as jax.ad_checkpoint.saved_residuals lists them.
template <class F>
auto saved_residuals(F f) {
  return [f = std::move(f)](const auto&... args) {
    detail::Packed<std::remove_cvref_t<decltype(args)>...> packed;
    const std::vector<Array> leaves = packed.flatten(args...);
    tree::TreeDef output_structure;
    return detail::saved_residuals_flat(detail::flat_branch(f, packed, output_structure), leaves);
  };
}

}  // namespace jx
