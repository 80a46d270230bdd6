// jx/nn/stateful.h — jx's control flow and transforms inside a transformed function (Haiku's stateful
// wrappers): nn::scan, map, fori_loop, while_loop, cond, switch_, vmap, grad, value_and_grad, remat,
// eval_shape.
//
// jx::lax::cond, jx::vmap, jx::grad and the rest trace the function they are given. A module called in
// it would read and write the transformed function's state and key from inside that trace, and during
// init make its parameters there: traced values that leak out. These functions run as Haiku's do: the
// state values and the PRNG key go into the jx transform as inputs and come out of it as outputs, so
// get_state, set_state and next_rng_key work inside and what they did stays afterwards.
//
//   auto model = jx::nn::transform_with_state([](const jx::Array& x, const jx::Array& use_a) {
//     const jx::nn::Linear a(8), b(8);
//     if (jx::nn::running_init()) { a(x); b(x); }  // the branches would make different parameters
//     auto y = jx::nn::cond(use_a, [&](const jx::Array& v) { return a(v); },
//                           [&](const jx::Array& v) { return b(v); }, x);
//     return jx::nn::vmap([](const jx::Array& row) { return jnp::sum(row); }, {.split_rng = false})(y);
//   });
//
// What each may make during init, as in Haiku:
//   - scan, map, fori_loop: init runs one step before the loop, which makes the parameters and state;
//     the loop body may then make none (ValueError naming the parameter).
//   - while_loop: refuses to run during init (whether its body runs at all is known only at run time);
//     call the body unconditionally there. Its cond_fn may not set state or draw keys.
//   - cond, switch_: a branch may make parameters and state only when every branch makes the same ones
//     (otherwise a TypeError lists them): make them unconditionally during init, as above.
//   - vmap, grad, value_and_grad, remat: anything. vmap shares parameters and state by all examples:
//     what the function makes or sets must not depend on the mapped axis.
//   - eval_shape: everything the function did is forgotten, parameters made included.
// Modules made inside cond, switch_, while_loop, vmap, grad and eval_shape take their names afresh
// from those before the call, and the names are as before afterwards (Haiku decouples them); scan,
// map, fori_loop and remat name them as plain code would. Outside a transformed function each throws
// ValueError (use the jx function of the same name there).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/core/keywords_only.h"
#include "jx/nn/rng.h"
#include "jx/nn/transform.h"
#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/checkpoint.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/eval_shape.h"
#include "jx/transforms/vmap.h"
#include "jx/tree.h"

namespace jx::nn {
namespace detail {

// --- Shared by all of them (src/nn/stateful_transforms.cpp) ---------------------------------------

// ValueError naming `op` outside a transformed function, pointing at `instead`.
void require_transform(const char* op, const char* instead);

// While alive, the running function's state values and key are `carried` (loop_state's form), with no
// keys reserved, and it may make parameters and state. At destruction everything it had before comes
// back and what was made inside is dropped: those are values traced by the jx transform around, which
// leave it only as outputs (changes), to be written back by apply_changes.
class StatefulScope {
 public:
  StatefulScope(const char* op, const tree::Tree& carried);
  ~StatefulScope();
  StatefulScope(const StatefulScope&) = delete;
  StatefulScope& operator=(const StatefulScope&) = delete;
  // {"key": the key now, "state": {module: {name: current}} for the state there before, "new_params":
  // {module: {name: value}}, "new_state": {module: {name: [initial, current]}}}.
  tree::Tree changes() const;

 private:
  const char* op_;
  tree::Tree outer_;  // frame_values at entry
  std::deque<Key> reserved_;
};
// Writes changes (as StatefulScope::changes, out of the transform) into the running function; changes
// without a "key" leave its key alone.
void apply_changes(const char* op, const tree::Tree& changes);

// f(args...), or an empty tuple when f returns nothing (a branch that only has effects).
template <class F, class... Args>
auto result_of_call(const F& f, const Args&... args) {
  using Result = std::invoke_result_t<const F&, const Args&...>;
  if constexpr (std::is_void_v<Result>) {
    f(args...);
    return std::tuple<>{};
  } else {
    return std::remove_cvref_t<Result>(f(args...));
  }
}

// --- scan, map, fori_loop, while_loop, cond, switch_ (src/nn/stateful_scan.cpp, stateful_control_flow.cpp)

// The length of the loop: options.length, else the leading axis every leaf of xs shares.
std::int64_t scan_length(const char* op, std::span<const Array> xs, std::optional<std::int64_t> length);
// ValueError unless cond_fn left the state values and key as `carried` had them.
void check_loop_state_unchanged(const char* op, const tree::Tree& carried);
// A branch's changes, summarized for the error below: the parameters and state it made.
std::string made_by(const tree::Tree& changes);
// Called while handling lax::switch_'s TypeError: when the branches made different parameters or
// state during init, a TypeError saying so and how to avoid it; else the original error again.
[[noreturn]] void rethrow_branch_mismatch(const char* op, std::span<const std::string> made, bool is_cond);

// Each leaf's element `index` along its leading axis.
template <class T>
T leading_element(const T& value, std::int64_t index) {
  auto [leaves, structure] = tree::flatten(value);
  for (Array& leaf : leaves) leaf = leaf(index);
  return tree::unflatten<T>(structure, leaves);
}

// Zeros shaped as one element of each leaf (step_zeros) or as `count` of them (stacked_zeros).
template <class T>
T step_zeros(const T& value) {
  auto [leaves, structure] = tree::flatten(value);
  for (Array& leaf : leaves) {
    Shape shape = leaf.shape();
    shape.erase(0);
    leaf = numpy::zeros(shape, leaf.dtype());
  }
  return tree::unflatten<T>(structure, leaves);
}
template <class T>
T stacked_zeros(const T& value, std::int64_t count) {
  auto [leaves, structure] = tree::flatten(value);
  for (Array& leaf : leaves) {
    Shape shape = leaf.shape();
    shape.insert(0, count);
    leaf = numpy::zeros(shape, leaf.dtype());
  }
  return tree::unflatten<T>(structure, leaves);
}

// The output of the step run before the loop joined to the loop's stacked outputs: in front of them,
// or behind them when the loop ran in reverse.
template <class T>
T join_first_step(const T& first, const T& rest, bool reverse) {
  const std::vector<Array> first_leaves = tree::leaves(first);
  auto [leaves, structure] = tree::flatten(rest);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const Array one = numpy::expand_dims(first_leaves[i], 0);
    leaves[i] = reverse ? numpy::concatenate({leaves[i], one}, 0) : numpy::concatenate({one, leaves[i]}, 0);
  }
  return tree::unflatten<T>(structure, leaves);
}

template <class F, class Init, class Xs>
auto stateful_scan(const char* op, const char* instead, const F& f, const Init& init_value, const Xs& xs,
                   lax::ScanOptions options, std::source_location where) {
  using Carry = jx::detail::Operand<Init>;
  using Result = std::remove_cvref_t<std::invoke_result_t<const F&, const Carry&, const Xs&>>;
  using Ys = std::remove_cvref_t<std::tuple_element_t<1, Result>>;
  using Output = std::pair<Carry, Ys>;
  CallSite site(where);
  require_transform(op, instead);
  Carry carry(init_value);
  std::int64_t length = scan_length(op, tree::leaves(xs), options.length);
  // Module names as they stand before the first step: every trace of the body starts from them.
  const std::map<std::string, int> names_before = module_name_uses();
  std::optional<Ys> first;
  Xs rest = xs;
  if (running_init()) {
    if (length == 0) {
      // Nothing to loop over; one step on zeros still makes the parameters and gives the ys' types.
      const Result result = f(carry, step_zeros(xs));
      return Output{carry, stacked_zeros(Ys(std::get<1>(result)), 0)};
    }
    const Result result = f(carry, leading_element(xs, options.reverse ? length - 1 : 0));
    carry = Carry(std::get<0>(result));
    first.emplace(std::get<1>(result));
    rest = jx::detail::leading_slice(xs, options.reverse ? 0 : 1, length - 1, 0);
    --length;
    if (length == 0) return Output{carry, join_first_step(*first, stacked_zeros(*first, 0), false)};
  }
  std::map<std::string, int> names_after = module_name_uses();
  using Carried = std::pair<Carry, tree::Tree>;
  const auto body = [&](const Carried& carried, const Xs& x) {
    set_module_name_uses(names_before);
    const LoopBodyScope scope(op, carried.second);
    const Result result = f(carried.first, x);
    names_after = module_name_uses();
    return std::pair<Carried, Ys>{Carried{Carry(std::get<0>(result)), loop_state(op)}, Ys(std::get<1>(result))};
  };
  auto [final_carried, ys] = lax::scan(body, Carried{carry, loop_state(op)}, rest,
                                       {.length = length, .reverse = options.reverse, .unroll = options.unroll}, where);
  set_loop_state(final_carried.second);
  set_module_name_uses(std::move(names_after));
  if (first) return Output{std::move(final_carried.first), join_first_step(*first, ys, options.reverse)};
  return Output{std::move(final_carried.first), std::move(ys)};
}

// Bound is std::int64_t (static bounds) or Array (traced ones).
template <class Bound, class BodyFn, class Init>
jx::detail::Operand<Init> stateful_fori_loop(Bound lower, const Bound& upper, const BodyFn& body_fn,
                                             const Init& init_value, std::source_location where) {
  using Carry = jx::detail::Operand<Init>;
  constexpr const char* op = "nn::fori_loop";
  CallSite site(where);
  require_transform(op, "jx::lax::fori_loop");
  Carry carry(init_value);
  if (running_init()) {
    // hk.fori_loop's step before the loop, at `lower`: it makes the parameters and state.
    if constexpr (std::is_same_v<Bound, std::int64_t>) {
      if (upper <= lower) {
        // No iterations: the step only makes them, and its effects on values are undone, as the loop
        // apply runs would have none.
        const tree::Tree before = loop_state(op);
        (void)body_fn(numpy::array(lower), carry);
        set_loop_state(before);
        return carry;
      }
      carry = Carry(body_fn(numpy::array(lower), carry));
      if (++lower == upper) return carry;
    } else {
      carry = Carry(body_fn(lower, carry));
      lower = lower + 1;
    }
  }
  const std::map<std::string, int> names_before = module_name_uses();
  std::map<std::string, int> names_after = names_before;
  using Carried = std::pair<Carry, tree::Tree>;
  const auto body = [&](const Array& i, const Carried& carried) {
    set_module_name_uses(names_before);
    const LoopBodyScope scope(op, carried.second);
    Carry next(body_fn(i, carried.first));
    names_after = module_name_uses();
    return Carried{std::move(next), loop_state(op)};
  };
  Carried result = lax::fori_loop(lower, upper, body, Carried{carry, loop_state(op)}, where);
  set_loop_state(result.second);
  set_module_name_uses(std::move(names_after));
  return std::move(result.first);
}

template <class BranchTuple, class... Operands>
auto stateful_switch(const char* op, bool is_cond, std::source_location where, const Array& index,
                     const BranchTuple& branches, const Operands&... operands) {
  using First = std::invoke_result_t<const std::tuple_element_t<0, BranchTuple>&, const Operands&...>;
  using Input = std::pair<std::tuple<Operands...>, tree::Tree>;
  constexpr std::size_t count = std::tuple_size_v<BranchTuple>;
  CallSite site(where);
  require_transform(op, is_cond ? "jx::lax::cond" : "jx::lax::switch_");
  const std::map<std::string, int> names_before = module_name_uses();
  std::array<std::string, count> made;  // what each branch made (during init), for the error
  const auto wrap = [&]<std::size_t I>(std::integral_constant<std::size_t, I>) {
    return [&](const Input& input) {
      set_module_name_uses(names_before);
      const StatefulScope scope(op, input.second);
      auto output =
          std::apply([&](const Operands&... o) { return result_of_call(std::get<I>(branches), o...); }, input.first);
      tree::Tree changes = scope.changes();
      made[I] = made_by(changes);
      return std::pair{std::move(output), std::move(changes)};
    };
  };
  const auto wrapped = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::make_tuple(wrap(std::integral_constant<std::size_t, I>{})...);
  }
  (std::make_index_sequence<count>{});
  const Input input{std::tuple<Operands...>(operands...), loop_state(op)};
  auto result = [&] {
    try {
      return lax::switch_.invoke(where, index, wrapped, input);
    } catch (const TypeError&) {
      rethrow_branch_mismatch(op, made, is_cond);
    }
  }();
  set_module_name_uses(names_before);
  apply_changes(op, result.second);
  if constexpr (!std::is_void_v<First>) return std::move(result.first);
}

}  // namespace detail

// jax.lax.scan for the body of a transformed function: loops f(carry, x) -> (carry, y) over the leading
// axis of xs and returns (final carry, stacked ys), threading the module state and PRNG key.
template <class F, class Init, class Xs>
auto scan(const F& f, const Init& init_value, const Xs& xs, lax::ScanOptions options = {},
          std::source_location where = std::source_location::current()) {
  return detail::stateful_scan("nn::scan", "jx::lax::scan", f, init_value, xs, options, where);
}

// f applied to every element along the leading axis of xs, stacked: a scan without carry (hk.map).
template <class F, class Xs>
auto map(const F& f, const Xs& xs, std::source_location where = std::source_location::current()) {
  const auto step = [&f](const std::tuple<>&, const Xs& x) {
    return std::pair{std::tuple<>{}, std::remove_cvref_t<std::invoke_result_t<const F&, const Xs&>>(f(x))};
  };
  return detail::stateful_scan("nn::map", "jx::lax::map", step, std::tuple<>{}, xs, {}, where).second;
}

// for i in [lower, upper): carry = body_fn(i, carry), threading the state and key (hk.fori_loop).
// During init the step at `lower` runs before the loop (with an empty range it runs all the same, to
// make the parameters, and the initial value is returned).
template <class BodyFn, class Init>
jx::detail::Operand<Init> fori_loop(std::int64_t lower, std::int64_t upper, const BodyFn& body_fn, const Init& init,
                                    std::source_location where = std::source_location::current()) {
  return detail::stateful_fori_loop<std::int64_t>(lower, upper, body_fn, init, where);
}
template <class BodyFn, class Init>
jx::detail::Operand<Init> fori_loop(const Array& lower, const Array& upper, const BodyFn& body_fn, const Init& init,
                                    std::source_location where = std::source_location::current()) {
  return detail::stateful_fori_loop<Array>(lower, upper, body_fn, init, where);
}

// while cond_fn(carry): carry = body_fn(carry), threading the state and key (hk.while_loop). Throws
// ValueError during init; cond_fn may read state but not set it or draw keys (ValueError).
template <class CondFn, class BodyFn, class Init>
jx::detail::Operand<Init> while_loop(const CondFn& cond_fn, const BodyFn& body_fn, const Init& init_value,
                                     std::source_location where = std::source_location::current()) {
  using Carry = jx::detail::Operand<Init>;
  using Carried = std::pair<Carry, tree::Tree>;
  constexpr const char* op = "nn::while_loop";
  CallSite site(where);
  detail::require_transform(op, "jx::lax::while_loop");
  if (running_init()) {
    throw ValueError(op,
                     "cannot run during init, since whether its body runs at all is known only at run time; call "
                     "the body unconditionally there: if (nn::running_init()) value = body(value); else value = "
                     "nn::while_loop(cond, body, value);");
  }
  const std::map<std::string, int> names_before = detail::module_name_uses();
  const auto cond = [&](const Carried& carried) {
    detail::set_module_name_uses(names_before);
    const detail::LoopBodyScope scope(op, carried.second);
    Array pred(cond_fn(carried.first));
    detail::check_loop_state_unchanged(op, carried.second);
    return pred;
  };
  const auto body = [&](const Carried& carried) {
    detail::set_module_name_uses(names_before);
    const detail::LoopBodyScope scope(op, carried.second);
    Carry next(body_fn(carried.first));
    return Carried{std::move(next), detail::loop_state(op)};
  };
  Carried result = lax::while_loop(cond, body, Carried{Carry(init_value), detail::loop_state(op)}, where);
  detail::set_module_name_uses(names_before);
  detail::set_loop_state(result.second);
  return std::move(result.first);
}

// nn::switch_(index, std::tuple{branches...}, operands...): branches[clamp(index)](operands...) with the
// state and key threaded through the branch taken (hk.switch).
inline constexpr struct switch_function : jx::detail::CallWithLocation<switch_function> {
  template <class... Branches, class... Operands>
  auto invoke(std::source_location where, const Array& index, const std::tuple<Branches...>& branches,
              const Operands&... operands) const {
    return detail::stateful_switch("nn::switch_", false, where, index, branches,
                                   jx::detail::Operand<Operands>(operands)...);
  }
} switch_{};

// nn::cond(pred, true_fn, false_fn, operands...), with the state and key threaded through the branch
// taken (hk.cond).
inline constexpr struct cond_function : jx::detail::CallWithLocation<cond_function> {
  template <class TrueFn, class FalseFn, class... Operands>
  auto invoke(std::source_location where, const Array& pred, const TrueFn& true_fn, const FalseFn& false_fn,
              const Operands&... operands) const {
    return detail::stateful_switch("nn::cond", true, where, pred,
                                   std::tuple<const FalseFn&, const TrueFn&>(false_fn, true_fn),
                                   jx::detail::Operand<Operands>(operands)...);
  }
} cond{};

}  // namespace jx::nn

#include "jx/nn/stateful_transforms.h"
