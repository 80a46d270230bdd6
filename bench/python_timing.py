"""Timing for the Python benchmarks that bench jx's calls against NumPy's (bench/fft_numpy.py,
bench/linalg_numpy.py); they import it as a sibling module (the script's folder is first on
sys.path).
"""
import time


def median_time(f, min_time=0.2):
    """The median of f()'s wall times, in seconds, after one warm-up call: at least 5 calls, and
    more until they have taken min_time seconds in all."""
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
