#!/usr/bin/python3
"""NumPy's time for the FFTs bench_fft times in jx (numpy.fft.fft of complex128, rfft of float64,
2^10 to 2^22 points), in a process of its own. Run with Debian's Python: /usr/bin/python3 bench/fft_numpy.py
"""
import math
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
    print(f"numpy {np.__version__}; GFLOP/s as 5 n log2 n / time, and ms per call")
    for name, make, call in (("fft c128", lambda n: rng.standard_normal(n) + 1j * rng.standard_normal(n), np.fft.fft),
                             ("rfft f64", lambda n: rng.standard_normal(n), np.fft.rfft)):
        for p in range(10, 23, 2):
            n = 1 << p
            x = make(n)
            t = median_time(lambda: call(x))
            print(f"{name} 2^{p}: {5 * n * math.log2(n) / t / 1e9:.2f} GFLOP/s ({t * 1e3:.3f} ms)")


if __name__ == "__main__":
    main()
