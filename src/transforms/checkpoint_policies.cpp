// jax.checkpoint_policies: predicates on the equations of a checkpointed function's forward pass.
#include <algorithm>
#include <utility>

#include "ir/primitives/linalg.h"
#include "jx/transforms/checkpoint.h"

namespace jx::checkpoint_policies {
namespace {

bool is_dot(const Primitive& p) { return dynamic_cast<const primitives::DotGeneral*>(&p) != nullptr; }

bool named_in(const Primitive& p, const std::vector<std::string>& names) {
  const std::string name = checkpoint_name_of(p);
  return !name.empty() && std::find(names.begin(), names.end(), name) != names.end();
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

CheckpointPolicy everything_saveable() {
  return {"everything_saveable", [](const Primitive&, std::span<const ArrayType>) { return true; }};
}

CheckpointPolicy nothing_saveable() {
  return {"nothing_saveable", [](const Primitive&, std::span<const ArrayType>) { return false; }};
}

CheckpointPolicy dots_saveable() {
  return {"dots_saveable", [](const Primitive& p, std::span<const ArrayType>) { return is_dot(p); }};
}

CheckpointPolicy checkpoint_dots() { return dots_saveable(); }

CheckpointPolicy dots_with_no_batch_dims_saveable() {
  return {"dots_with_no_batch_dims_saveable", [](const Primitive& p, std::span<const ArrayType>) {
            const auto* dot = dynamic_cast<const primitives::DotGeneral*>(&p);
            return dot != nullptr && dot->dimensions().lhs_batch.empty();
          }};
}

CheckpointPolicy checkpoint_dots_with_no_batch_dims() { return dots_with_no_batch_dims_saveable(); }

CheckpointPolicy save_only_these_names(std::vector<std::string> names) {
  std::string name = "save_only_these_names(" + joined(names) + ")";
  return {std::move(name),
          [names = std::move(names)](const Primitive& p, std::span<const ArrayType>) { return named_in(p, names); }};
}

CheckpointPolicy save_any_names_but_these(std::vector<std::string> names) {
  std::string name = "save_any_names_but_these(" + joined(names) + ")";
  return {std::move(name), [names = std::move(names)](const Primitive& p, std::span<const ArrayType>) {
            return !checkpoint_name_of(p).empty() && !named_in(p, names);
          }};
}

CheckpointPolicy save_anything_except_these_names(std::vector<std::string> names) {
  std::string name = "save_anything_except_these_names(" + joined(names) + ")";
  return {std::move(name),
          [names = std::move(names)](const Primitive& p, std::span<const ArrayType>) { return !named_in(p, names); }};
}

CheckpointPolicy save_from_both_policies(CheckpointPolicy a, CheckpointPolicy b) {
  std::string name = "save_from_both_policies(" + a.name + "," + b.name + ")";
  return {std::move(name), [a = std::move(a), b = std::move(b)](const Primitive& p, std::span<const ArrayType> types) {
            return a.saveable(p, types) || b.saveable(p, types);
          }};
}

}  // namespace jx::checkpoint_policies
