#include "ir/primitives/fused.h"

#include "backends/cpu/tile_kernel.h"

namespace jx::primitives {

TypeList FusedElementwise::infer(std::span<const ArrayType> /*inputs*/) const { return group().output_types(); }

ArrayList FusedElementwise::evaluate(std::span<const Array> inputs) const { return eval_program(group(), inputs); }

Kernel FusedElementwise::lower(const LoweringContext& /*context*/) const { return cpu::tile_kernel(group()); }

}  // namespace jx::primitives
