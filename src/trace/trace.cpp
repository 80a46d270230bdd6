#include "trace/trace.h"

#include <fmt/format.h>

#include <exception>

#include "core/nonfinite.h"
#include "core/subnormals.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/transforms/jit.h"

namespace jx {
namespace {

Trace*& current() {
  thread_local Trace* trace = nullptr;
  return trace;
}

}  // namespace

Trace::Trace(Trace* parent, std::string description)
    : parent_(parent), tag_(std::make_shared<TraceTag>(TraceTag{this, std::move(description)})) {}

namespace {
std::string& pending_leak() {
  thread_local std::string message;
  return message;
}
}  // namespace

Trace::~Trace() {
  tag_->trace = nullptr;
  const long leaked = tag_.use_count() - 1;
  if (leaked > 0 && config::check_tracer_leaks() && std::uncaught_exceptions() == 0) [[unlikely]] {
    pending_leak() = fmt::format(
        "{} traced array{} created by {} outlived it: stored in a global, a captured "
        "variable or a container the transformation does not return. Return values from "
        "the transformed function instead.",
        leaked, leaked == 1 ? "" : "s", tag_->description);
  }
}

void report_leaked_tracers() {
  if (pending_leak().empty()) [[likely]]
    return;
  std::string message = std::move(pending_leak());
  pending_leak().clear();
  throw TracerLeakError("check_tracer_leaks", std::move(message));
}

bool Trace::encloses(const Trace* other) const {
  for (const Trace* t = other; t; t = t->parent()) {
    if (t == this) return true;
  }
  return false;
}

Trace* current_trace() { return current(); }

namespace {
int& compile_time_eval_depth() {
  thread_local int depth = 0;
  return depth;
}
bool any_tracer(std::span<const Array> inputs) {
  for (const Array& x : inputs) {
    if (x.is_tracer()) return true;
  }
  return false;
}
}  // namespace

CompileTimeEvalScope::CompileTimeEvalScope() { ++compile_time_eval_depth(); }
CompileTimeEvalScope::~CompileTimeEvalScope() { --compile_time_eval_depth(); }

TraceScope::TraceScope(Trace* trace) : saved_(current()) { current() = trace; }
TraceScope::~TraceScope() { current() = saved_; }

void throw_leaked_tracer(const Array& x, std::string_view op) {
  const auto& tag = static_cast<const Tracer*>(x.impl())->tag();
  const char* state = tag->trace ? "is used outside the transformation that created it"
                                 : "escaped its transformation, which has ended, and was used afterwards";
  throw TracerLeakError(std::string(op),
                        fmt::format("a traced array of type {} created by {} {}. Return values from the "
                                    "transformed function instead of storing tracers elsewhere.",
                                    x.type().to_string(), tag->description, state));
}

void check_tracers(std::span<const Array> inputs, const Trace* trace, std::string_view op) {
  for (const Array& x : inputs) {
    if (!x.is_tracer()) continue;
    const Trace* owner = static_cast<const Tracer*>(x.impl())->trace();
    if (!owner || !trace || !owner->encloses(trace)) throw_leaked_tracer(x, op);
  }
}

void throw_concretization_error(const Array& x, std::string_view what) {
  const auto& tag = static_cast<const Tracer*>(x.impl())->tag();
  throw ConcretizationError(
      std::string(what),
      fmt::format("a traced array of type {} (traced by {}) has no value yet, so it cannot be converted "
                  "to a C++ value or drive C++ control flow. Use jx::lax::cond or jx::numpy::where for "
                  "data-dependent branches, jx::lax::while_loop/fori_loop for loops, or make the value a "
                  "static argument (jx::static_argnums) if it is known at trace time.",
                  x.type().to_string(), tag->description));
}

ArrayList bind(const Primitive& primitive, std::span<const Array> inputs) {
  for (const Array& x : inputs) {
    if (!x.valid()) throw ValueError(std::string(primitive.name()), "an input is an empty jx::Array handle");
  }
  if (Trace* trace = current()) {
    // Under ensure_compile_time_eval, ops on concrete values are computed now rather than traced.
    if (compile_time_eval_depth() == 0 || any_tracer(inputs)) return trace->process(primitive, inputs);
  }
  for (const Array& x : inputs) {
    if (x.is_tracer()) throw_leaked_tracer(x, primitive.name());
  }
  if (config::no_execution()) [[unlikely]] {
    throw ValueError(std::string(primitive.name()), "would compute now, but config::no_execution is set");
  }
  ArrayList outputs;
  try {
    const ScopedFlushSubnormals flush;
    outputs = primitive.evaluate(inputs);
  } catch (const ResourceExhaustedError& e) {
    if (e.op() != "allocate") throw;
    throw ResourceExhaustedError(std::string(primitive.name()), e.detail());  // named for the operation
  }
  if (const config::Flags& flags = config::flags(); flags.debug_nans || flags.debug_infs) [[unlikely]]
    check_finite_outputs(primitive.name(), outputs, flags);
  return outputs;
}

Array bind1(const Primitive& primitive, std::span<const Array> inputs) {
  ArrayList outputs = jx::bind(primitive, inputs);
  return std::move(outputs[0]);
}

}  // namespace jx
