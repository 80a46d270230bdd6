// The name stack of jx::named_scope: one shared string per open scope, so that recording an equation
// costs a reference count, not a string.
#include <vector>

#include "jx/core/error.h"
#include "jx/transforms/named_scope.h"

namespace jx {

namespace {
thread_local std::vector<std::shared_ptr<const std::string>> open_scopes;
const std::shared_ptr<const std::string> kNoScope;
}  // namespace

NamedScope::NamedScope(const std::string& name) {
  if (name.empty()) throw ValueError("named_scope", "a scope needs a name");
  const std::string full = open_scopes.empty() ? name : *open_scopes.back() + "/" + name;
  open_scopes.push_back(std::make_shared<const std::string>(full));
}

NamedScope::~NamedScope() { open_scopes.pop_back(); }

std::string current_name_stack() { return open_scopes.empty() ? std::string() : *open_scopes.back(); }

namespace detail {
const std::shared_ptr<const std::string>& current_name_stack_shared() {
  return open_scopes.empty() ? kNoScope : open_scopes.back();
}
}  // namespace detail

}  // namespace jx
