// Wrappers that route leaves or rearrange them: partition (multi_transform), named_chain, flatten,
// freeze and selective_transform.
#include <fmt/format.h>

#include <set>
#include <utility>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/utilities.h"
#include "jx/optim/wrappers.h"
#include "optim/state.h"
#include "optim/wrapping.h"

namespace jx::optim {

namespace jnp = jx::numpy;

// --- partition -------------------------------------------------------------------------------------

ParamLabels::ParamLabels(tree::Tree labels)
    : function_([labels = std::move(labels)](const tree::KeyPath& path, const Array&) {
        return detail::label_at(labels, path);
      }) {}

std::string ParamLabels::operator()(const tree::KeyPath& path, const Array& leaf) const {
  return function_(path, leaf);
}

namespace {

// ['a', 'b'], as Python prints a list of strings.
std::string python_list(const std::vector<std::string>& names) {
  std::string result = "[";
  for (std::size_t i = 0; i < names.size(); ++i) result += (i ? ", '" : "'") + names[i] + "'";
  return result + "]";
}

// ValueError unless every present leaf's label names a transformation.
void check_labels(const ParamLabels& labels, const std::map<std::string, GradientTransformation>& transforms,
                  const tree::TreeDef& structure, std::span<const Array> leaves, const char* op) {
  const std::vector<tree::KeyPath> paths = tree::leaf_paths(structure);
  std::set<std::string> missing;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (!leaves[i].valid()) continue;
    const std::string label = labels(paths[i], leaves[i]);
    if (!transforms.count(label)) missing.insert(label);
  }
  if (missing.empty()) return;
  std::vector<std::string> keys;
  for (const auto& [key, transform] : transforms) keys.push_back(key);
  throw ValueError(
      op, fmt::format("some parameters have no transformation: their labels {} are not among the "
                      "transformations' {}",
                      python_list(std::vector<std::string>(missing.begin(), missing.end())), python_list(keys)));
}

}  // namespace

GradientTransformation partition(std::map<std::string, GradientTransformation> transforms, ParamLabels param_labels) {
  // Each group is masked by its label, as Optax's partition makes it.
  auto groups = std::make_shared<std::map<std::string, GradientTransformation>>();
  for (const auto& [label, transform] : transforms) {
    Mask mask = [param_labels, label = label](const tree::KeyPath& path, const Array& leaf) {
      return param_labels(path, leaf) == label;
    };
    groups->emplace(label, masked(transform, std::move(mask)));
  }
  const std::string name = "partition";
  auto init = [groups, transforms, param_labels](const tree::TreeDef& structure, std::span<const Array> params) {
    check_labels(param_labels, transforms, structure, params, "optim::init");
    tree::Tree::Dict states;
    for (const auto& [label, group] : *groups) states.emplace(label, group.init_leaves(structure, params));
    return OptState::dict({{"inner_states", OptState::dict(std::move(states))}});
  };
  auto update = [groups, transforms, param_labels, name](const tree::TreeDef& structure, std::vector<Array>& updates,
                                                         const OptState& state, std::span<const Array> params,
                                                         const ExtraArgs& extra) {
    check_labels(param_labels, transforms, structure, updates, "optim::update");
    const OptState& inner_states = detail::state_field(state, "inner_states", name);
    tree::Tree::Dict states;
    for (const auto& [label, group] : *groups) {
      states.emplace(label,
                     group.update_leaves(structure, updates, detail::state_field(inner_states, label.c_str(), name),
                                         nullptr, params, extra));
    }
    return OptState::dict({{"inner_states", OptState::dict(std::move(states))}});
  };
  return GradientTransformation(name, std::move(init),
                                GradientTransformation::UpdateWithExtraArgsFunction(std::move(update)));
}

GradientTransformation multi_transform(std::map<std::string, GradientTransformation> transforms,
                                       ParamLabels param_labels) {
  return partition(std::move(transforms), std::move(param_labels));
}

// --- named_chain -----------------------------------------------------------------------------------

GradientTransformation named_chain(std::vector<std::pair<std::string, GradientTransformation>> transformations) {
  std::set<std::string> names;
  std::vector<std::string> order;
  for (const auto& [part_name, transformation] : transformations) {
    order.push_back(part_name);
    if (!names.insert(part_name).second) {
      throw ValueError("optim::named_chain",
                       fmt::format("named transformations must have unique names, but got {}", python_list(order)));
    }
  }
  auto parts =
      std::make_shared<const std::vector<std::pair<std::string, GradientTransformation>>>(std::move(transformations));
  const std::string name = "named_chain";
  auto init = [parts](const tree::TreeDef& structure, std::span<const Array> params) {
    tree::Tree::Dict states;
    for (const auto& [part_name, part] : *parts) states.emplace(part_name, part.init_leaves(structure, params));
    return OptState::dict(std::move(states));
  };
  auto update = [parts, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                              std::span<const Array> params, const ExtraArgs& extra) {
    tree::Tree::Dict states;
    for (const auto& [part_name, part] : *parts) {
      states.emplace(part_name,
                     part.update_leaves(structure, updates, detail::state_field(state, part_name.c_str(), name),
                                        nullptr, params, extra));
    }
    return OptState::dict(std::move(states));
  };
  return GradientTransformation(name, std::move(init),
                                GradientTransformation::UpdateWithExtraArgsFunction(std::move(update)));
}

// --- flatten ---------------------------------------------------------------------------------------

namespace {

// The present leaves raveled and concatenated (an empty float32 vector when there are none).
Array concatenated(std::span<const Array> leaves) {
  std::vector<Array> pieces;
  for (const Array& leaf : leaves)
    if (leaf.valid()) pieces.push_back(jnp::ravel(leaf));
  if (pieces.empty()) return jnp::zeros({0}, float32);
  return pieces.size() == 1 ? pieces[0] : jnp::concatenate(pieces);
}

// `flat` cut back into the present leaves of `like`, in their shapes and dtypes.
std::vector<Array> split_like(const Array& flat, std::span<const Array> like) {
  std::vector<Array> result(like.size());
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < like.size(); ++i) {
    if (!like[i].valid()) continue;
    const std::int64_t size = like[i].size();
    const Array piece = jnp::reshape(flat(Slice{offset, offset + size}), like[i].shape());
    result[i] = piece.dtype() == like[i].dtype() ? piece : piece.astype(like[i].dtype());
    offset += size;
  }
  return result;
}

const tree::TreeDef& single_leaf() {
  static const tree::TreeDef structure = tree::flatten(Array(0.0)).second;
  return structure;
}

}  // namespace

GradientTransformation flatten(GradientTransformation inner) {
  const std::string name = "flatten(" + inner.name() + ")";
  auto init = [inner](const tree::TreeDef&, std::span<const Array> params) {
    const Array flat = concatenated(params);
    return inner.init_leaves(single_leaf(), std::span<const Array>(&flat, 1));
  };
  auto update = [inner](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state,
                        std::span<const Array> params, const ExtraArgs& extra) {
    std::vector<Array> flat_updates{concatenated(updates)};
    std::vector<Array> flat_params;
    if (!params.empty()) flat_params.push_back(concatenated(params));
    ExtraArgs flat_extra{.value = extra.value};
    if (!extra.grad.empty()) flat_extra.grad = {concatenated(extra.grad)};
    if (extra.value_fn) {
      const std::vector<Array> like(params.begin(), params.end());
      flat_extra.value_fn = [&extra, like](std::span<const Array> trial) {
        return extra.value_fn(split_like(trial[0], like));
      };
    }
    OptState next = inner.update_leaves(single_leaf(), flat_updates, state, nullptr, flat_params, flat_extra);
    updates = split_like(flat_updates[0], updates);
    return next;
  };
  return GradientTransformation(name, std::move(init),
                                GradientTransformation::UpdateWithExtraArgsFunction(std::move(update)));
}

// --- Freezing --------------------------------------------------------------------------------------

GradientTransformation freeze(FreezeMask mask) {
  // masked without a mask would be the inner transformation itself; Optax's state has the wrapper.
  return masked(set_to_zero(),
                [mask = std::move(mask)](const tree::KeyPath& path, const Array& leaf) { return mask(path, leaf); });
}

GradientTransformation selective_transform(GradientTransformation optimizer, FreezeMask freeze_mask) {
  return partition({{"train", std::move(optimizer)}, {"freeze", set_to_zero()}},
                   [freeze_mask = std::move(freeze_mask)](const tree::KeyPath& path, const Array& leaf) {
                     return std::string(freeze_mask(path, leaf) ? "freeze" : "train");
                   });
}

}  // namespace jx::optim
