#!/usr/bin/python3
"""Expected values, from SciPy, for jx::scipy::special's functions beyond jax.numpy's (jx/scipy/
special_functions.h) and for jx::scipy::stats.

Run with Debian's Python (python3-scipy; the default `python3` may have no SciPy):

    /usr/bin/python3 tools/scipy_oracle.py            # rewrites tests/data/scipy_oracle.json
    /usr/bin/python3 tools/scipy_oracle.py --check    # fails if the committed file is stale
    /usr/bin/python3 tools/scipy_oracle.py --stats    # only prints the number of cases per op

The format is tools/oracle_cases.py's; params name each case's "family" (the test file that replays it
through tests/oracle_replay.h: eagerly, under jit and under vmap). Inputs are written out or drawn from the
case's own generator; expected values are SciPy's in float64 (cephes, boost), with tolerances that allow
the stated number of ulps of the result dtype, more where jx's algorithm (a fixed number of series or
continued-fraction steps) loses a few digits in a known corner, as stated there.
"""

import math
import os
import sys

import numpy as np
import scipy.special as sp
import scipy.stats as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_cases  # noqa: E402
from oracle_cases import Arr, rng_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "tests", "data", "scipy_oracle.json")
CASES = oracle_cases.Cases(("float64", "int64"))
EPS = {"float32": 2.0 ** -23, "float64": 2.0 ** -52}
NP = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "int64": np.int64, "bool": np.bool_}
INF, NAN = math.inf, math.nan


def ulps(dtype, n=4):
    return n * EPS[dtype]


def arr(values, dtype):
    return Arr(np.asarray(values).astype(NP[dtype]), dtype)


def add(family, name, op, args, expected, params=None, rtol=0.0, atol=0.0):
    params = dict(params or {})
    params["family"] = family
    if not isinstance(expected, (list, tuple)):
        expected = [expected]
    CASES.add(name, op, args, list(expected), params, rtol, atol)


def exact_bernoulli(n):
    from fractions import Fraction
    numbers, row = [], [Fraction(0)] * (n + 1)
    for m in range(n + 1):
        row[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            row[j - 1] = j * (row[j - 1] - row[j])
        numbers.append(row[0])
    if n >= 1:
        numbers[1] = Fraction(-1, 2)  # SciPy's convention
    return [float(b) for b in numbers]


def special_cases():
    family = "special"
    for dt in ("float32", "float64"):
        tight = ulps(dt, 64) if dt == "float64" else ulps(dt, 64)
        a = arr([0.5, 1.0, 2.5, 10.0, 30.0, 0.1, 100.0, 3.0], dt)
        x = arr([0.2, 1.0, 2.0, 12.0, 25.0, 3.0, 90.0, 0.0], dt)
        av, xv = a.values, x.values
        add(family, f"gammainc_{dt}", "gammainc", [a, x], arr(sp.gammainc(av, xv), dt), rtol=tight * 4, atol=tight)
        add(family, f"gammaincc_{dt}", "gammaincc", [a, x], arr(sp.gammaincc(av, xv), dt), rtol=tight * 4, atol=tight)
        add(family, f"gammainc_edges_{dt}", "gammainc", [arr([1.0, -1.0, 2.0, 2.0], dt), arr([INF, 1.0, -1.0, NAN], dt)],
            arr([1.0, NAN, NAN, NAN], dt))
        ba = arr([0.5, 2.0, 5.0, 1.0, 20.0, 0.3, 3.0], dt)
        bb = arr([0.5, 3.0, 1.5, 1.0, 15.0, 4.0, 3.0], dt)
        bx = arr([0.3, 0.1, 0.9, 0.5, 0.6, 0.05, 1.0], dt)
        add(family, f"betainc_{dt}", "betainc", [ba, bb, bx], arr(sp.betainc(ba.values, bb.values, bx.values), dt),
            rtol=tight * 8, atol=tight)
        p = arr([1e-30 if dt == "float64" else 1e-20, 1e-10, 0.001, 0.1, 0.5, 0.75, 0.999, 1 - 1e-7, 0.0, 1.0, 1.5], dt)
        # float32: p near 1 is only as exact as 1 - p can be in float32.
        add(family, f"ndtri_{dt}", "ndtri", [p], arr(sp.ndtri(p.values), dt), rtol=tight, atol=tight)
        b = arr([0.0, 0.5, -1.0, 3.0, 11.9, 12.1, -15.0, 19.9, 20.1, 40.0, -80.0], dt)
        for op, fn in (("i0", sp.i0), ("i0e", sp.i0e), ("i1", sp.i1), ("i1e", sp.i1e)):
            add(family, f"{op}_{dt}", op, [b], arr(fn(b.values), dt), rtol=ulps(dt, 16), atol=ulps(dt, 2))
        e = arr([-3.0, -0.5, 0.0, 0.5, 1.9, 2.1, 5.0, 30.0, 1e4, 1e10 if dt == "float64" else 1e6], dt)
        add(family, f"erfcx_{dt}", "erfcx", [e], arr(sp.erfcx(e.values), dt), rtol=ulps(dt, 16))
        add(family, f"erfc_{dt}", "erfc", [e], arr(sp.erfc(e.values), dt), rtol=ulps(dt, 16), atol=ulps(dt, 1))
        s = arr([2.0, 1.5, 3.0, 10.0, 1.0, 0.5, 4.5], dt)
        q = arr([1.0, 2.0, 0.5, 3.0, 1.0, 1.0, 10.0], dt)
        add(family, f"zeta_{dt}", "zeta", [s, q], arr(sp.zeta(s.values, q.values), dt), rtol=ulps(dt, 32))
        add(family, f"zeta_riemann_{dt}", "zeta", [arr([2.0, 3.0, 6.0], dt)], arr(sp.zeta([2.0, 3.0, 6.0]), dt),
            rtol=ulps(dt, 16))
        n = arr([0, 1, 2, 3, 1, 4], "int32")
        px = arr([0.5, 1.0, 2.5, 0.3, 10.0, 4.0], dt)
        add(family, f"polygamma_{dt}", "polygamma", [n, px], arr(sp.polygamma(n.values, px.values), dt), rtol=ulps(dt, 64))
    # SciPy's bernoulli loses digits by n = 30 (B_4 = -0.0333333333332759); the expected values are exact,
    # from the Akiyama-Tanigawa recurrence in rational arithmetic.
    add(family, "bernoulli_30", "bernoulli", [], arr(exact_bernoulli(30), "float64"), params={"n": 30}, rtol=1e-15)


def stats_cases():
    """Each function of each distribution at points across its support and beyond, at float64 (and one
    float32 case per distribution), against scipy.stats."""
    family = "stats"
    d64 = "float64"
    tol = dict(rtol=1e-12, atol=1e-13)
    loose = dict(rtol=1e-9, atol=1e-11)  # the incomplete gamma and beta functions' fixed step counts
    x = np.array([-3.0, -1.0, -0.25, 0.0, 0.3, 1.0, 2.5, 7.0])
    with np.errstate(all="ignore"):
        for name, dist, params, fns in (
                ("norm", st.norm, [0.5, 2.0], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
                ("cauchy", st.cauchy, [0.5, 2.0], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
                ("expon", st.expon, [-0.5, 2.0], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
                ("laplace", st.laplace, [0.5, 2.0], ["logpdf", "pdf", "cdf"]),
                ("logistic", st.logistic, [0.5, 2.0], ["logpdf", "pdf", "cdf", "sf"]),
                ("uniform", st.uniform, [-1.0, 3.0], ["logpdf", "pdf", "cdf"]),
                ("gumbel_r", st.gumbel_r, [0.5, 2.0], ["logpdf", "pdf", "logcdf", "cdf", "sf", "logsf"]),
                ("gumbel_l", st.gumbel_l, [0.5, 2.0], ["logpdf", "pdf", "logcdf", "cdf", "sf", "logsf"])):
            for fn in fns:
                expected = getattr(dist, fn)(x, *params)
                add(family, f"{name}.{fn}", f"{name}.{fn}", [arr(x, d64), arr(params[0], d64), arr(params[1], d64)],
                    arr(expected, d64), params={"shapes": 0}, **tol)
            add(family, f"{name}.logpdf_float32", f"{name}.logpdf", [arr(x, "float32")], arr(dist.logpdf(x.astype(np.float32)), "float32"),
                params={"shapes": 0}, rtol=ulps("float32", 16), atol=ulps("float32", 16))
        q = np.array([0.001, 0.1, 0.5, 0.9, 0.999])
        for name, dist, fns in (("norm", st.norm, ["ppf", "isf"]), ("cauchy", st.cauchy, ["ppf", "isf"]),
                                ("expon", st.expon, ["ppf"]), ("logistic", st.logistic, ["ppf", "isf"]),
                                ("uniform", st.uniform, ["ppf"]), ("gumbel_r", st.gumbel_r, ["ppf"]),
                                ("gumbel_l", st.gumbel_l, ["ppf"])):
            for fn in fns:
                add(family, f"{name}.{fn}", f"{name}.{fn}", [arr(q, d64), arr(0.5, d64), arr(2.0, d64)],
                    arr(getattr(dist, fn)(q, 0.5, 2.0), d64), params={"shapes": 0}, rtol=1e-10, atol=1e-10)
        xp = np.array([-1.0, 0.0, 0.2, 1.0, 2.5, 6.0, 15.0])
        for name, dist, shape, fns, t in (
                ("gamma", st.gamma, 2.5, ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], loose),
                ("chi2", st.chi2, 3.0, ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], loose),
                ("t", st.t, 4.0, ["logpdf", "pdf"], tol),
                ("pareto", st.pareto, 2.0, ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], tol),
                ("gennorm", st.gennorm, 1.5, ["logpdf", "pdf", "cdf"], loose)):
            for fn in fns:
                add(family, f"{name}.{fn}", f"{name}.{fn}", [arr(xp, d64), arr(shape, d64), arr(0.1, d64), arr(1.5, d64)],
                    arr(getattr(dist, fn)(xp, shape, 0.1, 1.5), d64), params={"shapes": 1}, **t)
        add(family, "pareto.ppf", "pareto.ppf", [arr(q, d64), arr(2.0, d64), arr(0.1, d64), arr(1.5, d64)],
            arr(st.pareto.ppf(q, 2.0, 0.1, 1.5), d64), params={"shapes": 1}, rtol=1e-10)
        angles = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, 3.1])
        for kappa in (0.5, 4.0, 200.0):
            for fn in ("logpdf", "pdf"):
                add(family, f"vonmises.{fn}_{kappa}", f"vonmises.{fn}", [arr(angles, d64), arr(kappa, d64)],
                    arr(getattr(st.vonmises, fn)(angles, kappa), d64), params={"shapes": 1}, rtol=1e-11, atol=1e-12)
        # JAX: vonmises has no density outside [-pi, pi] (SciPy's is periodic).
        add(family, "vonmises.logpdf_outside", "vonmises.logpdf", [arr([4.0, -7.0], d64), arr(1.0, d64)], arr([-INF, -INF], d64),
            params={"shapes": 1})
        wrapped = np.array([0.0, 0.5, 3.0, 6.0])
        for fn in ("logpdf", "pdf"):
            add(family, f"wrapcauchy.{fn}", f"wrapcauchy.{fn}", [arr(wrapped, d64), arr(0.3, d64)],
                arr(getattr(st.wrapcauchy, fn)(wrapped, 0.3), d64), params={"shapes": 1}, **tol)
        xb = np.array([-0.5, 0.0, 0.1, 0.4, 0.75, 1.0, 1.2])
        for fn in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
            add(family, f"beta.{fn}", f"beta.{fn}", [arr(xb, d64), arr(2.5, d64), arr(1.5, d64)],
                arr(getattr(st.beta, fn)(xb, 2.5, 1.5), d64), params={"shapes": 2}, **loose)
        xt = np.array([-2.0, -1.0, -0.5, 0.0, 1.0, 1.5, 3.0])
        for a_, b_ in ((-1.0, 1.5), (0.5, 4.0), (-6.0, -4.0)):
            for fn in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
                add(family, f"truncnorm.{fn}_{a_}_{b_}", f"truncnorm.{fn}", [arr(xt if a_ > -5 else xt - 5, d64), arr(a_, d64), arr(b_, d64)],
                    arr(getattr(st.truncnorm, fn)(xt if a_ > -5 else xt - 5, a_, b_), d64), params={"shapes": 2}, rtol=1e-9, atol=1e-10)
        k = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 7.0, 2.5])
        for name, dist, params, fns in (("bernoulli", st.bernoulli, [0.3], ["logpmf", "pmf", "cdf"]),
                                        ("geom", st.geom, [0.3], ["logpmf", "pmf"]),
                                        ("poisson", st.poisson, [2.5], ["logpmf", "pmf", "cdf"]),
                                        ("binom", st.binom, [7.0, 0.4], ["logpmf", "pmf"]),
                                        ("nbinom", st.nbinom, [3.0, 0.4], ["logpmf", "pmf"]),
                                        ("betabinom", st.betabinom, [7.0, 2.0, 3.0], ["logpmf", "pmf"])):
            for fn in fns:
                add(family, f"{name}.{fn}", f"{name}.{fn}", [arr(k, d64)] + [arr(v, d64) for v in params],
                    arr(getattr(dist, fn)(k, *params), d64), params={"shapes": len(params)}, **loose)
        add(family, "bernoulli.ppf", "bernoulli.ppf", [arr([0.0, 0.5, 0.7, 0.71, 1.0], d64), arr(0.3, d64)],
            arr(st.bernoulli.ppf([0.0, 0.5, 0.7, 0.71, 1.0], 0.3), d64), params={"shapes": 1})
        mus = np.array([0.5, 3.0, 40.0, 149.0, 151.0, 1000.0])
        add(family, "poisson.entropy", "poisson.entropy", [arr(mus, d64)], arr(st.poisson.entropy(mus), d64),
            params={"shapes": 0}, rtol=1e-9)
        mean = np.array([0.5, -1.0, 2.0])
        cov = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])
        pts = np.round(draw_points(), 3)
        for fn in ("logpdf", "pdf"):
            add(family, f"multivariate_normal.{fn}", f"multivariate_normal.{fn}", [arr(pts, d64), arr(mean, d64), arr(cov, d64)],
                arr(getattr(st.multivariate_normal, fn)(pts, mean, cov), d64), params={"shapes": 2}, **tol)
        alpha = np.array([1.5, 2.0, 0.7])
        simplex = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]).T  # SciPy's layout: components first
        for fn in ("logpdf", "pdf"):
            add(family, f"dirichlet.{fn}", f"dirichlet.{fn}", [arr(simplex, d64), arr(alpha, d64)],
                arr(getattr(st.dirichlet, fn)(simplex, alpha), d64), params={"shapes": 1}, **tol)
        counts = np.array([[1.0, 2.0, 3.0], [0.0, 6.0, 0.0], [2.0, 2.0, 1.0]])
        probs = np.array([0.2, 0.5, 0.3])
        for fn in ("logpmf", "pmf"):
            add(family, f"multinomial.{fn}", f"multinomial.{fn}", [arr(counts, d64), arr(6.0, d64), arr(probs, d64)],
                arr(getattr(st.multinomial, fn)(counts, 6, probs), d64), params={"shapes": 2}, **tol)
    data = np.array([[3.0, 1.0, 4.0, 1.0, 5.0], [9.0, 2.0, 6.0, 5.0, 3.0], [5.0, 8.0, 9.0, 7.0, 9.0]])
    for method in ("average", "min", "max", "dense", "ordinal"):
        add(family, f"rankdata_{method}", "rankdata", [arr(data, d64)],
            arr(st.rankdata(data, method=method), d64 if method == "average" else "int64"), params={"method": method})
        add(family, f"rankdata_{method}_axis1", "rankdata", [arr(data, d64)],
            arr(st.rankdata(data, method=method, axis=1), d64 if method == "average" else "int64"), params={"method": method, "axis": 1})
    m = st.mode(data, axis=0, keepdims=False)
    add(family, "mode_axis0", "mode", [arr(data, d64)], [arr(m.mode, d64), arr(m.count, "int64")], params={"axis": 0})
    m = st.mode(data, axis=1, keepdims=True)
    add(family, "mode_axis1_keepdims", "mode", [arr(data, d64)], [arr(m.mode, d64), arr(m.count, "int64")],
        params={"axis": 1, "keepdims": True})
    add(family, "sem", "sem", [arr(data, d64)], arr(st.sem(data), d64), params={"axis": 0}, **tol)
    add(family, "sem_axis1_ddof0", "sem", [arr(data, d64)], arr(st.sem(data, axis=1, ddof=0), d64), params={"axis": 1, "ddof": 0}, **tol)
    sample = np.round(draw_kde(), 3)
    where_1d = np.array([-2.0, -0.5, 0.0, 0.7, 3.0])
    kde = st.gaussian_kde(sample)
    add(family, "gaussian_kde_1d", "gaussian_kde", [arr(sample, d64), arr(where_1d, d64)],
        [arr(kde.evaluate(where_1d), d64), arr(kde.logpdf(where_1d), d64), arr(kde.integrate_box_1d(-0.5, 1.0), d64)],
        params={"bw_method": "scott"}, **tol)
    kde = st.gaussian_kde(sample, bw_method="silverman", weights=np.linspace(1, 2, sample.size))
    add(family, "gaussian_kde_silverman_weights", "gaussian_kde", [arr(sample, d64), arr(where_1d, d64), arr(np.linspace(1, 2, sample.size), d64)],
        [arr(kde.evaluate(where_1d), d64), arr(kde.logpdf(where_1d), d64), arr(kde.integrate_box_1d(-0.5, 1.0), d64)],
        params={"bw_method": "silverman"}, **tol)
    sample2 = np.round(draw_points().T, 3)
    kde = st.gaussian_kde(sample2, bw_method=0.6)
    where_2d = np.array([[0.0, 1.0], [-1.0, 0.5], [2.0, 2.0]])
    add(family, "gaussian_kde_3d_factor", "gaussian_kde", [arr(sample2, d64), arr(where_2d, d64)],
        [arr(kde.evaluate(where_2d), d64), arr(kde.logpdf(where_2d), d64)], params={"bw_method": 0.6}, **tol)


def draw_points():
    return rng_for("stats_points").uniform(-2, 2, (6, 3))


def draw_kde():
    return rng_for("stats_kde").uniform(-2, 2, 40)


def generate():
    CASES.clear()
    special_cases()
    stats_cases()
    return CASES


def main():
    return oracle_cases.main(__doc__.split("\n")[0], generate, OUT_PATH, ROOT)


if __name__ == "__main__":
    sys.exit(main())
