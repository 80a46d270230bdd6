// Matmul and convolution on oneDNN, checked against float64 (which oneDNN never takes: OpenBLAS's
// dgemm and jx's own convolution kernel compute it), for every layout jx hands over — transposed and
// batched operands, broadcast batches, contractions over any axes, strided, dilated and grouped
// convolutions and both of their gradients — on one thread and on two, with primitives reused.
#include "backends/cpu/onednn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "backends/cpu/thread_pool.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
namespace onednn = jx::cpu::onednn;

jx::Array normal(std::uint32_t seed, const jx::Shape& shape) {
  return jx::random::normal(jx::random::key(static_cast<int>(seed)), shape);
}

// f(float32 operands) against f(float64 operands), relative to the result's size.
template <class F>
void expect_matches_float64(const F& f, const jx::Array& a, const jx::Array& b, double tolerance = 2e-5) {
  const jx::Array result = f(a, b);
  ASSERT_EQ(result.dtype(), jx::float32);
  const jx::Array exact = f(a.astype(jx::float64), b.astype(jx::float64));
  const double scale = jnp::max(jnp::abs(exact)).item<double>() + 1e-30;
  const double error = jnp::max(jnp::abs(result.astype(jx::float64) - exact)).item<double>();
  EXPECT_LE(error / scale, tolerance) << "error " << error << " of " << scale;
}

// Runs `body` on one thread and on two.
template <class Body>
void on_one_and_two_threads(const Body& body) {
  const int saved = jx::cpu::num_threads();
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    jx::cpu::set_num_threads(threads);
    body();
  }
  jx::cpu::set_num_threads(saved);
}

bool took(const std::string& prefix) { return onednn::last_implementation().rfind(prefix, 0) == 0; }

TEST(OnednnMatmul, EveryLayoutMatchesFloat64) {
  ASSERT_TRUE(onednn::enabled());
  const auto matmul = [](const jx::Array& a, const jx::Array& b) { return jnp::matmul(a, b); };
  on_one_and_two_threads([&] {
    expect_matches_float64(matmul, normal(1, {256, 784}), normal(2, {784, 512}));
    EXPECT_TRUE(took("matmul: ")) << onednn::last_implementation();
    // Transposed views, read in place.
    expect_matches_float64(matmul, normal(3, {300, 200}).transpose(), normal(4, {300, 100}));
    expect_matches_float64(matmul, normal(5, {200, 300}), normal(6, {100, 300}).transpose());
    expect_matches_float64(matmul, normal(7, {300, 200}).transpose(), normal(8, {100, 300}).transpose());
    // Batched, and one matrix broadcast over the batch; odd sizes split unevenly over threads.
    expect_matches_float64(matmul, normal(9, {5, 64, 96}), normal(10, {5, 96, 33}));
    expect_matches_float64(matmul, normal(11, {7, 65, 96}), normal(12, {96, 129}));
    expect_matches_float64(matmul, normal(13, {97, 128}), normal(14, {3, 128, 65}));
    // More rows than columns and the reverse: split along each.
    expect_matches_float64(matmul, normal(15, {1001, 64}), normal(16, {64, 48}));
    expect_matches_float64(matmul, normal(17, {48, 64}), normal(18, {64, 1001}));
  });
  EXPECT_TRUE(took("matmul: "));
}

TEST(OnednnMatmul, DotGeneralOverAnyAxes) {
  // Contracting a leading axis of both, with a batch axis in the middle of the lhs.
  const auto dot = [](const jx::Array& a, const jx::Array& b) {
    return lax::dot_general(a, b, {.lhs_contracting = {0}, .rhs_contracting = {1}, .lhs_batch = {1}, .rhs_batch = {0}});
  };
  expect_matches_float64(dot, normal(20, {96, 4, 80}), normal(21, {4, 96, 70}));
  const auto einsum = [](const jx::Array& a, const jx::Array& b) { return jnp::einsum("bik,bjk->bij", a, b); };
  expect_matches_float64(einsum, normal(22, {3, 70, 96}), normal(23, {3, 90, 96}));
}

TEST(OnednnMatmul, BfloatInputsWithinTheirPrecision) {
  const jx::Array a = normal(30, {128, 256}), b = normal(31, {256, 96});
  const jx::Array result = jnp::matmul(a.astype(jx::bfloat16), b.astype(jx::bfloat16));
  ASSERT_EQ(result.dtype(), jx::bfloat16);
  const jx::Array exact =
      jnp::matmul(a.astype(jx::bfloat16).astype(jx::float64), b.astype(jx::bfloat16).astype(jx::float64));
  // Products of bfloat16 values summed in float32, rounded once to bfloat16 (8 bits): 2^-8 relative.
  const double scale = jnp::max(jnp::abs(exact)).item<double>();
  EXPECT_LE(jnp::max(jnp::abs(result.astype(jx::float64) - exact)).item<double>(), scale * 0.01);
}

TEST(OnednnMatmul, SmallProductsStayOnBlasAndResultsAgreeWithOnednnOff) {
  onednn::clear_cache();
  const jx::Array a = normal(40, {8, 8}), b = normal(41, {8, 8});
  (void)jnp::matmul(a, b);  // 512 multiply-adds: not worth a primitive
  EXPECT_EQ(onednn::cached_primitives(), 0u);
  const jx::Array x = normal(42, {200, 300}), y = normal(43, {300, 100});
  const jx::Array with = jnp::matmul(x, y);
  onednn::set_enabled(false);
  const jx::Array without = jnp::matmul(x, y);
  onednn::set_enabled(true);
  EXPECT_TRUE(jnp::allclose(with, without, {.rtol = 1e-5, .atol = 1e-4}).item<bool>());
}

TEST(OnednnMatmul, PrimitivesAreCreatedOncePerShapeAndDroppedByClearCaches) {
  // Batched products run as matmul primitives (a single float32 matrix goes to oneDNN's sgemm, which
  // needs none).
  onednn::clear_cache();
  const int saved = jx::cpu::num_threads();
  jx::cpu::set_num_threads(1);
  const jx::Array a = normal(50, {4, 128, 256}), b = normal(51, {4, 256, 128});
  const auto step = jx::jit([](const jx::Array& x, const jx::Array& y) { return jnp::tanh(jnp::matmul(x, y)); });
  const jx::Array first = step(a, b);
  EXPECT_TRUE(took("matmul: ")) << onednn::last_implementation();
  const std::size_t after_first = onednn::cached_primitives();
  EXPECT_EQ(after_first, 1u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(jnp::array_equal(step(a, b), first).item<bool>());
  (void)jnp::matmul(a, b);  // eagerly: the same product, the same primitive
  EXPECT_EQ(onednn::cached_primitives(), after_first);
  (void)jnp::matmul(normal(52, {4, 64, 256}), b);  // another shape: one more
  EXPECT_EQ(onednn::cached_primitives(), after_first + 1);
  jx::clear_caches();
  EXPECT_EQ(onednn::cached_primitives(), 0u);
  jx::cpu::set_num_threads(saved);
}

// --- Convolution -----------------------------------------------------------------------------------

struct ConvCase {
  const char* name;
  jx::Shape lhs, rhs;
  std::vector<std::int64_t> strides;
  const char* padding;
  std::vector<std::int64_t> rhs_dilation;
  std::int64_t groups;
  const char* lhs_layout;
  const char* rhs_layout;
};

TEST(OnednnConvolution, ForwardAndBothGradientsMatchFloat64) {
  const ConvCase cases[] = {
      {"NHWC 3x3 SAME", {8, 14, 14, 16}, {3, 3, 16, 32}, {1, 1}, "SAME", {1, 1}, 1, "NHWC", "HWIO"},
      {"NHWC stride 2", {8, 15, 15, 16}, {3, 3, 16, 24}, {2, 2}, "SAME", {1, 1}, 1, "NHWC", "HWIO"},
      {"NHWC stride 2 VALID", {8, 16, 16, 16}, {3, 3, 16, 24}, {2, 2}, "VALID", {1, 1}, 1, "NHWC", "HWIO"},
      {"NCHW dilated", {4, 16, 20, 20}, {24, 16, 3, 3}, {1, 1}, "SAME", {2, 2}, 1, "NCHW", "OIHW"},
      {"grouped", {8, 12, 12, 32}, {3, 3, 8, 32}, {1, 1}, "SAME", {1, 1}, 4, "NHWC", "HWIO"},
      {"depthwise", {8, 12, 12, 16}, {3, 3, 1, 16}, {1, 1}, "SAME", {1, 1}, 16, "NHWC", "HWIO"},
  };
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(c.name);
    const auto conv = [&](const jx::Array& x, const jx::Array& w) {
      const std::string out_layout = c.lhs_layout;
      return lax::conv_general_dilated(x, w, c.strides, c.padding,
                                       {.rhs_dilation = c.rhs_dilation,
                                        .dimension_numbers = {c.lhs_layout, c.rhs_layout, out_layout},
                                        .feature_group_count = c.groups});
    };
    // A fixed cotangent, so that the gradients are the transposes applied to it.
    const jx::Array x = normal(60, c.lhs), w = normal(61, c.rhs) * 0.2f;
    const jx::Array cotangent = normal(62, conv(x, w).shape());
    const auto loss = [&](const jx::Array& lhs, const jx::Array& rhs) {
      return jnp::sum(conv(lhs, rhs) * cotangent.astype(lhs.dtype()));
    };
    on_one_and_two_threads([&] {
      expect_matches_float64(conv, x, w);
      const auto input_gradient = [&](const jx::Array& a, const jx::Array& b) { return jx::grad(loss)(a, b); };
      const auto kernel_gradient = [&](const jx::Array& a, const jx::Array& b) {
        return jx::grad(loss, jx::argnums<1>)(a, b);
      };
      expect_matches_float64(input_gradient, x, w);
      expect_matches_float64(kernel_gradient, x, w);
      expect_matches_float64(jx::jit(kernel_gradient), x, w);
    });
  }
}

TEST(OnednnConvolution, EachFormulationRunsOnItsOwnPrimitive) {
  // A training step's three convolutions: the forward, the input gradient of a strided convolution
  // (dilated lhs) and the kernel gradient each map to oneDNN's primitive for it.
  const jx::Array x = normal(70, {16, 16, 16, 8}), w = normal(71, {3, 3, 8, 16});
  const auto conv = [](const jx::Array& lhs, const jx::Array& rhs) {
    return lax::conv_general_dilated(lhs, rhs, {2, 2}, "SAME", {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}});
  };
  (void)conv(x, w);
  EXPECT_TRUE(took("convolution forward: ")) << onednn::last_implementation();
  const auto loss = [&](const jx::Array& lhs, const jx::Array& rhs) { return jnp::sum(jnp::square(conv(lhs, rhs))); };
  (void)jx::grad(loss, jx::argnums<1>)(x, w);
  EXPECT_TRUE(took("convolution backward weights: ")) << onednn::last_implementation();
  // The input gradient is computed after the kernel gradient's forward pass; run it alone.
  const jx::Array y = conv(x, w);
  const auto [out, pullback] = jx::vjp([&](const jx::Array& lhs) { return conv(lhs, w); }, x);
  (void)pullback(y);
  EXPECT_TRUE(took("convolution backward data: ")) << onednn::last_implementation();
}

// bfloat16 and float16 convolutions (forward, input gradient, kernel gradient) on oneDNN, which
// accumulates in float32 and rounds once, against jx's own path (float32 computation rounded once):
// equal to within one rounding of the half type. The kernel gradient is summed over the batch's parts
// in float32, so it does not depend on the thread count beyond that rounding either.
TEST(OnednnConvolution, HalfPrecisionMatchesTheFloat32Computation) {
  const auto conv = [](const jx::Array& lhs, const jx::Array& rhs) {
    return lax::conv_general_dilated(lhs, rhs, {1, 1}, "SAME", {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}});
  };
  const auto loss = [&](const jx::Array& lhs, const jx::Array& rhs) {
    return jnp::sum(jnp::square(conv(lhs, rhs).astype(jx::float32)));
  };
  const auto relative = [](const jx::Array& a, const jx::Array& b) {
    const jx::Array a32 = a.astype(jx::float32), b32 = b.astype(jx::float32);
    return jnp::max(jnp::abs(a32 - b32)).item<float>() / jnp::max(jnp::abs(b32)).item<float>();
  };
  for (jx::DType dtype : {jx::bfloat16, jx::float16}) {
    const float tolerance = dtype == jx::bfloat16 ? 1.0f / 128 : 1.0f / 1024;  // about one rounding
    const jx::Array x = normal(90, {16, 14, 14, 16}).astype(dtype),
                    w = (normal(91, {3, 3, 16, 32}) * 0.2f).astype(dtype);
    on_one_and_two_threads([&] {
      SCOPED_TRACE(std::string(jx::dtype_name(dtype)));
      const jx::Array y = jx::jit(conv)(x, w), y_eager = conv(x, w);
      const auto [gx, gw] = jx::jit(jx::grad(loss, jx::argnums<0, 1>))(x, w);
      onednn::set_enabled(false);
      const jx::Array y_own = conv(x, w);
      const auto [gx_own, gw_own] = jx::jit(jx::grad(loss, jx::argnums<0, 1>))(x, w);
      onednn::set_enabled(true);
      EXPECT_EQ(y.dtype(), dtype);
      EXPECT_LE(relative(y, y_own), tolerance);
      EXPECT_LE(relative(y_eager, y_own), tolerance);
      EXPECT_LE(relative(gx, gx_own), 4 * tolerance);
      EXPECT_LE(relative(gw, gw_own), 4 * tolerance);
    });
  }
}

// --- Max pooling ---------------------------------------------------------------------------------

// Forward and gradient of `pool` with oneDNN on and off: identical, ties included (both pick the first
// maximum of a window), and oneDNN's forward and backward were the ones that ran.
template <class Pool>
void expect_pooling_identical(const Pool& pool, const jx::Array& x) {
  const auto loss = [&](const jx::Array& v) {
    return jnp::sum(pool(v) * jnp::arange(pool(v).size()).reshape(pool(v).shape()).astype(jx::float32));
  };
  const jx::Array y = pool(x);
  EXPECT_TRUE(took("max pooling: ")) << onednn::last_implementation();
  const jx::Array gradient = jx::grad(loss)(x);
  EXPECT_TRUE(took("max pooling backward: ")) << onednn::last_implementation();
  onednn::set_enabled(false);
  const jx::Array y_own = pool(x);
  const jx::Array gradient_own = jx::grad(loss)(x);
  onednn::set_enabled(true);
  EXPECT_TRUE(jnp::array_equal(y, y_own).item<bool>());
  EXPECT_TRUE(jnp::array_equal(gradient, gradient_own).item<bool>());
}

TEST(OnednnPooling, MaxPoolForwardAndGradientAsJxsOwnKernel) {
  // After a ReLU, most windows tie at zero: the gradient goes to the first element of each. (Windows
  // that tile the image exactly, 2x2/2 on 28x28, run on jx's tiled kernel, reduce_window.cpp; on
  // 27x27 the last row and column are in no window, and oneDNN takes it.)
  const jx::Array x = jnp::maximum(normal(80, {16, 28, 28, 8}), 0.0f);
  const jx::Array x27 = jnp::maximum(normal(81, {16, 27, 27, 8}), 0.0f);
  on_one_and_two_threads([&] {
    expect_pooling_identical([](const jx::Array& v) { return jx::nn::max_pool(v, {2, 2}, {.strides = {2, 2}}); }, x27);
    expect_pooling_identical(
        [](const jx::Array& v) {
          return jx::nn::max_pool(v, {3, 3}, {.strides = {2, 2}, .padding = "SAME"});
        },
        x);
    // NCHW: the window over the last two axes, batch and channels first. (A transposed view of NHWC
    // data has only oneDNN's reference code and stays on jx's kernel.)
    expect_pooling_identical(
        [](const jx::Array& v) {
          return lax::reduce_window(v, -std::numeric_limits<double>::infinity(), lax::max, {1, 1, 2, 2}, {1, 1, 2, 2},
                                    "VALID");
        },
        jnp::transpose(x, std::vector<int>{0, 3, 1, 2}) * 1.0f);  // dense NCHW (a transposed view is not)
  });
}

TEST(OnednnPooling, NaNsPropagateAsInJax) {
  // oneDNN's max drops a NaN; XLA's (and jx's) propagates it, wherever it sits in the window.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  jx::Array x = jnp::arange(128 * 8 * 8 * 16).astype(jx::float32).reshape({128, 8, 8, 16});
  x = x.at(0, 0, 0, 0).set(nan);  // first in its window
  x = x.at(0, 3, 3, 1).set(nan);  // last in its window
  const jx::Array y = jx::nn::max_pool(x, {2, 2}, {.strides = {2, 2}});
  EXPECT_TRUE(std::isnan(y[0][0][0][0].item<float>()));
  EXPECT_TRUE(std::isnan(y[0][1][1][1].item<float>()));
  EXPECT_EQ(jnp::sum(jnp::isnan(y)).item<int>(), 2);
}

}  // namespace
