#!/usr/bin/python3
"""Expected values, from NumPy, for the rest of jax.numpy: the functions of jx/numpy/*.h.

Run with Debian's Python (python3-numpy; the default `python3` may have no NumPy):

    /usr/bin/python3 tools/numpy_api_oracle.py            # rewrites tests/data/numpy_api_oracle.json
    /usr/bin/python3 tools/numpy_api_oracle.py --check    # fails if the committed file is stale
    /usr/bin/python3 tools/numpy_api_oracle.py --stats    # only prints the number of cases per op

The format is tools/oracle_cases.py's; each case's params also name its "family", the test file that
replays it (tests/ops/numpy_<family>_test.cpp, through tests/oracle_replay.h), which runs it eagerly,
under jit and under vmap.

Inputs are written out here (edge values: NaN, ±inf, ±0, subnormals, ties, duplicates, empty arrays)
or drawn from the case's own generator (oracle_cases.rng_for), rounded to the dtype. Expected values
are NumPy's, computed in float64 from the exact inputs where the function is not exact, with the
result dtype JAX gives (float32 stays float32; ints become the default float type in the functions of
floats). Tolerances: exact operations (comparisons, integer arithmetic, rounding, frexp, ldexp, fmax,
copysign, nextafter, spacing, selections) are compared exactly; the others allow a few ulp of the
result dtype (ulps(dtype, n) below), more where a formula loses accuracy on purpose, as stated there.
Where JAX's value differs from NumPy's, the case follows JAX and says so (search for "JAX:").
"""

import math
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_cases  # noqa: E402
from oracle_cases import Arr, rng_for  # noqa: E402

warnings.simplefilter("ignore")  # NaN slices are cases here, not accidents
np.seterr(all="ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "tests", "data", "numpy_api_oracle.json")
CASES = oracle_cases.Cases(("float64", "int64", "complex128"))
EPS = {"float32": 2.0 ** -23, "float64": 2.0 ** -52, "complex64": 2.0 ** -23, "complex128": 2.0 ** -52}
NP = {"float32": np.float32, "float64": np.float64, "int8": np.int8, "int16": np.int16, "int32": np.int32,
      "int64": np.int64, "uint8": np.uint8, "uint32": np.uint32, "bool": np.bool_,
      "complex64": np.complex64, "complex128": np.complex128}
INF, NAN = math.inf, math.nan


def ulps(dtype, n=4):
    return n * EPS.get(dtype, 0.0)


def arr(values, dtype):
    """An argument or expected value: the values converted to dtype (floats rounded to it)."""
    return Arr(np.asarray(values).astype(NP[dtype]), dtype)


def add(family, name, op, args, expected, params=None, rtol=0.0, atol=0.0):
    params = dict(params or {})
    params["family"] = family
    if not isinstance(expected, (list, tuple)):
        expected = [expected]
    CASES.add(name, op, args, list(expected), params, rtol, atol)


def draw(name, shape, dtype, lo=-1.0, hi=1.0):
    values = rng_for(name).uniform(lo, hi, shape)
    if dtype.startswith("int") or dtype.startswith("uint"):
        return np.floor(values).astype(np.int64)
    return values.astype(NP[dtype]).astype(np.float64)


# ------------------------------------------------------------------------------------------------
# jx/numpy/math.h
# ------------------------------------------------------------------------------------------------

SPECIAL = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1.0, -3.75, 7.25, 1e-3, 123.456, INF, -INF, NAN]


def math_cases():
    family = "math"
    for dt in ("float32", "float64"):
        x = arr(SPECIAL, dt)
        v = x.values
        for op, fn in (("degrees", np.degrees), ("rad2deg", np.rad2deg), ("radians", np.radians),
                       ("deg2rad", np.deg2rad)):
            add(family, f"{op}_{dt}", op, [x], arr(fn(v), dt), rtol=ulps(dt, 2))
        add(family, f"fabs_{dt}", "fabs", [x], arr(np.fabs(v), dt))
        add(family, f"rint_{dt}", "rint", [x], arr(np.rint(v), dt))
        add(family, f"trunc_{dt}", "trunc", [x], arr(np.trunc(v), dt))
        add(family, f"signbit_{dt}", "signbit", [x], arr(np.signbit(v) & ~np.isnan(v), "bool"))
        add(family, f"isposinf_{dt}", "isposinf", [x], arr(np.isposinf(v), "bool"))
        add(family, f"isneginf_{dt}", "isneginf", [x], arr(np.isneginf(v), "bool"))
        finite = arr([0.0, 1.0, -1.0, 0.1, 1e-30, 3e5, -7.5], dt)
        add(family, f"spacing_{dt}", "spacing", [finite], arr(np.spacing(finite.values.astype(NP[dt])), dt))
        mantissa, exponent = np.frexp(x.values.astype(NP[dt]))
        add(family, f"frexp_{dt}", "frexp", [x], [arr(mantissa, dt), arr(exponent, "int32")])
        # jx flushes subnormal numbers to zero, as XLA's CPU backend does: no subnormal inputs here.
        powers = arr([2.0 ** -126 if dt == "float32" else 2.0 ** -1022, 3.0, -0.75, 1024.0, 0.1], dt)
        m, e = np.frexp(powers.values.astype(NP[dt]))
        add(family, f"frexp_powers_{dt}", "frexp", [powers], [arr(m, dt), arr(e, "int32")])
        # JAX: modf(±inf) has a NaN fractional part (x - whole); NumPy gives ±0.
        fractional, integral = np.modf(v)
        fractional = np.where(np.isinf(v), NAN, fractional)
        add(family, f"modf_{dt}", "modf", [x], [arr(fractional, dt), arr(integral, dt)])
        s = arr([-1.0, -0.25, 0.0, 0.25, 1.0, 2.5, -3.0, 1e-4], dt)
        add(family, f"sinc_{dt}", "sinc", [s], arr(np.sinc(s.values), dt), rtol=ulps(dt, 8), atol=ulps(dt, 2))
        big = 700.0 if dt == "float64" else 85.0
        b = arr([0.0, 0.5, -1.0, 3.0, 11.9, 12.1, -15.0, 19.9, 20.1, 40.0, -80.0, big], dt)
        # i0 by its series: a few ulp more than one operation's rounding (the sums and exp).
        add(family, f"i0_{dt}", "i0", [b], arr(np.i0(b.values), dt), rtol=ulps(dt, 16))
        n2n = arr([NAN, INF, -INF, 1.5, -2.0], dt)
        big_value = float(np.finfo(NP[dt]).max)
        add(family, f"nan_to_num_{dt}", "nan_to_num", [n2n], arr([0.0, big_value, -big_value, 1.5, -2.0], dt))
        add(family, f"nan_to_num_options_{dt}", "nan_to_num", [n2n], arr([7.0, 1e6, -5.0, 1.5, -2.0], dt),
            params={"nan": 7.0, "posinf": 1e6, "neginf": -5.0})
        # Binary functions.
        y = arr(draw(f"y_{dt}", (len(SPECIAL),), dt, -4, 4), dt)
        y.values[0] = -0.0
        y.values[1] = NAN
        pairs = [SPECIAL, y.values]
        add(family, f"copysign_{dt}", "copysign", [x, y],
            arr(np.where(np.isnan(y.values), np.abs(v), np.copysign(v, y.values)), dt))
        nx = arr([0.0, 1.0, 1.0, -1.0, 0.0, INF, 3.5], dt)
        ny = arr([1.0, 2.0, 0.0, -INF, -1.0, 0.0, 3.5], dt)
        add(family, f"nextafter_{dt}", "nextafter", [nx, ny],
            arr(np.nextafter(nx.values.astype(NP[dt]), ny.values.astype(NP[dt])), dt))
        fx = arr([1.0, NAN, NAN, -0.5, INF, 2.0], dt)
        fy = arr([NAN, 3.0, NAN, 0.25, 1.0, -INF], dt)
        add(family, f"fmax_{dt}", "fmax", [fx, fy], arr(np.fmax(fx.values, fy.values), dt))
        add(family, f"fmin_{dt}", "fmin", [fx, fy], arr(np.fmin(fx.values, fy.values), dt))
        hugev = 1e300 if dt == "float64" else 1e30
        hx = arr([3.0, 0.0, -5.0, hugev, 1e-30, INF, NAN, 0.0], dt)
        hy = arr([4.0, 0.0, 12.0, hugev, 1e-30, NAN, 1.0, -2.0], dt)
        # JAX: hypot(inf, nan) is inf, as in NumPy and C.
        add(family, f"hypot_{dt}", "hypot", [hx, hy], arr(np.hypot(hx.values, hy.values), dt), rtol=ulps(dt, 2))
        lx = arr([0.0, 1.0, -INF, 100.0, -3.0, INF, 5.0], dt)
        ly = arr([0.0, 2.0, -INF, -100.0, 7.5, INF, -INF], dt)
        add(family, f"logaddexp2_{dt}", "logaddexp2", [lx, ly], arr(np.logaddexp2(lx.values, ly.values), dt),
            rtol=ulps(dt, 4))
        hv = arr([-1.5, 0.0, -0.0, 2.0, NAN, 0.0], dt)
        h2 = arr([0.5, 0.5, 0.25, 0.5, 0.5, 1.0], dt)
        # NumPy's heaviside(nan, y) is nan; JAX's formula gives y (NaN is neither < 0 nor > 0).
        add(family, f"heaviside_{dt}", "heaviside", [hv, h2],
            arr([0.0, 0.5, 0.25, 1.0, 0.5, 1.0], dt))
        px = arr([2.0, 0.5, 4.0, -2.0, 10.0], dt)
        py = arr([3.0, -1.0, 0.5, 2.0, -2.0], dt)
        add(family, f"float_power_{dt}", "float_power", [px, py], arr(np.float_power(px.values, py.values), dt),
            rtol=ulps(dt, 2))
        add(family, f"pow_{dt}", "pow", [px, py], arr(np.power(px.values, py.values), dt), rtol=ulps(dt, 2))
        dx = arr([7.5, -7.5, 7.5, -7.5, 1.0, 0.0], dt)
        dy = arr([2.0, 2.0, -2.0, -2.0, 0.3, 3.0], dt)
        q, r = np.divmod(dx.values.astype(NP[dt]), dy.values.astype(NP[dt]))
        add(family, f"divmod_{dt}", "divmod", [dx, dy], [arr(q, dt), arr(r, dt)])
        ex = arr([1.0, 0.75, -3.0, 0.0, INF, 1e-30, 1.5], dt)
        en = arr([3, -2, 10, 5, 1, 40, -1000 if dt == "float64" else -100], "int32")
        add(family, f"ldexp_{dt}", "ldexp", [ex, en],
            arr(np.ldexp(ex.values.astype(NP[dt]), en.values.astype(np.int32)), dt))
        trig = arr([-0.9, -0.5, 0.0, 0.3, 0.99], dt)
        tv = trig.values
        for op, fn in (("acos", np.arccos), ("asin", np.arcsin), ("atan", np.arctan), ("asinh", np.arcsinh),
                       ("atanh", np.arctanh)):
            add(family, f"{op}_{dt}", op, [trig], arr(fn(tv), dt), rtol=ulps(dt, 4), atol=ulps(dt, 1))
        ch = arr([1.0, 1.5, 10.0], dt)
        add(family, f"acosh_{dt}", "acosh", [ch], arr(np.arccosh(ch.values), dt), rtol=ulps(dt, 4))
        add(family, f"atan2_{dt}", "atan2", [trig, arr([1.0, -1.0, -1.0, 2.0, 0.5], dt)],
            arr(np.arctan2(tv, [1.0, -1.0, -1.0, 2.0, 0.5]), dt), rtol=ulps(dt, 4))
        rounding = arr([1.234, -5.678, 2.5, 0.125], dt)
        add(family, f"around_{dt}", "around", [rounding], arr(np.around(rounding.values.astype(NP[dt]), 2), dt),
            params={"decimals": 2}, rtol=ulps(dt, 2))
    # Ints become floats in the float functions.
    ints = arr([-3, 0, 2, 90], "int32")
    add(family, "degrees_int32", "degrees", [ints], arr(np.degrees(ints.values), "float32"), rtol=ulps("float32", 2))
    add(family, "fabs_int32", "fabs", [ints], arr([3.0, 0.0, 2.0, 90.0], "float32"))
    add(family, "rint_int32", "rint", [ints], arr([-3.0, 0.0, 2.0, 90.0], "float32"))
    add(family, "trunc_int32", "trunc", [ints], ints)
    add(family, "signbit_int32", "signbit", [ints], arr([True, False, False, False], "bool"))
    add(family, "isposinf_int32", "isposinf", [ints], arr([False] * 4, "bool"))
    add(family, "nan_to_num_int32", "nan_to_num", [ints], ints)
    # Integer functions.
    ga = arr([12, -18, 0, 0, 7, 100, -48, 1 << 20], "int32")
    gb = arr([18, 12, 5, 0, 13, -75, -36, 6], "int32")
    add(family, "gcd_int32", "gcd", [ga, gb], arr(np.gcd(ga.values, gb.values), "int32"))
    add(family, "lcm_int32", "lcm", [ga, gb], arr(np.lcm(ga.values, gb.values), "int32"))
    gm = arr(draw("gcd_matrix", (3, 4), "int32", -50, 50), "int32")
    add(family, "gcd_broadcast_int32", "gcd", [gm, arr([6, 10, 15, 0], "int32")],
        arr(np.gcd(gm.values, [6, 10, 15, 0]), "int32"))
    g64 = arr([2 ** 40 * 3, 10 ** 15], "int64")
    add(family, "gcd_int64", "gcd", [g64, arr([2 ** 35 * 9, 4 * 10 ** 12], "int64")],
        arr(np.gcd(g64.values, [2 ** 35 * 9, 4 * 10 ** 12]), "int64"))
    for dt, values in (("int32", [0, 1, -1, 7, 255, -256, 2 ** 31 - 1, -2 ** 31 + 1]),
                       ("uint8", [0, 1, 128, 255, 15]),
                       ("int8", [0, -1, -128, 127, 5]),
                       ("int64", [0, -1, 2 ** 62 + 5, -(2 ** 40)]),
                       ("uint32", [0, 2 ** 32 - 1, 2 ** 31, 12345])):
        a = arr(values, dt)
        counts = [bin(abs(int(val))).count("1") for val in a.values]
        add(family, f"bitwise_count_{dt}", "bitwise_count", [a], arr(counts, "uint8"))
    di = arr([7, -7, 7, -7, 0, 5], "int32")
    dj = arr([2, 2, -2, -2, 3, 0], "int32")
    # JAX: 5 // 0 is -2 (XLA's 5 / 0 is -1, then floor_divide's sign correction); NumPy gives 0. The
    # remainder by zero is 0 in both.
    add(family, "divmod_int32", "divmod", [di, dj], [arr([3, -4, -4, 3, 0, -2], "int32"), arr([1, 1, -1, -1, 0, 0], "int32")])
    bits = arr([1, 2, 3, -8], "int32")
    add(family, "bitwise_left_shift_int32", "bitwise_left_shift", [bits, arr([1, 2, 3, 1], "int32")],
        arr([2, 8, 24, -16], "int32"))
    add(family, "bitwise_right_shift_int32", "bitwise_right_shift", [bits, arr([1, 1, 1, 2], "int32")],
        arr([0, 1, 1, -2], "int32"))
    add(family, "bitwise_invert_int32", "bitwise_invert", [bits], arr(~bits.values, "int32"))
    add(family, "bitwise_not_int32", "bitwise_not", [bits], arr(~bits.values, "int32"))
    m = arr(draw("concat", (2, 3), "float32"), "float32")
    n = arr(draw("concat2", (1, 3), "float32"), "float32")
    add(family, "concat_axis0", "concat", [m, n], arr(np.concatenate([m.values, n.values]), "float32"),
        params={"axis": 0})
    bits = arr([[1, 0, 3, 0, 0, 0, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]], "int32")
    for axis in (None, 1, 0):
        for order in ("big", "little"):
            add(family, f"packbits_{axis}_{order}", "packbits", [bits], arr(np.packbits(bits.values != 0, axis=axis, bitorder=order), "uint8"),
                params={"axis": axis, "bitorder": order})
    packed = arr([[7, 200], [255, 16]], "uint8")
    for axis, count, order in ((None, None, "big"), (1, None, "little"), (0, 3, "big"), (None, -5, "big"), (1, 20, "big")):
        add(family, f"unpackbits_{axis}_{count}_{order}", "unpackbits", [packed],
            arr(np.unpackbits(packed.values.astype(np.uint8), axis=axis, count=count, bitorder=order), "uint8"),
            params={"axis": axis, "count": count, "bitorder": order})
    add(family, "array_equiv_broadcast", "array_equiv", [arr([[1, 2], [1, 2]], "int32"), arr([1, 2], "int32")],
        arr(np.array_equiv([[1, 2], [1, 2]], [1, 2]), "bool"))
    add(family, "array_equiv_different", "array_equiv", [arr([[1, 2], [1, 3]], "int32"), arr([1, 2], "int32")],
        arr(np.array_equiv([[1, 2], [1, 3]], [1, 2]), "bool"))
    add(family, "array_equiv_shapes", "array_equiv", [arr([1, 2, 3], "int32"), arr([1, 2], "int32")], arr(False, "bool"))
    t = arr(draw("permute", (2, 3, 4), "float32"), "float32")
    add(family, "permute_dims", "permute_dims", [t], arr(np.transpose(t.values, (2, 0, 1)), "float32"),
        params={"axes": [2, 0, 1]})


# ------------------------------------------------------------------------------------------------
# jx/numpy/shaping.h (rearrangements: exact)
# ------------------------------------------------------------------------------------------------

def shaping_cases():
    family = "shaping"
    x = arr(np.arange(24).reshape(2, 3, 4), "int32")
    f = arr(draw("shaping_f", (3, 4), "float32"), "float32")
    v = arr(np.arange(7), "int32")
    for shift, axis in ((2, None), (-5, None), (1, 0), (-1, 2), (26, 1)):
        add(family, f"roll_{shift}_{axis}", "roll", [x], arr(np.roll(x.values, shift, axis), "int32"),
            params={"shift": shift, "axis": axis})
    add(family, "roll_several", "roll", [x], arr(np.roll(x.values, (1, -2), (0, 2)), "int32"),
        params={"shifts": [1, -2], "axes": [0, 2]})
    add(family, "roll_empty", "roll", [arr(np.zeros((0, 3)), "float32")], arr(np.zeros((0, 3)), "float32"),
        params={"shift": 1, "axis": 0})
    for axis, start in ((2, 0), (0, 3), (1, 0), (-1, 1)):
        add(family, f"rollaxis_{axis}_{start}", "rollaxis", [x], arr(np.rollaxis(x.values, axis, start), "int32"),
            params={"axis": axis, "start": start})
    for k in (-1, 0, 1, 2, 3, 5):
        add(family, f"rot90_{k}", "rot90", [f], arr(np.rot90(f.values, k), "float32"), params={"k": k, "axes": [0, 1]})
    add(family, "rot90_axes_2_0", "rot90", [x], arr(np.rot90(x.values, 1, (2, 0)), "int32"), params={"k": 1, "axes": [2, 0]})
    add(family, "fliplr", "fliplr", [x], arr(np.fliplr(x.values), "int32"))
    add(family, "flipud", "flipud", [x], arr(np.flipud(x.values), "int32"))
    for op, fn in (("atleast_1d", np.atleast_1d), ("atleast_2d", np.atleast_2d), ("atleast_3d", np.atleast_3d)):
        for name, a in (("scalar", arr(5.0, "float32")), ("vector", arr([1.0, 2.0], "float32")), ("matrix", f),
                        ("rank3", arr(x.values, "int32"))):
            add(family, f"{op}_{name}", op, [a], arr(fn(a.values), a.dtype))
    a3, b3 = arr([1, 2, 3], "int32"), arr([4, 5, 6], "int32")
    m23 = arr([[7, 8], [9, 10], [11, 12]], "int32")
    add(family, "column_stack", "column_stack", [a3, b3, m23], arr(np.column_stack([a3.values, b3.values, m23.values]), "int32"))
    add(family, "dstack", "dstack", [a3, b3], arr(np.dstack([a3.values, b3.values]), "int32"))
    add(family, "dstack_matrices", "dstack", [f, f], arr(np.dstack([f.values, f.values]), "float32"))
    e = arr(np.eye(2), "float32")
    z = arr(np.zeros((2, 3)), "float32")
    o = arr(np.ones((1, 2)), "float32")
    w = arr(draw("block_w", (1, 3), "float32"), "float32")
    add(family, "block_2x2", "block", [e, z, o, w], arr(np.block([[e.values, z.values], [o.values, w.values]]), "float32"),
        params={"rows": [2, 2]})
    add(family, "block_flat", "block", [a3, b3], arr(np.block([a3.values, b3.values]), "int32"), params={"rows": []})
    add(family, "block_vectors_in_rows", "block", [a3, b3, b3, a3],
        arr(np.block([[a3.values, b3.values], [b3.values, a3.values]]), "int32"), params={"rows": [2, 2]})
    for sections in (1, 3, 5, 9):
        add(family, f"array_split_{sections}", "array_split", [v], [arr(p_, "int32") for p_ in np.array_split(v.values, sections)],
            params={"sections": sections, "axis": 0})
    add(family, "array_split_indices", "array_split", [x], [arr(p_, "int32") for p_ in np.array_split(x.values, [1, 3, 2, 10], axis=2)],
        params={"indices": [1, 3, 2, 10], "axis": 2})
    add(family, "array_split_negative_indices", "array_split", [v], [arr(p_, "int32") for p_ in np.array_split(v.values, [-3, 5])],
        params={"indices": [-3, 5], "axis": 0})
    add(family, "hsplit_matrix", "hsplit", [f], [arr(p_, "float32") for p_ in np.hsplit(f.values, 2)], params={"sections": 2})
    add(family, "hsplit_vector", "hsplit", [arr(np.arange(6), "int32")], [arr(p_, "int32") for p_ in np.hsplit(np.arange(6), [2, 3])],
        params={"indices": [2, 3]})
    add(family, "vsplit", "vsplit", [f], [arr(p_, "float32") for p_ in np.vsplit(f.values, [1])], params={"indices": [1]})
    add(family, "dsplit", "dsplit", [x], [arr(p_, "int32") for p_ in np.dsplit(x.values, 2)], params={"sections": 2})
    for axis in (0, 1, -1):
        add(family, f"unstack_{axis}", "unstack", [x], [arr(p_, "int32") for p_ in np.moveaxis(x.values, axis, 0)],
            params={"axis": axis})
    add(family, "append_flat", "append", [f, arr([1.5, 2.5], "float32")], arr(np.append(f.values, [1.5, 2.5]), "float32"),
        params={"axis": None})
    add(family, "append_axis0", "append", [f, arr(np.ones((2, 4)), "float32")],
        arr(np.append(f.values, np.ones((2, 4)), axis=0), "float32"), params={"axis": 0})
    for name, index, axis in (("one", 2, None), ("negative", -1, 1), ("list", [0, 2, 2, -1], 2), ("axis0", [1], 0),
                              ("none", [], 0)):
        add(family, f"delete_{name}", "delete_", [x], arr(np.delete(x.values, index, axis), "int32"),
            params={"index": index, "axis": axis})
    add(family, "insert_scalar_flat", "insert", [v, arr(99, "int32")], arr(np.insert(v.values, 3, 99), "int32"),
        params={"index": 3, "axis": None})
    add(family, "insert_end", "insert", [v, arr(-1, "int32")], arr(np.insert(v.values, 7, -1), "int32"),
        params={"index": 7, "axis": None})
    add(family, "insert_row", "insert", [f, arr([1.0, 2.0, 3.0, 4.0], "float32")],
        arr(np.insert(f.values, 1, [1.0, 2.0, 3.0, 4.0], axis=0), "float32"), params={"index": 1, "axis": 0})
    add(family, "insert_column_values", "insert", [f, arr([5.0, 6.0, 7.0], "float32")],
        arr(np.insert(f.values, -1, [5.0, 6.0, 7.0], axis=1), "float32"), params={"index": -1, "axis": 1})
    two_columns = np.array([[5.0, 6.0, 7.0], [8.0, 9.0, 10.0]])  # NumPy moves its first axis to `axis`
    add(family, "insert_two_columns", "insert", [f, arr(two_columns, "float32")],
        arr(np.insert(f.values, 2, two_columns, axis=1), "float32"), params={"index": 2, "axis": 1})
    add(family, "insert_sequence", "insert", [v, arr([10, 20, 30], "int32")],
        arr(np.insert(v.values, [1, 1, 5], [10, 20, 30]), "int32"), params={"indices": [1, 1, 5], "axis": None})
    add(family, "insert_sequence_axis1", "insert", [f, arr(7.0, "float32")],
        arr(np.insert(f.values, [0, 4], 7.0, axis=1), "float32"), params={"indices": [0, 4], "axis": 1})
    add(family, "insert_float_into_int", "insert", [v, arr(2.75, "float32")], arr(np.insert(v.values, 0, 2), "int32"),
        params={"index": 0, "axis": None})
    for shape in ((2, 5), (3,), (0,), (4, 4)):
        add(family, f"resize_{'x'.join(map(str, shape))}", "resize", [v], arr(np.resize(v.values, shape), "int32"),
            params={"shape": list(shape)})
    add(family, "copy", "copy", [f], f)
    t = arr([0, 0, 1, 2, 0, 3, 0, 0], "int32")
    for trim in ("fb", "f", "b"):
        add(family, f"trim_zeros_{trim}", "trim_zeros", [t], arr(np.trim_zeros(t.values, trim), "int32"),
            params={"trim": trim})
    add(family, "trim_zeros_all_zero", "trim_zeros", [arr([0.0, 0.0], "float32")], arr(np.zeros(0), "float32"),
        params={"trim": "fb"})


# ------------------------------------------------------------------------------------------------
# jx/numpy/grids.h
# ------------------------------------------------------------------------------------------------

def grids_cases():
    family = "grids"
    add(family, "empty", "empty", [], arr(np.zeros((2, 3)), "float32"), params={"shape": [2, 3]})
    f = arr(draw("grids_f", (3, 4), "float32"), "float32")
    add(family, "empty_like", "empty_like", [f], arr(np.zeros((3, 4)), "float32"))
    for dt in ("float32", "float64"):
        add(family, f"logspace_{dt}", "logspace", [], arr(np.logspace(-2, 3, 11), dt),
            params={"start": -2.0, "stop": 3.0, "num": 11, "endpoint": True, "base": 10.0, "dtype": dt},
            rtol=ulps(dt, 64))
        add(family, f"logspace_base2_{dt}", "logspace", [], arr(np.logspace(0, 4, 4, endpoint=False, base=2.0), dt),
            params={"start": 0.0, "stop": 4.0, "num": 4, "endpoint": False, "base": 2.0, "dtype": dt}, rtol=ulps(dt, 16))
        add(family, f"geomspace_{dt}", "geomspace", [], arr(np.geomspace(1, 1000, 7), dt),
            params={"start": 1.0, "stop": 1000.0, "num": 7, "endpoint": True, "dtype": dt}, rtol=ulps(dt, 64))
        add(family, f"geomspace_negative_{dt}", "geomspace", [], arr(np.geomspace(-2, -512, 5), dt),
            params={"start": -2.0, "stop": -512.0, "num": 5, "endpoint": True, "dtype": dt}, rtol=ulps(dt, 64))
    for n, m, k in ((3, None, 0), (3, 5, 1), (4, 2, -1), (0, None, 0)):
        add(family, f"tri_{n}_{m}_{k}", "tri", [], arr(np.tri(n, m, k), "float32"), params={"n": n, "m": m, "k": k})
    add(family, "tri_int32", "tri", [], arr(np.tri(3, 3, 0), "int32"), params={"n": 3, "m": 3, "k": 0, "dtype": "int32"})
    vec = arr([1.5, -2.0, 3.0], "float32")
    for k in (0, 1, -2):
        add(family, f"diag_vector_{k}", "diag", [vec], arr(np.diag(vec.values, k), "float32"), params={"k": k})
        add(family, f"diag_matrix_{k}", "diag", [f], arr(np.diag(f.values, k), "float32"), params={"k": k})
    add(family, "diagflat", "diagflat", [arr([[1, 2], [3, 4]], "int32")], arr(np.diagflat([[1, 2], [3, 4]], 1), "int32"),
        params={"k": 1})
    add(family, "diag_indices_3_2", "diag_indices", [], [arr(i, "int32") for i in np.diag_indices(3, 2)],
        params={"n": 3, "ndim": 2})
    add(family, "diag_indices_2_3", "diag_indices", [], [arr(i, "int32") for i in np.diag_indices(2, 3)],
        params={"n": 2, "ndim": 3})
    cube = arr(np.zeros((3, 3, 3)), "float32")
    add(family, "diag_indices_from", "diag_indices_from", [cube], [arr(i, "int32") for i in np.diag_indices_from(np.zeros((3, 3, 3)))])
    for n, k, m in ((4, 0, None), (3, 1, 5), (4, -1, 2)):
        add(family, f"tril_indices_{n}_{k}_{m}", "tril_indices", [], [arr(i, "int32") for i in np.tril_indices(n, k, m)],
            params={"n": n, "k": k, "m": m})
        add(family, f"triu_indices_{n}_{k}_{m}", "triu_indices", [], [arr(i, "int32") for i in np.triu_indices(n, k, m)],
            params={"n": n, "k": k, "m": m})
    add(family, "tril_indices_from", "tril_indices_from", [f], [arr(i, "int32") for i in np.tril_indices_from(f.values, 1)],
        params={"k": 1})
    add(family, "triu_indices_from", "triu_indices_from", [f], [arr(i, "int32") for i in np.triu_indices_from(f.values, -1)],
        params={"k": -1})
    add(family, "mask_indices_triu", "mask_indices", [], [arr(i, "int32") for i in np.mask_indices(3, np.triu, 1)],
        params={"n": 3, "k": 1, "mask": "triu"})
    add(family, "mask_indices_tril", "mask_indices", [], [arr(i, "int32") for i in np.mask_indices(4, np.tril, -1)],
        params={"n": 4, "k": -1, "mask": "tril"})
    for shape, val, wrap in (((3, 3), [9.0], False), ((5, 3), [1.0, 2.0], False), ((7, 3), [4.0], True),
                             ((3, 5), [8.0, 9.0, 10.0, 11.0], False), ((3, 3, 3), [5.0], False)):
        base = draw(f"fill_{shape}", shape, "float32")
        expected = base.astype(np.float32).copy()
        np.fill_diagonal(expected, val, wrap=wrap)
        add(family, f"fill_diagonal_{'x'.join(map(str, shape))}_{wrap}", "fill_diagonal",
            [arr(base, "float32"), arr(val, "float32")], arr(expected, "float32"), params={"wrap": wrap})
    add(family, "indices_2x3", "indices", [], arr(np.indices((2, 3)), "int32"), params={"shape": [2, 3]})
    add(family, "indices_float", "indices", [], arr(np.indices((2, 1, 2)), "float32"), params={"shape": [2, 1, 2], "dtype": "float32"})
    gx, gy, gz = arr([1.0, 2.0, 3.0], "float32"), arr([4.0, 5.0], "float32"), arr([7, 8, 9, 10], "int32")
    for indexing in ("xy", "ij"):
        for sparse in (False, True):
            add(family, f"meshgrid_2_{indexing}_{sparse}", "meshgrid", [gx, gy],
                [arr(g, "float32") for g in np.meshgrid(gx.values, gy.values, indexing=indexing, sparse=sparse)],
                params={"indexing": indexing, "sparse": sparse})
        add(family, f"meshgrid_3_{indexing}", "meshgrid", [gx, gy, gz],
            [arr(g, dt) for g, dt in zip(np.meshgrid(gx.values, gy.values, gz.values, indexing=indexing),
                                           ("float32", "float32", "int32"))],
            params={"indexing": indexing, "sparse": False})
    add(family, "mgrid_2", "mgrid", [], arr(np.mgrid[0:3, 1:7:2], "int32"), params={"slices": [[0, 3, 1], [1, 7, 2]]})
    add(family, "mgrid_1", "mgrid", [], arr(np.mgrid[5:0:-2], "int32"), params={"slices": [[5, 0, -2]]})
    add(family, "ogrid_2", "ogrid", [], [arr(g, "int32") for g in np.ogrid[0:3, 2:5]],
        params={"slices": [[0, 3, 1], [2, 5, 1]]})
    add(family, "ix_", "ix_", [arr([0, 2], "int32"), arr([1, 3, 0], "int32")],
        [arr(g, "int32") for g in np.ix_([0, 2], [1, 3, 0])])
    ka = arr(draw("kron_a", (2, 3), "float32"), "float32")
    kb = arr(draw("kron_b", (3, 2), "float32"), "float32")
    add(family, "kron_matrices", "kron", [ka, kb], arr(np.kron(ka.values, kb.values), "float32"), rtol=ulps("float32", 1))
    add(family, "kron_vector_matrix", "kron", [arr([1, 2], "int32"), arr([[1, 10], [100, 1000]], "int32")],
        arr(np.kron([1, 2], [[1, 10], [100, 1000]]), "int32"))
    vx = arr([1, 2, 3, 5], "int32")
    add(family, "vander", "vander", [vx], arr(np.vander(vx.values), "int32"), params={"n": None, "increasing": False})
    add(family, "vander_increasing_3", "vander", [arr([0.5, -2.0], "float32")],
        arr(np.vander([0.5, -2.0], 3, increasing=True), "float32"), params={"n": 3, "increasing": True})
    ma = arr(draw("matvec_a", (2, 3, 4), "float32"), "float32")
    mv = arr(draw("matvec_v", (4,), "float32"), "float32")
    add(family, "matvec", "matvec", [ma, mv], arr(np.einsum("bij,j->bi", ma.values, mv.values), "float32"),
        rtol=ulps("float32", 8), atol=ulps("float32", 8))
    vv = arr(draw("vecmat_v", (2, 3), "float32"), "float32")
    add(family, "vecmat", "vecmat", [vv, ma], arr(np.einsum("bi,bij->bj", vv.values, ma.values), "float32"),
        rtol=ulps("float32", 8), atol=ulps("float32", 8))
    add(family, "fromfunction", "fromfunction", [], arr(np.fromfunction(lambda i, j: i * 10 + j, (3, 4)), "float32"),
        params={"shape": [3, 4]})
    add(family, "frombuffer_int32", "frombuffer", [], arr(np.frombuffer(np.arange(5, dtype=np.int32).tobytes(), np.int32, 3, 4), "int32"),
        params={"bytes": list(np.arange(5, dtype=np.int32).tobytes()), "dtype": "int32", "count": 3, "offset": 4})
    add(family, "frombuffer_float32", "frombuffer", [], arr(np.frombuffer(np.array([1.5, -2.25], np.float32).tobytes(), np.float32), "float32"),
        params={"bytes": list(np.array([1.5, -2.25], np.float32).tobytes()), "dtype": "float32", "count": -1, "offset": 0})
    add(family, "fromstring_comma", "fromstring", [], arr([1.0, 2.5, -3.0, 1e3], "float32"),
        params={"text": "1, 2.5 ,-3,1e3", "sep": ",", "dtype": "float32", "count": -1})
    add(family, "fromstring_space_count", "fromstring", [], arr([4, 5], "int32"),
        params={"text": " 4  5\n6", "sep": " ", "dtype": "int32", "count": 2})


# ------------------------------------------------------------------------------------------------
# jx/numpy/statistics.h
# ------------------------------------------------------------------------------------------------

HISTOGRAM_OPS = {"bincount", "histogram", "histogram_bin_edges", "histogram2d", "histogramdd", "searchsorted", "digitize"}
DIFFERENCE_OPS = {"diff", "ediff1d", "gradient", "trapezoid", "interp", "unwrap"}


def statistics_cases():
    """The cases of the three parts of statistics.h: families statistics, histograms and differences."""
    def add(_, name, op, *rest, **keywords):
        family = "histograms" if op in HISTOGRAM_OPS else "differences" if op in DIFFERENCE_OPS else "statistics"
        globals()["add"](family, name, op, *rest, **keywords)
    family = "statistics"
    x = arr(np.round(draw("stats_x", (5, 6), "float64", -3, 3), 1), "float32")  # rounded: ties included
    xv = x.values
    xn = arr(xv, "float32")
    xn.values[1, 2] = NAN
    xn.values[3, :] = NAN
    xnv = xn.values
    f32 = ulps("float32", 4)
    scale = f32 * 4  # interpolation between values of size <= 3
    for method in ("linear", "lower", "higher", "midpoint", "nearest"):
        for axis in (None, 0, 1):
            add(family, f"quantile_{method}_{axis}", "quantile", [x, arr([0.0, 0.3, 0.5, 0.9, 1.0], "float32")],
                arr(np.quantile(xv, [0.0, 0.3, 0.5, 0.9, 1.0], axis=axis, method=method), "float32"),
                params={"axis": axis, "method": method}, rtol=f32, atol=scale)
        add(family, f"nanquantile_{method}", "nanquantile", [xn, arr(0.4, "float32")],
            arr(np.nanquantile(xnv, 0.4, axis=1, method=method), "float32"), params={"axis": 1, "method": method},
            rtol=f32, atol=scale)
    add(family, "quantile_keepdims_axes", "quantile", [x, arr([0.25, 0.75], "float32")],
        arr(np.quantile(xv, [0.25, 0.75], axis=(0, 1), keepdims=True), "float32"),
        params={"axis": [0, 1], "method": "linear", "keepdims": True}, rtol=f32, atol=scale)
    add(family, "quantile_nan_propagates", "quantile", [xn, arr(0.5, "float32")],
        arr(np.quantile(xnv, 0.5, axis=0), "float32"), params={"axis": 0, "method": "linear"}, rtol=f32, atol=scale)
    x64 = arr(draw("stats_x64", (7, 3), "float64"), "float64")
    add(family, "quantile_float64", "quantile", [x64, arr([0.1, 0.95], "float64")],
        arr(np.quantile(x64.values, [0.1, 0.95], axis=0), "float64"), params={"axis": 0, "method": "linear"},
        rtol=ulps("float64", 4), atol=ulps("float64", 4))
    xi = arr([[3, 1, 4], [1, 5, 9], [2, 6, 5], [3, 5, 8]], "int32")
    add(family, "quantile_int32", "quantile", [xi, arr(0.5, "float32")],
        arr(np.quantile(xi.values, 0.5, axis=0), "float32"), params={"axis": 0, "method": "linear"}, rtol=f32)
    add(family, "percentile", "percentile", [x, arr([10.0, 50.0, 99.0], "float32")],
        arr(np.percentile(xv, [10.0, 50.0, 99.0], axis=1), "float32"), params={"axis": 1, "method": "linear"},
        rtol=f32, atol=scale)
    add(family, "nanpercentile", "nanpercentile", [xn, arr(75.0, "float32")],
        arr(np.nanpercentile(xnv, 75.0, axis=0), "float32"), params={"axis": 0, "method": "linear"}, rtol=f32, atol=scale)
    for axis in (None, 0, 1):
        add(family, f"median_{axis}", "median", [x], arr(np.median(xv, axis=axis), "float32"), params={"axis": axis},
            rtol=f32, atol=scale)
        add(family, f"nanmedian_{axis}", "nanmedian", [xn], arr(np.nanmedian(xnv, axis=axis), "float32"),
            params={"axis": axis}, rtol=f32, atol=scale)
    add(family, "median_keepdims", "median", [x], arr(np.median(xv, axis=1, keepdims=True), "float32"),
        params={"axis": 1, "keepdims": True}, rtol=f32, atol=scale)
    w = arr(draw("stats_w", (5, 6), "float32", 0.1, 2.0), "float32")
    w1 = arr(draw("stats_w1", (6,), "float32", 0.1, 2.0), "float32")
    add(family, "average_plain", "average", [x], arr(np.average(xv, axis=0), "float32"), params={"axis": 0},
        rtol=f32, atol=scale)
    add(family, "average_weights", "average", [x, w], arr(np.average(xv, weights=w.values), "float32"),
        params={"axis": None}, rtol=f32 * 8, atol=scale * 8)
    add(family, "average_weights_axis", "average", [x, w1], arr(np.average(xv, axis=1, weights=w1.values), "float32"),
        params={"axis": 1}, rtol=f32 * 4, atol=scale * 4)
    add(family, "ptp", "ptp", [x], arr(np.ptp(xv, axis=0), "float32"), params={"axis": 0})
    add(family, "ptp_int", "ptp", [xi], arr(np.ptp(xi.values), "int32"), params={"axis": None})
    zeros_mixed = arr([[0, 1, 0], [2, 0, 0]], "int32")
    for axis in (None, 0, 1):
        add(family, f"count_nonzero_{axis}", "count_nonzero", [zeros_mixed],
            arr(np.count_nonzero(zeros_mixed.values, axis=axis), "int32"), params={"axis": axis})
    m = arr(draw("cov_m", (3, 8), "float32", -2, 2), "float32")
    mv = m.values
    cov_tol = dict(rtol=f32 * 8, atol=f32 * 16)
    add(family, "cov", "cov", [m], arr(np.cov(mv), "float32"), params={}, **cov_tol)
    add(family, "cov_columns_bias", "cov", [arr(mv.T, "float32")], arr(np.cov(mv.T, rowvar=False, bias=True), "float32"),
        params={"rowvar": False, "bias": True}, **cov_tol)
    add(family, "cov_ddof", "cov", [m], arr(np.cov(mv, ddof=3), "float32"), params={"ddof": 3}, **cov_tol)
    fw = np.array([1, 2, 1, 3, 1, 1, 2, 1])
    aw = draw("cov_aw", (8,), "float32", 0.2, 1.0)
    add(family, "cov_weights", "cov", [m, arr(fw, "int32"), arr(aw, "float32")],
        arr(np.cov(mv, fweights=fw, aweights=aw), "float32"), params={"weights": True}, **cov_tol)
    y = arr(draw("cov_y", (8,), "float32"), "float32")
    add(family, "cov_with_y", "cov", [arr(mv[0], "float32"), y], arr(np.cov(mv[0], y.values), "float32"),
        params={"y": True}, **cov_tol)
    add(family, "cov_one_variable", "cov", [y], arr(np.cov(y.values), "float32"), params={}, **cov_tol)
    add(family, "corrcoef", "corrcoef", [m], arr(np.corrcoef(mv), "float32"), params={}, **cov_tol)
    add(family, "corrcoef_y_columns", "corrcoef", [arr(mv.T[:, :2], "float32"), arr(mv.T[:, 2:], "float32")],
        arr(np.corrcoef(mv.T[:, :2], mv.T[:, 2:], rowvar=False), "float32"), params={"y": True, "rowvar": False}, **cov_tol)
    with np.errstate(all="ignore"):
        for op, fn in (("nansum", np.nansum), ("nanprod", np.nanprod), ("nanmax", np.nanmax), ("nanmin", np.nanmin),
                       ("nanmean", np.nanmean), ("nanvar", np.nanvar), ("nanstd", np.nanstd)):
            for axis in (None, 0, 1):
                tol = 0.0 if op in ("nanmax", "nanmin") else f32 * 8
                add(family, f"{op}_{axis}", op, [xn], arr(fn(xnv, axis=axis), "float32"), params={"axis": axis},
                    rtol=tol, atol=tol * 30)
        add(family, "nanvar_ddof_keepdims", "nanvar", [xn], arr(np.nanvar(xnv, axis=1, ddof=1, keepdims=True), "float32"),
            params={"axis": 1, "ddof": 1, "keepdims": True}, rtol=f32 * 8, atol=f32 * 30)
    add(family, "nansum_int", "nansum", [xi], arr(np.sum(xi.values, axis=0), "int32"), params={"axis": 0})
    for op, fn in (("nanargmax", np.nanargmax), ("nanargmin", np.nanargmin)):
        add(family, f"{op}_0", op, [xn], arr(fn(np.where(np.isnan(xnv).all(0), 0, xnv), axis=0), "int32"),
            params={"axis": 0})
        # JAX: a slice of NaNs gives -1 (NumPy raises).
        expected = [fn(row) if not np.isnan(row).all() else -1 for row in xnv]
        add(family, f"{op}_1", op, [xn], arr(expected, "int32"), params={"axis": 1})
    for op, fn in (("nancumsum", np.nancumsum), ("nancumprod", np.nancumprod)):
        add(family, f"{op}_1", op, [xn], arr(fn(xnv, axis=1), "float32"), params={"axis": 1}, rtol=f32 * 8, atol=f32 * 30)
        add(family, f"{op}_flat", op, [xn], arr(fn(xnv), "float32"), params={"axis": None}, rtol=f32 * 16,
            atol=f32 * 300)
    v = arr([1, 2, 3, 4], "int32")
    add(family, "cumulative_sum", "cumulative_sum", [v], arr(np.cumsum([1, 2, 3, 4]), "int32"), params={})
    add(family, "cumulative_sum_initial", "cumulative_sum", [xi], arr(np.concatenate([np.zeros((4, 1), int), np.cumsum(xi.values, 1)], 1), "int32"),
        params={"axis": 1, "include_initial": True})
    add(family, "cumulative_prod_initial", "cumulative_prod", [v], arr([1, 1, 2, 6, 24], "int32"),
        params={"include_initial": True})
    add(family, "cumulative_prod_dtype", "cumulative_prod", [xi], arr(np.cumprod(xi.values, 0), "float32"),
        params={"axis": 0, "dtype": "float32"})
    # Counts.
    labels = arr([0, 3, 1, 3, 3, 7, 1], "int32")
    add(family, "bincount", "bincount", [labels], arr(np.bincount(labels.values), "int32"), params={}, )
    add(family, "bincount_minlength", "bincount", [labels], arr(np.bincount(labels.values, minlength=10), "int32"),
        params={"minlength": 10})
    add(family, "bincount_length_drops", "bincount", [labels], arr(np.bincount(labels.values)[:5], "int32"),
        params={"length": 5})
    bw = arr([0.5, 1.0, 2.0, 0.25, 1.0, 3.0, -1.0], "float32")
    add(family, "bincount_weights", "bincount", [labels, bw], arr(np.bincount(labels.values, bw.values), "float32"),
        params={"weights": True}, rtol=f32)
    # JAX: negative values count as 0 (NumPy raises).
    add(family, "bincount_negative", "bincount", [arr([-2, 0, 1], "int32")], arr([2, 1], "int32"), params={"length": 2})
    samples = arr(draw("hist", (50,), "float32", -2, 3), "float32")
    sv = samples.values
    h, e = np.histogram(sv, 7)
    add(family, "histogram_bins", "histogram", [samples], [arr(h, "int32"), arr(e, "float32")], params={"bins": 7},
        rtol=f32, atol=f32 * 4)
    h, e = np.histogram(sv, 4, range=(-1, 1))
    add(family, "histogram_range", "histogram", [samples], [arr(h, "int32"), arr(e, "float32")],
        params={"bins": 4, "range": [-1, 1]}, rtol=f32, atol=f32)
    edges = [-2.0, -0.5, 0.0, 2.0, 3.5]
    hw = draw("hist_w", (50,), "float32", 0, 1)
    h, e = np.histogram(sv, edges, weights=hw)
    add(family, "histogram_edges_weights", "histogram", [samples, arr(edges, "float32"), arr(hw, "float32")],
        [arr(h, "float32"), arr(e, "float32")], params={"weights": True}, rtol=f32 * 8, atol=f32 * 8)
    h, e = np.histogram(sv, 5, density=True)
    add(family, "histogram_density", "histogram", [samples], [arr(h, "float32"), arr(e, "float32")],
        params={"bins": 5, "density": True}, rtol=f32 * 16, atol=f32 * 16)
    h, e = np.histogram([2.0, 2.0, 2.0], 3)
    add(family, "histogram_degenerate", "histogram", [arr([2.0, 2.0, 2.0], "float32")], [arr(h, "int32"), arr(e, "float32")],
        params={"bins": 3}, rtol=f32)
    add(family, "histogram_bin_edges", "histogram_bin_edges", [samples], arr(np.histogram_bin_edges(sv, 6), "float32"),
        params={"bins": 6}, rtol=f32, atol=f32 * 4)
    px = arr(draw("h2x", (40,), "float32", 0, 1), "float32")
    py = arr(draw("h2y", (40,), "float32", -1, 1), "float32")
    h, ex, ey = np.histogram2d(px.values, py.values, (3, 4))
    add(family, "histogram2d", "histogram2d", [px, py], [arr(h, "int32"), arr(ex, "float32"), arr(ey, "float32")],
        params={"bins": [3, 4]}, rtol=f32, atol=f32 * 4)
    h, ex, ey = np.histogram2d(px.values, py.values, (2, 2), range=[(0, 0.5), (-1, 0)], density=True)
    add(family, "histogram2d_range_density", "histogram2d", [px, py], [arr(h, "float32"), arr(ex, "float32"), arr(ey, "float32")],
        params={"bins": [2, 2], "range": [[0, 0.5], [-1, 0]], "density": True}, rtol=f32 * 16, atol=f32 * 16)
    pts = arr(draw("hdd", (30, 3), "float32", -1, 1), "float32")
    h, es = np.histogramdd(pts.values, (2, 3, 2))
    add(family, "histogramdd", "histogramdd", [pts], [arr(h, "int32")] + [arr(e_, "float32") for e_ in es],
        params={"bins": [2, 3, 2]}, rtol=f32, atol=f32 * 4)
    # Differences.
    d = arr(draw("diff", (4, 5), "float32", -5, 5), "float32")
    dv = d.values
    for n_, axis in ((1, -1), (2, -1), (1, 0), (3, 1), (0, 0)):
        add(family, f"diff_{n_}_{axis}", "diff", [d], arr(np.diff(dv, n_, axis), "float32"), params={"n": n_, "axis": axis},
            rtol=f32, atol=f32 * 40)
    add(family, "diff_prepend_append", "diff", [d, arr(0.0, "float32"), arr(np.ones((4, 2)), "float32")],
        arr(np.diff(dv, 1, 1, prepend=0.0, append=np.ones((4, 2))), "float32"),
        params={"n": 1, "axis": 1, "prepend": True, "append": True}, rtol=f32, atol=f32 * 20)
    add(family, "diff_bool", "diff", [arr([True, True, False, True], "bool")], arr(np.diff([True, True, False, True]), "bool"),
        params={"n": 1, "axis": -1})
    add(family, "diff_int", "diff", [xi], arr(np.diff(xi.values, axis=0), "int32"), params={"n": 1, "axis": 0})
    add(family, "ediff1d", "ediff1d", [xi], arr(np.ediff1d(xi.values), "int32"), params={})
    add(family, "ediff1d_ends", "ediff1d", [v, arr([9, 8], "int32"), arr(-1, "int32")],
        arr(np.ediff1d(v.values, to_end=[9, 8], to_begin=-1), "int32"), params={"to_end": True, "to_begin": True})
    g = arr(draw("grad", (5, 4), "float64", -2, 2), "float64")
    gv = g.values
    gt = dict(rtol=ulps("float64", 64), atol=ulps("float64", 64))
    add(family, "gradient_1d", "gradient", [arr(gv[:, 0], "float64")], [arr(np.gradient(gv[:, 0]), "float64")], params={}, **gt)
    add(family, "gradient_2d", "gradient", [g], [arr(a_, "float64") for a_ in np.gradient(gv)], params={}, **gt)
    add(family, "gradient_step", "gradient", [g, arr(0.5, "float64")], [arr(a_, "float64") for a_ in np.gradient(gv, 0.5)],
        params={"spacing": 1}, **gt)
    coords = np.array([0.0, 0.5, 1.5, 1.75])
    add(family, "gradient_coordinates_axis1", "gradient", [g, arr(coords, "float64")],
        [arr(np.gradient(gv, coords, axis=1), "float64")], params={"spacing": 1, "axis": 1}, **gt)
    add(family, "gradient_two_spacings", "gradient", [g, arr(2.0, "float64"), arr(coords, "float64")],
        [arr(a_, "float64") for a_ in np.gradient(gv, 2.0, coords)], params={"spacing": 2}, **gt)
    add(family, "trapezoid_dx", "trapezoid", [d], arr(np.trapz(dv, dx=0.5), "float32"), params={"dx": 0.5},
        rtol=f32 * 8, atol=f32 * 40)
    tx = np.array([0.0, 0.1, 0.5, 0.6, 2.0])
    add(family, "trapezoid_x", "trapezoid", [d, arr(tx, "float32")], arr(np.trapz(dv, tx.astype(np.float32)), "float32"),
        params={"x": True}, rtol=f32 * 8, atol=f32 * 40)
    add(family, "trapezoid_axis0", "trapezoid", [d], arr(np.trapz(dv, axis=0), "float32"), params={"axis": 0},
        rtol=f32 * 8, atol=f32 * 40)
    xp = np.array([0.0, 1.0, 1.0, 2.5, 4.0])
    fp = np.array([1.0, 3.0, -1.0, 2.0, 0.0])
    at = np.array([-1.0, 0.0, 0.5, 1.0, 1.7, 2.5, 3.9, 4.0, 5.0])
    add(family, "interp", "interp", [arr(at, "float32"), arr(xp, "float32"), arr(fp, "float32")],
        arr(np.interp(at, xp, fp), "float32"), params={}, rtol=f32 * 4, atol=f32 * 4)
    add(family, "interp_left_right", "interp", [arr(at, "float32"), arr(xp, "float32"), arr(fp, "float32"), arr(-9.0, "float32"),
                                                 arr(9.0, "float32")],
        arr(np.interp(at, xp, fp, left=-9.0, right=9.0), "float32"), params={"left": True, "right": True},
        rtol=f32 * 4, atol=f32 * 4)
    pxp = np.array([350.0, 10.0, 180.0])
    pfp = np.array([0.0, 1.0, 2.0])
    pat = np.array([0.0, 5.0, 355.0, 90.0, 720.0 + 20])
    add(family, "interp_period", "interp", [arr(pat, "float64"), arr(pxp, "float64"), arr(pfp, "float64")],
        arr(np.interp(pat, pxp, pfp, period=360), "float64"), params={"period": 360.0}, rtol=ulps("float64", 16),
        atol=ulps("float64", 16))
    phase = np.array([0.0, 1.0, 3.0, 6.0, 0.5, -2.5, 3.2, 12.0])
    add(family, "unwrap", "unwrap", [arr(phase, "float64")], arr(np.unwrap(phase), "float64"), params={},
        rtol=ulps("float64", 16), atol=ulps("float64", 64))
    add(family, "unwrap_period_discont", "unwrap", [arr(phase, "float64")],
        arr(np.unwrap(phase, discont=4.0, period=5.0), "float64"), params={"discont": 4.0, "period": 5.0},
        rtol=ulps("float64", 16), atol=ulps("float64", 64))
    add(family, "unwrap_axis0", "unwrap", [arr(gv * 3, "float64")], arr(np.unwrap(gv * 3, axis=0), "float64"),
        params={"axis": 0}, rtol=ulps("float64", 16), atol=ulps("float64", 64))
    # Searching.
    sorted_a = arr([-1.0, 0.0, 0.0, 2.5, 2.5, 2.5, 7.0, NAN], "float32")
    queries = arr([[-5.0, 0.0, 1.0], [2.5, 7.0, NAN]], "float32")
    for side in ("left", "right"):
        add(family, f"searchsorted_{side}", "searchsorted", [sorted_a, queries],
            arr(np.searchsorted(sorted_a.values.astype(np.float32), queries.values.astype(np.float32), side), "int32"),
            params={"side": side})
    unsorted = arr([3, 1, 2, 9, 5], "int32")
    add(family, "searchsorted_sorter", "searchsorted", [unsorted, arr([0, 2, 6, 10], "int32"), arr(np.argsort([3, 1, 2, 9, 5]), "int32")],
        arr(np.searchsorted([3, 1, 2, 9, 5], [0, 2, 6, 10], sorter=np.argsort([3, 1, 2, 9, 5])), "int32"),
        params={"side": "left", "sorter": True})
    add(family, "searchsorted_empty", "searchsorted", [arr(np.zeros(0), "float32"), arr([1.0, 2.0], "float32")],
        arr([0, 0], "int32"), params={"side": "left"})
    add(family, "searchsorted_one", "searchsorted", [arr([1.0], "float32"), arr([0.0, 1.0, 2.0], "float32")],
        arr(np.searchsorted([1.0], [0.0, 1.0, 2.0], "right"), "int32"), params={"side": "right"})
    bins_up = np.array([0.0, 1.0, 2.5, 4.0])
    probe = np.array([-1.0, 0.0, 0.5, 1.0, 2.5, 3.0, 4.0, 9.0])
    for right in (False, True):
        add(family, f"digitize_increasing_{right}", "digitize", [arr(probe, "float32"), arr(bins_up, "float32")],
            arr(np.digitize(probe, bins_up, right), "int32"), params={"right": right})
        add(family, f"digitize_decreasing_{right}", "digitize", [arr(probe, "float32"), arr(bins_up[::-1].copy(), "float32")],
            arr(np.digitize(probe, bins_up[::-1], right), "int32"), params={"right": right})


# ------------------------------------------------------------------------------------------------
# jx/numpy/selection.h
# ------------------------------------------------------------------------------------------------

def selection_cases():
    family = "selection"
    m = arr([[0, 3, 0], [1, 0, 2]], "int32")
    f = arr([[0.0, -1.5, NAN], [0.0, 2.0, 0.0]], "float32")
    for name, a in (("int", m), ("float", f), ("vector", arr([0, 0, 5, 0, 7], "int32")), ("empty", arr(np.zeros((0, 2)), "float32"))):
        add(family, f"nonzero_{name}", "nonzero", [a], [arr(i, "int32") for i in np.nonzero(a.values)], params={})
    # JAX: with size, missing entries hold fill_value (0 by default); extra ones are cut.
    idx = np.nonzero(m.values)
    add(family, "nonzero_size_fill", "nonzero", [m], [arr(list(i) + [-1, -1], "int32") for i in idx],
        params={"size": 5, "fill_value": -1})
    add(family, "nonzero_size_short", "nonzero", [m], [arr(i[:2], "int32") for i in idx], params={"size": 2})
    add(family, "nonzero_size_default_fill", "nonzero", [m], [arr(list(i) + [0], "int32") for i in idx], params={"size": 4})
    add(family, "argwhere", "argwhere", [m], arr(np.argwhere(m.values), "int32"), params={})
    add(family, "argwhere_size", "argwhere", [m], arr(np.concatenate([np.argwhere(m.values), [[0, 0]]]), "int32"),
        params={"size": 4})
    add(family, "flatnonzero", "flatnonzero", [f], arr(np.flatnonzero(f.values), "int32"), params={})
    add(family, "flatnonzero_size", "flatnonzero", [f], arr([1, 2, 4, 9, 9], "int32"), params={"size": 5, "fill_value": 9})
    cond = arr([[True, False, True], [False, True, True]], "bool")
    add(family, "extract", "extract", [cond, f], arr(np.extract(cond.values, f.values), "float32"), params={})
    add(family, "extract_size", "extract", [cond, f], arr(list(np.extract(cond.values, f.values)) + [-7.0], "float32"),
        params={"size": 5, "fill_value": -7.0})
    c1 = arr([True, False, True], "bool")
    x = arr(np.arange(12).reshape(3, 4), "int32")
    add(family, "compress_axis0", "compress", [c1, x], arr(np.compress(c1.values, x.values, 0), "int32"), params={"axis": 0})
    add(family, "compress_axis1_short", "compress", [c1, x], arr(np.compress(c1.values, x.values, 1), "int32"),
        params={"axis": 1})
    add(family, "compress_flat", "compress", [arr([False, True, True], "bool"), x], arr(np.compress([False, True, True], x.values), "int32"),
        params={})
    add(family, "compress_size", "compress", [c1, x], arr(np.concatenate([np.compress(c1.values, x.values, 0), np.full((1, 4), -1)]), "int32"),
        params={"axis": 0, "size": 3, "fill_value": -1})
    v = arr(np.linspace(-2, 2, 9), "float32")
    vv = v.values
    conds = [vv < -1, vv > 1, vv < 0]
    choices = [vv * 10, vv ** 2, -vv]
    add(family, "select", "select", [arr(c, "bool") for c in conds] + [arr(c, "float32") for c in choices] + [arr(0.5, "float32")],
        arr(np.select(conds, choices, 0.5), "float32"), params={"n": 3})
    a = arr([[0, 2, 1], [3, -1, 4]], "int32")
    ch = [arr(np.arange(6).reshape(2, 3) * 10 ** k, "int32") for k in range(3)]
    for mode in ("wrap", "clip"):
        add(family, f"choose_{mode}", "choose", [a] + ch, arr(np.choose(a.values, [c.values for c in ch], mode=mode), "int32"),
            params={"mode": mode})
    add(family, "choose_raise", "choose", [arr([[0, 2, 1], [1, 0, 2]], "int32")] + ch,
        arr(np.choose([[0, 2, 1], [1, 0, 2]], [c.values for c in ch]), "int32"), params={"mode": "raise"})
    pw = np.piecewise(vv, [vv < 0, vv > 1], [lambda t: -t, lambda t: t * 3, lambda t: t + 100])
    add(family, "piecewise_otherwise", "piecewise", [v, arr(vv < 0, "bool"), arr(vv > 1, "bool")], arr(pw, "float32"),
        params={"otherwise": True})
    pw2 = np.piecewise(vv, [vv < 0.5, vv < -1], [lambda t: t * 2, lambda t: t - 5])
    add(family, "piecewise_later_wins", "piecewise", [v, arr(vv < 0.5, "bool"), arr(vv < -1, "bool")], arr(pw2, "float32"),
        params={"otherwise": False})
    base = np.arange(10, dtype=np.float32).reshape(2, 5)
    mask = base % 3 == 0
    placed = base.copy()
    np.place(placed, mask, [-1.0, -2.0])
    add(family, "place", "place", [arr(base, "float32"), arr(mask, "bool"), arr([-1.0, -2.0], "float32")], arr(placed, "float32"))
    put_base = np.arange(8, dtype=np.int32)
    for mode, ind in ((None, [1, 5, 30]), ("clip", [1, 5, 30, -3]), ("wrap", [1, 9, -1])):
        expected = put_base.copy()
        values = [100, 200]
        if mode is None:
            # JAX: out-of-range indices are dropped (NumPy raises).
            for i_, val in zip(ind, [100, 200, 100]):
                if 0 <= i_ < 8:
                    expected[i_] = val
        else:
            np.put(expected, ind, values, mode=mode)
        add(family, f"put_{mode}", "put", [arr(put_base, "int32"), arr(ind, "int32"), arr(values, "int32")],
            arr(expected, "int32"), params={"mode": mode})
    pa = np.arange(12, dtype=np.float32).reshape(3, 4)
    pind = np.array([[1], [0], [3]])
    expected = pa.copy()
    np.put_along_axis(expected, pind, -5.0, axis=1)
    add(family, "put_along_axis", "put_along_axis", [arr(pa, "float32"), arr(pind, "int32"), arr(-5.0, "float32")],
        arr(expected, "float32"), params={"axis": 1})
    pind0 = np.array([[2, 0, 1, 2]])
    expected = pa.copy()
    np.put_along_axis(expected, pind0, np.array([[7.0, 8.0, 9.0, 10.0]]), axis=0)
    add(family, "put_along_axis_0", "put_along_axis", [arr(pa, "float32"), arr(pind0, "int32"), arr([[7.0, 8.0, 9.0, 10.0]], "float32")],
        arr(expected, "float32"), params={"axis": 0})
    flat = arr([0, 5, 11, 23, -1, -24], "int32")
    # JAX: negative indices count from the end, out-of-range ones are clipped.
    add(family, "unravel_index", "unravel_index", [flat], [arr(i, "int32") for i in np.unravel_index([0, 5, 11, 23, 23, 0], (2, 3, 4))],
        params={"shape": [2, 3, 4]})
    add(family, "unravel_index_clipped", "unravel_index", [arr([30, -30], "int32")], [arr([1, 0], "int32"), arr([3, 0], "int32")],
        params={"shape": [2, 4]})
    mi = [arr([0, 1, 1], "int32"), arr([2, 0, 3], "int32")]
    add(family, "ravel_multi_index", "ravel_multi_index", mi, arr(np.ravel_multi_index(([0, 1, 1], [2, 0, 3]), (2, 4)), "int32"),
        params={"dims": [2, 4], "mode": "raise"})
    for mode in ("wrap", "clip"):
        wi = [arr([0, 3, -1], "int32"), arr([5, 0, 2], "int32")]
        add(family, f"ravel_multi_index_{mode}", "ravel_multi_index", wi,
            arr(np.ravel_multi_index(([0, 3, -1], [5, 0, 2]), (2, 4), mode=mode), "int32"), params={"dims": [2, 4], "mode": mode})
    k1 = arr([1, 0, 1, 0, 1], "int32")
    k2 = arr([3.0, 3.0, 1.0, 1.0, 2.0], "float32")
    add(family, "lexsort", "lexsort", [k1, k2], arr(np.lexsort((k1.values, k2.values)), "int32"), params={})
    k3 = arr(np.array([[2, 1, 2], [0, 1, 0]]), "int32")
    k4 = arr(np.array([[1, 1, 0], [5, 4, 5]]), "int32")
    add(family, "lexsort_axis0", "lexsort", [k3, k4], arr(np.lexsort((k3.values, k4.values), axis=0), "int32"), params={"axis": 0})
    pdata = arr([5.0, -1.0, 3.0, 3.0, 0.5, 9.0], "float32")
    add(family, "partition", "partition", [pdata], arr(np.sort(pdata.values), "float32"), params={"kth": 2})
    add(family, "argpartition", "argpartition", [pdata], arr(np.argsort(pdata.values, kind="stable"), "int32"), params={"kth": -1})
    cdata = arr([1 + 2j, 1 - 1j, -3 + 0j, 1 + 0j], "complex64")
    add(family, "sort_complex", "sort_complex", [cdata], arr(np.sort_complex(cdata.values), "complex64"))
    add(family, "sort_complex_real", "sort_complex", [arr([3, 1, 2], "int32")], arr([1, 2, 3], "complex64"))
    scores = arr([[0.5, 2.0, NAN, -1.0, 2.0], [3.0, 1.0, 0.0, 4.0, -2.0]], "float32")
    sv = scores.values
    top_vals, top_idx = [], []
    for row in sv:
        order = sorted(range(len(row)), key=lambda j: (0 if np.isnan(row[j]) else 1, -row[j] if not np.isnan(row[j]) else 0, j))[:3]
        top_vals.append([row[j] for j in order])
        top_idx.append(order)
    add(family, "top_k", "top_k", [scores], [arr(top_vals, "float32"), arr(top_idx, "int32")], params={"k": 3})
    add(family, "top_k_int", "top_k", [arr([3, -7, 3, 9], "int32")], [arr([9, 3], "int32"), arr([3, 0], "int32")], params={"k": 2})
    cube = arr(np.arange(24, dtype=np.float32).reshape(2, 3, 4), "float32")
    add(family, "apply_along_axis_sum", "apply_along_axis", [cube], arr(np.apply_along_axis(np.sum, 1, cube.values), "float32"),
        params={"axis": 1, "function": "sum"})
    add(family, "apply_along_axis_outer", "apply_along_axis", [cube],
        arr(np.apply_along_axis(lambda t: np.outer(t, t[:2]), 2, cube.values), "float32"), params={"axis": 2, "function": "outer"})
    add(family, "apply_over_axes", "apply_over_axes", [cube], arr(np.apply_over_axes(np.sum, cube.values, [0, 2]), "float32"),
        params={"axes": [0, 2]})


# ------------------------------------------------------------------------------------------------
# jx/numpy/sets.h
# ------------------------------------------------------------------------------------------------

def sets_cases():
    family = "sets"
    x = arr([[3, 1, 2], [3, 7, 1]], "int32")
    xv = x.values
    u, i, inv, c = np.unique(xv, return_index=True, return_inverse=True, return_counts=True)
    # JAX: the inverse has the input's shape (NumPy 1.24 flattens it).
    add(family, "unique_all_options", "unique", [x], [arr(u, "int32"), arr(i, "int32"), arr(inv.reshape(xv.shape), "int32"),
                                                      arr(c, "int32")], params={"return_all": True})
    add(family, "unique_values", "unique", [x], [arr(u, "int32")], params={})
    add(family, "unique_size_fill", "unique", [x], [arr(list(u) + [-1, -1], "int32")], params={"size": 6, "fill_value": -1})
    add(family, "unique_size_default_fill", "unique", [x], [arr(list(u) + [u[0]], "int32"), arr(list(i) + [i[0]], "int32"),
                                                              arr(inv.reshape(xv.shape), "int32"), arr(list(c) + [0], "int32")],
        params={"size": 5, "return_all": True})
    add(family, "unique_size_short", "unique", [x], [arr(u[:2], "int32"), arr(i[:2], "int32"), arr(inv.reshape(xv.shape), "int32"),
                                                       arr(c[:2], "int32")], params={"size": 2, "return_all": True})
    fn = arr([2.0, NAN, -1.0, NAN, 2.0, -0.0, 0.0], "float32")
    add(family, "unique_nan_equal", "unique", [fn], [arr([-1.0, 0.0, 2.0, NAN], "float32")], params={})
    add(family, "unique_values_nan_distinct", "unique_values", [fn], arr([-1.0, 0.0, 2.0, NAN, NAN], "float32"), params={})
    rows = arr([[1, 2], [0, 5], [1, 2], [0, 4]], "int32")
    ur, ri, rinv, rc = np.unique(rows.values, axis=0, return_index=True, return_inverse=True, return_counts=True)
    add(family, "unique_axis0", "unique", [rows], [arr(ur, "int32"), arr(ri, "int32"), arr(rinv.ravel(), "int32"), arr(rc, "int32")],
        params={"axis": 0, "return_all": True})
    ucols = np.unique(rows.values, axis=1)
    add(family, "unique_axis1", "unique", [rows], [arr(ucols, "int32")], params={"axis": 1})
    add(family, "unique_empty", "unique", [arr(np.zeros(0), "float32")], [arr(np.zeros(0), "float32")], params={})
    add(family, "unique_all", "unique_all", [x], [arr(u, "int32"), arr(i, "int32"), arr(inv.reshape(xv.shape), "int32"), arr(c, "int32")])
    add(family, "unique_counts", "unique_counts", [x], [arr(u, "int32"), arr(c, "int32")])
    add(family, "unique_inverse", "unique_inverse", [x], [arr(u, "int32"), arr(inv.reshape(xv.shape), "int32")])
    el = arr([[1, 4], [7, 2]], "int32")
    te = arr([2, 7, 9], "int32")
    add(family, "isin", "isin", [el, te], arr(np.isin(el.values, te.values), "bool"), params={"invert": False})
    add(family, "isin_invert", "isin", [el, te], arr(np.isin(el.values, te.values, invert=True), "bool"), params={"invert": True})
    a1 = arr([5, 1, 3, 3, 9, 0], "int32")
    a2 = arr([3, 7, 0, 0, 2], "int32")
    for op, fn in (("union1d", np.union1d), ("intersect1d", np.intersect1d), ("setdiff1d", np.setdiff1d),
                   ("setxor1d", np.setxor1d)):
        expected = fn(a1.values, a2.values)
        add(family, op, op, [a1, a2], arr(expected, "int32"), params={})
        add(family, f"{op}_size", op, [a1, a2], arr(list(expected) + [-9] * 2, "int32"), params={"size": len(expected) + 2, "fill_value": -9})
    d1 = arr([4, 2, 8], "int32")
    d2 = arr([2, 5], "int32")
    add(family, "setdiff1d_assume_unique", "setdiff1d", [d1, d2], arr(np.setdiff1d(d1.values, d2.values, assume_unique=True), "int32"),
        params={"assume_unique": True})
    add(family, "intersect1d_assume_unique", "intersect1d", [d1, d2], arr(np.intersect1d(d1.values, d2.values, assume_unique=True), "int32"),
        params={"assume_unique": True})
    add(family, "union1d_mixed_types", "union1d", [arr([1.5, 2.0], "float32"), arr([2, 3], "int32")],
        arr([1.5, 2.0, 3.0], "float32"), params={})


# ------------------------------------------------------------------------------------------------
# jx/numpy/polynomials.h and jx/numpy/windows.h
# ------------------------------------------------------------------------------------------------

def polynomial_cases():
    family = "polynomials"
    p = arr([2.0, -3.0, 0.5, 4.0], "float64")
    q = arr([1.0, 2.0], "float64")
    x = arr(np.linspace(-2, 3, 7), "float64")
    f64 = ulps("float64", 16)
    add(family, "polyval", "polyval", [p, x], arr(np.polyval(p.values, x.values), "float64"), rtol=f64, atol=f64 * 10)
    add(family, "polyval_int", "polyval", [arr([1, 0, -1], "int32"), arr([2, 3], "int32")], arr([3.0, 8.0], "float32"))
    add(family, "polyadd", "polyadd", [p, q], arr(np.polyadd(p.values, q.values), "float64"))
    add(family, "polysub", "polysub", [q, p], arr(np.polysub(q.values, p.values), "float64"))
    add(family, "polyadd_int", "polyadd", [arr([1, 2], "int32"), arr([3, 4, 5], "int32")], arr([3, 5, 7], "int32"))
    add(family, "polymul", "polymul", [p, q], arr(np.polymul(p.values, q.values), "float64"), rtol=f64, atol=f64)
    add(family, "polymul_trim", "polymul", [arr([0.0, 0.0, 1.0, 2.0], "float64"), q],
        arr(np.polymul([0.0, 0.0, 1.0, 2.0], q.values), "float64"), params={"trim": True, "eager_only": True}, rtol=f64, atol=f64)
    quotient, remainder = np.polydiv(p.values, q.values)
    # JAX: the remainder keeps the dividend's length (leading zeros) unless trimmed.
    add(family, "polydiv", "polydiv", [p, q], [arr(quotient, "float64"), arr(np.concatenate([np.zeros(3), remainder]), "float64")],
        rtol=f64, atol=f64 * 10)
    add(family, "polydiv_trim", "polydiv", [p, arr([1.0, -1.0, 2.0], "float64")],
        [arr(a_, "float64") for a_ in np.polydiv(p.values, [1.0, -1.0, 2.0])], params={"trim": True, "eager_only": True}, rtol=f64, atol=f64 * 10)
    for m in (0, 1, 2, 5):
        add(family, f"polyder_{m}", "polyder", [p], arr(np.polyder(p.values, m), "float64"), params={"m": m})
    add(family, "polyint_1", "polyint", [p], arr(np.polyint(p.values), "float64"), params={"m": 1}, rtol=f64)
    add(family, "polyint_2_k", "polyint", [p, arr([4.0, 5.0], "float64")], arr(np.polyint(p.values, 2, [4.0, 5.0]), "float64"),
        params={"m": 2, "k": True}, rtol=f64)
    add(family, "polyint_scalar_k", "polyint", [q, arr(3.0, "float64")], arr(np.polyint(q.values, 2, 3.0), "float64"),
        params={"m": 2, "k": True}, rtol=f64)
    xs = np.linspace(-1, 1, 12)
    ys = 0.5 * xs ** 3 - xs + 0.25 + 0.01 * draw("polyfit_noise", (12,), "float64")
    fit_tol = dict(rtol=1e-10, atol=1e-10)
    add(family, "polyfit", "polyfit", [arr(xs, "float64"), arr(ys, "float64")], arr(np.polyfit(xs, ys, 3), "float64"),
        params={"deg": 3}, **fit_tol)
    w = draw("polyfit_w", (12,), "float64", 0.5, 2.0)
    add(family, "polyfit_weighted", "polyfit", [arr(xs, "float64"), arr(ys, "float64"), arr(w, "float64")],
        arr(np.polyfit(xs, ys, 2, w=w), "float64"), params={"deg": 2, "w": True}, **fit_tol)
    ys2 = np.stack([ys, 2 * xs - 1], axis=1)
    add(family, "polyfit_columns", "polyfit", [arr(xs, "float64"), arr(ys2, "float64")], arr(np.polyfit(xs, ys2, 1), "float64"),
        params={"deg": 1}, **fit_tol)
    add(family, "poly_roots", "poly", [arr([1.0, 2.0, 3.0], "float64")], arr(np.poly([1.0, 2.0, 3.0]), "float64"), rtol=f64)
    mat = np.array([[2.0, 1.0], [1.0, 3.0]])
    # JAX: a matrix's characteristic polynomial is complex (NumPy returns it real here).
    add(family, "poly_matrix", "poly", [arr(mat, "float64")], arr(np.poly(mat).astype(np.complex128), "complex128"),
        rtol=1e-12, atol=1e-12)
    r = np.sort_complex(np.roots([1.0, -6.0, 11.0, -6.0]))
    add(family, "roots_real", "roots", [arr([1.0, -6.0, 11.0, -6.0], "float64")], arr(r, "complex128"),
        params={"sorted": True}, rtol=1e-10, atol=1e-10)
    r = np.sort_complex(np.roots([0.0, 0.0, 1.0, 0.0, 4.0, 0.0]))
    add(family, "roots_strip_zeros", "roots", [arr([0.0, 0.0, 1.0, 0.0, 4.0, 0.0], "float64")], arr(r, "complex128"),
        params={"sorted": True}, rtol=1e-10, atol=1e-10)
    # JAX: without stripping, each leading zero gives a NaN root (last).
    add(family, "roots_keep_zeros", "roots", [arr([0.0, 1.0, -3.0, 2.0], "float64")],
        arr([1.0 + 0j, 2.0 + 0j, complex(NAN, NAN)], "complex128"), params={"sorted": True, "strip_zeros": False},
        rtol=1e-10, atol=1e-10)


def window_cases():
    family = "windows"
    for M in (0, 1, 2, 7, 16):
        for op, fn in (("bartlett", np.bartlett), ("blackman", np.blackman), ("hamming", np.hamming), ("hanning", np.hanning)):
            add(family, f"{op}_{M}", op, [], arr(fn(M), "float32"), params={"M": M}, rtol=ulps("float32", 4), atol=ulps("float32", 4))
        add(family, f"kaiser_{M}", "kaiser", [], arr(np.kaiser(M, 8.6), "float32"), params={"M": M, "beta": 8.6},
            rtol=ulps("float32", 32), atol=ulps("float32", 8))


# ------------------------------------------------------------------------------------------------
# jx/numpy/dtypes.h: NumPy's tables
# ------------------------------------------------------------------------------------------------

CAST_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32",
               "float64", "complex64", "complex128"]


def dtype_cases():
    family = "dtypes"
    for casting in ("no", "safe", "same_kind", "unsafe"):
        table = [[np.can_cast(np.dtype(a), np.dtype(b), casting) for b in CAST_DTYPES] for a in CAST_DTYPES]
        add(family, f"can_cast_{casting}", "can_cast", [], arr(table, "bool"), params={"casting": casting, "dtypes": CAST_DTYPES})
    for dt in ("float16", "float32", "float64"):
        info = np.finfo(NP.get(dt, np.float16) if dt != "float16" else np.float16)
        fields = [info.bits, info.eps, info.epsneg, info.max, info.min, info.tiny, info.smallest_normal,
                  info.smallest_subnormal, info.resolution, info.precision, info.nmant, info.nexp, info.minexp,
                  info.maxexp, info.machep, info.negep, info.iexp]
        add(family, f"finfo_{dt}", "finfo", [], arr([float(v) for v in fields], "float64"), params={"dtype": dt})
    for dt in ("int8", "int16", "int32", "uint8", "uint32"):
        info = np.iinfo(np.dtype(dt))
        add(family, f"iinfo_{dt}", "iinfo", [], arr([info.bits, info.min, info.max], "int64"), params={"dtype": dt})



# ------------------------------------------------------------------------------------------------
# jx/numpy/einsum.h
# ------------------------------------------------------------------------------------------------

def einsum_cases():
    family = "einsum"
    shapes = {"a": (3, 4), "b": (4, 5), "c": (5, 2), "d": (2, 3), "v": (4,), "w": (5,), "t": (2, 3, 4), "u": (2, 4, 5),
              "s": (3, 3), "q": (2, 3, 3), "e": (1, 4), "z": (6, 1, 4)}
    for subscripts, names in (("ij,jk->ik", "ab"), ("ij,jk,kl->il", "abc"), ("ij,jk,kl,li->", "abcd"),
                              ("ij,jk,kl", "abc"), ("i,i->", "vv"), ("ij,j,jk,k->i", "avbw"), ("bij,bjk->bik", "tu"),
                              ("...ij,...jk->...ik", "tu"), ("...ii->...i", "q"), ("ii", "s"), ("ij,kj", "aa"),
                              ("i...->...", "t"), ("...j,jk->...k", "zb"), ("ij,ij->ij", "ae"), ("bij,jk->ki", "tb")):
        arrays = []
        for k, name in enumerate(names):
            value = np.round(draw(f"einsum_{subscripts}_{k}", shapes[name], "float64", -2, 2), 2)
            arrays.append(value)
        expected = np.einsum(subscripts.replace("ij,ij", "ij,ij"), *arrays)
        scale = math.prod(max(shapes[n]) for n in names)
        add(family, f"einsum_{subscripts}_{names}", "einsum", [arr(v, "float64") for v in arrays], arr(expected, "float64"),
            params={"subscripts": subscripts}, rtol=ulps("float64", 64), atol=ulps("float64", 64) * scale)
    add(family, "einsum_int", "einsum", [arr([[1, 2], [3, 4]], "int32"), arr([5, 6], "int32")],
        arr(np.einsum("ij,j->i", [[1, 2], [3, 4]], [5, 6]), "int32"), params={"subscripts": "ij,j->i"})
    add(family, "einsum_mixed_types", "einsum", [arr([[1, 2], [3, 4]], "int32"), arr([0.5, 1.5], "float32")],
        arr(np.einsum("ij,j->i", [[1, 2], [3, 4]], [0.5, 1.5]), "float32"), params={"subscripts": "ij,j->i"},
        rtol=ulps("float32", 4))


def generate():
    CASES.clear()
    math_cases()
    shaping_cases()
    grids_cases()
    statistics_cases()
    selection_cases()
    sets_cases()
    polynomial_cases()
    window_cases()
    dtype_cases()
    einsum_cases()
    return CASES


def main():
    return oracle_cases.main(__doc__.split("\n")[0], generate, OUT_PATH, ROOT)


if __name__ == "__main__":
    sys.exit(main())
