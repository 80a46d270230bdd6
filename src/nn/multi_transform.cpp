// The non-template part of multi_transform and without_state (jx/nn/multi_transform.h).
#include "jx/nn/multi_transform.h"

#include <fmt/format.h>

#include <string>

#include "jx/core/error.h"

namespace jx::nn::detail {

void require_no_state(const char* op, const State& state) {
  if (!state.is_dict() || state.as_dict().empty()) return;
  std::string modules;
  for (const auto& [module, entries] : state.as_dict()) modules += (modules.empty() ? "'" : ", '") + module + "'";
  throw ValueError(op, fmt::format("the function uses state ({}): transform it with transform_with_state or "
                                   "multi_transform_with_state",
                                   modules));
}

}  // namespace jx::nn::detail
