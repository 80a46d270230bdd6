// jx::lax's convolution conveniences (jx/lax/convolution_helpers.h): shapes against JAX's closed forms
// and against the shapes the ops produce, values against NumPy oracles (explicit loops, pasted below as
// literals), conv_transpose with transpose_kernel against jx's own vjp of the forward convolution (the
// identity JAX documents), finite-difference derivatives, jit and vmap against eager results, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error_expectations.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/convolution_helpers.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::Array;
using jx::Shape;
using jx_test::expect_error;

// ((i * a) mod m) - c over the row-major positions: small integers, exact in float32, and the same
// data the NumPy oracles were computed from (`pattern` in the comments below).
Array pattern(const Shape& shape, int a, int m, int c, jx::DType dtype = jx::float32) {
  std::vector<double> values(static_cast<std::size_t>(shape.num_elements()));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>((static_cast<int>(i) * a) % m - c);
  return jnp::array(values, shape, dtype);
}

void expect_values(const Array& got, const std::vector<double>& want, const Shape& shape, double tolerance = 1e-5) {
  ASSERT_EQ(got.shape(), shape);
  const std::vector<double> values = got.astype(jx::float64).to_vector<double>();
  ASSERT_EQ(values.size(), want.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_NEAR(values[i], want[i], tolerance * (1 + std::abs(want[i]))) << "element " << i;
  }
}

void expect_same(const Array& got, const Array& want, double tolerance = 1e-5) {
  expect_values(got, want.astype(jx::float64).to_vector<double>(), want.shape(), tolerance);
}

const lax::ConvDimensionNumbers kNhwc{"NHWC", "HWIO", "NHWC"};

// --- Shapes -----------------------------------------------------------------------------------------

TEST(LaxConvolutionHelpers, ConvShapeTupleIsTheClosedForm) {
  // Canonical (N, C, H, W) and (O, I, kh, kw): floor((in + pads - k) / stride) + 1 per spatial axis.
  EXPECT_EQ(lax::conv_shape_tuple({2, 3, 10, 7}, {4, 3, 3, 2}, {2, 1}, "VALID"), (Shape{2, 4, 4, 6}));
  EXPECT_EQ(lax::conv_shape_tuple({2, 3, 10, 7}, {4, 3, 3, 2}, {2, 1}, "SAME"), (Shape{2, 4, 5, 7}));  // ceil(in / s)
  EXPECT_EQ(lax::conv_shape_tuple({2, 3, 10, 7}, {4, 3, 3, 2}, {2, 1}, {{1, 1}, {0, 2}}), (Shape{2, 4, 5, 8}));
  EXPECT_EQ(lax::conv_shape_tuple({2, 3, 10, 7}, {4, 3, 3, 2}, {2, 1}, {{-2, 0}, {0, 0}}), (Shape{2, 4, 3, 6}));
  EXPECT_EQ(lax::conv_shape_tuple({4, 3, 10, 7}, {4, 3, 3, 2}, {1, 1}, "VALID", {.batch_group_count = 2}),
            (Shape{2, 4, 8, 6}));
  EXPECT_EQ(lax::conv_shape_tuple({1, 1, 2}, {1, 1, 5}, {1}, "VALID"), (Shape{1, 1, 0}));  // no window fits

  expect_error<jx::ShapeError>(
      [] {
        lax::conv_shape_tuple({2, 3, 10, 7}, {4, 3, 3, 2}, {1, 1}, {{0, 0}});
      },
      {"conv_shape_tuple"});
  expect_error<jx::ValueError>(
      [] {
        lax::conv_shape_tuple({2, 3, 10, 7}, {4, 3, 3, 2}, {1, 1}, {{-11, 0}, {0, 0}});
      },
      {"conv_shape_tuple", "negative padding"});
  expect_error<jx::ValueError>(
      [] {
        lax::conv_shape_tuple({3, 3, 10, 7}, {4, 3, 3, 2}, {1, 1}, "VALID", {.batch_group_count = 2});
      },
      {"batch_group_count"});
  expect_error<jx::ValueError>([] { lax::conv_shape_tuple({2, 3, 10, 7}, {4, 3, 3, 2}, {0, 1}, "VALID"); }, {});
}

TEST(LaxConvolutionHelpers, ConvGeneralShapeTupleFollowsTheLayouts) {
  EXPECT_EQ(lax::conv_general_shape_tuple({8, 32, 32, 3}, {3, 3, 3, 16}, {1, 1}, "SAME", kNhwc),
            (Shape{8, 32, 32, 16}));
  EXPECT_EQ(lax::conv_general_shape_tuple({8, 32, 32, 3}, {3, 3, 3, 16}, {2, 1}, "VALID", {"NHWC", "HWIO", "NCHW"}),
            (Shape{8, 16, 15, 30}));
  // Strides follow rhs's spatial order: "WHIO" makes the first stride W's. H: (9 - 3) / 2 + 1 = 4,
  // W: (7 - 2) / 1 + 1 = 6 (kernel W = 2, H = 3).
  const lax::ConvDimensionNumbers swapped{"NHWC", "WHIO", "NCHW"};
  const Shape expected{2, 5, 4, 6};
  EXPECT_EQ(lax::conv_general_shape_tuple({2, 9, 7, 3}, {2, 3, 3, 5}, {1, 2}, "VALID", swapped), expected);
  const Array out = lax::conv_general_dilated(jnp::ones({2, 9, 7, 3}), jnp::ones({2, 3, 3, 5}), {1, 2}, "VALID",
                                              {.dimension_numbers = swapped});
  EXPECT_EQ(out.shape(), expected);
  // Without dimension numbers: NCHW, as conv_general_dilated.
  EXPECT_EQ(lax::conv_general_shape_tuple({1, 2, 5, 5}, {3, 2, 2, 2}, {1, 1}, "VALID", {}), (Shape{1, 3, 4, 4}));
  expect_error<jx::ValueError>(
      [] {
        lax::conv_general_shape_tuple({1, 2, 5, 5}, {3, 2, 2, 2}, {1, 1}, "VALID",
                                      lax::ConvDimensionNumbers::from_specs({0, 1, 2, 2}, {0, 1, 2, 3}, {0, 1, 2, 3}));
      },
      {"permutation"});
}

TEST(LaxConvolutionHelpers, ConvTransposeShapeTupleMatchesJaxsClosedForms) {
  // lhs NHWC (1, 5, 6, 3), kernel HWIO with kh = 3, kw = 4, strides (2, 3).
  // "SAME": in * stride. "VALID": in * stride + max(k - stride, 0). Pairs: (in - 1) * s - k + 2 + low + high.
  const Shape lhs{1, 5, 6, 3}, rhs{3, 4, 3, 8};
  EXPECT_EQ(lax::conv_transpose_shape_tuple(lhs, rhs, {2, 3}, "SAME", kNhwc), (Shape{1, 10, 18, 8}));
  EXPECT_EQ(lax::conv_transpose_shape_tuple(lhs, rhs, {2, 3}, "VALID", kNhwc), (Shape{1, 11, 19, 8}));
  EXPECT_EQ(lax::conv_transpose_shape_tuple(lhs, rhs, {2, 3}, {{1, 2}, {0, 0}}, kNhwc), (Shape{1, 10, 13, 8}));
  // And they are the shapes conv_transpose produces.
  const Array x = jnp::ones(lhs), w = jnp::ones(rhs);
  EXPECT_EQ(lax::conv_transpose(x, w, {2, 3}, "SAME").shape(), (Shape{1, 10, 18, 8}));
  EXPECT_EQ(lax::conv_transpose(x, w, {2, 3}, "VALID").shape(), (Shape{1, 11, 19, 8}));
  EXPECT_EQ(lax::conv_transpose(x, w, {2, 3}, {{1, 2}, {0, 0}}).shape(), (Shape{1, 10, 13, 8}));
  expect_error<jx::ValueError>(
      [&] {
        lax::conv_transpose_shape_tuple(lhs, rhs, {2, 3}, "SAME_LOWER", kNhwc);
      },
      {"SAME_LOWER"});
}

TEST(LaxConvolutionHelpers, ReduceWindowShapeTuple) {
  // floor((dilated in + low + high - dilated window) / stride) + 1.
  EXPECT_EQ(lax::reduce_window_shape_tuple({4, 10}, {2, 3}, {2, 2}, {{0, 0}, {1, 1}}), (Shape{2, 5}));
  EXPECT_EQ(lax::reduce_window_shape_tuple({4, 10}, {2, 3}, {2, 2}, {{0, 0}, {1, 1}}, {.base_dilation = {1, 2}}),
            (Shape{2, 10}));  // W: 19 + 2 = 21 -> (21 - 3) / 2 + 1
  // A shorter dilation applies to the trailing axes (lax._dilate_shape): window W 3 -> 5.
  EXPECT_EQ(lax::reduce_window_shape_tuple({4, 10}, {2, 3}, {2, 2}, {{0, 0}, {1, 1}}, {.window_dilation = {2}}),
            (Shape{2, 4}));
  EXPECT_EQ(lax::reduce_window_shape_tuple({4, 10}, {2, 3}, {2, 2}, "SAME"), (Shape{2, 5}));
  EXPECT_EQ(lax::reduce_window_shape_tuple({4, 10}, {5, 3}, {1, 1}, "VALID"), (Shape{0, 8}));
  // The shapes reduce_window produces.
  const Array x = jnp::ones({4, 10});
  for (const lax::Padding& padding :
       std::vector<lax::Padding>{lax::Padding("SAME"), lax::Padding("VALID"), lax::Padding({{0, 1}, {2, 1}})}) {
    const lax::ReduceWindowOptions options{.base_dilation = {2, 1}, .window_dilation = {1, 2}};
    EXPECT_EQ(lax::reduce_window_shape_tuple({4, 10}, {2, 3}, {1, 2}, padding, options),
              lax::reduce_window_sum(x, {2, 3}, {1, 2}, padding, options).shape());
  }
  expect_error<jx::ShapeError>(
      [] {
        lax::reduce_window_shape_tuple({4, 10}, {2}, {1, 1}, "VALID");
      },
      {"reduce_window_shape_tuple"});
  expect_error<jx::ValueError>([] { lax::reduce_window_shape_tuple({4, 10}, {2, 2}, {1, 0}, "VALID"); }, {});
  expect_error<jx::ValueError>(
      [] {
        lax::reduce_window_shape_tuple({4, 10}, {2, 2}, {1, 1}, "VALID", {.window_dilation = {0, 1}});
      },
      {});
}

TEST(LaxConvolutionHelpers, ConvGeneralPermutations) {
  const auto [lhs, rhs, out] = lax::conv_general_permutations({"NHWC", "HWIO", "NHWC"});
  EXPECT_EQ(lhs, (std::vector<int>{0, 3, 1, 2}));
  EXPECT_EQ(rhs, (std::vector<int>{3, 2, 0, 1}));
  EXPECT_EQ(out, (std::vector<int>{0, 3, 1, 2}));
  const auto identity = lax::conv_general_permutations({"NCHW", "OIHW", "NCHW"});
  EXPECT_EQ(identity[0], (std::vector<int>{0, 1, 2, 3}));
  // Spatial axes in rhs's order (H then W) wherever they sit.
  const auto mixed = lax::conv_general_permutations({"NWHC", "HWIO", "CHWN"});
  EXPECT_EQ(mixed[0], (std::vector<int>{0, 3, 2, 1}));
  EXPECT_EQ(mixed[2], (std::vector<int>{3, 0, 1, 2}));
  const auto specs = lax::conv_dimension_numbers({1, 1, 1, 1}, {1, 1, 1, 1}, {"NWHC", "HWIO", "CHWN"});
  EXPECT_EQ(mixed[1], specs.rhs_spec);
  EXPECT_EQ(mixed[2], specs.out_spec);

  expect_error<jx::ValueError>(
      [] {
        lax::conv_general_permutations({"NHWC", "HWIO", "NHW"});
      },
      {"conv_general_permutations", "'C'"});
  expect_error<jx::ValueError>([] { lax::conv_general_permutations({"NHHC", "HWIO", "NHWC"}); }, {"repeats"});
  expect_error<jx::ValueError>([] { lax::conv_general_permutations({"NHWC", "HDIO", "NHWC"}); }, {"spatial"});
  expect_error<jx::ValueError>(
      [] {
        lax::conv_general_permutations(lax::ConvDimensionNumbers::from_specs({0, 1, 2}, {0, 1, 2}, {0, 1, 2}));
      },
      {"layout strings"});
}

// --- conv_with_general_padding ------------------------------------------------------------------------

TEST(LaxConvolutionHelpers, ConvWithGeneralPaddingMatchesNumPy) {
  // NumPy: x = pattern((1,2,4,5), 7, 11, 5), w = pattern((3,2,2,2), 5, 7, 3); the lhs dilated by (2, 1)
  // (zeros between rows), padded ((1, 0), (0, 1)), correlated with w dilated by (1, 2) at strides (1, 2).
  const Array x = pattern({1, 2, 4, 5}, 7, 11, 5), w = pattern({3, 2, 2, 2}, 5, 7, 3);
  const Array out = lax::conv_with_general_padding(x, w, {1, 2}, {{1, 0}, {0, 1}}, {2, 1}, {1, 2});
  expect_values(out, {16, 9,  15, -9, 4, -3, 21,  -3,  3,   -15, -6, 3, -9, -5, -15, 18, -2, -7, -15, 18, 2,
                      -3, 18, 18, -5, 1, 18, -15, -11, -15, 16,  9,  1, -3, 4,  -3,  -9, 9,  3,  -15, 3,  10},
                {1, 3, 7, 2});
  // No dilation at all is conv.
  expect_same(lax::conv_with_general_padding(x, w, {1, 1}, "SAME", {}, {}), lax::conv(x, w, {1, 1}, "SAME"));
}

// --- conv_transpose -------------------------------------------------------------------------------------

TEST(LaxConvolutionHelpers, ConvTransposeValidMatchesAScatter) {
  // NumPy: x = pattern((1,3,2,2), 3, 7, 3), w = pattern((2,3,2,3), 5, 9, 4) (HWIO); with the kernel
  // unflipped, out[j*s + k-1-a, l*s + k-1-b] += x[j, l] @ w[a, b] at strides (2, 1).
  const Array x = pattern({1, 3, 2, 2}, 3, 7, 3), w = pattern({2, 3, 2, 3}, 5, 9, 4);
  const Array out = lax::conv_transpose(x, w, {2, 1}, "VALID");
  expect_values(
      out, {-6, 6,   -9, 10,  -22, 9,   13, 8,  12, -14, 5,  -12, -6, 6,   -9, 10,  -22, 9,   13, 8,  12, -14, 5,  -12,
            6,  -12, 6,  11,  -8,  9,   -1, 7,  -3, -10, 7,  -12, 6,  -12, 6,  11,  -8,  9,   -1, 7,  -3, -10, 7,  -12,
            -3, 12,  0,  -16, 13,  -12, -1, -8, 3,  8,   -5, 9,   -3, 12,  0,  -16, 13,  -12, -1, -8, 3,  8,   -5, 9},
      {1, 6, 4, 3});
  // The same in NCHW / OIHW layout.
  const Array nchw = lax::conv_transpose(lax::transpose(x, {0, 3, 1, 2}), lax::transpose(w, {3, 2, 0, 1}), {2, 1},
                                         "VALID", {.dimension_numbers = {"NCHW", "OIHW", "NCHW"}});
  expect_same(lax::transpose(nchw, {0, 2, 3, 1}), out);
}

TEST(LaxConvolutionHelpers, ConvTransposeWithTransposeKernelIsTheForwardGradient) {
  // NumPy: x = pattern((1,3,3,2), 5, 11, 5), w = pattern((3,4,3,2), 7, 13, 6) (HWIO, I = 3, O = 2);
  // y[j*2 + a, l*2 + b] += w[a, b] @ x[j, l], then cropped at max(k - s, 0) // 2 = (0, 1) to 6 x 6.
  const Array x = pattern({1, 3, 3, 2}, 5, 11, 5), w = pattern({3, 4, 3, 2}, 7, 13, 6);
  const Array out = lax::conv_transpose(x, w, {2, 2}, "SAME", {.transpose_kernel = true});
  expect_values(
      out, {15,  10,  5,   -31, -32, -33, -34, -35, -36, -20, -14, -8,  -2,  4,  10, 12,  14,  16, 20,  15,  10,  35,
            -31, -32, -33, -34, -35, 13,  -20, -14, -8,  -2,  4,   -16, 12,  14, 4,  -1,  -6,  38, 35,  -33, -36, -39,
            -42, 20,  20,  -19, -19, -19, -19, 12,  10,  34,  -21, -21, -21, -9, 2,  0,   -2,  -4, -6,  -20, 13,  7,
            1,   -5,  -11, -31, 30,  26,  -1,  4,   9,   -27, -21, -2,  4,   10, 16, -23, -25, 12, 10,  8,   6,   -45,
            -48, 14,  15,  20,  25,  24,  -20, -12, -4,  4,   12,  13,  -9,  -5, -1, 3,   7,   20, -18, -17},
      {1, 6, 6, 3});
  // JAX's documented identity: the vjp of the forward "SAME" convolution with the same kernel.
  const auto forward = [&](const Array& z) {
    return lax::conv_general_dilated(z, w, {2, 2}, "SAME", {.dimension_numbers = kNhwc});
  };
  auto [forward_out, pullback] = jx::vjp(forward, jnp::zeros({1, 6, 6, 3}));
  EXPECT_EQ(forward_out.shape(), x.shape());
  auto [gradient] = pullback(x);
  expect_same(out, gradient);
}

TEST(LaxConvolutionHelpers, ConvTransposeConsistentPaddingIsTheForwardGradient) {
  // With use_consistent_padding, pairs are the forward convolution's padding (PyTorch's reading):
  // out = (in - 1) * s - low - high + dilation * (k - 1) + 1 = (7, 7) here, and transpose_kernel makes it
  // the gradient of that forward convolution.
  const Array x = pattern({1, 4, 3, 3}, 3, 11, 5), w = pattern({3, 2, 2, 3}, 5, 7, 3);
  const Array out =
      lax::conv_transpose(x, w, {2, 2}, {{1, 1}, {0, 0}},
                          {.rhs_dilation = {1, 2}, .transpose_kernel = true, .use_consistent_padding = true});
  EXPECT_EQ(out.shape(), (Shape{1, 7, 7, 2}));
  const auto forward = [&](const Array& z) {
    return lax::conv_general_dilated(z, w, {2, 2}, {{1, 1}, {0, 0}},
                                     {.rhs_dilation = {1, 2}, .dimension_numbers = kNhwc});
  };
  auto [forward_out, pullback] = jx::vjp(forward, jnp::zeros({1, 7, 7, 2}));
  EXPECT_EQ(forward_out.shape(), x.shape());
  auto [gradient] = pullback(x);
  expect_same(out, gradient);
}

TEST(LaxConvolutionHelpers, ConvTransposeDefaultsAndErrors) {
  // Rank 3 defaults to ("NHC", "HIO", "NHC"): features last.
  EXPECT_EQ(lax::conv_transpose(jnp::ones({2, 5, 3}), jnp::ones({3, 3, 4}), {2}, "SAME").shape(), (Shape{2, 10, 4}));
  expect_error<jx::ValueError>(
      [] {
        lax::conv_transpose(jnp::ones({1, 1, 1, 1, 1, 1}), jnp::ones({1, 1, 1, 1, 1, 1}), {1, 1, 1, 1}, "SAME");
      },
      {"conv_transpose", "rank 6"});
  expect_error<jx::ShapeError>(
      [] {
        lax::conv_transpose(jnp::ones({1, 4, 4, 2}), jnp::ones({2, 2, 2, 3}), {2}, "SAME");
      },
      {"conv_transpose", "strides"});
  expect_error<jx::ShapeError>(
      [] {
        lax::conv_transpose(jnp::ones({1, 4, 4, 2}), jnp::ones({2, 2, 3}), {2, 2}, "SAME");
      },
      {"conv_transpose"});
  expect_error<jx::ValueError>(
      [] {
        lax::conv_transpose(jnp::ones({1, 4, 4, 2}), jnp::ones({2, 2, 2, 3}), {2, 2}, "SAME_LOWER",
                            {.use_consistent_padding = true});
      },
      {"SAME_LOWER"});
}

// --- conv_general_dilated_patches ---------------------------------------------------------------------

TEST(LaxConvolutionHelpers, PatchesMatchNumPyExtraction) {
  // NumPy: x = pattern((2,2,4,5), 3, 17, 8) padded ((1,0),(1,1)); patch[n, c*6 + a*3 + b, i, j] =
  // xp[n, c, i*1 + a*2, j*2 + b*1] for the 2x3 filter dilated by (2, 1) at strides (1, 2).
  const Array x = pattern({2, 2, 4, 5}, 3, 17, 8);
  const Array patches =
      lax::conv_general_dilated_patches(x, {2, 3}, {1, 2}, {{1, 0}, {1, 1}}, {.rhs_dilation = {2, 1}});
  expect_values(patches,
                {0, 0,  0,  0, -5, 1,  0, -7, -1, 0,  0,  0,  -8, -2, 4,  7,  -4, 2,  0,  0,  0, -5, 1,  0, -7, -1, 0,
                 0, -7, -1, 0, 8,  -3, 0, 6,  -5, 7,  -4, 2,  5,  -6, 0,  3,  -8, -2, -7, -1, 0, 8,  -3, 0, 6,  -5, 0,
                 0, 0,  0,  0, 4,  -7, 0, 2,  8,  0,  0,  0,  1,  7,  -4, -1, 5,  -6, 0,  0,  0, 4,  -7, 0, 2,  8,  0,
                 0, 2,  8,  0, 0,  6,  0, -2, 4,  -1, 5,  -6, -3, 3,  -8, -5, 1,  7,  2,  8,  0, 0,  6,  0, -2, 4,  0,
                 0, 0,  0,  0, -4, 2,  0, -6, 0,  0,  0,  0,  -7, -1, 5,  8,  -3, 3,  0,  0,  0, -4, 2,  0, -6, 0,  0,
                 0, -6, 0,  0, -8, -2, 0, 7,  -4, 8,  -3, 3,  6,  -5, 1,  4,  -7, -1, -6, 0,  0, -8, -2, 0, 7,  -4, 0,
                 0, 0,  0,  0, 5,  -6, 0, 3,  -8, 0,  0,  0,  2,  8,  -3, 0,  6,  -5, 0,  0,  0, 5,  -6, 0, 3,  -8, 0,
                 0, 3,  -8, 0, 1,  7,  0, -1, 5,  0,  6,  -5, -2, 4,  -7, -4, 2,  8,  3,  -8, 0, 1,  7,  0, -1, 5,  0},
                {2, 12, 3, 3});
  // NHWC in, NHWC out: the same patches with the feature axis last.
  const Array nhwc =
      lax::conv_general_dilated_patches(lax::transpose(x, {0, 2, 3, 1}), {2, 3}, {1, 2}, {{1, 0}, {1, 1}},
                                        {.rhs_dilation = {2, 1}, .dimension_numbers = kNhwc});
  expect_same(nhwc, lax::transpose(patches, {0, 2, 3, 1}));
}

TEST(LaxConvolutionHelpers, PatchesWithLhsDilationAndErrors) {
  // [1, 2, 3] dilated by 2 is [1, 0, 2, 0, 3]; its windows of 2 are [1 0] [0 2] [2 0] [0 3].
  const Array x = jnp::reshape(jnp::array({1.0f, 2.0f, 3.0f}), {1, 1, 3});
  const Array patches = lax::conv_general_dilated_patches(x, {2}, {1}, {{0, 0}}, {.lhs_dilation = {2}});
  expect_values(patches, {1, 0, 2, 0, 0, 2, 0, 3}, {1, 2, 4});
  EXPECT_EQ(patches.dtype(), jx::float32);
  expect_error<jx::ShapeError>(
      [&] {
        lax::conv_general_dilated_patches(x, {2, 2}, {1}, "VALID");
      },
      {"conv_general_dilated_patches", "filter_shape"});
  expect_error<jx::ValueError>([&] { lax::conv_general_dilated_patches(x, {0}, {1}, "VALID"); }, {"filter_shape"});
}

// --- conv_general_dilated_local -----------------------------------------------------------------------

TEST(LaxConvolutionHelpers, LocalConvolutionMatchesNumPy) {
  // NumPy: x = pattern((1,2,4,4), 5, 13, 6), r = pattern((3,8,2,3), 3, 7, 3) (O, C*2*2, out H, out W);
  // out[0, o, i, j] = sum over c, a, b of x[0, c, 2i + a, j + b] * r[o, c*4 + a*2 + b, i, j].
  const Array x = pattern({1, 2, 4, 4}, 5, 13, 6), r = pattern({3, 8, 2, 3}, 3, 7, 3);
  const Array out = lax::conv_general_dilated_local(x, r, {2, 1}, "VALID", {2, 2});
  const std::vector<double> want{49, -21, 20, 28, -25, -11, -34, 8, 18, -33, 23, 37, 37, 23, -33, 18, 8, -34};
  expect_values(out, want, {1, 3, 2, 3});
  // NHWC lhs, HWIO kernel (out H, out W, patch, O), output in "NCWH": the same numbers, W before H.
  const Array other =
      lax::conv_general_dilated_local(lax::transpose(x, {0, 2, 3, 1}), lax::transpose(r, {2, 3, 1, 0}), {2, 1}, "VALID",
                                      {2, 2}, {.dimension_numbers = {"NHWC", "HWIO", "NCWH"}});
  expect_same(other, lax::transpose(out, {0, 1, 3, 2}));
}

TEST(LaxConvolutionHelpers, LocalConvolutionWithOneSharedKernelIsAConvolution) {
  const Array x = pattern({2, 3, 6, 5}, 7, 19, 9);
  const Array w = pattern({4, 3, 3, 2}, 5, 11, 5);  // OIHW
  const lax::ConvPatchesOptions options{.rhs_dilation = {1, 2}};
  const Array shared = lax::conv_general_dilated(x, w, {2, 1}, "SAME", {.rhs_dilation = {1, 2}});
  // The kernel as (O, C*3*2) repeated at every output position, in the patches' (c, h, w) order.
  const Array flat = jnp::reshape(w, {4, 18});
  const Shape out_shape = shared.shape();
  const Array unshared = lax::broadcast_in_dim(flat, {4, 18, out_shape[2], out_shape[3]}, {0, 1});
  expect_same(lax::conv_general_dilated_local(x, unshared, {2, 1}, "SAME", {3, 2}, options), shared);
  expect_error<jx::ShapeError>(
      [&] {
        lax::conv_general_dilated_local(x, jnp::ones({4, 17, out_shape[2], out_shape[3]}), {2, 1}, "SAME", {3, 2});
      },
      {"conv_general_dilated_local", "18"});
  expect_error<jx::ShapeError>(
      [&] {
        lax::conv_general_dilated_local(x, flat, {2, 1}, "SAME", {3, 2});
      },
      {"conv_general_dilated_local"});
}

// --- Derivatives, jit, vmap -----------------------------------------------------------------------------

TEST(LaxConvolutionHelpers, FiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array x = pattern({1, 3, 2, 2}, 3, 7, 3, jx::float64) * 0.25;
  const Array w = pattern({2, 3, 2, 3}, 5, 9, 4, jx::float64) * 0.25;
  jx::test::check_grads(
      [](const Array& a, const Array& b) {
        return lax::conv_transpose(a, b, {2, 1}, "SAME", {.rhs_dilation = {1, 2}, .transpose_kernel = true});
      },
      {x, lax::transpose(w, {0, 1, 3, 2})}, 2, jx::test::Modes::both, 1e-6, 1e-6);
  const Array image = pattern({1, 2, 4, 4}, 5, 13, 6, jx::float64) * 0.125;
  jx::test::check_grads(
      [](const Array& a) {
        return lax::conv_general_dilated_patches(a, {2, 2}, {1, 2}, "SAME");
      },
      {image}, 2, jx::test::Modes::both, 1e-6, 1e-6);
  const Array kernel = pattern({3, 8, 2, 3}, 3, 7, 3, jx::float64) * 0.125;
  jx::test::check_grads(
      [](const Array& a, const Array& b) {
        return lax::conv_general_dilated_local(a, b, {2, 1}, "VALID", {2, 2});
      },
      {image, kernel}, 2, jx::test::Modes::both, 1e-6, 1e-6);
  jx::test::check_grads(
      [](const Array& a, const Array& b) {
        return lax::conv_with_general_padding(a, b, {1, 2}, {{1, 0}, {0, 1}}, {2, 1}, {1, 2});
      },
      {image, pattern({3, 2, 2, 2}, 5, 7, 3, jx::float64) * 0.5}, 1, jx::test::Modes::both, 1e-6, 1e-6);
}

TEST(LaxConvolutionHelpers, JitAgreesWithEager) {
  const Array x = pattern({1, 3, 3, 2}, 5, 11, 5), w = pattern({3, 4, 3, 2}, 7, 13, 6);
  const auto transpose_conv = [](const Array& a, const Array& b) {
    return lax::conv_transpose(a, b, {2, 2}, "SAME", {.transpose_kernel = true});
  };
  expect_same(jx::jit(transpose_conv)(x, w), transpose_conv(x, w));
  const Array image = pattern({1, 2, 4, 4}, 5, 13, 6), kernel = pattern({3, 8, 2, 3}, 3, 7, 3);
  const auto local = [](const Array& a, const Array& b) {
    return lax::conv_general_dilated_local(a, b, {2, 1}, "VALID", {2, 2});
  };
  expect_same(jx::jit(local)(image, kernel), local(image, kernel));
  const auto patches = [](const Array& a) { return lax::conv_general_dilated_patches(a, {2, 3}, {1, 1}, "SAME"); };
  expect_same(jx::jit(patches)(image), patches(image));
  // Gradients under jit too.
  const auto loss = [&](const Array& a, const Array& b) { return jnp::sum(jnp::sin(local(a, b))); };
  const auto grads = jx::grad(loss, jx::argnums<0, 1>);
  const auto [eager_a, eager_b] = grads(image, kernel);
  const auto [jit_a, jit_b] = jx::jit(grads)(image, kernel);
  expect_same(jit_a, eager_a);
  expect_same(jit_b, eager_b);
}

TEST(LaxConvolutionHelpers, VmapMatchesALoop) {
  // A batch of 3 lhs (mapped on axis 0) against one kernel, and for the local convolution a batch of
  // kernels too (mapped on their last axis).
  const Array xs = pattern({3, 1, 3, 3, 2}, 5, 11, 5), w = pattern({3, 4, 3, 2}, 7, 13, 6);
  const auto transpose_conv = [&](const Array& a) {
    return lax::conv_transpose(a, w, {2, 2}, "SAME", {.transpose_kernel = true});
  };
  const Array images = pattern({3, 1, 2, 4, 4}, 5, 13, 6), kernels = pattern({3, 8, 2, 3, 3}, 3, 7, 3);
  const auto local = [](const Array& a, const Array& b) {
    return lax::conv_general_dilated_local(a, b, {2, 1}, "VALID", {2, 2});
  };
  const auto patches = [](const Array& a) {
    return lax::conv_general_dilated_patches(a, {2, 2}, {2, 1}, {{1, 0}, {0, 1}});
  };
  std::vector<Array> transposed, locals, extracted;
  for (int b = 0; b < 3; ++b) {
    const Array index = jnp::array(b);
    transposed.push_back(transpose_conv(jnp::take(xs, index, 0)));
    locals.push_back(local(jnp::take(images, index, 0), jnp::take(kernels, index, 4)));
    extracted.push_back(patches(jnp::take(images, index, 0)));
  }
  expect_same(jx::vmap(transpose_conv)(xs), jnp::stack(transposed, 0));
  expect_same(jx::vmap(local, {.in_axes = {0, 4}})(images, kernels), jnp::stack(locals, 0));
  expect_same(jx::vmap(patches)(images), jnp::stack(extracted, 0));
}

}  // namespace
