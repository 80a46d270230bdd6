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
//
// A policy lets it keep some intermediates after all (jax.checkpoint_policies): the products, say,
// which are costly to recompute, while the cheap elementwise results are recomputed.
//
//   auto layer = jx::checkpoint(f, {.policy = jx::checkpoint_policies::dots_saveable()});
//   auto named = jx::checkpoint(g, {.policy = jx::checkpoint_policies::save_only_these_names({"hidden"})});
//   // ... inside g: h = jx::checkpoint_name(jnp::tanh(z), "hidden");
#pragma once

#include <functional>
#include <memory>
#include <source_location>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "jx/core/array.h"
#include "jx/ir/primitive.h"
#include "jx/transforms/control_flow.h"

namespace jx {

// Which intermediates of a checkpointed function reverse mode keeps: those computed by an equation for
// which `saveable(primitive, input types)` is true; the rest it recomputes from them and the inputs.
struct CheckpointPolicy {
  std::string name;  // shown in the jaxpr; programs with equally named policies compare equal
  std::function<bool(const Primitive& primitive, std::span<const ArrayType> input_types)> saveable;
};

// JAX's policies (jax.checkpoint_policies), by the same names. The offloading ones have no meaning
// on a host-only build and are not offered.
namespace checkpoint_policies {
CheckpointPolicy everything_saveable();               // keep all: as if not checkpointed
CheckpointPolicy nothing_saveable();                  // keep only the inputs: jx::checkpoint's default
CheckpointPolicy dots_saveable();                     // keep the results of dot_general (matmuls, einsums)
CheckpointPolicy checkpoint_dots();                   // the same, JAX's older name
CheckpointPolicy dots_with_no_batch_dims_saveable();  // of dot_general without batch dimensions
CheckpointPolicy checkpoint_dots_with_no_batch_dims();
// Values named with jx::checkpoint_name:
CheckpointPolicy save_only_these_names(std::vector<std::string> names);
CheckpointPolicy save_any_names_but_these(std::vector<std::string> names);
CheckpointPolicy save_anything_except_these_names(std::vector<std::string> names);
// Saveable under either policy.
CheckpointPolicy save_from_both_policies(CheckpointPolicy a, CheckpointPolicy b);
}  // namespace checkpoint_policies

struct CheckpointOptions {
  CheckpointPolicy policy = checkpoint_policies::nothing_saveable();
};

// x, named for the policies above (jax.ad_checkpoint.checkpoint_name); the identity otherwise.
Array checkpoint_name(const Array& x, const std::string& name);
// The name of a checkpoint_name equation's primitive, for policies of one's own ("" for others).
std::string checkpoint_name_of(const Primitive& primitive);

namespace detail {
ArrayList checkpoint_flat(const FlatFunction& f, std::span<const Array> leaves, std::source_location where,
                          const CheckpointPolicy& policy);
std::vector<ArrayType> saved_residuals_flat(const FlatFunction& f, std::span<const Array> leaves);
}  // namespace detail

template <class F>
class Checkpointed {
 public:
  Checkpointed(F f, CheckpointOptions options, std::source_location where)
      : f_(std::move(f)), options_(std::move(options)), where_(where) {}

  template <class... Args>
  auto operator()(const Args&... args) const {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    detail::Packed<Args...> packed;
    const std::vector<Array> leaves = packed.flatten(args...);
    tree::TreeDef output_structure;
    const ArrayList outputs =
        detail::checkpoint_flat(detail::flat_branch(f_, packed, output_structure), leaves, where_, options_.policy);
    return tree::unflatten<Output>(output_structure, outputs);
  }

 private:
  F f_;
  CheckpointOptions options_;
  std::source_location where_;
};

template <class F>
Checkpointed<F> checkpoint(F f, CheckpointOptions options = {},
                           std::source_location where = std::source_location::current()) {
  return Checkpointed<F>(std::move(f), std::move(options), where);
}
template <class F>
Checkpointed<F> remat(F f, CheckpointOptions options = {},
                      std::source_location where = std::source_location::current()) {
  return Checkpointed<F>(std::move(f), std::move(options), where);
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
