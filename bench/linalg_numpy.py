#!/usr/bin/python3
"""NumPy's time for the calls bench_linalg times in jx (float64, the same sizes and inputs' kind),
in a process of its own. Run with Debian's Python: /usr/bin/python3 bench/linalg_numpy.py

NumPy calls the same OpenBLAS LAPACK as jx, so the two columns differ by what each adds around it.
"""
import time

import numpy as np


def median_time(f, min_time=0.2):
    f()
    times = []
    total = 0.0
    while total < min_time or len(times) < 5:
        start = time.perf_counter()
        f()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        total += elapsed
    return sorted(times)[len(times) // 2]


def main():
    rng = np.random.default_rng(1)
    print(f"numpy {np.__version__}; ms per call")
    for n in (64, 256, 1024):
        a = rng.standard_normal((n, n)) + n * np.eye(n)
        symmetric = a + a.T
        b = rng.standard_normal(n)
        calls = {
            "solve": lambda: np.linalg.solve(a, b),
            "inv": lambda: np.linalg.inv(a),
            "det": lambda: np.linalg.det(a),
            "qr (reduced)": lambda: np.linalg.qr(a),
            "eigh": lambda: np.linalg.eigh(symmetric),
            "svd (full)": lambda: np.linalg.svd(a),
        }
        for name, call in calls.items():
            print(f"{name} {n}: {median_time(call) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
