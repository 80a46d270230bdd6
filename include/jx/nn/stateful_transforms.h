// jx/nn/stateful_transforms.h — nn::vmap, grad, value_and_grad, remat and eval_shape: jx's transforms
// inside a transformed function, with the module state and PRNG key threaded through them as Haiku's
// hk.vmap, hk.grad, hk.value_and_grad, hk.remat and hk.eval_shape do. Included by jx/nn/stateful.h,
// whose header comment says what each may make.
//
//   auto model = jx::nn::transform_with_state([](const jx::Array& xs) {      // xs: [batch, features]
//     const jx::nn::Linear layer(4);
//     auto per_example = jx::nn::vmap([&](const jx::Array& x) { return layer(x); },
//                                     {.split_rng = !jx::nn::running_init()});
//     auto [y, dy_dx] = jx::nn::value_and_grad([&](const jx::Array& x) { return jnp::sum(layer(x)); })(xs[0]);
//     auto shape = jx::nn::eval_shape(layer, xs);                      // ShapeDtypeStruct, nothing computed
//     return per_example(xs);
//   });
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/nn/stateful.h"

namespace jx::nn {

struct VmapOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  AxisSpec in_axes = 0;   // as jx::vmap's; at least one argument must be mapped
  AxisSpec out_axes = 0;  // as jx::vmap's
  std::optional<std::int64_t> axis_size = std::nullopt;
  // Required, as in Haiku (TypeError when left out): whether next_rng_key inside gives each example a
  // key of its own (split from one key drawn now) or all of them the same key. Parameters are shared by
  // all examples, so during init it must be false: Haiku's advice is .split_rng = !nn::running_init().
  std::optional<bool> split_rng = std::nullopt;
};

namespace detail {

// hk.vmap's get_mapped_axis_size: the size of the first mapped axis of the arguments (each given as
// its leaves and structure); ValueError when in_axes maps none of them.
std::int64_t mapped_axis_size(const char* op, std::span<const AxisSpec> specs,
                              std::span<const std::pair<std::vector<Array>, tree::TreeDef>> arguments);
// Called while handling jx::vmap's ValueError: when what depends on the mapped axis is a parameter or
// state (past the first `output_leaves` outputs), a ValueError that says so (and, during init with
// split_rng, Haiku's advice); else the original error again.
[[noreturn]] void rethrow_vmap_error(const ValueError& error, std::size_t output_leaves, bool split_rng);
bool required_split_rng(const std::optional<bool>& split_rng);
// nn::remat's key crosses jx::checkpoint as its raw words (jx::random::key_data) and back: the
// derivative of a checkpointed function fails on outputs of dtype key.
tree::Tree key_as_data(tree::Tree changes);
tree::Tree key_from_data(tree::Tree changes);

template <class F>
class StatefulVmapped : public jx::detail::CallWithLocation<StatefulVmapped<F>> {
 public:
  StatefulVmapped(F f, VmapOptions options) : f_(std::move(f)), options_(std::move(options)) {}

  // Numbers are traced where f takes arrays, as jx::vmap traces them.
  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = jx::detail::array_parameter<F, I, Args...>();

  template <class... Args>
  auto invoke(std::source_location where, const Args&... args) const {
    return jx::detail::with_traced_numbers<F>([&](const auto&... arguments) { return call(where, arguments...); },
                                              args...);
  }

 private:
  template <class... Args>
  auto call(std::source_location where, const Args&... args) const {
    constexpr const char* op = "nn::vmap";
    CallSite site(where);
    require_transform(op, "jx::vmap");
    const bool split_rng = required_split_rng(options_.split_rng);
    const std::vector<AxisSpec> specs = options_.in_axes.per_argument(sizeof...(Args), "in_axes");
    const std::vector<std::pair<std::vector<Array>, tree::TreeDef>> flat{tree::flatten(args)...};
    const std::int64_t size = mapped_axis_size(op, specs, flat);
    const std::map<std::string, int> names_before = module_name_uses();
    // With split_rng, each example's key comes in mapped (one key drawn now, as Haiku's next_rng_keys)
    // and its last value is dropped; without, the function's key is shared, and goes on afterwards.
    std::vector<Array> keys;
    if (split_rng) keys.push_back(next_rng_keys(options_.axis_size.value_or(size)));
    const tree::Tree carried = loop_state(op);
    std::size_t output_leaves = 0;
    const auto stateful = [&](const std::tuple<Args...>& arguments, const std::vector<Array>& key) {
      set_module_name_uses(names_before);
      tree::Tree inner = carried;
      if (!key.empty()) inner.as_dict()["key"] = tree::Tree(key[0]);
      const StatefulScope scope(op, inner);
      auto output = std::apply([&](const Args&... a) { return result_of_call(f_, a...); }, arguments);
      tree::Tree changes = scope.changes();
      if (!key.empty()) changes.as_dict().erase("key");
      output_leaves = tree::leaves(output).size();
      return std::pair{std::move(output), std::move(changes)};
    };
    const jx::VmapOptions options{.in_axes = AxisSpec::list({AxisSpec::list(specs), AxisSpec(0)}),
                                  .out_axes = AxisSpec::list({options_.out_axes, AxisSpec(std::nullopt)}),
                                  .axis_size = options_.axis_size};
    auto result = [&] {
      try {
        return jx::vmap(stateful, options).invoke(where, std::tuple<Args...>(args...), keys);
      } catch (const ValueError& error) {
        rethrow_vmap_error(error, output_leaves, split_rng);
      }
    }();
    set_module_name_uses(names_before);
    apply_changes(op, result.second);
    if constexpr (!std::is_void_v<std::invoke_result_t<const F&, const Args&...>>) return std::move(result.first);
  }

  F f_;
  VmapOptions options_;
};

// The options given to nn::grad, less has_aux (which the stateful function always uses).
template <class... Options>
auto without_has_aux() {
  return std::tuple_cat(std::conditional_t<std::is_same_v<Options, HasAux>, std::tuple<>, std::tuple<Options>>{}...);
}

template <class F, bool WithValue, class... Options>
class StatefulGrad : public jx::detail::CallWithLocation<StatefulGrad<F, WithValue, Options...>> {
 public:
  explicit StatefulGrad(F f) : f_(std::move(f)) {}

  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = jx::detail::array_parameter<F, I, Args...>();

  template <class... Args>
  auto invoke(std::source_location where, const Args&... args) const {
    return jx::detail::with_traced_numbers<F, jx::detail::NumberTyping::strong>(
        [&](const auto&... arguments) { return call(where, arguments...); }, args...);
  }

 private:
  using Flags = jx::detail::GradOptions<std::tuple<Options...>>;

  template <class... Args>
  auto call(std::source_location where, const Args&... args) const {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    constexpr const char* op = WithValue ? "nn::value_and_grad" : "nn::grad";
    CallSite site(where);
    require_transform(op, WithValue ? "jx::value_and_grad" : "jx::grad");
    const std::map<std::string, int> names_before = module_name_uses();
    const tree::Tree carried = loop_state(op);
    // The state's changes leave the differentiated function as auxiliary outputs (hk.value_and_grad's
    // has_aux), next to the caller's own.
    const auto stateful = [&](const Args&... a) {
      set_module_name_uses(names_before);
      const StatefulScope scope(op, carried);
      Output output = f_(a...);
      if constexpr (Flags::has_aux) {
        using Aux = std::remove_cvref_t<std::tuple_element_t<1, Output>>;
        return std::pair<Array, std::pair<Aux, tree::Tree>>{Array(std::get<0>(output)),
                                                            {Aux(std::get<1>(output)), scope.changes()}};
      } else {
        return std::pair<Array, std::pair<std::tuple<>, tree::Tree>>{Array(output), {{}, scope.changes()}};
      }
    };
    const auto transformed =
        std::apply([&](auto... option) { return jx::value_and_grad(stateful, jx::has_aux, option...); },
                   without_has_aux<Options...>());
    auto [value_and_aux, gradients] = transformed.invoke(where, args...);
    set_module_name_uses(names_before);
    apply_changes(op, value_and_aux.second.second);
    if constexpr (Flags::has_aux && WithValue) {
      return std::pair{std::pair{value_and_aux.first, std::move(value_and_aux.second.first)}, std::move(gradients)};
    } else if constexpr (Flags::has_aux) {
      return std::pair{std::move(gradients), std::move(value_and_aux.second.first)};
    } else if constexpr (WithValue) {
      return std::pair{value_and_aux.first, std::move(gradients)};
    } else {
      return std::move(gradients);
    }
  }

  F f_;
};

template <class F>
class StatefulRemat : public jx::detail::CallWithLocation<StatefulRemat<F>> {
 public:
  StatefulRemat(F f, CheckpointOptions options) : f_(std::move(f)), options_(std::move(options)) {}

  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = jx::detail::array_parameter<F, I, Args...>();

  template <class... Args>
  auto invoke(std::source_location where, const Args&... args) const {
    return jx::detail::with_traced_numbers<F>([&](const auto&... arguments) { return call(where, arguments...); },
                                              args...);
  }

 private:
  template <class... Args>
  auto call(std::source_location where, const Args&... args) const {
    constexpr const char* op = "nn::remat";
    CallSite site(where);
    require_transform(op, "jx::checkpoint");
    // Names go on as in plain code (Haiku's remat shares them with the caller): the function is traced
    // once, from the names before it.
    const std::map<std::string, int> names_before = module_name_uses();
    std::map<std::string, int> names_after = names_before;
    const tree::Tree carried = loop_state(op);
    const auto stateful = [&](const std::tuple<Args...>& arguments) {
      set_module_name_uses(names_before);
      const StatefulScope scope(op, carried);
      auto output = std::apply([&](const Args&... a) { return result_of_call(f_, a...); }, arguments);
      names_after = module_name_uses();
      return std::pair{std::move(output), key_as_data(scope.changes())};
    };
    auto result = jx::checkpoint(stateful, options_, where)(std::tuple<Args...>(args...));
    result.second = key_from_data(std::move(result.second));
    set_module_name_uses(std::move(names_after));
    apply_changes(op, result.second);
    if constexpr (!std::is_void_v<std::invoke_result_t<const F&, const Args&...>>) return std::move(result.first);
  }

  F f_;
  CheckpointOptions options_;
};

// What nn::eval_shape traces: f with the running function's state and key, forgetting whatever it did.
template <class F>
struct ForgetfulCall {
  const F* f;
  const tree::Tree* carried;
  const std::map<std::string, int>* names;

  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = jx::detail::array_parameter<F, I, Args...>();

  template <class... Args>
  requires std::is_invocable_v<const F&, const Args&...>
  auto operator()(const Args&... args) const {
    set_module_name_uses(*names);
    const StatefulScope scope("nn::eval_shape", *carried);
    return (*f)(args...);
  }
};

}  // namespace detail

// jx::vmap with the parameters and state shared by all examples (hk.vmap): nn::vmap(f, {.split_rng =
// false}) or {.in_axes = ..., .out_axes = ..., .split_rng = true}.
template <class F>
detail::StatefulVmapped<F> vmap(F f, VmapOptions options) {
  return detail::StatefulVmapped<F>(std::move(f), std::move(options));
}

// jx::grad and jx::value_and_grad, keeping what f does to the state (hk.grad, hk.value_and_grad): the
// gradient with respect to the first argument, or as jx::argnums<...> says; jx::has_aux,
// jx::allow_int and jx::holomorphic as for jx::grad.
template <class F, class... Options>
auto grad(F f, Options...) {
  return detail::StatefulGrad<F, false, Options...>(std::move(f));
}
template <class F, class... Options>
auto value_and_grad(F f, Options...) {
  return detail::StatefulGrad<F, true, Options...>(std::move(f));
}

// jx::checkpoint (jax.remat) with the state threaded through (hk.remat).
template <class F>
detail::StatefulRemat<F> remat(F f, CheckpointOptions options = {}) {
  return detail::StatefulRemat<F>(std::move(f), std::move(options));
}

// jx::eval_shape(f, args...) run with the state and key, whose effects are all dropped (hk.eval_shape).
inline constexpr struct eval_shape_function : jx::detail::CallWithLocation<eval_shape_function> {
  template <class F, class... Args>
  auto invoke(std::source_location where, const F& f, const Args&... args) const {
    CallSite site(where);
    detail::require_transform("nn::eval_shape", "jx::eval_shape");
    const std::map<std::string, int> names = detail::module_name_uses();
    const tree::Tree carried = detail::loop_state("nn::eval_shape");
    auto shapes = jx::eval_shape.invoke(where, detail::ForgetfulCall<F>{&f, &carried, &names}, args...);
    detail::set_module_name_uses(names);
    return shapes;
  }
} eval_shape{};

}  // namespace jx::nn
