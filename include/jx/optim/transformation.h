// jx/optim/transformation.h — GradientTransformation, Optax's optimizer value, and what combines them.
//
// An optimizer is a value with two pure functions: `init(params) -> state` and
// `update(grads, state, params) -> (updates, new_state)`, for any pytree of parameters — structs
// registered with JX_PYTREE, containers, dynamic jx::tree::Tree alike. The state (OptState) is a
// dynamic pytree whose changing parts, the step count included, are Arrays: it goes through jit
// (taken and returned by a train step without retracing), can be donated, and is saved like any
// tree. Transformations compose with chain(...) and masked(...), as in Optax.
//
//   auto opt = jx::optim::chain(jx::optim::clip_by_global_norm(1.0f), jx::optim::adam(1e-3f));
//   jx::optim::OptState state = opt.init(params);
//   auto [updates, next_state] = opt.update(grads, state, params);
//   params = jx::optim::apply_updates(params, updates);
//   std::cout << state;  // [None, [{'count': i32[], 'mu': {'b': f32[3], 'w': f32[2,3]}, 'nu': {...}}, None]]
//
// A state mirrors Optax's: chain gives a list of its parts' states; a transformation with state gives
// a dict named as Optax's NamedTuple fields ({'count', 'mu', 'nu'} for scale_by_adam), whose
// per-parameter entries are trees shaped like the parameters (structs as dicts of their fields, as
// jx::tree::to_dynamic makes them); one without state gives None.
//
// Writing a transformation: its functions see the parameters flattened — the tree's structure and
// its leaves in flattening order. A leaf that a mask hides is an empty Array (`!leaf.valid()`), as
// Optax's MaskedNode: leave it alone and keep no state for it.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/tree.h"

namespace jx::optim {

using Loc = std::source_location;

// An optimizer state: a dynamic pytree whose leaves are Arrays (and the parameters' static leaves).
using OptState = tree::Tree;

// What Optax passes to update as keyword arguments (GradientTransformationExtraArgs), on flattened
// parameters: the objective's value at the parameters, its gradient when the updates are not it, and
// the objective itself, which line searches evaluate at trial points. Transformations that need none
// of them ignore them.
struct ExtraArgs {
  std::optional<Array> value = std::nullopt;
  std::vector<Array> grad = {};  // leaves in the parameters' flattening order; empty: not given
  std::function<Array(std::span<const Array> params)> value_fn = nullptr;
};

// The same for a caller's parameter tree P: `opt.update(grads, state, params, {.value = loss,
// .value_fn = loss_of_params})`.
template <class P>
struct UpdateArgs {
  std::optional<Array> value = std::nullopt;
  std::optional<P> grad = std::nullopt;
  std::function<Array(const P& params)> value_fn = nullptr;
};

class GradientTransformation {
 public:
  // init(structure, params) -> state.
  using InitFunction = std::function<OptState(const tree::TreeDef& structure, std::span<const Array> params)>;
  // update(structure, updates, state, params) -> new state, transforming `updates` in place.
  // `params` is empty when the caller passed none.
  using UpdateFunction = std::function<OptState(const tree::TreeDef& structure, std::vector<Array>& updates,
                                                const OptState& state, std::span<const Array> params)>;

  // update with Optax's extra arguments (value, grad, value_fn), for transformations that read them.
  using UpdateWithExtraArgsFunction =
      std::function<OptState(const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                             std::span<const Array> params, const ExtraArgs& extra)>;

  // `name` is what errors call it ("scale_by_adam").
  GradientTransformation(std::string name, InitFunction init, UpdateFunction update);
  GradientTransformation(std::string name, InitFunction init, UpdateWithExtraArgsFunction update);

  // The initial state for these parameters.
  template <tree::Pytree P>
  OptState init(const P& params, Loc loc = Loc::current()) const {
    auto [leaves, structure] = tree::flatten(params);
    return init_leaves(structure, leaves, loc);
  }

  // The updates for these gradients (a tree of the parameters' structure, TreeError otherwise) and the
  // next state. Optax's `update(updates, state, params=None)`: transformations that read the
  // parameters (weight decay) throw ValueError without them.
  template <tree::Pytree G, tree::Pytree P>
  std::pair<std::remove_cvref_t<G>, OptState> update(const G& grads, const OptState& state, const P& params,
                                                     Loc loc = Loc::current()) const {
    auto [updates, structure] = tree::flatten(grads);
    auto [param_leaves, param_structure] = tree::flatten(params);
    OptState next = update_leaves(structure, updates, state, &param_structure, param_leaves, loc);
    return {tree::unflatten<std::remove_cvref_t<G>>(structure, updates), std::move(next)};
  }
  // With Optax's extra arguments: the objective's value, its gradient, the objective itself.
  template <tree::Pytree G, tree::Pytree P>
  std::pair<std::remove_cvref_t<G>, OptState> update(
      const G& grads, const OptState& state, const P& params,
      const std::type_identity_t<UpdateArgs<std::remove_cvref_t<P>>>& args, Loc loc = Loc::current()) const {
    auto [updates, structure] = tree::flatten(grads);
    auto [param_leaves, param_structure] = tree::flatten(params);
    // Without an explicit gradient, the gradients given are it (transformations down a chain see
    // updates that are no longer the gradient, so they read it from here).
    ExtraArgs extra{.value = args.value, .grad = args.grad ? tree::flatten(*args.grad).first : updates};
    if (args.value_fn) {
      extra.value_fn = [value_fn = args.value_fn, param_structure](std::span<const Array> leaves) {
        return value_fn(
            tree::unflatten<std::remove_cvref_t<P>>(param_structure, std::vector<Array>(leaves.begin(), leaves.end())));
      };
    }
    OptState next = update_leaves(structure, updates, state, &param_structure, param_leaves, extra, loc);
    return {tree::unflatten<std::remove_cvref_t<G>>(structure, updates), std::move(next)};
  }
  template <tree::Pytree G>
  std::pair<std::remove_cvref_t<G>, OptState> update(const G& grads, const OptState& state,
                                                     Loc loc = Loc::current()) const {
    auto [updates, structure] = tree::flatten(grads);
    OptState next = update_leaves(structure, updates, state, nullptr, {}, loc);
    return {tree::unflatten<std::remove_cvref_t<G>>(structure, updates), std::move(next)};
  }

  // The same on flattened trees (what chain, masked and user transformations call). `params_structure`
  // (when given) must equal `structure`.
  OptState init_leaves(const tree::TreeDef& structure, std::span<const Array> params, Loc loc = Loc::current()) const;
  OptState update_leaves(const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                         const tree::TreeDef* params_structure, std::span<const Array> params,
                         Loc loc = Loc::current()) const;
  OptState update_leaves(const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                         const tree::TreeDef* params_structure, std::span<const Array> params, const ExtraArgs& extra,
                         Loc loc = Loc::current()) const;

  const std::string& name() const;
  // The same transformation under another name (an alias made of building blocks).
  GradientTransformation with_name(std::string name) const;

 private:
  struct Functions;
  std::shared_ptr<const Functions> functions_;
};

// Which leaves a masked transformation applies to, by path and leaf (evaluated on the parameters at
// init and on the updates at update, with shapes and dtypes only: under jit the leaf is traced).
//   [](const jx::tree::KeyPath& path, const jx::Array& leaf) { return leaf.ndim() > 1; }
using Mask = std::function<bool(const tree::KeyPath& path, const Array& leaf)>;
// True for every leaf whose own name — the last field or dict key of its path — is none of these:
// `not_named({"b", "bias"})` leaves biases out of weight decay.
Mask not_named(std::vector<std::string> names);

// Applies the transformations one after the other; the state is the list of their states.
GradientTransformation chain(std::vector<GradientTransformation> transformations);
template <std::convertible_to<GradientTransformation>... T>
GradientTransformation chain(T... transformations) {
  return chain(std::vector<GradientTransformation>{GradientTransformation(std::move(transformations))...});
}

// Leaves the updates unchanged; no state.
GradientTransformation identity();

// Applies `inner` to the leaves the mask selects and passes the others through unchanged; the
// inner state holds entries for the selected leaves only. State: {'inner_state': inner's state}.
GradientTransformation masked(GradientTransformation inner, Mask mask);

namespace detail {
std::vector<Array> apply_updates_leaves(const tree::TreeDef& params_structure, std::span<const Array> params,
                                        const tree::TreeDef& updates_structure, std::span<const Array> updates,
                                        Loc loc);
}  // namespace detail

// params + updates, leaf by leaf, each result in its parameter's dtype (Optax's apply_updates).
template <tree::Pytree P, tree::Pytree U>
std::remove_cvref_t<P> apply_updates(const P& params, const U& updates, Loc loc = Loc::current()) {
  auto [param_leaves, param_structure] = tree::flatten(params);
  auto [update_values, update_structure] = tree::flatten(updates);
  const std::vector<Array> result =
      detail::apply_updates_leaves(param_structure, param_leaves, update_structure, update_values, loc);
  return tree::unflatten<std::remove_cvref_t<P>>(param_structure, result);
}

}  // namespace jx::optim
