#!/usr/bin/python3
"""Writes tests/data/complex_oracle.json: NumPy's values for jx's complex64/complex128 operations.

Run with Debian's Python (python3-numpy): /usr/bin/python3 tools/complex_oracle.py

Expected values are computed in complex128 from the exact inputs (so a complex64 case checks jx's
float32 arithmetic against a double-precision answer, not against NumPy's float32 rounding), with
the tolerance stated per case: |actual - expected| <= atol + rtol * |expected|, on the complex
magnitude. Parts that are NaN or infinite must match exactly (NaN to NaN, inf to inf of the same
sign). Numbers are written as Python's repr of a float ('nan', 'inf' included) so nothing is lost.

NumPy 1.24's sign of a complex number is the legacy sign(real) (NumPy 2 and JAX use z / |z|), and
its complex log1p is the naive log(1 + z); the expected values here use z / |z| and an accurate
log1p, as JAX's documentation specifies them. jx's reciprocal is 1 / z, so reciprocal(0) is
inf + nan i as NumPy's 1 / 0j is (np.reciprocal's own special case gives nan + nan i).
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "complex_oracle.json")

# Parts of the test inputs: signed zeros, small and large magnitudes, both signs.
PARTS = [0.0, -0.0, 0.5, -1.5, 2.0, 1e-5, -3e-4, 7.25, -30.0]
EDGE = [complex(math.inf, 0.0), complex(0.0, math.inf), complex(-math.inf, 1.0), complex(math.nan, 0.0),
        complex(1.0, math.nan), complex(-1.0, 0.0), complex(-1.0, -0.0), complex(-4.0, 0.0), complex(-4.0, -0.0)]


def number(x):
    return repr(float(x))


def encode(values):
    return [[number(z.real), number(z.imag)] for z in np.asarray(values, dtype=np.complex128).ravel()]


def inputs():
    return [complex(r, i) for r in PARTS for i in PARTS]


def accurate_log1p(z):
    # log|1 + z| = log1p(2x + x^2 + y^2) / 2, exact for small z; arg(1 + z) = atan2(y, 1 + x).
    x, y = z.real, z.imag
    if abs(x) < 0.5 and abs(y) < 0.5:
        return complex(math.log1p(x * (2 + x) + y * y) / 2, math.atan2(y, 1 + x))
    return np.log(1 + z)


def sign(z):
    return z if z == 0 else z / abs(z)


UNARY = {
    # name: (the function, in complex128; whether only finite inputs are tried)
    "negative": (np.negative, False),
    "absolute": (np.absolute, False),
    "sign": (np.vectorize(sign), True),
    "exp": (np.exp, False),
    "exp2": (np.exp2, True),
    "expm1": (np.expm1, True),
    "log": (np.log, False),
    "log1p": (np.vectorize(accurate_log1p), True),
    "log2": (np.log2, True),
    "log10": (np.log10, True),
    "sqrt": (np.sqrt, False),
    "square": (np.square, True),
    "reciprocal": (lambda z: np.true_divide(1, z), False),
    "sin": (np.sin, True),
    "cos": (np.cos, True),
    "tan": (np.tan, True),
    "arcsin": (np.arcsin, True),
    "arccos": (np.arccos, True),
    "arctan": (np.arctan, True),
    "sinh": (np.sinh, True),
    "cosh": (np.cosh, True),
    "tanh": (np.tanh, True),
    "arcsinh": (np.arcsinh, True),
    "arccosh": (np.arccosh, True),
    "arctanh": (np.arctanh, True),
    "real": (np.real, False),
    "imag": (np.imag, False),
    "conjugate": (np.conjugate, False),
    "angle": (np.angle, False),
    "isfinite": (np.isfinite, False),
    "isnan": (np.isnan, False),
    "isinf": (np.isinf, False),
}

BINARY = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "true_divide": np.true_divide,
    "power": np.power,
    "equal": np.equal,
    "not_equal": np.not_equal,
}

TOLERANCE = {"complex64": 4e-6, "complex128": 1e-13}


def unary_cases():
    cases = []
    for name, (fn, finite_only) in UNARY.items():
        for dtype in ("complex64", "complex128"):
            values = inputs() + ([] if finite_only else EDGE)
            # Rounded to the dtype first: the expected value is of the exact input jx receives.
            x = np.asarray(values, dtype=dtype).astype(np.complex128)
            with np.errstate(all="ignore"):
                expected = fn(x)
            rtol = TOLERANCE[dtype]
            if name in ("tan", "tanh", "arccos", "arcsin", "arccosh") and dtype == "complex64":
                rtol = 2e-5  # cancellation in the C library's float versions near the real axis
            case = {"op": name, "dtype": dtype, "input": encode(x), "rtol": rtol,
                    "atol": 1e-6 if dtype == "complex64" else 1e-14}
            if expected.dtype == np.bool_:
                case["expected_bool"] = [bool(b) for b in expected]
            elif np.iscomplexobj(expected):
                case["expected"] = encode(expected)
            else:
                case["expected_real"] = [number(v) for v in expected]
            cases.append(case)
    return cases


def binary_cases():
    cases = []
    finite = [complex(r, i) for r in (0.5, -1.5, 2.0, -30.0) for i in (0.0, 1e-5, -3.0, 7.25)]
    a = [p for p in finite for _ in finite]
    b = [q for _ in finite for q in finite]
    for name, fn in BINARY.items():
        for dtype in ("complex64", "complex128"):
            x = np.asarray(a, dtype=dtype).astype(np.complex128)
            y = np.asarray(b, dtype=dtype).astype(np.complex128)
            with np.errstate(all="ignore"):
                expected = fn(x, y)
            rtol = TOLERANCE[dtype] * (25 if name == "power" else 1)  # exp(y log x) magnifies rounding
            case = {"op": name, "dtype": dtype, "a": encode(x), "b": encode(y), "rtol": rtol,
                    "atol": 1e-6 if dtype == "complex64" else 1e-14}
            if expected.dtype == np.bool_:
                case["expected_bool"] = [bool(v) for v in expected]
            else:
                case["expected"] = encode(expected)
            cases.append(case)
    return cases


def reduction_cases():
    x = np.array([[1 + 2j, -3.5 + 0.25j, 2 - 1j], [0.5j, 4 + 0j, -1 - 1j]], dtype=np.complex64)
    wide = x.astype(np.complex128)
    cases = []
    for axis in (None, 0, 1):
        for name, fn in (("sum", np.sum), ("prod", np.prod), ("mean", np.mean)):
            cases.append({"op": name, "axis": axis, "expected": encode(fn(wide, axis=axis)),
                          "shape": list(np.shape(fn(wide, axis=axis)))})
        cases.append({"op": "var", "axis": axis, "expected_real": [number(v) for v in np.ravel(np.var(wide, axis=axis))],
                      "shape": list(np.shape(np.var(wide, axis=axis)))})
    for axis in (0, 1):
        cases.append({"op": "cumsum", "axis": axis, "expected": encode(np.cumsum(wide, axis=axis)),
                      "shape": list(x.shape)})
    return {"input": encode(x), "shape": list(x.shape), "cases": cases}


def matmul_cases():
    rng = np.random.default_rng(7)
    cases = []
    for dtype, m, k, n in (("complex64", 2, 3, 4), ("complex128", 5, 7, 3), ("complex64", 17, 33, 9)):
        a = (rng.standard_normal((m, k)) + 1j * rng.standard_normal((m, k))).astype(dtype)
        b = (rng.standard_normal((k, n)) + 1j * rng.standard_normal((k, n))).astype(dtype)
        wide_a, wide_b = a.astype(np.complex128), b.astype(np.complex128)
        cases.append({"dtype": dtype, "a": encode(a), "a_shape": [m, k], "b": encode(b), "b_shape": [k, n],
                      "expected": encode(wide_a @ wide_b), "vdot": encode(np.vdot(wide_a[0], wide_b[:, 0])),
                      "rtol": 1e-5 if dtype == "complex64" else 1e-13})
    return cases


def print_cases():
    arrays = [
        np.array([1 + 2j, 3.5 - 4j, 0], dtype=np.complex64),
        np.array([[-3 + 4j, 11.5 + 3j], [-3.75 - 28j, 0]], dtype=np.complex64),
        np.array([1 + 1j, complex(math.nan, math.inf), complex(-math.inf, -1e-5)], dtype=np.complex64),
        np.array([1e10 + 1j, 1e-7 - 2j], dtype=np.complex64),
        np.exp(np.array([1 + 2j, 3.5 - 4j, 0], dtype=np.complex64)),
        np.array([0.1 + 0.2j, -0.3j], dtype=np.complex128),
        np.array(3 + 4j, dtype=np.complex64),
        np.array(-2.5j, dtype=np.complex64),
        np.arange(12, dtype=np.complex64).reshape(3, 4) * (1 - 0.5j),
    ]
    cases = []
    for x in arrays:
        case = {"dtype": str(x.dtype), "shape": list(x.shape), "values": encode(x), "str": str(x)}
        if x.dtype == np.complex64:  # NumPy omits complex128 from the repr (its default complex type)
            case["repr"] = "Array(" + repr(x)[len("array("):]
        cases.append(case)
    return cases


def main():
    data = {"numpy_version": np.__version__, "unary": unary_cases(), "binary": binary_cases(),
            "reductions": reduction_cases(), "matmul": matmul_cases(), "print": print_cases()}
    with open(OUT, "w") as f:
        json.dump(data, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
