// src/trace/jvp.h — forward-mode differentiation as a trace (JAX's JVPTrace).
//
// A JVPTracer carries a primal value and its tangent; an empty tangent is a symbolic zero, so values
// that do not depend on the differentiated inputs cost nothing. For each primitive the trace computes
// the primal outputs in the parent trace and asks the primitive's jvp rule for the output tangents.
//
// Tangent computations go to `tangent_trace`. For forward mode that is the parent: primal and tangent
// are computed side by side. For reverse mode it is a partial-evaluation StagingTrace: everything that
// involves a tangent is recorded into a linear program, everything else (the forward pass) still goes
// to the parent — JAX's linearize, from which vjp follows by transposing the linear program.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "trace/trace.h"

namespace jx {

class JVPTracer final : public Tracer {
 public:
  JVPTracer(std::shared_ptr<TraceTag> tag, Array primal, Array tangent)
      : Tracer(primal.type(), std::move(tag)), primal_(std::move(primal)), tangent_(std::move(tangent)) {}
  const Array& primal() const { return primal_; }
  const Array& tangent() const { return tangent_; }  // empty: zero
  std::string tracer_repr() const override;

 private:
  Array primal_;
  Array tangent_;
};

class JVPTrace final : public Trace {
 public:
  JVPTrace(Trace* parent, Trace* tangent_trace, std::string description)
      : Trace(parent, std::move(description)), tangent_trace_(tangent_trace) {}

  // A tracer for a differentiated input (an empty tangent makes it a constant).
  Array new_input(Array primal, Array tangent);
  // The primal and tangent of a value seen by this trace (tangent empty when x is not ours).
  std::pair<Array, Array> split(const Array& x) const;

  ArrayList process(const Primitive& primitive, std::span<const Array> inputs) override;

 private:
  Trace* tangent_trace_;
};

// Whether a value of this dtype can carry a tangent (floating point).
inline bool is_differentiable(DType dtype) { return is_inexact(dtype); }

}  // namespace jx
