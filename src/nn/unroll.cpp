// static_unroll and dynamic_unroll (jx/nn/recurrent.h).
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/nn/recurrent.h"
#include "jx/nn/stateful.h"
#include "jx/numpy.h"

namespace jx::nn {
namespace {

namespace jnp = jx::numpy;

// The number of steps: the time axis every leaf of the sequence shares.
std::int64_t sequence_length(const char* op, const std::vector<Array>& leaves, int time_axis) {
  if (leaves.empty()) throw ValueError(op, "the input sequence has no arrays");
  const std::int64_t length = leaves[0].ndim() > time_axis ? leaves[0].shape()[time_axis] : -1;
  for (const Array& leaf : leaves) {
    if (leaf.ndim() <= time_axis || leaf.shape()[time_axis] != length) {
      throw ShapeError(op, fmt::format("every array of the input sequence needs the same time axis {} ({}), got {} and "
                                       "{}",
                                       time_axis, time_axis == 0 ? "time major" : "batch major",
                                       leaves[0].type().to_string(), leaf.type().to_string()));
    }
  }
  return length;
}

// Batch-major to time-major and back: the first two axes swapped, leaf by leaf.
tree::Tree swap_batch_time(const tree::Tree& value) {
  auto [leaves, structure] = tree::flatten(value);
  for (Array& leaf : leaves) leaf = jnp::swapaxes(leaf, 0, 1);
  return tree::unflatten(structure, leaves);
}

}  // namespace

std::pair<tree::Tree, tree::Tree> static_unroll(const RNNCore& core, const tree::Tree& input_sequence,
                                                const tree::Tree& initial_state, StaticUnrollOptions options,
                                                std::source_location loc) {
  CallSite site(loc);
  const int time_axis = options.time_major ? 0 : 1;
  auto [leaves, structure] = tree::flatten(input_sequence);
  const std::int64_t steps = sequence_length("static_unroll", leaves, time_axis);
  if (steps == 0) throw ValueError("static_unroll", "the input sequence has no time steps");
  // unstack: one slice per step, whose gradients JAX (and jx) gather without a scatter per step.
  std::vector<std::vector<Array>> slices;
  for (const Array& leaf : leaves) slices.push_back(jnp::unstack(leaf, time_axis));
  tree::Tree state = initial_state;
  std::vector<std::vector<Array>> outputs;  // per step, the output's leaves
  tree::TreeDef output_structure;
  for (std::int64_t t = 0; t < steps; ++t) {
    std::vector<Array> step;
    for (const auto& leaf_slices : slices) step.push_back(leaf_slices[static_cast<std::size_t>(t)]);
    auto [output, next] = core(tree::unflatten(structure, step), state);
    auto [output_leaves, def] = tree::flatten(output);
    if (t > 0 && !(def == output_structure)) {
      throw TypeError("static_unroll", fmt::format("the core's outputs changed structure between steps: {} and {}",
                                                   output_structure.to_string(), def.to_string()));
    }
    output_structure = def;
    outputs.push_back(std::move(output_leaves));
    state = std::move(next);
  }
  std::vector<Array> stacked;
  for (std::size_t i = 0; i < outputs[0].size(); ++i) {
    std::vector<Array> over_time;
    for (const auto& step : outputs) over_time.push_back(step[i]);
    stacked.push_back(jnp::stack(over_time, time_axis));
  }
  return {tree::unflatten(output_structure, stacked), state};
}

std::pair<tree::Tree, tree::Tree> dynamic_unroll(const RNNCore& core, const tree::Tree& input_sequence,
                                                 const tree::Tree& initial_state, DynamicUnrollOptions options,
                                                 std::source_location loc) {
  CallSite site(loc);
  const int time_axis = options.time_major ? 0 : 1;
  (void)sequence_length("dynamic_unroll", tree::leaves(input_sequence), time_axis);
  const tree::Tree inputs = options.time_major ? input_sequence : swap_batch_time(input_sequence);
  // The core's (output, next state) as scan's (carry, y): y is the output, or [output, state].
  const auto step = [&](const tree::Tree& state, const tree::Tree& x) {
    auto [output, next] = core(x, state);
    tree::Tree y = options.return_all_states ? tree::Tree::list({output, next}) : output;
    return std::pair<tree::Tree, tree::Tree>{std::move(next), std::move(y)};
  };
  const lax::ScanOptions scan_options{.reverse = options.reverse, .unroll = options.unroll};
  // Inside a transformed function the loop must make the core's parameters during init (nn::scan);
  // outside one (a core without parameters or modules), a plain loop.
  auto [final_state, ys] = detail::inside_transform() ? nn::scan(step, initial_state, inputs, scan_options, loc)
                                                      : lax::scan(step, initial_state, inputs, scan_options, loc);
  tree::Tree outputs = options.return_all_states ? ys[std::size_t{0}] : ys;
  tree::Tree states = options.return_all_states ? ys[std::size_t{1}] : final_state;
  if (!options.time_major) {
    outputs = swap_batch_time(outputs);
    if (options.return_all_states) states = swap_batch_time(states);
  }
  return {std::move(outputs), std::move(states)};
}

namespace {
Array single_output(const char* op, tree::Tree outputs) {
  if (!outputs.is_array()) {
    throw TypeError(op, fmt::format("the core's outputs are {}, not one array: unroll jx::tree::Tree(inputs) to get "
                                    "them as a tree",
                                    outputs.to_string()));
  }
  return outputs.array();
}
}  // namespace

std::pair<Array, tree::Tree> static_unroll(const RNNCore& core, const Array& input_sequence,
                                           const tree::Tree& initial_state, StaticUnrollOptions options,
                                           std::source_location loc) {
  auto [outputs, state] = static_unroll(core, tree::Tree(input_sequence), initial_state, options, loc);
  return {single_output("static_unroll", std::move(outputs)), std::move(state)};
}

std::pair<Array, tree::Tree> dynamic_unroll(const RNNCore& core, const Array& input_sequence,
                                            const tree::Tree& initial_state, DynamicUnrollOptions options,
                                            std::source_location loc) {
  auto [outputs, state] = dynamic_unroll(core, tree::Tree(input_sequence), initial_state, options, loc);
  return {single_output("dynamic_unroll", std::move(outputs)), std::move(state)};
}

}  // namespace jx::nn
