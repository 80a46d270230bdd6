// src/transforms/autodiff_core.h — the type-erased machinery behind jx::grad, vjp, jvp, linearize.
//
// Reverse mode is JAX's: linearize the function — a JVP trace whose tangent computations are staged
// into a linear program while the primal computations run (or are traced) as usual — then run that
// program backwards with each primitive's transpose rule. The linear program's constants are the
// residuals: exactly the forward values the backward pass needs, nothing else.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "jx/ir/program.h"

namespace jx::detail {

using FlatFunction = std::function<ArrayList(std::span<const Array>)>;

class Linearized {
 public:
  ArrayList primal_outputs;
  Program linear;                 // tangent inputs -> non-zero output tangents
  std::vector<int> input_slots;   // per primal input: its index in linear.inputs, or -1 (not differentiated)
  std::vector<int> output_slots;  // per primal output: its index in linear.outputs, or -1 (zero tangent)
  std::vector<ArrayType> input_types;
  std::vector<ArrayType> output_types;

  // Reverse: output cotangents (empty = zero) to a cotangent per primal input (empty where zero or not
  // differentiated).
  ArrayList transpose(std::span<const Array> output_cotangents) const;
  // Forward: input tangents (empty = zero) to output tangents (zeros instantiated).
  ArrayList apply(std::span<const Array> input_tangents) const;
};

// Linearizes fn at `primals`, differentiating with respect to the inputs marked in `wrt` (they must be
// floating point). `aux_outputs`: how many trailing outputs are auxiliary (not differentiated).
std::shared_ptr<Linearized> linearize(std::span<const Array> primals, const std::vector<bool>& wrt,
                                      const FlatFunction& fn, const std::string& description);

// Forward mode: (outputs, output tangents), tangents instantiated as zeros where they vanish.
std::pair<ArrayList, ArrayList> jvp(std::span<const Array> primals, std::span<const Array> tangents,
                                    const FlatFunction& fn, const std::string& description);

// Runs a linear program backwards: cotangents of its outputs to cotangents of its inputs.
ArrayList backward_pass(const Program& program, std::span<const Array> output_cotangents);

// Zeros of a type (a broadcast scalar: free eagerly, one equation when traced).
Array zeros(const ArrayType& type);

}  // namespace jx::detail
