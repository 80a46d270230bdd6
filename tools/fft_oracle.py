#!/usr/bin/python3
"""Expected values, from NumPy, for jx's FFTs (jnp.fft and jax.lax.fft).

Run with Debian's Python (python3-numpy, python3-scipy; the default `python3` may have no NumPy):

    /usr/bin/python3 tools/fft_oracle.py            # rewrites tests/data/fft_oracle.json
    /usr/bin/python3 tools/fft_oracle.py --check    # fails if the committed file is stale
    /usr/bin/python3 tools/fft_oracle.py --stats    # only prints the number of cases per op
    /usr/bin/python3 tools/fft_oracle.py --verify   # replays every case (below); prints the margins

Inputs. Every case draws its inputs from its own np.random.default_rng, seeded with the CRC-32 of the
case's name, using only uniform draws on [-1, 1) (the real and imaginary parts independently), so
adding or removing a case changes no other case and the inputs are the same bits on every CPU.
float32 and complex64 inputs are drawn in double precision and then rounded to the dtype; the file
holds those exact values.

Expected values are numpy.fft's (pocketfft in double precision) on the exact (rounded) inputs, so a
float32 case checks jx against a double-precision answer, not against a float32 FFT's rounding. They
are written with the case's *result* dtype (complex64 for float32 input, ...) but with all the digits
of the double-precision value; the test rounds. Numbers are Python's repr of a double, or the strings
"nan", "inf", "-inf"; complex entries are [re, im] pairs.

Tolerances. The test checks |actual - expected| <= atol + rtol * |expected| elementwise (on the
magnitude of the complex difference). An FFT's rounding error grows like eps * log2(N) times the size
of the sums it forms, so with eps the unit roundoff of the dtype's real type (2^-23 for float32,
2^-52 for float64) and N the product of the transform's lengths, a case gets
rtol = 16 * eps * log2(N + 1) and atol = rtol * scale, where scale is the largest sum of |input| over
the transformed axes (over the input as cropped or zero-padded to the transform's lengths; twice
that for the complex-to-real transforms irfft*, hfft and lax IRFFT, whose full Hermitian spectrum
is up to twice the half that is stored), times the factor the normalization applies (1/N, 1/sqrt(N)
or 1). The bound is loose by up to sqrt(N) against a random input, on purpose: `--verify` replays
every case in the input's own precision through a model of JAX's jnp.fft code (moveaxis, crop, pad,
normalize, conj) on top of three implementations of the lax primitive: scipy.fft (pocketfft,
single precision kept for float32/complex64), a direct O(N^2) DFT by matrix product in the dtype,
and scipy.fft in long double as the reference. Every replay passes with a wide margin: in single
precision pocketfft and the direct DFT use at most 1% of a float32 / complex64 case's tolerance, in
double precision at most 3% of a float64 / complex128 case's, and NumPy's double-precision expected
values lie within 1.3% of the tolerance of the long double replay. The mistakes an FFT is likely to
make fail by a factor of 4000 or more (the least for length 1024): a normalization mode taken for
another (a forgotten 1/N included), the opposite sign of the exponent, the wrong axis (where the
shape alone would not tell), fftshift for ifftshift (exactly, for odd lengths); they give the same
values only where they should (lengths 1 and 2, even shifts). fftshift and ifftshift are exact:
rtol = atol = 0. fftfreq and rfftfreq get rtol = 8 * eps and atol = 0 (JAX's float32 formula uses
at most 6% of that, NumPy's 9%).

Semantics are JAX's, read from its source (jax/_src/numpy/fft.py, jax/_src/lax/fft.py); where NumPy
1.24 differs, the expected value follows JAX (search for "JAX:"):
  * Result dtypes. JAX keeps the precision: fft, ifft, rfft, ihfft and the 2-D and n-D forms of
    float32 or complex64 input are complex64 (NumPy 1.24 always returns complex128); irfft*, hfft
    of complex64 input are float32 (NumPy: float64). Without x64 a float64 input would be float32;
    every case with a float64 or complex128 array sets "x64": true.
  * fftfreq, rfftfreq: the result has JAX's default float dtype (float32; float64 where the case
    sets x64 and params "dtype": "float64"), and the value is k / (d * n) computed in that dtype as
    JAX does (NumPy 1.24: k * (1 / (n * d)) in float64). The expected value is k / (d * n) in
    double precision.
  * jax.lax.fft has no NumPy counterpart; its values are numpy.fft's n-D transforms over the
    trailing len(fft_lengths) axes: FFT fftn, IFFT ifftn (normalized by 1/N, as XLA's IFFT is),
    RFFT rfftn (output last axis fft_lengths[-1] // 2 + 1), IRFFT irfftn with s = fft_lengths
    (input last axis fft_lengths[-1] // 2 + 1, output fft_lengths).
NumPy and JAX agree on the rest, which `--verify` checks by replaying JAX's code in long double:
  * hfft(a, n) = irfft(conj(a), n) * n and ihfft(a, n) = conj(rfft(a, n)) / n, each with the norm
    factor of a forward (hfft) or inverse (ihfft) transform, which matches NumPy's swapped norms.
  * irfft and the last axis of irfftn/irfft2/lax IRFFT read the first n // 2 + 1 entries (cropping
    or zero-padding to that) and ignore the imaginary parts of the DC entry and, for even n, of the
    Nyquist entry (pocketfft and XLA's CPU FFT do; the inputs here are not Hermitian there, so an
    implementation that reads those imaginary parts fails). The other axes of irfftn are inverse
    complex transforms of the input as given (no symmetry is assumed along them; JAX's GPU lowering
    decomposes IRFFT this way for the same reason).
  * With s given and axes None, the n-D transforms act on the last len(s) axes; with neither, on all
    axes. Without n (or s), irfft's output length is 2 * (m - 1) for an input length m.
  * norm: None and "backward" are the same; "ortho" scales both directions by 1/sqrt(N); "forward"
    puts 1/N on the forward transform. Both spellings of the default appear in the cases.

The JSON format (one case per line, so diffs stay readable; tools/oracle_cases.py writes it):

  {"cases": [
  {"name": unique case name, "op": the op (the C++ table's key), "x64": whether
   jx::config::enable_x64 is on (true when an argument or result is float64 or complex128),
   "args": [array, ...], "params": {op-specific options}, "expected": [array, ...],
   "rtol": float, "atol": float},
  ...
  ]}

  array: {"dtype": "float32" | "float64" | "complex64" | "complex128", "shape": [...],
          "data": [...]} with the row-major flat data.

Ops, their arguments, params and expected values:
  fft, ifft [x real or complex] {n, axis, norm} -> [complex]
  rfft, ihfft [x real] {n, axis, norm} -> [complex];  irfft, hfft [x complex] {n, axis, norm} -> [real]
  fft2, ifft2 [x real or complex], rfft2 [x real], irfft2 [x complex] {s, axes, norm}
  fftn, ifftn [x real or complex], rfftn [x real], irfftn [x complex] {s, axes, norm}
  fftfreq, rfftfreq [] {n, d} or {n, d, dtype: "float64"} -> [frequencies]
  fftshift, ifftshift [x] {axes} -> [x rolled]
  lax_fft [x] {fft_type: "FFT" | "IFFT" | "RFFT" | "IRFFT", fft_lengths} -> [y]
  n is null or an int; norm is null, "backward", "ortho" or "forward"; s is null or a list of ints;
  axes is a list of two ints for the 2-D ops (JAX's default is [-2, -1]), null or a list for the
  n-D ops, null, an int or a list for the shifts. Complex results have the complex dtype of the
  input's precision, real results its real dtype.

--check regenerates the file in memory and compares it with the committed one: everything but
expected values and tolerances must be identical (inputs and params exactly), tolerances must agree
to 1e-6 relative, and expected values within a quarter of their case's tolerance
(tools/oracle_compare.py), since pocketfft's last bits may depend on the CPU.
"""

import math
import os
import sys
from collections import Counter, defaultdict

import numpy as np

import oracle_cases
from oracle_cases import COMPLEX, REAL, SHORT, Arr, eps, is_complex, rng_for, shape_name, uniform

np.seterr(all="ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "tests", "data", "fft_oracle.json")

# ------------------------------------------------------------------------------------------------
# Dtypes, arrays and cases
# ------------------------------------------------------------------------------------------------

WIDE_DTYPES = ("float64", "complex128")
TOL_FACTOR = 16.0
FREQ_FACTOR = 8.0

CASES = oracle_cases.Cases(WIDE_DTYPES)
# (case, the arguments and expected values as Arr) for --verify.
RECORDS = []


def add(name, op, args, expected, params=None, rtol=0.0, atol=0.0):
    case = CASES.add(name, op, args, expected, params=params, rtol=rtol, atol=atol)
    RECORDS.append((case, list(args), list(expected)))


# ------------------------------------------------------------------------------------------------
# The transforms: geometry (JAX's _fft_core), expected values (NumPy), tolerances
# ------------------------------------------------------------------------------------------------

# op: (the lax FFT type it lowers to, its family: the params it takes)
OPS = {
    "fft": ("FFT", "1d"), "ifft": ("IFFT", "1d"), "rfft": ("RFFT", "1d"), "irfft": ("IRFFT", "1d"),
    "hfft": ("IRFFT", "1d"), "ihfft": ("RFFT", "1d"),
    "fft2": ("FFT", "2d"), "ifft2": ("IFFT", "2d"), "rfft2": ("RFFT", "2d"), "irfft2": ("IRFFT", "2d"),
    "fftn": ("FFT", "nd"), "ifftn": ("IFFT", "nd"), "rfftn": ("RFFT", "nd"), "irfftn": ("IRFFT", "nd"),
}
# Ops whose "backward" (default) normalization leaves the sum unscaled; the others divide by N.
FORWARD_LIKE = {"fft", "rfft", "hfft", "fft2", "rfft2", "fftn", "rfftn"}
REAL_OUTPUT = {"irfft", "hfft", "irfft2", "irfftn"}


def result_dtype(op, params, dtype):
    if op in REAL_OUTPUT or (op == "lax_fft" and params["fft_type"] == "IRFFT"):
        return REAL[dtype]
    return COMPLEX[dtype]


def geometry(op, shape, params):
    """(lax FFT type, transformed axes (non-negative, in the given order), transform lengths s,
    the input lengths along those axes after cropping / padding), as JAX's _fft_core computes them."""
    ndim = len(shape)
    if op == "lax_fft":
        typ, s = params["fft_type"], list(params["fft_lengths"])
        axes = list(range(ndim - len(s), ndim))
    else:
        typ, family = OPS[op]
        if family == "1d":
            axes, s = [params["axis"]], (None if params["n"] is None else [params["n"]])
        else:
            axes, s = params["axes"], params["s"]
        if axes is None:
            axes = range(ndim) if s is None else range(ndim - len(s), ndim)
        axes = [a % ndim for a in axes]
        assert len(set(axes)) == len(axes)
        if s is None:
            s = [shape[a] for a in axes]
            if typ == "IRFFT":
                s[-1] = 2 * (shape[axes[-1]] - 1)
        s = list(s)
    assert len(s) == len(axes) and all(n >= 1 for n in s), (op, shape, params)
    in_s = list(s)
    if typ == "IRFFT":
        in_s[-1] = s[-1] // 2 + 1
    return typ, axes, s, in_s


def fit(x, axes, lengths):
    """x cropped or zero-padded (at the end) to the lengths along the axes."""
    for axis, n in zip(axes, lengths):
        m = x.shape[axis]
        if m > n:
            x = np.take(x, range(n), axis=axis)
        elif m < n:
            pad = [(0, 0)] * x.ndim
            pad[axis] = (0, n - m)
            x = np.pad(x, pad)
    return x


def norm_factor(op, norm, n_total, typ=None):
    """The factor by which the op scales the unnormalized sum."""
    if op == "lax_fft":
        return 1.0 / n_total if typ in ("IFFT", "IRFFT") else 1.0
    if norm == "ortho":
        return 1.0 / math.sqrt(n_total)
    forward_like = op in FORWARD_LIKE
    if norm in (None, "backward"):
        return 1.0 if forward_like else 1.0 / n_total
    assert norm == "forward", norm
    return 1.0 / n_total if forward_like else 1.0


def expected_value(op, x, params):
    """NumPy's value, in double precision."""
    f = np.fft
    if op in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
        return getattr(f, op)(x, n=params["n"], axis=params["axis"], norm=params["norm"])
    if op in ("fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"):
        return getattr(f, op)(x, s=params["s"], axes=params["axes"], norm=params["norm"])
    if op == "lax_fft":
        typ, lengths = params["fft_type"], list(params["fft_lengths"])
        axes = list(range(x.ndim - len(lengths), x.ndim))
        if typ == "FFT":
            return f.fftn(x, axes=axes)
        if typ == "IFFT":
            return f.ifftn(x, axes=axes)
        if typ == "RFFT":
            return f.rfftn(x, axes=axes)
        # The input's last axis is fft_lengths[-1] // 2 + 1 (XLA's requirement).
        assert x.shape[-1] == lengths[-1] // 2 + 1
        return f.irfftn(x, s=lengths, axes=axes)
    raise ValueError(op)


def fft_tol(op, x, params, dtype):
    """rtol = 16 eps log2(N + 1); atol = rtol * (norm factor) * (largest sum of |input| over the
    transformed axes; twice that for complex-to-real transforms)."""
    typ, axes, s, in_s = geometry(op, x.shape, params)
    n_total = math.prod(s)
    xf = np.abs(fit(x, axes, in_s))
    l1 = float(np.max(xf.sum(axis=tuple(axes)))) if xf.size else 0.0
    if typ == "IRFFT":
        l1 *= 2.0
    rtol = TOL_FACTOR * eps(dtype) * math.log2(n_total + 1)
    return rtol, rtol * norm_factor(op, params.get("norm"), n_total, typ) * l1


def norm_suffix(norm):
    return "" if norm is None else f"_{norm}"


def add_transform(op, dtype, shape, params):
    if op == "lax_fft":
        suffix = f"_{params['fft_type']}_" + "x".join(map(str, params["fft_lengths"]))
    elif OPS[op][1] == "1d":
        suffix = (f"_axis{params['axis']}" + ("" if params["n"] is None else f"_n{params['n']}")
                  + norm_suffix(params["norm"]))
    else:
        suffix = ("" if params["axes"] is None else "_axes" + ",".join(map(str, params["axes"])))
        suffix += ("" if params["s"] is None else "_s" + "x".join(map(str, params["s"])))
        suffix += norm_suffix(params["norm"])
    name = f"{op}/{SHORT[dtype]}/{shape_name(shape)}{suffix}"
    x = uniform(rng_for(name), shape, dtype)
    e = expected_value(op, x, params)
    out = result_dtype(op, params, dtype)
    assert np.iscomplexobj(e) == is_complex(out), name
    rtol, atol = fft_tol(op, x, params, dtype)
    add(name, op, [Arr(x, dtype)], [Arr(e, out)], params=params, rtol=rtol, atol=atol)


# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

def p1(n, axis, norm):
    return {"n": n, "axis": axis, "norm": norm}


def pn(s, axes, norm):
    return {"s": None if s is None else list(s), "axes": None if axes is None else list(axes), "norm": norm}


def gen_fft_ifft():
    # (dtype, shape, n, axis, norm): lengths 1, 2, powers of two, primes, composites; padding and
    # truncation; batches along every axis; square shapes (the wrong axis gives the same shape).
    fft = [
        ("complex64", (1,), None, -1, None),
        ("float64", (1,), 4, 0, None),
        ("complex128", (2,), None, -1, "ortho"),
        ("float32", (2,), None, 0, "forward"),
        ("complex64", (8,), None, -1, None),
        ("float32", (8,), None, -1, "backward"),
        ("complex128", (8,), None, -1, "forward"),
        ("float64", (8,), 12, -1, "ortho"),
        ("complex64", (7,), None, -1, "ortho"),
        ("complex128", (13,), None, 0, None),
        ("complex128", (13,), 7, -1, "backward"),
        ("float32", (97,), None, -1, None),
        ("complex64", (97,), None, -1, "forward"),
        ("complex128", (12,), None, -1, None),
        ("complex64", (30,), None, -1, "backward"),
        ("float64", (100,), None, -1, "forward"),
        ("complex64", (64,), None, -1, "ortho"),
        ("float64", (64,), 100, -1, None),
        ("complex64", (1024,), None, -1, None),
        ("float64", (1024,), None, -1, "ortho"),
        ("complex64", (5,), 1, -1, None),
        ("float32", (3, 4, 16), None, 1, None),
        ("complex64", (3, 4, 16), None, -1, "ortho"),
        ("complex128", (3, 4, 16), None, 0, "forward"),
        ("float64", (2, 5, 3), 7, -2, None),
        ("complex64", (8, 8), None, 0, None),
        ("complex128", (6, 6), None, -2, "ortho"),
        ("float32", (4, 4), 3, 0, "forward"),
    ]
    ifft = [
        ("complex64", (1,), None, -1, "ortho"),
        ("complex128", (1,), 3, -1, None),
        ("complex64", (2,), None, -1, None),
        ("float64", (2,), None, -1, "forward"),
        ("complex64", (8,), None, -1, "backward"),
        ("complex128", (8,), None, -1, None),
        ("float32", (8,), None, -1, "ortho"),
        ("complex128", (7,), None, -1, "forward"),
        ("complex64", (13,), None, -1, None),
        ("float64", (97,), None, -1, "ortho"),
        ("complex64", (97,), 100, -1, None),
        ("complex128", (12,), None, 0, "backward"),
        ("complex64", (30,), 13, -1, "forward"),
        ("complex128", (100,), None, -1, None),
        ("float32", (64,), None, -1, None),
        ("complex128", (1024,), None, -1, None),
        ("complex64", (3, 4, 16), None, 1, None),
        ("float64", (3, 4, 16), None, -1, "ortho"),
        ("complex128", (3, 4, 16), 5, 0, None),
        ("complex64", (2, 3, 7), None, -3, "forward"),
        ("complex64", (8, 8), None, 0, None),
        ("complex128", (5, 5), 8, 1, "ortho"),
    ]
    for op, configs in (("fft", fft), ("ifft", ifft)):
        for dtype, shape, n, axis, norm in configs:
            add_transform(op, dtype, shape, p1(n, axis, norm))


def gen_rfft_irfft():
    rfft = [
        ("float32", (1,), None, -1, None),
        ("float64", (2,), None, -1, "ortho"),
        ("float32", (8,), None, -1, None),
        ("float64", (8,), None, -1, "forward"),
        ("float32", (7,), None, -1, "backward"),
        ("float64", (13,), None, -1, None),
        ("float32", (97,), None, -1, "ortho"),
        ("float64", (12,), None, -1, None),
        ("float32", (30,), None, -1, "forward"),
        ("float64", (100,), None, 0, None),
        ("float32", (64,), None, -1, None),
        ("float32", (1024,), None, -1, "ortho"),
        ("float64", (10,), 16, -1, None),
        ("float32", (20,), 13, -1, None),
        ("float64", (6,), 1, -1, "forward"),
        ("float32", (3, 4, 16), None, 1, None),
        ("float64", (3, 4, 16), None, -1, "backward"),
        ("float32", (7, 7), None, 0, "ortho"),
    ]
    # irfft: shape (the input's), n; n None gives 2 * (m - 1); even and odd n; n // 2 + 1 larger than
    # the input (padding) and smaller (cropping).
    irfft = [
        ("complex64", (2,), None, -1, None),
        ("complex128", (5,), None, -1, "ortho"),
        ("complex64", (33,), None, -1, None),
        ("complex128", (513,), None, -1, None),
        ("complex64", (4,), 7, -1, None),
        ("complex128", (7,), 13, -1, "forward"),
        ("complex64", (49,), 97, -1, "ortho"),
        ("complex128", (1,), 1, -1, None),
        ("complex64", (3,), 1, 0, "backward"),
        ("complex128", (3,), 2, -1, None),
        ("complex64", (7,), 12, -1, None),
        ("complex128", (16,), 30, -1, "forward"),
        ("complex64", (51,), 100, -1, None),
        ("complex128", (3,), 16, -1, None),
        ("complex64", (20,), 10, -1, "ortho"),
        ("complex128", (20,), 11, -1, None),
        ("complex64", (3, 4, 9), None, -1, None),
        ("complex128", (3, 5, 4), 9, 1, "ortho"),
        ("complex64", (4, 3, 2), 7, 0, "forward"),
        ("complex128", (5, 5), None, 0, None),
    ]
    for op, configs in (("rfft", rfft), ("irfft", irfft)):
        for dtype, shape, n, axis, norm in configs:
            add_transform(op, dtype, shape, p1(n, axis, norm))


def gen_hfft_ihfft():
    hfft = [
        ("complex64", (5,), None, -1, None),
        ("complex128", (5,), 9, -1, None),
        ("complex64", (2,), None, -1, "ortho"),
        ("complex128", (7,), 13, -1, "forward"),
        ("complex64", (1,), 1, -1, "backward"),
        ("complex128", (17,), None, -1, "ortho"),
        ("complex64", (10,), 30, -1, "forward"),
        ("complex128", (4,), 12, -1, None),
        ("complex64", (3, 4, 9), None, -1, None),
        ("complex128", (4, 3, 2), 7, 0, "ortho"),
        ("complex64", (6, 6), 10, 0, None),
    ]
    ihfft = [
        ("float32", (8,), None, -1, None),
        ("float64", (7,), None, -1, None),
        ("float32", (1,), None, -1, "ortho"),
        ("float64", (13,), None, -1, "forward"),
        ("float32", (12,), 16, -1, "ortho"),
        ("float64", (30,), 9, -1, "backward"),
        ("float32", (97,), None, -1, None),
        ("float64", (3, 4, 16), None, 1, "ortho"),
        ("float32", (3, 4, 16), None, -1, "forward"),
        ("float64", (5, 5), None, 0, None),
    ]
    for op, configs in (("hfft", hfft), ("ihfft", ihfft)):
        for dtype, shape, n, axis, norm in configs:
            add_transform(op, dtype, shape, p1(n, axis, norm))


def gen_2d():
    # (op, dtype, shape, s, axes, norm); the 2-D ops always name their two axes.
    configs = [
        ("fft2", "complex64", (4, 8), None, (-2, -1), None),
        ("fft2", "float32", (3, 5), (4, 6), (-2, -1), None),
        ("fft2", "complex128", (6, 7), (3, 4), (-2, -1), "ortho"),
        ("fft2", "complex64", (2, 3, 8), None, (0, 2), "forward"),
        ("fft2", "float64", (5, 4, 3), None, (-1, 0), "backward"),
        ("fft2", "complex128", (8, 8), None, (1, 0), None),
        ("fft2", "complex64", (1, 1), None, (-2, -1), None),
        ("ifft2", "complex64", (4, 8), None, (-2, -1), None),
        ("ifft2", "complex128", (5, 7), (8, 3), (-2, -1), "ortho"),
        ("ifft2", "float32", (3, 6, 6), None, (0, 1), None),
        ("ifft2", "complex64", (2, 3, 13), (2, 12), (1, 2), "forward"),
        ("ifft2", "float64", (4, 2, 5), None, (2, 0), None),
        ("ifft2", "complex128", (6, 6), None, (-1, -2), "backward"),
        ("rfft2", "float32", (4, 8), None, (-2, -1), None),
        ("rfft2", "float64", (5, 7), (6, 9), (-2, -1), "ortho"),
        ("rfft2", "float32", (4, 3, 6), None, (0, 2), "forward"),
        ("rfft2", "float64", (6, 5), None, (1, 0), None),
        ("rfft2", "float32", (3, 12, 4), (10, 3), (1, 2), "backward"),
        ("irfft2", "complex64", (4, 5), None, (-2, -1), None),
        ("irfft2", "complex128", (6, 4), (6, 7), (-2, -1), "ortho"),
        ("irfft2", "complex64", (3, 5, 4), (4, 6), (0, 2), None),
        ("irfft2", "complex128", (5, 6), None, (1, 0), "forward"),
        ("irfft2", "complex64", (2, 4, 9), (3, 17), (1, 2), "backward"),
    ]
    for op, dtype, shape, s, axes, norm in configs:
        add_transform(op, dtype, shape, pn(s, axes, norm))


def gen_nd():
    # (op, dtype, shape, s, axes, norm): 1, 2 and 3 transformed axes, all axes by default, axes not at
    # the end or out of order, s that pads and that crops.
    configs = [
        ("fftn", "complex64", (16,), None, None, None),
        ("fftn", "float32", (4, 6), None, None, "ortho"),
        ("fftn", "complex128", (3, 4, 5), None, None, None),
        ("fftn", "complex64", (3, 4, 5), (6, 3), None, "forward"),
        ("fftn", "float64", (7, 2, 3), None, (0,), None),
        ("fftn", "complex128", (4, 3, 6), (5, 4), (0, 2), "backward"),
        ("fftn", "complex64", (2, 3, 4, 5), None, (2, 0, 1), "ortho"),
        ("fftn", "complex128", (3, 6), (5, 3), None, None),
        ("fftn", "complex64", (2, 2, 2), (1, 3, 2), (0, 1, 2), None),
        ("ifftn", "complex64", (12,), None, None, None),
        ("ifftn", "complex128", (4, 6), None, None, "forward"),
        ("ifftn", "float32", (3, 4, 5), None, None, None),
        ("ifftn", "complex64", (3, 4, 5), (7,), None, "ortho"),
        ("ifftn", "complex128", (5, 3, 4), (3, 6), (-1, 0), None),
        ("ifftn", "float64", (2, 3, 4, 5), (3, 3, 3), (1, 2, 3), "backward"),
        ("ifftn", "complex64", (6, 2, 5), None, (2, 0, 1), None),
        ("ifftn", "complex128", (1, 1, 1), None, None, "ortho"),
        ("rfftn", "float32", (16,), None, None, None),
        ("rfftn", "float64", (4, 6), None, None, "ortho"),
        ("rfftn", "float32", (3, 4, 5), None, None, "forward"),
        ("rfftn", "float64", (3, 4, 5), (6, 7), None, None),
        ("rfftn", "float32", (5, 3, 4), None, (2, 0), None),
        ("rfftn", "float64", (2, 3, 4, 5), (2, 4, 3), (0, 3, 1), "backward"),
        ("rfftn", "float32", (7, 2), None, (0,), None),
        ("irfftn", "complex64", (9,), None, None, None),
        ("irfftn", "complex128", (4, 5), None, None, "ortho"),
        ("irfftn", "complex64", (3, 4, 5), None, None, "forward"),
        ("irfftn", "complex128", (3, 4, 5), (6, 7), None, None),
        ("irfftn", "complex64", (5, 3, 4), (4, 9), (2, 0), None),
        ("irfftn", "complex128", (2, 3, 4, 5), (2, 4, 6), (0, 3, 1), "backward"),
        ("irfftn", "complex64", (6, 2), (11,), (0,), None),
    ]
    for op, dtype, shape, s, axes, norm in configs:
        add_transform(op, dtype, shape, pn(s, axes, norm))


def gen_lax():
    # (fft_type, dtype, batch shape, fft_lengths); IRFFT's input last axis is fft_lengths[-1] // 2 + 1.
    configs = [
        ("FFT", "complex64", (), (8,)),
        ("FFT", "complex128", (3,), (13,)),
        ("FFT", "complex64", (2,), (4, 6)),
        ("FFT", "complex128", (), (3, 4, 5)),
        ("FFT", "complex64", (), (1,)),
        ("IFFT", "complex64", (2,), (12,)),
        ("IFFT", "complex128", (), (7,)),
        ("IFFT", "complex64", (), (5, 4)),
        ("IFFT", "complex128", (2,), (2, 3, 4)),
        ("RFFT", "float32", (), (16,)),
        ("RFFT", "float64", (3,), (7,)),
        ("RFFT", "float32", (2,), (4, 6)),
        ("RFFT", "float64", (), (3, 4, 5)),
        ("IRFFT", "complex64", (), (16,)),
        ("IRFFT", "complex128", (3,), (7,)),
        ("IRFFT", "complex64", (2,), (4, 6)),
        ("IRFFT", "complex128", (), (3, 4, 5)),
        ("IRFFT", "complex64", (), (1,)),
    ]
    for typ, dtype, batch, lengths in configs:
        shape = tuple(batch) + tuple(lengths)
        if typ == "IRFFT":
            shape = shape[:-1] + (lengths[-1] // 2 + 1,)
        add_transform("lax_fft", dtype, shape, {"fft_type": typ, "fft_lengths": list(lengths)})


def freq_expected(op, n, d):
    """JAX: k / (d * n), k = the integer frequency index (NumPy 1.24: k * (1 / (n * d)))."""
    if op == "fftfreq":
        ks = [i if i < (n + 1) // 2 else i - n for i in range(n)]
    else:
        ks = list(range(n // 2 + 1))
    return np.array([k / (d * n) for k in ks], dtype=np.float64)


def gen_freq():
    configs = [
        ("fftfreq", 1, 1.0, "float32"), ("fftfreq", 2, 1.0, "float32"), ("fftfreq", 7, 0.1, "float32"),
        ("fftfreq", 8, 1.0, "float32"), ("fftfreq", 100, 2.5, "float32"), ("fftfreq", 13, 0.5, "float64"),
        ("fftfreq", 16, 0.3, "float64"),
        ("rfftfreq", 1, 1.0, "float32"), ("rfftfreq", 8, 0.1, "float32"), ("rfftfreq", 9, 1.0, "float32"),
        ("rfftfreq", 100, 0.01, "float32"), ("rfftfreq", 7, 2.5, "float64"),
    ]
    for op, n, d, dtype in configs:
        name = f"{op}/{SHORT[dtype]}/n{n}_d{d}"
        params = {"n": n, "d": d}
        if dtype == "float64":
            params["dtype"] = "float64"
        e = freq_expected(op, n, d)
        add(name, op, [], [Arr(e, dtype)], params=params, rtol=FREQ_FACTOR * eps(dtype), atol=0.0)


def gen_shift():
    # (dtype, shape, axes): odd lengths tell fftshift from ifftshift.
    configs = [
        ("float32", (8,), None), ("float64", (7,), None), ("complex64", (1,), None),
        ("complex128", (4, 5), None), ("float32", (3, 4, 5), 1), ("float64", (3, 4, 5), -1),
        ("complex64", (5, 6, 3), [0, 2]), ("float32", (5, 7), [-1]),
    ]
    for op in ("fftshift", "ifftshift"):
        for dtype, shape, axes in configs:
            name = f"{op}/{SHORT[dtype]}/{shape_name(shape)}_axes" + (
                "None" if axes is None else str(axes).replace(" ", ""))
            x = uniform(rng_for(name), shape, dtype)
            e = getattr(np.fft, op)(x, axes=axes)
            add(name, op, [Arr(x, dtype)], [Arr(e, dtype)], params={"axes": axes}, rtol=0.0, atol=0.0)


def generate():
    CASES.clear()
    RECORDS.clear()
    gen_fft_ifft()
    gen_rfft_irfft()
    gen_hfft_ihfft()
    gen_2d()
    gen_nd()
    gen_lax()
    gen_freq()
    gen_shift()
    return CASES


# ------------------------------------------------------------------------------------------------
# --verify: replays of JAX's code in the input's own precision, and likely mistakes
# ------------------------------------------------------------------------------------------------

def _dtypes_for(precision):
    return {"single": (np.float32, np.complex64), "double": (np.float64, np.complex128),
            "long": (np.longdouble, np.clongdouble)}[precision]


def prim_scipy(precision):
    """jax.lax.fft on the trailing axes, by scipy.fft (pocketfft) in the given precision."""
    import scipy.fft as sfft
    rd, cd = _dtypes_for(precision)

    def prim(x, typ, lengths):
        axes = tuple(range(x.ndim - len(lengths), x.ndim))
        if typ == "FFT":
            return sfft.fftn(x.astype(cd), axes=axes)
        if typ == "IFFT":
            return sfft.ifftn(x.astype(cd), axes=axes)
        if typ == "RFFT":
            return sfft.rfftn(x.astype(rd), axes=axes)
        return sfft.irfftn(x.astype(cd), s=lengths, axes=axes)

    return prim


def prim_direct(precision):
    """jax.lax.fft on the trailing axes by direct DFTs (matrix products) in the given precision."""
    rd, cd = _dtypes_for(precision)

    def dft(x, axis, inverse):
        n = x.shape[axis]
        jk = np.outer(np.arange(n), np.arange(n)) % n
        w = np.exp((2j if inverse else -2j) * np.pi * jk / n).astype(cd)
        y = np.moveaxis(x.astype(cd), axis, -1) @ w
        if inverse:
            y = y * rd(1.0 / n)
        return np.moveaxis(y, -1, axis)

    def prim(x, typ, lengths):
        k = len(lengths)
        axes = list(range(x.ndim - k, x.ndim))
        if typ in ("FFT", "IFFT", "RFFT"):
            y = x.astype(cd)
            for a in axes:
                y = dft(y, a, typ == "IFFT")
            return y[..., : lengths[-1] // 2 + 1] if typ == "RFFT" else y
        y = x.astype(cd)
        for a in axes[:-1]:
            y = dft(y, a, True)
        n = lengths[-1]
        half = y.shape[-1]
        full = np.zeros(y.shape[:-1] + (n,), dtype=cd)
        full[..., :half] = y
        full[..., 0] = full[..., 0].real
        for j in range(1, (n + 1) // 2):
            full[..., n - j] = np.conj(y[..., j])
        if n % 2 == 0:
            full[..., n // 2] = full[..., n // 2].real
        return dft(full, -1, True).real

    return prim


def jax_model(op, x, params, prim, precision):
    """JAX's jnp.fft code (jax/_src/numpy/fft.py) with lax.fft replaced by prim."""
    rd, cd = _dtypes_for(precision)
    if op == "lax_fft":
        return prim(x, params["fft_type"], list(params["fft_lengths"]))
    typ, axes, s, in_s = geometry(op, x.shape, params)
    x = x.astype(cd if np.iscomplexobj(x) else rd)
    if op == "hfft":
        x = np.conj(x)
    k = len(axes)
    trailing = list(range(x.ndim - k, x.ndim))
    a = fit(np.moveaxis(x, axes, trailing), trailing, in_s)
    out = prim(a, typ, s)
    norm = params["norm"]
    if norm not in (None, "backward"):
        n_total = math.prod(s)
        inverse = op.startswith("i")  # JAX's rule: func_name.startswith('i')
        if norm == "ortho":
            factor = math.sqrt(n_total) if inverse else 1 / math.sqrt(n_total)
        else:
            factor = n_total if inverse else 1 / n_total
        out = out * rd(factor)
    out = np.moveaxis(out, trailing, axes)
    if op == "hfft":
        out = out * rd(s[0])
    if op == "ihfft":
        out = np.conj(out) * rd(1 / s[0])
    return out


def fraction(actual, expected, rtol, atol):
    """max |actual - expected| / (atol + rtol |expected|), inf on a shape mismatch."""
    actual = np.asarray(actual)
    if actual.shape != expected.shape:
        return math.inf
    if actual.size == 0:
        return 0.0
    diff = np.abs(actual.astype(np.clongdouble) - expected.astype(np.clongdouble)).astype(np.float64)
    bound = atol + rtol * np.abs(expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(bound > 0, diff / np.where(bound > 0, bound, 1), np.where(diff > 0, np.inf, 0.0))
    return float(np.max(f))


def other_axes(op, shape, params):
    """The params with the transform moved to other axes (same number of axes)."""
    ndim = len(shape)
    if op == "lax_fft" or ndim < 2:
        return []
    if OPS[op][1] == "1d":
        a = params["axis"] % ndim
        return [dict(params, axis=b) for b in range(ndim) if b != a]
    _, axes, _, _ = geometry(op, shape, params)
    out = []
    for b in range(ndim):
        for c in range(ndim):
            alt = [b, c] if len(axes) == 2 else None
            if len(axes) == 1:
                alt = [b]
                if c:
                    continue
            elif len(axes) == 3:
                alt = [b, c, 3 - b - c] if ndim == 3 and len({b, c, 3 - b - c}) == 3 else None
            if alt is None or len(set(alt)) != len(alt) or alt == axes:
                continue
            if sorted(alt) == sorted(axes) and (OPS[op][0] in ("FFT", "IFFT") or alt[-1] == axes[-1]):
                continue  # the same transform
            out.append(dict(params, axes=alt))
    return out


def verify():
    """Replays every case; prints the largest fraction of a tolerance used per op and the smallest
    by which each mistake misses it."""
    used = defaultdict(lambda: defaultdict(float))  # op -> replay -> worst fraction
    worst = defaultdict(lambda: (0.0, ""))
    missed = defaultdict(lambda: (math.inf, ""))  # mistake -> (smallest fraction, case)
    undetectable = Counter()
    shifts_told = 0
    long_prim = prim_scipy("long")
    double_prim = prim_scipy("double")
    for case, args, expected in RECORDS:
        op, params, name = case["op"], case["params"], case["name"]
        rtol, atol = case["rtol"], case["atol"]
        if op in ("fftshift", "ifftshift"):
            x = args[0].values
            other = np.fft.ifftshift if op == "fftshift" else np.fft.fftshift
            if np.array_equal(other(x, axes=params["axes"]), expected[0].values):
                undetectable["shift direction"] += 1  # even lengths only
            else:
                shifts_told += 1
            continue
        if op in ("fftfreq", "rfftfreq"):
            n, d = params["n"], params["d"]
            dt = np.float64 if params.get("dtype") == "float64" else np.float32
            ks = freq_expected(op, n, 1.0) * n  # exact integers
            for label, value in (("jax k / (d n)", ks.astype(dt) / dt(d * n)),
                                 ("numpy k * (1 / (n d))", ks.astype(dt) * (dt(1) / dt(n * d)))):
                f = fraction(value, expected[0].values, rtol, atol)
                used[op][label] = max(used[op][label], f)
                worst[label] = max(worst[label], (f, name))
            continue
        x = args[0].values
        e = expected[0].values
        single = args[0].dtype in ("float32", "complex64")
        own = "single" if single else "double"
        replays = [("long double model", jax_model(op, x, params, long_prim, "long")),
                   ("pocketfft " + own, jax_model(op, x, params, prim_scipy(own), own)),
                   ("direct DFT " + own, jax_model(op, x, params, prim_direct(own), own))]
        for label, value in replays:
            f = fraction(value, e, rtol, atol)
            used[op][label] = max(used[op][label], f)
            worst[label] = max(worst[label], (f, name))
        # The mistakes, computed in double precision through JAX's code.
        mistakes = []
        if op != "lax_fft":
            for alt in ("backward", "ortho", "forward"):
                if alt != (params["norm"] or "backward"):
                    mistakes.append(("norm " + str(alt), jax_model(op, x, dict(params, norm=alt), double_prim,
                                                                   "double")))
        else:
            typ = params["fft_type"]
            value = jax_model(op, x, params, double_prim, "double")
            n_total = math.prod(params["fft_lengths"])
            mistakes.append(("norm lax", value * (n_total if typ in ("IFFT", "IRFFT") else 1 / n_total)))
        mistakes.append(("sign", np.conj(jax_model(op, np.conj(x), params, double_prim, "double"))))
        for alt in other_axes(op, x.shape, params):
            try:
                mistakes.append(("axis", jax_model(op, x, alt, double_prim, "double")))
            except (AssertionError, ValueError, IndexError):
                pass
        for label, value in mistakes:
            if np.shape(value) != e.shape:
                continue  # the shape tells
            f = fraction(value, e, rtol, atol)
            if np.max(np.abs(value - e), initial=0.0) <= 1e-9 * max(1.0, np.max(np.abs(e), initial=0.0)):
                undetectable[label.split(" ")[0]] += 1  # the same values (length 1, 2, real data)
                if os.environ.get("FFT_ORACLE_DEBUG"):
                    print("same values:", label, name)
                continue
            key = label.split(" ")[0]
            missed[key] = min(missed[key], (f, name))
    print("largest fraction of the tolerance used, per op and replay:")
    for op, replays in used.items():
        print(f"  {op}: " + ", ".join(f"{label} {f:.3g}" for label, f in replays.items()))
    print("largest fraction overall:")
    for label, (f, name) in worst.items():
        print(f"  {label}: {f:.3g} ({name})")
    print("smallest fraction by which a mistake misses (should be >> 1):")
    for label, (f, name) in missed.items():
        print(f"  {label}: {f:.3g} ({name})")
    print(f"  shift direction: {shifts_told} cases tell fftshift from ifftshift exactly")
    print("mistakes that give the same values (length 1 or 2, real spectra, even shifts): "
          + ", ".join(f"{k} {v}" for k, v in undetectable.items()))
    return 0


# ------------------------------------------------------------------------------------------------

def main():
    return oracle_cases.main(__doc__.split("\n")[0], generate, OUT_PATH, ROOT, exact_inputs=True, verify=verify)


if __name__ == "__main__":
    sys.exit(main())
