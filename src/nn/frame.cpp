// The frame of a transformed function's run: the parameters and state it creates or reads, its keys,
// and the names of the modules it creates (jx/nn/transform.h).
#include <fmt/format.h>

#include <map>
#include <vector>

#include "jx/core/error.h"
#include "jx/nn/transform.h"

namespace jx::nn {
namespace detail {

struct StateValue {
  Array initial;  // what get_state created: what init returns
  Array current;  // after set_state: what apply returns
};

struct FrameScope::Frame {
  FrameMode mode;
  bool stateful;
  const Params* given_params = nullptr;
  std::map<std::string, std::map<std::string, Array>> params;  // module path -> name -> value (init)
  std::map<std::string, std::map<std::string, StateValue>> state;
  std::optional<Key> key;
  std::vector<std::string> scopes;       // the modules running, innermost last
  std::map<std::string, int> name_uses;  // per full name: how many modules took it so far
};

namespace {

thread_local FrameScope::Frame* t_frame = nullptr;

FrameScope::Frame& current_frame(const char* what) {
  if (!t_frame) {
    throw ValueError(what,
                     "must be called inside a function transformed with jx::nn::transform or "
                     "jx::nn::transform_with_state (while its init or apply runs)");
  }
  return *t_frame;
}

// Parameters and state outside any module belong to "~", as in Haiku.
std::string current_module(const FrameScope::Frame& frame) { return frame.scopes.empty() ? "~" : frame.scopes.back(); }

std::string path_of(const std::string& module, const std::string& name) { return module + "/" + name; }

void check_type(const char* what, const std::string& path, const Array& value, const Shape& shape, DType dtype) {
  if (value.shape() != shape || value.dtype() != dtype) {
    throw ShapeError(
        what, fmt::format("'{}' is {}{} in the given tree, but the module asks for {}{}", path,
                          dtype_name(value.dtype()), value.shape().to_string(), dtype_name(dtype), shape.to_string()));
  }
}

tree::Tree nested(const std::map<std::string, std::map<std::string, Array>>& values) {
  tree::Tree::Dict modules;
  for (const auto& [module, entries] : values) {
    tree::Tree::Dict arrays;
    for (const auto& [name, value] : entries) arrays.emplace(name, tree::Tree(value));
    modules.emplace(module, tree::Tree::dict(std::move(arrays)));
  }
  return tree::Tree::dict(std::move(modules));
}

}  // namespace

FrameScope::FrameScope(FrameMode mode, const Params* params, const State* state, std::optional<Key> key, bool stateful)
    : previous_(t_frame), frame_(std::make_unique<Frame>()) {
  frame_->mode = mode;
  frame_->stateful = stateful;
  frame_->given_params = params;
  frame_->key = std::move(key);
  if (state) {
    if (!state->is_dict()) throw TreeError("apply", "the state must be the dict of modules init returned");
    for (const auto& [module, entries] : state->as_dict()) {
      if (!entries.is_dict()) throw TreeError("apply", fmt::format("state['{}'] is not a dict of arrays", module));
      for (const auto& [name, value] : entries.as_dict()) {
        if (!value.is_array()) throw TreeError("apply", fmt::format("state['{}']['{}'] is not an array", module, name));
        frame_->state[module][name] = StateValue{value.array(), value.array()};
      }
    }
  }
  if (params && !params->is_dict())
    throw TreeError("apply", "the parameters must be the dict of modules init returned");
  t_frame = frame_.get();
}

FrameScope::~FrameScope() { t_frame = static_cast<Frame*>(previous_); }

Params FrameScope::params() const { return nested(frame_->params); }

State FrameScope::state(bool initial) const {
  std::map<std::string, std::map<std::string, Array>> values;
  for (const auto& [module, entries] : frame_->state) {
    for (const auto& [name, value] : entries) values[module][name] = initial ? value.initial : value.current;
  }
  return nested(values);
}

}  // namespace detail

using detail::FrameMode;

Array get_parameter(const std::string& name, const Shape& shape, DType dtype, const Initializer& init,
                    std::source_location loc) {
  CallSite site(loc);
  auto& frame = detail::current_frame("get_parameter");
  const std::string module = detail::current_module(frame);
  if (frame.mode == FrameMode::init) {
    auto& entries = frame.params[module];
    if (auto it = entries.find(name); it != entries.end()) {
      detail::check_type("get_parameter", detail::path_of(module, name), it->second, shape, dtype);
      return it->second;
    }
    const Array value = init(next_rng_key(), shape, dtype);
    detail::check_type("get_parameter", detail::path_of(module, name), value, shape, dtype);
    entries.emplace(name, value);
    return value;
  }
  const tree::Tree::Dict& modules = frame.given_params->as_dict();
  const auto m = modules.find(module);
  const tree::Tree* entry = nullptr;
  if (m != modules.end() && m->second.is_dict()) {
    const auto& arrays = m->second.as_dict();
    if (auto it = arrays.find(name); it != arrays.end()) entry = &it->second;
  }
  if (!entry || !entry->is_array()) {
    throw ValueError("get_parameter", fmt::format("no parameter '{}' in the given parameters: were they made by init "
                                                  "of the same function?",
                                                  detail::path_of(module, name)));
  }
  detail::check_type("get_parameter", detail::path_of(module, name), entry->array(), shape, dtype);
  return entry->array();
}

Array get_parameter(const std::string& name, const Shape& shape, const Initializer& init, std::source_location loc) {
  CallSite site(loc);
  return get_parameter(name, shape, DType::float32, init);
}

Array get_state(const std::string& name, const Shape& shape, DType dtype, const Initializer& init,
                std::source_location loc) {
  CallSite site(loc);
  auto& frame = detail::current_frame("get_state");
  if (!frame.stateful) {
    throw ValueError("get_state", "this function uses state: transform it with jx::nn::transform_with_state");
  }
  const std::string module = detail::current_module(frame);
  auto& entries = frame.state[module];
  if (auto it = entries.find(name); it != entries.end()) {
    detail::check_type("get_state", detail::path_of(module, name), it->second.current, shape, dtype);
    return it->second.current;
  }
  if (frame.mode == FrameMode::apply) {
    throw ValueError("get_state", fmt::format("no state '{}' in the given state: was it made by init of the same "
                                              "function?",
                                              detail::path_of(module, name)));
  }
  const Array value = init(next_rng_key(), shape, dtype);
  detail::check_type("get_state", detail::path_of(module, name), value, shape, dtype);
  entries.emplace(name, detail::StateValue{value, value});
  return value;
}

void set_state(const std::string& name, const Array& value, std::source_location loc) {
  CallSite site(loc);
  auto& frame = detail::current_frame("set_state");
  if (!frame.stateful) {
    throw ValueError("set_state", "this function uses state: transform it with jx::nn::transform_with_state");
  }
  const std::string module = detail::current_module(frame);
  auto& entries = frame.state[module];
  if (auto it = entries.find(name); it != entries.end()) {
    it->second.current = value;
    return;
  }
  if (frame.mode == FrameMode::apply) {
    throw ValueError("set_state", fmt::format("no state '{}' in the given state: was it made by init of the same "
                                              "function?",
                                              detail::path_of(module, name)));
  }
  entries.emplace(name, detail::StateValue{value, value});  // first set during init: also the initial value
}

Key next_rng_key(std::source_location loc) {
  CallSite site(loc);
  auto& frame = detail::current_frame("next_rng_key");
  if (!frame.key) {
    throw ValueError("next_rng_key", "no PRNG key: this function draws randomness, so pass a key to init and apply");
  }
  auto [next, subkey] = random::split(*frame.key);
  frame.key = next;
  return subkey;
}

bool running_init() { return detail::current_frame("running_init").mode == FrameMode::init; }

Module::Module(std::string_view kind, const std::optional<std::string>& name) {
  // A module made outside a transformed function has no name; calling it throws (with the caller's
  // line, which its call operator knows and a constructor, defaulting its options, could not take).
  if (!detail::t_frame) return;
  auto& frame = detail::current_frame("a jx::nn module");
  const std::string base = name.value_or(std::string(kind));
  const std::string full = frame.scopes.empty() ? base : frame.scopes.back() + "/" + base;
  int& uses = frame.name_uses[full];
  path_ = uses == 0 ? full : fmt::format("{}_{}", full, uses);
  ++uses;
}

Module::Scope::Scope(const std::string& path) {
  auto& frame = detail::current_frame("a jx::nn module");
  if (path.empty()) {
    throw ValueError("a jx::nn module",
                     "was constructed outside the transformed function that calls it; construct modules inside the "
                     "function given to jx::nn::transform or transform_with_state");
  }
  frame.scopes.push_back(path);
}

Module::Scope::~Scope() {
  if (detail::t_frame) detail::t_frame->scopes.pop_back();
}

}  // namespace jx::nn
