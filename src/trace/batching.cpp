#include "trace/batching.h"

#include <fmt/format.h>

#include "core/print.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/ir/program.h"

namespace jx {
namespace {

ArrayType example_type(const Array& value, int axis) {
  ArrayType type = value.type();
  if (axis != kNotMapped) type.shape.erase(axis);
  return type;
}

// The batch rules running on this thread, innermost last: their trace's size and axis name.
struct RunningRule {
  std::int64_t size;
  const std::optional<std::string>* axis_name;
};
thread_local std::vector<RunningRule> running_rules;

// The named axes bound on this thread, innermost last.
struct BoundAxis {
  std::string name;
  std::int64_t size;      // on this process
  int processes = 1;      // a pmap axis spans every process of a jx::distributed program
  int process_index = 0;  // this process's place among them
};
thread_local std::vector<BoundAxis> axis_environment;

bool program_uses_axis_name(const Program& program, std::string_view name) {
  for (const Equation& equation : program.equations) {
    if (uses_axis_name(*equation.primitive, name)) return true;
  }
  return false;
}

}  // namespace

BatchTrace::BatchTrace(Trace* parent, std::int64_t size, std::string description, std::optional<std::string> axis_name)
    : Trace(parent, std::move(description)), size_(size), axis_name_(std::move(axis_name)) {
  if (!axis_name_) return;
  // The body of a loop or branch batched inside a pmap over several processes is batched under the same
  // axis again: it spans the processes as the map does.
  BoundAxis bound{*axis_name_, size_};
  for (auto it = axis_environment.rbegin(); it != axis_environment.rend(); ++it) {
    if (it->name == *axis_name_) {
      if (it->size == size_) bound = *it;
      break;
    }
  }
  axis_environment.push_back(std::move(bound));
}

BatchTrace::~BatchTrace() {
  if (axis_name_) axis_environment.pop_back();
}

bool uses_axis_name(const Primitive& primitive, std::string_view name) {
  for (const std::string& axis : primitive.axis_names()) {
    if (axis == name) return true;
  }
  bool found = false;
  primitive.visit_programs([&](const Program& program) { found = found || program_uses_axis_name(program, name); });
  return found;
}

std::optional<std::int64_t> bound_axis_size(std::string_view name) {
  for (auto it = axis_environment.rbegin(); it != axis_environment.rend(); ++it) {
    if (it->name == name) return it->size * it->processes;
  }
  return std::nullopt;
}

void mark_axis_spanning_processes(std::string_view name, int processes, int process_index) {
  for (auto it = axis_environment.rbegin(); it != axis_environment.rend(); ++it) {
    if (it->name == name) {
      it->processes = processes;
      it->process_index = process_index;
      return;
    }
  }
}

AxisProcesses current_batch_axis_processes() {
  const std::optional<std::string>& name = current_batch_axis_name();
  if (name) {
    for (auto it = axis_environment.rbegin(); it != axis_environment.rend(); ++it) {
      if (it->name == *name) return {it->processes, it->process_index};
    }
  }
  return {};
}

std::vector<std::string> bound_axis_names() {
  std::vector<std::string> names;
  for (const BoundAxis& axis : axis_environment) names.push_back(axis.name);
  return names;
}

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
  // A collective over this trace's axis needs its rule even when nothing varies along the axis (psum of
  // a replicated value, axis_index); so does a program holding one, which sees its first input
  // broadcast along the axis (its batching rules then batch the bodies under this name).
  // (Asked only when nothing is mapped: a mapped input runs the rule anyway.)
  if (!any_mapped) {
    if (!axis_name_ || !uses_axis_name(primitive, *axis_name_)) return jx::bind(primitive, values);
    if (primitive.axis_names().empty() && !values.empty()) {
      values[0] = rules::batched_at_front(values[0], kNotMapped, size_);
      axes[0] = 0;
    }
  }
  running_rules.push_back({size_, &axis_name_});
  struct Pop {
    ~Pop() { running_rules.pop_back(); }
  } pop;
  const BatchResult result = primitive.batch(values, axes);
  ArrayList outputs;
  for (std::size_t i = 0; i < result.outputs.size(); ++i)
    outputs.push_back(new_input(result.outputs[i], result.axes[i]));
  return outputs;
}

std::int64_t current_batch_size() {
  if (running_rules.empty()) throw ValueError("vmap", "no vmap is being traced on this thread");
  return running_rules.back().size;
}

const std::optional<std::string>& current_batch_axis_name() {
  if (running_rules.empty()) throw ValueError("vmap", "no vmap is being traced on this thread");
  return *running_rules.back().axis_name;
}

}  // namespace jx
