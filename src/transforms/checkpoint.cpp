// jx::checkpoint: trace the function into a closed program and call it through the checkpoint
// primitive, whose differentiation rules do the recomputing (src/ir/primitives/checkpoint.h).
#include "jx/transforms/checkpoint.h"

#include "ir/primitives/checkpoint.h"
#include "jx/core/error.h"
#include "trace/trace.h"
#include "transforms/autodiff_core.h"
#include "transforms/program_transforms.h"

namespace jx::detail {

ArrayList checkpoint_flat(const FlatFunction& f, std::span<const Array> leaves, std::source_location where) {
  CallSite site(where);
  std::vector<ArrayType> types;
  for (const Array& leaf : leaves) types.push_back(leaf.type());
  const ClosedBody body = trace_closure(f, types, "checkpointed function at " + format_location(where));
  ArrayList inputs = body.consts;
  inputs.insert(inputs.end(), leaves.begin(), leaves.end());
  return jx::bind(primitives::Checkpoint(body.program), inputs);
}

std::vector<ArrayType> saved_residuals_flat(const FlatFunction& f, std::span<const Array> leaves) {
  std::vector<bool> wrt;
  for (const Array& leaf : leaves) wrt.push_back(is_floating(leaf.dtype()));
  const auto linearized = linearize(leaves, wrt, f, "saved_residuals");
  std::vector<ArrayType> types;
  for (const Array& residual : linearized->linear.consts) types.push_back(residual.type());
  return types;
}

}  // namespace jx::detail
