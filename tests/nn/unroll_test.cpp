// static_unroll and dynamic_unroll (jx/nn/recurrent.h): both against a hand loop of Haiku's LSTM and GRU
// equations in double precision (tests/nn/recurrent_oracle.h), batch-major and reversed sequences, every
// state, wrapped cores, under jit and grad (finite differences), outside a transformed function, errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/recurrent.h"
#include "jx/test_util.h"
#include "nn/recurrent_oracle.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
using jx::tree::Tree;
using recurrent_oracle::expect_close;
using recurrent_oracle::matrix;
using recurrent_oracle::Matrix;
using recurrent_oracle::param;

constexpr std::int64_t kSteps = 5, kBatch = 2, kInputs = 3, kHidden = 4;

Tree cast(const Tree& t, jx::DType dtype) {
  auto [leaves, structure] = jx::tree::flatten(t);
  for (jx::Array& leaf : leaves) leaf = leaf.astype(dtype);
  return jx::tree::unflatten(structure, leaves);
}

// An LSTM over xs [T, B, I] (time-major) or [B, T, I]; the initial state takes the inputs' dtype.
auto lstm_unroll(bool dynamic, nn::DynamicUnrollOptions options = {}) {
  return nn::transform([dynamic, options](const jx::Array& xs) {
    const nn::LSTM core(kHidden);
    const Tree initial = cast(core.initial_state(xs.shape()[options.time_major ? 1 : 0]), xs.dtype());
    if (dynamic) return nn::dynamic_unroll(core, xs, initial, options);
    return nn::static_unroll(core, xs, initial, {.time_major = options.time_major});
  });
}

// The hand loop: states[t] is the state after input t (in the order the loop visits them).
std::vector<recurrent_oracle::LstmState> lstm_loop(const jx::Array& xs, const nn::Params& params,
                                                   bool reverse = false) {
  const Matrix w = matrix(param(params, "lstm/linear", "w")), b = matrix(param(params, "lstm/linear", "b"));
  recurrent_oracle::LstmState state{recurrent_oracle::zeros(kBatch, kHidden), recurrent_oracle::zeros(kBatch, kHidden)};
  std::vector<recurrent_oracle::LstmState> states(static_cast<std::size_t>(kSteps));
  for (std::int64_t k = 0; k < kSteps; ++k) {
    const std::int64_t t = reverse ? kSteps - 1 - k : k;
    state = recurrent_oracle::lstm_step(matrix(xs(t)), state, w, b);
    states[static_cast<std::size_t>(t)] = state;
  }
  return states;
}

TEST(Unroll, StaticAndDynamicMatchTheHandLoop) {
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(1), {kSteps, kBatch, kInputs});
  auto static_model = lstm_unroll(false), dynamic_model = lstm_unroll(true);
  const nn::Params static_params = static_model.init(jx::random::PRNGKey(0), xs);
  const nn::Params dynamic_params = dynamic_model.init(jx::random::PRNGKey(0), xs);
  // dynamic_unroll makes the parameters in its step before the loop, with the same keys.
  EXPECT_EQ(jx::tree::structure(static_params), jx::tree::structure(dynamic_params));
  EXPECT_TRUE(jnp::array_equal(param(static_params, "lstm/linear", "w"), param(dynamic_params, "lstm/linear", "w"))
                  .item<bool>());
  const nn::Params params = recurrent_oracle::randomized(static_params, 2);
  const auto states = lstm_loop(xs, params);
  for (auto* model : {&static_model, &dynamic_model}) {
    auto [outputs, final_state] = model->apply(params, std::nullopt, xs);
    ASSERT_EQ(outputs.shape(), jx::Shape({kSteps, kBatch, kHidden}));
    for (std::int64_t t = 0; t < kSteps; ++t) expect_close(outputs(t), states[static_cast<std::size_t>(t)].hidden);
    expect_close(final_state["hidden"].array(), states.back().hidden);
    expect_close(final_state["cell"].array(), states.back().cell);
  }
}

TEST(Unroll, BatchMajorReverseAndAllStates) {
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(1), {kSteps, kBatch, kInputs});
  const jx::Array batch_major = jnp::swapaxes(xs, 0, 1);
  auto model = lstm_unroll(true, {.time_major = false});
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), batch_major), 3);
  const auto states = lstm_loop(xs, params);
  auto [outputs, final_state] = model.apply(params, std::nullopt, batch_major);
  ASSERT_EQ(outputs.shape(), jx::Shape({kBatch, kSteps, kHidden}));
  for (std::int64_t t = 0; t < kSteps; ++t) {
    expect_close(outputs(jx::Slice{}, t), states[static_cast<std::size_t>(t)].hidden);
  }
  expect_close(final_state["cell"].array(), states.back().cell);
  auto static_model = lstm_unroll(false, {.time_major = false});
  expect_close(static_model.apply(params, std::nullopt, batch_major).first(jx::Slice{}, kSteps - 1),
               states.back().hidden);

  // Reversed: the loop visits the last input first; outputs stay in the inputs' order.
  auto reversed = lstm_unroll(true, {.reverse = true});
  const auto reverse_states = lstm_loop(xs, params, true);
  auto [reverse_outputs, reverse_final] = reversed.apply(params, std::nullopt, xs);
  for (std::int64_t t = 0; t < kSteps; ++t) {
    expect_close(reverse_outputs(t), reverse_states[static_cast<std::size_t>(t)].hidden);
  }
  expect_close(reverse_final["hidden"].array(), reverse_states[0].hidden);
  // The same parameters are made whether or not the loop runs in reverse.
  EXPECT_EQ(jx::tree::structure(reversed.init(jx::random::PRNGKey(0), xs)), jx::tree::structure(params));

  // Every state, stacked along the time axis as the outputs are (batch-major here).
  auto all = lstm_unroll(true, {.time_major = false, .return_all_states = true});
  auto [all_outputs, all_states] = all.apply(params, std::nullopt, batch_major);
  ASSERT_EQ(all_states["cell"].array().shape(), jx::Shape({kBatch, kSteps, kHidden}));
  for (std::int64_t t = 0; t < kSteps; ++t) {
    expect_close(all_states["cell"].array()(jx::Slice{}, t), states[static_cast<std::size_t>(t)].cell);
    expect_close(all_states["hidden"].array()(jx::Slice{}, t), states[static_cast<std::size_t>(t)].hidden);
  }
}

TEST(Unroll, WrappedCoresResetMidSequence) {
  // A ResetCore around a GRU inside a DeepRNN, unrolled over [xs, should_reset].
  auto model = nn::transform([](const jx::Array& xs, const jx::Array& resets, bool dynamic) {
    const nn::DeepRNN core({nn::ResetCore(nn::GRU(kHidden))});
    const Tree sequence = Tree::list({xs, resets});
    if (dynamic) return nn::dynamic_unroll(core, sequence, core.initial_state(kBatch));
    return nn::static_unroll(core, sequence, core.initial_state(kBatch));
  });
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(1), {kSteps, kBatch, kInputs});
  const jx::Array resets =
      jnp::array({false, false, true, false, false, true, false, false, false, false}).reshape({kSteps, kBatch});
  const nn::Params params = recurrent_oracle::randomized(model.init(jx::random::PRNGKey(0), xs, resets, true), 4);
  const Matrix w_i = matrix(param(params, "gru", "w_i")), w_h = matrix(param(params, "gru", "w_h")),
               b = matrix(param(params, "gru", "b"));
  const std::vector<bool> flags = {false, false, true, false, false, true, false, false, false, false};
  Matrix state = recurrent_oracle::zeros(kBatch, kHidden);
  std::vector<Matrix> outputs;
  for (std::int64_t t = 0; t < kSteps; ++t) {
    for (std::int64_t row = 0; row < kBatch; ++row) {
      if (!flags[static_cast<std::size_t>(t * kBatch + row)]) continue;
      for (std::int64_t j = 0; j < kHidden; ++j) state.at(row, j) = 0.0;
    }
    state = recurrent_oracle::gru_step(matrix(xs(t)), state, w_i, w_h, b);
    outputs.push_back(state);
  }
  for (bool dynamic : {false, true}) {
    auto [out, final_state] = model.apply(params, std::nullopt, xs, resets, dynamic);
    for (std::int64_t t = 0; t < kSteps; ++t) expect_close(out.array()(t), outputs[static_cast<std::size_t>(t)]);
    ASSERT_TRUE(final_state.is_list());
    expect_close(final_state[std::size_t{0}].array(), outputs.back());
  }
}

TEST(Unroll, UnderJitAndInit) {
  const jx::Array xs = jx::random::normal(jx::random::PRNGKey(1), {kSteps, kBatch, kInputs});
  auto model = lstm_unroll(true);
  // init itself jitted: the parameters come out of the jitted program, equal to eager init's.
  const auto jitted_init = jx::jit([&](const jx::Key& key, const jx::Array& x) { return model.init(key, x); });
  const nn::Params eager = model.init(jx::random::PRNGKey(0), xs);
  const nn::Params traced = jitted_init(jx::random::PRNGKey(0), xs);
  EXPECT_TRUE(jnp::allclose(param(eager, "lstm/linear", "w"), param(traced, "lstm/linear", "w")).item<bool>());
  const nn::Params params = recurrent_oracle::randomized(eager, 5);
  auto step = jx::jit([&](const nn::Params& p, const jx::Array& x) { return model.apply(p, std::nullopt, x).first; });
  const auto states = lstm_loop(xs, params);
  const Tree out = step(params, xs);
  for (std::int64_t t = 0; t < kSteps; ++t) expect_close(out.array()(t), states[static_cast<std::size_t>(t)].hidden);
  step(params, xs * 2.0f);
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(Unroll, GradientsMatchFiniteDifferences) {
  // Parameters and inputs as the arguments of a function of arrays; float64 (check_grads' precision).
  for (bool dynamic : {true, false}) {
    auto model = lstm_unroll(dynamic);
    const auto loss = [&](const jx::Array& w, const jx::Array& b, const jx::Array& xs) {
      const nn::Params p = Tree::dict({{"lstm/linear", Tree::dict({{"w", w}, {"b", b}})}});
      auto [outputs, final_state] = model.apply(p, std::nullopt, xs);
      const jx::Array weights =
          jnp::arange(kSteps * kBatch * kHidden).reshape({kSteps, kBatch, kHidden}).astype(xs.dtype());
      return jnp::sum(jnp::sin(weights) * outputs) + jnp::sum(final_state["cell"].array());
    };
    const jx::Array w = jx::random::normal(jx::random::PRNGKey(2), {kInputs + kHidden, 4 * kHidden}) * 0.5f;
    const jx::Array b = jx::random::normal(jx::random::PRNGKey(3), {4 * kHidden}) * 0.5f;
    const jx::Array xs = jx::random::normal(jx::random::PRNGKey(4), {kSteps, kBatch, kInputs});
    jx::test::check_grads(loss, {w, b, xs}, 1);
    // The gradient jitted equals the eager one.
    const auto eager_grad = jx::grad(loss)(w, b, xs);
    const auto jitted_grad = jx::jit(jx::grad(loss))(w, b, xs);
    EXPECT_TRUE(jnp::allclose(eager_grad, jitted_grad, {.rtol = 1e-4, .atol = 1e-5}).item<bool>()) << dynamic;
  }
}

// A core with no parameters and no modules of its own: it may run outside a transformed function.
class RunningSum : public nn::RNNCore {
 public:
  RunningSum() : RNNCore("running_sum", std::nullopt) {}
  using RNNCore::operator();
  std::pair<Tree, Tree> operator()(const Tree& x, const Tree& state,
                                   std::source_location = std::source_location::current()) const override {
    const jx::Array total = state.array() + x.array();
    return {Tree(total * 2.0f), Tree(total)};
  }
  Tree initial_state(std::optional<std::int64_t> batch_size) const override {
    return jnp::zeros({batch_size.value_or(1)});
  }
};

TEST(Unroll, OutsideATransformedFunction) {
  const RunningSum core;
  const jx::Array xs = jnp::arange(6).reshape({3, 2}).astype(jx::float32);  // [T = 3, B = 2]
  auto [outputs, state] = nn::dynamic_unroll(core, xs, core.initial_state(2));
  auto [static_outputs, static_state] = nn::static_unroll(core, xs, core.initial_state(2));
  // Running sums 0, 0+2, 0+2+4 and 1, 1+3, 1+3+5, doubled in the outputs.
  const std::vector<float> want = {0, 2, 4, 8, 12, 18};
  EXPECT_EQ(outputs.to_vector<float>(), want);
  EXPECT_EQ(static_outputs.to_vector<float>(), want);
  EXPECT_EQ(state.array().to_vector<float>(), (std::vector<float>{6, 9}));
  EXPECT_EQ(static_state.array().to_vector<float>(), (std::vector<float>{6, 9}));
  auto [all_outputs, all_states] = nn::dynamic_unroll(core, xs, core.initial_state(2), {.return_all_states = true});
  EXPECT_EQ(all_states.array().to_vector<float>(), (std::vector<float>{0, 1, 2, 4, 6, 9}));
  // A sequence given as a tree gives its outputs as a tree.
  EXPECT_EQ(nn::dynamic_unroll(core, Tree(xs), core.initial_state(2)).first.array().to_vector<float>(), want);
}

// A core whose output is a list of two arrays.
class TwoOutputs : public nn::RNNCore {
 public:
  TwoOutputs() : RNNCore("two_outputs", std::nullopt) {}
  using RNNCore::operator();
  std::pair<Tree, Tree> operator()(const Tree& x, const Tree& state,
                                   std::source_location = std::source_location::current()) const override {
    return {Tree::list({x, x}), state};
  }
  Tree initial_state(std::optional<std::int64_t>) const override { return Tree::list({}); }
};

TEST(Unroll, Errors) {
  const RunningSum core;
  // No time axis, different lengths, no steps, no arrays at all.
  EXPECT_THROW(nn::static_unroll(core, jnp::array(1.0f), core.initial_state(std::nullopt)), jx::ShapeError);
  EXPECT_THROW(nn::dynamic_unroll(core, jnp::array(1.0f), core.initial_state(std::nullopt)), jx::ShapeError);
  const Tree uneven = Tree::list({jnp::zeros({3, 1}), jnp::zeros({4, 1})});
  EXPECT_THROW(nn::static_unroll(core, uneven, core.initial_state(1)), jx::ShapeError);
  EXPECT_THROW(nn::dynamic_unroll(core, uneven, core.initial_state(1)), jx::ShapeError);
  EXPECT_THROW(nn::static_unroll(core, jnp::zeros({0, 1}), core.initial_state(1)), jx::ValueError);
  EXPECT_THROW(nn::static_unroll(core, Tree::list({}), core.initial_state(1)), jx::ValueError);
  // Batch-major needs a second axis.
  EXPECT_THROW(nn::dynamic_unroll(core, jnp::zeros({3}), core.initial_state(1), {.time_major = false}), jx::ShapeError);
  // Outputs that are not one array, from a sequence that is: the tree form must be used.
  const TwoOutputs two;
  EXPECT_THROW(nn::dynamic_unroll(two, jnp::zeros({3, 1}), two.initial_state(1)), jx::TypeError);
  EXPECT_THROW(nn::static_unroll(two, jnp::zeros({3, 1}), two.initial_state(1)), jx::TypeError);
  EXPECT_EQ(nn::static_unroll(two, Tree(jnp::zeros({3, 1})), two.initial_state(1)).first.size(), 2u);
  // A state the core cannot step from.
  auto model = nn::transform([](const jx::Array& xs) {
    const nn::LSTM lstm(2);
    return nn::dynamic_unroll(lstm, xs, Tree(jnp::zeros({1, 2})));
  });
  EXPECT_THROW(model.init(jx::random::PRNGKey(0), jnp::zeros({3, 1, 2})), jx::TypeError);
}

}  // namespace
