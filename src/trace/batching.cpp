#include "trace/batching.h"

#include <fmt/format.h>

#include "core/print.h"
#include "jx/core/error.h"

namespace jx {
namespace {

ArrayType example_type(const Array& value, int axis) {
  ArrayType type = value.type();
  if (axis != kNotMapped) type.shape.erase(axis);
  return type;
}

thread_local std::vector<std::int64_t> batch_sizes;

}  // namespace

BatchTracer::BatchTracer(std::shared_ptr<TraceTag> tag, Array value, int axis)
    : Tracer(example_type(value, axis), std::move(tag)), value_(std::move(value)), axis_(axis) {}

std::string BatchTracer::tracer_repr() const {
  // JAX shows the batched value's type, whether or not it is itself traced.
  return "VmapTracer(aval=" + aval_string(type()) + ", batched=" + aval_string(value_.type()) + ")";
}

Array BatchTrace::new_input(Array value, int axis) {
  if (axis == kNotMapped) return value;
  return Array(std::make_shared<BatchTracer>(tag(), std::move(value), axis));
}

std::pair<Array, int> BatchTrace::split(const Array& x) const {
  if (owns(x)) {
    const auto* tracer = static_cast<const BatchTracer*>(x.impl());
    return {tracer->value(), tracer->axis()};
  }
  return {x, kNotMapped};
}

ArrayList BatchTrace::process(const Primitive& primitive, std::span<const Array> inputs) {
  check_tracers(inputs, this, primitive.name());
  ArrayList values;
  std::vector<int> axes;
  bool any_mapped = false;
  for (const Array& x : inputs) {
    auto [value, axis] = split(x);
    any_mapped = any_mapped || axis != kNotMapped;
    values.push_back(std::move(value));
    axes.push_back(axis);
  }
  TraceScope outside(parent());
  if (!any_mapped) return jx::bind(primitive, values);
  batch_sizes.push_back(size_);
  struct Pop {
    ~Pop() { batch_sizes.pop_back(); }
  } pop;
  const BatchResult result = primitive.batch(values, axes);
  ArrayList outputs;
  for (std::size_t i = 0; i < result.outputs.size(); ++i)
    outputs.push_back(new_input(result.outputs[i], result.axes[i]));
  return outputs;
}

std::int64_t current_batch_size() {
  if (batch_sizes.empty()) throw ValueError("vmap", "no vmap is being traced on this thread");
  return batch_sizes.back();
}

}  // namespace jx
