#include "backends/cpu/bias_epilogue.h"

#include <array>
#include <vector>

#include "backends/cpu/convolution.h"
#include "backends/cpu/onednn.h"
#include "backends/cpu/thread_pool.h"
#include "core/array_impl.h"
#include "ir/passes.h"
#include "ir/primitives/elementwise.h"
#include "ir/primitives/linalg.h"
#include "ir/primitives/structural.h"
#include "jx/lax.h"

namespace jx::cpu {

TypeList DotGeneralBias::infer(std::span<const ArrayType> inputs) const {
  return primitives::DotGeneral(dims_).infer(inputs.first(2));
}

ArrayList DotGeneralBias::evaluate(std::span<const Array> inputs) const {
  const ArrayType out_type = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  auto out = allocate_array(out_type);
  const Array bias = contiguous(inputs[2]);
  dot_general_bias_into(inputs[0], inputs[1], dims_, reinterpret_cast<const float*>(concrete(bias).data()), out_type,
                        out->data());
  return {wrap(std::move(out))};
}

Kernel DotGeneralBias::lower(const LoweringContext& context) const {
  return Kernel{[dims = dims_, lhs = context.inputs[0], rhs = context.inputs[1],
                 out = context.outputs[0]](const KernelCall& call) {
    dot_general_bias_into(borrowed_array(lhs, const_cast<std::byte*>(call.inputs[0])),
                          borrowed_array(rhs, const_cast<std::byte*>(call.inputs[1])), dims,
                          reinterpret_cast<const float*>(call.inputs[2]), out, call.outputs[0]);
  }};
}

namespace {

// out[..., f, ...] += bias[f] along the output feature axis, for a convolution oneDNN did not take.
void add_bias(const ConvGeometry& g, const float* bias, float* out) {
  std::int64_t count = g.batch * g.out_features;
  for (int d = 0; d < g.spatial_dims; ++d) count *= g.out_spatial[static_cast<std::size_t>(d)];
  const std::int64_t feature_stride = g.out_strides[1];
  parallel_for(count, 1 << 15, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) out[i] += bias[(i / feature_stride) % g.out_features];
  });
}

}  // namespace

TypeList ConvolutionBias::infer(std::span<const ArrayType> inputs) const { return convolution_.infer(inputs.first(2)); }

ArrayList ConvolutionBias::evaluate(std::span<const Array> inputs) const {
  const Array product = convolution_.evaluate(inputs.first(2))[0];
  return {product + lax::broadcast_in_dim(inputs[2], product.shape(), {convolution_.parameters().out_spec[1]})};
}

Kernel ConvolutionBias::lower(const LoweringContext& context) const {
  const ConvGeometry g = primitives::dense_conv_geometry(convolution_.parameters(), context.inputs[0].shape,
                                                         context.inputs[1].shape, context.outputs[0].shape);
  return Kernel{[g](const KernelCall& call) {
    if (onednn::convolution(DType::float32, g, call.inputs[0], call.inputs[1], call.outputs[0], call.inputs[2])) return;
    conv_general_dilated(DType::float32, g, call.inputs[0], call.inputs[1], call.outputs[0]);
    add_bias(g, reinterpret_cast<const float*>(call.inputs[2]), reinterpret_cast<float*>(call.outputs[0]));
  }};
}

namespace {

// The rewritten equation when `product` (an operand of the add) is a product this pass takes, with
// the bias broadcast along its feature axis in `broadcast_bias`; nullptr otherwise.
std::shared_ptr<const Primitive> with_bias(const Equation& product, const Equation& broadcast, const Program& program) {
  const ArrayType& type = program.types[static_cast<std::size_t>(product.outputs[0])];
  int feature_axis = -1;
  std::shared_ptr<const Primitive> fused;
  if (const auto* dot = dynamic_cast<const primitives::DotGeneral*>(product.primitive.get())) {
    if (!dot->dimensions().lhs_batch.empty() || type.ndim() != 2) return nullptr;
    feature_axis = 1;
    fused = std::make_shared<DotGeneralBias>(dot->dimensions());
  } else if (const auto* conv = dynamic_cast<const primitives::ConvGeneralDilated*>(product.primitive.get())) {
    if (conv->parameters().batch_group_count != 1) return nullptr;  // add_bias assumes the lhs batch is the output's
    feature_axis = conv->parameters().out_spec[1];
    fused = std::make_shared<ConvolutionBias>(conv->parameters());
  } else {
    return nullptr;
  }
  const auto* broadcast_in_dim = dynamic_cast<const primitives::BroadcastInDim*>(broadcast.primitive.get());
  if (broadcast_in_dim == nullptr || broadcast.inputs[0].is_literal() || type.dtype != DType::float32 ||
      broadcast_in_dim->broadcast_dimensions() != std::vector<int>{feature_axis} ||
      program.type_of(broadcast.inputs[0]).dtype != DType::float32 ||
      program.type_of(broadcast.inputs[0]).shape != Shape{type.shape[feature_axis]} ||
      program.types[static_cast<std::size_t>(broadcast.outputs[0])].shape != type.shape)
    return nullptr;
  return fused;
}

}  // namespace

Program fuse_bias_epilogues(const Program& program) {
  Program out = program;
  std::vector<int> producer(out.types.size(), -1), readers(out.types.size(), 0);
  for (std::size_t i = 0; i < out.equations.size(); ++i) {
    for (const Atom& a : out.equations[i].inputs) {
      if (!a.is_literal()) ++readers[static_cast<std::size_t>(a.var)];
    }
    for (int v : out.equations[i].outputs) producer[static_cast<std::size_t>(v)] = static_cast<int>(i);
  }
  for (const Atom& a : out.outputs) {
    if (!a.is_literal()) ++readers[static_cast<std::size_t>(a.var)];
  }
  const auto defined_by = [&](const Atom& a) -> const Equation* {
    if (a.is_literal() || producer[static_cast<std::size_t>(a.var)] < 0) return nullptr;
    return &out.equations[static_cast<std::size_t>(producer[static_cast<std::size_t>(a.var)])];
  };
  std::vector<bool> removed(out.equations.size(), false);
  bool changed = false;
  for (Equation& add : out.equations) {
    const auto* binary = dynamic_cast<const primitives::Binary*>(add.primitive.get());
    if (binary == nullptr || binary->op() != BinaryOp::add || add.inputs.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const Atom& product = add.inputs[static_cast<std::size_t>(side)];
      const Equation* product_equation = defined_by(product);
      const Equation* broadcast = defined_by(add.inputs[static_cast<std::size_t>(1 - side)]);
      if (product_equation == nullptr || broadcast == nullptr || readers[static_cast<std::size_t>(product.var)] != 1 ||
          out.type_of(product) != out.types[static_cast<std::size_t>(add.outputs[0])])
        continue;
      std::shared_ptr<const Primitive> fused = with_bias(*product_equation, *broadcast, out);
      if (!fused) continue;
      removed[static_cast<std::size_t>(producer[static_cast<std::size_t>(product.var)])] = true;
      add = Equation{std::move(fused),
                     {product_equation->inputs[0], product_equation->inputs[1], broadcast->inputs[0]},
                     add.outputs,
                     add.where};
      changed = true;
      break;
    }
  }
  if (!changed) return out;
  std::vector<Equation> kept;
  kept.reserve(out.equations.size());
  for (std::size_t i = 0; i < out.equations.size(); ++i) {
    if (!removed[i]) kept.push_back(std::move(out.equations[i]));
  }
  out.equations = std::move(kept);
  passes::eliminate_dead_code(out);  // broadcasts of the bias nothing else reads
  return out;
}

}  // namespace jx::cpu
