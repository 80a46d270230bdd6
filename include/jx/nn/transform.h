// jx/nn/transform.h — modules defined once, by their forward pass (Haiku's transform model).
//
// A function that creates and calls modules is not pure: modules create parameters and state as they
// run. jx::nn::transform_with_state turns it into a pair of pure functions. `init` runs it once with a
// key, letting every module create its parameters (shapes inferred from the inputs it sees) and its
// initial state; `apply` runs it again on given parameters and state and returns the new state. Both
// can be jitted and differentiated like any function of pytrees.
//
//   auto model = jx::nn::transform_with_state([](const jx::Array& x, bool is_training) {
//     auto h = jx::nn::Linear(512)(x);
//     h = jx::nn::BatchNorm(true, true, 0.9f)(h, is_training);
//     return jx::nn::Linear(10)(jx::nn::relu(h));
//   });
//   auto [params, state] = model.init(key, x, true);             // params["linear"]["w"]: f32[784,512]
//   auto [logits, next_state] = model.apply(params, state, key, x, true);
//
// Parameters and state are dynamic trees: dicts from a module's path ("mlp/linear_1") to dicts of its
// arrays ("w", "b"). A module's name is its kind in snake case, made unique within the enclosing module
// by a suffix (linear, linear_1, ...), so the same code gives the same names in init and apply.
// Inside the function, modules reach their parameters with get_parameter, their state with
// get_state/set_state and fresh randomness with next_rng_key.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "jx/core/array.h"
#include "jx/core/caller_location.h"
#include "jx/core/error.h"
#include "jx/random.h"
#include "jx/tree/dynamic.h"

namespace jx::nn {

using Params = tree::Tree;
using State = tree::Tree;

// Creates an initial value: initializer(key, shape, dtype). See jx/nn/initializers.h.
using Initializer = std::function<Array(const Key& key, const Shape& shape, DType dtype)>;

// The parameter `name` of the current module: created with `init` during init (drawing a fresh key),
// looked up in the given parameters during apply (where its shape and dtype must match).
Array get_parameter(const std::string& name, const Shape& shape, DType dtype, const Initializer& init,
                    std::source_location loc = std::source_location::current());
Array get_parameter(const std::string& name, const Shape& shape, const Initializer& init,  // float32
                    std::source_location loc = std::source_location::current());
// State of the current module: get_state creates it during init; set_state changes it for the state
// apply returns (init returns the initial values, as Haiku does).
Array get_state(const std::string& name, const Shape& shape, DType dtype, const Initializer& init,
                std::source_location loc = std::source_location::current());
void set_state(const std::string& name, const Array& value, std::source_location loc = std::source_location::current());
// A fresh key from the one given to init or apply (split on every call).
Key next_rng_key(std::source_location loc = std::source_location::current());
// Whether the transformed function is running as part of init.
bool running_init();

class Module;

// How Module::scoped names and intercepts a method other than the call operator; jx/nn/naming.h makes
// them (method, name_like, transparent). As in Haiku, the modules a method makes are named under
// "module/~method/" ("module/~/" for "__init__", "module/" for "__call__"), its parameters belong to
// the module whatever the method, and a transparent method opens no scope at all.
struct MethodName {
  std::string name = "__call__";  // what jx::nn::intercept_methods's interceptors see
  std::string naming = name;      // the method whose naming it takes (another one under name_like)
  bool transparent = false;       // its parameters and modules belong to its caller; not intercepted
};

namespace detail {
// Whether an interceptor of jx::nn::intercept_methods is active on this thread, and the call through
// them of one module method (`call` runs the method; src/nn/interceptors.cpp).
bool methods_intercepted();
void run_method_interceptors(const Module& module, std::string_view method_name, const std::function<void()>& call);
template <class F>
auto intercepted_call(const Module& module, std::string_view method_name, F&& f) {
  using Result = std::remove_cvref_t<std::invoke_result_t<F&>>;
  if constexpr (std::is_void_v<Result>) {
    run_method_interceptors(module, method_name, [&] { f(); });
  } else {
    std::optional<Result> result;
    run_method_interceptors(module, method_name, [&] { result.emplace(f()); });
    if (!result) {
      throw ValueError("intercept_methods", "an interceptor returned without calling next(): the method has no result");
    }
    return std::move(*result);
  }
}
}  // namespace detail

// The base of modules: gives each a unique path at construction, and makes its parameters and the
// modules it creates while it runs its own (scoped()).
class Module {
 public:
  const std::string& module_name() const { return path_; }

 protected:
  // `kind` is the default name ("linear"); `name` overrides it.
  Module(std::string_view kind, const std::optional<std::string>& name);
  // Calls f with this module as the current one (as its method "__call__").
  template <class F>
  auto scoped(F&& f) const {
    const Scope scope(path_);
    if (detail::methods_intercepted()) return detail::intercepted_call(*this, "__call__", f);
    return std::forward<F>(f)();
  }
  // The same for another method: scoped(jx::nn::method("encode"), f) (jx/nn/naming.h).
  template <class F>
  auto scoped(const MethodName& method, F&& f) const {
    if (method.transparent) return std::forward<F>(f)();
    const Scope scope(path_, method.naming);
    if (detail::methods_intercepted()) return detail::intercepted_call(*this, method.name, f);
    return std::forward<F>(f)();
  }

 private:
  class Scope {
   public:
    explicit Scope(const std::string& path);
    Scope(const std::string& path, const std::string& method_naming);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
  };
  std::string path_;
};

namespace detail {

enum class FrameMode { init, apply };

// The state of one run of a transformed function (thread-local, nestable).
class FrameScope {
 public:
  // `stateful` false: the function may not use state (jx::nn::transform).
  FrameScope(FrameMode mode, const Params* params, const State* state, std::optional<Key> key, bool stateful = true);
  ~FrameScope();
  FrameScope(const FrameScope&) = delete;
  FrameScope& operator=(const FrameScope&) = delete;
  Params params() const;            // as created during init
  State state(bool initial) const;  // initial values (init) or current ones (apply)

  struct Frame;  // defined in src/nn/frame.cpp

 private:
  void* previous_;
  std::unique_ptr<Frame> frame_;
};

// For jx::nn::scan (jx/nn/stateful.h), which threads the state and key through its loop's carry as
// hk.scan does. Whether a transformed function is running on this thread:
bool inside_transform();
// The current state values and key, as {"key": key or None, "state": {module: {name: array}}}.
tree::Tree loop_state(const char* op);
void set_loop_state(const tree::Tree& carried);
// How many modules took each name so far: a loop body traced again names its modules as before.
std::map<std::string, int> module_name_uses();
void set_module_name_uses(std::map<std::string, int> uses);
// While alive, the state values and key are `carried` (loop_state's form) and making a parameter or
// state throws ValueError naming `op`: during init the step run before the loop made them, and the
// carry cannot change structure. The outer values come back at destruction.
class LoopBodyScope {
 public:
  LoopBodyScope(const char* op, const tree::Tree& carried);
  ~LoopBodyScope();
  LoopBodyScope(const LoopBodyScope&) = delete;
  LoopBodyScope& operator=(const LoopBodyScope&) = delete;

 private:
  tree::Tree outer_;
  const char* outer_op_;
};
// For the stateful transforms of jx/nn/stateful.h (nn::cond, nn::vmap, nn::grad, ...), which run a
// function inside a jx transform and carry out of it what the function made, as Haiku's
// temporary_internal_state does: everything the running function holds, as {"key": key or None,
// "params": {module: {name: value}} (made so far during init; empty in apply), "state": {module:
// {name: [initial, current]}}}, and its wholesale replacement.
tree::Tree frame_values(const char* op);
void set_frame_values(const tree::Tree& values);

// --- For jx/nn/naming.h and jx/nn/lift.h (src/nn/naming.cpp, lift.cpp) ---------------------------

// The running module as the frame knows it: its path and the method it runs, as named.
struct ModuleScopeState {
  std::string path;
  std::string method_naming;
};
// std::nullopt outside every module (and outside a transformed function).
std::optional<ModuleScopeState> current_module_scope();
// While alive, `state` is the running module: parameters made belong to it and modules made are
// named under it, numbered afresh (as Haiku numbers modules per method call).
class ModuleScope {
 public:
  ModuleScope(const char* op, const ModuleScopeState& state);
  ~ModuleScope();
  ModuleScope(const ModuleScope&) = delete;
  ModuleScope& operator=(const ModuleScope&) = delete;
};
// The parameters made so far (init) or given (apply), and the state's initial or current values.
Params frame_params(const char* op);
State frame_state(const char* op, bool initial);
// lift: puts init's parameters and state into the running init's, each module's path under
// `prefix/` (as they are when prefix is empty); a module already there is a ValueError naming `op`
// unless allow_reuse.
void pack_lifted(const char* op, const std::string& prefix, const Params& params, const State& state, bool allow_reuse);
// The given parameters and current state of the modules under `prefix/`, the prefix cut (all when empty).
std::pair<Params, State> unpack_lifted(const char* op, const std::string& prefix);
// Sets the current state values of the modules in `state`, each under `prefix/` (LiftWithStateUpdater).
void update_lifted_state(const char* op, const std::string& prefix, const State& state);
// Tells one run of init or apply from another (to check a LiftWithStateUpdater is used in its own).
std::uint64_t frame_identity(const char* op);

// The running function's PRNG sequence, as Haiku's PRNGSequence holds it (jx/nn/rng.h): the key split
// next (empty when init or apply got none) and the keys already split off, handed out first.
struct RngSequenceSlot {
  std::optional<Key>* key;
  std::deque<Key>* reserved;
};
// Throws ValueError naming `what` outside a transformed function.
RngSequenceSlot current_rng_sequence(const char* what);

}  // namespace detail

// What transform_with_state returns. init and apply are objects, so that their calls can take the
// caller's line (jx/core/caller_location.h); they share the function.
template <class F>
class TransformedWithState {
 public:
  explicit TransformedWithState(F f) : init{{}, std::make_shared<const F>(std::move(f))}, apply{{}, init.f} {}

  // model.init(key, args...): runs f with a fresh frame: (parameters, initial state).
  struct Init : jx::detail::CallWithLocation<Init> {
    std::shared_ptr<const F> f;
    template <class... Args>
    std::pair<Params, State> invoke(std::source_location where, const Key& key, const Args&... args) const {
      CallSite site(where);
      const detail::FrameScope frame(detail::FrameMode::init, nullptr, nullptr, key);
      {
        UserCodeScope user;
        (void)(*f)(args...);
      }
      return {frame.params(), frame.state(true)};
    }
  } init;

  // model.apply(params, state, key, args...): runs f on these parameters and state: (output, new
  // state). `key` may be std::nullopt when f draws no randomness.
  struct Apply : jx::detail::CallWithLocation<Apply> {
    std::shared_ptr<const F> f;
    template <class... Args>
    auto invoke(std::source_location where, const Params& params, const State& state, const std::optional<Key>& key,
                const Args&... args) const {
      using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
      CallSite site(where);
      const detail::FrameScope frame(detail::FrameMode::apply, &params, &state, key);
      std::optional<Output> output;
      {
        UserCodeScope user;
        output.emplace((*f)(args...));
      }
      return std::pair<Output, State>{std::move(*output), frame.state(false)};
    }
  } apply;
};

// The stateless form: init gives the parameters, apply the output (f may not use state).
template <class F>
class Transformed {
 public:
  explicit Transformed(F f) : init{{}, std::make_shared<const F>(std::move(f))}, apply{{}, init.f} {}

  struct Init : jx::detail::CallWithLocation<Init> {
    std::shared_ptr<const F> f;
    template <class... Args>
    Params invoke(std::source_location where, const Key& key, const Args&... args) const {
      CallSite site(where);
      const detail::FrameScope frame(detail::FrameMode::init, nullptr, nullptr, key, false);
      {
        UserCodeScope user;
        (void)(*f)(args...);
      }
      return frame.params();
    }
  } init;

  struct Apply : jx::detail::CallWithLocation<Apply> {
    std::shared_ptr<const F> f;
    template <class... Args>
    auto invoke(std::source_location where, const Params& params, const std::optional<Key>& key,
                const Args&... args) const {
      CallSite site(where);
      const detail::FrameScope frame(detail::FrameMode::apply, &params, nullptr, key, false);
      UserCodeScope user;
      return (*f)(args...);
    }
  } apply;
};

template <class F>
TransformedWithState<F> transform_with_state(F f) {
  return TransformedWithState<F>(std::move(f));
}
template <class F>
Transformed<F> transform(F f) {
  return Transformed<F>(std::move(f));
}

}  // namespace jx::nn
