// jx/ir/kernel.h — a primitive compiled for fixed operand types: what jit's planned executor runs.
//
// jit plans a program once: every intermediate gets a place in one arena, reused by liveness, and every
// equation is lowered to a Kernel — a function over raw, dense, row-major buffers of exactly the types
// it was compiled for — that allocates nothing and infers nothing when it runs. A primitive lowers
// itself (Primitive::lower) beside its eager kernel; one that does not is run through its eager kernel
// by the executor, at the cost of wrapping its operands as arrays.
//
//   Kernel Binary::lower(const LoweringContext& context) const {
//     const std::int64_t n = context.outputs[0].size();
//     return Kernel{[op = op_, n](const KernelCall& call) { add_floats(call.inputs[0], ..., n); }};
//   }
//
// Primitives that hold programs (loops, branches) compile them with `context.compile`, which gives a
// CompiledProgram running in scratch memory that the enclosing plan reserves for it: a loop of a
// thousand iterations allocates nothing.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "jx/core/array_type.h"

namespace jx {

class Program;

// The operands of one kernel call. Inputs and outputs are dense row-major buffers of the compiled
// types (64-byte aligned when they come from the plan); `scratch` holds the kernel's scratch_bytes.
// Outputs never overlap inputs unless the kernel said it allows that (Kernel::in_place).
struct KernelCall {
  const std::byte* const* inputs;
  std::byte* const* outputs;
  std::byte* scratch;
};

struct Kernel {
  std::function<void(const KernelCall&)> run;
  std::size_t scratch_bytes = 0;
  // Output 0 may share memory with an input of its own type: each element is read before the same
  // element is written (elementwise kernels). The planner uses this to update donated buffers in place.
  bool in_place = false;
  // The same for particular (output, input) pairs of kernels with several outputs (fused groups).
  std::vector<std::pair<int, int>> in_place_pairs = {};

  explicit operator bool() const { return static_cast<bool>(run); }
};

// A program compiled by the backend, run on raw buffers of its input and output types.
class CompiledProgram {
 public:
  virtual ~CompiledProgram() = default;
  // Outputs must not overlap inputs. `scratch` holds scratch_bytes() of 64-byte aligned memory.
  virtual void run(const std::byte* const* inputs, std::byte* const* outputs, std::byte* scratch) const = 0;
  virtual std::size_t scratch_bytes() const = 0;
};

struct LoweringContext {
  std::span<const ArrayType> inputs;
  std::span<const ArrayType> outputs;
  // Compiles a closed program (a loop body, a branch) for the kernel to run.
  using Compiler = std::function<std::shared_ptr<const CompiledProgram>(const Program&)>;
  Compiler compile;
};

}  // namespace jx
