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

#include <functional>
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

// The base of modules: gives each a unique path at construction, and makes its parameters and the
// modules it creates while it runs its own (scoped()).
class Module {
 public:
  const std::string& module_name() const { return path_; }

 protected:
  // `kind` is the default name ("linear"); `name` overrides it.
  Module(std::string_view kind, const std::optional<std::string>& name);
  // Calls f with this module as the current one.
  template <class F>
  auto scoped(F&& f) const {
    const Scope scope(path_);
    return std::forward<F>(f)();
  }

 private:
  class Scope {
   public:
    explicit Scope(const std::string& path);
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
