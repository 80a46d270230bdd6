// jx/nn/recurrent.h — recurrent cores and unrolls, with Haiku's semantics, names and defaults.
//
// A core is one step of a recurrent network: core(inputs, state) -> (output, next state), with
// initial_state(batch_size) giving zeros to start from. Inputs, outputs and states are pytrees (dynamic
// trees, jx::tree::Tree, so that cores stack: a DeepRNN's state is the list of its cores' states); the
// cores with a single array or an LSTMState also take and return those types directly. static_unroll
// runs a core over a sequence as a C++ loop (the steps unrolled under jit); dynamic_unroll as one
// jx::nn::scan (a loop kept by jit; jx/nn/stateful.h), which makes the parameters during init.
//
//   auto model = jx::nn::transform([](const jx::Array& xs) {                  // xs: [T, batch, features]
//     jx::nn::DeepRNN core({jx::nn::LSTM(32), jx::nn::relu, jx::nn::GRU(16)});
//     auto [outputs, final_state] = jx::nn::dynamic_unroll(core, xs, core.initial_state(xs.shape()[1]));
//     return outputs;                                                         // [T, batch, 16]
//   });
//   // params: lstm/linear/{w,b} ([features + 32, 128], [128]), gru/{w_i,w_h,b}
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/keywords_only.h"
#include "jx/nn/initializers.h"
#include "jx/nn/modules.h"
#include "jx/nn/transform.h"
#include "jx/tree.h"

namespace jx::nn {

// The base of recurrent cores (hk.RNNCore).
class RNNCore : public Module {
 public:
  virtual ~RNNCore() = default;
  // One step: (output, next state), the next state of the structure and types of `state`.
  virtual std::pair<tree::Tree, tree::Tree> operator()(
      const tree::Tree& inputs, const tree::Tree& state,
      std::source_location loc = std::source_location::current()) const = 0;
  // Zeros to start from, with a leading batch axis of batch_size when given.
  virtual tree::Tree initial_state(std::optional<std::int64_t> batch_size) const = 0;

 protected:
  using Module::Module;
};

struct VanillaRNNOptions {
  // A bias in both linear layers (Haiku's default): no difference in what the core can learn, two sets
  // of bias parameters.
  bool double_bias = true;
  std::optional<std::string> name = std::nullopt;
};

// h_t = relu(x_t @ w_i + b_i + h_{t-1} @ w_h + b_h); the output is h_t. Parameters: linear/{w,b}
// (input to hidden) and linear_1/{w,b} (hidden to hidden, b only with double_bias).
class VanillaRNN : public RNNCore {
 public:
  explicit VanillaRNN(std::int64_t hidden_size, VanillaRNNOptions options = {});
  using RNNCore::operator();
  std::pair<tree::Tree, tree::Tree> operator()(
      const tree::Tree& inputs, const tree::Tree& state,
      std::source_location loc = std::source_location::current()) const override;
  std::pair<Array, Array> operator()(const Array& inputs, const Array& state,
                                     std::source_location loc = std::source_location::current()) const;
  tree::Tree initial_state(std::optional<std::int64_t> batch_size) const override;

 private:
  std::int64_t hidden_size_;
  std::optional<Linear> input_to_hidden_, hidden_to_hidden_;  // made in this module's scope
};

// An LSTM's state (hk.LSTMState); as a dynamic tree, {"cell": ..., "hidden": ...}.
struct LSTMState {
  Array hidden, cell;
  JX_PYTREE_FIELDS(hidden, cell);
};

struct LSTMOptions {
  std::optional<std::string> name = std::nullopt;
};

// Haiku's LSTM: one Linear (linear/{w,b}, w: [input + hidden, 4 * hidden]) over concat(x_t, h_{t-1})
// gives the gates in the order i, g, f, o; then
//   c_t = sigmoid(f + 1) * c_{t-1} + sigmoid(i) * tanh(g),   h_t = sigmoid(o) * tanh(c_t)
// (the + 1 is the forget-gate bias). The output is h_t. Inputs are [features] or [batch, features].
class LSTM : public RNNCore {
 public:
  explicit LSTM(std::int64_t hidden_size, LSTMOptions options = {});
  using RNNCore::operator();
  std::pair<tree::Tree, tree::Tree> operator()(
      const tree::Tree& inputs, const tree::Tree& state,
      std::source_location loc = std::source_location::current()) const override;
  std::pair<Array, LSTMState> operator()(const Array& inputs, const LSTMState& state,
                                         std::source_location loc = std::source_location::current()) const;
  tree::Tree initial_state(std::optional<std::int64_t> batch_size) const override;

 private:
  std::int64_t hidden_size_;
  std::optional<Linear> linear_;  // made in this module's scope
};

struct GRUOptions {
  std::optional<Initializer> w_i_init = std::nullopt;  // default: variance scaling (lecun_normal)
  std::optional<Initializer> w_h_init = std::nullopt;  // default: variance scaling (lecun_normal)
  std::optional<Initializer> b_init = std::nullopt;    // default: zeros
  std::optional<std::string> name = std::nullopt;
};

// Haiku's GRU, with parameters w_i [input, 3 * hidden], w_h [hidden, 3 * hidden] and b [3 * hidden],
// their columns in the order z, r, a:
//   z, r = sigmoid(x W_i[z,r] + h W_h[z,r] + b[z,r]),   a = tanh(x W_i[a] + (r * h) W_h[a] + b[a]),
//   h_t = (1 - z) * h + z * a.
// The output is h_t. Inputs are [features] or [batch, features].
class GRU : public RNNCore {
 public:
  explicit GRU(std::int64_t hidden_size, GRUOptions options = {});
  using RNNCore::operator();
  std::pair<tree::Tree, tree::Tree> operator()(
      const tree::Tree& inputs, const tree::Tree& state,
      std::source_location loc = std::source_location::current()) const override;
  std::pair<Array, Array> operator()(const Array& inputs, const Array& state,
                                     std::source_location loc = std::source_location::current()) const;
  tree::Tree initial_state(std::optional<std::int64_t> batch_size) const override;

 private:
  std::int64_t hidden_size_;
  GRUOptions options_;
};

// Returns the inputs as output and the state unchanged; its state is an empty list (Haiku's ()).
class IdentityCore : public RNNCore {
 public:
  explicit IdentityCore(const std::optional<std::string>& name = std::nullopt);
  using RNNCore::operator();
  std::pair<tree::Tree, tree::Tree> operator()(
      const tree::Tree& inputs, const tree::Tree& state,
      std::source_location loc = std::source_location::current()) const override;
  tree::Tree initial_state(std::optional<std::int64_t> batch_size) const override;
};

// Wraps a core so that each element of a batch can restart from the initial state. Its inputs are the
// list [inputs, should_reset]: should_reset is a boolean array whose shape is a prefix of every state
// leaf's shape (usually [batch]), or a tree of such arrays matching the state. Where it is true the
// wrapped core steps from its initial state instead of the given one.
class ResetCore : public RNNCore {
 public:
  template <class Core>
  requires(std::derived_from<std::remove_cvref_t<Core>, RNNCore> &&
           !std::same_as<std::remove_cvref_t<Core>, ResetCore>) explicit ResetCore(Core&& core,
                                                                                   const std::optional<std::string>&
                                                                                       name = std::nullopt)
      : RNNCore("reset_core", name), core_(std::make_shared<std::remove_cvref_t<Core>>(std::forward<Core>(core))) {}
  using RNNCore::operator();
  std::pair<tree::Tree, tree::Tree> operator()(
      const tree::Tree& inputs, const tree::Tree& state,
      std::source_location loc = std::source_location::current()) const override;
  tree::Tree initial_state(std::optional<std::int64_t> batch_size) const override;

 private:
  std::shared_ptr<const RNNCore> core_;
};

// A layer of a DeepRNN: a recurrent core (copied; the copy shares the core's parameters) or a function
// of the inputs, taking and returning an Array or a jx::tree::Tree (jx::nn::relu, a lambda, a Linear).
class DeepRNNLayer {
 public:
  template <class Core>
  requires std::derived_from<std::remove_cvref_t<Core>, RNNCore> DeepRNNLayer(
      Core&& core)  // NOLINT(google-explicit-constructor): a braced list of layers
      : core_(std::make_shared<std::remove_cvref_t<Core>>(std::forward<Core>(core))) {}
  template <class F>
  requires(!std::derived_from<std::remove_cvref_t<F>, RNNCore> &&
           (std::is_invocable_r_v<tree::Tree, const F&, const tree::Tree&> ||
            std::is_invocable_r_v<Array, const F&, const Array&>))
      DeepRNNLayer(F function)  // NOLINT(google-explicit-constructor)
  {
    if constexpr (std::is_invocable_r_v<tree::Tree, const F&, const tree::Tree&>) {
      function_ = [f = std::move(function)](const tree::Tree& x) { return tree::Tree(f(x)); };
    } else {
      function_ = [f = std::move(function)](const tree::Tree& x) { return tree::Tree(f(array_input(x))); };
    }
  }
  const RNNCore* core() const { return core_.get(); }
  tree::Tree operator()(const tree::Tree& inputs) const { return function_(inputs); }

 private:
  static Array array_input(const tree::Tree& inputs);  // TypeError unless the inputs are one array
  std::shared_ptr<const RNNCore> core_;
  std::function<tree::Tree(const tree::Tree&)> function_;
};

// Cores and functions stacked (hk.DeepRNN): each layer's output is the next one's input, the output is
// the last layer's, and the state is the list of the cores' states (empty without cores).
class DeepRNN : public RNNCore {
 public:
  explicit DeepRNN(std::vector<DeepRNNLayer> layers, const std::optional<std::string>& name = std::nullopt);
  using RNNCore::operator();
  std::pair<tree::Tree, tree::Tree> operator()(
      const tree::Tree& inputs, const tree::Tree& state,
      std::source_location loc = std::source_location::current()) const override;
  tree::Tree initial_state(std::optional<std::int64_t> batch_size) const override;

 private:
  friend DeepRNN deep_rnn_with_skip_connections(std::vector<DeepRNNLayer> layers,
                                                const std::optional<std::string>& name, std::source_location loc);
  DeepRNN(std::vector<DeepRNNLayer> layers, bool skip_connections, const std::optional<std::string>& name);
  std::vector<DeepRNNLayer> layers_;
  bool skip_connections_;
};

// A DeepRNN of cores only, with skip connections: layer i > 0 sees concat(inputs, output of layer i - 1)
// along the last axis, and the output is the concatenation of every layer's output. A layer that is
// not a core is a ValueError.
DeepRNN deep_rnn_with_skip_connections(std::vector<DeepRNNLayer> layers,
                                       const std::optional<std::string>& name = std::nullopt,
                                       std::source_location loc = std::source_location::current());

struct ConvLSTMOptions {
  std::optional<std::string> name = std::nullopt;
};

// Haiku's ConvNDLSTM: the LSTM above with convolutions ("SAME" padding, stride 1, channels last) in place
// of the matrix products: input_to_hidden/{w,b} and hidden_to_hidden/{w,b}, each w of shape
// kernel + [channels in, 4 * output_channels], b [4 * output_channels], the gates split in the order
// i, g, f, o along channels. input_shape is the inputs' spatial shape; the state is [batch,]
// input_shape + [output_channels]. Inputs are [batch,] spatial + [channels].
class ConvNDLSTM : public RNNCore {
 public:
  ConvNDLSTM(int num_spatial_dims, std::vector<std::int64_t> input_shape, std::int64_t output_channels,
             std::vector<std::int64_t> kernel_shape, ConvLSTMOptions options = {})
      : ConvNDLSTM("conv_ndlstm", "ConvNDLSTM", num_spatial_dims, std::move(input_shape), output_channels,
                   std::move(kernel_shape), std::move(options)) {}
  // The same kernel size along every spatial axis.
  ConvNDLSTM(int num_spatial_dims, std::vector<std::int64_t> input_shape, std::int64_t output_channels,
             std::int64_t kernel_size, ConvLSTMOptions options = {})
      : ConvNDLSTM(num_spatial_dims, std::move(input_shape), output_channels,
                   std::vector<std::int64_t>(static_cast<std::size_t>(std::max(num_spatial_dims, 0)), kernel_size),
                   std::move(options)) {}
  using RNNCore::operator();
  std::pair<tree::Tree, tree::Tree> operator()(
      const tree::Tree& inputs, const tree::Tree& state,
      std::source_location loc = std::source_location::current()) const override;
  std::pair<Array, LSTMState> operator()(const Array& inputs, const LSTMState& state,
                                         std::source_location loc = std::source_location::current()) const;
  tree::Tree initial_state(std::optional<std::int64_t> batch_size) const override;

 protected:
  // `kind` is the default module name, `op` the name errors give.
  ConvNDLSTM(std::string_view kind, std::string op, int num_spatial_dims, std::vector<std::int64_t> input_shape,
             std::int64_t output_channels, std::vector<std::int64_t> kernel_shape, ConvLSTMOptions options);

 private:
  class Convolution;  // one "SAME" convolution with its w and b (src/nn/recurrent_cores.cpp)
  std::string op_;
  int num_spatial_dims_;
  std::vector<std::int64_t> input_shape_;
  std::int64_t output_channels_;
  std::vector<std::int64_t> kernel_shape_;
  std::vector<std::shared_ptr<const Convolution>> convolutions_;  // input to hidden, hidden to hidden
};

// The 1-, 2- and 3-d forms (Haiku's module names conv1_dlstm, conv2_dlstm, conv3_dlstm).
#define JX_NN_CONV_LSTM(Name, kind, dims)                                                                       \
  class Name : public ConvNDLSTM {                                                                              \
   public:                                                                                                      \
    Name(std::vector<std::int64_t> input_shape, std::int64_t output_channels, std::vector<std::int64_t> kernel, \
         ConvLSTMOptions options = {})                                                                          \
        : ConvNDLSTM(kind, #Name, dims, std::move(input_shape), output_channels, std::move(kernel),             \
                     std::move(options)) {}                                                                     \
    Name(std::vector<std::int64_t> input_shape, std::int64_t output_channels, std::int64_t kernel_size,         \
         ConvLSTMOptions options = {})                                                                          \
        : Name(std::move(input_shape), output_channels, std::vector<std::int64_t>(dims, kernel_size),           \
               std::move(options)) {}                                                                           \
  };
JX_NN_CONV_LSTM(Conv1DLSTM, "conv1_dlstm", 1)
JX_NN_CONV_LSTM(Conv2DLSTM, "conv2_dlstm", 2)
JX_NN_CONV_LSTM(Conv3DLSTM, "conv3_dlstm", 3)
#undef JX_NN_CONV_LSTM

struct StaticUnrollOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool time_major = true;  // inputs [T, batch, ...]; false: [batch, T, ...] (outputs alike)
};

// Calls the core on each step of the sequence in a C++ loop (unrolled under jit):
// (outputs stacked along the time axis, final state). Every leaf of input_sequence has the time axis.
std::pair<tree::Tree, tree::Tree> static_unroll(const RNNCore& core, const tree::Tree& input_sequence,
                                                const tree::Tree& initial_state, StaticUnrollOptions options = {},
                                                std::source_location loc = std::source_location::current());

struct DynamicUnrollOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool time_major = true;          // inputs [T, batch, ...]; false: [batch, T, ...] (outputs alike)
  bool reverse = false;            // from the last step to the first (outputs stay in input order)
  bool return_all_states = false;  // the state after every step, stacked as the outputs are
  std::int64_t unroll = 1;         // lax::scan's hint
};

// The same as one loop (jx::nn::scan inside a transformed function, lax::scan outside one):
// (outputs, final state, or every state with return_all_states).
std::pair<tree::Tree, tree::Tree> dynamic_unroll(const RNNCore& core, const tree::Tree& input_sequence,
                                                 const tree::Tree& initial_state, DynamicUnrollOptions options = {},
                                                 std::source_location loc = std::source_location::current());

// Both for a sequence that is one array, whose outputs are then one array too (a TypeError when the
// core's outputs are not a single array: pass jx::tree::Tree(xs) to get them as a tree).
std::pair<Array, tree::Tree> static_unroll(const RNNCore& core, const Array& input_sequence,
                                           const tree::Tree& initial_state, StaticUnrollOptions options = {},
                                           std::source_location loc = std::source_location::current());
std::pair<Array, tree::Tree> dynamic_unroll(const RNNCore& core, const Array& input_sequence,
                                            const tree::Tree& initial_state, DynamicUnrollOptions options = {},
                                            std::source_location loc = std::source_location::current());

}  // namespace jx::nn
