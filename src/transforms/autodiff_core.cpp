#include "transforms/autodiff_core.h"

#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/jvp.h"
#include "trace/staging.h"

namespace jx::detail {

Array zeros(const ArrayType& type) {
  if (type.dtype == DType::float0) return Array(allocate_array(ArrayType{type.shape, DType::float0}));
  const Array zero = lax::convert_element_type(Array(0), type.dtype);
  return lax::broadcast_in_dim(zero, type.shape, {});
}

namespace {

// Adds a contribution to an accumulated cotangent (empty means zero).
void accumulate(Array& total, const Array& contribution) {
  if (!contribution.valid()) return;
  total = total.valid() ? lax::add(total, contribution) : contribution;
}

}  // namespace

ArrayList backward_pass(const Program& program, std::span<const Array> output_cotangents) {
  const std::size_t n = program.types.size();
  // Linear variables are those that depend on the inputs; the rest are residual computations.
  std::vector<bool> linear(n, false);
  for (int v : program.inputs) linear[static_cast<std::size_t>(v)] = true;
  std::vector<bool> linear_equation(program.equations.size(), false);
  for (std::size_t i = 0; i < program.equations.size(); ++i) {
    const Equation& e = program.equations[i];
    for (const Atom& a : e.inputs)
      linear_equation[i] = linear_equation[i] || (!a.is_literal() && linear[static_cast<std::size_t>(a.var)]);
    for (int out : e.outputs) linear[static_cast<std::size_t>(out)] = linear_equation[i];
  }
  // Values of the non-linear variables: constants, and equations evaluated forward.
  std::vector<Array> value(n);
  for (std::size_t i = 0; i < program.constvars.size(); ++i)
    value[static_cast<std::size_t>(program.constvars[i])] = program.consts[i];
  auto read = [&](const Atom& a) { return a.is_literal() ? a.literal : value[static_cast<std::size_t>(a.var)]; };
  for (std::size_t i = 0; i < program.equations.size(); ++i) {
    if (linear_equation[i]) continue;
    const Equation& e = program.equations[i];
    ArrayList operands;
    for (const Atom& a : e.inputs) operands.push_back(read(a));
    ArrayList results = jx::bind(*e.primitive, operands);
    for (std::size_t k = 0; k < e.outputs.size(); ++k)
      value[static_cast<std::size_t>(e.outputs[k])] = std::move(results[k]);
  }
  std::vector<Array> cotangent(n);
  for (std::size_t i = 0; i < program.outputs.size(); ++i) {
    const Atom& a = program.outputs[i];
    if (!a.is_literal() && linear[static_cast<std::size_t>(a.var)] && i < output_cotangents.size()) {
      accumulate(cotangent[static_cast<std::size_t>(a.var)], output_cotangents[i]);
    }
  }
  for (std::size_t i = program.equations.size(); i-- > 0;) {
    if (!linear_equation[i]) continue;
    const Equation& e = program.equations[i];
    ArrayList output_cotangent;
    bool any = false;
    for (int out : e.outputs) {
      output_cotangent.push_back(std::move(cotangent[static_cast<std::size_t>(out)]));
      any = any || output_cotangent.back().valid();
    }
    if (!any) continue;
    ArrayList operands;
    std::vector<ArrayType> types;
    for (const Atom& a : e.inputs) {
      const bool is_linear = !a.is_literal() && linear[static_cast<std::size_t>(a.var)];
      operands.push_back(is_linear ? Array() : read(a));
      types.push_back(program.type_of(a));
    }
    ArrayList input_cotangent;
    {
      // Errors in a transpose rule point at the user's line that recorded the equation.
      std::optional<CallSite> site;
      if (e.where) site.emplace(*e.where);
      input_cotangent = e.primitive->transpose(output_cotangent, operands, types);
    }
    for (std::size_t k = 0; k < e.inputs.size() && k < input_cotangent.size(); ++k) {
      const Atom& a = e.inputs[k];
      if (!a.is_literal() && linear[static_cast<std::size_t>(a.var)])
        accumulate(cotangent[static_cast<std::size_t>(a.var)], input_cotangent[k]);
    }
  }
  ArrayList result;
  for (int v : program.inputs) result.push_back(std::move(cotangent[static_cast<std::size_t>(v)]));
  return result;
}

// linearize's work; its traces live in this call, so leaks are reported once it has returned.
static std::shared_ptr<Linearized> linearize_traced(std::span<const Array> primals, const std::vector<bool>& wrt,
                                                    const FlatFunction& fn, const std::string& description) {
  Trace* parent = current_trace();
  StagingTrace tangents(parent, description, /*partial_eval=*/true);
  JVPTrace jvp_trace(parent, &tangents, description);
  auto result = std::make_shared<Linearized>();
  ArrayList inputs;
  for (std::size_t i = 0; i < primals.size(); ++i) {
    result->input_types.push_back(primals[i].type());
    if (i < wrt.size() && wrt[i]) {
      result->input_slots.push_back(static_cast<int>(tangents.program().inputs.size()));
      inputs.push_back(
          jvp_trace.new_input(primals[i], tangents.new_input(ArrayType{primals[i].shape(), primals[i].dtype()})));
    } else {
      result->input_slots.push_back(-1);
      inputs.push_back(primals[i]);
    }
  }
  ArrayList outputs;
  {
    TraceScope scope(&jvp_trace);
    UserCodeScope user;
    outputs = fn(inputs);
  }
  ArrayList nonzero_tangents;
  for (const Array& out : outputs) {
    auto [primal, tangent] = jvp_trace.split(out);
    result->output_types.push_back(primal.type());
    result->primal_outputs.push_back(primal);
    if (tangent.valid() && tangents.owns(tangent)) {
      result->output_slots.push_back(static_cast<int>(nonzero_tangents.size()));
      nonzero_tangents.push_back(tangent);
    } else {
      result->output_slots.push_back(-1);  // the output does not depend on the differentiated inputs
    }
  }
  result->linear = tangents.finish(nonzero_tangents);
  return result;
}

ArrayList Linearized::transpose(std::span<const Array> output_cotangents) const {
  if (output_cotangents.size() != output_slots.size()) {
    throw ValueError("vjp", fmt::format("the pullback takes {} cotangents (one per output), got {}",
                                        output_slots.size(), output_cotangents.size()));
  }
  ArrayList program_cotangents(linear.outputs.size());
  for (std::size_t i = 0; i < output_slots.size(); ++i) {
    const Array& ct = output_cotangents[i];
    if (ct.valid() && !(ct.shape() == output_types[i].shape)) {
      throw ShapeError("vjp", fmt::format("cotangent {} has shape {} but the output has shape {}", i,
                                          ct.shape().to_string(), output_types[i].shape.to_string()));
    }
    if (output_slots[i] >= 0 && ct.valid()) {
      program_cotangents[static_cast<std::size_t>(output_slots[i])] =
          ct.dtype() == output_types[i].dtype ? ct : lax::convert_element_type(ct, output_types[i].dtype);
    }
  }
  const ArrayList input_cotangents = backward_pass(linear, program_cotangents);
  ArrayList result;
  for (int slot : input_slots) result.push_back(slot >= 0 ? input_cotangents[static_cast<std::size_t>(slot)] : Array());
  return result;
}

ArrayList Linearized::apply(std::span<const Array> input_tangents) const {
  ArrayList program_inputs;
  for (std::size_t i = 0; i < input_slots.size(); ++i) {
    if (input_slots[i] < 0) continue;
    const Array& t = i < input_tangents.size() ? input_tangents[i] : Array();
    program_inputs.push_back(t.valid() ? t : zeros(ArrayType{input_types[i].shape, input_types[i].dtype}));
  }
  const ArrayList program_outputs = eval_program(linear, program_inputs);
  ArrayList result;
  for (std::size_t i = 0; i < output_slots.size(); ++i) {
    result.push_back(output_slots[i] >= 0 ? program_outputs[static_cast<std::size_t>(output_slots[i])]
                                          : zeros(ArrayType{output_types[i].shape, output_types[i].dtype}));
  }
  return result;
}

std::shared_ptr<Linearized> linearize(std::span<const Array> primals, const std::vector<bool>& wrt,
                                      const FlatFunction& fn, const std::string& description) {
  std::shared_ptr<Linearized> result = linearize_traced(primals, wrt, fn, description);
  report_leaked_tracers();
  return result;
}

static std::pair<ArrayList, ArrayList> jvp_traced(std::span<const Array> primals, std::span<const Array> tangents,
                                                  const FlatFunction& fn, const std::string& description) {
  Trace* parent = current_trace();
  JVPTrace jvp_trace(parent, parent, description);
  ArrayList inputs;
  for (std::size_t i = 0; i < primals.size(); ++i) {
    const Array& t = i < tangents.size() ? tangents[i] : Array();
    inputs.push_back(t.valid() && is_differentiable(primals[i].dtype()) ? jvp_trace.new_input(primals[i], t)
                                                                        : primals[i]);
  }
  ArrayList outputs;
  {
    TraceScope scope(&jvp_trace);
    UserCodeScope user;
    outputs = fn(inputs);
  }
  ArrayList primal_outputs, output_tangents;
  for (const Array& out : outputs) {
    auto [primal, tangent] = jvp_trace.split(out);
    primal_outputs.push_back(primal);
    output_tangents.push_back(tangent.valid() ? tangent : zeros(ArrayType{primal.shape(), primal.dtype()}));
  }
  return {std::move(primal_outputs), std::move(output_tangents)};
}

std::pair<ArrayList, ArrayList> jvp(std::span<const Array> primals, std::span<const Array> tangents,
                                    const FlatFunction& fn, const std::string& description) {
  auto result = jvp_traced(primals, tangents, fn, description);
  report_leaked_tracers();
  return result;
}

}  // namespace jx::detail
