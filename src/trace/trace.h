// src/trace/trace.h — the trace stack: how an op becomes a kernel call or a recorded equation.
//
// Every op ends in bind(primitive, inputs). With no trace active on this thread, bind evaluates the
// primitive now. Inside a transformation (jit, jvp, vmap, ...) the current Trace processes it instead:
// a staging trace records an equation, a JVP trace computes primal and tangent, a batching trace
// applies the vmap rule. A trace runs the rules of a primitive in its parent trace, so transformations
// nest (grad inside jit inside vmap) without knowing about each other — JAX's "stackless" design.
//
// Tracers point to their trace through a shared TraceTag. When the trace ends the tag forgets it, so a
// tracer that escaped (stored in a global, returned through a side channel) is detected on its next
// use and reported as a TracerLeakError instead of crashing. With config::check_tracer_leaks the
// escape is reported as soon as the transformation finishes: every tracer holds the tag, and when the
// trace ends the transformation has dropped all of its own (its locals and the derived trace's
// members go first), so any reference left beyond the trace's own is a leaked tracer. The trace
// records that, and the transformation calls report_leaked_tracers() once it has returned from the
// scope that held the trace (a destructor must not throw).
#pragma once

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/array_impl.h"
#include "jx/ir/primitive.h"

namespace jx {

class Trace;

struct TraceTag {
  Trace* trace = nullptr;   // null once the trace has ended
  std::string description;  // e.g. "jit of the function at main.cpp:12", for error messages
};

class Tracer : public ArrayImpl {
 public:
  Tracer(ArrayType type, std::shared_ptr<TraceTag> tag)
      : ArrayImpl(std::move(type), Kind::tracer), tag_(std::move(tag)) {}
  const std::shared_ptr<TraceTag>& tag() const { return tag_; }
  Trace* trace() const { return tag_->trace; }

 private:
  std::shared_ptr<TraceTag> tag_;
};

class Trace {
 public:
  Trace(Trace* parent, std::string description);
  // Under config::check_tracer_leaks, records tracers that outlive the trace for
  // report_leaked_tracers() (unless an exception is already unwinding the transformation).
  virtual ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // Applies `primitive` to `inputs`, which may be tracers of this trace, tracers of enclosing traces,
  // or concrete arrays.
  virtual ArrayList process(const Primitive& primitive, std::span<const Array> inputs) = 0;

  Trace* parent() const { return parent_; }
  const std::shared_ptr<TraceTag>& tag() const { return tag_; }
  const std::string& description() const { return tag_->description; }
  // Whether `tracer` belongs to this trace.
  bool owns(const Array& x) const { return x.is_tracer() && static_cast<const Tracer*>(x.impl())->tag() == tag_; }
  // Whether this trace is `other` or encloses it.
  bool encloses(const Trace* other) const;

 private:
  Trace* parent_;
  std::shared_ptr<TraceTag> tag_;
};

// Throws the TracerLeakError a trace that ended on this thread recorded, if any (see ~Trace).
void report_leaked_tracers();

// The trace ops bind to on this thread; null means eager evaluation.
Trace* current_trace();

// Makes `trace` current for a scope (use nullptr for eager evaluation).
class TraceScope {
 public:
  explicit TraceScope(Trace* trace);
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  Trace* saved_;
};

// Call these qualified, as jx::bind: with std:: arguments (a vector, a span) an unqualified call also
// finds std::bind by argument-dependent lookup, which would win.
ArrayList bind(const Primitive& primitive, std::span<const Array> inputs);
Array bind1(const Primitive& primitive, std::span<const Array> inputs);
inline Array bind1(const Primitive& primitive, std::initializer_list<Array> inputs) {
  return bind1(primitive, std::span<const Array>(inputs.begin(), inputs.size()));
}

// Throws TracerLeakError unless every tracer among `inputs` belongs to `trace` or a trace enclosing it.
void check_tracers(std::span<const Array> inputs, const Trace* trace, std::string_view op);
[[noreturn]] void throw_leaked_tracer(const Array& x, std::string_view op);
// Throws ConcretizationError for a tracer used where a C++ value is needed.
[[noreturn]] void throw_concretization_error(const Array& x, std::string_view what);

}  // namespace jx
