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
  const std::vector<bool> with_tangent = differentiable(primals, tangents);
  const bool any_tangent = std::find(with_tangent.begin(), with_tangent.end(), true) != with_tangent.end();
  if (policy_ && any_tangent)
    return jvp_saving(primals, tangents, with_tangent);  // its primal call computes the outputs
  const ArrayList outputs = jx::bind(*this, primals);
  if (!any_tangent) return {outputs, ArrayList(outputs.size())};
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

namespace {

// The variables of `forward` the tangent computation must be given rather than recompute: walking
// back from the residuals, each saveable variable reached (and not the inputs, which are given too).
std::vector<int> needed_saved(const Program& forward, std::size_t num_outputs, const std::vector<bool>& saveable) {
  std::vector<int> defined_by(forward.types.size(), -1);
  for (std::size_t i = 0; i < forward.equations.size(); ++i) {
    for (int v : forward.equations[i].outputs) defined_by[static_cast<std::size_t>(v)] = static_cast<int>(i);
  }
  std::vector<bool> visited(forward.types.size(), false);
  std::vector<int> stack, saved;
  for (std::size_t k = num_outputs; k < forward.outputs.size(); ++k) {
    if (!forward.outputs[k].is_literal()) stack.push_back(forward.outputs[k].var);
  }
  while (!stack.empty()) {
    const int v = stack.back();
    stack.pop_back();
    const auto index = static_cast<std::size_t>(v);
    if (visited[index]) continue;
    visited[index] = true;
    const int e = defined_by[index];
    if (e < 0) continue;  // an input or a constant
    if (saveable[index]) {
      saved.push_back(v);
      continue;
    }
    for (const Atom& a : forward.equations[static_cast<std::size_t>(e)].inputs) {
      if (!a.is_literal()) stack.push_back(a.var);
    }
  }
  std::sort(saved.begin(), saved.end());
  return saved;
}

}  // namespace

std::pair<ArrayList, ArrayList> Checkpoint::jvp_saving(std::span<const Array> primals, std::span<const Array> tangents,
                                                       const std::vector<bool>& with_tangent) const {
  // forward: inputs -> (outputs..., residuals...); linear: (residuals..., tangents...) -> float tangents.
  const detail::SplitProgram split = detail::linearize_program(body(), with_tangent);
  const Program& forward = split.forward;
  const std::size_t num_outputs = forward.outputs.size() - split.num_residuals;
  std::vector<bool> saveable(forward.types.size(), false);
  for (const Equation& e : forward.equations) {
    std::vector<ArrayType> input_types;
    for (const Atom& a : e.inputs) input_types.push_back(forward.type_of(a));
    if (policy_->saveable(*e.primitive, input_types)) {
      for (int v : e.outputs) saveable[static_cast<std::size_t>(v)] = true;
    }
  }
  const std::vector<int> saved = needed_saved(forward, num_outputs, saveable);

  // The primal call computes the outputs and the saved values; both die with the call otherwise.
  Program primal = forward;
  primal.outputs.resize(num_outputs);
  for (int v : saved) primal.outputs.push_back(Atom::variable(v));
  passes::eliminate_dead_code(primal);
  // Both calls keep the policy, so that differentiating them again (higher orders) saves as this one does.
  const ArrayList primal_results = jx::bind(Checkpoint(share(std::move(primal)), policy_), primals);
  const ArrayList outputs = range(primal_results, 0, num_outputs);
  const ArrayList saved_values = range(primal_results, num_outputs, saved.size());

  // The tangent call: (inputs..., saved..., tangents...) -> float tangents, recomputing the residuals
  // the policy did not save from the inputs and the saved values.
  const ArrayList float_tangent_inputs =
      instantiated(selected(tangents, with_tangent), selected(primals, with_tangent));
  std::vector<ArrayType> types = strong_types(primals);
  for (const Array& s : saved_values) types.push_back(ArrayType{s.shape(), s.dtype()});
  for (const Array& t : float_tangent_inputs) types.push_back(ArrayType{t.shape(), t.dtype()});
  const std::size_t num_inputs = primals.size();
  const detail::FlatFunction tangent_part = [&](std::span<const Array> inputs) {
    std::vector<Array> value(forward.types.size());
    for (std::size_t i = 0; i < num_inputs; ++i) value[static_cast<std::size_t>(forward.inputs[i])] = inputs[i];
    for (std::size_t i = 0; i < forward.constvars.size(); ++i)
      value[static_cast<std::size_t>(forward.constvars[i])] = forward.consts[i];
    for (std::size_t k = 0; k < saved.size(); ++k) value[static_cast<std::size_t>(saved[k])] = inputs[num_inputs + k];
    auto read = [&](const Atom& a) { return a.is_literal() ? a.literal : value[static_cast<std::size_t>(a.var)]; };
    for (const Equation& e : forward.equations) {
      bool given = true;
      for (int v : e.outputs) given = given && value[static_cast<std::size_t>(v)].valid();
      if (given) continue;
      ArrayList operands;
      for (const Atom& a : e.inputs) operands.push_back(read(a));
      ArrayList results = jx::bind(*e.primitive, operands);
      for (std::size_t k = 0; k < e.outputs.size(); ++k) {
        Array& slot = value[static_cast<std::size_t>(e.outputs[k])];
        if (!slot.valid()) slot = std::move(results[k]);
      }
    }
    ArrayList linear_inputs;
    for (std::size_t k = num_outputs; k < forward.outputs.size(); ++k)
      linear_inputs.push_back(read(forward.outputs[k]));
    for (std::size_t i = num_inputs + saved.size(); i < inputs.size(); ++i) linear_inputs.push_back(inputs[i]);
    return eval_program(split.linear, linear_inputs);
  };
  // Traced (DCE drops what the residuals do not need) and run as a checkpoint of its own, whose
  // transpose recomputes its non-linear part from the inputs and saved values it is given.
  Program tangent_program = detail::trace_program(tangent_part, types, "tangent part of a checkpoint with a policy");
  passes::optimize(tangent_program);
  const ArrayList float_tangents =
      jx::bind(Checkpoint(share(std::move(tangent_program))),
               join({ArrayList(primals.begin(), primals.end()), saved_values, float_tangent_inputs}));
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
  const ArrayList outputs = jx::bind(Checkpoint(share(detail::batch_program(body(), batched, size)), policy_), values);
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
