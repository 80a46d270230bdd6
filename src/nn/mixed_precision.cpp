// Mixed precision policies (jx/nn/mixed_precision.h): jmp's Policy and its parser, and Haiku's policies
// per kind of module with the stack of running modules that says which one is in force.
#include "jx/nn/mixed_precision.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <ostream>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/transform.h"

namespace jx::nn::mixed_precision {
namespace {

struct DTypeNames {
  DType dtype;
  std::array<std::string_view, 3> names;  // the first is how jmp prints the dtype
};
// jmp's dtype_to_names.
constexpr std::array<DTypeNames, 4> kDTypeNames{{
    {DType::bfloat16, {"bf16", "bfloat16", ""}},
    {DType::float16, {"f16", "float16", ""}},
    {DType::float32, {"full", "f32", "float32"}},
    {DType::float64, {"f64", "float64", ""}},
}};

std::string_view short_name(DType dtype) {
  for (const auto& entry : kDTypeNames) {
    if (entry.dtype == dtype) return entry.names[0];
  }
  return dtype_name(dtype);  // a policy built by hand with another dtype
}

// One running module: its kind, the policy set for that kind (if any) and the policy in force inside
// it (its own, or the one around it).
struct RunningModule {
  std::string kind;
  std::optional<Policy> own;
  std::optional<Policy> current;
};

struct ThreadState {
  std::map<std::string, Policy, std::less<>> policies;
  std::vector<RunningModule> running;
  int suspended = 0;
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

}  // namespace

namespace detail {

Array cast_floating(const Array& x, DType dtype) {
  if (!is_floating(x.dtype()) || x.dtype() == dtype) return x;
  return lax::convert_element_type(x, dtype);
}

void enter_module(std::string_view module_kind_name) {
  ThreadState& state = thread_state();
  RunningModule module{std::string(module_kind_name), std::nullopt, std::nullopt};
  if (auto it = state.policies.find(module_kind_name); it != state.policies.end()) module.own = it->second;
  module.current = module.own ? module.own : (state.running.empty() ? std::nullopt : state.running.back().current);
  state.running.push_back(std::move(module));
}

void exit_module() {
  ThreadState& state = thread_state();
  if (!state.running.empty()) state.running.pop_back();
}

const Policy* own_policy() {
  const ThreadState& state = thread_state();
  if (state.running.empty() || !state.running.back().own) return nullptr;
  return &*state.running.back().own;
}

const Policy* accessor_policy() {
  const ThreadState& state = thread_state();
  if (state.suspended > 0 || state.running.empty() || !state.running.back().current) return nullptr;
  return &*state.running.back().current;
}

SuspendPolicy::SuspendPolicy() { ++thread_state().suspended; }
SuspendPolicy::~SuspendPolicy() { --thread_state().suspended; }

}  // namespace detail

std::string Policy::to_string() const {
  return fmt::format("p={},c={},o={}", short_name(param_dtype), short_name(compute_dtype), short_name(output_dtype));
}

std::ostream& operator<<(std::ostream& os, const Policy& policy) { return os << policy.to_string(); }

DType half_dtype() { return DType::float16; }

DType parse_dtype(std::string_view name) {
  if (name == "half") return half_dtype();
  for (const auto& entry : kDTypeNames) {
    for (std::string_view known : entry.names) {
      if (!known.empty() && known == name) return entry.dtype;
    }
  }
  throw ValueError("mixed_precision::parse_dtype",
                   fmt::format("Unknown dtype '{}' must be full,half,float16,bfloat16 or a contraction thereof (e.g. "
                               "'f' for 'full', 'bf16' for 'bfloat16')",
                               name));
}

Policy parse_policy(std::string_view policy_name) {
  constexpr const char* op = "mixed_precision::parse_policy";
  if (policy_name.find('=') == std::string_view::npos) {
    const DType dtype = parse_dtype(policy_name);
    return {dtype, dtype, dtype};
  }
  DType param_dtype = float32;
  std::optional<DType> compute_dtype, output_dtype;
  std::string_view rest = policy_name;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    const std::size_t equals = part.find('=');
    if (equals == std::string_view::npos || part.find('=', equals + 1) != std::string_view::npos) {
      throw ValueError(op, fmt::format("'{}' in '{}' is not key=dtype", part, policy_name));
    }
    // Python's split keeps spaces, so " c=bf16" names an unknown key, as jmp finds.
    const std::string_view key = part.substr(0, equals);
    const DType value = parse_dtype(part.substr(equals + 1));
    if (key == "p" || key == "params") {
      param_dtype = value;
    } else if (key == "c" || key == "compute") {
      compute_dtype = value;
    } else if (key == "o" || key == "output") {
      output_dtype = value;
    } else {
      throw ValueError(
          op, fmt::format("Unknown key '{}' in '{}' should be 'params', 'compute' or 'output'.", key, policy_name));
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  const DType compute = compute_dtype.value_or(param_dtype);
  return {param_dtype, compute, output_dtype.value_or(compute)};
}

void set_policy(std::string_view module_kind_name, const Policy& policy) {
  if (module_kind_name.empty()) throw ValueError("mixed_precision::set_policy", "needs a module kind name");
  thread_state().policies.insert_or_assign(std::string(module_kind_name), policy);
}

std::optional<Policy> get_policy(std::string_view module_kind_name) {
  const auto& policies = thread_state().policies;
  if (auto it = policies.find(module_kind_name); it != policies.end()) return it->second;
  return std::nullopt;
}

void clear_policy(std::string_view module_kind_name) {
  auto& policies = thread_state().policies;
  if (auto it = policies.find(module_kind_name); it != policies.end()) policies.erase(it);
}

std::optional<Policy> current_policy() {
  const ThreadState& state = thread_state();
  if (state.running.empty()) return std::nullopt;
  return state.running.back().current;
}

PushPolicy::PushPolicy(std::string_view module_kind_name, const Policy& policy)
    : kind_(module_kind_name), previous_(get_policy(module_kind_name)) {
  // Haiku refuses this too: the running module's casts were chosen under the policy being replaced.
  const auto& running = thread_state().running;
  if (nn::detail::inside_transform() && !running.empty() && running.back().kind == kind_) {
    throw ValueError("mixed_precision::push_policy",
                     fmt::format("Pushing a policy inside a method on the same class is not supported (a '{}' is "
                                 "running).",
                                 kind_));
  }
  set_policy(kind_, policy);
}

PushPolicy::~PushPolicy() {
  if (previous_) {
    set_policy(kind_, *previous_);
  } else {
    clear_policy(kind_);
  }
}

}  // namespace jx::nn::mixed_precision
