// GradientTransformation, and what combines transformations: chain, masked, identity, apply_updates.
#include "jx/optim/transformation.h"

#include <fmt/format.h>

#include <algorithm>

#include "jx/core/error.h"
#include "optim/state.h"

namespace jx::optim {

using UpdateWithExtraArgs = GradientTransformation::UpdateWithExtraArgsFunction;

struct GradientTransformation::Functions {
  std::string name;
  InitFunction init;
  UpdateWithExtraArgsFunction update;
};

GradientTransformation::GradientTransformation(std::string name, InitFunction init, UpdateFunction update)
    : GradientTransformation(
          std::move(name), std::move(init),
          UpdateWithExtraArgsFunction(
              [update = std::move(update)](const tree::TreeDef& structure, std::vector<Array>& updates,
                                           const OptState& state, std::span<const Array> params,
                                           const ExtraArgs&) { return update(structure, updates, state, params); })) {}

GradientTransformation::GradientTransformation(std::string name, InitFunction init, UpdateWithExtraArgsFunction update)
    : functions_(std::make_shared<const Functions>(Functions{std::move(name), std::move(init), std::move(update)})) {}

const std::string& GradientTransformation::name() const { return functions_->name; }

GradientTransformation GradientTransformation::with_name(std::string name) const {
  return GradientTransformation(std::move(name), functions_->init, functions_->update);
}

OptState GradientTransformation::init_leaves(const tree::TreeDef& structure, std::span<const Array> params,
                                             Loc loc) const {
  CallSite site(loc);
  return functions_->init(structure, params);
}

namespace {

// TreeError naming both trees (and where they first differ) when two structures are not the same.
void check_same_structure(const char* op, const char* first_name, const tree::TreeDef& first, const char* second_name,
                          const tree::TreeDef& second) {
  if (first == second) return;
  try {
    tree::detail::throw_structure_mismatch(op, first, second);
  } catch (const TreeError& error) {
    throw TreeError(op, fmt::format("the {} and the {} are trees of different structures: {}", first_name, second_name,
                                    error.detail()));
  }
}

// ShapeError at the first leaf whose shapes differ.
void check_same_shapes(const char* op, const char* first_name, std::span<const Array> first, const char* second_name,
                       std::span<const Array> second, const tree::TreeDef& structure) {
  for (std::size_t i = 0; i < first.size() && i < second.size(); ++i) {
    if (!first[i].valid() || !second[i].valid() || first[i].shape() == second[i].shape()) continue;
    const std::vector<tree::KeyPath> paths = tree::leaf_paths(structure);
    throw ShapeError(op, fmt::format("the {} at {} has shape {} but the {} has shape {}", first_name,
                                     paths[i].empty() ? "the root" : tree::keystr(paths[i]),
                                     first[i].shape().to_string(), second_name, second[i].shape().to_string()));
  }
}

}  // namespace

OptState GradientTransformation::update_leaves(const tree::TreeDef& structure, std::vector<Array>& updates,
                                               const OptState& state, const tree::TreeDef* params_structure,
                                               std::span<const Array> params, Loc loc) const {
  return update_leaves(structure, updates, state, params_structure, params, ExtraArgs{}, loc);
}

OptState GradientTransformation::update_leaves(const tree::TreeDef& structure, std::vector<Array>& updates,
                                               const OptState& state, const tree::TreeDef* params_structure,
                                               std::span<const Array> params, const ExtraArgs& extra, Loc loc) const {
  CallSite site(loc);
  // What the caller gave is checked once, at the outermost call (chain and masked pass no structure).
  if (params_structure != nullptr) {
    check_same_structure("optim::update", "gradients", structure, "parameters", *params_structure);
    check_same_shapes("optim::update", "gradient", updates, "parameter", params, structure);
    check_same_shapes("optim::update", "gradient", extra.grad, "update", updates, structure);
  }
  return functions_->update(structure, updates, state, params, extra);
}

// --- Combinators ------------------------------------------------------------------------------------

GradientTransformation identity() {
  return GradientTransformation(
      "identity", [](const tree::TreeDef&, std::span<const Array>) { return OptState::none(); },
      [](const tree::TreeDef&, std::vector<Array>&, const OptState& state, std::span<const Array>) { return state; });
}

GradientTransformation chain(std::vector<GradientTransformation> transformations) {
  std::string name = "chain(";
  for (std::size_t i = 0; i < transformations.size(); ++i) name += (i ? ", " : "") + transformations[i].name();
  name += ")";
  auto parts = std::make_shared<const std::vector<GradientTransformation>>(std::move(transformations));
  auto init = [parts](const tree::TreeDef& structure, std::span<const Array> params) {
    tree::Tree::List states;
    states.reserve(parts->size());
    for (const GradientTransformation& part : *parts) states.push_back(part.init_leaves(structure, params));
    return OptState::list(std::move(states));
  };
  auto update = [parts, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                              std::span<const Array> params, const ExtraArgs& extra) {
    if (!state.is_list() || state.size() != parts->size()) {
      throw TreeError("optim::update", fmt::format("{} needs a list of {} states, one per transformation, but got {}",
                                                   name, parts->size(), state.to_string()));
    }
    tree::Tree::List states;
    states.reserve(parts->size());
    for (std::size_t i = 0; i < parts->size(); ++i)
      states.push_back((*parts)[i].update_leaves(structure, updates, state[i], nullptr, params, extra));
    return OptState::list(std::move(states));
  };
  return GradientTransformation(std::move(name), std::move(init), UpdateWithExtraArgs(std::move(update)));
}

Mask not_named(std::vector<std::string> names) {
  return [names = std::move(names)](const tree::KeyPath& path, const Array&) {
    if (path.empty() || path.back().kind == tree::PathEntry::Kind::index) return true;
    return std::find(names.begin(), names.end(), path.back().name) == names.end();
  };
}

namespace {

// Which leaves the mask selects; empty leaves (hidden by an outer mask) never are.
std::vector<char> select(const Mask& mask, const tree::TreeDef& structure, std::span<const Array> leaves) {
  const std::vector<tree::KeyPath> paths = tree::leaf_paths(structure);
  std::vector<char> selected(leaves.size(), 0);
  for (std::size_t i = 0; i < leaves.size(); ++i) selected[i] = leaves[i].valid() && mask(paths[i], leaves[i]);
  return selected;
}

std::vector<Array> hide_unselected(std::span<const Array> leaves, const std::vector<char>& selected) {
  std::vector<Array> result(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i)
    if (selected[i]) result[i] = leaves[i];
  return result;
}

}  // namespace

GradientTransformation masked(GradientTransformation inner, Mask mask) {
  std::string name = "masked(" + inner.name() + ")";
  if (!mask) return inner;  // no mask: everything is selected
  auto init = [inner, mask](const tree::TreeDef& structure, std::span<const Array> params) {
    const std::vector<Array> visible = hide_unselected(params, select(mask, structure, params));
    return OptState::dict({{"inner_state", inner.init_leaves(structure, visible)}});
  };
  auto update = [inner, mask, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                                    std::span<const Array> params, const ExtraArgs& extra) {
    // Optax evaluates a callable mask on the updates.
    const std::vector<char> selected = select(mask, structure, updates);
    std::vector<Array> visible_updates = hide_unselected(updates, selected);
    const std::vector<Array> visible_params = params.empty() ? std::vector<Array>{} : hide_unselected(params, selected);
    // The objective sees all the parameters (the hidden ones at their current values); the gradient
    // only the selected ones, as the updates.
    ExtraArgs visible_extra{.value = extra.value};
    if (!extra.grad.empty()) visible_extra.grad = hide_unselected(extra.grad, selected);
    if (extra.value_fn) {
      visible_extra.value_fn = [&extra, &selected, params](std::span<const Array> trial) {
        std::vector<Array> full(trial.begin(), trial.end());
        for (std::size_t i = 0; i < full.size() && i < params.size(); ++i)
          if (!selected[i]) full[i] = params[i];
        return extra.value_fn(full);
      };
    }
    OptState inner_state =
        inner.update_leaves(structure, visible_updates, detail::state_field(state, "inner_state", name), nullptr,
                            visible_params, visible_extra);
    for (std::size_t i = 0; i < updates.size(); ++i)
      if (selected[i]) updates[i] = std::move(visible_updates[i]);
    return OptState::dict({{"inner_state", std::move(inner_state)}});
  };
  return GradientTransformation(std::move(name), std::move(init), UpdateWithExtraArgs(std::move(update)));
}

// --- apply_updates ----------------------------------------------------------------------------------

namespace detail {

std::vector<Array> apply_updates_leaves(const tree::TreeDef& params_structure, std::span<const Array> params,
                                        const tree::TreeDef& updates_structure, std::span<const Array> updates,
                                        Loc loc) {
  CallSite site(loc);
  check_same_structure("optim::apply_updates", "parameters", params_structure, "updates", updates_structure);
  check_same_shapes("optim::apply_updates", "parameter", params, "update", updates, params_structure);
  std::vector<Array> result;
  result.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    Array sum = params[i] + updates[i];
    result.push_back(sum.dtype() == params[i].dtype() ? std::move(sum) : sum.astype(params[i].dtype()));
  }
  return result;
}

}  // namespace detail

}  // namespace jx::optim
