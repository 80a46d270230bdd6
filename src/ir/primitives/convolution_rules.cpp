// conv_general_dilated's derivative, transposes and batching rule, written with lax ops so that they
// compose with any outer trace (grad of grad, jit of grad, vmap of grad). The rules follow JAX's
// (jax/_src/lax/convolution.py) in their semantics.
#include <algorithm>
#include <array>
#include <numeric>

#include "ir/primitives/convolution.h"
#include "ir/primitives/rules.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace {

// Merges axis `src` into axis `dst` (numbered as if `src` were removed), `src` becoming the major
// part of the merged axis (JAX's _reshape_axis_into).
Array reshape_axis_into(int src, int dst, const Array& x) {
  std::vector<int> permutation;
  for (int d = 0; d < x.ndim(); ++d) {
    if (d != src) permutation.push_back(d);
  }
  permutation.insert(permutation.begin() + dst, src);
  Shape shape;
  for (int d = 0; d < x.ndim(); ++d) {
    if (d != src) shape.push_back(x.shape()[d]);
  }
  shape[dst] *= x.shape()[src];
  return lax::reshape(lax::transpose(x, permutation), shape);
}

// Splits axis `src` into (size, rest) (JAX's _reshape_axis_out_of).
Array reshape_axis_out_of(int src, std::int64_t size, const Array& x) {
  Shape shape;
  for (int d = 0; d < x.ndim(); ++d) {
    if (d == src) {
      shape.push_back(size);
      shape.push_back(x.shape()[d] / size);
    } else {
      shape.push_back(x.shape()[d]);
    }
  }
  return lax::reshape(x, shape);
}

std::vector<int> swap_leading(std::vector<int> spec) {
  std::swap(spec[0], spec[1]);
  return spec;
}

std::vector<int> spatial_axes(const std::vector<int>& spec) { return {spec.begin() + 2, spec.end()}; }

std::vector<std::int64_t> spatial_sizes(const Shape& shape, const std::vector<int>& spec) {
  std::vector<std::int64_t> sizes;
  for (std::size_t j = 2; j < spec.size(); ++j) sizes.push_back(shape[spec[j]]);
  return sizes;
}

Array convolve(const Array& lhs, const Array& rhs, ConvParams p) {
  return jx::bind1(ConvGeneralDilated(std::move(p)), {lhs, rhs});
}

}  // namespace

ArrayList ConvGeneralDilated::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                                  std::span<const Array>) const {
  Array result;
  if (tangents[0].valid()) result = jx::bind1(*this, {tangents[0], primals[1]});
  if (tangents[1].valid()) result = rules::add_tangents(result, jx::bind1(*this, {primals[0], tangents[1]}));
  return {result};
}

ArrayList ConvGeneralDilated::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                        std::span<const ArrayType> types) const {
  const Array& ct = cotangents[0];
  if (!ct.valid()) return {Array(), Array()};
  const ConvParams& p = p_;
  Array ct_lhs, ct_rhs;
  if (!inputs[0].valid()) {
    // The lhs cotangent: ct convolved with the spatially reversed kernel whose feature axes trade
    // places; strides and lhs dilation trade places too. Feature groups move from the kernel's output
    // features into its input features; batch groups become feature groups, folded back into the batch.
    Array rhs = inputs[1];
    std::int64_t feature_groups = p.feature_group_count;
    const std::int64_t batch_groups = p.batch_group_count;
    const std::int64_t groups = std::max(feature_groups, batch_groups);
    if (groups > 1) {
      rhs = reshape_axis_out_of(p.rhs_spec[0], groups, rhs);
      rhs = reshape_axis_into(p.rhs_spec[0], p.rhs_spec[1], rhs);
      feature_groups = groups;
    }
    const auto [low, high] = conv_vjp_lhs_padding(
        spatial_sizes(types[0].shape, p.lhs_spec), spatial_sizes(inputs[1].shape(), p.rhs_spec), p.window_strides,
        spatial_sizes(ct.shape(), p.out_spec), p.padding_low, p.lhs_dilation, p.rhs_dilation);
    ConvParams transposed{
        p.lhs_dilation, low, high, p.window_strides, p.rhs_dilation, p.out_spec, swap_leading(p.rhs_spec), p.lhs_spec,
        feature_groups, 1};
    ct_lhs = convolve(ct, lax::rev(rhs, spatial_axes(p.rhs_spec)), std::move(transposed));
    if (batch_groups > 1) {
      ct_lhs = reshape_axis_out_of(p.lhs_spec[1], batch_groups, ct_lhs);
      ct_lhs = reshape_axis_into(p.lhs_spec[1], p.lhs_spec[0], ct_lhs);
    }
  }
  if (!inputs[1].valid()) {
    if (ct.size() == 0) {
      ct_rhs = rules::zeros(types[1]);
    } else {
      // The kernel cotangent: lhs convolved with ct, batch and feature axes of every operand traded,
      // the strides becoming the kernel's dilation. Feature groups become batch groups and back.
      std::int64_t feature_groups = p.feature_group_count, batch_groups = p.batch_group_count;
      if (batch_groups > 1) {
        feature_groups = batch_groups;
        batch_groups = 1;
      } else if (feature_groups > 1) {
        batch_groups = feature_groups;
        feature_groups = 1;
      }
      const auto [low, high] = conv_vjp_rhs_padding(
          spatial_sizes(inputs[0].shape(), p.lhs_spec), spatial_sizes(types[1].shape, p.rhs_spec), p.window_strides,
          spatial_sizes(ct.shape(), p.out_spec), p.padding_low, p.lhs_dilation, p.rhs_dilation);
      ConvParams transposed{p.rhs_dilation,
                            low,
                            high,
                            p.lhs_dilation,
                            p.window_strides,
                            swap_leading(p.lhs_spec),
                            swap_leading(p.out_spec),
                            swap_leading(p.rhs_spec),
                            feature_groups,
                            batch_groups};
      ct_rhs = convolve(inputs[0], ct, std::move(transposed));
    }
  }
  return {ct_lhs, ct_rhs};
}

BatchResult ConvGeneralDilated::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const ConvParams& p = p_;
  const int lhs_axis = axes[0], rhs_axis = axes[1];
  const std::int64_t size = rules::batch_size(inputs, axes);
  if (size == 0) {
    // Reshapes into batch or feature axes cannot split a zero-size axis back out: build the zeros.
    ArrayType lhs_type = inputs[0].type(), rhs_type = inputs[1].type();
    if (lhs_axis != kNotMapped) lhs_type.shape.erase(lhs_axis);
    if (rhs_axis != kNotMapped) rhs_type.shape.erase(rhs_axis);
    ArrayType out = infer(std::array{lhs_type, rhs_type})[0];
    out.shape.insert(0, 0);
    return {{rules::zeros(out)}, {0}};
  }
  ConvParams q = p;
  if (lhs_axis != kNotMapped && rhs_axis != kNotMapped) {
    // Both mapped: the map becomes more groups, of features (or of the batch, when batch-grouped).
    Array lhs;
    if (p.batch_group_count > 1) {
      lhs = reshape_axis_into(lhs_axis, p.lhs_spec[0], inputs[0]);
      q.batch_group_count *= size;
    } else {
      lhs = reshape_axis_into(lhs_axis, p.lhs_spec[1], inputs[0]);
      q.feature_group_count *= size;
    }
    const Array rhs = reshape_axis_into(rhs_axis, p.rhs_spec[0], inputs[1]);
    const Array out = convolve(lhs, rhs, std::move(q));
    return {{reshape_axis_out_of(p.out_spec[1], size, out)}, {p.out_spec[1]}};
  }
  if (lhs_axis != kNotMapped) {
    // lhs mapped: the map joins the batch (inside each batch group, which stays outermost).
    Array lhs;
    if (p.batch_group_count == 1) {
      lhs = reshape_axis_into(lhs_axis, p.lhs_spec[0], inputs[0]);
    } else {
      const int batch_axis = p.lhs_spec[0] + (lhs_axis <= p.lhs_spec[0] ? 1 : 0);
      lhs = reshape_axis_out_of(batch_axis, p.batch_group_count, inputs[0]);
      lhs = reshape_axis_into(lhs_axis + (p.lhs_spec[0] < lhs_axis ? 1 : 0), p.lhs_spec[0] + 1, lhs);
      lhs = reshape_axis_into(p.lhs_spec[0], p.lhs_spec[0], lhs);
    }
    const Array out = convolve(lhs, inputs[1], std::move(q));
    return {{reshape_axis_out_of(p.out_spec[0], size, out)}, {p.out_spec[0]}};
  }
  // rhs mapped: the map joins the output features (inside each group, which stays outermost).
  if (p.feature_group_count == 1 && p.batch_group_count == 1) {
    const Array rhs = reshape_axis_into(rhs_axis, p.rhs_spec[0], inputs[1]);
    const Array out = convolve(inputs[0], rhs, std::move(q));
    return {{reshape_axis_out_of(p.out_spec[1], size, out)}, {p.out_spec[1]}};
  }
  const std::int64_t groups = std::max(p.feature_group_count, p.batch_group_count);
  Array rhs = reshape_axis_out_of(p.rhs_spec[0] + (rhs_axis <= p.rhs_spec[0] ? 1 : 0), groups, inputs[1]);
  rhs = reshape_axis_into(rhs_axis + (p.rhs_spec[0] < rhs_axis ? 1 : 0), p.rhs_spec[0] + 1, rhs);
  rhs = reshape_axis_into(p.rhs_spec[0], p.rhs_spec[0], rhs);
  Array out = convolve(inputs[0], rhs, std::move(q));
  out = reshape_axis_out_of(p.out_spec[1], groups, out);
  out = reshape_axis_out_of(p.out_spec[1] + 1, size, out);
  out = reshape_axis_into(p.out_spec[1], p.out_spec[1] + 1, out);
  return {{out}, {p.out_spec[1]}};
}

}  // namespace jx::primitives
