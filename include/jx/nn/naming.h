// jx/nn/naming.h — Haiku's control over names and its interceptors: current_name, name_scope,
// force_name, the naming of module methods (method, name_like, transparent), to_module, Deferred,
// intercept_methods, custom_creator/custom_getter/custom_setter, and the parameters and state of the
// running function (get_params, get_current_state, get_initial_state).
//
//   auto model = jx::nn::transform([](const jx::Array& x) {
//     auto scope = jx::nn::name_scope("encoder");                      // until the end of the block
//     auto h = jx::nn::Linear(8)(x);                                   // params["encoder/linear"]
//     auto shared = jx::nn::Linear(8, {.name = jx::nn::force_name("encoder/linear")});  // the same parameters
//     auto bf16 = jx::nn::custom_getter([](const jx::nn::NextGetter& next, const jx::Array& value,
//                                          const jx::nn::GetterContext&) { return next(value.astype(jx::bfloat16)); });
//     return shared(h);                                                // computed with bfloat16 parameters
//   });
//
// Names follow Haiku's rules: a module is named after its kind in snake case (or the name given),
// under the running module's path; a trailing "_N" the user wrote is kept and the next module of that
// name numbered after it; numbering starts afresh in every call of a module method, so a module called
// twice makes its submodules under the same names (and the same parameters). Haiku also refuses a
// second module of a name written twice within one method; jx gives them the same path (they share
// parameters), as force_name does on purpose.
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <utility>

#include "jx/core/caller_location.h"
#include "jx/core/keywords_only.h"
#include "jx/nn/transform.h"

namespace jx::nn {

// --- Names --------------------------------------------------------------------------------------

// The running module's path ("mlp/linear_0"), or "~" outside every module: the key its parameters and
// state are kept under (hk.current_name). Outside a transformed function: ValueError.
std::string current_name(std::source_location loc = std::source_location::current());

// A module name taken as it is, whatever module or name scope the module is made in, so that two
// modules can share parameters (hk.force_name): Linear(1, {.name = force_name("encoder/linear")}).
// Each part between '/' must be an identifier, optionally after '~' (ValueError otherwise).
std::string force_name(const std::string& name);

struct NameScopeOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::string method_name = "__call__";  // the method the scope acts as (its modules' naming)
};

// While it lives, new modules, parameters and state are made under `name` ("foo" or "foo/bar"), as if
// made in a method of a module of that name (hk.name_scope). Like a module, a scope of a name used
// before at the same place is numbered: a second "foo" is "foo_1". A name that is empty, starts with
// '/' or has a part that is not an identifier throws ValueError; a force_name path is taken as it is.
class [[nodiscard]] NameScope {
 public:
  NameScope(const std::string& name, const NameScopeOptions& options, std::source_location loc);
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;

 private:
  std::optional<detail::ModuleScope> scope_;
};
inline NameScope name_scope(const std::string& name, NameScopeOptions options = {},
                            std::source_location loc = std::source_location::current()) {
  return NameScope(name, options, loc);
}

// How a module method other than the call operator runs, for Module::scoped(method, f):
//   method("encode"): named as itself: its submodules are "module/~encode/..." (Haiku's naming);
//   name_like("__call__", "encode"): named as the method `like` (hk.name_like), so that a refactored
//     method keeps the names, and the checkpoints, of the one it came from;
//   transparent(): opens no scope: its parameters and modules are its caller's (hk.transparent), and
//     method interceptors do not see it.
inline MethodName method(std::string name) {
  MethodName result;
  result.name = std::move(name);
  result.naming = result.name;
  return result;
}
inline MethodName name_like(std::string like, std::string method_name) {
  MethodName result;
  result.name = std::move(method_name);
  result.naming = std::move(like);
  return result;
}
inline MethodName transparent(std::string method_name = "__call__") {
  MethodName result = method(std::move(method_name));
  result.transparent = true;
  return result;
}

// --- to_module: a function as a module ------------------------------------------------------------

// A module whose call runs f(args...) in its scope: what f makes is the module's (hk.to_module).
template <class F>
class ToModule : public Module, public jx::detail::CallWithLocation<ToModule<F>> {
 public:
  ToModule(std::shared_ptr<const F> f, const std::string& kind, const std::optional<std::string>& name)
      : Module(kind, name), f_(std::move(f)) {}

  template <class... Args>
  auto invoke(std::source_location where, const Args&... args) const {
    CallSite site(where);
    return scoped([&] {
      UserCodeScope user;
      return (*f_)(args...);
    });
  }

 private:
  std::shared_ptr<const F> f_;
};

// What to_module returns: called with an optional name, it makes a module (Haiku returns a class).
template <class F>
class ModuleFactory {
 public:
  ModuleFactory(F f, std::string kind) : f_(std::make_shared<const F>(std::move(f))), kind_(std::move(kind)) {}
  ToModule<F> operator()(const std::optional<std::string>& name = std::nullopt) const {
    return ToModule<F>(f_, kind_, name);
  }

 private:
  std::shared_ptr<const F> f_;
  std::string kind_;
};

// `name` is the modules' default name (Haiku takes the function's own name, which a C++ lambda lacks):
//   auto Bias = jx::nn::to_module(bias_fn, "bias_fn");
//   auto b = Bias("my_bias");           // inside the transformed function
//   return b(x) * b(y);                 // one parameter, params["my_bias"]
template <class F>
ModuleFactory<F> to_module(F f, std::string name) {
  return ModuleFactory<F>(std::move(f), std::move(name));
}

// --- Deferred: a module made on first use ---------------------------------------------------------

// Holds a factory of a module and makes the module the first time it is called or asked for, in the
// module scope where the Deferred was made (hk.Deferred), so that a module can be declared before
// what it depends on is known:
//   auto decoder = jx::nn::Deferred<jx::nn::Linear>([&] { return jx::nn::Linear(input_size); });
// Copies share the one module.
template <class M>
class Deferred {
 public:
  explicit Deferred(std::function<M()> factory)
      : shared_(std::make_shared<Shared>(Shared{std::move(factory), std::nullopt, detail::current_module_scope()})) {}

  const M& target() const {
    if (!shared_->target) {
      std::optional<detail::ModuleScope> scope;
      if (shared_->scope) scope.emplace("Deferred", *shared_->scope);
      shared_->target.emplace(shared_->factory());
      shared_->factory = nullptr;
    }
    return *shared_->target;
  }
  template <class... Args>
  requires std::invocable<const M&, Args...>
  decltype(auto) operator()(Args&&... args) const { return target()(std::forward<Args>(args)...); }

 private:
  struct Shared {
    std::function<M()> factory;
    std::optional<M> target;
    std::optional<detail::ModuleScopeState> scope;  // the module running when the Deferred was made
  };
  std::shared_ptr<Shared> shared_;
};

// --- Interceptors ---------------------------------------------------------------------------------

// Removes the interceptor it was made with when it is destroyed.
class [[nodiscard]] InterceptorScope {
 public:
  explicit InterceptorScope(int stacks) : stacks_(stacks) {}
  ~InterceptorScope();
  InterceptorScope(const InterceptorScope&) = delete;
  InterceptorScope& operator=(const InterceptorScope&) = delete;

 private:
  int stacks_;
};

// What a method interceptor knows of the call. Interceptors run inside the module's scope (so
// current_name() is the module's), outermost first; each calls next() to run the rest, or
// orig_method() to run the method without the interceptors after it. C++ interceptors see the call,
// not its arguments or result (they cannot change them, as Haiku's can).
struct MethodContext {
  const Module& module;
  std::string module_name;
  std::string method_name;  // "__call__" for the call operator
  const std::function<void()>& orig_method;
};
using MethodInterceptor = std::function<void(const std::function<void()>& next, const MethodContext& context)>;

// Until the scope is destroyed, every module method that runs through Module::scoped (every jx::nn
// module's call) runs through `interceptor` (hk.intercept_methods). Scopes stack.
InterceptorScope intercept_methods(MethodInterceptor interceptor);

// What a creator or getter knows of the parameter or state (hk.GetterContext).
struct GetterContext {
  std::string full_name;    // "mlp/linear_0/w"
  std::string module_name;  // "mlp/linear_0" ("~" outside every module)
  std::string name;         // "w"
  Shape original_shape;     // as get_parameter or get_state asked
  DType original_dtype;
  Initializer original_init;
  std::optional<std::string> lifted_prefix_name;  // the enclosing lifts' prefix, during their init
};
using NextCreator = std::function<Array(const Shape& shape, DType dtype, const Initializer& init)>;
using Creator = std::function<Array(const NextCreator& next, const Shape& shape, DType dtype, const Initializer& init,
                                    const GetterContext& context)>;
using NextGetter = std::function<Array(const Array& value)>;
using Getter = std::function<Array(const NextGetter& next, const Array& value, const GetterContext& context)>;

// What a setter knows of the state value set (hk.SetterContext).
struct SetterContext {
  std::string full_name;
  std::string module_name;
  std::string name;
  Shape original_shape;  // the value's
  DType original_dtype;
  std::optional<std::string> lifted_prefix_name;
};
using NextSetter = std::function<Array(const Array& value)>;
using Setter = std::function<Array(const NextSetter& next, const Array& value, const SetterContext& context)>;

struct InterceptOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool params = true;  // run on get_parameter
  bool state = false;  // run on get_state
};

// Until the scope is destroyed: creators make every new parameter (and state, with .state = true)
// instead of its initializer, the last one calling next(shape, dtype, init) (hk.custom_creator);
// getters see every value get_parameter (get_state) returns and may replace it, keeping its shape
// (hk.custom_getter); setters see every value set_state stores (hk.custom_setter). Each runs the
// newest last: the first made is the outermost. Outside a transformed function: ValueError.
InterceptorScope custom_creator(Creator creator, InterceptOptions options = {},
                                std::source_location loc = std::source_location::current());
InterceptorScope custom_getter(Getter getter, InterceptOptions options = {},
                               std::source_location loc = std::source_location::current());
InterceptorScope custom_setter(Setter setter, std::source_location loc = std::source_location::current());

// --- The running function's parameters and state --------------------------------------------------

// The parameters made so far (during init) or given (during apply) (hk.get_params); the state's
// initial values (as init would return them) and its current ones (as apply would). Custom getters do
// not run. Outside a transformed function: ValueError.
Params get_params(std::source_location loc = std::source_location::current());
State get_initial_state(std::source_location loc = std::source_location::current());
State get_current_state(std::source_location loc = std::source_location::current());

}  // namespace jx::nn
