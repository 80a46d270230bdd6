// The frame of a transformed function's run: the parameters and state it creates or reads, its keys,
// and the names of the modules it creates (jx/nn/transform.h).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <map>
#include <vector>

#include "jx/core/error.h"
#include "jx/nn/mixed_precision.h"
#include "jx/nn/transform.h"
#include "nn/interceptors.h"

namespace jx::nn {
namespace detail {

struct StateValue {
  Array initial;  // what get_state created: what init returns
  Array current;  // after set_state: what apply returns
};

// Numbers every run of init or apply, to tell runs apart (a frame's address may be reused).
static std::uint64_t next_frame_id() {
  static std::atomic<std::uint64_t> next{1};
  return next++;
}

struct FrameScope::Frame {
  FrameMode mode;
  bool stateful;
  const Params* given_params = nullptr;
  std::map<std::string, std::map<std::string, Array>> params;  // module path -> name -> value (init)
  std::map<std::string, std::map<std::string, StateValue>> state;
  std::optional<Key> key;
  std::deque<Key> reserved_keys;         // split off ahead (reserve_rng_keys), handed out before key splits again
  std::vector<std::string> scopes;       // the modules running, innermost last
  std::map<std::string, int> name_uses;  // per full name: how many modules took it so far
  // Per entry of scopes: the method it runs as named (Haiku names what a method other than __call__
  // makes "module/~method/..."), and the numbering of the modules it makes, afresh in each call as
  // Haiku numbers them (name_uses numbers those made outside every module).
  std::vector<std::string> scope_namings;
  std::vector<std::map<std::string, int>> scope_name_uses;
  std::uint64_t id = next_frame_id();  // this run's own (LiftWithStateUpdater checks it is used in its run)
  const char* loop_body = nullptr;     // inside the body of jx::nn::scan (named so): nothing new may be made
  // Module path -> kind (from the module's constructor): mixed precision policies are set per kind.
  std::map<std::string, std::string> module_kinds;
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

// --- Module names, by Haiku's rules (haiku/_src/module.py) -----------------------------------------

constexpr std::string_view kForceNamePrefix = "FORCE:";  // jx::nn::force_name's mark, as Haiku's

std::map<std::string, int>& name_counters(FrameScope::Frame& frame) {
  return frame.scope_name_uses.empty() ? frame.name_uses : frame.scope_name_uses.back();
}

// "linear_2" -> ("linear", 2): a number written by the user is kept, and the next module of that name
// is numbered after it. A number with a leading zero (or none) is part of the name.
std::pair<std::string, std::optional<int>> name_and_number(const std::string& name) {
  const std::size_t underscore = name.rfind('_');
  if (underscore == std::string::npos || underscore + 1 == name.size()) return {name, std::nullopt};
  const std::string digits = name.substr(underscore + 1);
  const bool numeric = digits.size() <= 9 && digits.find_first_not_of("0123456789") == std::string::npos;
  if (!numeric || (digits.size() > 1 && digits[0] == '0')) return {name, std::nullopt};
  return {name.substr(0, underscore), std::stoi(digits)};
}

// The full name of a module called `base` made now: under the running module, and under "~method/"
// when that module runs a method other than __call__ ("~/" for __init__).
std::string name_under_scope(const FrameScope::Frame& frame, const std::string& base) {
  if (frame.scopes.empty()) return base;
  const std::string& method = frame.scope_namings.back();
  const std::string tilde = method == "__call__" ? "" : method == "__init__" ? "~/" : "~" + method + "/";
  return frame.scopes.back() + "/" + tilde + base;
}

std::string numbered_module_name(FrameScope::Frame& frame, const std::string& full) {
  const auto [stem, number] = name_and_number(full);
  int& next = name_counters(frame)[stem];
  const int n = number.value_or(next);
  next = std::max(next, n + 1);
  return number || n > 0 ? fmt::format("{}_{}", stem, n) : stem;
}

// Haiku's check_name for a forced path's parts: an identifier, after an optional '~' ("~" alone too).
bool valid_name_component(std::string_view component) {
  if (!component.empty() && component[0] == '~') {
    component.remove_prefix(1);
    if (component.empty()) return true;
  }
  if (component.empty() || std::isdigit(static_cast<unsigned char>(component[0]))) return false;
  for (const char c : component) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// A forced name is the path itself; it still counts for the numbering of the modules named after it.
std::string forced_module_name(FrameScope::Frame& frame, const std::string& path) {
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (!valid_name_component(path.substr(start, end - start))) {
      throw ValueError("force_name", fmt::format("'{}' is not a valid module name: each part between '/' must be an "
                                                 "identifier (optionally after a '~')",
                                                 path));
    }
    if (end == path.size()) break;
    start = end + 1;
  }
  const auto [stem, number] = name_and_number(path);
  int& next = name_counters(frame)[stem];
  next = std::max(next, number.value_or(0) + 1);
  return path;
}

void push_scope(FrameScope::Frame& frame, const std::string& path, const std::string& method_naming) {
  frame.scopes.push_back(path);
  frame.scope_namings.push_back(method_naming);
  frame.scope_name_uses.emplace_back();
}

void pop_scope(FrameScope::Frame& frame) {
  frame.scopes.pop_back();
  frame.scope_namings.pop_back();
  frame.scope_name_uses.pop_back();
}

void check_type(const char* what, const std::string& path, const Array& value, const Shape& shape, DType dtype) {
  if (value.shape() != shape || value.dtype() != dtype) {
    throw ShapeError(
        what, fmt::format("'{}' is {}{} in the given tree, but the module asks for {}{}", path,
                          dtype_name(value.dtype()), value.shape().to_string(), dtype_name(dtype), shape.to_string()));
  }
}

// Inside a loop body (jx::nn::scan) a parameter would be made from a traced value, once for all steps,
// and new state would change the structure of the loop's carry.
void refuse_in_loop_body(const FrameScope::Frame& frame, const char* what, const char* kind, const std::string& path) {
  if (!frame.loop_body) return;
  throw ValueError(what, fmt::format("the loop body of {} makes the {} '{}', which the step run before the loop did "
                                     "not make: a loop body must make the same parameters and state on every step",
                                     frame.loop_body, kind, path));
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

RngSequenceSlot current_rng_sequence(const char* what) {
  auto& frame = current_frame(what);
  return {&frame.key, &frame.reserved_keys};
}

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
  // Under a mixed precision policy (jx/nn/mixed_precision.h), Haiku's creator and getter: a floating
  // parameter is made and kept in param_dtype, and read cast to compute_dtype.
  if (const mixed_precision::Policy* policy = mixed_precision::detail::accessor_policy()) {
    const mixed_precision::Policy in_force = *policy;
    const mixed_precision::detail::SuspendPolicy uncast;
    return in_force.cast_to_compute(
        get_parameter(name, shape, is_floating(dtype) ? in_force.param_dtype : dtype, init, loc));
  }
  auto& frame = detail::current_frame("get_parameter");
  const std::string module = detail::current_module(frame);
  if (frame.mode == FrameMode::init) {
    auto& entries = frame.params[module];
    if (auto it = entries.find(name); it != entries.end()) {
      detail::check_type("get_parameter", detail::path_of(module, name), it->second, shape, dtype);
      return detail::got_value(false, module, name, shape, dtype, init, it->second);
    }
    detail::refuse_in_loop_body(frame, "get_parameter", "parameter", detail::path_of(module, name));
    const Array value = detail::create_value(false, module, name, shape, dtype, init);
    detail::check_type("get_parameter", detail::path_of(module, name), value, shape, dtype);
    entries.emplace(name, value);
    return detail::got_value(false, module, name, shape, dtype, init, value);
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
  return detail::got_value(false, module, name, shape, dtype, init, entry->array());
}

Array get_parameter(const std::string& name, const Shape& shape, const Initializer& init, std::source_location loc) {
  CallSite site(loc);
  return get_parameter(name, shape, DType::float32, init);
}

Array get_state(const std::string& name, const Shape& shape, DType dtype, const Initializer& init,
                std::source_location loc) {
  CallSite site(loc);
  // Under a mixed precision policy, Haiku's getter (state=True): floating state is read cast to compute_dtype.
  if (const mixed_precision::Policy* policy = mixed_precision::detail::accessor_policy()) {
    const mixed_precision::Policy in_force = *policy;
    const mixed_precision::detail::SuspendPolicy uncast;
    return in_force.cast_to_compute(get_state(name, shape, dtype, init, loc));
  }
  auto& frame = detail::current_frame("get_state");
  if (!frame.stateful) {
    throw ValueError("get_state", "this function uses state: transform it with jx::nn::transform_with_state");
  }
  const std::string module = detail::current_module(frame);
  auto& entries = frame.state[module];
  if (auto it = entries.find(name); it != entries.end()) {
    detail::check_type("get_state", detail::path_of(module, name), it->second.current, shape, dtype);
    return detail::got_value(true, module, name, shape, dtype, init, it->second.current);
  }
  if (frame.mode == FrameMode::apply) {
    throw ValueError("get_state", fmt::format("no state '{}' in the given state: was it made by init of the same "
                                              "function?",
                                              detail::path_of(module, name)));
  }
  detail::refuse_in_loop_body(frame, "get_state", "state", detail::path_of(module, name));
  const Array value = detail::create_value(true, module, name, shape, dtype, init);
  detail::check_type("get_state", detail::path_of(module, name), value, shape, dtype);
  entries.emplace(name, detail::StateValue{value, value});
  return detail::got_value(true, module, name, shape, dtype, init, value);
}

void set_state(const std::string& name, const Array& given_value, std::source_location loc) {
  CallSite site(loc);
  auto& frame = detail::current_frame("set_state");
  if (!frame.stateful) {
    throw ValueError("set_state", "this function uses state: transform it with jx::nn::transform_with_state");
  }
  const std::string module = detail::current_module(frame);
  const Array value = detail::set_value(module, name, given_value);
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
  detail::refuse_in_loop_body(frame, "set_state", "state", detail::path_of(module, name));
  entries.emplace(name, detail::StateValue{value, value});  // first set during init: also the initial value
}

Key next_rng_key(std::source_location loc) {
  CallSite site(loc);
  auto& frame = detail::current_frame("next_rng_key");
  if (!frame.key) {
    throw ValueError("next_rng_key", "no PRNG key: this function draws randomness, so pass a key to init and apply");
  }
  if (!frame.reserved_keys.empty()) {
    Key reserved = frame.reserved_keys.front();
    frame.reserved_keys.pop_front();
    return reserved;
  }
  auto [next, subkey] = random::split(*frame.key);
  frame.key = next;
  return subkey;
}

namespace detail {

bool inside_transform() { return t_frame != nullptr; }

tree::Tree loop_state(const char* op) {
  const auto& frame = current_frame(op);
  tree::Tree::Dict modules;
  for (const auto& [module, entries] : frame.state) {
    if (entries.empty()) continue;  // left by a failed lookup: no arrays, and it must not change the structure
    tree::Tree::Dict arrays;
    for (const auto& [name, value] : entries) arrays.emplace(name, tree::Tree(value.current));
    modules.emplace(module, tree::Tree::dict(std::move(arrays)));
  }
  return tree::Tree::dict({{"key", frame.key ? tree::Tree(Array(*frame.key)) : tree::Tree::none()},
                           {"state", tree::Tree::dict(std::move(modules))}});
}

void set_loop_state(const tree::Tree& carried) {
  auto& frame = current_frame("set_loop_state");
  for (const auto& [module, entries] : carried["state"].as_dict()) {
    for (const auto& [name, value] : entries.as_dict()) frame.state.at(module).at(name).current = value.array();
  }
  const tree::Tree& key = carried["key"];
  frame.key = key.is_none() ? std::nullopt : std::optional<Key>(Key(key.array()));
}

std::map<std::string, int> module_name_uses() { return name_counters(current_frame("module_name_uses")); }

void set_module_name_uses(std::map<std::string, int> uses) {
  name_counters(current_frame("set_module_name_uses")) = std::move(uses);
}

// Keys reserved outside the loop stay for after it: the body draws from the carried key alone, so that
// the carry keeps its structure from step to step.
LoopBodyScope::LoopBodyScope(const char* op, const tree::Tree& carried) : outer_op_(current_frame(op).loop_body) {
  auto& frame = current_frame(op);
  tree::Tree::List reserved;
  for (const Key& key : frame.reserved_keys) reserved.emplace_back(Array(key));
  outer_ = tree::Tree::dict({{"loop", loop_state(op)}, {"reserved", tree::Tree::list(std::move(reserved))}});
  frame.reserved_keys.clear();
  set_loop_state(carried);
  frame.loop_body = op;
}

LoopBodyScope::~LoopBodyScope() {
  if (!t_frame) return;
  t_frame->loop_body = outer_op_;
  set_loop_state(outer_["loop"]);
  t_frame->reserved_keys.clear();
  for (const tree::Tree& key : outer_["reserved"].as_list()) t_frame->reserved_keys.emplace_back(key.array());
}

tree::Tree frame_values(const char* op) {
  const auto& frame = current_frame(op);
  tree::Tree::Dict params;
  for (const auto& [module, entries] : frame.params) {
    if (entries.empty()) continue;  // left by a failed creation: no arrays
    tree::Tree::Dict arrays;
    for (const auto& [name, value] : entries) arrays.emplace(name, tree::Tree(value));
    params.emplace(module, tree::Tree::dict(std::move(arrays)));
  }
  tree::Tree::Dict state;
  for (const auto& [module, entries] : frame.state) {
    if (entries.empty()) continue;
    tree::Tree::Dict arrays;
    for (const auto& [name, value] : entries)
      arrays.emplace(name, tree::Tree::list({tree::Tree(value.initial), tree::Tree(value.current)}));
    state.emplace(module, tree::Tree::dict(std::move(arrays)));
  }
  return tree::Tree::dict({{"key", frame.key ? tree::Tree(Array(*frame.key)) : tree::Tree::none()},
                           {"params", tree::Tree::dict(std::move(params))},
                           {"state", tree::Tree::dict(std::move(state))}});
}

void set_frame_values(const tree::Tree& values) {
  auto& frame = current_frame("set_frame_values");
  frame.params.clear();
  for (const auto& [module, entries] : values["params"].as_dict()) {
    for (const auto& [name, value] : entries.as_dict()) frame.params[module][name] = value.array();
  }
  frame.state.clear();
  for (const auto& [module, entries] : values["state"].as_dict()) {
    for (const auto& [name, pair] : entries.as_dict()) {
      frame.state[module][name] = StateValue{pair[std::size_t{0}].array(), pair[std::size_t{1}].array()};
    }
  }
  const tree::Tree& key = values["key"];
  frame.key = key.is_none() ? std::nullopt : std::optional<Key>(Key(key.array()));
}

}  // namespace detail

bool running_init() { return detail::current_frame("running_init").mode == FrameMode::init; }

Module::Module(std::string_view kind, const std::optional<std::string>& name) {
  // A module made outside a transformed function has no name; calling it throws (with the caller's
  // line, which its call operator knows and a constructor, defaulting its options, could not take).
  if (!detail::t_frame) return;
  auto& frame = detail::current_frame("a jx::nn module");
  const std::string base = name.value_or(std::string(kind));
  if (base.starts_with(detail::kForceNamePrefix)) {
    path_ = detail::forced_module_name(frame, base.substr(detail::kForceNamePrefix.size()));
  } else {
    path_ = detail::numbered_module_name(frame, detail::name_under_scope(frame, base));
  }
  frame.module_kinds[path_] = std::string(kind);
}

Module::Scope::Scope(const std::string& path) : Scope(path, "__call__") {}

Module::Scope::Scope(const std::string& path, const std::string& method_naming) {
  auto& frame = detail::current_frame("a jx::nn module");
  if (path.empty()) {
    throw ValueError("a jx::nn module",
                     "was constructed outside the transformed function that calls it; construct modules inside the "
                     "function given to jx::nn::transform or transform_with_state");
  }
  detail::push_scope(frame, path, method_naming);
  const auto kind = frame.module_kinds.find(path);
  mixed_precision::detail::enter_module(kind == frame.module_kinds.end() ? std::string_view() : kind->second);
}

Module::Scope::~Scope() {
  if (detail::t_frame) detail::pop_scope(*detail::t_frame);
  mixed_precision::detail::exit_module();
}

// --- Naming and lifting (jx/nn/naming.h, jx/nn/lift.h) ---------------------------------------------

namespace detail {

namespace {

std::string under_prefix(const std::string& prefix, const std::string& module) {
  return prefix.empty() ? module : prefix + "/" + module;
}

const tree::Tree::Dict& modules_of(const char* op, const char* what, const tree::Tree& tree) {
  if (!tree.is_dict()) throw TreeError(op, fmt::format("the {} must be a dict of modules, as init returns", what));
  for (const auto& [module, entries] : tree.as_dict()) {
    if (!entries.is_dict()) throw TreeError(op, fmt::format("{}['{}'] is not a dict of arrays", what, module));
    for (const auto& [name, value] : entries.as_dict()) {
      if (!value.is_array()) throw TreeError(op, fmt::format("{}['{}']['{}'] is not an array", what, module, name));
    }
  }
  return tree.as_dict();
}

}  // namespace

std::optional<ModuleScopeState> current_module_scope() {
  if (!t_frame || t_frame->scopes.empty()) return std::nullopt;
  return ModuleScopeState{t_frame->scopes.back(), t_frame->scope_namings.back()};
}

ModuleScope::ModuleScope(const char* op, const ModuleScopeState& state) {
  push_scope(current_frame(op), state.path, state.method_naming);
}

ModuleScope::~ModuleScope() {
  if (t_frame) pop_scope(*t_frame);
}

Params frame_params(const char* op) {
  const auto& frame = current_frame(op);
  if (frame.mode == FrameMode::apply) return frame.given_params ? *frame.given_params : tree::Tree::dict({});
  std::map<std::string, std::map<std::string, Array>> made;
  for (const auto& [module, entries] : frame.params) {
    if (!entries.empty()) made.emplace(module, entries);
  }
  return nested(made);
}

State frame_state(const char* op, bool initial) {
  const auto& frame = current_frame(op);
  std::map<std::string, std::map<std::string, Array>> values;
  for (const auto& [module, entries] : frame.state) {
    for (const auto& [name, value] : entries) values[module][name] = initial ? value.initial : value.current;
  }
  return nested(values);
}

void pack_lifted(const char* op, const std::string& prefix, const Params& params, const State& state,
                 bool allow_reuse) {
  auto& frame = current_frame(op);
  const auto& param_modules = modules_of(op, "parameters", params);
  const auto& state_modules = modules_of(op, "state", state);
  if (!frame.stateful && !state_modules.empty()) {
    throw ValueError(op, "the lifted init made state: transform the outer function with transform_with_state");
  }
  const auto refuse_reuse = [&](const std::string& module, bool present) {
    if (!allow_reuse && present) {
      throw ValueError(op, fmt::format("'{}' is already in the outer function's parameters or state: a lifted init "
                                       "may not reuse them (pass allow_reuse = true to allow it)",
                                       module));
    }
  };
  for (const auto& [module, entries] : param_modules) {
    const std::string path = under_prefix(prefix, module);
    const auto existing = frame.params.find(path);
    refuse_reuse(path, existing != frame.params.end() && !existing->second.empty());
    for (const auto& [name, value] : entries.as_dict()) frame.params[path][name] = value.array();
  }
  for (const auto& [module, entries] : state_modules) {
    const std::string path = under_prefix(prefix, module);
    const auto existing = frame.state.find(path);
    refuse_reuse(path, existing != frame.state.end() && !existing->second.empty());
    for (const auto& [name, value] : entries.as_dict()) {
      frame.state[path].insert_or_assign(name, StateValue{value.array(), value.array()});
    }
  }
}

std::pair<Params, State> unpack_lifted(const char* op, const std::string& prefix) {
  const std::string start = prefix.empty() ? std::string() : prefix + "/";
  const auto inner_name = [&](const std::string& module) -> std::optional<std::string> {
    if (module.size() <= start.size() || module.compare(0, start.size(), start) != 0) return std::nullopt;
    return module.substr(start.size());
  };
  const Params outer_params = frame_params(op);
  const State outer_state = frame_state(op, false);
  tree::Tree::Dict params;
  for (const auto& [module, entries] : outer_params.as_dict()) {
    if (auto name = inner_name(module)) params.emplace(*name, entries);
  }
  tree::Tree::Dict state;
  for (const auto& [module, entries] : outer_state.as_dict()) {
    if (auto name = inner_name(module)) state.emplace(*name, entries);
  }
  return {tree::Tree::dict(std::move(params)), tree::Tree::dict(std::move(state))};
}

void update_lifted_state(const char* op, const std::string& prefix, const State& state) {
  auto& frame = current_frame(op);
  const auto& modules = modules_of(op, "state", state);
  if (!frame.stateful && !modules.empty()) {
    throw ValueError(op, "the lifted function has state: transform the outer function with transform_with_state");
  }
  for (const auto& [module, entries] : modules) {
    auto& slot = frame.state[under_prefix(prefix, module)];
    for (const auto& [name, value] : entries.as_dict()) {
      if (auto it = slot.find(name); it != slot.end()) {
        it->second.current = value.array();
      } else {
        slot.emplace(name, StateValue{value.array(), value.array()});
      }
    }
  }
}

std::uint64_t frame_identity(const char* op) { return current_frame(op).id; }

}  // namespace detail

}  // namespace jx::nn
