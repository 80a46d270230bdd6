// jx/optim/wrappers.h — transformations that wrap other transformations (Optax's wrappers), and
// microbatching.
//
// What it offers, with Optax's semantics, parameter names, defaults and states:
//   - MultiSteps: gradient accumulation over k mini-steps (k a number or a schedule), under jit.
//   - partition (multi_transform), named_chain, flatten, freeze, selective_transform: different
//     transformations for different leaves, named states, one flat vector, frozen leaves.
//   - conditionally_transform, conditionally_mask: the inner transformation at the steps a condition
//     selects.
//   - lookahead with LookaheadParams: k fast steps, then one slow step.
//   - inject_hyperparams (and inject_stateful_hyperparams): hyperparameters kept in the state as
//     arrays, changed between steps (or scheduled) without retracing a jitted step.
//   - snapshot, monitor, measure_with_ema: measurements of the updates kept in the state.
//   - microbatch: a function evaluated over a batch in sequential slices, its results accumulated.
//
//   auto opt = jx::optim::MultiSteps(jx::optim::adam(1e-3), 4);     // one Adam step every 4 calls
//   auto labelled = jx::optim::partition(
//       {{"decay", jx::optim::adamw(1e-3)}, {"plain", jx::optim::adam(1e-3)}},
//       [](const jx::tree::KeyPath& path, const jx::Array&) { return path.back().name == "b" ? "plain" : "decay"; });
//   auto injected = jx::optim::inject_hyperparams([](const jx::optim::Hyperparams& h) {
//     return jx::optim::sgd(jx::optim::array_schedule(h.at("learning_rate")));
//   })({{"learning_rate", 0.1}});
//   state["hyperparams"]["learning_rate"] = jnp::array(0.01, jx::float32);  // the next step uses 0.01
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/dtype.h"
#include "jx/core/error.h"
#include "jx/core/keywords_only.h"
#include "jx/optim/schedules.h"
#include "jx/optim/transformation.h"
#include "jx/transforms/control_flow.h"
#include "jx/tree.h"

namespace jx::optim {

// Every jx GradientTransformation takes Optax's extra arguments (ExtraArgs) and passes them on:
// Optax's GradientTransformationExtraArgs is GradientTransformation itself, and
// with_extra_args_support returns its argument unchanged.
using GradientTransformationExtraArgs = GradientTransformation;
inline GradientTransformation with_extra_args_support(GradientTransformation transformation) { return transformation; }

// --- Gradient accumulation ------------------------------------------------------------------------

// Whether a mini-step's updates are dropped (a boolean scalar), and what to keep in the state's
// 'skip_state' about it. Called on the updates (leaves in flattening order, empty where masked), the
// gradient step and the parameters (empty when update has none).
using ShouldSkipUpdateFunction = std::function<std::pair<Array, OptState>(
    std::span<const Array> updates, const Array& gradient_step, std::span<const Array> params)>;
// Skips updates holding an inf or a NaN; skip_state {'should_skip', 'num_not_finite'}. (Where
// jx/optim/clipping.h's pytree overloads are visible too, pass it through a lambda: the name alone is
// then an overload set, which std::function cannot take.)
std::pair<Array, OptState> skip_not_finite(std::span<const Array> updates, const Array& gradient_step,
                                           std::span<const Array> params);
// Skips updates whose squared global norm is max_squared_norm or more (or NaN); skip_state
// {'should_skip', 'norm_squared'}.
ShouldSkipUpdateFunction skip_large_updates(double max_squared_norm);

struct MultiStepsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool use_grad_mean = true;  // average the mini-steps' gradients (false: sum them)
  ShouldSkipUpdateFunction should_skip_update_fn = nullptr;
  DType accumulator_dtype = DType::float32;
};

// How many mini-steps make a gradient step: a number, or a function of the gradient step count.
using EveryKSchedule = std::variant<std::int64_t, Schedule>;

// Accumulates the updates of k consecutive calls (mini-steps) and calls the inner optimizer on their
// mean (or sum) at the k-th; the other calls return zeros. The inner optimizer runs at every call and
// its state is kept only when the k-th comes (a select, so it works under jit), as Optax does. A
// mini-step that should_skip_update_fn rejects (through lax::cond) leaves the state as it was, but for
// its skip_state. State: {'mini_step', 'gradient_step', 'inner_opt_state', 'acc_grads', 'skip_state'}.
class MultiSteps : public GradientTransformation {
 public:
  MultiSteps(GradientTransformation opt, EveryKSchedule every_k_schedule, MultiStepsOptions options = {});

  const GradientTransformation& inner_opt() const { return inner_; }
  // Whether the last update was a gradient step: mini_step == 0 and gradient_step > 0.
  static Array has_updated(const OptState& state);
  GradientTransformation gradient_transformation() const { return *this; }

 private:
  GradientTransformation inner_;
};

// --- Partitioning and combining -------------------------------------------------------------------

// A leaf's label, by its path and value (shape and dtype only: under jit the leaf is traced).
using LabelFunction = std::function<std::string(const tree::KeyPath& path, const Array& leaf)>;

// partition's labels: a function of path and leaf, or a dynamic tree whose leaves are labels (static
// std::string leaves: jx::tree::Tree::static_value(std::string("adam"))) with the parameters'
// structure or a prefix of it (a label at a subtree labels every leaf below it). Struct fields and
// dict keys are matched by name.
class ParamLabels {
 public:
  template <class F>
  requires(std::is_invocable_r_v<std::string, const F&, const tree::KeyPath&, const Array&>)
      ParamLabels(F function)  // NOLINT(google-explicit-constructor)
      : function_(std::move(function)) {}
  ParamLabels(tree::Tree labels);  // NOLINT(google-explicit-constructor)

  // The label of the leaf at this path; ValueError where the tree of labels has none.
  std::string operator()(const tree::KeyPath& path, const Array& leaf) const;

 private:
  LabelFunction function_;
};

// Applies transforms[label] to the leaves of each label (each through masked, so the other leaves
// stay as they are). Every label must name a transformation (ValueError). State:
// {'inner_states': {label: {'inner_state': ...}}} for every transformation given.
GradientTransformation partition(std::map<std::string, GradientTransformation> transforms, ParamLabels param_labels);
// Optax's former name for partition.
GradientTransformation multi_transform(std::map<std::string, GradientTransformation> transforms,
                                       ParamLabels param_labels);

// chain with named parts: the state is {name: that part's state}, so opt_state["adam"] finds it.
// Names must be unique (ValueError). The parts run in the order given; the state's dict is sorted by
// name (jx dicts are, as JAX flattens dicts), where Optax keeps the order in an OrderedDict.
GradientTransformation named_chain(std::vector<std::pair<std::string, GradientTransformation>> transformations);

// Runs inner on one vector: every leaf raveled and concatenated (fewer, larger operations); the
// updates are split back into the leaves' shapes and dtypes. The state is inner's for that vector.
GradientTransformation flatten(GradientTransformation inner);

// Which leaves to freeze: all (true), none (false), or those a function of path and leaf selects.
class FreezeMask {
 public:
  FreezeMask(bool all) : all_(all) {}  // NOLINT(google-explicit-constructor)
  template <class F>
  requires(std::is_invocable_r_v<bool, const F&, const tree::KeyPath&, const Array&>)
      FreezeMask(F function)  // NOLINT(google-explicit-constructor)
      : function_(std::move(function)) {}
  bool operator()(const tree::KeyPath& path, const Array& leaf) const {
    return function_ ? function_(path, leaf) : all_;
  }

 private:
  bool all_ = false;
  Mask function_;
};

// Sets the updates of the frozen leaves to zero: masked(set_to_zero(), mask).
// State: {'inner_state': None}.
GradientTransformation freeze(FreezeMask mask);
// partition({'train': optimizer, 'freeze': set_to_zero()}) by the mask: only the leaves that are not
// frozen are optimized (and have optimizer state).
GradientTransformation selective_transform(GradientTransformation optimizer, FreezeMask freeze_mask);

// --- Conditional transformations -------------------------------------------------------------------

// Whether to apply the inner transformation at a step (an int32 scalar counting the calls so far),
// optionally from the extra arguments too: a boolean scalar.
class ConditionFunction {
 public:
  template <class F>
  requires(std::is_invocable_r_v<Array, const F&, const Array&>)
      ConditionFunction(F function)  // NOLINT(google-explicit-constructor)
      : function_([function = std::move(function)](const Array& step, const ExtraArgs&) { return function(step); }) {}
  template <class F>
  requires(std::is_invocable_r_v<Array, const F&, const Array&, const ExtraArgs&>)
      ConditionFunction(F function)  // NOLINT(google-explicit-constructor)
      : function_(std::move(function)) {}

  Array operator()(const Array& step, const ExtraArgs& extra) const { return function_(step, extra); }

 private:
  std::function<Array(const Array&, const ExtraArgs&)> function_;
};

struct ConditionalOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool forward_extra_args = false;  // give the condition the update's extra arguments
};
// inner where the condition holds; elsewhere the updates and inner's state pass unchanged (through
// lax::cond: only one of them runs). State: {'inner_state', 'step'}.
GradientTransformation conditionally_transform(GradientTransformation inner, ConditionFunction should_transform_fn,
                                               ConditionalOptions options = {});
// The same, but the updates are zeros where the condition does not hold. State: {'step', 'inner_state'}.
GradientTransformation conditionally_mask(GradientTransformation inner, ConditionFunction should_transform_fn,
                                          ConditionalOptions options = {});

// --- Lookahead ------------------------------------------------------------------------------------

// Lookahead's parameters: gradients are taken at the fast ones; the slow ones are for evaluation.
template <class P>
struct LookaheadParams {
  P fast;
  P slow;
  static LookaheadParams init_synced(const P& params) { return {params, params}; }
  JX_PYTREE_FIELDS(fast, slow);
};

struct LookaheadOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool reset_state = false;  // re-initialize the fast optimizer's state at each synchronization
};
// Lookahead (Zhang et al. 2019) over LookaheadParams (a LookaheadParams<P>, or a dynamic tree
// {'fast', 'slow'}): the fast optimizer steps the fast parameters; every sync_period steps the slow
// ones move slow_step_size of the way to the fast ones, and the fast ones are set to them. The
// gradients are a LookaheadParams too, of which only the fast part is read (jx::grad of a loss of
// params.fast gives zeros for the slow part); the updates are LookaheadParams, to be applied as they
// are. init also takes plain parameters (the fast ones), as Optax's. sync_period >= 1 (ValueError).
// State: {'fast_state', 'steps_since_sync'}.
GradientTransformation lookahead(GradientTransformation fast_optimizer, std::int64_t sync_period, double slow_step_size,
                                 LookaheadOptions options = {});

// --- Injected hyperparameters ---------------------------------------------------------------------

// The hyperparameters a factory receives: arrays (traced under jit), by name.
using Hyperparams = std::map<std::string, Array>;
using HyperparamsFactory = std::function<GradientTransformation(const Hyperparams& hyperparams)>;

// A schedule with a state of its own (Optax's StatefulSchedule): init() -> state;
// update(state, extra) -> next state; value(state, extra) -> the hyperparameter's value at the step.
struct StatefulSchedule {
  std::function<OptState()> init;
  std::function<OptState(const OptState& state, const ExtraArgs& extra)> update;
  std::function<Array(const OptState& state, const ExtraArgs& extra)> value;
};

// A hyperparameter's value: a number (kept as an array of the hyperparameter dtype), an array (kept
// as it is when strongly typed), a schedule of the step count, or a stateful schedule.
using Hyperparameter = std::variant<double, Array, Schedule, StatefulSchedule>;

struct InjectHyperparamsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  // The dtype of floating-point hyperparameters; none: the highest floating dtype of the parameters
  // (float32 without parameters).
  std::optional<DType> hyperparam_dtype = std::nullopt;
};

// Optax's inject_hyperparams: a function from hyperparameters to the transformation, whose
// hyperparameters live in its state. The factory is called with arrays — at init with their values,
// at every update with the state's (traced under jit) — so the values can be changed in the state
// between steps without retracing (assign an array of the same type: jnp::array(0.01, jx::float32)).
// Schedules are evaluated at each update, with the count of updates so far (a schedule's value
// overrides what the state holds). State: {'count', 'hyperparams', 'hyperparams_states',
// 'inner_state'} (a schedule's state is {'count'}).
using InjectedTransformation = std::function<GradientTransformation(std::map<std::string, Hyperparameter>)>;
InjectedTransformation inject_hyperparams(HyperparamsFactory inner_factory, InjectHyperparamsOptions options = {});
// The same (Optax deprecated it for inject_hyperparams, which now takes stateful schedules too).
InjectedTransformation inject_stateful_hyperparams(HyperparamsFactory inner_factory,
                                                   InjectHyperparamsOptions options = {});

// A schedule whose value is this array at every step: how a factory passes an injected
// hyperparameter where a transformation takes a ScalarOrSchedule (sgd, adam's learning rate).
// (It adds scale_by_schedule's {'count'} to the inner state where Optax, given an array, has None.)
Schedule array_schedule(Array value);

// --- Monitoring -----------------------------------------------------------------------------------

// A measurement of the updates, given as a dynamic tree of the parameters' structure (structs as dicts
// of their fields; None where masked).
using Measure = std::function<tree::Tree(const tree::Tree& updates)>;

// Leaves the updates unchanged and keeps measure(updates) in the state (measure(params) after init).
// State: {'measurement': {measure_name: ...}}.
GradientTransformation snapshot(std::string measure_name, Measure measure);

// A stateful measurement: like a transformation, but its update returns the measurement (a tree of
// any structure) with its next state. jx transformations keep the updates' structure, so what Optax
// writes as a transformation returning a measurement (measure_with_ema) is this.
class MeasureTransformation {
 public:
  using InitFunction = std::function<OptState(const tree::TreeDef& structure, std::span<const Array> params)>;
  using UpdateFunction = std::function<std::pair<tree::Tree, OptState>(
      const tree::TreeDef& structure, std::span<const Array> updates, const OptState& state,
      std::span<const Array> params, const ExtraArgs& extra)>;
  MeasureTransformation(InitFunction init, UpdateFunction update)
      : init_(std::move(init)), update_(std::move(update)) {}

  OptState init_leaves(const tree::TreeDef& structure, std::span<const Array> params) const {
    return init_(structure, params);
  }
  std::pair<tree::Tree, OptState> update_leaves(const tree::TreeDef& structure, std::span<const Array> updates,
                                                const OptState& state, std::span<const Array> params,
                                                const ExtraArgs& extra) const {
    return update_(structure, updates, state, params, extra);
  }

 private:
  InitFunction init_;
  UpdateFunction update_;
};

struct MeasureWithEmaOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool debias = true;
  std::optional<DType> accumulator_dtype = std::nullopt;
};
// The exponential moving average of measure(updates), as ema computes it (init from measure(params)).
// State: [None, {'count', 'ema'}] (Optax's chain(stateless measure, ema)).
MeasureTransformation measure_with_ema(Measure measure, double decay, MeasureWithEmaOptions options = {});

// What monitor records under a name: a measure, a transformation (the updates it makes) or a
// stateful measurement.
using MonitorMeasure = std::variant<Measure, GradientTransformation, MeasureTransformation>;
// Leaves the updates unchanged and records each measurement. State: {'measurements': {name: ...},
// 'measure_states': [their states, in the order given]}; as in Optax 'measurements' is empty after
// init, so a jitted step traces once more after the first update.
GradientTransformation monitor(std::vector<std::pair<std::string, MonitorMeasure>> measures);

// --- Microbatching --------------------------------------------------------------------------------

// How microbatch combines the results of the microbatches (Optax's AccumulationType).
enum class AccumulationType {
  mean,          // their mean (floating-point results only)
  sum,           // their sum
  running_mean,  // a running mean, over the microbatches run (floating-point results only)
  concat,        // concatenated along axis 0, in the batch's order
};

struct MicrobatchOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  // One type for every result leaf, or one per result leaf in flattening order.
  std::vector<AccumulationType> accumulator = {AccumulationType::sum};
  std::vector<int> in_axes = {};  // the batch axis of each argnum's arguments (all 0 when empty)
  // Stop after this many microbatches (the rest of the batch is padding), which may be traced.
  std::optional<Array> num_real_microbatches = std::nullopt;
};

namespace detail {
// microbatch on flattened arguments: `function` maps the leaves of one microbatch to its result's
// leaves; batch_axes[i] is leaf i's batch axis (none: passed whole to every microbatch).
std::vector<Array> microbatch_leaves(const std::function<std::vector<Array>(std::span<const Array>)>& function,
                                     std::span<const Array> leaves, std::span<const std::optional<int>> batch_axes,
                                     std::int64_t microbatch_size, const MicrobatchOptions& options);
}  // namespace detail

// Optax's microbatch: fun evaluated on microbatches of microbatch_size rows of the arguments argnums
// (a lax::fori_loop, so sequential and lighter on memory), the results combined as options.accumulator
// says. Microbatch i holds rows i, i + n, i + 2n, ... of the batch (n microbatches), as Optax's
// column-major reshape makes them; concat puts the rows back in their order. Without a
// microbatch_size, fun itself. The batch sizes must agree and be multiples of microbatch_size
// (ValueError).
//   auto total = jx::optim::microbatch(loss_sum, {1}, 8)(params, batch);
template <class F>
auto microbatch(F fun, std::vector<int> argnums, std::optional<std::int64_t> microbatch_size,
                MicrobatchOptions options = {}) {
  return [fun = std::move(fun), argnums = std::move(argnums), microbatch_size,
          options = std::move(options)](const auto&... args) {
    using Result = std::remove_cvref_t<std::invoke_result_t<const F&, decltype(args)...>>;
    if (!microbatch_size) return Result(fun(args...));
    jx::detail::Packed<std::remove_cvref_t<decltype(args)>...> packed;
    const std::vector<Array> leaves = packed.flatten(args...);
    std::vector<std::optional<int>> batch_axes(leaves.size());
    for (std::size_t j = 0; j < argnums.size(); ++j) {
      const int argnum = argnums[j];
      if (argnum < 0 || static_cast<std::size_t>(argnum) >= sizeof...(args)) {
        throw ValueError("optim::microbatch", "argnums names argument " + std::to_string(argnum) + " of a call with " +
                                                  std::to_string(sizeof...(args)) + " arguments");
      }
      const int axis = options.in_axes.empty() ? 0 : options.in_axes.at(j);
      const auto k = static_cast<std::size_t>(argnum);
      for (std::size_t i = packed.offsets[k]; i < packed.offsets[k + 1]; ++i) batch_axes[i] = axis;
    }
    tree::TreeDef result_structure;
    const auto function = [&](std::span<const Array> microbatch_leaves) {
      const auto result = packed.call(fun, microbatch_leaves);
      std::vector<Array> out;
      result_structure.clear();
      tree::flatten_into(result, result_structure, out);
      return out;
    };
    const std::vector<Array> outputs =
        detail::microbatch_leaves(function, leaves, batch_axes, *microbatch_size, options);
    return tree::unflatten<Result>(result_structure, outputs);
  };
}

}  // namespace jx::optim
