// jx/profiler.h — a trace of what jx runs, to open in Perfetto (ui.perfetto.dev) or chrome://tracing;
// jax.profiler's start_trace/stop_trace/trace/TraceAnnotation.
//
//   jx::profiler::start_trace("/tmp/jx-trace");      // from now on, what runs is recorded
//   for (int i = 0; i < 10; ++i) state = train_step(std::move(state), batch);
//   std::filesystem::path file = jx::profiler::stop_trace();  // /tmp/jx-trace/jx_trace_<pid>_1.json
//
//   { jx::profiler::Trace trace("/tmp/jx-trace"); ... }        // the same, for a scope
//   { jx::profiler::TraceAnnotation span("load batch"); ... }  // a named span of your own
//
// Recorded, each with its thread: every call of a jitted function (named by where jx::jit was called),
// its compilation (tracing and planning) when the call missed the cache, and each step of the
// compiled plan (the primitive that runs, such as "dot_general_bias f32[128,256]"). The file is the
// Chrome trace-event JSON format; times are in microseconds since the trace started. While no trace
// is running, recording costs one relaxed atomic load per call and per step.
#pragma once

#include <filesystem>
#include <string>

namespace jx::profiler {

// Starts recording; events are written to a new file in `directory` (created if missing) by
// stop_trace. A ValueError if a trace is already running (as JAX's "Profile has already been started").
void start_trace(const std::filesystem::path& directory);
// Stops recording and writes the events; returns the file written. A ValueError if none is running.
std::filesystem::path stop_trace();
// Whether a trace is running.
bool is_tracing();

// start_trace for the lifetime of the object, then stop_trace.
class Trace {
 public:
  explicit Trace(const std::filesystem::path& directory) { start_trace(directory); }
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;
};

// A span named by the caller, from construction to destruction, on the calling thread.
class TraceAnnotation {
 public:
  explicit TraceAnnotation(std::string name);
  ~TraceAnnotation();
  TraceAnnotation(const TraceAnnotation&) = delete;
  TraceAnnotation& operator=(const TraceAnnotation&) = delete;

 private:
  std::string name_;
  long long start_ns_ = -1;  // -1: no trace was running when the span began
};

}  // namespace jx::profiler
