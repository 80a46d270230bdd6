// jx::Ref: eager mutation, and functionalization under jit (src/transforms/ref_cell.h).
#include "jx/ref.h"

#include <fmt/format.h>

#include <algorithm>

#include "jx/numpy.h"
#include "trace/staging.h"
#include "transforms/ref_cell.h"

namespace jx {
namespace {

// The outermost trace of this thread's stack: the transformation a ref's use belongs to.
const Trace* outermost_trace() {
  const Trace* t = current_trace();
  while (t && t->parent()) t = t->parent();
  return t;
}

void check_usable(const detail::RefCell& cell, const char* op, std::source_location loc) {
  if (cell.invalidated_by) {
    throw ValueError(op, fmt::format("the ref was invalidated by {}: it may not be used again", cell.invalidated_by),
                     format_location(loc));
  }
}

// freeze and free_ref end a ref's life where it was made: a ref a traced function closes over belongs
// to the caller, who would find it invalidated by a trace.
void invalidate(detail::RefCell& cell, const char* op, std::source_location loc) {
  check_usable(cell, op, loc);
  const Trace* root = outermost_trace();
  if (root && root != cell.created_under) {
    throw TypeError(op, "cannot invalidate a ref created outside " + root->description() + ": do it where it was made",
                    format_location(loc));
  }
  cell.invalidated_by = op;
}

void check_type(const detail::RefCell& cell, const Array& value, std::source_location loc) {
  if (value.shape() != cell.type.shape || value.dtype() != cell.type.dtype) {
    throw TypeError("Ref.set",
                    fmt::format("a ref holding {} cannot be set to a value of type {}: a ref keeps its shape and dtype",
                                cell.type.to_string(), value.type().to_string()),
                    format_location(loc));
  }
}

}  // namespace

namespace detail {

void throw_ref_in_pytree() {
  throw TypeError("jx::Ref",
                  "a jx::Ref cannot be an argument or a result of jit, grad or vmap (as in JAX): close over it in "
                  "the function instead, or pass its value (ref.get()) and set the result");
}

RefFunctionalizer::RefFunctionalizer(StagingTrace& trace) : trace_(trace) { trace_.set_ref_functionalizer(this); }

RefFunctionalizer::~RefFunctionalizer() {
  trace_.set_ref_functionalizer(nullptr);
  for (RefUse& use : uses_) {
    std::lock_guard lock(use.cell->mutex);
    if (use.cell->functionalized_by == &trace_) use.cell->functionalized_by = nullptr;
  }
}

RefUse& RefFunctionalizer::use(const std::shared_ptr<RefCell>& cell) {
  for (RefUse& u : uses_) {
    if (u.cell == cell) return u;
  }
  {
    std::lock_guard lock(cell->mutex);
    if (cell->functionalized_by && cell->functionalized_by != &trace_) {
      throw ValueError("jx::Ref", "this ref is captured by two functions being traced at once (" +
                                      cell->functionalized_by->description() + ", and " + trace_.description() +
                                      "): a ref belongs to one traced function at a time");
    }
    cell->functionalized_by = &trace_;
  }
  ArrayType type = cell->value.type();
  RefUse u{cell, trace_.new_input(type), Array(), false};
  u.current = u.input;
  uses_.push_back(std::move(u));
  return uses_.back();
}

RefFunctionalizer* current_functionalizer() {
  const Trace* root = outermost_trace();
  const auto* staging = dynamic_cast<const StagingTrace*>(root);
  return staging ? staging->ref_functionalizer() : nullptr;
}

RefCallScope::RefCallScope(const RefBindings& bindings, std::vector<Array>& inputs) : bindings_(bindings) {
  std::vector<RefCell*> order;
  for (const auto& cell : bindings.cells) order.push_back(cell.get());
  std::sort(order.begin(), order.end());
  for (RefCell* cell : order) locks_.emplace_back(cell->mutex);
  for (const auto& cell : bindings.cells) inputs.push_back(cell->value);
}

RefCallScope::~RefCallScope() = default;

void RefCallScope::write_back(std::vector<Array>& outputs) {
  std::size_t written = 0;
  for (bool w : bindings_.written) written += w ? 1 : 0;
  std::size_t next = outputs.size() - written;
  for (std::size_t i = 0; i < bindings_.cells.size(); ++i) {
    if (bindings_.written[i]) bindings_.cells[i]->value = std::move(outputs[next++]);
  }
  outputs.resize(outputs.size() - written);
}

}  // namespace detail

Ref new_ref(const Array& value, std::source_location loc) {
  if (!value.valid())
    throw ValueError("new_ref", "a ref must hold an array, not an empty handle", format_location(loc));
  auto cell = std::make_shared<detail::RefCell>();
  cell->value = value;
  cell->type = value.type();
  cell->created_under = outermost_trace();
  return Ref(std::move(cell));
}

Ref empty_ref(const ArrayType& type, std::source_location loc) {
  if (!is_numeric(type.dtype)) {
    throw DTypeError("empty_ref", fmt::format("cannot hold {}", dtype_name(type.dtype)), format_location(loc));
  }
  return new_ref(numpy::zeros(type.shape, type.dtype), loc);
}

Array freeze(const Ref& ref, std::source_location loc) {
  const Array value = ref.get(loc);
  std::lock_guard lock(ref.cell_->mutex);
  invalidate(*ref.cell_, "freeze", loc);
  return value;
}

void free_ref(const Ref& ref, std::source_location loc) {
  std::lock_guard lock(ref.cell_->mutex);
  invalidate(*ref.cell_, "free_ref", loc);
}

Array Ref::get(std::source_location loc) const {
  detail::RefCell& cell = *cell_;
  check_usable(cell, "Ref.get", loc);
  const Trace* root = outermost_trace();
  if (root && root != cell.created_under) {
    if (detail::RefFunctionalizer* functionalizer = detail::current_functionalizer()) {
      (void)loc;
      return functionalizer->use(cell_).current;
    }
  }
  std::lock_guard lock(cell.mutex);
  return cell.value;
}

void Ref::set(const Array& value, std::source_location loc) const {
  detail::RefCell& cell = *cell_;
  check_usable(cell, "Ref.set", loc);
  check_type(cell, value, loc);
  const Trace* root = outermost_trace();
  if (root && root != cell.created_under) {
    if (detail::RefFunctionalizer* functionalizer = detail::current_functionalizer()) {
      // The value must belong to the jitted function's own trace (or be concrete): a value of an
      // inner transformation (a grad or vmap inside it) would outlive its trace in the ref.
      if (value.is_tracer()) {
        const Trace* owner = static_cast<const Tracer*>(value.impl())->trace();
        if (owner != root) {
          throw TypeError("Ref.set",
                          "cannot store a value traced by a transformation inside the jitted function (" +
                              (owner ? owner->description() : std::string("an ended trace")) +
                              ") in a ref it closes over: return the value from that transformation first",
                          format_location(loc));
        }
      }
      detail::RefUse& use = functionalizer->use(cell_);
      use.current = value;
      use.written = true;
      return;
    }
    if (value.is_tracer()) {
      throw TypeError("Ref.set",
                      "a ref created outside " + root->description() +
                          " cannot be set to a traced value inside it: pass the value in and out of the "
                          "function, or create the ref inside it",
                      format_location(loc));
    }
  }
  std::lock_guard lock(cell.mutex);
  cell.value = value;
}

}  // namespace jx
