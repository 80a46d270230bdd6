// What the wrappers share: the parameters check, selects and conds over states, masked leaves.
#include "optim/wrapping.h"

#include <fmt/format.h>

#include <utility>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/control_flow.h"
#include "jx/tree.h"

namespace jx::optim::detail {

namespace jnp = jx::numpy;

void require_params(std::span<const Array> params, const std::string& transformation) {
  if (params.empty()) {
    throw ValueError("optim::update",
                     fmt::format("{} needs the parameters: call update(grads, state, params)", transformation));
  }
}

Array array_field(const OptState& state, const char* key, const std::string& transformation) {
  if (!state.is_dict() || !state.contains(key) || !state[key].is_array()) {
    throw TreeError("optim::update", fmt::format("the state given to {} has no array '{}': {} (was it made by this "
                                                 "transformation's init?)",
                                                 transformation, key, state.to_string()));
  }
  return state[key].array();
}

std::vector<Array> present(std::span<const Array> leaves) {
  std::vector<Array> result;
  for (const Array& leaf : leaves)
    if (leaf.valid()) result.push_back(leaf);
  return result;
}

std::vector<Array> at_present(std::span<const Array> like, std::span<const Array> values) {
  std::vector<Array> result(like.size());
  std::size_t next = 0;
  for (std::size_t i = 0; i < like.size(); ++i)
    if (like[i].valid()) result[i] = values[next++];
  return result;
}

OptState select_state(const Array& pred, const OptState& on_true, const OptState& on_false,
                      const std::string& transformation) {
  auto [true_leaves, true_structure] = tree::flatten(on_true);
  auto [false_leaves, false_structure] = tree::flatten(on_false);
  if (!(true_structure == false_structure)) {
    throw TreeError("optim::update", fmt::format("{}: the inner transformation's update returned a state of another "
                                                 "structure than it was given: {} and {}",
                                                 transformation, on_true.to_string(), on_false.to_string()));
  }
  std::vector<Array> selected;
  selected.reserve(false_leaves.size());
  for (std::size_t i = 0; i < false_leaves.size(); ++i) {
    const Array chosen = jnp::where(pred, true_leaves[i], false_leaves[i]);
    selected.push_back(chosen.dtype() == false_leaves[i].dtype() ? chosen : chosen.astype(false_leaves[i].dtype()));
  }
  return tree::unflatten<OptState>(false_structure, selected);
}

OptState cond_update(const Array& pred, const UpdatePath& if_true, const UpdatePath& if_false,
                     std::vector<Array>& updates, const std::string& transformation) {
  if (pred.ndim() != 0) {
    throw ShapeError("optim::update", fmt::format("{}'s condition must be a scalar, but it has shape {}",
                                                  transformation, pred.shape().to_string()));
  }
  const Array condition = pred.dtype() == bool_ ? pred : pred != 0;
  // The present updates go in as the operand (lax::cond needs one), the empty ones stay outside.
  const auto branch = [&updates](const UpdatePath& path) {
    return [&updates, &path](const std::vector<Array>& operand) {
      std::vector<Array> transformed = at_present(updates, operand);
      OptState state = path(transformed);
      return std::pair<std::vector<Array>, OptState>{present(transformed), std::move(state)};
    };
  };
  auto [values, state] = lax::cond(condition, branch(if_true), branch(if_false), present(updates));
  updates = at_present(updates, values);
  return std::move(state);
}

std::string label_at(const tree::Tree& labels, const tree::KeyPath& path) {
  const tree::Tree* node = &labels;
  std::size_t depth = 0;
  while (true) {
    if (node->is_static()) {
      if (node->static_leaf().type() != typeid(std::string)) {
        throw ValueError("optim::partition",
                         fmt::format("the labels must be strings, but the one at {} is {}",
                                     tree::keystr(tree::KeyPath(path.begin(), path.begin() + depth)),
                                     node->static_leaf().to_string()));
      }
      return node->value<std::string>();
    }
    if (depth == path.size()) break;
    const tree::PathEntry& entry = path[depth];
    if (entry.kind == tree::PathEntry::Kind::index && node->is_list() && entry.index < node->size()) {
      node = &(*node)[entry.index];
    } else if (entry.kind != tree::PathEntry::Kind::index && node->is_dict() && node->contains(entry.name)) {
      node = &(*node)[entry.name];
    } else {
      break;
    }
    ++depth;
  }
  throw ValueError("optim::partition", fmt::format("the tree of labels {} has no label for the leaf at {}",
                                                   labels.to_string(), path.empty() ? "the root" : tree::keystr(path)));
}

}  // namespace jx::optim::detail
