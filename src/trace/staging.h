// src/trace/staging.h — the trace that records programs (JAX's DynamicJaxprTrace).
//
// jit traces the user's function with a StagingTrace: every op on its tracers appends an equation.
// Concrete arrays the function uses become literals (scalars) or constants of the program; tracers of
// enclosing traces (a closure over an outer jit's values, say) become constants too, whose values are
// those outer tracers — that is how an inner program captures what it closes over.
//
// In partial-evaluation mode an op none of whose inputs belong to this trace is not recorded but
// passed on to the enclosing trace: computed now, or recorded outside. Reverse-mode autodiff uses
// this to stage only the tangent (linear) part of a function, leaving the forward pass outside.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <unordered_map>

#include "jx/ir/program.h"
#include "trace/trace.h"

namespace jx {

namespace detail {
class RefFunctionalizer;
}

class StagingTracer final : public Tracer {
 public:
  StagingTracer(ArrayType type, std::shared_ptr<TraceTag> tag, int var)
      : Tracer(std::move(type), std::move(tag)), var_(var) {}
  int var() const { return var_; }
  std::string tracer_repr() const override;

 private:
  int var_;
};

class StagingTrace final : public Trace {
 public:
  StagingTrace(Trace* parent, std::string description, bool partial_eval = false)
      : Trace(parent, std::move(description)), partial_eval_(partial_eval) {}

  // A new input of the program, as a tracer.
  Array new_input(const ArrayType& type);
  ArrayList process(const Primitive& primitive, std::span<const Array> inputs) override;
  // Completes the program with these outputs. The trace stays usable for error reporting but records
  // nothing more.
  Program finish(std::span<const Array> outputs);

  const Program& program() const { return program_; }
  bool partial_eval() const { return partial_eval_; }

  // The collector of jx::Ref uses, on the trace of a jitted function (src/transforms/ref_cell.h).
  detail::RefFunctionalizer* ref_functionalizer() const { return ref_functionalizer_; }
  void set_ref_functionalizer(detail::RefFunctionalizer* functionalizer) { ref_functionalizer_ = functionalizer; }

 private:
  Atom to_atom(const Array& x);
  int capture(const Array& x);

  Program program_;
  bool partial_eval_;
  std::unordered_map<const ArrayImpl*, int> captured_;  // constants and outer tracers, by identity
  detail::RefFunctionalizer* ref_functionalizer_ = nullptr;
};

}  // namespace jx
