#!/usr/bin/python3
"""Expected values, from NumPy and SciPy, for jx's linear algebra (jnp.linalg, jax.scipy.linalg, jax.lax.linalg).

Run with Debian's Python (python3-numpy, python3-scipy; the default `python3` may have no NumPy):

    /usr/bin/python3 tools/linalg_oracle.py            # rewrites tests/data/linalg_oracle.json
    /usr/bin/python3 tools/linalg_oracle.py --check    # fails if the committed file is stale
    /usr/bin/python3 tools/linalg_oracle.py --stats    # only prints the number of cases per op

Inputs. Every case draws its inputs from its own np.random.default_rng, seeded with the CRC-32 of the
case's name, using only uniform draws (exact IEEE arithmetic on the generator's integers), so adding
or removing a case changes no other case. Where an input is built from others (a Hermitian matrix
from a random one, Q diag(s) Q^H with Q a product of Householder reflectors, a Schur form Q T Q^H)
the products are summed with math.fsum, correctly rounded, instead of BLAS, so the inputs are the
same bits on every CPU. float32 and complex64 inputs are built in double precision and then rounded
to the dtype; the file holds those exact values. The one exception is householder_product, whose
inputs are LAPACK's geqrf output (rounded to the dtype), which may differ in the last bits across
CPUs; --check allows for that (below).

Expected values are computed in float64/complex128 from the exact (rounded) inputs, so a float32
case checks jx against a double-precision answer, not against LAPACK's float32 rounding. They are
written with the case's *result* dtype (float32 for float32 input, ...) but with all the digits of
the double-precision value; the test rounds. Numbers are Python's repr of a double, or the strings
"nan", "inf", "-inf"; complex entries are [re, im] pairs.

Tolerances. The test checks |actual - expected| <= atol + rtol * |expected| elementwise (on the
magnitude of the complex difference; infinities and NaNs must match exactly). With eps the unit
roundoff of the dtype's real type (2^-23 for float32, 2^-52 for float64) a case gets
rtol = 50 * eps * c, where c is the condition number that bounds the relative error of a backward
stable algorithm: the 2-norm condition number of the matrix for solves, inverses, pinv (of the kept
singular values), polar and tensorinv/tensorsolve; its square for lstsq; of the triangle that is read
for solve_triangular; sqrt(n) times it for det and slogdet; twice it for cond; |n| times it for
matrix powers with n < 0 (|n| for n > 0; atol scaled by the largest entry of |b|^|n|, b = a or
inv(a)); the largest eigenvalue condition number (from the left and right eigenvectors) for
eigvals; the relative condition number of the matrix function for expm
(scipy.linalg.expm_cond) and sqrtm (from the Kronecker form of its Frechet derivative, times the
Schur method's growth ||X||^2 / ||A||); m for householder_product; 1 for Hermitian eigenvalues and
singular values. Norms use 64 * eps (times the condition number for the smallest singular value,
ord=-2). atol is rtol times the largest magnitude among the expected values (||A||_2 for eigvals;
max(1, |logabsdet|) for slogdet). Products and sums (multi_dot, cross, outer, vecdot, trace) get
rtol = 8 * eps * (the number of terms summed) and atol = rtol times the largest entry of the same
product of absolute values, the scale that cancellation loses. Layout-only ops
(diagonal, matrix_transpose, toeplitz, block_diag), integer results (ranks, permutations), matrix
powers with n = 0, empty arrays and the singular determinants are exact: rtol = atol = 0. Replaying
every case with NumPy/SciPy's own float32 LAPACK (a correct implementation of the same precision)
uses at most 5% of these tolerances. The inputs are kept well conditioned (condition numbers below
100) except where the name says otherwise: "illcond" (1e7, 1e8), "singular", "rank<r>" (exactly
rank deficient: some columns are exact multiples of others), "tiny" and "svals"/"small" (chosen
singular values, one of which a cutoff drops).

Semantics are JAX's, read from its source; where NumPy 1.24 or SciPy 1.10 differs, the expected
value is computed to JAX's rule (search for "JAX:"). In particular:
  * solve: b is a vector exactly when b.ndim == 1 (then x has shape a.shape[:-1]); otherwise b is a
    stack of matrices (..., n, k) broadcast against a's batch dimensions.
  * pinv: the default rtol is 10 * max(m, n) * eps(dtype); singular values <= rtol * s_max are
    dropped.
  * matrix_rank: the default tolerance is s_max * max(m, n) * eps(dtype); a given rtol is compared
    with the singular values directly (S > rtol), as JAX's code does (its docstring says relative).
    The rank is the default integer type: int32, or int64 when x64 is on; int32 for 1-D input.
  * lstsq: rcond defaults to eps(dtype) * max(m, n), a singular value s is kept when s > 0 and
    s >= rcond * s_max; residuals are always returned, |b - a x|^2 summed over rows, of shape (k,)
    for a (m, k) b and (1,) for a vector b; the rank is the default integer type.
  * eigvals, sqrtm: the result is complex (complex64 for float32/complex64 input, complex128
    otherwise), also for a real matrix whose square root is real (JAX's sqrtm works on the complex
    Schur form). sqrtm takes one matrix (no batch), as JAX's does. No input has an eigenvalue on
    the closed negative real axis, where the principal square root is not unique (it would depend
    on the sign of a rounding-level imaginary part).
  * eigvals: each matrix's eigenvalues are sorted by (real, imag); the test sorts jx's result the
    same way before comparing. Distinct eigenvalues have real parts at least 0.1 apart except the
    two of a complex-conjugate pair of a real matrix (which have equal real parts), so a sort that
    treats real parts within the case's tolerance as equal and then orders by imag is unambiguous.
  * toeplitz: with c only, r is conj(c); c and r may be batched (..., n), JAX's vectorized rule.
  * polar: scipy.linalg.polar's values, which JAX's method="svd" computes too; JAX's default
    method (QDWH) accepts only side="right" when m >= n, so the side="left" cases (m >= n) follow
    SciPy's definition: a = p u with p = (a a^H)^(1/2) of shape (m, m).
  * cross: jnp.linalg.cross, which accepts only vectors of length 3 (jnp.cross also takes 2).

The JSON format (one case per line, so diffs stay readable; tools/oracle_cases.py writes it):

  {"cases": [
  {"name": unique case name, "op": the op (the C++ table's key), "x64": whether
   jx::config::enable_x64 is on (true when an argument or result is float64, complex128 or int64),
   "args": [array, ...], "params": {op-specific options}, "expected": [array, ...],
   "rtol": float, "atol": float},
  ...
  ]}

  array: {"dtype": "float32" | "float64" | "complex64" | "complex128" | "int32" | "int64" | "bool",
          "shape": [...], "data": [...]} with the row-major flat data.
  params: norms' "ord" is null, a number, "fro", "nuc", or "inf" / "-inf" for +-infinity; an
  "axis" is null, an int or a list of ints.

Ops, their arguments, params and expected values:
  det, scipy_det [a] -> [det];  slogdet [a] -> [sign, logabsdet];  inv, scipy_inv [a] -> [inv]
  solve [a, b] -> [x];  scipy_solve [a, b] {assume_a, lower} -> [x]
  pinv [a] {rtol, hermitian} -> [pinv];  matrix_rank [a] {rtol} -> [rank]
  eigvalsh, eigh_values [a] {UPLO} -> [w ascending];  svdvals [a] -> [s descending]
  eigvals [a] -> [w sorted];  norm [x] {ord, axis, keepdims};  vector_norm [x] {ord, axis, keepdims}
  matrix_norm [x] {ord, keepdims};  matrix_power [a] {n};  cond [a] {p}
  lstsq [a, b] {rcond} -> [x, residuals, rank, s];  multi_dot [a1, ..., ak] -> [product]
  tensorinv [a] {ind};  tensorsolve [a, b] {axes};  cross [a, b] {axis};  outer [a, b]
  trace, diagonal [x] {offset, axis1, axis2};  vecdot [x, y] {axis};  matrix_transpose [x]
  lu_solve [a, b] {trans}: the test factors a with lu_factor, expected x with op(a) x = b
  cho_solve [a, b] {lower}: the test factors a with cho_factor, expected x with a x = b
  solve_triangular [a, b] {trans, lower, unit_diagonal}: the unread triangle (and the diagonal when
    unit_diagonal) holds garbage
  expm [a];  sqrtm [a];  polar [a] {side} -> [u, p];  block_diag [a1, ...];  toeplitz [c] or [c, r]
  tridiagonal_solve [dl, d, du, b]: dl[..., 0] and du[..., m-1] hold garbage (they are not read)
  lu_pivots_to_permutation [pivots] {permutation_size} -> [perm];  pivots are 0-based row swaps
  householder_product [a, taus] (LAPACK geqrf's output) -> [q (m, n)]

--check regenerates the file in memory and compares it with the committed one: everything but
floating-point numbers must be identical, inputs and tolerances must agree to 1e-6 relative, and
expected values within a quarter of their case's tolerance (tools/oracle_compare.py), since LAPACK's
last bits depend on the CPU.
"""

import math
import os
import sys
import warnings
from functools import reduce

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack

import oracle_cases
from oracle_cases import COMPLEX, REAL, SHORT, Arr, cplx, eps, is_complex, rng_for, rnd, shape_name, uniform

warnings.simplefilter("ignore")
np.seterr(all="ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "tests", "data", "linalg_oracle.json")

# ------------------------------------------------------------------------------------------------
# Dtypes, arrays and cases
# ------------------------------------------------------------------------------------------------

FLOATS = ("float32", "float64", "complex64", "complex128")
WIDE_DTYPES = ("float64", "complex128", "int64")
INF = math.inf


def default_int(dtype):
    """JAX's default integer type in a case whose inputs have this float dtype (x64 iff 64-bit)."""
    return "int64" if dtype in ("float64", "complex128") else "int32"


CASES = oracle_cases.Cases(WIDE_DTYPES)
add = CASES.add


def max_abs(*arrays):
    m = 0.0
    for a in arrays:
        v = np.abs(np.asarray(a, dtype=np.complex128)).ravel()
        v = v[np.isfinite(v)]
        if v.size:
            m = max(m, float(v.max()))
    return m


def tol(dtype, cond=1.0, scale=None, expected=(), factor=50.0):
    """rtol = factor * eps * cond; atol = rtol * scale (by default the largest expected magnitude)."""
    rtol = factor * eps(dtype) * max(1.0, float(cond))
    if scale is None:
        scale = max_abs(*expected)
    return rtol, rtol * scale


def ord_param(o):
    if o is None or isinstance(o, str):
        return o
    if o == INF:
        return "inf"
    if o == -INF:
        return "-inf"
    return int(o) if float(o).is_integer() else float(o)


# ------------------------------------------------------------------------------------------------
# Inputs: exact, CPU-independent constructions
# ------------------------------------------------------------------------------------------------

def scale(x, s):
    """x * s for a real s (broadcast), real and imaginary parts separately (no complex multiply)."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        return cplx(x.real * s, x.imag * s)
    return x * s


def pmm(a, b):
    """a @ b for 2-D a, b, every entry the correctly rounded sum of the rounded products (math.fsum):
    the same bits on every CPU, unlike BLAS."""
    a, b = np.asarray(a), np.asarray(b)
    m, k = a.shape
    k2, n = b.shape
    assert k == k2
    complex_ = np.iscomplexobj(a) or np.iscomplexobj(b)
    out = np.zeros((m, n), dtype=np.complex128 if complex_ else np.float64)
    ar, ai = np.real(a).astype(np.float64), np.imag(a).astype(np.float64)
    br, bi = np.real(b).astype(np.float64), np.imag(b).astype(np.float64)
    for i in range(m):
        for j in range(n):
            if complex_:
                re = math.fsum(list(ar[i] * br[:, j]) + list(-(ai[i] * bi[:, j])))
                im = math.fsum(list(ar[i] * bi[:, j]) + list(ai[i] * br[:, j]))
                out[i, j] = complex(re, im)
            else:
                out[i, j] = math.fsum(ar[i] * br[:, j])
    return out


def hermitian_part(b):
    """(b + b^H) / 2, exactly Hermitian (entries (i, j) and (j, i) are computed alike)."""
    return (b + np.conj(b).T) / 2


def unitary(rng, n, complex_):
    """A product of Householder reflectors I - 2 v v^H / (v^H v): unitary to rounding."""
    q = np.eye(n, dtype=np.complex128 if complex_ else np.float64)
    for _ in range(min(n, 3)):
        if complex_:
            v = cplx(rng.uniform(-1, 1, n), rng.uniform(-1, 1, n))
        else:
            v = rng.uniform(-1, 1, n)
        vv = math.fsum(list(np.real(v) ** 2) + list(np.imag(v) ** 2))
        h = np.eye(n, dtype=q.dtype) - scale(pmm(v[:, None], np.conj(v)[None, :]), 2.0 / vv)
        q = pmm(q, h)
    return q


def with_svals(rng, m, n, svals, dtype):
    """Q1[:, :k] diag(svals) Q2[:, :k]^H (k = len(svals)), rounded to dtype."""
    k = len(svals)
    q1 = unitary(rng, m, is_complex(dtype))[:, :k]
    q2 = unitary(rng, n, is_complex(dtype))[:, :k]
    return rnd(pmm(scale(q1, np.asarray(svals, dtype=np.float64)[None, :]), np.conj(q2).T), dtype)


def geometric(k, cond, top=2.0):
    """k singular values from top down to top / cond, geometrically spaced."""
    if k == 1:
        return [top]
    return [top * cond ** (-i / (k - 1)) for i in range(k)]


def stack(batch, make):
    mats = [make() for _ in range(math.prod(batch))]
    return np.array(mats).reshape(tuple(batch) + mats[0].shape)


def cond2(a):
    """The largest 2-norm condition number over the matrices of a stack (1 for an empty stack)."""
    a = np.asarray(a, dtype=np.complex128)
    if a.size == 0:
        return 1.0
    s = np.linalg.svd(a, compute_uv=False)
    return float(np.max(s[..., 0] / s[..., -1]))


def random_square(rng, batch, n, dtype, limit=60.0):
    """Uniform(-1, 1) matrices (redrawn until the condition number is below limit)."""

    def make():
        while True:
            a = uniform(rng, (n, n), dtype)
            if cond2(a) < limit:
                return a

    return stack(batch, make)


def conditioned(rng, batch, m, n, dtype, cond=20.0, top=2.0):
    return stack(batch, lambda: with_svals(rng, m, n, geometric(min(m, n), cond, top), dtype))


def hermitian(rng, batch, n, dtype):
    return stack(batch, lambda: hermitian_part(uniform(rng, (n, n), dtype)))


def hpd(rng, batch, n, dtype):
    """B B^H + n I / 2: Hermitian positive definite, exactly Hermitian."""

    def make():
        b = uniform(rng, (n, n), dtype)
        return rnd(hermitian_part(pmm(b, np.conj(b).T) + np.eye(n) * (n / 2.0)), dtype)

    return stack(batch, make)


def rank_deficient(rng, m, n, r, dtype):
    """An m x n matrix of rank exactly r (also after rounding): r independent columns, the others
    exact multiples (by powers of two, -1, or +-i) of them, columns shuffled."""
    base = with_svals(rng, m, r, geometric(r, 4.0), dtype)
    mults = [2.0, -1.0, 0.5, -4.0] + ([1j, -0.5j] if is_complex(dtype) else [])
    cols = [base[:, j] for j in range(r)]
    for _ in range(r, n):
        cols.append(base[:, int(rng.integers(r))] * mults[int(rng.integers(len(mults)))])
    a = np.stack(cols, axis=1)[:, rng.permutation(n)]
    return rnd(a, dtype)


def wide(dtype):
    return np.complex128 if is_complex(dtype) else np.float64


# ------------------------------------------------------------------------------------------------
# Expected values (JAX's rules)
# ------------------------------------------------------------------------------------------------

def mT(x):
    return np.swapaxes(x, -1, -2)


def solve_expected(a, b):
    """JAX: b is a vector iff b.ndim == 1; otherwise a stack of (n, k) matrices, batch broadcast."""
    n = a.shape[-1]
    if b.ndim == 1:
        bb = np.broadcast_to(b[:, None], a.shape[:-2] + (n, 1))
        return np.linalg.solve(a, bb)[..., 0]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]),
                           np.broadcast_to(b, batch + b.shape[-2:]))


def pinv_expected(a, rtol, dtype):
    """JAX: rtol defaults to 10 * max(m, n) * eps(dtype); singular values <= rtol * s_max dropped."""
    m, n = a.shape[-2:]
    r = 10.0 * max(m, n) * eps(dtype) if rtol is None else rtol
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    keep = s > r * s[..., :1]
    sinv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)
    return np.conj(mT(vh)) @ (sinv[..., None] * np.conj(mT(u))), s, keep


def matrix_rank_expected(a, rtol, dtype):
    if a.ndim < 2:
        return np.asarray(int(np.any(a != 0)))
    s = np.linalg.svd(a, compute_uv=False)
    if rtol is None:
        t = s.max(-1) * max(a.shape[-2:]) * eps(dtype)
    else:
        t = np.asarray(rtol)  # JAX: compared with the singular values directly
    return np.sum(s > t[..., None], axis=-1)


def vector_norm_expected(x, ord, axis, keepdims):
    if axis is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axis, int):
        axes = (axis,)
    else:
        axes = tuple(axis)
    a = np.abs(x)
    if ord == INF:
        return a.max(axis=axes, keepdims=keepdims)
    if ord == -INF:
        return a.min(axis=axes, keepdims=keepdims)
    if ord == 0:
        return (x != 0).sum(axis=axes, keepdims=keepdims).astype(np.float64)
    if ord == 1:
        return a.sum(axis=axes, keepdims=keepdims)
    if ord == 2:
        return np.sqrt((a ** 2).sum(axis=axes, keepdims=keepdims))
    return (a ** ord).sum(axis=axes, keepdims=keepdims) ** (1.0 / ord)


def norm_expected(x, ord, axis, keepdims):
    if axis is None and ord is None:
        return np.sqrt((np.abs(x) ** 2).sum(keepdims=keepdims))
    if axis is None:
        axis = tuple(range(x.ndim))
    if isinstance(axis, int) or len(axis) == 1:
        return vector_norm_expected(x, 2 if ord is None else ord, axis, keepdims)
    return np.linalg.norm(x, ord=ord, axis=tuple(axis), keepdims=keepdims)


def lstsq_expected(a, b, rcond, dtype):
    m, n = a.shape
    b2 = b[:, None] if b.ndim == 1 else b
    if rcond is None:
        rc = eps(dtype) * max(m, n)
    else:
        rc = eps(dtype) if rcond < 0 else rcond
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    mask = (s > 0) & (s >= rc * s[0])
    sinv = np.where(mask, 1.0 / np.where(mask, s, 1.0), 0.0)
    x = np.conj(vh).T @ (sinv[:, None] * (np.conj(u).T @ b2))
    resid = np.sum(np.abs(b2 - a @ x) ** 2, axis=0)  # JAX: always, shape (k,) or (1,)
    if b.ndim == 1:
        x = x.ravel()
    return x, resid, int(mask.sum()), s, s[0] / s[mask][-1]


def sorted_eigvals(a):
    w = np.linalg.eigvals(a)
    out = np.empty_like(w)
    for idx in np.ndindex(*a.shape[:-2]):
        v = w[idx]
        out[idx] = v[np.lexsort((v.imag, v.real))]
    return out


def eig_condition(a):
    """The largest eigenvalue condition number ||y|| ||x|| / |y^H x| over a stack."""
    worst = 1.0
    for idx in np.ndindex(*a.shape[:-2]):
        _, vl, vr = sla.eig(a[idx], left=True, right=True)
        for i in range(vr.shape[1]):
            x, y = vr[:, i], vl[:, i]
            worst = max(worst, np.linalg.norm(x) * np.linalg.norm(y) / abs(np.vdot(y, x)))
    return worst


def sqrtm_condition(a, x):
    """Relative condition number of the principal square root: ||(I (x) X + X^T (x) I)^-1||_2
    ||A||_F / ||X||_F, and the Schur method's growth ||X||_F^2 / ||A||_F."""
    n = a.shape[0]
    k = np.kron(np.eye(n), x) + np.kron(x.T, np.eye(n))
    kinv = np.linalg.norm(np.linalg.inv(k), 2)
    fa, fx = np.linalg.norm(a), np.linalg.norm(x)
    return kinv * fa / fx * max(1.0, fx * fx / fa)


# ------------------------------------------------------------------------------------------------
# The cases
# ------------------------------------------------------------------------------------------------

def cycle(items, k):
    return items[k % len(items)]


def gen_det_slogdet_inv():
    shapes = {"float32": [(1, 1), (3, 3), (3, 5, 5)], "float64": [(2, 2), (4, 4), (2, 3, 3, 3)],
              "complex64": [(1, 1), (3, 3), (6, 6)], "complex128": [(2, 2), (5, 5), (2, 3, 4, 4)]}
    for dtype in FLOATS:
        for shape in shapes[dtype]:
            batch, n = shape[:-2], shape[-1]
            for op in ("det", "slogdet", "inv"):
                name = f"{op}/{SHORT[dtype]}/{shape_name(shape)}"
                a = random_square(rng_for(name), batch, n, dtype)
                k = cond2(a)
                if op == "det":
                    d = np.linalg.det(a)
                    rtol, atol = tol(dtype, k * math.sqrt(n), expected=[d])
                    add(name, op, [Arr(a, dtype)], [Arr(d, dtype)], rtol=rtol, atol=atol)
                elif op == "slogdet":
                    sign, logdet = np.linalg.slogdet(a)
                    rtol = 50 * eps(dtype) * k * math.sqrt(n)
                    add(name, op, [Arr(a, dtype)], [Arr(sign, dtype), Arr(logdet, REAL[dtype])],
                        rtol=rtol, atol=rtol * max(1.0, max_abs(logdet)))
                else:
                    x = np.linalg.inv(a)
                    rtol, atol = tol(dtype, k, expected=[x])
                    add(name, op, [Arr(a, dtype)], [Arr(x, dtype)], rtol=rtol, atol=atol)
    # Singular matrices: an exactly zero row or column makes every LU pivot sequence end on an
    # exact zero; JAX (and NumPy) give det 0, sign 0 and logabsdet -inf.
    for op, dtype, n, where in (("det", "float32", 3, "row"), ("det", "complex128", 4, "column"),
                                ("slogdet", "float32", 3, "row"), ("slogdet", "float64", 4, "column"),
                                ("slogdet", "complex64", 2, "row"), ("slogdet", "complex128", 5, "column")):
        name = f"{op}/{SHORT[dtype]}/{n}x{n}_singular_zero_{where}"
        rng = rng_for(name)
        a = uniform(rng, (n, n), dtype)
        k = int(rng.integers(n))
        if where == "row":
            a[k, :] = 0
        else:
            a[:, k] = 0
        if op == "det":
            add(name, op, [Arr(a, dtype)], [Arr(0.0, dtype)], rtol=0.0, atol=0.0)
        else:
            add(name, op, [Arr(a, dtype)], [Arr(0.0, dtype), Arr(-INF, REAL[dtype])], rtol=0.0, atol=0.0)
    # Empty batches.
    for op, dtype in (("det", "float32"), ("inv", "float64")):
        name = f"{op}/{SHORT[dtype]}/0x3x3_empty_batch"
        a = np.zeros((0, 3, 3))
        e = np.zeros((0,)) if op == "det" else np.zeros((0, 3, 3))
        add(name, op, [Arr(a, dtype)], [Arr(e, dtype)], rtol=0.0, atol=0.0)
    # An ill-conditioned inverse (cond 1e7) in float64.
    name = "inv/f64/5x5_illcond"
    a = conditioned(rng_for(name), (), 5, 5, "float64", cond=1e7)
    x = np.linalg.inv(a)
    rtol, atol = tol("float64", cond2(a), expected=[x])
    add(name, "inv", [Arr(a, "float64")], [Arr(x, "float64")], rtol=rtol, atol=atol)


def gen_solve():
    # (a shape, b shape): JAX treats b as a vector exactly when b.ndim == 1.
    configs = [
        ("float32", (1, 1), (1,)),
        ("float64", (3, 3), (3,)),
        ("complex64", (4, 4), (4, 2)),
        ("complex128", (5, 5), (5, 1)),
        ("float32", (2, 3, 3), (3,)),            # batched a, one vector b: x (2, 3)
        ("float64", (2, 1, 4, 4), (3, 4, 2)),    # batch dims broadcast: x (2, 3, 4, 2)
        ("complex64", (2, 3, 3), (2, 3, 2)),
        ("complex128", (3, 2, 2), (2,)),
        ("float32", (6, 6), (6, 3)),
    ]
    for dtype, ashape, bshape in configs:
        name = f"solve/{SHORT[dtype]}/{shape_name(ashape, bshape)}"
        rng = rng_for(name)
        a = random_square(rng, ashape[:-2], ashape[-1], dtype)
        b = uniform(rng, bshape, dtype)
        x = solve_expected(a, b)
        rtol, atol = tol(dtype, cond2(a), expected=[x])
        add(name, "solve", [Arr(a, dtype), Arr(b, dtype)], [Arr(x, dtype)], rtol=rtol, atol=atol)
    name = "solve/f64/6x6_6x2_illcond"
    rng = rng_for(name)
    a = conditioned(rng, (), 6, 6, "float64", cond=1e8)
    b = uniform(rng, (6, 2), "float64")
    x = solve_expected(a, b)
    rtol, atol = tol("float64", cond2(a), expected=[x])
    add(name, "solve", [Arr(a, "float64"), Arr(b, "float64")], [Arr(x, "float64")], rtol=rtol, atol=atol)


def gen_pinv():
    configs = [
        # dtype, shape, rank (None: full), rtol, hermitian
        ("float32", (1, 1), None, None, False),
        ("float32", (3, 3), None, None, False),
        ("float64", (4, 2), None, None, False),
        ("complex64", (2, 4), None, None, False),
        ("complex128", (2, 3, 3), None, None, False),
        ("float64", (4, 4), 2, None, False),
        ("float32", (5, 3), 2, None, False),
        ("complex128", (3, 5), 1, None, False),
        ("float64", (3, 3), "small", 0.05, False),
        ("float32", (4, 4), "tiny", None, False),
        ("float32", (4, 4), "hermitian", None, True),
        ("complex128", (3, 3), "hermitian", None, True),
    ]
    for dtype, shape, rank, rtol_param, herm in configs:
        suffix = "" if rank is None else f"_rank{rank}" if isinstance(rank, int) else f"_{rank}"
        name = f"pinv/{SHORT[dtype]}/{shape_name(shape)}{suffix}"
        rng = rng_for(name)
        m, n = shape[-2:]
        if rank is None:
            a = conditioned(rng, shape[:-2], m, n, dtype, cond=30.0)
        elif rank == "small":
            # singular values 2, 1, 0.01: rtol 0.05 drops the last one.
            a = with_svals(rng, m, n, [2.0, 1.0, 0.01], dtype)
        elif rank == "tiny":
            # singular values 2, 1, 0.5, 2e-6: JAX's default cutoff (10 * 4 * eps * 2 = 9.5e-6) drops
            # the last one, NumPy's (1e-15) would invert it.
            a = with_svals(rng, m, n, [2.0, 1.0, 0.5, 2e-6], dtype)
        elif rank == "hermitian":
            while True:  # indefinite, condition number below 100
                a = hermitian(rng, (), m, dtype)
                if cond2(a) < 100:
                    break
        else:
            a = rank_deficient(rng, m, n, rank, dtype)
        x, s, keep = pinv_expected(a, rtol_param, dtype)
        # The error is governed by the smallest kept singular value.
        kept = np.where(keep, s, np.inf).min(axis=-1)
        k = float(np.max(s[..., 0] / kept))
        rtol, atol = tol(dtype, k, expected=[x])
        add(name, "pinv", [Arr(a, dtype)], [Arr(x, dtype)], params={"rtol": rtol_param, "hermitian": herm},
            rtol=rtol, atol=atol)


def gen_eigh():
    configs = [
        ("eigvalsh", "float32", (1, 1), "L"),
        ("eigvalsh", "float64", (3, 3), "L"),
        ("eigvalsh", "complex64", (4, 4), "U"),
        ("eigvalsh", "complex128", (6, 6), "L"),
        ("eigvalsh", "float32", (2, 3, 4, 4), "L"),
        ("eigh_values", "float32", (5, 5), "L"),
        ("eigh_values", "float64", (2, 2), "U"),
        ("eigh_values", "complex64", (3, 3), "L"),
        ("eigh_values", "complex128", (2, 4, 4), "L"),
        ("eigh_values", "float64", (1, 1), "L"),
    ]
    for op, dtype, shape, uplo in configs:
        name = f"{op}/{SHORT[dtype]}/{shape_name(shape)}_{uplo}"
        a = hermitian(rng_for(name), shape[:-2], shape[-1], dtype)
        w = np.linalg.eigvalsh(a)
        rtol, atol = tol(dtype, 1.0, expected=[w])
        add(name, op, [Arr(a, dtype)], [Arr(w, REAL[dtype])], params={"UPLO": uplo}, rtol=rtol, atol=atol)
    add("eigvalsh/f64/0x3x3_empty_batch", "eigvalsh", [Arr(np.zeros((0, 3, 3)), "float64")],
        [Arr(np.zeros((0, 3)), "float64")], params={"UPLO": "L"}, rtol=0.0, atol=0.0)


def gen_svdvals():
    configs = [
        ("float32", (1, 1)), ("float64", (3, 3)), ("complex64", (5, 3)), ("complex128", (2, 4)),
        ("float32", (2, 3, 4, 2)), ("float64", (1, 5)), ("complex64", (6, 6)),
    ]
    for dtype, shape in configs:
        name = f"svdvals/{SHORT[dtype]}/{shape_name(shape)}"
        a = uniform(rng_for(name), shape, dtype)
        s = np.linalg.svd(a, compute_uv=False)
        rtol, atol = tol(dtype, 1.0, expected=[s])
        add(name, "svdvals", [Arr(a, dtype)], [Arr(s, REAL[dtype])], rtol=rtol, atol=atol)
    name = "svdvals/f64/5x4_rank2"
    a = rank_deficient(rng_for(name), 5, 4, 2, "float64")
    s = np.linalg.svd(a, compute_uv=False)
    rtol, atol = tol("float64", 1.0, expected=[s])
    add(name, "svdvals", [Arr(a, "float64")], [Arr(s, "float64")], rtol=rtol, atol=atol)
    add("svdvals/f32/0x3x3_empty_batch", "svdvals", [Arr(np.zeros((0, 3, 3)), "float32")],
        [Arr(np.zeros((0, 3)), "float32")], rtol=0.0, atol=0.0)


def schur_matrix(rng, n, dtype, eigenvalues):
    """Q T Q^H with T upper (quasi-)triangular: T's diagonal holds the eigenvalues; a complex pair
    a +- b i of a real matrix is the 2x2 block [[a, b c], [-b / c, a]]."""
    complex_ = is_complex(dtype)
    t = np.zeros((n, n), dtype=np.complex128 if complex_ else np.float64)
    i = 0
    for ev in eigenvalues:
        if not complex_ and isinstance(ev, complex):
            c = float(rng.uniform(0.5, 2.0))
            t[i, i] = t[i + 1, i + 1] = ev.real
            t[i, i + 1] = ev.imag * c
            t[i + 1, i] = -ev.imag / c
            i += 2
        else:
            t[i, i] = ev
            i += 1
    assert i == n
    upper = np.triu(np.ones((n, n)), 1) * (np.abs(t) == 0)
    t = t + upper * scale(uniform(rng, (n, n), "complex128" if complex_ else "float64"), 0.4)
    q = unitary(rng, n, complex_)
    return rnd(pmm(pmm(q, t), np.conj(q).T), dtype)


def gen_eigvals():
    configs = [
        ("float32", (1, 1), [[1.5]]),
        ("float64", (3, 3), [[-1.2, 0.3, 2.0]]),
        ("float32", (4, 4), [[0.5 + 1.25j, -1.5, 2.25]]),            # a conjugate pair
        ("float64", (5, 5), [[-0.5 + 2.0j, 1.0 - 0.75j, 3.0]]),
        ("complex64", (3, 3), [[1 + 1j, -0.5 - 2j, 2.5 + 0.25j]]),
        ("complex128", (4, 4), [[-2 + 0.5j, -0.75 - 1j, 0.5 + 1.5j, 1.75]]),
        ("float64", (2, 2, 2), [[0.25 + 1.0j], [-1.0, 3.0]]),
        ("complex64", (2, 3, 3), [[0.5j, 1.5, -1 - 1j], [2 + 2j, -2 + 0.5j, 0.75]]),
    ]
    for dtype, shape, eigs in configs:
        name = f"eigvals/{SHORT[dtype]}/{shape_name(shape)}"
        rng = rng_for(name)
        n = shape[-1]
        mats = [schur_matrix(rng, n, dtype, ev) for ev in eigs]
        a = np.array(mats).reshape(shape)
        w = sorted_eigvals(a)
        c = eig_condition(a)
        rtol, atol = tol(dtype, c, expected=[w], scale=np.linalg.norm(a.reshape(-1, n, n), 2, axis=(1, 2)).max())
        add(name, "eigvals", [Arr(a, dtype)], [Arr(w, COMPLEX[dtype])], rtol=rtol, atol=atol)


def norm_tol(dtype, value, cond=1.0):
    return tol(dtype, cond, expected=[value], factor=64.0)


def gen_norm():
    k = 0
    # Vectors: every ord NumPy allows.
    for ord in (None, INF, -INF, 0, 1, 2, -1, -2, 0.5, 3):
        dtype = cycle(FLOATS, k)
        name = f"norm/{SHORT[dtype]}/7_ord{ord_param(ord)}"
        rng = rng_for(name)
        x = uniform(rng, (7,), dtype)
        if ord == 0:
            x[[1, 4]] = 0
        axis = None if k % 2 == 0 else 0
        keepdims = k % 3 == 2
        v = norm_expected(x, ord, axis, keepdims)
        rtol, atol = norm_tol(dtype, v)
        add(name, "norm", [Arr(x, dtype)], [Arr(v, REAL[dtype])],
            params={"ord": ord_param(ord), "axis": axis, "keepdims": keepdims}, rtol=rtol, atol=atol)
        k += 1
    # Matrices: every ord NumPy allows.
    for ord in (None, "fro", "nuc", INF, -INF, 1, -1, 2, -2):
        dtype = cycle(FLOATS, k)
        shape = (3, 4) if k % 2 else (4, 4)
        name = f"norm/{SHORT[dtype]}/{shape_name(shape)}_ord{ord_param(ord)}"
        rng = rng_for(name)
        x = conditioned(rng, (), shape[0], shape[1], dtype, cond=8.0)
        axis = [None, [0, 1], [1, 0]][k % 3]
        if ord is None and axis is None:
            axis = [0, 1]
        keepdims = k % 4 == 1
        v = norm_expected(x, ord, axis, keepdims)
        rtol, atol = norm_tol(dtype, v, cond=cond2(x) if ord == -2 else 1.0)
        add(name, "norm", [Arr(x, dtype)], [Arr(v, REAL[dtype])],
            params={"ord": ord_param(ord), "axis": axis, "keepdims": keepdims}, rtol=rtol, atol=atol)
        k += 1
    # Arrays of more dimensions, and vector norms of matrices.
    configs = [
        ((2, 3, 4), None, None, False),
        ((2, 3, 4), None, None, True),
        ((2, 3, 4), None, 1, False),
        ((2, 3, 4), 1, -1, True),
        ((2, 3, 4), INF, 0, False),
        ((2, 3, 4), "fro", [0, 2], False),
        ((2, 3, 4), "nuc", [2, 1], False),
        ((2, 3, 4), 2, [0, 1], True),
        ((2, 3, 4), -INF, [2, 0], False),
        ((2, 3, 4), -2, [1, 2], False),
        ((2, 3, 4), 1, [-1, -3], True),
        ((3, 5), 3, 0, False),
        ((3, 5), 0.5, -1, True),
        ((4, 3), None, None, False),
    ]
    for shape, ord, axis, keepdims in configs:
        dtype = cycle(FLOATS, k)
        name = f"norm/{SHORT[dtype]}/{shape_name(shape)}_ord{ord_param(ord)}_axis{axis}" + ("_keepdims" if keepdims else "")
        name = name.replace(" ", "")
        x = uniform(rng_for(name), shape, dtype)
        v = norm_expected(x, ord, axis, keepdims)
        c = 1.0
        if ord == -2:
            c = cond2(np.moveaxis(x, axis, (-2, -1)))
        rtol, atol = norm_tol(dtype, v, cond=c)
        add(name, "norm", [Arr(x, dtype)], [Arr(v, REAL[dtype])],
            params={"ord": ord_param(ord), "axis": axis, "keepdims": keepdims}, rtol=rtol, atol=atol)
        k += 1


def gen_vector_matrix_norm():
    configs = [
        ((2, 3, 4), 2, None, False),
        ((2, 3, 4), 1, [0, 2], True),
        ((2, 3, 4), INF, -1, False),
        ((3, 6), 0, 1, False),
        ((2, 3, 4), 0.5, [1, 2], False),
        ((2, 3, 4), -INF, None, True),
        ((4, 3), -1, 0, False),
        ((5,), 3, None, False),
        ((2, 3, 4), 2, [2, 0, 1], False),
    ]
    for k, (shape, ord, axis, keepdims) in enumerate(configs):
        dtype = cycle(FLOATS, k)
        name = f"vector_norm/{SHORT[dtype]}/{shape_name(shape)}_ord{ord_param(ord)}_axis{axis}" + ("_keepdims" if keepdims else "")
        name = name.replace(" ", "")
        x = uniform(rng_for(name), shape, dtype)
        if ord == 0:
            x[0, 2] = x[1, 0] = x[1, 5] = 0
        v = vector_norm_expected(x, ord, axis, keepdims)
        rtol, atol = norm_tol(dtype, v)
        add(name, "vector_norm", [Arr(x, dtype)], [Arr(v, REAL[dtype])],
            params={"ord": ord_param(ord), "axis": axis, "keepdims": keepdims}, rtol=rtol, atol=atol)
    configs = [
        ((2, 3, 4), "fro", False),
        ((3, 3), "nuc", True),
        ((2, 2, 3, 3), 2, False),
        ((4, 3), -2, False),
        ((2, 3, 3), INF, True),
        ((3, 4), -INF, False),
        ((2, 4, 3), 1, False),
        ((3, 3), -1, True),
    ]
    for k, (shape, ord, keepdims) in enumerate(configs):
        dtype = cycle(FLOATS, k + 1)
        name = f"matrix_norm/{SHORT[dtype]}/{shape_name(shape)}_ord{ord_param(ord)}" + ("_keepdims" if keepdims else "")
        rng = rng_for(name)
        x = conditioned(rng, shape[:-2], shape[-2], shape[-1], dtype, cond=8.0)
        v = np.linalg.norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)
        rtol, atol = norm_tol(dtype, v, cond=cond2(x) if ord == -2 else 1.0)
        add(name, "matrix_norm", [Arr(x, dtype)], [Arr(v, REAL[dtype])],
            params={"ord": ord_param(ord), "keepdims": keepdims}, rtol=rtol, atol=atol)


def gen_matrix_rank():
    configs = [
        ("float32", (4, 4), None, None),
        ("float64", (6, 4), 2, None),
        ("complex64", (3, 5), 1, None),
        ("complex128", (5, 5), 3, None),
        ("float32", (1, 1), None, None),
        ("float64", (3, 3), "svals", 0.5),   # singular values 3, 1, 0.2: JAX counts S > 0.5 -> 2
        ("float32", (2, 4, 4), "batch", None),
        ("float32", (5,), "vector", None),
        ("float64", (4,), "zeros", None),
    ]
    for dtype, shape, kind, rtol_param in configs:
        suffix = "" if kind is None else f"_rank{kind}" if isinstance(kind, int) else f"_{kind}"
        name = f"matrix_rank/{SHORT[dtype]}/{shape_name(shape)}{suffix}"
        rng = rng_for(name)
        if kind is None:
            a = conditioned(rng, (), shape[0], shape[1], dtype, cond=50.0)
        elif kind == "svals":
            a = with_svals(rng, 3, 3, [3.0, 1.0, 0.2], dtype)
        elif kind == "batch":
            a = np.stack([rank_deficient(rng, 4, 4, 4, dtype), rank_deficient(rng, 4, 4, 2, dtype)])
        elif kind == "vector":
            a = uniform(rng, shape, dtype)
        elif kind == "zeros":
            a = np.zeros(shape)
        else:
            a = rank_deficient(rng, shape[0], shape[1], kind, dtype)
        r = matrix_rank_expected(a, rtol_param, dtype)
        rdtype = "int32" if a.ndim < 2 else default_int(dtype)  # JAX: 1-D input .astype(int32)
        add(name, "matrix_rank", [Arr(a, dtype)], [Arr(r, rdtype)], params={"rtol": rtol_param},
            rtol=0.0, atol=0.0)


def gen_matrix_power():
    configs = [
        ("float32", (3, 3), 0), ("float64", (4, 4), 1), ("complex64", (3, 3), 2),
        ("complex128", (4, 4), 5), ("float32", (2, 2), -1), ("float64", (3, 3), -3),
        ("complex64", (2, 3, 3), 3), ("float32", (1, 1), 5), ("complex128", (2, 2, 2), -3),
        ("float64", (5, 5), 7),
    ]
    for dtype, shape, n in configs:
        name = f"matrix_power/{SHORT[dtype]}/{shape_name(shape)}_n{n}"
        rng = rng_for(name)
        m = shape[-1]
        # Spectral norm about 1.2, so powers neither blow up nor vanish.
        a = conditioned(rng, shape[:-2], m, m, dtype, cond=6.0, top=1.25)
        wa = a.astype(wide(dtype))
        e = np.linalg.matrix_power(wa, n)
        if n == 0:
            rtol, atol = 0.0, 0.0
        else:
            base = np.linalg.inv(wa) if n < 0 else wa
            absp = reduce(np.matmul, [np.abs(base)] * abs(n))
            c = abs(n) * (cond2(a) if n < 0 else 1.0)
            rtol, atol = tol(dtype, c, scale=max(max_abs(absp), max_abs(e)))
        add(name, "matrix_power", [Arr(a, dtype)], [Arr(e, dtype)], params={"n": n}, rtol=rtol, atol=atol)


def gen_cond():
    k = 0
    for p in (None, "fro", "nuc", INF, -INF, 1, -1, 2, -2):
        dtype = cycle(FLOATS, k)
        name = f"cond/{SHORT[dtype]}/4x4_p{ord_param(p)}"
        a = conditioned(rng_for(name), (), 4, 4, dtype, cond=25.0)
        if p in (None, 2):
            s = np.linalg.svd(a, compute_uv=False)
            v = s[0] / s[-1]
        elif p == -2:
            s = np.linalg.svd(a, compute_uv=False)
            v = s[-1] / s[0]
        else:
            v = np.linalg.norm(a, p) * np.linalg.norm(np.linalg.inv(a), p)
        rtol, atol = tol(dtype, 2 * cond2(a), expected=[v])
        add(name, "cond", [Arr(a, dtype)], [Arr(v, REAL[dtype])], params={"p": ord_param(p)}, rtol=rtol, atol=atol)
        k += 1
    for dtype, shape, p in (("float64", (5, 3), None), ("complex64", (3, 5), -2), ("float32", (2, 3, 3), None),
                            ("complex128", (2, 3, 3), 1), ("float32", (1, 1), "fro")):
        name = f"cond/{SHORT[dtype]}/{shape_name(shape)}_p{ord_param(p)}"
        a = conditioned(rng_for(name), shape[:-2], shape[-2], shape[-1], dtype, cond=10.0)
        s = np.linalg.svd(a, compute_uv=False)
        if p is None:
            v = s[..., 0] / s[..., -1]
        elif p == -2:
            v = s[..., -1] / s[..., 0]
        else:
            v = np.linalg.norm(a, p, axis=(-2, -1)) * np.linalg.norm(np.linalg.inv(a), p, axis=(-2, -1))
        rtol, atol = tol(dtype, 2 * cond2(a), expected=[v])
        add(name, "cond", [Arr(a, dtype)], [Arr(v, REAL[dtype])], params={"p": ord_param(p)}, rtol=rtol, atol=atol)


def gen_lstsq():
    configs = [
        # dtype, a shape, b shape, kind, rcond
        ("float32", (5, 3), (5,), None, None),
        ("float64", (6, 4), (6, 2), None, None),
        ("complex64", (3, 5), (3,), None, None),
        ("complex128", (4, 4), (4, 3), None, None),
        ("float64", (3, 6), (3, 2), None, None),
        ("float32", (1, 1), (1,), None, None),
        ("float64", (8, 4), (8,), 2, None),           # rank deficient: the minimum-norm solution
        ("complex128", (5, 3), (5, 2), "svals", 0.01),  # singular values 3, 1, 0.003: rcond drops one
        ("float32", (6, 3), (6, 2), "svals", 0.01),
    ]
    for dtype, ashape, bshape, kind, rcond in configs:
        suffix = "" if kind is None else f"_rank{kind}" if isinstance(kind, int) else f"_{kind}"
        name = f"lstsq/{SHORT[dtype]}/{shape_name(ashape, bshape)}{suffix}"
        rng = rng_for(name)
        m, n = ashape
        if kind is None:
            a = conditioned(rng, (), m, n, dtype, cond=8.0)
        elif kind == "svals":
            a = with_svals(rng, m, n, [3.0, 1.0, 0.003], dtype)
        else:
            a = rank_deficient(rng, m, n, kind, dtype)
        b = uniform(rng, bshape, dtype)
        x, resid, rank, s, k = lstsq_expected(a, b, rcond, dtype)
        rtol, atol = tol(dtype, k * k, expected=[x, resid, s])
        add(name, "lstsq", [Arr(a, dtype), Arr(b, dtype)],
            [Arr(x, dtype), Arr(resid, REAL[dtype]), Arr(rank, default_int(dtype)), Arr(s, REAL[dtype])],
            params={"rcond": rcond}, rtol=rtol, atol=atol)


def product_case(name, op, dtype, arrays, expected, abs_expected, params=None, factor=8.0, terms=1):
    rtol = factor * terms * eps(dtype)
    atol = rtol * max(max_abs(abs_expected), max_abs(expected))
    add(name, op, [Arr(a, dtype) for a in arrays], [Arr(expected, dtype)], params=params, rtol=rtol, atol=atol)


def gen_products():
    for dtype, shapes in (("float32", [(3,), (3, 4), (4, 2)]), ("float64", [(2, 3), (3, 4), (4, 5), (5,)]),
                          ("complex64", [(3, 4), (4, 3)]), ("complex128", [(4,), (4,)]),
                          ("float32", [(5, 2), (2, 6), (6, 3), (3, 4)])):
        name = f"multi_dot/{SHORT[dtype]}/{shape_name(*shapes)}"
        rng = rng_for(name)
        arrays = [uniform(rng, s, dtype) for s in shapes]
        e = reduce(np.dot, arrays)
        absp = reduce(np.dot, [np.abs(a) for a in arrays])
        inner = sum(s[0] for s in shapes[1:])
        product_case(name, "multi_dot", dtype, arrays, e, absp, terms=inner)
    for dtype, sa, sb, axis in (("float32", (3,), (3,), -1), ("float64", (4, 3), (3,), -1),
                                ("complex64", (3, 5), (3, 5), 0), ("complex128", (2, 1, 3), (4, 3), -1),
                                ("float32", (2, 3, 2), (1, 3, 1), 1)):
        name = f"cross/{SHORT[dtype]}/{shape_name(sa, sb)}_axis{axis}"
        rng = rng_for(name)
        a, b = uniform(rng, sa, dtype), uniform(rng, sb, dtype)
        e = np.cross(a, b, axis=axis)
        product_case(name, "cross", dtype, [a, b], e, 2 * max_abs(a) * max_abs(b), params={"axis": axis}, terms=2)
    for dtype, sa, sb in (("float32", (3,), (4,)), ("complex128", (2,), (3,)), ("float64", (1,), (5,)),
                          ("complex64", (4,), (4,))):
        name = f"outer/{SHORT[dtype]}/{shape_name(sa, sb)}"
        rng = rng_for(name)
        a, b = uniform(rng, sa, dtype), uniform(rng, sb, dtype)
        e = np.outer(a, b)
        product_case(name, "outer", dtype, [a, b], e, np.outer(np.abs(a), np.abs(b)), terms=2)
    for dtype, sx, sy, axis in (("float32", (3, 4), (4,), -1), ("float64", (4, 3), (4, 3), 0),
                                ("complex64", (2, 3, 5), (3, 5), -1), ("complex128", (5,), (5,), 0),
                                ("complex128", (4, 2, 1), (4, 3), 0)):
        name = f"vecdot/{SHORT[dtype]}/{shape_name(sx, sy)}_axis{axis}"
        rng = rng_for(name)
        x, y = uniform(rng, sx, dtype), uniform(rng, sy, dtype)
        # JAX: the axis is moved to the end of each argument, then the rest broadcasts.
        xb, yb = np.broadcast_arrays(np.moveaxis(x, axis, -1), np.moveaxis(y, axis, -1))
        e = np.sum(np.conj(xb) * yb, axis=-1)  # conjugates x
        absp = np.sum(np.abs(xb) * np.abs(yb), axis=-1)
        product_case(name, "vecdot", dtype, [x, y], e, absp, params={"axis": axis}, terms=xb.shape[-1])
    for dtype, shape, offset, a1, a2 in (("float32", (4, 4), 0, 0, 1), ("float64", (3, 5), 1, 0, 1),
                                         ("complex64", (2, 3, 4), -1, 1, 2), ("complex128", (3, 2, 4), 0, 0, 2),
                                         ("float32", (3, 3), 5, 0, 1), ("float64", (2, 4, 3), 2, -1, -2)):
        name = f"trace/{SHORT[dtype]}/{shape_name(shape)}_offset{offset}_axes{a1}{a2}"
        x = uniform(rng_for(name), shape, dtype)
        e = np.trace(x, offset=offset, axis1=a1, axis2=a2)
        absp = np.trace(np.abs(x), offset=offset, axis1=a1, axis2=a2)
        product_case(name, "trace", dtype, [x], e, absp, params={"offset": offset, "axis1": a1, "axis2": a2},
                     terms=max(shape))


def gen_layout():
    for dtype, shape, offset, a1, a2 in (("float32", (4, 4), 0, 0, 1), ("float64", (3, 5), 2, 0, 1),
                                         ("complex64", (2, 3, 4), -1, 1, 2), ("complex128", (3, 2, 4), 1, 2, 0),
                                         ("int32", (3, 4), -2, 0, 1), ("float32", (2, 2), 3, 0, 1)):
        name = f"diagonal/{SHORT[dtype]}/{shape_name(shape)}_offset{offset}_axes{a1}{a2}"
        rng = rng_for(name)
        x = rng.integers(-50, 50, shape) if dtype == "int32" else uniform(rng, shape, dtype)
        e = np.diagonal(x, offset=offset, axis1=a1, axis2=a2)
        add(name, "diagonal", [Arr(x, dtype)], [Arr(e, dtype)],
            params={"offset": offset, "axis1": a1, "axis2": a2}, rtol=0.0, atol=0.0)
    for dtype, shape in (("float32", (2, 3)), ("complex128", (2, 3, 4)), ("int32", (1, 2, 3, 1)),
                         ("complex64", (3, 3))):
        name = f"matrix_transpose/{SHORT[dtype]}/{shape_name(shape)}"
        rng = rng_for(name)
        x = rng.integers(-50, 50, shape) if dtype == "int32" else uniform(rng, shape, dtype)
        add(name, "matrix_transpose", [Arr(x, dtype)], [Arr(mT(x), dtype)], rtol=0.0, atol=0.0)
    for dtype, shapes in (("float32", [(2, 2), (1, 3), (3, 1)]), ("float64", [(), (2,), (2, 2)]),
                          ("complex64", [(2, 3), (2, 2)]), ("complex128", [(1, 1)])):
        name = f"block_diag/{SHORT[dtype]}/{shape_name(*shapes)}"
        rng = rng_for(name)
        arrays = [uniform(rng, s, dtype) for s in shapes]
        e = sla.block_diag(*arrays)
        add(name, "block_diag", [Arr(a, dtype) for a in arrays], [Arr(e, dtype)], rtol=0.0, atol=0.0)
    for dtype, sc, sr in (("float32", (4,), None), ("float64", (3,), (5,)), ("complex64", (3,), None),
                          ("complex128", (4,), (2,)), ("float32", (2, 3), (2, 4)), ("complex64", (2, 2), None)):
        name = f"toeplitz/{SHORT[dtype]}/{shape_name(sc) if sr is None else shape_name(sc, sr)}"
        rng = rng_for(name)
        c = uniform(rng, sc, dtype)
        r = np.conj(c) if sr is None else uniform(rng, sr, dtype)  # JAX (and SciPy): r = conj(c)
        batch = np.broadcast_shapes(c.shape[:-1], r.shape[:-1])
        cb, rb = np.broadcast_to(c, batch + c.shape[-1:]), np.broadcast_to(r, batch + r.shape[-1:])
        e = np.zeros(batch + (c.shape[-1], r.shape[-1]), dtype=c.dtype)
        for idx in np.ndindex(*batch):
            e[idx] = sla.toeplitz(cb[idx], rb[idx])
        args = [Arr(c, dtype)] + ([] if sr is None else [Arr(r, dtype)])
        add(name, "toeplitz", args, [Arr(e, dtype)], rtol=0.0, atol=0.0)


def gen_tensor():
    for dtype, shape, ind in (("float32", (2, 3, 6), 2), ("float64", (4, 2, 2), 1), ("complex64", (2, 2, 2, 2), 2),
                              ("complex128", (3, 3), 1)):
        name = f"tensorinv/{SHORT[dtype]}/{shape_name(shape)}_ind{ind}"
        rng = rng_for(name)
        k = math.prod(shape[:ind])
        a = random_square(rng, (), k, dtype).reshape(shape)
        e = np.linalg.tensorinv(a, ind=ind)
        rtol, atol = tol(dtype, cond2(a.reshape(k, k)), expected=[e])
        add(name, "tensorinv", [Arr(a, dtype)], [Arr(e, dtype)], params={"ind": ind}, rtol=rtol, atol=atol)
    for dtype, ashape, bshape in (("float32", (2, 3, 6), (2, 3)), ("float64", (6, 2, 3), (6,)),
                                  ("complex64", (2, 2, 2, 2), (2, 2)), ("complex128", (4, 4), (4,))):
        name = f"tensorsolve/{SHORT[dtype]}/{shape_name(ashape, bshape)}"
        rng = rng_for(name)
        k = math.prod(bshape)
        a = random_square(rng, (), k, dtype).reshape(ashape)
        b = uniform(rng, bshape, dtype)
        e = np.linalg.tensorsolve(a, b)
        rtol, atol = tol(dtype, cond2(a.reshape(k, k)), expected=[e])
        add(name, "tensorsolve", [Arr(a, dtype), Arr(b, dtype)], [Arr(e, dtype)], params={"axes": None},
            rtol=rtol, atol=atol)


def op_a(a, trans):
    return a if trans == 0 else mT(a) if trans == 1 else np.conj(mT(a))


def gen_scipy_solves():
    for dtype, ashape, bshape, trans in (("float32", (3, 3), (3,), 0), ("float64", (4, 4), (4, 2), 1),
                                         ("complex64", (3, 3), (3, 2), 2), ("complex128", (5, 5), (5,), 1),
                                         ("float64", (2, 3, 3), (2, 3, 2), 0), ("complex128", (1, 1), (1, 1), 2),
                                         ("complex64", (4, 4), (4,), 1)):
        name = f"lu_solve/{SHORT[dtype]}/{shape_name(ashape, bshape)}_trans{trans}"
        rng = rng_for(name)
        a = random_square(rng, ashape[:-2], ashape[-1], dtype)
        b = uniform(rng, bshape, dtype)
        x = solve_expected(op_a(a, trans), b)
        rtol, atol = tol(dtype, cond2(a), expected=[x])
        add(name, "lu_solve", [Arr(a, dtype), Arr(b, dtype)], [Arr(x, dtype)], params={"trans": trans},
            rtol=rtol, atol=atol)
    for dtype, ashape, bshape, lower in (("float32", (3, 3), (3,), True), ("float64", (4, 4), (4, 2), False),
                                         ("complex64", (3, 3), (3, 1), False), ("complex128", (5, 5), (5,), True),
                                         ("float64", (2, 3, 3), (2, 3, 2), True), ("float32", (1, 1), (1, 2), False)):
        name = f"cho_solve/{SHORT[dtype]}/{shape_name(ashape, bshape)}_lower{int(lower)}"
        rng = rng_for(name)
        a = hpd(rng, ashape[:-2], ashape[-1], dtype)
        b = uniform(rng, bshape, dtype)
        x = solve_expected(a, b)
        rtol, atol = tol(dtype, cond2(a), expected=[x])
        add(name, "cho_solve", [Arr(a, dtype), Arr(b, dtype)], [Arr(x, dtype)], params={"lower": lower},
            rtol=rtol, atol=atol)
    configs = [
        ("float32", (3, 3), (3,), 0, True, False),
        ("float64", (4, 4), (4, 2), 0, False, False),
        ("complex64", (3, 3), (3, 2), 1, True, True),
        ("complex128", (4, 4), (4,), 2, False, False),
        ("float64", (5, 5), (5, 3), 2, True, False),
        ("complex128", (3, 3), (3, 1), 2, True, True),
        ("float32", (2, 3, 3), (2, 3, 2), 1, False, True),
        ("complex64", (1, 1), (1,), 0, False, False),
        ("float64", (2, 4, 4), (4,), 0, True, False),
    ]
    for dtype, ashape, bshape, trans, lower, unit in configs:
        name = (f"solve_triangular/{SHORT[dtype]}/{shape_name(ashape, bshape)}_trans{trans}"
                f"_lower{int(lower)}_unit{int(unit)}")
        rng = rng_for(name)
        n = ashape[-1]
        a = uniform(rng, ashape, dtype)  # the unread triangle keeps these (garbage) values
        t = np.tril(a, -1) if lower else np.triu(a, 1)
        t = scale(t, 0.6)
        diag = uniform(rng, ashape[:-1], dtype, 1.0, 2.0) * np.where(rng.uniform(size=ashape[:-1]) < 0.5, -1, 1)
        t = rnd(t + np.eye(n) * diag[..., None], dtype)
        keep = np.tril(np.ones((n, n)), -1) if lower else np.triu(np.ones((n, n)), 1)
        a = np.where(keep.astype(bool), t, a)
        a = np.where(np.eye(n, dtype=bool), 3.75 if unit else t, a)  # unit: a garbage diagonal
        tri = t * keep + (np.eye(n) if unit else t * np.eye(n))
        b = uniform(rng, bshape, dtype)
        x = solve_expected(op_a(tri, trans), b)
        rtol, atol = tol(dtype, cond2(tri), expected=[x])
        add(name, "solve_triangular", [Arr(a, dtype), Arr(b, dtype)], [Arr(x, dtype)],
            params={"trans": trans, "lower": lower, "unit_diagonal": unit}, rtol=rtol, atol=atol)
    for op, dtype, shape in (("scipy_det", "float32", (3, 3)), ("scipy_det", "complex128", (2, 4, 4)),
                             ("scipy_inv", "float64", (5, 5)), ("scipy_inv", "complex64", (2, 2, 2))):
        name = f"{op}/{SHORT[dtype]}/{shape_name(shape)}"
        a = random_square(rng_for(name), shape[:-2], shape[-1], dtype)
        n = shape[-1]
        e = np.linalg.det(a) if op == "scipy_det" else np.linalg.inv(a)
        c = cond2(a) * (math.sqrt(n) if op == "scipy_det" else 1.0)
        rtol, atol = tol(dtype, c, expected=[e])
        add(name, op, [Arr(a, dtype)], [Arr(e, dtype)], rtol=rtol, atol=atol)
    for dtype, ashape, bshape, assume, lower in (("float32", (3, 3), (3,), "gen", False),
                                                 ("float64", (4, 4), (4, 2), "pos", True),
                                                 ("complex64", (3, 3), (3, 2), "pos", False),
                                                 ("float64", (5, 5), (5,), "sym", False),
                                                 ("complex128", (4, 4), (4, 1), "sym", True),
                                                 ("complex128", (2, 3, 3), (2, 3, 2), "gen", False)):
        name = f"scipy_solve/{SHORT[dtype]}/{shape_name(ashape, bshape)}_{assume}_lower{int(lower)}"
        rng = rng_for(name)
        n = ashape[-1]
        if assume == "pos":
            a = hpd(rng, ashape[:-2], n, dtype)
        elif assume == "sym":
            # symmetric (a == a^T, for complex too), indefinite; both triangles hold it
            while True:
                g = uniform(rng, (n, n), dtype)
                a = (g + g.T) / 2
                if cond2(a) < 60:
                    break
        else:
            a = random_square(rng, ashape[:-2], n, dtype)
        b = uniform(rng, bshape, dtype)
        x = solve_expected(a, b)
        rtol, atol = tol(dtype, cond2(a), expected=[x])
        add(name, "scipy_solve", [Arr(a, dtype), Arr(b, dtype)], [Arr(x, dtype)],
            params={"assume_a": assume, "lower": lower}, rtol=rtol, atol=atol)


def gen_matrix_functions():
    for dtype, shape, norm in (("float32", (1, 1), 2.0), ("float64", (3, 3), 0.1), ("complex64", (3, 3), 1.0),
                               ("complex128", (4, 4), 3.0), ("float32", (4, 4), 10.0), ("float64", (2, 3, 3), 5.0),
                               ("complex64", (2, 2, 2), 0.5), ("float64", (6, 6), 8.0)):
        name = f"expm/{SHORT[dtype]}/{shape_name(shape)}_norm{norm}"
        rng = rng_for(name)
        n = shape[-1]

        def make():
            # Frobenius norm `norm` (summed with fsum: the same bits on every CPU).
            g = uniform(rng, (n, n), COMPLEX[dtype] if is_complex(dtype) else "float64")
            fro = math.sqrt(math.fsum(list(np.real(g).ravel() ** 2) + list(np.imag(g).ravel() ** 2)))
            return rnd(scale(g, norm / fro), dtype)

        a = stack(shape[:-2], make)
        e = np.zeros_like(a)
        c = 1.0
        for idx in np.ndindex(*shape[:-2]):
            e[idx] = sla.expm(a[idx])
            c = max(c, sla.expm_cond(a[idx]))
        rtol, atol = tol(dtype, c, expected=[e])
        add(name, "expm", [Arr(a, dtype)], [Arr(e, dtype)], rtol=rtol, atol=atol)
    configs = [
        ("float32", 1, "spd"), ("float64", 3, "spd"), ("complex64", 3, "hpd"), ("complex128", 4, "hpd"),
        ("float64", 4, "real_complex_pairs"), ("float32", 3, "real_complex_pairs"),
        ("complex128", 3, "general"), ("complex64", 2, "general"),
    ]
    for dtype, n, kind in configs:
        name = f"sqrtm/{SHORT[dtype]}/{n}x{n}_{kind}"
        rng = rng_for(name)
        if kind in ("spd", "hpd"):
            a = hpd(rng, (), n, dtype)
        elif kind == "real_complex_pairs":
            # eigenvalues off the closed negative real axis (a complex pair included): the principal
            # square root is unique and real; JAX returns it in a complex dtype.
            eig = [1.5 + 1.0j, 0.75] if n == 3 else [1.0 + 0.5j, 2.0 - 1.5j]
            a = schur_matrix(rng, n, dtype, eig)
        else:
            eig = [1.0 + 1.0j, 2.0 - 0.5j, 0.5 + 0.25j][:n]
            a = schur_matrix(rng, n, dtype, eig)
        ca = a.astype(np.complex128)
        x = np.asarray(sla.sqrtm(ca), dtype=np.complex128)  # SciPy 1.10 may return complex256
        c = sqrtm_condition(ca, x)
        rtol, atol = tol(dtype, c, expected=[x])
        add(name, "sqrtm", [Arr(a, dtype)], [Arr(x, COMPLEX[dtype])], rtol=rtol, atol=atol)
    for dtype, shape, side in (("float32", (3, 3), "right"), ("float64", (4, 2), "right"),
                               ("complex64", (3, 3), "right"), ("complex128", (5, 3), "right"),
                               ("float64", (3, 3), "left"), ("complex128", (4, 3), "left"),
                               ("float32", (1, 1), "right")):
        name = f"polar/{SHORT[dtype]}/{shape_name(shape)}_{side}"
        a = conditioned(rng_for(name), (), shape[0], shape[1], dtype, cond=10.0)
        u, p = sla.polar(a, side=side)
        rtol, atol = tol(dtype, cond2(a), expected=[u, p])
        add(name, "polar", [Arr(a, dtype)], [Arr(u, dtype), Arr(p, dtype)], params={"side": side},
            rtol=rtol, atol=atol)


def gen_lax():
    for dtype, batch, m, n in (("float32", (), 5, 1), ("float64", (2,), 6, 3), ("complex64", (), 4, 2),
                               ("complex128", (2,), 3, 2), ("float64", (), 1, 2)):
        name = f"tridiagonal_solve/{SHORT[dtype]}/{shape_name(batch + (m,), batch + (m, n))}"
        rng = rng_for(name)
        dl = uniform(rng, batch + (m,), dtype)
        du = uniform(rng, batch + (m,), dtype)
        d = rnd(uniform(rng, batch + (m,), dtype) + 3.0 * np.where(rng.uniform(size=batch + (m,)) < 0.5, -1, 1),
                dtype)
        b = uniform(rng, batch + (m, n), dtype)
        # dl[..., 0] and du[..., m-1] are outside the matrix: garbage there (jax.lax.linalg ignores it).
        dl[..., 0] = 7.5
        du[..., m - 1] = -6.25
        a = np.zeros(batch + (m, m), dtype=wide(dtype))
        for i in range(m):
            a[..., i, i] = d[..., i]
            if i > 0:
                a[..., i, i - 1] = dl[..., i]
            if i < m - 1:
                a[..., i, i + 1] = du[..., i]
        x = np.linalg.solve(a, b)
        rtol, atol = tol(dtype, cond2(a), expected=[x])
        add(name, "tridiagonal_solve", [Arr(dl, dtype), Arr(d, dtype), Arr(du, dtype), Arr(b, dtype)],
            [Arr(x, dtype)], rtol=rtol, atol=atol)
    for shape, size, lapack_style in (((3,), 3, True), ((2,), 4, True), ((2, 3, 4), 5, True), ((0,), 3, True),
                                      ((4,), 4, False), ((1,), 1, True)):
        name = f"lu_pivots_to_permutation/i32/{shape_name(shape)}_size{size}" + ("" if lapack_style else "_any_swaps")
        rng = rng_for(name)
        k = shape[-1]
        pivots = np.zeros(shape, dtype=np.int64)
        perm = np.zeros(shape[:-1] + (size,), dtype=np.int64)
        for idx in np.ndindex(*shape[:-1]):
            p = list(range(size))
            for i in range(k):
                j = int(rng.integers(i if lapack_style else 0, size))  # LAPACK's pivots satisfy j >= i
                pivots[idx + (i,)] = j
                p[i], p[j] = p[j], p[i]
            perm[idx] = p
        add(name, "lu_pivots_to_permutation", [Arr(pivots, "int32")], [Arr(perm, "int32")],
            params={"permutation_size": size}, rtol=0.0, atol=0.0)
    for dtype, batch, m, n, k in (("float32", (), 4, 3, 3), ("float64", (), 5, 5, 5), ("complex64", (), 4, 2, 2),
                                  ("complex128", (), 6, 4, 3), ("float64", (2,), 4, 3, 3),
                                  ("complex128", (), 1, 1, 1), ("float32", (), 5, 3, 1)):
        name = f"householder_product/{SHORT[dtype]}/{shape_name(batch + (m, n), batch + (k,))}"
        rng = rng_for(name)
        a_list, t_list, q_list = [], [], []
        for _ in range(math.prod(batch)):
            g = uniform(rng, (m, n), "complex128" if is_complex(dtype) else "float64")
            # LAPACK in double, rounded to the dtype: any (reflectors, taus) pair defines a product.
            qr, tau, _, info = (lapack.zgeqrf if is_complex(dtype) else lapack.dgeqrf)(g)
            assert info == 0
            qr, tau = rnd(qr, dtype), rnd(tau[:k], dtype)
            if is_complex(dtype):
                q, _, info = lapack.zungqr(qr.astype(np.complex128), tau.astype(np.complex128))
            else:
                q, _, info = lapack.dorgqr(qr, tau)
            assert info == 0
            a_list.append(qr)
            t_list.append(tau)
            q_list.append(q)
        a = np.array(a_list).reshape(batch + (m, n))
        taus = np.array(t_list).reshape(batch + (k,))
        q = np.array(q_list).reshape(batch + (m, n))
        rtol, atol = tol(dtype, float(m), expected=[q])
        add(name, "householder_product", [Arr(a, dtype), Arr(taus, dtype)], [Arr(q, dtype)], rtol=rtol, atol=atol)


def generate():
    CASES.clear()
    gen_det_slogdet_inv()
    gen_solve()
    gen_pinv()
    gen_eigh()
    gen_svdvals()
    gen_eigvals()
    gen_norm()
    gen_vector_matrix_norm()
    gen_matrix_rank()
    gen_matrix_power()
    gen_cond()
    gen_lstsq()
    gen_products()
    gen_layout()
    gen_tensor()
    gen_scipy_solves()
    gen_matrix_functions()
    gen_lax()
    return CASES


def main():
    return oracle_cases.main(__doc__.split("\n")[0], generate, OUT_PATH, ROOT)


if __name__ == "__main__":
    sys.exit(main())
