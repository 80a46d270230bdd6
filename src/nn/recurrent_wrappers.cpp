// The recurrent cores of jx/nn/recurrent.h that wrap others: IdentityCore, ResetCore, DeepRNN.
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/nn/recurrent.h"
#include "jx/numpy.h"

namespace jx::nn {
namespace {

namespace jnp = jx::numpy;

bool is_prefix(const Shape& prefix, const Shape& shape) {
  if (prefix.ndim() > shape.ndim()) return false;
  for (int i = 0; i < prefix.ndim(); ++i) {
    if (prefix[i] != shape[i]) return false;
  }
  return true;
}

// Leaf by leaf, as jnp.concatenate along the last axis of trees of one structure.
tree::Tree concatenate_leaves(const char* op, const std::vector<tree::Tree>& trees) {
  std::vector<std::vector<Array>> leaves;
  tree::TreeDef structure;
  for (const tree::Tree& t : trees) {
    auto [these, def] = tree::flatten(t);
    if (!leaves.empty() && !(def == structure)) {
      throw TypeError(op, fmt::format("cannot concatenate trees of different structures: {} and {}",
                                      structure.to_string(), def.to_string()));
    }
    structure = def;
    leaves.push_back(std::move(these));
  }
  std::vector<Array> joined;
  for (std::size_t i = 0; i < leaves[0].size(); ++i) {
    std::vector<Array> parts;
    for (const auto& these : leaves) parts.push_back(these[i]);
    joined.push_back(jnp::concatenate(parts, -1));
  }
  return tree::unflatten(structure, joined);
}

}  // namespace

// --- IdentityCore -----------------------------------------------------------------------------------

IdentityCore::IdentityCore(const std::optional<std::string>& name) : RNNCore("identity_core", name) {}

std::pair<tree::Tree, tree::Tree> IdentityCore::operator()(const tree::Tree& inputs, const tree::Tree& state,
                                                           std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] { return std::pair{inputs, state}; });
}

tree::Tree IdentityCore::initial_state(std::optional<std::int64_t>) const { return tree::Tree::list({}); }

// --- ResetCore --------------------------------------------------------------------------------------

std::pair<tree::Tree, tree::Tree> ResetCore::operator()(const tree::Tree& inputs, const tree::Tree& state,
                                                        std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    if (!inputs.is_list() || inputs.size() != 2) {
      throw TypeError("ResetCore",
                      fmt::format("the inputs must be the list [inputs, should_reset], got {}", inputs.to_string()));
    }
    const tree::Tree& core_inputs = inputs[0];
    const tree::Tree& should_reset = inputs[1];
    auto [state_leaves, state_structure] = tree::flatten(state);
    // One array resets every leaf; otherwise a tree of the state's structure says which, leaf by leaf.
    std::vector<Array> reset_leaves;
    if (should_reset.is_array()) {
      reset_leaves.assign(state_leaves.size(), should_reset.array());
    } else {
      auto [leaves, structure] = tree::flatten(should_reset);
      if (!(structure == state_structure)) {
        throw TypeError("ResetCore",
                        fmt::format("should_reset must be one array or a tree of the state's structure {}, "
                                    "got {}",
                                    state_structure.to_string(), structure.to_string()));
      }
      reset_leaves = std::move(leaves);
    }
    // Whether the state has a batch axis: its leaves are a batch-of-one initial state's but for axis 0.
    bool batched = !state_leaves.empty();
    const std::vector<Array> one = tree::leaves(core_->initial_state(1));
    if (one.size() != state_leaves.size()) {
      throw TypeError("ResetCore", fmt::format("the state {} does not have the structure of the core's initial state "
                                               "{}",
                                               state.to_string(), core_->initial_state(1).to_string()));
    }
    for (std::size_t i = 0; i < one.size() && batched; ++i) {
      Shape a = one[i].shape(), b = state_leaves[i].shape();
      if (a.ndim() == 0 || b.ndim() == 0) {
        batched = false;
        break;
      }
      a.erase(0);
      b.erase(0);
      batched = a == b;
    }
    std::optional<std::int64_t> batch_size;
    if (batched) {
      const std::vector<Array> input_leaves = tree::leaves(core_inputs);
      if (input_leaves.empty() || input_leaves[0].ndim() == 0) {
        throw ShapeError("ResetCore", "the state has a batch axis but the inputs have no array with one");
      }
      batch_size = input_leaves[0].shape()[0];
    }
    const std::vector<Array> initial = tree::leaves(core_->initial_state(batch_size));
    std::vector<Array> next(state_leaves.size());
    for (std::size_t i = 0; i < state_leaves.size(); ++i) {
      const Array& s = state_leaves[i];
      const Array& reset = reset_leaves[i];
      // Padded on the right: a [batch] signal resets whole rows, where broadcasting would pad the left.
      if (!is_prefix(reset.shape(), s.shape())) {
        throw ShapeError("ResetCore", fmt::format("should_reset signal shape {} is not compatible with state shape {}",
                                                  reset.shape().to_string(), s.shape().to_string()));
      }
      Shape padded = reset.shape();
      while (padded.ndim() < s.ndim()) padded.push_back(1);
      next[i] = jnp::where(reset.reshape(padded), initial[i].astype(s.dtype()), s);
    }
    return (*core_)(core_inputs, tree::unflatten(state_structure, next));
  });
}

tree::Tree ResetCore::initial_state(std::optional<std::int64_t> batch_size) const {
  return core_->initial_state(batch_size);
}

// --- DeepRNN ----------------------------------------------------------------------------------------

Array DeepRNNLayer::array_input(const tree::Tree& inputs) {
  if (!inputs.is_array()) {
    throw TypeError("DeepRNN", fmt::format("this layer takes one array, but its inputs are {}", inputs.to_string()));
  }
  return inputs.array();
}

DeepRNN::DeepRNN(std::vector<DeepRNNLayer> layers, const std::optional<std::string>& name)
    : DeepRNN(std::move(layers), false, name) {}

DeepRNN::DeepRNN(std::vector<DeepRNNLayer> layers, bool skip_connections, const std::optional<std::string>& name)
    : RNNCore(skip_connections ? "__deep_rnn" : "deep_rnn", name),
      layers_(std::move(layers)),
      skip_connections_(skip_connections) {}

DeepRNN deep_rnn_with_skip_connections(std::vector<DeepRNNLayer> layers, const std::optional<std::string>& name,
                                       std::source_location loc) {
  CallSite site(loc);
  if (layers.empty()) throw ValueError("deep_rnn_with_skip_connections", "needs at least one recurrent core");
  for (const DeepRNNLayer& layer : layers) {
    if (!layer.core()) {
      throw ValueError("deep_rnn_with_skip_connections", "skip connections need every layer to be a recurrent core");
    }
  }
  return DeepRNN(std::move(layers), true, name);
}

std::pair<tree::Tree, tree::Tree> DeepRNN::operator()(const tree::Tree& inputs, const tree::Tree& state,
                                                      std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    std::size_t cores = 0;
    for (const DeepRNNLayer& layer : layers_) cores += layer.core() ? 1 : 0;
    if (!state.is_list() || state.size() != cores) {
      throw TypeError("DeepRNN", fmt::format("the state must be a list of {} states, one per core, got {}", cores,
                                             state.to_string()));
    }
    tree::Tree current = inputs;
    tree::Tree::List next_states;
    std::vector<tree::Tree> outputs;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      if (skip_connections_ && i > 0) current = concatenate_leaves("DeepRNN", {inputs, current});
      if (const RNNCore* core = layers_[i].core()) {
        auto [output, next] = (*core)(current, state[next_states.size()]);
        current = output;
        outputs.push_back(std::move(output));
        next_states.push_back(std::move(next));
      } else {
        current = layers_[i](current);
      }
    }
    tree::Tree output = skip_connections_ ? concatenate_leaves("DeepRNN", outputs) : current;
    return std::pair{std::move(output), tree::Tree::list(std::move(next_states))};
  });
}

tree::Tree DeepRNN::initial_state(std::optional<std::int64_t> batch_size) const {
  tree::Tree::List states;
  for (const DeepRNNLayer& layer : layers_) {
    if (layer.core()) states.push_back(layer.core()->initial_state(batch_size));
  }
  return tree::Tree::list(std::move(states));
}

}  // namespace jx::nn
