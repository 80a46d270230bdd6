// The checks of jx::nn's control flow (jx/nn/stateful.h); the loops and branches themselves are
// templates over the user's types.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/nn/stateful.h"

namespace jx::nn::detail {

// Compared by identity, as Haiku's assert_state_unchanged does: inside the trace every value is a new
// tracer, so a value that is the carried one was not set.
void check_loop_state_unchanged(const char* op, const tree::Tree& carried) {
  const std::vector<Array> before = tree::leaves(carried);
  const std::vector<Array> now = tree::leaves(loop_state(op));
  bool unchanged = before.size() == now.size();
  for (std::size_t i = 0; unchanged && i < before.size(); ++i) unchanged = before[i].impl() == now[i].impl();
  if (unchanged) return;
  throw ValueError(op,
                   "does not support set_state, next_rng_key (or any draw of keys) in cond_fn: the loop's "
                   "condition cannot change the state");
}

std::string made_by(const tree::Tree& changes) {
  std::vector<std::string> made;
  for (const auto& [module, entries] : changes["new_params"].as_dict()) {
    for (const auto& [name, value] : entries.as_dict()) made.push_back(fmt::format("parameter {}/{}", module, name));
  }
  for (const auto& [module, entries] : changes["new_state"].as_dict()) {
    for (const auto& [name, value] : entries.as_dict()) made.push_back(fmt::format("state {}/{}", module, name));
  }
  return made.empty() ? std::string("nothing") : fmt::format("{}", fmt::join(made, ", "));
}

// Haiku adds the same advice to jax's structure error during init.
void rethrow_branch_mismatch(const char* op, std::span<const std::string> made, bool is_cond) {
  bool differ = false;
  for (const std::string& m : made) differ = differ || m != made[0];
  if (!differ) throw;
  std::vector<std::string> branches;
  for (std::size_t i = 0; i < made.size(); ++i) {
    const std::string name = is_cond ? (i == 0 ? "false_fn" : "true_fn") : fmt::format("branch {}", i);
    branches.push_back(fmt::format("{} makes {}", name, made[i]));
  }
  throw TypeError(op, fmt::format("during init the branches make different parameters or state ({}); make them all "
                                  "unconditionally during init: if (nn::running_init()) {{ call every branch }} else "
                                  "{{ {}(...) }}",
                                  fmt::join(branches, "; "), op));
}

}  // namespace jx::nn::detail
