#include "backends/cpu/matmul_epilogue.h"

#include <array>
#include <vector>

#include "core/array_impl.h"
#include "ir/passes.h"
#include "ir/primitives/elementwise.h"
#include "ir/primitives/linalg.h"
#include "ir/primitives/structural.h"

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

Program fuse_matmul_bias(const Program& program) {
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
    const ArrayType& sum = out.types[static_cast<std::size_t>(add.outputs[0])];
    if (sum.dtype != DType::float32 || sum.ndim() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const Atom& product = add.inputs[static_cast<std::size_t>(side)];
      const Atom& broadcast_bias = add.inputs[static_cast<std::size_t>(1 - side)];
      const Equation* dot = defined_by(product);
      const Equation* broadcast = defined_by(broadcast_bias);
      if (dot == nullptr || broadcast == nullptr || readers[static_cast<std::size_t>(product.var)] != 1) continue;
      const auto* dot_general = dynamic_cast<const primitives::DotGeneral*>(dot->primitive.get());
      const auto* broadcast_in_dim = dynamic_cast<const primitives::BroadcastInDim*>(broadcast->primitive.get());
      if (dot_general == nullptr || broadcast_in_dim == nullptr) continue;
      if (!dot_general->dimensions().lhs_batch.empty() || out.type_of(product) != sum) continue;
      const Atom& bias = broadcast->inputs[0];
      if (bias.is_literal() || broadcast_in_dim->broadcast_dimensions() != std::vector<int>{1} ||
          out.type_of(bias).dtype != DType::float32 || out.type_of(broadcast_bias).shape != sum.shape)
        continue;
      removed[static_cast<std::size_t>(producer[static_cast<std::size_t>(product.var)])] = true;
      add = Equation{std::make_shared<DotGeneralBias>(dot_general->dimensions()),
                     {dot->inputs[0], dot->inputs[1], bias},
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
