#!/usr/bin/python3
"""NumPy's time for the calls bench_linalg times in jx (float64, the same sizes and inputs' kind),
in a process of its own. Run with Debian's Python: /usr/bin/python3 bench/linalg_numpy.py

NumPy calls the same OpenBLAS LAPACK as jx, so the two columns differ by what each adds around it.
"""
import numpy as np

from python_timing import median_time


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
