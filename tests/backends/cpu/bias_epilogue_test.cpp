// The Linear-layer pattern x @ w + b and the Conv-layer pattern conv(x, w) + b planned as one step
// each: which programs are rewritten, and results equal to the unfused product and bias (float64 as
// the oracle), with oneDNN and without, split over rows and over columns, in several layouts.
#include "backends/cpu/bias_epilogue.h"

#include <gtest/gtest.h>

#include <string>

#include "backends/cpu/onednn.h"
#include "backends/cpu/thread_pool.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;

jx::Array normal(int seed, const jx::Shape& shape) { return jx::random::normal(jx::random::key(seed), shape); }

// The names of the program's equations after the pass.
template <class F, class... Args>
std::vector<std::string> fused_names(const F& f, const Args&... args) {
  const jx::Program fused = jx::cpu::fuse_bias_epilogues(jx::make_jaxpr(f)(args...));
  std::vector<std::string> names;
  for (const jx::Equation& e : fused.equations) names.emplace_back(e.primitive->name());
  return names;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(MatmulBias, TheLinearPatternBecomesOneEquation) {
  const jx::Array x = normal(1, {32, 64}), w = normal(2, {64, 48}), b = normal(3, {48});
  const auto linear = [](const jx::Array& a, const jx::Array& m, const jx::Array& bias) {
    return jnp::matmul(a, m) + bias;
  };
  const std::vector<std::string> names = fused_names(linear, x, w, b);
  EXPECT_TRUE(contains(names, "dot_general_bias"));
  EXPECT_FALSE(contains(names, "dot_general"));
  EXPECT_FALSE(contains(names, "add"));
  // The bias on the left, and a transposed weight, too.
  EXPECT_TRUE(contains(fused_names([](const jx::Array& a, const jx::Array& m,
                                      const jx::Array& bias) { return bias + jnp::matmul(a, m.transpose()); },
                                   x, normal(4, {48, 64}), b),
                       "dot_general_bias"));
}

TEST(MatmulBias, LeftAloneWhenThePatternIsNotThere) {
  const jx::Array x = normal(1, {32, 64}), w = normal(2, {64, 48}), b = normal(3, {48});
  // The product is read again: it must exist on its own.
  const auto both = [](const jx::Array& a, const jx::Array& m, const jx::Array& bias) {
    const jx::Array product = jnp::matmul(a, m);
    return std::pair{product + bias, product};
  };
  EXPECT_FALSE(contains(fused_names(both, x, w, b), "dot_general_bias"));
  // A bias along the rows, not the columns.
  const auto by_rows = [](const jx::Array& a, const jx::Array& m, const jx::Array& bias) {
    return jnp::matmul(a, m) + bias.reshape({32, 1});
  };
  EXPECT_FALSE(contains(fused_names(by_rows, x, w, normal(5, {32})), "dot_general_bias"));
  // float64 and batched products keep their path.
  jx::config::enable_x64(true);
  const auto linear = [](const jx::Array& a, const jx::Array& m, const jx::Array& bias) {
    return jnp::matmul(a, m) + bias;
  };
  EXPECT_FALSE(contains(fused_names(linear, x.astype(jx::float64), w.astype(jx::float64), b.astype(jx::float64)),
                        "dot_general_bias"));
  jx::config::enable_x64(false);
  EXPECT_FALSE(contains(fused_names(linear, normal(6, {3, 32, 64}), normal(7, {3, 64, 48}), b), "dot_general_bias"));
}

TEST(MatmulBias, ResultsMatchFloat64OnEveryPath) {
  const auto linear =
      jx::jit([](const jx::Array& a, const jx::Array& m, const jx::Array& bias) { return jnp::matmul(a, m) + bias; });
  const int saved = jx::cpu::num_threads();
  for (bool onednn : {true, false}) {
    jx::cpu::onednn::set_enabled(onednn);
    for (int threads : {1, 2}) {
      jx::cpu::set_num_threads(threads);
      // More rows than columns (split by rows) and the reverse (split by columns: each part adds its
      // own columns of the bias).
      for (const auto& [m, k, n] : {std::tuple{300, 200, 100}, std::tuple{64, 300, 1001}}) {
        SCOPED_TRACE(std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n) + " onednn " +
                     std::to_string(onednn) + " threads " + std::to_string(threads));
        const jx::Array x = normal(10, {m, k}), w = normal(11, {k, n}), b = normal(12, {n}) * 10.0f;
        jx::clear_caches();
        const jx::Array result = linear(x, w, b);
        // With oneDNN, the bias rides on a matmul primitive (a product alone would go to its sgemm).
        if (onednn) {
          EXPECT_GT(jx::cpu::onednn::cached_primitives(), 0u);
        }
        jx::config::enable_x64(true);
        const jx::Array exact = jnp::matmul(x.astype(jx::float64), w.astype(jx::float64)) + b.astype(jx::float64);
        const double error = jnp::max(jnp::abs(result.astype(jx::float64) - exact)).item<double>();
        const double scale = jnp::max(jnp::abs(exact)).item<double>();
        jx::config::enable_x64(false);
        EXPECT_LE(error, 1e-5 * scale);
      }
    }
  }
  jx::cpu::onednn::set_enabled(true);
  jx::cpu::set_num_threads(saved);
}

// A convolution and a bias along its output features: NHWC (features last), NCHW (features second),
// grouped and strided.
struct ConvCase {
  std::string name;
  jx::Shape x, w;
  jx::lax::ConvOptions options;
  int feature_axis;
  jx::lax::Padding padding = "SAME";
};

std::vector<ConvCase> conv_cases() {
  return {
      {"NHWC 3x3 SAME", {8, 12, 12, 3}, {3, 3, 3, 16}, {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}}, 3},
      {"NCHW 3x3 SAME", {4, 5, 10, 9}, {7, 5, 3, 3}, {.dimension_numbers = {"NCHW", "OIHW", "NCHW"}}, 1},
      {"NHWC grouped",
       {2, 9, 9, 8},
       {3, 3, 4, 12},
       {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}, .feature_group_count = 2},
       3},
      // lhs dilation (a transposed convolution): oneDNN computes it as a backward-data convolution,
      // which takes no bias, so the kernel adds it afterwards.
      {"NHWC transposed",
       {2, 6, 6, 4},
       {3, 3, 4, 5},
       {.lhs_dilation = {2, 2}, .dimension_numbers = {"NHWC", "HWIO", "NHWC"}},
       3,
       {{1, 1}, {1, 1}}},
  };
}

jx::Array conv(const ConvCase& c, const jx::Array& x, const jx::Array& w) {
  return lax::conv_general_dilated(x, w, {1, 1}, c.padding, c.options);
}

TEST(ConvolutionBias, TheConvLayerPatternBecomesOneEquation) {
  for (const ConvCase& c : conv_cases()) {
    SCOPED_TRACE(c.name);
    const jx::Array x = normal(1, c.x), w = normal(2, c.w);
    const std::int64_t features = conv(c, x, w).shape()[c.feature_axis];
    const auto layer = [&](const jx::Array& a, const jx::Array& k, const jx::Array& bias) {
      const jx::Array y = conv(c, a, k);
      return y + lax::broadcast_in_dim(bias, y.shape(), {c.feature_axis});
    };
    const std::vector<std::string> names = fused_names(layer, x, w, normal(3, {features}));
    EXPECT_TRUE(contains(names, "conv_general_dilated_bias"));
    EXPECT_FALSE(contains(names, "conv_general_dilated"));
    EXPECT_FALSE(contains(names, "add"));
  }
  // Batch groups (a kernel gradient's form) are left alone: their output batch is not the input's.
  const ConvCase grouped{"batch groups",
                         {4, 6, 6, 3},
                         {3, 3, 3, 8},
                         {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}, .batch_group_count = 2},
                         3};
  const auto batch_grouped = [&](const jx::Array& a, const jx::Array& k, const jx::Array& bias) {
    const jx::Array y = conv(grouped, a, k);
    return y + lax::broadcast_in_dim(bias, y.shape(), {3});
  };
  const jx::Array gx = normal(4, grouped.x), gw = normal(5, grouped.w), gb = normal(6, {8});
  EXPECT_FALSE(contains(fused_names(batch_grouped, gx, gw, gb), "conv_general_dilated_bias"));
  EXPECT_TRUE(jnp::allclose(jx::jit(batch_grouped)(gx, gw, gb), batch_grouped(gx, gw, gb), {.rtol = 1e-5, .atol = 1e-5})
                  .item<bool>());
  // A bias along another axis is left alone.
  const ConvCase c = conv_cases()[0];
  const auto along_width = [&](const jx::Array& a, const jx::Array& k, const jx::Array& bias) {
    const jx::Array y = conv(c, a, k);
    return y + lax::broadcast_in_dim(bias, y.shape(), {2});
  };
  EXPECT_FALSE(
      contains(fused_names(along_width, normal(1, c.x), normal(2, c.w), normal(3, {12})), "conv_general_dilated_bias"));
}

TEST(ConvolutionBias, ResultsMatchFloat64OnEveryPath) {
  const int saved = jx::cpu::num_threads();
  for (const ConvCase& c : conv_cases()) {
    const jx::Array x = normal(10, c.x), w = normal(11, c.w);
    const std::int64_t features = conv(c, x, w).shape()[c.feature_axis];
    const jx::Array b = normal(12, {features}) * 10.0f;
    const auto layer = [&](const jx::Array& a, const jx::Array& k, const jx::Array& bias) {
      const jx::Array y = conv(c, a, k);
      return y + lax::broadcast_in_dim(bias, y.shape(), {c.feature_axis});
    };
    jx::config::enable_x64(true);
    const jx::Array exact = layer(x.astype(jx::float64), w.astype(jx::float64), b.astype(jx::float64));
    const double scale = jnp::max(jnp::abs(exact)).item<double>();
    jx::config::enable_x64(false);
    for (bool onednn : {true, false}) {
      jx::cpu::onednn::set_enabled(onednn);
      for (int threads : {1, 2}) {
        jx::cpu::set_num_threads(threads);
        SCOPED_TRACE(c.name + " onednn " + std::to_string(onednn) + " threads " + std::to_string(threads));
        jx::clear_caches();
        const jx::Array result = jx::jit(layer)(x, w, b);
        if (onednn) {
          // The bias rides on a forward convolution; the transposed one runs backward-data and adds it.
          const std::string kind = c.options.lhs_dilation.empty() ? "convolution forward" : "convolution backward data";
          EXPECT_EQ(jx::cpu::onednn::last_implementation().rfind(kind, 0), 0u)
              << jx::cpu::onednn::last_implementation();
        }
        jx::config::enable_x64(true);
        const double error = jnp::max(jnp::abs(result.astype(jx::float64) - exact)).item<double>();
        jx::config::enable_x64(false);
        EXPECT_LE(error, 1e-5 * scale);
      }
    }
  }
  jx::cpu::onednn::set_enabled(true);
  jx::cpu::set_num_threads(saved);
}

// The equation evaluated on its own (as the planner does for operands it cannot lower) agrees too.
TEST(ConvolutionBias, EvaluatesEagerly) {
  const ConvCase c = conv_cases()[1];
  const jx::Array x = normal(20, c.x), w = normal(21, c.w), b = normal(22, {7});
  const jx::Program traced = jx::make_jaxpr([&](const jx::Array& a, const jx::Array& k, const jx::Array& bias) {
    const jx::Array y = conv(c, a, k);
    return y + lax::broadcast_in_dim(bias, y.shape(), {1});
  })(x, w, b);
  const jx::Program fused = jx::cpu::fuse_bias_epilogues(traced);
  ASSERT_EQ(fused.count("conv_general_dilated_bias"), 1);
  const jx::Array direct = jx::eval_program(fused, std::vector<jx::Array>{x, w, b})[0];
  const jx::Array expected = conv(c, x, w) + b.reshape({1, 7, 1, 1});
  EXPECT_TRUE(jnp::allclose(direct, expected, {.rtol = 1e-5, .atol = 1e-4}).item<bool>());
}

}  // namespace
