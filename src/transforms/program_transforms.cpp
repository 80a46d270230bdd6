#include "transforms/program_transforms.h"

#include "ir/passes.h"
#include "ir/primitives/structural.h"
#include "jx/core/config.h"
#include "jx/lax.h"
#include "jx/transforms/vmap.h"
#include "trace/batching.h"
#include "trace/staging.h"
#include "transforms/autodiff_core.h"

namespace jx::detail {
namespace {

FlatFunction evaluator(const Program& program) {
  return [&program](std::span<const Array> inputs) { return eval_program(program, inputs); };
}

ArrayType strong(ArrayType type) {
  type.weak = false;
  return type;
}

}  // namespace

Atom append_zeros(Program& program, const ArrayType& type) {
  Array zero;
  {
    // A concrete literal whatever trace is current: made under an enclosing jit, it would be that
    // trace's tracer, leaked into this program.
    TraceScope eager(nullptr);
    zero = lax::convert_element_type(0, type.dtype);
  }
  if (type.ndim() == 0) return Atom::constant(zero);
  const int var = program.new_var(strong(type));
  program.equations.push_back(Equation{std::make_shared<primitives::BroadcastInDim>(type.shape, std::vector<int>{}),
                                       {Atom::constant(zero)},
                                       {var},
                                       std::nullopt});
  return Atom::variable(var);
}

namespace {
// config::enable_checks: every program a transformation builds is verified before it is used.
Program checked(Program program) {
  if (config::enable_checks()) program.verify();
  return program;
}
}  // namespace

// trace_program's and trace_in_context's work; the trace lives in this call, so leaks are reported
// once it has returned.
static Program traced(const FlatFunction& f, std::span<const ArrayType> types, const std::string& what, Trace* parent) {
  StagingTrace staging(parent, what);
  ArrayList inputs;
  for (const ArrayType& t : types) inputs.push_back(staging.new_input(t));
  ArrayList outputs;
  {
    TraceScope scope(&staging);
    UserCodeScope user;  // f may be the user's (a custom derivative's function): errors name their line
    outputs = f(inputs);
  }
  return checked(staging.finish(outputs));
}

Program trace_program(const FlatFunction& f, std::span<const ArrayType> types, const std::string& what) {
  Program program = traced(f, types, what, nullptr);
  report_leaked_tracers();
  return program;
}

Program trace_in_context(const FlatFunction& f, std::span<const ArrayType> types, const std::string& what) {
  Program program = traced(f, types, what, current_trace());
  report_leaked_tracers();
  return program;
}

ClosedBody trace_closure(const FlatFunction& f, std::span<const ArrayType> types, const std::string& what) {
  Program program = trace_in_context(f, types, what);
  passes::optimize(program);
  ClosedBody body;
  body.consts = std::move(program.consts);
  program.inputs.insert(program.inputs.begin(), program.constvars.begin(), program.constvars.end());
  program.constvars.clear();
  program.consts.clear();
  body.program = std::make_shared<const Program>(std::move(program));
  return body;
}

Program jvp_program(const Program& program, const std::vector<bool>& with_tangent) {
  std::vector<ArrayType> types = program.input_types();
  const std::size_t n = types.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (with_tangent[i]) types.push_back(strong(types[i]));
  }
  const FlatFunction f = [&](std::span<const Array> inputs) {
    const std::span<const Array> primals = inputs.subspan(0, n);
    ArrayList tangents(n);
    std::size_t next = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (with_tangent[i]) tangents[i] = inputs[next++];
    }
    auto [outputs, output_tangents] =
        detail::jvp(primals, tangents, evaluator(program), "jvp of a loop or branch body");
    ArrayList result = outputs;
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      if (is_inexact(outputs[k].dtype())) result.push_back(output_tangents[k]);
    }
    return result;
  };
  return trace_program(f, types, "jvp of a loop or branch body");
}

SplitProgram linearize_program(const Program& program, const std::vector<bool>& with_tangent) {
  StagingTrace forward_trace(nullptr, "forward part of a loop or branch body");
  ArrayList inputs;
  for (const ArrayType& t : program.input_types()) inputs.push_back(forward_trace.new_input(t));
  std::shared_ptr<Linearized> linearized;
  {
    TraceScope scope(&forward_trace);
    linearized = detail::linearize(inputs, with_tangent, evaluator(program), "linearization of a loop or branch body");
  }
  SplitProgram split;
  Program linear = std::move(linearized->linear);
  // The residuals: what the linear part closed over, now outputs of the forward part.
  ArrayList forward_outputs = linearized->primal_outputs;
  forward_outputs.insert(forward_outputs.end(), linear.consts.begin(), linear.consts.end());
  split.num_residuals = linear.consts.size();
  split.forward = forward_trace.finish(forward_outputs);
  linear.inputs.insert(linear.inputs.begin(), linear.constvars.begin(), linear.constvars.end());
  linear.constvars.clear();
  linear.consts.clear();
  // One output tangent per floating output, zeros where the output does not depend on the tangents.
  std::vector<Atom> outputs;
  for (std::size_t i = 0; i < linearized->output_types.size(); ++i) {
    const ArrayType& type = linearized->output_types[i];
    if (!is_inexact(type.dtype)) continue;
    const int slot = linearized->output_slots[i];
    outputs.push_back(slot >= 0 ? linear.outputs[static_cast<std::size_t>(slot)] : append_zeros(linear, type));
  }
  linear.outputs = std::move(outputs);
  split.linear = std::move(linear);
  return split;
}

Program transpose_program(const Program& linear, const std::vector<bool>& known) {
  std::vector<ArrayType> types;
  const std::vector<ArrayType> input_types = linear.input_types();
  for (std::size_t i = 0; i < input_types.size(); ++i) {
    if (known[i]) types.push_back(input_types[i]);
  }
  const std::size_t num_known = types.size();
  for (const ArrayType& t : linear.output_types()) types.push_back(strong(t));
  const FlatFunction f = [&](std::span<const Array> inputs) {
    // The known inputs become constants (residuals); the rest stay inputs, linear ones.
    Program q = linear;
    q.inputs.clear();
    std::size_t next_known = 0;
    std::vector<ArrayType> linear_types;
    for (std::size_t i = 0; i < linear.inputs.size(); ++i) {
      if (known[i]) {
        q.constvars.push_back(linear.inputs[i]);
        q.consts.push_back(inputs[next_known++]);
      } else {
        q.inputs.push_back(linear.inputs[i]);
        linear_types.push_back(input_types[i]);
      }
    }
    ArrayList cotangents = backward_pass(q, inputs.subspan(num_known));
    for (std::size_t j = 0; j < cotangents.size(); ++j) {
      if (!cotangents[j].valid()) cotangents[j] = zeros(strong(linear_types[j]));
    }
    return cotangents;
  };
  return trace_program(f, types, "transpose of a loop or branch body");
}

Program batch_program(const Program& program, const std::vector<bool>& batched, std::int64_t size) {
  std::vector<ArrayType> types = program.input_types();
  std::vector<std::optional<int>> axes;
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (batched[i]) types[i].shape.insert(0, size);
    axes.push_back(batched[i] ? std::optional<int>(0) : std::nullopt);
  }
  const std::vector<int> argument_of_leaf(types.size(), 0);
  // Collectives in the body name the axis of the vmap whose rule is batching it.
  const std::optional<std::string> axis_name = current_batch_axis_name();
  const FlatFunction f = [&](std::span<const Array> inputs) {
    return vmap_flat(evaluator(program), inputs, axes, argument_of_leaf, size, 0, "vmap of a loop or branch body",
                     axis_name);
  };
  return trace_program(f, types, "vmap of a loop or branch body");
}

bool in_reverse_mode() {
  const auto* staging = dynamic_cast<const StagingTrace*>(current_trace());
  return staging && staging->partial_eval();
}

}  // namespace jx::detail
