// Interceptors of module methods and of parameter and state access (jx/nn/naming.h), kept per thread
// as Haiku keeps its stacks, and the hooks src/nn/frame.cpp runs them through (src/nn/interceptors.h).
#include "nn/interceptors.h"

#include <fmt/format.h>

#include <cstddef>
#include <vector>

#include "jx/core/error.h"
#include "jx/nn/naming.h"
#include "nn/transform_guard.h"

namespace jx::nn {

namespace {

enum StackBit : int {
  kMethods = 1 << 0,
  kParamCreators = 1 << 1,
  kStateCreators = 1 << 2,
  kParamGetters = 1 << 3,
  kStateGetters = 1 << 4,
  kSetters = 1 << 5,
};

struct Stacks {
  std::vector<MethodInterceptor> methods;
  std::vector<Creator> param_creators;
  std::vector<Creator> state_creators;
  std::vector<Getter> param_getters;
  std::vector<Getter> state_getters;
  std::vector<Setter> setters;
};

thread_local Stacks t_stacks;

template <class T>
void require_function(const char* op, const T& interceptor) {
  if (!interceptor) throw ValueError(op, "got an empty std::function");
}

GetterContext getter_context(const std::string& module, const std::string& name, const Shape& shape, DType dtype,
                             const Initializer& init) {
  return GetterContext{module + "/" + name, module, name, shape, dtype, init, detail::lifted_prefix_name()};
}

}  // namespace

InterceptorScope::~InterceptorScope() {
  if (stacks_ & kMethods) t_stacks.methods.pop_back();
  if (stacks_ & kParamCreators) t_stacks.param_creators.pop_back();
  if (stacks_ & kStateCreators) t_stacks.state_creators.pop_back();
  if (stacks_ & kParamGetters) t_stacks.param_getters.pop_back();
  if (stacks_ & kStateGetters) t_stacks.state_getters.pop_back();
  if (stacks_ & kSetters) t_stacks.setters.pop_back();
}

InterceptorScope intercept_methods(MethodInterceptor interceptor) {
  require_function("intercept_methods", interceptor);
  t_stacks.methods.push_back(std::move(interceptor));
  return InterceptorScope(kMethods);
}

InterceptorScope custom_creator(Creator creator, InterceptOptions options, std::source_location loc) {
  CallSite site(loc);
  detail::require_transform("custom_creator");
  require_function("custom_creator", creator);
  int stacks = 0;
  if (options.params) {
    t_stacks.param_creators.push_back(creator);
    stacks |= kParamCreators;
  }
  if (options.state) {
    t_stacks.state_creators.push_back(creator);
    stacks |= kStateCreators;
  }
  return InterceptorScope(stacks);
}

InterceptorScope custom_getter(Getter getter, InterceptOptions options, std::source_location loc) {
  CallSite site(loc);
  detail::require_transform("custom_getter");
  require_function("custom_getter", getter);
  int stacks = 0;
  if (options.params) {
    t_stacks.param_getters.push_back(getter);
    stacks |= kParamGetters;
  }
  if (options.state) {
    t_stacks.state_getters.push_back(getter);
    stacks |= kStateGetters;
  }
  return InterceptorScope(stacks);
}

InterceptorScope custom_setter(Setter setter, std::source_location loc) {
  CallSite site(loc);
  detail::require_transform("custom_setter");
  require_function("custom_setter", setter);
  t_stacks.setters.push_back(std::move(setter));
  return InterceptorScope(kSetters);
}

namespace detail {

bool methods_intercepted() { return !t_stacks.methods.empty(); }

// Each interceptor runs the rest through next(), the first made outermost. The chain is a copy, so
// that an interceptor opening or closing scopes changes the calls after this one only.
void run_method_interceptors(const Module& module, std::string_view method_name, const std::function<void()>& call) {
  const std::vector<MethodInterceptor> chain = t_stacks.methods;
  const MethodContext context{module, module.module_name(), std::string(method_name), call};
  std::size_t index = 0;
  std::function<void()> next;
  next = [&] {
    if (index < chain.size()) {
      chain[index++](next, context);
    } else {
      call();
    }
  };
  next();
}

Array create_value(bool state, const std::string& module, const std::string& name, const Shape& shape, DType dtype,
                   const Initializer& init) {
  const std::vector<Creator>& active = state ? t_stacks.state_creators : t_stacks.param_creators;
  if (active.empty()) return init(next_rng_key(), shape, dtype);
  const std::vector<Creator> chain = active;
  const GetterContext context = getter_context(module, name, shape, dtype, init);
  std::size_t index = 0;
  NextCreator next;
  next = [&](const Shape& next_shape, DType next_dtype, const Initializer& next_init) -> Array {
    if (index < chain.size()) return chain[index++](next, next_shape, next_dtype, next_init, context);
    if (!next_init) throw ValueError("custom_creator", fmt::format("'{}' got no initializer", context.full_name));
    return next_init(next_rng_key(), next_shape, next_dtype);
  };
  return next(shape, dtype, init);
}

Array got_value(bool state, const std::string& module, const std::string& name, const Shape& shape, DType dtype,
                const Initializer& init, const Array& value) {
  const std::vector<Getter>& active = state ? t_stacks.state_getters : t_stacks.param_getters;
  if (active.empty()) return value;
  const std::vector<Getter> chain = active;
  const GetterContext context = getter_context(module, name, shape, dtype, init);
  std::size_t index = 0;
  NextGetter next;
  next = [&](const Array& current) -> Array {
    return index < chain.size() ? chain[index++](next, current, context) : current;
  };
  const Array result = next(value);
  if (result.shape() != shape) {
    throw ShapeError(state ? "get_state" : "get_parameter",
                     fmt::format("a custom getter returned {} for '{}', which has shape {}", result.type().to_string(),
                                 context.full_name, shape.to_string()));
  }
  return result;
}

Array set_value(const std::string& module, const std::string& name, const Array& value) {
  if (t_stacks.setters.empty()) return value;
  const std::vector<Setter> chain = t_stacks.setters;
  const SetterContext context{module + "/" + name, module, name, value.shape(), value.dtype(), lifted_prefix_name()};
  std::size_t index = 0;
  NextSetter next;
  next = [&](const Array& current) -> Array {
    return index < chain.size() ? chain[index++](next, current, context) : current;
  };
  return next(value);
}

}  // namespace detail

}  // namespace jx::nn
