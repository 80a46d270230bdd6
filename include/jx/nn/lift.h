// jx/nn/lift.h — transformed functions inside transformed functions (Haiku's lift family). layer_stack,
// built on it, is in jx/nn/layer_stack.h.
//
// lift runs an inner transformed function's init inside the outer init and files the parameters it
// makes in the outer ones, under the lift's name; during the outer apply it gives them back. The inner
// apply can then run under any JAX transform, vmap over an ensemble say:
//
//   auto member = jx::nn::transform([](const jx::Array& x) { return jx::nn::Linear(3)(x); });
//   auto ensemble = jx::nn::transform([&](const jx::Array& x) {
//     const std::optional<jx::Key> key = jx::nn::running_init() ? std::optional(jx::nn::next_rng_key()) : std::nullopt;
//     auto params_fn = jx::nn::lift(jx::vmap([&](const jx::Key& k, const jx::Array& v) { return member.init(k, v); },
//                                            {.in_axes = {0, std::nullopt}}), {.name = "ensemble"});
//     const jx::nn::Params params = params_fn(key ? std::optional(jx::random::split(*key, 4)) : std::nullopt, x);
//     return jx::vmap([&](const jx::nn::Params& p) { return member.apply(p, std::nullopt, x); })(params);
//   });                                          // params["ensemble/linear"]["w"]: f32[4, in, 3]
//
// An argument of the lifted function that is a std::optional<jx::Key> reaches the inner init as the
// key it holds: the outer apply, which does not run the inner init, may give std::nullopt.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "jx/core/caller_location.h"
#include "jx/core/error.h"
#include "jx/core/keywords_only.h"
#include "jx/nn/transform.h"
#include "jx/random.h"
#include "jx/transforms/control_flow.h"
#include "jx/tree.h"

namespace jx::nn {

namespace detail {

// The module each lift makes where it is called (Haiku's LiftingModule): its path is the prefix of the
// inner parameters, or for a transparent lift its parent's path.
class LiftingModule : public Module {
 public:
  LiftingModule(const char* op, const std::string& name, bool transparent);
  const std::string& prefix() const { return prefix_; }
  template <class F>
  auto call(F&& f) const {
    return scoped(std::forward<F>(f));
  }

 private:
  std::string prefix_;
};

// While alive, `prefix` is part of GetterContext::lifted_prefix_name (an inner init runs).
class LiftPrefixScope {
 public:
  explicit LiftPrefixScope(const std::string& prefix);
  ~LiftPrefixScope();
  LiftPrefixScope(const LiftPrefixScope&) = delete;
  LiftPrefixScope& operator=(const LiftPrefixScope&) = delete;

 private:
  bool pushed_;
};

// Throws ValueError naming `op` outside a transformed function.
void require_inside_transform(const char* op);

template <class T>
const T& lift_argument(const char*, const T& value) {
  return value;
}
Key lift_argument(const char* op, const std::optional<Key>& key);

// f run as the init or apply of a transformed function: in a frame of its own, as the inner
// functions of lift and layer_stack run.
template <class G>
std::pair<Params, State> init_in_frame(const std::optional<Key>& key, const G& g) {
  const FrameScope frame(FrameMode::init, nullptr, nullptr, key);
  (void)g();
  return {frame.params(), frame.state(true)};
}
template <class G>
auto apply_in_frame(const Params& params, const State& state, const std::optional<Key>& key, const G& g) {
  const FrameScope frame(FrameMode::apply, &params, &state, key);
  auto output = g();
  return std::pair<decltype(output), State>{std::move(output), frame.state(false)};
}

}  // namespace detail

// Hands the state an inner apply returns back to the outer function (Haiku's LiftWithStateUpdater):
// call update(state) or ignore_update() once, in the same run of init or apply as lift_with_state.
// (Haiku also fails when neither is called; a C++ destructor cannot throw, so jx does not check that.)
class LiftWithStateUpdater {
 public:
  explicit LiftWithStateUpdater(std::string prefix);
  void update(const State& state, std::source_location loc = std::source_location::current()) const;
  void ignore_update(std::source_location loc = std::source_location::current()) const;

 private:
  void use(const char* op) const;
  struct Record {
    std::string prefix;
    std::uint64_t frame;
    bool used = false;
  };
  std::shared_ptr<Record> record_;
};

// What lift and its relatives return: called with the inner init's arguments, it runs the inner init
// during the outer init and returns its parameters (and state, WithState), filed under the prefix;
// during the outer apply it returns those filed under the prefix, without running the inner init.
template <class InitFn, bool WithState>
class Lifted : public jx::detail::CallWithLocation<Lifted<InitFn, WithState>> {
 public:
  using Result = std::conditional_t<WithState, std::pair<Params, State>, Params>;

  Lifted(const char* op, InitFn init_fn, std::shared_ptr<const detail::LiftingModule> module, bool allow_reuse)
      : op_(op), init_fn_(std::move(init_fn)), module_(std::move(module)), allow_reuse_(allow_reuse) {}

  template <class... Args>
  Result invoke(std::source_location where, const Args&... args) const {
    CallSite site(where);
    detail::require_inside_transform(op_);
    return module_->call([&]() -> Result {
      if (!running_init()) {
        auto [params, state] = detail::unpack_lifted(op_, module_->prefix());
        if constexpr (WithState) {
          return {std::move(params), std::move(state)};
        } else {
          return params;
        }
      }
      Params params;
      State state = tree::Tree::dict({});
      {
        const detail::LiftPrefixScope prefix(module_->prefix());
        UserCodeScope user;
        auto made = init_fn_(detail::lift_argument(op_, args)...);
        if constexpr (WithState) {
          static_assert(std::is_convertible_v<decltype(made.first), Params> &&
                            std::is_convertible_v<decltype(made.second), State>,
                        "lift_with_state takes an init that returns (params, state)");
          params = std::move(made.first);
          state = std::move(made.second);
        } else {
          static_assert(std::is_convertible_v<decltype(made), Params>,
                        "lift takes an init that returns parameters: for one returning (params, state) use "
                        "lift_with_state");
          params = std::move(made);
        }
      }
      detail::pack_lifted(op_, module_->prefix(), params, state, allow_reuse_);
      if constexpr (WithState) {
        return {std::move(params), std::move(state)};
      } else {
        return params;
      }
    });
  }

 private:
  const char* op_;
  InitFn init_fn_;
  std::shared_ptr<const detail::LiftingModule> module_;
  bool allow_reuse_;
};

struct LiftOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  // Lets the inner parameters and state land on modules the outer function has already (as inside a
  // loop, where the same lift runs again); otherwise that is a ValueError.
  bool allow_reuse = false;
  std::string name = "lifted";  // the module the inner parameters are filed under (numbered when taken)
};
struct TransparentLiftOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool allow_reuse = false;
};

// hk.lift: the inner init's parameters under "<current module>/<name>/<inner module>". Inside a
// transformed function only (ValueError otherwise), and in the same place during init and apply.
template <class InitFn>
Lifted<InitFn, false> lift(InitFn init_fn, LiftOptions options = {},
                           std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  detail::require_inside_transform("lift");
  return {"lift", std::move(init_fn), std::make_shared<const detail::LiftingModule>("lift", options.name, false),
          options.allow_reuse};
}

// hk.transparent_lift: the inner parameters keep their names, as if the inner modules were the outer
// function's (inside a module, under the module's path).
template <class InitFn>
Lifted<InitFn, false> transparent_lift(InitFn init_fn, TransparentLiftOptions options = {},
                                       std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  detail::require_inside_transform("transparent_lift");
  return {"transparent_lift", std::move(init_fn),
          std::make_shared<const detail::LiftingModule>("transparent_lift", "lifted", true), options.allow_reuse};
}

// hk.lift_with_state: for an init returning (params, state). The updater puts the state an inner
// apply returns back into the outer function's state:
//   auto [params_and_state, updater] = jx::nn::lift_with_state(inner.init, {.name = "inner"});
//   auto [params, state] = params_and_state(key, x);
//   auto [y, next_state] = inner.apply(params, state, std::nullopt, x);
//   updater.update(next_state);
template <class InitFn>
std::pair<Lifted<InitFn, true>, LiftWithStateUpdater> lift_with_state(
    InitFn init_fn, LiftOptions options = {}, std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  detail::require_inside_transform("lift_with_state");
  auto module = std::make_shared<const detail::LiftingModule>("lift_with_state", options.name, false);
  LiftWithStateUpdater updater(module->prefix());
  return {Lifted<InitFn, true>("lift_with_state", std::move(init_fn), std::move(module), options.allow_reuse),
          std::move(updater)};
}

// hk.transparent_lift_with_state: lift_with_state without the prefix.
template <class InitFn>
std::pair<Lifted<InitFn, true>, LiftWithStateUpdater> transparent_lift_with_state(
    InitFn init_fn, TransparentLiftOptions options = {}, std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  detail::require_inside_transform("transparent_lift_with_state");
  auto module = std::make_shared<const detail::LiftingModule>("transparent_lift_with_state", "lifted", true);
  LiftWithStateUpdater updater(module->prefix());
  return {
      Lifted<InitFn, true>("transparent_lift_with_state", std::move(init_fn), std::move(module), options.allow_reuse),
      std::move(updater)};
}

}  // namespace jx::nn
