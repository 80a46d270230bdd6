"""Compares a committed oracle file with what its generator writes now, as the tests would see it.

The oracle generators (numpy_oracle.py, optax_oracle.py) compute expected values with NumPy, whose
results depend in their last bits on the CPU they run on: a matmul's summation order follows
OpenBLAS's kernel for that CPU, a sum's follows NumPy's SIMD loops. A staleness check that compared
those bits would fail on every machine but the one that generated the file. Here two files agree when
everything but floating-point numbers is identical and every number agrees within a small fraction
of the tolerance its case gives the tests, so that the committed value is as good an oracle as the
fresh one.
"""

import math

# Within this fraction of a case's own tolerance, two expected values are the same oracle.
FRACTION_OF_TOLERANCE = 0.25
# Numbers that are inputs or tolerances, not computed results, may differ only by rounding.
INPUT_RTOL = 1e-6


def _as_number(v):
    """A float for JSON numbers and the strings the generators write for non-finite values."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if v in ("nan", "inf", "-inf"):
        return float(v)
    return None


def _numbers_agree(a, b, rtol, atol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def first_difference(committed, fresh, tolerance_at, path="", rtol=INPUT_RTOL, atol=0.0):
    """The path of the first place where the two JSON values differ beyond tolerance, or None.

    tolerance_at(path, node) is called for every dict node; it returns (rtol, atol) for the numbers
    below it, or None to keep the tolerance in force above it.
    """
    a_num, b_num = _as_number(committed), _as_number(fresh)
    if a_num is not None and b_num is not None:
        if isinstance(committed, int) and isinstance(fresh, int):
            return None if committed == fresh else path  # integers (shapes, counts, int data) are exact
        return None if _numbers_agree(a_num, b_num, rtol, atol) else path
    if isinstance(committed, dict) and isinstance(fresh, dict):
        if committed.keys() != fresh.keys():
            return path + " (keys)"
        for key in committed:
            inner = tolerance_at(path + "/" + key, committed)
            r, t = (rtol, atol) if inner is None else inner
            found = first_difference(committed[key], fresh[key], tolerance_at, path + "/" + key, r, t)
            if found is not None:
                return found
        return None
    if isinstance(committed, list) and isinstance(fresh, list):
        if len(committed) != len(fresh):
            return path + " (length)"
        for i, (a, b) in enumerate(zip(committed, fresh)):
            found = first_difference(a, b, tolerance_at, f"{path}[{i}]", rtol, atol)
            if found is not None:
                return found
        return None
    return None if committed == fresh else path


def case_tolerance(case, rtol_key, atol_key):
    """The fraction of a case's (rtol, atol) within which two computed values are the same oracle.

    A tolerance given per step (a list) counts with its largest value."""

    def largest(v):
        return max(float(x) for x in v) if isinstance(v, list) else float(v)

    return (FRACTION_OF_TOLERANCE * largest(case.get(rtol_key, 0.0)),
            FRACTION_OF_TOLERANCE * largest(case.get(atol_key, 0.0)))
