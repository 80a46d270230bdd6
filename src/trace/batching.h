// src/trace/batching.h — vmap as a trace (JAX's BatchTrace).
//
// A BatchTracer stands for one example of a batch: it carries the whole batch of values and the axis
// along which the examples lie. Ops on batch tracers call the primitive's batching rule, which
// computes all examples at once — moving the batch axis only when the rule must.
#pragma once

#include <memory>
#include <span>
#include <string>

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

class BatchTrace final : public Trace {
 public:
  BatchTrace(Trace* parent, std::int64_t size, std::string description)
      : Trace(parent, std::move(description)), size_(size) {}

  std::int64_t size() const { return size_; }
  // A tracer for `value` batched along `axis` (kNotMapped: the value itself).
  Array new_input(Array value, int axis);
  // The batch of values and the batch axis of a value seen by this trace (kNotMapped if not ours).
  std::pair<Array, int> split(const Array& x) const;

  ArrayList process(const Primitive& primitive, std::span<const Array> inputs) override;

 private:
  std::int64_t size_;
};

// The size of the batch axis of the innermost vmap, for batching rules of primitives without inputs
// to take it from (e.g. effects); throws outside vmap.
std::int64_t current_batch_size();

}  // namespace jx
