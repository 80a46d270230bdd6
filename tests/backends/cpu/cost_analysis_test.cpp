// jx::cost_analysis / jitted.cost_analysis: closed-form operation and byte counts for a product, a
// Linear layer (its bias in the product's step), a convolution, a fused elementwise chain with a
// reduction, transcendental functions, reshapes (free), and a whole MLP step whose matrix products
// dominate.
#include "jx/ir/cost_analysis.h"

#include <gtest/gtest.h>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;

jx::Array normal(int seed, const jx::Shape& shape) { return jx::random::normal(jx::random::key(seed), shape); }

constexpr double M = 64, K = 48, N = 32;

TEST(CostAnalysis, AProductCountsTwoFlopsPerMultiplyAdd) {
  const jx::Array x = normal(1, {64, 48}), w = normal(2, {48, 32});
  const jx::CostAnalysis cost =
      jx::jit([](const jx::Array& a, const jx::Array& b) { return jnp::matmul(a, b); }).cost_analysis(x, w);
  EXPECT_EQ(cost.flops, 2 * M * K * N);
  EXPECT_EQ(cost.transcendentals, 0);
  EXPECT_EQ(cost.bytes_accessed, 4 * (M * K + K * N + M * N));
}

TEST(CostAnalysis, ALinearLayerAndATranscendentalActivation) {
  const jx::Array x = normal(1, {64, 48}), w = normal(2, {48, 32}), b = normal(3, {32});
  const jx::CostAnalysis cost = jx::jit([](const jx::Array& a, const jx::Array& m, const jx::Array& bias) {
                                  return jnp::tanh(jnp::matmul(a, m) + bias);
                                }).cost_analysis(x, w, b);
  // The bias is added by the product's step (dot_general_bias): one flop per output, no extra pass.
  EXPECT_EQ(cost.flops, 2 * M * K * N + M * N);
  EXPECT_EQ(cost.transcendentals, M * N);
  EXPECT_EQ(cost.bytes_accessed, 4 * (M * K + K * N + N + M * N) + 4 * (2 * M * N));
}

TEST(CostAnalysis, AConvolutionCountsItsKernelTapsPerOutput) {
  const jx::Array x = normal(1, {8, 10, 10, 3}), w = normal(2, {3, 3, 3, 16});
  const jx::CostAnalysis cost =
      jx::jit([](const jx::Array& a, const jx::Array& k) {
        return lax::conv_general_dilated(a, k, {1, 1}, "SAME", {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}});
      }).cost_analysis(x, w);
  const double outputs = 8 * 10 * 10 * 16;
  EXPECT_EQ(cost.flops, 2 * outputs * (3 * 3 * 3));
  EXPECT_EQ(cost.bytes_accessed, 4 * (8 * 10 * 10 * 3 + 3 * 3 * 3 * 16 + outputs));
}

TEST(CostAnalysis, AFusedChainCountsItsOperationsAndOnlyItsInputsAndOutputs) {
  const jx::Array x = normal(1, {1000});
  const jx::CostAnalysis cost =
      jx::jit([](const jx::Array& v) { return jnp::sum(jnp::exp(v) * 2.0f + 1.0f); }).cost_analysis(x);
  EXPECT_EQ(cost.transcendentals, 1000);
  EXPECT_EQ(cost.flops, 3 * 1000);               // multiply, add, and the sum's additions
  EXPECT_EQ(cost.bytes_accessed, 4 * 1000 + 4);  // one step: x in, a scalar out
  // A reshape shares its input's memory: nothing runs for it.
  const jx::CostAnalysis reshaped = jx::jit([](const jx::Array& v) {
                                      return jnp::matmul(v.reshape({10, 100}), v.reshape({100, 10}));
                                    }).cost_analysis(x);
  EXPECT_EQ(reshaped.flops, 2.0 * 10 * 100 * 10);
  EXPECT_EQ(reshaped.bytes_accessed, 4 * (1000 + 1000 + 100));
}

TEST(CostAnalysis, EffectsReadButComputeNothing) {
  const jx::Array x = normal(1, {100});
  const jx::CostAnalysis cost = jx::jit([](const jx::Array& v) {
                                  jx::debug::callback([](std::span<const jx::Array>) {}, {v});
                                  return v * 2.0f;
                                }).cost_analysis(x);
  EXPECT_EQ(cost.flops, 100);
  EXPECT_EQ(cost.bytes_accessed, 4 * 100 + 4 * (100 + 100));  // the callback's read, then the product
}

TEST(CostAnalysis, AnMlpStepIsDominatedByItsProducts) {
  const jx::Array x = normal(1, {256, 784}), w1 = normal(2, {784, 512}) * 0.03f, w2 = normal(3, {512, 10}) * 0.04f;
  const jx::Array b1 = jnp::zeros({512}), b2 = jnp::zeros({10});
  const auto loss = [](const jx::Array& a, const jx::Array& m1, const jx::Array& c1, const jx::Array& m2,
                       const jx::Array& c2) {
    return jnp::mean(jnp::square(jnp::matmul(jx::nn::relu(jnp::matmul(a, m1) + c1), m2) + c2));
  };
  const jx::CostAnalysis cost = jx::jit(jx::grad(loss, jx::argnums<1, 2, 3, 4>)).cost_analysis(x, w1, b1, w2, b2);
  // Forward products, both weight gradients, and the hidden layer's input gradient.
  const double products = 2.0 * 256 * (2 * (784 * 512 + 512 * 10) + 512 * 10);
  EXPECT_GE(cost.flops, products);
  EXPECT_LE(cost.flops, products * 1.02);
  EXPECT_EQ(cost.transcendentals, 0);
  EXPECT_GT(cost.bytes_accessed, 4.0 * (256 * 784 + 784 * 512 * 2));  // x read, w1 read and its gradient written
}

}  // namespace
