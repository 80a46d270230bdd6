#!/usr/bin/python3
"""Expected outputs for the differential tests of jx::numpy, jx::nn and jx::scipy::special.

Run with Debian's python3-numpy (the default `python3` may have no NumPy):

    /usr/bin/python3 tools/numpy_oracle.py            # rewrites tests/data/numpy_oracle.json
    /usr/bin/python3 tools/numpy_oracle.py --check    # fails if the committed file is stale

tests/ops/numpy_differential_test.cpp replays every case against jx.

NumPy is the oracle for *values*, never for *dtypes*: the result dtype (and JAX's weak-type flag) of
every case is decided here with JAX's promotion table, parsed from tests/data/jax_type_promotion.txt,
and JAX's per-function rules (jnp.sum promotes narrow integers, jnp.cumsum does not, jnp.sin of an
int gives the default float, ...). The inputs are then cast to that dtype and the value computed
with NumPy in it. Where JAX's value differs from NumPy's on purpose, the case encodes JAX's
behaviour and a comment says so (search for "JAX:").

Accuracy. Exact IEEE operations (+ - * / sqrt, comparisons, integer arithmetic) are computed by
NumPy in the result dtype and compared exactly. Transcendental functions, reductions and matrix
products are computed in float64 from the (exactly representable) inputs and rounded to the result
dtype, which is a better reference than NumPy's float32 loops; their tolerances (stated per case as
rtol/atol, |actual - expected| <= atol + rtol * |expected|) allow a few ulp of the result dtype, and
for sums and products atol scales with the magnitude of what was summed.

The JSON format (one case per line, so diffs stay readable):

  {"name": unique case name, "family": test family, "op": function name (the C++ table's key),
   "x64": whether jx::config::enable_x64 is on for the case,
   "args": [array, ...], "params": {op-specific options},
   "expected": array | [array, ...] (ops with several results) | {"error": "ValueError"},
   "rtol": float, "atol": float, "signed_zeros": optional, true to also compare the sign of zeros}

  array: {"dtype": "float32", "weak": false, "shape": [2, 3], "layout": ..., "data": [...]}
    "data" is the row-major data of a contiguous *base* array; the layout says how the argument is
    made from it, so that jx also sees non-contiguous views:
      "contiguous": the base is the argument (shape "shape");
      "transposed": the base has the reversed shape and the argument is jnp::transpose(base);
      "reversed":   the base has shape "shape" and the argument is jnp::flip(base) (all axes);
      "broadcast":  the base has shape "base_shape" and the argument is jnp::broadcast_to(base, shape).
    A weak argument is a C++ scalar (a double or an int64_t), weakly typed as a Python scalar is.
    Floats are JSON numbers or the strings "nan", "inf", "-inf"; a float32 number is the shortest
    decimal that rounds (through double) to the value, a float16 number is the exact value.
"""

import argparse
import json
import math
import os
import sys
import warnings

import numpy as np

import oracle_compare

warnings.simplefilter("ignore")
np.seterr(all="ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE_PATH = os.path.join(ROOT, "tests", "data", "jax_type_promotion.txt")
OUT_PATH = os.path.join(ROOT, "tests", "data", "numpy_oracle.json")

# ------------------------------------------------------------------------------------------------
# Dtypes and JAX's promotion table
# ------------------------------------------------------------------------------------------------

NP = {
    "bool": np.bool_, "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "float16": np.float16, "float32": np.float32, "float64": np.float64,
}
SHORT = {"bool": "b", "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64", "uint8": "u8",
         "uint16": "u16", "uint32": "u32", "uint64": "u64", "float16": "f16", "float32": "f32",
         "float64": "f64"}
TABLE_CODES = {"b1": "bool", "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64",
               "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64", "bf": "bfloat16",
               "f2": "float16", "f4": "float32", "f8": "float64"}
CODE_OF = {v: k for k, v in TABLE_CODES.items()}
NARROW_64 = {"int64": "int32", "uint64": "uint32", "float64": "float32"}  # without x64


def is_float(dt):
    return dt.startswith("float")


def is_int(dt):
    return dt.startswith("int") or dt.startswith("uint")


def is_uint(dt):
    return dt.startswith("uint")


def load_table(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                rows.append(line.split())
    columns, table = rows[0], {}
    for row in rows[1:]:
        for column, cell in zip(columns, row[1:]):
            table[(row[0], column)] = cell
    return table


TABLE = load_table(TABLE_PATH)


class Config:
    x64 = False


def default_int():
    return "int64" if Config.x64 else "int32"


def default_uint():
    return "uint64" if Config.x64 else "uint32"


def default_float():
    return "float64" if Config.x64 else "float32"


def canonical(dt):
    return dt if Config.x64 else NARROW_64.get(dt, dt)


def type_code(t):
    dt, weak = t
    if weak:
        return "f*" if is_float(dt) else "i*"
    return CODE_OF[dt]


def from_code(code):
    if code == "i*":
        return (default_int(), True)
    if code == "f*":
        return (default_float(), True)
    return (canonical(TABLE_CODES[code]), False)


def result_type(*types):
    """jnp.result_type: JAX's lattice join of (dtype, weak) pairs, canonicalized for x64."""
    code = type_code(types[0])
    for t in types[1:]:
        code = TABLE[(code, type_code(t))]
    return from_code(code)


def inexact(t):
    """promote_args_inexact: ints and bools become the default float type, keeping weakness."""
    dt, weak = t
    return t if is_float(dt) else (default_float(), weak)


def numeric(t):
    """promote_args_numeric: bools become the default int type."""
    dt, weak = t
    return (default_int(), weak) if dt == "bool" else t


def wrap_int(values, dt):
    """Python ints wrapped to dtype dt, as two's complement arithmetic does."""
    bits = np.iinfo(NP[dt]).bits
    out = []
    for v in np.ravel(np.asarray(values, dtype=object)):
        v = int(v) & ((1 << bits) - 1)
        if not is_uint(dt) and v >= 1 << (bits - 1):
            v -= 1 << bits
        out.append(v)
    return np.array(out, dtype=NP[dt]).reshape(np.shape(values))


# ------------------------------------------------------------------------------------------------
# Arguments, cases and serialization
# ------------------------------------------------------------------------------------------------


class Arg:
    """An argument: its logical value (a NumPy array of its dtype) and how jx builds it."""

    def __init__(self, value, weak=False, layout="contiguous", base=None):
        self.value = value
        self.weak = weak
        self.layout = layout
        self.base = base
        if layout == "transposed":
            assert value.ndim >= 2
        if weak:
            assert value.ndim == 0 and layout == "contiguous"

    @property
    def dtype(self):
        return np.dtype(self.value.dtype).name

    @property
    def type(self):
        return (self.dtype, self.weak)

    def cast(self, dt):
        return self.value.astype(NP[dt])


def A(data, dtype, layout="contiguous"):
    return Arg(np.array(data, dtype=NP[dtype]), layout=layout)


def W(x):
    """A C++ scalar: weakly typed, stored in the default int or float type (jx::Array(1.5))."""
    if isinstance(x, float):
        return Arg(np.array(x, dtype=NP[default_float()]), weak=True)
    return Arg(np.array(x, dtype=NP[default_int()]), weak=True)


def B(base_data, dtype, shape):
    """A broadcast (stride-0) view of a smaller base array."""
    base = np.array(base_data, dtype=NP[dtype])
    return Arg(np.broadcast_to(base, shape), layout="broadcast", base=base)


def enc_float(v, dt):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if dt == "float32":
        s = str(np.float32(v))
        try:
            c = float(s)
            if np.float32(c) == np.float32(v) and math.copysign(1, c) == math.copysign(1, v):
                return c
        except ValueError:
            pass
    return v  # float64, float16 (exact) and any float32 whose short form does not round-trip


def enc_values(arr, dt):
    flat = np.ravel(np.asarray(arr))
    if dt == "bool":
        return [bool(v) for v in flat]
    if is_int(dt):
        return [int(v) for v in flat]
    return [enc_float(v, dt) for v in flat]


def enc_arg(a):
    out = {"dtype": a.dtype, "weak": a.weak, "shape": list(a.value.shape), "layout": a.layout}
    if a.layout == "contiguous":
        base = a.value
    elif a.layout == "transposed":
        base = np.ascontiguousarray(np.transpose(a.value))
    elif a.layout == "reversed":
        base = np.flip(a.value)
    elif a.layout == "broadcast":
        base = a.base
        out["base_shape"] = list(base.shape)
    else:
        raise ValueError(a.layout)
    out["data"] = enc_values(base, a.dtype)
    return out


class Out:
    """An expected result: its value (a NumPy array of the JAX dtype) and weak flag."""

    def __init__(self, value, weak=False):
        self.value = np.asarray(value)
        self.weak = weak


def flush_subnormals(value):
    """JAX: XLA's CPU client runs with flush-to-zero on, so a float32/float64 result that would be
    subnormal is zero, with its sign (jx does the same: src/core/subnormals.h)."""
    if value.dtype not in (np.float32, np.float64):
        return value
    tiny = np.finfo(value.dtype).tiny
    return np.where((np.abs(value) < tiny) & (value != 0), np.copysign(np.zeros_like(value), value), value)


# Ops whose results are computed without floating-point arithmetic (bit manipulation, or moving
# values), so a subnormal result survives flush-to-zero.
KEEPS_SUBNORMALS = {"nextafter"}


def enc_out(o, op=None):
    value = o.value if op in KEEPS_SUBNORMALS else flush_subnormals(o.value)
    dt = np.dtype(value.dtype).name
    return {"dtype": dt, "weak": o.weak, "shape": list(value.shape), "data": enc_values(value, dt)}


class Err:
    def __init__(self, kind):
        self.kind = kind


CASES = []
NAMES = {}


def describe(args):
    parts = []
    for a in args:
        s = SHORT[a.dtype] + ("w" if a.weak else "")
        shape = "x".join(str(d) for d in a.value.shape) or "s"
        s += "_" + shape
        if a.layout != "contiguous":
            s += {"transposed": "T", "reversed": "R", "broadcast": "B"}[a.layout]
        parts.append(s)
    return "_".join(parts)


def emit(family, op, args, expected, tol=(0.0, 0.0), params=None, label="", signed_zeros=False):
    base = op + ("_" + describe(args) if args else "") + ("_" + label if label else "")
    if Config.x64:
        base += "_x64"
    n = NAMES.get(base, 0)
    NAMES[base] = n + 1
    name = base if n == 0 else f"{base}_{n + 1}"
    params = {k: (enc_float(v, "float64") if isinstance(v, float) else v) for k, v in (params or {}).items()}
    case = {"name": name, "family": family, "op": op, "x64": Config.x64,
            "args": [enc_arg(a) for a in args], "params": params}
    if isinstance(expected, Err):
        case["expected"] = {"error": expected.kind}
    elif isinstance(expected, list):
        case["expected"] = [enc_out(o, op) for o in expected]
    else:
        case["expected"] = enc_out(expected, op)
    rtol, atol = tol
    case["rtol"] = float(rtol)
    case["atol"] = float(atol)
    if signed_zeros:
        case["signed_zeros"] = True
    CASES.append(case)


class x64:
    """with x64(): cases generated inside run with jx::config::enable_x64."""

    def __enter__(self):
        Config.x64 = True

    def __exit__(self, *exc):
        Config.x64 = False


# ------------------------------------------------------------------------------------------------
# Tolerances
# ------------------------------------------------------------------------------------------------

EXACT = (0.0, 0.0)
EPS = {"float16": 2.0 ** -10, "float32": 2.0 ** -23, "float64": 2.0 ** -52}
# The smallest magnitude a rounding difference can have: a float16 subnormal step, or float32's and
# float64's smallest normal (whether subnormal results are flushed is left open for those).
TINY = {"float16": 2.0 ** -24, "float32": float(np.finfo(np.float32).tiny),
        "float64": float(np.finfo(np.float64).tiny)}
# Transcendental functions: a few ulp of the result dtype.
TRANSCENDENTAL_RTOL = {"float16": 2e-3, "float32": 1e-5, "float64": 1e-12}
# Compositions of several rounded steps in the working dtype (softmax, gelu, logsumexp, ...).
COMPOSITE_RTOL = {"float16": 5e-3, "float32": 2e-5, "float64": 1e-12}


def tol_transcendental(dt, scale=0.0):
    if not is_float(dt):
        return EXACT
    return (TRANSCENDENTAL_RTOL[dt], max(TINY[dt], 2 * EPS[dt] * scale))


def tol_composite(dt, scale=0.0):
    """scale: the magnitude of intermediate values whose rounding errors reach the result."""
    if not is_float(dt):
        return EXACT
    return (COMPOSITE_RTOL[dt], max(2 * TINY[dt], 4 * EPS[dt] * scale))


def finite_abs(x):
    x = np.abs(np.asarray(x, dtype=np.float64))
    return np.where(np.isfinite(x), x, 0.0)


def tol_accumulated(dt, magnitude, compute_dt=None):
    """Sums, means, dot products: the final rounding plus accumulation error proportional to the
    sum of the magnitudes of the terms (jx may sum float32 in float64, NumPy pairwise in float32)."""
    if not is_float(dt):
        return EXACT
    compute_dt = compute_dt or ("float32" if dt == "float16" else dt)
    rtol = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-14}[dt]
    return (rtol, max(TINY[dt], 16 * EPS[compute_dt] * float(magnitude)))


def f64(x):
    return np.asarray(x).astype(np.float64)


def round_to(x, dt):
    return np.asarray(x).astype(NP[dt])


# ------------------------------------------------------------------------------------------------
# Input grids
# ------------------------------------------------------------------------------------------------

RNG = np.random.default_rng(20240611)


def floats(lo, hi, shape, decimals=2):
    """Random floats with few decimal digits (short JSON)."""
    return np.round(RNG.uniform(lo, hi, size=shape), decimals)


def edge_floats(dt):
    fi = np.finfo(NP[dt])
    return [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0,
            7.25, 100.0, float(fi.max), -float(fi.max), float(fi.tiny), -float(fi.tiny), 1e-3]


EDGE_INTS = {
    "int8": [0, 1, -1, 2, -7, 100, 127, -128],
    "uint8": [0, 1, 2, 7, 100, 128, 200, 255],
    "int16": [0, 1, -1, 300, -32768, 32767],
    "int32": [0, 1, -1, 2, -7, 1000, -123456, 2 ** 31 - 1, -2 ** 31],
    "uint32": [0, 1, 2, 7, 1000, 2 ** 31, 3000000000, 2 ** 32 - 1],
    "int64": [0, 1, -1, 7, -2 ** 40, 2 ** 62, 2 ** 63 - 1, -2 ** 63],
    "bool": [False, True],
}


def edges(dt):
    return edge_floats(dt) if is_float(dt) else EDGE_INTS[dt]


def small_ints(dt, shape, lo=None, hi=None):
    if dt == "bool":
        return RNG.integers(0, 2, size=shape).astype(bool)
    if lo is None:
        lo = 0 if is_uint(dt) else -9
    if hi is None:
        hi = 10
    return RNG.integers(lo, hi, size=shape)


def values(dt, shape, lo=-3.0, hi=3.0):
    if is_float(dt):
        return floats(lo, hi, shape)
    return small_ints(dt, shape, None if lo < 0 else int(math.ceil(lo)), None if lo < 0 else int(hi) + 1)


# ------------------------------------------------------------------------------------------------
# Elementwise unary functions
# ------------------------------------------------------------------------------------------------


def erfinv_scalar(y):
    """The inverse of math.erf by Newton's method in float64."""
    if math.isnan(y) or y < -1 or y > 1:
        return float("nan")
    if y == 1:
        return float("inf")
    if y == -1:
        return float("-inf")
    if y == 0:
        return y
    # Start from Giles' approximation's leading form, then refine.
    w = -math.log((1.0 - y) * (1.0 + y))
    x = math.copysign(math.sqrt(max(w - math.log(w if w > 0 else 1.0), 0.0)) if w > 1 else
                      math.sqrt(math.pi) / 2 * abs(y), y)
    for _ in range(100):
        # In the tails erf(x) - y cancels; 1 - |y| is exact there, so measure the residual with erfc.
        sign = 1.0 if y > 0 else -1.0
        err = sign * ((1.0 - abs(y)) - math.erfc(abs(x))) if abs(y) >= 0.5 else math.erf(x) - y
        step = err / (2.0 / math.sqrt(math.pi) * math.exp(-x * x))
        x -= step
        if abs(step) <= 1e-17 * max(1.0, abs(x)):
            break
    return x


def vec(f):
    def apply(x):
        x = np.asarray(x, dtype=np.float64)
        return np.vectorize(f, otypes=[np.float64])(x) if x.size else x.copy()
    return apply


def gelu_tanh(x):
    return x * 0.5 * (1.0 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_erf(x):
    # JAX: 0.5 * x * erfc(-x / sqrt(2)), accurate for negative x as well.
    return vec(lambda v: 0.5 * v * math.erfc(-v / math.sqrt(2)))(x)


def softplus64(x):
    return np.logaddexp(x, 0.0)


def sigmoid64(x):
    return vec(lambda v: 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)))(x)


def log_sigmoid64(x):
    return -np.logaddexp(-x, 0.0)


def logit64(x):
    return np.log(x / (1 - x))


def lgamma64(x):
    def f(v):
        if math.isnan(v):
            return v
        if math.isinf(v):
            return float("inf")
        if v <= 0 and v == math.floor(v):
            return float("inf")
        try:
            return math.lgamma(v)
        except OverflowError:
            return float("inf")
    return vec(f)(x)


# name: (float64 function, random-grid domain, kind, family, extra edge inputs)
#   kind "exact": IEEE-exact, so compared exactly; "transcendental": a few ulp.
UNARY_INEXACT = {
    "sqrt": (np.sqrt, (0, 10), "exact", "unary"),
    "cbrt": (np.cbrt, (-10, 10), "transcendental", "unary"),
    "reciprocal": (lambda x: 1.0 / x, (-5, 5), "exact", "unary"),
    "exp": (np.exp, (-5, 5), "transcendental", "unary"),
    "exp2": (np.exp2, (-5, 5), "transcendental", "unary"),
    "expm1": (np.expm1, (-2, 2), "transcendental", "unary"),
    "log": (np.log, (0.01, 10), "transcendental", "unary"),
    "log1p": (np.log1p, (-0.9, 5), "transcendental", "unary"),
    "log2": (np.log2, (0.01, 100), "transcendental", "unary"),
    "log10": (np.log10, (0.01, 100), "transcendental", "unary"),
    "sin": (np.sin, (-4, 4), "transcendental", "unary"),
    "cos": (np.cos, (-4, 4), "transcendental", "unary"),
    "tan": (np.tan, (-1.5, 1.5), "transcendental", "unary"),
    "arcsin": (np.arcsin, (-1, 1), "transcendental", "unary"),
    "arccos": (np.arccos, (-1, 1), "transcendental", "unary"),
    "arctan": (np.arctan, (-10, 10), "transcendental", "unary"),
    "sinh": (np.sinh, (-5, 5), "transcendental", "unary"),
    "cosh": (np.cosh, (-5, 5), "transcendental", "unary"),
    "tanh": (np.tanh, (-5, 5), "transcendental", "unary"),
    "arcsinh": (np.arcsinh, (-10, 10), "transcendental", "unary"),
    "arccosh": (np.arccosh, (1, 10), "transcendental", "unary"),
    "arctanh": (np.arctanh, (-0.99, 0.99), "transcendental", "unary"),
    # jax.scipy.special; erf's reference is math.erf, erfinv's a float64 Newton solve on math.erf.
    "special.erf": (vec(math.erf), (-3, 3), "transcendental", "special"),
    "special.erfinv": (vec(erfinv_scalar), (-0.999, 0.999), "transcendental", "special"),
    "special.expit": (sigmoid64, (-8, 8), "transcendental", "special"),
    "special.logit": (logit64, (0.01, 0.99), "composite", "special"),
    "special.gammaln": (lgamma64, (0.1, 10), "gammaln", "special"),
}

# The sign of a zero result is part of IEEE semantics for these (f(-0) = -0), in XLA and NumPy alike.
SIGNED_ZERO_OPS = {"sqrt", "cbrt", "expm1", "log1p", "sin", "tan", "arcsin", "arctan", "sinh", "tanh",
                   "arcsinh", "arctanh", "negative", "positive", "abs", "absolute", "floor", "ceil",
                   "round", "square", "add", "subtract", "multiply", "divide", "true_divide", "fmod",
                   "special.erf", "special.erfinv"}


def unary_inexact_case(op, arg, label=""):
    f, _, kind, family = UNARY_INEXACT[op]
    rt, weak = inexact(arg.type)
    x = arg.cast(rt)
    expected = round_to(f(f64(x)), rt)
    if kind == "exact":
        tol = EXACT
    elif kind == "composite":
        tol = tol_composite(rt, 1.0)
    elif kind == "gammaln":
        # lgamma has zeros at 1 and 2, where a relative tolerance means nothing: allow an absolute
        # error of a few ulp of the function's typical magnitude there.
        tol = (TRANSCENDENTAL_RTOL[rt] * 4, 8 * EPS[rt])
    else:
        tol = tol_transcendental(rt)
    emit(family, op, [arg], Out(expected, weak), tol, label=label, signed_zeros=op in SIGNED_ZERO_OPS)


def gen_unary_inexact():
    for op, (f, (lo, hi), kind, family) in UNARY_INEXACT.items():
        # Edge values in every float dtype.
        for dt in ["float16", "float32"]:
            unary_inexact_case(op, A(edges(dt), dt), "edge")
        with x64():
            unary_inexact_case(op, A(edges("float64"), "float64"), "edge")
        # Large arguments (vector math libraries limit their domains).
        unary_inexact_case(op, A([3e20, -3e20, 1e30, -1e37, 2e38, 1e10, -65504.0], "float32"), "large")
        unary_inexact_case(op, A([30000.0, -30000.0, 1000.0, -2000.0], "float16"), "large")
        with x64():
            unary_inexact_case(op, A([3e160, -3e160, 1e300, -1e307, 1.5e308, 1e20], "float64"), "large")
        # The function's domain, in several shapes and layouts.
        unary_inexact_case(op, A(floats(lo, hi, (3, 4)), "float32", "transposed"))
        unary_inexact_case(op, A(floats(lo, hi, (2, 3)), "float16", "reversed"))
        unary_inexact_case(op, B(floats(lo, hi, (4,)), "float32", (3, 4)))
        unary_inexact_case(op, A(floats(lo, hi, (2, 2, 3)), "float32"))
        unary_inexact_case(op, A(floats(lo, hi, ()), "float32"))
        unary_inexact_case(op, A(np.zeros((0,)), "float32"))
        unary_inexact_case(op, A(np.zeros((2, 0, 3)), "float16"))
        with x64():
            unary_inexact_case(op, A(floats(lo, hi, (5,)), "float64"))
            # JAX: under x64 an int input becomes float64 (the default float), not float32.
            unary_inexact_case(op, A([1, 2, 3], "int32"))
        # Integer and bool inputs become the default float type (jnp's promote_args_inexact).
        ilo, ihi = max(int(math.ceil(lo)), -100), min(int(math.floor(hi)), 100)
        if ilo <= ihi:
            unary_inexact_case(op, A(np.arange(ilo, ihi + 1)[:8], "int8"))
            unary_inexact_case(op, A(np.arange(max(ilo, 0), max(ihi, 0) + 1)[:8], "uint8"))
            unary_inexact_case(op, A(np.arange(ilo, ihi + 1)[:8].reshape(-1, 1)[:, [0, 0]], "int32", "transposed"))
        unary_inexact_case(op, A([False, True], "bool"))
        unary_inexact_case(op, A(EDGE_INTS["int32"], "int32"), "edge")
        # C++ scalars: weakly typed in, weakly typed out (jnp.sin(0.5) is a weak float32).
        mid = float(np.round((lo + hi) / 2 + 0.25, 2))
        unary_inexact_case(op, W(mid))
        unary_inexact_case(op, W(int(max(min(1, hi), lo)) if lo <= 1 <= hi else int(math.ceil(lo))))
        with x64():
            unary_inexact_case(op, W(mid))


def gen_unary_exact():
    """Functions that keep their argument's dtype (JAX: floor/ceil/round of an integer return it)."""
    int_dtypes = ["int8", "uint8", "int32", "uint32"]

    def case(op, arg, label="", params=None):
        dt, weak = arg.type
        x = arg.value
        tol = EXACT
        rt = dt
        if op in ("negative", "positive"):
            y = np.negative(x) if op == "negative" else x
        elif op == "square":
            rt, weak = numeric(arg.type)  # JAX: promote_dtypes_numeric, so square(bool) is an int
            y = np.square(arg.cast(rt))
        elif op in ("abs", "absolute"):
            y = x if dt == "bool" or is_uint(dt) else np.abs(x)
        elif op == "sign":
            y = np.sign(x)
        elif op == "floor":
            y = np.floor(x) if is_float(dt) else x
        elif op == "ceil":
            y = np.ceil(x) if is_float(dt) else x
        elif op == "round":
            decimals = params.get("decimals", 0) if params else 0
            if not is_float(dt):
                y = x
            elif decimals == 0:
                y = np.rint(x)
            else:
                # JAX: x * 10**d rounded half to even, divided by 10**d; float16 computes in float32.
                work = "float32" if dt == "float16" else dt
                factor = NP[work](10.0 ** decimals)
                y = round_to(np.rint(x.astype(NP[work]) * factor) / factor, dt)
        elif op == "isnan":
            rt, weak = "bool", False
            y = np.isnan(x) if is_float(dt) else np.zeros(x.shape, bool)
        elif op == "isinf":
            rt, weak = "bool", False
            y = np.isinf(x) if is_float(dt) else np.zeros(x.shape, bool)
        elif op == "isfinite":
            rt, weak = "bool", False
            y = np.isfinite(x) if is_float(dt) else np.ones(x.shape, bool)
        elif op in ("logical_not", "operator!"):
            rt, weak = "bool", False
            y = np.logical_not(x != 0)
        elif op in ("invert", "operator~"):
            y = np.invert(x)
        elif op == "operator-":
            y = np.negative(x)
        else:
            raise ValueError(op)
        emit("unary", op, [arg], Out(round_to(y, rt), weak), tol, params=params, label=label,
             signed_zeros=op in SIGNED_ZERO_OPS)

    for op in ["negative", "positive", "square", "abs", "absolute", "sign", "floor", "ceil", "round",
               "isnan", "isinf", "isfinite", "logical_not", "operator-", "operator!"]:
        for dt in ["float16", "float32"]:
            case(op, A(edges(dt), dt), "edge")
        with x64():
            case(op, A(edges("float64"), "float64"), "edge")
            case(op, A(EDGE_INTS["int64"], "int64"), "edge")
        for dt in int_dtypes:
            case(op, A(edges(dt), dt), "edge")
        if op not in ("negative", "sign", "operator-"):  # JAX: lax.neg and lax.sign reject bool
            case(op, A([False, True], "bool"))
        case(op, A(floats(-5, 5, (3, 4)), "float32", "transposed"))
        case(op, A(floats(-5, 5, (2, 3)), "float16", "reversed"))
        case(op, B(small_ints("int32", (4,)), "int32", (2, 4)))
        case(op, A(np.zeros((0, 3)), "float32"))
        case(op, A(2.5, "float32"))
        case(op, W(-2.5))
        case(op, W(-3))
    # Half-way values: round is half-to-even, floor/ceil are exact.
    halves = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -0.49, 0.51, 1e7 + 0.5]
    for op in ["round", "floor", "ceil"]:
        case(op, A(halves, "float32"), "halves")
        case(op, A(halves[:-1], "float16"), "halves")
    # round(x, decimals).
    for decimals in [1, 2, -1]:
        for dt in ["float32", "float16"]:
            case("round", A([1.25, 1.35, -2.675, 0.125, 12.5, -7.45, 1234.5, 0.0], dt),
                 f"d{decimals}", params={"decimals": decimals})
        with x64():
            case("round", A([1.25, 1.35, -2.675, 0.125, 12.5, -7.45, 1234.5], "float64"),
                 f"d{decimals}", params={"decimals": decimals})
    case("round", A([3, -7, 100], "int32"), "d2", params={"decimals": 2})
    # invert: integers and bools.
    for op in ["invert", "operator~"]:
        for dt in int_dtypes + ["bool"]:
            case(op, A(edges(dt), dt), "edge")
        with x64():
            case(op, A(EDGE_INTS["int64"], "int64"), "edge")
        case(op, A(small_ints("int32", (3, 2)), "int32", "transposed"))
        case(op, W(5))


# ------------------------------------------------------------------------------------------------
# Elementwise binary functions
# ------------------------------------------------------------------------------------------------


def xla_div_int(a, b, dt):
    """XLA's integer division: truncates; x / 0 is -1 (all bits set); INT_MIN / -1 is INT_MIN."""
    out = []
    info = np.iinfo(NP[dt])
    for x, y in zip(np.ravel(a).tolist(), np.ravel(b).tolist()):
        if y == 0:
            out.append(-1)
        elif not is_uint(dt) and x == info.min and y == -1:
            out.append(x)
        else:
            q = abs(x) // abs(y)
            out.append(q if (x >= 0) == (y >= 0) else -q)
    return wrap_int(np.array(out, dtype=object).reshape(np.shape(a)), dt)


def xla_rem_int(a, b, dt):
    """XLA's integer remainder: the dividend's sign; x % 0 is x; x % -1 is 0."""
    out = []
    for x, y in zip(np.ravel(a).tolist(), np.ravel(b).tolist()):
        if y == 0:
            out.append(x)
        elif y == -1:
            out.append(0)
        else:
            r = abs(x) % abs(y)
            out.append(r if x >= 0 else -r)
    return wrap_int(np.array(out, dtype=object).reshape(np.shape(a)), dt)


def round_away(d):
    """lax.round's default rounding (half away from zero)."""
    t = np.trunc(d)
    return np.where(np.abs(d - t) == 0.5, t + np.sign(d), np.rint(d)).astype(d.dtype)


def jax_floor_divide(x, y, dt):
    x, y = np.broadcast_arrays(x, y)
    if is_uint(dt):
        return xla_div_int(x, y, dt)
    if is_int(dt):
        # JAX: lax.div (XLA semantics, so x // 0 is -1 - (x != 0)), stepped down when inexact and
        # the signs differ.
        q = xla_div_int(x, y, dt)
        r = xla_rem_int(x, y, dt)
        select = (np.sign(x) != np.sign(y)) & (r != 0)
        return np.where(select, wrap_int(q.astype(object) - 1, dt), q).astype(NP[dt])
    # JAX's _float_divmod (CPython's float_divmod): x // 0 is x / 0 (inf or nan), as NumPy's.
    mod = np.fmod(x, y)
    corrected = np.where(y == 0, x, x - mod)
    div = corrected / y
    ind = (mod != 0) & (np.sign(y) != np.sign(mod))
    div = np.where(ind, div - NP[dt](1), div)
    return round_away(div.astype(NP[dt]))


def jax_remainder(x, y, dt):
    x, y = np.broadcast_arrays(x, y)
    if is_int(dt):
        # JAX: an integer divisor of 0 is replaced by 1, so x % 0 is 0 (as in NumPy).
        y = np.where(y == 0, NP[dt](1), y).astype(NP[dt])
        trunc_mod = xla_rem_int(x, y, dt)
        do_plus = ((trunc_mod < 0) != (y < 0)) & (trunc_mod != 0)
        return np.where(do_plus, wrap_int(trunc_mod.astype(object) + y.astype(object), dt), trunc_mod).astype(NP[dt])
    trunc_mod = np.fmod(x, y)
    do_plus = ((trunc_mod < 0) != (y < 0)) & (trunc_mod != 0)
    return np.where(do_plus, trunc_mod + y, trunc_mod).astype(NP[dt])


def jax_fmod(x, y, dt):
    x, y = np.broadcast_arrays(x, y)
    if is_int(dt):
        # JAX: an integer divisor of 0 is replaced by 1, so fmod(x, 0) is 0 (as in NumPy).
        y = np.where(y == 0, NP[dt](1), y).astype(NP[dt])
        return xla_rem_int(x, y, dt)
    return np.fmod(x, y)


def xla_shift(x, y, dt, kind):
    """XLA's shifts: an amount outside [0, bits) (negative counts as huge) gives 0, or the sign for
    an arithmetic right shift."""
    bits = np.iinfo(NP[dt]).bits
    x, y = np.broadcast_arrays(x, y)
    out = []
    for a, s in zip(np.ravel(x).tolist(), np.ravel(y).tolist()):
        if s < 0 or s >= bits:
            out.append(-1 if kind == "right" and not is_uint(dt) and a < 0 else 0)
        elif kind == "left":
            out.append(a << s)
        else:
            out.append(a >> s)  # Python's >> is arithmetic on signed values, logical on unsigned
    return wrap_int(np.array(out, dtype=object).reshape(np.broadcast(x, y).shape), dt)


def jax_int_power(x, y, dt):
    """JAX's _pow_int_int for non-negative exponents: wrapping binary exponentiation."""
    x, y = np.broadcast_arrays(x, y)
    out = [pow(int(a), int(b)) for a, b in zip(np.ravel(x).tolist(), np.ravel(y).tolist())]
    return wrap_int(np.array(out, dtype=object).reshape(np.broadcast(x, y).shape), dt)


ARITH = {  # exact in the result dtype
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "maximum": np.maximum,
    "minimum": np.minimum,
    "operator+": np.add, "operator-": np.subtract, "operator*": np.multiply,
}
COMPARE = {"equal": np.equal, "not_equal": np.not_equal, "less": np.less, "less_equal": np.less_equal,
           "greater": np.greater, "greater_equal": np.greater_equal,
           "operator==": np.equal, "operator!=": np.not_equal, "operator<": np.less,
           "operator<=": np.less_equal, "operator>": np.greater, "operator>=": np.greater_equal}
LOGICAL = {"logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor}
BITWISE = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
           "operator&": np.bitwise_and, "operator|": np.bitwise_or, "operator^": np.bitwise_xor}
SHIFT = {"left_shift": "left", "right_shift": "right", "operator<<": "left", "operator>>": "right"}
DIVISION = {"divide", "true_divide", "operator/"}
MODULO = {"floor_divide": jax_floor_divide, "remainder": jax_remainder, "mod": jax_remainder,
          "fmod": jax_fmod, "operator%": jax_remainder}


def binary_family(op):
    if op in COMPARE or op in LOGICAL or op in BITWISE or op in SHIFT:
        return "compare_logic"
    return "binary"


def allowed(op, rt):
    """Whether JAX accepts operands promoted to rt."""
    if op in BITWISE:
        return not is_float(rt)
    if op in SHIFT:
        return is_int(rt)
    if op in ("subtract", "operator-", "floor_divide", "remainder", "mod", "fmod", "operator%"):
        return rt != "bool"  # JAX rejects bool here
    return True


def binary_case(op, a, b, label=""):
    rt, weak = result_type(a.type, b.type)
    if not allowed(op, rt):
        return
    x, y = a.cast(rt), b.cast(rt)
    tol = EXACT
    if op in ARITH:
        if rt == "bool":
            f = {"add": np.logical_or, "operator+": np.logical_or, "multiply": np.logical_and,
                 "operator*": np.logical_and, "maximum": np.logical_or, "minimum": np.logical_and}[op]
            value = f(x, y)
        else:
            value = ARITH[op](x, y)
    elif op in DIVISION:
        rt, weak = inexact((rt, weak))
        value = np.true_divide(a.cast(rt), b.cast(rt))
    elif op in MODULO:
        value = MODULO[op](x, y, rt)
    elif op in COMPARE:
        value = COMPARE[op](x, y)
        rt, weak = "bool", False
    elif op in LOGICAL:
        # JAX promotes first, then converts each operand to bool.
        value = LOGICAL[op](x != 0, y != 0)
        rt, weak = "bool", False
    elif op in BITWISE:
        value = BITWISE[op](x, y)
    elif op in SHIFT:
        value = xla_shift(x, y, rt, SHIFT[op])
    elif op == "arctan2":
        rt, weak = inexact((rt, weak))
        value = np.arctan2(f64(a.cast(rt)), f64(b.cast(rt)))
        tol = tol_transcendental(rt)
    elif op == "logaddexp":
        rt, weak = inexact((rt, weak))
        value = np.logaddexp(f64(a.cast(rt)), f64(b.cast(rt)))
        tol = tol_transcendental(rt)
    elif op == "power":
        if b.weak and is_int(b.dtype):
            # JAX: a concrete integer exponent (a C++ int) is lax.integer_pow: x's dtype (bools
            # become ints), computed by repeated multiplication.
            rt, weak = numeric(a.type)
            n = int(b.value)
            if is_float(rt):
                value = f64(a.cast(rt)) ** n
                tol = tol_transcendental(rt)
            else:
                value = jax_int_power(a.cast(rt), np.array(n), rt)
        else:
            rt, weak = numeric((rt, weak))
            if is_int(rt):
                value = jax_int_power(a.cast(rt), b.cast(rt), rt)
            else:
                value = np.power(f64(a.cast(rt)), f64(b.cast(rt)))
                tol = tol_transcendental(rt)
    else:
        raise ValueError(op)
    emit(binary_family(op), op, [a, b], Out(round_to(value, rt), weak), tol, label=label,
         signed_zeros=op in SIGNED_ZERO_OPS and tol == EXACT and is_float(rt))


def outer_args(xs, dx, ys, dy):
    """x as a column and y as a row: the (len(xs), len(ys)) grid of every pair, by broadcasting."""
    return A(np.array(xs).reshape(-1, 1), dx), A(np.array(ys).reshape(1, -1), dy)


def gen_binary():
    same = ["bool", "int8", "uint8", "int32", "uint32", "float16", "float32"]
    mixed = [("int8", "uint8"), ("int8", "int32"), ("uint8", "int32"), ("uint32", "int32"),
             ("bool", "int8"), ("int32", "float16"), ("float16", "float32"), ("uint8", "float16"),
             ("int32", "float32"), ("bool", "float32")]
    weak_pairs = [("int8", 3), ("uint8", 7), ("float16", 0.1), ("int32", 0.5), ("float32", 2),
                  ("bool", 2), ("bool", 1.5), ("int32", -4)]
    ops_numeric = ["add", "subtract", "multiply", "divide", "true_divide", "floor_divide",
                   "remainder", "mod", "fmod", "power", "maximum", "minimum", "arctan2", "logaddexp",
                   "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
                   "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
                   "bitwise_xor", "left_shift", "right_shift"]

    def grid(op, dt, side):
        """Edge values of dt suited to op (for the left or right operand)."""
        v = list(edges(dt))
        if op in SHIFT and side == "y":
            bits = np.iinfo(NP[dt]).bits
            v = [0, 1, 3, bits - 1, bits, bits + 1] + ([] if is_uint(dt) else [-1])
            v = [s for s in v if np.iinfo(NP[dt]).min <= s <= np.iinfo(NP[dt]).max]
        if op == "power" and side == "y" and is_int(dt):
            v = [0, 1, 2, 3, 7]
        if op == "power" and side == "x" and is_int(dt):
            v = [s for s in v if abs(s) < 300] + ([-2, -3] if not is_uint(dt) else [])
        return v

    for op in ops_numeric:
        # Same-dtype edge grids: every pair of edge values.
        for dt in same:
            if not allowed(op, dt):
                continue
            xs, ys = grid(op, dt, "x"), grid(op, dt, "y")
            binary_case(op, *outer_args(xs, dt, ys, dt), "edge")
        with x64():
            for dt in ["float64", "int64"]:
                if allowed(op, dt):
                    binary_case(op, *outer_args(grid(op, dt, "x"), dt, grid(op, dt, "y"), dt), "edge")
        # Mixed dtypes (JAX's promotion: uint32 with int32 is int32 without x64, int64 with it).
        for dx, dy in mixed:
            rt, _ = result_type((dx, False), (dy, False))
            if not allowed(op, rt):
                continue
            xs = small_ints(dx, (4,)) if not is_float(dx) else values(dx, (4,))
            ys = small_ints(dy, (3,)) if not is_float(dy) else values(dy, (3,))
            if op in SHIFT:
                ys = np.array([0, 1, 2])
            if op == "power" and is_int(rt):
                xs, ys = np.abs(xs), np.abs(ys) % 5
            binary_case(op, *outer_args(xs, dx, ys, dy))
        with x64():
            if allowed(op, "int64"):
                binary_case(op, A([3000000000, 7, 2 ** 32 - 1], "uint32"), A([2, -3, 5], "int32"), "x64promo")
            binary_case(op, A([1.5, -2.25, 3.0], "float32"), A([2.0, 0.5, -4.0], "float64"))
        if allowed(op, "int32"):
            # uint32 values above 2^31 wrap when JAX (without x64) promotes uint32 with int32 to int32.
            ys = [2, 3, 5] if op not in SHIFT else [0, 1, 4]
            binary_case(op, A([3000000000, 7, 2 ** 32 - 1], "uint32"), A(ys, "int32"), "wrap")
        # C++ scalars are weakly typed: they take the array's type.
        for dt, s in weak_pairs:
            rt, _ = result_type((dt, False), W(s).type)
            if not allowed(op, rt):
                continue
            x = values(dt, (2, 3)) if dt != "bool" else small_ints("bool", (2, 3))
            if op in SHIFT:
                if isinstance(s, int) and s >= 0:
                    binary_case(op, A(x, dt), W(min(s, 3)))
                continue
            if op == "power" and is_int(rt):
                x = np.abs(x)
            binary_case(op, A(x, dt), W(s))
            if not (op == "power" and is_int(dt) and isinstance(s, int)):
                binary_case(op, W(s), A(np.abs(x) + 1 if op == "power" else x, dt))
        with x64():
            # JAX: under x64 an int32 array times a Python float is a weak float64.
            binary_case(op, A([1, -2, 3], "int32"), W(0.5)) if allowed(op, "float64") else None
            if allowed(op, "int32"):
                binary_case(op, A([1, -2, 3], "int32"), W(2))
        # Weak with weak stays weak.
        if op not in SHIFT:
            binary_case(op, W(3), W(2.5))
            if allowed(op, "int32"):
                binary_case(op, W(7), W(-2) if op not in ("power",) else W(2))
        # Broadcasting shapes and non-contiguous views (float32 and int32).
        for dt in ["float32", "int32"]:
            if not allowed(op, dt):
                continue
            def v(shape, nonzero=False):
                if op in SHIFT:
                    return RNG.integers(0, 5, size=shape)
                x = values(dt, shape)
                if op == "power" and dt == "int32":
                    x = np.abs(x) % 4
                if nonzero and not is_float(dt):
                    x = np.where(x == 0, 3, x)
                return x
            binary_case(op, A(v((2, 3)), dt), A(v((3,), True), dt))
            binary_case(op, A(v((2, 1)), dt), A(v((1, 3), True), dt))
            binary_case(op, A(v((4, 1, 3)), dt), A(v((2, 3), True), dt))
            binary_case(op, A(v((3, 4)), dt, "transposed"), A(v((3, 4), True), dt, "reversed"))
            binary_case(op, B(v((3,)), dt, (2, 3)), A(v((2, 3), True), dt, "transposed"))
            binary_case(op, A(v(()), dt), A(v((2, 2), True), dt))
            binary_case(op, A(v((0, 3)), dt), A(v((3,), True), dt))
            binary_case(op, A(v((2, 0)), dt), A(v((2, 1), True), dt))
            binary_case(op, A(v(()), dt), A(v((), True), dt))
        # Incompatible shapes.
        emit(binary_family(op), op, [A([1, 2, 3], "int32"), A([1, 2, 3, 4], "int32")], Err("ShapeError"),
             label="mismatch")

    # JAX promotes before comparing with zero: a weak 1e-10 next to float16 becomes 0, so it is false.
    for op in ["logical_and", "logical_or", "logical_xor"]:
        binary_case(op, A([1.0, 0.0, 2.5], "float16"), W(1e-10), "tiny")
        binary_case(op, A([0, 3, -1], "int8"), W(0), "zero")

    # Operators: a few cases each, with the same oracle as the named functions.
    for op in ["operator+", "operator-", "operator*", "operator/", "operator%", "operator==", "operator!=",
               "operator<", "operator<=", "operator>", "operator>=", "operator&", "operator|", "operator^",
               "operator<<", "operator>>"]:
        int_only = op in ("operator&", "operator|", "operator^", "operator<<", "operator>>")
        if not int_only:
            binary_case(op, *outer_args(edge_floats("float32")[:12], "float32",
                                        [1.5, -2.0, 0.0, float("nan")], "float32"), "edge")
            binary_case(op, A(floats(-3, 3, (2, 3)), "float32"), W(2))
            binary_case(op, W(0.5), A([1, 2, -3], "int8"))
        ys = [1, 2, 3] if op in ("operator<<", "operator>>") else [3, -2, 5]
        binary_case(op, A([[7, -8, 100], [0, 1, -1]], "int8"), A(ys, "int8"))
        binary_case(op, A([3000000000, 7, 12], "uint32"), W(2))

    # Integer division by zero and the INT_MIN / -1 overflow, with JAX's (XLA's) semantics.
    for op in ["floor_divide", "remainder", "fmod"]:
        for dt in ["int8", "int32", "uint8", "uint32"]:
            lo = int(np.iinfo(NP[dt]).min)
            xs = [7, -7, 0, lo, 5] if not is_uint(dt) else [7, 0, 255, 5]
            ys = [0, -1, 2, -3] if not is_uint(dt) else [0, 1, 2, 3]
            binary_case(op, *outer_args(xs, dt, ys, dt), "divzero")
    # Negative operands of the floor/remainder family, in floats.
    for op in ["floor_divide", "remainder", "fmod"]:
        xs = [7.5, -7.5, 0.0, -0.0, 5.0, -5.0, float("inf"), 1e30]
        ys = [2.0, -2.0, 0.0, -0.0, float("inf"), float("-inf"), 0.75, float("nan")]
        binary_case(op, *outer_args(xs, "float32", ys, "float32"), "signs")
        binary_case(op, *outer_args(xs[:6], "float16", ys, "float16"), "signs")
    # Power: integer exponents (integer_pow for C++ ints, negative ones for floats), int ** int.
    for n in [0, 1, 2, 3, 5, -1, -2, -3]:
        binary_case("power", A([1.5, -2.0, 0.5, 0.0, -0.0, 3.0, float("nan"), float("inf"), -1.25], "float32"), W(n))
        binary_case("power", A([1.5, -2.0, 0.5, 3.0, 7.0], "float16"), W(n))
    for n in [0, 1, 2, 3, 7]:
        binary_case("power", A([0, 1, -1, 2, -3, 10, 127, -128], "int8"), W(n))
        binary_case("power", A([0, 1, 2, 3, 16, 255], "uint8"), W(n))
        binary_case("power", A([0, 1, -1, 2, -3, 46341, 100000], "int32"), W(n))
    binary_case("power", A([False, True], "bool"), W(3))
    binary_case("power", A([0.0, 1.0, 2.0, -2.0, 4.0, float("inf"), float("nan")], "float32"),
                A([[0.5], [-0.5], [1.0 / 3], [2.5], [float("nan")]], "float32"), "frac")
    with x64():
        binary_case("power", A([1.5, -2.0, 0.5, 3.0], "float64"), W(3))
        binary_case("power", A([1, 2, 3, -4], "int64"), W(5))


# ------------------------------------------------------------------------------------------------
# where, clip
# ------------------------------------------------------------------------------------------------


def gen_select():
    def where_case(c, x, y, label=""):
        rt, weak = result_type(x.type, y.type)
        cond = c.value != 0
        value = np.where(cond, x.cast(rt), y.cast(rt))
        emit("select", "where", [c, x, y], Out(round_to(value, rt), weak), label=label)

    where_case(A([True, False, True], "bool"), A([1.0, 2.0, 3.0], "float32"), A([-1.0, -2.0, -3.0], "float32"))
    where_case(A([[True], [False]], "bool"), A([1, 2, 3], "int8"), A([[10], [20]], "int32"))
    where_case(A([1, 0, -2], "int32"), A([1.5, 2.5, 3.5], "float16"), W(0.0))
    where_case(A([0.0, float("nan"), -0.0, 2.0], "float32"), W(1), W(2))
    where_case(A([0.0, float("nan"), -0.0, 2.0], "float32"), W(1), W(2.5))
    where_case(A(True, "bool"), A([[1, 2], [3, 4]], "uint8"), A([5, 6], "uint8"))
    where_case(A(small_ints("bool", (3, 4)), "bool", "transposed"), A(floats(-1, 1, (3, 4)), "float32", "reversed"),
               B([7.0, 8.0, 9.0, 10.0], "float32", (3, 4)))
    where_case(A(np.zeros((0, 2), bool), "bool"), A([1, 2], "int32"), W(0))
    where_case(A([True, False], "bool"), A([1, 2], "uint32"), A([3, 4], "int32"))
    where_case(A([True, False], "bool"), A([1.5, float("inf")], "float16"), A([3, 4], "int32"))
    with x64():
        where_case(A([True, False], "bool"), A([1, 2], "int32"), W(0.5))
        where_case(A([False, True], "bool"), A([1.5, 2.5], "float64"), A([3, 4], "int64"))

    def clip_case(x, lo, hi, label=""):
        args, params = [x], {"has_min": lo is not None, "has_max": hi is not None}
        t = x.type
        value = x.value
        if lo is not None:
            args.append(lo)
            t = result_type(lo.type, t)
            value = np.maximum(lo.cast(t[0]), value.astype(NP[t[0]]))
        if hi is not None:
            args.append(hi)
            t = result_type(hi.type, t)
            value = np.minimum(hi.cast(t[0]), value.astype(NP[t[0]]))
        emit("select", "clip", args, Out(round_to(value, t[0]), t[1]), params=params, label=label)

    fl = [float("nan"), -float("inf"), -3.0, -1.0, -0.5, 0.0, 0.5, 2.0, 10.0, float("inf")]
    clip_case(A(fl, "float32"), W(-1.0), W(2.0))
    clip_case(A(fl, "float32"), W(-1), None)
    clip_case(A(fl, "float32"), None, W(2))
    clip_case(A(fl, "float16"), W(-0.5), W(0.5))
    clip_case(A(fl, "float32"), W(3.0), W(1.0), "min_above_max")  # JAX: max wins
    clip_case(A(fl, "float32"), A(float("nan"), "float32"), W(1.0), "nan_bound")
    clip_case(A(EDGE_INTS["int8"], "int8"), W(-5), W(5))
    clip_case(A(EDGE_INTS["uint8"], "uint8"), W(3), W(200))
    clip_case(A(EDGE_INTS["int32"], "int32"), W(-1.5), W(2.5), "float_bounds")  # a weak float32 result
    clip_case(A(small_ints("int32", (3, 4)), "int32", "transposed"), A([-2, -1, 0, 1], "int32"), A([[3], [2], [5]], "int8"))
    clip_case(A(floats(-5, 5, (2, 3)), "float32", "reversed"), B([-1.0], "float32", (2, 3)), W(1.5))
    clip_case(A(np.zeros((0,)), "float32"), W(0), W(1))
    with x64():
        clip_case(A([1.5, -7.25, 3.0], "float64"), W(-1), W(2))
        clip_case(A([1, -7, 3], "int64"), W(-1), W(2))


# ------------------------------------------------------------------------------------------------
# Reductions
# ------------------------------------------------------------------------------------------------


def promote_integer(dt):
    """jnp.sum/prod's promote_integers: narrow ints to the default int, narrow uints to the default
    uint, bool to the default int."""
    if dt == "bool":
        return default_int()
    if is_uint(dt) and np.iinfo(NP[dt]).bits < np.iinfo(NP[default_uint()]).bits:
        return default_uint()
    if is_int(dt) and not is_uint(dt) and np.iinfo(NP[dt]).bits < np.iinfo(NP[default_int()]).bits:
        return default_int()
    return dt


def norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = [axis]
    return tuple(sorted(a % ndim for a in axis))


def reduce_magnitude(x, axes, keepdims=True):
    a = finite_abs(x)
    return float(np.max(np.sum(a, axis=axes))) if a.size else 0.0


def reduction_case(op, arg, axis=None, keepdims=False, ddof=0, label=""):
    x = arg.value
    dt = arg.dtype
    axes = norm_axes(axis, x.ndim)
    params = {"axis": axis, "keepdims": keepdims}
    if op in ("var", "std"):
        params["ddof"] = ddof
    empty_axis = any(x.shape[a] == 0 for a in axes)
    tol = EXACT
    if op in ("sum", "prod"):
        rt = promote_integer(dt)
        if is_float(rt):
            v = (np.sum if op == "sum" else np.prod)(f64(x), axis=axes, keepdims=keepdims)
            if op == "sum":
                tol = tol_accumulated(rt, reduce_magnitude(x, axes))
            else:
                n = max(1, int(np.prod([x.shape[a] for a in axes])))
                tol = (max(TRANSCENDENTAL_RTOL[rt], 4 * n * EPS["float32" if rt == "float16" else rt]), TINY[rt])
        elif rt == "bool":
            raise AssertionError
        else:
            obj = x.astype(object)
            acc = np.sum(obj, axis=axes, keepdims=keepdims) if op == "sum" else np.prod(obj, axis=axes, keepdims=keepdims)
            v = wrap_int(acc if np.ndim(acc) else np.array(acc, dtype=object), rt)
        out = Out(round_to(v, rt))
    elif op == "mean":
        rt = dt if is_float(dt) else default_float()
        v = np.mean(f64(x), axis=axes, keepdims=keepdims)  # NaN over an empty axis, as in JAX
        n = max(1, int(np.prod([x.shape[a] for a in axes])))
        tol = tol_accumulated(rt, reduce_magnitude(x, axes) / n)
        out = Out(round_to(v, rt))
    elif op in ("var", "std"):
        rt = dt if is_float(dt) else default_float()
        n = int(np.prod([x.shape[a] for a in axes]))
        xf = f64(x)
        m = np.mean(xf, axis=axes, keepdims=True)
        ss = np.sum((xf - m) ** 2, axis=axes, keepdims=keepdims)
        # JAX: the divisor is N - ddof, and the result is NaN where that is not positive.
        v = np.where(n - ddof > 0, ss / max(n - ddof, 1), np.nan)
        mag = float(np.max(np.sum(finite_abs(xf) ** 2, axis=axes))) if x.size else 0.0
        atol_var = 16 * EPS["float32" if rt == "float16" else rt] * mag / max(n - ddof, 1)
        if op == "std":
            v = np.sqrt(v)
            tol = ({"float16": 3e-3, "float32": 2e-6, "float64": 1e-13}[rt], max(TINY[rt], 2 * math.sqrt(atol_var)))
        else:
            tol = ({"float16": 3e-3, "float32": 2e-6, "float64": 1e-13}[rt], max(TINY[rt], atol_var))
        out = Out(round_to(v, rt))
    elif op in ("max", "min", "amax", "amin"):
        if empty_axis:
            emit("reduction", op, [arg], Err("ValueError"), params=params, label=label)
            return
        f = np.max if op in ("max", "amax") else np.min
        out = Out(f(x, axis=axes, keepdims=keepdims))
    elif op in ("any", "all"):
        f = np.any if op == "any" else np.all
        out = Out(f(x != 0, axis=axes, keepdims=keepdims))
    else:
        raise ValueError(op)
    emit("reduction", op, [arg], out, tol, params=params, label=label)


def arg_reduction_case(op, arg, axis=None, keepdims=False, label=""):
    x = arg.value
    params = {"axis": axis, "keepdims": keepdims}
    if x.size == 0 and (axis is None or x.shape[axis] == 0):
        emit("reduction", op, [arg], Err("ValueError"), params=params, label=label)
        return
    f = np.argmax if op == "argmax" else np.argmin
    # NumPy, like JAX, returns the first NaN's index when there is one, and the first extremum.
    v = f(x, axis=axis, keepdims=keepdims) if axis is not None else f(x)
    if axis is None and keepdims:
        v = np.reshape(v, (1,) * x.ndim)
    emit("reduction", op, [arg], Out(round_to(v, default_int())), params=params, label=label)


def cumulative_case(op, arg, axis=None, label="", dtype=None):
    x = arg.value
    dt = arg.dtype
    # JAX: jnp.cumsum/cumprod keep the input dtype (no integer promotion, unlike jnp.sum), except
    # that bools accumulate in the default int type.
    rt = canonical(dtype) if dtype else (default_int() if dt == "bool" else dt)
    flat = x.reshape(-1) if axis is None else x
    ax = 0 if axis is None else axis
    params = {"axis": axis}
    if dtype:
        params["dtype"] = dtype
    tol = EXACT
    if is_float(rt):
        v = (np.cumsum if op == "cumsum" else np.cumprod)(f64(flat), axis=ax)
        if op == "cumsum":
            tol = tol_accumulated(rt, float(np.max(np.sum(finite_abs(flat), axis=ax))) if flat.size else 0.0, rt)
        else:
            n = flat.shape[ax] if flat.ndim else 1
            tol = (max(TRANSCENDENTAL_RTOL[rt], 4 * n * EPS[rt]), TINY[rt])
        v = round_to(v, rt)
    else:
        obj = flat.astype(NP[rt]).astype(object)
        v = wrap_int((np.cumsum if op == "cumsum" else np.cumprod)(obj, axis=ax) if obj.size else obj, rt)
    emit("cumulative", op, [arg], Out(v), tol, params=params, label=label)


def gen_reductions():
    ops = ["sum", "prod", "mean", "max", "min", "amax", "amin", "any", "all", "var", "std"]
    x3 = floats(-2, 2, (2, 3, 4))
    for op in ops:
        for axis, keepdims in [(None, False), (None, True), (0, False), (1, True), (-1, False), ([0, 2], False),
                               ([0, 2], True), ([-1, -2], False)]:
            reduction_case(op, A(x3, "float32"), axis, keepdims)
        for dt in ["float16", "int8", "uint8", "int32", "uint32", "bool"]:
            data = values(dt, (3, 4), -2, 2) if dt != "bool" else small_ints("bool", (3, 4))
            if op == "prod" and is_float(dt):
                data = floats(0.5, 1.5, (3, 4))
            reduction_case(op, A(data, dt), None)
            reduction_case(op, A(data, dt), 1, True)
        # Wrapping integer sums and products.
        reduction_case(op, A([100, 100, 100, -128], "int8"), None, label="wrap")
        reduction_case(op, A([2 ** 31 - 1, 2 ** 31 - 1, 5], "int32"), None, label="wrap")
        reduction_case(op, A([200, 200, 255], "uint8"), None, label="wrap")
        # Edge values: NaN propagates, inf - inf is NaN.
        reduction_case(op, A([[1.0, float("nan"), 2.0], [3.0, -1.0, 0.5]], "float32"), 1, label="nan")
        reduction_case(op, A([[1.0, float("inf"), 2.0], [float("-inf"), float("inf"), 0.5]], "float32"), 1, label="inf")
        reduction_case(op, A([[-0.0, 0.0], [-0.0, -0.0]], "float32"), 0, label="zeros")
        # Layouts.
        reduction_case(op, A(floats(-3, 3, (4, 3)), "float32", "transposed"), 0)
        reduction_case(op, A(floats(-3, 3, (2, 5)), "float32", "reversed"), -1, True)
        reduction_case(op, B(floats(-3, 3, (3,)), "float32", (4, 3)), 0)
        reduction_case(op, A(small_ints("int32", (3, 4)), "int32", "transposed"), None)
        # Scalars, empty arrays and zero-size axes.
        reduction_case(op, A(2.5, "float32"), None)
        reduction_case(op, A(np.zeros((0,)), "float32"), None)
        reduction_case(op, A(np.zeros((2, 0)), "float32"), 0)
        reduction_case(op, A(np.zeros((2, 0)), "float32"), 1)
        reduction_case(op, A(np.zeros((2, 0)), "int32"), 1, True)
        with x64():
            reduction_case(op, A(floats(-3, 3, (3, 4)), "float64"), 1)
            reduction_case(op, A([2 ** 31 - 1, 2 ** 31 - 1, 5], "int32"), None, label="promote")  # int64 with x64
            reduction_case(op, A([200, 200, 255], "uint8"), None, label="promote")
            reduction_case(op, A([2 ** 40, -3, 7], "int64"), None)
    # ddof, including ddof >= N (JAX: NaN).
    for op in ["var", "std"]:
        for ddof in [1, 2, 3, 4]:
            reduction_case(op, A(x3, "float32"), 1, ddof=ddof, label=f"ddof{ddof}")
        reduction_case(op, A([1.0, 2.0, 4.0], "float32"), None, ddof=1, label="ddof1")
        reduction_case(op, A([5, 1, 2, 8], "int32"), None, ddof=1, label="ddof1")
        reduction_case(op, A([1.5, 3.5], "float16"), None, ddof=1, label="ddof1")
        reduction_case(op, A(np.full((4,), 1e4) + floats(-1, 1, (4,)), "float32"), None, label="offset")
    # A large float32 sum: accumulation error scales with the magnitude.
    reduction_case("sum", A(floats(0, 1000, (1000,)), "float32"), None, label="large")
    reduction_case("mean", A(floats(0, 1000, (1000,)), "float32"), None, label="large")
    reduction_case("sum", A(floats(0, 10, (300,)), "float16"), None, label="large")
    # Weak inputs: JAX's reductions return strongly typed results.
    for op in ["sum", "prod", "max", "mean"]:
        reduction_case(op, W(2.5), None)
        reduction_case(op, W(3), None)

    # argmax/argmin: first occurrence, NaN wins, int index of the default int type.
    for op in ["argmax", "argmin"]:
        for axis, keepdims in [(None, False), (None, True), (0, False), (1, True), (-1, False)]:
            arg_reduction_case(op, A(x3, "float32"), axis, keepdims)
        arg_reduction_case(op, A([[1.0, 3.0, 3.0], [float("nan"), 5.0, float("nan")]], "float32"), 1, label="nan")
        arg_reduction_case(op, A([[-float("inf"), float("inf"), 0.0]], "float32"), 1, label="inf")
        arg_reduction_case(op, A([2, 7, 7, -1, -1], "int8"), None, label="ties")
        arg_reduction_case(op, A([True, False, True], "bool"), None)
        arg_reduction_case(op, A(EDGE_INTS["uint32"], "uint32"), None)
        arg_reduction_case(op, A(floats(-3, 3, (3, 4)), "float16", "transposed"), 0)
        arg_reduction_case(op, A(floats(-3, 3, (3, 4)), "float32", "reversed"), 1)
        arg_reduction_case(op, A(7.0, "float32"), None)
        arg_reduction_case(op, A(np.zeros((0,)), "float32"), None)
        arg_reduction_case(op, A(np.zeros((2, 0)), "float32"), 0)
        arg_reduction_case(op, A(np.zeros((2, 0)), "float32"), 1)
        with x64():
            arg_reduction_case(op, A(floats(-3, 3, (3, 4)), "float64"), 1)

    for op in ["cumsum", "cumprod"]:
        small = floats(0.5, 1.5, (2, 3, 4)) if op == "cumprod" else x3
        for axis in [None, 0, 1, -1]:
            cumulative_case(op, A(small, "float32"), axis)
        for dt in ["int8", "uint8", "int32", "uint32", "bool", "float16"]:
            data = values(dt, (3, 4), -3, 3) if dt != "bool" else small_ints("bool", (3, 4))
            cumulative_case(op, A(data, dt), 1)
        cumulative_case(op, A([100, 100, 100, -128], "int8"), None, label="wrap")
        cumulative_case(op, A([1.0, float("nan"), 2.0, float("inf"), -1.0], "float32"), None, label="edge")
        cumulative_case(op, A(floats(0.5, 1.5, (4, 3)), "float32", "transposed"), 0)
        cumulative_case(op, A(floats(0.5, 1.5, (2, 5)), "float32", "reversed"), 1)
        cumulative_case(op, B([1, 2, 3], "int32", (2, 3)), 0)
        cumulative_case(op, A(np.zeros((0,)), "float32"), None)
        cumulative_case(op, A(np.zeros((2, 0)), "int32"), 1)
        cumulative_case(op, A(3.0, "float32"), None)
        cumulative_case(op, A([1, 2, 3, 4], "int8"), 0, label="dtype", dtype="int32")
        cumulative_case(op, A([1.5, 2.5, 3.5], "float32"), 0, label="dtype", dtype="int32")
        with x64():
            cumulative_case(op, A([1, 2, 3], "int32"), 0)
            cumulative_case(op, A([True, True, False], "bool"), 0)


# ------------------------------------------------------------------------------------------------
# Shapes
# ------------------------------------------------------------------------------------------------


def seq(shape, dt="int32", start=0):
    n = int(np.prod(shape))
    return A(np.arange(start, start + n).reshape(shape) % (100 if dt in ("int8", "uint8") else 10 ** 6), dt)


def shape_case(op, args, params, expected, label=""):
    emit("shape", op, args, expected, params=params, label=label)


def gen_shapes():
    x = seq((2, 3, 4))
    xt = Arg(np.arange(12).reshape(3, 4).astype(np.float32) / 4, layout="transposed")
    xr = Arg(np.arange(6).reshape(2, 3).astype(np.int8), layout="reversed")
    xb = B([1.5, -2.5, 3.0], "float32", (2, 3))
    f16 = A(floats(-2, 2, (2, 3)), "float16")
    bl = A(small_ints("bool", (2, 3)), "bool")
    for a in [x, xt, xr, xb, f16, bl]:
        v = a.value
        shape_case("reshape", [a], {"shape": [-1]}, Out(v.reshape(-1)))
        shape_case("reshape", [a], {"shape": [v.shape[-1], -1]}, Out(v.reshape(v.shape[-1], -1)))
        shape_case("ravel", [a], {}, Out(v.reshape(-1)))
        shape_case("transpose", [a], {"axes": None}, Out(np.transpose(v)))
        shape_case("swapaxes", [a], {"axis1": 0, "axis2": -1}, Out(np.swapaxes(v, 0, -1)))
        shape_case("moveaxis", [a], {"source": 0, "destination": -1}, Out(np.moveaxis(v, 0, -1)))
        shape_case("expand_dims", [a], {"axis": 1}, Out(np.expand_dims(v, 1)))
        shape_case("expand_dims", [a], {"axis": [0, -1]}, Out(np.expand_dims(v, (0, -1))))
        shape_case("flip", [a], {"axis": None}, Out(np.flip(v)))
        shape_case("flip", [a], {"axis": -1}, Out(np.flip(v, -1)))
        shape_case("tile", [a], {"reps": [2, 1]}, Out(np.tile(v, (2, 1))))
        shape_case("repeat", [a], {"repeats": 2, "axis": 0}, Out(np.repeat(v, 2, axis=0)))
        shape_case("repeat", [a], {"repeats": 3, "axis": None}, Out(np.repeat(v, 3)))
        shape_case("broadcast_to", [a], {"shape": [2] + list(v.shape)}, Out(np.broadcast_to(v, (2,) + v.shape)))
        shape_case("pad", [a], {"pad_width": 1}, Out(np.pad(v, 1)))
        shape_case("split", [a], {"indices": [1], "axis": 0}, [Out(p) for p in np.split(v, [1], axis=0)])
        shape_case("astype", [a], {"dtype": "float32"}, Out(v.astype(np.float32)))
        shape_case("array", [a], {}, Out(v))
        shape_case("asarray", [a], {"dtype": "int32"}, Out(v.astype(np.int32)))
    v = x.value
    shape_case("reshape", [x], {"shape": [4, -1, 2]}, Out(v.reshape(4, -1, 2)))
    shape_case("reshape", [x], {"shape": [24]}, Out(v.reshape(24)))
    shape_case("reshape", [x], {"shape": [5, -1]}, Err("ShapeError"), "bad")
    shape_case("reshape", [x], {"shape": [-1, -1]}, Err("ShapeError"), "two_unknown")
    shape_case("reshape", [A(np.zeros((0, 3)), "float32")], {"shape": [3, -1]}, Out(np.zeros((3, 0), np.float32)))
    shape_case("reshape", [A(5, "int32")], {"shape": [1, 1]}, Out(np.array([[5]], np.int32)))
    shape_case("transpose", [x], {"axes": [1, 2, 0]}, Out(np.transpose(v, (1, 2, 0))))
    shape_case("transpose", [x], {"axes": [-1, 0, 1]}, Out(np.transpose(v, (2, 0, 1))))
    shape_case("moveaxis", [x], {"source": -1, "destination": 0}, Out(np.moveaxis(v, -1, 0)))
    shape_case("moveaxis", [x], {"source": 1, "destination": 2}, Out(np.moveaxis(v, 1, 2)))
    shape_case("swapaxes", [x], {"axis1": 1, "axis2": 2}, Out(np.swapaxes(v, 1, 2)))
    shape_case("expand_dims", [A(3.0, "float32")], {"axis": 0}, Out(np.array([3.0], np.float32)))
    s = A(np.arange(6).reshape(1, 2, 1, 3), "int32")
    shape_case("squeeze", [s], {"axis": None}, Out(np.squeeze(s.value)))
    shape_case("squeeze", [s], {"axis": 2}, Out(np.squeeze(s.value, 2)))
    shape_case("squeeze", [s], {"axis": [0, -2]}, Out(np.squeeze(s.value, (0, 2))))
    shape_case("squeeze", [s], {"axis": 1}, Err("ShapeError"), "not_one")
    shape_case("squeeze", [Arg(np.arange(3).reshape(3, 1).astype(np.float32), layout="transposed")], {"axis": None},
               Out(np.arange(3).astype(np.float32)))
    shape_case("broadcast_to", [A([1, 2, 3], "int8")], {"shape": [4, 3]}, Out(np.broadcast_to(np.int8([1, 2, 3]), (4, 3))))
    shape_case("broadcast_to", [A([[1], [2]], "float32")], {"shape": [2, 0]}, Out(np.zeros((2, 0), np.float32)))
    shape_case("broadcast_to", [A(7, "uint8")], {"shape": [2, 2]}, Out(np.full((2, 2), 7, np.uint8)))
    shape_case("broadcast_to", [A([1, 2, 3], "int8")], {"shape": [4, 2]}, Err("ShapeError"), "bad")
    for sa, sb in [((2, 1), (3,)), ((), (4, 2)), ((0, 1), (1, 5)), ((5, 1, 3), (2, 1)), ((3,), (4,))]:
        try:
            expected = Out(np.zeros(np.broadcast_shapes(sa, sb), bool))
        except ValueError:
            expected = Err("ShapeError")
        shape_case("broadcast_shapes", [], {"a": list(sa), "b": list(sb)}, expected)
    shape_case("broadcast_arrays", [A([[1], [2]], "int32"), A([1.5, 2.5, 3.5], "float32")], {},
               [Out(o) for o in np.broadcast_arrays(np.int32([[1], [2]]), np.float32([1.5, 2.5, 3.5]))])
    shape_case("flip", [x], {"axis": 1}, Out(np.flip(v, 1)))
    shape_case("flip", [A(np.zeros((0, 2)), "float32")], {"axis": None}, Out(np.zeros((0, 2), np.float32)))
    shape_case("tile", [A([1, 2], "int32")], {"reps": [2, 3]}, Out(np.tile(np.int32([1, 2]), (2, 3))))
    shape_case("tile", [x], {"reps": [2]}, Out(np.tile(v, 2)))
    shape_case("tile", [A(5.0, "float32")], {"reps": [3]}, Out(np.tile(np.float32(5), 3)))
    shape_case("tile", [A([1, 2], "int32")], {"reps": [0]}, Out(np.zeros((0,), np.int32)))
    shape_case("repeat", [x], {"repeats": 2, "axis": -1}, Out(np.repeat(v, 2, axis=-1)))
    shape_case("repeat", [A([1, 2], "int32")], {"repeats": 0, "axis": 0}, Out(np.zeros((0,), np.int32)))
    shape_case("repeat", [A(4, "int8")], {"repeats": 3, "axis": None}, Out(np.repeat(np.int8(4), 3)))
    # pad: per-axis widths and constant values (converted to the array's dtype).
    m = A(np.arange(6).reshape(2, 3), "int32")
    shape_case("pad", [m], {"pad_width": [[1, 0], [0, 2]]}, Out(np.pad(m.value, ((1, 0), (0, 2)))))
    shape_case("pad", [m], {"pad_width": [[2, 1]], "constant_values": 9}, Out(np.pad(m.value, (2, 1), constant_values=9)))
    shape_case("pad", [A([1.5, -2.5], "float32")], {"pad_width": 2, "constant_values": float("nan")},
               Out(np.pad(np.float32([1.5, -2.5]), 2, constant_values=np.nan)))
    shape_case("pad", [A([1.5, -2.5], "float16")], {"pad_width": [[0, 1]], "constant_values": 0.1},
               Out(np.pad(np.float16([1.5, -2.5]), (0, 1), constant_values=np.float16(0.1))))
    shape_case("pad", [A(np.zeros((0, 2)), "float32")], {"pad_width": 1}, Out(np.zeros((2, 4), np.float32)))
    shape_case("pad", [xt], {"pad_width": [[0, 0], [1, 1]], "constant_values": -1}, Out(np.pad(xt.value, ((0, 0), (1, 1)), constant_values=-1)))
    # concatenate / stack / hstack / vstack promote their operands.
    a, b = A([[1, 2], [3, 4]], "int8"), A([[5, 6]], "int32")
    ab = np.concatenate([a.value.astype(np.int32), b.value])
    shape_case("concatenate", [a, b], {"axis": 0}, Out(ab))
    shape_case("concatenate", [a, A([[0.5], [1.5]], "float16")], {"axis": 1},
               Out(np.concatenate([a.value.astype(np.float16), np.float16([[0.5], [1.5]])], axis=1)))
    xb4 = B([1.5, -2.5, 3.0, 0.25], "float32", (2, 4))
    shape_case("concatenate", [xt, xb4], {"axis": 0}, Out(np.concatenate([xt.value, xb4.value])))
    shape_case("concatenate", [A([1, 2], "uint32"), A([3], "int32")], {"axis": 0}, Out(np.int32([1, 2, 3])))
    shape_case("concatenate", [A(np.zeros((0, 2)), "float32"), A([[1, 2]], "float32")], {"axis": -2},
               Out(np.float32([[1, 2]])))
    shape_case("concatenate", [A(1, "int32"), A(2, "int32")], {"axis": 0}, Err("ShapeError"), "scalars")
    shape_case("concatenate", [A([1, 2], "int32"), A([[3]], "int32")], {"axis": 0}, Err("ShapeError"), "ranks")
    shape_case("stack", [A([1, 2], "int32"), A([3, 4], "int32"), A([5, 6], "int32")], {"axis": 0},
               Out(np.stack([np.int32([1, 2]), np.int32([3, 4]), np.int32([5, 6])])))
    shape_case("stack", [A([1, 2], "int8"), A([3.5, 4.5], "float32")], {"axis": -1},
               Out(np.stack([np.float32([1, 2]), np.float32([3.5, 4.5])], axis=-1)))
    shape_case("stack", [xr, A(np.ones((2, 3)), "int8")], {"axis": 1}, Out(np.stack([xr.value, np.ones((2, 3), np.int8)], 1)))
    shape_case("stack", [A(1.5, "float32"), A(2.5, "float32")], {"axis": 0}, Out(np.float32([1.5, 2.5])))
    shape_case("stack", [A([1, 2], "int32"), A([3], "int32")], {"axis": 0}, Err("ShapeError"), "shapes")
    shape_case("hstack", [A([1, 2], "int32"), A([3], "int32")], {}, Out(np.int32([1, 2, 3])))
    shape_case("hstack", [A([[1], [2]], "int32"), A([[3, 4], [5, 6]], "int32")], {}, Out(np.int32([[1, 3, 4], [2, 5, 6]])))
    shape_case("vstack", [A([1, 2], "int32"), A([[3, 4], [5, 6]], "int32")], {}, Out(np.int32([[1, 2], [3, 4], [5, 6]])))
    shape_case("vstack", [A([1.5, 2], "float32"), A([3, 4], "int32")], {}, Out(np.float32([[1.5, 2], [3, 4]])))
    # split by sections and by ascending indices. JAX: indices past the end or descending are errors
    # (its parts are the differences of [0, indices..., size], which must be non-negative; NumPy
    # would clamp them or return overlapping parts).
    shape_case("split", [x], {"sections": 3, "axis": 1}, [Out(p) for p in np.split(v, 3, axis=1)])
    shape_case("split", [x], {"indices": [1, 3], "axis": -1}, [Out(p) for p in np.split(v, [1, 3], axis=-1)])
    shape_case("split", [A(np.arange(5), "int32")], {"indices": [2, 2, 5], "axis": 0},
               [Out(p) for p in np.split(np.arange(5).astype(np.int32), [2, 2, 5])])
    shape_case("split", [A(np.arange(5), "int32")], {"indices": [2, 10], "axis": 0}, Err("ValueError"), "past_end")
    shape_case("split", [A(np.arange(5), "int32")], {"indices": [3, 1], "axis": 0}, Err("ValueError"), "descending")
    shape_case("split", [A(np.arange(5), "int32")], {"sections": 2, "axis": 0}, Err("ValueError"), "unequal")
    shape_case("split", [A(np.zeros((0, 4)), "float32")], {"sections": 2, "axis": 1},
               [Out(np.zeros((0, 2), np.float32))] * 2)
    with x64():
        shape_case("concatenate", [A([1, 2], "uint32"), A([3], "int32")], {"axis": 0}, Out(np.int64([1, 2, 3])))
        shape_case("transpose", [A(np.arange(6).reshape(2, 3), "int64")], {"axes": None}, Out(np.arange(6).reshape(2, 3).T))


# ------------------------------------------------------------------------------------------------
# Creation
# ------------------------------------------------------------------------------------------------


def gen_creation():
    def c(op, params, expected, args=(), tol=EXACT, label=""):
        emit("creation", op, list(args), expected, tol, params=params, label=label)

    # arange: ints give the default int type, a float argument the default float type.
    c("arange", {"stop": 5}, Out(np.arange(5, dtype=np.int32)))
    c("arange", {"stop": 0}, Out(np.arange(0, dtype=np.int32)))
    c("arange", {"stop": -3}, Out(np.arange(-3, dtype=np.int32)))
    c("arange", {"start": 2, "stop": 11, "step": 3}, Out(np.arange(2, 11, 3, dtype=np.int32)))
    c("arange", {"start": 10, "stop": 0, "step": -2}, Out(np.arange(10, 0, -2, dtype=np.int32)))
    c("arange", {"start": 3, "stop": 3, "step": 1}, Out(np.arange(3, 3, dtype=np.int32)))
    for start, stop, step in [(0.0, 1.0, 0.25), (-1.0, 1.0, 0.3), (0.5, 3.0, 1.0), (1.0, 0.0, -0.125)]:
        v = np.arange(start, stop, step).astype(np.float32)
        c("arange", {"start": start, "stop": stop, "step": step}, Out(v), tol=(1e-6, 1e-7))
    c("arange", {"stop": 2.5}, Out(np.arange(2.5).astype(np.float32)))
    c("arange", {"start": 0, "stop": 5, "step": 1, "dtype": "float16"}, Out(np.arange(5).astype(np.float16)))
    c("arange", {"start": 0, "stop": 5, "step": 2, "dtype": "uint8"}, Out(np.arange(0, 5, 2).astype(np.uint8)))
    with x64():
        c("arange", {"stop": 4}, Out(np.arange(4, dtype=np.int64)))
        c("arange", {"start": 0.0, "stop": 1.0, "step": 0.1}, Out(np.arange(0.0, 1.0, 0.1)), tol=(1e-13, 1e-15))
    # linspace (computed in float64 here; JAX computes in the result dtype: a few ulp apart).
    for start, stop, num, endpoint in [(0.0, 1.0, 5, True), (-1.0, 1.0, 7, True), (0.0, 1.0, 4, False),
                                       (2.0, -3.0, 6, True), (5.0, 5.0, 3, True), (0.0, 1.0, 1, True),
                                       (0.0, 1.0, 0, True), (1e-3, 1e3, 11, True)]:
        v = np.linspace(start, stop, num, endpoint=endpoint)
        scale = max(abs(start), abs(stop))
        c("linspace", {"start": start, "stop": stop, "num": num, "endpoint": endpoint},
          Out(v.astype(np.float32)), tol=(2e-7, 2e-7 * scale))
        c("linspace", {"start": start, "stop": stop, "num": num, "endpoint": endpoint, "dtype": "float16"},
          Out(v.astype(np.float16)), tol=(1e-3, 1e-3 * scale))
    # JAX (and NumPy 2): an integer linspace floors the float values (NumPy 1.x truncated).
    v = np.floor(np.linspace(-5.0, 5.0, 4))
    c("linspace", {"start": -5.0, "stop": 5.0, "num": 4, "endpoint": True, "dtype": "int32"}, Out(v.astype(np.int32)))
    with x64():
        v = np.linspace(-1.0, 2.0, 9)
        c("linspace", {"start": -1.0, "stop": 2.0, "num": 9, "endpoint": True}, Out(v), tol=(1e-15, 1e-15))
    # eye, identity.
    for n, m, k, dt in [(3, None, 0, "float32"), (3, 4, 1, "int32"), (4, 2, -1, "float16"), (2, 3, 5, "float32"),
                        (0, None, 0, "float32"), (3, None, -2, "bool"), (2, 2, 0, "uint8")]:
        c("eye", {"n": n, "m": m, "k": k, "dtype": dt}, Out(np.eye(n, m, k, dtype=NP[dt])))
    c("identity", {"n": 3, "dtype": "int8"}, Out(np.identity(3, dtype=np.int8)))
    with x64():
        c("eye", {"n": 2, "m": None, "k": 0, "dtype": "float64"}, Out(np.eye(2)))
    # zeros / ones / full.
    for shape, dt in [([2, 3], "float32"), ([], "int32"), ([0, 4], "float16"), ([3], "bool"), ([2, 1, 2], "uint8")]:
        c("zeros", {"shape": shape, "dtype": dt}, Out(np.zeros(shape, NP[dt])))
        c("ones", {"shape": shape, "dtype": dt}, Out(np.ones(shape, NP[dt])))
    # JAX: full with a Python scalar and no dtype is weakly typed; a typed fill keeps its dtype.
    c("full", {"shape": [2, 2]}, Out(np.full((2, 2), 2.5, np.float32), weak=True), [W(2.5)])
    c("full", {"shape": [3]}, Out(np.full((3,), 7, np.int32), weak=True), [W(7)])
    c("full", {"shape": [2, 3], "dtype": "int8"}, Out(np.full((2, 3), -3, np.int8)), [W(-3.7)])
    c("full", {"shape": [2]}, Out(np.full((2,), 5, np.uint8)), [A(5, "uint8")])
    c("full", {"shape": [2, 3]}, Out(np.broadcast_to(np.float16([1.5, 2.5, -1.0]), (2, 3))), [A([1.5, 2.5, -1.0], "float16")])
    c("full", {"shape": [0, 3], "dtype": "float32"}, Out(np.zeros((0, 3), np.float32)), [W(1.0)])
    c("full", {"shape": [2], "dtype": "float16"}, Out(np.full((2,), np.inf, np.float16)), [W(1e6)], label="overflow")
    # *_like: the dtype and weakness of the prototype unless a dtype is given.
    proto = A([[1, 2, 3], [4, 5, 6]], "int8")
    c("zeros_like", {}, Out(np.zeros((2, 3), np.int8)), [proto])
    c("ones_like", {"dtype": "float32"}, Out(np.ones((2, 3), np.float32)), [proto])
    c("full_like", {}, Out(np.full((2, 3), 2, np.int8)), [proto, W(2.9)])
    c("full_like", {"dtype": "float16"}, Out(np.full((2, 3), 2.9, np.float16)), [proto, W(2.9)])
    c("zeros_like", {}, Out(np.zeros((), np.float32), weak=True), [W(3.5)])
    c("ones_like", {}, Out(np.ones((2, 3), np.float32)), [Arg(np.zeros((2, 3), np.float32), layout="transposed")])
    c("full_like", {}, Out(np.full((2, 3), np.nan, np.float32)), [B([1.0, 2.0, 3.0], "float32", (2, 3)), W(float("nan"))])
    # astype: conversions in range (out-of-range float -> int conversion is implementation-defined).
    conv = [(A([1.7, -2.7, 0.0, -0.0, 100.5, 127.9], "float32"), "int8"),
            (A([1.7, -2.7, 3e9, -3e9], "float32"), "int64"),
            (A([0.0, 0.5, float("nan"), -1.0, float("inf")], "float32"), "bool"),
            (A([70000.0, -1e5, 1e-8, 65504.0, 65520.0, 0.1], "float32"), "float16"),
            (A([300, -1, 255, 256, -129], "int32"), "int8"),
            (A([300, -1, 255, 256], "int32"), "uint8"),
            (A([2 ** 31 - 1, 16777217, -16777217], "int32"), "float32"),
            (A([3000000000, 1], "uint32"), "int32"),
            (A([True, False], "bool"), "float16"),
            (A([1.5, float("nan"), float("-inf")], "float16"), "float32"),
            (A([-1, 2, 0], "int8"), "uint32"),
            (A([0.1, 1.0 / 3, 1e-40, 1e39], "float32"), "float16")]
    for arg, dt in conv:
        if dt == "int64":
            with x64():
                v = np.trunc(arg.value).astype(np.int64)
                c("astype", {"dtype": dt}, Out(v), [arg])
            continue
        if is_int(arg.dtype) and is_int(dt):
            v = wrap_int(arg.value.astype(object), dt)
        else:
            v = arg.value.astype(NP[dt])
        c("astype", {"dtype": dt}, Out(v), [arg])
    with x64():
        # JAX: with denormals-are-zero on (see flush_subnormals), the subnormal float32 input reads as 0.
        c("astype", {"dtype": "float64"}, Out(np.float32([0.1, 0.0]).astype(np.float64)), [A([0.1, 1e-40], "float32")])
        c("astype", {"dtype": "float32"}, Out(np.float64([0.1, 1e300, 1e-50]).astype(np.float32)), [A([0.1, 1e300, 1e-50], "float64")])
    # Without x64, float64 is float32 (JAX canonicalizes the requested dtype).
    c("astype", {"dtype": "float64"}, Out(np.float32([1.5, 2.25])), [A([1.5, 2.25], "float16")], label="canonical")
    c("astype", {"dtype": "int64"}, Out(np.int32([1, -2])), [A([1, -2], "int8")], label="canonical")


# ------------------------------------------------------------------------------------------------
# Indexing
# ------------------------------------------------------------------------------------------------


def jax_index(value, spec, arrays):
    """x[spec] with JAX's semantics: integer array indices count from the end when negative and are
    then clamped into range (JAX's gathers clamp; NumPy would raise)."""
    idx = []
    axis = 0
    n_consumed = sum(1 for s in spec if "int" in s or "slice" in s or ("array" in s and arrays[s["array"]].dtype != np.bool_))
    n_consumed += sum(arrays[s["array"]].ndim for s in spec if "array" in s and arrays[s["array"]].dtype == np.bool_)
    for s in spec:
        if "int" in s:
            idx.append(s["int"])
            axis += 1
        elif "slice" in s:
            idx.append(slice(*s["slice"]))
            axis += 1
        elif "newaxis" in s:
            idx.append(None)
        elif "ellipsis" in s:
            idx.append(Ellipsis)
            axis += value.ndim - n_consumed
        else:
            a = arrays[s["array"]]
            if a.dtype == np.bool_:
                idx.append(a)
                axis += a.ndim
            else:
                size = value.shape[axis]
                a = np.where(a < 0, a + size, a)
                idx.append(np.clip(a, 0, max(size - 1, 0)))
                axis += 1
    return value[tuple(idx)]


def index_case(x, spec, index_args=(), label=""):
    arrays = {i + 1: a.value for i, a in enumerate(index_args)}
    try:
        v = jax_index(x.value, spec, arrays)
        expected = Out(np.array(v, dtype=x.value.dtype), x.weak)
    except IndexError:
        expected = Err("IndexError")
    emit("indexing", "getitem", [x] + list(index_args), expected, params={"index": spec}, label=label)


def at_case(mode, x, spec, update, index_args=(), label=""):
    """x.at[spec].<mode>(update) with JAX's semantics: the update is converted to x's dtype; array
    indices count from the end when negative; out-of-range array indices are dropped (scatter's
    FILL_OR_DROP); repeated indices accumulate for add/mul/min/max."""
    dt = x.dtype
    target = x.value.copy()
    arrays = {i + 2: a.value for i, a in enumerate(index_args)}
    u = update.value.astype(NP[dt]) if not (is_int(dt) and is_float(update.dtype)) else np.trunc(update.value).astype(NP[dt])
    if any("array" in s for s in spec):
        # One integer array index on axis 0 (the only advanced form these cases use).
        assert len(spec) == 1
        a = arrays[spec[0]["array"]].reshape(-1)
        size = target.shape[0]
        a = np.where(a < 0, a + size, a)
        sel_shape = (a.size,) + target.shape[1:]
        ub = np.broadcast_to(u, sel_shape)
        keep = (a >= 0) & (a < size)
        a, ub = a[keep], ub[keep]
        ufunc = {"set": None, "add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}[mode]
        if ufunc is None:
            target[a] = ub
        else:
            ufunc.at(target, a, ub)
    else:
        idx = []
        for s in spec:
            if "int" in s:
                idx.append(s["int"])
            elif "slice" in s:
                idx.append(slice(*s["slice"]))
            elif "ellipsis" in s:
                idx.append(Ellipsis)
        idx = tuple(idx)
        old = target[idx]
        if mode == "set":
            new = np.broadcast_to(u, old.shape)
        else:
            f = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}[mode]
            new = f(old, u)
        target[idx] = new
    emit("indexing", "at_" + mode, [x, update] + list(index_args), Out(target, x.weak), params={"index": spec},
         label=label)


def gen_indexing():
    x = A(np.arange(24).reshape(4, 6) * 1.5, "float32")
    y = A(np.arange(24).reshape(2, 3, 4), "int32")
    xt = Arg((np.arange(12).reshape(4, 3) - 5).astype(np.int8), layout="transposed")
    xr = Arg(np.arange(10).astype(np.float16) / 4, layout="reversed")
    sl = lambda *a: {"slice": list(a)}
    for spec in [[{"int": 1}], [{"int": -1}], [sl(1, 3, None)], [sl(None, None, -1)], [sl(None, None, 2)],
                 [sl(-2, None, None)], [sl(None, None, -2), sl(1, None, 3)], [{"int": 2}, sl(None, None, -1)],
                 [sl(5, 1, -1)], [sl(10, -10, -3)], [sl(3, 1, None)], [{"newaxis": True}, {"ellipsis": True}, {"int": 0}],
                 [{"ellipsis": True}, {"int": -2}], [sl(None, None, None), {"newaxis": True}], [{"int": 3}, {"int": 5}]]:
        index_case(x, spec)
    for spec in [[{"int": 1}, sl(None, None, -1)], [{"ellipsis": True}, sl(1, 3, None)], [sl(None, None, -1), {"int": 0}, sl(None, None, -2)],
                 [{"int": 0}, {"newaxis": True}, {"int": 1}, sl(1, None, None)]]:
        index_case(y, spec)
    for spec in [[sl(None, None, -1)], [{"int": 1}], [sl(1, None, 2), {"int": -1}]]:
        index_case(xt, spec)
        index_case(B([1, 2, 3], "uint8", (4, 3)), spec)
    index_case(xr, [sl(2, 8, 3)])
    index_case(xr, [sl(None, None, -1)])
    # Static integers out of range throw (jx::IndexError; JAX's static indices clamp instead).
    index_case(x, [{"int": 4}], label="oob")
    index_case(x, [{"int": 0}, {"int": -7}], label="oob")
    # Integer-array indices: negative ones count from the end, out-of-range ones clamp (JAX).
    ia = A([0, -1, 2, 2], "int32")
    index_case(x, [{"array": 1}], [ia])
    index_case(x, [sl(None, None, None), {"array": 1}], [ia])
    index_case(x, [{"array": 1}], [A([[0, 3], [1, -2]], "int8")])
    index_case(x, [{"array": 1}, {"array": 2}], [A([0, 3, -1], "int32"), A([[5], [0]], "int32")])
    index_case(y, [{"array": 1}, sl(None, None, -1), {"array": 2}], [A([1, 0], "int32"), A([3, -4], "int32")])
    index_case(y, [{"int": 1}, {"array": 1}], [A([2, 0, 1], "uint8")])
    index_case(x, [{"array": 1}], [A([7, -9, 100], "int32")], "clamp")
    index_case(x, [{"array": 1}], [A(np.zeros((0,)), "int32")], "empty")
    # Boolean masks (concrete).
    index_case(x, [{"array": 1}], [A([True, False, True, False], "bool")])
    index_case(y, [{"array": 1}], [A(np.arange(24).reshape(2, 3, 4) % 3 == 0, "bool")])
    index_case(x, [sl(None, None, None), {"array": 1}], [A([False] * 6, "bool")])

    # .at[...].set/add/multiply/min/max
    base = A(np.arange(12).reshape(4, 3).astype(np.float32), "float32")
    for mode in ["set", "add", "multiply", "min", "max"]:
        at_case(mode, base, [{"int": 1}], W(7.5))
        at_case(mode, base, [sl(1, 3, None), {"int": 2}], A([-1.0, 20.0], "float32"))
        at_case(mode, base, [sl(None, None, -2)], A([1.0, 2.0, 3.0], "float32"))
        at_case(mode, base, [{"ellipsis": True}, {"int": -1}], W(2))
        at_case(mode, A(np.arange(6).reshape(2, 3), "int32"), [{"int": 0}, sl(1, None, None)], W(-4))
        at_case(mode, A([1, 2, 3, 4], "int8"), [{"array": 2}], A([10, 20, 30], "int8"), [A([0, -1, 2], "int32")])
        at_case(mode, base, [{"array": 2}], A([[1.0, 2.0, 3.0]], "float32"), [A([3, 0], "int32")])
        # JAX: out-of-range scatter indices are dropped.
        at_case(mode, A([1.0, 2.0, 3.0, 4.0], "float32"), [{"array": 2}], A([10.0, 20.0, 30.0, 40.0], "float32"),
                [A([1, 4, -5, 100], "int32")], "oob")
    # Repeated indices accumulate (add, multiply, min, max).
    for mode in ["add", "multiply", "min", "max"]:
        at_case(mode, A([1.0, 2.0, 3.0], "float32"), [{"array": 2}], A([10.0, 20.0, -5.0, 0.5], "float32"),
                [A([0, 2, 0, 0], "int32")], "dup")
        at_case(mode, A([1, 2, 3], "int32"), [{"array": 2}], W(2), [A([1, 1, -1], "int32")], "dup")
    at_case("add", A([1, 2, 3], "int32"), [{"int": 0}], W(1.5), label="float_update")  # converted to int32: 1
    at_case("set", Arg(np.arange(6).reshape(3, 2).astype(np.float32), layout="transposed"), [{"int": 1}], W(-1.0))
    at_case("add", B([1, 2, 3], "int32", (2, 3)), [{"int": 0}], W(10))
    at_case("set", A(np.zeros((2, 0)), "float32"), [{"int": 1}], W(1.0))

    # take / take_along_axis (indices in range: JAX's default mode for these is "fill", which jx does not model).
    t = A(np.arange(12).reshape(3, 4) * 10, "int32")
    for idx, axis in [([0, 2, -1], None), ([1, -1, 0], 0), ([[3, 0], [-2, 1]], 1), ([2], -1), ([], 0)]:
        iarr = A(idx, "int32") if idx != [] else A(np.zeros((0,)), "int32")
        v = np.take(t.value, np.array(idx, dtype=np.int64).reshape(np.shape(idx)), axis=axis)
        emit("indexing", "take", [t, iarr], Out(v.astype(np.int32)), params={"axis": axis})
    tt = A(floats(-1, 1, (3, 4)), "float16", "transposed")
    emit("indexing", "take", [tt, A([0, 3], "uint8")], Out(np.take(tt.value, [0, 3], axis=1)), params={"axis": 1})
    emit("indexing", "take", [A(7.5, "float32"), A([0, 0], "int32")], Out(np.float32([7.5, 7.5])), params={"axis": None})
    for idx, axis in [([[0, 2, 1, 1]], 0), ([[3], [0], [-1]], 1), ([[1, 0], [2, 3], [0, 0]], -1)]:
        iarr = A(idx, "int32")
        i = np.array(idx)
        i = np.where(i < 0, i + t.value.shape[axis], i)
        v = np.take_along_axis(t.value, i, axis=axis)
        emit("indexing", "take_along_axis", [t, iarr], Out(v), params={"axis": axis})
    r = A(floats(-1, 1, (2, 3)), "float32", "reversed")
    emit("indexing", "take_along_axis", [r, A([[2], [0]], "int8")],
         Out(np.take_along_axis(r.value, np.array([[2], [0]]), axis=1)), params={"axis": 1})

    # sort / argsort: stable, NaNs last, -0.0 and 0.0 equal (JAX canonicalizes both before comparing,
    # as NumPy's stable sort treats them).
    def sort_cases(arg, axis=-1, label=""):
        x = arg.value
        emit("indexing", "sort", [arg], Out(np.sort(x, axis=axis, kind="stable")), params={"axis": axis}, label=label)
        order = np.argsort(x, axis=axis, kind="stable")
        emit("indexing", "argsort", [arg], Out(order.astype(NP[default_int()])), params={"axis": axis}, label=label)

    sort_cases(A([3.0, float("nan"), -1.0, float("inf"), -0.0, 0.0, float("-inf"), 2.0, -0.0, float("nan"), 1.0],
                 "float32"), label="edge")
    sort_cases(A([[3, 1, 2, 1], [0, -5, 7, -5]], "int8"), label="ties")
    sort_cases(A([[3, 1, 2, 1], [0, -5, 7, -5]], "int8"), 0, label="ties")
    sort_cases(A(EDGE_INTS["uint32"][::-1], "uint32"))
    sort_cases(A([True, False, True, False], "bool"))
    sort_cases(A(floats(-3, 3, (3, 4)), "float16", "transposed"), 0)
    sort_cases(A(floats(-3, 3, (3, 4)), "float32", "reversed"))
    sort_cases(B([2.0, -1.0, 0.5], "float32", (2, 3)), 0)
    sort_cases(A(np.zeros((0,)), "float32"))
    sort_cases(A(np.zeros((2, 0)), "int32"), 0)
    with x64():
        sort_cases(A([2 ** 40, -3, 7, -2 ** 50], "int64"))
        sort_cases(A(floats(-3, 3, (2, 5)), "float64"))


# ------------------------------------------------------------------------------------------------
# Linear algebra
# ------------------------------------------------------------------------------------------------


def contraction_tol(rt, a, b, mag):
    if not is_float(rt):
        return EXACT
    compute = "float32" if rt == "float16" else rt
    return ({"float16": 2e-3, "float32": 2e-6, "float64": 1e-14}[rt], max(TINY[rt], 16 * EPS[compute] * mag))


def linalg_case(op, a, b, label="", params=None):
    rt, weak = result_type(a.type, b.type) if b is not None else a.type
    x = a.cast(rt)
    y = b.cast(rt) if b is not None else None
    ax, ay = finite_abs(x), (finite_abs(y) if y is not None else None)
    exact_int = not is_float(rt)
    if op in ("matmul", "dot", "vdot", "inner", "outer"):
        f = {"matmul": np.matmul, "dot": np.dot, "vdot": lambda p, q: np.dot(np.ravel(p), np.ravel(q)),
             "inner": np.inner, "outer": np.outer}[op]
        if rt == "bool":
            value = f(x.astype(np.int64), y.astype(np.int64)) != 0
        elif exact_int:
            value = wrap_int(f(x.astype(object), y.astype(object)), rt) if x.size and y.size else f(x, y)
        else:
            value = f(f64(x), f64(y))
        mag = float(np.max(f(ax, ay))) if np.size(f(ax, ay)) else 0.0
    else:  # einsum
        subs = params["subscripts"]
        if y is None:
            value = np.einsum(subs, f64(x) if is_float(rt) else x.astype(np.int64))
            mag = float(np.max(np.einsum(subs, ax))) if np.size(value) else 0.0
        else:
            value = np.einsum(subs, f64(x) if is_float(rt) else x.astype(np.int64),
                              f64(y) if is_float(rt) else y.astype(np.int64))
            mag = float(np.max(np.einsum(subs, ax, ay))) if np.size(value) else 0.0
        if exact_int:
            value = wrap_int(np.asarray(value).astype(object), rt)
    if op == "outer":
        value = np.outer(x, y).astype(NP[rt]) if not is_float(rt) else np.outer(f64(x), f64(y))
    args = [a] if b is None else [a, b]
    emit("linalg", op, args, Out(round_to(value, rt), weak), contraction_tol(rt, a, b, mag), params=params, label=label)


def gen_linalg():
    def M(shape, dt, layout="contiguous", lo=-2, hi=2):
        if layout == "transposed":
            return Arg(values(dt, shape, lo, hi).astype(NP[dt]), layout="transposed")
        return A(values(dt, shape, lo, hi), dt, layout)

    for dt in ["float32", "float16", "int32", "int8"]:
        linalg_case("matmul", M((2, 3), dt), M((3, 4), dt))
        linalg_case("matmul", M((3,), dt), M((3, 4), dt))
        linalg_case("matmul", M((2, 3), dt), M((3,), dt))
        linalg_case("matmul", M((5,), dt), M((5,), dt))
        linalg_case("matmul", M((2, 2, 3), dt), M((2, 3, 4), dt))
        linalg_case("matmul", M((2, 1, 2, 3), dt), M((3, 3, 2), dt))
        linalg_case("matmul", M((3, 4), dt, "transposed"), M((4, 5), dt, "transposed"))
        linalg_case("matmul", M((4, 3), dt, "reversed"), M((3, 2), dt, "transposed"))
    linalg_case("matmul", B([1.0, 2.0, -1.0], "float32", (4, 3)), M((3, 2), "float32"))
    linalg_case("matmul", M((0, 3), "float32"), M((3, 2), "float32"))
    linalg_case("matmul", M((2, 0), "float32"), M((0, 3), "float32"))
    linalg_case("matmul", M((2, 3), "int8"), M((3, 2), "float32"))
    linalg_case("matmul", M((2, 3), "uint8", lo=0, hi=255), M((3, 2), "int8"))
    linalg_case("matmul", A(small_ints("bool", (2, 3)), "bool"), A(small_ints("bool", (3, 2)), "bool"))
    linalg_case("matmul", A(np.full((2, 40), 100), "int8"), A(np.full((40, 2), 100), "int8"), "wrap")
    linalg_case("matmul", A(floats(0, 100, (4, 200)), "float32"), A(floats(0, 100, (200, 3)), "float32"), "large")
    linalg_case("matmul", A([[1.0, float("nan")], [float("inf"), 1.0]], "float32"), A([[1.0, 0.0], [0.0, 2.0]], "float32"), "edge")
    emit("linalg", "matmul", [A([1.0, 2.0], "float32"), A([1.0, 2.0, 3.0], "float32")], Err("ShapeError"), label="mismatch")
    emit("linalg", "matmul", [A(1.0, "float32"), A([1.0, 2.0], "float32")], Err("ShapeError"), label="scalar")
    with x64():
        linalg_case("matmul", M((3, 4), "float64"), M((4, 2), "float64"))
        linalg_case("matmul", M((3, 4), "int64"), M((4, 2), "int32"))
    # dot: scalars multiply, 1-D/2-D as matmul, N-D contracts a's last axis with b's second-to-last.
    linalg_case("dot", M((2, 3), "float32"), M((3, 4), "float32"))
    linalg_case("dot", M((3,), "float32"), M((3,), "float32"))
    linalg_case("dot", M((3,), "int32"), M((3, 2), "int32", "transposed"))
    linalg_case("dot", A(2.5, "float32"), M((2, 3), "float32"))
    linalg_case("dot", M((2, 3), "int8"), W(3))
    linalg_case("dot", M((2, 3, 4), "float32"), M((4, 5), "float32"))
    linalg_case("dot", M((2, 3, 4), "float32"), M((5, 4, 2), "float32"))
    linalg_case("dot", M((2, 3, 4), "int32"), M((4,), "int32"))
    linalg_case("dot", M((2, 3), "float16"), M((3, 2), "float32"))
    linalg_case("vdot", M((2, 3), "float32"), M((3, 2), "float32"))
    linalg_case("vdot", M((2, 3), "int32", "transposed"), M((6,), "int32"))
    linalg_case("vdot", M((4,), "float16"), M((4,), "float16", "reversed"))
    linalg_case("inner", M((3,), "float32"), M((3,), "float32"))
    linalg_case("inner", M((2, 3), "float32"), M((4, 3), "float32"))
    linalg_case("inner", M((2, 2, 3), "int32"), M((3,), "int32"))
    linalg_case("inner", A(2.0, "float32"), M((2, 2), "float32"))
    linalg_case("outer", M((3,), "float32"), M((4,), "float32"))
    linalg_case("outer", M((2, 2), "int8"), M((3,), "int32"))
    linalg_case("outer", M((3,), "float32", "reversed"), B([1.0, 2.0], "float32", (3, 2)))
    linalg_case("outer", M((0,), "float32"), M((2,), "float32"))
    for subs, sa, sb in [("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 4)), ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
                         ("i,i->", (4,), (4,)), ("i,j->ij", (3,), (2,)), ("ij,kj->ik", (2, 3), (4, 3)),
                         ("ij,ij->i", (3, 4), (3, 4)), ("ij,jk->ki", (2, 3), (3, 2)), ("ijk,jl->kil", (2, 3, 2), (3, 2))]:
        linalg_case("einsum", M(sa, "float32"), M(sb, "float32"), params={"subscripts": subs})
    linalg_case("einsum", M((2, 3), "int32"), M((3,), "int8"), params={"subscripts": "ij,j->i"})
    linalg_case("einsum", M((3, 2), "float32", "transposed"), M((2, 4), "float32"), params={"subscripts": "ij,jk->ik"})
    for subs, sa in [("ii->i", (3, 3)), ("ii", (4, 4)), ("ij->ji", (2, 3)), ("ij->", (2, 3)), ("ij->j", (3, 2)),
                     ("iji->ij", (2, 3, 2))]:
        linalg_case("einsum", M(sa, "float32"), None, params={"subscripts": subs})
    linalg_case("einsum", M((3, 3), "int32", "transposed"), None, params={"subscripts": "ii->i"})
    linalg_case("einsum", M((3, 3), "float16", "reversed"), None, params={"subscripts": "ii->i"})


# ------------------------------------------------------------------------------------------------
# jax.nn and jax.scipy.special
# ------------------------------------------------------------------------------------------------


def nn_unary_case(op, arg, label="", params=None):
    dt = arg.dtype
    params = params or {}
    if op == "relu":
        # jnp.maximum(x, 0): integers stay integers; NaN propagates.
        rt, weak = arg.type
        value = np.maximum(arg.value, NP[rt](0)) if rt != "bool" else arg.value
        emit("nn", op, [arg], Out(round_to(value, rt), weak), EXACT, label=label)
        return
    rt, weak = inexact(arg.type)
    x = f64(arg.cast(rt))
    scale = float(np.max(finite_abs(x))) if x.size else 0.0
    if op == "gelu":
        approximate = params.get("approximate", True)
        if approximate:
            # JAX computes x/2 (1 + tanh(...)) in the working dtype: 1 + tanh cancels for large
            # negative x, so the absolute error scales with |x|.
            value, tol = gelu_tanh(x), tol_composite(rt, scale)
        else:
            # JAX: x/2 erfc(-x/sqrt(2)), accurate to a few ulp everywhere (no cancellation).
            value, tol = gelu_erf(x), tol_transcendental(rt)
    elif op == "sigmoid":
        value, tol = sigmoid64(x), tol_transcendental(rt)
    elif op == "softplus":
        value, tol = softplus64(x), tol_composite(rt, 1.0)
    elif op in ("silu", "swish"):
        value, tol = x * sigmoid64(x), tol_composite(rt)
    elif op == "log_sigmoid":
        value, tol = log_sigmoid64(x), tol_composite(rt, 1.0)
    else:
        raise ValueError(op)
    emit("nn", op, [arg], Out(round_to(value, rt), weak), tol, params=params, label=label)


def logsumexp64(x, axes, keepdims):
    """JAX's algorithm in float64: shift by the maximum where it is finite, by 0 elsewhere (so a
    slice of all -inf gives -inf, and an empty slice -inf)."""
    if x.size == 0 or any(x.shape[a] == 0 for a in axes):
        m = np.full([1 if i in axes else s for i, s in enumerate(x.shape)], -np.inf)
    else:
        m = np.max(x, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    s = np.sum(np.exp(x - m), axis=axes, keepdims=True)
    out = np.log(s) + m
    return out if keepdims else np.squeeze(out, axis=axes)


def softmax64(x, axis, log=False):
    if x.size == 0:
        return x.copy()
    m = np.max(x, axis=axis, keepdims=True)
    shifted = x - m
    if log:
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def gen_nn():
    for op in ["relu", "gelu", "sigmoid", "softplus", "silu", "swish", "log_sigmoid"]:
        variants = [{"approximate": True}, {"approximate": False}] if op == "gelu" else [None]
        for p in variants:
            lab = ("approx" if p["approximate"] else "exact") if p else ""
            def case(arg, label=lab):
                if op == "relu":
                    nn_unary_case(op, arg, label)
                else:
                    nn_unary_case(op, arg, label, p)
            for dt in ["float16", "float32"]:
                case(A(edges(dt), dt), lab + "_edge" if lab else "edge")
            with x64():
                case(A(edges("float64"), "float64"), lab + "_edge" if lab else "edge")
            case(A(floats(-6, 6, (3, 4)), "float32", "transposed"))
            case(A(floats(-6, 6, (2, 3)), "float16", "reversed"))
            case(B(floats(-6, 6, (4,)), "float32", (2, 4)))
            case(A(np.linspace(-10, 10, 21), "float32"), lab + "_grid" if lab else "grid")
            case(A(np.zeros((0, 2)), "float32"))
            case(W(1.5))
            if op in ("relu", "gelu", "softplus", "log_sigmoid"):
                # JAX: jnp.maximum keeps ints (relu); the others promote to the default float. jax.nn.sigmoid
                # and silu call lax.logistic directly and reject integers.
                case(A([-3, -1, 0, 2, 5], "int32"))
                case(W(2))
            with x64():
                case(A(floats(-6, 6, (5,)), "float64"))
    nn_unary_case("relu", A(EDGE_INTS["int8"], "int8"), "edge")
    nn_unary_case("relu", A(EDGE_INTS["uint8"], "uint8"), "edge")

    def sm_case(op, arg, axis=-1, label=""):
        rt, weak = inexact(arg.type)
        x = f64(arg.cast(rt))
        value = softmax64(x, axis, log=(op == "log_softmax"))
        scale = float(np.max(finite_abs(x))) if x.size else 0.0
        tol = tol_composite(rt, scale) if op == "log_softmax" else tol_composite(rt)
        emit("nn", op, [arg], Out(round_to(value, rt), weak), tol, params={"axis": axis}, label=label)

    for op in ["softmax", "log_softmax"]:
        sm_case(op, A(floats(-5, 5, (2, 3, 4)), "float32"))
        sm_case(op, A(floats(-5, 5, (2, 3, 4)), "float32"), 0)
        sm_case(op, A(floats(-5, 5, (2, 3, 4)), "float32"), 1)
        sm_case(op, A(floats(-5, 5, (3, 5)), "float16"))
        sm_case(op, A(floats(-5, 5, (3, 4)), "float32", "transposed"), 0)
        sm_case(op, A(floats(-5, 5, (3, 4)), "float32", "reversed"))
        sm_case(op, B(floats(-5, 5, (4,)), "float32", (2, 4)))
        sm_case(op, A([[1000.0, 1000.0, -1000.0], [0.0, -float("inf"), 1.0]], "float32"), label="large")
        sm_case(op, A([[float("-inf")] * 3, [1.0, float("nan"), 2.0], [float("inf"), 0.0, 1.0]], "float32"), label="edge")
        sm_case(op, A([1, 2, 3], "int32"))
        sm_case(op, A([3.5], "float32"))
        sm_case(op, A(np.zeros((2, 0)), "float32"), label="empty")
        sm_case(op, A(np.zeros((0, 3)), "float32"), label="empty")
        with x64():
            sm_case(op, A(floats(-5, 5, (2, 4)), "float64"))

    def lse_case(op, arg, axis=None, keepdims=False, label=""):
        rt, weak = inexact(arg.type)
        x = f64(arg.cast(rt))
        axes = norm_axes(axis, x.ndim)
        value = logsumexp64(x, axes, keepdims)
        scale = float(np.max(finite_abs(x))) if x.size else 0.0
        emit("special" if op.startswith("special.") else "nn", op, [arg], Out(round_to(value, rt), weak),
             tol_composite(rt, scale), params={"axis": axis, "keepdims": keepdims}, label=label)

    for op in ["logsumexp", "special.logsumexp"]:
        x3 = A(floats(-5, 5, (2, 3, 4)), "float32")
        for axis, keepdims in [(None, False), (None, True), (0, False), (-1, True), ([0, 2], False)]:
            lse_case(op, x3, axis, keepdims)
        lse_case(op, A(floats(-5, 5, (3, 4)), "float16"), 1)
        lse_case(op, A(floats(-5, 5, (3, 4)), "float32", "transposed"), 0)
        lse_case(op, A([[1000.0, 1000.0], [-1000.0, -1001.0]], "float32"), 1, label="large")
        lse_case(op, A([[float("-inf")] * 2, [float("inf"), 1.0], [float("nan"), 1.0], [float("inf"), float("-inf")]],
                       "float32"), 1, label="edge")
        lse_case(op, A([1, 2, 3], "int32"), 0)
        lse_case(op, A(2.5, "float32"), None)
        lse_case(op, A(np.zeros((2, 0)), "float32"), 1, label="empty")  # JAX: -inf over an empty axis
        with x64():
            lse_case(op, A(floats(-5, 5, (3, 4)), "float64"), -1)

    # one_hot: out-of-range and negative labels give all-zero rows.
    for x, n, dt in [(A([0, 2, 1], "int32"), 3, "float32"), (A([[1, -1], [3, 0]], "int8"), 3, "float32"),
                     (A([0, 4], "uint8"), 5, "int32"), (A([2, 0, 1], "int32", "reversed"), 4, "float16"),
                     (A(1, "int32"), 3, "bool"), (A(np.zeros((0,)), "int32"), 2, "float32")]:
        v = (x.value[..., None] == np.arange(n)).astype(NP[dt])
        emit("nn", "one_hot", [x], Out(v), params={"num_classes": n, "dtype": dt})


def gen_special():
    # erf, erfinv, expit, logit and gammaln also go through gen_unary_inexact (UNARY_INEXACT); these
    # are more points where they are delicate.
    unary_inexact_case("special.erfinv", A([0.9, 0.99, 0.999, 0.9999, -0.99999, 1e-4, -1e-6, 0.5], "float32"), "tails")
    with x64():
        unary_inexact_case("special.erfinv", A([0.9, 0.99, 0.999, 0.9999, -0.99999999, 1e-4, -1e-10, 0.5], "float64"), "tails")
    unary_inexact_case("special.gammaln", A([-0.5, -2.5, 0.5, 1.0, 2.0, 3.0, 30.0, 1e-3, 100.0, 0.0, -1.0], "float32"), "edge2")
    unary_inexact_case("special.logit", A([0.0, 1.0, 0.5, 1e-6, 0.999, -0.1], "float32"), "edge2")
    unary_inexact_case("special.erf", A([-6.0, 6.0, 1e-8, -1e-20, 0.3, 2.9], "float32"), "edge2")


# ------------------------------------------------------------------------------------------------


def generate():
    gen_creation()
    gen_unary_inexact()
    gen_unary_exact()
    gen_binary()
    gen_select()
    gen_reductions()
    gen_shapes()
    gen_indexing()
    gen_linalg()
    gen_nn()
    gen_special()
    return CASES


def dumps(cases):
    header = {
        "generator": "tools/numpy_oracle.py (run it with /usr/bin/python3 to regenerate this file)",
        "promotion_table": "tests/data/jax_type_promotion.txt",
        "numpy": np.__version__,
        "count": len(cases),
    }
    lines = ['{"about": ' + json.dumps(header, sort_keys=True) + ',', '"cases": [']
    body = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases]
    lines.append(",\n".join(body))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs")
    parser.add_argument("--out", default=OUT_PATH)
    parser.add_argument("--stats", action="store_true", help="only print the number of cases per family and op")
    args = parser.parse_args()
    text = dumps(generate())
    if args.stats:
        from collections import Counter
        print("cases per family:", dict(Counter(c["family"] for c in CASES)))
        print("cases per op:", dict(Counter(c["op"] for c in CASES)))
        return 0
    if args.check:
        # The cases must match, computed values within a fraction of their tolerance (NumPy's last
        # bits depend on the CPU: tools/oracle_compare.py); the header (the NumPy version) may differ.
        with open(args.out) as f:
            committed = json.loads(f.read())["cases"]

        def tolerance_at(path, node):
            if path.endswith("/expected") and "rtol" in node:
                return oracle_compare.case_tolerance(node, "rtol", "atol")
            return None

        difference = oracle_compare.first_difference(committed, json.loads(text)["cases"], tolerance_at)
        if difference is not None:
            print(f"{args.out} is stale at cases{difference}: regenerate it with /usr/bin/python3 {sys.argv[0]}",
                  file=sys.stderr)
            return 1
        return 0
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {len(CASES)} cases, {len(text) / 1e6:.2f} MB, to {os.path.relpath(args.out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
