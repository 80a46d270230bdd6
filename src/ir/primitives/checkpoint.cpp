#include "ir/primitives/checkpoint.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/passes.h"
#include "ir/primitives/program_rules.h"
#include "jx/core/error.h"
#include "trace/trace.h"
#include "transforms/program_transforms.h"

namespace jx::primitives {

TypeList Checkpoint::infer(std::span<const ArrayType> inputs) const {
  const std::vector<ArrayType> expected = body().input_types();
  if (inputs.size() != expected.size()) {
    throw TypeError("checkpoint",
                    fmt::format("the function takes {} arrays but {} were given", expected.size(), inputs.size()));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].shape != expected[i].shape || inputs[i].dtype != expected[i].dtype) {
      throw TypeError("checkpoint", fmt::format("argument leaf {} has type {} but the function was traced for {}", i,
                                                inputs[i].to_string(), expected[i].to_string()));
    }
  }
  return body().output_types();
}

ArrayList Checkpoint::evaluate(std::span<const Array> inputs) const { return eval_program(body(), inputs); }

std::pair<ArrayList, ArrayList> Checkpoint::jvp_with_primals(std::span<const Array> primals,
                                                             std::span<const Array> tangents) const {
  const ArrayList outputs = jx::bind(*this, primals);
  const std::vector<bool> with_tangent = differentiable(primals, tangents);
  if (std::find(with_tangent.begin(), with_tangent.end(), true) == with_tangent.end()) {
    return {outputs, ArrayList(outputs.size())};
  }
  // The tangent part of the body's jvp, as its own checkpoint: it recomputes what it needs of the
  // primal computation from the primal inputs, which are all it keeps.
  Program tangent_part = detail::jvp_program(body(), with_tangent);
  tangent_part.outputs.erase(tangent_part.outputs.begin(),
                             tangent_part.outputs.begin() + static_cast<std::ptrdiff_t>(outputs.size()));
  passes::eliminate_dead_code(tangent_part);
  const ArrayList float_tangents =
      jx::bind(Checkpoint(share(std::move(tangent_part))),
               join({ArrayList(primals.begin(), primals.end()),
                     instantiated(selected(tangents, with_tangent), selected(primals, with_tangent))}));
  return {outputs, spread_tangents(outputs, float_tangents)};
}

ArrayList Checkpoint::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                std::span<const ArrayType> types) const {
  std::vector<bool> known;
  ArrayList call;
  for (const Array& x : inputs) {
    known.push_back(x.valid());
    if (x.valid()) call.push_back(x);
  }
  // The transposed body evaluates the non-linear part again from the known inputs, then runs the
  // linear part backwards.
  const Program transposed = detail::transpose_program(body(), known);
  const std::vector<ArrayType> output_types = infer(types);
  for (std::size_t k = 0; k < cotangents.size(); ++k) {
    call.push_back(rules::instantiate(cotangents[k], ArrayType{output_types[k].shape, output_types[k].dtype}));
  }
  const ArrayList linear_cotangents = jx::bind(Checkpoint(share(transposed)), call);
  ArrayList result(inputs.size());
  std::size_t next = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!known[i]) result[i] = linear_cotangents[next++];
  }
  return result;
}

BatchResult Checkpoint::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const std::int64_t size = rules::batch_size(inputs, axes);
  ArrayList values;
  std::vector<bool> batched;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    batched.push_back(axes[i] != kNotMapped);
    values.push_back(rules::batch_to_front(inputs[i], axes[i]));
  }
  const ArrayList outputs = jx::bind(Checkpoint(share(detail::batch_program(body(), batched, size))), values);
  return {outputs, std::vector<int>(outputs.size(), 0)};
}

Kernel Checkpoint::lower(const LoweringContext& context) const {
  std::shared_ptr<const CompiledProgram> program = context.compile(body());
  const std::size_t scratch = program->scratch_bytes();
  return Kernel{
      [program = std::move(program)](const KernelCall& call) { program->run(call.inputs, call.outputs, call.scratch); },
      scratch};
}

}  // namespace jx::primitives
