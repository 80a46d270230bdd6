// Measurements of the updates kept in the state: snapshot, measure_with_ema and monitor.
#include <fmt/format.h>

#include <set>
#include <utility>

#include "jx/core/error.h"
#include "jx/optim/adaptive_transforms.h"
#include "jx/optim/wrappers.h"
#include "optim/state.h"
#include "optim/wrapping.h"

namespace jx::optim {

namespace {

// The leaves as the dynamic tree a Measure is given (None where a leaf is masked).
tree::Tree as_tree(const tree::TreeDef& structure, std::span<const Array> leaves) {
  return detail::per_leaf_tree(structure, leaves);
}

}  // namespace

GradientTransformation snapshot(std::string measure_name, Measure measure) {
  if (!measure) throw ValueError("optim::snapshot", "the measure is empty");
  auto record = [measure_name, measure](const tree::TreeDef& structure, std::span<const Array> leaves) {
    return OptState::dict({{"measurement", OptState::dict({{measure_name, measure(as_tree(structure, leaves))}})}});
  };
  return GradientTransformation(
      "snapshot(" + measure_name + ")",
      [record](const tree::TreeDef& structure, std::span<const Array> params) { return record(structure, params); },
      [record](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState&, std::span<const Array>) {
        return record(structure, updates);
      });
}

MeasureTransformation measure_with_ema(Measure measure, double decay, MeasureWithEmaOptions options) {
  if (!measure) throw ValueError("optim::measure_with_ema", "the measure is empty");
  // ema over the measurement's own structure; Optax's state is chain(stateless measure, ema)'s.
  const GradientTransformation average =
      ema(decay, {.debias = options.debias, .accumulator_dtype = options.accumulator_dtype});
  auto init = [measure, average](const tree::TreeDef& structure, std::span<const Array> params) {
    const auto [leaves, measurement_structure] = tree::flatten(measure(as_tree(structure, params)));
    return OptState::list({OptState::none(), average.init_leaves(measurement_structure, leaves)});
  };
  auto update = [measure, average](const tree::TreeDef& structure, std::span<const Array> updates,
                                   const OptState& state, std::span<const Array>, const ExtraArgs&) {
    if (!state.is_list() || state.size() != 2) {
      throw TreeError("optim::update",
                      fmt::format("measure_with_ema needs a list of 2 states, but got {}", state.to_string()));
    }
    auto [leaves, measurement_structure] = tree::flatten(measure(as_tree(structure, updates)));
    OptState next = average.update_leaves(measurement_structure, leaves, state[1], nullptr, {});
    return std::pair<tree::Tree, OptState>{tree::unflatten<tree::Tree>(measurement_structure, leaves),
                                           OptState::list({OptState::none(), std::move(next)})};
  };
  return MeasureTransformation(std::move(init), std::move(update));
}

namespace {

// Every kind of measure as a MeasureTransformation.
MeasureTransformation as_measure_transformation(MonitorMeasure measure, const std::string& name) {
  if (Measure* function = std::get_if<Measure>(&measure)) {
    if (!*function) throw ValueError("optim::monitor", fmt::format("the measure '{}' is empty", name));
    return MeasureTransformation(
        [](const tree::TreeDef&, std::span<const Array>) { return OptState::none(); },
        [function = std::move(*function)](const tree::TreeDef& structure, std::span<const Array> updates,
                                          const OptState& state, std::span<const Array>, const ExtraArgs&) {
          return std::pair<tree::Tree, OptState>{function(as_tree(structure, updates)), state};
        });
  }
  if (GradientTransformation* transformation = std::get_if<GradientTransformation>(&measure)) {
    // Its measurement is the updates it makes.
    return MeasureTransformation(
        [transformation = *transformation](const tree::TreeDef& structure, std::span<const Array> params) {
          return transformation.init_leaves(structure, params);
        },
        [transformation = *transformation](const tree::TreeDef& structure, std::span<const Array> updates,
                                           const OptState& state, std::span<const Array> params,
                                           const ExtraArgs& extra) {
          std::vector<Array> transformed(updates.begin(), updates.end());
          OptState next = transformation.update_leaves(structure, transformed, state, nullptr, params, extra);
          return std::pair<tree::Tree, OptState>{as_tree(structure, transformed), std::move(next)};
        });
  }
  return std::get<MeasureTransformation>(std::move(measure));
}

}  // namespace

GradientTransformation monitor(std::vector<std::pair<std::string, MonitorMeasure>> measures) {
  std::set<std::string> seen;
  auto parts = std::make_shared<std::vector<std::pair<std::string, MeasureTransformation>>>();
  for (auto& [measure_name, measure] : measures) {
    if (!seen.insert(measure_name).second) {
      throw ValueError("optim::monitor", fmt::format("the measure '{}' is named twice", measure_name));
    }
    parts->emplace_back(measure_name, as_measure_transformation(std::move(measure), measure_name));
  }
  const std::string name = "monitor";
  auto init = [parts](const tree::TreeDef& structure, std::span<const Array> params) {
    tree::Tree::List states;
    for (const auto& [measure_name, part] : *parts) states.push_back(part.init_leaves(structure, params));
    // As in Optax, no measurement before the first update.
    return OptState::dict(
        {{"measurements", OptState::dict({})}, {"measure_states", OptState::list(std::move(states))}});
  };
  auto update = [parts, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                              std::span<const Array> params, const ExtraArgs& extra) {
    const OptState& measure_states = detail::state_field(state, "measure_states", name);
    if (!measure_states.is_list() || measure_states.size() != parts->size()) {
      throw TreeError("optim::update", fmt::format("{} needs a list of {} measure states, but got {}", name,
                                                   parts->size(), measure_states.to_string()));
    }
    tree::Tree::Dict measurements;
    tree::Tree::List states;
    for (std::size_t i = 0; i < parts->size(); ++i) {
      const auto& [measure_name, part] = (*parts)[i];
      auto [measurement, next] = part.update_leaves(structure, updates, measure_states[i], params, extra);
      measurements.emplace(measure_name, std::move(measurement));
      states.push_back(std::move(next));
    }
    return OptState::dict({{"measurements", OptState::dict(std::move(measurements))},
                           {"measure_states", OptState::list(std::move(states))}});
  };
  return GradientTransformation(name, std::move(init),
                                GradientTransformation::UpdateWithExtraArgsFunction(std::move(update)));
}

}  // namespace jx::optim
