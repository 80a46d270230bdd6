// inject_hyperparams: hyperparameters kept in the state as arrays, and schedules evaluated per step.
#include <fmt/format.h>

#include <utility>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/wrappers.h"
#include "optim/state.h"
#include "optim/wrapping.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

// The higher of two dtypes, the one the other promotes to (Optax's 'highest'); the first when
// neither does.
DType higher(DType a, DType b) { return promote_types(a, b) == b ? b : a; }

// The dtype of floating-point hyperparameters: the one asked for, or the parameters' highest
// (float32 without parameters, what jnp.asarray([]) has).
DType hyperparameter_dtype(const std::optional<DType>& asked, std::span<const Array> params) {
  if (asked) return *asked;
  std::optional<DType> highest;
  for (const Array& p : params)
    if (p.valid()) highest = highest ? higher(*highest, p.dtype()) : p.dtype();
  return highest.value_or(float32);
}

// Optax's _convert_floats: strongly typed arrays stay as they are; floating-point values become
// `dtype`; other values (integers) pass through.
Array convert_floats(const Array& value, DType dtype) {
  if (!value.weak_type()) return value;
  return is_floating(value.dtype()) ? value.astype(dtype) : value;
}

// A stateless schedule as a stateful one counting its steps (Optax's WrappedSchedule).
StatefulSchedule wrapped(Schedule schedule) {
  const auto count_of = [](const OptState& state) {
    return detail::array_field(state, "count", "inject_hyperparams' schedule");
  };
  return StatefulSchedule{.init =
                              [] {
                                return OptState::dict({{"count", detail::zero_count()}});
                              },
                          .update =
                              [count_of](const OptState& state, const ExtraArgs&) {
                                return OptState::dict({{"count", detail::safe_increment(count_of(state))}});
                              },
                          .value = [schedule = std::move(schedule), count_of](
                                       const OptState& state, const ExtraArgs&) { return schedule(count_of(state)); }};
}

struct Split {
  std::map<std::string, Array> numeric;  // arrays as given (numbers as weakly typed arrays)
  std::map<std::string, StatefulSchedule> scheduled;
};

Split split(std::map<std::string, Hyperparameter> hyperparams) {
  Split result;
  for (auto& [name, value] : hyperparams) {
    if (const double* number = std::get_if<double>(&value)) {
      result.numeric.emplace(name, Array(*number));
    } else if (const Array* array = std::get_if<Array>(&value)) {
      if (!array->valid()) throw ValueError("optim::inject_hyperparams", fmt::format("'{}' is an empty array", name));
      result.numeric.emplace(name, *array);
    } else if (Schedule* schedule = std::get_if<Schedule>(&value)) {
      result.scheduled.emplace(name, wrapped(std::move(*schedule)));
    } else {
      StatefulSchedule& stateful = std::get<StatefulSchedule>(value);
      if (!stateful.init || !stateful.update || !stateful.value) {
        throw ValueError("optim::inject_hyperparams",
                         fmt::format("the stateful schedule of '{}' needs init, update and value functions", name));
      }
      result.scheduled.emplace(name, std::move(stateful));
    }
  }
  return result;
}

OptState as_dict(const Hyperparams& hyperparams) {
  tree::Tree::Dict dict;
  for (const auto& [name, value] : hyperparams) dict.emplace(name, value);
  return OptState::dict(std::move(dict));
}

GradientTransformation injected(const HyperparamsFactory& factory, Split hyperparams,
                                const InjectHyperparamsOptions& options) {
  auto shared = std::make_shared<const Split>(std::move(hyperparams));
  const std::string name = "inject_hyperparams";
  auto init = [factory, shared, options](const tree::TreeDef& structure, std::span<const Array> params) {
    const DType dtype = hyperparameter_dtype(options.hyperparam_dtype, params);
    Hyperparams values;
    for (const auto& [key, value] : shared->numeric) values.emplace(key, convert_floats(value, dtype));
    tree::Tree::Dict schedule_states;
    for (const auto& [key, schedule] : shared->scheduled) {
      OptState schedule_state = schedule.init();
      values[key] = convert_floats(schedule.value(schedule_state, ExtraArgs{}), dtype);
      schedule_states.emplace(key, std::move(schedule_state));
    }
    OptState inner_state = factory(values).init_leaves(structure, params);
    return OptState::dict({{"count", detail::zero_count()},
                           {"hyperparams", as_dict(values)},
                           {"hyperparams_states", OptState::dict(std::move(schedule_states))},
                           {"inner_state", std::move(inner_state)}});
  };
  auto update = [factory, shared, options, name](const tree::TreeDef& structure, std::vector<Array>& updates,
                                                 const OptState& state, std::span<const Array> params,
                                                 const ExtraArgs& extra) {
    const DType dtype = hyperparameter_dtype(options.hyperparam_dtype, params);
    const OptState& stored = detail::state_field(state, "hyperparams", name);
    const OptState& stored_states = detail::state_field(state, "hyperparams_states", name);
    Hyperparams values;
    for (const auto& [key, value] : shared->numeric)
      values.emplace(key, convert_floats(detail::array_field(stored, key.c_str(), name), dtype));
    tree::Tree::Dict schedule_states;
    for (const auto& [key, schedule] : shared->scheduled) {
      const OptState& schedule_state = detail::state_field(stored_states, key.c_str(), name);
      // The value at this step comes from the schedule's state before the step.
      values[key] = convert_floats(schedule.value(schedule_state, extra), dtype);
      schedule_states.emplace(key, schedule.update(schedule_state, extra));
    }
    OptState inner_state = factory(values).update_leaves(
        structure, updates, detail::state_field(state, "inner_state", name), nullptr, params, extra);
    return OptState::dict({{"count", detail::safe_increment(detail::array_field(state, "count", name))},
                           {"hyperparams", as_dict(values)},
                           {"hyperparams_states", OptState::dict(std::move(schedule_states))},
                           {"inner_state", std::move(inner_state)}});
  };
  return GradientTransformation(name, std::move(init),
                                GradientTransformation::UpdateWithExtraArgsFunction(std::move(update)));
}

}  // namespace

InjectedTransformation inject_hyperparams(HyperparamsFactory inner_factory, InjectHyperparamsOptions options) {
  if (!inner_factory) throw ValueError("optim::inject_hyperparams", "the factory is empty");
  return [inner_factory = std::move(inner_factory), options](std::map<std::string, Hyperparameter> hyperparams) {
    return injected(inner_factory, split(std::move(hyperparams)), options);
  };
}

InjectedTransformation inject_stateful_hyperparams(HyperparamsFactory inner_factory, InjectHyperparamsOptions options) {
  return inject_hyperparams(std::move(inner_factory), options);
}

Schedule array_schedule(Array value) {
  return Schedule([value = std::move(value)](const Array&) { return value; });
}

}  // namespace jx::optim
