#include "trace/staging.h"

#include "core/print.h"
#include "jx/core/error.h"
#include "jx/transforms/named_scope.h"

namespace jx {

std::string StagingTracer::tracer_repr() const { return "JitTracer(" + aval_string(type()) + ")"; }

Array StagingTrace::new_input(const ArrayType& type) {
  const int var = program_.new_var(type);
  program_.inputs.push_back(var);
  return Array(std::make_shared<StagingTracer>(type, tag(), var));
}

int StagingTrace::capture(const Array& x) {
  auto [it, inserted] = captured_.emplace(x.impl(), -1);
  if (inserted) {
    it->second = program_.new_var(ArrayType{x.shape(), x.dtype(), x.weak_type()});
    program_.constvars.push_back(it->second);
    program_.consts.push_back(x);
  }
  return it->second;
}

Atom StagingTrace::to_atom(const Array& x) {
  if (owns(x)) return Atom::variable(static_cast<const StagingTracer*>(x.impl())->var());
  if (x.is_tracer()) {
    // A tracer of an enclosing trace is captured; any other tracer has leaked out of its trace.
    const Trace* owner = static_cast<const Tracer*>(x.impl())->trace();
    if (!owner || !owner->encloses(this)) throw_leaked_tracer(x, "jit");
    return Atom::variable(capture(x));
  }
  if (x.ndim() == 0) return Atom::constant(x);
  return Atom::variable(capture(x));
}

ArrayList StagingTrace::process(const Primitive& primitive, std::span<const Array> inputs) {
  if (partial_eval_) {
    bool any_own = false;
    for (const Array& x : inputs) any_own = any_own || owns(x);
    if (!any_own) {
      TraceScope outside(parent());
      return jx::bind(primitive, inputs);
    }
  }
  std::vector<ArrayType> types;
  types.reserve(inputs.size());
  for (const Array& x : inputs) types.push_back(x.type());
  // Inferred before the clone: a primitive may learn about itself as it infers (a custom-derivative
  // call, whether its function has effects), and the program's copy must know it too.
  const TypeList out_types = primitive.infer(types);
  Equation equation{primitive.clone(), {}, {}, current_call_site(), detail::current_name_stack_shared()};
  equation.inputs.reserve(inputs.size());
  for (const Array& x : inputs) equation.inputs.push_back(to_atom(x));
  ArrayList outputs;
  for (const ArrayType& type : out_types) {
    const int var = program_.new_var(type);
    equation.outputs.push_back(var);
    outputs.push_back(Array(std::make_shared<StagingTracer>(type, tag(), var)));
  }
  program_.equations.push_back(std::move(equation));
  return outputs;
}

Program StagingTrace::finish(std::span<const Array> outputs) {
  for (const Array& x : outputs) {
    if (!x.valid()) throw ValueError("jit", "the function returned an empty jx::Array handle");
    program_.outputs.push_back(to_atom(x));
  }
  return std::move(program_);
}

}  // namespace jx
