// src/transforms/program_transforms.h — transformations of whole programs, for the rules of
// primitives that hold programs (cond, while, scan): their bodies are differentiated, transposed and
// batched as programs, by tracing the interpreter (eval_program) under the transformation.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "jx/ir/program.h"

namespace jx::detail {

using FlatFunction = std::function<ArrayList(std::span<const Array>)>;

// Traces f on inputs of these types into a closed program (f may only use its inputs).
Program trace_program(const FlatFunction& f, std::span<const ArrayType> types, const std::string& what);

// f traced on inputs of these types under the current trace, so that it may close over that trace's
// tracers (they become the program's constants); not optimized.
Program trace_in_context(const FlatFunction& f, std::span<const ArrayType> types, const std::string& what);

// A user's function (a branch, a loop body, a checkpointed function) traced into a closed program,
// optimized: whatever it captured — concrete arrays or tracers of enclosing traces — became explicit
// leading inputs (closure conversion), whose values are `consts`.
struct ClosedBody {
  std::shared_ptr<const Program> program;
  ArrayList consts;
};
ClosedBody trace_closure(const FlatFunction& f, std::span<const ArrayType> types, const std::string& what);

// Forward mode: inputs (primals..., tangents of the inputs marked in `with_tangent`...) -> outputs
// (primal outputs..., output tangents...), tangents of floating outputs instantiated, others omitted.
Program jvp_program(const Program& program, const std::vector<bool>& with_tangent);

// Reverse-mode preparation, JAX's partial evaluation of a body: `forward` computes the outputs and the
// residuals (inputs -> outputs..., residuals...); `linear` computes the output tangents from them
// ((residuals..., tangents of the inputs marked in `with_tangent`...) -> tangents of the floating
// outputs, zeros instantiated).
struct SplitProgram {
  Program forward;
  Program linear;
  std::size_t num_residuals = 0;
};
SplitProgram linearize_program(const Program& program, const std::vector<bool>& with_tangent);

// The transpose of a program linear in the inputs not marked `known`: inputs (known inputs..., output
// cotangents...) -> cotangents of the linear inputs (zeros instantiated), in input order.
Program transpose_program(const Program& linear, const std::vector<bool>& known);

// vmap of a program: inputs marked `batched` carry a leading batch axis of `size`; every output gets a
// leading batch axis.
Program batch_program(const Program& program, const std::vector<bool>& batched, std::int64_t size);

// Appends equations computing zeros of `type` to a program; returns the atom holding them.
Atom append_zeros(Program& program, const ArrayType& type);

// Whether the innermost trace is staging the linear part of a reverse-mode derivative.
bool in_reverse_mode();

}  // namespace jx::detail
