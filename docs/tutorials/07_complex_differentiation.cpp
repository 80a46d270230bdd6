// JAX's "Complex numbers and differentiation" tutorial (docs/complex-differentiation.md), cell by cell
// in jx.
//
// Every cell of this page computes with complex numbers (Python's 1j, complex64 arrays, holomorphic
// grad, a complex Cholesky factorization), and jx has no complex dtypes yet (issue 17), so none is
// translated: each is listed with what it needs. Even the first cell, which only defines functions,
// builds its f from u + v * 1j. The page's outputs, for when complex numbers land, are in
// docs/notebooks/autodiff_cookbook.ipynb: True True True (cell 3), nothing (cell 5),
// Array(6.-8.j, dtype=complex64) (cell 6), Array(-27.034945-3.8511531j, dtype=complex64) (cell 7),
// Array(1.-0.j, dtype=complex64) (cell 8) and a 3x3 complex64 gradient (cell 9).
//
// Run: ./build/default/docs/tutorials/tutorial_07_complex_differentiation
#include <jx/jx.h>

#include "tutorial.h"

int main() {
  tutorial::Tutorial t("Complex numbers and differentiation", "docs/complex-differentiation.md", 9);

  t.not_translated("f(z) = u(x, y) + v(x, y) * 1j with jnp.real/jnp.imag: complex dtypes (issue 17)");
  t.not_translated("check(seed): jvp of a C -> C function, z = x + y * 1j: complex dtypes (issue 17)");
  t.not_translated("check(0..2) of the complex JVP: complex dtypes (issue 17)");
  t.not_translated("check(seed): vjp of a C -> C function with a complex cotangent: complex dtypes (issue 17)");
  t.not_translated("check(0..2) of the complex VJP: complex dtypes (issue 17)");
  t.not_translated("grad of a C -> R function at 3. + 4j: complex dtypes (issue 17)");
  t.not_translated("grad(jnp.sin, holomorphic=True) at 3. + 4j: complex dtypes, holomorphic= (issue 17)");
  t.not_translated("grad(jnp.conjugate, holomorphic=True): complex dtypes, jnp.conjugate (issue 17)");
  t.not_translated("grad through jnp.linalg.cholesky of a complex Hermitian matrix: complex dtypes, linalg (issue 17)");

  return t.finish();
}
