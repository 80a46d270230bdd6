// Names inside a transformed function (jx/nn/naming.h): current_name, force_name, name_scope, and the
// running function's parameters and state.
#include "jx/nn/naming.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string_view>
#include <vector>

#include "jx/core/error.h"
#include "nn/transform_guard.h"

namespace jx::nn {

namespace {

constexpr std::string_view kForceNamePrefix = "FORCE:";  // as Haiku marks a forced name (src/nn/frame.cpp reads it)

bool is_identifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (const char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// What Haiku's name scopes are: a module of the scope's name, made where the scope opens and entered
// for as long as it lives.
class NameScopeModule : public Module {
 public:
  explicit NameScopeModule(const std::string& name) : Module("name_scope_module", name) {}
};

}  // namespace

std::string current_name(std::source_location loc) {
  CallSite site(loc);
  detail::require_transform("current_name");
  const auto scope = detail::current_module_scope();
  return scope ? scope->path : "~";
}

std::string force_name(const std::string& name) { return std::string(kForceNamePrefix) + name; }

NameScope::NameScope(const std::string& name, const NameScopeOptions& options, std::source_location loc) {
  CallSite site(loc);
  detail::require_transform("name_scope");
  if (name.empty() || name[0] == '/') {
    throw ValueError("name_scope",
                     fmt::format("'{}' is not a name scope: it must not be empty or start with '/'", name));
  }
  // "foo/bar" is the scope "bar" opened inside the scope "foo"; a forced name is one path.
  std::vector<std::string> parts;
  if (name.starts_with(kForceNamePrefix)) {
    parts.push_back(name);
  } else {
    for (std::size_t start = 0; start <= name.size();) {
      const std::size_t end = std::min(name.find('/', start), name.size());
      parts.push_back(name.substr(start, end - start));
      start = end + 1;
    }
    for (const std::string& part : parts) {
      if (!is_identifier(part)) {
        throw ValueError(
            "name_scope",
            fmt::format("'{}' is not a valid name scope: each part between '/' must be an identifier", name));
      }
    }
  }
  std::string path;
  {
    std::vector<std::unique_ptr<detail::ModuleScope>> outer;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      path = NameScopeModule(parts[i]).module_name();
      if (i + 1 < parts.size()) {
        outer.push_back(
            std::make_unique<detail::ModuleScope>("name_scope", detail::ModuleScopeState{path, options.method_name}));
      }
    }
    while (!outer.empty()) outer.pop_back();  // innermost first
  }
  scope_.emplace("name_scope", detail::ModuleScopeState{path, options.method_name});
}

Params get_params(std::source_location loc) {
  CallSite site(loc);
  return detail::frame_params("get_params");
}

State get_initial_state(std::source_location loc) {
  CallSite site(loc);
  return detail::frame_state("get_initial_state", true);
}

State get_current_state(std::source_location loc) {
  CallSite site(loc);
  return detail::frame_state("get_current_state", false);
}

}  // namespace jx::nn
