// src/trace/batching.h — vmap as a trace (JAX's BatchTrace).
//
// A BatchTracer stands for one example of a batch: it carries the whole batch of values and the axis
// along which the examples lie. Ops on batch tracers call the primitive's batching rule, which
// computes all examples at once — moving the batch axis only when the rule must.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trace/trace.h"

namespace jx {

class BatchTracer final : public Tracer {
 public:
  BatchTracer(std::shared_ptr<TraceTag> tag, Array value, int axis);
  const Array& value() const { return value_; }
  int axis() const { return axis_; }
  std::string tracer_repr() const override;

 private:
  Array value_;
  int axis_;
};

// A trace with an axis name (vmap's axis_name, pmap's, a shard_map mesh axis) binds that name for
// collectives: lax::psum(x, "i") inside it reduces over its batch axis. While it is alive the name is
// in the axis environment of this thread, so that collectives can check their axis and learn its size
// while their arguments are traced (control-flow bodies, jit) before any batching rule runs.
class BatchTrace final : public Trace {
 public:
  BatchTrace(Trace* parent, std::int64_t size, std::string description,
             std::optional<std::string> axis_name = std::nullopt);
  ~BatchTrace() override;

  std::int64_t size() const { return size_; }
  const std::optional<std::string>& axis_name() const { return axis_name_; }
  // A tracer for `value` batched along `axis` (kNotMapped: the value itself).
  Array new_input(Array value, int axis);
  // The batch of values and the batch axis of a value seen by this trace (kNotMapped if not ours).
  std::pair<Array, int> split(const Array& x) const;

  ArrayList process(const Primitive& primitive, std::span<const Array> inputs) override;

 private:
  std::int64_t size_;
  std::optional<std::string> axis_name_;
};

// The size of the batch axis of the innermost vmap, for batching rules of primitives without inputs
// to take it from (e.g. effects); throws outside vmap.
std::int64_t current_batch_size();
// The axis name of that vmap (std::nullopt for an unnamed one); for the batching rules of collectives,
// which reduce over the batch axis only when it is the axis they name, and of primitives holding
// programs, whose bodies are batched under the same name.
const std::optional<std::string>& current_batch_axis_name();

// The size of the innermost mapped axis named `name` on this thread, or std::nullopt if none is bound:
// the number of devices along it in every process (a pmap axis of a distributed program spans them).
std::optional<std::int64_t> bound_axis_size(std::string_view name);

// pmap in a program of several processes (jx/distributed.h): its axis, bound on this thread, spans
// `processes` processes with this one at `process_index`; its batch holds this process's devices only.
void mark_axis_spanning_processes(std::string_view name, int processes, int process_index);
struct AxisProcesses {
  int processes = 1;
  int process_index = 0;
};
// For the batching rules of collectives: the processes the running rule's axis spans.
AxisProcesses current_batch_axis_processes();
// The names bound on this thread, outermost first (for error messages).
std::vector<std::string> bound_axis_names();
// Whether `primitive` communicates over `name`, itself or in a program it holds.
bool uses_axis_name(const Primitive& primitive, std::string_view name);

}  // namespace jx
