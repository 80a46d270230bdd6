// jx/lax/convolution_helpers.h — jax.lax's conveniences around conv_general_dilated and reduce_window:
// the output-shape calculators (conv_shape_tuple, conv_general_shape_tuple, conv_transpose_shape_tuple,
// reduce_window_shape_tuple), layout strings as axis permutations (conv_general_permutations), and the
// convolutions built on the primitive: conv_with_general_padding, conv_transpose (the fractionally
// strided convolution of decoders and upsampling layers), conv_general_dilated_patches (im2col) and
// conv_general_dilated_local (a locally connected layer, one kernel per output position).
//
//   namespace lax = jx::lax;
//   // Upsample NHWC feature maps by 2 with an HWIO kernel, as Keras' Conv2DTranspose does:
//   auto up = lax::conv_transpose(x, w, {2, 2}, "SAME", {.transpose_kernel = true});
//   // Every 3x3 patch of NCHW images, flattened into the channel axis (C * 9 channels):
//   auto patches = lax::conv_general_dilated_patches(x, {3, 3}, {1, 1}, "VALID");
//   // The shape conv_general_dilated would give, without computing it:
//   jx::Shape s = lax::conv_general_shape_tuple({8, 32, 32, 3}, {3, 3, 3, 16}, {1, 1}, "SAME",
//                                               {"NHWC", "HWIO", "NHWC"});  // (8, 32, 32, 16)
//
// The array functions only compose conv_general_dilated, rev, reshape, transpose and dot_general, so
// they run eagerly and under jit, vmap and grad to any order. Shapes, strides, paddings and dimension
// numbers are static, as in JAX. Like jax.lax, the shape calculators ignore dilation unless they take
// it (conv_shape_tuple and friends size the window by the undilated kernel).
#pragma once

#include <array>
#include <cstdint>
#include <source_location>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/keywords_only.h"
#include "jx/lax.h"  // Padding, ConvDimensionNumbers, ReduceWindowOptions (jx/lax.h includes this header last)

namespace jx::lax {

using Loc = std::source_location;

// --- Shapes ---------------------------------------------------------------------------------------

struct ConvShapeOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // The output batch is the lhs batch divided by this (it must divide it).
  std::int64_t batch_group_count = 1;
};
// The output shape of a convolution of operands already in canonical order (N, C, spatial...) and
// (O, I, spatial...): (N / batch_group_count, O, spatial...). A named padding is resolved against
// the undilated kernel, as jax.lax.conv_shape_tuple does; ShapeError for a pad count that does not
// match, ValueError for negative padding larger than an axis.
inline constexpr struct conv_shape_tuple_function {
  Shape operator()(const Shape& lhs_shape, const Shape& rhs_shape, const std::vector<std::int64_t>& strides,
                   const Padding& pads, ConvShapeOptions options = {}, Loc loc = Loc::current()) const;
} conv_shape_tuple{};

// conv_shape_tuple for operands in any layout, the result in out_spec's layout.
inline constexpr struct conv_general_shape_tuple_function {
  Shape operator()(const Shape& lhs_shape, const Shape& rhs_shape, const std::vector<std::int64_t>& window_strides,
                   const Padding& padding, const ConvDimensionNumbers& dimension_numbers,
                   Loc loc = Loc::current()) const;
} conv_general_shape_tuple{};

// The output shape of conv_transpose with these strides and padding, per spatial axis
// (in - 1) * stride - kernel + 2 + pad_low + pad_high, where "SAME" and "VALID" give the pads
// conv_transpose uses and explicit pairs are used as given. The feature axis is rhs's 'O' axis
// (as in JAX: with transpose_kernel the real count is the 'I' axis).
inline constexpr struct conv_transpose_shape_tuple_function {
  Shape operator()(const Shape& lhs_shape, const Shape& rhs_shape, const std::vector<std::int64_t>& window_strides,
                   const Padding& padding, const ConvDimensionNumbers& dimension_numbers,
                   Loc loc = Loc::current()) const;
} conv_transpose_shape_tuple{};

// The output shape of reduce_window: per axis floor((dilated in + pads - dilated window) / stride) + 1,
// at least 0. JAX takes only (low, high) pairs; a named padding is also accepted here and resolved as
// lax::reduce_window resolves it (against the undilated operand and the dilated window).
inline constexpr struct reduce_window_shape_tuple_function {
  Shape operator()(const Shape& operand_shape, const Shape& window_dimensions,
                   const std::vector<std::int64_t>& window_strides, const Padding& padding,
                   const ReduceWindowOptions& options = {}, Loc loc = Loc::current()) const;
} reduce_window_shape_tuple{};

// Layout strings ("NHWC", "HWIO", "NHWC") as the three axis permutations to canonical order, spatial
// axes in rhs's order: the specs conv_dimension_numbers builds, computed without operand shapes.
//   auto [lhs_perm, rhs_perm, out_perm] = lax::conv_general_permutations({"NHWC", "HWIO", "NHWC"});
// dimension_numbers must be given as strings (ValueError otherwise, or for ill-formed ones).
inline constexpr struct conv_general_permutations_function {
  std::array<std::vector<int>, 3> operator()(const ConvDimensionNumbers& dimension_numbers,
                                             Loc loc = Loc::current()) const;
} conv_general_permutations{};

// --- Convolutions ---------------------------------------------------------------------------------

// jax.lax.conv_with_general_padding: conv (NCHW / OIHW / NCHW) with explicit or named padding and
// both dilations; an empty dilation means none (JAX's None).
inline constexpr struct conv_with_general_padding_function {
  Array operator()(const Array& lhs, const Array& rhs, const std::vector<std::int64_t>& window_strides,
                   const Padding& padding, const std::vector<std::int64_t>& lhs_dilation,
                   const std::vector<std::int64_t>& rhs_dilation, Loc loc = Loc::current()) const;
} conv_with_general_padding{};

struct ConvTransposeOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::vector<std::int64_t> rhs_dilation = {};  // empty: ones
  // Empty means TensorFlow's layouts, not conv_general_dilated's NCHW: ("NC", "IO", "NC"),
  // ("NHC", "HIO", "NHC"), ("NHWC", "HWIO", "NHWC") or ("NHWDC", "HWDIO", "NHWDC") by rank.
  ConvDimensionNumbers dimension_numbers = {};
  // Flip the kernel's spatial axes and swap its 'O' and 'I' axes, so that the result is the gradient of
  // the forward convolution with the same kernel (Keras' Conv2DTranspose, PyTorch's ConvTranspose).
  bool transpose_kernel = false;
  // Read explicit pairs as the forward convolution's padding, as "SAME" and "VALID" always are (PyTorch's
  // convention); by default JAX reads pairs as the padding of the dilated input itself.
  bool use_consistent_padding = false;
};
// jax.lax.conv_transpose: a convolution of lhs dilated by `strides` (fractionally strided), with the
// padding that makes "SAME" give in * stride outputs and "VALID" give (in - 1) * stride + kernel, the
// kernel size counted after rhs_dilation.
inline constexpr struct conv_transpose_function {
  Array operator()(const Array& lhs, const Array& rhs, const std::vector<std::int64_t>& strides, const Padding& padding,
                   const ConvTransposeOptions& options = {}, Loc loc = Loc::current()) const;
} conv_transpose{};

struct ConvPatchesOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::vector<std::int64_t> lhs_dilation = {};  // empty: ones
  std::vector<std::int64_t> rhs_dilation = {};  // empty: ones
  ConvDimensionNumbers dimension_numbers = {};  // empty: NCHW / OIHW / NCHW
};
// jax.lax.conv_general_dilated_patches: the receptive field of every output position of
// conv_general_dilated, flattened into the output's feature ('C') axis in the order (input channel,
// filter spatial axes in rhs's order), so that axis has C * prod(filter_shape) entries. filter_shape
// lists the window's spatial sizes in the order rhs's layout places them. Computed exactly as JAX
// does, by a grouped convolution with a one-hot kernel, so padding and dilation mean the same here.
inline constexpr struct conv_general_dilated_patches_function {
  Array operator()(const Array& lhs, const std::vector<std::int64_t>& filter_shape,
                   const std::vector<std::int64_t>& window_strides, const Padding& padding,
                   const ConvPatchesOptions& options = {}, Loc loc = Loc::current()) const;
} conv_general_dilated_patches{};

// jax.lax.conv_general_dilated_local: an unshared convolution, a separate kernel at each output
// position. rhs's spatial axes are the output's spatial sizes, its 'I' axis holds the patch
// (C * prod(filter_shape), ordered as conv_general_dilated_patches orders it) and its 'O' axis the
// output features.
inline constexpr struct conv_general_dilated_local_function {
  Array operator()(const Array& lhs, const Array& rhs, const std::vector<std::int64_t>& window_strides,
                   const Padding& padding, const std::vector<std::int64_t>& filter_shape,
                   const ConvPatchesOptions& options = {}, Loc loc = Loc::current()) const;
} conv_general_dilated_local{};

}  // namespace jx::lax
