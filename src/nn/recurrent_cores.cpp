// The recurrent cores of jx/nn/recurrent.h: VanillaRNN, LSTM, GRU and the convolutional LSTMs. The
// wrappers (IdentityCore, ResetCore, DeepRNN) are in recurrent_wrappers.cpp, the unrolls in unroll.cpp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <numeric>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/nn/recurrent.h"
#include "jx/numpy.h"

namespace jx::nn {
namespace {

namespace jnp = jx::numpy;

void check_hidden_size(const char* op, std::int64_t size) {
  if (size <= 0) throw ValueError(op, fmt::format("hidden_size must be positive, got {}", size));
}

// Zeros of `shape`, with a leading batch axis when a batch size is given (Haiku's add_batch).
Array zeros_state(std::optional<std::int64_t> batch_size, Shape shape) {
  if (batch_size) {
    if (*batch_size < 0) throw ValueError("initial_state", fmt::format("batch_size is negative: {}", *batch_size));
    shape.insert(0, *batch_size);
  }
  return jnp::zeros(shape, DType::float32);
}

const Array& array_of(const char* op, const char* what, const tree::Tree& value) {
  if (!value.is_array()) {
    throw TypeError(op, fmt::format("the {} must be one array for this core, got {}", what, value.to_string()));
  }
  return value.array();
}

LSTMState lstm_state_of(const char* op, const tree::Tree& state) {
  if (!state.is_dict() || state.size() != 2 || !state.contains("hidden") || !state.contains("cell")) {
    throw TypeError(op,
                    fmt::format("the state must be an LSTMState ({{'cell', 'hidden'}}), got {}", state.to_string()));
  }
  return LSTMState{array_of(op, "state's hidden", state["hidden"]), array_of(op, "state's cell", state["cell"])};
}

tree::Tree tree_of(const LSTMState& state) { return tree::to_dynamic(state); }

void check_rank_1_or_2(const char* op, const Array& inputs) {
  if (inputs.ndim() != 1 && inputs.ndim() != 2) {
    throw ShapeError(op,
                     fmt::format("inputs must be [features] or [batch, features], got {}", inputs.type().to_string()));
  }
}

// The LSTM's update from the gate pre-activations, in Haiku's order i, g, f, o along the last axis.
std::pair<Array, LSTMState> lstm_update(const Array& gates, const Array& cell) {
  const std::vector<Array> parts = jnp::split(gates, 4, -1);
  const Array forget = sigmoid(parts[2] + 1.0f);  // the forget-gate bias
  const Array c = forget * cell + sigmoid(parts[0]) * jnp::tanh(parts[1]);
  const Array h = sigmoid(parts[3]) * jnp::tanh(c);
  return {h, LSTMState{h, c}};
}

}  // namespace

// --- VanillaRNN -------------------------------------------------------------------------------------

VanillaRNN::VanillaRNN(std::int64_t hidden_size, VanillaRNNOptions options)
    : RNNCore("vanilla_rnn", options.name), hidden_size_(hidden_size) {
  check_hidden_size("VanillaRNN", hidden_size);
  // Haiku makes these in each call of the core; made once here, in its scope, they get the same names
  // (vanilla_rnn/linear, vanilla_rnn/linear_1) and keep them however often the core steps.
  const auto make = [&] {
    input_to_hidden_.emplace(hidden_size);
    hidden_to_hidden_.emplace(hidden_size, LinearOptions{.with_bias = options.double_bias});
  };
  if (module_name().empty())
    make();
  else
    scoped(make);
}

std::pair<Array, Array> VanillaRNN::operator()(const Array& inputs, const Array& state,
                                               std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const Array out = relu((*input_to_hidden_)(inputs) + (*hidden_to_hidden_)(state));
    return std::pair{out, out};
  });
}

std::pair<tree::Tree, tree::Tree> VanillaRNN::operator()(const tree::Tree& inputs, const tree::Tree& state,
                                                         std::source_location loc) const {
  auto [out, next] = (*this)(array_of("VanillaRNN", "inputs", inputs), array_of("VanillaRNN", "state", state), loc);
  return {tree::Tree(out), tree::Tree(next)};
}

tree::Tree VanillaRNN::initial_state(std::optional<std::int64_t> batch_size) const {
  return zeros_state(batch_size, Shape{hidden_size_});
}

// --- LSTM -------------------------------------------------------------------------------------------

LSTM::LSTM(std::int64_t hidden_size, LSTMOptions options) : RNNCore("lstm", options.name), hidden_size_(hidden_size) {
  check_hidden_size("LSTM", hidden_size);
  const auto make = [&] { linear_.emplace(4 * hidden_size); };
  if (module_name().empty())
    make();
  else
    scoped(make);
}

std::pair<Array, LSTMState> LSTM::operator()(const Array& inputs, const LSTMState& state,
                                             std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    check_rank_1_or_2("LSTM", inputs);
    if (state.hidden.shape() != state.cell.shape() || state.hidden.ndim() != inputs.ndim() ||
        state.hidden.shape()[state.hidden.ndim() - 1] != hidden_size_) {
      throw ShapeError(
          "LSTM",
          fmt::format("the state's hidden and cell must be [batch,] {} for inputs {}; got {} and {}", hidden_size_,
                      inputs.type().to_string(), state.hidden.type().to_string(), state.cell.type().to_string()));
    }
    const Array gates = (*linear_)(jnp::concatenate({inputs, state.hidden}, -1));
    return lstm_update(gates, state.cell);
  });
}

std::pair<tree::Tree, tree::Tree> LSTM::operator()(const tree::Tree& inputs, const tree::Tree& state,
                                                   std::source_location loc) const {
  auto [out, next] = (*this)(array_of("LSTM", "inputs", inputs), lstm_state_of("LSTM", state), loc);
  return {tree::Tree(out), tree_of(next)};
}

tree::Tree LSTM::initial_state(std::optional<std::int64_t> batch_size) const {
  const Array zeros = zeros_state(batch_size, Shape{hidden_size_});
  return tree_of(LSTMState{zeros, zeros});
}

// --- GRU --------------------------------------------------------------------------------------------

GRU::GRU(std::int64_t hidden_size, GRUOptions options)
    : RNNCore("gru", options.name), hidden_size_(hidden_size), options_(std::move(options)) {
  check_hidden_size("GRU", hidden_size);
}

std::pair<Array, Array> GRU::operator()(const Array& inputs, const Array& state, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    check_rank_1_or_2("GRU", inputs);
    const std::int64_t hidden = hidden_size_, input_size = inputs.shape()[inputs.ndim() - 1];
    if (state.ndim() != inputs.ndim() || state.shape()[state.ndim() - 1] != hidden) {
      throw ShapeError("GRU", fmt::format("the state must be [batch,] {} for inputs {}, got {}", hidden,
                                          inputs.type().to_string(), state.type().to_string()));
    }
    const DType dtype = inputs.dtype();
    const Array w_i = get_parameter("w_i", Shape{input_size, 3 * hidden}, dtype,
                                    options_.w_i_init.value_or(initializers::lecun_normal()));
    const Array w_h = get_parameter("w_h", Shape{hidden, 3 * hidden}, dtype,
                                    options_.w_h_init.value_or(initializers::lecun_normal()));
    const Array b = get_parameter("b", Shape{3 * hidden}, dtype, options_.b_init.value_or(initializers::zeros()));
    const std::vector<std::int64_t> at_a{2 * hidden};  // z and r, then a
    const std::vector<Array> w_h_parts = jnp::split(w_h, at_a, 1), b_parts = jnp::split(b, at_a, 0);
    const std::vector<Array> x_parts = jnp::split(jnp::matmul(inputs, w_i), at_a, -1);
    const std::vector<Array> z_r =
        jnp::split(sigmoid(x_parts[0] + jnp::matmul(state, w_h_parts[0]) + b_parts[0]), 2, -1);
    const Array a = jnp::tanh(x_parts[1] + jnp::matmul(z_r[1] * state, w_h_parts[1]) + b_parts[1]);
    const Array next = (1.0f - z_r[0]) * state + z_r[0] * a;
    return std::pair{next, next};
  });
}

std::pair<tree::Tree, tree::Tree> GRU::operator()(const tree::Tree& inputs, const tree::Tree& state,
                                                  std::source_location loc) const {
  auto [out, next] = (*this)(array_of("GRU", "inputs", inputs), array_of("GRU", "state", state), loc);
  return {tree::Tree(out), tree::Tree(next)};
}

tree::Tree GRU::initial_state(std::optional<std::int64_t> batch_size) const {
  return zeros_state(batch_size, Shape{hidden_size_});
}

// --- Convolutional LSTMs ----------------------------------------------------------------------------

// hk.ConvND as the core uses it: stride 1, "SAME" padding, channels last, a bias; w initialized with a
// truncated normal of stddev 1 / sqrt(fan in), b with zeros. Inputs with or without the batch axis.
class ConvNDLSTM::Convolution : public Module {
 public:
  Convolution(int dims, std::int64_t output_channels, std::vector<std::int64_t> kernel, const std::string& name)
      : Module("conv_nd", name), dims_(dims), output_channels_(output_channels), kernel_(std::move(kernel)) {}

  Array operator()(const Array& x) const {
    return scoped([&] {
      const bool unbatched = x.ndim() == dims_ + 1;
      const Array batched = unbatched ? jnp::expand_dims(x, 0) : x;
      const std::int64_t channels = batched.shape()[dims_ + 1];
      Shape w_shape;
      for (std::int64_t k : kernel_) w_shape.push_back(k);
      w_shape.push_back(channels);
      w_shape.push_back(output_channels_);
      const double fan_in = static_cast<double>(
          std::accumulate(kernel_.begin(), kernel_.end(), channels, std::multiplies<std::int64_t>()));
      const Array w = get_parameter("w", w_shape, x.dtype(), initializers::truncated_normal(1.0 / std::sqrt(fan_in)));
      const Array b = get_parameter("b", Shape{output_channels_}, x.dtype(), initializers::zeros());
      // Letters for the spatial axes, as jax.lax's layout strings name them.
      const std::string spatial = std::string("DHW").substr(static_cast<std::size_t>(3 - dims_));
      const lax::ConvDimensionNumbers numbers("N" + spatial + "C", spatial + "IO", "N" + spatial + "C");
      const Array out = lax::conv_general_dilated(batched, w, std::vector<std::int64_t>(kernel_.size(), 1), "SAME",
                                                  {.dimension_numbers = numbers}) +
                        b;
      return unbatched ? jnp::squeeze(out, 0) : out;
    });
  }

 private:
  int dims_;
  std::int64_t output_channels_;
  std::vector<std::int64_t> kernel_;
};

ConvNDLSTM::ConvNDLSTM(std::string_view kind, std::string op, int num_spatial_dims,
                       std::vector<std::int64_t> input_shape, std::int64_t output_channels,
                       std::vector<std::int64_t> kernel_shape, ConvLSTMOptions options)
    : RNNCore(kind, options.name),
      op_(std::move(op)),
      num_spatial_dims_(num_spatial_dims),
      input_shape_(std::move(input_shape)),
      output_channels_(output_channels),
      kernel_shape_(std::move(kernel_shape)) {
  const auto dims = static_cast<std::size_t>(num_spatial_dims);
  if (num_spatial_dims < 1 || num_spatial_dims > 3) {
    throw ValueError(op_, fmt::format("num_spatial_dims must be 1, 2 or 3, got {}", num_spatial_dims));
  }
  if (input_shape_.size() != dims || kernel_shape_.size() != dims) {
    throw ValueError(
        op_, fmt::format("input_shape (the spatial shape) and kernel_shape need {} sizes each, got {} and {}", dims,
                         input_shape_.size(), kernel_shape_.size()));
  }
  for (std::size_t i = 0; i < dims; ++i) {
    if (input_shape_[i] <= 0 || kernel_shape_[i] <= 0) {
      throw ValueError(op_, fmt::format("input_shape and kernel_shape must be positive, got [{}] and [{}]",
                                        fmt::join(input_shape_, ", "), fmt::join(kernel_shape_, ", ")));
    }
  }
  if (output_channels <= 0)
    throw ValueError(op_, fmt::format("output_channels must be positive, got {}", output_channels));
  const auto make = [&] {
    for (const char* name : {"input_to_hidden", "hidden_to_hidden"}) {
      convolutions_.push_back(
          std::make_shared<const Convolution>(num_spatial_dims, 4 * output_channels, kernel_shape_, name));
    }
  };
  if (module_name().empty())
    make();
  else
    scoped(make);
}

std::pair<Array, LSTMState> ConvNDLSTM::operator()(const Array& inputs, const LSTMState& state,
                                                   std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    if (inputs.ndim() != num_spatial_dims_ + 1 && inputs.ndim() != num_spatial_dims_ + 2) {
      throw ShapeError(op_, fmt::format("inputs must be [batch,] spatial + [channels], of rank {} or {}; got {}",
                                        num_spatial_dims_ + 1, num_spatial_dims_ + 2, inputs.type().to_string()));
    }
    Shape expected = inputs.shape();
    expected[expected.ndim() - 1] = output_channels_;
    if (state.hidden.shape() != expected || state.cell.shape() != expected) {
      throw ShapeError(
          op_, fmt::format("the state's hidden and cell must be {} for inputs {}; got {} and {}", expected.to_string(),
                           inputs.type().to_string(), state.hidden.type().to_string(), state.cell.type().to_string()));
    }
    const Array gates = (*convolutions_[0])(inputs) + (*convolutions_[1])(state.hidden);
    return lstm_update(gates, state.cell);
  });
}

std::pair<tree::Tree, tree::Tree> ConvNDLSTM::operator()(const tree::Tree& inputs, const tree::Tree& state,
                                                         std::source_location loc) const {
  auto [out, next] = (*this)(array_of(op_.c_str(), "inputs", inputs), lstm_state_of(op_.c_str(), state), loc);
  return {tree::Tree(out), tree_of(next)};
}

tree::Tree ConvNDLSTM::initial_state(std::optional<std::int64_t> batch_size) const {
  Shape shape;
  for (std::int64_t size : input_shape_) shape.push_back(size);
  shape.push_back(output_channels_);
  const Array zeros = zeros_state(batch_size, shape);
  return tree_of(LSTMState{zeros, zeros});
}

}  // namespace jx::nn
