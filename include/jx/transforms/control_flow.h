// jx/transforms/control_flow.h — structured control flow in jx::lax: cond, switch_, while_loop,
// fori_loop, scan, map.
//
// A traced value cannot drive a C++ `if` or `for` (that is a ConcretizationError under jit). These
// functions take the branches and loop bodies as functions instead; jx traces them into programs and
// records one primitive, so control flow works eagerly, under jit, grad and vmap alike.
//
//   auto y = jx::lax::cond(x > 0, [](const jx::Array& v) { return v; }, [](const jx::Array& v) { return -v; }, x);
//   auto total = jx::lax::fori_loop(0, 10, [](const jx::Array& i, const jx::Array& acc) { return acc + i; },
//   jnp::array(0)); auto [last, partial_sums] = jx::lax::scan(
//       [](const jx::Array& carry, const jx::Array& x) { return std::pair{carry + x, carry + x}; }, jnp::array(0.0f),
//       xs);
//
// Branches and bodies must return the same structure and types for every branch or iteration; a
// mismatch is a TypeError showing both.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
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
#include "jx/numpy.h"
#include "jx/transforms/vmap.h"
#include "jx/tree.h"

namespace jx {
namespace detail {

using FlatFunction = std::function<ArrayList(std::span<const Array>)>;

// Each branch, given the flat operands, returns its flat outputs and writes its output structure.
ArrayList cond_flat(const Array& index, const std::vector<FlatFunction>& branches, std::span<const Array> operands,
                    const std::vector<tree::TreeDef*>& output_structures, std::source_location where);
ArrayList while_flat(const FlatFunction& cond, const FlatFunction& body, std::span<const Array> init,
                     tree::TreeDef& body_structure, const tree::TreeDef& init_structure, std::source_location where);
ArrayList scan_flat(const FlatFunction& body, std::span<const Array> init, std::span<const Array> xs,
                    std::int64_t num_carry, std::optional<std::int64_t> length, bool reverse, std::int64_t unroll,
                    tree::TreeDef& body_structure, const tree::TreeDef& carry_structure, std::source_location where);

// A C++ number given as an operand or loop carry is a weakly typed array, as JAX makes a Python
// number (fori_loop(0, 10, body, 0) carries an int32 array); any other value keeps its type.
template <class T>
using Operand = std::conditional_t<Scalar<std::remove_cvref_t<T>>, Array, std::remove_cvref_t<T>>;

// Flattens a pack of operands; rebuilds it for a function.
template <class... Operands>
struct Packed {
  std::array<tree::TreeDef, sizeof...(Operands)> structures;
  std::array<std::size_t, sizeof...(Operands) + 1> offsets{};

  std::vector<Array> flatten(const Operands&... operands) {
    std::vector<Array> leaves;
    std::size_t k = 0;
    (
        [&] {
          tree::flatten_into(operands, structures[k], leaves);
          offsets[k + 1] = leaves.size();
          ++k;
        }(),
        ...);
    return leaves;
  }
  // A function returning nothing (a branch that only has effects, as JAX's `pass`) returns an empty
  // tuple here: no outputs.
  template <class F>
  auto call(const F& f, std::span<const Array> leaves) const {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      if constexpr (std::is_void_v<std::invoke_result_t<const F&, const Operands&...>>) {
        f(tree::unflatten<Operands>(structures[I], leaves.subspan(offsets[I], offsets[I + 1] - offsets[I]))...);
        return std::tuple<>{};
      } else {
        return f(tree::unflatten<Operands>(structures[I], leaves.subspan(offsets[I], offsets[I + 1] - offsets[I]))...);
      }
    }
    (std::index_sequence_for<Operands...>{});
  }
};

// Each branch keeps its own result type: branches that disagree are reported at run time, with both
// structures, rather than failing to compile somewhere inside jx.
template <class F, class... Operands>
FlatFunction flat_branch(const F& f, const Packed<Operands...>& packed, tree::TreeDef& structure) {
  return [&f, &packed, &structure](std::span<const Array> leaves) {
    const auto output = packed.call(f, leaves);
    ArrayList out;
    structure.clear();
    tree::flatten_into(output, structure, out);
    return out;
  };
}

// Each leaf's leading axis cut to [start, start + count), optionally split into (count / batch, batch).
template <class T>
T leading_slice(const T& tree_value, std::int64_t start, std::int64_t count, std::int64_t batch) {
  auto [leaves, structure] = tree::flatten(tree_value);
  for (Array& leaf : leaves) {
    leaf = leaf(Slice{start, start + count});
    if (batch > 0) {
      Shape shape = leaf.shape();
      shape[0] = batch;
      shape.insert(0, count / batch);
      leaf = leaf.reshape(shape);
    }
  }
  return tree::unflatten<T>(structure, leaves);
}
std::int64_t map_length(std::span<const Array> leaves, std::int64_t batch_size);
}  // namespace detail

namespace lax {

// lax::switch_(index, std::tuple{branches...}, operands...): branches[clamp(index)](operands...); every
// branch takes the operands and returns the same structure.
inline constexpr struct switch_function : detail::CallWithLocation<switch_function> {
  template <class... Branches, class... Operands>
  auto invoke(std::source_location where, const Array& index, const std::tuple<Branches...>& branches,
              const Operands&... operands) const {
    return switch_of<std::tuple<Branches...>, detail::Operand<Operands>...>(where, index, branches,
                                                                            detail::Operand<Operands>(operands)...);
  }

 private:
  template <class BranchTuple, class... Operands>
  static auto switch_of(std::source_location where, const Array& index, const BranchTuple& branches,
                        const Operands&... operands) {
    using Output =
        std::remove_cvref_t<std::invoke_result_t<const std::tuple_element_t<0, BranchTuple>&, const Operands&...>>;
    CallSite site(where);
    detail::Packed<Operands...> packed;
    const std::vector<Array> leaves = packed.flatten(operands...);
    constexpr std::size_t num_branches = std::tuple_size_v<BranchTuple>;
    std::array<tree::TreeDef, num_branches> structures;
    std::vector<detail::FlatFunction> flat;
    std::vector<tree::TreeDef*> structure_of;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (flat.push_back(detail::flat_branch(std::get<I>(branches), packed, structures[I])), ...);
      (structure_of.push_back(&structures[I]), ...);
    }
    (std::make_index_sequence<num_branches>{});
    const ArrayList outputs = detail::cond_flat(index, flat, leaves, structure_of, where);
    if constexpr (!std::is_void_v<Output>) return tree::unflatten<Output>(structures[0], outputs);
  }
} switch_{};

// lax::cond(pred, true_fn, false_fn, operands...): pred ? true_fn(operands...) : false_fn(operands...),
// with pred a boolean scalar. Branches may return nothing when they only have effects (a debug print
// or breakpoint), as JAX branches that return None; cond then returns nothing.
inline constexpr struct cond_function : detail::CallWithLocation<cond_function> {
  template <class TrueFn, class FalseFn, class... Operands>
  auto invoke(std::source_location where, const Array& pred, const TrueFn& true_fn, const FalseFn& false_fn,
              const Operands&... operands) const {
    return switch_.invoke(where, pred, std::tuple<const FalseFn&, const TrueFn&>(false_fn, true_fn), operands...);
  }
} cond{};

// while cond_fn(carry): carry = body_fn(carry). Not reverse-differentiable (as in JAX); use fori_loop
// with static bounds or scan for that. A number as the initial carry is a weakly typed array.
template <class CondFn, class BodyFn, class Init>
detail::Operand<Init> while_loop(const CondFn& cond_fn, const BodyFn& body_fn, const Init& init_value,
                                 std::source_location where = std::source_location::current()) {
  using Carry = detail::Operand<Init>;
  const Carry init(init_value);
  CallSite site(where);
  detail::Packed<Carry> packed;
  const std::vector<Array> leaves = packed.flatten(init);
  tree::TreeDef cond_structure, body_structure;
  const detail::FlatFunction flat_cond = detail::flat_branch(cond_fn, packed, cond_structure);
  const detail::FlatFunction flat_body = detail::flat_branch(body_fn, packed, body_structure);
  const ArrayList outputs =
      detail::while_flat(flat_cond, flat_body, leaves, body_structure, packed.structures[0], where);
  return tree::unflatten<Carry>(packed.structures[0], outputs);
}

struct ScanOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<std::int64_t> length = std::nullopt;  // needed when xs has no leaves
  bool reverse = false;
  // How many iterations one step of the loop runs, in jax.lax.scan a performance hint only. jx records
  // it on the scan primitive (it shows in the program and survives jvp, transpose and vmap) but runs
  // the compiled body once per iteration whatever its value, so results never depend on it; values
  // below 1 mean 1.
  std::int64_t unroll = 1;
};

// Loops f(carry, x) -> (carry, y) over the leading axis of xs; returns (final carry, stacked ys). A
// number as the initial carry is a weakly typed array.
template <class F, class Init, class Xs>
auto scan(const F& f, const Init& init_value, const Xs& xs, ScanOptions options = {},
          std::source_location where = std::source_location::current()) {
  using Carry = detail::Operand<Init>;
  using Result = std::remove_cvref_t<std::invoke_result_t<const F&, const Carry&, const Xs&>>;
  using Ys = std::remove_cvref_t<std::tuple_element_t<1, Result>>;
  const Carry init(init_value);
  CallSite site(where);
  detail::Packed<Carry, Xs> packed;
  const std::vector<Array> leaves = packed.flatten(init, xs);
  const auto num_carry = static_cast<std::int64_t>(packed.offsets[1]);
  tree::TreeDef body_structure;
  const detail::FlatFunction body = [&](std::span<const Array> inputs) {
    const Result result = packed.call(f, inputs);
    ArrayList out;
    body_structure.clear();
    tree::flatten_into(result, body_structure, out);
    return out;
  };
  const std::span<const Array> all(leaves);
  const ArrayList outputs =
      detail::scan_flat(body, all.subspan(0, packed.offsets[1]), all.subspan(packed.offsets[1]), num_carry,
                        options.length, options.reverse, options.unroll, body_structure, packed.structures[0], where);
  // body_structure is (carry, y); the stacked ys have the structure of y.
  const std::vector<tree::TreeDef> parts = body_structure.children();
  const std::span<const Array> out(outputs);
  return std::pair<Carry, Ys>{tree::unflatten<Carry>(parts[0], out.subspan(0, static_cast<std::size_t>(num_carry))),
                              tree::unflatten<Ys>(parts[1], out.subspan(static_cast<std::size_t>(num_carry)))};
}

// for i in [lower, upper): carry = body_fn(i, carry). Static bounds lower to a scan (so the loop is
// reverse-differentiable); traced bounds to a while_loop. With static bounds the index is a weakly
// typed int, as JAX's Python-int bounds make it, and so is a number given as the initial carry:
// fori_loop(0, 10, [](auto i, auto x) { return x + i; }, 0) is Array(45, dtype=int32, weak_type=True).
template <class BodyFn, class Init>
detail::Operand<Init> fori_loop(std::int64_t lower, std::int64_t upper, const BodyFn& body_fn, const Init& init,
                                std::source_location where = std::source_location::current()) {
  using Carry = detail::Operand<Init>;
  using State = std::pair<Array, Carry>;
  auto step = [&](const State& state, const std::tuple<>&) {
    return std::pair<State, std::tuple<>>{State{state.first + 1, body_fn(state.first, state.second)}, {}};
  };
  const State start{jx::numpy::array(lower), Carry(init)};
  return scan(step, start, std::tuple<>{}, {.length = std::max<std::int64_t>(upper - lower, 0)}, where).first.second;
}

template <class BodyFn, class Init>
detail::Operand<Init> fori_loop(const Array& lower, const Array& upper, const BodyFn& body_fn, const Init& init,
                                std::source_location where = std::source_location::current()) {
  using Carry = detail::Operand<Init>;
  using State = std::tuple<Array, Array, Carry>;
  const State start{lower, upper, Carry(init)};
  const State end =
      while_loop([](const State& s) { return std::get<0>(s) < std::get<1>(s); },
                 [&](const State& s) {
                   return State{std::get<0>(s) + 1, std::get<1>(s), body_fn(std::get<0>(s), std::get<2>(s))};
                 },
                 start, where);
  return std::get<2>(end);
}

// f applied to every element along the leading axis of xs, stacked (a scan without carry).
template <class F, class Xs>
auto map(const F& f, const Xs& xs, std::source_location where = std::source_location::current()) {
  return scan(
             [&](const std::tuple<>&, const Xs& x) {
               return std::pair{std::tuple<>{}, f(x)};
             },
             std::tuple<>{}, xs, {}, where)
      .second;
}

struct MapOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // Elements per loop step, as jax.lax.map's batch_size: each step runs vmap(f) on that many elements
  // (fewer steps, more memory), and the elements left over are one more vmapped call.
  std::optional<std::int64_t> batch_size = std::nullopt;
};

// map with options: map(f, xs, {.batch_size = 8}).
template <class F, class Xs>
auto map(const F& f, const Xs& xs, MapOptions options, std::source_location where = std::source_location::current()) {
  if (!options.batch_size) return map(f, xs, where);
  CallSite site(where);
  const std::int64_t batch = *options.batch_size;
  const std::int64_t length = detail::map_length(tree::leaves(xs), batch);
  const std::int64_t batched = length - length % batch;
  using Ys = std::remove_cvref_t<std::invoke_result_t<const F&, const Xs&>>;
  const auto mapped = vmap([&f](const Xs& x) { return f(x); });
  if (batched == 0) return Ys(mapped(xs));
  // (steps, batch, ...) from the scan, merged back into one leading axis.
  auto [stacked, structure] = tree::flatten(
      map([&mapped](const Xs& x) { return Ys(mapped(x)); }, detail::leading_slice(xs, 0, batched, batch), where));
  for (Array& leaf : stacked) {
    Shape shape = leaf.shape();
    shape.erase(0);
    shape[0] = batched;
    leaf = leaf.reshape(shape);
  }
  if (batched == length) return tree::unflatten<Ys>(structure, stacked);
  const std::vector<Array> rest = tree::leaves(Ys(mapped(detail::leading_slice(xs, batched, length - batched, 0))));
  for (std::size_t i = 0; i < stacked.size(); ++i) stacked[i] = numpy::concatenate({stacked[i], rest[i]}, 0);
  return tree::unflatten<Ys>(structure, stacked);
}

}  // namespace lax
}  // namespace jx
