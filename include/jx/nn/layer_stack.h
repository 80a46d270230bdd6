// jx/nn/layer_stack.h — N copies of a layer, each with parameters of its own, stacked on a leading
// axis and run by one jx::lax::scan (Haiku's hk.layer_stack): the program holds the layer once,
// however deep the stack, so it compiles as fast as one layer.
//
//   auto stack = jx::nn::layer_stack(6)([](const jx::Array& h) { return jnp::tanh(jx::nn::Linear(8)(h)); });
//   jx::Array y = stack(x);          // params["__layer_stack_no_per_layer/linear"]["w"]: f32[6, 8, 8]
//
//   // With per-layer inputs, f(x, ys...) -> (x, z): the ys are sliced along their leading axis (of
//   // length N), the zs stacked along it.
//   auto scanned = jx::nn::layer_stack(4, jx::nn::with_per_layer_inputs)(
//       [](const jx::Array& h, const jx::Array& y) { return std::pair{jx::nn::Linear(8)(h) + y, h}; });
//   auto [last, hs] = scanned(x, ys);
//
// As Haiku does, during init each layer runs its own init on a key split from the carried one and
// then its apply, whose output feeds the next layer; the inner parameters and state are lifted
// (jx/nn/lift.h) under the stack's name, and during apply each layer gets its slice of them and its own
// key (split from a key drawn when the function was given one). A single carry: several values go in a
// tuple or struct (any pytree).
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/core/keywords_only.h"
#include "jx/nn/lift.h"
#include "jx/nn/rng.h"
#include "jx/random.h"
#include "jx/transforms/control_flow.h"
#include "jx/tree.h"

namespace jx::nn {

struct LayerStackOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::int64_t unroll = 1;                         // lax::scan's unroll
  std::optional<std::string> name = std::nullopt;  // default: "__layer_stack_no_per_layer" or "..._with_per_layer"
};

// The tag that gives the layer per-layer inputs and outputs (with_per_layer_inputs=True).
inline constexpr struct WithPerLayerInputs {
} with_per_layer_inputs{};

namespace detail {

// Throws ShapeError naming layer_stack unless every per-layer input has a leading axis of num_layers.
void check_per_layer_inputs(std::int64_t num_layers, const std::vector<Array>& leaves);
// The key carried through the init's scan and the keys of the apply's layers, as trees: None without
// a key (the function was given none), so that the scan's structure says which.
tree::Tree key_tree(const std::optional<Key>& key);
std::optional<Key> key_of(const tree::Tree& tree);
// During init, the three keys of a layer: its init's, the next layer's and its apply's.
std::tuple<std::optional<Key>, std::optional<Key>, std::optional<Key>> layer_keys(const tree::Tree& carried);

}  // namespace detail

template <class F, bool PerLayer>
class LayerStack {
 public:
  LayerStack(F f, std::int64_t num_layers, LayerStackOptions options)
      : f_(std::move(f)), num_layers_(num_layers), options_(std::move(options)) {}

  // Without per-layer inputs: x -> f(...f(x)), N times. With them: (x, ys...) -> (x after N layers, zs).
  template <class X, class... Ys>
  auto operator()(const X& x, const Ys&... ys) const {
    static_assert(PerLayer || sizeof...(Ys) == 0,
                  "a layer_stack without per-layer inputs takes one carry (put several values in a tuple); pass "
                  "jx::nn::with_per_layer_inputs for inputs sliced per layer");
    using Carry = jx::detail::Operand<X>;
    using Inputs = std::tuple<jx::detail::Operand<Ys>...>;
    return run(Carry(x), Inputs(ys...));
  }

 private:
  template <class Carry, class Inputs>
  auto run(const Carry& x, const Inputs& ys) const {
    detail::require_inside_transform("layer_stack");
    if constexpr (PerLayer) detail::check_per_layer_inputs(num_layers_, tree::leaves(ys));
    // One layer as a pure pair (carry, inputs) -> (carry, output): an output of no leaves without
    // per-layer inputs.
    const auto layer = [this](const Carry& carry, const Inputs& inputs) {
      if constexpr (PerLayer) {
        auto [next, output] = std::apply([&](const auto&... y) { return f_(carry, y...); }, inputs);
        return std::pair{Carry(next), output};
      } else {
        return std::pair{Carry(f_(carry)), std::tuple<>{}};
      }
    };
    using Output = decltype(layer(x, ys).second);
    const std::int64_t count = num_layers_;

    // init: a scan over the layers makes each one's parameters and state, stacked.
    const auto scanned_init = [&](const Carry& first, const tree::Tree& key) {
      using InitCarry = std::pair<Carry, tree::Tree>;
      const auto step = [&](const InitCarry& carried, const Inputs& inputs) {
        auto [init_key, next_key, apply_key] = detail::layer_keys(carried.second);
        auto [params, state] = detail::init_in_frame(init_key, [&] { return layer(carried.first, inputs); });
        auto [result, next_state] =
            detail::apply_in_frame(params, state, apply_key, [&] { return layer(carried.first, inputs); });
        (void)next_state;
        return std::pair{InitCarry{result.first, detail::key_tree(next_key)},
                         tree::Tree::dict({{"params", params}, {"state", state}})};
      };
      const auto [last, stacked] = lax::scan(step, InitCarry{first, key}, ys, {.length = count});
      (void)last;
      return std::pair<Params, State>{stacked["params"], stacked["state"]};
    };
    const std::optional<Key> init_key = maybe_next_rng_key();
    auto [params_and_state, updater] = lift_with_state(
        scanned_init,
        {.allow_reuse = true,
         .name = options_.name.value_or(PerLayer ? "__layer_stack_with_per_layer" : "__layer_stack_no_per_layer")});
    const auto [params, state] = params_and_state(x, detail::key_tree(init_key));

    // apply: a scan over the layers, each with its slice of the parameters and state and its own key.
    const std::optional<Key> apply_key = maybe_next_rng_key();
    const tree::Tree keys =
        detail::key_tree(apply_key ? std::optional<Key>(random::split(*apply_key, count)) : std::nullopt);
    using Scanned = std::pair<tree::Tree, Inputs>;
    const auto step = [&](const Carry& carry, const Scanned& scanned) {
      auto [result, next_state] =
          detail::apply_in_frame(scanned.first["params"], scanned.first["state"], detail::key_of(scanned.first["keys"]),
                                 [&] { return layer(carry, scanned.second); });
      return std::pair{Carry(result.first), std::pair<Output, State>{result.second, next_state}};
    };
    const Scanned scanned{tree::Tree::dict({{"params", params}, {"state", state}, {"keys", keys}}), ys};
    auto [last, outputs] = lax::scan(step, x, scanned, {.length = count, .unroll = options_.unroll});
    updater.update(outputs.second);
    if constexpr (PerLayer) {
      return std::pair<Carry, Output>{std::move(last), std::move(outputs.first)};
    } else {
      return last;
    }
  }

  F f_;
  std::int64_t num_layers_;
  LayerStackOptions options_;
};

// What layer_stack returns: given the layer function, the stack.
template <bool PerLayer>
class LayerStackMaker {
 public:
  LayerStackMaker(std::int64_t num_layers, LayerStackOptions options)
      : num_layers_(num_layers), options_(std::move(options)) {}
  template <class F>
  LayerStack<F, PerLayer> operator()(F f) const {
    return LayerStack<F, PerLayer>(std::move(f), num_layers_, options_);
  }

 private:
  std::int64_t num_layers_;
  LayerStackOptions options_;
};

// hk.layer_stack(num_layers): num_layers must be at least 1 (ValueError otherwise).
LayerStackMaker<false> layer_stack(std::int64_t num_layers, LayerStackOptions options = {});
LayerStackMaker<true> layer_stack(std::int64_t num_layers, WithPerLayerInputs, LayerStackOptions options = {});

}  // namespace jx::nn
