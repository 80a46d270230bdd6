// What jx/nn/stateful.h's wrappers share: the scope a wrapped function runs in, the changes it carries
// out of its jx transform, and nn::vmap's checks.
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <utility>

#include "jx/core/error.h"
#include "jx/nn/stateful.h"

namespace jx::nn::detail {
namespace {

bool has_entry(const tree::Tree::Dict& modules, const std::string& module, const std::string& name) {
  const auto m = modules.find(module);
  return m != modules.end() && m->second.as_dict().contains(name);
}

void put_entry(tree::Tree::Dict& modules, const std::string& module, const std::string& name, tree::Tree value) {
  auto [entries, inserted] = modules.try_emplace(module, tree::Tree::dict(tree::Tree::Dict{}));
  entries->second.as_dict().insert_or_assign(name, std::move(value));
}

}  // namespace

void require_transform(const char* op, const char* instead) {
  if (inside_transform()) return;
  throw ValueError(op, fmt::format("must be called inside a function transformed with jx::nn::transform or "
                                   "transform_with_state; elsewhere use {}",
                                   instead));
}

// Keys reserved outside stay for afterwards, as LoopBodyScope keeps them: inside, keys come from the
// carried key alone, so that what leaves the transform is one key whatever the function drew.
StatefulScope::StatefulScope(const char* op, const tree::Tree& carried) : op_(op), outer_(frame_values(op)) {
  const RngSequenceSlot slot = current_rng_sequence(op);
  reserved_ = std::move(*slot.reserved);
  slot.reserved->clear();
  set_loop_state(carried);
}

StatefulScope::~StatefulScope() {
  if (!inside_transform()) return;
  set_frame_values(outer_);
  *current_rng_sequence(op_).reserved = std::move(reserved_);
}

tree::Tree StatefulScope::changes() const {
  const tree::Tree now = frame_values(op_);
  const tree::Tree::Dict& params_before = outer_["params"].as_dict();
  const tree::Tree::Dict& state_before = outer_["state"].as_dict();
  tree::Tree::Dict state, new_params, new_state;
  for (const auto& [module, entries] : now["params"].as_dict()) {
    for (const auto& [name, value] : entries.as_dict()) {
      if (!has_entry(params_before, module, name)) put_entry(new_params, module, name, value);
    }
  }
  for (const auto& [module, entries] : now["state"].as_dict()) {
    for (const auto& [name, values] : entries.as_dict()) {
      if (has_entry(state_before, module, name)) {
        put_entry(state, module, name, values[std::size_t{1}]);  // the current value; the initial one stays
      } else {
        put_entry(new_state, module, name, values);
      }
    }
  }
  return tree::Tree::dict({{"key", now["key"]},
                           {"state", tree::Tree::dict(std::move(state))},
                           {"new_params", tree::Tree::dict(std::move(new_params))},
                           {"new_state", tree::Tree::dict(std::move(new_state))}});
}

void apply_changes(const char* op, const tree::Tree& changes) {
  tree::Tree values = frame_values(op);
  tree::Tree::Dict& state = values["state"].as_dict();
  for (const auto& [module, entries] : changes["state"].as_dict()) {
    for (const auto& [name, current] : entries.as_dict()) state.at(module).as_dict().at(name)[std::size_t{1}] = current;
  }
  for (const auto& [module, entries] : changes["new_params"].as_dict()) {
    for (const auto& [name, value] : entries.as_dict()) put_entry(values["params"].as_dict(), module, name, value);
  }
  for (const auto& [module, entries] : changes["new_state"].as_dict()) {
    for (const auto& [name, pair] : entries.as_dict()) put_entry(state, module, name, pair);
  }
  if (changes.contains("key")) values["key"] = changes["key"];
  set_frame_values(values);
}

std::int64_t mapped_axis_size(const char* op, std::span<const AxisSpec> specs,
                              std::span<const std::pair<std::vector<Array>, tree::TreeDef>> arguments) {
  for (std::size_t k = 0; k < arguments.size(); ++k) {
    const auto& [leaves, structure] = arguments[k];
    const std::vector<std::optional<int>> axes = specs[k].axes_of_leaves(structure, fmt::format("in_axes[{}]", k));
    for (std::size_t i = 0; i < axes.size(); ++i) {
      if (!axes[i]) continue;
      const int rank = leaves[i].ndim();
      const int axis = *axes[i] < 0 ? *axes[i] + rank : *axes[i];
      if (axis < 0 || axis >= rank) {
        throw ShapeError(op, fmt::format("in_axes {} is out of range for argument {}, an array of shape {}", *axes[i],
                                         k, leaves[i].shape().to_string()));
      }
      return leaves[i].shape()[axis];
    }
  }
  throw ValueError(op,
                   "in_axes maps none of the arguments: the function must have at least one mapped argument, as "
                   "hk.vmap requires");
}

bool required_split_rng(const std::optional<bool>& split_rng) {
  if (split_rng) return *split_rng;
  throw TypeError("nn::vmap",
                  "needs split_rng, as hk.vmap does: {.split_rng = false} gives every example the same keys from "
                  "next_rng_key, {.split_rng = true} keys of their own (during init it must be false)");
}

void rethrow_vmap_error(const ValueError& error, std::size_t output_leaves, bool split_rng) {
  std::size_t index = 0;
  const std::string& detail = error.detail();
  const bool mapped_output = detail.find("depends on the mapped axis") != std::string::npos &&
                             std::sscanf(detail.c_str(), "output %zu", &index) == 1;
  if (!mapped_output || index < output_leaves) throw;  // the caller's own out_axes: jx::vmap's message
  if (split_rng && running_init()) {
    throw ValueError("nn::vmap",
                     "does not support split_rng = true during init, because parameters are shared by all examples "
                     "and would depend on each example's key; use {.split_rng = !nn::running_init()}");
  }
  throw ValueError("nn::vmap",
                   "a parameter or state made or set inside the mapped function depends on the mapped axis; "
                   "nn::vmap shares parameters and state by all examples, as hk.vmap does");
}

tree::Tree key_as_data(tree::Tree changes) {
  tree::Tree& key = changes["key"];
  if (!key.is_none()) key = tree::Tree(random::key_data(Key(key.array())));
  return changes;
}

tree::Tree key_from_data(tree::Tree changes) {
  tree::Tree& key = changes["key"];
  if (!key.is_none()) key = tree::Tree(Array(random::wrap_key_data(key.array())));
  return changes;
}

}  // namespace jx::nn::detail
