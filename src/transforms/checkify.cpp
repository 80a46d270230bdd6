// checkify: the check primitive, the trace that collects checks, and the Error value.
//
// check(pred, ...) binds a `check` primitive with pred and the message's values as inputs. Inside
// checkify a CheckifyTrace sits on top of the trace stack: it forwards every primitive to its parent
// (so it creates no tracers of its own) and keeps the checks' predicates instead of binding them,
// adding checks of its own after the operations the automatic error sets watch. Transformations
// applied inside checkify run their rules in their parent, this trace, so a check under vmap arrives
// reduced over the batch and a check under grad arrives on primal values. Outside checkify the
// primitive is an effect that throws when pred is false.
#include "jx/transforms/checkify.h"

#include <fmt/format.h>

#include <string_view>

#include "core/print.h"
#include "ir/primitives/indexing.h"
#include "ir/primitives/rules.h"
#include "ir/primitives/structural.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "trace/trace.h"

namespace jx::checkify {
namespace {

namespace jnp = jx::numpy;

// Whether every element of a boolean array is true, as a scalar.
Array all_true(const Array& pred) {
  const Array as_bool = pred.dtype() == DType::bool_ ? pred : lax::ne(pred, jnp::zeros_like(pred));
  return jnp::all(as_bool);
}

class CheckPrimitive final : public PrimitiveBase<CheckPrimitive> {
 public:
  CheckPrimitive(std::string message, std::string where) : message_(std::move(message)), where_(std::move(where)) {}
  std::string_view name() const override { return "check"; }
  const std::string& message() const { return message_; }
  const std::string& where() const { return where_; }
  TypeList infer(std::span<const ArrayType> /*inputs*/) const override { return {}; }
  ArrayList evaluate(std::span<const Array> inputs) const override {
    if (!all_true(inputs[0]).item<bool>())
      throw CheckifyError("check", format_with_arrays(message_, inputs.subspan(1)), where_);
    return {};
  }
  // Checks are on values; a derivative has nothing to check.
  ArrayList jvp(std::span<const Array>, std::span<const Array>, std::span<const Array>) const override { return {}; }
  // A batch passes when every example does; the message shows the first failing example's values.
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override {
    const std::int64_t size = rules::batch_size(inputs, axes);
    const Array pred = rules::batched_at_front(inputs[0], axes[0], size);
    const Array per_example = jnp::all(jnp::reshape(pred, {size, -1}), 1);
    const Array first_failure = jnp::argmin(per_example);
    ArrayList unbatched{per_example};
    for (std::size_t i = 1; i < inputs.size(); ++i) {
      const Array value = rules::batched_at_front(inputs[i], axes[i], size);
      unbatched.push_back(jnp::take(value, first_failure, 0, {.mode = "promise_in_bounds"}));
    }
    return {jx::bind(*this, unbatched), {}};
  }
  bool has_side_effects() const override { return true; }
  auto params() const { return std::tuple{Param{"message", message_}, Param{"at", where_}}; }

 private:
  std::string message_;
  std::string where_;
};

// Where an automatic check's operation was called, when a named jx function recorded it (a stack walk
// per operation would be too slow).
std::string cheap_location() {
  const std::optional<std::source_location> site = current_call_site();
  return site ? format_location(*site) : std::string();
}

class CheckifyTrace final : public Trace {
 public:
  CheckifyTrace(Trace* parent, ErrorSet errors) : Trace(parent, "checkify"), errors_(errors) {}

  struct Recorded {
    Array failed;  // a bool scalar
    Error::Check check;
    std::vector<Array> args;
  };
  std::vector<Recorded>& recorded() { return recorded_; }

  ArrayList process(const Primitive& primitive, std::span<const Array> inputs) override {
    const TraceScope parent_scope(parent());
    if (const auto* check = dynamic_cast<const CheckPrimitive*>(&primitive)) {
      if (errors_.contains(user_checks))
        record(all_true(inputs[0]), check->message(), check->where(), inputs.subspan(1));
      return {};
    }
    ArrayList outputs = jx::bind(primitive, inputs);
    if (errors_.contains(nan_checks)) check_nans(primitive, outputs);
    if (errors_.contains(div_checks)) check_division(primitive, inputs);
    if (errors_.contains(index_checks)) check_indices(primitive, inputs);
    return outputs;
  }

 private:
  void record(const Array& passed, std::string message, std::string where, std::span<const Array> args) {
    recorded_.push_back(Recorded{lax::bitwise_not(passed),
                                 Error::Check{std::move(message), std::move(where), args.size()},
                                 ArrayList(args.begin(), args.end())});
  }

  void check_nans(const Primitive& primitive, const ArrayList& outputs) {
    for (const Array& out : outputs) {
      if (!is_floating(out.dtype())) continue;
      record(jnp::logical_not(jnp::any(jnp::isnan(out))),
             fmt::format("nan generated by primitive: {}.", primitive.name()), cheap_location(), {});
    }
  }

  void check_division(const Primitive& primitive, std::span<const Array> inputs) {
    if (primitive.name() != "div" && primitive.name() != "rem") return;
    if (is_floating(inputs[1].dtype())) return;
    record(jnp::all(lax::ne(inputs[1], jnp::zeros_like(inputs[1]))), "division by zero", cheap_location(), {});
  }

  // Indices in [0, size) along the gathered axis; dynamic slices whose window fits.
  void check_indices(const Primitive& primitive, std::span<const Array> inputs) {
    const Array& x = inputs[0];
    auto out_of_bounds = [&](const Array& indices, std::int64_t size, int axis) {
      const Array bad = jnp::logical_or(jnp::less(indices, 0), jnp::greater_equal(indices, size));
      const Array first =
          jnp::take(jnp::ravel(indices), jnp::argmax(jnp::ravel(bad)), 0, {.mode = "promise_in_bounds"});
      const Array args[] = {first};
      record(jnp::logical_not(jnp::any(bad)),
             fmt::format("out-of-bounds indexing for array of shape {}: index {{}} is out of bounds for axis {} with "
                         "size {}.",
                         x.shape().to_string(), axis, size),
             cheap_location(), args);
    };
    if (const auto* gather = dynamic_cast<const primitives::Gather*>(&primitive)) {
      out_of_bounds(inputs[1], x.shape()[gather->axis()], gather->axis());
    } else if (const auto* scatter = dynamic_cast<const primitives::Scatter*>(&primitive)) {
      out_of_bounds(inputs[1], x.shape()[scatter->axis()], scatter->axis());
    } else if (const auto* slice = dynamic_cast<const primitives::DynamicSlice*>(&primitive)) {
      for (int d = 0; d < x.ndim(); ++d) {
        out_of_bounds(inputs[static_cast<std::size_t>(d) + 1], x.shape()[d] - slice->sizes()[d] + 1, d);
      }
    } else if (dynamic_cast<const primitives::DynamicUpdateSlice*>(&primitive)) {
      const Array& update = inputs[1];
      for (int d = 0; d < x.ndim(); ++d) {
        out_of_bounds(inputs[static_cast<std::size_t>(d) + 2], x.shape()[d] - update.shape()[d] + 1, d);
      }
    }
  }

  ErrorSet errors_;
  std::vector<Recorded> recorded_;
};

}  // namespace

Error::Error() : code_(jnp::array(-1, DType::int32)) {}

Error::Error(Array code, std::vector<Array> payload, Table table)
    : code_(std::move(code)), payload_(std::move(payload)), table_(std::move(table)) {}

namespace {
// The message of the failed check `code`, formatted with its values.
std::string failure_message(const Error& error, int code) {
  const auto& checks = error.table().checks;
  std::size_t offset = 0;
  for (int i = 0; i < code; ++i) offset += checks[static_cast<std::size_t>(i)].num_args;
  const Error::Check& check = checks[static_cast<std::size_t>(code)];
  return format_with_arrays(check.message, std::span<const Array>(error.payload()).subspan(offset, check.num_args));
}
}  // namespace

std::optional<std::string> Error::get() const {
  const int code = code_.item<int>();
  if (code < 0) return std::nullopt;
  const std::string& where = table_.checks[static_cast<std::size_t>(code)].where;
  return failure_message(*this, code) + (where.empty() ? "" : " (check at " + where + ")");
}

void Error::throw_if_error() const {
  const int code = code_.item<int>();
  if (code < 0) return;
  throw CheckifyError("checkify", failure_message(*this, code), table_.checks[static_cast<std::size_t>(code)].where);
}

namespace detail {

void check_flat(const Array& pred, std::string message, std::vector<Array> args, std::source_location where) {
  CallSite site(where);
  std::vector<Array> inputs{pred};
  inputs.insert(inputs.end(), args.begin(), args.end());
  jx::bind(CheckPrimitive(std::move(message), format_location(where)), inputs);
}

struct Collector::State {
  CheckifyTrace trace;
  TraceScope scope;
  explicit State(ErrorSet errors) : trace(current_trace(), errors), scope(&trace) {}
};

Collector::Collector(ErrorSet errors) : state_(std::make_unique<State>(errors)) {}
Collector::~Collector() = default;

Error Collector::finish() {
  std::vector<CheckifyTrace::Recorded> recorded = std::move(state_->trace.recorded());
  state_.reset();  // back to the enclosing trace: the Error is computed there
  // The first failed check wins: fold from the last check to the first.
  Array code = jnp::array(-1, DType::int32);
  for (std::size_t i = recorded.size(); i-- > 0;)
    code = lax::select(recorded[i].failed, jnp::array(static_cast<int>(i), DType::int32), code);
  std::vector<Array> payload;
  Error::Table table;
  for (CheckifyTrace::Recorded& r : recorded) {
    payload.insert(payload.end(), r.args.begin(), r.args.end());
    table.checks.push_back(std::move(r.check));
  }
  return Error(std::move(code), std::move(payload), std::move(table));
}

}  // namespace detail

void check_error(const Error& err, std::source_location where) {
  CallSite site(where);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < err.table().checks.size(); ++i) {
    const Error::Check& check = err.table().checks[i];
    std::vector<Array> inputs{lax::ne(err.code(), jnp::array(static_cast<int>(i), DType::int32))};
    inputs.insert(inputs.end(), err.payload().begin() + static_cast<std::ptrdiff_t>(offset),
                  err.payload().begin() + static_cast<std::ptrdiff_t>(offset + check.num_args));
    offset += check.num_args;
    jx::bind(CheckPrimitive(check.message, check.where.empty() ? format_location(where) : check.where), inputs);
  }
}

}  // namespace jx::checkify

std::size_t std::hash<jx::checkify::Error::Table>::operator()(const jx::checkify::Error::Table& table) const noexcept {
  std::size_t h = table.checks.size();
  for (const auto& check : table.checks)
    h = h * 1000003u ^
        (std::hash<std::string>{}(check.message) + 31 * std::hash<std::string>{}(check.where) + check.num_args);
  return h;
}
