// src/ir/primitives/cholesky.h — the Cholesky factorization and the triangular solve it needs.
//
// cholesky: (..., n, n) -> its lower factor L (A = L L^H), read from the lower triangle only; a
// matrix that is not positive definite gives all NaN (JAX's behaviour on CPU). Float or complex. Its
// derivative (Murray, "Differentiation of the Cholesky decomposition", 2016) is
//   dL = L Phi(L^-1 dA L^-H),   Phi(X) = the lower triangle of X with its diagonal halved,
// two triangular solves and a product, so both primitives are differentiable to any order.
//
// triangular_solve: op(a) x = b (left side) or x op(a) = b (right side) for triangular a, with the
// batch dimensions of a and b equal (lax.linalg.triangular_solve's primitive). Linear in b, so it
// transposes in b: the transpose is the solve with op(a) transposed (not conjugated: JAX's
// transposition is the linear transpose, also for complex numbers).
#pragma once

#include <tuple>

#include "backends/cpu/triangular_solve.h"
#include "jx/ir/primitive.h"

namespace jx::primitives {

class Cholesky final : public PrimitiveBase<Cholesky> {
 public:
  std::string_view name() const override { return "cholesky"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple<>{}; }
};

class TriangularSolve final : public PrimitiveBase<TriangularSolve> {
 public:
  explicit TriangularSolve(cpu::TriangularSolveSpec spec)
      : left_side_(spec.left_side),
        lower_(spec.lower),
        transpose_a_(spec.transpose_a),
        conjugate_a_(spec.conjugate_a),
        unit_diagonal_(spec.unit_diagonal) {}
  cpu::TriangularSolveSpec spec() const { return {left_side_, lower_, transpose_a_, conjugate_a_, unit_diagonal_}; }

  std::string_view name() const override { return "triangular_solve"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const {
    return std::tuple{Param{"left_side", left_side_}, Param{"lower", lower_}, Param{"transpose_a", transpose_a_},
                      Param{"conjugate_a", conjugate_a_}, Param{"unit_diagonal", unit_diagonal_}};
  }

 private:
  bool left_side_, lower_, transpose_a_, conjugate_a_, unit_diagonal_;
};

}  // namespace jx::primitives
