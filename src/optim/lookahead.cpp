// The lookahead wrapper: k fast steps, then the slow parameters move towards the fast ones.
#include <fmt/format.h>

#include <optional>
#include <utility>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/wrappers.h"
#include "optim/state.h"
#include "optim/wrapping.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

// Where the fast and slow parameters are among the leaves of a LookaheadParams (or a dynamic
// {'fast', 'slow'}): the fast ones' structure and both ranges.
struct LookaheadLayout {
  tree::TreeDef fast_structure;
  std::size_t fast_begin = 0, slow_begin = 0, size = 0;
};

std::optional<LookaheadLayout> layout_of(const tree::TreeDef& structure) {
  if (structure.num_nodes() == 0) return std::nullopt;
  const tree::Node& root = structure.nodes()[0];
  if (root.arity != 2) return std::nullopt;
  std::vector<std::string> names;
  if (root.kind == tree::NodeKind::dict) {
    for (std::uint32_t i = 0; i < 2; ++i)
      names.push_back(structure.keys()[static_cast<std::size_t>(root.keys_index) + i]);
  } else if (root.kind == tree::NodeKind::custom) {
    names = root.type->fields;
  } else {
    return std::nullopt;
  }
  const std::vector<tree::TreeDef> children = structure.children();
  std::size_t fast = 2, slow = 2;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "fast") fast = i;
    if (names[i] == "slow") slow = i;
  }
  if (fast == 2 || slow == 2 || !(children[0] == children[1])) return std::nullopt;
  LookaheadLayout layout{children[fast], 0, 0, children[0].num_leaves()};
  layout.fast_begin = fast == 0 ? 0 : layout.size;
  layout.slow_begin = slow == 0 ? 0 : layout.size;
  return layout;
}

}  // namespace

GradientTransformation lookahead(GradientTransformation fast_optimizer, std::int64_t sync_period, double slow_step_size,
                                 LookaheadOptions options) {
  if (sync_period < 1) {
    throw ValueError("optim::lookahead", fmt::format("the synchronization period must be >= 1, not {}", sync_period));
  }
  const std::string name = "lookahead(" + fast_optimizer.name() + ")";
  auto init = [fast_optimizer](const tree::TreeDef& structure, std::span<const Array> params) {
    const std::optional<LookaheadLayout> layout = layout_of(structure);
    // Plain parameters are taken for the fast ones, as Optax allows.
    const OptState fast_state =
        layout ? fast_optimizer.init_leaves(layout->fast_structure, params.subspan(layout->fast_begin, layout->size))
               : fast_optimizer.init_leaves(structure, params);
    return OptState::dict({{"fast_state", fast_state}, {"steps_since_sync", detail::zero_count()}});
  };
  auto update = [fast_optimizer, sync_period, slow_step_size, options, name](
                    const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                    std::span<const Array> params, const ExtraArgs&) {
    detail::require_params(params, name);
    const std::optional<LookaheadLayout> layout = layout_of(structure);
    if (!layout) {
      throw ValueError("optim::update", fmt::format("{} updates LookaheadParams (fast and slow parameters), but the "
                                                    "parameters are {}",
                                                    name, structure.to_string()));
    }
    const std::span<const Array> fast_params = params.subspan(layout->fast_begin, layout->size);
    const std::span<const Array> slow_params = params.subspan(layout->slow_begin, layout->size);
    std::vector<Array> fast_updates(updates.begin() + static_cast<std::ptrdiff_t>(layout->fast_begin),
                                    updates.begin() + static_cast<std::ptrdiff_t>(layout->fast_begin + layout->size));
    OptState fast_state = fast_optimizer.update_leaves(
        layout->fast_structure, fast_updates, detail::state_field(state, "fast_state", name), nullptr, fast_params);
    const Array steps_since_sync = detail::array_field(state, "steps_since_sync", name);
    const Array sync_next = steps_since_sync == sync_period - 1;
    // One update for both kinds of step (Optax's merged form): with d = fast + u - slow, the slow
    // parameters move by slow_step_size * sync * d, the fast ones by u - sync * (1 - slow_step_size) * d.
    for (std::size_t i = 0; i < layout->size; ++i) {
      const Array& u = fast_updates[i];
      if (!u.valid()) continue;
      const Array difference = fast_params[i] + u - slow_params[i];
      const Array sync = sync_next.astype(difference.dtype());
      updates[layout->slow_begin + i] = slow_step_size * sync * difference;
      updates[layout->fast_begin + i] = u - sync * (1.0 - slow_step_size) * difference;
    }
    if (options.reset_state) {
      // Where the next step synchronizes, the fast optimizer starts afresh (a select, so it jits).
      const OptState initial = fast_optimizer.init_leaves(layout->fast_structure, fast_params);
      fast_state = detail::select_state(sync_next, initial, fast_state, name);
    }
    return OptState::dict({{"fast_state", std::move(fast_state)},
                           {"steps_since_sync", jnp::remainder(steps_since_sync + 1, Array(sync_period))}});
  };
  return GradientTransformation(name, std::move(init),
                                GradientTransformation::UpdateWithExtraArgsFunction(std::move(update)));
}

}  // namespace jx::optim
