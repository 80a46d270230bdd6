// jx::checkpoint: trace the function into a closed program and call it through the checkpoint
// primitive, whose differentiation rules do the recomputing (src/ir/primitives/checkpoint.h).
#include "jx/transforms/checkpoint.h"

#include "ir/primitives/checkpoint.h"
#include "jx/core/error.h"
#include "trace/trace.h"
#include "transforms/autodiff_core.h"
#include "transforms/program_transforms.h"

namespace jx {

Array checkpoint_name(const Array& x, const std::string& name) { return bind1(primitives::CheckpointName(name), {x}); }

std::string checkpoint_name_of(const Primitive& primitive) {
  const auto* named = dynamic_cast<const primitives::CheckpointName*>(&primitive);
  return named ? named->checkpoint_name() : std::string();
}

}  // namespace jx

namespace jx::detail {

ArrayList checkpoint_flat(const FlatFunction& f, std::span<const Array> leaves, std::source_location where,
                          const CheckpointPolicy& policy) {
  CallSite site(where);
  std::vector<ArrayType> types;
  for (const Array& leaf : leaves) types.push_back(leaf.type());
  const ClosedBody body = trace_closure(f, types, "checkpointed function at " + format_location(where));
  ArrayList inputs = body.consts;
  inputs.insert(inputs.end(), leaves.begin(), leaves.end());
  // nothing_saveable is the checkpoint's own behaviour: no policy to consult.
  auto shared_policy = policy.name == "nothing_saveable" ? nullptr : std::make_shared<const CheckpointPolicy>(policy);
  if (shared_policy && !shared_policy->saveable) throw ValueError("checkpoint", "the policy has no saveable function");
  return jx::bind(primitives::Checkpoint(body.program, std::move(shared_policy)), inputs);
}

std::vector<ArrayType> saved_residuals_flat(const FlatFunction& f, std::span<const Array> leaves) {
  std::vector<bool> wrt;
  for (const Array& leaf : leaves) wrt.push_back(is_inexact(leaf.dtype()));
  const auto linearized = linearize(leaves, wrt, f, "saved_residuals");
  std::vector<ArrayType> types;
  for (const Array& residual : linearized->linear.consts) types.push_back(residual.type());
  return types;
}

}  // namespace jx::detail
