// The recurrent cores of jx/nn/recurrent.h, one step each, against Haiku's equations written as plain
// double-precision loops (tests/nn/recurrent_oracle.h) with the parameters read from the params tree;
// Haiku's parameter names and shapes; the wrappers (IdentityCore, ResetCore, DeepRNN); errors.
#include "jx/nn/recurrent.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "jx/jx.h"
#include "nn/recurrent_oracle.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
using jx::tree::Tree;
using recurrent_oracle::expect_close;
using recurrent_oracle::matrix;
using recurrent_oracle::Matrix;
using recurrent_oracle::param;

jx::Array normal(std::uint32_t seed, const jx::Shape& shape) {
  return jx::random::normal(jx::random::PRNGKey(seed), shape);
}

TEST(VanillaRNN, StepIsReluOfTwoLinearLayers) {
  auto model = nn::transform([](const jx::Array& x, const jx::Array& h) { return nn::VanillaRNN(4)(x, h); });
  const jx::Array x = normal(1, {2, 3}), h = normal(2, {2, 4});
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x, h), 3);
  EXPECT_EQ(param(params, "vanilla_rnn/linear", "w").shape(), jx::Shape({3, 4}));
  EXPECT_EQ(param(params, "vanilla_rnn/linear_1", "w").shape(), jx::Shape({4, 4}));
  EXPECT_EQ(param(params, "vanilla_rnn/linear_1", "b").shape(), jx::Shape({4}));
  auto [out, next] = model.apply(params, std::nullopt, x, h);
  const Matrix want = recurrent_oracle::vanilla_step(
      matrix(x), matrix(h), matrix(param(params, "vanilla_rnn/linear", "w")),
      matrix(param(params, "vanilla_rnn/linear", "b")), matrix(param(params, "vanilla_rnn/linear_1", "w")),
      matrix(param(params, "vanilla_rnn/linear_1", "b")));
  expect_close(out, want);
  expect_close(next, want);
}

TEST(VanillaRNN, SingleBiasAndInitialState) {
  auto model = nn::transform(
      [](const jx::Array& x, const jx::Array& h) { return nn::VanillaRNN(4, {.double_bias = false})(x, h); });
  const jx::Array x = normal(1, {3}), h = normal(2, {4});
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x, h), 4);
  EXPECT_FALSE(params["vanilla_rnn/linear_1"].contains("b"));
  const Matrix want =
      recurrent_oracle::vanilla_step(matrix(x), matrix(h), matrix(param(params, "vanilla_rnn/linear", "w")),
                                     matrix(param(params, "vanilla_rnn/linear", "b")),
                                     matrix(param(params, "vanilla_rnn/linear_1", "w")), std::nullopt);
  expect_close(model.apply(params, std::nullopt, x, h).first, want);
  // initial_state: zeros of [hidden] or [batch, hidden], float32, whether or not inside a transform.
  const Tree state = nn::VanillaRNN(5).initial_state(3);
  EXPECT_EQ(state.array().shape(), jx::Shape({3, 5}));
  EXPECT_EQ(state.array().dtype(), jx::float32);
  EXPECT_EQ(jnp::sum(jnp::abs(state.array())).item<float>(), 0.0f);
  EXPECT_EQ(nn::VanillaRNN(5).initial_state(std::nullopt).array().shape(), jx::Shape({5}));
}

TEST(LSTM, StepMatchesTheGateEquations) {
  auto model = nn::transform([](const jx::Array& x, const nn::LSTMState& s) { return nn::LSTM(4)(x, s); });
  const jx::Array x = normal(1, {2, 3});
  const nn::LSTMState state{normal(2, {2, 4}), normal(3, {2, 4})};
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x, state), 5);
  // One Linear over concat(x, h): w [3 + 4, 4 * 4].
  EXPECT_EQ(params.size(), 1u);
  EXPECT_EQ(param(params, "lstm/linear", "w").shape(), jx::Shape({7, 16}));
  EXPECT_EQ(param(params, "lstm/linear", "b").shape(), jx::Shape({16}));
  auto [out, next] = model.apply(params, std::nullopt, x, state);
  const recurrent_oracle::LstmState want =
      recurrent_oracle::lstm_step(matrix(x), {matrix(state.hidden), matrix(state.cell)},
                                  matrix(param(params, "lstm/linear", "w")), matrix(param(params, "lstm/linear", "b")));
  expect_close(out, want.hidden);
  expect_close(next.hidden, want.hidden);
  expect_close(next.cell, want.cell);
}

TEST(LSTM, TreeStateIsADictOfHiddenAndCell) {
  auto model = nn::transform([](const jx::Array& x) {
    const nn::LSTM lstm(2);
    const Tree state = lstm.initial_state(std::nullopt);
    return lstm(Tree(x), state);
  });
  const jx::Array x = normal(1, {3});
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x), 6);
  auto [out, next] = model.apply(params, std::nullopt, x);
  EXPECT_EQ(next.to_string(), "{'cell': f32[2], 'hidden': f32[2]}");
  // From zeros: c = sigmoid(i) tanh(g), h = sigmoid(o) tanh(c).
  const recurrent_oracle::LstmState want =
      recurrent_oracle::lstm_step(matrix(x), {recurrent_oracle::zeros(1, 2), recurrent_oracle::zeros(1, 2)},
                                  matrix(param(params, "lstm/linear", "w")), matrix(param(params, "lstm/linear", "b")));
  expect_close(out.array(), want.hidden);
  expect_close(next["cell"].array(), want.cell);
}

TEST(GRU, StepMatchesTheGateEquations) {
  auto model = nn::transform([](const jx::Array& x, const jx::Array& h) { return nn::GRU(4)(x, h); });
  const jx::Array x = normal(1, {2, 3}), h = normal(2, {2, 4});
  const nn::Params initial = model.init(jx::random::PRNGKey(0), x, h);
  EXPECT_EQ(param(initial, "gru", "w_i").shape(), jx::Shape({3, 12}));
  EXPECT_EQ(param(initial, "gru", "w_h").shape(), jx::Shape({4, 12}));
  EXPECT_EQ(param(initial, "gru", "b").shape(), jx::Shape({12}));
  EXPECT_EQ(jnp::sum(jnp::abs(param(initial, "gru", "b"))).item<float>(), 0.0f);  // b_init: zeros
  const nn::Params params = recurrent_oracle::randomized(initial, 7);
  auto [out, next] = model.apply(params, std::nullopt, x, h);
  const Matrix want =
      recurrent_oracle::gru_step(matrix(x), matrix(h), matrix(param(params, "gru", "w_i")),
                                 matrix(param(params, "gru", "w_h")), matrix(param(params, "gru", "b")));
  expect_close(out, want);
  expect_close(next, want);
}

TEST(GRU, DefaultWeightsAreVarianceScaledByFanIn) {
  // hk.initializers.VarianceScaling(): truncated normal with stddev sqrt(1 / fan_in) after correcting
  // for the truncation, so the sample deviation of a large matrix is close to 1 / sqrt(fan_in).
  auto model = nn::transform([](const jx::Array& x, const jx::Array& h) { return nn::GRU(64)(x, h); });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::zeros({1, 400}), jnp::zeros({1, 64}));
  const std::vector<float> w = param(params, "gru", "w_i").to_vector<float>();
  double sum = 0, squares = 0;
  for (float v : w) sum += v, squares += static_cast<double>(v) * v;
  const double n = static_cast<double>(w.size()), mean = sum / n;
  EXPECT_NEAR(std::sqrt(squares / n - mean * mean), 1.0 / std::sqrt(400.0), 0.05 / std::sqrt(400.0));
  const nn::Params custom = nn::transform([](const jx::Array& x, const jx::Array& h) {
                              return nn::GRU(2, {.b_init = nn::initializers::constant(0.5)})(x, h);
                            }).init(jx::random::PRNGKey(0), jnp::zeros({3}), jnp::zeros({2}));
  EXPECT_EQ(param(custom, "gru", "b").to_vector<float>(), std::vector<float>(6, 0.5f));
}

// out[n, y, x, o] = sum over (i, j, c) of in[n, y + i - (kh - 1) / 2, x + j - (kw - 1) / 2, c] w[i, j, c, o] + b[o],
// zero outside ("SAME" with stride 1: the odd padding element at the end).
Matrix same_conv(const jx::Array& input, const jx::Array& weights, const jx::Array& bias) {
  const jx::Shape s = input.shape(), k = weights.shape();
  const std::int64_t batch = s[0], height = s[1], width = s[2], channels = s[3], kh = k[0], kw = k[1], outs = k[3];
  const std::vector<float> in = input.to_vector<float>(), w = weights.to_vector<float>(), b = bias.to_vector<float>();
  Matrix out = recurrent_oracle::zeros(batch * height * width, outs);
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t y = 0; y < height; ++y)
      for (std::int64_t x = 0; x < width; ++x)
        for (std::int64_t o = 0; o < outs; ++o) {
          double sum = b[static_cast<std::size_t>(o)];
          for (std::int64_t i = 0; i < kh; ++i)
            for (std::int64_t j = 0; j < kw; ++j) {
              const std::int64_t row = y + i - (kh - 1) / 2, column = x + j - (kw - 1) / 2;
              if (row < 0 || row >= height || column < 0 || column >= width) continue;
              for (std::int64_t c = 0; c < channels; ++c)
                sum += static_cast<double>(
                           in[static_cast<std::size_t>(((n * height + row) * width + column) * channels + c)]) *
                       w[static_cast<std::size_t>(((i * kw + j) * channels + c) * outs + o)];
            }
          out.at((n * height + y) * width + x, o) = sum;
        }
  return out;
}

TEST(Conv2DLSTM, StepMatchesConvolutionsAndTheGateEquations) {
  auto model = nn::transform([](const jx::Array& x, const nn::LSTMState& s) {
    return nn::Conv2DLSTM({5, 4}, 3, 3)(x, s);
  });
  const jx::Array x = normal(1, {2, 5, 4, 2});
  const nn::LSTMState state{normal(2, {2, 5, 4, 3}), normal(3, {2, 5, 4, 3})};
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x, state), 8, 0.3f);
  EXPECT_EQ(param(params, "conv2_dlstm/input_to_hidden", "w").shape(), jx::Shape({3, 3, 2, 12}));
  EXPECT_EQ(param(params, "conv2_dlstm/hidden_to_hidden", "w").shape(), jx::Shape({3, 3, 3, 12}));
  EXPECT_EQ(param(params, "conv2_dlstm/hidden_to_hidden", "b").shape(), jx::Shape({12}));
  auto [out, next] = model.apply(params, std::nullopt, x, state);
  Matrix gates = same_conv(x, param(params, "conv2_dlstm/input_to_hidden", "w"),
                           param(params, "conv2_dlstm/input_to_hidden", "b"));
  const Matrix from_hidden = same_conv(state.hidden, param(params, "conv2_dlstm/hidden_to_hidden", "w"),
                                       param(params, "conv2_dlstm/hidden_to_hidden", "b"));
  for (std::size_t k = 0; k < gates.values.size(); ++k) gates.values[k] += from_hidden.values[k];
  Matrix cell = matrix(state.cell.reshape({40, 3}));
  const recurrent_oracle::LstmState want = recurrent_oracle::lstm_from_gates(gates, cell);
  expect_close(out, want.hidden, 1e-4);
  expect_close(next.cell, want.cell, 1e-4);
  EXPECT_EQ(nn::Conv2DLSTM({5, 4}, 3, 3).initial_state(2)["hidden"].array().shape(), jx::Shape({2, 5, 4, 3}));
}

TEST(Conv1DLSTM, UnbatchedStepAndThe3dShapes) {
  // A 1-d convolution is the 2-d one over a height of 1.
  auto model =
      nn::transform([](const jx::Array& x, const nn::LSTMState& s) { return nn::Conv1DLSTM({6}, 2, 3)(x, s); });
  const jx::Array x = normal(1, {6, 3});
  const nn::LSTMState state{normal(2, {6, 2}), normal(3, {6, 2})};
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x, state), 9, 0.3f);
  auto [out, next] = model.apply(params, std::nullopt, x, state);
  const auto as_2d = [](const jx::Array& a) { return a.reshape({1, 1, a.shape()[0], a.shape()[1]}); };
  const auto kernel_2d = [&](const char* module) {
    const jx::Array w = param(params, module, "w");
    return w.reshape({1, w.shape()[0], w.shape()[1], w.shape()[2]});
  };
  Matrix gates =
      same_conv(as_2d(x), kernel_2d("conv1_dlstm/input_to_hidden"), param(params, "conv1_dlstm/input_to_hidden", "b"));
  const Matrix from_hidden = same_conv(as_2d(state.hidden), kernel_2d("conv1_dlstm/hidden_to_hidden"),
                                       param(params, "conv1_dlstm/hidden_to_hidden", "b"));
  for (std::size_t k = 0; k < gates.values.size(); ++k) gates.values[k] += from_hidden.values[k];
  const recurrent_oracle::LstmState want = recurrent_oracle::lstm_from_gates(gates, matrix(state.cell));
  EXPECT_EQ(out.shape(), jx::Shape({6, 2}));
  expect_close(out, want.hidden, 1e-4);
  expect_close(next.cell, want.cell, 1e-4);

  auto three = nn::transform([](const jx::Array& volume) {
    const nn::Conv3DLSTM core({4, 3, 2}, 5, {3, 1, 2});
    return core(Tree(volume), core.initial_state(2));
  });
  const nn::Params p3 = three.init(jx::random::PRNGKey(0), jnp::ones({2, 4, 3, 2, 1}));
  EXPECT_EQ(param(p3, "conv3_dlstm/input_to_hidden", "w").shape(), jx::Shape({3, 1, 2, 1, 20}));
  EXPECT_EQ(param(p3, "conv3_dlstm/hidden_to_hidden", "w").shape(), jx::Shape({3, 1, 2, 5, 20}));
  EXPECT_EQ(three.apply(p3, std::nullopt, jnp::ones({2, 4, 3, 2, 1})).first.array().shape(),
            jx::Shape({2, 4, 3, 2, 5}));
}

TEST(IdentityCore, PassesInputsAndKeepsAnEmptyState) {
  auto model = nn::transform([](const jx::Array& x) {
    const nn::IdentityCore core;
    return core(Tree(x), core.initial_state(2));
  });
  const jx::Array x = normal(1, {2, 3});
  auto [out, state] = model.apply(model.init(jx::random::PRNGKey(0), x), std::nullopt, x);
  EXPECT_TRUE(jnp::array_equal(out.array(), x).item<bool>());
  EXPECT_TRUE(state.is_list());
  EXPECT_EQ(state.size(), 0u);
}

TEST(ResetCore, ResetsTheRowsWhereTheSignalIsTrue) {
  auto model = nn::transform([](const jx::Array& x, const jx::Array& reset, const jx::Array& h) {
    const nn::ResetCore core(nn::VanillaRNN(4));
    return core(Tree::list({x, reset}), h);
  });
  const jx::Array x = normal(1, {3, 2}), h = normal(2, {3, 4});
  const jx::Array reset = jnp::array({false, true, false});
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x, reset, h), 10);
  // The wrapped core keeps its own name (made before the wrapper, as in Haiku).
  EXPECT_TRUE(params.contains("vanilla_rnn/linear"));
  auto [out, next] = model.apply(params, std::nullopt, x, reset, h);
  Matrix state = matrix(h);
  for (std::int64_t j = 0; j < 4; ++j) state.at(1, j) = 0.0;  // row 1 back to the initial state
  const Matrix want = recurrent_oracle::vanilla_step(matrix(x), state, matrix(param(params, "vanilla_rnn/linear", "w")),
                                                     matrix(param(params, "vanilla_rnn/linear", "b")),
                                                     matrix(param(params, "vanilla_rnn/linear_1", "w")),
                                                     matrix(param(params, "vanilla_rnn/linear_1", "b")));
  expect_close(out.array(), want);
  expect_close(next.array(), want);
}

TEST(ResetCore, PerLeafSignalsAndUnbatchedStates) {
  auto model = nn::transform([](const jx::Array& x, const Tree& reset, const Tree& state) {
    const nn::ResetCore core(nn::LSTM(2));
    return core(Tree::list({x, reset}), state);
  });
  const jx::Array x = normal(1, {2, 3});
  const Tree state = jx::tree::to_dynamic(nn::LSTMState{normal(2, {2, 2}), normal(3, {2, 2})});
  const Tree reset = Tree::dict({{"cell", jnp::array({false, true})}, {"hidden", jnp::array({true, false})}});
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x, reset, state), 11);
  auto [out, next] = model.apply(params, std::nullopt, x, reset, state);
  Matrix hidden = matrix(state["hidden"].array()), cell = matrix(state["cell"].array());
  for (std::int64_t j = 0; j < 2; ++j) hidden.at(0, j) = 0.0, cell.at(1, j) = 0.0;
  const recurrent_oracle::LstmState want = recurrent_oracle::lstm_step(
      matrix(x), {hidden, cell}, matrix(param(params, "lstm/linear", "w")), matrix(param(params, "lstm/linear", "b")));
  expect_close(next["hidden"].array(), want.hidden);
  expect_close(next["cell"].array(), want.cell);

  // Unbatched: a scalar signal resets the whole state.
  auto single = nn::transform([](const jx::Array& v, const jx::Array& r, const jx::Array& h) {
    const nn::ResetCore core(nn::VanillaRNN(4));
    return core(Tree::list({v, r}), h);
  });
  const jx::Array v = normal(4, {3}), h = normal(5, {4});
  const nn::Params p = single.init(jx::random::PRNGKey(0), v, jnp::array(true), h);
  const jx::Array reset_out = single.apply(p, std::nullopt, v, jnp::array(true), h).first.array();
  const jx::Array from_zeros = single.apply(p, std::nullopt, v, jnp::array(false), jnp::zeros({4})).first.array();
  EXPECT_TRUE(jnp::allclose(reset_out, from_zeros).item<bool>());
  // A signal whose shape is not a prefix of the state's.
  EXPECT_THROW(single.apply(p, std::nullopt, v, jnp::array({true, false}), h), jx::ShapeError);
}

TEST(DeepRNN, StacksCoresAndFunctions) {
  auto model = nn::transform([](const jx::Array& x) {
    const nn::DeepRNN core({nn::LSTM(4), nn::relu, nn::GRU(3)});
    const Tree state = core.initial_state(2);
    return core(Tree(x), state);
  });
  const jx::Array x = normal(1, {2, 5});
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x), 12);
  EXPECT_EQ(param(params, "lstm/linear", "w").shape(), jx::Shape({9, 16}));
  EXPECT_EQ(param(params, "gru", "w_i").shape(), jx::Shape({4, 9}));
  auto [out, next] = model.apply(params, std::nullopt, x);
  ASSERT_TRUE(next.is_list());
  ASSERT_EQ(next.size(), 2u);
  const recurrent_oracle::LstmState first =
      recurrent_oracle::lstm_step(matrix(x), {recurrent_oracle::zeros(2, 4), recurrent_oracle::zeros(2, 4)},
                                  matrix(param(params, "lstm/linear", "w")), matrix(param(params, "lstm/linear", "b")));
  const Matrix relu = recurrent_oracle::map(first.hidden, [](double v) { return std::max(v, 0.0); });
  const Matrix second =
      recurrent_oracle::gru_step(relu, recurrent_oracle::zeros(2, 3), matrix(param(params, "gru", "w_i")),
                                 matrix(param(params, "gru", "w_h")), matrix(param(params, "gru", "b")));
  expect_close(out.array(), second);
  expect_close(next[std::size_t{0}]["cell"].array(), first.cell);
  expect_close(next[std::size_t{1}].array(), second);
}

TEST(DeepRNN, SkipConnectionsConcatenateInputsAndOutputs) {
  auto model = nn::transform([](const jx::Array& x) {
    const nn::DeepRNN core = nn::deep_rnn_with_skip_connections({nn::VanillaRNN(3), nn::VanillaRNN(2)});
    return core(Tree(x), core.initial_state(2));
  });
  const jx::Array x = normal(1, {2, 4});
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), x), 13);
  // The second core sees concat(x, first output): 4 + 3 features.
  EXPECT_EQ(param(params, "vanilla_rnn_1/linear", "w").shape(), jx::Shape({7, 2}));
  auto [out, next] = model.apply(params, std::nullopt, x);
  const auto step = [&](const std::string& name, const Matrix& in, std::int64_t size) {
    return recurrent_oracle::vanilla_step(
        in, recurrent_oracle::zeros(2, size), matrix(param(params, name + "/linear", "w")),
        matrix(param(params, name + "/linear", "b")), matrix(param(params, name + "/linear_1", "w")),
        matrix(param(params, name + "/linear_1", "b")));
  };
  const Matrix first = step("vanilla_rnn", matrix(x), 3);
  const Matrix second = step("vanilla_rnn_1", recurrent_oracle::concat_columns(matrix(x), first), 2);
  expect_close(out.array(), recurrent_oracle::concat_columns(first, second));
  expect_close(next[std::size_t{1}].array(), second);
}

TEST(RecurrentCores, Errors) {
  auto lstm = nn::transform([](const jx::Array& x, const Tree& s) { return nn::LSTM(2)(Tree(x), s); });
  const Tree state = nn::LSTM(2).initial_state(1);
  const nn::Params params = lstm.init(jx::random::PRNGKey(0), jnp::zeros({1, 3}), state);
  try {
    lstm.apply(params, std::nullopt, jnp::zeros({1, 1, 3}), state);
    ADD_FAILURE() << "a rank-3 input was accepted";
  } catch (const jx::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("LSTM"), std::string::npos) << e.what();
  }
  EXPECT_THROW(lstm.apply(params, std::nullopt, jnp::zeros({1, 3}), Tree(jnp::zeros({1, 2}))), jx::TypeError);
  EXPECT_THROW(lstm.apply(params, std::nullopt, jnp::zeros({1, 3}), nn::LSTM(3).initial_state(1)), jx::ShapeError);
  EXPECT_THROW(nn::LSTM(0), jx::ValueError);
  EXPECT_THROW(nn::GRU(-1), jx::ValueError);
  EXPECT_THROW(nn::Conv2DLSTM({4}, 2, 3), jx::ValueError);                                // input_shape needs two sizes
  EXPECT_THROW(nn::Conv2DLSTM({4, 4}, 2, std::vector<std::int64_t>{3}), jx::ValueError);  // and the kernel
  auto gru = nn::transform([](const jx::Array& x, const jx::Array& h) { return nn::GRU(2)(x, h); });
  EXPECT_THROW(gru.init(jx::random::PRNGKey(0), jnp::zeros({}), jnp::zeros({2})), jx::ShapeError);
  EXPECT_THROW(gru.init(jx::random::PRNGKey(0), jnp::zeros({2, 3}), jnp::zeros({2, 5})), jx::ShapeError);
  auto conv = nn::transform([](const jx::Array& x, const nn::LSTMState& s) {
    return nn::Conv2DLSTM({4, 4}, 2, 3)(x, s);
  });
  const nn::LSTMState conv_state{jnp::zeros({4, 4, 2}), jnp::zeros({4, 4, 2})};
  EXPECT_THROW(conv.init(jx::random::PRNGKey(0), jnp::zeros({4, 3}), conv_state), jx::ShapeError);
  // Skip connections need cores only; a DeepRNN's state has one entry per core.
  EXPECT_THROW(nn::deep_rnn_with_skip_connections({nn::relu}), jx::ValueError);
  auto deep = nn::transform([](const jx::Array& x) {
    const nn::DeepRNN core({nn::VanillaRNN(2), nn::VanillaRNN(2)});
    return core(Tree(x), Tree::list({nn::VanillaRNN(2).initial_state(1)}));
  });
  EXPECT_THROW(deep.init(jx::random::PRNGKey(0), jnp::zeros({1, 3})), jx::TypeError);
  auto reset = nn::transform([](const jx::Array& x) { return nn::ResetCore(nn::VanillaRNN(2))(Tree(x), Tree(x)); });
  EXPECT_THROW(reset.init(jx::random::PRNGKey(0), jnp::zeros({1, 2})), jx::TypeError);  // not [inputs, should_reset]
  // Cores made outside a transformed function cannot step (they have no name for their parameters).
  EXPECT_THROW(nn::VanillaRNN(2)(jnp::zeros({1, 2}), jnp::zeros({1, 2})), jx::ValueError);
}

}  // namespace
