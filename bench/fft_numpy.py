#!/usr/bin/python3
"""NumPy's time for the FFTs bench_fft times in jx (numpy.fft.fft of complex128, rfft of float64,
2^10 to 2^22 points), in a process of its own. Run with Debian's Python: /usr/bin/python3 bench/fft_numpy.py
"""
import math

import numpy as np

from python_timing import median_time


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
