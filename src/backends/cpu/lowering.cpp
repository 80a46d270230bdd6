#include "backends/cpu/lowering.h"

#include <array>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "jx/ir/primitive.h"

namespace jx::cpu {

Kernel view_copy_kernel(const Primitive& primitive, const ArrayType& input, const ArrayType& output) {
  // The placeholder's memory is never read: a view only computes strides and an offset.
  alignas(64) static std::byte placeholder_memory[64];
  const Array placeholder = borrowed_array(input, placeholder_memory);
  const Array view = primitive.evaluate(std::array{placeholder})[0];
  const Strides strides = concrete(view).strides();
  const std::int64_t offset = concrete(view).offset();
  return Kernel{[input, output, strides, offset](const KernelCall& call) {
    const Array base = borrowed_array(input, const_cast<std::byte*>(call.inputs[0]));
    const Array gathered = make_view(concrete(base), output, strides, offset);
    copy_to(concrete(gathered), call.outputs[0]);
  }};
}

}  // namespace jx::cpu
