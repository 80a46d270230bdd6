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

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_cases  # noqa: E402
from oracle_cases import Arr, rng_for  # noqa: E402

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
    t = arr(draw("permute", (2, 3, 4), "float32"), "float32")
    add(family, "permute_dims", "permute_dims", [t], arr(np.transpose(t.values, (2, 0, 1)), "float32"),
        params={"axes": [2, 0, 1]})


def generate():
    CASES.clear()
    math_cases()
    return CASES


def main():
    return oracle_cases.main(__doc__.split("\n")[0], generate, OUT_PATH, ROOT)


if __name__ == "__main__":
    sys.exit(main())
