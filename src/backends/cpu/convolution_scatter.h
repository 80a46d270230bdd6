// src/backends/cpu/convolution_scatter.h — convolution from the input side (col2im), for the shapes
// where it moves fewer elements than packing patches (im2col) does.
//
// Every input element meets every kernel tap once, so a convolution is also
//   Y[p, (t, o)] = sum_c x[p, c] w[t][c, o]     one product over the input positions p, and
//   out[q(p, t), o] += Y[p, (t, o)]             a scatter, where q(p, t) is the output position tap t
//                                               carries input position p to (if any).
// The product reads x in place (no patches), so the elements moved are the products' outputs,
// input positions x taps x output features, against output positions x taps x input features for
// patches (packed twice: by jx, then by BLAS). The scatter wins when a convolution has more input
// than output features — the gradient with respect to the input of a layer that widens, such as the
// 32 -> 64 feature layer of issue 9's benchmark (its input gradient maps 64 features to 32).
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/convolution.h"
#include "jx/core/dtype.h"

namespace jx::cpu::conv {

// Whether the scatter applies (no batch groups; each image's positions evenly strided in lhs, with
// positions or features contiguous; enough images to keep every thread busy) and moves fewer
// elements than patches would.
bool scatter_is_cheaper(const ConvGeometry& g);

// out = conv(lhs, rhs) by the scatter, for the dtypes conv_general_dilated's kernel accepts.
void convolve_by_scatter(DType dtype, const ConvGeometry& g, const std::byte* lhs, const std::byte* rhs,
                         std::byte* out);

}  // namespace jx::cpu::conv
