#include "trace/jvp.h"

#include <tuple>

#include "core/print.h"
#include "jx/core/error.h"

namespace jx {

std::string JVPTracer::tracer_repr() const {
  // to_string shows a traced primal or tangent by its own tracer_repr.
  const std::string tangent = tangent_.valid() ? to_string(tangent_) : "Zero(" + aval_string(type()) + ")";
  return "JVPTracer(primal=" + to_string(primal_) + ", tangent=" + tangent + ")";
}

Array JVPTrace::new_input(Array primal, Array tangent) {
  return Array(std::make_shared<JVPTracer>(tag(), std::move(primal), std::move(tangent)));
}

std::pair<Array, Array> JVPTrace::split(const Array& x) const {
  if (owns(x)) {
    const auto* tracer = static_cast<const JVPTracer*>(x.impl());
    return {tracer->primal(), tracer->tangent()};
  }
  return {x, Array()};
}

ArrayList JVPTrace::process(const Primitive& primitive, std::span<const Array> inputs) {
  check_tracers(inputs, this, primitive.name());
  ArrayList primals, tangents;
  primals.reserve(inputs.size());
  tangents.reserve(inputs.size());
  bool any_tangent = false;
  for (const Array& x : inputs) {
    auto [p, t] = split(x);
    any_tangent = any_tangent || t.valid();
    primals.push_back(std::move(p));
    tangents.push_back(std::move(t));
  }
  ArrayList outputs;
  if (!any_tangent) {
    TraceScope primal_scope(parent());
    return jx::bind(primitive, primals);  // nothing here depends on the differentiated inputs
  }
  ArrayList output_tangents;
  if (primitive.jvp_computes_primals()) {
    // The rule runs in the tangent trace; its primal-only work passes through to the parent.
    TraceScope tangent_scope(tangent_trace_);
    std::tie(outputs, output_tangents) = primitive.jvp_with_primals(primals, tangents);
  } else {
    {
      TraceScope primal_scope(parent());
      outputs = jx::bind(primitive, primals);
    }
    TraceScope tangent_scope(tangent_trace_);
    output_tangents = primitive.jvp(primals, tangents, outputs);
  }
  ArrayList results;
  results.reserve(outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Array& tangent = i < output_tangents.size() ? output_tangents[i] : Array();
    if (!tangent.valid() || !is_differentiable(outputs[i].dtype())) {
      results.push_back(outputs[i]);
    } else {
      results.push_back(new_input(outputs[i], tangent));
    }
  }
  return results;
}

}  // namespace jx
