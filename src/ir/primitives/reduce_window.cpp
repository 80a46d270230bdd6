#include "ir/primitives/reduce_window.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <span>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "ir/primitives/convolution.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace {

using Sizes = cpu::WindowGeometry::Sizes;

// The windows' shape over an operand of this type (the shape rule the three primitives share).
Shape window_shape(std::string_view op, const ArrayType& operand, const WindowParams& p) {
  const int ndim = operand.ndim();
  auto fail = [&](const std::string& why) {
    throw ShapeError(std::string(op), fmt::format("{} (operand {}, window_dimensions ({}), window_strides ({}))", why,
                                                  operand.to_string(), fmt::join(p.window_dimensions, ", "),
                                                  fmt::join(p.window_strides, ", ")));
  };
  if (ndim > cpu::kMaxWindowDims) fail(fmt::format("at most {} axes are supported", cpu::kMaxWindowDims));
  const auto per_axis = [&](const std::vector<std::int64_t>& v, std::string_view what, bool positive) {
    if (static_cast<int>(v.size()) != ndim) {
      fail(fmt::format("{} ({}) needs one entry per operand axis", what, fmt::join(v, ", ")));
    }
    for (std::int64_t x : v) {
      if (positive && x < 1) fail(fmt::format("{} ({}) must be positive", what, fmt::join(v, ", ")));
    }
  };
  per_axis(p.window_dimensions, "window_dimensions", true);
  per_axis(p.window_strides, "window_strides", true);
  per_axis(p.padding_low, "padding (low)", false);
  per_axis(p.padding_high, "padding (high)", false);
  per_axis(p.base_dilation, "base_dilation", true);
  per_axis(p.window_dilation, "window_dilation", true);
  Shape shape;
  for (int d = 0; d < ndim; ++d) {
    const auto u = static_cast<std::size_t>(d);
    const std::int64_t padded = dilate_dim(operand.shape[d], p.base_dilation[u]) + p.padding_low[u] + p.padding_high[u];
    if (padded < 0) {
      fail(fmt::format("negative padding ({}, {}) removes more than axis {} holds", p.padding_low[u], p.padding_high[u],
                       d));
    }
    const std::int64_t window = dilate_dim(p.window_dimensions[u], p.window_dilation[u]);
    shape.push_back(padded < window ? 0 : (padded - window) / p.window_strides[u] + 1);
  }
  return shape;
}

void check_dtype(std::string_view op, const ArrayType& x) {
  if (!is_numeric(x.dtype) || is_bool(x.dtype) || is_complex(x.dtype)) {
    throw DTypeError(std::string(op), fmt::format("does not accept dtype {} ({})", dtype_name(x.dtype), x.to_string()));
  }
}

cpu::WindowGeometry geometry(const WindowParams& p, const Shape& operand, const Shape& windows) {
  cpu::WindowGeometry g;
  g.ndim = operand.ndim();
  for (int d = 0; d < g.ndim; ++d) {
    const auto u = static_cast<std::size_t>(d);
    g.operand_shape[u] = operand[d];
    g.out_shape[u] = windows[d];
    g.window_dimensions[u] = p.window_dimensions[u];
    g.window_strides[u] = p.window_strides[u];
    g.padding_low[u] = p.padding_low[u];
    g.base_dilation[u] = p.base_dilation[u];
    g.window_dilation[u] = p.window_dilation[u];
  }
  return g;
}

Sizes strides_of(const Array& x) {
  Sizes s{};
  const Strides& strides = concrete(x).strides();
  for (std::size_t d = 0; d < strides.size(); ++d) s[d] = strides[d];
  return s;
}

Sizes dense_strides(const Shape& shape) {
  Sizes s{};
  std::int64_t stride = 1;
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    s[static_cast<std::size_t>(d)] = stride;
    stride *= std::max<std::int64_t>(shape[d], 1);
  }
  return s;
}

// Runs `compute` on float32 copies of half-precision inputs and rounds the result back once.
template <class Compute>
ArrayList widening_half(std::span<const Array> inputs, const ArrayType& out_type, Compute compute) {
  if (!cpu::is_half_dtype(out_type.dtype)) return compute(inputs);
  std::vector<Array> wide;
  for (const Array& x : inputs) wide.push_back(cpu::convert(x, ArrayType{x.shape(), DType::float32}));
  return {cpu::convert(compute(wide)[0], out_type)};
}

WindowParams with_unit_axis_at(const WindowParams& p, int axis) {
  WindowParams q = p;
  const auto at = [axis](std::vector<std::int64_t>& v, std::int64_t value) { v.insert(v.begin() + axis, value); };
  at(q.window_dimensions, 1);
  at(q.window_strides, 1);
  at(q.padding_low, 0);
  at(q.padding_high, 0);
  at(q.base_dilation, 1);
  at(q.window_dilation, 1);
  return q;
}

std::string select_name(cpu::WindowReduction select) {
  if (select == cpu::WindowReduction::sum) throw std::logic_error("jx: select_and_*_add selects by max or min");
  return select == cpu::WindowReduction::max ? "ge" : "le";
}

}  // namespace

// --- reduce_window_{sum,max,min} -------------------------------------------------------------------

std::string_view ReduceWindow::name() const {
  switch (op_) {
    case cpu::WindowReduction::sum:
      return "reduce_window_sum";
    case cpu::WindowReduction::max:
      return "reduce_window_max";
    case cpu::WindowReduction::min:
      return "reduce_window_min";
  }
  return "reduce_window";
}

TypeList ReduceWindow::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  check_dtype(name(), x);
  return {ArrayType{window_shape(name(), x, p_), x.dtype, x.weak}};
}

ArrayList ReduceWindow::evaluate(std::span<const Array> inputs) const {
  const ArrayType out_type = infer(std::array{inputs[0].type()})[0];
  return widening_half(inputs, out_type, [&](std::span<const Array> in) -> ArrayList {
    const ArrayType type{out_type.shape, in[0].dtype()};
    auto out = allocate_array(type);
    cpu::reduce_window(op_, type.dtype, geometry(p_, in[0].shape(), type.shape), concrete(in[0]).data(),
                       strides_of(in[0]), out->data());
    return {wrap(std::move(out))};
  });
}

Kernel ReduceWindow::lower(const LoweringContext& context) const {
  const ArrayType& x = context.inputs[0];
  if (cpu::is_half_dtype(x.dtype)) return {};
  return Kernel{[op = op_, g = geometry(p_, x.shape, context.outputs[0].shape), strides = dense_strides(x.shape),
                 dtype = x.dtype](const KernelCall& call) {
    cpu::reduce_window(op, dtype, g, call.inputs[0], strides, call.outputs[0]);
  }};
}

ArrayList ReduceWindow::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                            std::span<const Array>) const {
  if (!tangents[0].valid()) return {Array()};
  if (op_ == cpu::WindowReduction::sum) return {jx::bind1(*this, {tangents[0]})};
  return {jx::bind1(SelectAndGatherAdd(op_, p_), {tangents[0], primals[0]})};
}

ArrayList ReduceWindow::transpose(std::span<const Array> cotangents, std::span<const Array>,
                                  std::span<const ArrayType> types) const {
  if (op_ != cpu::WindowReduction::sum) {
    throw ValueError(std::string(name()), "is not linear; only reduce_window_sum has a transpose");
  }
  const Array& ct = cotangents[0];
  if (!ct.valid()) return {Array()};
  // Spread each window's cotangent back over its elements: place the cotangents at the windows'
  // starts (interior padding of stride - 1), pad so that every operand element's windows are in
  // reach, then sum over windows of the same size with stride base_dilation.
  const int ndim = types[0].ndim();
  const std::vector<std::int64_t> in_shape(types[0].shape.begin(), types[0].shape.end());
  const std::vector<std::int64_t> ct_shape(ct.shape().begin(), ct.shape().end());
  const auto [low, high] = conv_vjp_lhs_padding(in_shape, p_.window_dimensions, p_.window_strides, ct_shape,
                                                p_.padding_low, p_.base_dilation, p_.window_dilation);
  std::vector<lax::PadConfig> config;
  for (int d = 0; d < ndim; ++d) {
    const auto u = static_cast<std::size_t>(d);
    config.push_back({low[u], high[u], p_.window_strides[u] - 1});
  }
  const Array padded = lax::pad(ct, rules::zeros(ArrayType{Shape{}, ct.dtype()}), config);
  WindowParams spread = p_;
  spread.window_strides = p_.base_dilation;
  spread.padding_low.assign(static_cast<std::size_t>(ndim), 0);
  spread.padding_high.assign(static_cast<std::size_t>(ndim), 0);
  spread.base_dilation.assign(static_cast<std::size_t>(ndim), 1);
  return {jx::bind1(ReduceWindow(cpu::WindowReduction::sum, std::move(spread)), {padded})};
}

BatchResult ReduceWindow::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return {{jx::bind1(ReduceWindow(op_, with_unit_axis_at(p_, axes[0])), {inputs[0]})}, {axes[0]}};
}

// --- select_and_gather_add -------------------------------------------------------------------------

SelectAndGatherAdd::SelectAndGatherAdd(cpu::WindowReduction select, WindowParams params)
    : select_(select), select_name_(select_name(select)), p_(std::move(params)) {}

TypeList SelectAndGatherAdd::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& tangents = inputs[0];
  const ArrayType& operand = inputs[1];
  check_dtype(name(), operand);
  if (tangents.shape != operand.shape || tangents.dtype != operand.dtype) {
    throw ShapeError(std::string(name()), fmt::format("tangents {} and operand {} must have the same shape and dtype",
                                                      tangents.to_string(), operand.to_string()));
  }
  return {ArrayType{window_shape(name(), operand, p_), operand.dtype, tangents.weak}};
}

ArrayList SelectAndGatherAdd::evaluate(std::span<const Array> inputs) const {
  const ArrayType out_type = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  return widening_half(inputs, out_type, [&](std::span<const Array> in) -> ArrayList {
    const ArrayType type{out_type.shape, in[0].dtype()};
    auto out = allocate_array(type);
    cpu::select_and_gather_add(select_, type.dtype, geometry(p_, in[1].shape(), type.shape), concrete(in[0]).data(),
                               strides_of(in[0]), concrete(in[1]).data(), strides_of(in[1]), out->data());
    return {wrap(std::move(out))};
  });
}

Kernel SelectAndGatherAdd::lower(const LoweringContext& context) const {
  const ArrayType& operand = context.inputs[1];
  if (cpu::is_half_dtype(operand.dtype)) return {};
  return Kernel{[select = select_, g = geometry(p_, operand.shape, context.outputs[0].shape),
                 strides = dense_strides(operand.shape), dtype = operand.dtype](const KernelCall& call) {
    cpu::select_and_gather_add(select, dtype, g, call.inputs[0], strides, call.inputs[1], strides, call.outputs[0]);
  }};
}

ArrayList SelectAndGatherAdd::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                                  std::span<const Array>) const {
  // Linear in the tangents; the pick does not move under small changes of the operand.
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0], primals[1]})};
}

ArrayList SelectAndGatherAdd::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                        std::span<const ArrayType>) const {
  if (!inputs[1].valid()) throw ValueError(std::string(name()), "is linear in the tangents only, not in the operand");
  if (!cotangents[0].valid()) return {Array(), Array()};
  return {jx::bind1(SelectAndScatterAdd(select_, p_), {cotangents[0], inputs[1]}), Array()};
}

BatchResult SelectAndGatherAdd::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const Array tangents = rules::batched_at_front(inputs[0], axes[0], size);
  const Array operand = rules::batched_at_front(inputs[1], axes[1], size);
  return {{jx::bind1(SelectAndGatherAdd(select_, with_unit_axis_at(p_, 0)), {tangents, operand})}, {0}};
}

// --- select_and_scatter_add ------------------------------------------------------------------------

SelectAndScatterAdd::SelectAndScatterAdd(cpu::WindowReduction select, WindowParams params)
    : select_(select), select_name_(select_name(select)), p_(std::move(params)) {}

TypeList SelectAndScatterAdd::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& source = inputs[0];
  const ArrayType& operand = inputs[1];
  check_dtype(name(), operand);
  const Shape windows = window_shape(name(), operand, p_);
  if (source.shape != windows || source.dtype != operand.dtype) {
    throw ShapeError(std::string(name()),
                     fmt::format("source {} must have the dtype of operand {} and its windows' shape {}",
                                 source.to_string(), operand.to_string(), windows.to_string()));
  }
  return {ArrayType{operand.shape, operand.dtype, source.weak}};
}

ArrayList SelectAndScatterAdd::evaluate(std::span<const Array> inputs) const {
  const ArrayType out_type = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  return widening_half(inputs, out_type, [&](std::span<const Array> in) -> ArrayList {
    const ArrayType type{out_type.shape, in[0].dtype()};
    auto out = allocate_array(type);
    cpu::select_and_scatter_add(select_, type.dtype, geometry(p_, in[1].shape(), in[0].shape()), concrete(in[0]).data(),
                                strides_of(in[0]), concrete(in[1]).data(), strides_of(in[1]), out->data());
    return {wrap(std::move(out))};
  });
}

Kernel SelectAndScatterAdd::lower(const LoweringContext& context) const {
  const ArrayType& source = context.inputs[0];
  const ArrayType& operand = context.inputs[1];
  if (cpu::is_half_dtype(operand.dtype)) return {};
  return Kernel{[select = select_, g = geometry(p_, operand.shape, source.shape),
                 source_strides = dense_strides(source.shape), operand_strides = dense_strides(operand.shape),
                 dtype = operand.dtype](const KernelCall& call) {
    cpu::select_and_scatter_add(select, dtype, g, call.inputs[0], source_strides, call.inputs[1], operand_strides,
                                call.outputs[0]);
  }};
}

ArrayList SelectAndScatterAdd::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                                   std::span<const Array>) const {
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0], primals[1]})};
}

ArrayList SelectAndScatterAdd::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                         std::span<const ArrayType>) const {
  if (!inputs[1].valid()) throw ValueError(std::string(name()), "is linear in the source only, not in the operand");
  if (!cotangents[0].valid()) return {Array(), Array()};
  return {jx::bind1(SelectAndGatherAdd(select_, p_), {cotangents[0], inputs[1]}), Array()};
}

BatchResult SelectAndScatterAdd::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  const Array source = rules::batched_at_front(inputs[0], axes[0], size);
  const Array operand = rules::batched_at_front(inputs[1], axes[1], size);
  return {{jx::bind1(SelectAndScatterAdd(select_, with_unit_axis_at(p_, 0)), {source, operand})}, {0}};
}

}  // namespace jx::primitives
