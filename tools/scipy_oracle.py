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
CASES = oracle_cases.Cases(("float64", "int64", "complex128"))
EPS = {"float32": 2.0 ** -23, "float64": 2.0 ** -52}
NP = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "int64": np.int64, "bool": np.bool_,
      "complex64": np.complex64, "complex128": np.complex128}
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


def special_integrals_cases():
    """jx/scipy/special_integrals.h. Tolerances: float32 1e-5 relative; float64 1e-13 relative where the
    algorithm reaches it (the series, continued fractions and rational approximations), looser where a
    case says why."""
    family = "special_integrals"
    with np.errstate(all="ignore"):
        for dt in ("float32", "float64"):
            wide = dt == "float64"
            rel = 1e-13 if wide else 1e-5
            tiny = 1e-300 if wide else 1e-37
            d = arr([-50.0, -7.0, -4.0, -1.0, -0.2, 0.0, 1e-5, 0.5, 2.0, 3.2, 3.3, 5.0, 6.3, 10.0, 1e3, 1e10,
                     INF, -INF, NAN], dt)
            add(family, f"dawsn_{dt}", "dawsn", [d], arr(sp.dawsn(d.values), dt), rtol=rel, atol=tiny)
            n = arr([0, 1, 2, 3, 5, 10, 50, 1, 2, 1, 2, 3, 0, 1, 4, 7], "int32")
            x = arr([0.5, 1e-10, 0.3, 1.9, 2.1, 3.0, 1.5, 20.0, 100.0, 0.0, 0.0, 0.0, 0.0, -1.0, INF, NAN], dt)
            add(family, f"expn_{dt}", "expn", [n, x], arr(sp.expn(n.values, x.values), dt), rtol=rel, atol=tiny)
            e = arr([0.0, 1e-10, 0.1, 1.0, 1.9, 2.1, 5.0, 20.0, 80.0, INF, -1.0, NAN]
                    + ([700.0, 800.0] if wide else []), dt)
            add(family, f"exp1_{dt}", "exp1", [e], arr(sp.exp1(e.values), dt), rtol=rel, atol=tiny)
            # Away from Ei's zero at 0.3725, where only the absolute error stays small.
            ei = arr([-800.0, -50.0, -5.0, -1.0, -0.01, 0.0, 1e-10, 0.1, 1.0, 5.0, 19.0, 21.0, 39.0, 41.0, 80.0,
                      INF, -INF, NAN] + ([300.0, 700.0, 705.0, 720.0] if wide else [88.0, 95.0]), dt)
            # SciPy 1.10's expi(inf) is NaN; the limit, inf, as jx (and JAX) give it.
            add(family, f"expi_{dt}", "expi", [ei], arr(np.where(np.isposinf(ei.values), INF, sp.expi(ei.values)), dt),
                rtol=rel, atol=tiny)
            add(family, f"expi_near_zero_{dt}", "expi", [arr([0.3, 0.37, 0.38, 0.45], dt)],
                arr(sp.expi(arr([0.3, 0.37, 0.38, 0.45], dt).values), dt), rtol=rel, atol=1e-15 if wide else 1e-6)
            si = arr([-INF, -10.0, -1.0, 0.0, 1e-8, 0.5, 3.0, 3.9, 4.1, 6.0, 10.0, 50.0, 1e3, 1e7, 1e9, INF, NAN], dt)
            add(family, f"sici_{dt}", "sici", [si], [arr(v, dt) for v in sp.sici(si.values)], rtol=rel * 10,
                atol=tiny)
            fr = arr([-INF, -3.0, -1.0, 0.0, 1e-5, 0.5, 1.4, 1.6, 2.5, 5.0, 10.0, INF, NAN]
                     + ([100.0, 1000.0] if wide else []), dt)
            # Far out the phase pi x^2 / 2 is only as exact as its rounding: 1e-12 at x = 1000.
            add(family, f"fresnel_{dt}", "fresnel", [fr], [arr(v, dt) for v in sp.fresnel(fr.values)],
                rtol=1e-12 if wide else rel, atol=tiny)
            sx = arr([0.0, 1e-12, 0.1, 0.49, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 10.0, 1e10, -1.0, INF, NAN], dt)
            add(family, f"spence_{dt}", "spence", [sx], arr(sp.spence(sx.values), dt), rtol=rel, atol=tiny)
            # SciPy's Patefield-Tandy values are accurate to about 1e-12 relative (absolute 1e-16).
            h = arr([0.0, 0.1, 1.0, 1.0, 2.0, 5.0, 10.0, -1.0, 1.0, 0.5, 0.0, INF, 3.0, 0.3, NAN, 0.7, 30.0], dt)
            a = arr([0.5, 0.3, 0.5, 1.0, 1.5, 0.9, 3.0, 0.5, -2.0, INF, INF, 1.0, 0.0, 1e5, 1.0, -INF, 0.2], dt)
            add(family, f"owens_t_{dt}", "owens_t", [h, a], arr(sp.owens_t(h.values, a.values), dt),
                rtol=1e-11 if wide else rel, atol=tiny)
            z = arr([-20.0, -5.5, -1.0, 0.0, 1e-6, 0.5, 3.0, 10.0, 24.0, INF, NAN], dt)
            # Miller's recurrence normalized by a sum of terms of both signs: absolute accuracy.
            # SciPy 1.10's jv(k, inf) is NaN; the limit, 0, as jx gives it.
            bessel = np.stack([np.where(np.isinf(z.values), 0.0, sp.jv(k, z.values)) for k in range(5)])
            add(family, f"bessel_jn_{dt}", "bessel_jn", [z], arr(bessel, dt),
                params={"v": 4}, rtol=rel, atol=1e-12 if wide else 1e-6)
            zz = arr([35.0, -12.0, 0.25], dt)
            add(family, f"bessel_jn_n_iter_{dt}", "bessel_jn", [zz],
                arr(np.stack([sp.jv(k, zz.values) for k in range(8)]), dt), params={"v": 7, "n_iter": 90},
                rtol=rel, atol=1e-12 if wide else 1e-6)
            ha = [0.5, 1.0, 2.5, -3.0, -2.5, 10.0, 0.1, 1.0, 0.5, -2.0, -1.0, 1.0, 0.0, 2.0, 3.0]
            hb = [1.5, 2.0, 0.5, 4.0, 1.5, 3.0, 7.0, 2.0, 1.5, -2.0, -2.0, -2.0, 3.0, 2.0, 4.0]
            hx = [-20.0, -5.0, -1.0, -5.0, -0.1, 3.0, 10.0, 40.0, 70.0, 1.0, 1.0, 1.0, 5.0, 3.0, NAN]
            if wide:
                ha, hb, hx = ha + [2.5, 1.0], hb + [0.5, 2.0], hx + [120.0, -60.0]
            ha_, hb_, hx_ = arr(ha, dt), arr(hb, dt), arr(hx, dt)
            # Kummer's transformation loses a few digits where b - a < 0 (10, 3, -5): 1e-12.
            add(family, f"hyp1f1_{dt}", "hyp1f1", [ha_, hb_, hx_],
                arr(sp.hyp1f1(ha_.values, hb_.values, hx_.values), dt), rtol=1e-12 if wide else rel, atol=tiny)
            # JAX's convention 1F1(0; 0; x) = 1, where SciPy has inf.
            add(family, f"hyp1f1_zero_zero_{dt}", "hyp1f1", [arr([0.0], dt), arr([0.0], dt), arr([2.0], dt)],
                arr([1.0], dt))


def special_hypergeometric_cases():
    """hyp2f1, sph_harm_y and wofz (jx/scipy/special_integrals.h). Tolerances: float32 / complex64 1e-5
    relative (more where a case says why); float64 1e-12 for hyp2f1 (its transformations near x = 1),
    1e-13 for the spherical harmonics, 3e-13 for wofz (Weideman's N = 40 approximation, and the conditioning
    of exp(-z^2) below the real axis)."""
    family = "special_hypergeometric"
    with np.errstate(all="ignore"):
        for dt in ("float32", "float64"):
            wide = dt == "float64"
            # The power series (|x| <= 0.5), near x = 1 (c - a - b fractional: DLMF 15.8.4; an integer: 15.8.10;
            # negative: Euler's transformation first), Pfaff's transformation for x < 0, polynomials (also for
            # x > 1 and x < -1), Gauss's sum at x = 1.
            rows = [
                (0.5, 1.5, 2.5, 0.3), (1.0, 1.0, 2.0, 0.5), (2.5, -1.5, 4.2, 0.45), (0.3, 0.7, 1.9, 0.1),
                (1.5, 2.0, 4.7, 0.8), (1.5, 2.0, 4.7, 0.95), (1.5, 2.0, 4.7, 0.999), (0.5, 1.0, 2.5, 0.97),
                (1.0, 2.0, 3.0, 0.95), (1.0, 2.0, 3.0, 0.999), (0.5, 1.5, 4.0, 0.9), (0.5, 1.5, 2.0, 0.99),
                (1.5, 2.5, 3.3, 0.7), (1.5, 2.5, 3.3, 0.99), (2.0, 3.0, 4.0, 0.95), (1.5, 2.5, 3.0, 0.6),
                (0.5, 1.5, 2.5, -0.5), (0.5, 1.5, 2.5, -3.0), (2.0, 0.7, 3.5, -20.0), (1.2, 3.4, 2.2, -0.9),
                (-3.0, 1.5, 2.5, 0.7), (-3.0, 1.5, 2.5, 2.0), (2.5, -4.0, 1.5, -5.0), (-2.0, -1.0, 3.0, 0.4),
                (0.5, 1.0, 3.0, 1.0), (2.0, 3.0, 7.5, 1.0), (-3.0, 1.0, -4.0, 0.5), (3.0, 7.0, 2.0, 0.3),
            ]
            a, b, c, x = (arr([r[i] for r in rows], dt) for i in range(4))
            # Near x = 1 the transformations' terms cancel a little: 1e-11 (float64), 1e-4 (float32).
            add(family, f"hyp2f1_{dt}", "hyp2f1", [a, b, c, x],
                arr(sp.hyp2f1(a.values, b.values, c.values, x.values), dt), rtol=1e-11 if wide else 1e-4)
            # Special cases: x = 0 and a = 0 give 1; b = c and a = c (1 - x)^-a, (1 - x)^-b; poles at c = 0 and
            # at negative integer c (-2.0 with a = 1, and a = -3 < c = -2); x > 1; x = 1 with c - a - b <= 0.
            sa = arr([0.5, 0.0, 1.5, 0.7, 1.0, 1.0, -3.0, 1.0, 1.0, 1.0, NAN], dt)
            sb = arr([1.5, 2.0, 2.5, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0], dt)
            sc = arr([2.5, 3.0, 2.5, 0.7, 0.0, -2.0, -2.0, 2.0, 1.5, 2.0, 2.0], dt)
            sx = arr([0.0, 0.7, 0.6, -2.0, 0.5, 0.5, 0.5, 1.5, 1.0, 1.0, 0.5], dt)
            expected = [1.0, 1.0, 0.4 ** -1.5, 3.0 ** -1.5, INF, INF, INF, INF, INF, INF, NAN]
            add(family, f"hyp2f1_special_{dt}", "hyp2f1", [sa, sb, sc, sx], arr(expected, dt),
                rtol=ulps(dt, 8))
            # sph_harm_y(n, m, theta, phi) is SciPy 1.10's sph_harm(m, n, phi, theta).
            n = arr([0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 8, 3], "int32")
            m = arr([0, -1, 0, 1, 2, -2, 1, -3, 5, 4, -7, 0, 4], "int32")
            theta = arr([0.3, 1.2, 2.0, 0.0, 0.7, 3.0, 1.5, 0.4, 1.0, 2.5, 1.7, 3.14159, 0.9], dt)
            phi = arr([0.1, 2.0, 5.0, 1.0, 4.0, 0.3, 6.0, 1.1, 3.3, 0.2, 5.5, 2.0, 1.0], dt)
            cdt = "complex128" if wide else "complex64"
            y = sp.sph_harm(m.values, n.values, phi.values, theta.values)
            y = np.where(np.abs(m.values) > n.values, 0.0, y)  # JAX: undefined; jx 0 (SciPy NaN)
            add(family, f"sph_harm_y_{dt}", "sph_harm_y", [n, m, theta, phi], arr(y, cdt),
                params={"n_max": 8}, rtol=1e-13 if wide else 1e-5, atol=1e-15 if wide else 1e-6)
            # n_max below a degree clips it (JAX's table lookup).
            # n_max below a degree or order clips it where JAX looks up its table of P_n^|m|; the phase
            # exp(i |m| phi) keeps the order given, and Y_n^-m = (-1)^m conj(Y_n^m).
            order, degree = np.minimum(np.abs(m.values), 4), np.minimum(n.values, 4)
            legendre = np.where(order > degree, 0.0, sp.sph_harm(np.minimum(order, degree), degree, 0.0,
                                                                 theta.values).real)
            y = legendre * np.exp(1j * np.abs(m.values) * phi.values)
            y = np.where(m.values < 0, (-1.0) ** np.abs(m.values) * np.conj(y), y)
            add(family, f"sph_harm_y_clipped_{dt}", "sph_harm_y", [n, m, theta, phi], arr(y, cdt),
                params={"n_max": 4}, rtol=1e-13 if wide else 1e-5, atol=1e-15 if wide else 1e-6)
            re = np.array([0.0, 0.5, -0.5, 2.0, -3.0, 5.5, -6.3, 10.0, 0.0, 0.0, 1e-3, 30.0, -1e4, 1.0, 4.0, -2.0,
                           0.1, 25.0, INF, -INF, 0.0, NAN])
            im = np.array([0.0, 0.5, 1.0, -0.3, -1e-3, 1e-3, 2.0, 10.0, -5.0, 20.0, -2.0, -0.5, 3.0, -3.0, -4.0,
                           -10.0, 40.0, 1e5, 0.0, -1.0, INF, 0.0])
            z = arr(re + 1j * im, cdt)
            add(family, f"wofz_{cdt}", "wofz", [z], arr(sp.wofz(z.values), cdt),
                rtol=3e-13 if wide else 2e-6, atol=1e-300 if wide else 1e-37)
            real_x = arr([-4.0, -1.0, 0.0, 0.3, 2.0, 7.0], dt)
            add(family, f"wofz_real_{dt}", "wofz", [real_x], arr(sp.wofz(real_x.values.astype(complex)), cdt),
                rtol=3e-13 if wide else 2e-6)


def draw_points():
    return rng_for("stats_points").uniform(-2, 2, (6, 3))


def draw_kde():
    return rng_for("stats_kde").uniform(-2, 2, 40)


def generate():
    CASES.clear()
    special_cases()
    special_integrals_cases()
    special_hypergeometric_cases()
    stats_cases()
    return CASES


def main():
    return oracle_cases.main(__doc__.split("\n")[0], generate, OUT_PATH, ROOT)


if __name__ == "__main__":
    sys.exit(main())
