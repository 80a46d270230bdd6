// conv_general_dilated: shape rule, eager kernel and planned kernel. Derivatives and batching are in
// convolution_rules.cpp.
#include "ir/primitives/convolution.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <limits>
#include <span>

#include "backends/cpu/convolution.h"
#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/onednn.h"
#include "core/array_impl.h"
#include "jx/core/error.h"

namespace jx::primitives {
namespace {

void check_spec(const std::vector<int>& spec, int ndim, std::string_view which, const std::string& context) {
  std::vector<bool> seen(static_cast<std::size_t>(std::max(ndim, 0)), false);
  bool ok = static_cast<int>(spec.size()) == ndim;
  for (int axis : spec) {
    if (!ok) break;
    ok = axis >= 0 && axis < ndim && !seen[static_cast<std::size_t>(axis)];
    if (ok) seen[static_cast<std::size_t>(axis)] = true;
  }
  if (!ok) {
    throw ShapeError("conv_general_dilated", fmt::format("{} ({}) must be a permutation of the {} axes ({})", which,
                                                         fmt::join(spec, ", "), ndim, context));
  }
}

// Dense row-major strides of a shape, in elements.
std::vector<std::int64_t> dense_strides_of(const Shape& shape) {
  std::vector<std::int64_t> strides(static_cast<std::size_t>(shape.ndim()));
  std::int64_t stride = 1;
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    strides[static_cast<std::size_t>(d)] = stride;
    stride *= std::max<std::int64_t>(shape[d], 1);
  }
  return strides;
}

// The kernel's description of the convolution, for operands with these shapes and strides.
cpu::ConvGeometry geometry(const ConvParams& p, const Shape& lhs, std::span<const std::int64_t> lhs_strides,
                           const Shape& rhs, std::span<const std::int64_t> rhs_strides, const Shape& out,
                           std::span<const std::int64_t> out_strides) {
  cpu::ConvGeometry g;
  g.spatial_dims = static_cast<int>(p.window_strides.size());
  g.batch = lhs[p.lhs_spec[0]];
  g.lhs_features = lhs[p.lhs_spec[1]];
  g.out_features = rhs[p.rhs_spec[0]];
  g.rhs_in_features = rhs[p.rhs_spec[1]];
  g.feature_group_count = p.feature_group_count;
  g.batch_group_count = p.batch_group_count;
  for (std::size_t j = 0; j < p.lhs_spec.size(); ++j) {
    g.lhs_strides[j] = lhs_strides[static_cast<std::size_t>(p.lhs_spec[j])];
    g.rhs_strides[j] = rhs_strides[static_cast<std::size_t>(p.rhs_spec[j])];
    g.out_strides[j] = out_strides[static_cast<std::size_t>(p.out_spec[j])];
  }
  for (std::size_t d = 0; d < p.window_strides.size(); ++d) {
    g.lhs_spatial[d] = lhs[p.lhs_spec[d + 2]];
    g.rhs_spatial[d] = rhs[p.rhs_spec[d + 2]];
    g.out_spatial[d] = out[p.out_spec[d + 2]];
    g.window_strides[d] = p.window_strides[d];
    g.padding_low[d] = p.padding_low[d];
    g.lhs_dilation[d] = p.lhs_dilation[d];
    g.rhs_dilation[d] = p.rhs_dilation[d];
  }
  return g;
}

}  // namespace

TypeList ConvGeneralDilated::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& lhs = inputs[0];
  const ArrayType& rhs = inputs[1];
  const std::string operands = fmt::format("lhs {}, rhs {}", lhs.to_string(), rhs.to_string());
  auto fail = [&](const std::string& why) {
    throw ShapeError(std::string(name()), fmt::format("{} ({})", why, operands));
  };
  if (lhs.dtype != rhs.dtype) {
    throw DTypeError(std::string(name()), fmt::format("operands must have the same dtype ({})", operands));
  }
  // Complex convolutions are three real ones (lax::conv_general_dilated); the primitive is real.
  if (!is_numeric(lhs.dtype) || is_bool(lhs.dtype) || is_complex(lhs.dtype)) {
    throw DTypeError(std::string(name()), fmt::format("does not accept dtype {}", dtype_name(lhs.dtype)));
  }
  if (lhs.ndim() != rhs.ndim()) fail("lhs and rhs must have the same number of dimensions");
  const int ndim = lhs.ndim();
  if (ndim < 2) fail("operands need a batch (output feature) and a feature axis");
  const int spatial = ndim - 2;
  if (spatial > cpu::kMaxConvSpatialDims)
    fail(fmt::format("at most {} spatial axes are supported", cpu::kMaxConvSpatialDims));
  check_spec(p_.lhs_spec, ndim, "lhs_spec", operands);
  check_spec(p_.rhs_spec, ndim, "rhs_spec", operands);
  check_spec(p_.out_spec, ndim, "out_spec", operands);
  const auto per_axis = [&](const std::vector<std::int64_t>& v, std::string_view what, std::int64_t minimum) {
    if (static_cast<int>(v.size()) != spatial) {
      fail(fmt::format("{} ({}) needs one entry per spatial axis ({})", what, fmt::join(v, ", "), spatial));
    }
    for (std::int64_t x : v) {
      if (x < minimum) fail(fmt::format("{} ({}) must be at least {}", what, fmt::join(v, ", "), minimum));
    }
  };
  per_axis(p_.window_strides, "window_strides", 1);
  per_axis(p_.lhs_dilation, "lhs_dilation", 1);
  per_axis(p_.rhs_dilation, "rhs_dilation", 1);
  per_axis(p_.padding_low, "padding (low)", std::numeric_limits<std::int64_t>::min());
  per_axis(p_.padding_high, "padding (high)", std::numeric_limits<std::int64_t>::min());

  const std::int64_t fg = p_.feature_group_count, bg = p_.batch_group_count;
  if (fg < 1 || bg < 1)
    fail(fmt::format("feature_group_count ({}) and batch_group_count ({}) must be positive", fg, bg));
  if (fg > 1 && bg > 1) fail("at most one of feature_group_count and batch_group_count may exceed 1");
  const std::int64_t lhs_features = lhs.shape[p_.lhs_spec[1]];
  const std::int64_t rhs_in = rhs.shape[p_.rhs_spec[1]], rhs_out = rhs.shape[p_.rhs_spec[0]];
  const std::int64_t batch = lhs.shape[p_.lhs_spec[0]];
  if (lhs_features % fg != 0) {
    fail(fmt::format("feature_group_count {} must divide the lhs feature size {}", fg, lhs_features));
  }
  if (lhs_features / fg != rhs_in) {
    fail(fmt::format(
        "the lhs feature size {} divided by feature_group_count {} must equal the rhs input feature size {}",
        lhs_features, fg, rhs_in));
  }
  if (rhs_out % fg != 0) {
    fail(fmt::format("the rhs output feature size {} must be a multiple of feature_group_count {}", rhs_out, fg));
  }
  if (batch % bg != 0) fail(fmt::format("batch_group_count {} must divide the lhs batch size {}", bg, batch));
  if (rhs_out % bg != 0) {
    fail(fmt::format("the rhs output feature size {} must be a multiple of batch_group_count {}", rhs_out, bg));
  }

  std::vector<std::int64_t> canonical{batch / bg, rhs_out};
  for (int d = 0; d < spatial; ++d) {
    const auto u = static_cast<std::size_t>(d);
    const std::int64_t padded =
        dilate_dim(lhs.shape[p_.lhs_spec[u + 2]], p_.lhs_dilation[u]) + p_.padding_low[u] + p_.padding_high[u];
    if (padded < 0) {
      fail(fmt::format("negative padding ({}, {}) removes more than spatial axis {} holds", p_.padding_low[u],
                       p_.padding_high[u], d));
    }
    const std::int64_t window = dilate_dim(rhs.shape[p_.rhs_spec[u + 2]], p_.rhs_dilation[u]);
    canonical.push_back(padded < window ? 0 : (padded - window) / p_.window_strides[u] + 1);
  }
  Shape shape = lhs.shape;
  for (int j = 0; j < ndim; ++j)
    shape[p_.out_spec[static_cast<std::size_t>(j)]] = canonical[static_cast<std::size_t>(j)];
  return {ArrayType{shape, lhs.dtype, lhs.weak && rhs.weak}};
}

namespace {
// A half-precision convolution computed in float32 and rounded once, as dot_general computes them.
Array in_float32(const ConvGeneralDilated& conv, const Array& lhs, const Array& rhs, const ArrayType& out_type) {
  const auto widen = [](const Array& x) { return cpu::convert(x, ArrayType{x.shape(), DType::float32}); };
  return cpu::convert(conv.evaluate(std::array{widen(lhs), widen(rhs)})[0], out_type);
}
}  // namespace

ArrayList ConvGeneralDilated::evaluate(std::span<const Array> inputs) const {
  const ArrayType out_type = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  const DType dtype = out_type.dtype;
  if (cpu::is_half_dtype(dtype)) {
    // oneDNN's half-precision convolution (bfloat16 where the CPU has it) accumulates in float32 and
    // rounds once; otherwise compute in float32 and round once, as dot_general does.
    if (concrete(inputs[0]).is_contiguous() && concrete(inputs[1]).is_contiguous()) {
      auto out = allocate_array(out_type);
      if (cpu::onednn::convolution(dtype, dense_conv_geometry(p_, inputs[0].shape(), inputs[1].shape(), out_type.shape),
                                   concrete(inputs[0]).data(), concrete(inputs[1]).data(), out->data()))
        return {wrap(std::move(out))};
    }
    return {in_float32(*this, inputs[0], inputs[1], out_type)};
  }
  auto out = allocate_array(out_type);
  const ConcreteArray& lhs = concrete(inputs[0]);
  const ConcreteArray& rhs = concrete(inputs[1]);
  const std::vector<std::int64_t> out_strides = dense_strides_of(out_type.shape);
  const cpu::ConvGeometry g =
      geometry(p_, lhs.type().shape, std::span(lhs.strides().data(), lhs.strides().size()), rhs.type().shape,
               std::span(rhs.strides().data(), rhs.strides().size()), out_type.shape, out_strides);
  cpu::conv_general_dilated(dtype, g, lhs.data(), rhs.data(), out->data());
  return {wrap(std::move(out))};
}

cpu::ConvGeometry dense_conv_geometry(const ConvParams& params, const Shape& lhs, const Shape& rhs, const Shape& out) {
  return geometry(params, lhs, dense_strides_of(lhs), rhs, dense_strides_of(rhs), out, dense_strides_of(out));
}

Kernel ConvGeneralDilated::lower(const LoweringContext& context) const {
  const ArrayType& out = context.outputs[0];
  const cpu::ConvGeometry g = dense_conv_geometry(p_, context.inputs[0].shape, context.inputs[1].shape, out.shape);
  if (cpu::is_half_dtype(out.dtype)) {
    // oneDNN's, or the float32 computation on the planned buffers.
    return Kernel{
        [g, primitive = *this, lhs = context.inputs[0], rhs = context.inputs[1], out](const KernelCall& call) {
          if (cpu::onednn::convolution(lhs.dtype, g, call.inputs[0], call.inputs[1], call.outputs[0])) return;
          const Array result = in_float32(primitive, borrowed_array(lhs, const_cast<std::byte*>(call.inputs[0])),
                                          borrowed_array(rhs, const_cast<std::byte*>(call.inputs[1])), out);
          cpu::copy_to(concrete(result), call.outputs[0]);
        }};
  }
  return Kernel{[g, dtype = out.dtype](const KernelCall& call) {
    cpu::conv_general_dilated(dtype, g, call.inputs[0], call.inputs[1], call.outputs[0]);
  }};
}

std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> conv_vjp_lhs_padding(
    const std::vector<std::int64_t>& in_shape, const std::vector<std::int64_t>& window_dimensions,
    const std::vector<std::int64_t>& window_strides, const std::vector<std::int64_t>& out_shape,
    const std::vector<std::int64_t>& padding_low, const std::vector<std::int64_t>& lhs_dilation,
    const std::vector<std::int64_t>& rhs_dilation) {
  std::vector<std::int64_t> before, after;
  for (std::size_t d = 0; d < in_shape.size(); ++d) {
    const std::int64_t lhs_dilated = dilate_dim(in_shape[d], lhs_dilation[d]);
    const std::int64_t rhs_dilated = dilate_dim(window_dimensions[d], rhs_dilation[d]);
    const std::int64_t out_dilated = dilate_dim(out_shape[d], window_strides[d]);
    before.push_back(rhs_dilated - padding_low[d] - 1);
    after.push_back(lhs_dilated + rhs_dilated - 1 - out_dilated - before.back());
  }
  return {before, after};
}

std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> conv_vjp_rhs_padding(
    const std::vector<std::int64_t>& in_shape, const std::vector<std::int64_t>& window_dimensions,
    const std::vector<std::int64_t>& window_strides, const std::vector<std::int64_t>& out_shape,
    const std::vector<std::int64_t>& padding_low, const std::vector<std::int64_t>& lhs_dilation,
    const std::vector<std::int64_t>& rhs_dilation) {
  std::vector<std::int64_t> high;
  for (std::size_t d = 0; d < in_shape.size(); ++d) {
    const std::int64_t lhs_dilated = dilate_dim(in_shape[d], lhs_dilation[d]);
    const std::int64_t rhs_dilated = dilate_dim(window_dimensions[d], rhs_dilation[d]);
    const std::int64_t out_dilated = dilate_dim(out_shape[d], window_strides[d]);
    high.push_back(out_dilated - lhs_dilated + rhs_dilated - padding_low[d] - 1);
  }
  return {padding_low, high};
}

}  // namespace jx::primitives
