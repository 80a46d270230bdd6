// src/transforms/ref_cell.h — what a jx::Ref points to, and how jit functionalizes refs.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "jx/core/array.h"

namespace jx {
class Trace;
class StagingTrace;
}  // namespace jx

namespace jx::detail {

struct RefCell {
  // Held while a jitted call reads the value in and writes it back; recursive, so that a debug
  // callback of that call may still read the ref on the same thread.
  std::recursive_mutex mutex;
  Array value;
  ArrayType type;                             // fixed at creation: shape, dtype (the weak flag may change)
  const Trace* created_under = nullptr;       // the outermost trace active at creation, if any
  StagingTrace* functionalized_by = nullptr;  // the jit trace turning it into inputs and outputs now
  const char* invalidated_by = nullptr;       // "freeze" or "free_ref" once the ref may not be used
};

// A ref a jitted function touched while it was traced: an input of the program (its value before
// the call), and, if written, an output (its value after).
struct RefUse {
  std::shared_ptr<RefCell> cell;
  Array input;    // the tracer standing for the value at entry
  Array current;  // the value as traced so far
  bool written = false;
};

// Collects the refs touched while tracing one jitted function (installed on the jit's staging trace).
class RefFunctionalizer {
 public:
  explicit RefFunctionalizer(StagingTrace& trace);
  ~RefFunctionalizer();  // releases the refs for other traces
  RefFunctionalizer(const RefFunctionalizer&) = delete;
  RefFunctionalizer& operator=(const RefFunctionalizer&) = delete;

  RefUse& use(const std::shared_ptr<RefCell>& cell);
  std::vector<RefUse>& uses() { return uses_; }

 private:
  StagingTrace& trace_;
  std::vector<RefUse> uses_;
};

// The functionalizer of the jit trace at the bottom of the current trace stack, if there is one.
RefFunctionalizer* current_functionalizer();

// The refs a compiled jitted function reads (all of them become inputs) and writes (outputs).
struct RefBindings {
  std::vector<std::shared_ptr<RefCell>> cells;  // in program input order
  std::vector<bool> written;                    // per cell; written ones are outputs, in order

  bool empty() const { return cells.empty(); }
};

// For a call of a compiled jitted function: locks the refs (in address order, so concurrent calls
// never deadlock), appends their values to the inputs, and after the run writes the outputs back.
class RefCallScope {
 public:
  RefCallScope(const RefBindings& bindings, std::vector<Array>& inputs);
  ~RefCallScope();
  RefCallScope(const RefCallScope&) = delete;
  RefCallScope& operator=(const RefCallScope&) = delete;
  // Takes the trailing ref outputs off `outputs` and stores them in the refs.
  void write_back(std::vector<Array>& outputs);

 private:
  const RefBindings& bindings_;
  std::vector<std::unique_lock<std::recursive_mutex>> locks_;
};

}  // namespace jx::detail
